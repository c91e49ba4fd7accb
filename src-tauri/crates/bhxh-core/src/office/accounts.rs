//! Staff accounts: roles, argon2id password hashes, lockout after repeated
//! failures.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::office::audit::{self, Actor, Event};
use crate::office::settings::SecurityPolicy;
use crate::{CoreError, Timestamp, parse_ts, ts};

/// What a member of staff may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Cán bộ tiếp nhận: takes in dossiers, checks chip cards.
    CounterOfficer,
    /// Cán bộ số hóa: scans and files papers.
    DigitisationOfficer,
    /// Lãnh đạo / giám sát: approves reports, overrides figures.
    Supervisor,
    /// Quản trị: office setup, staff accounts, catalogue, backups.
    Administrator,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::CounterOfficer,
        Role::DigitisationOfficer,
        Role::Supervisor,
        Role::Administrator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::CounterOfficer => "counter_officer",
            Role::DigitisationOfficer => "digitisation_officer",
            Role::Supervisor => "supervisor",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Role::CounterOfficer => "Cán bộ tiếp nhận",
            Role::DigitisationOfficer => "Cán bộ số hóa",
            Role::Supervisor => "Lãnh đạo, giám sát",
            Role::Administrator => "Quản trị hệ thống",
        }
    }
}

/// A member of staff as the app shows it (never the hash).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Staff {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub active: bool,
    pub locked_until: Option<String>,
    pub last_sign_in: Option<String>,
    pub created_at: String,
}

/// Why a sign-in was refused. The two credential cases are one message, so
/// the screen never tells which user names exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    #[error("Tên đăng nhập hoặc mật khẩu không đúng.")]
    BadCredentials { attempts_left: Option<u32> },
    #[error(
        "Tài khoản tạm khóa đến {until_local} do nhập sai mật khẩu nhiều lần. Hãy chờ hoặc nhờ quản trị viên mở khóa."
    )]
    Locked { until: String, until_local: String },
    #[error("Tài khoản đã bị vô hiệu hóa. Hãy liên hệ quản trị viên.")]
    Disabled,
}

pub fn validate_username(username: &str) -> Result<(), CoreError> {
    let ok_len = (3..=32).contains(&username.len());
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "username",
            "Tên đăng nhập dài 3–32 ký tự, chỉ gồm chữ thường không dấu, số và . _ -",
        ))
    }
}

pub fn validate_password(password: &str) -> Result<(), CoreError> {
    let long = password.chars().count() >= 10;
    let letter = password.chars().any(char::is_alphabetic);
    let digit = password.chars().any(|c| c.is_ascii_digit());
    if long && letter && digit {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "password",
            "Mật khẩu phải dài ít nhất 10 ký tự, có cả chữ và số.",
        ))
    }
}

fn hasher() -> Argon2<'static> {
    // argon2id, v0x13, the crate's defaults (19 MiB, t = 2, p = 1): OWASP's floor.
    Argon2::default()
}

pub fn hash_password(password: &str) -> Result<String, CoreError> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| CoreError::PasswordHash(e.to_string()))
}

fn verify_password(password: &str, stored: &str) -> Result<bool, CoreError> {
    let parsed = PasswordHash::new(stored)
        .map_err(|e| CoreError::Corrupt(format!("mã băm mật khẩu: {e}")))?;
    Ok(hasher()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// A new account's fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewStaff {
    pub username: String,
    pub full_name: String,
    pub role: Role,
}

/// Create an account; audited as done by `actor`.
pub fn create(
    conn: &Connection,
    actor: &Actor,
    new: &NewStaff,
    password: &str,
    now: &Timestamp,
) -> Result<Staff, CoreError> {
    let username = new.username.trim();
    validate_username(username)?;
    validate_password(password)?;
    let full_name = crate::text::nfc(new.full_name.trim());
    if full_name.is_empty() {
        return Err(CoreError::invalid("fullName", "Hãy nhập họ và tên."));
    }
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM staff WHERE username = ?1)",
        [username],
        |r| r.get(0),
    )?;
    if exists {
        return Err(CoreError::invalid(
            "username",
            format!("Tên đăng nhập \"{username}\" đã có."),
        ));
    }
    let hash = hash_password(password)?;
    conn.execute(
        "INSERT INTO staff (username, full_name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![username, full_name, new.role.as_str(), hash, ts(now)],
    )?;
    let id = conn.last_insert_rowid();
    audit::append(
        conn,
        actor,
        &Event {
            action: "create",
            entity: "staff",
            entity_id: &id.to_string(),
            detail: serde_json::json!({ "username": username, "role": new.role.as_str() }),
        },
        now,
    )?;
    get(conn, id)
}

const STAFF_COLUMNS: &str =
    "id, username, full_name, role, active, locked_until, last_sign_in, created_at";

fn row_to_staff(r: &rusqlite::Row<'_>) -> rusqlite::Result<Staff> {
    let role: String = r.get(3)?;
    Ok(Staff {
        id: r.get(0)?,
        username: r.get(1)?,
        full_name: r.get(2)?,
        role: Role::parse(&role).unwrap_or(Role::CounterOfficer),
        active: r.get(4)?,
        locked_until: r.get(5)?,
        last_sign_in: r.get(6)?,
        created_at: r.get(7)?,
    })
}

pub fn get(conn: &Connection, id: i64) -> Result<Staff, CoreError> {
    conn.query_row(
        &format!("SELECT {STAFF_COLUMNS} FROM staff WHERE id = ?1"),
        [id],
        row_to_staff,
    )
    .optional()?
    .ok_or_else(|| CoreError::NotFound {
        what: format!("tài khoản số {id}"),
    })
}

