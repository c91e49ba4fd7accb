//! DG13 of the Vietnamese CCCD (tag `6D`): the holder's personal data in Vietnamese.
//!
//! Layout (as reported by public readers; not from a specification):
//!
//! ```text
//! 6D { SEQUENCE { INTEGER 1, OID 1.0.10646.1.0.8, SET {
//!        SEQUENCE { INTEGER n, UTF8String value }          -- most fields
//!        SEQUENCE { INTEGER 13, SEQUENCE { father, mother } }
//!        SEQUENCE { INTEGER 14, SEQUENCE { spouse } }
//!        … } } }
//! ```
//!
//! Fields are parsed **by number**: absent fields are `None`, unknown numbers are kept in
//! [`Dg13::fields`], and every field keeps its raw encoding. The parser is lenient about the
//! wrapping (the SET may be missing, members may sit directly in the outer SEQUENCE, string types
//! other than UTF8String are accepted) but strict about BER-TLV itself.

use super::{LdsError, LdsFile, small_uint};
use crate::lds::tlv::{Tlv, TlvReader};
use std::collections::BTreeMap;

const FILE: LdsFile = LdsFile::Dg(super::DgNumber::DG13);

/// Field numbers of the Vietnamese DG13.
pub mod field {
    /// Số định danh cá nhân (12-digit ID number).
    pub const ID_NUMBER: u32 = 1;
    /// Họ và tên (full name).
    pub const FULL_NAME: u32 = 2;
    /// Ngày sinh (date of birth, `dd/mm/yyyy`).
    pub const DATE_OF_BIRTH: u32 = 3;
    /// Giới tính (sex, `Nam` / `Nữ`).
    pub const SEX: u32 = 4;
    /// Quốc tịch (nationality).
    pub const NATIONALITY: u32 = 5;
    /// Dân tộc (ethnicity).
    pub const ETHNICITY: u32 = 6;
    /// Tôn giáo (religion).
    pub const RELIGION: u32 = 7;
    /// Quê quán (place of origin).
    pub const PLACE_OF_ORIGIN: u32 = 8;
    /// Nơi thường trú (place of residence).
    pub const PLACE_OF_RESIDENCE: u32 = 9;
    /// Đặc điểm nhận dạng (identifying marks).
    pub const IDENTIFYING_MARKS: u32 = 10;
    /// Ngày cấp (issue date).
    pub const ISSUE_DATE: u32 = 11;
    /// Có giá trị đến (expiry date, or a text such as "Không thời hạn").
    pub const EXPIRY_DATE: u32 = 12;
    /// Họ tên cha, mẹ (father's and mother's names).
    pub const PARENTS: u32 = 13;
    /// Họ tên vợ/chồng (spouse's name).
    pub const SPOUSE: u32 = 14;
    /// Số CMND cũ (old ID number) — sources disagree whether it is 15 or 16.
    pub const OLD_ID_NUMBER: u32 = 15;
    /// Another number (sources disagree; kept for display).
    pub const OTHER_NUMBER: u32 = 16;
}

/// One numbered field of DG13.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg13Field {
    /// The field number.
    pub number: u32,
    /// The strings found in the field, in order (one for most fields; father and mother for 13).
    /// Bytes that are not UTF-8 are replaced with U+FFFD; `raw` keeps the originals.
    pub values: Vec<String>,
    /// The member's complete encoding.
    pub raw: Vec<u8>,
}

/// A calendar date as printed on the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CivilDate {
    /// Year (four digits).
    pub year: u16,
    /// Month, 1..=12.
    pub month: u8,
    /// Day, 1..=31.
    pub day: u8,
}

impl CivilDate {
    /// Parses `dd/mm/yyyy` (also `dd-mm-yyyy`, `dd.mm.yyyy` and `ddmmyyyy`). `None` for any
    /// other text, e.g. "Không thời hạn".
    pub fn parse_dmy(text: &str) -> Option<Self> {
        let digits: String = text.trim().chars().filter(char::is_ascii_digit).collect();
        let separators_ok = text
            .trim()
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '/' | '-' | '.'));
        if digits.len() != 8 || !separators_ok {
            return None;
        }
        let day: u8 = digits.get(0..2)?.parse().ok()?;
        let month: u8 = digits.get(2..4)?.parse().ok()?;
        let year: u16 = digits.get(4..8)?.parse().ok()?;
        ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some(Self { year, month, day })
    }
}

