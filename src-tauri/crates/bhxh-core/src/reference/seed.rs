//! Reference data shipped in `assets/seed/` and loaded at first start: the
//! 2024 plan (Decision 147/QĐ-BHXH), the 63 province codes, the procedure
//! catalogue and the public holidays. The files are compiled into the
//! program, so a first start needs nothing but the binary.

use rusqlite::{Connection, params};
use serde::Deserialize;

use crate::CoreError;

pub const PLAN_2024_JSON: &str = include_str!("../../../../../assets/seed/plan-2024.json");
pub const PROVINCES_JSON: &str = include_str!("../../../../../assets/seed/provinces.json");
pub const PROCEDURES_JSON: &str = include_str!("../../../../../assets/seed/procedures.json");
pub const HOLIDAYS_JSON: &str = include_str!("../../../../../assets/seed/holidays.json");

#[derive(Debug, Clone, Deserialize)]
pub struct SeedPlan {
    pub decision: String,
    pub decision_date: String,
    pub title: String,
    pub sections: Vec<SeedSection>,
    pub tasks: Vec<SeedTask>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedSection {
    pub number: u32,
    pub title: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedTarget {
    pub indicator: String,
    pub value: f64,
    pub unit: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedTask {
    pub number: u32,
    pub section: u32,
    pub number_in_source: bool,
    pub content: String,
    pub lead_unit: String,
    pub coordinating_units: String,
    pub deadline_text: String,
    pub deadline_kind: String,
    pub deadline: Option<String>,
    pub product: String,
    pub target: Option<SeedTarget>,
    pub province_role: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedProvince {
    pub code: String,
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedComponent {
    pub number: u32,
    pub name: String,
    #[serde(default = "one")]
    pub copies: u32,
    #[serde(default)]
    pub original: bool,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedProcedure {
    pub code: String,
    pub code_is_national: bool,
    pub name: String,
    pub group: String,
    pub processing_days: u32,
    pub components: Vec<SeedComponent>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedHoliday {
    pub date: String,
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub projected: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedWorkingWeekend {
    pub date: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedHolidays {
    pub holidays: Vec<SeedHoliday>,
    pub working_weekends: Vec<SeedWorkingWeekend>,
}

fn parse<T: serde::de::DeserializeOwned>(file: &'static str, text: &str) -> Result<T, CoreError> {
    serde_json::from_str(text).map_err(|e| CoreError::Seed {
        file,
        detail: e.to_string(),
    })
}

pub fn plan() -> Result<SeedPlan, CoreError> {
    let plan: SeedPlan = parse("plan-2024.json", PLAN_2024_JSON)?;
    if plan.tasks.len() != 27 || plan.sections.len() != 9 {
        return Err(CoreError::Seed {
            file: "plan-2024.json",
            detail: format!(
                "cần 27 nhiệm vụ trong 9 phần, có {} nhiệm vụ, {} phần",
                plan.tasks.len(),
                plan.sections.len()
            ),
        });
    }
    Ok(plan)
}

pub fn provinces() -> Result<Vec<SeedProvince>, CoreError> {
    parse("provinces.json", PROVINCES_JSON)
}

pub fn procedures() -> Result<Vec<SeedProcedure>, CoreError> {
    parse("procedures.json", PROCEDURES_JSON)
}

pub fn holidays() -> Result<SeedHolidays, CoreError> {
    parse("holidays.json", HOLIDAYS_JSON)
}

/// Load every seed file. Call once, inside the first start's transaction.
pub fn load_all(conn: &Connection, now: &crate::Timestamp) -> Result<(), CoreError> {
    let now = crate::ts(now);
    let mut ins = conn.prepare("INSERT INTO province (code, name, kind) VALUES (?1, ?2, ?3)")?;
    for p in provinces()? {
        ins.execute(params![p.code, p.name, p.kind])?;
    }

    let mut proc_ins = conn.prepare(
        "INSERT INTO procedure (code, code_is_national, name, grp, processing_days, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut comp_ins = conn.prepare(
        "INSERT INTO procedure_component (procedure_code, number, name, copies, original) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for p in procedures()? {
        proc_ins.execute(params![
            p.code,
            p.code_is_national,
            p.name,
            p.group,
            p.processing_days,
            now
        ])?;
        for c in &p.components {
            comp_ins.execute(params![p.code, c.number, c.name, c.copies, c.original])?;
        }
    }

    let h = holidays()?;
    let mut hol =
        conn.prepare("INSERT INTO holiday (date, name, kind, projected) VALUES (?1, ?2, ?3, ?4)")?;
    for d in &h.holidays {
        hol.execute(params![d.date, d.name, d.kind, d.projected])?;
    }
    let mut ww = conn.prepare("INSERT INTO working_weekend (date, name) VALUES (?1, ?2)")?;
    for d in &h.working_weekends {
        ww.execute(params![d.date, d.name])?;
    }

    let plan = plan()?;
    conn.execute(
        "INSERT INTO plan (id, decision, decision_date, title) VALUES (1, ?1, ?2, ?3)",
        params![plan.decision, plan.decision_date, plan.title],
    )?;
    let mut sec =
        conn.prepare("INSERT INTO plan_section (plan_id, number, title) VALUES (1, ?1, ?2)")?;
    for s in &plan.sections {
        sec.execute(params![s.number, s.title])?;
    }
    let mut task = conn.prepare(
        "INSERT INTO plan_task (plan_id, number, section, number_in_source, content, lead_unit, coordinating_units,
            deadline_text, deadline_kind, deadline, product, target_indicator, target_value, target_unit, province_role)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    for t in &plan.tasks {
        task.execute(params![
            t.number,
            t.section,
            t.number_in_source,
            t.content,
            t.lead_unit,
            t.coordinating_units,
            t.deadline_text,
            t.deadline_kind,
            t.deadline,
            t.product,
            t.target.as_ref().map(|x| x.indicator.as_str()),
            t.target.as_ref().map(|x| x.value),
            t.target.as_ref().map(|x| x.unit.as_str()),
            t.province_role,
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_files_parse_with_the_expected_counts() {
        let plan = plan().unwrap();
        assert_eq!(plan.tasks.len(), 27);
        let numbers: Vec<u32> = plan.tasks.iter().map(|t| t.number).collect();
        assert_eq!(numbers, (1..=27).collect::<Vec<_>>());
        let provinces = provinces().unwrap();
        assert_eq!(provinces.len(), 63);
        let mut codes: Vec<&str> = provinces.iter().map(|p| p.code.as_str()).collect();
        codes.dedup();
        assert_eq!(codes.len(), 63);
        assert_eq!(procedures().unwrap().len(), 25);
        assert!(holidays().unwrap().holidays.len() > 30);
    }

    #[test]
    fn seed_text_is_nfc() {
        for text in [
            PLAN_2024_JSON,
            PROVINCES_JSON,
            PROCEDURES_JSON,
            HOLIDAYS_JSON,
        ] {
            assert_eq!(crate::text::nfc(text), text);
        }
    }
}
