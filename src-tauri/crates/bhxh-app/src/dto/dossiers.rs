//! Dossiers: intake, the dossier and its history, search, digitised files and results, reuse, the scan inbox's triage list.

use serde::{Deserialize, Serialize};
use specta::Type;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Nam
    Male,
    /// Nữ
    Female,
}

impl From<bhxh_core::reference::pid::Sex> for Sex {
    fn from(v: bhxh_core::reference::pid::Sex) -> Self {
        match v {
            bhxh_core::reference::pid::Sex::Male => Sex::Male,
            bhxh_core::reference::pid::Sex::Female => Sex::Female,
        }
    }
}

impl From<Sex> for bhxh_core::reference::pid::Sex {
    fn from(v: Sex) -> Self {
        match v {
            Sex::Male => bhxh_core::reference::pid::Sex::Male,
            Sex::Female => bhxh_core::reference::pid::Sex::Female,
        }
    }
}

/// Where a dossier is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum DossierStatus {
    Received,
    Digitising,
    Digitised,
    Processing,
    ResultReady,
    Returned,
    SupplementRequested,
    Refused,
    Stopped,
}

impl From<bhxh_core::dossiers::Status> for DossierStatus {
    fn from(v: bhxh_core::dossiers::Status) -> Self {
        match v {
            bhxh_core::dossiers::Status::Received => DossierStatus::Received,
            bhxh_core::dossiers::Status::Digitising => DossierStatus::Digitising,
            bhxh_core::dossiers::Status::Digitised => DossierStatus::Digitised,
            bhxh_core::dossiers::Status::Processing => DossierStatus::Processing,
            bhxh_core::dossiers::Status::ResultReady => DossierStatus::ResultReady,
            bhxh_core::dossiers::Status::Returned => DossierStatus::Returned,
            bhxh_core::dossiers::Status::SupplementRequested => DossierStatus::SupplementRequested,
            bhxh_core::dossiers::Status::Refused => DossierStatus::Refused,
            bhxh_core::dossiers::Status::Stopped => DossierStatus::Stopped,
        }
    }
}

impl From<DossierStatus> for bhxh_core::dossiers::Status {
    fn from(v: DossierStatus) -> Self {
        match v {
            DossierStatus::Received => bhxh_core::dossiers::Status::Received,
            DossierStatus::Digitising => bhxh_core::dossiers::Status::Digitising,
            DossierStatus::Digitised => bhxh_core::dossiers::Status::Digitised,
            DossierStatus::Processing => bhxh_core::dossiers::Status::Processing,
            DossierStatus::ResultReady => bhxh_core::dossiers::Status::ResultReady,
            DossierStatus::Returned => bhxh_core::dossiers::Status::Returned,
            DossierStatus::SupplementRequested => bhxh_core::dossiers::Status::SupplementRequested,
            DossierStatus::Refused => bhxh_core::dossiers::Status::Refused,
            DossierStatus::Stopped => bhxh_core::dossiers::Status::Stopped,
        }
    }
}

/// How a dossier arrives, or how its result goes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum IntakeChannel {
    Counter,
    Post,
}

impl From<bhxh_core::dossiers::Channel> for IntakeChannel {
    fn from(v: bhxh_core::dossiers::Channel) -> Self {
        match v {
            bhxh_core::dossiers::Channel::Counter => IntakeChannel::Counter,
            bhxh_core::dossiers::Channel::Post => IntakeChannel::Post,
        }
    }
}

impl From<IntakeChannel> for bhxh_core::dossiers::Channel {
    fn from(v: IntakeChannel) -> Self {
        match v {
            IntakeChannel::Counter => bhxh_core::dossiers::Channel::Counter,
            IntakeChannel::Post => bhxh_core::dossiers::Channel::Post,
        }
    }
}

/// How the applicant's identity was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum IdentitySource {
    /// Typed by the officer.
    Typed,
    /// From the QR code on the front of the CCCD, read by a barcode scanner.
    Qr,
    /// From a chip read judged genuine.
    Chip,
}

impl From<bhxh_core::dossiers::IdentitySource> for IdentitySource {
    fn from(v: bhxh_core::dossiers::IdentitySource) -> Self {
        match v {
            bhxh_core::dossiers::IdentitySource::Typed => IdentitySource::Typed,
            bhxh_core::dossiers::IdentitySource::Qr => IdentitySource::Qr,
            bhxh_core::dossiers::IdentitySource::Chip => IdentitySource::Chip,
        }
    }
}

