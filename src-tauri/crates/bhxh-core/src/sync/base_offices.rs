//! The progress of this office's base offices (BHXH cơ sở), as HQ last gave
//! it (migration 20). A provincial office's desk asks HQ after each
//! successful sync and [`replace`]s the whole copy in one transaction; a
//! base office's desk is told it is not provincial ([`mark_not_provincial`]).
//! Offline, the last copy stays, with when it was fetched. No network here.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{CoreError, Timestamp, ts};

/// One task of a base office's newest monthly report, as HQ read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BaseTask {
    pub task_number: u32,
    pub percent: Option<u32>,
    /// `not_started`, `in_progress`, `done`, `late`, or none.
    pub status: Option<String>,
}

/// One base office.
#[derive(Debug, Clone, PartialEq)]
pub struct BaseOffice {
    pub code: String,
    pub name: String,
    pub revoked: bool,
    /// HQ's word: no report yet for HQ's `as_of_month`.
    pub late: bool,
    pub latest_month: Option<String>,
    pub latest_revision: Option<i64>,
    pub last_sync_at: Option<String>,
    pub tasks: Vec<BaseTask>,
}

/// Tasks of one office by how far they are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskCounts {
    pub done: usize,
    pub in_progress: usize,
    pub late: usize,
    pub not_started: usize,
}

impl BaseOffice {
    /// It sent HQ a monthly report for `month` (`YYYY-MM`) or a later one.
    pub fn reported_for(&self, month: &str) -> bool {
        self.latest_month.as_deref().is_some_and(|m| m >= month)
    }

    pub fn counts(&self) -> TaskCounts {
        let mut c = TaskCounts::default();
        for t in &self.tasks {
            match t.status.as_deref() {
                Some("done") => c.done += 1,
                Some("in_progress") => c.in_progress += 1,
                Some("late") => c.late += 1,
                Some("not_started") => c.not_started += 1,
                _ => {}
            }
        }
        c
    }

    /// The mean of the percents it reported, if any.
    pub fn average_percent(&self) -> Option<f64> {
        let p: Vec<u32> = self.tasks.iter().filter_map(|t| t.percent).collect();
        (!p.is_empty()).then(|| f64::from(p.iter().sum::<u32>()) / p.len() as f64)
    }
}

/// What HQ said of the province's base offices, and when it was fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    pub province_code: String,
    pub province_name: String,
    /// HQ's month every office should have reported by (`YYYY-MM`).
    pub as_of_month: String,
    /// HQ's clock when it computed the figures.
    pub generated_at: String,
    /// This desk's clock when it received them.
    pub fetched_at: String,
    pub offices: Vec<BaseOffice>,
}

/// The stored copy.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    /// HQ was never asked (sync not set up, or never reached).
    Never,
    /// HQ answered that this office is a base office, at `checked_at`.
    NotProvincial {
        checked_at: String,
    },
    Picture(Picture),
}

fn clear(conn: &Connection) -> Result<(), CoreError> {
    conn.execute_batch("DELETE FROM base_office; DELETE FROM base_office_fetch;")?;
    Ok(())
}

/// Replace the copy with `picture`, in the caller's transaction (all of it
/// or, on error, none).
pub fn replace(conn: &Connection, picture: &Picture) -> Result<(), CoreError> {
    clear(conn)?;
    conn.execute(
        "INSERT INTO base_office_fetch (id, fetched_at, provincial, province_code, province_name,
                as_of_month, generated_at) VALUES (1, ?1, 1, ?2, ?3, ?4, ?5)",
        params![
            picture.fetched_at,
            picture.province_code,
            picture.province_name,
            picture.as_of_month,
            picture.generated_at
        ],
    )?;
    let mut stmt = conn.prepare(
        "INSERT INTO base_office (code, name, revoked, late, latest_month, latest_revision,
                last_sync_at, tasks) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for o in &picture.offices {
        let tasks = serde_json::to_string(&o.tasks)
            .map_err(|e| CoreError::Corrupt(format!("tiến độ của {}: {e}", o.code)))?;
        stmt.execute(params![
            o.code,
            o.name,
            o.revoked,
            o.late,
            o.latest_month,
            o.latest_revision,
            o.last_sync_at,
            tasks
        ])?;
    }
    Ok(())
}

/// HQ says this office is a base office: no copy is kept.
pub fn mark_not_provincial(conn: &Connection, now: &Timestamp) -> Result<(), CoreError> {
    clear(conn)?;
    conn.execute(
        "INSERT INTO base_office_fetch (id, fetched_at, provincial) VALUES (1, ?1, 0)",
        [ts(now)],
    )?;
    Ok(())
}

