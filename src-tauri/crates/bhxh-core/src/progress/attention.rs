//! What needs attention on the plan screen today: tasks overdue, reported
//! late or at risk.

use rusqlite::Connection;
use serde::Serialize;

use super::entries::{Status, latest_as_of};
use super::period::Month;
use super::plan;
use crate::CoreError;

/// Why a task needs attention on the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// A dated deadline has passed and the task is not done.
    Overdue,
    /// Reported as late by the office.
    ReportedLate,
    /// Due within 30 days and less than 80 % done.
    AtRisk,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attention {
    pub task_number: u32,
    pub risk: Risk,
    pub deadline: Option<String>,
    pub percent: u8,
}

/// Tasks the province takes part in that are overdue, reported late or at
/// risk on `today` (ISO date), from each task's newest entry.
pub fn attention(conn: &Connection, today: chrono::NaiveDate) -> Result<Vec<Attention>, CoreError> {
    use chrono::Datelike;
    let plan = plan::load(conn)?;
    let month = Month::new(today.year(), today.month())
        .ok_or_else(|| CoreError::invalid("today", format!("Ngày {today} nằm ngoài phạm vi.")))?;
    let entries = latest_as_of(conn, month)?;
    let mut out = Vec::new();
    for t in plan
        .tasks
        .iter()
        .filter(|t| t.province_role != "not_involved")
    {
        let e = entries.iter().find(|e| e.task_number == t.number);
        let (status, percent) = e.map_or((Status::NotStarted, 0), |e| (e.status, e.percent));
        if status == Status::Done {
            continue;
        }
        let deadline = t
            .deadline
            .as_deref()
            .filter(|_| matches!(t.deadline_kind.as_str(), "month" | "year"))
            .and_then(|d| {
                chrono::NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d").ok()
            });
        let risk = match deadline {
            Some(d) if d < today => Some(Risk::Overdue),
            _ if status == Status::Late => Some(Risk::ReportedLate),
            Some(d) if (d - today).num_days() <= 30 && percent < 80 => Some(Risk::AtRisk),
            _ => None,
        };
        if let Some(risk) = risk {
            out.push(Attention {
                task_number: t.number,
                risk,
                deadline: t.deadline.clone(),
                percent,
            });
        }
    }
    Ok(out)
}
