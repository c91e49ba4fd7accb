//! Verifying the signatures on a PDF: for each, that its byte range is the
//! whole file but exactly its own `/Contents` hole (or an earlier revision
//! of it), that the digest matches, that the signer's key signed it, that
//! the signer's certificate chains to a root of the trust folder, was valid
//! when it signed and is not on a CRL of the folder — or, where the folder
//! has no current CRL of its issuer, what the certificate's OCSP responder
//! says (asked online, or its cached answer: [`crate::ocsp`]).
//!
//! A signature with an RFC 3161 timestamp (PAdES B-T) has its timestamp
//! checked too: the token's imprint must be the digest of this signature's
//! value (a timestamp moved from another signature makes it invalid), the
//! TSA's key signed it, the TSA certificate has the `timeStamping` purpose
//! and chains to the folder; its time is then the trusted signing time at
//! which the signer's certificate is checked.
//!
//! Nothing can be left out to pass: a missing digest attribute, a missing
//! certificate, a byte range with a gap elsewhere, a chain ending in a root
//! the PDF itself carries — each is a failure, never "not checked".

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bhxh_emrtd::crypto::verify_signature;
use bhxh_emrtd::lds::sod::StoredCertificate;
use bhxh_emrtd::verify::trust::{
    ChainError, Revocation, TrustError, TrustStore, Validity, format_utc, validity_at,
};

use crate::cms::{self, OID_DATA};
use crate::error::SignError;
use crate::ocsp::{OcspClient, Outcome, Status};
use crate::pdf::read::{PdfSignature, parse_pdf_date, signatures};
use crate::tsa::digest;

/// Whether a certificate is a CA's (basicConstraints cA = TRUE).
pub fn is_ca(cert: &StoredCertificate) -> bool {
    use der::Decode;
    let Some(exts) = cert.certificate.tbs_certificate().extensions() else {
        return false;
    };
    exts.iter()
        .find(|e| e.extn_id.to_string() == "2.5.29.19")
        .and_then(|e| {
            x509_cert::ext::pkix::BasicConstraints::from_der(e.extn_value.as_bytes()).ok()
        })
        .is_some_and(|bc| bc.ca)
}

fn self_signed(cert: &StoredCertificate) -> bool {
    let tbs = cert.certificate.tbs_certificate();
    tbs.subject() == tbs.issuer()
}

/// The trust folder: the roots (self-signed certificates of the folder; a
/// chain must end in one), intermediate CA certificates, and CRLs.
#[derive(Debug, Clone, Default)]
pub struct PdfTrust {
    store: TrustStore,
    roots: Vec<Vec<u8>>,
    pub problems: Vec<String>,
    /// How revocation is asked when the folder has no current CRL.
    ocsp: Option<Arc<OcspClient>>,
}

impl PdfTrust {
    /// Load every certificate and CRL file of `dir` (PEM or DER). A missing
    /// folder is an empty trust (every chain then fails to a root).
    pub fn load_dir(dir: &Path) -> Self {
        if !dir.is_dir() {
            return Self::default();
        }
        match TrustStore::load_dir(dir) {
            Ok((store, problems)) => {
                Self::from_store(store, problems.iter().map(TrustError::to_string).collect())
            }
            Err(e) => Self {
                problems: vec![e.to_string()],
                ..Self::default()
            },
        }
    }

    fn from_store(store: TrustStore, problems: Vec<String>) -> Self {
        let roots = store
            .anchors()
            .iter()
            .filter(|a| self_signed(&a.cert))
            .map(|a| a.cert.der.clone())
            .collect();
        Self {
            store,
            roots,
            problems,
            ocsp: None,
        }
    }

    /// Ask OCSP (online and/or from its cache, as `client` says) for a
    /// certificate whose issuer has no current CRL in the folder.
    pub fn with_ocsp(mut self, client: OcspClient) -> Self {
        self.ocsp = Some(Arc::new(client));
        self
    }

    /// Certificates and CRLs given as DER (tests, HQ packs).
    pub fn from_der(items: &[Vec<u8>]) -> Self {
        let mut store = TrustStore::new();
        let mut problems = Vec::new();
        for (i, d) in items.iter().enumerate() {
            if let Err(e) = store.add_der(d, &format!("#{i}")) {
                problems.push(e.to_string());
            }
        }
        Self::from_store(store, problems)
    }

    pub fn root_count(&self) -> usize {
        self.roots.len()
    }

