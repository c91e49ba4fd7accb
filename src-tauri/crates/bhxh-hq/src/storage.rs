//! What HQ keeps: offices and their token hashes, every revision of every
//! item offices pushed, and what HQ published, numbered in order.
//!
//! The server talks to [`Storage`] only; [`SqliteStorage`] is the embedded
//! default (one machine), [`postgres::PostgresStorage`] the production
//! choice. Both keep the same rules: one transaction per push, `UNIQUE
//! (office, stream, key, revision)`, and published items numbered in order.
//! [`open`] picks one from `--database`.

pub mod postgres;

use std::path::Path;
use std::sync::Mutex;

use bhxh_sync_proto::{
    AuditHead, DownItem, MAX_REGRESSIONS, Outcome, Published, PushItem, PushResult, RawPushItem,
    Regression, Stream, Witnessed,
};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::HqError;

/// A pushed change to keep: checked already, its payload the JSON text
/// the office sent (kept as sent).
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    pub id: Uuid,
    pub stream: Stream,
    pub key: String,
    pub revision: i64,
    pub payload: String,
}

impl NewItem {
    /// From a change read out of a request body (its payload copied once).
    pub fn from_raw(item: RawPushItem<'_>) -> NewItem {
        NewItem {
            id: item.id,
            stream: item.stream,
            key: item.key,
            revision: item.revision,
            payload: item.payload.get().to_owned(),
        }
    }

    /// From a protocol item (its payload written as compact JSON).
    pub fn from_item(item: &PushItem) -> Result<NewItem, HqError> {
        Ok(NewItem {
            id: item.id,
            stream: item.stream,
            key: item.key.clone(),
            revision: item.revision,
            payload: serde_json::to_string(&item.payload)
                .map_err(|e| HqError::Invalid(format!("nội dung không ghi được: {e}")))?,
        })
    }
}

/// An office as its token identifies it.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeAuth {
    pub code: String,
    pub name: String,
    pub revoked: bool,
    /// The provincial office it belongs to; `None` for a provincial office.
    pub parent: Option<String>,
}

/// Who a published directive or plan change is for (`--to`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Audience {
    /// Every office (what HQ published before levels existed).
    #[default]
    All,
    /// One provincial office and its base offices.
    Province(String),
    /// One office only.
    Office(String),
}

impl Audience {
    /// `all`, `province:CODE` or `office:CODE`.
    pub fn parse(s: &str) -> Result<Audience, HqError> {
        let s = s.trim();
        let bad = || {
            HqError::Invalid(format!(
                "Nơi nhận \"{s}\" không hợp lệ: dùng all (mọi đơn vị), province:MÃ_BHXH_TỈNH \
                 (BHXH tỉnh đó và các BHXH cơ sở trực thuộc) hoặc office:MÃ_ĐƠN_VỊ (chỉ đơn vị đó)."
            ))
        };
        if s == "all" {
            return Ok(Audience::All);
        }
        let (kind, code) = s.split_once(':').ok_or_else(bad)?;
        if !valid_office_code(code) {
            return Err(bad());
        }
        match kind {
            "province" => Ok(Audience::Province(code.to_owned())),
            "office" => Ok(Audience::Office(code.to_owned())),
            _ => Err(bad()),
        }
    }

    /// The stored columns `(to_province, to_office)`; both `None` for all.
    pub fn columns(&self) -> (Option<&str>, Option<&str>) {
        match self {
            Audience::All => (None, None),
            Audience::Province(p) => (Some(p.as_str()), None),
            Audience::Office(o) => (None, Some(o.as_str())),
        }
    }

    /// In words, for messages and the audit log.
    pub fn describe(&self) -> String {
        match self {
            Audience::All => "mọi đơn vị".to_owned(),
            Audience::Province(p) => format!("BHXH tỉnh {p} và các BHXH cơ sở trực thuộc"),
            Audience::Office(o) => format!("đơn vị {o}"),
        }
    }
}

/// An office code: letters, digits, `.`, `-`, `_`; 1 to 32 characters.
pub fn valid_office_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 32
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Where a new office may sit: a parent must be a provincial office (one
/// with no parent), never the office itself. `lookup` answers an office's
/// own parent (`None`: no such office; `Some(None)`: a provincial office).
pub(crate) fn check_parent(
    code: &str,
    parent: Option<&str>,
    lookup: impl FnOnce(&str) -> Result<Option<Option<String>>, HqError>,
) -> Result<(), HqError> {
    let Some(parent) = parent else {
        return Ok(());
    };
    if parent == code {
        return Err(HqError::Invalid(format!(
            "Đơn vị \"{code}\" không thể là đơn vị cấp trên của chính nó."
        )));
    }
    match lookup(parent)? {
        None => Err(HqError::UnknownProvince(parent.to_owned())),
        Some(Some(grand)) => Err(HqError::NotProvincial {
            code: parent.to_owned(),
            parent: grand,
        }),
        Some(None) => Ok(()),
    }
}

/// Whether the offices an audience names exist and are what it says
/// (`lookup` as for [`check_parent`]).
pub(crate) fn check_audience(
    audience: &Audience,
    lookup: impl FnOnce(&str) -> Result<Option<Option<String>>, HqError>,
) -> Result<(), HqError> {
    match audience {
        Audience::All => Ok(()),
        Audience::Province(p) => match lookup(p)? {
            None => Err(HqError::UnknownProvince(p.clone())),
            Some(Some(grand)) => Err(HqError::NotProvincial {
                code: p.clone(),
                parent: grand,
            }),
            Some(None) => Ok(()),
        },
        Audience::Office(o) => match lookup(o)? {
            None => Err(HqError::UnknownOffice(o.clone())),
            Some(_) => Ok(()),
        },
    }
}

/// An office as listed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OfficeRow {
    pub code: String,
    pub name: String,
    pub province: Option<String>,
    /// The provincial office a base office belongs to; `None`: provincial.
    pub parent: Option<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
    pub last_sync_at: Option<String>,
    pub items: i64,
}

/// The newest revision HQ holds of one item of one office.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredItem {
    pub office: String,
    pub stream: String,
    pub key: String,
    pub revision: i64,
    pub id: String,
    pub payload: String,
    pub received_at: String,
}

/// An HQ staff account (people who read the national page).
#[derive(Debug, Clone, PartialEq)]
pub struct StaffAccount {
    pub username: String,
    /// `viewer` or `administrator`.
    pub role: String,
    /// argon2id, PHC string.
    pub password_hash: String,
    /// Wrong passwords since the last good one.
    pub failures: i64,
    /// Locked until this time (Unix seconds), after too many wrong passwords.
    pub locked_until: Option<i64>,
}

