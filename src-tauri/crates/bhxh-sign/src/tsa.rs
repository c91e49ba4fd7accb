//! RFC 3161 timestamps for PAdES baseline B-T (ETSI EN 319 142-1 §6.3,
//! level B-T: a `signature-time-stamp` over the signature value, carried as
//! the unsigned attribute `id-aa-signatureTimeStampToken`, RFC 3161
//! Appendix A).
//!
//! - [`timestamp`] asks a Time-Stamping Authority (TSA) over HTTP(S)
//!   (RFC 3161 §3.4, `application/timestamp-query`) for a token over a
//!   signature value: SHA-256 message imprint, a random nonce, `certReq`
//!   true; the answer is checked before it is used (status granted, nonce,
//!   imprint, the TSA's signature and its `timeStamping` key purpose: the
//!   only one, in a critical extension, as RFC 3161 §2.3 requires).
//! - [`check_token`] checks a token against a signature value; the
//!   verifier calls it for every timestamp a signature carries.
//!
//! The request, the response and `TSTInfo` are the RustCrypto `der`
//! derive; the token's `SignedData` is read by [`crate::cms::parse`], which
//! keeps the exact bytes signed.

use std::io::Read;
use std::time::{Duration, UNIX_EPOCH};

use bhxh_emrtd::crypto::verify_signature;
use bhxh_emrtd::lds::sod::StoredCertificate;
use bhxh_emrtd::verify::trust::{Validity, format_utc, validity_at};
use der::asn1::{Any, BitString, Int, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence, Tagged};

use crate::error::SignError;
use crate::verify::cn_of;

/// `id-ct-TSTInfo`: the content a timestamp token signs.
pub const OID_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
/// `id-kp-timeStamping`: the key purpose a TSA certificate must carry
/// (RFC 3161 §2.3).
pub const OID_KP_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
const OID_EXTENDED_KEY_USAGE: &str = "2.5.29.37";
const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";

/// How long a TSA may take: connecting, and the whole answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const TIMEOUT: Duration = Duration::from_secs(30);
/// A TSA's answer is a few KB; anything this large is refused.
const MAX_RESPONSE: u64 = 256 * 1024;

/// `MessageImprint ::= SEQUENCE { hashAlgorithm, hashedMessage }`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct MessageImprint {
    pub hash_algorithm: spki::AlgorithmIdentifierOwned,
    pub hashed_message: OctetString,
}

/// `TimeStampReq` (RFC 3161 §2.4.1), without policy or extensions.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampReq {
    pub version: u8,
    pub message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    pub req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    #[asn1(default = "Default::default")]
    pub cert_req: bool,
}

/// `PKIStatusInfo` (RFC 3161 §2.4.2).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct PkiStatusInfo {
    pub status: u32,
    #[asn1(optional = "true")]
    pub status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    pub fail_info: Option<BitString>,
}

/// `TimeStampResp` (RFC 3161 §2.4.2).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampResp {
    pub status: PkiStatusInfo,
    #[asn1(optional = "true")]
    pub time_stamp_token: Option<Any>,
}

/// `Accuracy` (RFC 3161 §2.4.2).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct Accuracy {
    #[asn1(optional = "true")]
    pub seconds: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub millis: Option<Int>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub micros: Option<Int>,
}

/// `TSTInfo` (RFC 3161 §2.4.2). `genTime` is kept as read: a TSA may give
/// fractions of a second, which `der`'s `GeneralizedTime` refuses.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TstInfo {
    pub version: u8,
    pub policy: ObjectIdentifier,
    pub message_imprint: MessageImprint,
    pub serial_number: Int,
    pub gen_time: Any,
    #[asn1(optional = "true")]
    pub accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    pub ordering: bool,
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub tsa: Option<Any>,
    #[asn1(
        context_specific = "1",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub extensions: Option<x509_cert::ext::Extensions>,
}

/// A timestamp token, checked.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    /// `genTime`, seconds since the epoch (fractions dropped).
    pub time: i64,
    /// The TSA certificate's common name (or whole subject).
    pub tsa_name: String,
    pub tsa_cert: StoredCertificate,
    /// Every certificate the token carries (the TSA's chain).
    pub certificates: Vec<StoredCertificate>,
    /// The nonce, as its INTEGER's content octets.
    pub nonce: Option<Vec<u8>>,
    pub serial: String,
}