impl From<IdentitySource> for bhxh_core::dossiers::IdentitySource {
    fn from(v: IdentitySource) -> Self {
        match v {
            IdentitySource::Typed => bhxh_core::dossiers::IdentitySource::Typed,
            IdentitySource::Qr => bhxh_core::dossiers::IdentitySource::Qr,
            IdentitySource::Chip => bhxh_core::dossiers::IdentitySource::Chip,
        }
    }
}

/// The applicant, as typed or read from the card.
#[derive(Debug, Clone, PartialEq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Applicant {
    pub id_number: String,
    pub full_name: String,
    pub birth_date: chrono::NaiveDate,
    pub sex: Sex,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
}

impl From<Applicant> for bhxh_core::dossiers::Applicant {
    fn from(v: Applicant) -> Self {
        bhxh_core::dossiers::Applicant {
            id_number: v.id_number,
            full_name: v.full_name,
            birth_date: v.birth_date,
            sex: v.sex.into(),
            address: v.address,
            phone: v.phone,
            email: v.email,
        }
    }
}

/// What the counter officer fills in.
#[derive(Debug, Clone, PartialEq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct IntakeInput {
    pub procedure_code: String,
    pub applicant: Applicant,
    pub identity_source: IdentitySource,
    pub channel: IntakeChannel,
    pub return_via: IntakeChannel,
    /// Number of sets of papers (usually 1).
    pub sets: u32,
    /// Component numbers handed in (the procedure's checklist).
    pub received_components: Vec<u32>,
    /// The organisation filing, when the applicant hands papers in for an
    /// employer; absent for a person on their own behalf.
    #[serde(default)]
    pub organisation: Option<Organisation>,
}

/// An organisation as applicant (an employer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Organisation {
    /// Mã đơn vị BHXH gave it (may be empty at a first registration).
    #[serde(default)]
    pub unit_code: String,
    /// Mã số thuế: 10 digits, or 10-3 for a branch.
    pub tax_code: String,
    pub name: String,
    #[serde(default)]
    pub address: String,
}

impl From<Organisation> for bhxh_core::dossiers::Organisation {
    fn from(v: Organisation) -> Self {
        bhxh_core::dossiers::Organisation {
            unit_code: v.unit_code,
            tax_code: v.tax_code,
            name: v.name,
            address: v.address,
        }
    }
}

impl From<bhxh_core::dossiers::Organisation> for Organisation {
    fn from(v: bhxh_core::dossiers::Organisation) -> Self {
        Organisation {
            unit_code: v.unit_code,
            tax_code: v.tax_code,
            name: v.name,
            address: v.address,
        }
    }
}

