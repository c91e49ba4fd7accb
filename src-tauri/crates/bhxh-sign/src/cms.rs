//! The CMS `SignedData` inside a PDF signature (RFC 5652, profiled by
//! ETSI EN 319 142-1 for PAdES baseline, SubFilter `ETSI.CAdES.detached`):
//! built here for the desk's own signatures, and read back — with the exact
//! bytes the signature covers — for any signature a PDF carries.
//!
//! Built by hand on the project's DER writer: the structure is small and
//! fixed, and the signed attributes must be in the exact DER the token signs.

use bhxh_emrtd::lds::sod::StoredCertificate;
use bhxh_emrtd::lds::tlv::{Tlv, encode};

fn oid_from_content(bytes: &[u8]) -> Option<const_oid::ObjectIdentifier> {
    const_oid::ObjectIdentifier::from_bytes(bytes).ok()
}

use crate::error::SignError;
use crate::token::RawSigner;

pub const OID_DATA: &str = "1.2.840.113549.1.7.1";
pub const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
pub const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
pub const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
pub const OID_SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
/// ESS `signing-certificate` (v1, SHA-1) and `signing-certificate-v2`.
pub const OID_SIGNING_CERTIFICATE: &str = "1.2.840.113549.1.9.16.2.12";
pub const OID_SIGNING_CERTIFICATE_V2: &str = "1.2.840.113549.1.9.16.2.47";
/// The RFC 3161 timestamp token an unsigned attribute may carry (PAdES B-T).
pub const OID_TIMESTAMP_TOKEN: &str = "1.2.840.113549.1.9.16.2.14";
const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";

fn oid(dotted: &str) -> Result<Vec<u8>, SignError> {
    let o = const_oid::ObjectIdentifier::new(dotted)
        .map_err(|e| SignError::Der(format!("OID {dotted}: {e}")))?;
    Ok(encode(0x06, o.as_bytes()))
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    encode(0x30, &parts.concat())
}

/// `AlgorithmIdentifier` with absent parameters, or NULL for RSA.
fn algorithm(dotted: &str, null_params: bool) -> Result<Vec<u8>, SignError> {
    let mut body = oid(dotted)?;
    if null_params {
        body.extend_from_slice(&[0x05, 0x00]);
    }
    Ok(encode(0x30, &body))
}

/// The issuer `Name` and `serialNumber` of a certificate, as stored.
fn issuer_and_serial(cert: &StoredCertificate) -> Result<(Vec<u8>, Vec<u8>), SignError> {
    let bad = |what: &str| SignError::Der(format!("chứng thư số thiếu {what}"));
    let (tbs, _) =
        bhxh_emrtd::lds::tlv::read_tlv(&cert.tbs_der).map_err(|e| bad(&e.to_string()))?;
    let mut r = tbs.children();
    let mut first = r.read().map_err(|_| bad("số hiệu"))?;
    if first.tag.0 == 0xA0 {
        first = r.read().map_err(|_| bad("số hiệu"))?;
    }
    let serial = first.expect_tag(0x02).map_err(|_| bad("số hiệu"))?;
    let _signature_alg = r.expect(0x30).map_err(|_| bad("thuật toán"))?;
    let issuer = r.expect(0x30).map_err(|_| bad("tên tổ chức cấp"))?;
    Ok((issuer.raw.to_vec(), serial.raw.to_vec()))
}

/// The signed attributes of a PAdES B-B signature, DER `SET OF` (what the
/// key signs): content type, message digest, and the ESS signing
/// certificate v2 binding the signer's certificate. No `signingTime`
/// (EN 319 142-1 §6.3: the time is the signature dictionary's `/M`).
pub fn signed_attributes(
    content_digest: &[u8],
    signer: &StoredCertificate,
) -> Result<Vec<u8>, SignError> {
    let content_type = seq(&[&oid(OID_CONTENT_TYPE)?, &encode(0x31, &oid(OID_DATA)?)]);
    let message_digest = seq(&[
        &oid(OID_MESSAGE_DIGEST)?,
        &encode(0x31, &encode(0x04, content_digest)),
    ]);
    let cert_hash = crate::token::KeyAlgorithm::Rsa.digest(&[&signer.der]);
    let (issuer, serial) = issuer_and_serial(signer)?;
    // IssuerSerial { GeneralNames { [4] directoryName }, serialNumber }
    let issuer_serial = seq(&[&seq(&[&encode(0xA4, &issuer)]), &serial]);
    // ESSCertIDv2 with the default hash algorithm (SHA-256) left out.
    let ess_cert_id = seq(&[&encode(0x04, &cert_hash), &issuer_serial]);
    let signing_certificate = seq(&[
        &oid(OID_SIGNING_CERTIFICATE_V2)?,
        &encode(0x31, &seq(&[&seq(&[&ess_cert_id])])),
    ]);
    let mut attrs = [content_type, message_digest, signing_certificate];
    // DER orders a SET OF by its elements' encodings.
    attrs.sort();
    Ok(encode(0x31, &attrs.concat()))
}