/// The digest `oid` names over `parts`: SHA-256, SHA-384 or SHA-512 only.
pub(crate) fn digest(oid: &str, parts: &[&[u8]]) -> Option<Vec<u8>> {
    use sha2::Digest;
    fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
        let mut h = D::new();
        for p in parts {
            h.update(p);
        }
        h.finalize().to_vec()
    }
    match oid {
        OID_SHA256 => Some(run::<sha2::Sha256>(parts)),
        "2.16.840.1.101.3.4.2.2" => Some(run::<sha2::Sha384>(parts)),
        "2.16.840.1.101.3.4.2.3" => Some(run::<sha2::Sha512>(parts)),
        _ => None,
    }
}

/// Whether `cert` is fit to sign timestamps (RFC 3161 §2.3): exactly one
/// extended key usage extension, critical, whose only purpose is
/// `timeStamping`. The error says which of these fails.
pub fn time_stamping_purpose(cert: &StoredCertificate) -> Result<(), String> {
    let who = cn_of(cert);
    let ekus: Vec<_> = cert
        .certificate
        .tbs_certificate()
        .extensions()
        .into_iter()
        .flatten()
        .filter(|e| e.extn_id.to_string() == OID_EXTENDED_KEY_USAGE)
        .collect();
    let [eku] = ekus[..] else {
        return Err(if ekus.is_empty() {
            format!("chứng thư «{who}» không có mục đích sử dụng timeStamping")
        } else {
            format!(
                "chứng thư «{who}» có {} phần mở rộng extendedKeyUsage",
                ekus.len()
            )
        });
    };
    let purposes = x509_cert::ext::pkix::ExtendedKeyUsage::from_der(eku.extn_value.as_bytes())
        .map_err(|e| format!("extendedKeyUsage của «{who}» không đọc được ({e})"))?;
    if !purposes
        .0
        .iter()
        .any(|p| p.to_string() == OID_KP_TIME_STAMPING)
    {
        return Err(format!(
            "chứng thư «{who}» không có mục đích sử dụng timeStamping"
        ));
    }
    if purposes.0.len() != 1 {
        return Err(format!(
            "chứng thư «{who}» có mục đích sử dụng khác ngoài timeStamping"
        ));
    }
    if !eku.critical {
        return Err(format!(
            "mục đích sử dụng timeStamping trong chứng thư «{who}» không được đánh dấu bắt buộc (critical)"
        ));
    }
    Ok(())
}

/// `GeneralizedTime` `YYYYMMDDHHMMSS[.fff]Z` in seconds since the epoch.
pub(crate) fn gen_time(t: &Any) -> Result<i64, String> {
    if t.tag() != der::Tag::GeneralizedTime {
        return Err("genTime không phải GeneralizedTime".into());
    }
    let s = std::str::from_utf8(t.value()).map_err(|_| "genTime không đọc được")?;
    let s = s
        .strip_suffix('Z')
        .ok_or("genTime không theo giờ UTC (thiếu Z)")?;
    let whole = s.split('.').next().unwrap_or_default();
    let dt = chrono::NaiveDateTime::parse_from_str(whole, "%Y%m%d%H%M%S")
        .map_err(|_| format!("genTime «{s}» không đọc được"))?;
    Ok(dt.and_utc().timestamp())
}