impl From<IntakeInput> for bhxh_core::dossiers::IntakeInput {
    fn from(v: IntakeInput) -> Self {
        bhxh_core::dossiers::IntakeInput {
            procedure_code: v.procedure_code,
            applicant: v.applicant.into(),
            identity_source: v.identity_source.into(),
            channel: v.channel.into(),
            return_via: v.return_via.into(),
            sets: v.sets,
            received_components: v.received_components,
            organisation: v.organisation.map(Into::into),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ComponentLine {
    pub number: u32,
    pub name: String,
    pub copies: u32,
    pub original: bool,
    pub received: bool,
}

impl From<bhxh_core::dossiers::ComponentLine> for ComponentLine {
    fn from(v: bhxh_core::dossiers::ComponentLine) -> Self {
        ComponentLine {
            number: v.number,
            name: v.name,
            copies: v.copies,
            original: v.original,
            received: v.received,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EventLine {
    pub at: String,
    pub staff_name: String,
    pub from_status: Option<DossierStatus>,
    pub to_status: DossierStatus,
    pub note: String,
}

impl From<bhxh_core::dossiers::EventLine> for EventLine {
    fn from(v: bhxh_core::dossiers::EventLine) -> Self {
        EventLine {
            at: v.at,
            staff_name: v.staff_name,
            from_status: v.from_status.map(|x| x.into()),
            to_status: v.to_status.into(),
            note: v.note,
        }
    }
}

/// A dossier as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Dossier {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub processing_days: u32,
    pub applicant_id: String,
    pub applicant_name: String,
    pub applicant_birth_date: chrono::NaiveDate,
    pub applicant_sex: Sex,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub identity_source: IdentitySource,
    pub channel: IntakeChannel,
    pub return_via: IntakeChannel,
    pub sets: u32,
    pub received_at: String,
    pub due_on: chrono::NaiveDate,
    /// The deadline as the law words it: "20 ngày (không kể ngày nghỉ lễ, Tết)".
    pub deadline_text: String,
    /// Its legal basis under the rules of the receipt date (may be empty).
    pub deadline_basis: String,
    /// The one-stop paper set its papers print from ("TT03/2025").
    pub paper_set: String,
    /// The organisation that filed it, if any.
    pub organisation: Option<Organisation>,
    /// Where the ID number says the applicant was registered: the old unit
    /// and today's beside it.
    pub applicant_origin: Option<String>,
    pub register_year: i32,
    pub register_no: u32,
    pub received_by_name: String,
    pub status: DossierStatus,
    pub status_label: String,
    /// Where it may move from here (for the window's choices).
    pub next_statuses: Vec<DossierStatus>,
    pub components: Vec<ComponentLine>,
    pub events: Vec<EventLine>,
}

impl From<bhxh_core::dossiers::Dossier> for Dossier {
    fn from(v: bhxh_core::dossiers::Dossier) -> Self {
        Dossier {
            code: v.code,
            procedure_code: v.procedure_code,
            procedure_name: v.procedure_name,
            processing_days: v.processing_days,
            applicant_id: v.applicant_id,
            applicant_name: v.applicant_name,
            applicant_birth_date: v.applicant_birth_date,
            applicant_sex: v.applicant_sex.into(),
            address: v.address,
            phone: v.phone,
            email: v.email,
            identity_source: v.identity_source.into(),
            channel: v.channel.into(),
            return_via: v.return_via.into(),
            sets: v.sets,
            received_at: v.received_at,
            due_on: v.due_on,
            deadline_text: format!("{} {}", v.processing_days, v.deadline_unit.label_vi()),
            deadline_basis: v.deadline_basis,
            paper_set: v.paper_set,
            organisation: v.organisation.map(Into::into),
            applicant_origin: v.applicant_origin,
            register_year: v.register_year,
            register_no: v.register_no,
            received_by_name: v.received_by_name,
            status: v.status.into(),
            status_label: v.status_label,
            next_statuses: v.next_statuses.into_iter().map(|x| x.into()).collect(),
            components: v.components.into_iter().map(|x| x.into()).collect(),
            events: v.events.into_iter().map(|x| x.into()).collect(),
        }
    }
}

/// The result of an intake: the dossier and what the officer should look at.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Intake {
    pub dossier: Dossier,
    /// Vietnamese warnings (an ID number from a province outside the table, say).
    pub warnings: Vec<String>,
    /// Codes of the applicant's other open dossiers of the same procedure.
    pub open_same: Vec<String>,
}

impl From<bhxh_core::dossiers::Intake> for Intake {
    fn from(v: bhxh_core::dossiers::Intake) -> Self {
        Intake {
            dossier: v.dossier.into(),
            warnings: v.warnings,
            open_same: v.open_same,
        }
    }
}

/// An open dossier of the same applicant and procedure (a warning before
/// taking the same claim in again).
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OpenSame {
    pub code: String,
    pub received_on: chrono::NaiveDate,
    pub status: DossierStatus,
    /// The warning, in Vietnamese.
    pub warning: String,
}

impl From<bhxh_core::dossiers::OpenSame> for OpenSame {
    fn from(v: bhxh_core::dossiers::OpenSame) -> Self {
        OpenSame {
            warning: v.warning_vi(),
            code: v.code,
            received_on: v.received_on,
            status: v.status.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Type, Default)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SearchQuery {
    pub text: String,
    pub status: Option<DossierStatus>,
    /// Received on or after.
    pub from: Option<chrono::NaiveDate>,
    /// Received on or before.
    pub to: Option<chrono::NaiveDate>,
    pub procedure_code: Option<String>,
    /// At most this many rows (default 50, at most 500).
    pub limit: Option<u32>,
}

impl From<SearchQuery> for bhxh_core::dossiers::SearchQuery {
    fn from(v: SearchQuery) -> Self {
        bhxh_core::dossiers::SearchQuery {
            text: v.text,
            status: v.status.map(|x| x.into()),
            from: v.from,
            to: v.to,
            procedure_code: v.procedure_code,
            limit: v.limit,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DossierSummary {
    pub code: String,
    pub applicant_name: String,
    pub applicant_id: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub received_at: String,
    pub due_on: String,
    pub status: DossierStatus,
    pub status_label: String,
    /// Past its return date without a result.
    pub late: bool,
}

impl From<bhxh_core::dossiers::DossierSummary> for DossierSummary {
    fn from(v: bhxh_core::dossiers::DossierSummary) -> Self {
        DossierSummary {
            code: v.code,
            applicant_name: v.applicant_name,
            applicant_id: v.applicant_id,
            procedure_code: v.procedure_code,
            procedure_name: v.procedure_name,
            received_at: v.received_at,
            due_on: v.due_on,
            status: v.status.into(),
            status_label: v.status_label,
            late: v.late,
        }
    }
}

/// A month's dossier figures (they feed plan tasks 13–14).
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MonthIndicators {
    pub year: i32,
    pub month: u32,
    /// Dossiers received in the month (refusals included).
    pub received: u32,
    /// Of those not refused, how many have been digitised.
    pub digitised: u32,
    /// `digitised` over the dossiers not refused, in per cent (None if none).
    pub digitised_percent: Option<f64>,
    /// Results not ready by their return date (or still not ready and past it).
    pub late: u32,
    /// Of those not refused, how many used at least one paper digitised
    /// before (instead of a rescan).
    pub reused: u32,
    /// `reused` over the dossiers not refused, in per cent (None if none).
    pub reuse_percent: Option<f64>,
    /// Of those not refused, how many have their result ready (or returned).
    pub results: u32,
    /// Of those, how many have a digitised result.
    pub results_digitised: u32,
    /// `results_digitised` over `results`, in per cent (None if none).
    pub results_digitised_percent: Option<f64>,
}

impl From<bhxh_core::dossiers::MonthIndicators> for MonthIndicators {
    fn from(v: bhxh_core::dossiers::MonthIndicators) -> Self {
        MonthIndicators {
            year: v.year,
            month: v.month,
            received: v.received,
            digitised: v.digitised,
            digitised_percent: v.digitised_percent,
            late: v.late,
            reused: v.reused,
            reuse_percent: v.reuse_percent,
            results: v.results,
            results_digitised: v.results_digitised,
            results_digitised_percent: v.results_digitised_percent,
        }
    }
}

/// Whether a row is a file as received or the PDF assembled from scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum FileRole {
    Original,
    Assembled,
}

impl From<bhxh_core::dossiers::files::FileRole> for FileRole {
    fn from(v: bhxh_core::dossiers::files::FileRole) -> Self {
        match v {
            bhxh_core::dossiers::files::FileRole::Original => FileRole::Original,
            bhxh_core::dossiers::files::FileRole::Assembled => FileRole::Assembled,
        }
    }
}

impl From<FileRole> for bhxh_core::dossiers::files::FileRole {
    fn from(v: FileRole) -> Self {
        match v {
            FileRole::Original => bhxh_core::dossiers::files::FileRole::Original,
            FileRole::Assembled => bhxh_core::dossiers::files::FileRole::Assembled,
        }
    }
}

/// One file to record (already sealed in the file store).
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FileRecord {
    pub role: FileRole,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub bytes: u64,
    pub pages: u32,
    pub warnings: Vec<String>,
}

impl From<bhxh_core::dossiers::files::FileRecord> for FileRecord {
    fn from(v: bhxh_core::dossiers::files::FileRecord) -> Self {
        FileRecord {
            role: v.role.into(),
            sha256: v.sha256,
            file_name: v.file_name,
            media_type: v.media_type,
            bytes: v.bytes,
            pages: v.pages,
            warnings: v.warnings,
        }
    }
}

/// A recorded file, as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FileLine {
    pub component: u32,
    pub role: String,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub bytes: u64,
    pub pages: u32,
    pub warnings: Vec<String>,
    pub added_at: String,
    pub added_by: String,
    /// An `assembled` row that is its component's PDF now: the newest, and
    /// not emptied since by a move of every page away. False for the other
    /// rows (older versions, scans, signed copies).
    pub current: bool,
}

impl From<bhxh_core::dossiers::files::FileLine> for FileLine {
    fn from(v: bhxh_core::dossiers::files::FileLine) -> Self {
        FileLine {
            component: v.component,
            role: v.role,
            sha256: v.sha256,
            file_name: v.file_name,
            media_type: v.media_type,
            bytes: v.bytes,
            pages: v.pages,
            warnings: v.warnings,
            added_at: v.added_at,
            added_by: v.added_by,
            current: false,
        }
    }
}

/// A digitised result of a dossier, as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ResultLine {
    pub number: u32,
    pub name: String,
    pub reusable: bool,
    pub added_at: String,
    pub added_by: String,
    /// The assembled PDF's hash and page count.
    pub sha256: String,
    pub pages: u32,
    pub files: Vec<FileRecord>,
}

impl From<bhxh_core::dossiers::results::ResultLine> for ResultLine {
    fn from(v: bhxh_core::dossiers::results::ResultLine) -> Self {
        ResultLine {
            number: v.number,
            name: v.name,
            reusable: v.reusable,
            added_at: v.added_at,
            added_by: v.added_by,
            sha256: v.sha256,
            pages: v.pages,
            files: v.files.into_iter().map(|x| x.into()).collect(),
        }
    }
}

/// What an offer comes from: a component of an earlier dossier, or one of its
/// results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Component,
    Result,
}

impl From<bhxh_core::dossiers::reuse::SourceKind> for SourceKind {
    fn from(v: bhxh_core::dossiers::reuse::SourceKind) -> Self {
        match v {
            bhxh_core::dossiers::reuse::SourceKind::Component => SourceKind::Component,
            bhxh_core::dossiers::reuse::SourceKind::Result => SourceKind::Result,
        }
    }
}

impl From<SourceKind> for bhxh_core::dossiers::reuse::SourceKind {
    fn from(v: SourceKind) -> Self {
        match v {
            SourceKind::Component => bhxh_core::dossiers::reuse::SourceKind::Component,
            SourceKind::Result => bhxh_core::dossiers::reuse::SourceKind::Result,
        }
    }
}

/// A digitised component or reusable result of an earlier dossier of the
/// same applicant.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReuseCandidate {
    pub source_code: String,
    pub source_kind: SourceKind,
    /// The component's number, or the result's when `source_kind` is `result`.
    pub source_component: u32,
    /// The component's or the result's name.
    pub component_name: String,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub bytes: u64,
    pub pages: u32,
    pub digitised_at: String,
    pub digitised_by: String,
}

impl From<bhxh_core::dossiers::reuse::ReuseCandidate> for ReuseCandidate {
    fn from(v: bhxh_core::dossiers::reuse::ReuseCandidate) -> Self {
        ReuseCandidate {
            source_code: v.source_code,
            source_kind: v.source_kind.into(),
            source_component: v.source_component,
            component_name: v.component_name,
            sha256: v.sha256,
            file_name: v.file_name,
            media_type: v.media_type,
            bytes: v.bytes,
            pages: v.pages,
            digitised_at: v.digitised_at,
            digitised_by: v.digitised_by,
        }
    }
}

/// An entry of the triage list.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TriageItem {
    pub id: i64,
    /// The source file, sealed in the file store.
    pub sha256: String,
    pub file_name: String,
    /// Pages of the source file this part holds (1-based).
    pub first_page: u32,
    pub page_count: u32,
    pub reason: String,
    pub code_read: Option<String>,
    pub created_at: String,
    pub filed_at: Option<String>,
    pub filed_code: Option<String>,
    pub filed_component: Option<u32>,
    pub filed_by: Option<String>,
}

impl From<bhxh_core::dossiers::inbox::TriageItem> for TriageItem {
    fn from(v: bhxh_core::dossiers::inbox::TriageItem) -> Self {
        TriageItem {
            id: v.id,
            sha256: v.sha256,
            file_name: v.file_name,
            first_page: v.first_page,
            page_count: v.page_count,
            reason: v.reason,
            code_read: v.code_read,
            created_at: v.created_at,
            filed_at: v.filed_at,
            filed_code: v.filed_code,
            filed_component: v.filed_component,
            filed_by: v.filed_by,
        }
    }
}

impl DossierStatus {
    /// `received`, `digitising`, …
    pub fn as_str(self) -> &'static str {
        bhxh_core::dossiers::Status::from(self).as_str()
    }

    pub fn parse(s: &str) -> Option<DossierStatus> {
        bhxh_core::dossiers::Status::parse(s).map(Into::into)
    }

    /// "Đã tiếp nhận", …
    pub fn label_vi(self) -> &'static str {
        bhxh_core::dossiers::Status::from(self).label_vi()
    }
}

impl Sex {
    /// "nam", "nữ", "nu", "male", "female", …
    pub fn parse(s: &str) -> Option<Sex> {
        bhxh_core::reference::pid::Sex::parse(s).map(Into::into)
    }

