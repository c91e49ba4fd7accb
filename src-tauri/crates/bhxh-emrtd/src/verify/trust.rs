//! The trust store: Country Signing CA (CSCA) certificates and their certificate revocation
//! lists (CRLs), and verification of a Document Signer (DS) certificate against them.
//!
//! Certificates are loaded from a directory of PEM (one or more `CERTIFICATE` blocks) or DER
//! files, and from ICAO master lists (CMS `SignedData` with a `CscaMasterList`). The master
//! list's own signature is **not** checked here: whoever fills the directory vouches for its
//! content.
//!
//! CRLs come from the same directory: PEM `X509 CRL` blocks, DER files (the `.crl` files that
//! issuing states publish), the `crls` field of a master list's `SignedData`, and the ICAO
//! PKD's LDIF downloads (`certificateRevocationList;binary` and `CscaMasterListData` values;
//! the Document Signer certificates in them, `userCertificate;binary`, are not trust anchors and
//! are skipped). A CRL counts only once a CSCA in the store with its issuer's name (and
//! key identifier) verifies its signature; one that none verifies is reported and ignored, as is
//! one with a critical extension this crate does not process (a delta CRL). For a DS
//! certificate, [`TrustStore::revocation`] says: revoked (on a CRL of its CSCA), the newest CRL
//! of its CSCA overdue (`nextUpdate` passed: revocations since are unknown), not revoked, or no
//! CRL of its CSCA at all. [`TrustStore::age`] says how current the store is.
//!
//! Architecture invariant: nothing here reaches the network or the system trust store; CSCAs are
//! not web PKI roots.

use crate::crypto::weierstrass::CurveError;
use crate::crypto::{SignatureError, verify_signature};
use crate::lds::sod::StoredCertificate;
use crate::lds::tlv::TlvReader;
use crate::verify::crl::{RevokedEntry, StoredCrl};
use base64ct::Encoding;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};
use thiserror::Error;

/// `id-icao-cscaMasterList`.
const OID_CSCA_MASTER_LIST: &str = "2.23.136.1.1.2";

/// A problem loading trust material. Loading a directory collects these per file and goes on.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TrustError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {reason}")]
    Io {
        /// The path.
        path: String,
        /// The OS error.
        reason: String,
    },
    /// A file holds no certificate we could decode.
    #[error("{source_name}: {reason}")]
    Decode {
        /// Where the bytes came from.
        source_name: String,
        /// What is wrong.
        reason: String,
    },
    /// A CRL that is not used: no CSCA in the store verifies it, or it has a critical
    /// extension this crate does not process.
    #[error("{source_name}: CRL of \"{issuer}\" ignored: {reason}")]
    Crl {
        /// Where the bytes came from.
        source_name: String,
        /// The CRL's issuer.
        issuer: String,
        /// Why it is not used.
        reason: String,
    },
}

/// A CRL whose signature a CSCA in the store verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedCrl {
    /// The list.
    pub crl: StoredCrl,
    /// The file (or other source) it was loaded from.
    pub source: String,
    /// The subject of the CSCA that verified it.
    pub csca: String,
    /// How its signature was verified.
    pub signature: String,
}

/// What the store says about a Document Signer certificate's revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// The newest CRL of its CSCA is current and does not list it.
    NotRevoked {
        /// That CRL.
        crl: TrustedCrl,
    },
    /// A CRL of its CSCA lists it.
    Revoked {
        /// Its entry: when, and why.
        entry: RevokedEntry,
        /// The CRL that lists it.
        crl: TrustedCrl,
    },
    /// The newest CRL of its CSCA is past its `nextUpdate`: whether the certificate was
    /// revoked since is unknown. (It is not on that CRL.)
    Overdue {
        /// That CRL.
        crl: TrustedCrl,
    },
    /// The store holds no CRL of its CSCA.
    NoCrl,
}

/// How current the trust store is: what the window shows as "Kho chứng thư cập nhật ngày …".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrustAge {
    /// CSCA certificates.
    pub anchors: usize,
    /// CRLs in use (verified by a CSCA of the store).
    pub crls: usize,
    /// CSCAs (by subject) without any CRL in the store.
    pub anchors_without_crl: usize,
    /// The newest `thisUpdate` among the CRLs, seconds since the Unix epoch.
    pub updated: Option<u64>,
    /// The earliest `nextUpdate` among each CSCA's newest CRL: after it, the store is stale.
    pub next_update: Option<u64>,
    /// When the store was loaded from its directory, seconds since the Unix epoch.
    pub loaded_at: Option<u64>,
}

impl TrustAge {
    /// Whether a CRL in use is past its `nextUpdate` at `at`: the store needs the CSCAs' newer
    /// lists.
    pub fn is_stale(&self, at: SystemTime) -> bool {
        self.next_update.is_some_and(|n| unix_secs(at) > n)
    }
}