impl std::fmt::Display for CivilDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}/{:02}/{:04}", self.day, self.month, self.year)
    }
}

/// Parsed DG13.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dg13 {
    /// The version INTEGER at the start, if present.
    pub version: Option<u64>,
    /// The OID after the version (`1.0.10646.1.0.8` on cards seen), dotted, if present.
    pub oid: Option<String>,
    /// All numbered fields, by number (known and unknown).
    pub fields: BTreeMap<u32, Dg13Field>,
}

impl Dg13 {
    /// The first string of field `number`.
    pub fn text(&self, number: u32) -> Option<&str> {
        self.fields
            .get(&number)
            .and_then(|f| f.values.first())
            .map(String::as_str)
    }

    /// Field 1: the 12-digit ID number.
    pub fn id_number(&self) -> Option<&str> {
        self.text(field::ID_NUMBER)
    }
    /// Field 2: full name.
    pub fn full_name(&self) -> Option<&str> {
        self.text(field::FULL_NAME)
    }
    /// Field 3: date of birth as printed.
    pub fn date_of_birth(&self) -> Option<&str> {
        self.text(field::DATE_OF_BIRTH)
    }
    /// Field 4: sex as printed (`Nam` / `Nữ`).
    pub fn sex(&self) -> Option<&str> {
        self.text(field::SEX)
    }
    /// Field 5: nationality.
    pub fn nationality(&self) -> Option<&str> {
        self.text(field::NATIONALITY)
    }
    /// Field 6: ethnicity.
    pub fn ethnicity(&self) -> Option<&str> {
        self.text(field::ETHNICITY)
    }
    /// Field 7: religion.
    pub fn religion(&self) -> Option<&str> {
        self.text(field::RELIGION)
    }
    /// Field 8: place of origin.
    pub fn place_of_origin(&self) -> Option<&str> {
        self.text(field::PLACE_OF_ORIGIN)
    }
    /// Field 9: place of residence.
    pub fn place_of_residence(&self) -> Option<&str> {
        self.text(field::PLACE_OF_RESIDENCE)
    }
    /// Field 10: identifying marks.
    pub fn identifying_marks(&self) -> Option<&str> {
        self.text(field::IDENTIFYING_MARKS)
    }
    /// Field 11: issue date as printed.
    pub fn issue_date(&self) -> Option<&str> {
        self.text(field::ISSUE_DATE)
    }
    /// Field 12: expiry as printed (a date or a text).
    pub fn expiry_date(&self) -> Option<&str> {
        self.text(field::EXPIRY_DATE)
    }
    /// Field 13, first name: father.
    pub fn father_name(&self) -> Option<&str> {
        self.non_empty(field::PARENTS, 0)
    }
    /// Field 13, second name: mother.
    pub fn mother_name(&self) -> Option<&str> {
        self.non_empty(field::PARENTS, 1)
    }
    /// Field 14: spouse.
    pub fn spouse_name(&self) -> Option<&str> {
        self.non_empty(field::SPOUSE, 0)
    }
    /// Field 15: the old (9- or 12-digit) ID number, when present and not empty.
    pub fn old_id_number(&self) -> Option<&str> {
        self.non_empty(field::OLD_ID_NUMBER, 0)
    }
    /// Field 3 as a date.
    pub fn birth_date(&self) -> Option<CivilDate> {
        self.date_of_birth().and_then(CivilDate::parse_dmy)
    }
    /// Field 11 as a date.
    pub fn issued_on(&self) -> Option<CivilDate> {
        self.issue_date().and_then(CivilDate::parse_dmy)
    }
    /// Field 12 as a date (`None` when it is a text such as "Không thời hạn").
    pub fn expires_on(&self) -> Option<CivilDate> {
        self.expiry_date().and_then(CivilDate::parse_dmy)
    }