/// Check a `TimeStampToken` (DER `ContentInfo`) against the signature value
/// it must stamp: its `TSTInfo`'s message imprint is the digest of
/// `signature`, the TSA's key signed it (the content type and digest bound
/// in the signed attributes, the ESS certificate binding when present), the
/// TSA certificate has the `timeStamping` key purpose and was valid at
/// `genTime`. The TSA's chain to a trusted root is the caller's to check.
///
/// The error says in Vietnamese what is wrong.
pub fn check_token(token: &[u8], signature: &[u8]) -> Result<TokenInfo, String> {
    let p = crate::cms::parse(token).map_err(|e| format!("không đọc được: {e}"))?;
    if p.signer_count != 1 {
        return Err(format!("có {} người ký (phải là một)", p.signer_count));
    }
    if p.econtent_type.as_deref() != Some(OID_TST_INFO) {
        return Err("nội dung không phải TSTInfo".into());
    }
    let tst_der = p.econtent.as_deref().ok_or("không có TSTInfo")?;
    let tst = TstInfo::from_der(tst_der).map_err(|e| format!("TSTInfo không đọc được: {e}"))?;
    if tst.version != 1 {
        return Err(format!("TSTInfo phiên bản {}", tst.version));
    }
    let imprint_alg = tst.message_imprint.hash_algorithm.oid.to_string();
    let want = digest(&imprint_alg, &[signature])
        .ok_or_else(|| format!("thuật toán băm {imprint_alg} không được chấp nhận"))?;
    if tst.message_imprint.hashed_message.as_bytes() != want.as_slice() {
        return Err(
            "được cấp cho dữ liệu khác, không phải cho chữ ký này (messageImprint không khớp với giá trị chữ ký)"
                .into(),
        );
    }
    if p.signed_attrs.is_none() {
        return Err("thiếu thuộc tính ký (signedAttributes)".into());
    }
    if p.content_type.as_deref() != Some(OID_TST_INFO) {
        return Err("thuộc tính contentType thiếu hoặc sai".into());
    }
    let content_digest = digest(&p.digest_oid, &[tst_der])
        .ok_or_else(|| format!("thuật toán băm {} không được chấp nhận", p.digest_oid))?;
    if p.message_digest.as_deref() != Some(content_digest.as_slice()) {
        return Err("TSTInfo đã bị sửa (messageDigest không khớp)".into());
    }
    let cert = p
        .signer
        .and_then(|i| p.certificates.get(i))
        .ok_or("không kèm chứng thư của máy chủ dấu thời gian")?;
    let hint = bhxh_emrtd::crypto::HashAlgorithm::from_oid(
        &ObjectIdentifier::new(&p.digest_oid).unwrap_or(const_oid::db::rfc5912::ID_SHA_256),
    );
    let signed_attrs = p.signed_attrs.as_deref().unwrap_or_default();
    verify_signature(
        cert.certificate.tbs_certificate().subject_public_key_info(),
        &p.signature_algorithm,
        hint,
        signed_attrs,
        &p.signature,
    )
    .map_err(|e| format!("chữ ký của máy chủ dấu thời gian không đúng ({e})"))?;
    if let Some(h) = &p.ess_cert_hash
        && digest(OID_SHA256, &[&cert.der]).as_deref() != Some(h.as_slice())
    {
        return Err("thuộc tính signingCertificate không khớp với chứng thư kèm theo".into());
    }
    time_stamping_purpose(cert)?;
    let time = gen_time(&tst.gen_time)?;
    let at = UNIX_EPOCH + Duration::from_secs(u64::try_from(time).unwrap_or(0));
    match validity_at(cert, at) {
        Validity::Valid => {}
        Validity::Expired { not_after } => {
            return Err(format!(
                "chứng thư «{}» đã hết hạn ({}) trước thời điểm đóng dấu",
                cn_of(cert),
                format_utc(not_after)
            ));
        }
        Validity::NotYetValid { not_before } => {
            return Err(format!(
                "chứng thư «{}» chưa có hiệu lực ({}) tại thời điểm đóng dấu",
                cn_of(cert),
                format_utc(not_before)
            ));
        }
    }
    Ok(TokenInfo {
        time,
        tsa_name: cn_of(cert),
        tsa_cert: cert.clone(),
        certificates: p.certificates.clone(),
        nonce: tst.nonce.as_ref().map(|n| n.as_bytes().to_vec()),
        serial: hex::encode_upper(tst.serial_number.as_bytes()),
    })
}

/// A TSA's address as the desk keeps it: `http://` or `https://`, a host,
/// no account in it.
pub fn check_url(url: &str) -> Result<String, SignError> {
    let url = url.trim();
    let bad = |why: &str| SignError::TsaUrl {
        url: url.to_owned(),
        why: why.to_owned(),
    };
    let parsed = reqwest::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("chỉ dùng http:// hoặc https://"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("thiếu tên máy chủ"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad("không ghi tài khoản trong địa chỉ"));
    }
    Ok(parsed.as_str().to_owned())
}

/// A fresh nonce: 8 random bytes, positive and with no leading zero byte,
/// so the INTEGER's content octets are exactly these 8 bytes.
fn nonce() -> Result<[u8; 8], String> {
    let mut n = [0u8; 8];
    getrandom::fill(&mut n).map_err(|e| format!("không tạo được số ngẫu nhiên: {e}"))?;
    n[0] = (n[0] & 0x7F) | 0x40;
    Ok(n)
}

/// The DER `TimeStampReq` for `signature`, with `nonce`.
pub fn request_der(signature: &[u8], nonce: &[u8]) -> Result<Vec<u8>, SignError> {
    let req = TimeStampReq {
        version: 1,
        message_imprint: MessageImprint {
            hash_algorithm: spki::AlgorithmIdentifierOwned {
                oid: const_oid::db::rfc5912::ID_SHA_256,
                parameters: None,
            },
            hashed_message: OctetString::new(digest(OID_SHA256, &[signature]).unwrap_or_default())?,
        },
        req_policy: None,
        nonce: Some(Int::new(nonce)?),
        cert_req: true,
    };
    Ok(req.to_der()?)
}

