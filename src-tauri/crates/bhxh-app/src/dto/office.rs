//! The office, its staff and the audit log; provinces and the procedure catalogue.

use serde::{Deserialize, Serialize};
use specta::Type;

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Office {
    pub name: String,
    pub parent_agency: String,
    pub agency_code: String,
    pub province_code: String,
    pub province_name: String,
    pub address: String,
    /// One of the 34 units (2-digit code), once picked.
    pub unit_code: Option<String>,
    /// "provincial" or "base".
    pub level: String,
}

impl From<bhxh_core::office::Office> for Office {
    fn from(v: bhxh_core::office::Office) -> Self {
        Office {
            name: v.name,
            parent_agency: v.parent_agency,
            agency_code: v.agency_code,
            province_code: v.province_code,
            province_name: v.province_name,
            address: v.address,
            unit_code: v.unit_code,
            level: v.level,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OfficeInput {
    /// e.g. "Bảo hiểm xã hội tỉnh Hòa Bình"
    pub name: String,
    /// e.g. "Bảo hiểm xã hội Việt Nam"
    pub parent_agency: String,
    /// Agency electronic identifier (Decision 20/2020/QĐ-TTg), e.g. "000.00.17.H23".
    pub agency_code: String,
    /// 3-digit province code, e.g. "017".
    pub province_code: String,
    #[serde(default)]
    pub address: String,
}

impl From<OfficeInput> for bhxh_core::office::OfficeInput {
    fn from(v: OfficeInput) -> Self {
        bhxh_core::office::OfficeInput {
            name: v.name,
            parent_agency: v.parent_agency,
            agency_code: v.agency_code,
            province_code: v.province_code,
            address: v.address,
        }
    }
}

/// What a member of staff may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Cán bộ tiếp nhận: takes in dossiers, checks chip cards.
    CounterOfficer,
    /// Cán bộ số hóa: scans and files papers.
    DigitisationOfficer,
    /// Lãnh đạo / giám sát: approves reports, overrides figures.
    Supervisor,
    /// Quản trị: office setup, staff accounts, catalogue, backups.
    Administrator,
}

impl From<bhxh_core::office::accounts::Role> for Role {
    fn from(v: bhxh_core::office::accounts::Role) -> Self {
        match v {
            bhxh_core::office::accounts::Role::CounterOfficer => Role::CounterOfficer,
            bhxh_core::office::accounts::Role::DigitisationOfficer => Role::DigitisationOfficer,
            bhxh_core::office::accounts::Role::Supervisor => Role::Supervisor,
            bhxh_core::office::accounts::Role::Administrator => Role::Administrator,
        }
    }
}

impl From<Role> for bhxh_core::office::accounts::Role {
    fn from(v: Role) -> Self {
        match v {
            Role::CounterOfficer => bhxh_core::office::accounts::Role::CounterOfficer,
            Role::DigitisationOfficer => bhxh_core::office::accounts::Role::DigitisationOfficer,
            Role::Supervisor => bhxh_core::office::accounts::Role::Supervisor,
            Role::Administrator => bhxh_core::office::accounts::Role::Administrator,
        }
    }
}

/// A member of staff as the app shows it (never the hash).
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Staff {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub active: bool,
    pub locked_until: Option<String>,
    pub last_sign_in: Option<String>,
    pub created_at: String,
}

impl From<bhxh_core::office::accounts::Staff> for Staff {
    fn from(v: bhxh_core::office::accounts::Staff) -> Self {
        Staff {
            id: v.id,
            username: v.username,
            full_name: v.full_name,
            role: v.role.into(),
            active: v.active,
            locked_until: v.locked_until,
            last_sign_in: v.last_sign_in,
            created_at: v.created_at,
        }
    }
}

/// A new account's fields.
#[derive(Debug, Clone, PartialEq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct NewStaff {
    pub username: String,
    pub full_name: String,
    pub role: Role,
}

impl From<NewStaff> for bhxh_core::office::accounts::NewStaff {
    fn from(v: NewStaff) -> Self {
        bhxh_core::office::accounts::NewStaff {
            username: v.username,
            full_name: v.full_name,
            role: v.role.into(),
        }
    }
}

/// An entry as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_username: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub detail: String,
}

