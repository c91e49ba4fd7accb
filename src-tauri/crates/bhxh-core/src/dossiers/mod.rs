//! Dossiers taken in at the one-stop desk ("Tiếp nhận hồ sơ", plan tasks
//! 13–15): the legal code, the return date in working days, the checklist of
//! components, the status flow and search.
//!
//! [`intake`] must run inside one write transaction (`Store::write`, `BEGIN
//! IMMEDIATE`): the day's sequence, the register number, the dossier, its
//! checklist, its first event and the audit entry commit together, so a code
//! is never handed out twice and never lost half-written.

pub mod code;
pub mod files;
pub mod inbox;
pub mod ocr;
pub mod pages;
pub mod qr;
pub mod results;
pub mod reuse;
mod search;
pub mod signed;

use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::office::audit::{self, Actor, Event};
use crate::reference::calendar::WorkCalendar;
use crate::reference::pid::{PersonalId, PidWarning, Sex};
use crate::reference::rules::{self, DeadlineUnit};
use crate::text::{fold, nfc};
use crate::{CoreError, Timestamp, office, office::settings, reference::catalog, ts};

pub use code::CodePattern;
pub use search::{DossierSummary, MonthIndicators, SearchQuery, month_indicators, search};

/// How the applicant's identity was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentitySource {
    /// Typed by the officer.
    Typed,
    /// From the QR code on the front of the CCCD, read by a barcode scanner.
    Qr,
    /// From a chip read judged genuine.
    Chip,
}

/// How a dossier arrives, or how its result goes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Counter,
    Post,
}

impl Channel {
    pub fn label_vi(self) -> &'static str {
        match self {
            Channel::Counter => "Tại Bộ phận tiếp nhận và trả kết quả",
            Channel::Post => "Qua dịch vụ bưu chính công ích",
        }
    }
}

/// Where a dossier is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Received,
    Digitising,
    Digitised,
    Processing,
    ResultReady,
    Returned,
    SupplementRequested,
    Refused,
    /// Handling stopped at the applicant's request or by law (form 05 of
    /// Circular 03/2025, "Thông báo dừng giải quyết hồ sơ"); final.
    Stopped,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Received,
        Status::Digitising,
        Status::Digitised,
        Status::Processing,
        Status::ResultReady,
        Status::Returned,
        Status::SupplementRequested,
        Status::Refused,
        Status::Stopped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Digitising => "digitising",
            Status::Digitised => "digitised",
            Status::Processing => "processing",
            Status::ResultReady => "result_ready",
            Status::Returned => "returned",
            Status::SupplementRequested => "supplement_requested",
            Status::Refused => "refused",
            Status::Stopped => "stopped",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Status::Received => "Đã tiếp nhận",
            Status::Digitising => "Đang số hóa",
            Status::Digitised => "Đã số hóa",
            Status::Processing => "Đang giải quyết",
            Status::ResultReady => "Có kết quả",
            Status::Returned => "Đã trả kết quả",
            Status::SupplementRequested => "Yêu cầu bổ sung",
            Status::Refused => "Từ chối tiếp nhận",
            Status::Stopped => "Dừng giải quyết",
        }
    }

    /// The moves the one-stop process allows from here. A supplement request
    /// (form 02) waits for the papers, then goes back to received; a refusal
    /// (form 03) and a returned result are final.
    pub fn next(self) -> &'static [Status] {
        match self {
            Status::Received => &[
                Status::Digitising,
                Status::Processing,
                Status::SupplementRequested,
                Status::Refused,
                Status::Stopped,
            ],
            Status::Digitising => &[
                Status::Digitised,
                Status::SupplementRequested,
                Status::Stopped,
            ],
            Status::Digitised => &[
                Status::Processing,
                Status::SupplementRequested,
                Status::Stopped,
            ],
            Status::Processing => &[
                Status::ResultReady,
                Status::SupplementRequested,
                Status::Stopped,
            ],
            Status::ResultReady => &[Status::Returned],
            Status::SupplementRequested => &[Status::Received, Status::Refused, Status::Stopped],
            Status::Returned | Status::Refused | Status::Stopped => &[],
        }
    }

    /// Moves that must say why (the reason is printed on form 02, 03 or 05).
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            Status::SupplementRequested | Status::Refused | Status::Stopped
        )
    }
}

/// The applicant, as typed or read from the card.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Applicant {
    pub id_number: String,
    pub full_name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
}

