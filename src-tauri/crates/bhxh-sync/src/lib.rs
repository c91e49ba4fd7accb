//! BHXH Desk's sync client: sends the outbox to HQ and pulls what HQ
//! published (directives, plan changes) by cursor.
//!
//! One [`sync_round`] sends every queued change in batches and then pulls;
//! the caller repeats rounds on a timer and, after a failure, waits
//! [`Backoff::next_delay`] (exponential, with jitter). Nothing is lost or
//! counted twice:
//!
//! - a change leaves the queue only when HQ's answer says HQ holds it
//!   (stored or duplicate) — the answer is checked first, and an answer that
//!   is malformed, oversize, or speaks of ids that were not sent changes
//!   nothing in the outbox;
//! - HQ keeps each (office, key, revision) once, so sending again after a
//!   lost answer, a crash or a restart is harmless;
//! - received items and the cursor are written in one transaction.
//!
//! The HTTP client is blocking (reqwest's blocking client with rustls):
//! call it from a plain thread or `spawn_blocking`, never inside an async
//! task. It holds no database lock while waiting for HQ.

use std::io::Read;
use std::time::Duration;

use bhxh_core::sync::outbox::{self, Answer};
use bhxh_core::{CoreError, Timestamp};
use bhxh_sync_proto::{
    AuditHead, ErrorBody, Hello, MAX_PULL_ITEMS, MAX_RESPONSE_BYTES, PROTOCOL_VERSION,
    ProvinceResponse, Published, PullResponse, PushRequest, PushResponse, Stream, WitnessRequest,
    WitnessResponse, codes,
};
use rusqlite::Connection;
use serde::Serialize;
use serde_json::value::RawValue;
use uuid::Uuid;

/// Why a sync round stopped. Messages are Vietnamese, for the status line.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("Chưa cấu hình đồng bộ với BHXH Việt Nam (địa chỉ máy chủ và mã truy cập).")]
    NotConfigured,
    #[error("Địa chỉ máy chủ \"{0}\" không hợp lệ: {1}")]
    BadUrl(String, String),
    #[error(
        "Không kết nối được máy chủ BHXH Việt Nam ({0}). Dữ liệu vẫn được giữ để gửi lại khi có mạng."
    )]
    Offline(String),
    #[error("Máy chủ BHXH Việt Nam không trả lời kịp thời. Dữ liệu vẫn được giữ để gửi lại.")]
    Timeout,
    #[error("Mã truy cập của đơn vị không được máy chủ chấp nhận: {0}")]
    Unauthorized(String),
    #[error("{0}")]
    Revoked(String),
    #[error("Máy chủ đang bận (giới hạn tần suất); sẽ thử lại sau {retry_after_secs} giây.")]
    RateLimited { retry_after_secs: u64 },
    #[error("Máy chủ BHXH Việt Nam báo lỗi {status}: {message}")]
    Server { status: u16, message: String },
    #[error("Phản hồi của máy chủ bị từ chối, không dữ liệu nào bị thay đổi: {0}")]
    BadResponse(String),
    #[error(
        "Một mục chờ gửi ({0} byte) lớn hơn giới hạn máy chủ nhận; mục vẫn được giữ. Hãy báo quản trị máy chủ BHXH Việt Nam nâng giới hạn."
    )]
    TooLarge(usize),
    /// 403 `not_provincial` to `GET /v1/province`: a base office's token.
    #[error("{0}")]
    NotProvincial(String),
    #[error("{0}")]
    Store(#[from] CoreError),
}

