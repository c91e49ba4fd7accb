//! The application layer of BHXH Desk, shared by the window (the Tauri
//! shell) and the command line.
//!
//! [`Desk`] opens the data directory: it reads the store's key from the OS
//! keyring (creating both at first start), opens the encrypted store, loads
//! the seed data, and then holds at most one signed-in session. Every
//! operation is an [`policy::Action`]: the session, the idle timeout and the
//! role are checked against the one table in [`policy`], and a change writes
//! its audit entry in the same transaction as the change itself
//! ([`Desk::change`]).
//!
//! A `Desk` is shared between threads (`&self` everywhere): each operation
//! borrows its own connection from the store, so a long one (an inbox poll,
//! an import, an export) never makes another wait for more than the few
//! milliseconds of a write transaction.
//!
//! # Code map, by use case
//!
//! - [`session`]: signing in and out, the idle timeout, the desk's status.
//! - [`policy`]: which role may do what — the one table every check reads.
//! - `change`: the authorize → now → write → audit → commit pattern, once.
//! - `admin`: first-start setup, staff, the audit log, `db check`.
//! - `backup`: the backup archive (database, sealed scans and their keys)
//!   and restore.
//! - `reference`: provinces and the procedure catalogue.
//! - `plan`: the 2024 plan, monthly progress and its evidence files.
//! - [`reports`]: the plan's reports (approval, corrections, export).
//! - `participants`: the participant register and its imports.
//! - [`card`]: reading a chip card and recording the check.
//! - [`dossiers`]: intake, the one-stop papers, digitisation, results, reuse.
//! - [`inbox`]: the scan inbox (a poll; a batch split at its cover sheets).
//! - `files`: the sealed file store of digitised papers.
//! - [`sync`]: sync with HQ, in the foreground and the background.

mod admin;
mod backup;
pub mod card;
mod change;
pub mod dossiers;
pub mod dto;
mod error;
mod files;
pub mod inbox;
pub mod ocr;
mod participants;
mod paths;
mod plan;
pub mod policy;
mod reference;
pub mod reports;
pub mod session;
pub mod signing;
pub mod sync;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bhxh_core::office::audit::{self, Actor, Event};
use bhxh_core::office::settings;
use bhxh_core::{
    Timestamp,
    reference::{rules, seed},
    schema,
};
use bhxh_files::FileStore;
use bhxh_secrets::{Key256, Keyring};
use bhxh_store::Store;

pub use admin::{CheckReport, SetupInput};
pub use backup::{BackupDone, Manifest as BackupManifest, RestoreReport};
/// Scanners (SANE), for the shell and the command line.
pub use bhxh_scan::scanner;
pub use dossiers::papers::Printed;
pub use error::{DeskError, ErrorCode, ErrorInfo};
pub use participants::ImportOutcome;
pub use paths::{DataDir, default_data_dir};
pub use plan::MonthProgress;
pub use reports::{ExportTargets, ExportedReport, ReportOptions};
pub use session::{DeskStatus, Session, SessionInfo};

/// The keyring service name under which all of the desk's secrets live.
pub const KEYRING_SERVICE: &str = "bhxh-desk";

/// Where "now" comes from; tests move it forward.
/// A print queue as the window and `printers list` show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PrinterLine {
    pub name: String,
    pub is_default: bool,
}

/// The queues of this machine's print system, the default first, without
/// opening a store (`bhxh-desk printers list`).
pub fn system_printers() -> Result<Vec<PrinterLine>, DeskError> {
    printer_lines(&*bhxh_print::system())
}

fn printer_lines(printer: &dyn bhxh_print::Printer) -> Result<Vec<PrinterLine>, DeskError> {
    Ok(printer
        .queues()?
        .into_iter()
        .map(|q| PrinterLine {
            name: q.name,
            is_default: q.is_default,
        })
        .collect())
}

pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(|| chrono::Local::now().fixed_offset())
}

