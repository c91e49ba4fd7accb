//! One answer for the counter, in Vietnamese, from the list of checks: passive authentication,
//! and the anti-cloning checks (Active and Chip Authentication) the reader added.
//!
//! The rules, in order (the first that applies decides):
//!
//! 1. EF.SOD unreadable → [`VerdictKind::Incomplete`].
//! 2. An integrity check failed (a data group's hash, a group EF.SOD lists that the chip does
//!    not return, the signed attributes, the signature) → [`VerdictKind::DataAltered`].
//! 3. An anti-cloning check failed (wrong signature or key agreement, the chip refuses it, or
//!    withholds DG14/DG15 that EF.SOD lists) → [`VerdictKind::ChipNotGenuine`].
//! 4. The signer is not traced to a trusted CSCA (unknown or impostor CSCA, unsupported
//!    algorithm, a revoked Document Signer, an overdue CRL) → [`VerdictKind::OriginUnverified`].
//! 5. A certificate is expired or not yet valid → [`VerdictKind::CertificateNotValid`].
//! 6. No data group was checked → [`VerdictKind::Incomplete`].
//! 7. **No anti-cloning check passed** (EF.SOD lists neither DG14 nor DG15, the key or algorithm
//!    is not supported, or the checks were not run) → [`VerdictKind::IntegrityOnly`]: the data
//!    is what the issuer signed, but nothing shows that this chip is the one it was written to.
//!    A copy of the files on another chip looks exactly like this, so it is not "genuine".
//! 8. Otherwise → [`VerdictKind::Genuine`].

use crate::lds::DgNumber;
use crate::verify::passive::PassiveAuthReport;
use crate::verify::{Check, CheckResult, Status};

/// The overall judgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictKind {
    /// Every check passed, at least one anti-cloning check (Active or Chip Authentication)
    /// among them: the data is what the issuer signed, the signer is trusted, and the chip holds
    /// the issuer's key.
    Genuine,
    /// A hash or the signature does not match, or the chip lacks a data group the issuer
    /// wrote: the data was altered (or the chip was forged).
    DataAltered,
    /// The data is what the issuer signed, but the chip failed Active or Chip Authentication,
    /// or withholds the data group (DG14/DG15) with the key: it is not the original chip (a
    /// copy).
    ChipNotGenuine,
    /// The data is consistent, but its signer could not be traced to a trusted CSCA (unknown
    /// CSCA, unsupported algorithm, no certificate, a revoked signer, an overdue CRL).
    OriginUnverified,
    /// Integrity and trust are fine, but a certificate is expired or not yet valid.
    CertificateNotValid,
    /// EF.SOD is unreadable, or no data group was actually checked.
    Incomplete,
    /// The data is what the issuer signed and the signer is trusted, but no anti-cloning check
    /// passed: the card offers none (EF.SOD lists neither DG14 nor DG15), or it could not be
    /// run. Not genuine: a copy of the files on another chip cannot be told apart.
    IntegrityOnly,
}

