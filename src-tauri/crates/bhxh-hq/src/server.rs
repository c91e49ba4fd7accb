//! The HTTP side of HQ: routes, office tokens, body-size and rate limits.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use bhxh_sync_proto::{
    ErrorBody, Hello, MAX_PULL_ITEMS, Outcome, PROTOCOL_VERSION, PullResponse, PushResponse,
    PushResult, RawPushRequest, WitnessRequest, WitnessResponse, codes,
};
use serde::Deserialize;

use crate::storage::{NewItem, OfficeAuth, Storage};
use crate::{HqError, aggregate, auth, now_rfc3339, token_hash};

/// Faults injected on purpose, for the fault tests only (`bhxh-hq serve
/// --fault …`). Counted faults apply to the first N pushes.
#[derive(Debug, Default)]
pub struct Faults {
    /// Answer 500 before storing anything.
    pub fail500: AtomicU32,
    /// Store, then cut the answer off in the middle of its body.
    pub reset: AtomicU32,
    /// Store, then answer with something that is not JSON.
    pub bad_json: AtomicU32,
    /// Store, then answer with results for ids the office never sent.
    pub foreign_ids: AtomicU32,
    /// Store, then answer with a body larger than any client accepts.
    pub huge: AtomicU32,
    /// Store, then wait this long before answering.
    pub slow_ms: u64,
    /// Store, then never answer.
    pub hang_after_store: bool,
}

impl Faults {
    /// Parse one `--fault` value: `fail500:N`, `reset:N`, `bad-json:N`,
    /// `foreign-ids:N`, `huge:N`, `slow:MS`, `hang-after-store`.
    pub fn add(&mut self, spec: &str) -> Result<(), String> {
        let (name, n) = match spec.split_once(':') {
            Some((name, n)) => (
                name,
                n.parse::<u64>()
                    .map_err(|_| format!("số trong lỗi giả lập \"{spec}\" không hợp lệ"))?,
            ),
            None => (spec, 1),
        };
        let count = u32::try_from(n).map_err(|_| format!("số quá lớn: {spec}"))?;
        match name {
            "fail500" => self.fail500 = AtomicU32::new(count),
            "reset" => self.reset = AtomicU32::new(count),
            "bad-json" => self.bad_json = AtomicU32::new(count),
            "foreign-ids" => self.foreign_ids = AtomicU32::new(count),
            "huge" => self.huge = AtomicU32::new(count),
            "slow" => self.slow_ms = n,
            "hang-after-store" => self.hang_after_store = true,
            _ => return Err(format!("không biết lỗi giả lập \"{name}\"")),
        }
        Ok(())
    }
}

fn take(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

/// Limits of the server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// Requests each office may make per minute, on average.
    pub rate_per_minute: u32,
    /// Requests an office may make at once before the rate applies.
    pub burst: u32,
    /// Pushes processed at the same time (the others wait their turn):
    /// bounds HQ's memory whatever the number of offices.
    pub concurrent_pushes: usize,
    /// A staff session not used for this long is signed out.
    pub session_idle: std::time::Duration,
    /// Cookies marked `Secure` (HQ serves HTTPS itself, or behind a TLS proxy).
    pub secure_cookies: bool,
    /// A request's header must arrive within this.
    pub header_timeout: std::time::Duration,
    /// A request's body must arrive within this.
    pub body_timeout: std::time::Duration,
    /// A connection on which nothing moves for this long is closed.
    pub idle_timeout: std::time::Duration,
    /// Revisions HQ keeps of one item of one office; a push beyond is rejected.
    pub max_revisions: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: bhxh_sync_proto::MAX_REQUEST_BYTES,
            rate_per_minute: 600,
            burst: 120,
            concurrent_pushes: 8,
            session_idle: std::time::Duration::from_secs(30 * 60),
            secure_cookies: false,
            header_timeout: std::time::Duration::from_secs(10),
            body_timeout: std::time::Duration::from_secs(60),
            idle_timeout: std::time::Duration::from_secs(120),
            max_revisions: 100,
        }
    }
}

