//! The rules in force on a date.
//!
//! Vietnam changed much in 2025–2026: 34 provincial units instead of 63, the
//! BHXH offices renamed, new one-stop papers (Decree 118/2025/NĐ-CP,
//! Circular 03/2025/TT-VPCP), new deadlines (Social Insurance Law
//! 41/2024/QH15). A rule here is **data with the date it applies from**
//! (and to), never a constant in code, and a dossier is handled under the
//! rules in force on the day it was received.
//!
//! Rules arrive in **packs** ([`Pack`]): versioned JSON, the built-in ones
//! in `assets/seed/reference-*.json` and later ones from HQ. [`apply_pack`]
//! checks a whole pack before writing anything, applies it once per
//! (id, version), closes the rules it replaces the day before the new ones
//! start, and records what changed ([`PackChanges`]), which the caller
//! audits.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::reference::calendar::WorkCalendar;
use crate::{CoreError, Timestamp, ts};

/// The built-in packs, applied in this order.
pub const SEED_PACKS: [(&str, &str); 2] = [
    (
        "reference-2018.json",
        include_str!("../../../../../assets/seed/reference-2018.json"),
    ),
    (
        "reference-2025.json",
        include_str!("../../../../../assets/seed/reference-2025.json"),
    ),
];

/// The pack format this program reads.
pub const PACK_FORMAT: u32 = 1;
/// Most entries of one kind a pack may hold (a hostile pack is refused
/// before anything is allocated for it beyond its text).
const MAX_ENTRIES: usize = 5000;
/// Longest text field in a pack.
const MAX_TEXT: usize = 2000;

/// How a deadline is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineUnit {
    /// Working days: weekends and public holidays skipped, make-up Saturdays counted.
    WorkingDays,
    /// Days excluding public holidays and Tết; weekends count (pensions under Law 41/2024).
    DaysExcludingHolidays,
    /// Calendar days.
    CalendarDays,
}

impl DeadlineUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineUnit::WorkingDays => "working_days",
            DeadlineUnit::DaysExcludingHolidays => "days_excluding_holidays",
            DeadlineUnit::CalendarDays => "calendar_days",
        }
    }

    pub fn parse(s: &str) -> Option<DeadlineUnit> {
        [
            DeadlineUnit::WorkingDays,
            DeadlineUnit::DaysExcludingHolidays,
            DeadlineUnit::CalendarDays,
        ]
        .into_iter()
        .find(|u| u.as_str() == s)
    }

    /// "ngày làm việc", …, after a number.
    pub fn label_vi(self) -> &'static str {
        match self {
            DeadlineUnit::WorkingDays => "ngày làm việc",
            DeadlineUnit::DaysExcludingHolidays => "ngày (không kể ngày nghỉ lễ, Tết)",
            DeadlineUnit::CalendarDays => "ngày",
        }
    }

    /// The due date of a dossier received on `received`.
    pub fn due(self, calendar: &WorkCalendar, received: NaiveDate, value: u32) -> NaiveDate {
        match self {
            DeadlineUnit::WorkingDays => calendar.add_working_days(received, value),
            DeadlineUnit::DaysExcludingHolidays => {
                calendar.add_days_excluding_holidays(received, value)
            }
            DeadlineUnit::CalendarDays => received
                .checked_add_days(chrono::Days::new(u64::from(value)))
                .unwrap_or(received),
        }
    }
}

