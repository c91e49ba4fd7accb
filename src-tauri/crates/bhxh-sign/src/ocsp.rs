//! Revocation by OCSP (RFC 6960) for the signers of received PDFs, when the
//! trust folder holds no current CRL of their issuer: the certificate's own
//! responder (its Authority Information Access), asked over HTTP, and its
//! signed answer kept in a cache for the days the office is offline.
//!
//! An answer counts only when everything in it checks, and nothing can be
//! left out to pass:
//! - the response is `successful`, of type `id-pkix-ocsp-basic`, and names
//!   exactly this certificate (issuer name hash, issuer key hash, serial);
//! - it is signed by the issuer itself, or by a responder certificate the
//!   issuer signed that carries the `OCSPSigning` key purpose and was valid
//!   when the answer was produced (RFC 6960 §4.2.2.2) — any other
//!   certificate of the same CA cannot vouch for its siblings;
//! - the nonce we sent comes back unchanged when the responder echoes one
//!   (a replayed answer to an earlier request fails);
//! - it is not stale: `thisUpdate` not in the future, `nextUpdate` (when
//!   given) not past; without `nextUpdate`, an answer older than a day is
//!   not taken as current.
//!
//! A cached answer is read back through the same checks (it is signed, so
//! the cache needs no protection of its own) and is used for a signature
//! only when its `thisUpdate` is at or after the signature's time: "good"
//! then proves the certificate was not revoked when it signed.
//!
//! The request, the response and their parts are the RustCrypto `der`
//! derive over RFC 6960's ASN.1 module (`x509-ocsp` has no release for the
//! der-0.8 generation this crate's X.509 kit uses).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bhxh_emrtd::crypto::verify_signature;
use bhxh_emrtd::lds::sod::StoredCertificate;
use bhxh_emrtd::verify::trust::{TrustStore, Validity, validity_at};
use der::asn1::{Any, BitString, Int, Null, ObjectIdentifier, OctetString};
use der::{Choice, Decode, Encode, Enumerated, Sequence};
use sha2::Digest;
use x509_cert::ext::Extensions;

use crate::verify::cn_of;

/// `id-pkix-ocsp-basic`.
pub const OID_OCSP_BASIC: &str = "1.3.6.1.5.5.7.48.1.1";
/// `id-pkix-ocsp-nonce`.
pub const OID_OCSP_NONCE: &str = "1.3.6.1.5.5.7.48.1.2";
/// `id-ad-ocsp`: the access method of a responder in AIA.
pub const OID_AD_OCSP: &str = "1.3.6.1.5.5.7.48.1";
/// `id-kp-OCSPSigning`.
pub const OID_KP_OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";
const OID_AIA: &str = "1.3.6.1.5.5.7.1.1";
const OID_EKU: &str = "2.5.29.37";
const OID_SHA1: &str = "1.3.14.3.2.26";
const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(4);
const TIMEOUT: Duration = Duration::from_secs(10);
/// An OCSP answer is a few KB.
const MAX_RESPONSE: u64 = 64 * 1024;
/// Clocks differ: an answer up to this far in the future is accepted.
const SKEW: i64 = 300;
/// Without `nextUpdate`, how old an answer may be to count as current.
const MAX_AGE_WITHOUT_NEXT_UPDATE: i64 = 24 * 3600;

/// `CertID` (RFC 6960 §4.1.1).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct CertId {
    pub hash_algorithm: spki::AlgorithmIdentifierOwned,
    pub issuer_name_hash: OctetString,
    pub issuer_key_hash: OctetString,
    pub serial_number: Int,
}

/// `Request`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct Request {
    pub req_cert: CertId,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub single_request_extensions: Option<Extensions>,
}

/// `TBSRequest`, version v1 (the default, left out), no requestor name.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TbsRequest {
    pub request_list: Vec<Request>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    pub request_extensions: Option<Extensions>,
}

/// `OCSPRequest`, unsigned.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct OcspRequest {
    pub tbs_request: TbsRequest,
}