/// Push bodies in memory at once (read, waiting for a slot, or being
/// stored): half the push slots' worth of the largest body (32 MiB by
/// default; the desk sends at most 4 MiB, so every slot still has a body
/// ready). A body is counted at its declared length from before it is read
/// until its push is answered; a single body never waits for more than the
/// whole budget.
fn body_budget_kib(limits: &Limits) -> u32 {
    let kib = (limits.max_body.div_ceil(1024).max(1) * limits.concurrent_pushes.max(1) / 2).max(1);
    u32::try_from(kib).unwrap_or(u32::MAX >> 4)
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub limits: Limits,
    pub faults: Faults,
    buckets: Mutex<HashMap<String, Bucket>>,
    pushes: tokio::sync::Semaphore,
    /// KiB of push bodies being read at once (bounds memory before a push
    /// slot is taken).
    body_budget: tokio::sync::Semaphore,
    body_budget_kib: u32,
    sessions: auth::Sessions,
    /// Password checks running at once (argon2 takes 19 MiB and tens of
    /// milliseconds each): a flood of sign-ins cannot starve the pushes.
    sign_ins: tokio::sync::Semaphore,
    national: aggregate::Cache,
}

impl AppState {
    pub fn new(storage: Arc<dyn Storage>, limits: Limits, faults: Faults) -> Arc<AppState> {
        Arc::new(AppState {
            pushes: tokio::sync::Semaphore::new(limits.concurrent_pushes.max(1)),
            body_budget: tokio::sync::Semaphore::new(body_budget_kib(&limits) as usize),
            body_budget_kib: body_budget_kib(&limits),
            sessions: auth::Sessions::new(limits.session_idle),
            sign_ins: tokio::sync::Semaphore::new(2),
            national: aggregate::Cache::default(),
            storage,
            limits,
            faults,
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Token bucket per office: `Err(seconds to wait)` when over the rate.
    fn rate_check(&self, office: &str) -> Result<(), u64> {
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        let burst = f64::from(self.limits.burst.max(1));
        let per_sec = f64::from(self.limits.rate_per_minute.max(1)) / 60.0;
        let b = buckets.entry(office.to_owned()).or_insert(Bucket {
            tokens: burst,
            last: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * per_sec).min(burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / per_sec).ceil().max(1.0) as u64)
        }
    }
}

/// An error answer: status, stable code, Vietnamese message.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }
}

impl From<HqError> for ApiError {
    fn from(e: HqError) -> Self {
        tracing::error!(error = %e, "storage error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "Máy chủ trung ương gặp lỗi khi xử lý; hãy thử lại sau.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (
            self.status,
            axum::Json(ErrorBody {
                code: self.code.to_owned(),
                message: self.message,
            }),
        )
            .into_response();
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, HqError> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(ApiError::from),
        Err(e) => {
            tracing::error!(error = %e, "blocking task failed");
            Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                codes::INTERNAL,
                "Máy chủ trung ương gặp lỗi khi xử lý; hãy thử lại sau.",
            ))
        }
    }
}

/// Who is calling: the office the bearer token belongs to, within its rate.
async fn authenticate(state: &Arc<AppState>, headers: &HeaderMap) -> Result<OfficeAuth, ApiError> {
    let unauthorized = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            codes::UNAUTHORIZED,
            "Mã truy cập của đơn vị không đúng hoặc chưa được cấp.",
        )
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 200)
        .ok_or_else(unauthorized)?;
    let hash = token_hash(token);
    let storage = state.storage.clone();
    let office = blocking(move || storage.authenticate(&hash))
        .await?
        .ok_or_else(unauthorized)?;
    if office.revoked {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            codes::REVOKED,
            format!(
                "Mã truy cập của đơn vị {} đã bị thu hồi; liên hệ BHXH Việt Nam để được cấp mã mới.",
                office.code
            ),
        ));
    }
    if let Err(secs) = state.rate_check(&office.code) {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            codes::RATE_LIMITED,
            format!("Đơn vị gửi quá nhiều yêu cầu; hãy thử lại sau {secs} giây."),
        );
        e.retry_after = Some(secs);
        return Err(e);
    }
    Ok(office)
}