// ----- the pack format -------------------------------------------------------

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    pub format: u32,
    pub id: String,
    pub version: i64,
    pub published: String,
    pub title: String,
    #[serde(default)]
    pub provinces: Vec<PackUnit>,
    #[serde(default)]
    pub procedures: Vec<PackProcedure>,
    #[serde(default)]
    pub papers: Vec<PackPaper>,
    #[serde(default)]
    pub agency_naming: Vec<PackNaming>,
    #[serde(default)]
    pub holidays: Vec<PackHoliday>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackUnit {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: Option<String>,
    #[serde(default)]
    pub predecessors: Vec<String>,
    #[serde(default)]
    pub basis: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackDeadline {
    pub value: u32,
    pub unit: String,
}

/// A component of a new procedure: the seed catalogue's own shape.
pub type PackComponent = crate::reference::seed::SeedComponent;

/// A procedure the pack brings that the catalogue does not have yet.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackNewProcedure {
    pub name: String,
    pub group: String,
    #[serde(default)]
    pub code_is_national: bool,
    pub components: Vec<PackComponent>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackProcedure {
    pub code: String,
    pub valid_from: String,
    pub deadline: PackDeadline,
    #[serde(default)]
    pub basis: String,
    #[serde(default = "yes")]
    pub verified: bool,
    #[serde(default)]
    pub new: Option<PackNewProcedure>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackPaper {
    pub set: String,
    pub form: String,
    pub kind: String,
    pub title: String,
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: Option<String>,
    #[serde(default)]
    pub basis: String,
    #[serde(default)]
    pub layout: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackNaming {
    pub valid_from: String,
    pub provincial: String,
    pub base: String,
    #[serde(default)]
    pub basis: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackHoliday {
    pub date: String,
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub projected: bool,
    #[serde(default)]
    pub basis: String,
}

/// What a pack changed, for the audit log and the administrator.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackChanges {
    pub id: String,
    pub version: i64,
    pub title: String,
    /// One Vietnamese line per change, with the date it applies from.
    pub lines: Vec<String>,
}

const PAPER_KINDS: [&str; 7] = [
    "receipt",
    "supplement",
    "refusal",
    "apology",
    "stop",
    "tracking",
    "register",
];
const HOLIDAY_KINDS: [&str; 4] = ["holiday", "compensatory", "swap_off", "optional"];

fn bad(detail: impl Into<String>) -> CoreError {
    CoreError::invalid("pack", detail)
}

fn date(field: &str, s: &str) -> Result<NaiveDate, CoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| bad(format!("{field}: ngày \"{s}\" phải có dạng YYYY-MM-DD")))
}

fn text(field: &str, s: &str, required: bool) -> Result<(), CoreError> {
    if required && s.trim().is_empty() {
        return Err(bad(format!("{field}: thiếu nội dung")));
    }
    if s.chars().count() > MAX_TEXT {
        return Err(bad(format!("{field}: dài quá {MAX_TEXT} ký tự")));
    }
    Ok(())
}

fn day_before(d: NaiveDate) -> String {
    d.pred_opt().unwrap_or(d).format("%Y-%m-%d").to_string()
}

/// Read a pack's text and check everything in it (formats, dates, codes,
/// units, sizes) before anything is written.
pub fn parse_pack(textual: &str) -> Result<Pack, CoreError> {
    if textual.len() > 8 * 1024 * 1024 {
        return Err(bad("gói dữ liệu tham chiếu lớn quá 8 MB"));
    }
    let pack: Pack = serde_json::from_str(textual)
        .map_err(|e| bad(format!("gói dữ liệu tham chiếu không đọc được: {e}")))?;
    if pack.format != PACK_FORMAT {
        return Err(bad(format!(
            "gói dạng {} nhưng phần mềm này đọc dạng {PACK_FORMAT}: hãy cập nhật BHXH Desk",
            pack.format
        )));
    }
    text("id", &pack.id, true)?;
    text("title", &pack.title, true)?;
    date("published", &pack.published)?;
    if pack.version < 1 {
        return Err(bad("version phải từ 1"));
    }
    for (what, n) in [
        ("provinces", pack.provinces.len()),
        ("procedures", pack.procedures.len()),
        ("papers", pack.papers.len()),
        ("agency_naming", pack.agency_naming.len()),
        ("holidays", pack.holidays.len()),
    ] {
        if n > MAX_ENTRIES {
            return Err(bad(format!("{what}: quá {MAX_ENTRIES} mục")));
        }
    }
    for u in &pack.provinces {
        let from = date("provinces.valid_from", &u.valid_from)?;
        if let Some(to) = &u.valid_to
            && date("provinces.valid_to", to)? < from
        {
            return Err(bad(format!("tỉnh {}: valid_to trước valid_from", u.code)));
        }
        if u.code.len() != 2 || !u.code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(format!("mã tỉnh mới \"{}\" phải gồm 2 chữ số", u.code)));
        }
        if u.kind != "tinh" && u.kind != "thanh_pho" {
            return Err(bad(format!(
                "tỉnh {}: kind \"{}\" không hợp lệ",
                u.code, u.kind
            )));
        }
        text("provinces.name", &u.name, true)?;
        text("provinces.basis", &u.basis, false)?;
    }
    for p in &pack.procedures {
        date("procedures.valid_from", &p.valid_from)?;
        text("procedures.code", &p.code, true)?;
        text("procedures.basis", &p.basis, false)?;
        if DeadlineUnit::parse(&p.deadline.unit).is_none() {
            return Err(bad(format!(
                "thủ tục {}: đơn vị thời hạn \"{}\" không hợp lệ",
                p.code, p.deadline.unit
            )));
        }
        if p.deadline.value > 365 {
            return Err(bad(format!("thủ tục {}: thời hạn quá 365", p.code)));
        }
        if let Some(n) = &p.new {
            text("procedures.new.name", &n.name, true)?;
            if n.components.len() > 100 {
                return Err(bad(format!("thủ tục {}: quá nhiều thành phần", p.code)));
            }
        }
    }
    for p in &pack.papers {
        date("papers.valid_from", &p.valid_from)?;
        if let Some(to) = &p.valid_to {
            date("papers.valid_to", to)?;
        }
        if !PAPER_KINDS.contains(&p.kind.as_str()) {
            return Err(bad(format!(
                "mẫu {}: loại \"{}\" không hợp lệ",
                p.form, p.kind
            )));
        }
        text("papers.title", &p.title, true)?;
        text("papers.set", &p.set, true)?;
    }
    for n in &pack.agency_naming {
        date("agency_naming.valid_from", &n.valid_from)?;
        text("agency_naming.provincial", &n.provincial, true)?;
        text("agency_naming.base", &n.base, true)?;
    }
    for h in &pack.holidays {
        date("holidays.date", &h.date)?;
        if !HOLIDAY_KINDS.contains(&h.kind.as_str()) {
            return Err(bad(format!(
                "ngày nghỉ {}: loại \"{}\" không hợp lệ",
                h.date, h.kind
            )));
        }
        text("holidays.name", &h.name, true)?;
    }
    Ok(pack)
}