fn unix_secs(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A trusted CSCA certificate and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustAnchor {
    /// The certificate.
    pub cert: StoredCertificate,
    /// The file (or other source) it was loaded from.
    pub source: String,
}

/// A set of trusted CSCA certificates, and their CRLs.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    anchors: Vec<TrustAnchor>,
    crls: Vec<TrustedCrl>,
    /// CRLs no CSCA of the store has verified (yet), with their source.
    unverified: Vec<(StoredCrl, String)>,
    loaded_at: Option<SystemTime>,
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The anchors, in load order.
    pub fn anchors(&self) -> &[TrustAnchor] {
        &self.anchors
    }

    /// The CRLs in use (each verified by a CSCA of the store), in load order.
    pub fn crls(&self) -> &[TrustedCrl] {
        &self.crls
    }

    /// CRLs that no CSCA of the store verifies (so far): not used. [`Self::load_dir`] reports
    /// them.
    pub fn unverified_crls(&self) -> Vec<TrustError> {
        self.unverified
            .iter()
            .map(|(crl, source)| TrustError::Crl {
                source_name: source.clone(),
                issuer: crl.issuer(),
                reason: "no CSCA certificate in the store verifies its signature".into(),
            })
            .collect()
    }

    /// Adds one DER certificate, one DER CRL, or everything of a DER master list
    /// (certificates, and CRLs in its `crls` field). Returns how many certificates and CRLs
    /// were added.
    pub fn add_der(&mut self, der: &[u8], source: &str) -> Result<usize, TrustError> {
        let cert_err = match StoredCertificate::from_der(der) {
            Ok(cert) => {
                self.push(cert, source);
                return Ok(1);
            }
            Err(e) => e,
        };
        if let Ok(crl) = StoredCrl::from_der(der) {
            self.add_crl(crl, source)?;
            return Ok(1);
        }
        match master_list_contents(der) {
            Some((certs, crls)) if !certs.is_empty() || !crls.is_empty() => {
                let n = certs.len() + crls.len();
                for c in certs {
                    self.push(c, source);
                }
                for crl in crls {
                    self.add_crl(crl, source)?;
                }
                Ok(n)
            }
            _ => Err(TrustError::Decode {
                source_name: source.to_string(),
                reason: format!(
                    "neither a DER certificate, a CRL nor a CSCA master list ({cert_err})"
                ),
            }),
        }
    }

    /// Adds a CRL. It is used once a CSCA of the store verifies it (now, or when that CSCA is
    /// added); a CRL with a critical extension this crate does not process is refused.
    pub fn add_crl(&mut self, crl: StoredCrl, source: &str) -> Result<(), TrustError> {
        if let Some(oid) = crl.unhandled_critical_extension() {
            return Err(TrustError::Crl {
                source_name: source.to_string(),
                issuer: crl.issuer(),
                reason: format!("critical extension {oid} is not supported (a delta CRL?)"),
            });
        }
        let known = |c: &StoredCrl| {
            self.crls.iter().any(|t| t.crl.der == c.der)
                || self.unverified.iter().any(|(u, _)| u.der == c.der)
        };
        if !known(&crl) {
            self.unverified.push((crl, source.to_string()));
            self.settle_crls();
        }
        Ok(())
    }

    /// Moves every unverified CRL that a CSCA of the store verifies into use.
    fn settle_crls(&mut self) {
        let pending = std::mem::take(&mut self.unverified);
        for (crl, source) in pending {
            match self.verify_crl(&crl) {
                Some((csca, signature)) => self.crls.push(TrustedCrl {
                    crl,
                    source,
                    csca,
                    signature,
                }),
                None => self.unverified.push((crl, source)),
            }
        }
    }

    /// The CSCA (subject) whose key verifies `crl`, and how.
    fn verify_crl(&self, crl: &StoredCrl) -> Option<(String, String)> {
        let tbs = &crl.crl.tbs_cert_list;
        if crl.crl.signature_algorithm != tbs.signature {
            return None;
        }
        let aki = crl.authority_key_id();
        self.anchors
            .iter()
            .filter(|a| a.cert.certificate.tbs_certificate().subject() == &tbs.issuer)
            .filter(|a| match (&aki, a.cert.subject_key_id()) {
                (Some(aki), Some(ski)) => *aki == ski,
                _ => true,
            })
            .find_map(|a| {
                verify_signature(
                    a.cert
                        .certificate
                        .tbs_certificate()
                        .subject_public_key_info(),
                    &crl.crl.signature_algorithm,
                    None,
                    &crl.tbs_der,
                    crl.crl.signature.raw_bytes(),
                )
                .ok()
                .map(|how| (a.cert.subject(), how))
            })
    }

    /// Adds every `CERTIFICATE` and `X509 CRL` block of a PEM text. Returns how many were
    /// added.
    pub fn add_pem(&mut self, text: &str, source: &str) -> Result<usize, TrustError> {
        let mut added = 0;
        let mut rest = text;
        while let Some(start) = rest.find("-----BEGIN ") {
            let block_and_more = rest.get(start..).unwrap_or("");
            let Some(end_marker) = block_and_more.find("-----END ") else {
                break;
            };
            let after_end = block_and_more.get(end_marker..).unwrap_or("");
            let close = after_end
                .get(9..)
                .and_then(|s| s.find("-----"))
                .map_or(after_end.len(), |i| i + 9 + 5);
            let block = block_and_more.get(..end_marker + close).unwrap_or("");
            rest = block_and_more.get(end_marker + close..).unwrap_or("");
            let (label, der) =
                der::pem::decode_vec(block.as_bytes()).map_err(|e| TrustError::Decode {
                    source_name: source.to_string(),
                    reason: format!("PEM block {}: {e}", added + 1),
                })?;
            match label {
                "CERTIFICATE" => {
                    let cert =
                        StoredCertificate::from_der(&der).map_err(|e| TrustError::Decode {
                            source_name: source.to_string(),
                            reason: format!("certificate {} does not decode: {e}", added + 1),
                        })?;
                    self.push(cert, source);
                }
                "X509 CRL" => {
                    let crl = StoredCrl::from_der(&der).map_err(|e| TrustError::Decode {
                        source_name: source.to_string(),
                        reason: format!("CRL {} does not decode: {e}", added + 1),
                    })?;
                    self.add_crl(crl, source)?;
                }
                _ => continue,
            }
            added += 1;
        }
        if added == 0 {
            return Err(TrustError::Decode {
                source_name: source.to_string(),
                reason: "no CERTIFICATE or X509 CRL block found".into(),
            });
        }
        Ok(added)
    }

    /// Adds a file: PEM if it contains a PEM header, LDIF if it is one (an ICAO PKD
    /// download), DER otherwise.
    pub fn add_file(&mut self, path: &Path) -> Result<usize, TrustError> {
        let bytes = std::fs::read(path).map_err(|e| TrustError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let source = path.display().to_string();
        match std::str::from_utf8(&bytes) {
            Ok(text) if text.contains("-----BEGIN ") => self.add_pem(text, &source),
            Ok(text) if is_ldif(text) => self.add_ldif(text, &source),
            _ => self.add_der(&bytes, &source),
        }
    }

    /// Adds the CRLs (`certificateRevocationList;binary`) and CSCA master lists
    /// (`CscaMasterListData`) of an LDIF text, as the ICAO PKD distributes them. Document
    /// Signer certificates (`userCertificate;binary`) are skipped: they are not trust anchors.
    /// Returns how many certificates and CRLs were added.
    pub fn add_ldif(&mut self, text: &str, source: &str) -> Result<usize, TrustError> {
        let mut added = 0;
        let mut problems = Vec::new();
        for (i, (name, value)) in ldif_binary_values(text).into_iter().enumerate() {
            let what = match name.to_ascii_lowercase().as_str() {
                "certificaterevocationlist;binary" | "certificaterevocationlist" => "CRL",
                "cscamasterlistdata" => "master list",
                _ => continue,
            };
            let der = match base64ct::Base64::decode_vec(&value) {
                Ok(der) => der,
                Err(e) => {
                    problems.push(format!("value {} ({what}): base64: {e}", i + 1));
                    continue;
                }
            };
            let result = if what == "CRL" {
                StoredCrl::from_der(&der)
                    .map_err(|e| e.to_string())
                    .and_then(|crl| self.add_crl(crl, source).map_err(|e| e.to_string()))
                    .map(|()| 1)
            } else {
                self.add_der(&der, source).map_err(|e| e.to_string())
            };
            match result {
                Ok(n) => added += n,
                Err(e) => problems.push(format!("value {} ({what}): {e}", i + 1)),
            }
        }
        if added == 0 {
            return Err(TrustError::Decode {
                source_name: source.to_string(),
                reason: if problems.is_empty() {
                    "LDIF without a CRL or a CSCA master list".into()
                } else {
                    problems.join("; ")
                },
            });
        }
        Ok(added)
    }

    /// Loads every regular file of `dir` (not recursive), in name order. Files that fail are
    /// reported in the returned list and skipped, as are CRLs that no CSCA of the directory
    /// verifies; only an unreadable directory is an error. The store remembers when it was
    /// loaded ([`TrustAge::loaded_at`]).
    pub fn load_dir(dir: &Path) -> Result<(Self, Vec<TrustError>), TrustError> {
        let entries = std::fs::read_dir(dir).map_err(|e| TrustError::Io {
            path: dir.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut paths: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        let mut store = Self::new();
        let mut problems = Vec::new();
        for p in paths {
            if let Err(e) = store.add_file(&p) {
                problems.push(e);
            }
        }
        problems.extend(store.unverified_crls());
        store.loaded_at = Some(SystemTime::now());
        Ok((store, problems))
    }

    fn push(&mut self, cert: StoredCertificate, source: &str) {
        if !self.anchors.iter().any(|a| a.cert.der == cert.der) {
            self.anchors.push(TrustAnchor {
                cert,
                source: source.to_string(),
            });
            if !self.unverified.is_empty() {
                self.settle_crls();
            }
        }
    }

    /// Whether `ds` is revoked, by the CRLs in use of the CSCA named as its issuer, at `at`
    /// (see [`Revocation`]). A listing on any of them revokes; whether the store is current is
    /// judged by the newest (highest `thisUpdate`).
    pub fn revocation(&self, ds: &StoredCertificate, at: SystemTime) -> Revocation {
        let tbs = ds.certificate.tbs_certificate();
        let mut mine: Vec<&TrustedCrl> = self
            .crls
            .iter()
            .filter(|c| &c.crl.crl.tbs_cert_list.issuer == tbs.issuer())
            .collect();
        mine.sort_by_key(|c| std::cmp::Reverse(c.crl.this_update()));
        let serial = tbs.serial_number().as_bytes();
        if let Some((entry, crl)) = mine
            .iter()
            .find_map(|c| c.crl.entry(serial).map(|e| (e, (*c).clone())))
        {
            return Revocation::Revoked { entry, crl };
        }
        match mine.first() {
            None => Revocation::NoCrl,
            Some(newest) if newest.crl.next_update().is_some_and(|n| unix_secs(at) > n) => {
                Revocation::Overdue {
                    crl: (*newest).clone(),
                }
            }
            Some(newest) => Revocation::NotRevoked {
                crl: (*newest).clone(),
            },
        }
    }

    /// How current the store is (see [`TrustAge`]).
    pub fn age(&self) -> TrustAge {
        // Each CSCA's newest CRL decides when that CSCA's revocations go stale.
        let mut newest: Vec<&TrustedCrl> = Vec::new();
        for c in &self.crls {
            let issuer = &c.crl.crl.tbs_cert_list.issuer;
            match newest
                .iter_mut()
                .find(|n| &n.crl.crl.tbs_cert_list.issuer == issuer)
            {
                Some(n) if n.crl.this_update() < c.crl.this_update() => *n = c,
                Some(_) => {}
                None => newest.push(c),
            }
        }
        let mut subjects: Vec<String> = self.anchors.iter().map(|a| a.cert.subject()).collect();
        subjects.sort();
        subjects.dedup();
        TrustAge {
            anchors: self.anchors.len(),
            crls: self.crls.len(),
            anchors_without_crl: subjects
                .iter()
                .filter(|s| !self.crls.iter().any(|c| &c.crl.issuer() == *s))
                .count(),
            updated: self.crls.iter().map(|c| c.crl.this_update()).max(),
            next_update: newest.iter().filter_map(|c| c.crl.next_update()).min(),
            loaded_at: self.loaded_at.map(unix_secs),
        }
    }

    /// The anchors whose subject is `cert`'s issuer (and whose key id matches its authority key
    /// id, when both are present).
    pub fn candidate_issuers(&self, cert: &StoredCertificate) -> Vec<&TrustAnchor> {
        let tbs = cert.certificate.tbs_certificate();
        let aki = cert.authority_key_id();
        self.anchors
            .iter()
            .filter(|a| a.cert.certificate.tbs_certificate().subject() == tbs.issuer())
            .filter(|a| match (&aki, a.cert.subject_key_id()) {
                (Some(aki), Some(ski)) => *aki == ski,
                _ => true,
            })
            .collect()
    }

    /// Verifies that `ds` was issued by a trusted CSCA and that both are valid at `at`.
    pub fn verify_chain(&self, ds: &StoredCertificate, at: SystemTime) -> ChainResult {
        let ds_validity = validity_at(ds, at);
        let outer = ds.certificate.signature_algorithm();
        let inner = ds.certificate.tbs_certificate().signature();
        if outer != inner {
            return ChainResult {
                ds_validity,
                issuer: Err(ChainError::AlgorithmMismatch {
                    outer: outer.oid.to_string(),
                    inner: inner.oid.to_string(),
                }),
            };
        }
        let candidates = self.candidate_issuers(ds);
        if candidates.is_empty() {
            return ChainResult {
                ds_validity,
                issuer: Err(ChainError::NoIssuer {
                    issuer: ds.issuer(),
                }),
            };
        }
        let mut failures = Vec::new();
        let mut mismatch = false;
        for anchor in &candidates {
            let spki = anchor
                .cert
                .certificate
                .tbs_certificate()
                .subject_public_key_info();
            match verify_signature(
                spki,
                ds.certificate.signature_algorithm(),
                None,
                &ds.tbs_der,
                ds.certificate.signature().raw_bytes(),
            ) {
                Ok(how) => {
                    return ChainResult {
                        ds_validity,
                        issuer: Ok(VerifiedIssuer {
                            anchor: (*anchor).clone(),
                            signature: how,
                            validity: validity_at(&anchor.cert, at),
                        }),
                    };
                }
                Err(e) => {
                    mismatch |= matches!(
                        e,
                        SignatureError::Mismatch { .. }
                            | SignatureError::MalformedSignature { .. }
                            | SignatureError::Curve(
                                CurveError::BadSignature | CurveError::MalformedSignature(_)
                            )
                    );
                    failures.push(format!(
                        "{} ({}): {e}",
                        anchor.cert.subject(),
                        anchor.source
                    ));
                }
            }
        }
        ChainResult {
            ds_validity,
            issuer: Err(ChainError::BadSignature {
                issuer: ds.issuer(),
                details: failures,
                mismatch,
            }),
        }
    }
}

/// Why no trusted issuer was found for a DS certificate.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChainError {
    /// No CSCA in the store has the DS certificate's issuer name.
    #[error("no trusted CSCA certificate with subject \"{issuer}\"")]
    NoIssuer {
        /// The DS certificate's issuer.
        issuer: String,
    },
    /// The certificate's two signature algorithm fields differ (RFC 5280 §4.1.1.2).
    #[error(
        "the DS certificate's signatureAlgorithm ({outer}) differs from its TBS signature field ({inner})"
    )]
    AlgorithmMismatch {
        /// `Certificate.signatureAlgorithm`.
        outer: String,
        /// `TBSCertificate.signature`.
        inner: String,
    },
    /// CSCAs with the right name exist, but none verifies the DS certificate's signature.
    #[error("the DS certificate's signature does not verify with any CSCA named \"{issuer}\": {}", details.join("; "))]
    BadSignature {
        /// The DS certificate's issuer.
        issuer: String,
        /// One line per candidate CSCA.
        details: Vec<String>,
        /// Whether some candidate's key gave a definite "signature does not match" (as opposed
        /// to every candidate using an unsupported algorithm or key).
        mismatch: bool,
    },
}

