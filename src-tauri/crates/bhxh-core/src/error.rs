//! The one error type of the domain crate.

/// What went wrong in a domain operation. Messages are Vietnamese, for people.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Input that breaks a rule; `field` names the form field.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("Không tìm thấy {what}.")]
    NotFound { what: String },
    /// The change is valid but the record's state forbids it (an approved
    /// report, say); the message says what to do instead.
    #[error("{0}")]
    Conflict(String),
    #[error("Dữ liệu trong kho không hợp lệ: {0}")]
    Corrupt(String),
    #[error("Dữ liệu khởi tạo (tệp {file}) không hợp lệ: {detail}")]
    Seed { file: &'static str, detail: String },
    #[error("Lỗi cơ sở dữ liệu: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("Lỗi băm mật khẩu: {0}")]
    PasswordHash(String),
}

impl CoreError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        CoreError::Invalid {
            field,
            message: message.into(),
        }
    }
}
