//! Finding the signatures a PDF carries, with the exact bytes each covers.

use lopdf::{Document, Object};

use crate::error::SignError;

/// One signature field's value as the PDF holds it.
#[derive(Debug, Clone)]
pub struct PdfSignature {
    /// The field's name (`/T`).
    pub field: String,
    /// `/ByteRange`, as written.
    pub byte_range: Vec<i64>,
    /// `/Contents`, decoded (the CMS, zero-padded).
    pub contents: Vec<u8>,
    /// `/SubFilter`.
    pub sub_filter: String,
    /// `/M`, as written (`D:…`).
    pub m: Option<String>,
    pub name: Option<String>,
    pub reason: Option<String>,
    pub location: Option<String>,
}

/// A PDF text string (UTF-16BE with BOM, or PDFDocEncoding read as Latin-1).
pub fn decode_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        bytes.iter().map(|b| char::from(*b)).collect()
    }
}

fn string_of(d: &lopdf::Dictionary, key: &[u8]) -> Option<String> {
    match d.get(key).ok()? {
        Object::String(s, _) => Some(decode_text(s)),
        _ => None,
    }
}

/// The document's signatures, in the order of their byte ranges (the
/// earliest revision first). A PDF that does not parse is an error; a PDF
/// without signatures gives an empty list.
pub fn signatures(pdf: &[u8]) -> Result<(Document, Vec<PdfSignature>), SignError> {
    let doc = Document::load_mem(pdf).map_err(|e| SignError::Pdf(e.to_string()))?;
    let mut out = Vec::new();
    for o in doc.objects.values() {
        let Ok(field) = o.as_dict() else { continue };
        if field.get(b"FT").and_then(Object::as_name).ok() != Some(b"Sig".as_slice()) {
            continue;
        }
        let Ok(v) = field.get(b"V") else { continue };
        let Ok((_, value)) = doc.dereference(v) else {
            continue;
        };
        let Ok(sig) = value.as_dict() else { continue };
        let byte_range = sig
            .get(b"ByteRange")
            .and_then(Object::as_array)
            .map(|a| a.iter().filter_map(|x| x.as_i64().ok()).collect())
            .unwrap_or_default();
        let contents = match sig.get(b"Contents") {
            Ok(Object::String(s, _)) => s.clone(),
            _ => Vec::new(),
        };
        out.push(PdfSignature {
            field: string_of(field, b"T").unwrap_or_default(),
            byte_range,
            contents,
            sub_filter: sig
                .get(b"SubFilter")
                .and_then(Object::as_name)
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .unwrap_or_default(),
            m: string_of(sig, b"M"),
            name: string_of(sig, b"Name"),
            reason: string_of(sig, b"Reason"),
            location: string_of(sig, b"Location"),
        });
    }
    out.sort_by_key(|s| {
        s.byte_range.get(3).copied().unwrap_or(0) + s.byte_range.get(2).copied().unwrap_or(0)
    });
    Ok((doc, out))
}

/// A PDF date `D:YYYYMMDDHHmmSS+HH'mm'` (trailing parts optional) in
/// seconds since the epoch.
pub fn parse_pdf_date(s: &str) -> Option<i64> {
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() < 4 {
        return None;
    }
    let field = |from: usize, len: usize, default: u32| -> Option<u32> {
        match digits.get(from..from + len) {
            Some(v) => v.parse().ok(),
            None => Some(default),
        }
    };
    let year: i32 = digits.get(0..4)?.parse().ok()?;
    let date = chrono::NaiveDate::from_ymd_opt(year, field(4, 2, 1)?, field(6, 2, 1)?)?;
    let time = date.and_hms_opt(field(8, 2, 0)?, field(10, 2, 0)?, field(12, 2, 0)?)?;
    let rest = &s[digits.len()..];
    let offset = match rest.chars().next() {
        Some(c @ ('+' | '-')) => {
            let nums: Vec<i64> = rest[1..]
                .split('\'')
                .filter(|p| !p.is_empty())
                .filter_map(|p| p.parse().ok())
                .collect();
            let secs =
                nums.first().copied().unwrap_or(0) * 3600 + nums.get(1).copied().unwrap_or(0) * 60;
            if c == '-' { -secs } else { secs }
        }
        _ => 0,
    };
    Some(time.and_utc().timestamp() - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates_read_with_their_offset() {
        assert_eq!(
            parse_pdf_date("D:20261202091500+07'00'"),
            Some(1_796_177_700)
        );
        assert_eq!(parse_pdf_date("D:20261202021500Z"), Some(1_796_177_700));
        assert_eq!(parse_pdf_date("D:2026"), Some(1_767_225_600));
        assert_eq!(parse_pdf_date("D:20261345"), None);
        assert_eq!(parse_pdf_date("garbage"), None);
    }

    #[test]
    fn text_strings_decode() {
        assert_eq!(decode_text(&[0xFE, 0xFF, 0x01, 0x10, 0x00, 0xE0]), "Đà");
        assert_eq!(decode_text(b"Ha Noi"), "Ha Noi");
    }
}