/// Ask the TSA at `url` for a timestamp token over `signature` (a CMS
/// `SignerInfo`'s signature value) and check it. Any failure — no answer,
/// an HTTP error, a refusal, a token that does not check — is an error:
/// the caller does not sign without the timestamp it asked for.
pub fn timestamp(url: &str, signature: &[u8]) -> Result<Vec<u8>, SignError> {
    let fail = |detail: String| SignError::Timestamp {
        url: url.to_owned(),
        detail,
    };
    let nonce = nonce().map_err(fail)?;
    let body = request_der(signature, &nonce)?;
    // reqwest is built without its own crypto provider: use ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::blocking::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("bhxh-desk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let resp = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/timestamp-query")
        .header(reqwest::header::ACCEPT, "application/timestamp-reply")
        .body(body)
        .send()
        .map_err(|e| {
            fail(if e.is_timeout() {
                "máy chủ không trả lời kịp".to_owned()
            } else if e.is_connect() {
                "không kết nối được (máy chủ không chạy, sai địa chỉ hoặc mạng bị chặn)".to_owned()
            } else {
                e.to_string()
            })
        })?;
    let status = resp.status();
    if !status.is_success() {
        return Err(fail(format!("máy chủ trả lời HTTP {status}")));
    }
    let mut answer = Vec::new();
    resp.take(MAX_RESPONSE + 1)
        .read_to_end(&mut answer)
        .map_err(|e| fail(format!("đọc phản hồi: {e}")))?;
    if answer.len() as u64 > MAX_RESPONSE {
        return Err(fail(format!("phản hồi lớn hơn {MAX_RESPONSE} byte")));
    }
    let token = read_response(&answer).map_err(fail)?;
    let info = check_token(&token, signature)
        .map_err(|e| fail(format!("dấu thời gian nhận về không hợp lệ: {e}")))?;
    if info.nonce.as_deref() != Some(nonce.as_slice()) {
        return Err(fail(
            "số nonce trong dấu thời gian không khớp với yêu cầu (phản hồi không phải cho yêu cầu này)"
                .into(),
        ));
    }
    Ok(token)
}

/// The token of a `TimeStampResp`, when the TSA granted it.
pub fn read_response(answer: &[u8]) -> Result<Vec<u8>, String> {
    let resp = TimeStampResp::from_der(answer)
        .map_err(|e| format!("phản hồi không phải TimeStampResp ({e})"))?;
    // granted (0) or grantedWithMods (1).
    if resp.status.status > 1 {
        let text = resp
            .status
            .status_string
            .map(|s| format!(": {}", s.join("; ")))
            .unwrap_or_default();
        return Err(format!(
            "máy chủ từ chối cấp dấu thời gian (trạng thái {}{text})",
            resp.status.status
        ));
    }
    let token = resp
        .time_stamp_token
        .ok_or("phản hồi không kèm dấu thời gian")?;
    token.to_der().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_der_with_a_sha256_imprint_a_nonce_and_cert_req() {
        let der = request_der(b"signature", &[0x41; 8]).unwrap();
        let back = TimeStampReq::from_der(&der).unwrap();
        assert_eq!(back.version, 1);
        assert!(back.cert_req);
        assert_eq!(back.nonce.unwrap().as_bytes(), &[0x41; 8]);
        assert_eq!(
            back.message_imprint.hashed_message.as_bytes(),
            digest(OID_SHA256, &[b"signature"]).unwrap().as_slice()
        );
    }

    #[test]
    fn malformed_responses_and_tokens_are_errors_not_panics() {
        for bad in [
            &b""[..],
            &[0x30, 0x03, 0x30, 0x01, 0x02][..],
            &[0x30, 0x80][..],
            &[0xFF; 40][..],
            // status rejection (2), no token
            &[0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02][..],
            // granted, no token
            &[0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00][..],
        ] {
            assert!(read_response(bad).is_err(), "{bad:02X?}");
            assert!(check_token(bad, b"sig").is_err(), "{bad:02X?}");
        }
    }

    #[test]
    fn urls_must_be_http() {
        assert!(check_url("http://127.0.0.1:9/tsa").is_ok());
        assert!(check_url("https://tsa.example.vn").is_ok());
        for bad in ["ftp://x", "tsa.example.vn", "http://u:p@x/", ""] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nonces_are_eight_positive_bytes() {
        let n = nonce().unwrap();
        assert_eq!(Int::new(&n).unwrap().as_bytes(), &n);
    }
}
