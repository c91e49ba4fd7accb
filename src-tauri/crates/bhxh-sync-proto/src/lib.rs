//! The protocol between a BHXH Desk office and the HQ server (`bhxh-hq`).
//!
//! JSON over HTTP(S), under the path prefix `/v1` ([`PROTOCOL_VERSION`]).
//! See `docs/sync-protocol.md` for the exchange as a whole. This crate only
//! holds the messages and the checks both sides make on them; it does no I/O.
//!
//! - `POST /v1/push` ([`PushRequest`] → [`PushResponse`]): the office sends a
//!   batch of changes from its outbox. Each change has an id (UUIDv7), a
//!   stream, a key (the thing changed, stable across revisions) and a
//!   revision. HQ answers each change with an [`Outcome`].
//! - `GET /v1/pull?cursor=N&limit=M` (→ [`PullResponse`]): what HQ published
//!   (directives, plan changes) after the cursor, in order.
//! - `GET /v1/hello` (→ [`Hello`]): who the token belongs to.
//! - `GET /v1/province` (→ [`ProvinceResponse`]): a provincial office's
//!   base offices and their progress (403 for a base office).
//!
//! Every request carries `Authorization: Bearer <office token>`.
//! Errors come back as [`ErrorBody`] with a stable code.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The protocol's version; it is also the path prefix (`/v1`).
pub const PROTOCOL_VERSION: u32 = 1;
/// Most changes in one push.
pub const MAX_BATCH_ITEMS: usize = 500;
/// Largest payload of one change, as serialised JSON.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;
/// Largest request body HQ accepts.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;
/// Largest response body a client reads.
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
/// Most items in one pull answer.
pub const MAX_PULL_ITEMS: u32 = 500;
/// Longest item key.
pub const MAX_KEY_CHARS: usize = 64;
/// Longest directive title / body, in characters.
pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_BODY_CHARS: usize = 20_000;
/// Largest reference pack HQ publishes (its JSON text).
pub const MAX_PACK_BYTES: usize = 1024 * 1024;

/// A message that breaks the protocol. Messages are Vietnamese.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProtoError {
    #[error("Phiên bản giao thức {got} không được hỗ trợ (cần {PROTOCOL_VERSION}).")]
    Version { got: u32 },
    #[error("Lô dữ liệu rỗng.")]
    EmptyBatch,
    #[error("Lô dữ liệu có {count} mục, vượt quá giới hạn {MAX_BATCH_ITEMS} mục.")]
    BatchTooLarge { count: usize },
    #[error("Mục {id} xuất hiện hai lần trong cùng một lô.")]
    DuplicateId { id: Uuid },
    #[error("Mục {id} không hợp lệ: {detail}")]
    Item { id: Uuid, detail: String },
    #[error("Phản hồi của máy chủ không hợp lệ: {0}")]
    Response(String),
}

/// The kinds of change an office sends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    /// An approved period report (monthly, half-year, annual) of plan progress.
    Report,
}

impl Stream {
    pub fn as_str(self) -> &'static str {
        match self {
            Stream::Report => "report",
        }
    }

    pub fn parse(s: &str) -> Option<Stream> {
        match s {
            "report" => Some(Stream::Report),
            _ => None,
        }
    }
}

/// One change from an office's outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PushItem {
    /// The change's own id (UUIDv7); for a report, the approved revision's uuid.
    pub id: Uuid,
    pub stream: Stream,
    /// What changed, stable across revisions: for a report `KIND:PERIOD`,
    /// e.g. `month:2024-05`, `half:2024-H1`, `year:2024`.
    pub key: String,
    /// Counts up from 1 per key.
    pub revision: i64,
    /// The change itself; for a report, the approved snapshot (see [`ReportSummary`]).
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PushRequest {
    pub protocol: u32,
    pub items: Vec<PushItem>,
}

/// A pushed change as HQ reads it: the same wire format as [`PushItem`],
/// its payload left as the JSON text sent (borrowed from the request body),
/// so a batch is never parsed into trees of values.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawPushItem<'a> {
    pub id: Uuid,
    pub stream: Stream,
    pub key: String,
    pub revision: i64,
    #[serde(borrow)]
    pub payload: &'a serde_json::value::RawValue,
}

