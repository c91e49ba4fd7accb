//! The participant register (plan task 21): lists imported from CSV or
//! XLSX files, searched (an audited view of personal data), verified by
//! hand or by a chip check.

use std::path::{Path, PathBuf};

use bhxh_core::participants;
use bhxh_core::participants::card_checks::{self, CardCheckInput};
use serde::Serialize;

use crate::dto::{
    self, CardCheckOutcome, ImportMode, ImportReport, Mapping, Participant, VerifiedShare,
};

use crate::change::Viewed;
use crate::policy::Action;
use crate::{Desk, DeskError};

/// The outcome of reading (and perhaps importing) a participant list.
#[derive(Debug, Clone, Serialize, PartialEq, specta::Type)]
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

impl Desk {
    /// Read a CSV or XLSX list, map its columns (given, or guessed from the
    /// header row), check every row and, unless `dry_run`, import it: all
    /// or nothing by default, only the valid rows with `ImportMode::ValidRows`.
    pub fn participants_import(
        &self,
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

    /// As [`Desk::participants_import`], for a file already read.
    pub fn participants_import_bytes(
        &self,
        name: &str,
        bytes: &[u8],
        mapping: Option<Mapping>,
        mode: ImportMode,
        dry_run: bool,
    ) -> Result<ImportOutcome, DeskError> {
        let actor = self.authorize(Action::ImportParticipants)?;
        let sheet = bhxh_tabular::read(bytes).map_err(|e| DeskError::BadFile {
            path: PathBuf::from(name),
            detail: e.to_string(),
        })?;
        let guess = participants::guess_mapping(&sheet.headers);
        let mapping = match mapping {
            Some(m) => Ok(m.into()),
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
        let report = self.change_as(&actor, |tx, actor, now| {
            Ok(participants::import(
                tx,
                actor,
                &sheet.rows,
                &mapping,
                mode.into(),
                dry_run,
                name,
                now,
            )?)
        })?;
        Ok(ImportOutcome {
            headers: sheet.headers,
            mapping: Some(mapping.into()),
            missing: Vec::new(),
            preview,
            report: Some(report.into()),
        })
    }

    /// Find participants (personal data: the view is audited).
    pub fn participants_search(
        &self,
        query: &str,
        limit: i64,
    ) -> Result<Vec<Participant>, DeskError> {
        self.view(Action::SearchParticipants, |conn, _| {
            let found = participants::search(conn, query, limit.clamp(1, 500))?;
            let viewed = Viewed {
                entity: "participant",
                entity_id: found
                    .iter()
                    .map(|p| p.bhxh_number.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                detail: serde_json::json!({ "query": query, "count": found.len() }),
            };
            Ok((dto::all(found), viewed))
        })
    }

    pub fn participants_share(&self) -> Result<VerifiedShare, DeskError> {
        self.read(Action::ViewPlan, |conn, _| {
            Ok(participants::verified_share(conn)?.into())
        })
    }

    /// Record a manual check of a participant's ID number.
    pub fn participant_verify_manual(
        &self,
        bhxh_number: &str,
        note: &str,
    ) -> Result<(), DeskError> {
        self.change(Action::VerifyParticipant, |tx, actor, now| {
            Ok(participants::verify(
                tx,
                actor,
                bhxh_number,
                participants::Method::Manual,
                note,
                now,
            )?)
        })
    }

    /// Record a chip check (counter or payment), match the card's ID number
    /// to the register and, for a genuine card, verify that participant.
    /// The read itself is done by `bhxh-emrtd` (see [`crate::card`]).
    pub(crate) fn record_card_check(
        &self,
        input: &CardCheckInput,
    ) -> Result<CardCheckOutcome, DeskError> {
        self.change(Action::RecordCardCheck, |tx, actor, now| {
            Ok(card_checks::record(tx, actor, input, now)?.into())
        })
    }
}