    /// The signer's CA certificates from the folder, issuer first, as far as
    /// they go (for carrying in a new signature).
    pub fn chain_of(&self, cert_der: &[u8]) -> Vec<Vec<u8>> {
        let Ok(mut cur) = StoredCertificate::from_der(cert_der) else {
            return Vec::new();
        };
        let mut out: Vec<Vec<u8>> = Vec::new();
        let now = SystemTime::now();
        for _ in 0..8 {
            if self_signed(&cur) {
                break;
            }
            match self.store.verify_chain(&cur, now).issuer {
                Ok(v) if !out.contains(&v.anchor.cert.der) => {
                    out.push(v.anchor.cert.der.clone());
                    cur = v.anchor.cert;
                }
                _ => break,
            }
        }
        out
    }
}

/// The verdict on one signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Everything holds.
    Valid,
    /// The signature and the bytes hold, but something is unknown
    /// (revocation not checkable offline, bytes added after signing, a root
    /// not in the folder…): shown amber, said plainly.
    Indeterminate,
    /// Broken: altered bytes, a wrong signature, a revoked or expired signer.
    Invalid,
}

/// The PAdES baseline level a signature reached (ETSI EN 319 142-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// B-B: the signature alone; its time is the one the signer claims.
    Basic,
    /// B-T: a valid RFC 3161 timestamp over the signature value proves it
    /// existed at the timestamp's time.
    Timestamped,
}

impl Level {
    /// `B-B` or `B-T`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Basic => "B-B",
            Level::Timestamped => "B-T",
        }
    }
}

/// One signature, verified.
#[derive(Debug, Clone)]
pub struct SignatureReport {
    pub field: String,
    /// The signer's common name (or whole subject).
    pub signer: String,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    /// The signing time claimed (`/M` or `signingTime`), seconds since the epoch.
    pub signed_at: Option<i64>,
    /// The byte range and the digest hold.
    pub intact: bool,
    /// The signature covers the whole file (no bytes added after it).
    pub covers_whole_file: bool,
    /// The signer's key signed the attributes.
    pub signature_ok: bool,
    /// The chain ends in a root of the trust folder.
    pub trusted: bool,
    /// A timestamp token is attached (valid or not: see `level`).
    pub timestamped: bool,
    /// B-T only when the timestamp checks.
    pub level: Level,
    /// The timestamp's time ("dấu thời gian"), seconds since the epoch:
    /// the trusted signing time.
    pub timestamp_at: Option<i64>,
    /// The timestamp server's name (its certificate's common name).
    pub timestamp_authority: Option<String>,
    pub sub_filter: String,
    pub verdict: Verdict,
    /// One line, Vietnamese: what the counter sees.
    pub summary: String,
    /// Every finding, Vietnamese.
    pub findings: Vec<String>,
}

/// A certificate's common name (or its whole subject when it has none).
pub(crate) fn cn_of(cert: &StoredCertificate) -> String {
    match cert.certificate.tbs_certificate().subject().common_name() {
        Ok(Some(cn)) => cn.value().into_owned(),
        _ => cert.subject(),
    }
}

/// A time as the counter reads it: Vietnam's time (UTC+7, no summer time).
fn date_vi(secs: i64) -> String {
    let Some(t) = chrono::DateTime::from_timestamp(secs, 0) else {
        return String::new();
    };
    match chrono::FixedOffset::east_opt(7 * 3600) {
        Some(vn) => t
            .with_timezone(&vn)
            .format("%H:%M ngày %d/%m/%Y")
            .to_string(),
        None => t.format("%H:%M ngày %d/%m/%Y (UTC)").to_string(),
    }
}

/// Verify every signature of `pdf` against `trust` at `now`.
pub fn verify_pdf(
    pdf: &[u8],
    trust: &PdfTrust,
    now: SystemTime,
) -> Result<Vec<SignatureReport>, SignError> {
    let (_, sigs) = signatures(pdf)?;
    Ok(sigs
        .iter()
        .map(|s| verify_one(pdf, s, trust, now))
        .collect())
}

