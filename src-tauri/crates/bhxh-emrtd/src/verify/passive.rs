//! Passive authentication (ICAO 9303-11 §5.1): is the data read from the chip the data the
//! issuing state signed, and is the signer one we trust?
//!
//! Every step becomes a [`CheckResult`] naming what was checked and, on failure, exactly what
//! failed (which data group, which certificate, why). [`crate::verify::verdict`] turns the list
//! into one answer for the counter.
//!
//! Architecture invariant: this module never reads the card; it judges bytes it is handed, so
//! it is tested entirely with generated documents.

use crate::crypto::weierstrass::CurveError;
use crate::crypto::{HashAlgorithm, SignatureError, verify_signature};
use crate::lds::DgNumber;
use crate::lds::sod::StoredCertificate;
use crate::lds::sod::{OID_LDS_SECURITY_OBJECT, Sod, parse_sod};
use crate::protocol::read_binary::Unavailable;
use crate::verify::presence::withheld_group_check;
use crate::verify::trust::{
    ChainError, Revocation, TrustStore, TrustedCrl, Validity, format_date_vi, format_utc,
    validity_at,
};
use crate::verify::{Check, CheckResult, Status};
use std::collections::BTreeMap;
use std::time::SystemTime;

/// All checks of one passive authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassiveAuthReport {
    /// The checks, in the order performed.
    pub checks: Vec<CheckResult>,
    /// The parsed SOD, when it parsed.
    pub sod: Option<Sod>,
}

impl PassiveAuthReport {
    /// The result of `check`, if it was performed.
    pub fn get(&self, check: Check) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.check == check)
    }
}

