//! Imported lists as plain text rows.
//!
//! Offices receive participant lists as CSV (from other systems) or XLSX
//! (from Excel). This crate reads either into a [`Sheet`]: the header row and
//! the data rows as NFC text, each with the line (CSV) or row (XLSX) number a
//! person would look for in the file. Dates in XLSX date cells come out as
//! `YYYY-MM-DD`; numbers that are whole come out without a decimal point, so
//! a 12-digit ID typed as a number reads back as its digits.
//!
//! Malformed input is an error naming the line and what is wrong; nothing
//! here panics. A file is outside input: what it claims is never allocated
//! before it is checked against [`Limits`] (columns, rows, cells), so a
//! 1.5 KB workbook with A1 and XFD1048576 filled is a plain error, not the
//! 500 GB grid a spreadsheet reader would otherwise lay out.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use unicode_normalization::UnicodeNormalization;

/// Largest file accepted (bytes): a province's list is far smaller.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// How big a list may be: checked as it is read, before anything of the
/// claimed size is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Columns (a participant list has a few dozen).
    pub columns: usize,
    /// Rows, counted as the file numbers them (Excel's own maximum).
    pub rows: usize,
    /// Cells of the rows as laid out (each row as wide as its last
    /// filled cell), summed.
    pub cells: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            columns: 256,
            rows: 1_048_576,
            cells: 16_000_000,
        }
    }
}

/// The A1 name of the cell at (0-based) `row`, `col`.
fn a1(row: u64, col: u64) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        let r = ((c - 1) % 26) as u8;
        letters.push(char::from(b'A' + r));
        c = (c - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(row + 1).to_string()
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TabularError {
    #[error("Tệp rỗng.")]
    Empty,
    #[error("Tệp quá lớn ({size} byte); giới hạn là {limit} byte.")]
    TooLarge { size: usize, limit: usize },
    #[error("Không nhận ra định dạng tệp: chỉ nhận CSV (UTF-8) hoặc Excel XLSX.")]
    UnknownFormat,
    #[error(
        "Tệp CSV không phải văn bản UTF-8 (byte lỗi ở dòng {line}); hãy lưu lại với mã hóa UTF-8."
    )]
    NotUtf8 { line: usize },
    #[error("Tệp CSV lỗi ở dòng {line}: {detail}")]
    Csv { line: usize, detail: String },
    #[error("Tệp XLSX hỏng hoặc không đọc được: {0}")]
    Xlsx(String),
    #[error("Tệp XLSX không có trang tính nào.")]
    NoSheet,
    #[error("Dòng {line} có ô lỗi công thức ({detail}).")]
    CellError { line: usize, detail: String },
    #[error(
        "Ô {cell} nằm ngoài giới hạn {limit} cột của một danh sách (tệp hỏng, hoặc có ô bị điền ở xa vùng dữ liệu); hãy xóa các cột thừa rồi lưu lại."
    )]
    TooWide { cell: String, limit: usize },
    #[error("Dòng {line} vượt quá giới hạn {limit} dòng của một danh sách.")]
    TooManyRows { line: usize, limit: usize },
    #[error(
        "Danh sách có hơn {limit} ô: quá lớn để nhập một lần (hoặc tệp hỏng); hãy chia thành nhiều tệp."
    )]
    TooManyCells { limit: usize },
}

/// A list read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub headers: Vec<String>,
    /// `(line number in the file, cells)`; blank rows are left out.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// What kind of file the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// XLSX is a ZIP file; anything else that is text is taken as CSV.
pub fn sniff(bytes: &[u8]) -> Format {
    if bytes.starts_with(b"PK\x03\x04") {
        Format::Xlsx
    } else {
        Format::Csv
    }
}

/// Read CSV or XLSX, whichever the bytes are, within the default [`Limits`].
pub fn read(bytes: &[u8]) -> Result<Sheet, TabularError> {
    read_within(bytes, &Limits::default())
}

