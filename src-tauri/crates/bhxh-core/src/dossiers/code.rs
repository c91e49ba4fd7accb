//! Dossier codes (Circular 01/2018/TT-VPCP Art. 19): `<agency code>-YYMMDD-XXXX`
//! by default, the sequence restarting every day. Offices that follow the
//! `yyyyMMdd` + 7-digit practice change the pattern (setting
//! `dossier.code_pattern`); the pattern is data, checked before use.

use chrono::NaiveDate;

use crate::CoreError;

/// The pattern the law describes.
pub const DEFAULT_PATTERN: &str = "{agency}-{yymmdd}-{seq:4}";
/// The setting that holds an office's pattern.
pub const SETTING: &str = "dossier.code_pattern";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Agency,
    Yymmdd,
    Yyyymmdd,
    Seq(usize),
}

/// A checked code pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodePattern {
    parts: Vec<Part>,
    width: usize,
}

impl CodePattern {
    /// Parse a pattern made of literal text and the tokens `{agency}`,
    /// `{yymmdd}`, `{yyyymmdd}` and `{seq:N}` (N from 3 to 9 digits). It must
    /// hold exactly one sequence and at least one date, or codes would repeat.
    pub fn parse(pattern: &str) -> Result<CodePattern, CoreError> {
        let bad = |msg: String| CoreError::invalid("codePattern", msg);
        let mut parts = Vec::new();
        let mut rest = pattern;
        let mut width = None;
        let mut has_date = false;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('{') {
                let Some(end) = after.find('}') else {
                    return Err(bad(format!(
                        "Mẫu mã hồ sơ \"{pattern}\": thiếu dấu \"}}\" đóng."
                    )));
                };
                let token = &after[..end];
                let part = match token {
                    "agency" => Part::Agency,
                    "yymmdd" => Part::Yymmdd,
                    "yyyymmdd" => Part::Yyyymmdd,
                    _ => match token.strip_prefix("seq:").map(str::parse::<usize>) {
                        Some(Ok(n)) if (3..=9).contains(&n) => Part::Seq(n),
                        _ => {
                            return Err(bad(format!(
                                "Mẫu mã hồ sơ \"{pattern}\": không hiểu \"{{{token}}}\" (dùng {{agency}}, {{yymmdd}}, {{yyyymmdd}}, {{seq:N}} với N từ 3 đến 9)."
                            )));
                        }
                    },
                };
                match part {
                    Part::Seq(n) if width.replace(n).is_some() => {
                        return Err(bad(format!(
                            "Mẫu mã hồ sơ \"{pattern}\" có hai số thứ tự {{seq:N}}."
                        )));
                    }
                    Part::Yymmdd | Part::Yyyymmdd => has_date = true,
                    _ => {}
                }
                parts.push(part);
                rest = &after[end + 1..];
            } else {
                let end = rest.find('{').unwrap_or(rest.len());
                let literal = &rest[..end];
                if let Some(c) = literal
                    .chars()
                    .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '/')))
                {
                    return Err(bad(format!(
                        "Mẫu mã hồ sơ \"{pattern}\": ký tự \"{c}\" không được dùng trong mã (chỉ chữ, số và - . _ /)."
                    )));
                }
                parts.push(Part::Literal(literal.to_owned()));
                rest = &rest[end..];
            }
        }
        let Some(width) = width else {
            return Err(bad(format!(
                "Mẫu mã hồ sơ \"{pattern}\" thiếu số thứ tự {{seq:N}}."
            )));
        };
        if !has_date {
            return Err(bad(format!(
                "Mẫu mã hồ sơ \"{pattern}\" thiếu ngày ({{yymmdd}} hoặc {{yyyymmdd}}): số thứ tự bắt đầu lại mỗi ngày nên mã sẽ trùng."
            )));
        }
        Ok(CodePattern { parts, width })
    }

    /// The largest sequence number a day can hold.
    pub fn capacity(&self) -> u64 {
        10u64.pow(self.width as u32) - 1
    }

    /// The code of the `seq`-th dossier received on `day`.
    pub fn render(&self, agency: &str, day: NaiveDate, seq: u64) -> Result<String, CoreError> {
        if seq == 0 || seq > self.capacity() {
            return Err(CoreError::Conflict(format!(
                "Đã hết số thứ tự hồ sơ của ngày {} (tối đa {} hồ sơ một ngày theo mẫu mã). Hãy đổi mẫu mã hồ sơ để có thêm chữ số.",
                day.format("%d/%m/%Y"),
                self.capacity()
            )));
        }
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Agency => out.push_str(agency),
                Part::Yymmdd => out.push_str(&day.format("%y%m%d").to_string()),
                Part::Yyyymmdd => out.push_str(&day.format("%Y%m%d").to_string()),
                Part::Seq(n) => out.push_str(&format!("{seq:0n$}", n = *n)),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 5).unwrap()
    }

    #[test]
    fn the_default_pattern_gives_the_legal_code() {
        let p = CodePattern::parse(DEFAULT_PATTERN).unwrap();
        assert_eq!(
            p.render("000.00.00.H41", day(), 7).unwrap(),
            "000.00.00.H41-260305-0007"
        );
        assert_eq!(p.capacity(), 9999);
        assert!(matches!(
            p.render("X", day(), 10_000),
            Err(CoreError::Conflict(_))
        ));
    }

    #[test]
    fn the_practice_pattern_is_accepted() {
        let p = CodePattern::parse("{agency}-{yyyymmdd}-{seq:7}").unwrap();
        assert_eq!(p.render("H41", day(), 12).unwrap(), "H41-20260305-0000012");
    }

    #[test]
    fn patterns_that_would_repeat_or_garble_codes_are_refused() {
        for (pattern, needle) in [
            ("{agency}-{seq:4}", "thiếu ngày"),
            ("{agency}-{yymmdd}", "thiếu số thứ tự"),
            ("{agency}-{yymmdd}-{seq:4}-{seq:3}", "hai số thứ tự"),
            ("{agency}-{yymmdd}-{seq:2}", "không hiểu"),
            ("{agency}-{yymmdd}-{seq:4", "thiếu dấu"),
            ("{agency} {yymmdd}-{seq:4}", "ký tự \" \""),
            ("{agency}-{ngay}-{seq:4}", "không hiểu \"{ngay}\""),
        ] {
            let err = CodePattern::parse(pattern).unwrap_err().to_string();
            assert!(err.contains(needle), "{pattern}: {err}");
        }
    }
}
