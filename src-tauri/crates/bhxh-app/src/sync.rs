//! Sync with HQ, as the window and the command line drive it.
//!
//! The HQ address lives in the store (`sync_state`); the office token only
//! in the OS keyring, under `hq-token:<store id>`. [`Desk::sync_now`] runs
//! one round (push the outbox, pull directives and plan changes); the shell
//! runs it on a timer from a blocking thread and, after a failure, waits
//! [`bhxh_sync::Backoff`]'s delay. [`Desk::sync_status`] is the status line:
//! online or not, last sync, queued items, conflicts, the last error in
//! Vietnamese.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use bhxh_core::office::audit::{self, Event};
use bhxh_core::sync::base_offices::{self, Stored};
use bhxh_core::sync::outbox::{self, PlanChange};
pub use bhxh_sync::Backoff;
use bhxh_sync::{Client, ClientConfig, SyncError};
use serde::Serialize;

use crate::dto::{self, Directive, RoundReport, SyncProblem};
use crate::policy::Action;
use crate::{Desk, DeskError, ErrorCode, ErrorInfo};

/// The sync status line.
#[derive(Debug, Clone, Serialize, PartialEq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    /// An HQ address and a token are set.
    pub configured: bool,
    pub hq_url: Option<String>,
    /// The office HQ says the token belongs to.
    pub office_code: Option<String>,
    /// The last round reached HQ and finished.
    pub online: bool,
    pub last_sync_at: Option<String>,
    pub last_attempt_at: Option<String>,
    /// Changes waiting to be sent.
    pub queued: i64,
    pub acknowledged: i64,
    /// Changes HQ did not take (a newer revision there, or a rule broken).
    pub conflicts: Vec<SyncProblem>,
    pub consecutive_failures: i64,
    /// The last round's error, in Vietnamese, with what to do.
    pub last_error: Option<ErrorInfo>,
    pub directives: i64,
}

/// What "Đồng bộ ngay" did.
#[derive(Debug, Clone, Serialize, PartialEq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncRun {
    pub rounds: u32,
    pub report: RoundReport,
    pub status: SyncStatus,
}

/// `db check`'s comparison of the audit chain with the last head HQ
/// witnessed (`status`: `contained`, `not_contained` — the check fails —,
/// `not_witnessed`, `unreachable`).
#[derive(Debug, Clone, Serialize, PartialEq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WitnessCheck {
    pub status: String,
    /// What it means, in Vietnamese.
    pub message: String,
    /// The entry HQ witnessed last, and when (HQ's clock).
    pub seq: Option<i64>,
    pub at: Option<String>,
    /// Each time HQ saw this desk's chain go back, in Vietnamese.
    pub regressions: Vec<String>,
}

impl WitnessCheck {
    fn unreachable(why: &str) -> WitnessCheck {
        WitnessCheck {
            status: "unreachable".into(),
            message: format!("Không hỏi được máy chủ trung ương: {why}"),
            seq: None,
            at: None,
            regressions: Vec::new(),
        }
    }

    pub fn lost_what_hq_saw(&self) -> bool {
        self.status == "not_contained"
    }
}

fn hint_for(code: &str) -> String {
    let e = match code {
        "sync_not_configured" => SyncError::NotConfigured,
        "sync_unauthorized" => SyncError::Unauthorized(String::new()),
        "sync_revoked" => SyncError::Revoked(String::new()),
        "sync_offline" => SyncError::Offline(String::new()),
        "sync_timeout" => SyncError::Timeout,
        _ => return String::new(),
    };
    e.hint().to_owned()
}

impl Desk {
    fn sync_token_name(&self) -> String {
        self.dir.hq_token_name()
    }

