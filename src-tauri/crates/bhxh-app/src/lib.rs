//! The application layer of BHXH Desk, shared by the window (the Tauri
//! shell) and the command line.
//!
//! [`Desk`] opens the data directory: it reads the store's key from the OS
//! keyring (creating both at first start), opens the encrypted store, loads
//! the seed data, and then holds at most one signed-in [`Session`]. Every
//! operation checks the session, the role and the idle timeout, and writes
//! its audit entry in the same transaction as its change.

pub mod card;
pub mod dossiers;
mod error;
mod evidence;
pub mod inbox;
mod paths;
pub mod reports;
pub mod reuse;
pub mod sync;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bhxh_core::office::accounts::{self, NewStaff, Role, Staff};
use bhxh_core::office::audit::{self, Actor, Event};
use bhxh_core::office::{self, Office, OfficeInput};
use bhxh_core::participants::{
    self, ImportMode, ImportReport, Mapping, Participant, VerifiedShare,
};
use bhxh_core::progress::{
    self, Month, ProgressEntry, ProgressInput, ReportKind, ReportPeriod, ReportRecord, Snapshot,
};
use bhxh_core::{
    Timestamp, office::settings, progress::plan, reference::catalog, reference::seed, schema,
};
use bhxh_secrets::{Key256, Keyring};
use bhxh_store::Store;
use serde::{Deserialize, Serialize};

pub use error::{DeskError, ErrorInfo};
pub use paths::{DataDir, default_data_dir};

/// The keyring service name under which all of the desk's secrets live.
pub const KEYRING_SERVICE: &str = "bhxh-desk";

/// Where "now" comes from; tests move it forward.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(|| chrono::Local::now().fixed_offset())
}

/// The signed-in member of staff.
#[derive(Debug, Clone)]
pub struct Session {
    pub staff: Staff,
    pub started: Timestamp,
    pub last_activity: Timestamp,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub user_id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub role_label: String,
    pub signed_in_at: String,
}

/// Where the desk stands, for the first screen.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// `needs_setup` or `ready`.
    pub stage: String,
    pub office: Option<Office>,
    pub session: Option<SessionInfo>,
    pub idle_minutes: i64,
    pub data_dir: String,
    pub keyring_backend: String,
    pub version: String,
}

/// The outcome of reading (and perhaps importing) a participant list.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ImportOutcome {
    pub headers: Vec<String>,
    /// None when some required column could not be found: see `missing`.
    pub mapping: Option<Mapping>,
    pub missing: Vec<String>,
    /// The first rows as read, for the preview.
    pub preview: Vec<Vec<String>>,
    pub report: Option<ImportReport>,
}

/// Where `Desk::report_export` writes (any of them may be left out).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportTargets {
    pub pdf: Option<PathBuf>,
    pub xlsx: Option<PathBuf>,
    pub json: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExportedReport {
    pub stem: String,
    pub status: String,
    pub revision: i64,
    pub files: Vec<String>,
}

/// One month of plan progress, for the plan screen.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MonthProgress {
    /// Figures the app computes for this month (only the month in progress).
    pub auto: Vec<progress::AutoIndicator>,
    pub period: String,
    pub label: String,
    /// The month's report is approved: entries are read-only until a
    /// supervisor opens a correction.
    pub frozen: bool,
    pub entries: Vec<ProgressEntry>,
    pub revisions: Vec<ReportRecord>,
}

/// First-start setup: the office and its first administrator.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupInput {
    pub office: OfficeInput,
    pub admin_username: String,
    pub admin_full_name: String,
    pub admin_password: String,
}

/// `db check`: the file and the audit chain.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    pub ok: bool,
    pub integrity_problems: Vec<String>,
    pub audit_entries: i64,
    pub audit_problems: Vec<String>,
    /// Sealed scans that fail their hash or are missing.
    pub file_problems: Vec<String>,
}

