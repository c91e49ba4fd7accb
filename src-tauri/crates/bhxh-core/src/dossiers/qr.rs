//! The QR code printed top left on the papers the desk issues (Circular
//! 01/2023/TT-VPCP Art. 26): dossier code, procedure code, applicant
//! identifier, document name, issuing system and time of issue; a receipt
//! adds the return date.
//!
//! The text is positional and pipe-separated, like the QR code on the front
//! of a CCCD: `BHXHDESK|1|form|dossier code|procedure code|ID number|paper
//! name|issuing system|time of issue|return date`. Short text keeps the code
//! small enough (version 8 or so) to decode from a 200 dpi scan. The same text
//! is read back from a receipt laid on a scan as a cover sheet, so [`parse`]
//! takes any bytes a decoder hands it and rejects what is not ours with a
//! precise message.

use chrono::{NaiveDate, Timelike};
use serde::Serialize;

use crate::Timestamp;

/// First field of every text this app prints.
pub const MAGIC: &str = "BHXHDESK";
/// The version this build writes and reads.
pub const VERSION: u32 = 1;
/// Longest text accepted: a QR code holds under 3 KB anyway.
const MAX_LEN: usize = 2048;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaperQr {
    /// Payload version.
    pub v: u32,
    /// Form number of the paper ("01" receipt, "02", "03", "05", …).
    pub form: String,
    /// Mã hồ sơ.
    pub ma_ho_so: String,
    /// Mã thủ tục hành chính.
    pub ma_tthc: String,
    /// The applicant's 12-digit personal ID number.
    pub dinh_danh: String,
    /// Name of the paper ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả").
    pub ten_giay_to: String,
    /// The issuing system and office.
    pub he_thong: String,
    /// Time of issue, RFC 3339 with offset.
    pub thoi_diem: Timestamp,
    /// Return date (receipts only).
    pub hen_tra: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("Mã QR rỗng.")]
    Empty,
    #[error("Mã QR dài {0} byte, quá dài để là mã của BHXH Desk.")]
    TooLong(usize),
    #[error("Mã QR không phải của giấy tờ do BHXH Desk in ra: {0}")]
    NotOurs(String),
    #[error("Mã QR phiên bản {0}, phiên bản này chỉ đọc được phiên bản {VERSION}.")]
    Version(u32),
    #[error("Mã QR có trường \"{field}\" không hợp lệ: {detail}")]
    Field { field: &'static str, detail: String },
}

impl PaperQr {
    /// The text to encode. A field holding `|` cannot be encoded; [`Self::new`]
    /// has refused it already.
    pub fn to_text(&self) -> String {
        [
            MAGIC.to_owned(),
            self.v.to_string(),
            self.form.clone(),
            self.ma_ho_so.clone(),
            self.ma_tthc.clone(),
            self.dinh_danh.clone(),
            self.ten_giay_to.clone(),
            self.he_thong.clone(),
            self.thoi_diem
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            self.hen_tra.map(|d| d.to_string()).unwrap_or_default(),
        ]
        .join("|")
    }

    /// A payload for a paper, checked as [`parse`] would check it.
    #[allow(clippy::too_many_arguments)] // the fields of Art. 26, each named
    pub fn new(
        form: &str,
        ma_ho_so: &str,
        ma_tthc: &str,
        dinh_danh: &str,
        ten_giay_to: &str,
        he_thong: &str,
        thoi_diem: Timestamp,
        hen_tra: Option<NaiveDate>,
    ) -> Result<PaperQr, QrError> {
        let qr = PaperQr {
            v: VERSION,
            form: form.to_owned(),
            ma_ho_so: ma_ho_so.to_owned(),
            ma_tthc: ma_tthc.to_owned(),
            dinh_danh: dinh_danh.to_owned(),
            ten_giay_to: ten_giay_to.to_owned(),
            he_thong: he_thong.to_owned(),
            thoi_diem: thoi_diem.with_nanosecond(0).unwrap_or(thoi_diem),
            hen_tra,
        };
        parse(qr.to_text().as_bytes())
    }
}

