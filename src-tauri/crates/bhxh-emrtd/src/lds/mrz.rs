//! The machine readable zone (ICAO 9303 parts 3, 4 and 5) and DG1, which carries it on the chip.
//!
//! Two layouts are parsed: TD1 (three lines of 30, ID cards such as the Vietnamese CCCD) and TD3
//! (two lines of 44, passports). Every check digit is verified; a mismatch is an error naming the
//! field, because the MRZ is what the BAC key is derived from and a misread MRZ means a failed
//! authentication later with a far less helpful message.
//!
//! Vietnamese CCCD cards use TD1 with the 12-digit personal ID in optional data 1:
//!
//! ```text
//! IDVNM0930470641001093047064<<2     ID, VNM, last 9 digits of the ID + check digit,
//!                                    the full 12-digit ID, "<<", check digit of the 12 digits
//! 9301054M3301052VNM<<<<<<<<<<<8     birth, sex, expiry, nationality, composite
//! ```
//!
//! [`Mrz::vietnamese_id`] exposes the 12-digit number when (and only when) that layout is present
//! and its check digit verifies.

use crate::lds::tlv::{self, TlvError};
use thiserror::Error;

/// A field of the MRZ protected by a check digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckedField {
    /// The document number (including a TD1 long number's overflow).
    DocumentNumber,
    /// The date of birth.
    DateOfBirth,
    /// The date of expiry.
    DateOfExpiry,
    /// TD3's personal number (optional data).
    PersonalNumber,
    /// The composite check digit.
    Composite,
    /// The 12-digit Vietnamese ID number in TD1 optional data 1.
    VietnameseIdNumber,
}

/// Why an MRZ was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MrzError {
    /// Not two lines of 44 or three lines of 30 (after removing line breaks and spaces).
    #[error("MRZ of {lines} line(s) / {chars} characters is neither TD1 (3x30) nor TD3 (2x44)")]
    UnknownLayout { lines: usize, chars: usize },
    /// A line of the wrong length.
    #[error("MRZ line {line} has {found} characters, expected {expected}")]
    LineLength {
        line: usize,
        expected: usize,
        found: usize,
    },
    /// A character outside `0-9`, `A-Z` and `<`.
    #[error("MRZ line {line}, position {position}: invalid character {found:?}")]
    InvalidCharacter {
        line: usize,
        position: usize,
        found: char,
    },
    /// A check digit position holding something other than a digit.
    #[error("check digit of {field:?} is {found:?}, not a digit")]
    CheckDigitNotDigit { field: CheckedField, found: char },
    /// A check digit that does not match its field.
    #[error("check digit of {field:?} is {found}, computed {computed}")]
    CheckDigitMismatch {
        field: CheckedField,
        found: u8,
        computed: u8,
    },
    /// A TD1 long document number whose overflow in optional data 1 is not terminated or empty.
    #[error("TD1 long document number overflow in optional data 1 is malformed")]
    MalformedLongDocumentNumber,
    /// The Vietnamese layout's 9-digit document number is not the tail of the 12-digit ID.
    #[error(
        "Vietnamese MRZ: document number {document_number} is not the last 9 digits of ID {id_number}"
    )]
    VietnameseIdMismatch {
        document_number: String,
        id_number: String,
    },
    /// DG1's TLV structure is broken.
    #[error("DG1: {0}")]
    Dg1Tlv(#[from] TlvError),
    /// DG1's MRZ bytes are not ASCII.
    #[error("DG1: MRZ bytes are not ASCII")]
    Dg1NotAscii,
}

/// The ICAO 9303 check digit (weights 7, 3, 1; `<` counts 0, `A`–`Z` count 10–35).
///
/// Returns `None` if `data` contains a character outside `0-9`, `A-Z` and `<`.
pub fn check_digit(data: &str) -> Option<u8> {
    let mut sum: u32 = 0;
    for (i, c) in data.chars().enumerate() {
        let v = char_value(c)?;
        let w = [7u32, 3, 1].get(i % 3).copied().unwrap_or(1);
        sum = sum.wrapping_add(v.wrapping_mul(w));
    }
    u8::try_from(sum % 10).ok()
}