/// A [`PushRequest`] as HQ reads it (see [`RawPushItem`]).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawPushRequest<'a> {
    pub protocol: u32,
    #[serde(borrow)]
    pub items: Vec<RawPushItem<'a>>,
}

/// What HQ did with one change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Kept now.
    Stored,
    /// HQ already held this very change (same id, key and revision): nothing kept twice.
    Duplicate,
    /// HQ holds this key at a newer revision, or a different change at the
    /// same revision; `hqRevision` says which. Not retried: shown to people.
    Conflict,
    /// The change breaks a rule (`detail` says which). Not retried.
    Rejected,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Stored => "stored",
            Outcome::Duplicate => "duplicate",
            Outcome::Conflict => "conflict",
            Outcome::Rejected => "rejected",
        }
    }

    /// The change is now safely at HQ.
    pub fn is_acknowledged(self) -> bool {
        matches!(self, Outcome::Stored | Outcome::Duplicate)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PushResult {
    pub id: Uuid,
    pub outcome: Outcome,
    /// The newest revision HQ holds for the item's key after this push
    /// (0 when it holds none, e.g. for a rejected first revision).
    pub hq_revision: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PushResponse {
    pub protocol: u32,
    pub results: Vec<PushResult>,
}

/// The part of a report snapshot HQ reads (the snapshot has more fields;
/// HQ keeps the whole snapshot as sent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportSummary {
    pub uuid: Uuid,
    pub kind: String,
    pub period: String,
    pub revision: i64,
    pub status: String,
    pub rows: Vec<RowSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowSummary {
    pub task_number: u32,
    #[serde(default)]
    pub progress: Option<ProgressSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressSummary {
    pub status: String,
    pub percent: u32,
    #[serde(default)]
    pub indicator_value: Option<f64>,
}

/// The item key of a report: `KIND:PERIOD`.
pub fn report_key(kind: &str, period: &str) -> String {
    format!("{kind}:{period}")
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.chars().count() <= MAX_KEY_CHARS
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_' | '.'))
}

fn valid_period(kind: &str, period: &str) -> bool {
    let b = period.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match kind {
        "month" => {
            b.len() == 7
                && digits(&b[..4])
                && b[4] == b'-'
                && digits(&b[5..])
                && matches!(period[5..].parse::<u32>(), Ok(1..=12))
        }
        "half" => {
            b.len() == 7 && digits(&b[..4]) && (&period[4..] == "-H1" || &period[4..] == "-H2")
        }
        "year" => b.len() == 4 && digits(b),
        _ => false,
    }
}

impl ReportSummary {
    /// Read and check a report payload against its change.
    pub fn from_item(item: &PushItem) -> Result<ReportSummary, ProtoError> {
        ReportSummary::check(
            ReportSummary::deserialize(&item.payload),
            item.id,
            &item.key,
            item.revision,
        )
    }

    /// [`ReportSummary::from_item`] for a payload still in JSON text.
    pub fn from_raw(item: &RawPushItem<'_>) -> Result<ReportSummary, ProtoError> {
        ReportSummary::check(
            serde_json::from_str(item.payload.get()),
            item.id,
            &item.key,
            item.revision,
        )
    }

    fn check(
        parsed: Result<ReportSummary, serde_json::Error>,
        id: Uuid,
        key: &str,
        revision: i64,
    ) -> Result<ReportSummary, ProtoError> {
        let bad = |detail: String| ProtoError::Item { id, detail };
        let summary =
            parsed.map_err(|e| bad(format!("nội dung báo cáo không đúng định dạng: {e}")))?;
        if !valid_period(&summary.kind, &summary.period) {
            return Err(bad(format!(
                "kỳ báo cáo \"{}:{}\" không hợp lệ",
                summary.kind, summary.period
            )));
        }
        if report_key(&summary.kind, &summary.period) != key {
            return Err(bad(format!(
                "khóa \"{}\" không khớp kỳ báo cáo \"{}:{}\"",
                key, summary.kind, summary.period
            )));
        }
        if summary.revision != revision {
            return Err(bad(format!(
                "lần sửa đổi trong báo cáo ({}) khác lần sửa đổi của mục ({})",
                summary.revision, revision
            )));
        }
        if summary.uuid != id {
            return Err(bad("mã báo cáo khác mã của mục".to_owned()));
        }
        if summary.status != "approved" {
            return Err(bad("chỉ gửi báo cáo đã duyệt".to_owned()));
        }
        let mut seen = HashSet::new();
        for row in &summary.rows {
            if !(1..=99).contains(&row.task_number) || !seen.insert(row.task_number) {
                return Err(bad(format!("số nhiệm vụ {} không hợp lệ", row.task_number)));
            }
            if let Some(p) = &row.progress {
                if p.percent > 100 {
                    return Err(bad(format!(
                        "nhiệm vụ {}: tỷ lệ {}% vượt quá 100%",
                        row.task_number, p.percent
                    )));
                }
                if !matches!(
                    p.status.as_str(),
                    "not_started" | "in_progress" | "done" | "late"
                ) {
                    return Err(bad(format!(
                        "nhiệm vụ {}: trạng thái \"{}\" không hợp lệ",
                        row.task_number, p.status
                    )));
                }
            }
        }
        Ok(summary)
    }
}

/// Counts what would be written, to measure JSON without building it.
struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl PushItem {
    /// The checks that do not depend on what HQ holds.
    pub fn validate(&self) -> Result<(), ProtoError> {
        let mut counter = ByteCounter(0);
        serde_json::to_writer(&mut counter, &self.payload).map_err(|e| ProtoError::Item {
            id: self.id,
            detail: e.to_string(),
        })?;
        validate_item(self.id, &self.key, self.revision, counter.0)?;
        match self.stream {
            Stream::Report => ReportSummary::from_item(self).map(|_| ()),
        }
    }
}

impl RawPushItem<'_> {
    /// [`PushItem::validate`]; the payload's size is that of its text as sent.
    pub fn validate(&self) -> Result<(), ProtoError> {
        validate_item(self.id, &self.key, self.revision, self.payload.get().len())?;
        match self.stream {
            Stream::Report => ReportSummary::from_raw(self).map(|_| ()),
        }
    }
}

/// The checks of an item that do not read its payload.
fn validate_item(id: Uuid, key: &str, revision: i64, size: usize) -> Result<(), ProtoError> {
    let bad = |detail: String| ProtoError::Item { id, detail };
    if id.get_version_num() != 7 {
        return Err(bad("mã mục phải là UUID phiên bản 7".to_owned()));
    }
    if !valid_key(key) {
        return Err(bad(format!("khóa \"{key}\" không hợp lệ")));
    }
    if revision < 1 {
        return Err(bad(format!("lần sửa đổi {revision} không hợp lệ")));
    }
    if size > MAX_PAYLOAD_BYTES {
        return Err(bad(format!(
            "nội dung {size} byte vượt quá giới hạn {MAX_PAYLOAD_BYTES} byte"
        )));
    }
    Ok(())
}

/// The checks on a batch as a whole: protocol, item count, ids distinct.
fn validate_envelope(
    protocol: u32,
    ids: impl ExactSizeIterator<Item = Uuid>,
) -> Result<(), ProtoError> {
    if protocol != PROTOCOL_VERSION {
        return Err(ProtoError::Version { got: protocol });
    }
    if ids.len() == 0 {
        return Err(ProtoError::EmptyBatch);
    }
    if ids.len() > MAX_BATCH_ITEMS {
        return Err(ProtoError::BatchTooLarge { count: ids.len() });
    }
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(ProtoError::DuplicateId { id });
        }
    }
    Ok(())
}