impl SyncError {
    /// A stable code for the UI and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::NotConfigured => "sync_not_configured",
            SyncError::BadUrl(..) => "sync_bad_url",
            SyncError::Offline(_) => "sync_offline",
            SyncError::Timeout => "sync_timeout",
            SyncError::Unauthorized(_) => "sync_unauthorized",
            SyncError::Revoked(_) => "sync_revoked",
            SyncError::RateLimited { .. } => "sync_rate_limited",
            SyncError::Server { .. } => "sync_server_error",
            SyncError::BadResponse(_) => "sync_bad_response",
            SyncError::TooLarge(_) => "sync_too_large",
            SyncError::NotProvincial(_) => "sync_not_provincial",
            SyncError::Store(_) => "sync_store_error",
        }
    }

    /// Worth trying again later without anyone doing anything.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SyncError::Offline(_)
                | SyncError::Timeout
                | SyncError::RateLimited { .. }
                | SyncError::Server { .. }
                | SyncError::BadResponse(_)
        )
    }

    /// What to do about it, in Vietnamese.
    pub fn hint(&self) -> &'static str {
        match self {
            SyncError::NotConfigured => {
                "Quản trị viên nhập địa chỉ máy chủ và mã truy cập do BHXH Việt Nam cấp (bhxh-desk sync configure --url URL)."
            }
            SyncError::BadUrl(..) => {
                "Nhập địa chỉ dạng https://ten-may-chu (http:// chỉ dùng được với máy chủ trên chính máy này)."
            }
            SyncError::Unauthorized(_) | SyncError::Revoked(_) => {
                "Liên hệ BHXH Việt Nam để được cấp mã truy cập mới, rồi nhập lại bằng \"Cấu hình đồng bộ\"."
            }
            SyncError::Offline(_) | SyncError::Timeout => {
                "Kiểm tra kết nối mạng; phần mềm tự gửi lại khi có mạng."
            }
            _ => "",
        }
    }
}

/// How a desk reaches HQ.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub url: String,
    pub connect_timeout: Duration,
    /// The whole request, answer included.
    pub timeout: Duration,
    /// Changes per push.
    pub batch_size: usize,
    /// A PEM file of certificates to trust besides the system's (an HQ
    /// with its own certificate authority); `BHXH_SYNC_CA_FILE`.
    pub ca_file: Option<std::path::PathBuf>,
}

impl ClientConfig {
    /// Defaults: 5 s to connect, 30 s per request, 200 changes per push.
    /// For slow links the environment can change the last two:
    /// `BHXH_SYNC_TIMEOUT_SECS` and `BHXH_SYNC_BATCH_SIZE`.
    pub fn new(url: &str) -> ClientConfig {
        let env = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|n| *n > 0)
        };
        ClientConfig {
            url: url.trim_end_matches('/').to_owned(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(env("BHXH_SYNC_TIMEOUT_SECS").unwrap_or(30).min(3600)),
            batch_size: env("BHXH_SYNC_BATCH_SIZE")
                .map_or(200, |n| usize::try_from(n).unwrap_or(200))
                .min(bhxh_sync_proto::MAX_BATCH_ITEMS),
            ca_file: std::env::var_os("BHXH_SYNC_CA_FILE")
                .filter(|v| !v.is_empty())
                .map(std::path::PathBuf::from),
        }
    }
}

/// Check an HQ address: `https://…`, or `http://` to this machine only.
pub fn check_url(url: &str) -> Result<String, SyncError> {
    let bad = |why: &str| SyncError::BadUrl(url.to_owned(), why.to_owned());
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| bad(&e.to_string()))?;
    let loopback = matches!(
        parsed.host_str(),
        Some("localhost" | "127.0.0.1" | "[::1]" | "::1")
    );
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err(bad("cần https:// (dữ liệu đi qua mạng phải được mã hóa)")),
        other => return Err(bad(&format!("giao thức \"{other}\" không được hỗ trợ"))),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad("không ghi tài khoản trong địa chỉ"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad("địa chỉ không được có phần ? hoặc #"));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

/// HTTP to HQ with the office token.
pub struct Client {
    http: reqwest::blocking::Client,
    config: ClientConfig,
    token: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.config.url)
            .finish()
    }
}

