//! What can go wrong while signing, said the way the officer at the counter
//! needs it: in Vietnamese, with what to do, and the technical line after it.

use std::path::PathBuf;
use thiserror::Error;

/// An error of the token, of the PDF to sign, or of the signature.
#[derive(Debug, Error)]
pub enum SignError {
    /// No token is set up for the office.
    #[error(
        "Chưa cài đặt token ký số: quản trị viên chọn trình điều khiển token trong Quản trị → Ký số (hoặc lệnh \"bhxh-desk signing configure\")."
    )]
    NotConfigured,
    /// The PKCS#11 module (the token's driver) is missing or does not load.
    #[error(
        "Không nạp được trình điều khiển token {path}: {detail}. Kiểm tra đường dẫn trong Quản trị → Ký số, hoặc cài lại phần mềm của nhà cung cấp chữ ký số."
    )]
    Module { path: PathBuf, detail: String },
    /// No token is present (none inserted, or the one named is not there).
    #[error("Không thấy token ký số{}. Cắm token vào máy rồi thử lại.", label.as_deref().map(|l| format!(" «{l}»")).unwrap_or_default())]
    NoToken { label: Option<String> },
    /// The token was removed while it was used.
    #[error("Token ký số đã bị rút ra trong khi ký. Cắm lại token rồi ký lại.")]
    TokenRemoved,
    /// The PIN was wrong; the token may say how many tries remain.
    #[error("Mã PIN không đúng.{}", match tries { PinTries::FinalTry => " Chỉ còn MỘT lần thử: nhập sai lần nữa token sẽ bị khóa.".to_owned(), PinTries::Low => " Token báo còn ít lần thử.".to_owned(), PinTries::Unknown => String::new() })]
    WrongPin { tries: PinTries },
    /// The PIN is locked: only the security officer (the CA's tool) can unlock it.
    #[error(
        "Token đã bị khóa mã PIN do nhập sai quá số lần cho phép. Liên hệ nhà cung cấp chữ ký số để mở khóa; phần mềm không thử lại."
    )]
    PinLocked,
    /// The PIN is empty or its length is not what the token accepts.
    #[error("Mã PIN phải dài từ {min} đến {max} ký tự.")]
    PinLength { min: usize, max: usize },
    /// No key (with a certificate) on the token, or not the one named.
    #[error("Token không có khóa ký{} kèm chứng thư số.", label.as_deref().map(|l| format!(" «{l}»")).unwrap_or_default())]
    NoKey { label: Option<String> },
    /// Several keys and none chosen.
    #[error("Token có {count} khóa ký: chọn một khóa trong Quản trị → Ký số ({labels}).")]
    KeyNotChosen { count: usize, labels: String },
    /// The key type is not one the desk signs with.
    #[error(
        "Khóa trên token có loại không được hỗ trợ ({0}); dùng khóa RSA hoặc ECDSA P-256/P-384."
    )]
    KeyType(String),
    /// The signer's certificate is not usable to sign now.
    #[error("Chứng thư số của người ký {what}: {subject}. Không ký bằng chứng thư này.")]
    Certificate { subject: String, what: String },
    /// Any other PKCS#11 failure.
    #[error("Token ký số báo lỗi khi {during}: {detail}")]
    Token {
        during: &'static str,
        detail: String,
    },
    /// The PDF to sign cannot be read or updated.
    #[error("Tệp PDF không ký được: {0}")]
    Pdf(String),
    /// The PDF is encrypted.
    #[error("Tệp PDF được mã hóa bằng mật khẩu: không ký thêm được.")]
    Encrypted,
    /// The signature did not fit in the space reserved for it.
    #[error("Chữ ký ({needed} byte) lớn hơn chỗ dành cho nó ({reserved} byte).")]
    TooLarge { needed: usize, reserved: usize },
    /// The timestamp server (TSA) set up did not give a valid timestamp: the
    /// PDF is not signed (never downgraded to a signature without one).
    #[error(
        "Không lấy được dấu thời gian từ máy chủ {url}: {detail}. Tài liệu CHƯA được ký. Kiểm tra kết nối mạng và địa chỉ máy chủ dấu thời gian trong Quản trị → Ký số, rồi ký lại."
    )]
    Timestamp { url: String, detail: String },
    /// The timestamp server's address is not one the desk can use.
    #[error("Địa chỉ máy chủ dấu thời gian «{url}» không dùng được: {why}.")]
    TsaUrl { url: String, why: String },
    /// A certificate or CMS structure could not be encoded or decoded.
    #[error("Dữ liệu chữ ký không hợp lệ: {0}")]
    Der(String),
}

/// What the token says about the PIN's remaining tries (PKCS#11 token flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinTries {
    /// `CKF_USER_PIN_FINAL_TRY`: one try left.
    FinalTry,
    /// `CKF_USER_PIN_COUNT_LOW`: some tries failed.
    Low,
    /// The token does not say.
    Unknown,
}

impl From<der::Error> for SignError {
    fn from(e: der::Error) -> Self {
        SignError::Der(e.to_string())
    }
}

impl SignError {
    /// A short code for the window and for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            SignError::NotConfigured => "not_configured",
            SignError::Module { .. } => "module",
            SignError::NoToken { .. } => "no_token",
            SignError::TokenRemoved => "token_removed",
            SignError::WrongPin { .. } => "wrong_pin",
            SignError::PinLocked => "pin_locked",
            SignError::PinLength { .. } => "pin_length",
            SignError::NoKey { .. } | SignError::KeyNotChosen { .. } => "no_key",
            SignError::KeyType(_) => "key_type",
            SignError::Certificate { .. } => "certificate",
            SignError::Token { .. } => "token",
            SignError::Pdf(_) | SignError::Encrypted => "pdf",
            SignError::TooLarge { .. } | SignError::Der(_) => "signature",
            SignError::Timestamp { .. } => "timestamp",
            SignError::TsaUrl { .. } => "tsa_url",
        }
    }
}
