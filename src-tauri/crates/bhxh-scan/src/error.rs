//! Why a scan was refused: Vietnamese, for the digitisation desk.

/// Why a scan was refused. Vietnamese, for the digitisation desk.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("Trang {page}: không phải ảnh JPEG, PNG hoặc TIFF.")]
    UnknownFormat { page: usize },
    #[error("Trang {page}: ảnh JPEG hỏng ({detail}).")]
    BadJpeg { page: usize, detail: String },
    #[error("Trang {page}: ảnh PNG hỏng ({detail}).")]
    BadPng { page: usize, detail: String },
    #[error("Trang {page}: ảnh TIFF hỏng hoặc không đọc được ({detail}).")]
    BadTiff { page: usize, detail: String },
    #[error("Trang {page} của tệp PDF: {detail}.")]
    BadPdfPage { page: usize, detail: String },
    #[error("Không có trang nào để ghép.")]
    NoPages,
    #[error("Tệp PDF hỏng hoặc bị cắt cụt ({0}).")]
    BadPdf(String),
    #[error("Tệp PDF được đặt mật khẩu hoặc mã hóa: hãy xin bản không khóa để lưu trữ.")]
    EncryptedPdf,
    #[error("không nạp được phông chữ: {0}")]
    Font(String),
    #[error("lỗi khi ghi tệp PDF: {0}")]
    Pdf(String),
    #[error("Góc xoay {0}° không hợp lệ: chỉ xoay theo bội của 90° (90, 180, 270).")]
    Rotation(i32),
}