impl RawPushRequest<'_> {
    /// [`PushRequest::validate_envelope`].
    pub fn validate_envelope(&self) -> Result<(), ProtoError> {
        validate_envelope(self.protocol, self.items.iter().map(|i| i.id))
    }
}

impl PushRequest {
    /// The checks on the batch as a whole (each item is checked by HQ on its
    /// own, so one bad item does not hold back the others).
    pub fn validate_envelope(&self) -> Result<(), ProtoError> {
        validate_envelope(self.protocol, self.items.iter().map(|i| i.id))
    }
}

impl PushResponse {
    /// The client's check of HQ's answer: exactly one result per change it
    /// sent and none for anything else. A response that fails this changes
    /// nothing in the outbox.
    pub fn validate_against(&self, sent: &[Uuid]) -> Result<(), ProtoError> {
        if self.protocol != PROTOCOL_VERSION {
            return Err(ProtoError::Version { got: self.protocol });
        }
        let sent_set: HashSet<Uuid> = sent.iter().copied().collect();
        let mut answered = HashSet::new();
        for r in &self.results {
            if !sent_set.contains(&r.id) {
                return Err(ProtoError::Response(format!(
                    "có kết quả cho mục {} mà máy này không gửi",
                    r.id
                )));
            }
            if !answered.insert(r.id) {
                return Err(ProtoError::Response(format!(
                    "mục {} được trả lời hai lần",
                    r.id
                )));
            }
            if r.hq_revision < 0 {
                return Err(ProtoError::Response(format!(
                    "lần sửa đổi {} không hợp lệ",
                    r.hq_revision
                )));
            }
            if r.detail.as_ref().is_some_and(|d| d.chars().count() > 2000) {
                return Err(ProtoError::Response("lời giải thích quá dài".to_owned()));
            }
        }
        if answered.len() != sent_set.len() {
            return Err(ProtoError::Response(format!(
                "chỉ trả lời {} trên {} mục đã gửi",
                answered.len(),
                sent_set.len()
            )));
        }
        Ok(())
    }
}