/// What the counter officer fills in.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntakeInput {
    pub procedure_code: String,
    pub applicant: Applicant,
    pub identity_source: IdentitySource,
    pub channel: Channel,
    pub return_via: Channel,
    /// Number of sets of papers (usually 1).
    pub sets: u32,
    /// Component numbers handed in (the procedure's checklist).
    pub received_components: Vec<u32>,
    /// The organisation filing (an employer registering its workers or
    /// claiming for them); the applicant is then the person who hands the
    /// papers in for it.
    pub organisation: Option<Organisation>,
}

/// An organisation as applicant: its BHXH unit code, tax code, name and
/// address, printed on the papers; the tax code rides in their QR code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organisation {
    /// Mã đơn vị (the unit code BHXH gave the employer), may be empty for a
    /// first registration.
    pub unit_code: String,
    /// Mã số thuế: 10 digits, or 10-3 for a branch.
    pub tax_code: String,
    pub name: String,
    pub address: String,
}

/// A Vietnamese tax code: 10 digits, or 10 digits, "-" and 3 digits (a
/// dependent unit).
pub fn is_tax_code(s: &str) -> bool {
    let digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
    match s.split_once('-') {
        None => digits(s, 10),
        Some((a, b)) => digits(a, 10) && digits(b, 3),
    }
}

/// The organisation checked and normalised (NFC, spaces squeezed).
pub fn check_organisation(o: &Organisation) -> Result<Organisation, CoreError> {
    let squeeze = |s: &str| nfc(&s.split_whitespace().collect::<Vec<_>>().join(" "));
    let name = squeeze(&o.name);
    if name.is_empty() {
        return Err(CoreError::invalid(
            "organisation.name",
            "Chưa nhập tên tổ chức nộp hồ sơ.",
        ));
    }
    if name.chars().count() > 200 {
        return Err(CoreError::invalid(
            "organisation.name",
            "Tên tổ chức dài quá 200 ký tự.",
        ));
    }
    let tax_code = o.tax_code.trim().to_owned();
    if !is_tax_code(&tax_code) {
        return Err(CoreError::invalid(
            "organisation.taxCode",
            format!(
                "Mã số thuế \"{tax_code}\" không hợp lệ: cần 10 chữ số, hoặc 10 chữ số, dấu \"-\" và 3 chữ số (đơn vị phụ thuộc)."
            ),
        ));
    }
    let unit_code = o.unit_code.trim().to_uppercase();
    if unit_code.chars().count() > 20 || !unit_code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(CoreError::invalid(
            "organisation.unitCode",
            format!("Mã đơn vị \"{unit_code}\" chỉ gồm chữ và số, tối đa 20 ký tự."),
        ));
    }
    let address = squeeze(&o.address);
    if address.chars().count() > 300 {
        return Err(CoreError::invalid(
            "organisation.address",
            "Địa chỉ tổ chức dài quá 300 ký tự.",
        ));
    }
    Ok(Organisation {
        unit_code,
        tax_code,
        name,
        address,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentLine {
    pub number: u32,
    pub name: String,
    pub copies: u32,
    pub original: bool,
    pub received: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventLine {
    pub at: String,
    pub staff_name: String,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub note: String,
}

/// A dossier as read back.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dossier {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub processing_days: u32,
    pub applicant_id: String,
    pub applicant_name: String,
    pub applicant_birth_date: NaiveDate,
    pub applicant_sex: Sex,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub identity_source: IdentitySource,
    pub channel: Channel,
    pub return_via: Channel,
    pub sets: u32,
    pub received_at: String,
    pub due_on: NaiveDate,
    /// How the deadline is counted, under the rules of the receipt date.
    pub deadline_unit: DeadlineUnit,
    /// The legal basis of the deadline ("Khoản 3 Điều 48 Luật …"), may be empty.
    pub deadline_basis: String,
    /// The one-stop paper set in force on the receipt date ("TT01/2018",
    /// "TT03/2025"): its papers are printed from it, reprints included.
    pub paper_set: String,
    /// The organisation that filed it, if not a person on their own behalf.
    pub organisation: Option<Organisation>,
    /// Where the applicant's ID number says they were registered, the old
    /// unit with today's beside it ("Hà Nam (nay thuộc tỉnh Ninh Bình)").
    pub applicant_origin: Option<String>,
    pub register_year: i32,
    pub register_no: u32,
    pub received_by_name: String,
    pub status: Status,
    pub status_label: String,
    /// Where it may move from here (for the window's choices).
    pub next_statuses: Vec<Status>,
    pub components: Vec<ComponentLine>,
    pub events: Vec<EventLine>,
}

/// The result of an intake: the dossier and what the officer should look at.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Intake {
    pub dossier: Dossier,
    /// Vietnamese warnings (an ID number from a province outside the table, say).
    pub warnings: Vec<String>,
    /// Codes of the applicant's other open dossiers of the same procedure.
    pub open_same: Vec<String>,
}

fn sex_db(s: Sex) -> &'static str {
    match s {
        Sex::Male => "nam",
        Sex::Female => "nu",
    }
}

