//! The scan inbox's records (issue 6): what the polls saw of the files in
//! the scanners' folder, every file taken from it, and the triage list of
//! parts that could not be filed on their own. Reading the folder, the QR
//! codes and the filing are the application layer's (`bhxh-app::inbox`).
//!
//! A file is taken only when a later poll, at least [`settle_seconds`] after
//! the first sight of its current size and modification time, sees them
//! unchanged: a scanner writing over a network share grows its file for a
//! while and inotify does not see a share. The sightings are rows here, so a
//! command-line run from a scheduler behaves as the window's poller does, and
//! time is the desk's clock (`now`), never the share's.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::{CoreError, Timestamp, office::settings, parse_ts, ts};

/// Setting: the folder the scanners write to.
pub const DIR_KEY: &str = "inbox.dir";
/// Setting: seconds a file's size and time must stay the same between polls.
pub const SETTLE_KEY: &str = "inbox.settle_seconds";
/// Default for [`SETTLE_KEY`].
pub const DEFAULT_SETTLE_SECONDS: i64 = 10;

/// The folder set for the inbox, if one was set.
pub fn dir(conn: &Connection) -> Result<Option<String>, CoreError> {
    settings::get(conn, DIR_KEY)
}

pub fn set_dir(conn: &Connection, dir: &str) -> Result<(), CoreError> {
    if dir.trim().is_empty() {
        return Err(CoreError::invalid("dir", "Chưa nhập thư mục hộp thư quét."));
    }
    settings::set(conn, DIR_KEY, dir)
}

/// How long a file must stay unchanged before it is taken.
pub fn settle_seconds(conn: &Connection) -> Result<i64, CoreError> {
    match settings::get(conn, SETTLE_KEY)? {
        None => Ok(DEFAULT_SETTLE_SECONDS),
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if (0..=86_400).contains(&n) => Ok(n),
            _ => Err(CoreError::Corrupt(format!(
                "thiết lập {SETTLE_KEY} = '{v}' phải là số giây từ 0 đến 86400"
            ))),
        },
    }
}

/// What a poll made of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sighting {
    /// First sight of this size and time (or they changed): wait.
    New,
    /// Unchanged, but not yet for the settle time: wait.
    Settling,
    /// Unchanged since a poll at least the settle time ago: take it.
    Stable,
}

/// Record what a poll sees of `name` and say whether it may be taken.
pub fn observe(
    conn: &Connection,
    name: &str,
    size: u64,
    mtime_ns: i64,
    now: &Timestamp,
) -> Result<Sighting, CoreError> {
    let size = i64::try_from(size).unwrap_or(i64::MAX);
    let row: Option<(i64, i64, String)> = conn
        .query_row(
            "SELECT size, mtime_ns, first_seen_at FROM inbox_seen WHERE name = ?1",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some((s, m, first)) = row
        && s == size
        && m == mtime_ns
    {
        let first = parse_ts(&first)?;
        let settle = chrono::Duration::seconds(settle_seconds(conn)?);
        // A first sight "in the future" (the clock was moved back) restarts.
        if *now < first {
            conn.execute(
                "UPDATE inbox_seen SET first_seen_at = ?2 WHERE name = ?1",
                params![name, ts(now)],
            )?;
            return Ok(Sighting::Settling);
        }
        return Ok(if *now - first >= settle {
            Sighting::Stable
        } else {
            Sighting::Settling
        });
    }
    conn.execute(
        "INSERT INTO inbox_seen (name, size, mtime_ns, first_seen_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
             first_seen_at = excluded.first_seen_at",
        params![name, size, mtime_ns, ts(now)],
    )?;
    Ok(Sighting::New)
}

/// Forget a file's sightings (taken, or gone from the folder).
pub fn forget(conn: &Connection, name: &str) -> Result<(), CoreError> {
    conn.execute("DELETE FROM inbox_seen WHERE name = ?1", [name])?;
    Ok(())
}

/// Forget every file not in `present`.
pub fn forget_all_but(conn: &Connection, present: &[String]) -> Result<(), CoreError> {
    let mut stmt = conn.prepare("SELECT name FROM inbox_seen")?;
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for n in names {
        if !present.contains(&n) {
            forget(conn, &n)?;
        }
    }
    Ok(())
}

/// A file taken from the folder.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TakenFile {
    pub id: i64,
    pub sha256: String,
    pub file_name: String,
    pub bytes: u64,
    pub pages: u32,
    pub taken_at: String,
    pub taken_by: String,
    pub outcome: serde_json::Value,
}