fn char_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(u32::from(c) - u32::from('0')),
        'A'..='Z' => Some(u32::from(c) - u32::from('A') + 10),
        '<' => Some(0),
        _ => None,
    }
}

/// The MRZ layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MrzFormat {
    /// ID-1 size card: 3 lines of 30 characters.
    Td1,
    /// Passport: 2 lines of 44 characters.
    Td3,
}

/// A parsed, check-digit-verified MRZ. Text fields keep the MRZ's own characters, fillers
/// (`<`) trimmed from the end; names have `<` turned into spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mrz {
    /// TD1 or TD3.
    pub format: MrzFormat,
    /// Document code, e.g. `ID`, `I`, `P` (fillers trimmed).
    pub document_code: String,
    /// Issuing state or organisation (three letters, e.g. `VNM`).
    pub issuing_state: String,
    /// Document number, including a TD1 long number's overflow (fillers trimmed).
    pub document_number: String,
    /// Optional data 1 (TD1: line 1 after the document number; TD3: personal number), raw,
    /// with fillers kept, minus a TD1 long number's overflow.
    pub optional_data1: String,
    /// Date of birth, `YYMMDD` as printed (may contain `<` for unknown parts).
    pub date_of_birth: String,
    /// Sex: `M`, `F`, or `<` / `X` for unspecified.
    pub sex: char,
    /// Date of expiry, `YYMMDD` as printed.
    pub date_of_expiry: String,
    /// Nationality (three letters).
    pub nationality: String,
    /// Optional data 2 (TD1 only), raw.
    pub optional_data2: Option<String>,
    /// Primary identifier (surname), `<` turned into spaces.
    pub primary_identifier: String,
    /// Secondary identifier (given names), `<` turned into spaces.
    pub secondary_identifier: String,
    /// The lines as parsed.
    pub lines: Vec<String>,
    vietnamese_id: Option<String>,
}

