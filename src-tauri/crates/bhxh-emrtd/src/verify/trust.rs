//! The trust store: Country Signing CA (CSCA) certificates, and verification of a Document
//! Signer (DS) certificate against them.
//!
//! Certificates are loaded from a directory of PEM (one or more `CERTIFICATE` blocks) or DER
//! files, and from ICAO master lists (CMS `SignedData` with a `CscaMasterList`). The master
//! list's own signature is **not** checked here: whoever fills the directory vouches for its
//! content.
//!
//! Architecture invariant: nothing here reaches the network or the system trust store; CSCAs are
//! not web PKI roots.

use crate::crypto::weierstrass::CurveError;
use crate::crypto::{SignatureError, verify_signature};
use crate::lds::sod::StoredCertificate;
use crate::lds::tlv::TlvReader;
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
}

/// A trusted CSCA certificate and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustAnchor {
    /// The certificate.
    pub cert: StoredCertificate,
    /// The file (or other source) it was loaded from.
    pub source: String,
}

/// A set of trusted CSCA certificates.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    anchors: Vec<TrustAnchor>,
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

    /// Adds one DER certificate, or all certificates of a DER master list.
    /// Returns how many certificates were added.
    pub fn add_der(&mut self, der: &[u8], source: &str) -> Result<usize, TrustError> {
        match StoredCertificate::from_der(der) {
            Ok(cert) => {
                self.push(cert, source);
                Ok(1)
            }
            Err(cert_err) => match master_list_certificates(der) {
                Some(certs) if !certs.is_empty() => {
                    let n = certs.len();
                    for c in certs {
                        self.push(c, source);
                    }
                    Ok(n)
                }
                _ => Err(TrustError::Decode {
                    source_name: source.to_string(),
                    reason: format!(
                        "neither a DER certificate nor a CSCA master list ({cert_err})"
                    ),
                }),
            },
        }
    }

    /// Adds every `CERTIFICATE` block of a PEM text. Returns how many were added.
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
            if label != "CERTIFICATE" {
                continue;
            }
            let cert = StoredCertificate::from_der(&der).map_err(|e| TrustError::Decode {
                source_name: source.to_string(),
                reason: format!("certificate {} does not decode: {e}", added + 1),
            })?;
            self.push(cert, source);
            added += 1;
        }
        if added == 0 {
            return Err(TrustError::Decode {
                source_name: source.to_string(),
                reason: "no CERTIFICATE block found".into(),
            });
        }
        Ok(added)
    }

    /// Adds a file: PEM if it contains a PEM header, DER otherwise.
    pub fn add_file(&mut self, path: &Path) -> Result<usize, TrustError> {
        let bytes = std::fs::read(path).map_err(|e| TrustError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let source = path.display().to_string();
        match std::str::from_utf8(&bytes) {
            Ok(text) if text.contains("-----BEGIN ") => self.add_pem(text, &source),
            _ => self.add_der(&bytes, &source),
        }
    }

    /// Loads every regular file of `dir` (not recursive), in name order. Files that fail are
    /// reported in the returned list and skipped; only an unreadable directory is an error.
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
        Ok((store, problems))
    }

    fn push(&mut self, cert: StoredCertificate, source: &str) {
        if !self.anchors.iter().any(|a| a.cert.der == cert.der) {
            self.anchors.push(TrustAnchor {
                cert,
                source: source.to_string(),
            });
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

/// The certificates of a DER CSCA master list, if `der` is one.
fn master_list_certificates(der: &[u8]) -> Option<Vec<StoredCertificate>> {
    // ContentInfo { OID, [0] { SignedData { version, digestAlgs, encap { OID, [0] { OCTET
    // STRING { CscaMasterList { version, SET OF Certificate } } } }, … } } }
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
    let mut out = Vec::new();
    for item in set.children() {
        let c = item.ok()?;
        if let Ok(cert) = StoredCertificate::from_der(c.raw) {
            out.push(cert);
        }
    }
    Some(out)
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