impl VerdictKind {
    /// Every kind, for tests and tables.
    pub const ALL: [Self; 7] = [
        Self::Genuine,
        Self::DataAltered,
        Self::ChipNotGenuine,
        Self::OriginUnverified,
        Self::CertificateNotValid,
        Self::Incomplete,
        Self::IntegrityOnly,
    ];

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
            Self::IntegrityOnly => "Dữ liệu toàn vẹn – chưa xác minh được chip",
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
            Self::IntegrityOnly => {
                "Dữ liệu đúng như cơ quan cấp thẻ đã ký, nhưng chip không chứng minh được là chip gốc (thẻ không có khóa chống sao chép, hoặc không kiểm tra được): một bản sao dữ liệu sang chip khác cũng cho kết quả này. Đối chiếu ảnh và thông tin in trên thẻ với người xuất trình; không coi là đã xác thực bằng chip."
            }
        }
    }

    /// Whether this verdict proves the card: only [`Self::Genuine`]. Everything else (the
    /// amber [`Self::IntegrityOnly`] included) verifies no one and counts as no chip check.
    pub fn is_genuine(self) -> bool {
        self == Self::Genuine
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
    /// The technical reason for a verdict other than genuine, in English: the first decisive
    /// check's [`CheckResult::detail_en`].
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

    /// Judges a report: passive authentication, plus whatever anti-cloning checks were added
    /// to it (see the module docs for the rules).
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
                || (c.status == Status::Failed && c.check.is_trust())
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
        } else if !checks
            .iter()
            .any(|c| c.check.is_anti_cloning() && c.status == Status::Passed)
        {
            (
                VerdictKind::IntegrityOnly,
                Some(no_anti_cloning_reason(report)),
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

/// Why no anti-cloning check passed: the card offers none, or the first that did not pass.
fn no_anti_cloning_reason(report: &PassiveAuthReport) -> (String, String) {
    let listed = |n| {
        report
            .sod
            .as_ref()
            .is_some_and(|s| s.lds.dg_hashes.contains_key(&n))
    };
    if !listed(DgNumber::DG14) && !listed(DgNumber::DG15) {
        return (
            "Dữ liệu bảo mật (EF.SOD) của thẻ không có DG14 hay DG15: thẻ không có khóa để chip chứng minh không phải bản sao (không xác thực chủ động, không xác thực chip)."
                .to_string(),
            "EF.SOD lists neither DG14 (Chip Authentication) nor DG15 (Active Authentication): \
             no anti-cloning check is possible"
                .to_string(),
        );
    }
    report
        .checks
        .iter()
        .find(|c| c.check.is_anti_cloning() && c.status == Status::Unverifiable)
        .or_else(|| report.checks.iter().find(|c| c.check.is_anti_cloning()))
        .map_or_else(
            || {
                (
                    "Chưa thực hiện kiểm tra chống sao chép chip (xác thực chủ động hoặc xác thực chip)."
                        .to_string(),
                    "no anti-cloning check (Active or Chip Authentication) was run".to_string(),
                )
            },
            |c| (c.detail_vi.clone(), c.detail_en.clone()),
        )
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
        for kind in VerdictKind::ALL {
            assert!(!kind.headline_vi().is_empty());
            assert!(!kind.advice_vi().is_empty());
            assert_eq!(kind.is_genuine(), kind == VerdictKind::Genuine);
        }
        let v = Verdict::from_report(&report(vec![(Check::SodStructure, Status::Failed)], false));
        assert_eq!(v.kind, VerdictKind::Incomplete);
        assert_eq!(v.headline, "Chưa đọc đủ dữ liệu để xác thực thẻ");
    }

    fn intact(anti_cloning: Vec<(Check, Status)>) -> Vec<(Check, Status)> {
        let mut c = vec![
            (Check::SodStructure, Status::Passed),
            (
                Check::DataGroupHash(crate::lds::DgNumber::DG1),
                Status::Passed,
            ),
            (Check::SodSignature, Status::Passed),
            (Check::CscaTrust, Status::Passed),
        ];
        c.extend(anti_cloning);
        c
    }

    #[test]
    fn genuine_needs_an_anti_cloning_check_that_passed() {
        let aa = Check::ActiveAuthentication;
        let ca = Check::ChipAuthentication;
        for (anti_cloning, kind) in [
            (vec![(aa, Status::Passed)], VerdictKind::Genuine),
            (vec![(ca, Status::Passed)], VerdictKind::Genuine),
            (
                vec![(aa, Status::Unverifiable), (ca, Status::Passed)],
                VerdictKind::Genuine,
            ),
            // Nothing run, nothing available, nothing supported: intact data, unproven chip.
            (vec![], VerdictKind::IntegrityOnly),
            (vec![(aa, Status::NotChecked)], VerdictKind::IntegrityOnly),
            (
                vec![(aa, Status::Unverifiable), (ca, Status::NotChecked)],
                VerdictKind::IntegrityOnly,
            ),
            // One passes, the other fails: a failure is a failure.
            (
                vec![(aa, Status::Passed), (ca, Status::Failed)],
                VerdictKind::ChipNotGenuine,
            ),
        ] {
            let v = Verdict::from_report(&report(intact(anti_cloning.clone()), true));
            assert_eq!(v.kind, kind, "{anti_cloning:?}");
            assert_eq!(v.reason.is_none(), kind == VerdictKind::Genuine);
        }
        let v = Verdict::from_report(&report(intact(vec![(aa, Status::Unverifiable)]), true));
        assert_eq!(v.headline, "Dữ liệu toàn vẹn – chưa xác minh được chip");
        assert!(
            v.advice.contains("không coi là đã xác thực bằng chip"),
            "{}",
            v.advice
        );
        // The reason: the anti-cloning check that could not be made.
        assert_eq!(v.reason.as_deref(), Some("ActiveAuthentication"));
        assert_eq!(v.reason_vi.as_deref(), Some("VI ActiveAuthentication"));
        let v = Verdict::from_report(&report(intact(vec![]), true));
        assert_eq!(
            v.reason.as_deref(),
            Some("no anti-cloning check (Active or Chip Authentication) was run")
        );
    }

    #[test]
    fn a_card_whose_sod_lists_no_anti_cloning_key_is_integrity_only() {
        let mut r = report(intact(vec![]), true);
        let sod = r.sod.as_mut().unwrap();
        sod.lds.dg_hashes.remove(&crate::lds::DgNumber::DG14);
        sod.lds.dg_hashes.remove(&crate::lds::DgNumber::DG15);
        let v = Verdict::from_report(&r);
        assert_eq!(v.kind, VerdictKind::IntegrityOnly);
        assert!(
            v.reason_vi
                .as_deref()
                .unwrap()
                .starts_with("Dữ liệu bảo mật (EF.SOD) của thẻ không có DG14 hay DG15"),
            "{:?}",
            v.reason_vi
        );
        assert!(v.reason.unwrap().starts_with("EF.SOD lists neither DG14"));
        // Trust problems and integrity failures still come first.
        let mut c = intact(vec![]);
        c[3].1 = Status::Unverifiable;
        assert_eq!(
            Verdict::from_report(&report(c, true)).kind,
            VerdictKind::OriginUnverified
        );
        let mut c = intact(vec![]);
        c[1].1 = Status::Failed;
        assert_eq!(
            Verdict::from_report(&report(c, true)).kind,
            VerdictKind::DataAltered
        );
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
        // Passed: genuine; not available or not supported: the data only.
        assert_eq!(with(Status::Passed).kind, VerdictKind::Genuine);
        for aa in [Status::NotChecked, Status::Unverifiable] {
            assert_eq!(with(aa).kind, VerdictKind::IntegrityOnly, "{aa:?}");
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
    fn a_failed_chip_authentication_means_a_cloned_chip_and_an_unsupported_one_proves_nothing() {
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
        assert_eq!(v.kind, VerdictKind::IntegrityOnly);
    }
}
