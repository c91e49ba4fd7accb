//! The 2024 plan of Decision 147/QĐ-BHXH and its monthly progress: what
//! each task stands at, the figures the desk computes from its own records,
//! what needs attention, and the evidence files behind a month's entries
//! (sealed in the file store like the scans).

use std::path::PathBuf;

use bhxh_core::CoreError;
use bhxh_core::progress::evidence::{self, NewEvidence};
use bhxh_core::progress::{self, Month, ReportKind, ReportPeriod, plan};
use serde::Serialize;

use crate::dto::{
    self, Attention, AutoIndicator, Evidence, Plan, ProgressEntry, ProgressInput, ReportRecord,
};

use crate::policy::Action;
use crate::{Desk, DeskError, paths};

/// One month of plan progress, for the plan screen.
#[derive(Debug, Clone, Serialize, PartialEq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MonthProgress {
    /// Figures the app computes for this month (only the month in progress).
    pub auto: Vec<AutoIndicator>,
    pub period: String,
    pub label: String,
    /// The month's report is approved: entries are read-only until a
    /// supervisor opens a correction.
    pub frozen: bool,
    pub entries: Vec<ProgressEntry>,
    pub revisions: Vec<ReportRecord>,
}

/// The media type the desk records for an evidence file, from its name.
fn media_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "tif" | "tiff" => "image/tiff",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "doc" => "application/msword",
        "xls" => "application/vnd.ms-excel",
        "txt" => "text/plain",
        _ => "application/octet-stream",
    }
}

impl Desk {
    pub fn plan(&self) -> Result<Plan, DeskError> {
        self.read(Action::ViewPlan, |conn, _| Ok(plan::load(conn)?.into()))
    }

    /// The plan without a session: for the command line's read-only listing
    /// (the plan holds no personal data).
    pub fn plan_public(&self) -> Result<Plan, DeskError> {
        Ok(plan::load(&*self.store.conn()?)?.into())
    }

    /// A month's entries, whether the month is frozen by an approved report,
    /// and the revisions of its monthly report.
    pub fn progress_month(&self, month: &str) -> Result<MonthProgress, DeskError> {
        self.read(Action::ViewPlan, |conn, now| {
            let month = Month::parse(month)?;
            let period = ReportPeriod::parse(ReportKind::Month, &month.to_string())?;
            let revisions = progress::revisions(conn, &period)?;
            let auto = progress::auto_indicators(conn, month, now.date_naive())?;
            Ok(MonthProgress {
                auto: dto::all(auto),
                period: month.to_string(),
                label: month.label(),
                frozen: revisions.first().is_some_and(|r| r.status == "approved"),
                entries: dto::all(progress::month_entries(conn, month)?),
                revisions: dto::all(revisions),
            })
        })
    }

    /// Record a task's progress for a month. A figure other than the one
    /// the desk computed needs [`Action::OverrideAutoFigure`] too.
    pub fn progress_save(
        &self,
        month: &str,
        input: &ProgressInput,
    ) -> Result<ProgressEntry, DeskError> {
        self.change(Action::RecordProgress, |tx, actor, now| {
            let month = Month::parse(month)?;
            let auto = progress::auto_indicators(tx, month, now.date_naive())?
                .into_iter()
                .find(|a| a.task_number == input.task_number)
                .map(|a| a.value);
            if progress::overrides_auto(input.indicator_value, auto) {
                self.authorize(Action::OverrideAutoFigure)?;
            }
            Ok(progress::save(tx, actor, month, &input.clone().into(), auto, now)?.into())
        })
    }

    /// Tasks that are overdue, reported late or at risk today.
    pub fn attention(&self) -> Result<Vec<Attention>, DeskError> {
        self.read(Action::ViewPlan, |conn, now| {
            Ok(dto::all(progress::attention(conn, now.date_naive())?))
        })
    }

    /// Attach a file as evidence of `task`'s progress in `month`: sealed
    /// first, then recorded and audited.
    pub fn progress_evidence_add(
        &self,
        month: &str,
        task: u32,
        name: &str,
        bytes: &[u8],
    ) -> Result<Evidence, DeskError> {
        let actor = self.authorize(Action::RecordProgress)?;
        let month = Month::parse(month)?;
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if size == 0 || size > evidence::MAX_BYTES {
            return Err(CoreError::invalid(
                "file",
                format!(
                    "Tệp minh chứng phải có nội dung và không quá {} MB.",
                    evidence::MAX_BYTES / 1024 / 1024
                ),
            )
            .into());
        }
        let clean = evidence::clean_name(name)?;
        let sha = self.files()?.put(bytes)?;
        self.change_as(&actor, |tx, actor, now| {
            Ok(evidence::add(
                tx,
                actor,
                month,
                task,
                &NewEvidence {
                    sha256: &sha,
                    file_name: &clean,
                    media_type: media_type(&clean),
                    bytes: size,
                },
                now,
            )?
            .into())
        })
    }

    /// The month's evidence files.
    pub fn progress_evidence(&self, month: &str) -> Result<Vec<Evidence>, DeskError> {
        self.read(Action::ViewPlan, |conn, _| {
            Ok(dto::all(evidence::list(conn, Month::parse(month)?)?))
        })
    }

    /// Write one evidence file, decrypted, into `dir` (created if needed);
    /// returns its path. Audited as an export.
    pub fn progress_evidence_export(
        &self,
        id: i64,
        dir: &std::path::Path,
    ) -> Result<PathBuf, DeskError> {
        let actor = self.authorize(Action::ExportEvidence)?;
        let e = evidence::get(&*self.store.conn()?, id)?;
        let bytes = self.files()?.get(&e.sha256)?;
        std::fs::create_dir_all(dir).map_err(|source| DeskError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(format!("{}-NV{}-{}", e.period, e.task_number, e.file_name));
        paths::write_atomic(&path, &bytes)?;
        self.record(
            &actor,
            "export",
            "progress_evidence",
            &id.to_string(),
            serde_json::json!({ "file": e.file_name, "to": path.display().to_string() }),
        )?;
        Ok(path)
    }

    /// A decrypted copy written to `path`, the file the user chose
    /// (atomically); audited once written.
    pub fn progress_evidence_save(&self, id: i64, path: &std::path::Path) -> Result<(), DeskError> {
        let actor = self.authorize(Action::ExportEvidence)?;
        let e = evidence::get(&*self.store.conn()?, id)?;
        let bytes = self.files()?.get(&e.sha256)?;
        paths::write_atomic(path, &bytes)?;
        self.record(
            &actor,
            "export",
            "progress_evidence",
            &id.to_string(),
            serde_json::json!({ "file": e.file_name, "to": path.display().to_string() }),
        )
    }
}
