//! Judging Chip Authentication: what the reader saw ([`CaOutcome`]) as a check.
//!
//! The protocol itself ([`crate::protocol::chip_auth`]) proves nothing by a signature: a chip
//! without DG14's private key simply cannot answer under the keys it agreed. So the judgement
//! is only the reading of the outcome, but it belongs with the other checks so that the rules
//! (a failure means a cloned chip; "not supported" says nothing) and the wording live in one
//! place.

use crate::protocol::chip_auth::CaOutcome;
use crate::verify::presence;
use crate::verify::{Check, CheckResult, Status};

/// The check result for a Chip Authentication outcome.
pub fn chip_authentication_check(outcome: &CaOutcome) -> CheckResult {
    const CLONED: &str = "chip không giữ khóa bí mật ứng với DG14, có thể đã bị sao chép.";
    let (status, vi, en) = match outcome {
        CaOutcome::NotAvailable => (
            Status::NotChecked,
            "Không thực hiện: DG14 không có khóa xác thực chip.".to_string(),
            "not available: DG14 offers no Chip Authentication".to_string(),
        ),
        CaOutcome::Withheld(why) => (
            Status::Failed,
            format!(
                "Chip không trả về khóa xác thực chip (DG14) dù dữ liệu bảo mật (EF.SOD) của cơ quan cấp thẻ có nhóm này (chip trả lời {}): chip có thể đã bị sao chép.",
                presence::answer_vi(*why)
            ),
            format!(
                "EF.SOD lists DG14 but the chip answered {}: it withholds the Chip Authentication key (ICAO 9303 never protects DG14)",
                presence::answer_en(*why)
            ),
        ),
        CaOutcome::Unsupported(r) => (
            Status::Unverifiable,
            "Không thực hiện được: loại khóa xác thực chip trong DG14 chưa được hỗ trợ.".to_string(),
            format!("not supported: {r}"),
        ),
        CaOutcome::Refused { step, sw } => (
            Status::Failed,
            "Chip từ chối trao đổi khóa dù DG14 có khóa xác thực chip: chip có thể đã bị sao chép."
                .to_string(),
            format!("{step} answered {sw:04X} although DG14 offers Chip Authentication"),
        ),
        CaOutcome::WrongData { protocol } => (
            Status::Failed,
            format!("Với khóa phiên mới, chip trả lời sai dữ liệu: {CLONED}"),
            format!("under the new keys the chip answered other data than EF.COM ({protocol})"),
        ),
        CaOutcome::NotAgreed { sw, protocol } => (
            Status::Failed,
            format!("Chip không dùng được khóa phiên mới: {CLONED}"),
            format!(
                "the chip answered {sw:04X} under the new keys: it did not agree them ({protocol})"
            ),
        ),
        CaOutcome::BadAnswer { protocol } => (
            Status::Failed,
            format!("Câu trả lời của chip không xác thực được bằng khóa phiên mới: {CLONED}"),
            format!(
                "the chip's answer does not verify under the new keys: it does not hold the \
                 DG14 private key ({protocol})"
            ),
        ),
        CaOutcome::Passed { protocol } => (
            Status::Passed,
            "Chip giữ khóa bí mật ứng với DG14 và trả lời đúng bằng khóa phiên mới: chip không phải bản sao.".to_string(),
            format!(
                "the chip holds the private key of DG14 and answered under the keys it agreed ({protocol})"
            ),
        ),
    };
    CheckResult::new(Check::ChipAuthentication, status, vi, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_is_said_in_vietnamese_and_in_english() {
        let protocol = || "ECDH, AES-128, brainpoolP256r1, version 2".to_string();
        for (outcome, status) in [
            (CaOutcome::NotAvailable, Status::NotChecked),
            (
                CaOutcome::Withheld(crate::protocol::read_binary::Unavailable::Absent),
                Status::Failed,
            ),
            (
                CaOutcome::Withheld(crate::protocol::read_binary::Unavailable::Protected),
                Status::Failed,
            ),
            (CaOutcome::Unsupported("DH".into()), Status::Unverifiable),
            (
                CaOutcome::Refused {
                    step: "Chip Authentication: MSE:Set AT",
                    sw: 0x6A80,
                },
                Status::Failed,
            ),
            (
                CaOutcome::WrongData {
                    protocol: protocol(),
                },
                Status::Failed,
            ),
            (
                CaOutcome::NotAgreed {
                    sw: 0x6988,
                    protocol: protocol(),
                },
                Status::Failed,
            ),
            (
                CaOutcome::BadAnswer {
                    protocol: protocol(),
                },
                Status::Failed,
            ),
            (
                CaOutcome::Passed {
                    protocol: protocol(),
                },
                Status::Passed,
            ),
        ] {
            let c = chip_authentication_check(&outcome);
            assert_eq!(c.check, Check::ChipAuthentication);
            assert_eq!(c.status, status, "{outcome:?}");
            assert!(c.detail_vi.contains("chip") || c.detail_vi.contains("DG14"));
            assert!(!c.detail_en.is_empty());
            if status == Status::Failed {
                assert!(c.detail_vi.contains("sao chép"), "{}", c.detail_vi);
            }
        }
        let c = chip_authentication_check(&CaOutcome::BadAnswer {
            protocol: protocol(),
        });
        assert_eq!(
            c.detail_en,
            "the chip's answer does not verify under the new keys: it does not hold the DG14 \
             private key (ECDH, AES-128, brainpoolP256r1, version 2)"
        );
    }
}