/// `OCSPResponseStatus`.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Enumerated)]
#[repr(u32)]
pub enum ResponseStatus {
    Successful = 0,
    MalformedRequest = 1,
    InternalError = 2,
    TryLater = 3,
    SigRequired = 5,
    Unauthorized = 6,
}

/// `ResponseBytes`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct ResponseBytes {
    pub response_type: ObjectIdentifier,
    pub response: OctetString,
}

/// `OCSPResponse`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct OcspResponse {
    pub response_status: ResponseStatus,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub response_bytes: Option<ResponseBytes>,
}

/// `BasicOCSPResponse`; `tbsResponseData` kept as read, for its signature.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct BasicOcspResponse {
    pub tbs_response_data: Any,
    pub signature_algorithm: spki::AlgorithmIdentifierOwned,
    pub signature: BitString,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub certs: Option<Vec<Any>>,
}

/// `ResponderID`.
#[derive(Clone, Debug, Eq, PartialEq, Choice)]
pub enum ResponderId {
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", constructed = "true")]
    ByName(x509_cert::name::Name),
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", constructed = "true")]
    ByKey(OctetString),
}

/// `ResponseData`. Times are kept as read (`GeneralizedTime`, fractions
/// allowed).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct ResponseData {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub version: Option<u8>,
    pub responder_id: ResponderId,
    pub produced_at: Any,
    pub responses: Vec<SingleResponse>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub response_extensions: Option<Extensions>,
}

/// `RevokedInfo`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct RevokedInfo {
    pub revocation_time: Any,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub revocation_reason: Option<Any>,
}

/// `CertStatus`.
#[derive(Clone, Debug, Eq, PartialEq, Choice)]
pub enum CertStatus {
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    Good(Null),
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    Revoked(RevokedInfo),
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    Unknown(Null),
}

/// `SingleResponse`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SingleResponse {
    pub cert_id: CertId,
    pub cert_status: CertStatus,
    pub this_update: Any,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub next_update: Option<Any>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub single_extensions: Option<Extensions>,
}

/// What a checked answer says about the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Good,
    /// Revoked at `at` (seconds since the epoch), for the CRL reason code
    /// when given.
    Revoked {
        at: i64,
        reason: Option<u8>,
    },
    /// The responder does not know the certificate.
    Unknown,
}

/// A checked answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: Status,
    /// `thisUpdate`, seconds since the epoch.
    pub this_update: i64,
    pub next_update: Option<i64>,
    /// Who signed it: the issuer's or the delegated responder's common name.
    pub responder: String,
}

/// The certificate's OCSP responder address (AIA, `id-ad-ocsp`, an
/// `http://` or `https://` URI), if it names one.
pub fn responder_url(cert: &StoredCertificate) -> Option<String> {
    let exts = cert.certificate.tbs_certificate().extensions()?;
    let aia = exts.iter().find(|e| e.extn_id.to_string() == OID_AIA)?;
    let aia = x509_cert::ext::pkix::AuthorityInfoAccessSyntax::from_der(aia.extn_value.as_bytes())
        .ok()?;
    aia.0.iter().find_map(|d| {
        if d.access_method.to_string() != OID_AD_OCSP {
            return None;
        }
        match &d.access_location {
            x509_cert::ext::pkix::name::GeneralName::UniformResourceIdentifier(u) => {
                let u = u.as_str();
                (u.starts_with("http://") || u.starts_with("https://")).then(|| u.to_owned())
            }
            _ => None,
        }
    })
}

fn hash(oid: &str, data: &[u8]) -> Option<Vec<u8>> {
    match oid {
        OID_SHA1 => Some(sha1::Sha1::digest(data).to_vec()),
        OID_SHA256 => Some(sha2::Sha256::digest(data).to_vec()),
        _ => None,
    }
}