impl Client {
    pub fn new(config: ClientConfig, token: &str) -> Result<Client, SyncError> {
        let url = check_url(&config.url)?;
        // reqwest is built without its own crypto provider: use ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::blocking::Client::builder();
        if let Some(path) = &config.ca_file {
            let bad = |d: String| {
                SyncError::BadUrl(
                    url.clone(),
                    format!("tệp chứng thư {}: {d}", path.display()),
                )
            };
            let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
            let certs =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| bad(e.to_string()))?;
            if certs.is_empty() {
                return Err(bad("không có chứng thư nào".to_owned()));
            }
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("bhxh-desk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Offline(e.to_string()))?;
        let token = token.trim();
        if token.is_empty() || token.len() > 200 || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(SyncError::Unauthorized(
                "mã truy cập trống hoặc có ký tự không hợp lệ".to_owned(),
            ));
        }
        Ok(Client {
            http,
            config: ClientConfig { url, ..config },
            token: token.to_owned(),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    fn send(&self, req: reqwest::blocking::RequestBuilder) -> Result<Vec<u8>, SyncError> {
        let resp = req.bearer_auth(&self.token).send().map_err(transport)?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if resp
            .content_length()
            .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
        {
            return Err(SyncError::BadResponse(format!(
                "phản hồi lớn hơn giới hạn {MAX_RESPONSE_BYTES} byte"
            )));
        }
        let mut body = Vec::new();
        resp.take(MAX_RESPONSE_BYTES as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| {
                if e.to_string().contains("timed out") {
                    SyncError::Timeout
                } else {
                    SyncError::Offline(format!("kết nối bị ngắt khi đang nhận phản hồi: {e}"))
                }
            })?;
        if body.len() > MAX_RESPONSE_BYTES {
            return Err(SyncError::BadResponse(format!(
                "phản hồi lớn hơn giới hạn {MAX_RESPONSE_BYTES} byte"
            )));
        }
        if status.is_success() {
            return Ok(body);
        }
        let err: Option<ErrorBody> = serde_json::from_slice(&body).ok();
        let message = err
            .as_ref()
            .map(|e| e.message.chars().take(500).collect::<String>())
            .unwrap_or_else(|| {
                status
                    .canonical_reason()
                    .unwrap_or("lỗi không rõ")
                    .to_owned()
            });
        let code = err.as_ref().map(|e| e.code.as_str()).unwrap_or("");
        Err(match (status.as_u16(), code) {
            (401, c) if c == codes::REVOKED => SyncError::Revoked(message),
            (403, c) if c == codes::NOT_PROVINCIAL => SyncError::NotProvincial(message),
            (401 | 403, _) => SyncError::Unauthorized(message),
            (429, _) => SyncError::RateLimited {
                retry_after_secs: retry_after.unwrap_or(30).min(3600),
            },
            (s, _) => SyncError::Server { status: s, message },
        })
    }

    /// Who HQ says this token belongs to.
    pub fn hello(&self) -> Result<Hello, SyncError> {
        let body = self.send(self.http.get(format!("{}/v1/hello", self.config.url)))?;
        let h: Hello = serde_json::from_slice(&body)
            .map_err(|e| SyncError::BadResponse(format!("không đọc được: {e}")))?;
        if h.protocol != PROTOCOL_VERSION || h.office_code.len() > 64 {
            return Err(SyncError::BadResponse("lời chào không hợp lệ".to_owned()));
        }
        Ok(h)
    }

    /// Send one batch; the answer is checked against what was sent.
    pub fn push(&self, req: &PushRequest) -> Result<PushResponse, SyncError> {
        let body = serde_json::to_vec(req)
            .map_err(|e| SyncError::BadResponse(format!("không ghi được lô dữ liệu: {e}")))?;
        let sent: Vec<Uuid> = req.items.iter().map(|i| i.id).collect();
        self.push_body(body, &sent)
    }

    /// Send one batch of changes whose payloads are JSON text already (the
    /// outbox's): written into the request as they are, never parsed into
    /// a tree and written again. The answer is checked against what was sent.
    pub fn push_items(&self, items: &[OutgoingItem<'_>]) -> Result<PushResponse, SyncError> {
        let body = serde_json::to_vec(&OutgoingRequest {
            protocol: PROTOCOL_VERSION,
            items,
        })
        .map_err(|e| SyncError::BadResponse(format!("không ghi được lô dữ liệu: {e}")))?;
        let sent: Vec<Uuid> = items.iter().map(|i| i.id).collect();
        self.push_body(body, &sent)
    }

    fn push_body(&self, body: Vec<u8>, sent: &[Uuid]) -> Result<PushResponse, SyncError> {
        let body = self.send(
            self.http
                .post(format!("{}/v1/push", self.config.url))
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body),
        )?;
        let resp: PushResponse = serde_json::from_slice(&body)
            .map_err(|e| SyncError::BadResponse(format!("không đọc được kết quả: {e}")))?;
        resp.validate_against(sent)
            .map_err(|e| SyncError::BadResponse(e.to_string()))?;
        Ok(resp)
    }

    /// Have HQ witness the audit head `head`; its answer, checked.
    pub fn witness(&self, head: &AuditHead) -> Result<WitnessResponse, SyncError> {
        let req = WitnessRequest {
            protocol: PROTOCOL_VERSION,
            head: head.clone(),
        };
        let body = self.send(
            self.http
                .post(format!("{}/v1/witness", self.config.url))
                .json(&req),
        )?;
        read_witness(&body)
    }

    /// What HQ witnessed of this office's audit chain (the desk's check).
    pub fn witnessed(&self) -> Result<WitnessResponse, SyncError> {
        let body = self.send(self.http.get(format!("{}/v1/witness", self.config.url)))?;
        read_witness(&body)
    }

    /// Published items after `cursor`; the answer is checked.
    pub fn pull(&self, cursor: i64, limit: u32) -> Result<PullResponse, SyncError> {
        let body = self.send(self.http.get(format!(
            "{}/v1/pull?cursor={cursor}&limit={limit}",
            self.config.url
        )))?;
        let resp: PullResponse = serde_json::from_slice(&body)
            .map_err(|e| SyncError::BadResponse(format!("không đọc được: {e}")))?;
        resp.validate_against(cursor, limit)
            .map_err(|e| SyncError::BadResponse(e.to_string()))?;
        Ok(resp)
    }
}

impl Client {
    /// The base offices of this provincial office and their progress
    /// (`GET /v1/province`), the answer checked; a base office's token gets
    /// [`SyncError::NotProvincial`].
    pub fn province(&self) -> Result<ProvinceResponse, SyncError> {
        let body = self.send(self.http.get(format!("{}/v1/province", self.config.url)))?;
        ProvinceResponse::parse(&body).map_err(|e| SyncError::BadResponse(e.to_string()))
    }
}

fn read_witness(body: &[u8]) -> Result<WitnessResponse, SyncError> {
    let resp: WitnessResponse = serde_json::from_slice(body)
        .map_err(|e| SyncError::BadResponse(format!("không đọc được: {e}")))?;
    resp.validate()
        .map_err(|e| SyncError::BadResponse(e.to_string()))?;
    Ok(resp)
}

fn transport(e: reqwest::Error) -> SyncError {
    if e.is_timeout() {
        SyncError::Timeout
    } else {
        let mut detail = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            detail = format!("{detail}: {s}");
            src = s.source();
        }
        SyncError::Offline(detail)
    }
}

/// Largest push the client builds (HQ accepts 8 MiB by default).
const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoundReport {
    pub batches: usize,
    pub sent: usize,
    pub stored: usize,
    pub duplicates: usize,
    pub conflicts: usize,
    pub rejected: usize,
    pub pulled: usize,
    /// Reference packs received (applied, or refused and audited).
    pub packs: usize,
    /// The audit entry HQ witnessed as this desk's head in this round.
    pub witnessed_seq: Option<i64>,
    /// Base offices whose progress was fetched and kept (a provincial
    /// office; `None` for a base office or when the fetch failed).
    pub base_offices: Option<usize>,
    /// Why the fetch of the base offices' progress failed (the last copy
    /// stays); not a failure of the round.
    pub base_offices_error: Option<String>,
}

/// One change as sent, its payload the JSON text kept in the outbox (the
/// same wire format as [`bhxh_sync_proto::PushItem`]).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutgoingItem<'a> {
    pub id: Uuid,
    pub stream: Stream,
    pub key: &'a str,
    pub revision: i64,
    pub payload: &'a RawValue,
}

#[derive(Serialize)]
struct OutgoingRequest<'a> {
    protocol: u32,
    items: &'a [OutgoingItem<'a>],
}

