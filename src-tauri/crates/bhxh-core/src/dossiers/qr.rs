//! The QR code printed top left on the papers the desk issues (Circular
//! 01/2023/TT-VPCP Art. 26): dossier code, procedure code, applicant
//! identifier, document name, issuing system and time of issue; a receipt
//! adds the return date.
//!
//! The text is positional and pipe-separated, like the QR code on the front
//! of a CCCD: `BHXHDESK|3|form|dossier code|procedure code|ID number|paper
//! name|issuing system|time of issue|return date|organisation|MAC`, where
//! the organisation is the tax code of an employer filing the dossier
//! (empty for a person). Version 2 texts (no organisation field) are still
//! read and trusted: receipts printed before the upgrade keep working as
//! scan-inbox cover sheets. Short text keeps the
//! code small enough (version 9 or so) to decode from a 200 dpi scan. The same
//! text is read back from a receipt laid on a scan as a cover sheet, so
//! [`parse`] takes any bytes a decoder hands it and rejects what is not ours
//! with a precise message.
//!
//! ## The MAC
//! The last field is HMAC-SHA-256, keyed by the store's own paper key (kept
//! only in the OS keyring; the caller hands it in), over every byte of the
//! text before `|MAC`, truncated to its first 128 bits and written in
//! unpadded base64url (22 characters). So a cover sheet the scan inbox
//! trusts was printed by this store: a text typed by hand, a receipt of
//! another office, or one whose code or ID was changed fails
//! [`ReadQr::verify`]. Version 1 texts (no MAC, printed before) still
//! parse, so that the inbox can say why they are refused
//! ([`QrError::Unsigned`]); they are never trusted.

use base64ct::{Base64UrlUnpadded, Encoding};
use chrono::{NaiveDate, Timelike};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::Timestamp;

/// First field of every text this app prints.
pub const MAGIC: &str = "BHXHDESK";
/// The version this build writes.
pub const VERSION: u32 = 3;
/// The signed version printed before the organisation field: read and trusted.
pub const SIGNED_V2: u32 = 2;
/// The version printed before covers carried a MAC: read, never trusted.
pub const UNSIGNED_VERSION: u32 = 1;
/// Bytes of HMAC-SHA-256 kept (128 bits).
pub const MAC_BYTES: usize = 16;
/// Their length in unpadded base64url.
const MAC_CHARS: usize = 22;
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
    /// The organisation filing (its tax code), empty for a person.
    pub to_chuc: String,
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
    #[error(
        "giấy in theo mẫu cũ, mã QR không có mã xác thực nên không tin được; hãy in lại giấy tiếp nhận của hồ sơ {0} và quét lại, hoặc xếp các trang này vào hồ sơ bằng tay"
    )]
    Unsigned(String),
    #[error(
        "mã xác thực của mã QR không đúng: giấy không do kho dữ liệu này in ra, hoặc nội dung mã đã bị sửa"
    )]
    BadMac,
}

/// A QR text as read: its fields, and the MAC it carried over the text
/// before it (none in a version 1 text).
#[derive(Debug, Clone, PartialEq)]
pub struct ReadQr {
    qr: PaperQr,
    mac: Option<[u8; MAC_BYTES]>,
    /// The bytes the MAC covers.
    covered: String,
}

impl ReadQr {
    /// Whether the text was printed by the store whose paper key is `key`:
    /// the MAC is there and right (compared in constant time).
    pub fn verify(&self, key: &[u8; 32]) -> Result<&PaperQr, QrError> {
        let Some(mac) = &self.mac else {
            return Err(QrError::Unsigned(self.qr.ma_ho_so.clone()));
        };
        let mut m = hmac_of(key);
        m.update(self.covered.as_bytes());
        m.verify_truncated_left(mac).map_err(|_| QrError::BadMac)?;
        Ok(&self.qr)
    }

    /// The fields, whether or not the MAC holds (for messages only).
    pub fn unverified(&self) -> &PaperQr {
        &self.qr
    }
}

fn hmac_of(key: &[u8; 32]) -> Hmac<Sha256> {
    // HMAC takes a key of any length: this cannot fail.
    match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    }
}

/// The MAC field of `covered`: HMAC-SHA-256 under `key`, its first
/// [`MAC_BYTES`] bytes, unpadded base64url.
fn mac_text(key: &[u8; 32], covered: &str) -> String {
    let mut m = hmac_of(key);
    m.update(covered.as_bytes());
    let full = m.finalize().into_bytes();
    Base64UrlUnpadded::encode_string(&full[..MAC_BYTES])
}

