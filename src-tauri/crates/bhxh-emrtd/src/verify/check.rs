//! The vocabulary of every judgement: what was checked ([`Check`]), how it came out
//! ([`Status`]) and why ([`CheckResult`]).
//!
//! Passive authentication, Active Authentication and Chip Authentication each add checks to
//! one list, and [`crate::verify::verdict`] weighs the list. Each check carries its detail twice,
//! in Vietnamese for the counter and in English for the technician ([`CheckResult`]). Keeping the types apart from any
//! one of them means the anti-cloning checks, which the reader runs after passive
//! authentication, are judged by the same rules and shown the same way.

use crate::lds::DgNumber;

/// What a check is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Check {
    /// EF.SOD could be parsed.
    SodStructure,
    /// The hash of one data group matches EF.SOD.
    DataGroupHash(DgNumber),
    /// The signed attributes (content type, message digest) match the LDS security object.
    SignedAttributes,
    /// The SOD signature verifies with the Document Signer certificate.
    SodSignature,
    /// The Document Signer certificate is valid at the checked time.
    DsCertificateValidity,
    /// The Document Signer certificate was issued by a trusted CSCA.
    CscaTrust,
    /// The CSCA certificate is valid at the checked time.
    CscaCertificateValidity,
    /// The Document Signer certificate is not revoked: the CSCA's current CRL does not list
    /// it (failed: listed, or the newest CRL is overdue; not checked: no CRL of that CSCA).
    DsRevocation,
    /// Active Authentication: the chip holds the private key of DG15 (not a copy). Added by
    /// [`crate::reader`] after passive authentication; see [`crate::verify::active`].
    ActiveAuthentication,
    /// Chip Authentication: the chip holds the private key of DG14's key (not a copy), and
    /// the session continued under the keys it agreed. See [`crate::protocol::chip_auth`].
    ChipAuthentication,
}

impl Check {
    /// A short Vietnamese label for the counter.
    pub fn label_vi(self) -> String {
        match self {
            Self::SodStructure => "Đọc dữ liệu bảo mật (EF.SOD)".into(),
            Self::DataGroupHash(n) => format!("Toàn vẹn dữ liệu {n}"),
            Self::SignedAttributes => "Thuộc tính chữ ký".into(),
            Self::SodSignature => "Chữ ký số của cơ quan cấp thẻ".into(),
            Self::DsCertificateValidity => "Hiệu lực chứng thư ký (DS)".into(),
            Self::CscaTrust => "Nguồn gốc chứng thư (CSCA)".into(),
            Self::CscaCertificateValidity => "Hiệu lực chứng thư gốc (CSCA)".into(),
            Self::DsRevocation => "Thu hồi chứng thư ký (DS)".into(),
            Self::ActiveAuthentication => "Xác thực chủ động (chống sao chép chip)".into(),
            Self::ChipAuthentication => "Xác thực chip (chống sao chép chip)".into(),
        }
    }

    /// Whether this check proves the chip is not a copy (a failure: a cloned chip; not
    /// checkable: says nothing about the data's signer).
    pub fn is_anti_cloning(self) -> bool {
        matches!(self, Self::ActiveAuthentication | Self::ChipAuthentication)
    }

    /// Whether a failure of this check means the signer cannot be trusted (as opposed to: the
    /// data was altered, or a certificate is out of its validity period).
    pub fn is_trust(self) -> bool {
        matches!(self, Self::CscaTrust | Self::DsRevocation)
    }

    /// Whether a failure of this check means the data was altered (as opposed to: its origin
    /// could not be established).
    pub fn is_integrity(self) -> bool {
        matches!(
            self,
            Self::DataGroupHash(_) | Self::SignedAttributes | Self::SodSignature
        )
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Checked and correct.
    Passed,
    /// Checked and wrong: evidence against the document.
    Failed,
    /// Could not be checked (unsupported algorithm, missing certificate or CSCA).
    Unverifiable,
    /// Deliberately not checked (e.g. a data group that was not read).
    NotChecked,
}

/// One check with its outcome, said twice: for the counter officer and for the technician.
///
/// The two texts are not translations of each other. [`Self::detail_vi`] says what the outcome
/// means for the card in plain Vietnamese ("DG13 khác với dữ liệu cơ quan cấp thẻ đã ký"); the
/// officer reads it in the window. [`Self::detail_en`] is the evidence in the standards'
/// English terms — hashes, OIDs, certificate names, status words — for the log, a support
/// request or a bug report, where a translation would only get in the way of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// What was checked.
    pub check: Check,
    /// The outcome.
    pub status: Status,
    /// What the outcome means, in Vietnamese, for the counter officer.
    pub detail_vi: String,
    /// The technical detail, in English: what was compared or why it failed.
    pub detail_en: String,
}

impl CheckResult {
    /// A check with both texts.
    pub fn new(
        check: Check,
        status: Status,
        detail_vi: impl Into<String>,
        detail_en: impl Into<String>,
    ) -> Self {
        Self {
            check,
            status,
            detail_vi: detail_vi.into(),
            detail_en: detail_en.into(),
        }
    }
}

impl Status {
    /// A one-character mark and a Vietnamese word for the status.
    pub fn label_vi(self) -> (&'static str, &'static str) {
        match self {
            Status::Passed => ("✓", "Đạt"),
            Status::Failed => ("✗", "Không đạt"),
            Status::Unverifiable => ("?", "Không kiểm tra được"),
            Status::NotChecked => ("–", "Không kiểm tra"),
        }
    }
}
