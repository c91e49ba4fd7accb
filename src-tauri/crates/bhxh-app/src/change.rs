//! The shape every operation of the desk takes, written once.
//!
//! - [`Desk::change`]: authorize → now → `BEGIN IMMEDIATE` → the change and
//!   its audit entry → commit. A failure anywhere rolls everything back:
//!   no change without its audit entry, no audit entry for a change that
//!   did not happen.
//! - [`Desk::view`]: the same for reading personal data, which the law
//!   (Decree 13/2023) wants logged: the read and its "view" entry together.
//! - [`Desk::read`]: authorize, then read; nothing is written.

use bhxh_core::Timestamp;
use bhxh_core::office::audit::{self, Actor, Event};
use rusqlite::{Connection, Transaction};

use crate::policy::Action;
use crate::{Desk, DeskError};

/// What a [`Desk::view`] logs: the entity viewed and its id.
pub(crate) struct Viewed<'a> {
    pub entity: &'a str,
    pub entity_id: String,
    pub detail: serde_json::Value,
}

impl Desk {
    /// Do `action`: `f` writes the change (and, through the domain
    /// functions, its audit entry) in one write transaction.
    pub(crate) fn change<T>(
        &self,
        action: Action,
        f: impl FnOnce(&Transaction<'_>, &Actor, &Timestamp) -> Result<T, DeskError>,
    ) -> Result<T, DeskError> {
        let actor = self.authorize(action)?;
        self.change_as(&actor, f)
    }

    /// As [`Desk::change`] for an actor already authorized (a long operation
    /// that checked first, did its slow work, and now records it).
    pub(crate) fn change_as<T>(
        &self,
        actor: &Actor,
        f: impl FnOnce(&Transaction<'_>, &Actor, &Timestamp) -> Result<T, DeskError>,
    ) -> Result<T, DeskError> {
        let now = self.now();
        let mut conn = self.store.conn()?;
        let tx = conn.write()?;
        let out = f(&tx, actor, &now)?;
        tx.commit().map_err(bhxh_store::StoreError::from)?;
        Ok(out)
    }

    /// Read personal data for `action`, logging the view in the same
    /// transaction: `f` returns the value and what was viewed.
    pub(crate) fn view<'v, T>(
        &self,
        action: Action,
        f: impl FnOnce(&Connection, &Timestamp) -> Result<(T, Viewed<'v>), DeskError>,
    ) -> Result<T, DeskError> {
        self.change(action, |tx, actor, now| {
            let (value, viewed) = f(tx, now)?;
            audit::append(
                tx,
                actor,
                &Event {
                    action: "view",
                    entity: viewed.entity,
                    entity_id: &viewed.entity_id,
                    detail: viewed.detail,
                },
                now,
            )?;
            Ok(value)
        })
    }

    /// Read for `action`: authorized, nothing written.
    pub(crate) fn read<T>(
        &self,
        action: Action,
        f: impl FnOnce(&Connection, &Timestamp) -> Result<T, DeskError>,
    ) -> Result<T, DeskError> {
        self.authorize(action)?;
        let now = self.now();
        let conn = self.store.conn()?;
        f(&conn, &now)
    }

    /// An audit entry of its own for something done outside the store (a
    /// paper printed, files exported), written once it is done.
    pub(crate) fn record(
        &self,
        actor: &Actor,
        action: &str,
        entity: &str,
        entity_id: &str,
        detail: serde_json::Value,
    ) -> Result<(), DeskError> {
        self.change_as(actor, |tx, actor, now| {
            audit::append(
                tx,
                actor,
                &Event {
                    action,
                    entity,
                    entity_id,
                    detail,
                },
                now,
            )?;
            Ok(())
        })
    }
}