/// Read a QR text back.
pub fn parse(bytes: &[u8]) -> Result<PaperQr, QrError> {
    if bytes.is_empty() {
        return Err(QrError::Empty);
    }
    if bytes.len() > MAX_LEN {
        return Err(QrError::TooLong(bytes.len()));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| QrError::NotOurs(format!("không phải văn bản UTF-8 ({e})")))?;
    let f: Vec<&str> = text.trim_end_matches(['\r', '\n']).split('|').collect();
    if f.first() != Some(&MAGIC) {
        return Err(QrError::NotOurs(format!("không bắt đầu bằng \"{MAGIC}|\"")));
    }
    let v: u32 = f
        .get(1)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| QrError::NotOurs("thiếu số phiên bản".to_owned()))?;
    if v != VERSION {
        return Err(QrError::Version(v));
    }
    if f.len() != 10 {
        return Err(QrError::NotOurs(format!(
            "có {} trường, cần đúng 10 (dấu \"|\" trong dữ liệu?)",
            f.len()
        )));
    }
    let thoi_diem = chrono::DateTime::parse_from_rfc3339(f[8]).map_err(|e| QrError::Field {
        field: "thoi_diem",
        detail: format!("\"{}\": {e}", f[8]),
    })?;
    let hen_tra = match f[9] {
        "" => None,
        d => Some(
            NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|e| QrError::Field {
                field: "hen_tra",
                detail: format!("\"{d}\": {e}"),
            })?,
        ),
    };
    let qr = PaperQr {
        v,
        form: f[2].to_owned(),
        ma_ho_so: f[3].to_owned(),
        ma_tthc: f[4].to_owned(),
        dinh_danh: f[5].to_owned(),
        ten_giay_to: f[6].to_owned(),
        he_thong: f[7].to_owned(),
        thoi_diem,
        hen_tra,
    };
    let field = |field: &'static str, detail: &str| QrError::Field {
        field,
        detail: detail.to_owned(),
    };
    if qr.ma_ho_so.trim().is_empty() || qr.ma_ho_so.len() > 64 {
        return Err(field("ma_ho_so", "mã hồ sơ rỗng hoặc dài quá 64 ký tự"));
    }
    if qr.dinh_danh.len() != 12 || !qr.dinh_danh.bytes().all(|b| b.is_ascii_digit()) {
        return Err(field("dinh_danh", "số định danh phải gồm 12 chữ số"));
    }
    if qr.form.len() != 2 || !qr.form.bytes().all(|b| b.is_ascii_digit()) {
        return Err(field("form", "số hiệu mẫu phải gồm 2 chữ số"));
    }
    Ok(qr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PaperQr {
        PaperQr {
            v: VERSION,
            form: "01".into(),
            ma_ho_so: "000.00.00.H41-260305-0007".into(),
            ma_tthc: "1.001667".into(),
            dinh_danh: "001093047064".into(),
            ten_giay_to: "Giấy tiếp nhận hồ sơ và hẹn trả kết quả".into(),
            he_thong: "BHXH Desk 000.00.00.H41".into(),
            thoi_diem: crate::parse_ts("2026-03-05T09:30:00+07:00").unwrap(),
            hen_tra: NaiveDate::from_ymd_opt(2026, 3, 12),
        }
    }

    #[test]
    fn a_payload_reads_back_field_by_field() {
        let q = sample();
        assert_eq!(parse(q.to_text().as_bytes()).unwrap(), q);
    }

    #[test]
    fn foreign_and_damaged_texts_are_refused_precisely() {
        let text = sample().to_text();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (Vec::new(), "rỗng"),
            (vec![0xff, 0xfe], "UTF-8"),
            (b"https://dichvucong.gov.vn".to_vec(), "BHXHDESK|"),
            // The QR on the front of a CCCD is pipe-separated too.
            (
                b"001093047064|123456789|Nguyen Van A|05011993|Nam|Ha Noi|01012021".to_vec(),
                "BHXHDESK|",
            ),
            (
                text.split('|')
                    .take(5)
                    .collect::<Vec<_>>()
                    .join("|")
                    .into_bytes(),
                "cần đúng 10",
            ),
            (text.replacen("|1|", "|9|", 1).into_bytes(), "phiên bản 9"),
            (text.replacen("|1|", "|x|", 1).into_bytes(), "phiên bản"),
            (
                text.replace("001093047064", "00109304706").into_bytes(),
                "dinh_danh",
            ),
            (text.replacen("|01|", "|1|", 1).into_bytes(), "form"),
            (
                text.replace("2026-03-05T", "2026-13-05T").into_bytes(),
                "thoi_diem",
            ),
            (
                text.replace("2026-03-12", "12/03/2026").into_bytes(),
                "hen_tra",
            ),
            (format!("{text}|thừa").into_bytes(), "cần đúng 10"),
            (vec![b'B'; 5000], "quá dài"),
        ];
        for (bytes, needle) in cases {
            let err = parse(&bytes).unwrap_err().to_string();
            assert!(err.contains(needle), "{needle}: {err}");
        }
    }

    #[test]
    fn a_field_holding_the_separator_is_refused_when_built() {
        let q = sample();
        let err =
            PaperQr::new("01", "A|B", "x", &q.dinh_danh, "t", "h", q.thoi_diem, None).unwrap_err();
        assert!(err.to_string().contains("cần đúng 10"), "{err}");
        let ok = PaperQr::new(
            "01",
            &q.ma_ho_so,
            &q.ma_tthc,
            &q.dinh_danh,
            &q.ten_giay_to,
            &q.he_thong,
            q.thoi_diem,
            q.hen_tra,
        )
        .unwrap();
        assert_eq!(ok, q);
    }
}
