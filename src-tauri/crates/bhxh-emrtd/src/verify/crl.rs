//! Certificate revocation lists (X.509 v2 CRLs, RFC 5280 §5, profiled by ICAO 9303-12 §7.1.4):
//! a CSCA's list of the Document Signer certificates it revoked, and when it will publish the
//! next one.
//!
//! A CRL is decoded with `x509-cert`; its signature is verified over the `tbsCertList` bytes
//! **as stored** ([`StoredCrl::tbs_der`]), like a certificate's. Which CSCA signed it, and
//! whether a Document Signer is on it, is the trust store's business
//! ([`crate::verify::trust::TrustStore::revocation`]).

use crate::lds::tlv::TlvReader;
use der::Decode;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::AuthorityKeyIdentifier;

/// `id-ce-authorityKeyIdentifier`.
const OID_AKI: &str = "2.5.29.35";
/// `id-ce-cRLNumber`.
const OID_CRL_NUMBER: &str = "2.5.29.20";
/// `id-ce-cRLReasons` (an entry extension).
const OID_CRL_REASON: &str = "2.5.29.21";

/// A CRL with the exact bytes it was stored as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCrl {
    /// The decoded list.
    pub crl: CertificateList,
    /// The complete encoding as stored.
    pub der: Vec<u8>,
    /// The `tbsCertList` encoding as stored (what the CSCA signed).
    pub tbs_der: Vec<u8>,
}

/// One revoked certificate on a CRL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevokedEntry {
    /// `revocationDate`, seconds since the Unix epoch.
    pub revoked_at: u64,
    /// The `reasonCode` entry extension, if any (RFC 5280 §5.3.1).
    pub reason: Option<u8>,
}

impl RevokedEntry {
    /// The reason in English (`keyCompromise`), if the CRL gives one.
    pub fn reason_name(&self) -> Option<&'static str> {
        Some(match self.reason? {
            0 => "unspecified",
            1 => "keyCompromise",
            2 => "cACompromise",
            3 => "affiliationChanged",
            4 => "superseded",
            5 => "cessationOfOperation",
            6 => "certificateHold",
            8 => "removeFromCRL",
            9 => "privilegeWithdrawn",
            10 => "aACompromise",
            _ => "unknown reason",
        })
    }

    /// The reason in Vietnamese, for the counter, if the CRL gives one.
    pub fn reason_vi(&self) -> Option<&'static str> {
        Some(match self.reason? {
            1 => "lộ khóa bí mật",
            2 => "lộ khóa của cơ quan cấp chứng thư",
            3..=5 => "thay thế hoặc ngừng sử dụng",
            6 => "tạm đình chỉ",
            _ => return None,
        })
    }
}

impl StoredCrl {
    /// Decodes a CRL from its DER bytes, keeping them. Only version 2 CRLs decode (ICAO 9303-12
    /// requires v2).
    pub fn from_der(der: &[u8]) -> Result<Self, der::Error> {
        let crl = CertificateList::from_der(der)?;
        let tbs_der = TlvReader::new(der)
            .read()
            .ok()
            .and_then(|outer| outer.children().read().ok())
            .map(|tbs| tbs.raw.to_vec())
            .ok_or_else(|| der::Error::from(der::ErrorKind::Failed))?;
        Ok(Self {
            crl,
            der: der.to_vec(),
            tbs_der,
        })
    }

    /// The issuer (the CSCA), RFC 4514 style.
    pub fn issuer(&self) -> String {
        self.crl.tbs_cert_list.issuer.to_string()
    }

    /// `thisUpdate`, seconds since the Unix epoch.
    pub fn this_update(&self) -> u64 {
        self.crl
            .tbs_cert_list
            .this_update
            .to_unix_duration()
            .as_secs()
    }

    /// `nextUpdate`, seconds since the Unix epoch: by when the CSCA publishes the next CRL
    /// (ICAO requires it; absent only in non-conforming lists).
    pub fn next_update(&self) -> Option<u64> {
        self.crl
            .tbs_cert_list
            .next_update
            .map(|t| t.to_unix_duration().as_secs())
    }

    /// How many certificates it revokes.
    pub fn revoked_count(&self) -> usize {
        self.crl
            .tbs_cert_list
            .revoked_certificates
            .as_ref()
            .map_or(0, Vec::len)
    }

    /// The entry for the certificate with serial number `serial` (its bytes as encoded), if the
    /// list revokes it. An entry marked `removeFromCRL` (delta CRLs) revokes nothing.
    pub fn entry(&self, serial: &[u8]) -> Option<RevokedEntry> {
        self.crl
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .filter(|e| e.serial_number.as_bytes() == serial)
            .map(|e| RevokedEntry {
                revoked_at: e.revocation_date.to_unix_duration().as_secs(),
                reason: e.crl_entry_extensions.iter().flatten().find_map(|x| {
                    // reasonCode ::= ENUMERATED: 0A 01 xx
                    (x.extn_id.to_string() == OID_CRL_REASON)
                        .then(|| match x.extn_value.as_bytes() {
                            [0x0A, 0x01, r] => Some(*r),
                            _ => None,
                        })
                        .flatten()
                }),
            })
            .find(|e| e.reason != Some(8))
    }

    /// The authority key identifier's key id, if present.
    pub fn authority_key_id(&self) -> Option<Vec<u8>> {
        self.crl
            .tbs_cert_list
            .crl_extensions
            .iter()
            .flatten()
            .find(|x| x.extn_id.to_string() == OID_AKI)
            .and_then(|x| AuthorityKeyIdentifier::from_der(x.extn_value.as_bytes()).ok())
            .and_then(|aki| aki.key_identifier.map(|k| k.as_bytes().to_vec()))
    }

    /// A critical CRL extension this crate does not process (a delta CRL indicator, an issuing
    /// distribution point, …), by OID: RFC 5280 §5.2 forbids using such a list.
    pub fn unhandled_critical_extension(&self) -> Option<String> {
        self.crl
            .tbs_cert_list
            .crl_extensions
            .iter()
            .flatten()
            .filter(|x| x.critical)
            .map(|x| x.extn_id.to_string())
            .find(|oid| oid != OID_AKI && oid != OID_CRL_NUMBER)
    }

    /// The CRL number, hex, if present.
    pub fn number(&self) -> Option<String> {
        self.crl
            .tbs_cert_list
            .crl_extensions
            .iter()
            .flatten()
            .find(|x| x.extn_id.to_string() == OID_CRL_NUMBER)
            .and_then(|x| match x.extn_value.as_bytes() {
                [0x02, len, rest @ ..] if usize::from(*len) == rest.len() => {
                    Some(rest.iter().map(|b| format!("{b:02X}")).collect())
                }
                _ => None,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(StoredCrl::from_der(&[]).is_err());
        assert!(StoredCrl::from_der(&[0x30, 0x03, 0x02, 0x01, 0x01]).is_err());
        assert!(StoredCrl::from_der(&[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]).is_err());
    }

    #[test]
    fn reasons_are_named() {
        let e = |reason| RevokedEntry {
            revoked_at: 0,
            reason,
        };
        assert_eq!(e(Some(1)).reason_name(), Some("keyCompromise"));
        assert_eq!(e(Some(1)).reason_vi(), Some("lộ khóa bí mật"));
        assert_eq!(e(None).reason_name(), None);
        assert_eq!(e(Some(0)).reason_vi(), None);
        assert_eq!(e(Some(77)).reason_name(), Some("unknown reason"));
    }
}