/// Something HQ publishes for every office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind", deny_unknown_fields)]
pub enum Published {
    /// A notice to offices.
    #[serde(rename_all = "camelCase")]
    Directive { title: String, body: String },
    /// A change to a plan task's target or deadline.
    #[serde(rename_all = "camelCase")]
    PlanChange {
        task_number: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target_value: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target_unit: Option<String>,
        /// `YYYY-MM-DD`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deadline: Option<String>,
        #[serde(default)]
        note: String,
    },
    /// A reference pack (the rules in force by date: provinces, procedures'
    /// deadlines, holidays, paper sets, agency naming), as its JSON text.
    /// Desks check it whole and apply it once per (id, version).
    #[serde(rename_all = "camelCase")]
    ReferencePack { pack: String },
}

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && matches!(s[5..7].parse::<u32>(), Ok(1..=12))
        && matches!(s[8..10].parse::<u32>(), Ok(1..=31))
}

impl Published {
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Published::Directive { title, body } => {
                let t = title.trim().chars().count();
                if t == 0 || t > MAX_TITLE_CHARS {
                    return Err(format!(
                        "tiêu đề chỉ đạo phải có từ 1 đến {MAX_TITLE_CHARS} ký tự"
                    ));
                }
                if body.chars().count() > MAX_BODY_CHARS {
                    return Err(format!("nội dung chỉ đạo vượt quá {MAX_BODY_CHARS} ký tự"));
                }
            }
            Published::PlanChange {
                task_number,
                target_value,
                target_unit,
                deadline,
                note,
            } => {
                if !(1..=99).contains(task_number) {
                    return Err(format!("số nhiệm vụ {task_number} không hợp lệ"));
                }
                if target_value.is_some_and(|v| !v.is_finite() || v < 0.0) {
                    return Err("chỉ tiêu phải là số không âm".to_owned());
                }
                if target_unit.as_ref().is_some_and(|u| u.chars().count() > 40) {
                    return Err("đơn vị chỉ tiêu quá dài".to_owned());
                }
                if deadline.as_ref().is_some_and(|d| !valid_date(d)) {
                    return Err("hạn hoàn thành phải có dạng YYYY-MM-DD".to_owned());
                }
                if target_value.is_none() && deadline.is_none() && note.trim().is_empty() {
                    return Err("thay đổi kế hoạch phải có chỉ tiêu, hạn hoặc ghi chú".to_owned());
                }
                if note.chars().count() > MAX_BODY_CHARS {
                    return Err(format!("ghi chú vượt quá {MAX_BODY_CHARS} ký tự"));
                }
            }
            Published::ReferencePack { pack } => {
                if pack.len() > MAX_PACK_BYTES {
                    return Err(format!(
                        "gói dữ liệu tham chiếu {} byte, vượt quá {MAX_PACK_BYTES} byte",
                        pack.len()
                    ));
                }
                let v: serde_json::Value = serde_json::from_str(pack)
                    .map_err(|e| format!("gói dữ liệu tham chiếu không phải JSON: {e}"))?;
                let id = v
                    .get("id")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("");
                let version = v.get("version").and_then(serde_json::Value::as_i64);
                if id.trim().is_empty() || version.is_none_or(|n| n < 1) {
                    return Err(
                        "gói dữ liệu tham chiếu phải có \"id\" và \"version\" (từ 1)".to_owned(),
                    );
                }
            }
        }
        Ok(())
    }
}

