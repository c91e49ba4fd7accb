//! One answer for the counter, in Vietnamese, from the list of passive authentication checks
//! (and Active Authentication, when the reader added it).

use crate::verify::passive::PassiveAuthReport;
use crate::verify::{Check, CheckResult, Status};

/// The overall judgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictKind {
    /// Every check passed: the data is what the issuer signed and the signer is trusted.
    Genuine,
    /// A hash or the signature does not match: the data was altered (or the chip was forged).
    DataAltered,
    /// The data is what the issuer signed, but the chip failed Active Authentication: it does
    /// not hold the key of DG15, so it is not the original chip (a copy).
    ChipNotGenuine,
    /// The data is consistent, but its signer could not be traced to a trusted CSCA (unknown
    /// CSCA, unsupported algorithm, no certificate).
    OriginUnverified,
    /// Integrity and trust are fine, but a certificate is expired or not yet valid.
    CertificateNotValid,
    /// EF.SOD is unreadable, or no data group was actually checked.
    Incomplete,
}

impl VerdictKind {
    /// The sentence shown at the counter.
    pub fn headline_vi(self) -> &'static str {
        match self {
            Self::Genuine => "Thẻ thật – dữ liệu toàn vẹn",
            Self::DataAltered => "Dữ liệu trên thẻ đã bị thay đổi",
            Self::ChipNotGenuine => "Thẻ không phải thẻ thật – chip có thể đã bị sao chép",
            Self::OriginUnverified => "Không xác thực được nguồn gốc thẻ",
            Self::CertificateNotValid => {
                "Dữ liệu toàn vẹn nhưng chứng thư số của thẻ không còn hiệu lực"
            }
            Self::Incomplete => "Chưa đọc đủ dữ liệu để xác thực thẻ",
        }
    }

    /// What the counter officer should do.
    pub fn advice_vi(self) -> &'static str {
        match self {
            Self::Genuine => "Có thể sử dụng thông tin đọc từ chip.",
            Self::DataAltered => {
                "Không sử dụng thông tin từ chip. Đối chiếu giấy tờ gốc và báo cáo cán bộ phụ trách."
            }
            Self::ChipNotGenuine => {
                "Không sử dụng thông tin từ chip: dữ liệu đúng nhưng chip không chứng minh được là chip gốc. Đối chiếu giấy tờ gốc và báo cáo cán bộ phụ trách."
            }
            Self::OriginUnverified => {
                "Dữ liệu nhất quán nhưng chưa kiểm chứng được cơ quan cấp. Đối chiếu thông tin in trên thẻ; kiểm tra kho chứng thư gốc (CSCA)."
            }
            Self::CertificateNotValid => {
                "Kiểm tra ngày hết hạn của thẻ và đồng hồ của máy tính; đối chiếu thông tin in trên thẻ."
            }
            Self::Incomplete => "Đặt lại thẻ lên đầu đọc và đọc lại.",
        }
    }
}

/// The verdict with the checks behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The judgement.
    pub kind: VerdictKind,
    /// [`VerdictKind::headline_vi`].
    pub headline: &'static str,
    /// [`VerdictKind::advice_vi`].
    pub advice: &'static str,
    /// The technical reason for a negative verdict, in English: the first decisive check's
    /// [`CheckResult::detail_en`].
    pub reason: Option<String>,
    /// The same reason in Vietnamese, for the counter: that check's
    /// [`CheckResult::detail_vi`].
    pub reason_vi: Option<String>,
    /// Every check, in order.
    pub checks: Vec<CheckResult>,
}

impl Verdict {
    /// The verdict as plain text: headline, advice, then per check a line in Vietnamese
    /// (mark, what was checked, outcome, what it means) and under it, indented, the English
    /// technical detail (for a log, a CLI or a "details" panel).
    pub fn render_text(&self) -> String {
        let mut out = format!("{}\n{}\n", self.headline, self.advice);
        for c in &self.checks {
            let (mark, word) = c.status.label_vi();
            out.push_str(&format!(
                "{mark} {} — {word}: {}\n    {}\n",
                c.check.label_vi(),
                c.detail_vi,
                c.detail_en
            ));
        }
        out
    }

