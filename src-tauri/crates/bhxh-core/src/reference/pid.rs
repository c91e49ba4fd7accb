//! The 12-digit personal identification number (số định danh cá nhân, the
//! CCCD number): `PPP G YY RRRRRR`. PPP is the province of birth
//! registration, G the century and sex, YY the birth year's last two digits.
//! There is no check digit, so a number can only be cross-checked against
//! the birth date and sex; a province outside the table is a warning, not an
//! error (only "12 digits" is guaranteed since the 2023 law).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Nam
    Male,
    /// Nữ
    Female,
}

impl Sex {
    pub fn label_vi(self) -> &'static str {
        match self {
            Sex::Male => "Nam",
            Sex::Female => "Nữ",
        }
    }

    /// Accepts "Nam", "Nữ", "Nu", "nam", "nu", "male", "female".
    pub fn parse(s: &str) -> Option<Sex> {
        match crate::text::fold(s.trim()).as_str() {
            "nam" | "male" | "m" => Some(Sex::Male),
            "nu" | "female" | "f" => Some(Sex::Female),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PidError {
    #[error("Số định danh cá nhân phải có đúng 12 chữ số (đang có {0} ký tự).")]
    Length(usize),
    #[error("Số định danh cá nhân chỉ gồm chữ số; ký tự thứ {position} là \"{found}\".")]
    NotDigit { position: usize, found: char },
}

/// A mismatch worth a warning at the counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PidWarning {
    UnknownProvince { code: String },
    SexMismatch { expected: Sex },
    CenturyMismatch { digit: u8, birth_year: i32 },
    YearMismatch { digits: String, birth_year: i32 },
}

impl PidWarning {
    pub fn message_vi(&self) -> String {
        match self {
            PidWarning::UnknownProvince { code } => {
                format!("Mã tỉnh \"{code}\" (3 số đầu) không có trong danh mục 63 tỉnh, thành phố.")
            }
            PidWarning::SexMismatch { expected } => format!(
                "Chữ số thứ 4 cho biết giới tính {}, khác với giới tính đã nhập.",
                expected.label_vi()
            ),
            PidWarning::CenturyMismatch { digit, birth_year } => {
                format!("Chữ số thứ 4 ({digit}) không khớp thế kỷ của năm sinh {birth_year}.")
            }
            PidWarning::YearMismatch { digits, birth_year } => {
                format!("Chữ số thứ 5–6 ({digits}) không khớp năm sinh {birth_year}.")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonalId(String);

impl PersonalId {
    pub fn parse(input: &str) -> Result<PersonalId, PidError> {
        let s = input.trim();
        if let Some((position, found)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(PidError::NotDigit {
                position: position + 1,
                found,
            });
        }
        if s.len() != 12 {
            return Err(PidError::Length(s.chars().count()));
        }
        Ok(PersonalId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn province_code(&self) -> &str {
        &self.0[..3]
    }

    fn gender_digit(&self) -> u8 {
        self.0.as_bytes()[3] - b'0'
    }

    /// The sex the 4th digit encodes.
    pub fn sex(&self) -> Sex {
        if self.gender_digit().is_multiple_of(2) {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Cross-check against a birth date, sex and the known province codes.
    pub fn check(
        &self,
        birth: NaiveDate,
        sex: Sex,
        known_province: impl Fn(&str) -> bool,
    ) -> Vec<PidWarning> {
        let mut w = Vec::new();
        let code = self.province_code();
        let abroad = code.parse::<u32>().is_ok_and(|n| (101..=295).contains(&n));
        if !known_province(code) && !abroad {
            w.push(PidWarning::UnknownProvince {
                code: code.to_owned(),
            });
        }
        if self.sex() != sex {
            w.push(PidWarning::SexMismatch {
                expected: self.sex(),
            });
        }
        let year = birth.year();
        // 1900s: 0/1, 2000s: 2/3, 2100s: 4/5, 2200s: 6/7, 2300s: 8/9.
        let century_digit = self.gender_digit() / 2;
        let expected_century = 19 + i32::from(century_digit);
        if year / 100 != expected_century {
            w.push(PidWarning::CenturyMismatch {
                digit: self.gender_digit(),
                birth_year: year,
            });
        }
        let yy = &self.0[4..6];
        if yy != format!("{:02}", year % 100) {
            w.push(PidWarning::YearMismatch {
                digits: yy.to_owned(),
                birth_year: year,
            });
        }
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parses_and_cross_checks() {
        let id = PersonalId::parse(" 001093047064 ").unwrap();
        assert_eq!(id.province_code(), "001");
        assert_eq!(id.sex(), Sex::Male);
        assert!(
            id.check(d(1993, 1, 5), Sex::Male, |c| c == "001")
                .is_empty()
        );
        let w = id.check(d(2003, 1, 5), Sex::Female, |_| false);
        assert_eq!(w.len(), 4, "{w:?}");
        let woman_2000s = PersonalId::parse("079305000123").unwrap();
        assert_eq!(woman_2000s.sex(), Sex::Female);
        assert!(
            woman_2000s
                .check(d(2005, 6, 1), Sex::Female, |c| c == "079")
                .is_empty()
        );
    }

    #[test]
    fn rejects_malformed_numbers_precisely() {
        assert_eq!(PersonalId::parse("12345"), Err(PidError::Length(5)));
        assert_eq!(
            PersonalId::parse("00109304706a"),
            Err(PidError::NotDigit {
                position: 12,
                found: 'a'
            })
        );
        assert_eq!(
            PersonalId::parse("0010930470641"),
            Err(PidError::Length(13))
        );
        assert!(PidError::Length(5).to_string().contains("12 chữ số"));
    }

    #[test]
    fn sex_parses_vietnamese_labels() {
        assert_eq!(Sex::parse("Nữ"), Some(Sex::Female));
        assert_eq!(Sex::parse("NAM"), Some(Sex::Male));
        assert_eq!(Sex::parse("x"), None);
    }
}
