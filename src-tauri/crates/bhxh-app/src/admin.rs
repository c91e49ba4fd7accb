//! Running the desk itself: first-start setup, staff accounts, the audit
//! log, `db check` (backup and restore: `backup.rs`).

use bhxh_core::office;
use bhxh_core::office::accounts::{self, Role};
use bhxh_core::office::audit::{self, Actor};
use serde::{Deserialize, Serialize};

use crate::change::Viewed;
use crate::dto::{self, AuditEntry, NewStaff, OfficeInput, Staff};
use crate::policy::Action;
use crate::session::DeskStatus;
use crate::{Desk, DeskError};

/// First-start setup: the office and its first administrator.
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SetupInput {
    pub office: OfficeInput,
    pub admin_username: String,
    pub admin_full_name: String,
    pub admin_password: String,
}

/// `db check`: the file, the audit chain and the sealed files.
#[derive(Debug, Clone, Serialize, PartialEq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    pub ok: bool,
    pub integrity_problems: Vec<String>,
    pub audit_entries: i64,
    pub audit_problems: Vec<String>,
    /// Sealed scans that fail their hash or are missing.
    pub file_problems: Vec<String>,
    /// The chain against the last head HQ witnessed (none when sync is not
    /// configured); `ok` is false when the chain no longer holds it.
    pub witness: Option<crate::sync::WitnessCheck>,
}

impl Desk {
    /// First-start setup: the office and its first administrator, together.
    pub fn setup(&self, input: &SetupInput) -> Result<DeskStatus, DeskError> {
        if self.is_set_up()? {
            return Err(DeskError::AlreadySetUp);
        }
        let actor = Actor {
            id: None,
            username: "setup".to_owned(),
        };
        self.change_as(&actor, |tx, actor, now| {
            office::create(tx, actor, &input.office.clone().into(), now)?;
            accounts::create(
                tx,
                actor,
                &accounts::NewStaff {
                    username: input.admin_username.clone(),
                    full_name: input.admin_full_name.clone(),
                    role: Role::Administrator,
                },
                &input.admin_password,
                now,
            )?;
            Ok(())
        })?;
        self.status()
    }

    pub fn staff_list(&self) -> Result<Vec<Staff>, DeskError> {
        self.view(Action::ManageStaff, |conn, _| {
            let list = accounts::list(conn)?;
            let detail = serde_json::json!({ "count": list.len() });
            Ok((
                dto::all(list),
                Viewed {
                    entity: "staff",
                    entity_id: "*".into(),
                    detail,
                },
            ))
        })
    }

    pub fn staff_create(&self, new: &NewStaff, password: &str) -> Result<Staff, DeskError> {
        self.change(Action::ManageStaff, |tx, actor, now| {
            Ok(accounts::create(tx, actor, &new.clone().into(), password, now)?.into())
        })
    }

    pub fn staff_unlock(&self, id: i64) -> Result<(), DeskError> {
        self.change(Action::ManageStaff, |tx, actor, now| {
            Ok(accounts::unlock(tx, actor, id, now)?)
        })
    }

    pub fn audit_list(
        &self,
        limit: i64,
        before: Option<i64>,
    ) -> Result<Vec<AuditEntry>, DeskError> {
        self.view(Action::ViewAudit, |conn, _| {
            let list = audit::list(conn, limit, before)?;
            let detail = serde_json::json!({ "count": list.len() });
            Ok((
                dto::all(list),
                Viewed {
                    entity: "audit_log",
                    entity_id: "*".into(),
                    detail,
                },
            ))
        })
    }

    /// SQLite integrity, the audit chain (and, when sync is configured,
    /// whether it still holds the last head HQ witnessed), and the sealed
    /// files. Needs no
    /// session: it reads no personal data and is what IT staff run first
    /// when something is wrong.
    pub fn check(&self) -> Result<CheckReport, DeskError> {
        let integrity_problems = self.store.integrity_problems()?;
        let chain = audit::verify(&*self.store.conn()?)?;
        let file_problems = self.files_check()?;
        let witness = self.witness_check();
        Ok(CheckReport {
            ok: integrity_problems.is_empty()
                && chain.is_intact()
                && file_problems.is_empty()
                && !witness.as_ref().is_some_and(|w| w.lost_what_hq_saw()),
            integrity_problems,
            audit_entries: chain.entries,
            audit_problems: chain.problems,
            file_problems,
            witness,
        })
    }
}

pub(crate) fn validate_backup_passphrase(p: &str) -> Result<(), DeskError> {
    if p.chars().count() < 12 {
        return Err(DeskError::Core(bhxh_core::CoreError::invalid(
            "passphrase",
            "Mật khẩu bản sao lưu phải dài ít nhất 12 ký tự.",
        )));
    }
    Ok(())
}