    /// Judges a passive authentication report.
    pub fn from_report(report: &PassiveAuthReport) -> Self {
        let checks = report.checks.clone();
        let first = |pred: &dyn Fn(&CheckResult) -> bool| {
            checks
                .iter()
                .find(|c| pred(c))
                .map(|c| (c.detail_vi.clone(), c.detail_en.clone()))
        };
        let (kind, reason) = if report.sod.is_none() {
            (VerdictKind::Incomplete, first(&|_| true))
        } else if let Some(r) = first(&|c| c.check.is_integrity() && c.status == Status::Failed) {
            (VerdictKind::DataAltered, Some(r))
        } else if let Some(r) = first(&|c| c.check.is_anti_cloning() && c.status == Status::Failed)
        {
            (VerdictKind::ChipNotGenuine, Some(r))
        } else if let Some(r) = first(&|c| {
            // Active or Chip Authentication that cannot be checked (no key, unsupported
            // algorithm) says nothing about the signer.
            (matches!(c.status, Status::Unverifiable) && !c.check.is_anti_cloning())
                || (c.status == Status::Failed && c.check == Check::CscaTrust)
        }) {
            (VerdictKind::OriginUnverified, Some(r))
        } else if let Some(r) = first(&|c| c.status == Status::Failed) {
            (VerdictKind::CertificateNotValid, Some(r))
        } else if !checks
            .iter()
            .any(|c| matches!(c.check, Check::DataGroupHash(_)) && c.status == Status::Passed)
        {
            (
                VerdictKind::Incomplete,
                Some((
                    "Không có nhóm dữ liệu nào được đọc và đối chiếu với dữ liệu bảo mật (EF.SOD)."
                        .to_string(),
                    "no data group was read and checked against EF.SOD".to_string(),
                )),
            )
        } else {
            (VerdictKind::Genuine, None)
        };
        let (reason_vi, reason) = reason.unzip();
        Self {
            kind,
            headline: kind.headline_vi(),
            advice: kind.advice_vi(),
            reason,
            reason_vi,
            checks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(checks: Vec<(Check, Status)>, sod_ok: bool) -> PassiveAuthReport {
        let sod = if sod_ok {
            crate::lds::sod::parse_sod(&crate::testing::fixtures::sod("sod-p256.cms")).ok()
        } else {
            None
        };
        PassiveAuthReport {
            checks: checks
                .into_iter()
                .map(|(check, status)| {
                    CheckResult::new(check, status, format!("VI {check:?}"), format!("{check:?}"))
                })
                .collect(),
            sod,
        }
    }

    #[test]
    fn integrity_failures_outrank_trust_problems() {
        let dg1 = Check::DataGroupHash(crate::lds::DgNumber::DG1);
        let r = report(
            vec![
                (Check::SodStructure, Status::Passed),
                (dg1, Status::Passed),
                (Check::SodSignature, Status::Failed),
                (Check::CscaTrust, Status::Unverifiable),
            ],
            true,
        );
        let v = Verdict::from_report(&r);
        assert_eq!(v.kind, VerdictKind::DataAltered);
        assert_eq!(v.reason.as_deref(), Some("SodSignature"));
        let text = v.render_text();
        assert!(
            text.starts_with("Dữ liệu trên thẻ đã bị thay đổi\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "✗ Chữ ký số của cơ quan cấp thẻ — Không đạt: VI SodSignature\n    SodSignature\n"
            ),
            "{text}"
        );
        assert_eq!(v.reason_vi.as_deref(), Some("VI SodSignature"));
        assert!(text.contains("? Nguồn gốc chứng thư (CSCA) — Không kiểm tra được"));
    }

    #[test]
    fn every_kind_has_vietnamese_text() {
        for kind in [
            VerdictKind::Genuine,
            VerdictKind::DataAltered,
            VerdictKind::ChipNotGenuine,
            VerdictKind::OriginUnverified,
            VerdictKind::CertificateNotValid,
            VerdictKind::Incomplete,
        ] {
            assert!(!kind.headline_vi().is_empty());
            assert!(!kind.advice_vi().is_empty());
        }
        let v = Verdict::from_report(&report(vec![(Check::SodStructure, Status::Failed)], false));
        assert_eq!(v.kind, VerdictKind::Incomplete);
        assert_eq!(v.headline, "Chưa đọc đủ dữ liệu để xác thực thẻ");
    }

    #[test]
    fn failed_active_authentication_means_a_copied_chip() {
        let dg1 = Check::DataGroupHash(crate::lds::DgNumber::DG1);
        let base = vec![
            (Check::SodStructure, Status::Passed),
            (dg1, Status::Passed),
            (Check::SodSignature, Status::Passed),
            (Check::CscaTrust, Status::Passed),
        ];
        let with = |aa: Status| {
            let mut c = base.clone();
            c.push((Check::ActiveAuthentication, aa));
            Verdict::from_report(&report(c, true))
        };
        let v = with(Status::Failed);
        assert_eq!(v.kind, VerdictKind::ChipNotGenuine);
        assert_eq!(v.reason.as_deref(), Some("ActiveAuthentication"));
        assert_eq!(
            v.headline,
            "Thẻ không phải thẻ thật – chip có thể đã bị sao chép"
        );
        assert!(
            v.render_text()
                .contains("✗ Xác thực chủ động (chống sao chép chip) — Không đạt"),
            "{}",
            v.render_text()
        );
        // Passed, not available or not supported: the passive verdict stands.
        for aa in [Status::Passed, Status::NotChecked, Status::Unverifiable] {
            assert_eq!(with(aa).kind, VerdictKind::Genuine, "{aa:?}");
        }
        // Altered data outranks a failed Active Authentication; AA outranks an unknown CSCA.
        let mut c = base.clone();
        c[1].1 = Status::Failed;
        c.push((Check::ActiveAuthentication, Status::Failed));
        assert_eq!(
            Verdict::from_report(&report(c, true)).kind,
            VerdictKind::DataAltered
        );
        let mut c = base.clone();
        c[3].1 = Status::Unverifiable;
        c.push((Check::ActiveAuthentication, Status::Failed));
        assert_eq!(
            Verdict::from_report(&report(c, true)).kind,
            VerdictKind::ChipNotGenuine
        );
    }

    #[test]
    fn a_failed_chip_authentication_means_a_cloned_chip_and_an_unsupported_one_nothing() {
        let dg1 = Check::DataGroupHash(crate::lds::DgNumber::DG1);
        let base = vec![
            (Check::SodStructure, Status::Passed),
            (dg1, Status::Passed),
            (Check::SodSignature, Status::Passed),
            (Check::CscaTrust, Status::Passed),
        ];
        let mut failed = base.clone();
        failed.push((Check::ChipAuthentication, Status::Failed));
        let v = Verdict::from_report(&report(failed, true));
        assert_eq!(v.kind, VerdictKind::ChipNotGenuine);
        let mut unsupported = base;
        unsupported.push((Check::ChipAuthentication, Status::Unverifiable));
        let v = Verdict::from_report(&report(unsupported, true));
        assert_eq!(v.kind, VerdictKind::Genuine);
    }
}
