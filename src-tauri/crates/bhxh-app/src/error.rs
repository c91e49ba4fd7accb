//! The application's error: one type for the shell and the CLI, with a
//! stable code, a Vietnamese message and what to do about it.

use bhxh_core::CoreError;
use bhxh_core::office::accounts::SignInError;
use bhxh_secrets::SecretError;
use bhxh_store::StoreError;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("{0}")]
    Keyring(#[from] SecretError),
    #[error(
        "Không tìm thấy khóa giải mã của kho dữ liệu {db} trong kho khóa bí mật của hệ điều hành."
    )]
    KeyMissing { db: PathBuf },
    #[error("{0}")]
    Store(StoreError),
    #[error("{0}")]
    Core(#[from] CoreError),
    #[error("{0}")]
    SignIn(#[from] SignInError),
    #[error("Chưa đăng nhập.")]
    NotSignedIn,
    #[error(
        "Phiên làm việc đã hết hạn do không thao tác trong {idle_minutes} phút. Hãy đăng nhập lại."
    )]
    SessionExpired { idle_minutes: i64 },
    #[error("Tài khoản của bạn không có quyền thực hiện thao tác này (cần vai trò: {needed}).")]
    Forbidden { needed: String },
    #[error("Văn phòng đã được thiết lập.")]
    AlreadySetUp,
    #[error("Chưa thiết lập thông tin cơ quan và quản trị viên đầu tiên.")]
    NotSetUp,
    #[error("Lỗi đọc/ghi tệp {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("Tệp {path} không hợp lệ: {detail}")]
    BadFile { path: PathBuf, detail: String },
    #[error("Không tạo được giấy tờ: {0}")]
    Render(String),
    #[error("{0}")]
    Files(#[from] bhxh_files::FileError),
    #[error("{file}: {source}")]
    Scan {
        file: String,
        #[source]
        source: bhxh_report::ScanError,
    },
}

impl From<StoreError> for DeskError {
    fn from(e: StoreError) -> Self {
        DeskError::Store(e)
    }
}

impl DeskError {
    /// A stable, machine-readable code (the UI translates by it).
    pub fn code(&self) -> &'static str {
        match self {
            DeskError::Keyring(SecretError::Unavailable { .. }) => "keyring_unavailable",
            DeskError::Keyring(SecretError::Locked(_)) => "keyring_locked",
            DeskError::Keyring(_) => "keyring_error",
            DeskError::KeyMissing { .. } => "key_missing",
            DeskError::Store(StoreError::WrongKey { .. }) => "wrong_key",
            DeskError::Store(StoreError::TooNew { .. }) => "store_too_new",
            DeskError::Store(StoreError::BadBackup { .. }) => "bad_backup",
            DeskError::Store(StoreError::CorruptBackup { .. }) => "corrupt_backup",
            DeskError::Store(_) => "store_error",
            DeskError::Core(CoreError::Invalid { .. }) => "invalid",
            DeskError::Core(CoreError::NotFound { .. }) => "not_found",
            DeskError::Core(CoreError::Conflict(_)) => "conflict",
            DeskError::Core(_) => "core_error",
            DeskError::SignIn(SignInError::BadCredentials { .. }) => "bad_credentials",
            DeskError::SignIn(SignInError::Locked { .. }) => "account_locked",
            DeskError::SignIn(SignInError::Disabled) => "account_disabled",
            DeskError::NotSignedIn => "not_signed_in",
            DeskError::SessionExpired { .. } => "session_expired",
            DeskError::Forbidden { .. } => "forbidden",
            DeskError::AlreadySetUp => "already_set_up",
            DeskError::NotSetUp => "not_set_up",
            DeskError::Io { .. } => "io_error",
            DeskError::BadFile { .. } => "bad_file",
            DeskError::Render(_) => "render_failed",
            DeskError::Files(
                bhxh_files::FileError::Tampered { .. } | bhxh_files::FileError::HashMismatch { .. },
            ) => "file_tampered",
            DeskError::Files(_) => "file_store_error",
            DeskError::Scan { .. } => "bad_scan",
        }
    }

    /// What the user or IT staff can do, in Vietnamese (empty when obvious).
    pub fn hint(&self) -> String {
        match self {
            DeskError::Keyring(e) => e.hint().to_owned(),
            DeskError::KeyMissing { .. } => "Khóa có thể đã bị xóa khỏi kho khóa, hoặc thư mục dữ liệu được chép từ máy khác. \
                Dữ liệu không thể mở nếu thiếu khóa: hãy khôi phục từ bản sao lưu bằng lệnh \
                \"bhxh-desk db restore TỆP\" (cần mật khẩu của bản sao lưu)."
                .to_owned(),
            DeskError::Store(StoreError::WrongKey { .. }) => "Khóa trong kho khóa bí mật không phải khóa của tệp dữ liệu này \
                (tệp bị thay, hoặc kho khóa bị ghi đè). Không sửa tệp bằng tay; hãy khôi phục từ bản sao lưu \
                bằng lệnh \"bhxh-desk db restore TỆP\"."
                .to_owned(),
            DeskError::Store(StoreError::TooNew { .. }) => "Hãy cài phiên bản BHXH Desk mới nhất.".to_owned(),
            DeskError::SignIn(SignInError::BadCredentials { attempts_left: Some(n) }) if *n <= 2 => {
                format!("Còn {n} lần thử trước khi tài khoản bị tạm khóa.")
            }
            _ => String::new(),
        }
    }

    /// The form field at fault, for validation errors.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            DeskError::Core(CoreError::Invalid { field, .. }) => Some(field),
            _ => None,
        }
    }

    pub fn info(&self) -> ErrorInfo {
        ErrorInfo {
            code: self.code().to_owned(),
            message: self.to_string(),
            hint: self.hint(),
            field: self.field().map(str::to_owned),
        }
    }
}

/// What crosses to the UI or is printed as JSON by the CLI.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ErrorInfo {
    pub code: String,
    pub message: String,
    pub hint: String,
    pub field: Option<String>,
}