/// [`read`] within `limits`.
pub fn read_within(bytes: &[u8], limits: &Limits) -> Result<Sheet, TabularError> {
    if bytes.is_empty() {
        return Err(TabularError::Empty);
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(TabularError::TooLarge {
            size: bytes.len(),
            limit: MAX_FILE_BYTES,
        });
    }
    match sniff(bytes) {
        Format::Xlsx => read_xlsx_within(bytes, limits),
        Format::Csv => read_csv_within(bytes, limits),
    }
}

/// A worksheet whose `<dimension ref="…">` runs backwards (its last cell
/// before its first, e.g. `B5:A1`), said in Vietnamese; `None` when every
/// part is fine or is not a ZIP at all (calamine then says what is wrong).
///
/// calamine 0.38 subtracts a dimension's first cell from its last without a
/// check (`xlsx::get_dimension`), which panics in a build with overflow
/// checks (found by the `tabular` fuzz target). Every part of the file is
/// looked at (a workbook may put its sheets at any path), each read up to
/// where its cells begin: at most 1 MiB decompressed per part and 16 MiB in
/// all, so a ZIP bomb costs no more than that.
fn backwards_dimension(bytes: &[u8]) -> Option<String> {
    use std::io::Read;
    const HEAD: u64 = 1 << 20;
    let mut budget: u64 = 16 << 20;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    for i in 0..zip.len() {
        if budget == 0 {
            break;
        }
        let Ok(part) = zip.by_index(i) else { continue };
        let Ok(name) = part.name().map(|n| n.into_owned()) else {
            continue;
        };
        // What was read counts even when the part then fails its checksum:
        // calamine acts on the dimension before it reaches the end.
        let mut head = Vec::new();
        let _ = part.take(HEAD.min(budget)).read_to_end(&mut head);
        budget = budget.saturating_sub(head.len() as u64);
        let text = String::from_utf8_lossy(&head);
        let text = text.split("<sheetData").next().unwrap_or_default();
        let mut rest = text;
        while let Some(at) = rest.find("<dimension") {
            rest = &rest[at + "<dimension".len()..];
            let Some(r) = rest.find("ref=") else { break };
            let value = &rest[r + 4..];
            let Some(quote) = value.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                continue;
            };
            let value = &value[1..];
            let Some(end) = value.find(quote) else { break };
            let range = &value[..end];
            if let Some((first, last)) = range.split_once(':')
                && let (Some(a), Some(b)) = (cell_ref(first), cell_ref(last))
                && (b.0 < a.0 || b.1 < a.1)
            {
                return Some(format!(
                    "trang tính {name} khai vùng dữ liệu \"{range}\" ngược (ô cuối đứng trước ô đầu)"
                ));
            }
        }
    }
    None
}

