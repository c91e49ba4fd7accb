//! The processing log required by Decree 13/2023 Art. 38: who viewed,
//! changed, exported or printed which personal data, and when.
//!
//! Entries form a hash chain: each entry's SHA-256 covers its fields and the
//! previous entry's hash, and `audit_head` holds the newest link. Editing or
//! deleting any entry, or dropping the newest ones, makes [`verify`] report
//! the first place the chain breaks. Appending happens inside the caller's
//! transaction, so an action and its log entry commit together or not at all.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{CoreError, Timestamp, ts};

/// Who did it. `None` id for the system itself or an unknown user name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<i64>,
    pub username: String,
}

impl Actor {
    pub fn system() -> Self {
        Actor {
            id: None,
            username: "system".to_owned(),
        }
    }
}

/// One thing to log.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// `view`, `create`, `update`, `delete`, `export`, `print`, `sign_in`, …
    pub action: &'a str,
    /// The kind of record: `staff`, `office`, `store`, `dossier`, …
    pub entity: &'a str,
    /// Which record (empty when the action is not about one record).
    pub entity_id: &'a str,
    /// Free detail as JSON (never a password, never a key).
    pub detail: serde_json::Value,
}

/// An entry as read back.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_username: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub detail: String,
}

const GENESIS: [u8; 32] = [0u8; 32];

fn link_hash(prev: &[u8], e: &Entry) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"bhxh-desk audit v1\0");
    h.update(prev);
    h.update(e.seq.to_be_bytes());
    let actor = e.actor_id.map(|i| i.to_string()).unwrap_or_default();
    for field in [
        e.at.as_str(),
        actor.as_str(),
        e.actor_username.as_str(),
        e.action.as_str(),
        e.entity.as_str(),
        e.entity_id.as_str(),
        e.detail.as_str(),
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    h.finalize().into()
}

/// Append one entry. Call inside the transaction that does the action.
pub fn append(
    conn: &Connection,
    actor: &Actor,
    event: &Event<'_>,
    now: &Timestamp,
) -> Result<i64, CoreError> {
    // Reading the head and writing the next link must be one write
    // transaction, or two connections could both take the same `seq`. Inside
    // the caller's transaction that holds already; on its own, make one.
    if conn.is_autocommit() {
        let tx =
            rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
        let seq = append_link(&tx, actor, event, now)?;
        tx.commit()?;
        return Ok(seq);
    }
    append_link(conn, actor, event, now)
}

fn append_link(
    conn: &Connection,
    actor: &Actor,
    event: &Event<'_>,
    now: &Timestamp,
) -> Result<i64, CoreError> {
    let head: Option<(i64, Vec<u8>)> = conn
        .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let (prev_seq, prev_hash) = head.unwrap_or((0, GENESIS.to_vec()));
    let entry = Entry {
        seq: prev_seq + 1,
        at: ts(now),
        actor_id: actor.id,
        actor_username: actor.username.clone(),
        action: event.action.to_owned(),
        entity: event.entity.to_owned(),
        entity_id: event.entity_id.to_owned(),
        detail: event.detail.to_string(),
    };
    let hash = link_hash(&prev_hash, &entry);
    conn.execute(
        "INSERT INTO audit_log (seq, at, actor_id, actor_username, action, entity, entity_id, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            entry.seq,
            entry.at,
            entry.actor_id,
            entry.actor_username,
            entry.action,
            entry.entity,
            entry.entity_id,
            entry.detail,
            prev_hash,
            hash.as_slice()
        ],
    )?;
    conn.execute(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        params![entry.seq, hash.as_slice()],
    )?;
    Ok(entry.seq)
}

/// The newest link of the chain: its sequence number and hash (hex), or
/// none for an empty log.
pub fn head(conn: &Connection) -> Result<Option<(i64, String)>, CoreError> {
    let head: Option<(i64, Vec<u8>)> = conn
        .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(head.map(|(seq, hash)| (seq, hex::encode(hash))))
}

/// The hash (hex) the entry `seq` has in this chain, if it is there.
pub fn hash_at(conn: &Connection, seq: i64) -> Result<Option<String>, CoreError> {
    let hash: Option<Vec<u8>> = conn
        .query_row("SELECT hash FROM audit_log WHERE seq = ?1", [seq], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(hash.map(hex::encode))
}

/// The result of walking the whole chain.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ChainReport {
    pub entries: i64,
    /// Empty when the chain is intact; otherwise where and how it breaks.
    pub problems: Vec<String>,
}

impl ChainReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Walk the chain from the first entry to the head.
pub fn verify(conn: &Connection) -> Result<ChainReport, CoreError> {
    let mut problems = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor_id, actor_username, action, entity, entity_id, detail, prev_hash, hash
         FROM audit_log ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_vec();
    let mut count = 0i64;
    while let Some(r) = rows.next()? {
        let e = Entry {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor_id: r.get(2)?,
            actor_username: r.get(3)?,
            action: r.get(4)?,
            entity: r.get(5)?,
            entity_id: r.get(6)?,
            detail: r.get(7)?,
        };
        let stored_prev: Vec<u8> = r.get(8)?;
        let stored_hash: Vec<u8> = r.get(9)?;
        count += 1;
        if e.seq != expected_seq {
            problems.push(format!(
                "nhật ký thiếu mục: sau mục {} là mục {} (mục {}–{} đã bị xóa)",
                expected_seq - 1,
                e.seq,
                expected_seq,
                e.seq - 1
            ));
        }
        if stored_prev != prev {
            problems.push(format!("mục {}: liên kết tới mục trước không khớp", e.seq));
        }
        let computed = link_hash(&stored_prev, &e);
        if computed.as_slice() != stored_hash.as_slice() {
            problems.push(format!(
                "mục {}: nội dung đã bị sửa (mã băm không khớp)",
                e.seq
            ));
        }
        prev = stored_hash;
        expected_seq = e.seq + 1;
        if problems.len() > 50 {
            problems.push("… (dừng sau 50 lỗi)".to_owned());
            break;
        }
    }
    let head: Option<(i64, Vec<u8>)> = conn
        .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    match head {
        None if count > 0 => problems.push("thiếu mốc đầu chuỗi nhật ký (audit_head)".to_owned()),
        Some((seq, hash)) if seq != expected_seq - 1 || hash != prev => {
            problems.push(format!(
                "mục cuối của nhật ký là {}, nhưng mốc đầu chuỗi ghi {} (các mục mới nhất đã bị xóa hoặc sửa)",
                expected_seq - 1,
                seq
            ));
        }
        _ => {}
    }
    Ok(ChainReport {
        entries: count,
        problems,
    })
}

/// The newest entries first.
pub fn list(
    conn: &Connection,
    limit: i64,
    before_seq: Option<i64>,
) -> Result<Vec<Entry>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor_id, actor_username, action, entity, entity_id, detail
         FROM audit_log WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![before_seq.unwrap_or(i64::MAX), limit], |r| {
        Ok(Entry {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor_id: r.get(2)?,
            actor_username: r.get(3)?,
            action: r.get(4)?,
            entity: r.get(5)?,
            entity_id: r.get(6)?,
            detail: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
