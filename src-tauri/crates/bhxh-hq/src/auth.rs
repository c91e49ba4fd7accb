//! HQ staff: accounts (argon2id), sign-in with lockout, sessions held by a
//! cookie (HttpOnly, SameSite=Strict, Secure under TLS) that expire when
//! idle, CSRF tokens on the sign-in and sign-out forms, API tokens for
//! reading national figures, and the audit of staff actions.
//!
//! Sessions live in the server's memory (a restart signs everyone out);
//! the cookie holds 256 random bits and the server keeps only their SHA-256.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

use crate::storage::Storage;
use crate::{HqError, now_rfc3339, token_hash};

/// Wrong passwords in a row before an account is locked.
pub const LOCK_AFTER: i64 = 5;
/// How long a locked account stays locked.
pub const LOCK_FOR: Duration = Duration::from_secs(15 * 60);
/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "hq_session";
/// Name of the cookie that carries the sign-in form's CSRF token.
pub const CSRF_COOKIE: &str = "hq_csrf";
/// Sessions kept at most (oldest dropped first).
const MAX_SESSIONS: usize = 10_000;

/// A staff member's role at HQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Reads the national page and figures.
    Viewer,
    /// Also reads the audit log of staff actions.
    Administrator,
}

impl Role {
    pub fn parse(s: &str) -> Result<Role, HqError> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "administrator" => Ok(Role::Administrator),
            _ => Err(HqError::Invalid(format!(
                "Vai trò \"{s}\" không hợp lệ (viewer hoặc administrator)."
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Administrator => "administrator",
        }
    }
}

/// A user name: 3–64 of a–z, 0–9, `.`, `_`, `-`.
pub fn validate_username(u: &str) -> Result<(), HqError> {
    let ok = (3..=64).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(HqError::Invalid(
            "Tên đăng nhập phải có 3–64 ký tự: chữ thường không dấu, số, dấu chấm, gạch.".into(),
        ))
    }
}

/// At least 12 characters, with letters and digits.
pub fn validate_password(p: &str) -> Result<(), HqError> {
    let long = p.chars().count() >= 12 && p.len() <= 1024;
    let letter = p.chars().any(char::is_alphabetic);
    let digit = p.chars().any(|c| c.is_ascii_digit());
    if long && letter && digit {
        Ok(())
    } else {
        Err(HqError::Invalid(
            "Mật khẩu phải dài ít nhất 12 ký tự, có cả chữ và số.".into(),
        ))
    }
}

fn hasher() -> Argon2<'static> {
    // argon2id, v0x13, the crate's defaults (19 MiB, t = 2, p = 1).
    Argon2::default()
}

/// An argon2id hash of `password` (PHC string, random salt).
pub fn hash_password(password: &str) -> Result<String, HqError> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| HqError::Invalid(format!("Không băm được mật khẩu: {e}")))
}

fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            hasher()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a password nobody knows: verified against when the user name
/// is unknown, so the time taken does not tell whether a name exists.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        crate::new_token()
            .and_then(|t| hash_password(&t))
            .unwrap_or_default()
    })
}

/// What a sign-in attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    Ok {
        username: String,
        role: Role,
    },
    WrongPassword,
    /// Locked after too many wrong passwords (this one included, or before).
    Locked,
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Check a user name and password; counts failures, locks, audits. Blocks
/// (argon2): run it on the blocking pool.
pub fn sign_in(storage: &dyn Storage, username: &str, password: &str) -> Result<SignIn, HqError> {
    let now = now_rfc3339();
    let detail = |what: &str| what.to_owned();
    let Some(account) = storage.staff_account(username)? else {
        let _ = verify_password(password, dummy_hash());
        storage.audit(
            username,
            "sign_in_failed",
            &detail("tên đăng nhập không tồn tại"),
            &now,
        )?;
        return Ok(SignIn::WrongPassword);
    };
    if account.locked_until.is_some_and(|t| t > unix_now()) {
        storage.audit(
            username,
            "sign_in_refused_locked",
            &detail("tài khoản đang bị tạm khóa"),
            &now,
        )?;
        return Ok(SignIn::Locked);
    }
    if verify_password(password, &account.password_hash) {
        let role = Role::parse(&account.role)?;
        storage.clear_sign_in_failures(username)?;
        storage.audit(username, "sign_in", &detail("đăng nhập"), &now)?;
        return Ok(SignIn::Ok {
            username: account.username,
            role,
        });
    }
    let until = unix_now() + LOCK_FOR.as_secs() as i64;
    if storage.record_sign_in_failure(username, LOCK_AFTER, until)? {
        storage.audit(
            username,
            "locked",
            &detail(&format!(
                "sai mật khẩu {LOCK_AFTER} lần liên tiếp; khóa {} phút",
                LOCK_FOR.as_secs() / 60
            )),
            &now,
        )?;
        return Ok(SignIn::Locked);
    }
    storage.audit(username, "sign_in_failed", &detail("sai mật khẩu"), &now)?;
    Ok(SignIn::WrongPassword)
}

