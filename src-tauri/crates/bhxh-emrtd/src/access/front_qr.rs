//! The front QR code of a CCCD, typed by a USB barcode scanner as keyboard input, and the
//! expiry the card must have by the age rule: with the ID and the birth date from the code, the
//! three MRZ fields BAC needs, without typing.
//!
//! Front QR text: `ID12|old CMND (may be empty)|full name|ddMMyyyy|Nam/Nữ|address|issue ddMMyyyy`,
//! and a 6-field variant without the old number. Scanners may add CR/LF or
//! spaces; the parser is lenient about those and strict about the ID number
//! and the dates.

use thiserror::Error;

use crate::lds::dg13::CivilDate;

/// What the front QR code says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontQr {
    pub id_number: String,
    pub old_id_number: Option<String>,
    pub full_name: String,
    pub date_of_birth: CivilDate,
    pub sex: String,
    pub address: String,
    pub issue_date: CivilDate,
}

/// Why a QR text was refused (messages in Vietnamese, for the counter).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QrError {
    #[error("Mã QR trống.")]
    Empty,
    #[error(
        "Mã QR có {found} trường, cần 6 hoặc 7 trường ngăn bởi dấu \"|\" (có thể quét chưa hết mã)."
    )]
    FieldCount { found: usize },
    #[error("Số định danh trong mã QR \"{0}\" không phải 12 chữ số.")]
    BadId(String),
    #[error(
        "{field} trong mã QR \"{text}\" không phải ngày hợp lệ (dạng ngàythángnăm, ví dụ 05021990)."
    )]
    BadDate { field: &'static str, text: String },
    #[error("Thiếu họ và tên trong mã QR.")]
    NoName,
}

/// Split and check a front QR text.
pub fn parse_front_qr(text: &str) -> Result<FrontQr, QrError> {
    let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if text.is_empty() {
        return Err(QrError::Empty);
    }
    let fields: Vec<&str> = text.split('|').map(str::trim).collect();
    let (id, old, name, dob, sex, address, issue) = match fields.as_slice() {
        [id, old, name, dob, sex, address, issue] => {
            (*id, Some(*old), *name, *dob, *sex, *address, *issue)
        }
        [id, name, dob, sex, address, issue] => (*id, None, *name, *dob, *sex, *address, *issue),
        _ => {
            return Err(QrError::FieldCount {
                found: fields.len(),
            });
        }
    };
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QrError::BadId(id.to_owned()));
    }
    if name.is_empty() {
        return Err(QrError::NoName);
    }
    let date = |field: &'static str, t: &str| {
        CivilDate::parse_dmy(t)
            .filter(valid_day)
            .ok_or_else(|| QrError::BadDate {
                field,
                text: t.to_owned(),
            })
    };
    Ok(FrontQr {
        id_number: id.to_owned(),
        old_id_number: old.filter(|o| !o.is_empty()).map(str::to_owned),
        full_name: name.to_owned(),
        date_of_birth: date("Ngày sinh", dob)?,
        sex: sex.to_owned(),
        address: address.to_owned(),
        issue_date: date("Ngày cấp", issue)?,
    })
}

fn is_leap(y: u16) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

fn days_in_month(y: u16, m: u8) -> u8 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn valid_day(d: &CivilDate) -> bool {
    d.day <= days_in_month(d.year, d.month)
}

/// The birthday at `age` (29 February falls on 28 February in common years).
fn birthday(birth: CivilDate, age: u16) -> CivilDate {
    let year = birth.year.saturating_add(age);
    CivilDate {
        year,
        month: birth.month,
        day: birth.day.min(days_in_month(year, birth.month)),
    }
}

/// When the card expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    On(CivilDate),
    /// Issued within two years of the 60th birthday or later: no expiry.
    Never,
}

/// The age rule: a card is renewed at 25, 40 and 60 (and, for cards issued
/// under the 2023 law from 1 July 2024, at 14); a card issued within the two
/// years before a milestone runs to the next one; after 60 there is none.
pub fn expiry_by_age_rule(birth: CivilDate, issue: CivilDate) -> Expiry {
    let law_2023 = CivilDate {
        year: 2024,
        month: 7,
        day: 1,
    };
    let milestones: &[u16] = if issue >= law_2023 {
        &[14, 25, 40, 60]
    } else {
        &[25, 40, 60]
    };
    for &age in milestones {
        let due = birthday(birth, age);
        let window = birthday(birth, age - 2);
        if issue < window {
            return Expiry::On(due);
        }
    }
    Expiry::Never
}