/// The `CertID` of `cert` issued by `issuer`, with the hash `oid` names
/// (SHA-1, as responders expect, or SHA-256).
pub fn cert_id(
    cert: &StoredCertificate,
    issuer: &StoredCertificate,
    oid: &str,
) -> Result<CertId, String> {
    let name = cert
        .certificate
        .tbs_certificate()
        .issuer()
        .to_der()
        .map_err(|e| e.to_string())?;
    let key = issuer
        .certificate
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes();
    let alg = ObjectIdentifier::new(oid).map_err(|e| e.to_string())?;
    let unsupported = || format!("thuật toán băm {oid} không được hỗ trợ");
    Ok(CertId {
        hash_algorithm: spki::AlgorithmIdentifierOwned {
            oid: alg,
            parameters: None,
        },
        issuer_name_hash: OctetString::new(hash(oid, &name).ok_or_else(unsupported)?)
            .map_err(|e| e.to_string())?,
        issuer_key_hash: OctetString::new(hash(oid, key).ok_or_else(unsupported)?)
            .map_err(|e| e.to_string())?,
        serial_number: Int::new(
            cert.certificate
                .tbs_certificate()
                .serial_number()
                .as_bytes(),
        )
        .map_err(|e| e.to_string())?,
    })
}

fn nonce_extension(nonce: &[u8]) -> Result<x509_cert::ext::Extension, der::Error> {
    Ok(x509_cert::ext::Extension {
        extn_id: ObjectIdentifier::new_unwrap(OID_OCSP_NONCE),
        critical: false,
        extn_value: OctetString::new(OctetString::new(nonce)?.to_der()?)?,
    })
}

/// The DER `OCSPRequest` for `cert`, with `nonce` (RFC 8954: 1 to 32 bytes).
pub fn request_der(
    cert: &StoredCertificate,
    issuer: &StoredCertificate,
    nonce: &[u8],
) -> Result<Vec<u8>, String> {
    let req = OcspRequest {
        tbs_request: TbsRequest {
            request_list: vec![Request {
                req_cert: cert_id(cert, issuer, OID_SHA1)?,
                single_request_extensions: None,
            }],
            request_extensions: Some(vec![nonce_extension(nonce).map_err(|e| e.to_string())?]),
        },
    };
    req.to_der().map_err(|e| e.to_string())
}

fn time_of(t: &Any, what: &str) -> Result<i64, String> {
    crate::tsa::gen_time(t).map_err(|e| format!("{what}: {e}"))
}