async fn hello(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let office = authenticate(&state, &headers).await?;
    Ok(axum::Json(Hello {
        protocol: PROTOCOL_VERSION,
        office_code: office.code,
        office_name: office.name,
        server_time: now_rfc3339(),
    })
    .into_response())
}

async fn push(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let office = authenticate(&state, &headers).await?;
    let stopping = || {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::INTERNAL,
            "Máy chủ trung ương đang dừng; hãy thử lại sau.",
        )
    };
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::TOO_LARGE,
            format!(
                "Lô dữ liệu vượt quá giới hạn {} byte; hãy gửi lô nhỏ hơn.",
                state.limits.max_body
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(n) = declared.filter(|&n| n > state.limits.max_body) {
        // Read (and throw away) what the client is still sending, so it sees
        // the 413 and halves its batch rather than a connection reset while
        // it writes; a body too large even to drain just closes.
        if n <= DRAIN_LIMIT {
            drain(body, n, state.limits.body_timeout).await;
        }
        return Err(too_large());
    }
    // The body is read first, within its deadline, against a memory budget;
    // only a whole body waits for a push slot, so a slow client never holds one.
    let kib = u32::try_from(declared.unwrap_or(state.limits.max_body).div_ceil(1024))
        .unwrap_or(u32::MAX)
        .clamp(1, state.body_budget_kib);
    let _memory = state
        .body_budget
        .acquire_many(kib)
        .await
        .map_err(|_| stopping())?;
    let body = tokio::time::timeout(
        state.limits.body_timeout,
        read_body(body, state.limits.max_body, declared),
    )
    .await
    .map_err(|_| body_too_slow(&state))?
    .map_err(|e| match e {
        BodyRead::TooLarge => too_large(),
        BodyRead::Failed(e) if body_timed_out(&e) => body_too_slow(&state),
        BodyRead::Failed(e) => ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            format!("Không đọc được lô dữ liệu: {e}"),
        ),
    })?;
    let _permit = state.pushes.acquire().await.map_err(|_| stopping())?;
    let now = now_rfc3339();
    // The body is read into borrowed items (each payload left as its JSON
    // text), checked, and copied once into what is stored; the body is
    // released before the store is called
    // (on the blocking pool: parsing and checking a few MiB of JSON would
    // otherwise hold up a runtime thread serving pages and other requests).
    let read_now = now.clone();
    let (rejected, valid) = tokio::task::spawn_blocking(move || read_push(&body, &read_now))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "blocking task failed");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                codes::INTERNAL,
                "Máy chủ trung ương gặp lỗi khi xử lý; hãy thử lại sau.",
            )
        })??;
    if take(&state.faults.fail500) {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "Lỗi giả lập (fail500).",
        ));
    }
    let storage = state.storage.clone();
    let code = office.code.clone();
    let max_revisions = state.limits.max_revisions;
    let stored = if valid.is_empty() {
        Vec::new()
    } else {
        blocking(move || storage.push(&code, &valid, &now, max_revisions)).await?
    };
    if stored.iter().any(|r| r.outcome == Outcome::Stored) {
        state.national.invalidate();
    }
    let mut stored = stored.into_iter();
    let results: Vec<PushResult> = rejected
        .into_iter()
        .filter_map(|r| r.or_else(|| stored.next()))
        .collect();
    let count = |o: Outcome| results.iter().filter(|r| r.outcome == o).count();
    println!(
        "pushed office={} stored={} duplicate={} conflict={} rejected={}",
        office.code,
        count(Outcome::Stored),
        count(Outcome::Duplicate),
        count(Outcome::Conflict),
        count(Outcome::Rejected)
    );
    faulty_answer(&state.faults, results).await
}

/// A push body read and checked: for each item in order, its rejection
/// (`Some`) or `None`, and the items to store.
type ReadPush = (Vec<Option<PushResult>>, Vec<NewItem>);