fn verify_one(pdf: &[u8], s: &PdfSignature, trust: &PdfTrust, now: SystemTime) -> SignatureReport {
    let mut r = SignatureReport {
        field: s.field.clone(),
        signer: s.name.clone().unwrap_or_default(),
        subject: String::new(),
        issuer: String::new(),
        serial: String::new(),
        signed_at: s.m.as_deref().and_then(parse_pdf_date),
        intact: false,
        covers_whole_file: false,
        signature_ok: false,
        trusted: false,
        timestamped: false,
        level: Level::Basic,
        timestamp_at: None,
        timestamp_authority: None,
        sub_filter: s.sub_filter.clone(),
        verdict: Verdict::Invalid,
        summary: String::new(),
        findings: Vec::new(),
    };
    let mut broken = Vec::new();
    let mut unsure = Vec::new();

    // 1. The byte range: [0 a b c], the hole a..b exactly this signature's
    //    hex string, and nothing else left out.
    let range = byte_range(pdf, s);
    let Some((a, b, end)) = range.as_ref().ok().copied() else {
        let why = range.err().unwrap_or_default();
        return finish(
            r,
            vec![format!("Vùng ký (ByteRange) không hợp lệ: {why}.")],
            Vec::new(),
        );
    };
    r.covers_whole_file = end == pdf.len();
    if !r.covers_whole_file {
        unsure.push(format!(
            "Chữ ký chỉ phủ {end} trong {} byte: tệp có phần được thêm sau khi ký (chữ ký khác hoặc thay đổi).",
            pdf.len()
        ));
    }

    // 2. The CMS.
    let parsed = match cms::parse(&s.contents) {
        Ok(p) => p,
        Err(e) => {
            return finish(
                r,
                vec![format!("Không đọc được chữ ký (CMS): {e}.")],
                Vec::new(),
            );
        }
    };
    r.timestamped = parsed.timestamped;
    if parsed.signer_count != 1 {
        broken.push(format!(
            "Chữ ký có {} người ký (phải là một).",
            parsed.signer_count
        ));
    }
    let Some(cert) = parsed.signer.and_then(|i| parsed.certificates.get(i)) else {
        return finish(
            r,
            vec!["Chữ ký không kèm chứng thư số của người ký.".into()],
            Vec::new(),
        );
    };
    r.signer = cn_of(cert);
    r.subject = cert.subject();
    r.issuer = cert.issuer();
    r.serial = cert.serial();
    if let Some(t) = parsed.signing_time {
        r.signed_at.get_or_insert(i64::try_from(t).unwrap_or(0));
    }

    // 3. The digest of the covered bytes, bound by the signed attributes.
    let digest = match digest(&parsed.digest_oid, &[&pdf[..a], &pdf[b..end]]) {
        Some(d) => d,
        None => {
            broken.push(format!(
                "Thuật toán băm {} không được chấp nhận (chỉ SHA-256, SHA-384, SHA-512).",
                parsed.digest_oid
            ));
            Vec::new()
        }
    };
    let Some(signed_attrs) = parsed.signed_attrs.as_deref() else {
        return finish(
            r,
            vec![
                "Chữ ký không có thuộc tính ký (signedAttributes): không gắn được với nội dung."
                    .into(),
            ],
            Vec::new(),
        );
    };
    if parsed.content_type.as_deref() != Some(OID_DATA) {
        broken.push("Thuộc tính contentType thiếu hoặc sai.".into());
    }
    match &parsed.message_digest {
        Some(md) if !digest.is_empty() && *md == digest => r.intact = true,
        Some(_) => broken.push("Tài liệu đã bị sửa sau khi ký: mã băm không khớp.".into()),
        None => broken.push("Chữ ký thiếu thuộc tính messageDigest.".into()),
    }

    // 4. The signer's key signed those attributes.
    let spki = cert.certificate.tbs_certificate().subject_public_key_info();
    let hint = bhxh_emrtd::crypto::HashAlgorithm::from_oid(
        &const_oid::ObjectIdentifier::new(&parsed.digest_oid)
            .unwrap_or(const_oid::db::rfc5912::ID_SHA_256),
    );
    match verify_signature(
        spki,
        &parsed.signature_algorithm,
        hint,
        signed_attrs,
        &parsed.signature,
    ) {
        Ok(_) => r.signature_ok = true,
        Err(e) => broken.push(format!(
            "Chữ ký số không khớp với chứng thư của người ký ({e})."
        )),
    }
    // PAdES binds the certificate in the signed attributes.
    match &parsed.ess_cert_hash {
        Some(h) => {
            let mine = crate::token::KeyAlgorithm::Rsa.digest(&[&cert.der]);
            if *h != mine {
                broken.push(
                    "Thuộc tính signingCertificate không khớp với chứng thư kèm theo.".into(),
                );
            }
        }
        None if s.sub_filter == "ETSI.CAdES.detached" => {
            broken.push("Chữ ký PAdES thiếu thuộc tính signingCertificateV2.".into());
        }
        None => {}
    }

    // 5. The timestamp(s) over the signature value (B-T).
    for token in &parsed.timestamp_tokens {
        timestamp(
            token,
            &parsed.signature,
            trust,
            now,
            &mut r,
            &mut broken,
            &mut unsure,
        );
    }
    if r.timestamped && parsed.timestamp_tokens.is_empty() {
        broken.push("Dấu thời gian không đọc được.".into());
    }

    // 6. The chain, at the signing time: the timestamp's when there is one,
    //    else the claimed one (B-B has no trusted time).
    let trusted_time = r.timestamp_at.or(r.signed_at);
    let at = trusted_time
        .and_then(|t| u64::try_from(t).ok())
        .map_or(now, |t| UNIX_EPOCH + Duration::from_secs(t));
    if trusted_time.is_some_and(|t| {
        UNIX_EPOCH + Duration::from_secs(u64::try_from(t).unwrap_or(0))
            > now + Duration::from_secs(300)
    }) {
        broken.push("Thời điểm ký nằm trong tương lai.".into());
    }
    chain(
        cert,
        &parsed.certificates,
        trust,
        (at, now),
        &mut r,
        &mut broken,
        &mut unsure,
    );
    finish(r, broken, unsure)
}