/// Turn a queued row into a protocol item (its payload checked to be JSON,
/// not copied). A row that cannot be read is a local fault: reported,
/// never sent.
fn to_item(row: &outbox::OutboxItem) -> Result<OutgoingItem<'_>, SyncError> {
    let corrupt = |d: String| CoreError::Corrupt(format!("mục chờ gửi {}: {d}", row.id));
    Ok(OutgoingItem {
        id: Uuid::parse_str(&row.id).map_err(|e| corrupt(e.to_string()))?,
        stream: Stream::parse(&row.stream)
            .ok_or_else(|| corrupt(format!("luồng \"{}\" không rõ", row.stream)))?,
        key: &row.item_id,
        revision: row.revision,
        payload: serde_json::from_str(&row.payload).map_err(|e| corrupt(e.to_string()))?,
    })
}

/// Send the queued changes in batches, settle each one with HQ's answer.
pub fn push_pending(
    conn: &Connection,
    client: &Client,
    now: &Timestamp,
    report: &mut RoundReport,
) -> Result<(), SyncError> {
    // Bounded: a round never loops forever even if rows stay pending.
    let max_batches = 1000;
    // Requests stay well under HQ's body limit; a proxy in front of HQ may
    // allow less: on 413 the budget halves and the same rows go again.
    let mut budget = MAX_BATCH_BYTES;
    // Items HQ refuses even alone stay queued; the rest still go.
    let mut oversize: Vec<(String, usize)> = Vec::new();
    for _ in 0..max_batches {
        let batch_size = client.config.batch_size.max(1);
        let mut rows = outbox::pending(conn, batch_size + oversize.len())?;
        rows.retain(|r| !oversize.iter().any(|(id, _)| *id == r.id));
        rows.truncate(batch_size);
        if rows.is_empty() {
            break;
        }
        let mut bytes = 0;
        let fit = rows
            .iter()
            .take_while(|r| {
                bytes += r.payload.len() + 256;
                bytes <= budget
            })
            .count();
        rows.truncate(fit.max(1));
        let items = rows.iter().map(to_item).collect::<Result<Vec<_>, _>>()?;
        let resp = match client.push_items(&items) {
            Ok(r) => r,
            Err(SyncError::Server { status: 413, .. }) if rows.len() > 1 => {
                let sent: usize = rows.iter().map(|r| r.payload.len() + 256).sum();
                budget = (sent / 2).max(1);
                tracing::info!(budget, "HQ refused the batch as too large; halving it");
                continue;
            }
            Err(SyncError::Server { status: 413, .. }) => {
                let e = SyncError::TooLarge(rows[0].payload.len());
                outbox::record_failure(conn, &[rows[0].id.clone()], &e.to_string())?;
                oversize.push((rows[0].id.clone(), rows[0].payload.len()));
                continue;
            }
            Err(e) => {
                // A transport failure counts as an attempt; a hostile or
                // malformed answer leaves the outbox exactly as it was.
                if matches!(
                    e,
                    SyncError::Offline(_) | SyncError::Timeout | SyncError::Server { .. }
                ) {
                    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
                    outbox::record_failure(conn, &ids, &e.to_string())?;
                }
                return Err(e);
            }
        };
        let answers: Vec<Answer> = resp
            .results
            .iter()
            .map(|r| Answer {
                id: r.id.to_string(),
                outcome: r.outcome.as_str().to_owned(),
                hq_revision: r.hq_revision,
                detail: r.detail.clone(),
            })
            .collect();
        let tx =
            rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)
                .map_err(CoreError::from)?;
        outbox::record_results(&tx, &answers, now)?;
        tx.commit().map_err(CoreError::from)?;
        report.batches += 1;
        report.sent += rows.len();
        for r in &resp.results {
            match r.outcome {
                bhxh_sync_proto::Outcome::Stored => report.stored += 1,
                bhxh_sync_proto::Outcome::Duplicate => report.duplicates += 1,
                bhxh_sync_proto::Outcome::Conflict => report.conflicts += 1,
                bhxh_sync_proto::Outcome::Rejected => report.rejected += 1,
            }
        }
    }
    match oversize.first() {
        Some((_, bytes)) => Err(SyncError::TooLarge(*bytes)),
        None => Ok(()),
    }
}