fn read_push(body: &[u8], now: &str) -> Result<ReadPush, ApiError> {
    let req: RawPushRequest<'_> = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            format!("Lô dữ liệu không đúng định dạng: {e}"),
        )
    })?;
    req.validate_envelope().map_err(|e| {
        let code = if matches!(e, bhxh_sync_proto::ProtoError::Version { .. }) {
            codes::PROTOCOL
        } else {
            codes::BAD_REQUEST
        };
        ApiError::new(StatusCode::BAD_REQUEST, code, e.to_string())
    })?;
    // Each item on its own: a bad one is rejected, the others go on.
    let mut rejected: Vec<Option<PushResult>> = Vec::with_capacity(req.items.len());
    let mut valid = Vec::with_capacity(req.items.len());
    for item in req.items {
        match item
            .validate()
            .map_err(|e| e.to_string())
            .and_then(|()| period_in_range(&item.key, now))
        {
            Ok(()) => {
                rejected.push(None);
                valid.push(NewItem::from_raw(item));
            }
            Err(e) => rejected.push(Some(PushResult {
                id: item.id,
                outcome: Outcome::Rejected,
                hq_revision: 0,
                detail: Some(e),
            })),
        }
    }
    Ok((rejected, valid))
}

/// Why a body could not be read.
enum BodyRead {
    TooLarge,
    Failed(axum::Error),
}

/// Read a whole body of at most `limit` bytes into one buffer, sized once
/// from the declared length (no growing by doubling, no second copy).
async fn read_body(body: Body, limit: usize, declared: Option<usize>) -> Result<Vec<u8>, BodyRead> {
    use futures_util::StreamExt;
    let mut out = Vec::with_capacity(declared.unwrap_or(0).min(limit));
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(BodyRead::Failed)?;
        if out.len().saturating_add(chunk.len()) > limit {
            return Err(BodyRead::TooLarge);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// The largest refused body HQ still reads to the end before answering 413.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// Read and discard up to `limit` bytes of `body` within `deadline`.
async fn drain(body: Body, limit: usize, deadline: std::time::Duration) {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let read_all = async {
        let mut read = 0usize;
        while let Some(Ok(chunk)) = stream.next().await {
            read = read.saturating_add(chunk.len());
            if read >= limit {
                break;
            }
        }
    };
    // a client too slow to finish is simply cut off with the 413
    let _ = tokio::time::timeout(deadline, read_all).await;
}

fn body_too_slow(state: &AppState) -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        codes::BAD_REQUEST,
        format!(
            "Lô dữ liệu không đến đủ trong {} giây; hãy gửi lại.",
            state.limits.body_timeout.as_secs()
        ),
    )
}

/// Whether reading a body failed on the router's body deadline.
fn body_timed_out(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        source = s.source();
    }
    false
}

/// The first period HQ accepts reports for (the plan began in 2024).
pub const FIRST_PERIOD: &str = "2024-01";

/// A report's period must lie from [`FIRST_PERIOD`] to the current month
/// (HQ's clock, Vietnam time): keys `month:YYYY-MM`, `half:YYYY-H1|H2`,
/// `year:YYYY`.
fn period_in_range(key: &str, now: &str) -> Result<(), String> {
    let current = now.get(0..7).unwrap_or("9999-12");
    let Some((kind, period)) = key.split_once(':') else {
        return Ok(());
    };
    let start = match kind {
        "month" => period.to_owned(),
        "half" => match period.split_once("-H") {
            Some((y, "1")) => format!("{y}-01"),
            Some((y, "2")) => format!("{y}-07"),
            _ => return Ok(()),
        },
        "year" => format!("{period}-01"),
        _ => return Ok(()),
    };
    if start.as_str() < FIRST_PERIOD || start.as_str() > current {
        return Err(format!(
            "Kỳ báo cáo {period} nằm ngoài khoảng trung ương nhận (từ {FIRST_PERIOD} đến tháng hiện tại {current})."
        ));
    }
    Ok(())
}