fn channel_db(c: Channel) -> &'static str {
    match c {
        Channel::Counter => "counter",
        Channel::Post => "post",
    }
}

fn source_db(s: IdentitySource) -> &'static str {
    match s {
        IdentitySource::Typed => "typed",
        IdentitySource::Qr => "qr",
        IdentitySource::Chip => "chip",
    }
}

/// Check the applicant. A number whose 4th–6th digits contradict the birth
/// date or sex is refused (they are derived from them); an unknown province
/// is only a warning.
pub fn check_applicant(
    conn: &Connection,
    a: &Applicant,
    today: NaiveDate,
) -> Result<(Applicant, Vec<String>), CoreError> {
    let id = PersonalId::parse(&a.id_number)
        .map_err(|e| CoreError::invalid("idNumber", e.to_string()))?;
    let name = nfc(a
        .full_name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .as_str());
    if name.is_empty() {
        return Err(CoreError::invalid(
            "fullName",
            "Chưa nhập họ và tên người nộp.",
        ));
    }
    if name.chars().count() > 100 {
        return Err(CoreError::invalid(
            "fullName",
            "Họ và tên dài quá 100 ký tự.",
        ));
    }
    if a.birth_date > today || a.birth_date.year() < 1900 {
        return Err(CoreError::invalid(
            "birthDate",
            format!(
                "Ngày sinh {} không hợp lệ.",
                a.birth_date.format("%d/%m/%Y")
            ),
        ));
    }
    let known: Vec<String> = catalog::provinces(conn)?
        .into_iter()
        .map(|p| p.code)
        .collect();
    let mut warnings = Vec::new();
    for w in id.check(a.birth_date, a.sex, |c| known.iter().any(|k| k == c)) {
        match w {
            PidWarning::UnknownProvince { .. } => warnings.push(w.message_vi()),
            _ => return Err(CoreError::invalid("idNumber", w.message_vi())),
        }
    }
    let phone = a.phone.trim().to_owned();
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if !phone.is_empty()
        && (!phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '.' | '-'))
            || !(8..=15).contains(&digits))
    {
        return Err(CoreError::invalid(
            "phone",
            format!("Số điện thoại \"{phone}\" không hợp lệ (8–15 chữ số)."),
        ));
    }
    let email = a.email.trim().to_owned();
    if !email.is_empty() {
        let ok = email.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
        }) && !email.chars().any(char::is_whitespace);
        if !ok {
            return Err(CoreError::invalid(
                "email",
                format!("Thư điện tử \"{email}\" không hợp lệ."),
            ));
        }
    }
    Ok((
        Applicant {
            id_number: id.as_str().to_owned(),
            full_name: name,
            birth_date: a.birth_date,
            sex: a.sex,
            address: nfc(a.address.trim()),
            phone,
            email,
        },
        warnings,
    ))
}

/// The code pattern in force.
pub fn code_pattern(conn: &Connection) -> Result<CodePattern, CoreError> {
    let text = settings::get(conn, code::SETTING)?.unwrap_or_else(|| code::DEFAULT_PATTERN.into());
    CodePattern::parse(&text)
}

/// Change the code pattern (administrators). Checked before it is kept.
pub fn set_code_pattern(
    conn: &Connection,
    actor: &Actor,
    pattern: &str,
    now: &Timestamp,
) -> Result<(), CoreError> {
    let pattern = pattern.trim();
    CodePattern::parse(pattern)?;
    settings::set(conn, code::SETTING, pattern)?;
    audit::append(
        conn,
        actor,
        &Event {
            action: "update",
            entity: "setting",
            entity_id: code::SETTING,
            detail: serde_json::json!({ "pattern": pattern }),
        },
        now,
    )?;
    Ok(())
}