/// The file already taken with these bytes, if any.
pub fn taken_by_hash(conn: &Connection, sha256: &str) -> Result<Option<TakenFile>, CoreError> {
    Ok(conn
        .query_row(
            "SELECT id, sha256, file_name, bytes, pages, taken_at, taken_by, outcome
             FROM inbox_file WHERE sha256 = ?1",
            [sha256],
            |r| {
                let outcome: String = r.get(7)?;
                Ok(TakenFile {
                    id: r.get(0)?,
                    sha256: r.get(1)?,
                    file_name: r.get(2)?,
                    bytes: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                    pages: r.get(4)?,
                    taken_at: r.get(5)?,
                    taken_by: r.get(6)?,
                    outcome: serde_json::from_str(&outcome).unwrap_or_default(),
                })
            },
        )
        .optional()?)
}

/// A file to record as taken.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTaken<'a> {
    pub sha256: &'a str,
    pub file_name: &'a str,
    pub bytes: u64,
    pub pages: u32,
    pub taken_by: &'a str,
    pub outcome: &'a serde_json::Value,
}

/// Record a file taken (inside the transaction that files its parts).
pub fn record_taken(conn: &Connection, f: &NewTaken, now: &Timestamp) -> Result<i64, CoreError> {
    if f.sha256.len() != 64 {
        return Err(CoreError::invalid(
            "sha256",
            "Mã băm SHA-256 phải có 64 ký tự.",
        ));
    }
    conn.execute(
        "INSERT INTO inbox_file (sha256, file_name, bytes, pages, taken_at, taken_by, outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            f.sha256,
            f.file_name,
            i64::try_from(f.bytes).unwrap_or(i64::MAX),
            f.pages,
            ts(now),
            f.taken_by,
            f.outcome.to_string(),
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// A part to put on the triage list.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTriage<'a> {
    pub file_id: i64,
    pub sha256: &'a str,
    pub file_name: &'a str,
    pub first_page: u32,
    pub page_count: u32,
    pub reason: &'a str,
    pub code_read: Option<&'a str>,
}

/// An entry of the triage list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TriageItem {
    pub id: i64,
    /// The source file, sealed in the file store.
    pub sha256: String,
    pub file_name: String,
    /// Pages of the source file this part holds (1-based).
    pub first_page: u32,
    pub page_count: u32,
    pub reason: String,
    pub code_read: Option<String>,
    pub created_at: String,
    pub filed_at: Option<String>,
    pub filed_code: Option<String>,
    pub filed_component: Option<u32>,
    pub filed_by: Option<String>,
}