/// The answer to a push, spoiled on purpose when a fault says so.
async fn faulty_answer(faults: &Faults, results: Vec<PushResult>) -> Result<Response, ApiError> {
    if faults.hang_after_store {
        println!("fault hang-after-store");
        std::future::pending::<()>().await;
    }
    if faults.slow_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(faults.slow_ms)).await;
    }
    let json = |v: &PushResponse| {
        serde_json::to_vec(v).map_err(|e| HqError::Invalid(format!("không ghi được phản hồi: {e}")))
    };
    if take(&faults.reset) {
        let bytes = json(&PushResponse {
            protocol: PROTOCOL_VERSION,
            results,
        })?;
        let half = Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
        let stream = futures_util::stream::iter(vec![
            Ok(half),
            Err(std::io::Error::other("fault: connection cut mid-body")),
        ]);
        return Ok((
            [(header::CONTENT_TYPE, "application/json")],
            Body::from_stream(stream),
        )
            .into_response());
    }
    if take(&faults.bad_json) {
        return Ok((
            [(header::CONTENT_TYPE, "application/json")],
            "{\"protocol\":1,\"results\":[{\"id\":",
        )
            .into_response());
    }
    if take(&faults.foreign_ids) {
        let mut results = results;
        for r in &mut results {
            r.id = uuid::Uuid::now_v7();
            r.outcome = Outcome::Stored;
        }
        return Ok(axum::Json(PushResponse {
            protocol: PROTOCOL_VERSION,
            results,
        })
        .into_response());
    }
    if take(&faults.huge) {
        let mut body = b"{\"protocol\":1,\"results\":[]".to_vec();
        body.resize(bhxh_sync_proto::MAX_RESPONSE_BYTES + 1024, b' ');
        body.push(b'}');
        return Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response());
    }
    Ok(axum::Json(PushResponse {
        protocol: PROTOCOL_VERSION,
        results,
    })
    .into_response())
}

#[derive(Debug, Deserialize)]
struct PullQuery {
    #[serde(default)]
    cursor: i64,
    #[serde(default)]
    limit: Option<u32>,
}

async fn pull(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    query: Result<Query<PullQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let office = authenticate(&state, &headers).await?;
    let Query(q) = query.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            format!("Tham số không hợp lệ: {}", e.body_text()),
        )
    })?;
    if q.cursor < 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::BAD_REQUEST,
            "Con trỏ không được âm.",
        ));
    }
    let limit = q.limit.unwrap_or(MAX_PULL_ITEMS).clamp(1, MAX_PULL_ITEMS);
    let storage = state.storage.clone();
    let cursor = q.cursor;
    let now = now_rfc3339();
    // The office (and through it, its province) comes from its token only:
    // nothing in the request says who it is or where it belongs.
    let (items, more) = blocking(move || {
        let r = storage.pull(&office.code, cursor, limit)?;
        storage.record_sync(&office.code, &now)?;
        Ok(r)
    })
    .await?;
    let next_cursor = items.last().map_or(cursor, |i| i.seq);
    Ok(axum::Json(PullResponse {
        protocol: PROTOCOL_VERSION,
        items,
        next_cursor,
        more,
    })
    .into_response())
}

/// Largest witness request read (a few dozen bytes are needed).
const MAX_WITNESS_BODY: usize = 4096;

/// `POST /v1/witness`: keep the office's audit head, answer what HQ holds.
async fn witness_post(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let office = authenticate(&state, &headers).await?;
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, m);
    let body = axum::body::to_bytes(body, MAX_WITNESS_BODY)
        .await
        .map_err(|e| bad(format!("Không đọc được mốc nhật ký: {e}")))?;
    let req: WitnessRequest = serde_json::from_slice(&body)
        .map_err(|e| bad(format!("Mốc nhật ký không đúng định dạng: {e}")))?;
    if req.protocol != PROTOCOL_VERSION {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::PROTOCOL,
            bhxh_sync_proto::ProtoError::Version { got: req.protocol }.to_string(),
        ));
    }
    req.head.validate().map_err(bad)?;
    let storage = state.storage.clone();
    let now = now_rfc3339();
    let (latest, regressions) = blocking(move || {
        storage.witness(&office.code, &req.head, &now)?;
        storage.witnessed(&office.code)
    })
    .await?;
    Ok(axum::Json(WitnessResponse {
        protocol: PROTOCOL_VERSION,
        latest,
        regressions,
    })
    .into_response())
}

