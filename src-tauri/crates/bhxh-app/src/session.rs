//! Signing in and out, the idle timeout, and the check every operation
//! starts with ([`Desk::authorize`]).
//!
//! The desk holds at most one session. A session ends when its member of
//! staff signs out, when they stay idle longer than the office's limit (the
//! next operation finds out, signs them out on the record and refuses), or
//! when the desk closes.

use bhxh_core::Timestamp;
use bhxh_core::office;
use bhxh_core::office::accounts::{self, Staff};
use bhxh_core::office::audit::{self, Actor, Event};
use bhxh_core::office::settings;
use serde::Serialize;

use crate::dto::{Office, Role};

use crate::policy::Action;
use crate::{Desk, DeskError};

/// The signed-in member of staff.
#[derive(Debug, Clone)]
pub struct Session {
    pub staff: Staff,
    pub started: Timestamp,
    pub last_activity: Timestamp,
    /// Attempts on this account that failed since its previous sign-in.
    pub failures_since_last: u32,
    pub previous_sign_in: Option<String>,
}

impl Session {
    fn actor(&self) -> Actor {
        Actor {
            id: Some(self.staff.id),
            username: self.staff.username.clone(),
        }
    }

    fn info(&self) -> SessionInfo {
        SessionInfo {
            user_id: self.staff.id,
            username: self.staff.username.clone(),
            full_name: self.staff.full_name.clone(),
            role: self.staff.role.into(),
            role_label: self.staff.role.label_vi().to_owned(),
            signed_in_at: bhxh_core::ts(&self.started),
            allowed: Action::ALL
                .into_iter()
                .filter(|a| a.allows(self.staff.role))
                .collect(),
            failed_sign_ins_since_last: self.failures_since_last,
            previous_sign_in: self.previous_sign_in.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub user_id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub role_label: String,
    pub signed_in_at: String,
    /// What this member of staff may do (from [`crate::policy`]): the window
    /// shows only these.
    pub allowed: Vec<Action>,
    /// Attempts on this account that failed since its previous sign-in
    /// (wrong password, or any attempt while it was locked or disabled):
    /// a sign-in refuses with one message whatever the reason, so this is
    /// where the owner learns that someone tried. The window says so when
    /// it is not 0.
    pub failed_sign_ins_since_last: u32,
    /// When this account signed in before this session (RFC 3339).
    pub previous_sign_in: Option<String>,
}

/// Where the desk stands, for the first screen.
#[derive(Debug, Clone, Serialize, PartialEq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeskStatus {
    /// `needs_setup` or `ready`.
    pub stage: String,
    pub office: Option<Office>,
    pub session: Option<SessionInfo>,
    pub idle_minutes: i64,
    pub data_dir: String,
    pub keyring_backend: String,
    pub version: String,
}

impl Desk {
    pub(crate) fn session_guard(&self) -> std::sync::MutexGuard<'_, Option<Session>> {
        self.session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn signed_in_username(&self) -> Option<String> {
        self.session_guard()
            .as_ref()
            .map(|s| s.staff.username.clone())
    }

    /// The signed-in member of staff, if any (a copy: the session may end
    /// while the caller looks at it).
    pub fn session(&self) -> Option<Session> {
        self.session_guard().clone()
    }

    /// The full name of whoever `actor` is, for stamps and registers.
    pub(crate) fn full_name_of(&self, actor: &Actor) -> String {
        self.session_guard()
            .as_ref()
            .filter(|s| Some(s.staff.id) == actor.id)
            .map(|s| s.staff.full_name.clone())
            .unwrap_or_else(|| actor.username.clone())
    }

    pub fn is_set_up(&self) -> Result<bool, DeskError> {
        let conn = self.store.conn()?;
        Ok(office::get(&conn)?.is_some() && accounts::count(&conn)? > 0)
    }

    pub fn status(&self) -> Result<DeskStatus, DeskError> {
        let ready = self.is_set_up()?;
        let conn = self.store.conn()?;
        Ok(DeskStatus {
            stage: if ready { "ready" } else { "needs_setup" }.to_owned(),
            office: office::get(&conn)?.map(Into::into),
            session: self.session_guard().as_ref().map(Session::info),
            idle_minutes: settings::security_policy(&conn)?.idle_minutes,
            data_dir: self.dir.path().display().to_string(),
            keyring_backend: self.keyring.backend().to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        })
    }

    pub fn sign_in(&self, username: &str, password: &str) -> Result<SessionInfo, DeskError> {
        if !self.is_set_up()? {
            return Err(DeskError::NotSetUp);
        }
        self.sign_out()?;
        let now = self.now();
        let signed = {
            let conn = self.store.conn()?;
            let policy = settings::security_policy(&conn)?;
            accounts::sign_in(&conn, username, password, &policy, &now)??
        };
        let session = Session {
            staff: signed.staff,
            started: now,
            last_activity: now,
            failures_since_last: signed.failures_since_last,
            previous_sign_in: signed.previous_sign_in,
        };
        let info = session.info();
        *self.session_guard() = Some(session);
        Ok(info)
    }

    pub fn sign_out(&self) -> Result<(), DeskError> {
        let ended = self.session_guard().take();
        if let Some(s) = ended {
            let now = self.now();
            audit::append(
                &*self.store.conn()?,
                &s.actor(),
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

    /// Check the session, the idle timeout and that the role may do
    /// `action` ([`crate::policy`]), and count this as activity.
    pub(crate) fn authorize(&self, action: Action) -> Result<Actor, DeskError> {
        self.authorize_as(action, true)
    }

    /// As [`Desk::authorize`] without counting as activity: for what runs by
    /// itself (the inbox poller), which must not keep an idle session open.
    pub(crate) fn authorize_quietly(&self, action: Action) -> Result<Actor, DeskError> {
        self.authorize_as(action, false)
    }

    fn authorize_as(&self, action: Action, activity: bool) -> Result<Actor, DeskError> {
        let now = self.now();
        let idle_minutes = settings::security_policy(&*self.store.conn()?)?.idle_minutes;
        let mut guard = self.session_guard();
        let Some(session) = guard.as_mut() else {
            return Err(DeskError::NotSignedIn);
        };
        if now - session.last_activity > chrono::Duration::minutes(idle_minutes) {
            let expired = guard.take();
            drop(guard);
            if let Some(s) = expired {
                audit::append(
                    &*self.store.conn()?,
                    &s.actor(),
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
        if !action.allows(session.staff.role) {
            return Err(DeskError::Forbidden {
                needed: action.roles().to_vec(),
            });
        }
        if activity {
            session.last_activity = now;
        }
        Ok(session.actor())
    }

    /// Record activity from the UI (keyboard or mouse) without doing anything.
    pub fn touch(&self) -> Result<(), DeskError> {
        self.authorize(Action::ViewPlan).map(|_| ())
    }
}