/// The stored copy.
pub fn load(conn: &Connection) -> Result<Stored, CoreError> {
    type Head = (
        String,
        bool,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let head: Option<Head> = conn
        .query_row(
            "SELECT fetched_at, provincial, province_code, province_name, as_of_month, generated_at
             FROM base_office_fetch WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .optional()?;
    let Some((fetched_at, provincial, code, name, as_of, generated)) = head else {
        return Ok(Stored::Never);
    };
    if !provincial {
        return Ok(Stored::NotProvincial {
            checked_at: fetched_at,
        });
    }
    let mut stmt = conn.prepare(
        "SELECT code, name, revoked, late, latest_month, latest_revision, last_sync_at, tasks
         FROM base_office ORDER BY code",
    )?;
    let offices = stmt
        .query_map([], |r| {
            Ok((
                BaseOffice {
                    code: r.get(0)?,
                    name: r.get(1)?,
                    revoked: r.get(2)?,
                    late: r.get(3)?,
                    latest_month: r.get(4)?,
                    latest_revision: r.get(5)?,
                    last_sync_at: r.get(6)?,
                    tasks: Vec::new(),
                },
                r.get::<_, String>(7)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|(mut o, tasks)| {
            o.tasks = serde_json::from_str(&tasks)
                .map_err(|e| CoreError::Corrupt(format!("tiến độ của {}: {e}", o.code)))?;
            Ok(o)
        })
        .collect::<Result<Vec<_>, CoreError>>()?;
    Ok(Stored::Picture(Picture {
        province_code: code.unwrap_or_default(),
        province_name: name.unwrap_or_default(),
        as_of_month: as_of.unwrap_or_default(),
        generated_at: generated.unwrap_or_default(),
        fetched_at,
        offices,
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::parse_ts;

    fn conn() -> Connection {
        crate::seeded_for_tests()
    }

    fn office(code: &str, month: Option<&str>) -> BaseOffice {
        BaseOffice {
            code: code.into(),
            name: format!("BHXH cơ sở {code}"),
            revoked: false,
            late: month.is_none(),
            latest_month: month.map(str::to_owned),
            latest_revision: month.map(|_| 1),
            last_sync_at: None,
            tasks: vec![
                BaseTask {
                    task_number: 1,
                    percent: Some(100),
                    status: Some("done".into()),
                },
                BaseTask {
                    task_number: 8,
                    percent: Some(40),
                    status: Some("in_progress".into()),
                },
            ],
        }
    }

    fn picture(offices: Vec<BaseOffice>) -> Picture {
        Picture {
            province_code: "HN".into(),
            province_name: "BHXH thành phố Hà Nội".into(),
            as_of_month: "2024-05".into(),
            generated_at: "2024-06-03T08:00:00+07:00".into(),
            fetched_at: "2024-06-03T08:00:01+07:00".into(),
            offices,
        }
    }

    #[test]
    fn a_picture_is_replaced_whole_and_read_back() {
        let mut c = conn();
        assert_eq!(load(&c).unwrap(), Stored::Never);
        let first = picture(vec![office("HN-1", Some("2024-05")), office("HN-2", None)]);
        let tx = c.transaction().unwrap();
        replace(&tx, &first).unwrap();
        tx.commit().unwrap();
        assert_eq!(load(&c).unwrap(), Stored::Picture(first));
        // a later fetch with one office fewer: nothing of the old one stays
        let second = picture(vec![office("HN-3", Some("2024-06"))]);
        let tx = c.transaction().unwrap();
        replace(&tx, &second).unwrap();
        tx.commit().unwrap();
        assert_eq!(load(&c).unwrap(), Stored::Picture(second.clone()));
        // a replace that fails half-way (an office twice) leaves the old copy
        let tx = c.transaction().unwrap();
        let twice = picture(vec![office("HN-4", None), office("HN-4", None)]);
        assert!(replace(&tx, &twice).is_err());
        drop(tx);
        assert_eq!(load(&c).unwrap(), Stored::Picture(second));
        // HQ says: a base office
        let now = parse_ts("2024-06-04T08:00:00+07:00").unwrap();
        mark_not_provincial(&c, &now).unwrap();
        assert_eq!(
            load(&c).unwrap(),
            Stored::NotProvincial {
                checked_at: ts(&now)
            }
        );
    }

    #[test]
    fn reported_counts_and_average() {
        let o = office("HN-1", Some("2024-05"));
        assert!(o.reported_for("2024-05") && o.reported_for("2024-04"));
        assert!(!o.reported_for("2024-06"));
        assert!(!office("HN-2", None).reported_for("2024-01"));
        let c = o.counts();
        assert_eq!((c.done, c.in_progress, c.late, c.not_started), (1, 1, 0, 0));
        assert_eq!(o.average_percent(), Some(70.0));
    }
}
