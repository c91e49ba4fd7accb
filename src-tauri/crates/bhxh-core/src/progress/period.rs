//! The periods progress is entered and reported for: a month (`2024-05`),
//! a half year (`2024-H1`) and a year (`2024`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{CoreError, Timestamp};

/// The plan starts in January 2024; nothing is reported before.
pub(super) const FIRST_MONTH: Month = Month {
    year: 2024,
    month: 1,
};

/// A calendar month, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((2000..=2100).contains(&year) && (1..=12).contains(&month))
            .then_some(Month { year, month })
    }

    /// `2024-05` → May 2024; anything else is refused with what was wrong.
    pub fn parse(s: &str) -> Result<Month, CoreError> {
        let bad = || {
            CoreError::invalid(
                "period",
                format!("Kỳ báo cáo \"{s}\" không hợp lệ: cần dạng NĂM-THÁNG, ví dụ 2024-05."),
            )
        };
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year = y.parse::<i32>().map_err(|_| bad())?;
        let month = m.parse::<u32>().map_err(|_| bad())?;
        Month::new(year, month).ok_or_else(bad)
    }

    pub fn of(t: &Timestamp) -> Month {
        use chrono::Datelike;
        Month {
            year: t.year(),
            month: t.month(),
        }
    }

    /// "tháng 5/2024"
    pub fn label(self) -> String {
        format!("tháng {}/{}", self.month, self.year)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Monthly, 6-month or annual report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Month,
    Half,
    Year,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Month => "month",
            ReportKind::Half => "half",
            ReportKind::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<ReportKind> {
        [ReportKind::Month, ReportKind::Half, ReportKind::Year]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// The period a report covers: `2024-05` (month), `2024-H1` / `2024-H2`
/// (half year), `2024` (year).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPeriod {
    pub kind: ReportKind,
    pub key: String,
    pub first: Month,
    pub last: Month,
}

impl ReportPeriod {
    pub fn parse(kind: ReportKind, key: &str) -> Result<ReportPeriod, CoreError> {
        let key = key.trim();
        let bad = |example: &str| {
            CoreError::invalid(
                "period",
                format!("Kỳ báo cáo \"{key}\" không hợp lệ: cần dạng {example}."),
            )
        };
        let year_of = |y: &str, example: &str| -> Result<i32, CoreError> {
            if y.len() != 4 {
                return Err(bad(example));
            }
            let year = y.parse::<i32>().map_err(|_| bad(example))?;
            Month::new(year, 1)
                .map(|_| year)
                .ok_or_else(|| bad(example))
        };
        let (first, last) = match kind {
            ReportKind::Month => {
                let m = Month::parse(key).map_err(|_| bad("NĂM-THÁNG, ví dụ 2024-05"))?;
                (m, m)
            }
            ReportKind::Half => {
                let example = "NĂM-H1 hoặc NĂM-H2, ví dụ 2024-H1";
                let (y, h) = key.split_once('-').ok_or_else(|| bad(example))?;
                let year = year_of(y, example)?;
                match h {
                    "H1" => (Month { year, month: 1 }, Month { year, month: 6 }),
                    "H2" => (Month { year, month: 7 }, Month { year, month: 12 }),
                    _ => return Err(bad(example)),
                }
            }
            ReportKind::Year => {
                let year = year_of(key, "NĂM, ví dụ 2024")?;
                (Month { year, month: 1 }, Month { year, month: 12 })
            }
        };
        Ok(ReportPeriod {
            kind,
            key: key.to_owned(),
            first,
            last,
        })
    }

    /// "tháng 5 năm 2024", "6 tháng đầu năm 2024", "năm 2024"
    pub fn label(&self) -> String {
        match self.kind {
            ReportKind::Month => format!("tháng {} năm {}", self.first.month, self.first.year),
            ReportKind::Half if self.first.month == 1 => {
                format!("6 tháng đầu năm {}", self.first.year)
            }
            ReportKind::Half => format!("6 tháng cuối năm {}", self.first.year),
            ReportKind::Year => format!("năm {}", self.first.year),
        }
    }

    pub(super) fn audit_id(&self, revision: i64) -> String {
        format!("{}:{}#{}", self.kind.as_str(), self.key, revision)
    }
}
