//! Papers digitised for an earlier dossier of the same applicant, offered
//! and used again instead of a rescan (see `bhxh_core::dossiers::reuse`).

use bhxh_core::dossiers;
use bhxh_core::dossiers::reuse;
use serde::Serialize;

use crate::dto::{self, DossierStatus, ReuseCandidate, SourceKind};

use crate::policy::Action;
use crate::{Desk, DeskError};

/// The outcome of a reuse, for the window and the command line.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Reused {
    pub code: String,
    pub component: u32,
    pub from_code: String,
    pub from_kind: SourceKind,
    /// The component's number, or the result's.
    pub from_component: u32,
    pub pages: u32,
    pub status: DossierStatus,
    pub status_label: String,
}

impl Desk {
    /// What can stand in for a component: the same applicant's digitised
    /// papers of the same kind and reusable results that fit it, newest first.
    pub fn dossier_reuse_candidates(
        &self,
        code: &str,
        component: u32,
    ) -> Result<Vec<ReuseCandidate>, DeskError> {
        self.read(Action::ViewDossier, |conn, _| {
            Ok(dto::all(reuse::candidates(conn, code, component)?))
        })
    }

    /// Use one of them (a component of the earlier dossier, or one of its
    /// results flagged reusable) for the component; audited, counted in the
    /// month's reuse share.
    pub fn dossier_reuse(
        &self,
        code: &str,
        component: u32,
        from_code: &str,
        from_kind: SourceKind,
        from_component: u32,
    ) -> Result<Reused, DeskError> {
        self.change(Action::Digitise, |tx, actor, now| {
            let status = reuse::reuse(
                tx,
                actor,
                code,
                component,
                from_code,
                from_kind.into(),
                from_component,
                now,
            )?;
            let pages = dossiers::files::list(tx, code)?
                .iter()
                .rfind(|f| f.component == component && f.role == "assembled")
                .map_or(0, |f| f.pages);
            Ok(Reused {
                code: code.to_owned(),
                component,
                from_code: from_code.to_owned(),
                from_kind,
                from_component,
                pages,
                status: status.into(),
                status_label: status.label_vi().to_owned(),
            })
        })
    }
}
