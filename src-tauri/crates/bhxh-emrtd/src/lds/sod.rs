//! EF.SOD (tag `77`): the Document Security Object (ICAO 9303-10 §4.6.2, RFC 5652).
//!
//! ```text
//! 77 { ContentInfo { signedData, SignedData {
//!        digestAlgorithms, encapContentInfo { ldsSecurityObject, OCTET STRING {
//!          LDSSecurityObject { version, hashAlgorithm, dataGroupHashValues, ldsVersionInfo? } } },
//!        certificates [0] { Document Signer certificate },
//!        signerInfos { SignerInfo { sid, digestAlgorithm, signedAttrs [0] { contentType,
//!                      messageDigest, … }, signatureAlgorithm, signature } } } } }
//! ```
//!
//! The structure is decoded with the `cms` crate; the bytes that signatures and digests are
//! computed over (the eContent, the signed attributes, each certificate's TBS part) are taken
//! from the file **as stored**, never re-encoded: a re-encoding sorts SET OF members and would
//! change the bytes of a SOD whose signed attributes are not in DER order.

use crate::crypto::HashAlgorithm;
use crate::lds::tlv::{Tlv, TlvReader};
use crate::lds::{DgNumber, LdsError, LdsFile, oid_from_content, small_uint};
use cms::signed_data::{SignedData, SignerIdentifier};
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use std::collections::BTreeMap;
use x509_cert::Certificate;

const FILE: LdsFile = LdsFile::Sod;

/// `id-icao-mrtd-security-ldsSecurityObject`.
pub const OID_LDS_SECURITY_OBJECT: &str = "2.23.136.1.1.1";
/// `id-signedData`.
pub const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const OID_SIGNING_TIME: &str = "1.2.840.113549.1.9.5";

/// The `LDSSecurityObject`: which hash, and the hash of each data group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdsSecurityObject {
    /// 0 (V0) or 1 (V1, with `ldsVersionInfo`).
    pub version: u64,
    /// The hash algorithm OID, dotted.
    pub hash_algorithm_oid: String,
    /// The hash algorithm, if supported.
    pub hash_algorithm: Option<HashAlgorithm>,
    /// DG number → hash value.
    pub dg_hashes: BTreeMap<DgNumber, Vec<u8>>,
    /// `ldsVersionInfo` (LDS version, Unicode version), if present.
    pub lds_version: Option<(String, String)>,
}

/// A certificate with the exact bytes it was stored as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCertificate {
    /// The decoded certificate.
    pub certificate: Certificate,
    /// The complete encoding as stored.
    pub der: Vec<u8>,
    /// The `tbsCertificate` encoding as stored (what the issuer signed).
    pub tbs_der: Vec<u8>,
}

impl StoredCertificate {
    /// Decodes a certificate from its DER bytes, keeping them.
    pub fn from_der(der: &[u8]) -> Result<Self, der::Error> {
        let certificate = Certificate::from_der(der)?;
        let tbs_der = TlvReader::new(der)
            .read()
            .ok()
            .and_then(|outer| outer.children().read().ok())
            .map(|tbs| tbs.raw.to_vec())
            .ok_or_else(|| der::Error::from(der::ErrorKind::Failed))?;
        Ok(Self {
            certificate,
            der: der.to_vec(),
            tbs_der,
        })
    }

    /// The subject, RFC 4514 style.
    pub fn subject(&self) -> String {
        self.certificate.tbs_certificate().subject().to_string()
    }

    /// The issuer, RFC 4514 style.
    pub fn issuer(&self) -> String {
        self.certificate.tbs_certificate().issuer().to_string()
    }

    /// The serial number, hex.
    pub fn serial(&self) -> String {
        self.certificate
            .tbs_certificate()
            .serial_number()
            .to_string()
    }

    /// The subject key identifier extension, if present.
    pub fn subject_key_id(&self) -> Option<Vec<u8>> {
        use x509_cert::ext::pkix::SubjectKeyIdentifier;
        self.certificate
            .tbs_certificate()
            .get_extension::<SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .map(|(_, ski)| ski.0.as_bytes().to_vec())
    }

    /// The authority key identifier's key id, if present.
    pub fn authority_key_id(&self) -> Option<Vec<u8>> {
        use x509_cert::ext::pkix::AuthorityKeyIdentifier;
        self.certificate
            .tbs_certificate()
            .get_extension::<AuthorityKeyIdentifier>()
            .ok()
            .flatten()
            .and_then(|(_, aki)| aki.key_identifier.map(|k| k.as_bytes().to_vec()))
    }
}