pub fn list(conn: &Connection) -> Result<Vec<Staff>, CoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {STAFF_COLUMNS} FROM staff ORDER BY username"
    ))?;
    let rows = stmt.query_map([], row_to_staff)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn count(conn: &Connection) -> Result<i64, CoreError> {
    Ok(conn.query_row("SELECT count(*) FROM staff", [], |r| r.get(0))?)
}

/// Check a user name and password. Counts failures and locks the account
/// after `policy.lockout_threshold` of them in a row; every outcome is
/// audited. Runs in its own transaction, so the failure count sticks even
/// though the caller gets an error.
pub fn sign_in(
    conn: &Connection,
    username: &str,
    password: &str,
    policy: &SecurityPolicy,
    now: &Timestamp,
) -> Result<Result<Staff, SignInError>, CoreError> {
    let username = username.trim();
    // IMMEDIATE: this reads then writes (attempts, audit). A deferred
    // transaction would fail with SQLITE_BUSY_SNAPSHOT when another
    // connection (the sync worker, another desk) commits in between.
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    let row: Option<(i64, String, bool, i64, Option<String>)> = tx
        .query_row(
            "SELECT id, password_hash, active, failed_attempts, locked_until FROM staff WHERE username = ?1",
            [username],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let unknown = Actor {
        id: None,
        username: username.to_owned(),
    };
    let Some((id, hash, active, failed, locked_until)) = row else {
        // Spend the same time as a real check, so timing does not reveal names.
        let _ = hash_password(password);
        audit::append(
            &tx,
            &unknown,
            &Event {
                action: "sign_in_failed",
                entity: "staff",
                entity_id: "",
                detail: serde_json::json!({ "reason": "unknown_user" }),
            },
            now,
        )?;
        tx.commit()?;
        return Ok(Err(SignInError::BadCredentials {
            attempts_left: None,
        }));
    };
    let actor = Actor {
        id: Some(id),
        username: username.to_owned(),
    };
    if let Some(until) = locked_until.as_deref() {
        let until_ts = parse_ts(until)?;
        if until_ts > *now {
            audit::append(
                &tx,
                &actor,
                &Event {
                    action: "sign_in_failed",
                    entity: "staff",
                    entity_id: &id.to_string(),
                    detail: serde_json::json!({ "reason": "locked" }),
                },
                now,
            )?;
            tx.commit()?;
            return Ok(Err(SignInError::Locked {
                until: until.to_owned(),
                until_local: until_ts.format("%H:%M %d/%m/%Y").to_string(),
            }));
        }
    }
    if !active {
        audit::append(
            &tx,
            &actor,
            &Event {
                action: "sign_in_failed",
                entity: "staff",
                entity_id: &id.to_string(),
                detail: serde_json::json!({ "reason": "disabled" }),
            },
            now,
        )?;
        tx.commit()?;
        return Ok(Err(SignInError::Disabled));
    }
    if !verify_password(password, &hash)? {
        let failed = failed + 1;
        let threshold = i64::from(policy.lockout_threshold);
        let outcome = if failed >= threshold {
            let until = *now + chrono::Duration::minutes(policy.lockout_minutes);
            tx.execute(
                "UPDATE staff SET failed_attempts = 0, locked_until = ?2 WHERE id = ?1",
                params![id, ts(&until)],
            )?;
            audit::append(
                &tx,
                &actor,
                &Event {
                    action: "lock",
                    entity: "staff",
                    entity_id: &id.to_string(),
                    detail: serde_json::json!({ "until": ts(&until), "failed_attempts": failed }),
                },
                now,
            )?;
            SignInError::Locked {
                until: ts(&until),
                until_local: until.format("%H:%M %d/%m/%Y").to_string(),
            }
        } else {
            tx.execute(
                "UPDATE staff SET failed_attempts = ?2 WHERE id = ?1",
                params![id, failed],
            )?;
            audit::append(
                &tx,
                &actor,
                &Event {
                    action: "sign_in_failed",
                    entity: "staff",
                    entity_id: &id.to_string(),
                    detail: serde_json::json!({ "reason": "bad_password", "failed_attempts": failed }),
                },
                now,
            )?;
            SignInError::BadCredentials {
                attempts_left: u32::try_from(threshold - failed).ok(),
            }
        };
        tx.commit()?;
        return Ok(Err(outcome));
    }
    tx.execute(
        "UPDATE staff SET failed_attempts = 0, locked_until = NULL, last_sign_in = ?2 WHERE id = ?1",
        params![id, ts(now)],
    )?;
    audit::append(
        &tx,
        &actor,
        &Event {
            action: "sign_in",
            entity: "staff",
            entity_id: &id.to_string(),
            detail: serde_json::json!({}),
        },
        now,
    )?;
    let staff = get(&tx, id)?;
    tx.commit()?;
    Ok(Ok(staff))
}

/// Lift a lockout (administrator).
pub fn unlock(conn: &Connection, actor: &Actor, id: i64, now: &Timestamp) -> Result<(), CoreError> {
    let n = conn.execute(
        "UPDATE staff SET failed_attempts = 0, locked_until = NULL WHERE id = ?1",
        [id],
    )?;
    if n == 0 {
        return Err(CoreError::NotFound {
            what: format!("tài khoản số {id}"),
        });
    }
    audit::append(
        conn,
        actor,
        &Event {
            action: "unlock",
            entity: "staff",
            entity_id: &id.to_string(),
            detail: serde_json::json!({}),
        },
        now,
    )?;
    Ok(())
}