/// A detached CMS `SignedData` over a content whose digest is
/// `content_digest`, signed by `signer`, carrying `chain` (the signer's CA
/// certificates, issuer first) after the signer's own certificate.
pub fn build_signed_data(
    signer: &dyn RawSigner,
    chain: &[Vec<u8>],
    content_digest: &[u8],
) -> Result<Vec<u8>, SignError> {
    build_signed_data_with(signer, chain, content_digest, None)
}

/// What makes the timestamp token over a signature value (PAdES B-T): the
/// RFC 3161 `TimeStampToken`, DER.
pub type Timestamper<'a> = &'a dyn Fn(&[u8]) -> Result<Vec<u8>, SignError>;

/// [`build_signed_data`], and when `timestamper` is given, the timestamp
/// token it returns over the signature value carried as the unsigned
/// attribute `id-aa-signatureTimeStampToken` (RFC 3161 Appendix A, ETSI EN
/// 319 142-1 B-T).
pub fn build_signed_data_with(
    signer: &dyn RawSigner,
    chain: &[Vec<u8>],
    content_digest: &[u8],
    timestamper: Option<Timestamper<'_>>,
) -> Result<Vec<u8>, SignError> {
    let cert = StoredCertificate::from_der(signer.certificate())?;
    let alg = signer.algorithm();
    let attrs = signed_attributes(content_digest, &cert)?;
    let signature = signer.sign(&attrs)?;
    let (issuer, serial) = issuer_and_serial(&cert)?;
    let digest_alg = algorithm(alg.digest_oid(), false)?;
    let is_rsa = alg == crate::token::KeyAlgorithm::Rsa;
    let mut signed_attrs_implicit = attrs;
    signed_attrs_implicit[0] = 0xA0;
    let unsigned = match timestamper {
        Some(stamp) => {
            let token = stamp(&signature)?;
            // [1] IMPLICIT SET OF Attribute { signatureTimeStampToken, { token } }
            encode(
                0xA1,
                &seq(&[&oid(OID_TIMESTAMP_TOKEN)?, &encode(0x31, &token)]),
            )
        }
        None => Vec::new(),
    };
    let signer_info = seq(&[
        &[0x02, 0x01, 0x01],
        &seq(&[&issuer, &serial]),
        &digest_alg,
        &signed_attrs_implicit,
        &algorithm(alg.signature_oid(), is_rsa)?,
        &encode(0x04, &signature),
        &unsigned,
    ]);
    let mut certs = signer.certificate().to_vec();
    for c in chain {
        if c.as_slice() != signer.certificate() {
            certs.extend_from_slice(c);
        }
    }
    let signed_data = seq(&[
        &[0x02, 0x01, 0x01],
        &encode(0x31, &digest_alg),
        &seq(&[&oid(OID_DATA)?]),
        &encode(0xA0, &certs),
        &encode(0x31, &signer_info),
    ]);
    Ok(seq(&[&oid(OID_SIGNED_DATA)?, &encode(0xA0, &signed_data)]))
}

/// A CMS signature read back.
#[derive(Debug, Clone)]
pub struct ParsedCms {
    /// The certificates it carries.
    pub certificates: Vec<StoredCertificate>,
    /// Which of them the signer identifies.
    pub signer: Option<usize>,
    /// `digestAlgorithm`, dotted.
    pub digest_oid: String,
    /// `signatureAlgorithm`.
    pub signature_algorithm: spki::AlgorithmIdentifierOwned,
    pub signature: Vec<u8>,
    /// The signed attributes re-tagged as `SET` (what was signed), as stored.
    pub signed_attrs: Option<Vec<u8>>,
    pub content_type: Option<String>,
    pub message_digest: Option<Vec<u8>>,
    /// `signingTime`, seconds since the epoch.
    pub signing_time: Option<u64>,
    /// The ESS signing-certificate(-v2) hash, when present.
    pub ess_cert_hash: Option<Vec<u8>>,
    /// Whether an RFC 3161 timestamp token is attached (PAdES B-T).
    pub timestamped: bool,
    /// The timestamp tokens of the unsigned attributes (DER, as stored).
    pub timestamp_tokens: Vec<Vec<u8>>,
    /// `eContentType`, dotted, and the encapsulated content when present
    /// (a PDF signature is detached; a timestamp token carries its
    /// `TSTInfo` here).
    pub econtent_type: Option<String>,
    pub econtent: Option<Vec<u8>>,
    /// How many `SignerInfo`s there are (a PDF signature has one).
    pub signer_count: usize,
}

