//! The one error type of the crate. Messages are in Vietnamese: they reach the office staff.

/// Why a report could not be rendered.
///
/// Table and row numbers in the variants count from 1, as a person reads the document.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A form's layout (reference data) names a column this program cannot fill.
    #[error("mẫu {form}: cột \"{key}\" trong bố cục không có dữ liệu tương ứng")]
    UnknownColumn { form: String, key: String },

    /// A table has no column.
    #[error("bảng thứ {table} không có cột nào")]
    NoColumns { table: usize },

    /// A column is too narrow (or not a finite number) to hold any text.
    #[error(
        "bảng thứ {table}, cột {column}: độ rộng {width_mm} mm không hợp lệ (tối thiểu {min_mm} mm)"
    )]
    ColumnWidth {
        table: usize,
        column: usize,
        width_mm: f32,
        min_mm: f32,
    },

    /// The columns together are wider than the text area between the margins.
    #[error(
        "bảng thứ {table} rộng {width_mm:.1} mm, vượt quá vùng soạn thảo {available_mm:.1} mm giữa hai lề"
    )]
    TableTooWide {
        table: usize,
        width_mm: f32,
        available_mm: f32,
    },

    /// A row does not have one cell per column (a group row may have a single cell).
    #[error("bảng thứ {table}, dòng {row}: có {found} ô nhưng bảng có {expected} cột")]
    RowCells {
        table: usize,
        row: usize,
        expected: usize,
        found: usize,
    },

    /// A table's header row with one line of body under it does not fit on a page.
    #[error("bảng thứ {table}: dòng tiêu đề của bảng cao hơn một trang, hãy rút gọn tên cột")]
    HeaderTooTall { table: usize },

    /// An embedded font could not be parsed.
    #[error("không nạp được phông chữ {name}")]
    Font { name: &'static str },

    /// The PDF writer reported an error.
    #[error("lỗi khi ghi tệp PDF: {0}")]
    Pdf(String),

    /// The text is too long for a QR code.
    #[error("không tạo được mã QR: {0}")]
    Qr(String),

    /// The XLSX writer reported an error.
    #[error("lỗi khi ghi tệp XLSX: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}