/// The signer of the SOD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// How the signer identifies its certificate.
    pub sid: SignerIdentifier,
    /// `digestAlgorithm`.
    pub digest_algorithm: AlgorithmIdentifierOwned,
    /// `signatureAlgorithm`.
    pub signature_algorithm: AlgorithmIdentifierOwned,
    /// The signature value.
    pub signature: Vec<u8>,
    /// The signed attributes as stored, re-tagged as `SET` (`31`): the bytes the signature is
    /// over. `None` when the signature is directly over the eContent.
    pub signed_attrs_der: Option<Vec<u8>>,
    /// The `contentType` signed attribute, dotted.
    pub content_type: Option<String>,
    /// The `messageDigest` signed attribute.
    pub message_digest: Option<Vec<u8>>,
    /// The `signingTime` signed attribute's raw encoding, if present.
    pub signing_time_der: Option<Vec<u8>>,
}

/// Parsed EF.SOD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sod {
    /// The decoded CMS `SignedData`.
    pub signed_data: SignedData,
    /// `eContentType`, dotted (`2.23.136.1.1.1` expected).
    pub econtent_type: String,
    /// The eContent octets (the DER `LDSSecurityObject`), as stored.
    pub econtent: Vec<u8>,
    /// The parsed `LDSSecurityObject`.
    pub lds: LdsSecurityObject,
    /// The certificates carried in the SOD (normally just the Document Signer).
    pub certificates: Vec<StoredCertificate>,
    /// The (first) signer.
    pub signer: Signer,
    /// How many `SignerInfo`s the SOD has (ICAO requires exactly one).
    pub signer_count: usize,
}

impl Sod {
    /// The Document Signer certificate: the carried certificate the signer identifies.
    pub fn signer_certificate(&self) -> Option<&StoredCertificate> {
        self.certificates.iter().find(|c| match &self.signer.sid {
            SignerIdentifier::IssuerAndSerialNumber(isn) => {
                let tbs = c.certificate.tbs_certificate();
                tbs.issuer() == &isn.issuer
                    && tbs.serial_number().as_bytes() == isn.serial_number.as_bytes()
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                c.subject_key_id().as_deref() == Some(ski.0.as_bytes())
            }
        })
    }
}

fn tlv_err(e: crate::lds::tlv::TlvError) -> LdsError {
    LdsError::tlv(FILE, e)
}

/// Parses EF.SOD.
pub fn parse_sod(bytes: &[u8]) -> Result<Sod, LdsError> {
    let mut outer = TlvReader::new(bytes);
    let wrapper = outer.expect(0x77).map_err(tlv_err)?;
    let content_info = wrapper.children().expect(0x30).map_err(tlv_err)?;

    // Structure, with the cms crate.
    let ci = cms::content_info::ContentInfo::from_der(content_info.raw)
        .map_err(|e| LdsError::der(FILE, "CMS ContentInfo", e))?;
    if ci.content_type.to_string() != OID_SIGNED_DATA {
        return Err(LdsError::invalid(
            FILE,
            content_info.offset,
            format!("content type {} is not signedData", ci.content_type),
        ));
    }
    let sd_der = ci
        .content
        .to_der()
        .map_err(|e| LdsError::der(FILE, "CMS SignedData", e))?;
    let signed_data =
        SignedData::from_der(&sd_der).map_err(|e| LdsError::der(FILE, "CMS SignedData", e))?;

    // Exact bytes, with the TLV reader.
    let sd_tlv = content_info
        .children()
        .find(0xA0)
        .map_err(tlv_err)?
        .ok_or_else(|| LdsError::invalid(FILE, content_info.offset, "ContentInfo has no content"))?
        .children()
        .expect(0x30)
        .map_err(tlv_err)?;
    let mut certs_tlv = None;
    let mut signer_infos_tlv = None;
    let mut encap_tlv = None;
    for (i, item) in sd_tlv.children().enumerate() {
        let t = item.map_err(tlv_err)?;
        match (i, t.tag.0) {
            (2, 0x30) => encap_tlv = Some(t),
            (_, 0xA0) => certs_tlv = Some(t),
            (_, 0x31) if i > 1 => signer_infos_tlv = Some(t),
            _ => {}
        }
    }
    let encap = encap_tlv.ok_or_else(|| {
        LdsError::invalid(FILE, sd_tlv.offset, "SignedData has no encapContentInfo")
    })?;
    let econtent_type = signed_data.encap_content_info.econtent_type.to_string();
    if econtent_type != OID_LDS_SECURITY_OBJECT {
        return Err(LdsError::invalid(
            FILE,
            encap.offset,
            format!(
                "eContentType {econtent_type} is not ldsSecurityObject ({OID_LDS_SECURITY_OBJECT})"
            ),
        ));
    }
    let econtent_tlv = econtent_octets(encap)?;
    let econtent = econtent_tlv.value.to_vec();
    let lds = parse_lds_security_object(econtent_tlv.value, econtent_tlv.value_offset)?;

    let mut certificates = Vec::new();
    if let Some(certs) = certs_tlv {
        for item in certs.children() {
            let t = item.map_err(tlv_err)?;
            if t.tag.0 != 0x30 {
                continue; // other certificate formats
            }
            let cert = StoredCertificate::from_der(t.raw).map_err(|e| {
                LdsError::invalid(FILE, t.offset, format!("certificate does not decode: {e}"))
            })?;
            certificates.push(cert);
        }
    }

    let signer_infos = signer_infos_tlv
        .ok_or_else(|| LdsError::invalid(FILE, sd_tlv.offset, "SignedData has no signerInfos"))?;
    let first_raw = signer_infos
        .children()
        .read()
        .map_err(|_| LdsError::invalid(FILE, signer_infos.offset, "signerInfos is empty"))?;
    let signer_count = signed_data.signer_infos.0.len();
    let info = signed_data
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or_else(|| LdsError::invalid(FILE, signer_infos.offset, "signerInfos is empty"))?;
    // The SET was decoded into DER order; pick the decoded SignerInfo equal to the first one
    // as stored (they only differ when there are several).
    let info = signed_data
        .signer_infos
        .0
        .iter()
        .find(|si| si.to_der().ok().as_deref() == Some(first_raw.raw))
        .unwrap_or(info);

    let mut signer = Signer {
        sid: info.sid.clone(),
        digest_algorithm: info.digest_alg.clone(),
        signature_algorithm: info.signature_algorithm.clone(),
        signature: info.signature.as_bytes().to_vec(),
        signed_attrs_der: None,
        content_type: None,
        message_digest: None,
        signing_time_der: None,
    };
    if let Some(attrs) = first_raw.children().find(0xA0).map_err(tlv_err)? {
        let mut der = attrs.raw.to_vec();
        if let Some(first) = der.first_mut() {
            *first = 0x31;
        }
        signer.signed_attrs_der = Some(der);
        read_signed_attributes(attrs, &mut signer)?;
    }

    Ok(Sod {
        signed_data,
        econtent_type,
        econtent,
        lds,
        certificates,
        signer,
        signer_count,
    })
}