impl PaperQr {
    /// Why this verified paper does not belong to `dossier` any more (the
    /// dossier's applicant or procedure changed after it was printed), or
    /// `None` when it does. `on` says where the QR was read ("trên giấy",
    /// "trên bìa"). The one check the find box and the scan inbox share.
    pub fn disagrees_with(&self, dossier: &super::Dossier, on: &str) -> Option<String> {
        if dossier.applicant_id != self.dinh_danh {
            return Some(format!(
                "số định danh {} {on} không phải của người nộp hồ sơ {}",
                self.dinh_danh, dossier.code
            ));
        }
        if dossier.procedure_code != self.ma_tthc {
            return Some(format!(
                "mã thủ tục {} {on} không phải thủ tục của hồ sơ {} ({})",
                self.ma_tthc, dossier.code, dossier.procedure_code
            ));
        }
        None
    }

    /// The text to encode, signed with the store's paper key `key`. A field
    /// holding `|` cannot be encoded; [`Self::new`] has refused it already.
    pub fn to_signed_text(&self, key: &[u8; 32]) -> String {
        let covered = self.unsigned_text();
        let mac = mac_text(key, &covered);
        format!("{covered}|{mac}")
    }

    /// The fields as text, without the MAC (what the MAC covers; with
    /// `v` = 1, the text of a paper printed before there was a MAC).
    pub fn unsigned_text(&self) -> String {
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
        .into_iter()
        .chain((self.v >= VERSION).then(|| self.to_chuc.clone()))
        .collect::<Vec<_>>()
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
            to_chuc: String::new(),
        };
        check_fields(&qr)?;
        if qr.to_fields().len() != 11 {
            return Err(QrError::NotOurs(format!(
                "có {} trường, cần đúng 12 (dấu \"|\" trong dữ liệu?)",
                qr.to_fields().len() + 1
            )));
        }
        Ok(qr)
    }

    /// The same payload for a dossier an organisation files: its tax code
    /// (10 digits, or 10-3 for a branch) is carried in the code.
    pub fn with_organisation(mut self, tax_code: &str) -> Result<PaperQr, QrError> {
        self.to_chuc = tax_code.trim().to_owned();
        check_fields(&self)?;
        Ok(self)
    }

    fn to_fields(&self) -> Vec<String> {
        self.unsigned_text().split('|').map(str::to_owned).collect()
    }
}