fn push(
    out: &mut Vec<CheckResult>,
    check: Check,
    status: Status,
    vi: impl Into<String>,
    en: impl Into<String>,
) {
    out.push(CheckResult::new(check, status, vi, en));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn signature_status(e: &SignatureError) -> Status {
    match e {
        SignatureError::Mismatch { .. }
        | SignatureError::MalformedSignature { .. }
        | SignatureError::Curve(CurveError::BadSignature | CurveError::MalformedSignature(_)) => {
            Status::Failed
        }
        _ => Status::Unverifiable,
    }
}

/// A certificate's validity at `at`; `who` names it in English, `who_vi` in Vietnamese.
fn validity_check(
    out: &mut Vec<CheckResult>,
    check: Check,
    (who_vi, who): (&str, &str),
    v: Validity,
    at: SystemTime,
) {
    let at_secs = at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    match v {
        Validity::Valid => push(
            out,
            check,
            Status::Passed,
            format!("{who_vi} còn hiệu lực ngày {}.", format_date_vi(at_secs)),
            format!("{who} is valid on {}", format_utc(at_secs)),
        ),
        Validity::NotYetValid { not_before } => push(
            out,
            check,
            Status::Failed,
            format!(
                "{who_vi} chưa có hiệu lực: hiệu lực từ ngày {} (kiểm tra ngày {}). Kiểm tra đồng hồ của máy tính.",
                format_date_vi(not_before),
                format_date_vi(at_secs)
            ),
            format!(
                "{who} is not valid before {} (checked at {})",
                format_utc(not_before),
                format_utc(at_secs)
            ),
        ),
        Validity::Expired { not_after } => push(
            out,
            check,
            Status::Failed,
            format!(
                "{who_vi} đã hết hạn ngày {} (kiểm tra ngày {}).",
                format_date_vi(not_after),
                format_date_vi(at_secs)
            ),
            format!(
                "{who} expired on {} (checked at {})",
                format_utc(not_after),
                format_utc(at_secs)
            ),
        ),
    }
}

/// Runs passive authentication over EF.SOD and the data groups read (DG number → the file's
/// bytes exactly as read), against `trust`, with certificate validity checked at `at`.
///
/// For files at rest: a data group EF.SOD lists that is not in `data_groups` is "not read",
/// not a failure. A chip read says why a file is missing:
/// [`passive_authentication_of_chip`].
pub fn passive_authentication(
    sod_bytes: &[u8],
    data_groups: &BTreeMap<DgNumber, Vec<u8>>,
    trust: &TrustStore,
    at: SystemTime,
) -> PassiveAuthReport {
    passive_authentication_of_chip(sod_bytes, data_groups, &BTreeMap::new(), trust, at)
}

/// Passive authentication of what a chip returned: as [`passive_authentication`], with
/// `withheld` the data groups the chip answered `6A82` (absent) or `6982` (protected) for.
/// A group EF.SOD lists and the chip withheld fails, except DG3/DG4 protected by Extended
/// Access Control (see [`crate::verify::presence`]).
pub fn passive_authentication_of_chip(
    sod_bytes: &[u8],
    data_groups: &BTreeMap<DgNumber, Vec<u8>>,
    withheld: &BTreeMap<DgNumber, Unavailable>,
    trust: &TrustStore,
    at: SystemTime,
) -> PassiveAuthReport {
    let mut out = Vec::new();
    let sod = match parse_sod(sod_bytes) {
        Ok(sod) => sod,
        Err(e) => {
            push(
                &mut out,
                Check::SodStructure,
                Status::Failed,
                "Không đọc được dữ liệu bảo mật (EF.SOD) của chip: tệp hỏng hoặc không đúng định dạng.",
                e.to_string(),
            );
            return PassiveAuthReport {
                checks: out,
                sod: None,
            };
        }
    };
    let signers = if sod.signer_count == 1 {
        String::new()
    } else {
        format!("; {} signer infos, the first is used", sod.signer_count)
    };
    let listed = sod
        .lds
        .dg_hashes
        .keys()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    push(
        &mut out,
        Check::SodStructure,
        Status::Passed,
        format!("Đọc được dữ liệu bảo mật (EF.SOD): có giá trị băm của {listed}."),
        format!(
            "LDSSecurityObject v{}, {} ({}), hashes for {listed}{signers}",
            sod.lds.version,
            sod.lds
                .hash_algorithm
                .map_or("unsupported hash", HashAlgorithm::name),
            sod.lds.hash_algorithm_oid,
        ),
    );

    check_data_groups(&mut out, &sod, data_groups, withheld);
    check_signed_attributes(&mut out, &sod);

    // The SOD signature.
    let digest_hint = HashAlgorithm::from_oid(&sod.signer.digest_algorithm.oid);
    let ds = sod.signer_certificate();
    match ds {
        None => push(
            &mut out,
            Check::SodSignature,
            Status::Unverifiable,
            "Không kiểm tra được chữ ký số: dữ liệu bảo mật không kèm chứng thư ký (DS) của người ký.",
            format!(
                "EF.SOD carries {} certificate(s), none matching the signer identifier",
                sod.certificates.len()
            ),
        ),
        Some(ds) => {
            let signed = sod
                .signer
                .signed_attrs_der
                .as_deref()
                .unwrap_or(&sod.econtent);
            let spki = ds.certificate.tbs_certificate().subject_public_key_info();
            match verify_signature(
                spki,
                &sod.signer.signature_algorithm,
                digest_hint,
                signed,
                &sod.signer.signature,
            ) {
                Ok(how) => push(
                    &mut out,
                    Check::SodSignature,
                    Status::Passed,
                    "Chữ ký số của cơ quan cấp thẻ trên dữ liệu bảo mật hợp lệ.",
                    format!(
                        "{how}; Document Signer \"{}\" (serial {})",
                        ds.subject(),
                        ds.serial()
                    ),
                ),
                Err(e) => {
                    let status = signature_status(&e);
                    let vi = if status == Status::Failed {
                        "Chữ ký số không khớp với dữ liệu bảo mật: dữ liệu đã bị thay đổi hoặc bị giả mạo."
                    } else {
                        "Không kiểm tra được chữ ký số: thuật toán hoặc khóa của chứng thư ký (DS) chưa được hỗ trợ."
                    };
                    push(
                        &mut out,
                        Check::SodSignature,
                        status,
                        vi,
                        format!(
                            "Document Signer \"{}\" (serial {}): {e}",
                            ds.subject(),
                            ds.serial()
                        ),
                    );
                }
            }
        }
    }

    // The certificate chain.
    if let Some(ds) = ds {
        let who = format!("Document Signer certificate \"{}\"", ds.subject());
        validity_check(
            &mut out,
            Check::DsCertificateValidity,
            ("Chứng thư ký (DS)", &who),
            validity_at(ds, at),
            at,
        );
        let chain = trust.verify_chain(ds, at);
        match chain.issuer {
            Ok(issuer) => {
                push(
                    &mut out,
                    Check::CscaTrust,
                    Status::Passed,
                    format!(
                        "Chứng thư ký được cấp bởi chứng thư gốc \"{}\" có trong kho chứng thư gốc (CSCA) của đơn vị.",
                        issuer.anchor.cert.subject()
                    ),
                    format!(
                        "issued by CSCA \"{}\" from {}; {}",
                        issuer.anchor.cert.subject(),
                        issuer.anchor.source,
                        issuer.signature
                    ),
                );
                let who = format!("CSCA certificate \"{}\"", issuer.anchor.cert.subject());
                validity_check(
                    &mut out,
                    Check::CscaCertificateValidity,
                    ("Chứng thư gốc (CSCA)", &who),
                    issuer.validity,
                    at,
                );
                out.push(revocation_check(ds, &trust.revocation(ds, at)));
            }
            Err(e) => {
                let ds_vi = ds_named_vi(ds);
                let (status, vi) = match &e {
                    ChainError::NoIssuer { .. } => (
                        Status::Unverifiable,
                        format!(
                            "Kho chứng thư gốc (CSCA) của đơn vị không có chứng thư đã cấp {ds_vi}: chưa kiểm chứng được cơ quan cấp thẻ."
                        ),
                    ),
                    ChainError::BadSignature { mismatch: true, .. }
                    | ChainError::AlgorithmMismatch { .. } => (
                        Status::Failed,
                        format!(
                            "{} không được cấp bởi chứng thư gốc (CSCA) cùng tên trong kho: chữ ký trên chứng thư ký không khớp.",
                            capitalize(&ds_vi)
                        ),
                    ),
                    ChainError::BadSignature {
                        mismatch: false, ..
                    } => (
                        Status::Unverifiable,
                        format!(
                            "Không kiểm tra được chữ ký của chứng thư gốc (CSCA) trên {ds_vi}: thuật toán chưa được hỗ trợ."
                        ),
                    ),
                };
                push(
                    &mut out,
                    Check::CscaTrust,
                    status,
                    vi,
                    format!("{who} (serial {}): {e}", ds.serial()),
                );
            }
        }
    }

    PassiveAuthReport {
        checks: out,
        sod: Some(sod),
    }
}

/// The Document Signer certificate named for the counter: `chứng thư ký (DS) "CN=…" (số
/// sê-ri 10:01)`.
fn ds_named_vi(ds: &StoredCertificate) -> String {
    format!(
        "chứng thư ký (DS) \"{}\" (số sê-ri {})",
        ds.subject(),
        ds.serial()
    )
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The revocation check of `ds` (whose chain to a CSCA verified).
fn revocation_check(ds: &StoredCertificate, r: &Revocation) -> CheckResult {
    let check = Check::DsRevocation;
    let ds_vi = ds_named_vi(ds);
    let ds_en = format!(
        "Document Signer \"{}\" (serial {})",
        ds.subject(),
        ds.serial()
    );
    let crl_en = |c: &TrustedCrl| {
        format!(
            "CRL of \"{}\" from {} (thisUpdate {}, nextUpdate {}{}; {})",
            c.csca,
            c.source,
            format_utc(c.crl.this_update()),
            c.crl.next_update().map_or("none".into(), format_utc),
            c.crl
                .number()
                .map(|n| format!(", number {n}"))
                .unwrap_or_default(),
            c.signature
        )
    };
    match r {
        Revocation::NotRevoked { crl } => CheckResult::new(
            check,
            Status::Passed,
            format!(
                "{} không có trong danh sách thu hồi (CRL) của chứng thư gốc, cập nhật ngày {}.",
                capitalize(&ds_vi),
                format_date_vi(crl.crl.this_update())
            ),
            format!("{ds_en} is not on the {}", crl_en(crl)),
        ),
        Revocation::Revoked { entry, crl } => CheckResult::new(
            check,
            Status::Failed,
            format!(
                "{} đã bị cơ quan cấp thẻ thu hồi từ ngày {}{}: không tin cậy dữ liệu do chứng thư này ký.",
                capitalize(&ds_vi),
                format_date_vi(entry.revoked_at),
                entry
                    .reason_vi()
                    .map(|r| format!(" (lý do: {r})"))
                    .unwrap_or_default()
            ),
            format!(
                "{ds_en} was revoked on {}{} according to the {}",
                format_utc(entry.revoked_at),
                entry
                    .reason_name()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default(),
                crl_en(crl)
            ),
        ),
        Revocation::Overdue { crl } => CheckResult::new(
            check,
            Status::Failed,
            format!(
                "Danh sách thu hồi (CRL) của chứng thư gốc \"{}\" đã quá hạn cập nhật (hạn ngày {}): không biết {} có bị thu hồi sau ngày {} hay không. Cập nhật kho chứng thư.",
                crl.csca,
                crl.crl.next_update().map_or("?".into(), format_date_vi),
                ds_vi,
                format_date_vi(crl.crl.this_update())
            ),
            format!(
                "the newest {} is overdue: {ds_en} is not on it, but revocations since are unknown",
                crl_en(crl)
            ),
        ),
        Revocation::NoCrl => CheckResult::new(
            check,
            Status::NotChecked,
            format!(
                "Kho chứng thư chưa có danh sách thu hồi (CRL) của chứng thư gốc đã cấp {ds_vi}: chưa kiểm tra được chứng thư này có bị thu hồi hay không."
            ),
            format!(
                "no CRL of \"{}\" in the trust store: {ds_en} not checked for revocation",
                ds.issuer()
            ),
        ),
    }
}

fn check_data_groups(
    out: &mut Vec<CheckResult>,
    sod: &Sod,
    data_groups: &BTreeMap<DgNumber, Vec<u8>>,
    withheld: &BTreeMap<DgNumber, Unavailable>,
) {
    let hash = sod.lds.hash_algorithm;
    let mut numbers: Vec<DgNumber> = sod.lds.dg_hashes.keys().copied().collect();
    numbers.extend(data_groups.keys().copied());
    numbers.sort();
    numbers.dedup();
    for n in numbers {
        let check = Check::DataGroupHash(n);
        match (sod.lds.dg_hashes.get(&n), data_groups.get(&n)) {
            (Some(_), None) => match withheld.get(&n) {
                Some(why) => out.push(withheld_group_check(n, *why)),
                None => push(
                    out,
                    check,
                    Status::NotChecked,
                    format!("{n} có trong dữ liệu bảo mật nhưng không được đọc."),
                    format!("{n} is listed in EF.SOD but was not read"),
                ),
            },
            (None, Some(_)) => push(
                out,
                check,
                Status::Failed,
                format!(
                    "{n} đọc được từ chip nhưng không có trong dữ liệu bảo mật: cơ quan cấp thẻ không ký nhóm dữ liệu này."
                ),
                format!("{n} was read from the chip but EF.SOD lists no hash for it"),
            ),
            (Some(expected), Some(bytes)) => match hash {
                None => push(
                    out,
                    check,
                    Status::Unverifiable,
                    format!("Không kiểm tra được {n}: thuật toán băm chưa được hỗ trợ."),
                    format!(
                        "{n}: unsupported hash algorithm {}",
                        sod.lds.hash_algorithm_oid
                    ),
                ),
                Some(h) => {
                    let actual = h.digest(bytes);
                    if actual == *expected {
                        push(
                            out,
                            check,
                            Status::Passed,
                            format!("{n} đúng với dữ liệu cơ quan cấp thẻ đã ký."),
                            format!("{n}: {h} {}", hex(&actual)),
                        );
                    } else {
                        push(
                            out,
                            check,
                            Status::Failed,
                            format!(
                                "{n} đọc từ chip khác với dữ liệu cơ quan cấp thẻ đã ký: dữ liệu đã bị thay đổi."
                            ),
                            format!(
                                "{n}: {h} of the {} bytes read is {}, EF.SOD says {}",
                                bytes.len(),
                                hex(&actual),
                                hex(expected)
                            ),
                        );
                    }
                }
            },
            (None, None) => {}
        }
    }
}

fn check_signed_attributes(out: &mut Vec<CheckResult>, sod: &Sod) {
    let check = Check::SignedAttributes;
    if sod.signer.signed_attrs_der.is_none() {
        push(
            out,
            check,
            Status::Passed,
            "Chữ ký phủ trực tiếp danh sách giá trị băm (không có thuộc tính chữ ký).",
            "no signed attributes: the signature covers the LDSSecurityObject directly",
        );
        return;
    }
    if sod.signer.content_type.as_deref() != Some(OID_LDS_SECURITY_OBJECT) {
        push(
            out,
            check,
            Status::Failed,
            "Thuộc tính chữ ký sai: nội dung được ký không phải danh sách giá trị băm của thẻ.",
            format!(
                "contentType attribute is {}, expected {OID_LDS_SECURITY_OBJECT}",
                sod.signer.content_type.as_deref().unwrap_or("missing")
            ),
        );
        return;
    }
    let Some(h) = HashAlgorithm::from_oid(&sod.signer.digest_algorithm.oid) else {
        push(
            out,
            check,
            Status::Unverifiable,
            "Không kiểm tra được thuộc tính chữ ký: thuật toán băm chưa được hỗ trợ.",
            format!(
                "unsupported signer digest algorithm {}",
                sod.signer.digest_algorithm.oid
            ),
        );
        return;
    };
    let actual = h.digest(&sod.econtent);
    match &sod.signer.message_digest {
        None => push(
            out,
            check,
            Status::Failed,
            "Thuộc tính chữ ký thiếu giá trị băm của nội dung được ký.",
            "messageDigest attribute is missing",
        ),
        Some(md) if *md == actual => push(
            out,
            check,
            Status::Passed,
            "Thuộc tính chữ ký khớp với danh sách giá trị băm.",
            format!("messageDigest matches the {h} of the LDSSecurityObject"),
        ),
        Some(md) => push(
            out,
            check,
            Status::Failed,
            "Thuộc tính chữ ký không khớp với danh sách giá trị băm: dữ liệu bảo mật đã bị thay đổi.",
            format!(
                "messageDigest is {}, but the {h} of the LDSSecurityObject is {}",
                hex(md),
                hex(&actual)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fixtures::{card_files, inside_validity, sod, trust};
    use crate::verify::verdict::{Verdict, VerdictKind};
    use std::time::Duration;

    fn run(sod_name: &str, dgs: &BTreeMap<DgNumber, Vec<u8>>, store: &str) -> PassiveAuthReport {
        passive_authentication(&sod(sod_name), dgs, &trust(store), inside_validity())
    }

    fn status(report: &PassiveAuthReport, check: Check) -> Status {
        report
            .get(check)
            .unwrap_or_else(|| panic!("{check:?} not performed: {:#?}", report.checks))
            .status
    }

    fn detail(report: &PassiveAuthReport, check: Check) -> &str {
        report.get(check).map_or("", |c| c.detail_en.as_str())
    }

    /// The report with the chip's Active Authentication passed, as the reader adds it: passive
    /// authentication alone proves the data, never the chip.
    fn with_chip_proof(report: &PassiveAuthReport) -> PassiveAuthReport {
        let mut r = report.clone();
        r.checks.push(CheckResult::new(
            Check::ActiveAuthentication,
            Status::Passed,
            "chip ok",
            "chip ok",
        ));
        r
    }

    fn assert_all_passed(report: &PassiveAuthReport) {
        for c in &report.checks {
            let expected = if c.check == Check::DataGroupHash(DgNumber::DG3) {
                Status::NotChecked
            } else {
                Status::Passed
            };
            assert_eq!(c.status, expected, "{c:?}");
        }
    }

    #[test]
    fn trust_directory_loads_pem_and_der() {
        let store = trust("trust");
        let mut subjects: Vec<String> = store.anchors().iter().map(|a| a.cert.subject()).collect();
        subjects.sort();
        assert_eq!(subjects.len(), 2);
        assert!(subjects[0].contains("Test CSCA RSA-PSS"), "{subjects:?}");
        assert!(
            subjects[1].contains("Test CSCA brainpoolP512r1"),
            "{subjects:?}"
        );
    }

    #[test]
    fn genuine_card_p256_signer_under_explicit_brainpool_p512_csca() {
        let report = run("sod-p256.cms", &card_files(), "trust");
        assert_all_passed(&report);
        assert!(detail(&report, Check::SodSignature).contains("ECDSA with SHA-256 on P-256"));
        assert!(
            detail(&report, Check::CscaTrust)
                .contains("ECDSA with SHA-512 on brainpoolP512r1 (explicit parameters)"),
            "{}",
            detail(&report, Check::CscaTrust)
        );
        assert!(detail(&report, Check::DataGroupHash(DgNumber::DG3)).contains("not read"));
        let sod = report.sod.as_ref().unwrap();
        assert_eq!(sod.lds.hash_algorithm, Some(HashAlgorithm::Sha256));
        assert_eq!(sod.lds.dg_hashes.len(), 6);
        assert_eq!(sod.signer_count, 1);

        // The files alone: intact data, but nothing proves the chip.
        let verdict = Verdict::from_report(&report);
        assert_eq!(verdict.kind, VerdictKind::IntegrityOnly);
        assert_eq!(
            verdict.headline,
            "Dữ liệu toàn vẹn – chưa xác minh được chip"
        );
        assert_eq!(
            verdict.reason.as_deref(),
            Some("no anti-cloning check (Active or Chip Authentication) was run")
        );
        // With the chip's proof: genuine.
        let verdict = Verdict::from_report(&with_chip_proof(&report));
        assert_eq!(verdict.kind, VerdictKind::Genuine);
        assert_eq!(verdict.headline, "Thẻ thật – dữ liệu toàn vẹn");
        assert_eq!(verdict.reason, None);
        assert_eq!(verdict.reason_vi, None);

        // Every check is said in Vietnamese for the counter, the evidence in English below it.
        assert!(report.checks.iter().all(|c| !c.detail_vi.is_empty()));
        let text = verdict.render_text();
        assert!(
            text.contains(
                "✓ Toàn vẹn dữ liệu DG13 — Đạt: DG13 đúng với dữ liệu cơ quan cấp thẻ đã ký.\n    DG13: SHA-256 "
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "✓ Hiệu lực chứng thư ký (DS) — Đạt: Chứng thư ký (DS) còn hiệu lực ngày "
            ),
            "{text}"
        );
    }

    #[test]
    fn genuine_card_rsa_pss_and_pkcs1_signers_with_negative_serial() {
        for name in ["sod-rsa-pss.cms", "sod-rsa-pkcs1.cms"] {
            let report = run(name, &card_files(), "trust");
            assert_all_passed(&report);
            assert_eq!(
                Verdict::from_report(&report).kind,
                VerdictKind::IntegrityOnly
            );
            assert_eq!(
                Verdict::from_report(&with_chip_proof(&report)).kind,
                VerdictKind::Genuine
            );
            let sig = detail(&report, Check::SodSignature);
            if name.contains("pss") {
                assert!(
                    sig.contains("RSASSA-PSS with SHA-256 (salt 32), RSA-2048"),
                    "{sig}"
                );
            } else {
                assert!(sig.contains("RSA PKCS#1 v1.5 with SHA-512"), "{sig}");
            }
            let ds = report.sod.as_ref().unwrap().signer_certificate().unwrap();
            assert_eq!(
                ds.certificate.tbs_certificate().serial_number().as_bytes(),
                [0xED, 0xCC],
                "negative serial -4660 kept as stored"
            );
        }
    }

    #[test]
    fn genuine_card_without_signed_attributes_under_rsa_pss_csca() {
        let report = run("sod-p384-noattr-keyid.cms", &card_files(), "trust");
        assert_all_passed(&report);
        assert!(detail(&report, Check::SignedAttributes).contains("no signed attributes"));
        assert!(detail(&report, Check::SodSignature).contains("P-384"));
        assert!(detail(&report, Check::CscaTrust).contains("RSASSA-PSS with SHA-256"));
        assert_eq!(
            Verdict::from_report(&with_chip_proof(&report)).kind,
            VerdictKind::Genuine
        );
    }

    #[test]
    fn altered_data_group_is_named() {
        let mut dgs = card_files();
        let dg13 = dgs.get_mut(&DgNumber::DG13).unwrap();
        let pos = dg13.windows(4).position(|w| w == b"1993").unwrap();
        dg13[pos + 3] = b'4'; // born a year later
        let report = run("sod-p256.cms", &dgs, "trust");
        assert_eq!(
            status(&report, Check::DataGroupHash(DgNumber::DG13)),
            Status::Failed
        );
        assert_eq!(
            status(&report, Check::DataGroupHash(DgNumber::DG1)),
            Status::Passed
        );
        assert_eq!(status(&report, Check::SodSignature), Status::Passed);
        let verdict = Verdict::from_report(&report);
        assert_eq!(verdict.kind, VerdictKind::DataAltered);
        assert_eq!(verdict.headline, "Dữ liệu trên thẻ đã bị thay đổi");
        assert!(verdict.reason.unwrap().starts_with("DG13: SHA-256"));
        assert_eq!(
            verdict.reason_vi.as_deref(),
            Some(
                "DG13 đọc từ chip khác với dữ liệu cơ quan cấp thẻ đã ký: dữ liệu đã bị thay đổi."
            )
        );
    }

    #[test]
    fn data_group_missing_from_sod_is_a_failure() {
        let mut dgs = card_files();
        dgs.insert(DgNumber::new(11).unwrap(), vec![0x6B, 0x00]);
        let report = run("sod-p256.cms", &dgs, "trust");
        assert_eq!(
            status(&report, Check::DataGroupHash(DgNumber::new(11).unwrap())),
            Status::Failed
        );
        assert_eq!(Verdict::from_report(&report).kind, VerdictKind::DataAltered);
    }

    #[test]
    fn altered_signature_and_altered_security_object_are_caught() {
        let store = trust("trust");
        for name in ["sod-p256.cms", "sod-rsa-pss.cms"] {
            let mut bytes = sod(name);
            let last = bytes.len() - 1;
            bytes[last] ^= 0x01;
            let report = passive_authentication(&bytes, &card_files(), &store, inside_validity());
            assert_eq!(
                status(&report, Check::SodSignature),
                Status::Failed,
                "{name}"
            );
            assert!(detail(&report, Check::SodSignature).contains("does not match"));
            assert_eq!(Verdict::from_report(&report).kind, VerdictKind::DataAltered);
        }

        // Change the stored DG1 hash inside the signed LDSSecurityObject.
        let dg1_hash = HashAlgorithm::Sha256.digest(&card_files()[&DgNumber::DG1]);
        let mut bytes = sod("sod-p256.cms");
        let pos = bytes
            .windows(32)
            .position(|w| w == dg1_hash.as_slice())
            .unwrap();
        bytes[pos] ^= 0xFF;
        let report = passive_authentication(&bytes, &card_files(), &store, inside_validity());
        assert_eq!(
            status(&report, Check::DataGroupHash(DgNumber::DG1)),
            Status::Failed
        );
        assert_eq!(status(&report, Check::SignedAttributes), Status::Failed);
        assert!(detail(&report, Check::SignedAttributes).contains("messageDigest is"));
        assert_eq!(Verdict::from_report(&report).kind, VerdictKind::DataAltered);

        // Same change without signed attributes: the signature itself fails.
        let dg1_hash = HashAlgorithm::Sha256.digest(&card_files()[&DgNumber::DG1]);
        let mut bytes = sod("sod-p384-noattr-keyid.cms");
        let pos = bytes
            .windows(32)
            .position(|w| w == dg1_hash.as_slice())
            .unwrap();
        bytes[pos] ^= 0xFF;
        let report = passive_authentication(&bytes, &card_files(), &store, inside_validity());
        assert_eq!(status(&report, Check::SodSignature), Status::Failed);
    }

    #[test]
    fn unknown_csca_means_origin_unverified() {
        let report = run("sod-unknown.cms", &card_files(), "trust");
        assert_eq!(status(&report, Check::SodSignature), Status::Passed);
        assert_eq!(status(&report, Check::CscaTrust), Status::Unverifiable);
        assert!(detail(&report, Check::CscaTrust).contains("Unknown CSCA"));
        let verdict = Verdict::from_report(&report);
        assert_eq!(verdict.kind, VerdictKind::OriginUnverified);
        assert_eq!(verdict.headline, "Không xác thực được nguồn gốc thẻ");
        // The signer is named, for the counter and the technician.
        let c = report.get(Check::CscaTrust).unwrap();
        assert!(
            c.detail_vi.contains(
                "chứng thư ký (DS) \"CN=Test Document Signer ds-unknown,O=Test Issuer,C=VN\" (số sê-ri 10:04)"
            ),
            "{}",
            c.detail_vi
        );
        assert!(c.detail_en.contains("(serial 10:04)"), "{}", c.detail_en);
        // No revocation check without a trusted chain.
        assert!(report.get(Check::DsRevocation).is_none());
        assert!(
            verdict
                .reason_vi
                .as_deref()
                .is_some_and(|r| r.contains("Kho chứng thư gốc (CSCA)")),
            "{:?}",
            verdict.reason_vi
        );

        let empty = passive_authentication(
            &sod("sod-p256.cms"),
            &card_files(),
            &TrustStore::new(),
            inside_validity(),
        );
        assert_eq!(
            Verdict::from_report(&empty).kind,
            VerdictKind::OriginUnverified
        );
    }

    #[test]
    fn impostor_csca_with_the_right_name_is_rejected() {
        // ds-rsa has no authority key identifier, so the impostor is tried and fails.
        let report = run("sod-rsa-pss.cms", &card_files(), "trust-impostor");
        assert_eq!(status(&report, Check::CscaTrust), Status::Failed);
        assert!(detail(&report, Check::CscaTrust).contains("does not verify"));
        assert_eq!(
            Verdict::from_report(&report).kind,
            VerdictKind::OriginUnverified
        );
        // ds-p256 names its CSCA's key id, so the impostor is not even a candidate.
        let report = run("sod-p256.cms", &card_files(), "trust-impostor");
        assert_eq!(status(&report, Check::CscaTrust), Status::Unverifiable);
    }

    #[test]
    fn expired_and_not_yet_valid_certificates() {
        let store = cscas_only();
        let late = inside_validity() + Duration::from_secs(20 * 366 * 86_400);
        let report = passive_authentication(&sod("sod-p256.cms"), &card_files(), &store, late);
        assert_eq!(
            status(&report, Check::DsCertificateValidity),
            Status::Failed
        );
        assert!(detail(&report, Check::DsCertificateValidity).contains("expired on"));
        let ds = report.get(Check::DsCertificateValidity).unwrap();
        assert!(ds.detail_vi.contains("đã hết hạn ngày"), "{}", ds.detail_vi);
        assert_eq!(
            status(&report, Check::CscaCertificateValidity),
            Status::Failed
        );
        let verdict = Verdict::from_report(&report);
        assert_eq!(verdict.kind, VerdictKind::CertificateNotValid);

        let early = inside_validity() - Duration::from_secs(10 * 86_400);
        let report = passive_authentication(&sod("sod-p256.cms"), &card_files(), &store, early);
        assert!(detail(&report, Check::DsCertificateValidity).contains("not valid before"));

        // Twenty years on, the CSCA's CRL is overdue too: a trust failure, which outranks
        // the expired certificates.
        let report =
            passive_authentication(&sod("sod-p256.cms"), &card_files(), &trust("trust"), late);
        assert_eq!(status(&report, Check::DsRevocation), Status::Failed);
        assert_eq!(
            Verdict::from_report(&report).kind,
            VerdictKind::OriginUnverified
        );
    }

    /// The two test CSCAs without any CRL.
    fn cscas_only() -> TrustStore {
        let mut store = TrustStore::new();
        for f in ["pki/trust/csca-bp512.pem", "pki/trust/csca-rsa.der"] {
            store
                .add_file(&crate::testing::fixtures::testdata(f))
                .unwrap();
        }
        store
    }

    #[test]
    fn a_current_crl_that_does_not_list_the_signer_passes() {
        let report = run("sod-p256.cms", &card_files(), "trust");
        let c = report.get(Check::DsRevocation).unwrap();
        assert_eq!(c.status, Status::Passed);
        assert!(
            c.detail_vi.starts_with(
                "Chứng thư ký (DS) \"CN=Test Document Signer ds-p256,O=Test Issuer,C=VN\" (số sê-ri 10:01) không có trong danh sách thu hồi (CRL)"
            ),
            "{}",
            c.detail_vi
        );
        assert!(
            c.detail_en.contains(
                "is not on the CRL of \"CN=Test CSCA brainpoolP512r1,O=Test Issuer,C=VN\""
            ) && c.detail_en.contains("number 1000"),
            "{}",
            c.detail_en
        );
        // The RSA-PSS CSCA's CRL is DER, signed with RSASSA-PSS.
        let report = run("sod-p384-noattr-keyid.cms", &card_files(), "trust");
        let c = report.get(Check::DsRevocation).unwrap();
        assert_eq!(c.status, Status::Passed, "{}", c.detail_en);
        assert!(c.detail_en.contains("RSASSA-PSS"), "{}", c.detail_en);
    }

    #[test]
    fn a_revoked_document_signer_fails_the_trust_check_naming_it() {
        let report = run("sod-p256.cms", &card_files(), "trust-revoked");
        let c = report.get(Check::DsRevocation).unwrap();
        assert_eq!(c.status, Status::Failed);
        assert!(c.check.is_trust());
        assert!(
            c.detail_vi.starts_with(
                "Chứng thư ký (DS) \"CN=Test Document Signer ds-p256,O=Test Issuer,C=VN\" (số sê-ri 10:01) đã bị cơ quan cấp thẻ thu hồi từ ngày "
            ) && c.detail_vi.contains("(lý do: lộ khóa bí mật)"),
            "{}",
            c.detail_vi
        );
        assert!(
            c.detail_en.contains("(serial 10:01) was revoked on ")
                && c.detail_en.contains("(keyCompromise)"),
            "{}",
            c.detail_en
        );
        // Everything else holds: the signature, the chain, the data. Still not genuine.
        assert_eq!(status(&report, Check::SodSignature), Status::Passed);
        assert_eq!(status(&report, Check::CscaTrust), Status::Passed);
        let verdict = Verdict::from_report(&with_chip_proof(&report));
        assert_eq!(verdict.kind, VerdictKind::OriginUnverified);
        assert_eq!(verdict.reason_vi.as_deref(), Some(c.detail_vi.as_str()));
        // Another signer of the same CSCA is not revoked.
        let report = run("sod-rsa-pss.cms", &card_files(), "trust-revoked");
        assert_eq!(status(&report, Check::DsRevocation), Status::Passed);
    }

    #[test]
    fn an_overdue_crl_fails_the_trust_check() {
        let report = run("sod-p256.cms", &card_files(), "trust-overdue");
        let c = report.get(Check::DsRevocation).unwrap();
        assert_eq!(c.status, Status::Failed);
        assert!(
            c.detail_vi.starts_with(
                "Danh sách thu hồi (CRL) của chứng thư gốc \"CN=Test CSCA brainpoolP512r1,O=Test Issuer,C=VN\" đã quá hạn cập nhật"
            ) && c.detail_vi.contains("(số sê-ri 10:01)")
                && c.detail_vi.ends_with("Cập nhật kho chứng thư."),
            "{}",
            c.detail_vi
        );
        assert!(c.detail_en.contains("is overdue"), "{}", c.detail_en);
        assert_eq!(
            Verdict::from_report(&with_chip_proof(&report)).kind,
            VerdictKind::OriginUnverified
        );
        // The other CSCA's CRL is current.
        let report = run("sod-p384-noattr-keyid.cms", &card_files(), "trust-overdue");
        assert_eq!(status(&report, Check::DsRevocation), Status::Passed);
    }

    #[test]
    fn a_store_without_crls_says_revocation_was_not_checked() {
        let report = passive_authentication(
            &sod("sod-p256.cms"),
            &card_files(),
            &cscas_only(),
            inside_validity(),
        );
        let c = report.get(Check::DsRevocation).unwrap();
        assert_eq!(c.status, Status::NotChecked);
        assert!(
            c.detail_vi
                .starts_with("Kho chứng thư chưa có danh sách thu hồi (CRL)")
                && c.detail_vi.contains("(số sê-ri 10:01)"),
            "{}",
            c.detail_vi
        );
        // Not evidence against the card: the office's store is incomplete (the window shows
        // it: `TrustStore::age`).
        assert_eq!(
            Verdict::from_report(&with_chip_proof(&report)).kind,
            VerdictKind::Genuine
        );
        assert_eq!(cscas_only().age().crls, 0);
        assert_eq!(cscas_only().age().anchors_without_crl, 2);
    }

    #[test]
    fn unreadable_sod_or_nothing_read_is_incomplete() {
        let report = passive_authentication(
            &[0x77, 0x03, 0x30, 0x01, 0x00],
            &card_files(),
            &trust("trust"),
            inside_validity(),
        );
        assert_eq!(status(&report, Check::SodStructure), Status::Failed);
        assert!(detail(&report, Check::SodStructure).starts_with("EF.SOD:"));
        assert_eq!(Verdict::from_report(&report).kind, VerdictKind::Incomplete);

        let report = run("sod-p256.cms", &BTreeMap::new(), "trust");
        assert_eq!(Verdict::from_report(&report).kind, VerdictKind::Incomplete);
    }

    #[test]
    fn truncated_sods_never_panic() {
        let good = sod("sod-p256.cms");
        let store = trust("trust");
        for len in (0..good.len()).step_by(7) {
            let report =
                passive_authentication(&good[..len], &card_files(), &store, inside_validity());
            assert_ne!(Verdict::from_report(&report).kind, VerdictKind::Genuine);
        }
    }
}