/// An A1 reference ("$B$12" too) as (row, column) from 1; `None` otherwise.
fn cell_ref(a1: &str) -> Option<(u64, u64)> {
    let a1 = a1.trim().replace('$', "");
    let letters = a1.chars().take_while(char::is_ascii_alphabetic).count();
    let (col, row) = a1.split_at(letters);
    if col.is_empty() || col.len() > 3 || row.is_empty() || !row.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let col = col.bytes().fold(0u64, |n, b| {
        n * 26 + u64::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    Some((row.parse().ok()?, col))
}

fn clean(s: &str) -> String {
    s.trim().nfc().collect()
}

fn split_header(mut rows: Vec<(usize, Vec<String>)>) -> Result<Sheet, TabularError> {
    rows.retain(|(_, cells)| cells.iter().any(|c| !c.is_empty()));
    for (_, cells) in &mut rows {
        while cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
    }
    if rows.is_empty() {
        return Err(TabularError::Empty);
    }
    let (_, headers) = rows.remove(0);
    Ok(Sheet { headers, rows })
}

/// CSV in UTF-8 (a BOM is skipped). The delimiter is `,` or `;` (Excel in
/// Vietnamese locales writes `;`), chosen from the header line.
pub fn read_csv(bytes: &[u8]) -> Result<Sheet, TabularError> {
    read_csv_within(bytes, &Limits::default())
}

fn read_csv_within(bytes: &[u8], limits: &Limits) -> Result<Sheet, TabularError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(TabularError::NotUtf8 { line: 1 });
    }
    if bytes.contains(&0) {
        return Err(TabularError::UnknownFormat);
    }
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let semis = first_line.iter().filter(|b| **b == b';').count();
    let commas = first_line.iter().filter(|b| **b == b',').count();
    let delimiter = if semis > commas { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    // Line numbers as an editor shows them, from each record's byte offset,
    // counted incrementally (offsets only grow).
    let mut counted = (0usize, 1usize); // (offset, line at that offset)
    let mut line_at = |offset: u64| {
        let end = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        if end >= counted.0 {
            counted.1 += bytes[counted.0..end]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            counted.0 = end;
            counted.1
        } else {
            1 + bytes[..end].iter().filter(|b| **b == b'\n').count()
        }
    };
    let mut rows = Vec::new();
    let mut cells_total = 0usize;
    let mut record = csv::ByteRecord::new();
    loop {
        // Where this record starts: past the previous one and any blank lines.
        let mut start = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        let line = line_at(start as u64);
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(TabularError::Csv {
                    line,
                    detail: e.to_string(),
                });
            }
        }
        if record.len() > limits.columns {
            return Err(TabularError::TooWide {
                cell: a1(line.saturating_sub(1) as u64, record.len() as u64 - 1),
                limit: limits.columns,
            });
        }
        if line > limits.rows {
            return Err(TabularError::TooManyRows {
                line,
                limit: limits.rows,
            });
        }
        cells_total += record.len();
        if cells_total > limits.cells {
            return Err(TabularError::TooManyCells {
                limit: limits.cells,
            });
        }
        let mut cells = Vec::with_capacity(record.len());
        for field in record.iter() {
            let text = std::str::from_utf8(field).map_err(|_| TabularError::NotUtf8 { line })?;
            cells.push(clean(text));
        }
        rows.push((line, cells));
    }
    split_header(rows)
}

fn cell_text(cell: &Data, line: usize) -> Result<String, TabularError> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => clean(s),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(dt) => dt.date().format("%Y-%m-%d").to_string(),
            None => d.as_f64().to_string(),
        },
        Data::Error(e) => {
            return Err(TabularError::CellError {
                line,
                detail: format!("{e:?}"),
            });
        }
    })
}

/// The first worksheet of an XLSX workbook.
pub fn read_xlsx(bytes: &[u8]) -> Result<Sheet, TabularError> {
    read_xlsx_within(bytes, &Limits::default())
}