/// Read a QR text back: its fields and MAC, checked for form only. Whether
/// the store printed it is [`ReadQr::verify`]'s to say.
pub fn parse(bytes: &[u8]) -> Result<ReadQr, QrError> {
    if bytes.is_empty() {
        return Err(QrError::Empty);
    }
    if bytes.len() > MAX_LEN {
        return Err(QrError::TooLong(bytes.len()));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| QrError::NotOurs(format!("không phải văn bản UTF-8 ({e})")))?;
    let text = text.trim_end_matches(['\r', '\n']);
    let f: Vec<&str> = text.split('|').collect();
    if f.first() != Some(&MAGIC) {
        return Err(QrError::NotOurs(format!("không bắt đầu bằng \"{MAGIC}|\"")));
    }
    let v: u32 = f
        .get(1)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| QrError::NotOurs("thiếu số phiên bản".to_owned()))?;
    let want = match v {
        VERSION => 12,
        SIGNED_V2 => 11,
        UNSIGNED_VERSION => 10,
        other => return Err(QrError::Version(other)),
    };
    if f.len() != want {
        return Err(QrError::NotOurs(format!(
            "có {} trường, cần đúng {want} (dấu \"|\" trong dữ liệu?)",
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
    let mac = match f.get(if v >= VERSION { 11 } else { 10 }) {
        None => None,
        Some(m) => {
            let mut out = [0u8; MAC_BYTES];
            match Base64UrlUnpadded::decode(m.as_bytes(), &mut out) {
                Ok(d) if m.len() == MAC_CHARS && d.len() == MAC_BYTES => Some(out),
                _ => {
                    return Err(QrError::Field {
                        field: "mac",
                        detail: format!(
                            "mã xác thực phải gồm {MAC_CHARS} ký tự base64url, có \"{}\"",
                            m.chars().take(40).collect::<String>()
                        ),
                    });
                }
            }
        }
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
        to_chuc: if v >= VERSION {
            f[10].to_owned()
        } else {
            String::new()
        },
    };
    check_fields(&qr)?;
    let covered = match text.rfind('|') {
        Some(at) if mac.is_some() => text[..at].to_owned(),
        _ => text.to_owned(),
    };
    Ok(ReadQr { qr, mac, covered })
}

fn check_fields(qr: &PaperQr) -> Result<(), QrError> {
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
    if !qr.to_chuc.is_empty() && !crate::dossiers::is_tax_code(&qr.to_chuc) {
        return Err(field(
            "to_chuc",
            "mã số thuế của tổ chức phải gồm 10 chữ số, hoặc 10 chữ số, dấu \"-\" và 3 chữ số",
        ));
    }
    Ok(())
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
            to_chuc: String::new(),
        }
    }

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn a_payload_reads_back_field_by_field_and_its_mac_holds() {
        let q = sample();
        let text = q.to_signed_text(&KEY);
        assert_eq!(text.rsplit('|').next().unwrap().len(), 22);
        let read = parse(text.as_bytes()).unwrap();
        assert_eq!(read.verify(&KEY).unwrap(), &q);
        // A receipt of another store (another key) does not.
        assert_eq!(read.verify(&[8; 32]), Err(QrError::BadMac));
    }

    #[test]
    fn the_cheapest_forgeries_are_refused() {
        let text = sample().to_signed_text(&KEY);
        // Another dossier's code (or ID, or any byte) with the MAC kept.
        for (from, to) in [
            ("-0007|", "-0008|"),
            ("001093047064", "001093047065"),
            ("2026-03-12", "2026-03-13"),
        ] {
            let forged = text.replacen(from, to, 1);
            assert_ne!(forged, text);
            let read = parse(forged.as_bytes()).unwrap();
            assert_eq!(read.verify(&KEY), Err(QrError::BadMac), "{from}");
        }
        // The old, unsigned form: read, never trusted, and says why.
        let mut old = sample();
        old.v = UNSIGNED_VERSION;
        let read = parse(old.unsigned_text().as_bytes()).unwrap();
        let err = read.verify(&KEY).unwrap_err();
        assert!(matches!(err, QrError::Unsigned(_)));
        assert!(err.to_string().contains("mẫu cũ"), "{err}");
        assert!(
            err.to_string().contains("000.00.00.H41-260305-0007"),
            "{err}"
        );
        // A version 3 text with its MAC cut off is not the old form.
        let cut = text.rsplit_once('|').unwrap().0;
        assert!(
            parse(cut.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("cần đúng 12")
        );
        // A MAC of the wrong shape is a precise error, not a panic.
        for mac in ["", "AAAA", "!!!!!!!!!!!!!!!!!!!!!!", &"A".repeat(23)] {
            let bad = format!("{cut}|{mac}");
            let err = parse(bad.as_bytes()).unwrap_err().to_string();
            assert!(err.contains("mã xác thực phải gồm 22"), "{mac}: {err}");
        }
    }

    #[test]
    fn foreign_and_damaged_texts_are_refused_precisely() {
        let text = sample().to_signed_text(&KEY);
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
                "cần đúng 12",
            ),
            (text.replacen("|3|", "|9|", 1).into_bytes(), "phiên bản 9"),
            (text.replacen("|3|", "|x|", 1).into_bytes(), "phiên bản"),
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
            (format!("{text}|thừa").into_bytes(), "cần đúng 12"),
            (vec![b'B'; 5000], "quá dài"),
        ];
        for (bytes, needle) in cases {
            let err = parse(&bytes).unwrap_err().to_string();
            assert!(err.contains(needle), "{needle}: {err}");
        }
    }

    #[test]
    fn an_organisation_rides_in_the_code_and_cannot_be_swapped() {
        let q = sample().with_organisation("0101234567-001").unwrap();
        let text = q.to_signed_text(&KEY);
        assert!(text.contains("|0101234567-001|"), "{text}");
        let read = parse(text.as_bytes()).unwrap();
        assert_eq!(read.verify(&KEY).unwrap().to_chuc, "0101234567-001");
        // Another organisation's tax code with the MAC kept: refused.
        let forged = text.replacen("0101234567-001", "0109999999", 1);
        assert_eq!(
            parse(forged.as_bytes()).unwrap().verify(&KEY),
            Err(QrError::BadMac)
        );
        // A malformed tax code is refused when built and when read.
        let err = sample().with_organisation("12345").unwrap_err();
        assert!(err.to_string().contains("mã số thuế"), "{err}");
        let bad = text.replacen("0101234567-001", "01012345A7", 1);
        assert!(
            parse(bad.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("to_chuc")
        );
    }

    #[test]
    fn a_version_2_receipt_printed_before_the_upgrade_is_still_trusted() {
        let mut old = sample();
        old.v = SIGNED_V2;
        let text = old.to_signed_text(&KEY);
        assert_eq!(text.split('|').count(), 11, "{text}");
        let read = parse(text.as_bytes()).unwrap();
        assert_eq!(read.verify(&KEY).unwrap().ma_ho_so, old.ma_ho_so);
        // Its MAC still covers every field.
        let forged = text.replacen("-0007|", "-0008|", 1);
        assert_eq!(
            parse(forged.as_bytes()).unwrap().verify(&KEY),
            Err(QrError::BadMac)
        );
    }

    #[test]
    fn a_field_holding_the_separator_is_refused_when_built() {
        let q = sample();
        let err =
            PaperQr::new("01", "A|B", "x", &q.dinh_danh, "t", "h", q.thoi_diem, None).unwrap_err();
        assert!(err.to_string().contains("cần đúng 12"), "{err}");
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