/// Check one timestamp token of a signature whose value is `signature`.
fn timestamp(
    token: &[u8],
    signature: &[u8],
    trust: &PdfTrust,
    now: SystemTime,
    r: &mut SignatureReport,
    broken: &mut Vec<String>,
    unsure: &mut Vec<String>,
) {
    let info = match crate::tsa::check_token(token, signature) {
        Ok(info) => info,
        Err(why) => {
            broken.push(format!("Dấu thời gian không hợp lệ: {why}."));
            return;
        }
    };
    // The TSA's own chain, at the timestamp's time.
    let at = UNIX_EPOCH + Duration::from_secs(u64::try_from(info.time).unwrap_or(0));
    let mut scratch = r.clone();
    scratch.trusted = false;
    let (mut tsa_broken, mut tsa_unsure) = (Vec::new(), Vec::new());
    chain(
        &info.tsa_cert,
        &info.certificates,
        trust,
        (at, now),
        &mut scratch,
        &mut tsa_broken,
        &mut tsa_unsure,
    );
    let who = &info.tsa_name;
    broken.extend(
        tsa_broken
            .into_iter()
            .map(|b| format!("Máy chủ dấu thời gian «{who}»: {b}")),
    );
    unsure.extend(
        tsa_unsure
            .into_iter()
            .map(|u| format!("Máy chủ dấu thời gian «{who}»: {u}")),
    );
    if let Some(claimed) = r.signed_at
        && claimed > info.time + 300
    {
        unsure.push(format!(
            "Thời điểm ký ghi trong chữ ký ({}) sau dấu thời gian ({}): đồng hồ máy ký bị lệch.",
            date_vi(claimed),
            date_vi(info.time)
        ));
    }
    // The earliest valid timestamp is the one that proves the most.
    if r.timestamp_at.is_none_or(|t| info.time < t) {
        r.timestamp_at = Some(info.time);
        r.timestamp_authority = Some(info.tsa_name.clone());
    }
    r.level = Level::Timestamped;
}