    fn non_empty(&self, number: u32, index: usize) -> Option<&str> {
        self.fields
            .get(&number)
            .and_then(|f| f.values.get(index))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }
}

/// Parses DG13 (Vietnamese layout).
pub fn parse_dg13(bytes: &[u8]) -> Result<Dg13, LdsError> {
    let mut outer = TlvReader::new(bytes);
    let dg = outer.expect(0x6D).map_err(|e| LdsError::tlv(FILE, e))?;
    let mut out = Dg13::default();
    let mut members = Vec::new();
    collect(dg, &mut out, &mut members, 0)?;
    for m in members {
        let field = parse_member(m)?;
        out.fields.insert(field.number, field);
    }
    Ok(out)
}

/// Walks the wrapping (SEQUENCE / SET) down to the numbered members.
fn collect<'a>(
    container: Tlv<'a>,
    out: &mut Dg13,
    members: &mut Vec<Tlv<'a>>,
    depth: usize,
) -> Result<(), LdsError> {
    if depth > 4 {
        return Err(LdsError::invalid(
            FILE,
            container.offset,
            "nesting deeper than expected",
        ));
    }
    for item in container.children() {
        let obj = item.map_err(|e| LdsError::tlv(FILE, e))?;
        match obj.tag.0 {
            0x02 if out.version.is_none() && members.is_empty() => {
                out.version = small_uint(obj.value);
            }
            0x06 if out.oid.is_none() => {
                out.oid = super::oid_from_content(obj.value).map(|o| o.to_string());
            }
            0x30 if is_member(obj) => members.push(obj),
            0x30 | 0x31 => collect(obj, out, members, depth + 1)?,
            _ => {}
        }
    }
    Ok(())
}

/// A member is `SEQUENCE { INTEGER n, value }` where the value is not the OID or SET of the
/// outer wrapping `SEQUENCE { INTEGER 1, OID, SET }`.
fn is_member(obj: Tlv<'_>) -> bool {
    let mut r = obj.children();
    let starts_with_int = matches!(r.next(), Some(Ok(t)) if t.tag.0 == 0x02);
    let second = r.next();
    starts_with_int && matches!(second, Some(Ok(t)) if !matches!(t.tag.0, 0x06 | 0x31))
}

fn parse_member(member: Tlv<'_>) -> Result<Dg13Field, LdsError> {
    let mut r = member.children();
    let n = r.expect(0x02).map_err(|e| LdsError::tlv(FILE, e))?;
    let number = small_uint(n.value)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| LdsError::invalid(FILE, n.offset, "field number is not a small INTEGER"))?;
    let mut values = Vec::new();
    for item in r {
        let obj = item.map_err(|e| LdsError::tlv(FILE, e))?;
        strings(obj, &mut values, 0).map_err(|offset| {
            LdsError::invalid(FILE, offset, format!("field {number}: nesting too deep"))
        })?;
    }
    Ok(Dg13Field {
        number,
        values,
        raw: member.raw.to_vec(),
    })
}