/// An API token for reading national figures (`bhxh-hq token add`).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiToken {
    pub scope: String,
    pub label: String,
    pub revoked: bool,
}

/// One line of HQ staff's audit log.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// The storage HQ's server needs. Calls block: the server runs them on
/// tokio's blocking pool.
pub trait Storage: Send + Sync + 'static {
    fn add_office(
        &self,
        code: &str,
        name: &str,
        province: Option<&str>,
        parent: Option<&str>,
        token_hash: &str,
        now: &str,
    ) -> Result<(), HqError>;
    fn revoke_office(&self, code: &str, now: &str) -> Result<(), HqError>;
    /// A new token for an office; the one it replaces keeps working until
    /// `old_until` (Unix seconds), then not.
    fn rotate_office_token(
        &self,
        code: &str,
        new_token_hash: &str,
        old_until: i64,
    ) -> Result<(), HqError>;
    /// The office of a token (its current one, or the one before within
    /// its grace period).
    fn authenticate(&self, token_hash: &str) -> Result<Option<OfficeAuth>, HqError>;
    /// Apply a batch in one transaction; one result per item, in order.
    /// Items must already have passed [`PushItem::validate`] (or
    /// [`RawPushItem::validate`]). A new revision of an item that already
    /// has `max_revisions` is rejected.
    fn push(
        &self,
        office: &str,
        items: &[NewItem],
        now: &str,
        max_revisions: i64,
    ) -> Result<Vec<PushResult>, HqError>;
    /// Published items for `office` after `cursor`, at most `limit`, and
    /// whether more wait: those for every office, for its province (itself
    /// when provincial, its parent when a base office) and for it alone.
    fn pull(&self, office: &str, cursor: i64, limit: u32)
    -> Result<(Vec<DownItem>, bool), HqError>;
    /// Publish `item` for `audience`, whose offices must exist (a province
    /// a provincial office).
    fn publish(
        &self,
        item: &Published,
        audience: &Audience,
        now: &str,
    ) -> Result<DownItem, HqError>;
    fn record_sync(&self, office: &str, now: &str) -> Result<(), HqError>;
    fn offices(&self) -> Result<Vec<OfficeRow>, HqError>;
    /// The newest revision of every item of every office.
    fn current_items(&self) -> Result<Vec<StoredItem>, HqError>;
    /// For each office that sent one, its report for the newest month (key
    /// `month:YYYY-MM`), newest revision: what the national page shows.
    fn newest_month_reports(&self) -> Result<Vec<StoredItem>, HqError>;
    /// How many revisions HQ holds for an office (every key, every revision).
    fn count_items(&self, office: &str) -> Result<i64, HqError>;
    /// Keep an office's audit head (every one, in order); a head that does
    /// not go forward from the one before is kept as a regression too.
    fn witness(&self, office: &str, head: &AuditHead, now: &str) -> Result<(), HqError>;
    /// The newest head witnessed for an office, and its regressions
    /// (newest first, at most [`MAX_REGRESSIONS`]).
    fn witnessed(&self, office: &str) -> Result<(Option<Witnessed>, Vec<Regression>), HqError>;

    fn add_staff(
        &self,
        username: &str,
        role: &str,
        password_hash: &str,
        now: &str,
    ) -> Result<(), HqError>;
    fn staff_account(&self, username: &str) -> Result<Option<StaffAccount>, HqError>;
    /// Count one wrong password; at `lock_after` failures the account is
    /// locked until `lock_until` (Unix seconds) and the count starts again.
    /// Whether this failure locked it.
    fn record_sign_in_failure(
        &self,
        username: &str,
        lock_after: i64,
        lock_until: i64,
    ) -> Result<bool, HqError>;
    /// A good password: the count of failures starts again.
    fn clear_sign_in_failures(&self, username: &str) -> Result<(), HqError>;
    fn add_api_token(
        &self,
        token_hash: &str,
        scope: &str,
        label: &str,
        now: &str,
    ) -> Result<(), HqError>;
    fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>, HqError>;
    /// Revoke the API token whose hash begins with `hash_prefix` (the id
    /// `token add` prints); false when none does.
    fn revoke_api_token(&self, hash_prefix: &str, now: &str) -> Result<bool, HqError>;
    /// Keep one HQ staff action (sign-in, lockout, accounts, tokens, offices).
    fn audit(&self, actor: &str, action: &str, detail: &str, now: &str) -> Result<(), HqError>;
    /// The newest `limit` audit lines, newest first.
    fn audit_entries(&self, limit: u32) -> Result<Vec<AuditEntry>, HqError>;
}

/// Connections kept to PostgreSQL (more than the blocking work that runs at
/// once: pushes are bounded by `--concurrent-pushes`).
pub const PG_POOL_SIZE: u32 = 16;

/// The store `--database` names: `postgres://…` (or `postgresql://…`) for
/// PostgreSQL; none for SQLite in `data_dir`.
pub fn open(
    data_dir: Option<&Path>,
    database: Option<&str>,
) -> Result<std::sync::Arc<dyn Storage>, HqError> {
    open_with(data_dir, database, None)
}