/// Whether the pack (id, version) was applied already.
pub fn pack_applied(conn: &Connection, id: &str, version: i64) -> Result<bool, CoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM reference_pack WHERE id = ?1 AND version = ?2",
            params![id, version],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Apply a pack (checked by [`parse_pack`]) once; `None` when it was
/// applied before. Run inside the caller's write transaction, which also
/// writes the audit entry.
pub fn apply_pack(
    conn: &Connection,
    pack: &Pack,
    source: &str,
    now: &Timestamp,
) -> Result<Option<PackChanges>, CoreError> {
    if pack_applied(conn, &pack.id, pack.version)? {
        return Ok(None);
    }
    let mut lines = Vec::new();
    for u in &pack.provinces {
        let from = date("valid_from", &u.valid_from)?;
        // A new version of a unit closes the one before it.
        let closed = conn.execute(
            "UPDATE admin_unit SET valid_to = ?3
             WHERE code = ?1 AND valid_from < ?2 AND (valid_to IS NULL OR valid_to >= ?2)",
            params![u.code, u.valid_from, day_before(from)],
        )?;
        conn.execute(
            "INSERT INTO admin_unit (code, valid_from, valid_to, name, kind, basis)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (code, valid_from) DO UPDATE SET valid_to = excluded.valid_to,
                 name = excluded.name, kind = excluded.kind, basis = excluded.basis",
            params![u.code, u.valid_from, u.valid_to, u.name, u.kind, u.basis],
        )?;
        for old in &u.predecessors {
            if old.len() == 3 {
                let known = conn
                    .query_row("SELECT 1 FROM province WHERE code = ?1", [old], |_| Ok(()))
                    .optional()?
                    .is_some();
                if !known {
                    return Err(bad(format!(
                        "tỉnh {}: mã tỉnh cũ \"{old}\" không có",
                        u.code
                    )));
                }
                conn.execute(
                    "INSERT OR IGNORE INTO admin_unit_predecessor (code, old_code) VALUES (?1, ?2)",
                    params![u.code, old],
                )?;
                conn.execute(
                    "UPDATE province SET valid_to = ?2 WHERE code = ?1 AND valid_to IS NULL",
                    params![old, day_before(from)],
                )?;
            }
        }
        lines.push(format!(
            "Từ {}: {} {} (mã {}){}",
            from.format("%d/%m/%Y"),
            if u.kind == "thanh_pho" {
                "thành phố"
            } else {
                "tỉnh"
            },
            u.name,
            u.code,
            if closed > 0 {
                ", thay đơn vị cùng mã trước đó"
            } else {
                ""
            }
        ));
    }
    for p in &pack.procedures {
        let from = date("valid_from", &p.valid_from)?;
        if let Some(n) = &p.new {
            let inserted = conn.execute(
                "INSERT OR IGNORE INTO procedure (code, code_is_national, name, grp, processing_days, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![p.code, n.code_is_national, n.name, n.group, p.deadline.value, ts(now)],
            )?;
            if inserted > 0 {
                for c in &n.components {
                    conn.execute(
                        "INSERT INTO procedure_component (procedure_code, number, name, copies, original)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![p.code, c.number, c.name, c.copies, c.original],
                    )?;
                }
                lines.push(format!("Thủ tục mới {}: {}", p.code, n.name));
            }
        }
        let exists = conn
            .query_row("SELECT 1 FROM procedure WHERE code = ?1", [&p.code], |_| {
                Ok(())
            })
            .optional()?
            .is_some();
        if !exists {
            return Err(bad(format!("thủ tục {} không có trong danh mục", p.code)));
        }
        let unit = DeadlineUnit::parse(&p.deadline.unit)
            .ok_or_else(|| bad(format!("đơn vị thời hạn \"{}\"", p.deadline.unit)))?;
        let before = rule_at(conn, &p.code, from.pred_opt().unwrap_or(from))?;
        conn.execute(
            "UPDATE procedure_rule SET valid_to = ?3
             WHERE procedure_code = ?1 AND valid_from < ?2 AND (valid_to IS NULL OR valid_to >= ?2)",
            params![p.code, p.valid_from, day_before(from)],
        )?;
        conn.execute(
            "INSERT INTO procedure_rule (procedure_code, valid_from, valid_to, deadline_value, deadline_unit, basis, verified)
             VALUES (?1, ?2, NULL, ?3, ?4, ?5, ?6)
             ON CONFLICT (procedure_code, valid_from) DO UPDATE SET deadline_value = excluded.deadline_value,
                 deadline_unit = excluded.deadline_unit, basis = excluded.basis, verified = excluded.verified",
            params![p.code, p.valid_from, p.deadline.value, unit.as_str(), p.basis, p.verified],
        )?;
        let was = before
            .map(|r| format!(" (trước: {} {})", r.value, r.unit.label_vi()))
            .unwrap_or_default();
        lines.push(format!(
            "Từ {}: thủ tục {} giải quyết trong {} {}{was}",
            from.format("%d/%m/%Y"),
            p.code,
            p.deadline.value,
            unit.label_vi()
        ));
    }
    for p in &pack.papers {
        let from = date("valid_from", &p.valid_from)?;
        conn.execute(
            "UPDATE paper_form SET valid_to = ?2 WHERE set_code <> ?3 AND valid_to IS NULL AND valid_from < ?1",
            params![p.valid_from, day_before(from), p.set],
        )?;
        let layout = p
            .layout
            .as_ref()
            .map_or_else(|| "{}".to_owned(), serde_json::Value::to_string);
        conn.execute(
            "INSERT INTO paper_form (set_code, number, kind, title, valid_from, valid_to, basis, layout)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (set_code, number) DO UPDATE SET kind = excluded.kind, title = excluded.title,
                 valid_from = excluded.valid_from, valid_to = excluded.valid_to,
                 basis = excluded.basis, layout = excluded.layout",
            params![p.set, p.form, p.kind, p.title, p.valid_from, p.valid_to, p.basis, layout],
        )?;
        lines.push(format!(
            "Từ {}: mẫu {} ({}) \"{}\"",
            from.format("%d/%m/%Y"),
            p.form,
            p.set,
            p.title
        ));
    }
    for n in &pack.agency_naming {
        let from = date("valid_from", &n.valid_from)?;
        conn.execute(
            "UPDATE agency_naming SET valid_to = ?2 WHERE valid_from < ?1 AND valid_to IS NULL",
            params![n.valid_from, day_before(from)],
        )?;
        conn.execute(
            "INSERT INTO agency_naming (valid_from, provincial, base, basis) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (valid_from) DO UPDATE SET provincial = excluded.provincial,
                 base = excluded.base, basis = excluded.basis",
            params![n.valid_from, n.provincial, n.base, n.basis],
        )?;
        lines.push(format!(
            "Từ {}: tên cơ quan \"{}\", cơ sở \"{}\"",
            from.format("%d/%m/%Y"),
            n.provincial,
            n.base
        ));
    }
    for h in &pack.holidays {
        conn.execute(
            "INSERT INTO holiday (date, name, kind, projected) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (date) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                 projected = excluded.projected",
            params![h.date, h.name, h.kind, h.projected],
        )?;
        lines.push(format!(
            "Ngày nghỉ {}: {}{}",
            date("date", &h.date)?.format("%d/%m/%Y"),
            h.name,
            if h.kind == "optional" {
                " (chỉ khi đơn vị bật)"
            } else {
                ""
            }
        ));
    }
    let changes = PackChanges {
        id: pack.id.clone(),
        version: pack.version,
        title: pack.title.clone(),
        lines,
    };
    conn.execute(
        "INSERT INTO reference_pack (id, version, title, published, source, applied_at, changes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            pack.id,
            pack.version,
            pack.title,
            pack.published,
            source,
            ts(now),
            serde_json::to_string(&changes.lines).unwrap_or_default()
        ],
    )?;
    Ok(Some(changes))
}

