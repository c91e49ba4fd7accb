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

/// Why a sign-in was refused: **one** message whatever the reason (an
/// unknown user name, a wrong password, a locked or a disabled account), so
/// that nobody can probe which user names exist or which accounts are
/// locked. The real reason is written to the audit log; the owner of the
/// account is told at their next sign-in how many attempts failed meanwhile
/// ([`SignedIn::failures_since_last`]). What the message may add is the
/// office's policy, the same for every account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Không đăng nhập được: tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đang bị khóa."
)]
pub struct SignInError {
    /// Failed attempts in a row that lock an account (the office's policy).
    pub lockout_threshold: u32,
    /// How long a locked account stays locked (the office's policy).
    pub lockout_minutes: i64,
}

/// Why a sign-in failed, as the audit log records it (`detail.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    UnknownUser,
    BadPassword,
    Locked,
    Disabled,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::UnknownUser => "unknown_user",
            Refusal::BadPassword => "bad_password",
            Refusal::Locked => "locked",
            Refusal::Disabled => "disabled",
        }
    }
}

/// A sign-in that succeeded, and what its owner should know.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedIn {
    pub staff: Staff,
    /// Attempts on this account that failed since its last successful
    /// sign-in (wrong password, while locked or disabled).
    pub failures_since_last: u32,
    /// When the account last signed in before this time.
    pub previous_sign_in: Option<String>,
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

