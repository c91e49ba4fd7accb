//! The domain of BHXH Desk, free of any UI, keyring or network.
//!
//! The sub-domains, one folder each:
//! - [`office`]: the office itself, its staff and roles, settings, and the
//!   hash-chained audit log every change writes to.
//! - [`reference`]: reference data (provinces, the procedure catalogue,
//!   holidays and working days, personal ID rules) and the seed that loads it.
//! - [`progress`]: the 2024 plan of Decision 147, monthly progress, the
//!   figures computed from the desk's own records, reports and evidence.
//! - [`dossiers`]: dossiers taken in at the one-stop desk, their papers,
//!   results, reuse, search, and the scan inbox's records.
//! - [`participants`]: the participant register and chip-card checks.
//! - [`sync`]: the outbox of changes for HQ and what HQ sends down.
//!
//! Every function here works on a `rusqlite::Connection` (or a transaction)
//! of the store opened by `bhxh-store`; the schema is [`schema::MIGRATIONS`].
//! Times are passed in by the caller (`now`), so the rules are testable.

pub mod dossiers;
pub mod error;
pub mod office;
pub mod participants;
pub mod progress;
pub mod reference;
pub mod schema;
pub mod sync;
pub mod text;

pub use error::CoreError;

/// Timestamps are stored as RFC 3339 text with the office's offset.
pub type Timestamp = chrono::DateTime<chrono::FixedOffset>;

/// Format a timestamp the way every table stores it.
pub fn ts(t: &Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

/// Parse a stored timestamp.
pub fn parse_ts(s: &str) -> Result<Timestamp, CoreError> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map_err(|e| CoreError::Corrupt(format!("thời điểm '{s}' không hợp lệ: {e}")))
}

/// An in-memory database with every migration and the seed data, for the
/// modules' unit tests.
#[cfg(test)]
#[allow(clippy::unwrap_used)] // test helper
pub(crate) fn seeded_for_tests() -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    for m in schema::MIGRATIONS {
        conn.execute_batch(m.sql).unwrap();
        // As the store does: a migration may edit the schema text.
        let cookie: i64 = conn
            .query_row("PRAGMA schema_version", [], |r| r.get(0))
            .unwrap();
        conn.pragma_update(None, "schema_version", cookie + 1)
            .unwrap();
    }
    let now = parse_ts("2024-01-02T08:00:00+07:00").unwrap();
    reference::seed::load_all(&conn, &now).unwrap();
    reference::rules::apply_seed_packs(&conn, &now).unwrap();
    conn
}