/// [`open`], with the CA certificate (PEM) PostgreSQL's TLS certificate must
/// chain to (`--database-ca`, with `sslmode=require`).
pub fn open_with(
    data_dir: Option<&Path>,
    database: Option<&str>,
    database_ca: Option<&Path>,
) -> Result<std::sync::Arc<dyn Storage>, HqError> {
    let ca = database_ca
        .map(|p| {
            std::fs::read(p).map_err(|e| HqError::Io {
                path: p.display().to_string(),
                detail: e.to_string(),
            })
        })
        .transpose()?;
    match (database, data_dir) {
        (Some(url), _) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(std::sync::Arc::new(
                postgres::PostgresStorage::connect_with(url, PG_POOL_SIZE, ca.as_deref())?,
            ))
        }
        (Some(_), _) => Err(HqError::Invalid(
            "--database phải là địa chỉ PostgreSQL (postgres://NGƯỜI_DÙNG@MÁY:CỔNG/TÊN_CSDL); \
             bỏ --database để dùng SQLite trong --data-dir."
                .to_owned(),
        )),
        (None, Some(dir)) => Ok(std::sync::Arc::new(SqliteStorage::open(dir)?)),
        (None, None) => Err(HqError::Invalid(
            "Cần --data-dir (SQLite) hoặc --database (PostgreSQL).".to_owned(),
        )),
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS office (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    province      TEXT,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    revoked_at    TEXT,
    last_sync_at  TEXT
) STRICT;
CREATE TABLE IF NOT EXISTS item (
    office_code  TEXT NOT NULL REFERENCES office(code),
    stream       TEXT NOT NULL,
    key          TEXT NOT NULL,
    revision     INTEGER NOT NULL CHECK (revision >= 1),
    id           TEXT NOT NULL,
    payload      TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    PRIMARY KEY (office_code, stream, key, revision),
    UNIQUE (office_code, id)
) STRICT;
CREATE TABLE IF NOT EXISTS witness (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    office_code  TEXT NOT NULL REFERENCES office(code),
    seq          INTEGER NOT NULL,
    hash         TEXT NOT NULL,
    at           TEXT NOT NULL,
    regressed    INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX IF NOT EXISTS witness_office ON witness (office_code, id);
CREATE TABLE IF NOT EXISTS published (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    item          TEXT NOT NULL,
    published_at  TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS staff (
    username       TEXT PRIMARY KEY,
    role           TEXT NOT NULL CHECK (role IN ('viewer', 'administrator')),
    password_hash  TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    failures       INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER
) STRICT;
CREATE TABLE IF NOT EXISTS api_token (
    token_hash  TEXT PRIMARY KEY,
    scope       TEXT NOT NULL CHECK (scope IN ('read')),
    label       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
) STRICT;
CREATE TABLE IF NOT EXISTS staff_audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL
) STRICT;
";

/// HQ's embedded store: one SQLite file (`hq.db`) in the data directory.
pub struct SqliteStorage {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStorage")
    }
}

impl SqliteStorage {
    /// Open (creating when absent) `hq.db` in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<SqliteStorage, HqError> {
        std::fs::create_dir_all(data_dir).map_err(|e| HqError::Io {
            path: data_dir.display().to_string(),
            detail: e.to_string(),
        })?;
        let mut conn = Connection::open(data_dir.join("hq.db"))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )?;
        conn.execute_batch(SCHEMA)?;
        // Added with token rotation and with levels (issue 15): older files
        // get the columns. Checked and added in one write transaction: two
        // processes opening an older (or a new) file at once add them once.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let has_old: bool = tx
            .query_row(
                "SELECT 1 FROM pragma_table_info('office') WHERE name = 'old_token_hash'",
                [],
                |_| Ok(true),
            )
            .optional()?
            .unwrap_or(false);
        if !has_old {
            tx.execute_batch(
                "ALTER TABLE office ADD COLUMN old_token_hash TEXT;
                 ALTER TABLE office ADD COLUMN old_token_until INTEGER;",
            )?;
        }
        tx.execute_batch(
            "CREATE INDEX IF NOT EXISTS office_old_token ON office (old_token_hash);",
        )?;
        // A base office's provincial office, and who a published item is
        // for. Older rows: provincial offices, items for every office.
        let has_parent: bool = tx
            .query_row(
                "SELECT 1 FROM pragma_table_info('office') WHERE name = 'parent_code'",
                [],
                |_| Ok(true),
            )
            .optional()?
            .unwrap_or(false);
        if !has_parent {
            tx.execute_batch(
                "ALTER TABLE office ADD COLUMN parent_code TEXT REFERENCES office(code);
                 ALTER TABLE published ADD COLUMN to_province TEXT REFERENCES office(code);
                 ALTER TABLE published ADD COLUMN to_office TEXT REFERENCES office(code);",
            )?;
        }
        tx.execute_batch("CREATE INDEX IF NOT EXISTS office_parent ON office (parent_code);")?;
        tx.commit()?;
        Ok(SqliteStorage {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> Result<std::sync::MutexGuard<'_, Connection>, HqError> {
        self.conn
            .lock()
            .map_err(|_| HqError::Corrupt("kết nối cơ sở dữ liệu bị hỏng sau một lỗi".to_owned()))
    }
}

/// Why a new revision is refused when an item already has `max` of them.
fn too_many_revisions(key: &str, max: i64) -> String {
    format!(
        "Trung ương đã giữ {max} lần sửa đổi của {key}, mức tối đa; không nhận thêm lần sửa đổi mới."
    )
}

/// What a pushed item meets at HQ, whichever store answers: the newest
/// revision held for its key, the id stored at its revision (if any), and —
/// asked only when the answer matters — whether its id is taken elsewhere
/// and how many revisions of its key are kept. `None`: store it.
pub(crate) fn refusal(
    item: &NewItem,
    newest: i64,
    at_revision: Option<&str>,
    id_used: impl FnOnce() -> Result<bool, HqError>,
    kept: impl FnOnce() -> Result<i64, HqError>,
    max_revisions: i64,
) -> Result<Option<PushResult>, HqError> {
    let result = |outcome, detail: Option<String>| {
        Some(PushResult {
            id: item.id,
            outcome,
            hq_revision: newest,
            detail,
        })
    };
    if at_revision == Some(item.id.to_string().as_str()) {
        return Ok(result(Outcome::Duplicate, None));
    }
    if newest > item.revision {
        return Ok(result(
            Outcome::Conflict,
            Some(format!(
                "Trung ương đang giữ lần sửa đổi {newest} của {}, mới hơn lần {} vừa gửi.",
                item.key, item.revision
            )),
        ));
    }
    if at_revision.is_some() {
        return Ok(result(
            Outcome::Conflict,
            Some(format!(
                "Trung ương đã nhận một bản khác cho lần sửa đổi {} của {}.",
                item.revision, item.key
            )),
        ));
    }
    if id_used()? {
        return Ok(result(
            Outcome::Rejected,
            Some("Mã mục đã được dùng cho một mục khác.".to_owned()),
        ));
    }
    if kept()? >= max_revisions {
        return Ok(result(
            Outcome::Rejected,
            Some(too_many_revisions(&item.key, max_revisions)),
        ));
    }
    Ok(None)
}

fn push_one(
    tx: &rusqlite::Transaction<'_>,
    office: &str,
    item: &NewItem,
    now: &str,
    max_revisions: i64,
) -> Result<PushResult, HqError> {
    let stream = item.stream.as_str();
    let id = item.id.to_string();
    let newest: i64 = tx
        .prepare_cached(
            "SELECT COALESCE(MAX(revision), 0) FROM item WHERE office_code = ?1 AND stream = ?2 AND key = ?3",
        )?
        .query_row(params![office, stream, item.key], |r| r.get(0))?;
    let at_revision: Option<String> = tx
        .prepare_cached(
            "SELECT id FROM item WHERE office_code = ?1 AND stream = ?2 AND key = ?3 AND revision = ?4",
        )?
        .query_row(params![office, stream, item.key, item.revision], |r| {
            r.get(0)
        })
        .optional()?;
    let id_used = || -> Result<bool, HqError> {
        Ok(tx
            .prepare_cached("SELECT 1 FROM item WHERE office_code = ?1 AND id = ?2")?
            .query_row(params![office, id], |_| Ok(true))
            .optional()?
            .unwrap_or(false))
    };
    let kept = || -> Result<i64, HqError> {
        Ok(tx
            .prepare_cached(
                "SELECT COUNT(*) FROM item WHERE office_code = ?1 AND stream = ?2 AND key = ?3",
            )?
            .query_row(params![office, stream, item.key], |r| r.get(0))?)
    };
    if let Some(refused) = refusal(
        item,
        newest,
        at_revision.as_deref(),
        id_used,
        kept,
        max_revisions,
    )? {
        return Ok(refused);
    }
    tx.prepare_cached(
        "INSERT INTO item (office_code, stream, key, revision, id, payload, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        office,
        stream,
        item.key,
        item.revision,
        id,
        item.payload,
        now
    ])?;
    Ok(PushResult {
        id: item.id,
        outcome: Outcome::Stored,
        hq_revision: item.revision,
        detail: None,
    })
}