/// One published item, numbered in publication order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DownItem {
    /// Publication order at HQ, from 1; the client's cursor is the last seq it kept.
    pub seq: i64,
    pub id: Uuid,
    /// RFC 3339.
    pub published_at: String,
    pub item: Published,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PullResponse {
    pub protocol: u32,
    pub items: Vec<DownItem>,
    /// The cursor to ask with next time (the last item's seq, or the
    /// cursor asked with when there is nothing new).
    pub next_cursor: i64,
    /// More items wait after `next_cursor`.
    pub more: bool,
}

impl PullResponse {
    /// The client's check: items strictly after the cursor, in order, no
    /// more than asked for, each valid; `next_cursor` is the last seq.
    pub fn validate_against(&self, cursor: i64, limit: u32) -> Result<(), ProtoError> {
        if self.protocol != PROTOCOL_VERSION {
            return Err(ProtoError::Version { got: self.protocol });
        }
        if self.items.len() > limit as usize {
            return Err(ProtoError::Response(format!(
                "trả về {} mục, nhiều hơn {limit} mục được hỏi",
                self.items.len()
            )));
        }
        let mut last = cursor;
        let mut ids = HashSet::new();
        for it in &self.items {
            if it.seq <= last {
                return Err(ProtoError::Response(format!(
                    "số thứ tự {} không tăng dần sau {last}",
                    it.seq
                )));
            }
            if !ids.insert(it.id) {
                return Err(ProtoError::Response(format!("mục {} lặp lại", it.id)));
            }
            it.item
                .validate()
                .map_err(|e| ProtoError::Response(format!("mục {}: {e}", it.id)))?;
            last = it.seq;
        }
        if self.next_cursor != last {
            return Err(ProtoError::Response(format!(
                "con trỏ tiếp theo {} không khớp mục cuối {last}",
                self.next_cursor
            )));
        }
        Ok(())
    }
}

/// The answer to `GET /v1/hello`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hello {
    pub protocol: u32,
    pub office_code: String,
    pub office_name: String,
    /// HQ's clock, RFC 3339.
    pub server_time: String,
}

/// Every error answer: a stable code and a Vietnamese message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

/// Most regressions HQ lists in one answer (the newest).
pub const MAX_REGRESSIONS: usize = 100;

/// The head of an office's audit chain: the newest entry's sequence number
/// and hash (64 lower-case hex digits), as the desk sends it with every
/// sync (`POST /v1/witness`) and HQ keeps it. HQ cannot read the chain;
/// what it witnessed lets the desk (and HQ) tell later whether the chain
/// still holds that entry unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

impl AuditHead {
    pub fn validate(&self) -> Result<(), String> {
        if self.seq < 1 {
            return Err(format!("số thứ tự mốc nhật ký {} phải từ 1", self.seq));
        }
        if self.hash.len() != 64
            || !self
                .hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err("mã băm mốc nhật ký phải gồm 64 chữ số hexa thường".to_owned());
        }
        Ok(())
    }
}

