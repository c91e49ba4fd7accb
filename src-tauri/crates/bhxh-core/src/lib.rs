//! The domain of BHXH Desk, free of any UI, keyring or network.
//!
//! Every function here works on a `rusqlite::Connection` (or a transaction)
//! of the store opened by `bhxh-store`; the schema is [`schema::MIGRATIONS`].
//! Times are passed in by the caller (`now`), so the rules are testable.

pub mod accounts;
pub mod audit;
pub mod calendar;
pub mod card_checks;
pub mod catalog;
pub mod dossiers;
pub mod error;
pub mod evidence;
pub mod inbox;
pub mod office;
pub mod outbox;
pub mod participants;
pub mod pid;
pub mod plan;
pub mod progress;
pub mod schema;
pub mod seed;
pub mod settings;
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
    }
    seed::load_all(&conn, &parse_ts("2024-01-02T08:00:00+07:00").unwrap()).unwrap();
    conn
}