impl From<bhxh_core::office::audit::Entry> for AuditEntry {
    fn from(v: bhxh_core::office::audit::Entry) -> Self {
        AuditEntry {
            seq: v.seq,
            at: v.at,
            actor_id: v.actor_id,
            actor_username: v.actor_username,
            action: v.action,
            entity: v.entity,
            entity_id: v.entity_id,
            detail: v.detail,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Province {
    pub code: String,
    pub name: String,
}

impl From<bhxh_core::reference::catalog::Province> for Province {
    fn from(v: bhxh_core::reference::catalog::Province) -> Self {
        Province {
            code: v.code,
            name: v.name,
        }
    }
}

/// A provincial-level unit as it stands on a date: one of the 34 from
/// 1/7/2025 (2-digit codes), one of the 63 before (3-digit codes).
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AdminUnit {
    pub code: String,
    pub name: String,
    /// "tỉnh Lâm Đồng", "thành phố Hồ Chí Minh".
    pub full_name: String,
    pub kind: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
    /// The old (3-digit) units it took over.
    pub predecessors: Vec<String>,
    pub basis: String,
}

impl From<bhxh_core::reference::rules::AdminUnit> for AdminUnit {
    fn from(v: bhxh_core::reference::rules::AdminUnit) -> Self {
        AdminUnit {
            full_name: v.full_name(),
            code: v.code,
            name: v.name,
            kind: v.kind,
            valid_from: v.valid_from,
            valid_to: v.valid_to,
            predecessors: v.predecessors,
            basis: v.basis,
        }
    }
}

/// A unit looked up by an old or a new code: the unit in force on the date
/// and, for an old code, the old unit itself.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UnitLookup {
    pub unit: Option<AdminUnit>,
    pub old: Option<AdminUnit>,
}

/// A procedure's deadline as in force on a date.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProcedureRule {
    pub code: String,
    pub name: String,
    pub group: String,
    pub components: u32,
    pub deadline_value: u32,
    /// working_days, days_excluding_holidays or calendar_days.
    pub deadline_unit: String,
    /// "20 ngày (không kể ngày nghỉ lễ, Tết)".
    pub deadline_text: String,
    pub basis: String,
    /// False where research found no source: shown as "chưa kiểm chứng".
    pub verified: bool,
    pub valid_from: Option<chrono::NaiveDate>,
}

impl From<bhxh_core::reference::rules::ProcedureAt> for ProcedureRule {
    fn from(v: bhxh_core::reference::rules::ProcedureAt) -> Self {
        let p = v.procedure;
        let (value, unit, basis, verified, from) = match v.rule {
            Some(r) => (r.value, r.unit, r.basis, r.verified, Some(r.valid_from)),
            None => (
                p.processing_days,
                bhxh_core::reference::rules::DeadlineUnit::WorkingDays,
                String::new(),
                false,
                None,
            ),
        };
        ProcedureRule {
            code: p.code,
            name: p.name,
            group: p.group,
            components: u32::try_from(p.components.len()).unwrap_or(u32::MAX),
            deadline_value: value,
            deadline_unit: unit.as_str().to_owned(),
            deadline_text: format!("{value} {}", unit.label_vi()),
            basis,
            verified,
            valid_from: from,
        }
    }
}

/// A reference pack applied to this store: what it changed, from when.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppliedPack {
    pub id: String,
    pub version: i64,
    pub title: String,
    pub published: String,
    /// "reference-2025.json" (built in) or "hq".
    pub source: String,
    pub applied_at: String,
    pub changes: Vec<String>,
}

impl From<bhxh_core::reference::rules::AppliedPack> for AppliedPack {
    fn from(v: bhxh_core::reference::rules::AppliedPack) -> Self {
        AppliedPack {
            id: v.id,
            version: v.version,
            title: v.title,
            published: v.published,
            source: v.source,
            applied_at: v.applied_at,
            changes: v.changes,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Component {
    pub number: u32,
    pub name: String,
    pub copies: u32,
    pub original: bool,
}

impl From<bhxh_core::reference::catalog::Component> for Component {
    fn from(v: bhxh_core::reference::catalog::Component) -> Self {
        Component {
            number: v.number,
            name: v.name,
            copies: v.copies,
            original: v.original,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Procedure {
    pub code: String,
    pub code_is_national: bool,
    pub name: String,
    pub group: String,
    pub processing_days: u32,
    pub components: Vec<Component>,
}

impl From<bhxh_core::reference::catalog::Procedure> for Procedure {
    fn from(v: bhxh_core::reference::catalog::Procedure) -> Self {
        Procedure {
            code: v.code,
            code_is_national: v.code_is_national,
            name: v.name,
            group: v.group,
            processing_days: v.processing_days,
            components: v.components.into_iter().map(|x| x.into()).collect(),
        }
    }
}

/// One paper of a dossier, as an administrator edits it.
#[derive(Debug, Clone, PartialEq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ComponentInput {
    pub name: String,
    pub copies: u32,
    pub original: bool,
}

impl From<ComponentInput> for bhxh_core::reference::catalog::ComponentInput {
    fn from(v: ComponentInput) -> Self {
        bhxh_core::reference::catalog::ComponentInput {
            name: v.name,
            copies: v.copies,
            original: v.original,
        }
    }
}

/// An administrator's edit of a procedure: its name, the statutory
/// processing time in working days and the papers of its dossier (numbered
/// in the order given).
#[derive(Debug, Clone, PartialEq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProcedureEdit {
    pub name: String,
    pub processing_days: u32,
    pub components: Vec<ComponentInput>,
}

impl From<ProcedureEdit> for bhxh_core::reference::catalog::ProcedureEdit {
    fn from(v: ProcedureEdit) -> Self {
        bhxh_core::reference::catalog::ProcedureEdit {
            name: v.name,
            processing_days: v.processing_days,
            components: v.components.into_iter().map(|x| x.into()).collect(),
        }
    }
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::CounterOfficer,
        Role::DigitisationOfficer,
        Role::Supervisor,
        Role::Administrator,
    ];

    /// `counter_officer`, …
    pub fn as_str(self) -> &'static str {
        bhxh_core::office::accounts::Role::from(self).as_str()
    }

    pub fn parse(s: &str) -> Option<Role> {
        bhxh_core::office::accounts::Role::parse(s).map(Into::into)
    }

    /// "Cán bộ tiếp nhận", …
    pub fn label_vi(self) -> &'static str {
        bhxh_core::office::accounts::Role::from(self).label_vi()
    }
}
