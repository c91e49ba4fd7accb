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
//! here panics.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use unicode_normalization::UnicodeNormalization;

/// Largest file accepted (bytes): a province's list is far smaller.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

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

/// Read CSV or XLSX, whichever the bytes are.
pub fn read(bytes: &[u8]) -> Result<Sheet, TabularError> {
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
        Format::Xlsx => read_xlsx(bytes),
        Format::Csv => read_csv(bytes),
    }
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
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| TabularError::Xlsx(e.to_string()))?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or(TabularError::NoSheet)?;
    let range = book
        .worksheet_range(&name)
        .map_err(|e| TabularError::Xlsx(e.to_string()))?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let mut rows = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let line = first_row + i + 1;
        let cells = row
            .iter()
            .map(|c| cell_text(c, line))
            .collect::<Result<Vec<_>, _>>()?;
        rows.push((line, cells));
    }
    split_header(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