    /// What HQ witnessed of this desk's audit chain, against the chain:
    /// none when sync is not configured. Never an error: a check that
    /// cannot reach HQ says so.
    pub(crate) fn witness_check(&self) -> Option<WitnessCheck> {
        let client = match self.sync_client() {
            Ok(c) => c,
            Err(DeskError::Sync(SyncError::NotConfigured)) => return None,
            Err(e) => return Some(WitnessCheck::unreachable(&e.to_string())),
        };
        let resp = match client.witnessed() {
            Ok(r) => r,
            Err(e) => return Some(WitnessCheck::unreachable(&e.to_string())),
        };
        let regressions: Vec<String> = resp
            .regressions
            .iter()
            .map(|r| {
                format!(
                    "Lúc {}, máy chủ trung ương ghi nhận nhật ký lùi từ mục {} về mục {}{}.",
                    r.to.at,
                    r.from.head.seq,
                    r.to.head.seq,
                    if r.to.head.seq == r.from.head.seq {
                        " (cùng số thứ tự, mã băm khác: nhật ký bị viết lại)"
                    } else {
                        ""
                    }
                )
            })
            .collect();
        let Some(latest) = resp.latest else {
            return Some(WitnessCheck {
                status: "not_witnessed".into(),
                message: "Máy chủ trung ương chưa chứng kiến mốc nhật ký nào của đơn vị.".into(),
                seq: None,
                at: None,
                regressions,
            });
        };
        let here = self
            .store
            .conn()
            .map_err(DeskError::from)
            .and_then(|c| Ok(audit::hash_at(&c, latest.head.seq)?));
        let (status, message) = match here {
            Ok(Some(h)) if h == latest.head.hash => (
                "contained",
                format!(
                    "Nhật ký còn nguyên mục {} mà máy chủ trung ương chứng kiến lúc {}.",
                    latest.head.seq, latest.at
                ),
            ),
            Ok(found) => (
                "not_contained",
                format!(
                    "Nhật ký không còn mục {} như máy chủ trung ương chứng kiến lúc {} ({}): nhật ký đã bị cắt bớt hoặc viết lại, hoặc kho được khôi phục từ bản sao lưu cũ hơn.",
                    latest.head.seq,
                    latest.at,
                    if found.is_some() {
                        "mục đó có mã băm khác"
                    } else {
                        "mục đó không còn"
                    }
                ),
            ),
            Err(e) => return Some(WitnessCheck::unreachable(&e.to_string())),
        };
        Some(WitnessCheck {
            status: status.into(),
            message,
            seq: Some(latest.head.seq),
            at: Some(latest.at),
            regressions,
        })
    }

    /// Set the HQ address and the office token (administrator). The token
    /// goes to the OS keyring only. When HQ answers, the token is checked
    /// first and a refused token is not kept; when HQ is unreachable the
    /// settings are kept and the status says offline.
    pub fn sync_configure(&self, url: &str, token: &str) -> Result<SyncStatus, DeskError> {
        let actor = self.authorize(Action::ConfigureSync)?;
        let url = bhxh_sync::check_url(url)?;
        let client = Client::new(ClientConfig::new(&url), token)?;
        let office_code = match client.hello() {
            Ok(h) => Some(h.office_code),
            Err(
                e
                @ (SyncError::Unauthorized(_) | SyncError::Revoked(_) | SyncError::BadResponse(_)),
            ) => {
                return Err(e.into());
            }
            Err(e) => {
                tracing::warn!(error = %e, "HQ unreachable while configuring; keeping the settings");
                None
            }
        };
        self.keyring
            .set(&self.sync_token_name(), token.trim().as_bytes())?;
        self.change_as(&actor, |tx, actor, now| {
            outbox::set_hq_url(tx, &url)?;
            if let Some(code) = &office_code {
                outbox::set_office_code(tx, code)?;
            }
            audit::append(
                tx,
                actor,
                &Event {
                    action: "sync_configure",
                    entity: "sync",
                    entity_id: "",
                    detail: serde_json::json!({ "url": url, "office": office_code }),
                },
                now,
            )?;
            Ok(())
        })?;
        self.sync_status()
    }

    fn sync_client(&self) -> Result<Client, DeskError> {
        let state = outbox::state(&*self.store.conn()?)?;
        let Some(url) = state.hq_url else {
            return Err(SyncError::NotConfigured.into());
        };
        let Some(token) = self.keyring.get(&self.sync_token_name())? else {
            return Err(SyncError::NotConfigured.into());
        };
        let token = std::str::from_utf8(&token).map_err(|_| {
            DeskError::Keyring(bhxh_secrets::SecretError::Malformed {
                name: self.sync_token_name(),
                detail: "mã truy cập không phải văn bản UTF-8".to_owned(),
            })
        })?;
        Ok(Client::new(ClientConfig::new(&url), token)?)
    }

    /// One sync round now ("Đồng bộ ngay"). Needs no session: it sends only
    /// reports already approved, and the background worker calls it too.
    pub fn sync_now(&self) -> Result<SyncRun, DeskError> {
        self.sync_with_retries(1, Backoff::default())
    }