/// The CSCA that verified a DS certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedIssuer {
    /// The CSCA.
    pub anchor: TrustAnchor,
    /// How the DS certificate's signature was verified.
    pub signature: String,
    /// The CSCA's validity at the checked time.
    pub validity: Validity,
}

/// The outcome of [`TrustStore::verify_chain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainResult {
    /// The DS certificate's validity at the checked time.
    pub ds_validity: Validity,
    /// The verifying CSCA, or why there is none.
    pub issuer: Result<VerifiedIssuer, ChainError>,
}

/// A certificate's validity at a point in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// Within notBefore..=notAfter.
    Valid,
    /// Before notBefore.
    NotYetValid {
        /// notBefore, seconds since the Unix epoch.
        not_before: u64,
    },
    /// After notAfter.
    Expired {
        /// notAfter, seconds since the Unix epoch.
        not_after: u64,
    },
}

/// The validity of `cert` at `at`.
pub fn validity_at(cert: &StoredCertificate, at: SystemTime) -> Validity {
    let v = cert.certificate.tbs_certificate().validity();
    let now = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let nb = v.not_before.to_unix_duration().as_secs();
    let na = v.not_after.to_unix_duration().as_secs();
    if now < nb {
        Validity::NotYetValid { not_before: nb }
    } else if now > na {
        Validity::Expired { not_after: na }
    } else {
        Validity::Valid
    }
}