fn bump(conn: &Connection, scope: &str) -> Result<u64, CoreError> {
    let last: i64 = conn.query_row(
        "INSERT INTO dossier_counter (scope, last) VALUES (?1, 1)
         ON CONFLICT (scope) DO UPDATE SET last = last + 1
         RETURNING last",
        [scope],
        |r| r.get(0),
    )?;
    u64::try_from(last).map_err(|_| CoreError::Corrupt(format!("bộ đếm \"{scope}\" âm")))
}

pub(crate) fn staff_name(conn: &Connection, actor: &Actor) -> Result<String, CoreError> {
    let name: Option<String> = match actor.id {
        Some(id) => conn
            .query_row("SELECT full_name FROM staff WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?,
        None => None,
    };
    Ok(name.unwrap_or_else(|| actor.username.clone()))
}

/// Take a dossier in. Run inside a write transaction (see the module docs).
pub fn intake(
    conn: &Connection,
    actor: &Actor,
    input: &IntakeInput,
    now: &Timestamp,
) -> Result<Intake, CoreError> {
    let today = now.date_naive();
    let (applicant, mut warnings) = check_applicant(conn, &input.applicant, today)?;
    let organisation = input
        .organisation
        .as_ref()
        .map(check_organisation)
        .transpose()?;
    let procedure = catalog::procedures(conn)?
        .into_iter()
        .find(|p| p.code == input.procedure_code.trim())
        .ok_or_else(|| CoreError::NotFound {
            what: format!("thủ tục có mã \"{}\"", input.procedure_code.trim()),
        })?;
    if input.received_components.is_empty() {
        return Err(CoreError::invalid(
            "components",
            "Chưa đánh dấu thành phần hồ sơ nào đã nhận.",
        ));
    }
    if let Some(n) = input
        .received_components
        .iter()
        .find(|n| !procedure.components.iter().any(|c| c.number == **n))
    {
        return Err(CoreError::invalid(
            "components",
            format!(
                "Thủ tục \"{}\" không có thành phần hồ sơ số {n}.",
                procedure.name
            ),
        ));
    }
    if !(1..=20).contains(&input.sets) {
        return Err(CoreError::invalid(
            "sets",
            format!("Số lượng bộ hồ sơ {} không hợp lệ (1–20).", input.sets),
        ));
    }
    let agency = office::get(conn)?
        .ok_or_else(|| CoreError::Conflict("Chưa khai báo đơn vị (cơ quan BHXH).".into()))?
        .agency_code;
    let pattern = code_pattern(conn)?;
    let calendar = WorkCalendar::load(conn)?;
    // The rules in force on the receipt date, kept with the dossier.
    let (days, unit, basis) = match rules::rule_at(conn, &procedure.code, today)? {
        Some(rule) => (rule.value, rule.unit, rule.basis),
        None => (
            procedure.processing_days,
            DeadlineUnit::WorkingDays,
            String::new(),
        ),
    };
    let due = unit.due(&calendar, today, days);
    let paper_set = rules::paper_set_at(conn, today)?;

    let seq = bump(conn, &format!("day:{today}"))?;
    let code = pattern.render(&agency, today, seq)?;
    let register_no = i64::try_from(bump(conn, &format!("register:{}", today.year()))?)
        .map_err(|_| CoreError::Corrupt("số thứ tự sổ theo dõi quá lớn".into()))?;
    let received_by = staff_name(conn, actor)?;
    let search_text = fold(&format!(
        "{code} {} {} {} {} {}",
        applicant.id_number,
        applicant.full_name,
        procedure.code,
        procedure.name,
        organisation
            .as_ref()
            .map(|o| format!("{} {} {}", o.name, o.tax_code, o.unit_code))
            .unwrap_or_default()
    ));
    conn.execute(
        "INSERT INTO dossier (code, procedure_code, procedure_name, processing_days, applicant_id,
             applicant_name, applicant_dob, applicant_sex, address, phone, email, identity_source,
             channel, return_via, sets, received_at, received_on, due_on, register_year,
             register_no, received_by, received_by_name, status, status_at, search_text,
             deadline_unit, deadline_basis, paper_set, org_code, org_tax_code, org_name,
             org_address)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19, ?20, ?21, ?22, 'received', ?16, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)",
        params![
            code,
            procedure.code,
            procedure.name,
            days,
            applicant.id_number,
            applicant.full_name,
            applicant.birth_date.to_string(),
            sex_db(applicant.sex),
            applicant.address,
            applicant.phone,
            applicant.email,
            source_db(input.identity_source),
            channel_db(input.channel),
            channel_db(input.return_via),
            input.sets,
            ts(now),
            today.to_string(),
            due.to_string(),
            today.year(),
            register_no,
            actor.id,
            received_by,
            search_text,
            unit.as_str(),
            basis,
            paper_set,
            organisation.as_ref().map(|o| o.unit_code.as_str()),
            organisation.as_ref().map(|o| o.tax_code.as_str()),
            organisation.as_ref().map(|o| o.name.as_str()),
            organisation.as_ref().map(|o| o.address.as_str()),
        ],
    )?;
    let id = conn.last_insert_rowid();
    for c in &procedure.components {
        conn.execute(
            "INSERT INTO dossier_component (dossier_id, number, name, copies, original, received)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id,
                c.number,
                c.name,
                c.copies,
                c.original,
                input.received_components.contains(&c.number)
            ],
        )?;
    }
    conn.execute(
        "INSERT INTO dossier_event (dossier_id, at, staff_id, staff_name, from_status, to_status)
         VALUES (?1, ?2, ?3, ?4, NULL, 'received')",
        params![id, ts(now), actor.id, received_by],
    )?;
    audit::append(
        conn,
        actor,
        &Event {
            action: "create",
            entity: "dossier",
            entity_id: &code,
            detail: serde_json::json!({
                "procedure": procedure.code,
                "applicant": applicant.id_number,
                "source": input.identity_source,
                "due": due.to_string(),
                "deadline": format!("{days} {}", unit.as_str()),
                "organisation": organisation.as_ref().map(|o| o.tax_code.as_str()),
                "paperSet": paper_set,
            }),
        },
        now,
    )?;
    // The same person, the same procedure, already open: said, not refused
    // (two claims may be right), with the open dossiers' codes.
    let open = open_same(conn, &applicant.id_number, &procedure.code, Some(id))?;
    for o in &open {
        warnings.push(o.warning_vi());
    }
    Ok(Intake {
        dossier: get(conn, &code)?,
        warnings,
        open_same: open.into_iter().map(|o| o.code).collect(),
    })
}