    /// Rounds until one succeeds or `max_rounds` failed, waiting the
    /// backoff's delay between them. Errors that retrying cannot fix (no
    /// configuration, a refused token) end it at once.
    pub fn sync_with_retries(
        &self,
        max_rounds: u32,
        mut backoff: Backoff,
    ) -> Result<SyncRun, DeskError> {
        let now = self.now();
        let client = match self.sync_client() {
            Ok(c) => c,
            Err(e) => {
                outbox::record_error(&*self.store.conn()?, e.code(), &e.to_string(), &now)?;
                return Err(e);
            }
        };
        let mut rounds = 0;
        loop {
            rounds += 1;
            let now = self.now();
            let round = bhxh_sync::sync_round(&*self.store.conn()?, &client, &now);
            match round {
                Ok(report) => {
                    return Ok(SyncRun {
                        rounds,
                        report: report.into(),
                        status: self.sync_status()?,
                    });
                }
                Err(e) if e.is_transient() && rounds < max_rounds.max(1) => {
                    let wait = backoff.delay_after(&e);
                    tracing::info!(error = %e, ?wait, "sync round failed; retrying");
                    std::thread::sleep(wait);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The status line. Needs no session (it shows no personal data).
    pub fn sync_status(&self) -> Result<SyncStatus, DeskError> {
        let conn = &*self.store.conn()?;
        let state = outbox::state(conn)?;
        let counts = outbox::counts(conn)?;
        let has_token = self.keyring.get(&self.sync_token_name())?.is_some();
        let directives: i64 = conn
            .query_row("SELECT COUNT(*) FROM hq_directive", [], |r| r.get(0))
            .map_err(bhxh_core::CoreError::from)?;
        Ok(SyncStatus {
            configured: state.hq_url.is_some() && has_token,
            online: state.last_success_at.is_some() && state.consecutive_failures == 0,
            hq_url: state.hq_url,
            office_code: state.office_code,
            last_sync_at: state.last_success_at,
            last_attempt_at: state.last_attempt_at,
            queued: counts.queued,
            acknowledged: counts.acknowledged,
            conflicts: dto::all(outbox::problems(conn)?),
            consecutive_failures: state.consecutive_failures,
            last_error: state.last_error.map(|message| {
                let code = state.last_error_code.unwrap_or_default();
                ErrorInfo::new(
                    ErrorCode::parse(&code).unwrap_or(ErrorCode::Internal),
                    message,
                    hint_for(&code),
                )
            }),
            directives,
        })
    }

    /// Directives received from HQ, newest first.
    pub fn sync_directives(&self, limit: usize) -> Result<Vec<Directive>, DeskError> {
        Ok(dto::all(outbox::directives(&*self.store.conn()?, limit)?))
    }

    /// The progress of this office's base offices (BHXH cơ sở) as this
    /// desk last received it from HQ (after each successful sync of a
    /// provincial office), with its age; for a base office, or before
    /// anything came, an empty picture that says why.
    pub fn base_offices_progress(&self) -> Result<dto::BaseOfficesProgress, DeskError> {
        self.read(Action::ViewPlan, |conn, now| {
            Ok(base_offices_progress(base_offices::load(conn)?, now))
        })
    }

    /// Plan changes received from HQ, newest first.
    pub fn sync_plan_changes(&self) -> Result<Vec<PlanChange>, DeskError> {
        Ok(outbox::plan_changes(&*self.store.conn()?)?)
    }
}

/// Sync in the background: a thread with its own connection to the store
/// (so the window is never blocked while HQ is slow), one round every
/// `interval`, the backoff's delay after a failure, and a round at once when
/// woken ("Đồng bộ ngay"). Stops when dropped.
pub struct SyncWorker {
    shared: Arc<WorkerShared>,
    handle: Option<std::thread::JoinHandle<()>>,
}

struct WorkerShared {
    stop: AtomicBool,
    woken: Mutex<bool>,
    cv: Condvar,
}

impl std::fmt::Debug for SyncWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SyncWorker")
    }
}

impl SyncWorker {
    /// Run a round now instead of at the next tick.
    pub fn wake(&self) {
        if let Ok(mut w) = self.shared.woken.lock() {
            *w = true;
        }
        self.shared.cv.notify_all();
    }

    /// Stop after the round in progress, if any.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.cv.notify_all();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for SyncWorker {
    fn drop(&mut self) {
        self.halt();
    }
}

impl WorkerShared {
    /// Sleep up to `wait`, or less when woken or stopped.
    fn sleep(&self, wait: Duration) {
        let Ok(mut woken) = self.woken.lock() else {
            return;
        };
        let deadline = std::time::Instant::now() + wait;
        while !*woken && !self.stop.load(Ordering::SeqCst) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                break;
            }
            woken = match self.cv.wait_timeout(woken, left) {
                Ok((g, _)) => g,
                Err(_) => return,
            };
        }
        *woken = false;
    }
}