/// Apply the built-in packs that are not applied yet (at first start, and
/// after an update that ships a new one).
pub fn apply_seed_packs(conn: &Connection, now: &Timestamp) -> Result<Vec<PackChanges>, CoreError> {
    let mut applied = Vec::new();
    for (file, textual) in SEED_PACKS {
        let pack = parse_pack(textual).map_err(|e| CoreError::Seed {
            file,
            detail: e.to_string(),
        })?;
        if let Some(c) = apply_pack(conn, &pack, file, now)? {
            applied.push(c);
        }
    }
    Ok(applied)
}

/// An administrator's correction of a procedure's deadline: `days` in the
/// unit of the rule in force on `from`, from that day on (the rule before
/// it closes the day before). Audited by the caller with the whole edit.
pub fn set_local_deadline(
    conn: &Connection,
    code: &str,
    from: NaiveDate,
    days: u32,
) -> Result<(), CoreError> {
    let current = rule_at(conn, code, from)?;
    if current.as_ref().is_some_and(|r| r.value == days) {
        return Ok(());
    }
    let unit = current.map_or(DeadlineUnit::WorkingDays, |r| r.unit);
    conn.execute(
        "UPDATE procedure_rule SET valid_to = ?3
         WHERE procedure_code = ?1 AND valid_from < ?2 AND (valid_to IS NULL OR valid_to >= ?2)",
        params![code, iso(from), day_before(from)],
    )?;
    conn.execute(
        "INSERT INTO procedure_rule (procedure_code, valid_from, valid_to, deadline_value, deadline_unit, basis, verified)
         VALUES (?1, ?2, NULL, ?3, ?4, ?5, 1)
         ON CONFLICT (procedure_code, valid_from) DO UPDATE SET deadline_value = excluded.deadline_value,
             basis = excluded.basis, valid_to = NULL",
        params![
            code,
            iso(from),
            days,
            unit.as_str(),
            format!("Đơn vị sửa ngày {}", from.format("%d/%m/%Y"))
        ],
    )?;
    Ok(())
}