/// `YYMMDD` as the MRZ and the BAC key seed write a date.
pub fn yymmdd(d: CivilDate) -> String {
    format!("{:02}{:02}{:02}", d.year % 100, d.month, d.day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u8, month: u8, year: u16) -> CivilDate {
        CivilDate { year, month, day }
    }

    #[test]
    fn both_qr_layouts_parse_and_scanner_noise_is_ignored() {
        let seven = "001093047064|013456789|Nguyễn Thị Thử Nghiệm|05021993|Nữ|Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội|10072021\r\n";
        let q = parse_front_qr(seven).unwrap();
        assert_eq!(q.id_number, "001093047064");
        assert_eq!(q.old_id_number.as_deref(), Some("013456789"));
        assert_eq!(q.date_of_birth, d(5, 2, 1993));
        assert_eq!(q.issue_date, d(10, 7, 2021));
        let six = "001093047064|Nguyễn Thị Thử Nghiệm|05021993|Nữ|Hà Nội|10072021";
        let q6 = parse_front_qr(six).unwrap();
        assert_eq!(q6.old_id_number, None);
        assert_eq!(q6.full_name, q.full_name);
        let empty_old = "001093047064||Nguyễn Thị Thử Nghiệm|05021993|Nữ|Hà Nội|10072021";
        assert_eq!(parse_front_qr(empty_old).unwrap().old_id_number, None);
    }

    #[test]
    fn bad_qr_text_is_refused_precisely() {
        assert_eq!(parse_front_qr(" \r\n"), Err(QrError::Empty));
        assert_eq!(
            parse_front_qr("001093047064|Nguyễn Thị A|05021993"),
            Err(QrError::FieldCount { found: 3 })
        );
        assert_eq!(
            parse_front_qr("00109304706|Nguyễn Thị A|05021993|Nữ|Hà Nội|10072021"),
            Err(QrError::BadId("00109304706".into()))
        );
        let err =
            parse_front_qr("001093047064|Nguyễn Thị A|30021993|Nữ|Hà Nội|10072021").unwrap_err();
        assert!(err.to_string().contains("Ngày sinh"), "{err}");
        assert!(parse_front_qr("001093047064||05021993|Nữ|Hà Nội|10072021").is_err());
    }

    #[test]
    fn the_age_rule_gives_the_expiry() {
        // Issued at 28: valid to 40.
        assert_eq!(
            expiry_by_age_rule(d(5, 2, 1993), d(10, 7, 2021)),
            Expiry::On(d(5, 2, 2033))
        );
        // Issued at 22 (more than 2 years before 25): to 25.
        assert_eq!(
            expiry_by_age_rule(d(5, 2, 1999), d(1, 1, 2021)),
            Expiry::On(d(5, 2, 2024))
        );
        // Issued at 23y+: within two years of 25, so to 40.
        assert_eq!(
            expiry_by_age_rule(d(5, 2, 1998), d(6, 2, 2021)),
            Expiry::On(d(5, 2, 2038))
        );
        // Issued at 39: to 60.
        assert_eq!(
            expiry_by_age_rule(d(1, 6, 1970), d(1, 1, 2009)),
            Expiry::On(d(1, 6, 2030))
        );
        // Issued at 58 or later: none.
        assert_eq!(
            expiry_by_age_rule(d(1, 6, 1962), d(1, 7, 2020)),
            Expiry::Never
        );
        // 2023 law: a child's card issued after 1 July 2024 runs to 14.
        assert_eq!(
            expiry_by_age_rule(d(3, 3, 2016), d(1, 8, 2024)),
            Expiry::On(d(3, 3, 2030))
        );
        // 29 February.
        assert_eq!(
            expiry_by_age_rule(d(29, 2, 2000), d(1, 3, 2018)),
            Expiry::On(d(28, 2, 2025))
        );
        assert_eq!(yymmdd(d(5, 2, 2033)), "330205");
    }
}
