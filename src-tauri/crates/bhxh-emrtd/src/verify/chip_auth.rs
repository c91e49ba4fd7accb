//! Judging Chip Authentication: what the reader saw ([`CaOutcome`]) as a check.
//!
//! The protocol itself ([`crate::protocol::chip_auth`]) proves nothing by a signature: a chip
//! without DG14's private key simply cannot answer under the keys it agreed. So the judgement
//! is only the reading of the outcome, but it belongs with the other checks so that the rules
//! (a failure means a cloned chip; "not supported" says nothing) and the wording live in one
//! place.

use crate::protocol::chip_auth::CaOutcome;
use crate::verify::{Check, CheckResult, Status};

/// The check result for a Chip Authentication outcome.
pub fn chip_authentication_check(outcome: &CaOutcome) -> CheckResult {
    let (status, detail) = match outcome {
        CaOutcome::NotAvailable => (
            Status::NotChecked,
            "not available: DG14 offers no Chip Authentication".to_string(),
        ),
        CaOutcome::Unsupported(r) => (Status::Unverifiable, format!("not supported: {r}")),
        CaOutcome::Refused { step, sw } => (
            Status::Failed,
            format!("{step} answered {sw:04X} although DG14 offers Chip Authentication"),
        ),
        CaOutcome::WrongData { protocol } => (
            Status::Failed,
            format!("under the new keys the chip answered other data than EF.COM ({protocol})"),
        ),
        CaOutcome::NotAgreed { sw, protocol } => (
            Status::Failed,
            format!(
                "the chip answered {sw:04X} under the new keys: it did not agree them ({protocol})"
            ),
        ),
        CaOutcome::BadAnswer { protocol } => (
            Status::Failed,
            format!(
                "the chip's answer does not verify under the new keys: it does not hold the \
                 DG14 private key ({protocol})"
            ),
        ),
        CaOutcome::Passed { protocol } => (
            Status::Passed,
            format!(
                "the chip holds the private key of DG14 and answered under the keys it agreed ({protocol})"
            ),
        ),
    };
    CheckResult {
        check: Check::ChipAuthentication,
        status,
        detail,
    }
}