/// An open dossier of the same applicant and procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenSame {
    pub code: String,
    pub received_on: NaiveDate,
    pub status: Status,
}

impl OpenSame {
    pub fn warning_vi(&self) -> String {
        format!(
            "Người nộp đã có hồ sơ {} cùng thủ tục này, tiếp nhận ngày {}, đang ở trạng thái \"{}\": kiểm tra trước khi tiếp nhận thêm.",
            self.code,
            self.received_on.format("%d/%m/%Y"),
            self.status.label_vi()
        )
    }
}

/// The applicant's dossiers of `procedure` not yet closed (returned,
/// refused or stopped), newest first, at most five; `except` leaves one out.
pub fn open_same(
    conn: &Connection,
    applicant_id: &str,
    procedure: &str,
    except: Option<i64>,
) -> Result<Vec<OpenSame>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT code, received_on, status FROM dossier
         WHERE applicant_id = ?1 AND procedure_code = ?2 AND id <> ?3
           AND status NOT IN ('returned', 'refused', 'stopped')
         ORDER BY id DESC LIMIT 5",
    )?;
    let rows = stmt.query_map(
        params![applicant_id, procedure, except.unwrap_or(-1)],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (code, on, status) = row?;
        out.push(OpenSame {
            received_on: parse_col(
                NaiveDate::parse_from_str(&on, "%Y-%m-%d").ok(),
                "ngày tiếp nhận",
                &on,
            )?,
            status: parse_col(Status::parse(&status), "trạng thái", &status)?,
            code,
        });
    }
    Ok(out)
}

fn parse_col<T>(v: Option<T>, what: &str, raw: &str) -> Result<T, CoreError> {
    v.ok_or_else(|| CoreError::Corrupt(format!("{what} \"{raw}\" của hồ sơ không hợp lệ")))
}