    pub fn label_vi(self) -> &'static str {
        bhxh_core::reference::pid::Sex::from(self).label_vi()
    }
}

/// A scanner attached to the desk (SANE device name and what it says of itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ScannerLine {
    pub device: String,
    pub vendor: String,
    pub model: String,
    pub kind: String,
}

/// A component's current PDF and its pages, for the page strip.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ComponentPages {
    pub code: String,
    pub component: u32,
    /// The current PDF's hash (the version an edit starts from).
    pub sha256: String,
    pub file_name: String,
    /// A PDF received whole: kept byte for byte, its pages not editable.
    pub received_whole: bool,
    /// The desk signed this version: an edit makes a new, unsigned one.
    pub signed: bool,
    pub pages: Vec<PageLine>,
}

/// One page of a component's PDF.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PageLine {
    /// From 1, in the current order.
    pub number: u32,
    /// Clockwise, 0, 90, 180 or 270.
    pub rotate: u16,
    pub width_px: u32,
    pub height_px: u32,
}

/// A paper as the window's preview shows it before it is printed: the
/// same PDF, in memory only.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PaperPreview {
    /// The PDF, base64.
    pub pdf_base64: String,
}

impl PaperPreview {
    pub fn of(pdf: &[u8]) -> PaperPreview {
        use base64ct::{Base64, Encoding};
        PaperPreview {
            pdf_base64: Base64::encode_string(pdf),
        }
    }
}