/// `POST /v1/witness`: the desk's audit head now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WitnessRequest {
    pub protocol: u32,
    pub head: AuditHead,
}

/// A head HQ witnessed, and when (HQ's clock, RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Witnessed {
    pub head: AuditHead,
    pub at: String,
}

/// A head that did not go forward from the one witnessed before it: a
/// lower sequence number, or the same with another hash (the chain was cut
/// back or rewritten, or the store restored from an older backup).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Regression {
    pub from: Witnessed,
    pub to: Witnessed,
}

/// HQ's answer to `POST /v1/witness` (after keeping the head sent) and to
/// `GET /v1/witness` (the desk's check): the newest head witnessed for the
/// office, and its regressions, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WitnessResponse {
    pub protocol: u32,
    pub latest: Option<Witnessed>,
    pub regressions: Vec<Regression>,
}

impl WitnessResponse {
    /// The client's check of HQ's answer.
    pub fn validate(&self) -> Result<(), ProtoError> {
        if self.protocol != PROTOCOL_VERSION {
            return Err(ProtoError::Version { got: self.protocol });
        }
        if self.regressions.len() > MAX_REGRESSIONS {
            return Err(ProtoError::Response(format!(
                "trả về {} lần lùi, nhiều hơn {MAX_REGRESSIONS}",
                self.regressions.len()
            )));
        }
        let heads = self
            .latest
            .iter()
            .chain(self.regressions.iter().flat_map(|r| [&r.from, &r.to]));
        for w in heads {
            w.head.validate().map_err(ProtoError::Response)?;
            if w.at.len() > 64 {
                return Err(ProtoError::Response("thời điểm quá dài".to_owned()));
            }
        }
        Ok(())
    }
}

/// Most base offices one province answer lists.
pub const MAX_BASE_OFFICES: usize = 2_000;
/// Longest office code and name, in characters.
pub const MAX_CODE_CHARS: usize = 64;
pub const MAX_NAME_CHARS: usize = 300;

/// One task of a base office's newest monthly report, as HQ read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BaseTask {
    pub task_number: u32,
    pub percent: Option<u32>,
    /// `not_started`, `in_progress`, `done` or `late`; `None` when the
    /// report has the task without progress.
    pub status: Option<String>,
}

/// One base office (BHXH cơ sở) of the calling provincial office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BaseOffice {
    pub code: String,
    pub name: String,
    /// Its token was revoked at HQ.
    pub revoked: bool,
    /// No report yet for `asOfMonth` (or a later month).
    pub late: bool,
    /// The newest month it reported (`YYYY-MM`) and that report's revision.
    pub latest_month: Option<String>,
    pub latest_revision: Option<i64>,
    /// When it last sent anything (HQ's clock, RFC 3339).
    pub last_sync_at: Option<String>,
    /// Its newest monthly report, task by task.
    pub tasks: Vec<BaseTask>,
}

/// `GET /v1/province`: the base offices of the provincial office whose
/// token asks, and their progress. Which province comes from the token
/// only; a base office's token is answered 403 [`codes::NOT_PROVINCIAL`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProvinceResponse {
    pub protocol: u32,
    /// The month every office should have reported by now (`YYYY-MM`).
    pub as_of_month: String,
    /// When HQ computed it (RFC 3339).
    pub generated_at: String,
    /// The provincial office (the caller).
    pub code: String,
    pub name: String,
    /// Its base offices, by code.
    pub base_offices: Vec<BaseOffice>,
}

fn valid_month(s: &str) -> bool {
    valid_period("month", s)
}

fn check_text(what: &str, s: &str, max: usize) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err(format!("{what} trống"));
    }
    if s.chars().count() > max {
        return Err(format!("{what} dài quá {max} ký tự"));
    }
    if s.chars().any(char::is_control) {
        return Err(format!("{what} có ký tự điều khiển"));
    }
    Ok(())
}

