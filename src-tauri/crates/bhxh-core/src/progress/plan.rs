//! The 2024 plan: its sections and 27 tasks as stored.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::CoreError;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Section {
    pub number: u32,
    pub title: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    pub indicator: String,
    pub value: f64,
    pub unit: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub number: u32,
    pub section: u32,
    /// False where the source text lost the item number (it was recovered
    /// from the order of the items).
    pub number_in_source: bool,
    pub content: String,
    pub lead_unit: String,
    pub coordinating_units: String,
    pub deadline_text: String,
    /// `month`, `year`, `ongoing`, `recurring` or `roadmap`.
    pub deadline_kind: String,
    /// ISO date for `month` and `year` deadlines.
    pub deadline: Option<String>,
    pub product: String,
    pub target: Option<Target>,
    /// The provincial office's part: `lead`, `coordinating`, `not_involved`.
    pub province_role: String,
    /// The latest change HQ made to this task (deadline or target), if any.
    pub hq_change: Option<HqChange>,
}

/// A change of a task's deadline or target sent down by HQ and applied.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HqChange {
    pub seq: i64,
    pub published_at: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub decision: String,
    pub decision_date: String,
    pub title: String,
    pub sections: Vec<Section>,
    pub tasks: Vec<Task>,
}

pub fn load(conn: &Connection) -> Result<Plan, CoreError> {
    let (decision, decision_date, title) = conn.query_row(
        "SELECT decision, decision_date, title FROM plan WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let mut stmt =
        conn.prepare("SELECT number, title FROM plan_section WHERE plan_id = 1 ORDER BY number")?;
    let sections = stmt
        .query_map([], |r| {
            Ok(Section {
                number: r.get(0)?,
                title: r.get(1)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare(
        "SELECT t.number, t.section, t.number_in_source, t.content, t.lead_unit, t.coordinating_units,
                t.deadline_text, t.deadline_kind, t.deadline, t.product, t.target_indicator,
                t.target_value, t.target_unit, t.province_role, c.seq, c.published_at, c.note
         FROM plan_task t
         LEFT JOIN hq_plan_change c ON c.seq = (
             SELECT max(seq) FROM hq_plan_change WHERE task_number = t.number)
         WHERE t.plan_id = 1 ORDER BY t.number",
    )?;
    let tasks = stmt
        .query_map([], |r| {
            let indicator: Option<String> = r.get(10)?;
            let value: Option<f64> = r.get(11)?;
            let unit: Option<String> = r.get(12)?;
            Ok(Task {
                number: r.get(0)?,
                section: r.get(1)?,
                number_in_source: r.get(2)?,
                content: r.get(3)?,
                lead_unit: r.get(4)?,
                coordinating_units: r.get(5)?,
                deadline_text: r.get(6)?,
                deadline_kind: r.get(7)?,
                deadline: r.get(8)?,
                product: r.get(9)?,
                target: match (indicator, value, unit) {
                    (Some(indicator), Some(value), Some(unit)) => Some(Target {
                        indicator,
                        value,
                        unit,
                    }),
                    _ => None,
                },
                province_role: r.get(13)?,
                hq_change: match r.get::<_, Option<i64>>(14)? {
                    Some(seq) => Some(HqChange {
                        seq,
                        published_at: r.get(15)?,
                        note: r.get(16)?,
                    }),
                    None => None,
                },
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Plan {
        decision,
        decision_date,
        title,
        sections,
        tasks,
    })
}