/// `GET /v1/witness`: what HQ witnessed of the office's audit chain.
async fn witness_get(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let office = authenticate(&state, &headers).await?;
    let storage = state.storage.clone();
    let (latest, regressions) = blocking(move || storage.witnessed(&office.code)).await?;
    Ok(axum::Json(WitnessResponse {
        protocol: PROTOCOL_VERSION,
        latest,
        regressions,
    })
    .into_response())
}

#[derive(Debug, Deserialize)]
struct NationalQuery {
    month: Option<String>,
}

/// The national picture from the cached snapshot (rebuilt after pushes, at
/// most once a second, and at least every minute; never once per request).
async fn national(
    state: &Arc<AppState>,
    month: Option<String>,
) -> Result<aggregate::National, ApiError> {
    let storage = state.storage.clone();
    let snapshot = state
        .national
        .get(move || aggregate::Snapshot::load(storage.as_ref()))
        .await?;
    aggregate::national_from(&snapshot, month.as_deref())
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, e.to_string()))
}

/// `GET /v1/province`: the base offices of the provincial office whose
/// token asks, with their progress. The province is the token's office and
/// nothing else (no code in the path, query parameters ignored); a base
/// office's token is answered 403 `not_provincial`.
async fn province_own(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let office = authenticate(&state, &headers).await?;
    if let Some(parent) = &office.parent {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            codes::NOT_PROVINCIAL,
            format!(
                "Đơn vị {} là BHXH cơ sở thuộc {parent}: chỉ BHXH tỉnh xem được tiến độ của các cơ quan BHXH cơ sở trực thuộc.",
                office.code
            ),
        ));
    }
    let n = national(&state, None).await?;
    let report = aggregate::province_of(&n, &office.code).map_err(|e| {
        // an office added since the snapshot was built: it has no base office yet
        tracing::info!(office = %office.code, error = %e, "province not in the snapshot");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::INTERNAL,
            "Số liệu tổng hợp của trung ương chưa có đơn vị này; hãy thử lại sau ít phút.",
        )
    })?;
    Ok(axum::Json(report.to_wire()).into_response())
}

/// The signed-in staff member of this request's session cookie.
fn staff_session(state: &AppState, headers: &HeaderMap) -> Option<auth::Session> {
    auth::cookie(headers, auth::SESSION_COOKIE).and_then(|c| state.sessions.get(c))
}

fn staff_unauthorized() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        codes::UNAUTHORIZED,
        "Cần đăng nhập bằng tài khoản của trung ương hoặc mã truy cập API có quyền đọc.",
    )
}

/// National figures are for a signed-in staff member, or `Authorization:
/// Bearer` with a read API token; an office's token is neither.
async fn staff_or_read_token(state: &Arc<AppState>, headers: &HeaderMap) -> Result<(), ApiError> {
    if staff_session(state, headers).is_none() {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 200)
            .map(str::to_owned)
            .ok_or_else(staff_unauthorized)?;
        let storage = state.storage.clone();
        if !blocking(move || auth::api_token_ok(storage.as_ref(), &token)).await? {
            return Err(staff_unauthorized());
        }
    }
    Ok(())
}

/// `/api/national`: a signed-in staff member, or `Authorization: Bearer`
/// with a read API token.
async fn national_json(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<NationalQuery>,
) -> Result<Response, ApiError> {
    staff_or_read_token(&state, &headers).await?;
    let n = national(&state, q.month).await?;
    Ok(axum::Json(n).into_response())
}

/// `/api/province/{code}`: one provincial office and its base offices, for
/// the same readers as `/api/national`.
async fn province_json(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    axum::extract::Path(code): axum::extract::Path<String>,
    Query(q): Query<NationalQuery>,
) -> Result<Response, ApiError> {
    staff_or_read_token(&state, &headers).await?;
    let n = national(&state, q.month).await?;
    match aggregate::province_of(&n, &code) {
        Ok(p) => Ok(axum::Json(p).into_response()),
        Err(e) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            codes::BAD_REQUEST,
            e.to_string(),
        )),
    }
}