impl ProvinceResponse {
    /// The client's check of HQ's answer: the version, the month, every
    /// office once with a code and a name of sensible length, task numbers
    /// 1–99 once each, percents up to 100 and known statuses. The error
    /// names what was wrong and where.
    pub fn validate(&self) -> Result<(), ProtoError> {
        let bad = ProtoError::Response;
        if self.protocol != PROTOCOL_VERSION {
            return Err(ProtoError::Version { got: self.protocol });
        }
        if !valid_month(&self.as_of_month) {
            return Err(bad(format!(
                "tháng tính tiến độ \"{}\" không đúng dạng YYYY-MM",
                self.as_of_month
            )));
        }
        check_text("thời điểm tổng hợp", &self.generated_at, 64).map_err(bad)?;
        check_text("mã đơn vị tỉnh", &self.code, MAX_CODE_CHARS).map_err(bad)?;
        check_text("tên đơn vị tỉnh", &self.name, MAX_NAME_CHARS).map_err(bad)?;
        if self.base_offices.len() > MAX_BASE_OFFICES {
            return Err(bad(format!(
                "trả về {} cơ quan BHXH cơ sở, nhiều hơn giới hạn {MAX_BASE_OFFICES}",
                self.base_offices.len()
            )));
        }
        let mut codes = HashSet::new();
        for o in &self.base_offices {
            let at = |d: String| bad(format!("cơ quan BHXH cơ sở \"{}\": {d}", o.code));
            check_text("mã đơn vị", &o.code, MAX_CODE_CHARS).map_err(&at)?;
            check_text("tên đơn vị", &o.name, MAX_NAME_CHARS).map_err(&at)?;
            if o.code == self.code {
                return Err(at("trùng mã đơn vị tỉnh".to_owned()));
            }
            if !codes.insert(o.code.as_str()) {
                return Err(at("xuất hiện hai lần".to_owned()));
            }
            if let Some(m) = &o.latest_month
                && !valid_month(m)
            {
                return Err(at(format!("tháng báo cáo \"{m}\" không đúng dạng YYYY-MM")));
            }
            if o.latest_revision.is_some_and(|r| r < 1) {
                return Err(at("lần sửa đổi phải từ 1".to_owned()));
            }
            if o.latest_month.is_some() != o.latest_revision.is_some() {
                return Err(at(
                    "tháng báo cáo và lần sửa đổi phải có cùng nhau".to_owned()
                ));
            }
            if let Some(t) = &o.last_sync_at {
                check_text("thời điểm đồng bộ", t, 64).map_err(&at)?;
            }
            let mut seen = HashSet::new();
            for t in &o.tasks {
                if !(1..=99).contains(&t.task_number) || !seen.insert(t.task_number) {
                    return Err(at(format!("số nhiệm vụ {} không hợp lệ", t.task_number)));
                }
                if let Some(p) = t.percent.filter(|p| *p > 100) {
                    return Err(at(format!(
                        "nhiệm vụ {}: tỷ lệ {p}% vượt quá 100%",
                        t.task_number
                    )));
                }
                if let Some(s) = &t.status
                    && !matches!(s.as_str(), "not_started" | "in_progress" | "done" | "late")
                {
                    return Err(at(format!(
                        "nhiệm vụ {}: trạng thái \"{s}\" không hợp lệ",
                        t.task_number
                    )));
                }
            }
        }
        Ok(())
    }

    /// Read and check an answer's body.
    pub fn parse(body: &[u8]) -> Result<ProvinceResponse, ProtoError> {
        let r: ProvinceResponse = serde_json::from_slice(body)
            .map_err(|e| ProtoError::Response(format!("không đọc được tiến độ cấp tỉnh: {e}")))?;
        r.validate()?;
        Ok(r)
    }
}

/// The stable error codes.
pub mod codes {
    pub const UNAUTHORIZED: &str = "unauthorized";
    pub const REVOKED: &str = "revoked";
    pub const BAD_REQUEST: &str = "bad_request";
    pub const PROTOCOL: &str = "protocol";
    pub const TOO_LARGE: &str = "too_large";
    pub const RATE_LIMITED: &str = "rate_limited";
    pub const INTERNAL: &str = "internal";
    /// 403 to `GET /v1/province`: the token's office is a base office.
    pub const NOT_PROVINCIAL: &str = "not_provincial";
}

#[cfg(test)]
mod tests;