/// A procedure with the deadline in force on a date.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcedureAt {
    pub procedure: crate::reference::catalog::Procedure,
    pub rule: Option<DeadlineRule>,
}

/// The catalogue with each procedure's deadline on `on`.
pub fn procedures_at(conn: &Connection, on: NaiveDate) -> Result<Vec<ProcedureAt>, CoreError> {
    crate::reference::catalog::procedures(conn)?
        .into_iter()
        .map(|procedure| {
            let rule = rule_at(conn, &procedure.code, on)?;
            Ok(ProcedureAt { procedure, rule })
        })
        .collect()
}

// ----- what is in force on a date ------------------------------------------------

/// A procedure's deadline as in force on a date.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadlineRule {
    pub value: u32,
    pub unit: DeadlineUnit,
    pub basis: String,
    pub verified: bool,
    pub valid_from: NaiveDate,
}

impl DeadlineRule {
    /// "7 ngày làm việc (Khoản 3 Điều 48 …)".
    pub fn describe_vi(&self) -> String {
        let mut s = format!("{} {}", self.value, self.unit.label_vi());
        if !self.basis.is_empty() {
            s.push_str(&format!(" — {}", self.basis));
        }
        if !self.verified {
            s.push_str(" (chưa kiểm chứng)");
        }
        s
    }
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The procedure's deadline rule in force on `on`: the rule whose period
/// holds the date, else the earliest rule (a date before any rule), else
/// none.
pub fn rule_at(
    conn: &Connection,
    code: &str,
    on: NaiveDate,
) -> Result<Option<DeadlineRule>, CoreError> {
    let row = |r: &rusqlite::Row<'_>| -> rusqlite::Result<(u32, String, String, bool, String)> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    };
    let found = conn
        .query_row(
            "SELECT deadline_value, deadline_unit, basis, verified, valid_from FROM procedure_rule
             WHERE procedure_code = ?1 AND valid_from <= ?2 AND (valid_to IS NULL OR valid_to >= ?2)
             ORDER BY valid_from DESC LIMIT 1",
            params![code, iso(on)],
            row,
        )
        .optional()?;
    let found = match found {
        Some(f) => Some(f),
        None => conn
            .query_row(
                "SELECT deadline_value, deadline_unit, basis, verified, valid_from FROM procedure_rule
                 WHERE procedure_code = ?1 ORDER BY valid_from LIMIT 1",
                [code],
                row,
            )
            .optional()?,
    };
    found
        .map(|(value, unit, basis, verified, from)| {
            Ok(DeadlineRule {
                value,
                unit: DeadlineUnit::parse(&unit)
                    .ok_or_else(|| CoreError::Corrupt(format!("đơn vị thời hạn '{unit}'")))?,
                basis,
                verified,
                valid_from: NaiveDate::parse_from_str(&from, "%Y-%m-%d")
                    .map_err(|e| CoreError::Corrupt(format!("ngày '{from}': {e}")))?,
            })
        })
        .transpose()
}

/// The paper set in force on `on` ("TT01/2018", "TT03/2025"): the set
/// whose receipt form is valid that day, else the earliest set.
pub fn paper_set_at(conn: &Connection, on: NaiveDate) -> Result<String, CoreError> {
    let found = conn
        .query_row(
            "SELECT set_code FROM paper_form WHERE kind = 'receipt' AND valid_from <= ?1
               AND (valid_to IS NULL OR valid_to >= ?1) ORDER BY valid_from DESC LIMIT 1",
            [iso(on)],
            |r| r.get::<_, String>(0),
        )
        .optional()?;
    match found {
        Some(s) => Ok(s),
        None => Ok(conn
            .query_row(
                "SELECT set_code FROM paper_form WHERE kind = 'receipt' ORDER BY valid_from LIMIT 1",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .unwrap_or_else(|| "TT01/2018".to_owned())),
    }
}

/// One form of a paper set.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaperForm {
    pub set_code: String,
    pub number: String,
    pub kind: String,
    pub title: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub basis: String,
    pub layout: serde_json::Value,
}

/// The forms of a set, by number.
pub fn paper_forms(conn: &Connection, set_code: &str) -> Result<Vec<PaperForm>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT set_code, number, kind, title, valid_from, valid_to, basis, layout
         FROM paper_form WHERE set_code = ?1 ORDER BY number",
    )?;
    let rows = stmt.query_map([set_code], |r| {
        Ok(PaperForm {
            set_code: r.get(0)?,
            number: r.get(1)?,
            kind: r.get(2)?,
            title: r.get(3)?,
            valid_from: r.get(4)?,
            valid_to: r.get(5)?,
            basis: r.get(6)?,
            layout: serde_json::from_str(&r.get::<_, String>(7)?).unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A provincial-level unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminUnit {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
    /// The old units (63-unit codes) it took over.
    pub predecessors: Vec<String>,
    pub basis: String,
}

impl AdminUnit {
    /// "thành phố Hồ Chí Minh", "tỉnh Lâm Đồng".
    pub fn full_name(&self) -> String {
        let kind = if self.kind == "thanh_pho" {
            "thành phố"
        } else {
            "tỉnh"
        };
        format!("{kind} {}", self.name)
    }
}

fn units_where(conn: &Connection, clause: &str, arg: &str) -> Result<Vec<AdminUnit>, CoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT code, name, kind, valid_from, valid_to, basis FROM admin_unit WHERE {clause}
         ORDER BY code, valid_from"
    ))?;
    let rows = stmt.query_map([arg], |r| {
        Ok(AdminUnit {
            code: r.get(0)?,
            name: r.get(1)?,
            kind: r.get(2)?,
            valid_from: r.get(3)?,
            valid_to: r.get(4)?,
            predecessors: Vec::new(),
            basis: r.get(5)?,
        })
    })?;
    let mut units: Vec<AdminUnit> = rows.collect::<Result<_, _>>()?;
    let mut pred = conn
        .prepare("SELECT old_code FROM admin_unit_predecessor WHERE code = ?1 ORDER BY old_code")?;
    for u in &mut units {
        u.predecessors = pred
            .query_map([&u.code], |r| r.get::<_, String>(0))?
            .collect::<Result<_, _>>()?;
    }
    Ok(units)
}

/// The units in force on `on`: the 34 of Resolution 202/2025/QH15 from
/// 1/7/2025, the 63 of Circular 07/2016/TT-BCA (3-digit codes) before.
pub fn units_at(conn: &Connection, on: NaiveDate) -> Result<Vec<AdminUnit>, CoreError> {
    let d = iso(on);
    let mut units = units_where(
        conn,
        "valid_from <= ?1 AND (valid_to IS NULL OR valid_to >= ?1)",
        &d,
    )?;
    if units.is_empty() {
        units = old_provinces(conn, Some(&d))?;
    }
    units.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(units)
}

/// The 63 old units (in force on `on` when given), as units.
fn old_provinces(conn: &Connection, on: Option<&str>) -> Result<Vec<AdminUnit>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT code, name, kind, valid_to FROM province
         WHERE ?1 IS NULL OR valid_to IS NULL OR valid_to >= ?1 ORDER BY code",
    )?;
    let rows = stmt.query_map([on], |r| {
        let kind: String = r.get(2)?;
        Ok(AdminUnit {
            code: r.get(0)?,
            name: r.get(1)?,
            kind: if kind.contains("thanh") || kind.contains("thành") {
                "thanh_pho".to_owned()
            } else {
                "tinh".to_owned()
            },
            valid_from: String::new(),
            valid_to: r.get(3)?,
            predecessors: Vec::new(),
            basis: "Thông tư 07/2016/TT-BCA (mã tỉnh trong số định danh cá nhân)".to_owned(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// An old (3-digit) unit as it was, and the unit that took it over on `on`.
pub fn old_unit(
    conn: &Connection,
    code: &str,
    on: NaiveDate,
) -> Result<Option<(AdminUnit, Option<AdminUnit>)>, CoreError> {
    let Some(old) = old_provinces(conn, None)?
        .into_iter()
        .find(|u| u.code == code.trim())
    else {
        return Ok(None);
    };
    let now = unit_by_code(conn, code, on)?;
    Ok(Some((old, now)))
}

/// A unit looked up by a new (2-digit) or an old (3-digit, Circular
/// 07/2016) code, as it stands on `on`: an old code gives the unit that
/// took it over.
pub fn unit_by_code(
    conn: &Connection,
    code: &str,
    on: NaiveDate,
) -> Result<Option<AdminUnit>, CoreError> {
    let code = code.trim();
    let new_code = if code.len() == 3 {
        match conn
            .query_row(
                "SELECT code FROM admin_unit_predecessor WHERE old_code = ?1",
                [code],
                |r| r.get::<_, String>(0),
            )
            .optional()?
        {
            Some(c) => c,
            None => return Ok(None),
        }
    } else {
        code.to_owned()
    };
    let d = iso(on);
    let mut all = units_where(conn, "code = ?1", &new_code)?;
    // In force that day, else the first version after it, else the last.
    if let Some(i) = all
        .iter()
        .position(|u| u.valid_from <= d && u.valid_to.as_deref().is_none_or(|t| t >= d.as_str()))
    {
        return Ok(Some(all.swap_remove(i)));
    }
    Ok(all.pop())
}

/// Where a 12-digit ID number says its holder was registered, old unit and
/// the unit that took it over beside it: "Hà Nam (nay thuộc tỉnh Ninh
/// Bình)". None for a prefix outside the old list (a warning at intake).
pub fn origin_of_id(conn: &Connection, id_number: &str) -> Result<Option<String>, CoreError> {
    let Some(prefix) = id_number.get(..3) else {
        return Ok(None);
    };
    let old: Option<String> = conn
        .query_row("SELECT name FROM province WHERE code = ?1", [prefix], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(old) = old else {
        return Ok(None);
    };
    let now: Option<AdminUnit> = units_where(
        conn,
        "valid_to IS NULL AND code = (SELECT code FROM admin_unit_predecessor WHERE old_code = ?1)",
        prefix,
    )?
    .pop();
    Ok(Some(match now {
        Some(u) if u.name != old => format!("{old} (nay thuộc {})", u.full_name()),
        Some(u) => format!("{old} (nay là {})", u.full_name()),
        None => old,
    }))
}

/// How offices are called on `on`: (provincial pattern, base pattern).
pub fn naming_at(conn: &Connection, on: NaiveDate) -> Result<Option<(String, String)>, CoreError> {
    Ok(conn
        .query_row(
            "SELECT provincial, base FROM agency_naming WHERE valid_from <= ?1
             ORDER BY valid_from DESC LIMIT 1",
            [iso(on)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// The office's name a unit and level call for on `on`, from the naming
/// rule ("Bảo hiểm xã hội thành phố Hồ Chí Minh").
pub fn office_name(
    conn: &Connection,
    unit: &AdminUnit,
    base_office: Option<&str>,
    on: NaiveDate,
) -> Result<Option<String>, CoreError> {
    let Some((provincial, base)) = naming_at(conn, on)? else {
        return Ok(None);
    };
    let kind = if unit.kind == "thanh_pho" {
        "thành phố"
    } else {
        "tỉnh"
    };
    Ok(Some(match base_office {
        Some(name) => base.replace("{name}", name).replace("{kind}", kind),
        None => provincial
            .replace("{name}", &unit.name)
            .replace("{kind}", kind),
    }))
}

/// The packs applied, newest first: (id, version, title, source, applied
/// at, the changes).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppliedPack {
    pub id: String,
    pub version: i64,
    pub title: String,
    pub published: String,
    pub source: String,
    pub applied_at: String,
    pub changes: Vec<String>,
}

pub fn applied_packs(conn: &Connection) -> Result<Vec<AppliedPack>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, version, title, published, source, applied_at, changes FROM reference_pack
         ORDER BY applied_at DESC, id, version DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(AppliedPack {
            id: r.get(0)?,
            version: r.get(1)?,
            title: r.get(2)?,
            published: r.get(3)?,
            source: r.get(4)?,
            applied_at: r.get(5)?,
            changes: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

    use super::*;

    fn now() -> Timestamp {
        crate::parse_ts("2026-12-02T09:00:00+07:00").unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn pack_with(procedures: serde_json::Value) -> String {
        serde_json::json!({
            "format": 1, "id": "t", "version": 1, "published": "2026-12-01",
            "title": "Thử", "procedures": procedures
        })
        .to_string()
    }

    #[test]
    fn hostile_or_malformed_packs_are_refused_precisely_before_anything_is_written() {
        let cases: Vec<(String, &str)> = vec![
            ("{".into(), "không đọc được"),
            ("[]".into(), "không đọc được"),
            (
                serde_json::json!({"format": 2, "id": "t", "version": 1, "published": "2026-12-01", "title": "x"})
                    .to_string(),
                "dạng 2",
            ),
            (
                serde_json::json!({"format": 1, "id": "t", "version": 0, "published": "2026-12-01", "title": "x"})
                    .to_string(),
                "version",
            ),
            (
                serde_json::json!({"format": 1, "id": "t", "version": 1, "published": "1/12/2026", "title": "x"})
                    .to_string(),
                "YYYY-MM-DD",
            ),
            (
                serde_json::json!({"format": 1, "id": "t", "version": 1, "published": "2026-12-01", "title": "x", "extra": 1})
                    .to_string(),
                "unknown field",
            ),
            (
                pack_with(serde_json::json!([{"code": "BHXH.01", "valid_from": "2027-01-01",
                    "deadline": {"value": 3, "unit": "weeks"}}])),
                "đơn vị thời hạn",
            ),
            (
                pack_with(serde_json::json!([{"code": "BHXH.01", "valid_from": "2027-01-01",
                    "deadline": {"value": 9999, "unit": "working_days"}}])),
                "quá 365",
            ),
            (
                serde_json::json!({"format": 1, "id": "t", "version": 1, "published": "2026-12-01", "title": "x",
                    "provinces": [{"code": "123", "name": "X", "kind": "tinh", "valid_from": "2025-07-01"}]})
                    .to_string(),
                "2 chữ số",
            ),
            (
                serde_json::json!({"format": 1, "id": "t", "version": 1, "published": "2026-12-01", "title": "x",
                    "provinces": [{"code": "12", "name": "X", "kind": "tinh", "valid_from": "2025-07-01",
                                   "valid_to": "2025-01-01"}]})
                    .to_string(),
                "valid_to trước valid_from",
            ),
            (
                serde_json::json!({"format": 1, "id": "t", "version": 1, "published": "2026-12-01", "title": "x",
                    "holidays": vec![serde_json::json!({"date": "2027-01-01", "name": "x", "kind": "holiday"}); 5001]})
                    .to_string(),
                "quá 5000",
            ),
            (" ".repeat(9 * 1024 * 1024), "8 MB"),
        ];
        for (text, needle) in cases {
            let err = parse_pack(&text).unwrap_err().to_string();
            assert!(err.contains(needle), "{needle}: {err}");
        }
    }

    #[test]
    fn a_pack_applies_once_and_one_naming_an_unknown_procedure_is_an_error() {
        let conn = crate::seeded_for_tests();
        let good = parse_pack(&pack_with(serde_json::json!([{"code": "BHXH.01",
            "valid_from": "2027-01-01", "deadline": {"value": 3, "unit": "working_days"}}])))
        .unwrap();
        let changes = apply_pack(&conn, &good, "hq", &now()).unwrap().unwrap();
        assert_eq!(changes.lines.len(), 1);
        assert!(
            changes.lines[0].contains("(trước: 5 ngày làm việc)"),
            "{:?}",
            changes.lines
        );
        assert_eq!(
            apply_pack(&conn, &good, "hq", &now()).unwrap(),
            None,
            "once"
        );
        assert_eq!(
            rule_at(&conn, "BHXH.01", day("2026-12-31"))
                .unwrap()
                .unwrap()
                .value,
            5
        );
        assert_eq!(
            rule_at(&conn, "BHXH.01", day("2027-01-01"))
                .unwrap()
                .unwrap()
                .value,
            3
        );
        // A procedure nobody has: an error, which the caller rolls back.
        let bad = parse_pack(&pack_with(serde_json::json!([{"code": "KHONG.CO",
            "valid_from": "2027-01-01", "deadline": {"value": 3, "unit": "working_days"}}])))
        .unwrap();
        let bad = Pack {
            id: "t2".into(),
            ..bad
        };
        let err = apply_pack(&conn, &bad, "hq", &now()).unwrap_err();
        assert!(err.to_string().contains("KHONG.CO"), "{err}");
    }

    #[test]
    fn deadlines_count_in_their_own_unit() {
        let conn = crate::seeded_for_tests();
        let cal = WorkCalendar::load(&conn).unwrap();
        // Friday 13/2/2026, the Tết break ahead (statutory 16–20/2).
        let received = day("2026-02-13");
        assert_eq!(
            DeadlineUnit::WorkingDays.due(&cal, received, 1),
            day("2026-02-23")
        );
        assert_eq!(
            DeadlineUnit::DaysExcludingHolidays.due(&cal, received, 3),
            day("2026-02-21"),
            "14, 15 (weekend, counted), then 21 after the five Tết days"
        );
        assert_eq!(
            DeadlineUnit::CalendarDays.due(&cal, received, 10),
            day("2026-02-23")
        );
    }

    #[test]
    fn the_optional_holiday_counts_only_when_the_office_turns_it_on() {
        let conn = crate::seeded_for_tests();
        // Monday 23/11/2026 + 1 working day: 24/11 unless it is a day off.
        let off = WorkCalendar::load(&conn).unwrap();
        assert_eq!(
            off.add_working_days(day("2026-11-23"), 1),
            day("2026-11-24")
        );
        crate::office::settings::set(
            &conn,
            crate::reference::calendar::OPTIONAL_HOLIDAYS_KEY,
            "on",
        )
        .unwrap();
        let on = WorkCalendar::load(&conn).unwrap();
        assert_eq!(on.add_working_days(day("2026-11-23"), 1), day("2026-11-25"));
    }
}