fn secs(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn has_ocsp_signing_purpose(cert: &StoredCertificate) -> bool {
    let Some(exts) = cert.certificate.tbs_certificate().extensions() else {
        return false;
    };
    exts.iter()
        .find(|e| e.extn_id.to_string() == OID_EKU)
        .and_then(|e| {
            x509_cert::ext::pkix::ExtendedKeyUsage::from_der(e.extn_value.as_bytes()).ok()
        })
        .is_some_and(|eku| eku.0.iter().any(|p| p.to_string() == OID_KP_OCSP_SIGNING))
}

/// Whether `responder_id` names `cert` (by subject, or by the SHA-1 of its key).
fn names(responder_id: &ResponderId, cert: &StoredCertificate) -> bool {
    let tbs = cert.certificate.tbs_certificate();
    match responder_id {
        ResponderId::ByName(n) => n == tbs.subject(),
        ResponderId::ByKey(k) => {
            hash(
                OID_SHA1,
                tbs.subject_public_key_info().subject_public_key.raw_bytes(),
            )
            .as_deref()
                == Some(k.as_bytes())
        }
    }
}

/// Check an `OCSPResponse` (DER) about `cert`, issued by `issuer`, at
/// `now`. `nonce` is the one sent (none for a cached answer). The error
/// says in Vietnamese what is wrong.
pub fn check_response(
    der: &[u8],
    cert: &StoredCertificate,
    issuer: &StoredCertificate,
    nonce: Option<&[u8]>,
    now: SystemTime,
) -> Result<Answer, String> {
    let resp = OcspResponse::from_der(der)
        .map_err(|e| format!("phản hồi không phải OCSPResponse ({e})"))?;
    if resp.response_status != ResponseStatus::Successful {
        return Err(format!(
            "máy chủ OCSP từ chối trả lời ({:?})",
            resp.response_status
        ));
    }
    let bytes = resp.response_bytes.ok_or("phản hồi không có nội dung")?;
    if bytes.response_type.to_string() != OID_OCSP_BASIC {
        return Err(format!(
            "loại phản hồi {} không được hỗ trợ",
            bytes.response_type
        ));
    }
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes())
        .map_err(|e| format!("BasicOCSPResponse không đọc được ({e})"))?;
    let tbs_der = basic
        .tbs_response_data
        .to_der()
        .map_err(|e| e.to_string())?;
    let data = ResponseData::from_der(&tbs_der)
        .map_err(|e| format!("ResponseData không đọc được ({e})"))?;
    if data.version.is_some_and(|v| v != 0) {
        return Err(format!("ResponseData phiên bản {:?}", data.version));
    }
    let produced_at = time_of(&data.produced_at, "producedAt")?;

    // Who signed: the issuer, or a responder the issuer authorised.
    let signer = if names(&data.responder_id, issuer) {
        issuer.clone()
    } else {
        let carried: Vec<StoredCertificate> = basic
            .certs
            .iter()
            .flatten()
            .filter_map(|c| c.to_der().ok())
            .filter_map(|d| StoredCertificate::from_der(&d).ok())
            .collect();
        let responder = carried
            .into_iter()
            .find(|c| names(&data.responder_id, c))
            .ok_or("phản hồi không kèm chứng thư của máy chủ OCSP đã ký nó")?;
        let mut only_issuer = TrustStore::new();
        only_issuer
            .add_der(&issuer.der, "issuer")
            .map_err(|e| e.to_string())?;
        let at = UNIX_EPOCH + Duration::from_secs(u64::try_from(produced_at).unwrap_or(0));
        if only_issuer.verify_chain(&responder, at).issuer.is_err() {
            return Err(format!(
                "máy chủ OCSP «{}» không do «{}» cấp chứng thư",
                cn_of(&responder),
                cn_of(issuer)
            ));
        }
        if !has_ocsp_signing_purpose(&responder) {
            return Err(format!(
                "chứng thư «{}» không có mục đích sử dụng OCSPSigning: không được ký trả lời OCSP",
                cn_of(&responder)
            ));
        }
        if validity_at(&responder, at) != Validity::Valid {
            return Err(format!(
                "chứng thư của máy chủ OCSP «{}» không còn hiệu lực khi ký trả lời",
                cn_of(&responder)
            ));
        }
        responder
    };
    verify_signature(
        signer
            .certificate
            .tbs_certificate()
            .subject_public_key_info(),
        &basic.signature_algorithm,
        None,
        &tbs_der,
        basic.signature.raw_bytes(),
    )
    .map_err(|e| format!("chữ ký của máy chủ OCSP không đúng ({e})"))?;

    if let Some(sent) = nonce {
        let echoed = data
            .response_extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id.to_string() == OID_OCSP_NONCE);
        if let Some(echoed) = echoed {
            let want = nonce_extension(sent).map_err(|e| e.to_string())?;
            if echoed.extn_value != want.extn_value {
                return Err(
                    "số nonce trong trả lời không khớp với yêu cầu (trả lời cũ bị gửi lại)".into(),
                );
            }
        }
    }

    // The answer about this very certificate.
    let single = data
        .responses
        .iter()
        .find(|s| {
            let oid = s.cert_id.hash_algorithm.oid.to_string();
            cert_id(cert, issuer, &oid).is_ok_and(|mine| mine == s.cert_id)
        })
        .ok_or("trả lời không nói về chứng thư này")?;
    let this_update = time_of(&single.this_update, "thisUpdate")?;
    let next_update = single
        .next_update
        .as_ref()
        .map(|t| time_of(t, "nextUpdate"))
        .transpose()?;
    let now = secs(now);
    if this_update > now + SKEW {
        return Err("trả lời ghi thời điểm trong tương lai".into());
    }
    match next_update {
        Some(n) if n < now => {
            return Err("trả lời đã quá hạn (nextUpdate đã qua)".into());
        }
        None if this_update < now - MAX_AGE_WITHOUT_NEXT_UPDATE => {
            return Err("trả lời quá cũ (hơn một ngày, không có nextUpdate)".into());
        }
        _ => {}
    }
    let status = match &single.cert_status {
        CertStatus::Good(_) => Status::Good,
        CertStatus::Unknown(_) => Status::Unknown,
        CertStatus::Revoked(info) => Status::Revoked {
            at: time_of(&info.revocation_time, "revocationTime")?,
            reason: info
                .revocation_reason
                .as_ref()
                .and_then(|r| r.value().first().copied()),
        },
    };
    Ok(Answer {
        status,
        this_update,
        next_update,
        responder: cn_of(&signer),
    })
}