#[allow(clippy::too_many_arguments)]
fn chain(
    signer: &StoredCertificate,
    carried: &[StoredCertificate],
    trust: &PdfTrust,
    (at, now): (SystemTime, SystemTime),
    r: &mut SignatureReport,
    broken: &mut Vec<String>,
    unsure: &mut Vec<String>,
) {
    let mut pool = trust.store.clone();
    for c in carried {
        // A root the PDF brings is not trusted for being there.
        if !self_signed(c) {
            let _ = pool.add_der(&c.der, "PDF");
        }
    }
    let mut cur = signer.clone();
    for depth in 0..8 {
        match validity_at(&cur, at) {
            Validity::Valid => {}
            Validity::Expired { not_after } => broken.push(format!(
                "Chứng thư «{}» đã hết hạn ({}) trước thời điểm ký.",
                cn_of(&cur),
                format_utc(not_after)
            )),
            Validity::NotYetValid { not_before } => broken.push(format!(
                "Chứng thư «{}» chưa có hiệu lực ({}) tại thời điểm ký.",
                cn_of(&cur),
                format_utc(not_before)
            )),
        }
        if self_signed(&cur) {
            if trust.roots.contains(&cur.der) {
                r.trusted = true;
            } else {
                unsure.push(format!(
                    "Chứng thư gốc «{}» không có trong kho tin cậy.",
                    cn_of(&cur)
                ));
            }
            return;
        }
        if depth == 0 && is_ca(&cur) {
            broken.push("Chứng thư của người ký là chứng thư của tổ chức cấp (CA), không dùng để ký tài liệu.".into());
        }
        let issuer = pool.verify_chain(&cur, at).issuer;
        let no_current_crl = match pool.revocation(&cur, at) {
            Revocation::Revoked { entry, .. } => {
                broken.push(revoked_finding(&cur, &entry, None));
                None
            }
            Revocation::NoCrl => Some(format!(
                "kho tin cậy không có danh sách thu hồi (CRL) của «{}»",
                cur.issuer()
            )),
            Revocation::Overdue { .. } => Some(format!(
                "danh sách thu hồi của «{}» đã quá hạn cập nhật",
                cur.issuer()
            )),
            Revocation::NotRevoked { .. } => None,
        };
        if let Some(why) = no_current_crl {
            let by_ocsp = match (&trust.ocsp, &issuer) {
                (Some(client), Ok(v)) => client.status(&cur, &v.anchor.cert, at, now),
                _ => Outcome::NoResponder,
            };
            ocsp_findings(&cur, by_ocsp, &why, broken, unsure);
        }
        match issuer {
            Ok(v) => cur = v.anchor.cert,
            Err(ChainError::NoIssuer { issuer }) => {
                unsure.push(format!(
                    "Không tìm thấy chứng thư của tổ chức cấp «{issuer}» trong kho tin cậy."
                ));
                return;
            }
            Err(e) => {
                broken.push(format!("Chuỗi chứng thư không hợp lệ: {e}."));
                return;
            }
        }
    }
    broken.push("Chuỗi chứng thư quá dài.".into());
}

/// "Chứng thư «X» (số hiệu S) đã bị thu hồi từ T (lý do)", and who said so
/// when it was an OCSP responder.
fn revoked_finding(
    cert: &StoredCertificate,
    entry: &bhxh_emrtd::verify::crl::RevokedEntry,
    responder: Option<&str>,
) -> String {
    format!(
        "Chứng thư «{}» (số hiệu {}) đã bị thu hồi từ {}{}{}.",
        cn_of(cert),
        cert.serial(),
        format_utc(entry.revoked_at),
        entry
            .reason_vi()
            .map(|w| format!(" ({w})"))
            .unwrap_or_default(),
        responder
            .map(|r| format!(", theo máy chủ OCSP «{r}»"))
            .unwrap_or_default()
    )
}

/// What OCSP said about `cert`, whose issuer has no current CRL (`why`).
fn ocsp_findings(
    cert: &StoredCertificate,
    outcome: Outcome,
    why: &str,
    broken: &mut Vec<String>,
    unsure: &mut Vec<String>,
) {
    let unchecked = |detail: String| {
        format!(
            "Chưa kiểm tra được việc thu hồi chứng thư «{}»: {why}{detail}.",
            cn_of(cert)
        )
    };
    match outcome {
        Outcome::Answered { answer, cached } => match answer.status {
            Status::Good => {}
            Status::Revoked { at, reason } => {
                let entry = bhxh_emrtd::verify::crl::RevokedEntry {
                    revoked_at: u64::try_from(at).unwrap_or(0),
                    reason,
                };
                let who = if cached {
                    format!("{} (trả lời đã lưu)", answer.responder)
                } else {
                    answer.responder.clone()
                };
                broken.push(revoked_finding(cert, &entry, Some(&who)));
            }
            Status::Unknown => unsure.push(unchecked(format!(
                "; máy chủ OCSP «{}» không biết chứng thư này",
                answer.responder
            ))),
        },
        Outcome::NoResponder => unsure.push(unchecked(String::new())),
        Outcome::Unavailable { url, why: detail } => {
            unsure.push(unchecked(format!("; máy chủ OCSP {url}: {detail}")));
        }
    }
}

