//! The application's error: one type for the shell and the CLI, with a
//! stable code, a Vietnamese message and what to do about it.

use bhxh_core::CoreError;
use bhxh_core::office::accounts::{Role, SignInError};
use bhxh_print::PrintError;
use bhxh_secrets::SecretError;
use bhxh_store::StoreError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Every error the desk reports, as the window and scripts tell them apart.
/// The UI translates each one into its own language; the variant's
/// snake-case name is what crosses (`"session_expired"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    KeyringUnavailable,
    KeyringLocked,
    KeyringError,
    KeyMissing,
    StoreMissing,
    FilesKeyMissing,
    WrongKey,
    StoreTooNew,
    BadBackup,
    CorruptBackup,
    StoreError,
    Invalid,
    NotFound,
    Conflict,
    CoreError,
    BadCredentials,
    NotSignedIn,
    SessionExpired,
    Forbidden,
    AlreadySetUp,
    NotSetUp,
    IoError,
    BadFile,
    RenderFailed,
    FileTampered,
    FileStoreError,
    BadScan,
    SyncNotConfigured,
    SyncBadUrl,
    SyncOffline,
    SyncTimeout,
    SyncUnauthorized,
    SyncRevoked,
    SyncRateLimited,
    SyncServerError,
    SyncBadResponse,
    SyncTooLarge,
    SyncStoreError,
    SigningNotConfigured,
    SigningModule,
    NoToken,
    TokenRemoved,
    WrongPin,
    PinLocked,
    SigningCertificate,
    SigningError,
    BadPdf,
    NoScanner,
    ScannerError,
    NoPrinter,
    PrinterNotChosen,
    PrinterUnknown,
    PrintServiceDown,
    PrintClientMissing,
    PrintNotSupported,
    PrintFailed,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 57] = [
        ErrorCode::KeyringUnavailable,
        ErrorCode::KeyringLocked,
        ErrorCode::KeyringError,
        ErrorCode::KeyMissing,
        ErrorCode::StoreMissing,
        ErrorCode::FilesKeyMissing,
        ErrorCode::WrongKey,
        ErrorCode::StoreTooNew,
        ErrorCode::BadBackup,
        ErrorCode::CorruptBackup,
        ErrorCode::StoreError,
        ErrorCode::Invalid,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::CoreError,
        ErrorCode::BadCredentials,
        ErrorCode::NotSignedIn,
        ErrorCode::SessionExpired,
        ErrorCode::Forbidden,
        ErrorCode::AlreadySetUp,
        ErrorCode::NotSetUp,
        ErrorCode::IoError,
        ErrorCode::BadFile,
        ErrorCode::RenderFailed,
        ErrorCode::FileTampered,
        ErrorCode::FileStoreError,
        ErrorCode::BadScan,
        ErrorCode::SyncNotConfigured,
        ErrorCode::SyncBadUrl,
        ErrorCode::SyncOffline,
        ErrorCode::SyncTimeout,
        ErrorCode::SyncUnauthorized,
        ErrorCode::SyncRevoked,
        ErrorCode::SyncRateLimited,
        ErrorCode::SyncServerError,
        ErrorCode::SyncBadResponse,
        ErrorCode::SyncTooLarge,
        ErrorCode::SyncStoreError,
        ErrorCode::SigningNotConfigured,
        ErrorCode::SigningModule,
        ErrorCode::NoToken,
        ErrorCode::TokenRemoved,
        ErrorCode::WrongPin,
        ErrorCode::PinLocked,
        ErrorCode::SigningCertificate,
        ErrorCode::SigningError,
        ErrorCode::BadPdf,
        ErrorCode::NoScanner,
        ErrorCode::ScannerError,
        ErrorCode::NoPrinter,
        ErrorCode::PrinterNotChosen,
        ErrorCode::PrinterUnknown,
        ErrorCode::PrintServiceDown,
        ErrorCode::PrintClientMissing,
        ErrorCode::PrintNotSupported,
        ErrorCode::PrintFailed,
        ErrorCode::Internal,
    ];

    /// The code as it crosses and as scripts see it (`--json`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::KeyringUnavailable => "keyring_unavailable",
            ErrorCode::KeyringLocked => "keyring_locked",
            ErrorCode::KeyringError => "keyring_error",
            ErrorCode::KeyMissing => "key_missing",
            ErrorCode::StoreMissing => "store_missing",
            ErrorCode::FilesKeyMissing => "files_key_missing",
            ErrorCode::WrongKey => "wrong_key",
            ErrorCode::StoreTooNew => "store_too_new",
            ErrorCode::BadBackup => "bad_backup",
            ErrorCode::CorruptBackup => "corrupt_backup",
            ErrorCode::StoreError => "store_error",
            ErrorCode::Invalid => "invalid",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::CoreError => "core_error",
            ErrorCode::BadCredentials => "bad_credentials",
            ErrorCode::NotSignedIn => "not_signed_in",
            ErrorCode::SessionExpired => "session_expired",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::AlreadySetUp => "already_set_up",
            ErrorCode::NotSetUp => "not_set_up",
            ErrorCode::IoError => "io_error",
            ErrorCode::BadFile => "bad_file",
            ErrorCode::RenderFailed => "render_failed",
            ErrorCode::FileTampered => "file_tampered",
            ErrorCode::FileStoreError => "file_store_error",
            ErrorCode::BadScan => "bad_scan",
            ErrorCode::SyncNotConfigured => "sync_not_configured",
            ErrorCode::SyncBadUrl => "sync_bad_url",
            ErrorCode::SyncOffline => "sync_offline",
            ErrorCode::SyncTimeout => "sync_timeout",
            ErrorCode::SyncUnauthorized => "sync_unauthorized",
            ErrorCode::SyncRevoked => "sync_revoked",
            ErrorCode::SyncRateLimited => "sync_rate_limited",
            ErrorCode::SyncServerError => "sync_server_error",
            ErrorCode::SyncBadResponse => "sync_bad_response",
            ErrorCode::SyncTooLarge => "sync_too_large",
            ErrorCode::SyncStoreError => "sync_store_error",
            ErrorCode::SigningNotConfigured => "signing_not_configured",
            ErrorCode::SigningModule => "signing_module",
            ErrorCode::NoToken => "no_token",
            ErrorCode::TokenRemoved => "token_removed",
            ErrorCode::WrongPin => "wrong_pin",
            ErrorCode::PinLocked => "pin_locked",
            ErrorCode::SigningCertificate => "signing_certificate",
            ErrorCode::SigningError => "signing_error",
            ErrorCode::BadPdf => "bad_pdf",
            ErrorCode::NoScanner => "no_scanner",
            ErrorCode::ScannerError => "scanner_error",
            ErrorCode::NoPrinter => "no_printer",
            ErrorCode::PrinterNotChosen => "printer_not_chosen",
            ErrorCode::PrinterUnknown => "printer_unknown",
            ErrorCode::PrintServiceDown => "print_service_down",
            ErrorCode::PrintClientMissing => "print_client_missing",
            ErrorCode::PrintNotSupported => "print_not_supported",
            ErrorCode::PrintFailed => "print_failed",
            ErrorCode::Internal => "internal",
        }
    }

    /// The code of `text`, if it is one.
    pub fn parse(text: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("{0}")]
    Keyring(#[from] SecretError),
    #[error(
        "Không tìm thấy khóa giải mã của kho dữ liệu {db} trong kho khóa bí mật của hệ điều hành."
    )]
    KeyMissing { db: PathBuf },
    #[error(
        "Thư mục dữ liệu {dir} đã từng có kho dữ liệu ({}) nhưng thiếu tệp desk.db. \
         BHXH Desk không tạo kho mới ở đây, để khỏi ghi đè khóa của dữ liệu cũ.",
        store_traces(*.key_kept, *.sealed_files)
    )]
    StoreMissing {
        dir: PathBuf,
        key_kept: bool,
        sealed_files: usize,
    },
    #[error(
        "Không tìm thấy khóa của kho tệp số hóa trong kho khóa bí mật, trong khi {dir} có \
         {sealed_files} tệp đã mã hóa bằng khóa đó. BHXH Desk không tạo khóa mới: các tệp ấy \
         sẽ không bao giờ đọc lại được."
    )]
    FilesKeyMissing { dir: PathBuf, sealed_files: usize },
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
    #[error(
        "Tài khoản của bạn không có quyền thực hiện thao tác này (cần vai trò: {}).",
        roles_vi(.needed)
    )]
    Forbidden { needed: Vec<Role> },
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
    #[error("{0}")]
    Sync(#[from] bhxh_sync::SyncError),
    #[error("{0}")]
    Sign(#[from] bhxh_sign::SignError),
    #[error("{0}")]
    Scanner(#[from] bhxh_scan::scanner::ScannerError),
    #[error("{0}")]
    Print(#[from] bhxh_print::PrintError),
    #[error("{file}: {source}")]
    Scan {
        file: String,
        #[source]
        source: bhxh_scan::ScanError,
    },
}

impl From<StoreError> for DeskError {
    fn from(e: StoreError) -> Self {
        DeskError::Store(e)
    }
}

impl DeskError {
    /// A value the user gave that cannot be used: the field and why, in
    /// Vietnamese (what a front end says of its own arguments).
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        DeskError::Core(CoreError::invalid(field, message))
    }

    /// A stable, machine-readable code (the UI translates by it).
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// The code as a value.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            DeskError::Keyring(SecretError::Unavailable { .. }) => ErrorCode::KeyringUnavailable,
            DeskError::Keyring(SecretError::Locked(_)) => ErrorCode::KeyringLocked,
            DeskError::Keyring(_) => ErrorCode::KeyringError,
            DeskError::KeyMissing { .. } => ErrorCode::KeyMissing,
            DeskError::StoreMissing { .. } => ErrorCode::StoreMissing,
            DeskError::FilesKeyMissing { .. } => ErrorCode::FilesKeyMissing,
            DeskError::Store(StoreError::WrongKey { .. }) => ErrorCode::WrongKey,
            DeskError::Store(StoreError::TooNew { .. }) => ErrorCode::StoreTooNew,
            DeskError::Store(StoreError::BadBackup { .. }) => ErrorCode::BadBackup,
            DeskError::Store(StoreError::CorruptBackup { .. }) => ErrorCode::CorruptBackup,
            DeskError::Store(_) => ErrorCode::StoreError,
            DeskError::Core(CoreError::Invalid { .. }) => ErrorCode::Invalid,
            DeskError::Core(CoreError::NotFound { .. }) => ErrorCode::NotFound,
            DeskError::Core(CoreError::Conflict(_)) => ErrorCode::Conflict,
            DeskError::Core(_) => ErrorCode::CoreError,
            // One code for every refusal: see `SignInError`.
            DeskError::SignIn(_) => ErrorCode::BadCredentials,
            DeskError::NotSignedIn => ErrorCode::NotSignedIn,
            DeskError::SessionExpired { .. } => ErrorCode::SessionExpired,
            DeskError::Forbidden { .. } => ErrorCode::Forbidden,
            DeskError::AlreadySetUp => ErrorCode::AlreadySetUp,
            DeskError::NotSetUp => ErrorCode::NotSetUp,
            DeskError::Io { .. } => ErrorCode::IoError,
            DeskError::BadFile { .. } => ErrorCode::BadFile,
            DeskError::Render(_) => ErrorCode::RenderFailed,
            DeskError::Files(
                bhxh_files::FileError::Tampered { .. } | bhxh_files::FileError::HashMismatch { .. },
            ) => ErrorCode::FileTampered,
            DeskError::Files(_) => ErrorCode::FileStoreError,
            DeskError::Scan { .. } => ErrorCode::BadScan,
            DeskError::Scanner(bhxh_scan::scanner::ScannerError::NoScanner) => ErrorCode::NoScanner,
            DeskError::Scanner(_) => ErrorCode::ScannerError,
            DeskError::Sign(e) => match e.code() {
                "not_configured" => ErrorCode::SigningNotConfigured,
                "module" => ErrorCode::SigningModule,
                "no_token" => ErrorCode::NoToken,
                "token_removed" => ErrorCode::TokenRemoved,
                "wrong_pin" => ErrorCode::WrongPin,
                "pin_locked" => ErrorCode::PinLocked,
                "certificate" => ErrorCode::SigningCertificate,
                "pdf" => ErrorCode::BadPdf,
                _ => ErrorCode::SigningError,
            },
            DeskError::Sync(e) => ErrorCode::parse(e.code()).unwrap_or(ErrorCode::Internal),
            DeskError::Print(e) => match e {
                PrintError::NoPrinter => ErrorCode::NoPrinter,
                PrintError::NoDefault { .. } => ErrorCode::PrinterNotChosen,
                PrintError::UnknownQueue { .. } => ErrorCode::PrinterUnknown,
                PrintError::NotRunning { .. } | PrintError::SpoolerNotRunning => {
                    ErrorCode::PrintServiceDown
                }
                PrintError::ClientMissing { .. } => ErrorCode::PrintClientMissing,
                PrintError::NotSupported => ErrorCode::PrintNotSupported,
                PrintError::Refused { .. } | PrintError::Io { .. } | PrintError::Render { .. } => {
                    ErrorCode::PrintFailed
                }
            },
        }
    }

    /// What the user or IT staff can do, in Vietnamese (empty when obvious).
    pub fn hint(&self) -> String {
        match self {
            DeskError::Keyring(e) => e.hint().to_owned(),
            DeskError::Sync(e) => e.hint().to_owned(),
            DeskError::Print(e) => e.hint(),
            DeskError::KeyMissing { .. } => "Khóa có thể đã bị xóa khỏi kho khóa, hoặc thư mục dữ liệu được chép từ máy khác. \
                Dữ liệu không thể mở nếu thiếu khóa: hãy khôi phục từ bản sao lưu bằng lệnh \
                \"bhxh-desk db restore TỆP\" (cần mật khẩu của bản sao lưu)."
                .to_owned(),
            DeskError::StoreMissing { dir, .. } => format!(
                "Nếu đã mở nhầm thư mục, hãy chỉ đúng thư mục dữ liệu (--data-dir hoặc biến \
                 BHXH_DESK_DATA_DIR). Nếu tệp desk.db bị chuyển đi, hãy chép lại vào {}. \
                 Nếu tệp đã mất, hãy khôi phục từ bản sao lưu bằng lệnh \
                 \"bhxh-desk db restore TỆP\" (cần mật khẩu của bản sao lưu).",
                dir.display()
            ),
            DeskError::FilesKeyMissing { .. } => "Khóa có thể đã bị xóa khỏi kho khóa, hoặc thư mục \
                dữ liệu được chép từ máy hay tài khoản khác: hãy mở BHXH Desk trên đúng máy và tài khoản \
                có khóa, hoặc khôi phục từ bản sao lưu (bản sao lưu có cả kho tệp số hóa và khóa của nó) \
                bằng lệnh \"bhxh-desk db restore TỆP\"."
                .to_owned(),
            DeskError::Store(StoreError::WrongKey { .. }) => "Khóa trong kho khóa bí mật không phải khóa của tệp dữ liệu này \
                (tệp bị thay, hoặc kho khóa bị ghi đè). Không sửa tệp bằng tay; hãy khôi phục từ bản sao lưu \
                bằng lệnh \"bhxh-desk db restore TỆP\"."
                .to_owned(),
            DeskError::Store(StoreError::TooNew { .. }) => "Hãy cài phiên bản BHXH Desk mới nhất.".to_owned(),
            DeskError::SignIn(SignInError {
                lockout_threshold,
                lockout_minutes,
            }) => format!(
                "Sau {lockout_threshold} lần nhập sai liên tiếp, tài khoản bị tạm khóa \
                 {lockout_minutes} phút; tài khoản đã ngừng hoạt động thì không đăng nhập được. \
                 Nếu chắc chắn mật khẩu đúng, hãy chờ {lockout_minutes} phút rồi thử lại \
                 hoặc nhờ quản trị viên kiểm tra tài khoản."
            ),
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

    /// The values the UI's own sentence for the code needs (the idle limit,
    /// the roles allowed, the tries left, the file).
    pub fn params(&self) -> BTreeMap<String, String> {
        let mut p = BTreeMap::new();
        let mut put = |k: &str, v: String| {
            p.insert(k.to_owned(), v);
        };
        match self {
            DeskError::SessionExpired { idle_minutes } => {
                put("idleMinutes", idle_minutes.to_string())
            }
            DeskError::Forbidden { needed } => put(
                "roles",
                needed
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            // The office's policy only: nothing about the account tried.
            DeskError::SignIn(SignInError {
                lockout_threshold,
                lockout_minutes,
            }) => {
                put("lockoutThreshold", lockout_threshold.to_string());
                put("lockoutMinutes", lockout_minutes.to_string());
            }
            DeskError::KeyMissing { db } => put("path", db.display().to_string()),
            DeskError::StoreMissing { dir, .. } => put("path", dir.display().to_string()),
            DeskError::FilesKeyMissing { dir, sealed_files } => {
                put("path", dir.display().to_string());
                put("count", sealed_files.to_string());
            }
            DeskError::Io { path, .. } | DeskError::BadFile { path, .. } => {
                put("path", path.display().to_string())
            }
            DeskError::Scan { file, .. } => put("path", file.clone()),
            DeskError::Print(PrintError::UnknownQueue { queue }) => put("printer", queue.clone()),
            DeskError::Print(PrintError::NoDefault { queues }) => {
                put("printers", queues.join(", "))
            }
            DeskError::Print(PrintError::NotRunning { server: Some(s) }) => {
                put("server", s.clone())
            }
            DeskError::Print(PrintError::ClientMissing { program }) => {
                put("program", (*program).to_owned())
            }
            _ => {}
        }
        p
    }

    pub fn info(&self) -> ErrorInfo {
        ErrorInfo {
            code: self.error_code(),
            message: self.to_string(),
            hint: self.hint(),
            field: self.field().map(str::to_owned),
            params: self.params(),
        }
    }
}

/// What crosses to the UI or is printed as JSON by the CLI: the code the
/// UI translates by, and the desk's own Vietnamese sentence and hint (what
/// the command line prints, and the Vietnamese window shows when the code's
/// own sentence would say less).
#[derive(Debug, Clone, Serialize, PartialEq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ErrorInfo {
    pub code: ErrorCode,
    pub message: String,
    pub hint: String,
    pub field: Option<String>,
    /// What the code's sentence in the UI's language needs (see
    /// [`DeskError::params`]).
    pub params: BTreeMap<String, String>,
}

impl ErrorInfo {
    /// An error of the shell or the window itself, with its Vietnamese text.
    pub fn new(code: ErrorCode, message: impl Into<String>, hint: impl Into<String>) -> Self {
        ErrorInfo {
            code,
            message: message.into(),
            hint: hint.into(),
            field: None,
            params: BTreeMap::new(),
        }
    }
}

/// What shows that a data directory held a store: for [`DeskError::StoreMissing`].
fn store_traces(key_kept: bool, sealed_files: usize) -> String {
    let mut t = vec!["có desk.json".to_owned()];
    if key_kept {
        t.push("khóa của kho vẫn nằm trong kho khóa bí mật".to_owned());
    }
    if sealed_files > 0 {
        t.push(format!("{sealed_files} tệp số hóa đã mã hóa"));
    }
    t.join(", ")
}

fn roles_vi(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.label_vi())
        .collect::<Vec<_>>()
        .join(", ")
}
