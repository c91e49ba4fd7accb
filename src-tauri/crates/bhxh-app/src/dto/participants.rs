//! The participant register, its imports, and chip-card checks.

use serde::{Deserialize, Serialize};
use specta::Type;

/// A participant as the register shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    pub bhxh_number: String,
    pub full_name: String,
    pub birth_date: String,
    pub sex: String,
    pub id_number: Option<String>,
    pub status: String,
    pub verified_at: Option<String>,
    pub verified_method: Option<String>,
}

impl From<bhxh_core::participants::Participant> for Participant {
    fn from(v: bhxh_core::participants::Participant) -> Self {
        Participant {
            bhxh_number: v.bhxh_number,
            full_name: v.full_name,
            birth_date: v.birth_date,
            sex: v.sex,
            id_number: v.id_number,
            status: v.status,
            verified_at: v.verified_at,
            verified_method: v.verified_method,
        }
    }
}

/// Share of participants whose ID number is verified.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedShare {
    pub verified: i64,
    pub total: i64,
    pub percent: f64,
}

impl From<bhxh_core::participants::VerifiedShare> for VerifiedShare {
    fn from(v: bhxh_core::participants::VerifiedShare) -> Self {
        VerifiedShare {
            verified: v.verified,
            total: v.total,
            percent: v.percent,
        }
    }
}

/// Which column (0-based) holds each field. The ID number is optional in a
/// list; the others are required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Mapping {
    pub bhxh_number: usize,
    pub full_name: usize,
    pub birth_date: usize,
    pub sex: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<usize>,
}

impl From<bhxh_core::participants::Mapping> for Mapping {
    fn from(v: bhxh_core::participants::Mapping) -> Self {
        Mapping {
            bhxh_number: v.bhxh_number,
            full_name: v.full_name,
            birth_date: v.birth_date,
            sex: v.sex,
            id_number: v.id_number,
        }
    }
}

impl From<Mapping> for bhxh_core::participants::Mapping {
    fn from(v: Mapping) -> Self {
        bhxh_core::participants::Mapping {
            bhxh_number: v.bhxh_number,
            full_name: v.full_name,
            birth_date: v.birth_date,
            sex: v.sex,
            id_number: v.id_number,
        }
    }
}

/// All or nothing (the default), or only the rows without errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    AllOrNothing,
    ValidRows,
}

impl From<bhxh_core::participants::ImportMode> for ImportMode {
    fn from(v: bhxh_core::participants::ImportMode) -> Self {
        match v {
            bhxh_core::participants::ImportMode::AllOrNothing => ImportMode::AllOrNothing,
            bhxh_core::participants::ImportMode::ValidRows => ImportMode::ValidRows,
        }
    }
}

impl From<ImportMode> for bhxh_core::participants::ImportMode {
    fn from(v: ImportMode) -> Self {
        match v {
            ImportMode::AllOrNothing => bhxh_core::participants::ImportMode::AllOrNothing,
            ImportMode::ValidRows => bhxh_core::participants::ImportMode::ValidRows,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub total_rows: usize,
    pub valid_rows: usize,
    pub error_rows: usize,
    pub warning_rows: usize,
    /// Only the rows with errors or warnings, in file order.
    pub problems: Vec<RowProblem>,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// False for a dry run, or when all-or-nothing met an error.
    pub imported: bool,
}

impl From<bhxh_core::participants::ImportReport> for ImportReport {
    fn from(v: bhxh_core::participants::ImportReport) -> Self {
        ImportReport {
            total_rows: v.total_rows,
            valid_rows: v.valid_rows,
            error_rows: v.error_rows,
            warning_rows: v.warning_rows,
            problems: v.problems.into_iter().map(|x| x.into()).collect(),
            inserted: v.inserted,
            updated: v.updated,
            unchanged: v.unchanged,
            imported: v.imported,
        }
    }
}

/// What is wrong (errors) or doubtful (warnings) with one row.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RowProblem {
    pub line: usize,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl From<bhxh_core::participants::RowProblem> for RowProblem {
    fn from(v: bhxh_core::participants::RowProblem) -> Self {
        RowProblem {
            line: v.line,
            errors: v.errors,
            warnings: v.warnings,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum CheckPurpose {
    Counter,
    Payment,
}

impl From<bhxh_core::participants::card_checks::Purpose> for CheckPurpose {
    fn from(v: bhxh_core::participants::card_checks::Purpose) -> Self {
        match v {
            bhxh_core::participants::card_checks::Purpose::Counter => CheckPurpose::Counter,
            bhxh_core::participants::card_checks::Purpose::Payment => CheckPurpose::Payment,
        }
    }
}

impl From<CheckPurpose> for bhxh_core::participants::card_checks::Purpose {
    fn from(v: CheckPurpose) -> Self {
        match v {
            CheckPurpose::Counter => bhxh_core::participants::card_checks::Purpose::Counter,
            CheckPurpose::Payment => bhxh_core::participants::card_checks::Purpose::Payment,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum MatchResult {
    /// A genuine card whose ID number is in the register.
    Matched,
    /// A genuine card, but nobody in the register has its ID number.
    NotInRegister,
    /// The card was not judged genuine: nothing is matched or verified.
    NotGenuine,
}

impl From<bhxh_core::participants::card_checks::MatchResult> for MatchResult {
    fn from(v: bhxh_core::participants::card_checks::MatchResult) -> Self {
        match v {
            bhxh_core::participants::card_checks::MatchResult::Matched => MatchResult::Matched,
            bhxh_core::participants::card_checks::MatchResult::NotInRegister => {
                MatchResult::NotInRegister
            }
            bhxh_core::participants::card_checks::MatchResult::NotGenuine => {
                MatchResult::NotGenuine
            }
        }
    }
}

impl From<MatchResult> for bhxh_core::participants::card_checks::MatchResult {
    fn from(v: MatchResult) -> Self {
        match v {
            MatchResult::Matched => bhxh_core::participants::card_checks::MatchResult::Matched,
            MatchResult::NotInRegister => {
                bhxh_core::participants::card_checks::MatchResult::NotInRegister
            }
            MatchResult::NotGenuine => {
                bhxh_core::participants::card_checks::MatchResult::NotGenuine
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CardCheckOutcome {
    pub id: i64,
    pub result: MatchResult,
    pub message: String,
    pub participant: Option<Participant>,
    /// The participant's ID number became verified by this check.
    pub verified_now: bool,
}

impl From<bhxh_core::participants::card_checks::CardCheckOutcome> for CardCheckOutcome {
    fn from(v: bhxh_core::participants::card_checks::CardCheckOutcome) -> Self {
        CardCheckOutcome {
            id: v.id,
            result: v.result.into(),
            message: v.message,
            participant: v.participant.map(|x| x.into()),
            verified_now: v.verified_now,
        }
    }
}