impl Mrz {
    /// Parses an MRZ given as text: lines separated by line breaks, or all characters run
    /// together (90 for TD1, 88 for TD3). Surrounding whitespace is ignored.
    pub fn parse(text: &str) -> Result<Self, MrzError> {
        let lines: Vec<&str> = text
            .split(['\n', '\r'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let chars: usize = lines.iter().map(|l| l.chars().count()).sum();
        match (lines.as_slice(), chars) {
            ([a, b, c], _) => Self::parse_td1(a, b, c),
            ([a, b], _) => Self::parse_td3(a, b),
            ([one], 90) => {
                let (a, rest) = split_chars(one, 30);
                let (b, c) = split_chars(rest, 30);
                Self::parse_td1(a, b, c)
            }
            ([one], 88) => {
                let (a, b) = split_chars(one, 44);
                Self::parse_td3(a, b)
            }
            _ => Err(MrzError::UnknownLayout {
                lines: lines.len(),
                chars,
            }),
        }
    }

    /// Parses a TD1 MRZ (three lines of 30 characters).
    pub fn parse_td1(line1: &str, line2: &str, line3: &str) -> Result<Self, MrzError> {
        let l1 = validate_line(line1, 1, 30)?;
        let l2 = validate_line(line2, 2, 30)?;
        let l3 = validate_line(line3, 3, 30)?;

        let number_field = field(&l1, 5, 14);
        let number_cd = at(&l1, 14);
        let optional1_full = field(&l1, 15, 30);

        let (document_number, optional_data1) = if number_cd == '<' {
            // Long document number: the 9 characters continue in optional data 1, up to the
            // first filler; the last of those characters is the check digit.
            let overflow_len = optional1_full.find('<').unwrap_or(optional1_full.len());
            if overflow_len < 1 {
                return Err(MrzError::MalformedLongDocumentNumber);
            }
            let overflow = optional1_full
                .get(..overflow_len)
                .ok_or(MrzError::MalformedLongDocumentNumber)?;
            let (tail, cd) = split_last(overflow).ok_or(MrzError::MalformedLongDocumentNumber)?;
            let full = format!("{number_field}{tail}");
            verify(CheckedField::DocumentNumber, &full, cd)?;
            let rest = optional1_full.get(overflow_len..).unwrap_or("");
            let rest = rest.strip_prefix('<').unwrap_or(rest);
            (full, rest.to_string())
        } else {
            verify(CheckedField::DocumentNumber, &number_field, number_cd)?;
            (trim_fillers(&number_field), optional1_full.clone())
        };

        let date_of_birth = field(&l2, 0, 6);
        verify(CheckedField::DateOfBirth, &date_of_birth, at(&l2, 6))?;
        let sex = at(&l2, 7);
        let date_of_expiry = field(&l2, 8, 14);
        verify(CheckedField::DateOfExpiry, &date_of_expiry, at(&l2, 14))?;
        let nationality = field(&l2, 15, 18);
        let optional2 = field(&l2, 18, 29);

        let composite = format!(
            "{}{}{}{}",
            field(&l1, 5, 30),
            field(&l2, 0, 7),
            field(&l2, 8, 15),
            optional2
        );
        verify(CheckedField::Composite, &composite, at(&l2, 29))?;

        let (primary, secondary) = split_name(&field(&l3, 0, 30));
        let issuing_state = trim_fillers(&field(&l1, 2, 5));
        let document_code = trim_fillers(&field(&l1, 0, 2));

        let vietnamese_id = vietnamese_id(
            &document_code,
            &issuing_state,
            &document_number,
            &optional1_full,
        )?;

        Ok(Self {
            format: MrzFormat::Td1,
            document_code,
            issuing_state,
            document_number,
            optional_data1,
            date_of_birth,
            sex,
            date_of_expiry,
            nationality: trim_fillers(&nationality),
            optional_data2: Some(optional2),
            primary_identifier: primary,
            secondary_identifier: secondary,
            lines: vec![
                l1.iter().collect(),
                l2.iter().collect(),
                l3.iter().collect(),
            ],
            vietnamese_id,
        })
    }

    /// Parses a TD3 MRZ (two lines of 44 characters).
    pub fn parse_td3(line1: &str, line2: &str) -> Result<Self, MrzError> {
        let l1 = validate_line(line1, 1, 44)?;
        let l2 = validate_line(line2, 2, 44)?;

        let document_number = field(&l2, 0, 9);
        verify(CheckedField::DocumentNumber, &document_number, at(&l2, 9))?;
        let nationality = field(&l2, 10, 13);
        let date_of_birth = field(&l2, 13, 19);
        verify(CheckedField::DateOfBirth, &date_of_birth, at(&l2, 19))?;
        let sex = at(&l2, 20);
        let date_of_expiry = field(&l2, 21, 27);
        verify(CheckedField::DateOfExpiry, &date_of_expiry, at(&l2, 27))?;
        let personal_number = field(&l2, 28, 42);
        let pn_cd = at(&l2, 42);
        // An all-filler personal number may carry '<' as its check digit.
        if !(pn_cd == '<' && personal_number.chars().all(|c| c == '<')) {
            verify(CheckedField::PersonalNumber, &personal_number, pn_cd)?;
        }
        let composite = format!(
            "{}{}{}",
            field(&l2, 0, 10),
            field(&l2, 13, 20),
            field(&l2, 21, 43)
        );
        verify(CheckedField::Composite, &composite, at(&l2, 43))?;

        let (primary, secondary) = split_name(&field(&l1, 5, 44));
        Ok(Self {
            format: MrzFormat::Td3,
            document_code: trim_fillers(&field(&l1, 0, 2)),
            issuing_state: trim_fillers(&field(&l1, 2, 5)),
            document_number: trim_fillers(&document_number),
            optional_data1: personal_number,
            date_of_birth,
            sex,
            date_of_expiry,
            nationality: trim_fillers(&nationality),
            optional_data2: None,
            primary_identifier: primary,
            secondary_identifier: secondary,
            lines: vec![l1.iter().collect(), l2.iter().collect()],
            vietnamese_id: None,
        })
    }

    /// The 12-digit Vietnamese personal ID number, when the MRZ uses the CCCD layout.
    pub fn vietnamese_id(&self) -> Option<&str> {
        self.vietnamese_id.as_deref()
    }

    /// The "MRZ information" BAC derives its key from (ICAO 9303-11 §9.7.2): document number
    /// (padded to at least 9 with `<`) + check digit, date of birth + check digit, date of
    /// expiry + check digit.
    pub fn bac_mrz_information(&self) -> String {
        mrz_information(
            &self.document_number,
            &self.date_of_birth,
            &self.date_of_expiry,
        )
    }
}

/// Builds the BAC "MRZ information" from its three fields, computing the check digits.
/// Characters outside the MRZ alphabet count as 0 in check digits (they cannot occur in a
/// parsed MRZ; callers building keys from typed input should validate first).
pub fn mrz_information(document_number: &str, date_of_birth: &str, date_of_expiry: &str) -> String {
    let mut number = document_number.to_string();
    while number.chars().count() < 9 {
        number.push('<');
    }
    let cd = |s: &str| check_digit(s).unwrap_or(0);
    format!(
        "{number}{}{date_of_birth}{}{date_of_expiry}{}",
        cd(&number),
        cd(date_of_birth),
        cd(date_of_expiry)
    )
}

/// Parses DG1 (tag `61`, holding the MRZ in `5F1F`). Other objects inside DG1 are ignored.
pub fn parse_dg1(bytes: &[u8]) -> Result<Mrz, MrzError> {
    let mut outer = tlv::TlvReader::new(bytes);
    let dg1 = outer.expect(0x61)?;
    let mrz = dg1.children().find(0x5F1F)?.ok_or(TlvError::Missing {
        offset: dg1.value_offset,
    })?;
    if !mrz.value.is_ascii() {
        return Err(MrzError::Dg1NotAscii);
    }
    let text = std::str::from_utf8(mrz.value).map_err(|_| MrzError::Dg1NotAscii)?;
    match text.len() {
        90 => {
            let (a, rest) = split_chars(text, 30);
            let (b, c) = split_chars(rest, 30);
            Mrz::parse_td1(a, b, c)
        }
        88 => {
            let (a, b) = split_chars(text, 44);
            Mrz::parse_td3(a, b)
        }
        n => Err(MrzError::UnknownLayout { lines: 1, chars: n }),
    }
}

fn vietnamese_id(
    document_code: &str,
    issuing_state: &str,
    document_number: &str,
    optional1: &str,
) -> Result<Option<String>, MrzError> {
    if issuing_state != "VNM" || !document_code.starts_with('I') {
        return Ok(None);
    }
    // "dddddddddddd<<d": the 12-digit ID, two fillers, its check digit.
    let chars: Vec<char> = optional1.chars().collect();
    let shaped = chars.len() == 15
        && chars.iter().take(12).all(char::is_ascii_digit)
        && chars.get(12) == Some(&'<')
        && chars.get(13) == Some(&'<');
    if !shaped {
        return Ok(None);
    }
    let id: String = chars.iter().take(12).collect();
    verify(CheckedField::VietnameseIdNumber, &id, at(&chars, 14))?;
    if !id.ends_with(document_number) || document_number.len() != 9 {
        return Err(MrzError::VietnameseIdMismatch {
            document_number: document_number.to_string(),
            id_number: id,
        });
    }
    Ok(Some(id))
}

fn validate_line(line: &str, number: usize, expected: usize) -> Result<Vec<char>, MrzError> {
    let chars: Vec<char> = line.trim().chars().collect();
    if chars.len() != expected {
        return Err(MrzError::LineLength {
            line: number,
            expected,
            found: chars.len(),
        });
    }
    for (i, c) in chars.iter().enumerate() {
        if char_value(*c).is_none() {
            return Err(MrzError::InvalidCharacter {
                line: number,
                position: i + 1,
                found: *c,
            });
        }
    }
    Ok(chars)
}

/// Characters `from..to` of a validated line (out-of-range parts are simply absent).
fn field(line: &[char], from: usize, to: usize) -> String {
    line.get(from..to).unwrap_or(&[]).iter().collect()
}

fn at(line: &[char], i: usize) -> char {
    line.get(i).copied().unwrap_or('<')
}

fn split_chars(s: &str, n: usize) -> (&str, &str) {
    let idx = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    s.split_at(idx)
}

fn split_last(s: &str) -> Option<(&str, char)> {
    let mut chars = s.chars();
    let last = chars.next_back()?;
    Some((chars.as_str(), last))
}

fn verify(field: CheckedField, data: &str, cd: char) -> Result<(), MrzError> {
    let found = cd
        .to_digit(10)
        .and_then(|d| u8::try_from(d).ok())
        .ok_or(MrzError::CheckDigitNotDigit { field, found: cd })?;
    // Lines were validated, so every character has a value.
    let computed = check_digit(data).unwrap_or(u8::MAX);
    if computed == found {
        Ok(())
    } else {
        Err(MrzError::CheckDigitMismatch {
            field,
            found,
            computed,
        })
    }
}

fn trim_fillers(s: &str) -> String {
    s.trim_end_matches('<').to_string()
}

fn split_name(name: &str) -> (String, String) {
    let trimmed = name.trim_end_matches('<');
    let (primary, secondary) = trimmed.split_once("<<").unwrap_or((trimmed, ""));
    let clean = |s: &str| {
        s.split('<')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    (clean(primary), clean(secondary))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::samples::CCCD_MRZ;

    #[test]
    fn check_digits_of_published_fields() {
        // ICAO 9303 part 3 §4.9 worked example and part 11 appendix D.2.
        assert_eq!(check_digit("520727"), Some(3));
        assert_eq!(check_digit("L898902C<"), Some(3));
        assert_eq!(check_digit("690806"), Some(1));
        assert_eq!(check_digit("940623"), Some(6));
        assert_eq!(check_digit("AB2134<<<"), Some(5));
        assert_eq!(check_digit("abc"), None);
    }

    #[test]
    fn split_name_handles_fillers() {
        assert_eq!(
            split_name("ERIKSSON<<ANNA<MARIA<<<<<<<<<<"),
            ("ERIKSSON".to_string(), "ANNA MARIA".to_string())
        );
        assert_eq!(split_name("ONLY<<<<"), ("ONLY".to_string(), String::new()));
    }

    #[test]
    fn mrz_information_pads_short_numbers() {
        // ICAO 9303-11 appendix D.2.
        assert_eq!(
            mrz_information("L898902C", "690806", "940623"),
            "L898902C<369080619406236"
        );
    }

    #[test]
    fn parses_the_vietnamese_td1_layout() {
        let mrz = Mrz::parse(&CCCD_MRZ.join("\n")).unwrap();
        assert_eq!(mrz.format, MrzFormat::Td1);
        assert_eq!(mrz.document_code, "ID");
        assert_eq!(mrz.issuing_state, "VNM");
        assert_eq!(mrz.document_number, "093047064");
        assert_eq!(mrz.vietnamese_id(), Some("001093047064"));
        assert_eq!(mrz.date_of_birth, "930105");
        assert_eq!(mrz.sex, 'M');
        assert_eq!(mrz.date_of_expiry, "330105");
        assert_eq!(mrz.nationality, "VNM");
        assert_eq!(mrz.primary_identifier, "NGUYEN");
        assert_eq!(mrz.secondary_identifier, "VAN THU NGHIEM");
        assert_eq!(mrz.bac_mrz_information(), "093047064193010543301052");
        // All 90 characters run together (as a scanner may type them).
        assert_eq!(Mrz::parse(&CCCD_MRZ.concat()).unwrap(), mrz);
    }

    /// Line 2 of the CCCD sample with the composite check digit recomputed for `line1`.
    fn line2_for(line1: &str) -> String {
        let l2 = CCCD_MRZ[1];
        let composite = format!(
            "{}{}{}{}",
            &line1[5..30],
            &l2[0..7],
            &l2[8..15],
            &l2[18..29]
        );
        format!("{}{}", &l2[..29], check_digit(&composite).unwrap())
    }

    #[test]
    fn vietnamese_id_check_digit_and_consistency_are_enforced() {
        // Wrong check digit of the 12-digit ID (composite recomputed so it is not what fails).
        let l1 = "IDVNM0930470641001093047064<<3";
        assert_eq!(
            Mrz::parse_td1(l1, &line2_for(l1), CCCD_MRZ[2]).unwrap_err(),
            MrzError::CheckDigitMismatch {
                field: CheckedField::VietnameseIdNumber,
                found: 3,
                computed: 2
            }
        );
        // A 12-digit ID whose tail is not the document number.
        let id = "001093047065";
        let l1 = format!("IDVNM0930470641{id}<<{}", check_digit(id).unwrap());
        assert!(matches!(
            Mrz::parse_td1(&l1, &line2_for(&l1), CCCD_MRZ[2]).unwrap_err(),
            MrzError::VietnameseIdMismatch { .. }
        ));
        // The generated line 2 is right for the original line 1.
        assert_eq!(line2_for(CCCD_MRZ[0]), CCCD_MRZ[1]);
    }

    #[test]
    fn parses_the_icao_td1_and_td3_specimens() {
        let td1 = Mrz::parse(
            "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        )
        .unwrap();
        assert_eq!(td1.document_number, "D23145890");
        assert_eq!(td1.vietnamese_id(), None);
        assert_eq!(td1.sex, 'F');

        let td3 = Mrz::parse(
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
        )
        .unwrap();
        assert_eq!(td3.format, MrzFormat::Td3);
        assert_eq!(td3.document_number, "L898902C3");
        assert_eq!(td3.optional_data1, "ZE184226B<<<<<");
        assert_eq!(td3.primary_identifier, "ERIKSSON");
        assert_eq!(td3.secondary_identifier, "ANNA MARIA");
        assert_eq!(td3.bac_mrz_information(), "L898902C3674081221204159");
    }

    #[test]
    fn errors_name_the_field_and_position() {
        let err =
            Mrz::parse_td1("IDVNM0930470640001093047064<<2", CCCD_MRZ[1], CCCD_MRZ[2]).unwrap_err();
        assert_eq!(
            err,
            MrzError::CheckDigitMismatch {
                field: CheckedField::DocumentNumber,
                found: 0,
                computed: 1
            }
        );
        let err = Mrz::parse_td1(CCCD_MRZ[0], "9301054M3301052VNM<<<<<<<<<<<8x", CCCD_MRZ[2]);
        assert!(matches!(err, Err(MrzError::LineLength { line: 2, .. })));
        let err = Mrz::parse_td1(CCCD_MRZ[0], "9301054m3301052VNM<<<<<<<<<<<8", CCCD_MRZ[2]);
        assert_eq!(
            err,
            Err(MrzError::InvalidCharacter {
                line: 2,
                position: 8,
                found: 'm'
            })
        );
        assert!(matches!(
            Mrz::parse("too short"),
            Err(MrzError::UnknownLayout { .. })
        ));
    }

    #[test]
    fn parses_dg1() {
        let mut w = crate::lds::tlv::TlvWriter::new();
        w.nested(0x61, |w| {
            w.put(0x5F1F, CCCD_MRZ.concat().as_bytes());
        });
        let mrz = parse_dg1(&w.into_bytes()).unwrap();
        assert_eq!(mrz.vietnamese_id(), Some("001093047064"));

        let mut w = crate::lds::tlv::TlvWriter::new();
        w.nested(0x61, |w| {
            w.put(0x5F1F, b"SHORT");
        });
        assert!(matches!(
            parse_dg1(&w.into_bytes()),
            Err(MrzError::UnknownLayout { chars: 5, .. })
        ));
        assert!(matches!(parse_dg1(&[0x61, 0x00]), Err(MrzError::Dg1Tlv(_))));
        assert!(matches!(parse_dg1(&[0x61, 0x05]), Err(MrzError::Dg1Tlv(_))));
    }
}