/// A reference pack from HQ, checked whole and applied once, in the pull's
/// transaction and audited with what it changed. A pack the desk cannot
/// use (malformed, a newer format, a procedure it does not know) changes
/// nothing: it is rolled back to a savepoint and audited as refused with
/// the reason, and the pull goes on (HQ publishes a corrected version).
fn apply_published_pack(
    tx: &Connection,
    pack: &str,
    item_id: &str,
    now: &Timestamp,
) -> Result<(), SyncError> {
    use bhxh_core::office::audit::{self, Actor, Event};
    use bhxh_core::reference::rules;
    tx.execute_batch("SAVEPOINT reference_pack")
        .map_err(CoreError::from)?;
    let applied = rules::parse_pack(pack).and_then(|p| rules::apply_pack(tx, &p, "hq", now));
    match applied {
        Ok(changes) => {
            tx.execute_batch("RELEASE reference_pack")
                .map_err(CoreError::from)?;
            if let Some(c) = changes {
                audit::append(
                    tx,
                    &Actor::system(),
                    &Event {
                        action: "reference_pack",
                        entity: "reference",
                        entity_id: &format!("{}@{}", c.id, c.version),
                        detail: serde_json::json!({
                            "source": "hq",
                            "item": item_id,
                            "changes": c.lines,
                        }),
                    },
                    now,
                )?;
            }
        }
        Err(e) => {
            tx.execute_batch("ROLLBACK TO reference_pack; RELEASE reference_pack")
                .map_err(CoreError::from)?;
            tracing::warn!(item = item_id, error = %e, "reference pack refused");
            audit::append(
                tx,
                &Actor::system(),
                &Event {
                    action: "reference_pack_refused",
                    entity: "reference",
                    entity_id: item_id,
                    detail: serde_json::json!({ "source": "hq", "error": e.to_string() }),
                },
                now,
            )?;
        }
    }
    Ok(())
}