/// `encapContentInfo { OID, [0] { OCTET STRING } }` → the OCTET STRING.
fn econtent_octets(encap: Tlv<'_>) -> Result<Tlv<'_>, LdsError> {
    let explicit = encap
        .children()
        .find(0xA0)
        .map_err(tlv_err)?
        .ok_or_else(|| LdsError::invalid(FILE, encap.offset, "encapContentInfo has no eContent"))?;
    explicit.children().expect(0x04).map_err(tlv_err)
}

fn read_signed_attributes(attrs: Tlv<'_>, signer: &mut Signer) -> Result<(), LdsError> {
    for item in attrs.children() {
        let attr = item.map_err(tlv_err)?.expect_tag(0x30).map_err(tlv_err)?;
        let mut r = attr.children();
        let oid_tlv = r.expect(0x06).map_err(tlv_err)?;
        let oid = oid_from_content(oid_tlv.value)
            .ok_or_else(|| LdsError::invalid(FILE, oid_tlv.offset, "malformed attribute OID"))?
            .to_string();
        let values = r.expect(0x31).map_err(tlv_err)?;
        let first = values.children().read().map_err(tlv_err)?;
        match oid.as_str() {
            OID_CONTENT_TYPE => {
                let oid = first.expect_tag(0x06).map_err(tlv_err)?;
                signer.content_type = oid_from_content(oid.value).map(|o| o.to_string());
            }
            OID_MESSAGE_DIGEST => {
                let d = first.expect_tag(0x04).map_err(tlv_err)?;
                signer.message_digest = Some(d.value.to_vec());
            }
            OID_SIGNING_TIME => signer.signing_time_der = Some(first.raw.to_vec()),
            _ => {}
        }
    }
    Ok(())
}

/// Parses the DER `LDSSecurityObject`; `base` is its offset inside EF.SOD, for errors.
pub fn parse_lds_security_object(bytes: &[u8], base: usize) -> Result<LdsSecurityObject, LdsError> {
    let mut outer = TlvReader::with_base(bytes, base);
    let seq = outer.expect(0x30).map_err(tlv_err)?;
    let mut r = seq.children();
    let version_tlv = r.expect(0x02).map_err(tlv_err)?;
    let version = small_uint(version_tlv.value).ok_or_else(|| {
        LdsError::invalid(
            FILE,
            version_tlv.offset,
            "LDSSecurityObject version is not a small INTEGER",
        )
    })?;
    let alg = r.expect(0x30).map_err(tlv_err)?;
    let alg_oid = alg.children().expect(0x06).map_err(tlv_err)?;
    let oid = oid_from_content(alg_oid.value)
        .ok_or_else(|| LdsError::invalid(FILE, alg_oid.offset, "malformed hash algorithm OID"))?;
    let hashes = r.expect(0x30).map_err(tlv_err)?;
    let mut dg_hashes = BTreeMap::new();
    for item in hashes.children() {
        let entry = item.map_err(tlv_err)?.expect_tag(0x30).map_err(tlv_err)?;
        let mut e = entry.children();
        let n = e.expect(0x02).map_err(tlv_err)?;
        let number = small_uint(n.value)
            .and_then(|v| u8::try_from(v).ok())
            .and_then(DgNumber::new)
            .ok_or_else(|| {
                LdsError::invalid(FILE, n.offset, "data group number is not between 1 and 16")
            })?;
        let value = e.expect(0x04).map_err(tlv_err)?;
        if dg_hashes.insert(number, value.value.to_vec()).is_some() {
            return Err(LdsError::invalid(
                FILE,
                entry.offset,
                format!("{number} is listed twice"),
            ));
        }
    }
    let lds_version = match r.next() {
        Some(item) => {
            let info = item.map_err(tlv_err)?.expect_tag(0x30).map_err(tlv_err)?;
            let mut i = info.children();
            let a = i.read().map_err(tlv_err)?;
            let b = i.read().map_err(tlv_err)?;
            Some((
                String::from_utf8_lossy(a.value).into_owned(),
                String::from_utf8_lossy(b.value).into_owned(),
            ))
        }
        None => None,
    };
    Ok(LdsSecurityObject {
        version,
        hash_algorithm: HashAlgorithm::from_oid(&oid),
        hash_algorithm_oid: oid.to_string(),
        dg_hashes,
        lds_version,
    })
}

/// Encodes an `LDSSecurityObject` (V0) — for building test documents and fixtures.
pub fn encode_lds_security_object(
    hash: HashAlgorithm,
    dg_hashes: &BTreeMap<DgNumber, Vec<u8>>,
) -> Vec<u8> {
    use crate::lds::tlv::TlvWriter;
    let oid = const_oid::ObjectIdentifier::new(hash.oid())
        .map(|o| o.as_bytes().to_vec())
        .unwrap_or_default();
    let mut w = TlvWriter::new();
    w.nested(0x30, |w| {
        w.put(0x02, &[0]);
        w.nested(0x30, |w| {
            w.put(0x06, &oid);
        });
        w.nested(0x30, |w| {
            for (n, h) in dg_hashes {
                w.nested(0x30, |w| {
                    w.put(0x02, &[n.get()]);
                    w.put(0x04, h);
                });
            }
        });
    });
    w.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lds_security_object_round_trip() {
        let mut hashes = BTreeMap::new();
        hashes.insert(DgNumber::DG1, vec![1u8; 32]);
        hashes.insert(DgNumber::DG13, vec![13u8; 32]);
        let der = encode_lds_security_object(HashAlgorithm::Sha256, &hashes);
        let lso = parse_lds_security_object(&der, 0).unwrap();
        assert_eq!(lso.version, 0);
        assert_eq!(lso.hash_algorithm, Some(HashAlgorithm::Sha256));
        assert_eq!(lso.dg_hashes, hashes);
        assert_eq!(lso.lds_version, None);
    }

    #[test]
    fn lds_security_object_errors_are_precise() {
        let mut hashes = BTreeMap::new();
        hashes.insert(DgNumber::DG1, vec![1u8; 32]);
        let mut der = encode_lds_security_object(HashAlgorithm::Sha256, &hashes);
        // Make the DG number 17.
        let pos = der
            .windows(3)
            .position(|w| w == [0x02, 0x01, 0x01])
            .unwrap();
        der[pos + 2] = 17;
        let err = parse_lds_security_object(&der, 100).unwrap_err();
        assert_eq!(err.file, LdsFile::Sod);
        assert!(err.to_string().contains("not between 1 and 16"), "{err}");
        assert!(
            err.to_string().contains(&format!("offset {}", 100 + pos)),
            "{err}"
        );
        for i in 0..der.len() {
            let _ = parse_lds_security_object(&der[..i], 0);
        }
    }

    #[test]
    fn rejects_non_sod_input() {
        assert!(parse_sod(&[0x77, 0x02, 0x30, 0x00]).is_err());
        assert!(
            parse_sod(&[0x60, 0x00])
                .unwrap_err()
                .to_string()
                .contains("expected tag 77")
        );
    }
}