/// Where checked answers are kept between runs: one file per certificate,
/// named by the SHA-256 of its `CertID`, written atomically.
#[derive(Debug, Clone)]
pub struct OcspCache {
    dir: PathBuf,
}

impl OcspCache {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    fn path(&self, id: &CertId) -> Option<PathBuf> {
        let der = id.to_der().ok()?;
        Some(
            self.dir
                .join(format!("{}.der", hex::encode(sha2::Sha256::digest(der)))),
        )
    }

    fn get(&self, id: &CertId) -> Option<Vec<u8>> {
        let p = self.path(id)?;
        let f = std::fs::File::open(p).ok()?;
        let mut out = Vec::new();
        f.take(MAX_RESPONSE + 1).read_to_end(&mut out).ok()?;
        (out.len() as u64 <= MAX_RESPONSE).then_some(out)
    }

    /// Keep `der`; a failure only means the next offline check cannot use it.
    fn put(&self, id: &CertId, der: &[u8]) -> Result<(), String> {
        use std::io::Write;
        let path = self.path(id).ok_or("CertID")?;
        std::fs::create_dir_all(&self.dir).map_err(|e| e.to_string())?;
        let tmp = self
            .dir
            .join(format!(".tam-{}-{}.der", std::process::id(), rand_suffix()));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(der)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            e.to_string()
        })
    }
}

fn rand_suffix() -> String {
    let mut b = [0u8; 6];
    let _ = getrandom::fill(&mut b);
    hex::encode(b)
}

/// How the verifier reaches OCSP: asking online, and the cache.
#[derive(Debug, Default)]
pub struct OcspClient {
    pub cache: Option<OcspCache>,
    /// Ask responders over the network (tests and an offline desk may not).
    pub online: bool,
    /// Responders that did not answer during this client's life, with why:
    /// asked once, not again for every signature of a dossier.
    down: Mutex<HashMap<String, String>>,
}

/// What OCSP could say about one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A checked answer, fresh (`cached` false) or from the cache.
    Answered { answer: Answer, cached: bool },
    /// The certificate names no responder.
    NoResponder,
    /// No usable answer: the responder is down, or its answer did not check
    /// (why, in Vietnamese).
    Unavailable { url: String, why: String },
}

impl OcspClient {
    pub fn new(cache: Option<OcspCache>, online: bool) -> Self {
        Self {
            cache,
            online,
            down: Mutex::new(HashMap::new()),
        }
    }

    /// The status of `cert` (issued by `issuer`) for a signature made at
    /// `signed_at`: asked online first; when that gives nothing usable, the
    /// cached answer if it was made at or after `signed_at`.
    pub fn status(
        &self,
        cert: &StoredCertificate,
        issuer: &StoredCertificate,
        signed_at: SystemTime,
        now: SystemTime,
    ) -> Outcome {
        let Some(url) = responder_url(cert) else {
            return Outcome::NoResponder;
        };
        let id = match cert_id(cert, issuer, OID_SHA1) {
            Ok(id) => id,
            Err(why) => return Outcome::Unavailable { url, why },
        };
        let fresh = if self.online {
            self.ask(&url, cert, issuer, now)
        } else {
            Err("máy không kết nối mạng".into())
        };
        let why = match fresh {
            Ok((der, answer)) => {
                if let Some(cache) = &self.cache {
                    // Best effort: the answer is used now either way.
                    let _ = cache.put(&id, &der);
                }
                return Outcome::Answered {
                    answer,
                    cached: false,
                };
            }
            Err(why) => why,
        };
        let cached = self
            .cache
            .as_ref()
            .and_then(|c| c.get(&id))
            .and_then(|der| check_response(&der, cert, issuer, None, now).ok())
            .filter(|a| {
                matches!(a.status, Status::Revoked { .. }) || a.this_update >= secs(signed_at)
            });
        match cached {
            Some(answer) => Outcome::Answered {
                answer,
                cached: true,
            },
            None => Outcome::Unavailable { url, why },
        }
    }

