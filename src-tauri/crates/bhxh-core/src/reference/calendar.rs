//! Working days: weekends and the public holidays of the holiday table, with
//! the announced make-up Saturdays counted as working days; and days that
//! skip only the public holidays and Tết (weekends count), the unit of the
//! pension deadline under Social Insurance Law 41/2024.
//!
//! Holidays of kind `optional` (decided in policy, not yet in the Labour
//! Code, e.g. 24/11 "Ngày Văn hóa Việt Nam") count only when the office
//! turns them on: setting [`OPTIONAL_HOLIDAYS_KEY`] = `on`.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};
use rusqlite::Connection;

use crate::CoreError;

/// Setting: `on` when the office observes the optional holidays.
pub const OPTIONAL_HOLIDAYS_KEY: &str = "calendar.optional_holidays";

#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    /// Every weekday the office is closed (holidays, compensatory and swapped days).
    days_off: BTreeSet<NaiveDate>,
    working_weekends: BTreeSet<NaiveDate>,
    /// Public holidays and Tết themselves (and their compensatory days), for
    /// deadlines counted in days excluding holidays.
    holidays: BTreeSet<NaiveDate>,
}

impl WorkCalendar {
    pub fn new(
        days_off: impl IntoIterator<Item = NaiveDate>,
        working_weekends: impl IntoIterator<Item = NaiveDate>,
    ) -> Self {
        let days_off: BTreeSet<NaiveDate> = days_off.into_iter().collect();
        WorkCalendar {
            holidays: days_off.clone(),
            days_off,
            working_weekends: working_weekends.into_iter().collect(),
        }
    }

    /// The public holidays (excluding days off by a swap) apart from the
    /// office's days off.
    pub fn with_holidays(mut self, holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.holidays = holidays.into_iter().collect();
        self
    }

    pub fn load(conn: &Connection) -> Result<Self, CoreError> {
        let read = |sql: &str| -> Result<Vec<NaiveDate>, CoreError> {
            let mut stmt = conn.prepare(sql)?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for row in rows {
                let s = row?;
                out.push(
                    NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                        .map_err(|e| CoreError::Corrupt(format!("ngày nghỉ '{s}': {e}")))?,
                );
            }
            Ok(out)
        };
        let optional = crate::office::settings::get(conn, OPTIONAL_HOLIDAYS_KEY)?
            .is_some_and(|v| v.trim() == "on");
        let filter = if optional {
            ""
        } else {
            " WHERE kind <> 'optional'"
        };
        let legal = if optional {
            " WHERE kind IN ('holiday', 'compensatory', 'optional')"
        } else {
            " WHERE kind IN ('holiday', 'compensatory')"
        };
        Ok(WorkCalendar::new(
            read(&format!("SELECT date FROM holiday{filter}"))?,
            read("SELECT date FROM working_weekend")?,
        )
        .with_holidays(read(&format!("SELECT date FROM holiday{legal}"))?))
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.working_weekends.contains(&d) {
            return true;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.days_off.contains(&d)
    }

    /// The `days`-th day after `received` that is not a public holiday or a
    /// Tết day (weekends and swapped days count).
    pub fn add_days_excluding_holidays(&self, received: NaiveDate, days: u32) -> NaiveDate {
        let mut d = received;
        let mut left = days;
        while left > 0 {
            d = d.succ_opt().unwrap_or(d);
            if !self.holidays.contains(&d) {
                left -= 1;
            }
        }
        d
    }

    /// The day a result is due when a dossier received on `received` takes
    /// `days` working days: the `days`-th working day after the receipt day.
    /// Zero days means the same day.
    pub fn add_working_days(&self, received: NaiveDate, days: u32) -> NaiveDate {
        let mut d = received;
        let mut left = days;
        while left > 0 {
            d = d.succ_opt().unwrap_or(d);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn skips_weekends_and_holidays_and_counts_make_up_saturdays() {
        let seed = crate::reference::seed::holidays().unwrap();
        let cal = WorkCalendar::new(
            seed.holidays.iter().map(|h| date(&h.date)),
            seed.working_weekends.iter().map(|h| date(&h.date)),
        );
        // Friday 2024-02-02 + 5 working days: 5, 6, 7 Feb, then Tết 8–14 Feb, then 15, 16 Feb.
        assert_eq!(
            cal.add_working_days(date("2024-02-02"), 5),
            date("2024-02-16")
        );
        // 2024-04-26 (Fri) + 1: 27/28 weekend, 29/4 swapped off, 30/4 and 1/5 holidays → 2 May.
        assert_eq!(
            cal.add_working_days(date("2024-04-26"), 1),
            date("2024-05-02")
        );
        // Saturday 2024-05-04 was a make-up working day.
        assert!(cal.is_working_day(date("2024-05-04")));
        assert!(!cal.is_working_day(date("2024-05-05")));
        assert_eq!(
            cal.add_working_days(date("2024-03-04"), 0),
            date("2024-03-04")
        );
    }
}