/// Collects every string in `obj` (descending into constructed objects).
fn strings(obj: Tlv<'_>, out: &mut Vec<String>, depth: usize) -> Result<(), usize> {
    if depth > 4 {
        return Err(obj.offset);
    }
    match obj.tag.0 {
        // UTF8String, PrintableString, T61String, IA5String, VisibleString.
        0x0C | 0x13 | 0x14 | 0x16 | 0x1A => {
            out.push(String::from_utf8_lossy(obj.value).into_owned());
        }
        // BMPString (UTF-16BE).
        0x1E => {
            let units: Vec<u16> = obj
                .value
                .chunks(2)
                .map(|c| {
                    u16::from_be_bytes([
                        c.first().copied().unwrap_or(0),
                        c.get(1).copied().unwrap_or(0),
                    ])
                })
                .collect();
            out.push(String::from_utf16_lossy(&units));
        }
        _ if obj.tag.is_constructed() => {
            for item in obj.children() {
                // A broken inner object ends the walk of this field; what was read is kept.
                let Ok(child) = item else { break };
                strings(child, out, depth + 1)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lds::tlv::TlvWriter;
    use crate::testing::samples::sample_dg13;

    #[test]
    fn parses_all_known_fields_by_number() {
        let dg = parse_dg13(&sample_dg13()).unwrap();
        assert_eq!(dg.version, Some(1));
        assert_eq!(dg.oid.as_deref(), Some("1.0.10646.1.0.8"));
        assert_eq!(dg.id_number(), Some("001093047064"));
        assert_eq!(dg.full_name(), Some("Nguyễn Thị Thử Nghiệm"));
        assert_eq!(
            dg.birth_date(),
            Some(CivilDate {
                year: 1993,
                month: 10,
                day: 5
            })
        );
        assert_eq!(dg.sex(), Some("Nữ"));
        assert_eq!(dg.nationality(), Some("Việt Nam"));
        assert_eq!(dg.ethnicity(), Some("Kinh"));
        assert_eq!(dg.religion(), Some("Không"));
        assert_eq!(dg.place_of_origin(), Some("Xã Đông Anh, Hà Nội"));
        assert!(
            dg.place_of_residence()
                .is_some_and(|s| s.contains("Ba Đình"))
        );
        assert!(dg.identifying_marks().is_some());
        assert_eq!(
            dg.issued_on().map(|d| d.to_string()).as_deref(),
            Some("10/07/2021")
        );
        assert_eq!(dg.expires_on().map(|d| d.year), Some(2033));
        assert_eq!(dg.father_name(), Some("Nguyễn Văn Cha"));
        assert_eq!(dg.mother_name(), Some("Trần Thị Mẹ"));
        assert_eq!(dg.spouse_name(), None);
        assert_eq!(dg.old_id_number(), Some("013456789"));
        assert_eq!(dg.text(99), Some("future field"));
        assert!(
            dg.fields
                .get(&2)
                .is_some_and(|f| f.raw.first() == Some(&0x30))
        );
    }

    #[test]
    fn tolerates_missing_fields_and_long_form_lengths() {
        // Only field 1, with an 82-form length on the outer object.
        let mut inner = TlvWriter::new();
        inner.nested(0x31, |w| {
            w.nested(0x30, |w| {
                w.put(0x02, &[1]);
                w.put(0x0C, b"001093047064");
            });
        });
        let inner = inner.into_bytes();
        let mut bytes = vec![0x6D, 0x82, 0x00, u8::try_from(inner.len()).unwrap()];
        bytes.extend_from_slice(&inner);
        let dg = parse_dg13(&bytes).unwrap();
        assert_eq!(dg.id_number(), Some("001093047064"));
        assert_eq!(dg.full_name(), None);
        assert_eq!(dg.expires_on(), None);
    }

    #[test]
    fn errors_name_dg13_and_the_offset() {
        let mut bytes = sample_dg13();
        bytes.truncate(bytes.len() - 3);
        let err = parse_dg13(&bytes).unwrap_err();
        assert_eq!(err.file, LdsFile::Dg(super::super::DgNumber::DG13));
        assert!(err.to_string().starts_with("DG13: "), "{err}");

        let err = parse_dg13(&[0x6E, 0x00]).unwrap_err();
        assert!(err.to_string().contains("expected tag 6D"), "{err}");
    }

    #[test]
    fn never_panics_on_corruption() {
        let good = sample_dg13();
        for i in 0..good.len() {
            for v in [0x00, 0x02, 0x30, 0x7F, 0x80, 0x82, 0xFF] {
                let mut bad = good.clone();
                bad[i] = v;
                let _ = parse_dg13(&bad);
            }
            let _ = parse_dg13(&good[..i]);
        }
    }

    #[test]
    fn civil_dates() {
        assert_eq!(
            CivilDate::parse_dmy("01/02/2003"),
            Some(CivilDate {
                year: 2003,
                month: 2,
                day: 1
            })
        );
        assert!(CivilDate::parse_dmy("01022003").is_some());
        assert_eq!(CivilDate::parse_dmy("Không thời hạn"), None);
        assert_eq!(CivilDate::parse_dmy("32/01/2003"), None);
        assert_eq!(CivilDate::parse_dmy("01/13/2003"), None);
    }
}