pub struct Desk {
    dir: DataDir,
    keyring: Keyring,
    store: Store,
    session: Option<Session>,
    clock: Clock,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk")
            .field("dir", &self.dir)
            .field(
                "signed_in",
                &self.session.as_ref().map(|s| &s.staff.username),
            )
            .finish()
    }
}

impl Desk {
    /// Open (or, at first start, create) the desk in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Desk, DeskError> {
        Desk::open_with_clock(data_dir, system_clock())
    }

    pub fn open_with_clock(data_dir: &Path, clock: Clock) -> Result<Desk, DeskError> {
        let dir = DataDir::prepare(data_dir)?;
        let keyring = Keyring::open_native(KEYRING_SERVICE)?;
        let key_name = dir.key_name();
        let db = dir.db_path();
        let store = if db.exists() {
            let key = keyring
                .get_key(&key_name)?
                .ok_or_else(|| DeskError::KeyMissing { db: db.clone() })?;
            Store::open(&db, &key, schema::MIGRATIONS)?
        } else {
            tracing::info!(path = %db.display(), "first start: creating the store");
            let key = Key256::generate()?;
            // Key first: a store whose key was never kept could not be opened again.
            keyring.put_key(&key_name, &key)?;
            Store::create(&db, &key, schema::MIGRATIONS)?
        };
        let mut desk = Desk {
            dir,
            keyring,
            store,
            session: None,
            clock,
        };
        desk.ensure_seeded()?;
        Ok(desk)
    }

    fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// `Documents/BHXH Desk/<name>`, or `<data dir>/<fallback>` on a machine
    /// without a Documents folder; created if missing.
    pub fn output_dir(&self, name: &str, fallback: &str) -> Result<PathBuf, DeskError> {
        let dir = directories::UserDirs::new()
            .and_then(|u| u.document_dir().map(Path::to_path_buf))
            .map(|d| d.join("BHXH Desk").join(name))
            .unwrap_or_else(|| self.dir.path().join(fallback));
        std::fs::create_dir_all(&dir).map_err(|source| DeskError::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(dir)
    }

    fn ensure_seeded(&mut self) -> Result<(), DeskError> {
        let now = self.now();
        let tx = self.store.write()?;
        if settings::get(&tx, "seed.loaded_at")?.is_none() {
            seed::load_all(&tx, &now)?;
            settings::set(&tx, "seed.loaded_at", &bhxh_core::ts(&now))?;
            audit::append(
                &tx,
                &Actor::system(),
                &Event {
                    action: "seed",
                    entity: "store",
                    entity_id: "",
                    detail: serde_json::json!({ "plan": "147/QĐ-BHXH" }),
                },
                &now,
            )?;
        }
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(())
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    pub fn is_set_up(&self) -> Result<bool, DeskError> {
        Ok(office::get(self.store.conn())?.is_some() && accounts::count(self.store.conn())? > 0)
    }

    pub fn status(&self) -> Result<Status, DeskError> {
        let conn = self.store.conn();
        Ok(Status {
            stage: if self.is_set_up()? {
                "ready"
            } else {
                "needs_setup"
            }
            .to_owned(),
            office: office::get(conn)?,
            session: self.session.as_ref().map(session_info),
            idle_minutes: settings::security_policy(conn)?.idle_minutes,
            data_dir: self.dir.path().display().to_string(),
            keyring_backend: self.keyring.backend().to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        })
    }

    /// First-start setup: the office and its first administrator, together.
    pub fn setup(&mut self, input: &SetupInput) -> Result<Status, DeskError> {
        if self.is_set_up()? {
            return Err(DeskError::AlreadySetUp);
        }
        let now = self.now();
        let tx = self.store.write()?;
        let actor = Actor {
            id: None,
            username: "setup".to_owned(),
        };
        office::create(&tx, &actor, &input.office, &now)?;
        accounts::create(
            &tx,
            &actor,
            &NewStaff {
                username: input.admin_username.clone(),
                full_name: input.admin_full_name.clone(),
                role: Role::Administrator,
            },
            &input.admin_password,
            &now,
        )?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        self.status()
    }

    pub fn provinces(&self) -> Result<Vec<catalog::Province>, DeskError> {
        Ok(catalog::provinces(self.store.conn())?)
    }

    // ----- sessions -------------------------------------------------------

    pub fn sign_in(&mut self, username: &str, password: &str) -> Result<SessionInfo, DeskError> {
        if !self.is_set_up()? {
            return Err(DeskError::NotSetUp);
        }
        if self.session.is_some() {
            self.sign_out()?;
        }
        let now = self.now();
        let policy = settings::security_policy(self.store.conn())?;
        let staff = accounts::sign_in(self.store.conn(), username, password, &policy, &now)??;
        let session = Session {
            staff,
            started: now,
            last_activity: now,
        };
        let info = session_info(&session);
        self.session = Some(session);
        Ok(info)
    }

    pub fn sign_out(&mut self) -> Result<(), DeskError> {
        if let Some(s) = self.session.take() {
            let now = self.now();
            audit::append(
                self.store.conn(),
                &actor_of(&s),
                &Event {
                    action: "sign_out",
                    entity: "staff",
                    entity_id: &s.staff.id.to_string(),
                    detail: serde_json::json!({}),
                },
                &now,
            )?;
        }
        Ok(())
    }

    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// Check the session, the idle timeout and the role, and count this as
    /// activity. `roles` empty means any signed-in member of staff.
    fn authorize(&mut self, roles: &[Role]) -> Result<Actor, DeskError> {
        let now = self.now();
        let idle_minutes = settings::security_policy(self.store.conn())?.idle_minutes;
        let Some(session) = self.session.as_mut() else {
            return Err(DeskError::NotSignedIn);
        };
        if now - session.last_activity > chrono::Duration::minutes(idle_minutes) {
            let s = self.session.take();
            if let Some(s) = s {
                audit::append(
                    self.store.conn(),
                    &actor_of(&s),
                    &Event {
                        action: "auto_sign_out",
                        entity: "staff",
                        entity_id: &s.staff.id.to_string(),
                        detail: serde_json::json!({ "idle_minutes": idle_minutes }),
                    },
                    &now,
                )?;
            }
            return Err(DeskError::SessionExpired { idle_minutes });
        }
        if !roles.is_empty() && !roles.contains(&session.staff.role) {
            return Err(DeskError::Forbidden {
                needed: roles
                    .iter()
                    .map(|r| r.label_vi())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        session.last_activity = now;
        Ok(actor_of(session))
    }

    /// Record activity from the UI (keyboard or mouse) without doing anything.
    pub fn touch(&mut self) -> Result<(), DeskError> {
        self.authorize(&[]).map(|_| ())
    }

    // ----- the plan -------------------------------------------------------

    pub fn plan(&mut self) -> Result<plan::Plan, DeskError> {
        self.authorize(&[])?;
        Ok(plan::load(self.store.conn())?)
    }

    /// The plan without a session: for the command line's read-only listing
    /// (the plan holds no personal data).
    pub fn plan_public(&self) -> Result<plan::Plan, DeskError> {
        Ok(plan::load(self.store.conn())?)
    }

    pub fn procedures(&mut self) -> Result<Vec<catalog::Procedure>, DeskError> {
        self.authorize(&[])?;
        Ok(catalog::procedures(self.store.conn())?)
    }

    /// Edit a procedure of the catalogue (administrator; audited with the
    /// values before and after).
    pub fn procedure_update(
        &mut self,
        code: &str,
        edit: &catalog::ProcedureEdit,
    ) -> Result<catalog::Procedure, DeskError> {
        let actor = self.authorize(&[Role::Administrator])?;
        let now = self.now();
        let tx = self.store.write()?;
        let updated = catalog::update_procedure(&tx, &actor, code, edit, &now)?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(updated)
    }

    // ----- plan progress and reports ----------------------------------------

    /// A month's entries, whether the month is frozen by an approved report,
    /// and the revisions of its monthly report.
    pub fn progress_month(&mut self, month: &str) -> Result<MonthProgress, DeskError> {
        self.authorize(&[])?;
        let month = Month::parse(month)?;
        let period = ReportPeriod::parse(ReportKind::Month, &month.to_string())?;
        let conn = self.store.conn();
        let revisions = progress::revisions(conn, &period)?;
        let auto = progress::auto_indicators(conn, month, self.now().date_naive())?;
        Ok(MonthProgress {
            auto,
            period: month.to_string(),
            label: month.label(),
            frozen: revisions.first().is_some_and(|r| r.status == "approved"),
            entries: progress::month_entries(conn, month)?,
            revisions,
        })
    }

    /// Record a task's progress for a month (supervisor, administrator).
    pub fn progress_save(
        &mut self,
        month: &str,
        input: &ProgressInput,
    ) -> Result<ProgressEntry, DeskError> {
        let actor = self.authorize(&[Role::Supervisor, Role::Administrator])?;
        let month = Month::parse(month)?;
        let now = self.now();
        let auto = progress::auto_indicators(self.store.conn(), month, now.date_naive())?
            .into_iter()
            .find(|a| a.task_number == input.task_number)
            .map(|a| a.value);
        let overrides = progress::overrides_auto(input.indicator_value, auto);
        if overrides && self.session().map(|s| s.staff.role) != Some(Role::Supervisor) {
            return Err(DeskError::Forbidden {
                needed: format!(
                    "{} (chỉ người giám sát được ghi số khác số liệu tự động)",
                    Role::Supervisor.label_vi()
                ),
            });
        }
        let tx = self.store.write()?;
        let entry = progress::save(&tx, &actor, month, input, auto, &now)?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(entry)
    }

    /// Tasks that are overdue, reported late or at risk today.
    pub fn attention(&mut self) -> Result<Vec<progress::Attention>, DeskError> {
        self.authorize(&[])?;
        let today = self.now().date_naive();
        Ok(progress::attention(self.store.conn(), today)?)
    }

    fn report_period(kind: &str, period: &str) -> Result<ReportPeriod, DeskError> {
        let kind = ReportKind::parse(kind).ok_or_else(|| {
            bhxh_core::CoreError::invalid(
                "kind",
                format!("Loại báo cáo \"{kind}\" không có; chọn month, half hoặc year."),
            )
        })?;
        Ok(ReportPeriod::parse(kind, period)?)
    }

    /// The report as it stands: the approved snapshot, or a draft from the
    /// live entries.
    pub fn report_current(&mut self, kind: &str, period: &str) -> Result<Snapshot, DeskError> {
        self.authorize(&[])?;
        let period = Self::report_period(kind, period)?;
        Ok(progress::current(self.store.conn(), &period)?)
    }

    pub fn report_revisions(
        &mut self,
        kind: &str,
        period: &str,
    ) -> Result<Vec<ReportRecord>, DeskError> {
        self.authorize(&[])?;
        let period = Self::report_period(kind, period)?;
        Ok(progress::revisions(self.store.conn(), &period)?)
    }

    /// Approve and freeze a period's report (supervisor).
    pub fn report_approve(
        &mut self,
        kind: &str,
        period: &str,
        number: &str,
    ) -> Result<Snapshot, DeskError> {
        let actor = self.authorize(&[Role::Supervisor])?;
        let period = Self::report_period(kind, period)?;
        let now = self.now();
        let tx = self.store.write()?;
        let snapshot = progress::approve(&tx, &actor, &period, number, &now)?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(snapshot)
    }

    /// Open a correction of an approved report (supervisor), with a reason.
    pub fn report_reopen(
        &mut self,
        kind: &str,
        period: &str,
        reason: &str,
    ) -> Result<ReportRecord, DeskError> {
        let actor = self.authorize(&[Role::Supervisor])?;
        let period = Self::report_period(kind, period)?;
        let now = self.now();
        let tx = self.store.write()?;
        let record = progress::reopen(&tx, &actor, &period, reason, &now)?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(record)
    }

    /// Write a period's report as PDF (Decree 30/2020 layout), XLSX and/or
    /// the JSON snapshot HQ receives; each file appears atomically. Without
    /// `revision`, the newest approved revision, or a draft when the newest
    /// revision is not approved. Audited as an export.
    pub fn report_export(
        &mut self,
        kind: &str,
        period: &str,
        revision: Option<i64>,
        targets: &ExportTargets,
    ) -> Result<ExportedReport, DeskError> {
        let actor = self.authorize(&[])?;
        let period = Self::report_period(kind, period)?;
        let snapshot = match revision {
            Some(r) => progress::approved_snapshot(self.store.conn(), &period, Some(r))?,
            None => progress::current(self.store.conn(), &period)?,
        };
        self.write_report(&actor, snapshot, targets)
    }

    /// The files of `report_export`, from a snapshot already read.
    fn write_report(
        &mut self,
        actor: &Actor,
        snapshot: Snapshot,
        targets: &ExportTargets,
    ) -> Result<ExportedReport, DeskError> {
        let conn = self.store.conn();
        let office = office::get(conn)?.ok_or(DeskError::NotSetUp)?;
        let report_settings = reports::ReportSettings::load(conn)?;
        let signer = report_settings.signer(&snapshot.approved_by);
        let recipients = report_settings.recipients;
        let now = self.now();
        let date = snapshot
            .approved_at
            .as_deref()
            .and_then(|t| bhxh_core::parse_ts(t).ok())
            .map_or_else(|| now.date_naive(), |t| t.date_naive());
        let doc = reports::document(&snapshot, &office, &signer, &recipients, date, now);
        let mut files = Vec::new();
        if let Some(path) = &targets.pdf {
            let bytes = bhxh_report::render_pdf(&doc).map_err(|e| DeskError::BadFile {
                path: path.clone(),
                detail: e.to_string(),
            })?;
            paths::write_atomic(path, &bytes)?;
            files.push(path.display().to_string());
        }
        if let Some(path) = &targets.xlsx {
            let bytes = bhxh_report::render_xlsx(&doc).map_err(|e| DeskError::BadFile {
                path: path.clone(),
                detail: e.to_string(),
            })?;
            paths::write_atomic(path, &bytes)?;
            files.push(path.display().to_string());
        }
        if let Some(path) = &targets.json {
            let bytes = serde_json::to_vec_pretty(&snapshot).map_err(|e| DeskError::BadFile {
                path: path.clone(),
                detail: e.to_string(),
            })?;
            paths::write_atomic(path, &bytes)?;
            files.push(path.display().to_string());
        }
        let tx = self.store.write()?;
        audit::append(
            &tx,
            actor,
            &Event {
                action: "export",
                entity: "report",
                entity_id: &format!(
                    "{}:{}#{}",
                    snapshot.kind.as_str(),
                    snapshot.period,
                    snapshot.revision
                ),
                detail: serde_json::json!({ "files": files, "status": snapshot.status }),
            },
            &now,
        )?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(ExportedReport {
            stem: reports::file_stem(&snapshot),
            status: snapshot.status,
            revision: snapshot.revision,
            files,
        })
    }

    /// Export PDF and XLSX into the user's Documents folder
    /// (`BHXH Desk/Báo cáo`), or the data directory when there is none.
    pub fn report_export_to_documents(
        &mut self,
        kind: &str,
        period: &str,
    ) -> Result<ExportedReport, DeskError> {
        let actor = self.authorize(&[])?;
        let period = Self::report_period(kind, period)?;
        let snapshot = progress::current(self.store.conn(), &period)?;
        let base = self.output_dir("Báo cáo", "bao-cao")?;
        let stem = reports::file_stem(&snapshot);
        let targets = ExportTargets {
            pdf: Some(base.join(format!("{stem}.pdf"))),
            xlsx: Some(base.join(format!("{stem}.xlsx"))),
            json: None,
        };
        self.write_report(&actor, snapshot, &targets)
    }

    /// Record a chip check (counter or payment), match the card's ID number
    /// to the register and, for a genuine card, verify that participant.
    /// Any signed-in role; the read itself is done by `bhxh-emrtd`.
    pub fn record_card_check(
        &mut self,
        input: &bhxh_core::participants::card_checks::CardCheckInput,
    ) -> Result<bhxh_core::participants::card_checks::CardCheckOutcome, DeskError> {
        let actor = self.authorize(&[])?;
        let now = self.now();
        let tx = self.store.write()?;
        let outcome = bhxh_core::participants::card_checks::record(&tx, &actor, input, &now)?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(outcome)
    }

    // ----- participant register (task 21) ---------------------------------

    /// Read a CSV or XLSX list, map its columns (given, or guessed from the
    /// header row), check every row and, unless `dry_run`, import it: all
    /// or nothing by default, only the valid rows with `ImportMode::ValidRows`.
    /// Supervisors and administrators.
    pub fn participants_import(
        &mut self,
        file: &Path,
        mapping: Option<Mapping>,
        mode: ImportMode,
        dry_run: bool,
    ) -> Result<ImportOutcome, DeskError> {
        let bytes = std::fs::read(file).map_err(|source| DeskError::Io {
            path: file.to_owned(),
            source,
        })?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.participants_import_bytes(&name, &bytes, mapping, mode, dry_run)
    }

    /// As [`Desk::participants_import`], for a file the window read itself.
    pub fn participants_import_bytes(
        &mut self,
        name: &str,
        bytes: &[u8],
        mapping: Option<Mapping>,
        mode: ImportMode,
        dry_run: bool,
    ) -> Result<ImportOutcome, DeskError> {
        let actor = self.authorize(&[Role::Supervisor, Role::Administrator])?;
        let sheet = bhxh_tabular::read(bytes).map_err(|e| DeskError::BadFile {
            path: PathBuf::from(name),
            detail: e.to_string(),
        })?;
        let guess = participants::guess_mapping(&sheet.headers);
        let mapping = match mapping {
            Some(m) => Ok(m),
            None => participants::mapping_from_guess(&guess),
        };
        let preview: Vec<Vec<String>> =
            sheet.rows.iter().take(10).map(|(_, c)| c.clone()).collect();
        let mapping = match mapping {
            Ok(m) => m,
            Err(missing) => {
                return Ok(ImportOutcome {
                    headers: sheet.headers,
                    mapping: None,
                    missing: missing.iter().map(|f| f.label().to_owned()).collect(),
                    preview,
                    report: None,
                });
            }
        };
        let width = sheet.headers.len();
        let used = [
            Some(mapping.bhxh_number),
            Some(mapping.full_name),
            Some(mapping.birth_date),
            Some(mapping.sex),
            mapping.id_number,
        ];
        if let Some(bad) = used.into_iter().flatten().find(|c| *c >= width) {
            return Err(bhxh_core::CoreError::invalid(
                "mapping",
                format!("Tệp chỉ có {width} cột; không có cột số {}.", bad + 1),
            )
            .into());
        }
        let now = self.now();
        let tx = self.store.write()?;
        let report = participants::import(
            &tx,
            &actor,
            &sheet.rows,
            &mapping,
            mode,
            dry_run,
            name,
            &now,
        )?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(ImportOutcome {
            headers: sheet.headers,
            mapping: Some(mapping),
            missing: Vec::new(),
            preview,
            report: Some(report),
        })
    }

    /// Find participants (personal data: the view is audited).
    pub fn participants_search(
        &mut self,
        query: &str,
        limit: i64,
    ) -> Result<Vec<Participant>, DeskError> {
        let actor = self.authorize(&[])?;
        let now = self.now();
        let tx = self.store.write()?;
        let found = participants::search(&tx, query, limit.clamp(1, 500))?;
        audit::append(
            &tx,
            &actor,
            &Event {
                action: "view",
                entity: "participant",
                entity_id: &found
                    .iter()
                    .map(|p| p.bhxh_number.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                detail: serde_json::json!({ "query": query, "count": found.len() }),
            },
            &now,
        )?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(found)
    }

    pub fn participants_share(&mut self) -> Result<VerifiedShare, DeskError> {
        self.authorize(&[])?;
        Ok(participants::verified_share(self.store.conn())?)
    }

    /// Record a manual check of a participant's ID number.
    pub fn participant_verify_manual(
        &mut self,
        bhxh_number: &str,
        note: &str,
    ) -> Result<(), DeskError> {
        let actor =
            self.authorize(&[Role::CounterOfficer, Role::Supervisor, Role::Administrator])?;
        let now = self.now();
        let tx = self.store.write()?;
        participants::verify(
            &tx,
            &actor,
            bhxh_number,
            participants::Method::Manual,
            note,
            &now,
        )?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(())
    }

    // ----- staff (administrator) -----------------------------------------

    pub fn staff_list(&mut self) -> Result<Vec<Staff>, DeskError> {
        let actor = self.authorize(&[Role::Administrator])?;
        let now = self.now();
        let tx = self.store.write()?;
        let list = accounts::list(&tx)?;
        audit::append(
            &tx,
            &actor,
            &Event {
                action: "view",
                entity: "staff",
                entity_id: "*",
                detail: serde_json::json!({ "count": list.len() }),
            },
            &now,
        )?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(list)
    }

    pub fn staff_create(&mut self, new: &NewStaff, password: &str) -> Result<Staff, DeskError> {
        let actor = self.authorize(&[Role::Administrator])?;
        let now = self.now();
        let tx = self.store.write()?;
        let staff = accounts::create(&tx, &actor, new, password, &now)?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(staff)
    }

    pub fn staff_unlock(&mut self, id: i64) -> Result<(), DeskError> {
        let actor = self.authorize(&[Role::Administrator])?;
        let now = self.now();
        let tx = self.store.write()?;
        accounts::unlock(&tx, &actor, id, &now)?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(())
    }

    pub fn audit_list(
        &mut self,
        limit: i64,
        before: Option<i64>,
    ) -> Result<Vec<audit::Entry>, DeskError> {
        let actor = self.authorize(&[Role::Administrator, Role::Supervisor])?;
        let now = self.now();
        let tx = self.store.write()?;
        let list = audit::list(&tx, limit, before)?;
        audit::append(
            &tx,
            &actor,
            &Event {
                action: "view",
                entity: "audit_log",
                entity_id: "*",
                detail: serde_json::json!({ "count": list.len() }),
            },
            &now,
        )?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(list)
    }

    // ----- the store ------------------------------------------------------

    /// SQLite integrity and the audit chain. Needs no session: it reads no
    /// personal data and is what IT staff run first when something is wrong.
    pub fn check(&self) -> Result<CheckReport, DeskError> {
        let integrity_problems = self.store.integrity_problems()?;
        let chain = audit::verify(self.store.conn())?;
        let file_problems = self.files_check()?;
        Ok(CheckReport {
            ok: integrity_problems.is_empty() && chain.is_intact() && file_problems.is_empty(),
            integrity_problems,
            audit_entries: chain.entries,
            audit_problems: chain.problems,
            file_problems,
        })
    }

    /// An encrypted copy of the whole store (administrator).
    pub fn backup(&mut self, dest: &Path, passphrase: &str) -> Result<(), DeskError> {
        let actor = self.authorize(&[Role::Administrator])?;
        validate_backup_passphrase(passphrase)?;
        let now = self.now();
        // The entry goes in first, so the backup itself records that it was made.
        audit::append(
            self.store.conn(),
            &actor,
            &Event {
                action: "export",
                entity: "store",
                entity_id: "",
                detail: serde_json::json!({ "backup": dest.display().to_string() }),
            },
            &now,
        )?;
        self.store.backup_to(dest, passphrase)?;
        Ok(())
    }

    /// Replace the store in `data_dir` with a backup. When a store exists, an
    /// administrator of it must confirm with their password; on a machine with
    /// no store (a new or repaired PC) the backup's passphrase is enough.
    pub fn restore(
        data_dir: &Path,
        backup: &Path,
        passphrase: &str,
        admin: Option<(&str, &str)>,
    ) -> Result<Desk, DeskError> {
        let dir = DataDir::prepare(data_dir)?;
        // Check the backup before touching anything.
        {
            let conn = Store::open_backup(backup, passphrase)?;
            let chain = audit::verify(&conn)?;
            if !chain.is_intact() {
                return Err(DeskError::BadFile {
                    path: backup.to_owned(),
                    detail: format!(
                        "nhật ký kiểm toán trong bản sao lưu không toàn vẹn: {}",
                        chain.problems.join("; ")
                    ),
                });
            }
        }
        let keyring = Keyring::open_native(KEYRING_SERVICE)?;
        let key_name = dir.key_name();
        let db = dir.db_path();
        let mut restorer = Actor {
            id: None,
            username: "restore".to_owned(),
        };
        let key = if db.exists() {
            let mut current = Desk::open(data_dir)?;
            let (user, password) = admin.ok_or(DeskError::NotSignedIn)?;
            current.sign_in(user, password)?;
            restorer = current.authorize(&[Role::Administrator])?;
            current.sign_out()?;
            let key = keyring
                .get_key(&key_name)?
                .ok_or_else(|| DeskError::KeyMissing { db: db.clone() })?;
            // Closing the last connection checkpoints the WAL into the file.
            drop(current);
            key
        } else {
            let key = Key256::generate()?;
            keyring.put_key(&key_name, &key)?;
            key
        };
        Store::restore(backup, passphrase, &db, &key)?;
        let desk = Desk::open(data_dir)?;
        let now = desk.now();
        audit::append(
            desk.store.conn(),
            &restorer,
            &Event {
                action: "restore",
                entity: "store",
                entity_id: "",
                detail: serde_json::json!({ "backup": backup.display().to_string() }),
            },
            &now,
        )?;
        Ok(desk)
    }

    /// For tests and tools that need the raw connection (never the UI).
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.db_path()
    }
}

impl Drop for Desk {
    /// Closing the window or ending a command ends the session, on the record.
    fn drop(&mut self) {
        if let Err(e) = self.sign_out() {
            tracing::warn!(error = %e, "could not record the sign-out");
        }
    }
}

fn validate_backup_passphrase(p: &str) -> Result<(), DeskError> {
    if p.chars().count() < 12 {
        return Err(DeskError::Core(bhxh_core::CoreError::invalid(
            "passphrase",
            "Mật khẩu bản sao lưu phải dài ít nhất 12 ký tự.",
        )));
    }
    Ok(())
}

fn actor_of(s: &Session) -> Actor {
    Actor {
        id: Some(s.staff.id),
        username: s.staff.username.clone(),
    }
}

fn session_info(s: &Session) -> SessionInfo {
    SessionInfo {
        user_id: s.staff.id,
        username: s.staff.username.clone(),
        full_name: s.staff.full_name.clone(),
        role: s.staff.role,
        role_label: s.staff.role.label_vi().to_owned(),
        signed_in_at: bhxh_core::ts(&s.started),
    }
}