pub struct Desk {
    dir: DataDir,
    keyring: Keyring,
    store: Arc<Store>,
    session: Mutex<Option<Session>>,
    clock: Clock,
    /// The sealed file store, opened at first use (its key is in the keyring).
    files: Mutex<Option<Arc<FileStore>>>,
    /// The key that signs the papers' QR codes, read at first use.
    paper_key: Mutex<Option<Key256>>,
    /// The operating system's print system (CUPS on Linux).
    printer: Mutex<Arc<dyn bhxh_print::Printer>>,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk")
            .field("dir", &self.dir)
            .field("signed_in", &self.signed_in_username())
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
        dir.sweep_backup_debris();
        // A paper's private print file left by a process killed while
        // printing (an hour gives any running print time to finish).
        bhxh_print::spool::sweep(None, std::time::Duration::from_secs(3600));
        let keyring = Keyring::open_native(KEYRING_SERVICE)?;
        let key_name = dir.key_name();
        let db = dir.db_path();
        let store = if db.exists() {
            Desk::open_store(&keyring, &dir)?
        } else {
            // First start, or a store gone missing: decided under the key
            // lock, so that two processes starting at once make one key.
            let _lock = dir.lock_keys()?;
            if db.exists() {
                Desk::open_store(&keyring, &dir)?
            } else {
                dir.refuse_new_store_over_old(&keyring)?;
                tracing::info!(path = %db.display(), "first start: creating the store");
                let key = Key256::generate()?;
                // Key first: a store whose key was never kept could not be
                // opened again. No entry is there (just checked, under the lock).
                keyring.put_key(&key_name, &key)?;
                Store::create(&db, &key, schema::MIGRATIONS)?
            }
        };
        let desk = Desk {
            dir,
            keyring,
            store: Arc::new(store),
            session: Mutex::new(None),
            clock,
            files: Mutex::new(None),
            paper_key: Mutex::new(None),
            printer: Mutex::new(Arc::from(bhxh_print::system())),
        };
        desk.ensure_seeded()?;
        Ok(desk)
    }

    /// The existing store of `dir`, keyed from the keyring.
    fn open_store(keyring: &Keyring, dir: &DataDir) -> Result<Store, DeskError> {
        let db = dir.db_path();
        let key = keyring
            .get_key(&dir.key_name())?
            .ok_or_else(|| DeskError::KeyMissing { db: db.clone() })?;
        Ok(Store::open(&db, &key, schema::MIGRATIONS)?)
    }

    fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Today at the office (the desk's clock, Vietnam time).
    pub fn today(&self) -> chrono::NaiveDate {
        self.now().date_naive()
    }

    fn ensure_seeded(&self) -> Result<(), DeskError> {
        let now = self.now();
        let mut conn = self.store.conn()?;
        let tx = conn.write()?;
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
        // The built-in rule packs not applied yet: all of them on a new store,
        // a newly shipped one after an update.
        for changes in rules::apply_seed_packs(&tx, &now)? {
            audit::append(
                &tx,
                &Actor::system(),
                &Event {
                    action: "reference_pack",
                    entity: "reference",
                    entity_id: &format!("{}@{}", changes.id, changes.version),
                    detail: serde_json::json!({ "source": "built-in", "changes": changes.lines.len() }),
                },
                &now,
            )?;
        }
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(())
    }

    /// The print system papers and reports go to.
    pub(crate) fn printer(&self) -> Arc<dyn bhxh_print::Printer> {
        match self.printer.lock() {
            Ok(p) => Arc::clone(&p),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Print through another print system (tests, tools: a private CUPS).
    pub fn set_printer(&self, printer: Arc<dyn bhxh_print::Printer>) {
        match self.printer.lock() {
            Ok(mut p) => *p = printer,
            Err(poisoned) => *poisoned.into_inner() = printer,
        }
    }

    /// The print queues, the default first (nothing personal: no sign-in).
    pub fn printers(&self) -> Result<Vec<PrinterLine>, DeskError> {
        printer_lines(&*self.printer())
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// For tests and tools that need the raw store (never the UI).
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
