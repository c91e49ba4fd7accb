//! Office-wide settings, kept in the store as key/value text.

use rusqlite::{Connection, OptionalExtension};

use crate::CoreError;

/// The rules for signing in and idle sign-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityPolicy {
    /// Failed attempts in a row that lock an account.
    pub lockout_threshold: u32,
    /// How long a locked account stays locked.
    pub lockout_minutes: i64,
    /// Minutes without activity before a session is signed out.
    pub idle_minutes: i64,
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        SecurityPolicy {
            lockout_threshold: 5,
            lockout_minutes: 15,
            idle_minutes: 15,
        }
    }
}

pub fn get(conn: &Connection, key: &str) -> Result<Option<String>, CoreError> {
    Ok(conn
        .query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

pub fn set(conn: &Connection, key: &str, value: &str) -> Result<(), CoreError> {
    conn.execute(
        "INSERT INTO setting (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

fn get_num<T: std::str::FromStr>(conn: &Connection, key: &str, default: T) -> Result<T, CoreError> {
    match get(conn, key)? {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| CoreError::Corrupt(format!("thiết lập {key} = '{v}' không phải số"))),
    }
}

pub fn security_policy(conn: &Connection) -> Result<SecurityPolicy, CoreError> {
    let d = SecurityPolicy::default();
    Ok(SecurityPolicy {
        lockout_threshold: get_num(conn, "security.lockout_threshold", d.lockout_threshold)?,
        lockout_minutes: get_num(conn, "security.lockout_minutes", d.lockout_minutes)?,
        idle_minutes: get_num(conn, "security.idle_minutes", d.idle_minutes)?,
    })
}

pub fn set_security_policy(conn: &Connection, p: &SecurityPolicy) -> Result<(), CoreError> {
    if p.lockout_threshold == 0 || p.lockout_minutes <= 0 || p.idle_minutes <= 0 {
        return Err(CoreError::invalid(
            "security",
            "Số lần thử, thời gian khóa và thời gian chờ phải lớn hơn 0.",
        ));
    }
    set(
        conn,
        "security.lockout_threshold",
        &p.lockout_threshold.to_string(),
    )?;
    set(
        conn,
        "security.lockout_minutes",
        &p.lockout_minutes.to_string(),
    )?;
    set(conn, "security.idle_minutes", &p.idle_minutes.to_string())?;
    Ok(())
}