/// A dossier by its code.
pub fn get(conn: &Connection, code: &str) -> Result<Dossier, CoreError> {
    type Raw = (
        i64,
        Vec<String>,
        (u32, u32, i32, u32),
        [String; 3],
        [Option<String>; 4],
    );
    let row: Option<Raw> = conn
        .query_row(
            "SELECT id, code, procedure_code, procedure_name, applicant_id, applicant_name,
                    applicant_dob, applicant_sex, address, phone, email, identity_source, channel,
                    return_via, received_at, due_on, received_by_name, status,
                    processing_days, sets, register_year, register_no,
                    deadline_unit, deadline_basis, paper_set,
                    org_code, org_tax_code, org_name, org_address
             FROM dossier WHERE code = ?1",
            [code.trim()],
            |r| {
                let mut texts = Vec::with_capacity(17);
                for i in 1..=17 {
                    texts.push(r.get::<_, String>(i)?);
                }
                Ok((
                    r.get(0)?,
                    texts,
                    (r.get(18)?, r.get(19)?, r.get(20)?, r.get(21)?),
                    [r.get(22)?, r.get(23)?, r.get(24)?],
                    [r.get(25)?, r.get(26)?, r.get(27)?, r.get(28)?],
                ))
            },
        )
        .optional()?;
    let Some((id, t, (processing_days, sets, register_year, register_no), rule, org)) = row else {
        return Err(CoreError::NotFound {
            what: format!("hồ sơ có mã \"{}\"", code.trim()),
        });
    };
    let date =
        |s: &str, what: &str| parse_col(NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(), what, s);
    let channel = |s: &str| {
        parse_col(
            match s {
                "counter" => Some(Channel::Counter),
                "post" => Some(Channel::Post),
                _ => None,
            },
            "kênh",
            s,
        )
    };
    let status = parse_col(Status::parse(&t[16]), "trạng thái", &t[16])?;
    let mut comp = conn.prepare(
        "SELECT number, name, copies, original, received FROM dossier_component
         WHERE dossier_id = ?1 ORDER BY number",
    )?;
    let components = comp
        .query_map([id], |r| {
            Ok(ComponentLine {
                number: r.get(0)?,
                name: r.get(1)?,
                copies: r.get(2)?,
                original: r.get(3)?,
                received: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut ev = conn.prepare(
        "SELECT at, staff_name, from_status, to_status, note FROM dossier_event
         WHERE dossier_id = ?1 ORDER BY id",
    )?;
    let raw_events: Vec<(String, String, Option<String>, String, String)> = ev
        .query_map([id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut events = Vec::with_capacity(raw_events.len());
    for (at, staff_name, from, to, note) in raw_events {
        let from_status = match from {
            Some(f) => Some(parse_col(Status::parse(&f), "trạng thái", &f)?),
            None => None,
        };
        events.push(EventLine {
            at,
            staff_name,
            from_status,
            to_status: parse_col(Status::parse(&to), "trạng thái", &to)?,
            note,
        });
    }
    Ok(Dossier {
        code: t[0].clone(),
        procedure_code: t[1].clone(),
        procedure_name: t[2].clone(),
        processing_days,
        applicant_id: t[3].clone(),
        applicant_name: t[4].clone(),
        applicant_birth_date: date(&t[5], "ngày sinh")?,
        applicant_sex: parse_col(Sex::parse(&t[6]), "giới tính", &t[6])?,
        address: t[7].clone(),
        phone: t[8].clone(),
        email: t[9].clone(),
        identity_source: parse_col(
            match t[10].as_str() {
                "typed" => Some(IdentitySource::Typed),
                "qr" => Some(IdentitySource::Qr),
                "chip" => Some(IdentitySource::Chip),
                _ => None,
            },
            "nguồn thông tin",
            &t[10],
        )?,
        channel: channel(&t[11])?,
        return_via: channel(&t[12])?,
        sets,
        received_at: t[13].clone(),
        due_on: date(&t[14], "ngày hẹn trả")?,
        deadline_unit: parse_col(DeadlineUnit::parse(&rule[0]), "đơn vị thời hạn", &rule[0])?,
        deadline_basis: rule[1].clone(),
        paper_set: rule[2].clone(),
        organisation: match org {
            [code, Some(tax_code), Some(name), address] => Some(Organisation {
                unit_code: code.unwrap_or_default(),
                tax_code,
                name,
                address: address.unwrap_or_default(),
            }),
            _ => None,
        },
        applicant_origin: rules::origin_of_id(conn, &t[3])?,
        register_year,
        register_no,
        received_by_name: t[15].clone(),
        status,
        status_label: status.label_vi().to_owned(),
        next_statuses: status.next().to_vec(),
        components,
        events,
    })
}

/// An extension of a dossier's deadline (the apology paper prints it).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub at: String,
    pub staff_name: String,
    pub old_due_on: NaiveDate,
    pub new_due_on: NaiveDate,
    pub reason: String,
}

/// Give a dossier a later return date, with the reason the office
/// apologises for (form 04). Only while it is being handled; the new date
/// must be later than the one given. Run inside a write transaction.
pub fn extend(
    conn: &Connection,
    actor: &Actor,
    code: &str,
    new_due: NaiveDate,
    reason: &str,
    now: &Timestamp,
) -> Result<Dossier, CoreError> {
    let d = get(conn, code)?;
    let reason = nfc(reason.trim());
    if reason.is_empty() {
        return Err(CoreError::invalid(
            "reason",
            "Hãy ghi lý do chậm trả kết quả (in trên văn bản xin lỗi).",
        ));
    }
    if reason.chars().count() > 1000 {
        return Err(CoreError::invalid("reason", "Lý do dài quá 1000 ký tự."));
    }
    if matches!(
        d.status,
        Status::ResultReady | Status::Returned | Status::Refused | Status::Stopped
    ) {
        return Err(CoreError::Conflict(format!(
            "Hồ sơ {} đang ở trạng thái \"{}\": không gia hạn được.",
            d.code,
            d.status.label_vi()
        )));
    }
    if new_due <= d.due_on {
        return Err(CoreError::invalid(
            "newDueOn",
            format!(
                "Ngày hẹn mới {} phải sau ngày hẹn hiện tại {}.",
                new_due.format("%d/%m/%Y"),
                d.due_on.format("%d/%m/%Y")
            ),
        ));
    }
    let staff = staff_name(conn, actor)?;
    conn.execute(
        "INSERT INTO dossier_extension (dossier_id, at, staff_name, old_due_on, new_due_on, reason)
         SELECT id, ?2, ?3, due_on, ?4, ?5 FROM dossier WHERE code = ?1",
        params![d.code, ts(now), staff, new_due.to_string(), reason],
    )?;
    conn.execute(
        "UPDATE dossier SET due_on = ?2 WHERE code = ?1",
        params![d.code, new_due.to_string()],
    )?;
    audit::append(
        conn,
        actor,
        &Event {
            action: "extend",
            entity: "dossier",
            entity_id: &d.code,
            detail: serde_json::json!({
                "from": d.due_on.to_string(),
                "to": new_due.to_string(),
            }),
        },
        now,
    )?;
    get(conn, &d.code)
}

/// The latest extension of a dossier, if any.
pub fn last_extension(conn: &Connection, code: &str) -> Result<Option<Extension>, CoreError> {
    let row = conn
        .query_row(
            "SELECT x.at, x.staff_name, x.old_due_on, x.new_due_on, x.reason
             FROM dossier_extension x JOIN dossier d ON d.id = x.dossier_id
             WHERE d.code = ?1 ORDER BY x.id DESC LIMIT 1",
            [code.trim()],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )
        .optional()?;
    row.map(|(at, staff_name, old, new, reason)| {
        let date =
            |s: &str| parse_col(NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(), "ngày hẹn", s);
        Ok(Extension {
            at,
            staff_name,
            old_due_on: date(&old)?,
            new_due_on: date(&new)?,
            reason,
        })
    })
    .transpose()
}

/// Move a dossier along its flow. Run inside a write transaction.
pub fn set_status(
    conn: &Connection,
    actor: &Actor,
    code: &str,
    to: Status,
    note: &str,
    now: &Timestamp,
) -> Result<Dossier, CoreError> {
    let d = get(conn, code)?;
    if !d.status.next().contains(&to) {
        return Err(CoreError::Conflict(format!(
            "Hồ sơ {} đang ở trạng thái \"{}\", không chuyển sang \"{}\" được.",
            d.code,
            d.status.label_vi(),
            to.label_vi()
        )));
    }
    let note = nfc(note.trim());
    if to.needs_reason() && note.is_empty() {
        return Err(CoreError::invalid(
            "note",
            format!("Cần ghi lý do khi chuyển hồ sơ sang \"{}\".", to.label_vi()),
        ));
    }
    write_status(conn, actor, &d, to, &note, now)
}

/// Move a dossier to `to` (checked by the caller), with its event and audit.
pub(crate) fn write_status(
    conn: &Connection,
    actor: &Actor,
    d: &Dossier,
    to: Status,
    note: &str,
    now: &Timestamp,
) -> Result<Dossier, CoreError> {
    let name = staff_name(conn, actor)?;
    conn.execute(
        "UPDATE dossier SET status = ?1, status_at = ?2 WHERE code = ?3",
        params![to.as_str(), ts(now), d.code],
    )?;
    conn.execute(
        "INSERT INTO dossier_event (dossier_id, at, staff_id, staff_name, from_status, to_status, note)
         SELECT id, ?2, ?3, ?4, ?5, ?6, ?7 FROM dossier WHERE code = ?1",
        params![
            d.code,
            ts(now),
            actor.id,
            name,
            d.status.as_str(),
            to.as_str(),
            note
        ],
    )?;
    audit::append(
        conn,
        actor,
        &Event {
            action: "update",
            entity: "dossier",
            entity_id: &d.code,
            detail: serde_json::json!({ "from": d.status, "to": to, "note": note }),
        },
        now,
    )?;
    get(conn, &d.code)
}

/// One dossier as the yearly register (form 06 "Sổ theo dõi hồ sơ") lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterEntry {
    pub register_no: u32,
    pub code: String,
    pub procedure_name: String,
    pub sets: u32,
    pub applicant_name: String,
    pub address: String,
    pub phone: String,
    pub received_on: NaiveDate,
    pub due_on: NaiveDate,
    pub status: Status,
    /// First move to processing (sent on for a decision).
    pub sent_on: Option<NaiveDate>,
    /// First move to result ready.
    pub result_on: Option<NaiveDate>,
    /// The result handed back.
    pub returned_on: Option<NaiveDate>,
    /// The latest note recorded with a move (the reason of a supplement
    /// request or a refusal), or empty.
    pub last_note: String,
}

/// The dossiers of a year's register, in register-number order, with the
/// dates of their hand-overs read from their history.
pub fn register(conn: &Connection, year: i32) -> Result<Vec<RegisterEntry>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT d.register_no, d.code, d.procedure_name, d.sets,
                coalesce(d.org_name || ' (người nộp: ' || d.applicant_name || ')', d.applicant_name),
                coalesce(d.org_address, d.address),
                d.phone, d.received_on, d.due_on, d.status,
                (SELECT min(e.at) FROM dossier_event e
                  WHERE e.dossier_id = d.id AND e.to_status = 'processing'),
                (SELECT min(e.at) FROM dossier_event e
                  WHERE e.dossier_id = d.id AND e.to_status = 'result_ready'),
                (SELECT min(e.at) FROM dossier_event e
                  WHERE e.dossier_id = d.id AND e.to_status = 'returned'),
                (SELECT e.note FROM dossier_event e
                  WHERE e.dossier_id = d.id AND e.note <> '' ORDER BY e.id DESC LIMIT 1)
         FROM dossier d WHERE d.register_year = ?1 ORDER BY d.register_no",
    )?;
    type Raw = (u32, u32, Vec<String>, [Option<String>; 4]);
    let rows: Vec<Raw> = stmt
        .query_map([year], |r| {
            let mut texts = Vec::with_capacity(8);
            for i in [1, 2, 4, 5, 6, 7, 8, 9] {
                texts.push(r.get::<_, String>(i)?);
            }
            Ok((
                r.get(0)?,
                r.get(3)?,
                texts,
                [r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?],
            ))
        })?
        .collect::<Result<_, _>>()?;
    let date =
        |s: &str, what: &str| parse_col(NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(), what, s);
    let day = |t: &Option<String>| -> Result<Option<NaiveDate>, CoreError> {
        t.as_deref()
            .map(|s| crate::parse_ts(s).map(|t| t.date_naive()))
            .transpose()
    };
    rows.into_iter()
        .map(|(register_no, sets, t, [sent, result, returned, note])| {
            Ok(RegisterEntry {
                register_no,
                code: t[0].clone(),
                procedure_name: t[1].clone(),
                sets,
                applicant_name: t[2].clone(),
                address: t[3].clone(),
                phone: t[4].clone(),
                received_on: date(&t[5], "ngày nhận")?,
                due_on: date(&t[6], "ngày hẹn trả")?,
                status: parse_col(Status::parse(&t[7]), "trạng thái", &t[7])?,
                sent_on: day(&sent)?,
                result_on: day(&result)?,
                returned_on: day(&returned)?,
                last_note: note.unwrap_or_default(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