/// Pull what HQ published since the cursor; items and cursor in one transaction.
pub fn pull_published(
    conn: &Connection,
    client: &Client,
    now: &Timestamp,
    report: &mut RoundReport,
) -> Result<(), SyncError> {
    let received = bhxh_core::ts(now);
    for _ in 0..1000 {
        let cursor = outbox::state(conn)?.pull_cursor;
        let resp = client.pull(cursor, MAX_PULL_ITEMS)?;
        let tx =
            rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)
                .map_err(CoreError::from)?;
        for it in &resp.items {
            match &it.item {
                Published::Directive { title, body } => outbox::store_directive(
                    &tx,
                    &outbox::Directive {
                        id: it.id.to_string(),
                        seq: it.seq,
                        title: title.clone(),
                        body: body.clone(),
                        published_at: it.published_at.clone(),
                        received_at: received.clone(),
                    },
                )?,
                Published::PlanChange {
                    task_number,
                    target_value,
                    target_unit,
                    deadline,
                    note,
                } => {
                    // Applied to the local plan in this same transaction.
                    outbox::store_plan_change(
                        &tx,
                        &outbox::PlanChange {
                            id: it.id.to_string(),
                            seq: it.seq,
                            task_number: i64::from(*task_number),
                            target_value: *target_value,
                            target_unit: target_unit.clone(),
                            deadline: deadline.clone(),
                            note: note.clone(),
                            published_at: it.published_at.clone(),
                            received_at: received.clone(),
                        },
                    )?;
                }
                Published::ReferencePack { pack } => {
                    apply_published_pack(&tx, pack, &it.id.to_string(), now)?;
                    report.packs += 1;
                }
            }
        }
        outbox::advance_cursor(&tx, resp.next_cursor)?;
        tx.commit().map_err(CoreError::from)?;
        report.pulled += resp.items.len();
        if !resp.more || resp.items.is_empty() {
            break;
        }
    }
    Ok(())
}