/// `/`: the national page for a signed-in staff member; otherwise 401 and
/// the sign-in form.
async fn national_html(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<NationalQuery>,
) -> Result<Response, ApiError> {
    let Some(session) = staff_session(&state, &headers) else {
        return sign_in_page(&state, StatusCode::UNAUTHORIZED, None);
    };
    let n = national(&state, q.month).await?;
    let bar = format!(
        "<form method=\"post\" action=\"/signout\" style=\"float:right\">{} ({}) \
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <button type=\"submit\">Đăng xuất</button></form>",
        aggregate::esc(&session.username),
        match session.role {
            auth::Role::Viewer => "xem",
            auth::Role::Administrator => "quản trị",
        },
        aggregate::esc(&session.csrf)
    );
    let page = aggregate::html(&n).replacen("<body>", &format!("<body>{bar}"), 1);
    Ok(Html(page).into_response())
}

/// The sign-in form, with a fresh CSRF token in a hidden field and in a
/// cookie (both must come back together).
fn sign_in_page(
    state: &AppState,
    status: StatusCode,
    message: Option<&str>,
) -> Result<Response, ApiError> {
    let csrf = crate::new_token()?;
    let page = format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <title>Đăng nhập — Trung ương BHXH Desk</title></head><body>\
         <h1>Đăng nhập trang tiến độ toàn quốc</h1>{}\
         <form method=\"post\" action=\"/signin\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <p><label>Tên đăng nhập <input name=\"username\" autocomplete=\"username\" required></label></p>\
         <p><label>Mật khẩu <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label></p>\
         <p><button type=\"submit\">Đăng nhập</button></p></form></body></html>",
        message.map_or(String::new(), |m| format!(
            "<p role=\"alert\" style=\"color:#b00\">{}</p>",
            aggregate::esc(m)
        ))
    );
    let mut resp = (status, Html(page)).into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::set_cookie(
        auth::CSRF_COOKIE,
        &csrf,
        Some(3600),
        state.limits.secure_cookies,
    )) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

async fn sign_in_get(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    sign_in_page(&state, StatusCode::OK, None)
}

#[derive(Debug, Deserialize)]
struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

fn csrf_refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        Html(
            "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><body><p>Biểu mẫu đã hết hạn \
             hoặc không đến từ trang của trung ương. <a href=\"/signin\">Mở lại trang đăng nhập</a>.</p></body></html>",
        ),
    )
        .into_response()
}