/// A signed-in staff member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub username: String,
    pub role: Role,
    /// The CSRF token of the forms this session posts (sign-out).
    pub csrf: String,
    last_seen: Instant,
    created: Instant,
}

/// Sessions by the SHA-256 of their cookie, expiring when idle.
#[derive(Debug)]
pub struct Sessions {
    idle: Duration,
    map: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    pub fn new(idle: Duration) -> Sessions {
        Sessions {
            idle,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// A new session; the cookie value to send (never kept).
    pub fn create(&self, username: &str, role: Role) -> Result<String, HqError> {
        let cookie = crate::new_token()?;
        let now = Instant::now();
        let session = Session {
            username: username.to_owned(),
            role,
            csrf: crate::new_token()?,
            last_seen: now,
            created: now,
        };
        let mut map = self
            .map
            .lock()
            .map_err(|_| HqError::Corrupt("bảng phiên đăng nhập bị hỏng".into()))?;
        let idle = self.idle;
        map.retain(|_, s| now.duration_since(s.last_seen) < idle);
        if map.len() >= MAX_SESSIONS
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.created)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(token_hash(&cookie), session);
        Ok(cookie)
    }

    /// The session of this cookie, when it exists and has not been idle too
    /// long; the use counts as activity.
    pub fn get(&self, cookie: &str) -> Option<Session> {
        let key = token_hash(cookie);
        let mut map = self.map.lock().ok()?;
        let now = Instant::now();
        let fresh = map
            .get(&key)
            .is_some_and(|s| now.duration_since(s.last_seen) < self.idle);
        if !fresh {
            map.remove(&key);
            return None;
        }
        let s = map.get_mut(&key)?;
        s.last_seen = now;
        Some(s.clone())
    }

    pub fn remove(&self, cookie: &str) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(&token_hash(cookie));
        }
    }
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure under TLS.
pub fn set_cookie(name: &str, value: &str, max_age: Option<u64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// Two secrets compared without leaking where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Who may read the national figures with a bearer token: a read API token.
pub fn api_token_ok(storage: &dyn Storage, token: &str) -> Result<bool, HqError> {
    Ok(storage
        .api_token(&token_hash(token))?
        .is_some_and(|t| !t.revoked && t.scope == "read"))
}

/// A fresh API token (shown once; HQ keeps its SHA-256).
pub fn new_api_token() -> Result<String, HqError> {
    crate::new_token().map(|t| t.replacen("bhxhq_", "bhxhr_", 1))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn sessions_expire_when_idle_and_forged_cookies_find_nothing() {
        let s = Sessions::new(Duration::from_millis(200));
        let c = s.create("an", Role::Viewer).unwrap();
        assert_eq!(s.get(&c).unwrap().username, "an");
        assert!(s.get("bhxhq_forged").is_none());
        std::thread::sleep(Duration::from_millis(300));
        assert!(s.get(&c).is_none());
    }

    #[test]
    fn cookies_are_read_and_written_strictly() {
        let mut h = axum::http::HeaderMap::new();
        h.insert(
            axum::http::header::COOKIE,
            "a=1; hq_session=xyz; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
        let c = set_cookie(SESSION_COOKIE, "v", None, true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.ends_with("Secure"));
        assert!(!set_cookie(SESSION_COOKIE, "v", None, false).contains("Secure"));
        assert!(same_secret("abc", "abc") && !same_secret("abc", "abd") && !same_secret("a", "ab"));
    }

    #[test]
    fn passwords_and_names_are_checked() {
        assert!(validate_password("ngắn1").is_err());
        assert!(validate_password("chỉcóchữcáikhôngsố").is_err());
        assert!(validate_password("matkhau-2024-hq").is_ok());
        assert!(validate_username("nguyen.an").is_ok());
        assert!(validate_username("Nguyễn").is_err());
        let h = hash_password("matkhau-2024-hq").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("matkhau-2024-hq", &h));
        assert!(!verify_password("matkhau-2024-hx", &h));
    }
}