/// Send the audit chain's head for HQ to witness (after every round), so
/// that a chain later cut back or rewritten no longer holds what HQ saw.
pub fn witness_head(
    conn: &Connection,
    client: &Client,
    report: &mut RoundReport,
) -> Result<(), SyncError> {
    let Some((seq, hash)) = bhxh_core::office::audit::head(conn)? else {
        return Ok(());
    };
    client.witness(&AuditHead { seq, hash })?;
    report.witnessed_seq = Some(seq);
    Ok(())
}

/// What [`fetch_base_offices`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseOfficesFetched {
    /// The progress of this many base offices replaced the stored copy.
    Stored(usize),
    /// HQ says this office is a base office: nothing to fetch.
    NotProvincial,
}

/// A provincial office's base offices and their progress, asked of HQ and
/// kept: the stored copy replaced whole in one transaction, with when it
/// was fetched and HQ's `as_of_month`. A base office's 403 is an answer
/// (recorded as "not provincial"), not a failure. Any other failure
/// (offline, a malformed answer) leaves the last copy as it was.
pub fn fetch_base_offices(
    conn: &Connection,
    client: &Client,
    now: &Timestamp,
) -> Result<BaseOfficesFetched, SyncError> {
    use bhxh_core::sync::base_offices;
    let resp = match client.province() {
        Ok(r) => r,
        Err(SyncError::NotProvincial(message)) => {
            tracing::debug!(%message, "HQ: a base office, no base offices to fetch");
            base_offices::mark_not_provincial(conn, now)?;
            return Ok(BaseOfficesFetched::NotProvincial);
        }
        Err(e) => return Err(e),
    };
    let picture = base_offices::Picture {
        province_code: resp.code,
        province_name: resp.name,
        as_of_month: resp.as_of_month,
        generated_at: resp.generated_at,
        fetched_at: bhxh_core::ts(now),
        offices: resp
            .base_offices
            .into_iter()
            .map(|o| base_offices::BaseOffice {
                code: o.code,
                name: o.name,
                revoked: o.revoked,
                late: o.late,
                latest_month: o.latest_month,
                latest_revision: o.latest_revision,
                last_sync_at: o.last_sync_at,
                tasks: o
                    .tasks
                    .into_iter()
                    .map(|t| base_offices::BaseTask {
                        task_number: t.task_number,
                        percent: t.percent,
                        status: t.status,
                    })
                    .collect(),
            })
            .collect(),
    };
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)
        .map_err(CoreError::from)?;
    base_offices::replace(&tx, &picture)?;
    tx.commit().map_err(CoreError::from)?;
    Ok(BaseOfficesFetched::Stored(picture.offices.len()))
}