/// An argon2id hash with the parameters of [`hasher`] (of a password
/// nobody knows), verified against when the user name is unknown: every
/// sign-in attempt spends one argon2 verification, so the time taken does
/// not tell whether a name exists.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$JOIKdOjLIVRM5DWxVTOp1Q$ToXKs/6VoVI6E2Y24petFPPcEZeA3NtD2ixpBwlqJLg";

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
/// audited with its real reason, and every refusal is the same
/// [`SignInError`]. Each attempt runs one argon2 verification whatever the
/// case (against [`DUMMY_HASH`] for an unknown name, against the account's
/// own hash when it is locked or disabled, the result then ignored), so
/// neither the answer nor its time tells the cases apart. Runs in its own
/// transaction, so the failure count sticks even though the caller gets an
/// error.
pub fn sign_in(
    conn: &Connection,
    username: &str,
    password: &str,
    policy: &SecurityPolicy,
    now: &Timestamp,
) -> Result<Result<SignedIn, SignInError>, CoreError> {
    let username = username.trim();
    let refused = SignInError {
        lockout_threshold: policy.lockout_threshold,
        lockout_minutes: policy.lockout_minutes,
    };
    // IMMEDIATE: this reads then writes (attempts, audit). A deferred
    // transaction would fail with SQLITE_BUSY_SNAPSHOT when another
    // connection (the sync worker, another desk) commits in between.
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    type Row = (i64, String, bool, i64, Option<String>, Option<String>);
    let row: Option<Row> = tx
        .query_row(
            "SELECT id, password_hash, active, failed_attempts, locked_until, last_sign_in
             FROM staff WHERE username = ?1",
            [username],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .optional()?;
    let Some((id, hash, active, failed, locked_until, previous_sign_in)) = row else {
        // The same work as a real check, so timing does not reveal names.
        let _ = verify_password(password, DUMMY_HASH)?;
        let unknown = Actor {
            id: None,
            username: username.to_owned(),
        };
        failed_entry(&tx, &unknown, "", Refusal::UnknownUser, now)?;
        tx.commit()?;
        return Ok(Err(refused));
    };
    let actor = Actor {
        id: Some(id),
        username: username.to_owned(),
    };
    let id_text = id.to_string();
    let password_ok = verify_password(password, &hash)?;
    let locked = match locked_until.as_deref() {
        Some(until) => parse_ts(until)? > *now,
        None => false,
    };
    let refusal = if locked {
        Some(Refusal::Locked)
    } else if !active {
        Some(Refusal::Disabled)
    } else if !password_ok {
        Some(Refusal::BadPassword)
    } else {
        None
    };
    match refusal {
        // Locked or disabled: refused whatever the password, and the
        // attempt is counted for the owner to see, but it does not extend
        // the lock (that would let anyone keep an account locked for ever).
        Some(reason @ (Refusal::Locked | Refusal::Disabled)) => {
            tx.execute(
                "UPDATE staff SET failures_since_sign_in = failures_since_sign_in + 1 WHERE id = ?1",
                [id],
            )?;
            failed_entry(&tx, &actor, &id_text, reason, now)?;
        }
        Some(_) => {
            let failed = failed + 1;
            let threshold = i64::from(policy.lockout_threshold);
            if failed >= threshold {
                let until = *now + chrono::Duration::minutes(policy.lockout_minutes);
                tx.execute(
                    "UPDATE staff SET failed_attempts = 0, locked_until = ?2,
                         failures_since_sign_in = failures_since_sign_in + 1
                     WHERE id = ?1",
                    params![id, ts(&until)],
                )?;
                audit::append(
                    &tx,
                    &actor,
                    &Event {
                        action: "lock",
                        entity: "staff",
                        entity_id: &id_text,
                        detail: serde_json::json!({
                            "reason": Refusal::BadPassword.as_str(),
                            "until": ts(&until),
                            "failed_attempts": failed,
                        }),
                    },
                    now,
                )?;
            } else {
                tx.execute(
                    "UPDATE staff SET failed_attempts = ?2,
                         failures_since_sign_in = failures_since_sign_in + 1
                     WHERE id = ?1",
                    params![id, failed],
                )?;
                audit::append(
                    &tx,
                    &actor,
                    &Event {
                        action: "sign_in_failed",
                        entity: "staff",
                        entity_id: &id_text,
                        detail: serde_json::json!({
                            "reason": Refusal::BadPassword.as_str(),
                            "failed_attempts": failed,
                        }),
                    },
                    now,
                )?;
            }
        }
        None => {
            let failures: i64 = tx.query_row(
                "SELECT failures_since_sign_in FROM staff WHERE id = ?1",
                [id],
                |r| r.get(0),
            )?;
            tx.execute(
                "UPDATE staff SET failed_attempts = 0, locked_until = NULL, last_sign_in = ?2,
                     failures_since_sign_in = 0
                 WHERE id = ?1",
                params![id, ts(now)],
            )?;
            audit::append(
                &tx,
                &actor,
                &Event {
                    action: "sign_in",
                    entity: "staff",
                    entity_id: &id_text,
                    detail: serde_json::json!({ "failures_since_last": failures }),
                },
                now,
            )?;
            let staff = get(&tx, id)?;
            tx.commit()?;
            return Ok(Ok(SignedIn {
                staff,
                failures_since_last: u32::try_from(failures).unwrap_or(u32::MAX),
                previous_sign_in,
            }));
        }
    }
    tx.commit()?;
    Ok(Err(refused))
}

/// The audit entry of a refused attempt, with its real reason. Never
/// whether the password was right: whoever reads the log could otherwise
/// try passwords on a locked account, past the lockout.
fn failed_entry(
    conn: &Connection,
    actor: &Actor,
    entity_id: &str,
    reason: Refusal,
    now: &Timestamp,
) -> Result<(), CoreError> {
    let detail = serde_json::json!({ "reason": reason.as_str() });
    audit::append(
        conn,
        actor,
        &Event {
            action: "sign_in_failed",
            entity: "staff",
            entity_id,
            detail,
        },
        now,
    )?;
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does() {
        // An unknown user name must cost one verification with the very
        // parameters real hashes have, or its time would give it away.
        let real = hash_password("Mat-khau-2024").unwrap();
        let params = |h: &str| h.split('$').nth(3).unwrap().to_owned();
        assert_eq!(params(DUMMY_HASH), params(&real));
        assert!(DUMMY_HASH.starts_with("$argon2id$v=19$"));
        assert!(!verify_password("", DUMMY_HASH).unwrap());
    }
}