/// The civil date (year, month, day) of a day count since the epoch (Howard Hinnant's
/// algorithm), for years 1970..9999.
fn civil_from_days(days: u64) -> (i64, i64, i64) {
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Formats seconds since the epoch as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn format_utc(secs: u64) -> String {
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(secs / 86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Formats seconds since the epoch as a Vietnamese date, `DD/MM/YYYY` (the UTC day; the exact
/// time is in the English detail).
pub fn format_date_vi(secs: u64) -> String {
    let (y, m, d) = civil_from_days(secs / 86_400);
    format!("{d:02}/{m:02}/{y:04}")
}

/// Whether `text` is LDIF (RFC 2849): a `version:` line or an entry's `dn:` at the start of a
/// line.
fn is_ldif(text: &str) -> bool {
    text.lines()
        .map(str::trim_start)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| l.starts_with("version:") || l.starts_with("dn:"))
}

/// The base64 attribute values (`name:: value`, folded lines joined) of an LDIF text.
fn ldif_binary_values(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(rest) = line.strip_prefix(' ') {
            // A continuation of the previous line.
            if let Some((_, value)) = current.as_mut() {
                value.push_str(rest.trim_end());
            }
            continue;
        }
        out.extend(current.take());
        if let Some((name, value)) = line.split_once("::") {
            current = Some((name.trim().to_string(), value.trim().to_string()));
        }
    }
    out.extend(current);
    out
}

/// The certificates of a DER CSCA master list, and the CRLs in the `crls` field of its
/// `SignedData`, if `der` is one.
fn master_list_contents(der: &[u8]) -> Option<(Vec<StoredCertificate>, Vec<StoredCrl>)> {
    // ContentInfo { OID, [0] { SignedData { version, digestAlgs, encap { OID, [0] { OCTET
    // STRING { CscaMasterList { version, SET OF Certificate } } } }, certificates [0]?,
    // crls [1]?, signerInfos } } }
    let ci = TlvReader::new(der).expect(0x30).ok()?;
    let sd = ci
        .children()
        .find(0xA0)
        .ok()??
        .children()
        .expect(0x30)
        .ok()?;
    let mut r = sd.children();
    let _version = r.expect(0x02).ok()?;
    let _digests = r.expect(0x31).ok()?;
    let encap = r.expect(0x30).ok()?;
    let mut e = encap.children();
    let oid = e.expect(0x06).ok()?;
    if crate::lds::oid_from_content(oid.value)?.to_string() != OID_CSCA_MASTER_LIST {
        return None;
    }
    let octets = e.expect(0xA0).ok()?.children().expect(0x04).ok()?;
    let list = TlvReader::new(octets.value).expect(0x30).ok()?;
    let mut l = list.children();
    let _v = l.expect(0x02).ok()?;
    let set = l.expect(0x31).ok()?;
    let mut certs = Vec::new();
    for item in set.children() {
        let c = item.ok()?;
        if let Ok(cert) = StoredCertificate::from_der(c.raw) {
            certs.push(cert);
        }
    }
    // RevocationInfoChoices: CertificateList, or [1] other formats (skipped).
    let mut crls = Vec::new();
    for item in r {
        let Ok(t) = item else { break };
        if t.tag.0 == 0xA1 {
            for c in t.children().filter_map(Result::ok) {
                if let Ok(crl) = StoredCrl::from_der(c.raw) {
                    crls.push(crl);
                }
            }
        }
    }
    Some((certs, crls))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(format_utc(1_798_761_599), "2026-12-31 23:59:59 UTC");
        assert_eq!(format_date_vi(951_782_400), "29/02/2000");
        assert_eq!(format_date_vi(1_798_761_599), "31/12/2026");
    }

    use crate::lds::tlv::TlvWriter;
    use crate::testing::fixtures::{testdata, trust};

    fn file(rel: &str) -> Vec<u8> {
        std::fs::read(testdata(rel)).unwrap()
    }

    /// A directory with `files` (name → bytes).
    fn dir_with(files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in files {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        dir
    }

    /// `der` as PEM with `label`.
    fn pem(label: &str, der: &[u8]) -> Vec<u8> {
        der::pem::encode_string(label, der::pem::LineEnding::LF, der)
            .unwrap()
            .into_bytes()
    }

    fn ds(name: &str) -> StoredCertificate {
        let mut s = TrustStore::new();
        s.add_pem(
            &String::from_utf8(file(&format!("pki/{name}.pem"))).unwrap(),
            name,
        )
        .unwrap();
        s.anchors()[0].cert.clone()
    }

    #[test]
    fn crls_load_from_pem_and_der_and_date_the_store() {
        let before = SystemTime::now();
        let store = trust("trust");
        assert_eq!(store.crls().len(), 2);
        assert!(store.unverified_crls().is_empty());
        let mut cscas: Vec<&str> = store.crls().iter().map(|c| c.csca.as_str()).collect();
        cscas.sort();
        assert!(cscas[0].contains("Test CSCA RSA-PSS"), "{cscas:?}");
        assert!(cscas[1].contains("Test CSCA brainpoolP512r1"), "{cscas:?}");
        let age = store.age();
        assert_eq!((age.anchors, age.crls, age.anchors_without_crl), (2, 2, 0));
        let this_updates: Vec<u64> = store.crls().iter().map(|c| c.crl.this_update()).collect();
        let next_updates: Vec<u64> = store
            .crls()
            .iter()
            .filter_map(|c| c.crl.next_update())
            .collect();
        assert_eq!(age.updated, this_updates.iter().copied().max());
        assert_eq!(age.next_update, next_updates.iter().copied().min());
        assert!(age.loaded_at.unwrap() >= unix_secs(before));
        assert!(!age.is_stale(SystemTime::now()));
        // Ten years and a day on, the store is stale.
        assert!(age.is_stale(SystemTime::now() + std::time::Duration::from_secs(3651 * 86_400)));
        // A store built in code was never loaded from a directory.
        assert_eq!(TrustStore::new().age(), TrustAge::default());
    }

    #[test]
    fn an_overdue_store_is_stale() {
        let store = trust("trust-overdue");
        let age = store.age();
        assert!(age.is_stale(SystemTime::now()));
        assert_eq!(age.crls, 2);
        // "updated" is the newest CRL (the RSA CSCA's current one), "next update" the
        // earliest due: the brainpool CSCA's overdue one.
        let overdue = store
            .crls()
            .iter()
            .find(|c| c.source.ends_with("csca-bp512-overdue.crl"))
            .unwrap();
        assert_eq!(age.next_update, overdue.crl.next_update());
        assert!(age.updated > Some(overdue.crl.this_update()));
        assert!(matches!(
            store.revocation(&ds("ds-p256"), SystemTime::now()),
            Revocation::Overdue { .. }
        ));
    }

    #[test]
    fn a_crl_counts_only_when_a_csca_of_the_store_verifies_it() {
        let bp512 = file("pki/trust/csca-bp512.pem");
        let dir = dir_with(&[
            // Loaded before their CSCA (name order): settled when it arrives.
            ("a-bp512.crl", file("pki/trust/csca-bp512.crl")),
            ("b-impostor.crl", file("pki/crl-impostor.crl")),
            ("c-unknown.crl", file("pki/crl-unknown.crl")),
            ("z-csca.pem", bp512),
        ]);
        let (store, problems) = TrustStore::load_dir(dir.path()).unwrap();
        assert_eq!(store.crls().len(), 1, "{problems:?}");
        assert!(store.crls()[0].source.ends_with("a-bp512.crl"));
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 2, "{text:?}");
        // The impostor's CRL carries the trusted CSCA's name, but not its signature.
        assert!(
            text[0].contains("b-impostor.crl: CRL of \"CN=Test CSCA brainpoolP512r1")
                && text[0]
                    .ends_with("ignored: no CSCA certificate in the store verifies its signature"),
            "{}",
            text[0]
        );
        assert!(text[1].contains("c-unknown.crl"), "{}", text[1]);
        assert!(matches!(
            store.revocation(&ds("ds-p256"), SystemTime::now()),
            Revocation::NotRevoked { .. }
        ));
        // Without any CRL of its CSCA.
        assert_eq!(
            store.revocation(&ds("ds-p384"), SystemTime::now()),
            Revocation::NoCrl
        );
    }

    #[test]
    fn a_revoked_signer_is_found_with_its_reason() {
        let store = trust("trust-revoked");
        let Revocation::Revoked { entry, crl } =
            store.revocation(&ds("ds-p256"), SystemTime::now())
        else {
            panic!("ds-p256 is on trust-revoked's CRL");
        };
        assert_eq!(entry.reason_name(), Some("keyCompromise"));
        assert!(crl.source.ends_with("csca-bp512-revoked.crl"));
        assert_eq!(crl.crl.revoked_count(), 1);
        // The negative serial of ds-rsa (same CSCA) is not on it.
        assert!(matches!(
            store.revocation(&ds("ds-rsa"), SystemTime::now()),
            Revocation::NotRevoked { .. }
        ));
    }

    #[test]
    fn crls_in_a_master_list_and_pem_bundles_are_used() {
        let certs: Vec<Vec<u8>> = trust("trust")
            .anchors()
            .iter()
            .map(|a| a.cert.der.clone())
            .collect();
        let list = crate::testing::fixtures::csca_master_list(&certs);
        let crls = [
            file("pki/trust-revoked/csca-bp512-revoked.crl"),
            file("pki/trust/csca-rsa.crl"),
        ];
        // The PEM CRL as DER, for the master list.
        let (_, bp_der) =
            der::pem::decode_vec(&file("pki/trust-revoked/csca-bp512-revoked.crl")).unwrap();
        // ContentInfo { signedData, [0] { SignedData { 3, {}, encap { cscaMasterList, [0] {
        // OCTET STRING { list } } }, crls [1] { … }, signerInfos {} } } } (the store does not
        // check a master list's signature).
        let mut w = TlvWriter::new();
        w.nested(0x30, |w| {
            w.put(
                0x06,
                &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02],
            );
            w.nested(0xA0, |w| {
                w.nested(0x30, |w| {
                    w.put(0x02, &[3]);
                    w.put(0x31, &[]);
                    w.nested(0x30, |w| {
                        w.put(0x06, &[0x67, 0x81, 0x08, 0x01, 0x01, 0x02]);
                        w.nested(0xA0, |w| {
                            w.put(0x04, &list);
                        });
                    });
                    w.nested(0xA1, |w| {
                        w.put_raw(&bp_der);
                        w.put_raw(&crls[1]);
                    });
                    w.put(0x31, &[]);
                });
            });
        });
        let ml = w.into_bytes();
        let mut store = TrustStore::new();
        assert_eq!(store.add_der(&ml, "ml.der").unwrap(), 4);
        assert_eq!(store.crls().len(), 2);
        assert!(matches!(
            store.revocation(&ds("ds-p256"), SystemTime::now()),
            Revocation::Revoked { .. }
        ));
        // A PEM bundle of certificates and CRLs, and the same again: no duplicates.
        let mut bundle = file("pki/trust/csca-bp512.pem");
        bundle.extend(pem("X509 CRL", &bp_der));
        bundle.extend(pem("CERTIFICATE", &certs[0]));
        let mut store = TrustStore::new();
        let text = String::from_utf8(bundle).unwrap();
        assert_eq!(store.add_pem(&text, "bundle.pem").unwrap(), 3);
        store.add_pem(&text, "bundle.pem").unwrap();
        assert_eq!(store.crls().len(), 1);
    }

    /// `der` as a folded LDIF base64 value of `name` (lines of 76, continuations indented).
    fn ldif_value(name: &str, der: &[u8]) -> String {
        use base64ct::Encoding;
        let b64 = base64ct::Base64::encode_string(der);
        let mut line = format!("{name}:: {b64}");
        let mut out = String::new();
        while line.len() > 76 {
            let rest = line.split_off(76);
            out.push_str(&line);
            out.push('\n');
            line = format!(" {rest}");
        }
        out.push_str(&line);
        out.push('\n');
        out
    }

    #[test]
    fn an_icao_pkd_ldif_gives_crls_and_master_lists_but_no_document_signers() {
        let (_, crl) =
            der::pem::decode_vec(&file("pki/trust-revoked/csca-bp512-revoked.crl")).unwrap();
        let ds = ds("ds-p256");
        let ldif = format!(
            "version: 1\n\n\
             dn: cn=CN\\=Test CSCA,o=crl,c=VN,dc=data,dc=download,dc=pkd,dc=icao,dc=int\n\
             objectClass: cRLDistributionPoint\n{}\n\
             dn: cn=ds,o=dsc,c=VN,dc=data,dc=download,dc=pkd,dc=icao,dc=int\n{}\n\
             dn: cn=ml,o=ml,c=VN,dc=data,dc=download,dc=pkd,dc=icao,dc=int\n{}",
            ldif_value("certificateRevocationList;binary", &crl),
            ldif_value("userCertificate;binary", &ds.der),
            ldif_value("CscaMasterListData", &file("pki/masterlist.cms")),
        );
        assert!(is_ldif(&ldif));
        let dir = dir_with(&[("icaopkd-001-complete-000001.ldif", ldif.into_bytes())]);
        let (store, problems) = TrustStore::load_dir(dir.path()).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        // Two CSCAs from the master list, the CRL they verify; the DS is no anchor.
        assert_eq!(store.anchors().len(), 2);
        assert!(store.anchors().iter().all(|a| a.cert.der != ds.der));
        assert_eq!(store.crls().len(), 1);
        assert!(matches!(
            store.revocation(&ds, SystemTime::now()),
            Revocation::Revoked { .. }
        ));
        // LDIF with nothing usable, or broken base64, is reported.
        let mut s = TrustStore::new();
        assert!(
            s.add_ldif("version: 1\n\ndn: o=x\ncn: y\n", "x.ldif")
                .is_err()
        );
        let err = s
            .add_ldif(
                "dn: o=x\ncertificateRevocationList;binary:: !!!\n",
                "y.ldif",
            )
            .unwrap_err();
        assert!(err.to_string().contains("base64"), "{err}");
    }

    /// `crl` rebuilt with `extensions` (DER `Extension`s) as its crlExtensions: the
    /// signature no longer verifies, which does not matter for a list refused before that.
    fn with_crl_extensions(crl: &[u8], extensions: &[u8]) -> Vec<u8> {
        let outer = TlvReader::new(crl).read().unwrap();
        let mut parts = outer.children();
        let tbs = parts.read().unwrap();
        let sig_alg = parts.read().unwrap();
        let sig = parts.read().unwrap();
        let mut w = TlvWriter::new();
        w.nested(0x30, |w| {
            w.nested(0x30, |w| {
                for (i, t) in tbs.children().enumerate() {
                    let t = t.unwrap();
                    if i < 5 {
                        w.put_raw(t.raw);
                    }
                }
                w.nested(0xA0, |w| {
                    w.put(0x30, extensions);
                });
            });
            w.put_raw(sig_alg.raw);
            w.put_raw(sig.raw);
        });
        w.into_bytes()
    }

    #[test]
    fn a_delta_crl_is_refused_and_a_forged_one_ignored() {
        let (_, bp_der) = der::pem::decode_vec(&file("pki/trust/csca-bp512.crl")).unwrap();
        // deltaCRLIndicator (2.5.29.27), critical, base CRL number 1.
        let delta = [
            0x30, 0x0C, 0x06, 0x03, 0x55, 0x1D, 0x1B, 0x01, 0x01, 0xFF, 0x04, 0x02, 0x02, 0x01,
        ];
        let crl = StoredCrl::from_der(&with_crl_extensions(&bp_der, &delta)).unwrap();
        assert_eq!(
            crl.unhandled_critical_extension().as_deref(),
            Some("2.5.29.27")
        );
        let mut store = trust("trust");
        let err = store.add_crl(crl, "delta.crl").unwrap_err();
        assert!(
            err.to_string().contains("critical extension 2.5.29.27"),
            "{err}"
        );
        // The same list with a non-critical CRL number: decodes, but its signature no longer
        // verifies, so it is not used.
        let number = [
            0x30, 0x0A, 0x06, 0x03, 0x55, 0x1D, 0x14, 0x04, 0x03, 0x02, 0x01, 0x05,
        ];
        let forged = StoredCrl::from_der(&with_crl_extensions(&bp_der, &number)).unwrap();
        assert_eq!(forged.number().as_deref(), Some("05"));
        store.add_crl(forged, "forged.crl").unwrap();
        assert_eq!(store.crls().len(), 2);
        assert_eq!(store.unverified_crls().len(), 1);
    }

    #[test]
    fn bad_input_is_reported_not_panicked() {
        let mut store = TrustStore::new();
        assert!(matches!(
            store.add_der(&[0x30, 0x03, 0x02, 0x01, 0x01], "x.der"),
            Err(TrustError::Decode { .. })
        ));
        assert!(store.add_pem("no pem here", "x.pem").is_err());
        assert!(
            store
                .add_pem(
                    "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
                    "y.pem"
                )
                .is_err()
        );
        assert!(TrustStore::load_dir(Path::new("/nonexistent/dir")).is_err());
        assert!(store.anchors().is_empty());
    }
}