async fn sign_in_post(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    form: Result<axum::Form<SignInForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, ApiError> {
    let Ok(axum::Form(form)) = form else {
        return Ok(csrf_refused());
    };
    let csrf_ok = auth::cookie(&headers, auth::CSRF_COOKIE)
        .is_some_and(|c| !form.csrf.is_empty() && auth::same_secret(c, &form.csrf));
    if !csrf_ok {
        return Ok(csrf_refused());
    }
    let username = form.username.trim().to_owned();
    if auth::validate_username(&username).is_err() || form.password.len() > 1024 {
        return sign_in_page(
            &state,
            StatusCode::UNAUTHORIZED,
            Some("Tên đăng nhập hoặc mật khẩu không đúng."),
        );
    }
    let Ok(Ok(_checking)) =
        tokio::time::timeout(std::time::Duration::from_secs(10), state.sign_ins.acquire()).await
    else {
        return sign_in_page(
            &state,
            StatusCode::SERVICE_UNAVAILABLE,
            Some("Máy chủ đang bận kiểm tra các lần đăng nhập khác; hãy thử lại sau ít phút."),
        );
    };
    let storage = state.storage.clone();
    let password = form.password;
    let user = username.clone();
    let outcome = blocking(move || auth::sign_in(storage.as_ref(), &user, &password)).await?;
    match outcome {
        auth::SignIn::Ok { username, role } => {
            let cookie = state.sessions.create(&username, role)?;
            let mut resp = (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, HeaderValue::from_static("/"))],
            )
                .into_response();
            for c in [
                auth::set_cookie(
                    auth::SESSION_COOKIE,
                    &cookie,
                    None,
                    state.limits.secure_cookies,
                ),
                auth::set_cookie(auth::CSRF_COOKIE, "", Some(0), state.limits.secure_cookies),
            ] {
                if let Ok(v) = HeaderValue::from_str(&c) {
                    resp.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            Ok(resp)
        }
        auth::SignIn::WrongPassword => sign_in_page(
            &state,
            StatusCode::UNAUTHORIZED,
            Some("Tên đăng nhập hoặc mật khẩu không đúng."),
        ),
        auth::SignIn::Locked => sign_in_page(
            &state,
            StatusCode::UNAUTHORIZED,
            Some(&format!(
                "Tài khoản tạm khóa {} phút vì nhập sai mật khẩu nhiều lần.",
                auth::LOCK_FOR.as_secs() / 60
            )),
        ),
    }
}

#[derive(Debug, Deserialize)]
struct SignOutForm {
    #[serde(default)]
    csrf: String,
}

async fn sign_out(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    form: Result<axum::Form<SignOutForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, ApiError> {
    let Ok(axum::Form(form)) = form else {
        return Ok(csrf_refused());
    };
    let cookie = auth::cookie(&headers, auth::SESSION_COOKIE).map(str::to_owned);
    let Some((cookie, session)) = cookie.and_then(|c| state.sessions.get(&c).map(|s| (c, s)))
    else {
        return sign_in_page(&state, StatusCode::UNAUTHORIZED, None);
    };
    if !auth::same_secret(&session.csrf, &form.csrf) {
        return Ok(csrf_refused());
    }
    state.sessions.remove(&cookie);
    let storage = state.storage.clone();
    let user = session.username.clone();
    blocking(move || storage.audit(&user, "sign_out", "đăng xuất", &now_rfc3339())).await?;
    let mut resp = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, HeaderValue::from_static("/signin"))],
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::set_cookie(
        auth::SESSION_COOKIE,
        "",
        Some(0),
        state.limits.secure_cookies,
    )) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// `/api/audit`: HQ staff's audit log, for administrators.
async fn audit_json(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let session = staff_session(&state, &headers).ok_or_else(staff_unauthorized)?;
    if session.role != auth::Role::Administrator {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            codes::UNAUTHORIZED,
            "Chỉ quản trị viên của trung ương được xem nhật ký.",
        ));
    }
    let storage = state.storage.clone();
    let entries = blocking(move || storage.audit_entries(500)).await?;
    Ok(axum::Json(entries).into_response())
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        codes::BAD_REQUEST,
        "Không có đường dẫn này.",
    )
}

/// Largest sign-in or sign-out form read.
const FORM_BODY: usize = 16 * 1024;

/// HQ's routes.
pub fn router(state: Arc<AppState>) -> Router {
    let max_body = state.limits.max_body;
    let body_timeout = state.limits.body_timeout;
    Router::new()
        .route("/v1/hello", get(hello))
        .route("/v1/push", post(push))
        .route("/v1/pull", get(pull))
        .route("/v1/witness", post(witness_post).get(witness_get))
        .route("/v1/province", get(province_own))
        .route("/api/national", get(national_json))
        .route("/api/province/{code}", get(province_json))
        .route("/api/audit", get(audit_json))
        .route("/", get(national_html))
        .route(
            "/signin",
            get(sign_in_get)
                .post(sign_in_post)
                .layer(DefaultBodyLimit::max(FORM_BODY)),
        )
        .route(
            "/signout",
            post(sign_out).layer(DefaultBodyLimit::max(FORM_BODY)),
        )
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            body_timeout,
        ))
        .with_state(state)
}

/// Serve until Ctrl-C or SIGTERM (plain TCP or [`crate::tls::TlsListener`]),
/// with the header-read and idle timeouts of [`Limits`].
pub async fn serve<L>(listener: L, state: Arc<AppState>) -> std::io::Result<()>
where
    L: axum::serve::Listener,
{
    let (header, idle) = (state.limits.header_timeout, state.limits.idle_timeout);
    crate::conn::serve(listener, router(state), header, idle, shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