fn tlv_err(e: bhxh_emrtd::lds::tlv::TlvError) -> SignError {
    SignError::Der(e.to_string())
}

fn oid_of(t: Tlv<'_>) -> Result<String, SignError> {
    let t = t.expect_tag(0x06).map_err(tlv_err)?;
    oid_from_content(t.value)
        .map(|o| o.to_string())
        .ok_or_else(|| SignError::Der("OID không hợp lệ".into()))
}

/// Read the CMS `ContentInfo` at the start of `der` (a PDF's `/Contents`
/// is padded with zeros after it).
pub fn parse(der: &[u8]) -> Result<ParsedCms, SignError> {
    use der::Decode;
    let (ci, _) = bhxh_emrtd::lds::tlv::read_tlv(der).map_err(tlv_err)?;
    let mut r = ci.expect_tag(0x30).map_err(tlv_err)?.children();
    let ct = oid_of(r.read().map_err(tlv_err)?)?;
    if ct != OID_SIGNED_DATA {
        return Err(SignError::Der(format!(
            "nội dung {ct} không phải signedData"
        )));
    }
    let sd = r
        .expect(0xA0)
        .map_err(tlv_err)?
        .children()
        .expect(0x30)
        .map_err(tlv_err)?;
    let mut parts = sd.children();
    let _version = parts.expect(0x02).map_err(tlv_err)?;
    let _digest_algs = parts.expect(0x31).map_err(tlv_err)?;
    let encap = parts.expect(0x30).map_err(tlv_err)?;
    let mut e = encap.children();
    let econtent_type = Some(oid_of(e.read().map_err(tlv_err)?)?);
    // [0] EXPLICIT OCTET STRING (DER: primitive).
    let econtent = match e.find(0xA0).map_err(tlv_err)? {
        Some(wrapped) => Some(
            wrapped
                .children()
                .expect(0x04)
                .map_err(tlv_err)?
                .value
                .to_vec(),
        ),
        None => None,
    };
    let mut certificates = Vec::new();
    let mut signer_infos = None;
    for item in parts {
        let t = item.map_err(tlv_err)?;
        match t.tag.0 {
            0xA0 => {
                for c in t.children() {
                    let c = c.map_err(tlv_err)?;
                    if c.tag.0 == 0x30 {
                        certificates.push(StoredCertificate::from_der(c.raw)?);
                    }
                }
            }
            0x31 => signer_infos = Some(t),
            _ => {} // CRLs [1]
        }
    }
    let infos = signer_infos.ok_or_else(|| SignError::Der("không có SignerInfo".into()))?;
    let signer_count = infos.children().count();
    let si = infos.children().read().map_err(tlv_err)?;
    let mut f = si.children();
    let _v = f.expect(0x02).map_err(tlv_err)?;
    let sid = f.read().map_err(tlv_err)?;
    let digest_alg = f.expect(0x30).map_err(tlv_err)?;
    let digest_oid = oid_of(digest_alg.children().read().map_err(tlv_err)?)?;
    let mut next = f.read().map_err(tlv_err)?;
    let mut out = ParsedCms {
        certificates,
        signer: None,
        digest_oid,
        signature_algorithm: spki::AlgorithmIdentifierOwned {
            oid: const_oid::ObjectIdentifier::new_unwrap("0.0"),
            parameters: None,
        },
        signature: Vec::new(),
        signed_attrs: None,
        content_type: None,
        message_digest: None,
        signing_time: None,
        ess_cert_hash: None,
        timestamped: false,
        timestamp_tokens: Vec::new(),
        econtent_type,
        econtent,
        signer_count,
    };
    if next.tag.0 == 0xA0 {
        let mut set = next.raw.to_vec();
        set[0] = 0x31;
        out.signed_attrs = Some(set);
        read_signed_attributes(next, &mut out)?;
        next = f.read().map_err(tlv_err)?;
    }
    out.signature_algorithm =
        spki::AlgorithmIdentifierOwned::from_der(next.expect_tag(0x30).map_err(tlv_err)?.raw)?;
    out.signature = f.expect(0x04).map_err(tlv_err)?.value.to_vec();
    if let Some(unsigned) = f.find(0xA1).map_err(tlv_err)? {
        for a in unsigned.children() {
            let a = a.map_err(tlv_err)?;
            let mut r = a.children();
            if oid_of(r.read().map_err(tlv_err)?)? == OID_TIMESTAMP_TOKEN {
                out.timestamped = true;
                for token in r.expect(0x31).map_err(tlv_err)?.children() {
                    out.timestamp_tokens
                        .push(token.map_err(tlv_err)?.raw.to_vec());
                }
            }
        }
    }
    out.signer = find_signer(&out.certificates, sid);
    Ok(out)
}