/// The first worksheet, cell by cell as the file lists them (never the
/// grid its dimension or its farthest cell claims), each checked against
/// `limits` before it is kept; then the rows, each as wide as its last
/// filled cell.
fn read_xlsx_within(bytes: &[u8], limits: &Limits) -> Result<Sheet, TabularError> {
    if let Some(why) = backwards_dimension(bytes) {
        return Err(TabularError::Xlsx(why));
    }
    let xlsx = |e: calamine::XlsxError| TabularError::Xlsx(e.to_string());
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(xlsx)?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or(TabularError::NoSheet)?;
    let mut reader = book.worksheet_cells_reader(&name).map_err(xlsx)?;
    // Filled cells by row: (column, text).
    let mut filled: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    let mut kept = 0usize;
    while let Some(cell) = reader.next_cell().map_err(xlsx)? {
        let (row, col) = cell.get_position();
        let line = row as usize + 1;
        if col as usize >= limits.columns {
            return Err(TabularError::TooWide {
                cell: a1(u64::from(row), u64::from(col)),
                limit: limits.columns,
            });
        }
        if line > limits.rows {
            return Err(TabularError::TooManyRows {
                line,
                limit: limits.rows,
            });
        }
        let data: Data = cell.get_value().clone().into();
        let text = cell_text(&data, line)?;
        if text.is_empty() {
            continue;
        }
        kept += 1;
        if kept > limits.cells {
            return Err(TabularError::TooManyCells {
                limit: limits.cells,
            });
        }
        filled.entry(row).or_default().push((col, text));
    }
    // The rows as laid out: checked before they are.
    let laid_out: usize = filled
        .values()
        .map(|cells| {
            cells
                .iter()
                .map(|(c, _)| *c as usize + 1)
                .max()
                .unwrap_or(0)
        })
        .sum();
    if laid_out > limits.cells {
        return Err(TabularError::TooManyCells {
            limit: limits.cells,
        });
    }
    let rows = filled
        .into_iter()
        .map(|(row, cells)| {
            let width = cells
                .iter()
                .map(|(c, _)| *c as usize + 1)
                .max()
                .unwrap_or(0);
            let mut out = vec![String::new(); width];
            for (c, text) in cells {
                if let Some(slot) = out.get_mut(c as usize) {
                    *slot = text;
                }
            }
            (row as usize + 1, out)
        })
        .collect();
    split_header(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_references_and_backwards_ranges() {
        assert_eq!(cell_ref("A1"), Some((1, 1)));
        assert_eq!(cell_ref("$AB$12"), Some((12, 28)));
        assert_eq!(cell_ref("XFD1048576"), Some((1_048_576, 16_384)));
        for bad in ["", "12", "A", "A1B", "ABCD1", "A-1"] {
            assert_eq!(cell_ref(bad), None, "{bad}");
        }
        // A real workbook written by rust_xlsxwriter has a forward dimension.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(2, 3, "x").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert_eq!(backwards_dimension(&bytes), None);
        assert!(read(&bytes).is_ok());
        // Not a ZIP at all: nothing to say here (calamine says it).
        assert_eq!(backwards_dimension(b"not a zip"), None);
    }

    #[test]
    fn csv_with_bom_semicolons_quotes_and_blank_lines() {
        let text = "\u{feff}Mã số BHXH;Họ và tên;Ngày sinh\r\n0123456789;\"Nguyễn Văn An\";01/02/1990\r\n\r\n0123456790;\"Lê, Thị Bình\";1991-03-04\r\n";
        let sheet = read(text.as_bytes()).unwrap();
        assert_eq!(sheet.headers, vec!["Mã số BHXH", "Họ và tên", "Ngày sinh"]);
        assert_eq!(sheet.rows.len(), 2);
        assert_eq!(
            sheet.rows[0],
            (
                2,
                vec![
                    "0123456789".to_string(),
                    "Nguyễn Văn An".into(),
                    "01/02/1990".into()
                ]
            )
        );
        assert_eq!(sheet.rows[1].0, 4, "line numbers count the blank line");
        assert_eq!(sheet.rows[1].1[1], "Lê, Thị Bình");
    }

    #[test]
    fn decomposed_text_is_composed() {
        let text = "Họ tên\nNguye\u{302}\u{303}n\n";
        let sheet = read(text.as_bytes()).unwrap();
        assert_eq!(sheet.rows[0].1[0], "Nguyễn");
    }

    #[test]
    fn malformed_input_gets_a_precise_error() {
        assert_eq!(read(b""), Err(TabularError::Empty));
        assert_eq!(read(b"\n\n ,\n"), Err(TabularError::Empty));
        assert_eq!(
            read(b"\xFF\xFEa\0b\0"),
            Err(TabularError::NotUtf8 { line: 1 })
        );
        let err = read(b"a,b\nx,\xC3\x28\n").unwrap_err();
        assert_eq!(err, TabularError::NotUtf8 { line: 2 });
        assert!(err.to_string().contains("dòng 2"));
        let err = read(b"a,b\n\"unterminated,x\n").map(|s| s.rows.len());
        // The csv crate reads an unterminated quote to the end of the file;
        // either way nothing panics and the row is not split silently.
        assert!(
            matches!(err, Ok(1) | Err(TabularError::Csv { .. })),
            "{err:?}"
        );
        assert!(matches!(
            read(b"PK\x03\x04garbage"),
            Err(TabularError::Xlsx(_))
        ));
    }

    #[test]
    fn xlsx_cells_come_back_as_text() {
        use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Workbook};
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "Số định danh").unwrap();
        ws.write_string(0, 1, "Họ và tên").unwrap();
        ws.write_string(0, 2, "Ngày sinh").unwrap();
        ws.write_number(1, 0, 17_090_012_345.0).unwrap();
        ws.write_string(1, 1, "Đặng Thị Hương").unwrap();
        let date = ExcelDateTime::from_ymd(1990, 2, 1).unwrap();
        ws.write_datetime_with_format(1, 2, &date, &XFormat::new().set_num_format("dd/mm/yyyy"))
            .unwrap();
        ws.write_string(3, 0, "001090012345").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let sheet = read(&bytes).unwrap();
        assert_eq!(
            sheet.headers,
            vec!["Số định danh", "Họ và tên", "Ngày sinh"]
        );
        assert_eq!(
            sheet.rows[0],
            (
                2,
                vec![
                    "17090012345".to_string(),
                    "Đặng Thị Hương".into(),
                    "1990-02-01".into()
                ]
            )
        );
        assert_eq!(sheet.rows[1], (4, vec!["001090012345".to_string()]));
    }

    /// A workbook with `cells` filled (row, column, text), as Excel saves it.
    fn workbook(cells: &[(u32, u16, &str)]) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (r, c, t) in cells {
            ws.write_string(*r, *c, *t).unwrap();
        }
        wb.save_to_buffer().unwrap()
    }

    #[test]
    fn a_tiny_workbook_claiming_a_huge_grid_is_a_plain_error() {
        // A1 and XFD1048576: the whole grid of a worksheet, 17 billion
        // cells laid out by a reader that trusts the file (an abort),
        // in a file of about a kilobyte and a half.
        let bytes = workbook(&[(0, 0, "Họ và tên"), (1_048_575, 16_383, "x")]);
        assert!(bytes.len() < 8 * 1024, "{} bytes", bytes.len());
        let err = read(&bytes).unwrap_err();
        assert_eq!(
            err,
            TabularError::TooWide {
                cell: "XFD1048576".into(),
                limit: 256
            }
        );
        assert!(
            err.to_string()
                .contains("Ô XFD1048576 nằm ngoài giới hạn 256 cột")
        );
        // Far down but in the columns: two rows, read at once.
        let far = workbook(&[(0, 0, "Họ và tên"), (1_048_575, 0, "Lò Văn Pâng")]);
        let sheet = read(&far).unwrap();
        assert_eq!(
            sheet.rows,
            vec![(1_048_576, vec!["Lò Văn Pâng".to_string()])]
        );
    }

    #[test]
    fn rows_and_cells_beyond_the_limits_are_refused_before_they_are_laid_out() {
        let small = Limits {
            columns: 10,
            rows: 100,
            cells: 50,
        };
        // Each row as wide as its last cell: 6 rows ending in column J.
        let cells: Vec<(u32, u16, &str)> = (0..6).map(|r| (r, 9, "x")).collect();
        let err = read_within(&workbook(&cells), &small).unwrap_err();
        assert_eq!(err, TabularError::TooManyCells { limit: 50 });
        let err = read_within(&workbook(&[(100, 0, "x")]), &small).unwrap_err();
        assert_eq!(
            err,
            TabularError::TooManyRows {
                line: 101,
                limit: 100
            }
        );
        // CSV: a line of commas, too many lines, too many cells.
        let wide = format!("a{}\n", ",".repeat(300));
        let err = read(wide.as_bytes()).unwrap_err();
        assert_eq!(
            err,
            TabularError::TooWide {
                cell: "KO1".into(),
                limit: 256
            }
        );
        let long = "a\n".repeat(1_048_577);
        let err = read(long.as_bytes()).unwrap_err();
        assert_eq!(
            err,
            TabularError::TooManyRows {
                line: 1_048_577,
                limit: 1_048_576
            }
        );
        let many = "a,b,c,d,e\n".repeat(11);
        let err = read_within(many.as_bytes(), &small).unwrap_err();
        assert_eq!(err, TabularError::TooManyCells { limit: 50 });
    }
}
