//! The HQ server of BHXH Desk (`bhxh-hq`).
//!
//! Offices push their approved reports ([`bhxh_sync_proto::PushRequest`]),
//! pull the directives and plan changes published for them (all offices,
//! their province, or themselves) by cursor, and HQ staff read national
//! progress, base offices grouped under their province (JSON at
//! `/api/national` and `/api/province/{code}`, HTML at `/`).
//!
//! - [`storage`]: what HQ keeps, behind the [`storage::Storage`] trait:
//!   SQLite by default (one machine, a trial), PostgreSQL for the national
//!   deployment ([`storage::postgres`], `serve --database postgres://…`).
//! - [`server`]: the axum router, office tokens, body-size and rate limits.
//! - [`aggregate`]: progress per task per office, late offices, last sync.
//! - [`auth`]: HQ staff sign-in (argon2id, lockout, idle sessions, CSRF),
//!   read API tokens, the audit of staff actions.
//! - [`cli`]: `bhxh-hq serve | office | staff | token | directive | plan`.

pub mod aggregate;
pub mod auth;
pub mod cli;
pub mod conn;
pub mod server;
pub mod storage;
pub mod tls;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

/// Everything that can go wrong at HQ. Messages are Vietnamese.
#[derive(Debug, thiserror::Error)]
pub enum HqError {
    #[error("Lỗi cơ sở dữ liệu của máy chủ trung ương: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("Lỗi cơ sở dữ liệu PostgreSQL của máy chủ trung ương: {0}")]
    Pg(String),
    #[error("Không kết nối được tới cơ sở dữ liệu PostgreSQL: {0}")]
    Pool(String),
    #[error("Dữ liệu lưu trữ không hợp lệ: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Invalid(String),
    #[error("Không tìm thấy đơn vị có mã \"{0}\".")]
    UnknownOffice(String),
    #[error("Đơn vị có mã \"{0}\" đã được đăng ký.")]
    OfficeExists(String),
    #[error(
        "Không tìm thấy BHXH tỉnh có mã \"{0}\" (BHXH tỉnh phải được đăng ký trước, không có đơn vị cấp trên)."
    )]
    UnknownProvince(String),
    #[error(
        "Đơn vị \"{code}\" là BHXH cơ sở thuộc BHXH tỉnh \"{parent}\", không phải BHXH tỉnh; đơn vị cấp trên hoặc nơi nhận theo tỉnh phải là một BHXH tỉnh."
    )]
    NotProvincial { code: String, parent: String },
    #[error("Mã truy cập của đơn vị \"{0}\" đã bị thu hồi; không cấp lại bằng cách đổi mã.")]
    Revoked(String),
    #[error("Người dùng \"{0}\" của trung ương đã tồn tại.")]
    StaffExists(String),
    #[error("Lỗi đọc/ghi {path}: {detail}")]
    Io { path: String, detail: String },
    #[error("Không tạo được mã truy cập ngẫu nhiên: {0}")]
    Random(String),
}

impl From<postgres::Error> for HqError {
    fn from(e: postgres::Error) -> Self {
        // The server's own words (with the constraint or column) when it sent any.
        match e.as_db_error() {
            Some(db) => HqError::Pg(format!("{}: {}", db.code().code(), db.message())),
            None => HqError::Pg(e.to_string()),
        }
    }
}

impl From<r2d2::Error> for HqError {
    fn from(e: r2d2::Error) -> Self {
        HqError::Pool(e.to_string())
    }
}

/// HQ's clock, RFC 3339 with Vietnam's offset (+07:00).
pub fn now_rfc3339() -> String {
    let now = chrono::Utc::now();
    match chrono::FixedOffset::east_opt(7 * 3600) {
        Some(tz) => now
            .with_timezone(&tz)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
        None => now.to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
    }
}

/// A fresh office token: 32 random bytes, hex, with a recognisable prefix.
pub fn new_token() -> Result<String, HqError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| HqError::Random(e.to_string()))?;
    Ok(format!("bhxhq_{}", hex::encode(bytes)))
}

/// What HQ stores in place of a token: its SHA-256, hex. The token has 256
/// bits of entropy, so a plain hash (no salt, no slow KDF) is enough, and
/// lookup by hash needs no constant-time comparison.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}