    fn ask(
        &self,
        url: &str,
        cert: &StoredCertificate,
        issuer: &StoredCertificate,
        now: SystemTime,
    ) -> Result<(Vec<u8>, Answer), String> {
        if let Some(why) = self.down.lock().ok().and_then(|d| d.get(url).cloned()) {
            return Err(why);
        }
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).map_err(|e| e.to_string())?;
        let result = request_der(cert, issuer, &nonce)
            .and_then(|body| post(url, body))
            .and_then(|der| {
                check_response(&der, cert, issuer, Some(&nonce), now).map(|a| (der, a))
            });
        if let Err(why) = &result
            && let Ok(mut d) = self.down.lock()
        {
            d.insert(url.to_owned(), why.clone());
        }
        result
    }
}

fn post(url: &str, body: Vec<u8>) -> Result<Vec<u8>, String> {
    // reqwest is built without its own crypto provider: use ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::blocking::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("bhxh-desk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())?;
    let resp = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/ocsp-request")
        .header(reqwest::header::ACCEPT, "application/ocsp-response")
        .body(body)
        .send()
        .map_err(|e| {
            if e.is_timeout() {
                "máy chủ OCSP không trả lời kịp".to_owned()
            } else if e.is_connect() {
                "không kết nối được máy chủ OCSP".to_owned()
            } else {
                e.to_string()
            }
        })?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("máy chủ OCSP trả lời HTTP {status}"));
    }
    let mut answer = Vec::new();
    resp.take(MAX_RESPONSE + 1)
        .read_to_end(&mut answer)
        .map_err(|e| format!("đọc trả lời OCSP: {e}"))?;
    if answer.len() as u64 > MAX_RESPONSE {
        return Err(format!("trả lời OCSP lớn hơn {MAX_RESPONSE} byte"));
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed certificate made by openssl (any will do: nothing in
    /// these tests gets as far as trusting it).
    fn some_cert() -> StoredCertificate {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("c.der");
        let ok = std::process::Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .args(["ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=x"])
            .args(["-keyout"])
            .arg(dir.path().join("k.pem"))
            .args(["-outform", "DER", "-out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(ok.status.success(), "openssl: {ok:?}");
        StoredCertificate::from_der(&std::fs::read(out).unwrap()).unwrap()
    }

    #[test]
    fn malformed_answers_are_errors_not_panics() {
        let cert = some_cert();
        for (bad, says) in [
            (&b""[..], "OCSPResponse"),
            (&[0x30, 0x03, 0x0A, 0x01, 0x00][..], "không có nội dung"),
            (&[0x30, 0x03, 0x0A, 0x01, 0x06][..], "Unauthorized"),
            (&[0x30, 0x80][..], "OCSPResponse"),
            (&[0xFF; 40][..], "OCSPResponse"),
        ] {
            let e = check_response(bad, &cert, &cert, None, SystemTime::now()).unwrap_err();
            assert!(e.contains(says), "{bad:02X?}: {e}");
        }
    }

    #[test]
    fn a_request_names_the_certificate_and_carries_the_nonce() {
        let cert = some_cert();
        let req = request_der(&cert, &cert, &[7; 16]).unwrap();
        let back = OcspRequest::from_der(&req).unwrap();
        let id = &back.tbs_request.request_list[0].req_cert;
        assert_eq!(id, &cert_id(&cert, &cert, OID_SHA1).unwrap());
        assert_eq!(id.issuer_name_hash.as_bytes().len(), 20);
        let ext = &back.tbs_request.request_extensions.unwrap()[0];
        assert_eq!(ext.extn_id.to_string(), OID_OCSP_NONCE);
        assert!(ext.extn_value.as_bytes().ends_with(&[7; 16]));
        // No responder named: nothing to ask.
        assert_eq!(responder_url(&cert), None);
    }
}