/// One sync round: push everything queued, then pull, then the audit head. The outcome (success
/// or the error) is recorded in `sync_state` for the status line. After a
/// round that succeeded, a provincial office's base offices are fetched
/// ([`fetch_base_offices`]); that fetch failing does not fail the round.
pub fn sync_round(
    conn: &Connection,
    client: &Client,
    now: &Timestamp,
) -> Result<RoundReport, SyncError> {
    let mut report = RoundReport::default();
    let result = push_pending(conn, client, now, &mut report)
        .and_then(|()| pull_published(conn, client, now, &mut report))
        .and_then(|()| witness_head(conn, client, &mut report));
    match result {
        Ok(()) => {
            outbox::record_success(conn, now)?;
            match fetch_base_offices(conn, client, now) {
                Ok(BaseOfficesFetched::Stored(n)) => report.base_offices = Some(n),
                Ok(BaseOfficesFetched::NotProvincial) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "base offices' progress not fetched; the last copy stays");
                    report.base_offices_error = Some(e.to_string());
                }
            }
            Ok(report)
        }
        Err(e) => {
            outbox::record_error(conn, e.code(), &e.to_string(), now)?;
            Err(e)
        }
    }
}

/// Exponential backoff with jitter for the background worker: after the
/// n-th failure in a row, wait a random time in [d/2, d] where
/// d = min(base · 2ⁿ, max).
#[derive(Debug, Clone)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
    failures: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(Duration::from_secs(2), Duration::from_secs(15 * 60))
    }
}

impl Backoff {
    pub fn new(base: Duration, max: Duration) -> Backoff {
        Backoff {
            base,
            max,
            failures: 0,
        }
    }

    /// The wait after one more failure.
    pub fn next_delay(&mut self) -> Duration {
        let factor = 1u32.checked_shl(self.failures.min(20)).unwrap_or(u32::MAX);
        self.failures = self.failures.saturating_add(1);
        let ceiling = self.base.saturating_mul(factor).min(self.max);
        let ms = u64::try_from(ceiling.as_millis())
            .unwrap_or(u64::MAX)
            .max(2);
        Duration::from_millis(rand::random_range(ms / 2..=ms))
    }

    /// The wait after this error: at least what HQ asked for when it limits the rate.
    pub fn delay_after(&mut self, e: &SyncError) -> Duration {
        let d = self.next_delay();
        match e {
            SyncError::RateLimited { retry_after_secs } => {
                d.max(Duration::from_secs(*retry_after_secs))
            }
            _ => d,
        }
    }

    pub fn reset(&mut self) {
        self.failures = 0;
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        let d0 = b.next_delay();
        assert!(d0 >= Duration::from_millis(50) && d0 <= Duration::from_millis(100));
        let d1 = b.next_delay();
        assert!(d1 >= Duration::from_millis(100) && d1 <= Duration::from_millis(200));
        for _ in 0..40 {
            assert!(b.next_delay() <= Duration::from_secs(1));
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|_| b.next_delay()).collect();
        assert!(spread.len() > 1, "jitter");
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
        let wait = b.delay_after(&SyncError::RateLimited {
            retry_after_secs: 7,
        });
        assert!(wait >= Duration::from_secs(7));
    }

    #[test]
    fn urls_must_be_https_except_to_this_machine() {
        assert_eq!(
            check_url("https://hq.baohiemxahoi.gov.vn/").unwrap(),
            "https://hq.baohiemxahoi.gov.vn"
        );
        assert!(check_url("http://127.0.0.1:8080").is_ok());
        assert!(check_url("http://localhost:8080").is_ok());
        assert!(
            check_url("http://hq.example.vn")
                .unwrap_err()
                .to_string()
                .contains("https")
        );
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("https://u:p@x").is_err());
        assert!(check_url("không phải url").is_err());
    }
}