fn finish(mut r: SignatureReport, broken: Vec<String>, unsure: Vec<String>) -> SignatureReport {
    let who = if r.signer.is_empty() {
        "không rõ".to_owned()
    } else {
        r.signer.clone()
    };
    let when = match (r.timestamp_at, r.signed_at) {
        (Some(t), _) => format!(", dấu thời gian {}", date_vi(t)),
        (None, Some(t)) => format!(", ký lúc {}", date_vi(t)),
        (None, None) => String::new(),
    };
    r.verdict = if !broken.is_empty() {
        Verdict::Invalid
    } else if !unsure.is_empty() {
        Verdict::Indeterminate
    } else {
        Verdict::Valid
    };
    r.summary = match r.verdict {
        Verdict::Valid => format!("Chữ ký hợp lệ – {who}{when}"),
        Verdict::Indeterminate => format!("Chữ ký đúng nhưng chưa xác minh đầy đủ – {who}{when}"),
        Verdict::Invalid if broken.iter().any(|b| b.contains("bị sửa")) => {
            format!("Tài liệu đã bị sửa sau khi ký – {who}")
        }
        Verdict::Invalid => format!(
            "Chữ ký không hợp lệ – {who}: {}",
            broken.first().cloned().unwrap_or_default()
        ),
    };
    r.findings = broken.into_iter().chain(unsure).collect();
    r
}

/// `(a, b, end)` of a `[0 a b c]` range whose hole `a..b` is exactly this
/// signature's `/Contents` hex string.
fn byte_range(pdf: &[u8], s: &PdfSignature) -> Result<(usize, usize, usize), String> {
    let v: Vec<usize> = s
        .byte_range
        .iter()
        .map(|x| usize::try_from(*x).map_err(|_| "số âm".to_owned()))
        .collect::<Result<_, _>>()?;
    let [start, a, b, c] = v[..] else {
        return Err(format!("{} số thay vì 4", v.len()));
    };
    if start != 0 {
        return Err("không bắt đầu từ byte 0".into());
    }
    let end = b.checked_add(c).ok_or("tràn số")?;
    if !(a < b && end <= pdf.len()) {
        return Err("vượt quá tệp".into());
    }
    let hole = &pdf[a..b];
    if hole.len() < 2 || hole[0] != b'<' || hole[hole.len() - 1] != b'>' {
        return Err("phần bỏ ra không phải chuỗi /Contents".into());
    }
    let inner = &hole[1..hole.len() - 1];
    if !inner.iter().all(u8::is_ascii_hexdigit) {
        return Err("phần bỏ ra chứa dữ liệu khác ngoài chữ ký".into());
    }
    if hex::decode(inner).ok().as_deref() != Some(s.contents.as_slice()) {
        return Err("phần bỏ ra không phải /Contents của chính chữ ký này".into());
    }
    Ok((a, b, end))
}

/// Whether the desk may sign with `cert_der` now: valid today, not revoked
/// by a CRL of the trust folder (or, without a current one, by what its
/// OCSP responder answers), not a CA certificate. (Where neither can say,
/// signing goes ahead; verification says so.)
pub fn check_signer(cert_der: &[u8], trust: &PdfTrust, now: SystemTime) -> Result<(), SignError> {
    let cert = StoredCertificate::from_der(cert_der)?;
    let refuse = |what: String| SignError::Certificate {
        subject: cn_of(&cert),
        what,
    };
    match validity_at(&cert, now) {
        Validity::Valid => {}
        Validity::Expired { not_after } => {
            return Err(refuse(format!("đã hết hạn từ {}", format_utc(not_after))));
        }
        Validity::NotYetValid { not_before } => {
            return Err(refuse(format!(
                "chưa có hiệu lực (từ {})",
                format_utc(not_before)
            )));
        }
    }
    if is_ca(&cert) {
        return Err(refuse("là chứng thư của tổ chức cấp (CA)".into()));
    }
    let revoked_at = match trust.store.revocation(&cert, now) {
        Revocation::Revoked { entry, .. } => Some(entry.revoked_at),
        Revocation::NotRevoked { .. } => None,
        Revocation::NoCrl | Revocation::Overdue { .. } => {
            let issuer = trust.store.verify_chain(&cert, now).issuer;
            match (&trust.ocsp, issuer) {
                (Some(client), Ok(v)) => match client.status(&cert, &v.anchor.cert, now, now) {
                    Outcome::Answered {
                        answer:
                            crate::ocsp::Answer {
                                status: Status::Revoked { at, .. },
                                ..
                            },
                        ..
                    } => Some(u64::try_from(at).unwrap_or(0)),
                    _ => None,
                },
                _ => None,
            }
        }
    };
    if let Some(at) = revoked_at {
        return Err(refuse(format!(
            "đã bị thu hồi từ {} (số hiệu {})",
            format_utc(at),
            cert.serial()
        )));
    }
    Ok(())
}