/// An office's own parent in SQLite: `None` when there is no such office.
fn sqlite_parent_of(conn: &Connection, code: &str) -> Result<Option<Option<String>>, HqError> {
    Ok(conn
        .query_row(
            "SELECT parent_code FROM office WHERE code = ?1",
            [code],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?)
}

fn read_down(
    seq: i64,
    id: String,
    item: String,
    published_at: String,
) -> Result<DownItem, HqError> {
    Ok(DownItem {
        seq,
        id: Uuid::parse_str(&id).map_err(|e| HqError::Corrupt(format!("mã {id}: {e}")))?,
        published_at,
        item: serde_json::from_str(&item)
            .map_err(|e| HqError::Corrupt(format!("mục {seq}: {e}")))?,
    })
}

impl Storage for SqliteStorage {
    fn add_office(
        &self,
        code: &str,
        name: &str,
        province: Option<&str>,
        parent: Option<&str>,
        token_hash: &str,
        now: &str,
    ) -> Result<(), HqError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let exists: bool = tx
            .query_row("SELECT 1 FROM office WHERE code = ?1", [code], |_| Ok(true))
            .optional()?
            .unwrap_or(false);
        if exists {
            return Err(HqError::OfficeExists(code.to_owned()));
        }
        check_parent(code, parent, |p| sqlite_parent_of(&tx, p))?;
        tx.execute(
            "INSERT INTO office (code, name, province, parent_code, token_hash, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![code, name, province, parent, token_hash, now],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn revoke_office(&self, code: &str, now: &str) -> Result<(), HqError> {
        let conn = self.conn()?;
        let n = conn.execute(
            "UPDATE office SET revoked_at = COALESCE(revoked_at, ?2) WHERE code = ?1",
            params![code, now],
        )?;
        if n == 0 {
            return Err(HqError::UnknownOffice(code.to_owned()));
        }
        Ok(())
    }

    fn rotate_office_token(
        &self,
        code: &str,
        new_token_hash: &str,
        old_until: i64,
    ) -> Result<(), HqError> {
        let conn = self.conn()?;
        let revoked: Option<bool> = conn
            .query_row(
                "SELECT revoked_at IS NOT NULL FROM office WHERE code = ?1",
                [code],
                |r| r.get(0),
            )
            .optional()?;
        match revoked {
            None => return Err(HqError::UnknownOffice(code.to_owned())),
            Some(true) => return Err(HqError::Revoked(code.to_owned())),
            Some(false) => {}
        }
        conn.execute(
            "UPDATE office SET old_token_hash = token_hash, old_token_until = ?3, token_hash = ?2
             WHERE code = ?1",
            params![code, new_token_hash, old_until],
        )?;
        Ok(())
    }

    fn authenticate(&self, token_hash: &str) -> Result<Option<OfficeAuth>, HqError> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                "SELECT code, name, revoked_at IS NOT NULL, parent_code FROM office
                 WHERE token_hash = ?1 OR (old_token_hash = ?1 AND old_token_until > ?2)",
                params![token_hash, chrono::Utc::now().timestamp()],
                |r| {
                    Ok(OfficeAuth {
                        code: r.get(0)?,
                        name: r.get(1)?,
                        revoked: r.get(2)?,
                        parent: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn push(
        &self,
        office: &str,
        items: &[NewItem],
        now: &str,
        max_revisions: i64,
    ) -> Result<Vec<PushResult>, HqError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let mut results = Vec::with_capacity(items.len());
        for item in items {
            results.push(push_one(&tx, office, item, now, max_revisions)?);
        }
        tx.execute(
            "UPDATE office SET last_sync_at = ?2 WHERE code = ?1",
            params![office, now],
        )?;
        tx.commit()?;
        Ok(results)
    }

    fn pull(
        &self,
        office: &str,
        cursor: i64,
        limit: u32,
    ) -> Result<(Vec<DownItem>, bool), HqError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT seq, id, item, published_at FROM published
             WHERE seq > ?1
               AND ((to_province IS NULL AND to_office IS NULL)
                    OR to_office = ?3
                    OR to_province = (SELECT COALESCE(parent_code, code) FROM office WHERE code = ?3))
             ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![cursor, i64::from(limit) + 1, office], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<Vec<(i64, String, String, String)>, _>>()?;
        let more = rows.len() > limit as usize;
        let items = rows
            .into_iter()
            .take(limit as usize)
            .map(|(s, i, it, p)| read_down(s, i, it, p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((items, more))
    }

    fn publish(
        &self,
        item: &Published,
        audience: &Audience,
        now: &str,
    ) -> Result<DownItem, HqError> {
        item.validate().map_err(HqError::Invalid)?;
        let mut conn = self.conn()?;
        let id = Uuid::now_v7();
        let text = serde_json::to_string(item)
            .map_err(|e| HqError::Invalid(format!("không ghi được: {e}")))?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        check_audience(audience, |c| sqlite_parent_of(&tx, c))?;
        let (to_province, to_office) = audience.columns();
        tx.execute(
            "INSERT INTO published (id, item, published_at, to_province, to_office)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id.to_string(), text, now, to_province, to_office],
        )?;
        let seq = tx.last_insert_rowid();
        tx.commit()?;
        Ok(DownItem {
            seq,
            id,
            published_at: now.to_owned(),
            item: item.clone(),
        })
    }

    fn record_sync(&self, office: &str, now: &str) -> Result<(), HqError> {
        let conn = self.conn()?;
        conn.execute(
            "UPDATE office SET last_sync_at = ?2 WHERE code = ?1",
            params![office, now],
        )?;
        Ok(())
    }

    fn offices(&self) -> Result<Vec<OfficeRow>, HqError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT o.code, o.name, o.province, o.created_at, o.revoked_at, o.last_sync_at,
                    (SELECT COUNT(*) FROM item i WHERE i.office_code = o.code), o.parent_code
             FROM office o ORDER BY o.code",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(OfficeRow {
                    code: r.get(0)?,
                    name: r.get(1)?,
                    province: r.get(2)?,
                    parent: r.get(7)?,
                    created_at: r.get(3)?,
                    revoked_at: r.get(4)?,
                    last_sync_at: r.get(5)?,
                    items: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn current_items(&self) -> Result<Vec<StoredItem>, HqError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT i.office_code, i.stream, i.key, i.revision, i.id, i.payload, i.received_at
             FROM item i
             WHERE i.revision = (SELECT MAX(j.revision) FROM item j
                                 WHERE j.office_code = i.office_code AND j.stream = i.stream AND j.key = i.key)
             ORDER BY i.office_code, i.stream, i.key",
        )?;
        let rows = stmt
            .query_map([], stored_item)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn newest_month_reports(&self) -> Result<Vec<StoredItem>, HqError> {
        let conn = self.conn()?;
        // One seek down the primary key per office ('month;' is the first
        // key after every 'month:…').
        let mut stmt = conn.prepare_cached(
            "SELECT i.office_code, i.stream, i.key, i.revision, i.id, i.payload, i.received_at
             FROM office o JOIN item i ON i.rowid =
                 (SELECT j.rowid FROM item j
                  WHERE j.office_code = o.code AND j.stream = 'report'
                    AND j.key >= 'month:' AND j.key < 'month;'
                  ORDER BY j.key DESC, j.revision DESC LIMIT 1)
             ORDER BY o.code",
        )?;
        let rows = stmt
            .query_map([], stored_item)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn witness(&self, office: &str, head: &AuditHead, now: &str) -> Result<(), HqError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let last: Option<(i64, String)> = tx
            .query_row(
                "SELECT seq, hash FROM witness WHERE office_code = ?1 ORDER BY id DESC LIMIT 1",
                [office],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if last.as_ref() == Some(&(head.seq, head.hash.clone())) {
            // The same head again (nothing logged since): one row is enough.
            tx.execute(
                "UPDATE witness SET at = ?2 WHERE id = (SELECT MAX(id) FROM witness WHERE office_code = ?1)",
                params![office, now],
            )?;
        } else {
            let regressed = last.as_ref().is_some_and(|(seq, hash)| {
                head.seq < *seq || (head.seq == *seq && head.hash != *hash)
            });
            tx.execute(
                "INSERT INTO witness (office_code, seq, hash, at, regressed) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![office, head.seq, head.hash, now, regressed],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn witnessed(&self, office: &str) -> Result<(Option<Witnessed>, Vec<Regression>), HqError> {
        let conn = self.conn()?;
        let row = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Witnessed> {
            Ok(Witnessed {
                head: AuditHead {
                    seq: r.get(0)?,
                    hash: r.get(1)?,
                },
                at: r.get(2)?,
            })
        };
        let latest = conn
            .query_row(
                "SELECT seq, hash, at FROM witness WHERE office_code = ?1 ORDER BY id DESC LIMIT 1",
                [office],
                row,
            )
            .optional()?;
        let mut stmt = conn.prepare(
            "SELECT w.seq, w.hash, w.at, p.seq, p.hash, p.at FROM witness w
             JOIN witness p ON p.id = (SELECT MAX(id) FROM witness
                                       WHERE office_code = w.office_code AND id < w.id)
             WHERE w.office_code = ?1 AND w.regressed = 1 ORDER BY w.id DESC LIMIT ?2",
        )?;
        let regressions = stmt
            .query_map(params![office, MAX_REGRESSIONS as i64], |r| {
                Ok(Regression {
                    to: Witnessed {
                        head: AuditHead {
                            seq: r.get(0)?,
                            hash: r.get(1)?,
                        },
                        at: r.get(2)?,
                    },
                    from: Witnessed {
                        head: AuditHead {
                            seq: r.get(3)?,
                            hash: r.get(4)?,
                        },
                        at: r.get(5)?,
                    },
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok((latest, regressions))
    }

    fn count_items(&self, office: &str) -> Result<i64, HqError> {
        let conn = self.conn()?;
        Ok(conn.query_row(
            "SELECT COUNT(*) FROM item WHERE office_code = ?1",
            [office],
            |r| r.get(0),
        )?)
    }

    fn add_staff(
        &self,
        username: &str,
        role: &str,
        password_hash: &str,
        now: &str,
    ) -> Result<(), HqError> {
        let conn = self.conn()?;
        let n = conn.execute(
            "INSERT INTO staff (username, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (username) DO NOTHING",
            params![username, role, password_hash, now],
        )?;
        if n == 0 {
            return Err(HqError::StaffExists(username.to_owned()));
        }
        Ok(())
    }

    fn staff_account(&self, username: &str) -> Result<Option<StaffAccount>, HqError> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                "SELECT username, role, password_hash, failures, locked_until FROM staff WHERE username = ?1",
                [username],
                |r| {
                    Ok(StaffAccount {
                        username: r.get(0)?,
                        role: r.get(1)?,
                        password_hash: r.get(2)?,
                        failures: r.get(3)?,
                        locked_until: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    fn record_sign_in_failure(
        &self,
        username: &str,
        lock_after: i64,
        lock_until: i64,
    ) -> Result<bool, HqError> {
        let conn = self.conn()?;
        let failures: Option<i64> = conn
            .query_row(
                "UPDATE staff SET failures = failures + 1 WHERE username = ?1 RETURNING failures",
                [username],
                |r| r.get(0),
            )
            .optional()?;
        if failures.is_some_and(|f| f >= lock_after) {
            conn.execute(
                "UPDATE staff SET failures = 0, locked_until = ?2 WHERE username = ?1",
                params![username, lock_until],
            )?;
            return Ok(true);
        }
        Ok(false)
    }

    fn clear_sign_in_failures(&self, username: &str) -> Result<(), HqError> {
        let conn = self.conn()?;
        conn.execute(
            "UPDATE staff SET failures = 0, locked_until = NULL WHERE username = ?1",
            [username],
        )?;
        Ok(())
    }

    fn add_api_token(
        &self,
        token_hash: &str,
        scope: &str,
        label: &str,
        now: &str,
    ) -> Result<(), HqError> {
        let conn = self.conn()?;
        conn.execute(
            "INSERT INTO api_token (token_hash, scope, label, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![token_hash, scope, label, now],
        )?;
        Ok(())
    }

    fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>, HqError> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                "SELECT scope, label, revoked_at IS NOT NULL FROM api_token WHERE token_hash = ?1",
                [token_hash],
                |r| {
                    Ok(ApiToken {
                        scope: r.get(0)?,
                        label: r.get(1)?,
                        revoked: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    fn revoke_api_token(&self, hash_prefix: &str, now: &str) -> Result<bool, HqError> {
        let conn = self.conn()?;
        let n = conn.execute(
            "UPDATE api_token SET revoked_at = COALESCE(revoked_at, ?2)
             WHERE substr(token_hash, 1, length(?1)) = ?1",
            params![hash_prefix, now],
        )?;
        Ok(n == 1)
    }

    fn audit(&self, actor: &str, action: &str, detail: &str, now: &str) -> Result<(), HqError> {
        let conn = self.conn()?;
        conn.execute(
            "INSERT INTO staff_audit (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
            params![now, actor, action, detail],
        )?;
        Ok(())
    }

    fn audit_entries(&self, limit: u32) -> Result<Vec<AuditEntry>, HqError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT id, at, actor, action, detail FROM staff_audit ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt
            .query_map([limit], |r| {
                Ok(AuditEntry {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    detail: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

/// An item row as `SELECT office_code, stream, key, revision, id, payload,
/// received_at` gives it.
fn stored_item(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredItem> {
    Ok(StoredItem {
        office: r.get(0)?,
        stream: r.get(1)?,
        key: r.get(2)?,
        revision: r.get(3)?,
        id: r.get(4)?,
        payload: r.get(5)?,
        received_at: r.get(6)?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn item(id: Uuid, key: &str, revision: i64) -> NewItem {
        NewItem {
            id,
            stream: Stream::Report,
            key: key.into(),
            revision,
            payload: serde_json::json!({"n": revision}).to_string(),
        }
    }

    /// Run `check` on a fresh SQLite store and on a fresh PostgreSQL one.
    fn on_both(check: impl Fn(&dyn Storage)) {
        let dir = tempfile::tempdir().unwrap();
        check(&SqliteStorage::open(dir.path()).unwrap());
        let pg = crate::testing::PostgresServer::start();
        let s = postgres::PostgresStorage::connect(&pg.create_database(), 4).unwrap();
        check(&s);
    }

    fn idempotent_and_conflicts(s: &dyn Storage) {
        s.add_office("HN", "Hà Nội", Some("001"), None, "h1", "t")
            .unwrap();
        assert!(matches!(
            s.add_office("HN", "x", None, None, "h2", "t"),
            Err(HqError::OfficeExists(_))
        ));
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let r = s
            .push("HN", &[item(a, "month:2024-05", 1)], "t", 100)
            .unwrap();
        assert_eq!((r[0].outcome, r[0].hq_revision), (Outcome::Stored, 1));
        let r = s
            .push("HN", &[item(a, "month:2024-05", 1)], "t", 100)
            .unwrap();
        assert_eq!(r[0].outcome, Outcome::Duplicate);
        let r = s
            .push("HN", &[item(b, "month:2024-05", 2)], "t", 100)
            .unwrap();
        assert_eq!((r[0].outcome, r[0].hq_revision), (Outcome::Stored, 2));
        // revision 1 again under another id: HQ holds a different change
        let r = s
            .push("HN", &[item(c, "month:2024-05", 1)], "t", 100)
            .unwrap();
        assert_eq!((r[0].outcome, r[0].hq_revision), (Outcome::Conflict, 2));
        // same id reused for another key
        let r = s
            .push("HN", &[item(b, "month:2024-06", 1)], "t", 100)
            .unwrap();
        assert_eq!(r[0].outcome, Outcome::Rejected);
        assert_eq!(s.count_items("HN").unwrap(), 2);
        let cur = s.current_items().unwrap();
        assert_eq!(cur.len(), 1);
        assert_eq!(cur[0].revision, 2);
        let offices = s.offices().unwrap();
        assert_eq!(offices[0].items, 2);
        assert_eq!(offices[0].last_sync_at.as_deref(), Some("t"));
        s.revoke_office("HN", "t2").unwrap();
        assert!(s.authenticate("h1").unwrap().unwrap().revoked);
        assert!(s.authenticate("nope").unwrap().is_none());
        assert!(matches!(
            s.revoke_office("XX", "t"),
            Err(HqError::UnknownOffice(_))
        ));
    }

    fn bounded_revisions(s: &dyn Storage) {
        s.add_office("HN", "Hà Nội", None, None, "h1", "t").unwrap();
        for rev in 1..=3 {
            let r = s
                .push("HN", &[item(Uuid::now_v7(), "month:2024-05", rev)], "t", 3)
                .unwrap();
            assert_eq!(r[0].outcome, Outcome::Stored);
        }
        let r = s
            .push("HN", &[item(Uuid::now_v7(), "month:2024-05", 4)], "t", 3)
            .unwrap();
        assert_eq!(r[0].outcome, Outcome::Rejected);
        assert!(r[0].detail.as_deref().unwrap().contains("tối đa"));
        // another item has its own count
        let r = s
            .push("HN", &[item(Uuid::now_v7(), "month:2024-06", 1)], "t", 3)
            .unwrap();
        assert_eq!(r[0].outcome, Outcome::Stored);
        assert_eq!(s.count_items("HN").unwrap(), 4);
    }

    /// Within one push, each item meets what the items before it stored,
    /// as if they were applied one after the other.
    fn one_batch(s: &dyn Storage) {
        s.add_office("HN", "Hà Nội", None, None, "h1", "t").unwrap();
        let (a, b, c, d) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let (e, f) = (Uuid::now_v7(), Uuid::now_v7());
        let batch = [
            item(a, "month:2024-05", 1),
            item(a, "month:2024-05", 1), // the same change again: duplicate
            item(b, "month:2024-05", 2),
            item(c, "month:2024-05", 1), // another change at revision 1
            item(b, "month:2024-06", 1), // id taken by the item before
            item(d, "month:2024-06", 1),
            item(e, "month:2024-06", 2),
            item(f, "month:2024-06", 3), // a third revision: over the bound
        ];
        let r = s.push("HN", &batch, "t", 2).unwrap();
        let got: Vec<(Outcome, i64)> = r.iter().map(|r| (r.outcome, r.hq_revision)).collect();
        assert_eq!(
            got,
            [
                (Outcome::Stored, 1),
                (Outcome::Duplicate, 1),
                (Outcome::Stored, 2),
                (Outcome::Conflict, 2),
                (Outcome::Rejected, 0),
                (Outcome::Stored, 1),
                (Outcome::Stored, 2),
                (Outcome::Rejected, 2),
            ]
        );
        assert_eq!(s.count_items("HN").unwrap(), 4);
        // the same batch again: what was stored is a duplicate now
        let r = s.push("HN", &batch, "t", 2).unwrap();
        assert_eq!(r[0].outcome, Outcome::Duplicate);
        assert_eq!(r[2].outcome, Outcome::Duplicate);
        assert_eq!(r[6].outcome, Outcome::Duplicate);
        assert_eq!(s.count_items("HN").unwrap(), 4);
        // the national page reads each office's newest month, newest revision
        s.add_office("DN", "Đà Nẵng", None, None, "h2", "t")
            .unwrap();
        s.add_office("HP", "Hải Phòng", None, None, "h3", "t")
            .unwrap();
        s.push(
            "HP",
            &[
                item(Uuid::now_v7(), "year:2025", 1),
                item(Uuid::now_v7(), "month:2024-12", 1),
                item(Uuid::now_v7(), "half:2025-H1", 1),
            ],
            "t",
            2,
        )
        .unwrap();
        let newest: Vec<(String, String, i64)> = s
            .newest_month_reports()
            .unwrap()
            .into_iter()
            .map(|i| (i.office, i.key, i.revision))
            .collect();
        assert_eq!(
            newest,
            [
                ("HN".to_owned(), "month:2024-06".to_owned(), 2),
                ("HP".to_owned(), "month:2024-12".to_owned(), 1),
            ]
        );
    }

    #[test]
    fn one_push_applies_its_items_one_after_the_other() {
        on_both(one_batch);
    }

    #[test]
    fn revisions_kept_per_item_are_bounded() {
        on_both(bounded_revisions);
    }

    #[test]
    fn pushes_are_idempotent_and_older_revisions_conflict() {
        on_both(idempotent_and_conflicts);
    }

    fn pages(s: &dyn Storage) {
        for i in 0..5 {
            s.publish(
                &Published::Directive {
                    title: format!("Chỉ đạo {i}"),
                    body: String::new(),
                },
                &Audience::All,
                "t",
            )
            .unwrap();
        }
        let (items, more) = s.pull("HN", 0, 3).unwrap();
        assert_eq!(items.len(), 3);
        assert!(more);
        assert!(items.windows(2).all(|w| w[0].seq < w[1].seq));
        let (items, more) = s.pull("HN", items[2].seq, 3).unwrap();
        assert_eq!(items.len(), 2);
        assert!(!more);
        assert!(
            matches!(&items[1].item, Published::Directive { title, .. } if title == "Chỉ đạo 4")
        );
        assert!(
            s.publish(
                &Published::Directive {
                    title: String::new(),
                    body: String::new()
                },
                &Audience::All,
                "t"
            )
            .is_err()
        );
    }

    fn levels(s: &dyn Storage) {
        s.add_office("HN", "BHXH Hà Nội", None, None, "h1", "t")
            .unwrap();
        s.add_office("DN", "BHXH Đà Nẵng", None, None, "h2", "t")
            .unwrap();
        s.add_office("HN-1", "BHXH cơ sở 1", None, Some("HN"), "h3", "t")
            .unwrap();
        // a parent must exist, be provincial, and not be the office itself
        assert!(matches!(
            s.add_office("X", "x", None, Some("NOPE"), "h4", "t"),
            Err(HqError::UnknownProvince(_))
        ));
        assert!(matches!(
            s.add_office("X", "x", None, Some("HN-1"), "h4", "t"),
            Err(HqError::NotProvincial { .. })
        ));
        assert!(matches!(
            s.add_office("X", "x", None, Some("X"), "h4", "t"),
            Err(HqError::Invalid(_))
        ));
        assert!(
            s.authenticate("h4").unwrap().is_none(),
            "nothing half-added"
        );
        assert_eq!(
            s.authenticate("h3").unwrap().unwrap().parent.as_deref(),
            Some("HN")
        );
        let d = |t: &str| Published::Directive {
            title: t.to_owned(),
            body: String::new(),
        };
        s.publish(&d("all"), &Audience::All, "t").unwrap();
        s.publish(&d("hn"), &Audience::Province("HN".into()), "t")
            .unwrap();
        s.publish(&d("hn-1"), &Audience::Office("HN-1".into()), "t")
            .unwrap();
        s.publish(&d("dn"), &Audience::Office("DN".into()), "t")
            .unwrap();
        assert!(matches!(
            s.publish(&d("x"), &Audience::Province("HN-1".into()), "t"),
            Err(HqError::NotProvincial { .. })
        ));
        assert!(matches!(
            s.publish(&d("x"), &Audience::Office("NOPE".into()), "t"),
            Err(HqError::UnknownOffice(_))
        ));
        let titles = |office: &str| -> Vec<String> {
            s.pull(office, 0, 100)
                .unwrap()
                .0
                .into_iter()
                .filter_map(|i| match i.item {
                    Published::Directive { title, .. } => Some(title),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(titles("HN"), ["all", "hn"]);
        assert_eq!(titles("HN-1"), ["all", "hn", "hn-1"]);
        assert_eq!(titles("DN"), ["all", "dn"]);
        assert_eq!(titles("UNKNOWN"), ["all"]);
        let rows = s.offices().unwrap();
        let parent = |c: &str| rows.iter().find(|o| o.code == c).unwrap().parent.clone();
        assert_eq!(parent("HN-1").as_deref(), Some("HN"));
        assert_eq!(parent("HN"), None);
    }

    #[test]
    fn base_offices_sit_under_a_province_and_pulls_follow_the_audience() {
        on_both(levels);
    }

    /// What HQ held before levels: offices and one directive.
    const BEFORE_LEVELS: &str = "
        INSERT INTO office (code, name, token_hash, created_at) VALUES ('HN', 'Hà Nội', 'h1', 't');
        INSERT INTO published (id, item, published_at)
        VALUES ('0193a000-0000-7000-8000-000000000001', '{\"kind\":\"directive\",\"title\":\"Cũ\",\"body\":\"\"}', 't');";

    /// After the upgrade: old offices are provincial, old items for all.
    fn upgraded(s: &dyn Storage) {
        assert_eq!(s.authenticate("h1").unwrap().unwrap().parent, None);
        assert_eq!(s.pull("HN", 0, 10).unwrap().0.len(), 1);
        s.add_office("HN-1", "Cơ sở", None, Some("HN"), "h2", "t")
            .unwrap();
        assert_eq!(s.pull("HN-1", 0, 10).unwrap().0.len(), 1);
    }

    #[test]
    fn an_older_sqlite_file_gets_levels_its_offices_provincial_its_items_for_all() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = Connection::open(dir.path().join("hq.db")).unwrap();
            conn.execute_batch(SCHEMA).unwrap();
            conn.execute_batch(
                "ALTER TABLE office ADD COLUMN old_token_hash TEXT;
                 ALTER TABLE office ADD COLUMN old_token_until INTEGER;",
            )
            .unwrap();
            conn.execute_batch(BEFORE_LEVELS).unwrap();
        }
        upgraded(&SqliteStorage::open(dir.path()).unwrap());
        // opened again: nothing is added twice
        let s = SqliteStorage::open(dir.path()).unwrap();
        assert_eq!(s.offices().unwrap().len(), 2);
    }

    #[test]
    fn an_older_postgres_database_gets_levels_its_offices_provincial_its_items_for_all() {
        let pg = crate::testing::PostgresServer::start();
        let url = pg.create_database();
        let mut client = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap();
        client
            .batch_execute(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
            )
            .unwrap();
        for (version, sql) in postgres::MIGRATIONS.iter().filter(|(v, _)| *v <= 3) {
            client.batch_execute(sql).unwrap();
            client
                .execute(
                    "INSERT INTO schema_migrations (version) VALUES ($1)",
                    &[version],
                )
                .unwrap();
        }
        client.batch_execute(BEFORE_LEVELS).unwrap();
        let s = postgres::PostgresStorage::connect(&url, 2).unwrap();
        // every later migration applied (levels is 4; lz4 payloads 5)
        assert_eq!(
            s.schema_version().unwrap(),
            postgres::MIGRATIONS.len() as i32
        );
        upgraded(&s);
    }

    #[test]
    fn pull_pages_by_cursor() {
        on_both(pages);
    }

    fn witnesses(s: &dyn Storage) {
        s.add_office("HN", "Hà Nội", None, None, "h1", "t").unwrap();
        let head = |seq: i64, hash: &str| AuditHead {
            seq,
            hash: hash.to_owned(),
        };
        assert_eq!(s.witnessed("HN").unwrap(), (None, vec![]));
        s.witness("HN", &head(5, "aa"), "t1").unwrap();
        s.witness("HN", &head(5, "aa"), "t2").unwrap();
        s.witness("HN", &head(9, "bb"), "t3").unwrap();
        let (latest, regressions) = s.witnessed("HN").unwrap();
        assert_eq!(latest.unwrap().head, head(9, "bb"));
        assert!(regressions.is_empty());
        // the chain went back: kept, and reported with the head before it
        s.witness("HN", &head(7, "cc"), "t4").unwrap();
        let (latest, regressions) = s.witnessed("HN").unwrap();
        assert_eq!(latest.unwrap().head, head(7, "cc"));
        assert_eq!(regressions.len(), 1);
        assert_eq!(regressions[0].from.head, head(9, "bb"));
        assert_eq!(regressions[0].to.at, "t4");
    }

    #[test]
    fn witnessed_heads_and_regressions() {
        on_both(witnesses);
    }

    #[test]
    fn postgres_over_tls_with_sslmode_require_and_the_servers_own_ca() {
        let pg = crate::testing::PostgresServer::start_tls();
        let url = format!("{}?sslmode=require", pg.create_database());
        let ca = std::fs::read(pg.ca_pem()).unwrap();
        let s = postgres::PostgresStorage::connect_with(&url, 2, Some(&ca)).unwrap();
        assert!(s.uses_tls().unwrap());
        idempotent_and_conflicts(&s);
        // without sslmode=require: no TLS
        let plain = postgres::PostgresStorage::connect(&pg.create_database(), 1).unwrap();
        assert!(!plain.uses_tls().unwrap());
        // a certificate no trusted CA signed is refused
        let err = postgres::PostgresStorage::connect_with(&url, 1, None).unwrap_err();
        assert!(matches!(err, HqError::Pool(_)), "{err}");
        // a CA without sslmode=require is a mistake, said so
        assert!(matches!(
            postgres::PostgresStorage::connect_with(&pg.create_database(), 1, Some(&ca)),
            Err(HqError::Invalid(_))
        ));
    }

    #[test]
    fn postgres_migrations_run_once_and_one_office_pushes_one_at_a_time() {
        let pg = crate::testing::PostgresServer::start();
        let url = pg.create_database();
        let s = std::sync::Arc::new(postgres::PostgresStorage::connect(&url, 8).unwrap());
        let again = postgres::PostgresStorage::connect(&url, 2).unwrap();
        assert_eq!(again.migrate().unwrap(), 0);
        assert_eq!(
            again.schema_version().unwrap(),
            postgres::MIGRATIONS.len() as i32
        );
        s.add_office("HN", "Hà Nội", None, None, "h1", "t").unwrap();
        // the same key from 8 threads at once: one is stored, the rest see it
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let s = s.clone();
                std::thread::spawn(move || {
                    s.push("HN", &[item(Uuid::now_v7(), "month:2024-05", 1)], "t", 100)
                        .unwrap()[0]
                        .outcome
                })
            })
            .collect();
        let outcomes: Vec<Outcome> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(
            outcomes.iter().filter(|o| **o == Outcome::Stored).count(),
            1,
            "{outcomes:?}"
        );
        assert_eq!(s.count_items("HN").unwrap(), 1);
        // pushing for an office HQ does not know is refused, not half-applied
        assert!(matches!(
            s.push("XX", &[item(Uuid::now_v7(), "month:2024-05", 1)], "t", 100),
            Err(HqError::UnknownOffice(_))
        ));
        // a bad URL is a clear error
        assert!(matches!(
            open(None, Some("mysql://x")),
            Err(HqError::Invalid(_))
        ));
    }
}