/// A small picture of one page (never stored) and whether it looks blank.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PagePreview {
    pub number: u32,
    /// `data:image/jpeg;base64,…`, at most 240 points on its longer side,
    /// not turned (the window turns it by `rotate`).
    pub image: String,
    pub blank: bool,
    /// How far its lines lean, in degrees clockwise (`None`: too little
    /// ink to tell); a degree or more is worth a rescan.
    pub skew: Option<f32>,
}

/// Pages to move from one component of a dossier to another, with the
/// versions the officer saw (when either changed since, nothing is made).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PageMove {
    pub from_component: u32,
    /// The pages taken, by their number in the component's current PDF, in
    /// the order they go.
    pub pages: Vec<u32>,
    pub to_component: u32,
    /// Where the first of them goes in the other component (from 1);
    /// `None`: after its last page.
    pub at: Option<u32>,
    /// The hash of the first component's PDF the officer saw.
    pub from_sha256: String,
    /// The hash of the other component's PDF the officer saw; `None`: it
    /// had none.
    pub to_sha256: Option<String>,
}

/// Both components after a move of pages, and where the dossier stands.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PagesMoved {
    /// The component the pages came from; `None`: every page moved, it has
    /// no PDF now and counts as not digitised.
    pub from: Option<ComponentPages>,
    pub to: ComponentPages,
    pub status: DossierStatus,
    pub status_label: String,
}

/// A page of the new version: the current page `page` turned `rotate`
/// degrees clockwise from the scan as it came (0, 90, 180, 270).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PageChoice {
    pub page: u32,
    pub rotate: u16,
}

#[cfg(test)]
mod tests {
    use super::SearchQuery;

    /// Every field of a search may be left out, but a misspelled one is an
    /// error, not a search for everything.
    #[test]
    fn a_search_with_an_unknown_field_is_refused() {
        let q: SearchQuery = serde_json::from_str(r#"{"text":"đức"}"#).unwrap();
        assert_eq!(q.text, "đức");
        let empty: SearchQuery = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, SearchQuery::default());
        let err = serde_json::from_str::<SearchQuery>(r#"{"txt":"đức"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `txt`"), "{err}");
    }
}