impl Desk {
    /// Start the background sync worker (see [`SyncWorker`]). Each round
    /// borrows its own connection from the store.
    pub fn start_sync_worker(
        &self,
        interval: Duration,
        mut backoff: Backoff,
    ) -> Result<SyncWorker, DeskError> {
        let store = Arc::clone(&self.store);
        let keyring = self.keyring.clone();
        let token_name = self.sync_token_name();
        let clock = self.clock.clone();
        let shared = Arc::new(WorkerShared {
            stop: AtomicBool::new(false),
            woken: Mutex::new(false),
            cv: Condvar::new(),
        });
        let s2 = shared.clone();
        let handle = std::thread::Builder::new()
            .name("bhxh-sync".to_owned())
            .spawn(move || {
                while !s2.stop.load(Ordering::SeqCst) {
                    let wait = match worker_round(&store, &keyring, &token_name, &clock()) {
                        Ok(()) => {
                            backoff.reset();
                            interval
                        }
                        Err(DeskError::Sync(SyncError::NotConfigured)) => interval,
                        Err(e) => {
                            let wait = match &e {
                                DeskError::Sync(se) => backoff.delay_after(se),
                                _ => backoff.next_delay(),
                            };
                            tracing::info!(error = %e, ?wait, "background sync failed");
                            wait
                        }
                    };
                    s2.sleep(wait);
                }
            })
            .map_err(|e| DeskError::Io {
                path: self.dir.db_path(),
                source: e,
            })?;
        Ok(SyncWorker {
            shared,
            handle: Some(handle),
        })
    }
}

fn worker_round(
    store: &bhxh_store::Store,
    keyring: &bhxh_secrets::Keyring,
    token_name: &str,
    now: &bhxh_core::Timestamp,
) -> Result<(), DeskError> {
    let conn = &*store.conn()?;
    let Some(url) = outbox::state(conn)?.hq_url else {
        return Err(SyncError::NotConfigured.into());
    };
    let Some(token) = keyring.get(token_name)? else {
        return Err(SyncError::NotConfigured.into());
    };
    let token = String::from_utf8_lossy(&token).into_owned();
    let client = Client::new(ClientConfig::new(&url), &token)?;
    bhxh_sync::sync_round(conn, &client, now)?;
    Ok(())
}

/// How long ago `at` was, in Vietnamese, and in minutes.
pub(crate) fn age(at: &str, now: &bhxh_core::Timestamp) -> Option<(i64, String)> {
    let then = bhxh_core::parse_ts(at).ok()?;
    let minutes = (*now - then).num_minutes().max(0);
    let text = match minutes {
        0 => "vừa xong".to_owned(),
        1..60 => format!("{minutes} phút trước"),
        60..1440 => format!("{} giờ trước", minutes / 60),
        _ => format!("{} ngày trước", minutes / 1440),
    };
    Some((minutes, text))
}

/// The stored picture as the window and the command line show it.
pub(crate) fn base_offices_progress(
    stored: Stored,
    now: &bhxh_core::Timestamp,
) -> dto::BaseOfficesProgress {
    let empty = |state: &str, note: String, fetched_at: Option<String>| {
        let age = fetched_at.as_deref().and_then(|t| age(t, now));
        dto::BaseOfficesProgress {
            state: state.to_owned(),
            note,
            province_code: None,
            province_name: None,
            as_of_month: None,
            generated_at: None,
            age_minutes: age.as_ref().map(|a| a.0),
            age_text: age.map(|a| a.1),
            fetched_at,
            offices: Vec::new(),
        }
    };
    match stored {
        Stored::Never => empty(
            "never",
            "Chưa nhận được tiến độ của các cơ quan BHXH cơ sở từ BHXH Việt Nam: \
             cần cấu hình và đồng bộ với máy chủ trung ương khi có mạng."
                .to_owned(),
            None,
        ),
        Stored::NotProvincial { checked_at } => empty(
            "not_provincial",
            "Theo BHXH Việt Nam, đơn vị là BHXH cơ sở: không có cơ quan BHXH cơ sở trực thuộc."
                .to_owned(),
            Some(checked_at),
        ),
        Stored::Picture(p) => {
            let age = age(&p.fetched_at, now);
            let note = format!(
                "Số liệu BHXH Việt Nam tổng hợp lúc {}, nhận về lúc {}{}; kỳ phải báo cáo: {}. {}",
                crate::reports::when_text(&p.generated_at),
                crate::reports::when_text(&p.fetched_at),
                age.as_ref()
                    .map_or(String::new(), |a| format!(" ({})", a.1)),
                crate::reports::month_text(&p.as_of_month),
                if p.offices.is_empty() {
                    "BHXH Việt Nam chưa ghi nhận cơ quan BHXH cơ sở nào trực thuộc đơn vị."
                        .to_owned()
                } else {
                    format!(
                        "{} cơ quan BHXH cơ sở, {} chậm báo cáo.",
                        p.offices.len(),
                        p.offices.iter().filter(|o| o.late).count()
                    )
                }
            );
            dto::BaseOfficesProgress {
                state: "provincial".to_owned(),
                note,
                province_code: Some(p.province_code),
                province_name: Some(p.province_name),
                as_of_month: Some(p.as_of_month),
                generated_at: Some(p.generated_at),
                fetched_at: Some(p.fetched_at),
                age_minutes: age.as_ref().map(|a| a.0),
                age_text: age.map(|a| a.1),
                offices: dto::all(p.offices),
            }
        }
    }
}