pub fn add_triage(conn: &Connection, t: &NewTriage, now: &Timestamp) -> Result<i64, CoreError> {
    if t.first_page == 0 {
        return Err(CoreError::invalid("firstPage", "Số trang bắt đầu từ 1."));
    }
    conn.execute(
        "INSERT INTO inbox_triage (file_id, sha256, file_name, first_page, page_count, reason,
             code_read, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            t.file_id,
            t.sha256,
            t.file_name,
            t.first_page,
            t.page_count,
            t.reason,
            t.code_read,
            ts(now),
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

const TRIAGE_COLUMNS: &str = "id, sha256, file_name, first_page, page_count, reason, code_read,
    created_at, filed_at, filed_code, filed_component, filed_by";

fn triage_row(r: &rusqlite::Row) -> rusqlite::Result<TriageItem> {
    Ok(TriageItem {
        id: r.get(0)?,
        sha256: r.get(1)?,
        file_name: r.get(2)?,
        first_page: r.get(3)?,
        page_count: r.get(4)?,
        reason: r.get(5)?,
        code_read: r.get(6)?,
        created_at: r.get(7)?,
        filed_at: r.get(8)?,
        filed_code: r.get(9)?,
        filed_component: r.get(10)?,
        filed_by: r.get(11)?,
    })
}

/// The triage list, oldest first: only the parts still waiting, or all.
pub fn triage_list(conn: &Connection, include_filed: bool) -> Result<Vec<TriageItem>, CoreError> {
    let sql = format!(
        "SELECT {TRIAGE_COLUMNS} FROM inbox_triage {} ORDER BY id",
        if include_filed {
            ""
        } else {
            "WHERE filed_at IS NULL"
        }
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], triage_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn triage_get(conn: &Connection, id: i64) -> Result<TriageItem, CoreError> {
    conn.query_row(
        &format!("SELECT {TRIAGE_COLUMNS} FROM inbox_triage WHERE id = ?1"),
        [id],
        triage_row,
    )
    .optional()?
    .ok_or_else(|| CoreError::NotFound {
        what: format!("mục chờ phân loại số {id}"),
    })
}

/// Mark a triaged part as filed (inside the transaction that files it).
/// A part is filed once: a second time is a conflict.
pub fn triage_mark_filed(
    conn: &Connection,
    id: i64,
    code: &str,
    component: u32,
    by: &str,
    now: &Timestamp,
) -> Result<(), CoreError> {
    let n = conn.execute(
        "UPDATE inbox_triage SET filed_at = ?2, filed_code = ?3, filed_component = ?4, filed_by = ?5
         WHERE id = ?1 AND filed_at IS NULL",
        params![id, ts(now), code, component, by],
    )?;
    if n == 0 {
        let item = triage_get(conn, id)?;
        return Err(CoreError::Conflict(format!(
            "Mục {id} đã được xếp vào hồ sơ {} (thành phần {}).",
            item.filed_code.unwrap_or_default(),
            item.filed_component.unwrap_or_default()
        )));
    }
    Ok(())
}

/// Every sealed file the inbox refers to (the sources of taken files and
/// of triaged parts), so that no sweep of unreferenced files removes them.
pub fn referenced_hashes(conn: &Connection) -> Result<Vec<String>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT sha256 FROM inbox_file UNION SELECT sha256 FROM inbox_triage ORDER BY 1",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ----- Where a part with a cover goes ----------------------------------------

/// Where a part of a scanned batch goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Destination {
    /// This dossier's component.
    File {
        dossier: Box<super::Dossier>,
        component: u32,
    },
    /// The triage list: why, and the dossier code read on the cover, if any.
    Triage {
        reason: String,
        code_read: Option<String>,
    },
}

/// Where the pages after a cover naming `code` go. `dossier` is the
/// dossier of that code, if the store has one; `digitised` the components
/// that already have a PDF, and those given to earlier parts of the same
/// batch. The cover carries no component number, so a part goes to the
/// dossier's first component handed in (ticked at intake) without a PDF;
/// a dossier past digitisation, or with all of them digitised, sends the
/// part to a person.
pub fn destination(code: &str, dossier: Option<super::Dossier>, digitised: &[u32]) -> Destination {
    use super::Status;
    let Some(d) = dossier else {
        return Destination::Triage {
            reason: format!("Mã hồ sơ {code} trên trang bìa không có trong dữ liệu của đơn vị."),
            code_read: Some(code.to_owned()),
        };
    };
    if !matches!(
        d.status,
        Status::Received | Status::Digitising | Status::Digitised
    ) {
        return Destination::Triage {
            reason: format!(
                "Hồ sơ {} đang ở trạng thái \"{}\": không số hóa thêm được.",
                d.code,
                d.status.label_vi()
            ),
            code_read: Some(d.code.clone()),
        };
    }
    match d
        .components
        .iter()
        .find(|c| c.received && !digitised.contains(&c.number))
        .map(|c| c.number)
    {
        Some(component) => Destination::File {
            dossier: Box::new(d),
            component,
        },
        None => Destination::Triage {
            reason: format!(
                "Hồ sơ {} đã số hóa đủ các thành phần đã nhận: hãy chọn thành phần khi xếp hồ sơ.",
                d.code
            ),
            code_read: Some(d.code.clone()),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        parse_ts(s).unwrap()
    }

    #[test]
    fn a_file_is_stable_only_when_unchanged_for_the_settle_time() {
        let conn = crate::seeded_for_tests();
        let t0 = at("2026-11-25T09:00:00+07:00");
        let t = |s: i64| t0 + chrono::Duration::seconds(s);
        assert_eq!(observe(&conn, "a.jpg", 10, 1, &t0).unwrap(), Sighting::New);
        assert_eq!(
            observe(&conn, "a.jpg", 10, 1, &t(5)).unwrap(),
            Sighting::Settling
        );
        // Grew: the clock restarts.
        assert_eq!(
            observe(&conn, "a.jpg", 20, 2, &t(6)).unwrap(),
            Sighting::New
        );
        assert_eq!(
            observe(&conn, "a.jpg", 20, 2, &t(12)).unwrap(),
            Sighting::Settling
        );
        assert_eq!(
            observe(&conn, "a.jpg", 20, 2, &t(16)).unwrap(),
            Sighting::Stable
        );
        // Same size, new time (rewritten in place): restarts too.
        assert_eq!(
            observe(&conn, "a.jpg", 20, 3, &t(30)).unwrap(),
            Sighting::New
        );
        settings::set(&conn, SETTLE_KEY, "0").unwrap();
        assert_eq!(
            observe(&conn, "a.jpg", 20, 3, &t(30)).unwrap(),
            Sighting::Stable
        );
        settings::set(&conn, SETTLE_KEY, "-4").unwrap();
        assert!(settle_seconds(&conn).is_err());
        settings::set(&conn, SETTLE_KEY, "10").unwrap();
        forget_all_but(&conn, &["b.jpg".to_owned()]).unwrap();
        assert_eq!(
            observe(&conn, "a.jpg", 20, 3, &t(40)).unwrap(),
            Sighting::New
        );
    }

    #[test]
    fn a_triaged_part_is_filed_once_and_its_source_stays_referenced() {
        let conn = crate::seeded_for_tests();
        let now = at("2026-11-25T09:00:00+07:00");
        let h = "ab".repeat(32);
        let outcome = serde_json::json!({});
        let taken = NewTaken {
            sha256: &h,
            file_name: "quet.tif",
            bytes: 100,
            pages: 3,
            taken_by: "Trần Thị Hằng",
            outcome: &outcome,
        };
        let file = record_taken(&conn, &taken, &now).unwrap();
        // The same bytes cannot be recorded twice.
        let again = NewTaken {
            file_name: "khac.tif",
            ..taken.clone()
        };
        assert!(record_taken(&conn, &again, &now).is_err());
        assert_eq!(taken_by_hash(&conn, &h).unwrap().unwrap().id, file);
        let id = add_triage(
            &conn,
            &NewTriage {
                file_id: file,
                sha256: &h,
                file_name: "quet.tif",
                first_page: 1,
                page_count: 2,
                reason: "Không có trang bìa",
                code_read: None,
            },
            &now,
        )
        .unwrap();
        assert_eq!(triage_list(&conn, false).unwrap().len(), 1);
        triage_mark_filed(&conn, id, "H41-261125-0001", 2, "Trần Thị Hằng", &now).unwrap();
        let err = triage_mark_filed(&conn, id, "X", 1, "y", &now).unwrap_err();
        assert!(err.to_string().contains("H41-261125-0001"), "{err}");
        assert!(triage_list(&conn, false).unwrap().is_empty());
        let all = triage_list(&conn, true).unwrap();
        assert_eq!(all[0].filed_component, Some(2));
        assert_eq!(referenced_hashes(&conn).unwrap(), vec![h]);
        assert!(triage_get(&conn, 99).is_err());
    }
}