fn find_signer(certs: &[StoredCertificate], sid: Tlv<'_>) -> Option<usize> {
    match sid.tag.0 {
        0x30 => {
            let mut r = sid.children();
            let issuer = r.read().ok()?;
            let serial = r.read().ok()?;
            certs.iter().position(|c| {
                issuer_and_serial(c).is_ok_and(|(i, s)| i == issuer.raw && s == serial.raw)
            })
        }
        0x80 => certs
            .iter()
            .position(|c| c.subject_key_id().as_deref() == Some(sid.value)),
        _ => None,
    }
}

fn read_signed_attributes(attrs: Tlv<'_>, out: &mut ParsedCms) -> Result<(), SignError> {
    for item in attrs.children() {
        let attr = item.map_err(tlv_err)?.expect_tag(0x30).map_err(tlv_err)?;
        let mut r = attr.children();
        let id = oid_of(r.read().map_err(tlv_err)?)?;
        let values = r.expect(0x31).map_err(tlv_err)?;
        let first = values.children().read().map_err(tlv_err)?;
        match id.as_str() {
            OID_CONTENT_TYPE => out.content_type = Some(oid_of(first)?),
            OID_MESSAGE_DIGEST => {
                out.message_digest = Some(first.expect_tag(0x04).map_err(tlv_err)?.value.to_vec())
            }
            OID_SIGNING_TIME => out.signing_time = parse_time(first),
            OID_SIGNING_CERTIFICATE | OID_SIGNING_CERTIFICATE_V2 => {
                // SigningCertificate(V2) { certs SEQUENCE OF ESSCertID(v2) { [alg] hash … } }
                let cert_id = first
                    .children()
                    .read()
                    .and_then(|certs| certs.children().read())
                    .map_err(tlv_err)?;
                let mut c = cert_id.children();
                let mut h = c.read().map_err(tlv_err)?;
                if h.tag.0 == 0x30 {
                    // A hash algorithm other than the default: only SHA-256 is compared.
                    let alg = oid_of(h.children().read().map_err(tlv_err)?)?;
                    h = c.read().map_err(tlv_err)?;
                    if alg != OID_SHA256 {
                        continue;
                    }
                }
                if id == OID_SIGNING_CERTIFICATE_V2 {
                    out.ess_cert_hash = Some(h.expect_tag(0x04).map_err(tlv_err)?.value.to_vec());
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// `UTCTime` or `GeneralizedTime` (UTC, `Z`) in seconds since the epoch.
fn parse_time(t: Tlv<'_>) -> Option<u64> {
    let s = std::str::from_utf8(t.value).ok()?;
    let s = s.strip_suffix('Z')?;
    let full = match t.tag.0 {
        0x17 => {
            let yy: i32 = s.get(0..2)?.parse().ok()?;
            format!("{}{s}", if yy >= 50 { "19" } else { "20" })
        }
        0x18 => s.to_owned(),
        _ => return None,
    };
    let dt = chrono::NaiveDateTime::parse_from_str(full.get(0..14)?, "%Y%m%d%H%M%S").ok()?;
    u64::try_from(dt.and_utc().timestamp()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_cms_is_an_error_not_a_panic() {
        for bad in [
            &b""[..],
            &[0x30, 0x03, 0x06, 0x01, 0x00][..],
            &[0x30, 0x80][..],
            &[0xFF; 40][..],
            &[
                0x30, 0x0B, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02,
            ][..],
        ] {
            assert!(parse(bad).is_err(), "{bad:02X?}");
        }
    }

    #[test]
    fn times_read_both_forms() {
        let utc = encode(0x17, b"261202083000Z");
        let (t, _) = bhxh_emrtd::lds::tlv::read_tlv(&utc).unwrap();
        assert_eq!(parse_time(t), Some(1_796_200_200));
        let gen_time = encode(0x18, b"20261202083000Z");
        let (t, _) = bhxh_emrtd::lds::tlv::read_tlv(&gen_time).unwrap();
        assert_eq!(parse_time(t), Some(1_796_200_200));
    }
}
