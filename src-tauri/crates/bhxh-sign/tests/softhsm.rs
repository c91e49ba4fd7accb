//! Signing with a real PKCS#11 token (SoftHSM2) and checking every signed
//! PDF with an independent verifier (poppler's `pdfsig`) as well as ours.
//!
//! One process, one token: SoftHSM2 reads `SOFTHSM2_CONF` when the module is
//! first initialised, so this test binary has its own `main` (no libtest
//! threads) that makes the token, sets the variable while it is still the
//! only thread, then runs each case in turn.

// A test binary (its own `main`, no `#[test]` functions for clippy to recognise):
// panicking on the unexpected is how a case fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::SystemTime;

use bhxh_sign::ocsp::{OcspCache, OcspClient};
use bhxh_sign::testing::{
    OcspMode, SOFTHSM_MODULE, STANDARD_KEYS, TestToken, TsaMode, dead_tsa_url, minimal_pdf,
};
use bhxh_sign::{Level, Module, PdfTrust, SignError, SignOptions, Verdict, sign_pdf, verify_pdf};

fn options() -> SignOptions {
    SignOptions {
        name: "Nguyễn Văn An".into(),
        reason: "Bản sao điện tử".into(),
        location: "Bảo hiểm xã hội tỉnh Đắk Lắk".into(),
        at: chrono::Local::now().fixed_offset(),
        rect: Some(bhxh_sign::pdf::stamp_rect(842.0, 200.0)),
        appearance: None,
        tsa_url: None,
    }
}

fn sign_with(t: &TestToken, key: &str, pdf: &[u8]) -> Result<Vec<u8>, SignError> {
    sign_stamped(t, key, pdf, None)
}

fn sign_stamped(
    t: &TestToken,
    key: &str,
    pdf: &[u8],
    tsa_url: Option<&str>,
) -> Result<Vec<u8>, SignError> {
    let module = Module::open(std::path::Path::new(SOFTHSM_MODULE))?;
    let signer = module.login(Some(&t.label), Some(key), &t.pin)?;
    let trust = PdfTrust::load_dir(&t.trust_dir);
    let chain = trust.chain_of(bhxh_sign::RawSigner::certificate(&signer));
    let opts = SignOptions {
        tsa_url: tsa_url.map(str::to_owned),
        ..options()
    };
    sign_pdf(pdf, &signer, &chain, &opts)
}

/// The CMS in a signed PDF's last `/Contents` (zeros after it kept).
fn last_cms(pdf: &[u8]) -> (usize, Vec<u8>) {
    let key = b"/Contents <";
    let at = pdf.windows(key.len()).rposition(|w| w == key).unwrap() + key.len();
    let end = at + pdf[at..].iter().position(|b| *b == b'>').unwrap();
    (at, hex::decode(&pdf[at..end]).unwrap())
}

fn pdfsig(t: &TestToken, pdf: &[u8]) -> String {
    let path = t.dir.path().join(format!("check-{}.pdf", pdf.len()));
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdfsig")
        .arg(&path)
        .output()
        .expect("pdfsig (poppler-utils) must be installed: scripts/deps.sh test");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn rsa_and_ec_signatures_are_valid_for_pdfsig_and_for_us(t: &TestToken) {
    let trust = PdfTrust::load_dir(&t.trust_dir);
    assert_eq!(trust.root_count(), 1, "{:?}", trust.problems);
    for (key, name) in [("rsa", "Nguyễn Văn An"), ("ec", "Trần Thị Bình")] {
        let original = minimal_pdf("BHXH Desk");
        let signed = sign_with(t, key, &original).unwrap();
        assert!(
            signed.starts_with(&original),
            "{key}: the original bytes must stay first"
        );
        let report = pdfsig(t, &signed);
        assert!(report.contains("Signature is Valid."), "{key}: {report}");
        assert!(report.contains(name), "{key}: {report}");
        assert!(report.contains("ETSI.CAdES.detached"), "{key}: {report}");
        assert!(report.contains("Total document signed"), "{key}: {report}");
        let ours = verify_pdf(&signed, &trust, SystemTime::now()).unwrap();
        assert_eq!(ours.len(), 1);
        let r = &ours[0];
        assert_eq!(r.verdict, Verdict::Valid, "{key}: {:?}", r.findings);
        assert_eq!(r.signer, name);
        assert!(r.intact && r.signature_ok && r.trusted && r.covers_whole_file);
        assert!(r.summary.starts_with("Chữ ký hợp lệ – "), "{}", r.summary);
        assert_eq!(r.level, Level::Basic);
        assert!(r.timestamp_at.is_none() && !r.timestamped);
    }
}

fn a_timestamped_signature_is_b_t_for_us_and_valid_for_pdfsig(t: &TestToken) {
    let trust = PdfTrust::load_dir(&t.trust_dir);
    let tsa = t.start_tsa(TsaMode::Good);
    for key in ["rsa", "ec"] {
        let original = minimal_pdf("BHXH Desk B-T");
        let before = chrono::Utc::now().timestamp();
        let signed = sign_stamped(t, key, &original, Some(&tsa.url)).unwrap();
        let after = chrono::Utc::now().timestamp();
        assert!(signed.starts_with(&original));
        let report = pdfsig(t, &signed);
        assert!(report.contains("Signature is Valid."), "{key}: {report}");
        assert!(report.contains("Total document signed"), "{key}: {report}");
        let ours = verify_pdf(&signed, &trust, SystemTime::now()).unwrap();
        let r = &ours[0];
        assert_eq!(r.verdict, Verdict::Valid, "{key}: {:?}", r.findings);
        assert_eq!(r.level, Level::Timestamped);
        assert!(r.timestamped);
        let at = r.timestamp_at.unwrap();
        assert!(before - 2 <= at && at <= after + 2, "{before} {at} {after}");
        assert_eq!(r.timestamp_authority.as_deref(), Some("TSA Thử nghiệm"));
        assert!(r.summary.contains("dấu thời gian"), "{}", r.summary);
        // The token is the unsigned attribute, over this signature's value.
        let (_, cms) = last_cms(&signed);
        let parsed = bhxh_sign::cms::parse(&cms).unwrap();
        assert_eq!(parsed.timestamp_tokens.len(), 1);
        let info =
            bhxh_sign::tsa::check_token(&parsed.timestamp_tokens[0], &parsed.signature).unwrap();
        assert_eq!(info.tsa_cert.der, t.tsa_cert);
        // Without the TSA's root in the folder the timestamp is not trusted.
        let r = &verify_pdf(&signed, &PdfTrust::default(), SystemTime::now()).unwrap()[0];
        assert_eq!(r.verdict, Verdict::Indeterminate);
        assert!(
            r.findings
                .iter()
                .any(|f| f.starts_with("Máy chủ dấu thời gian «TSA Thử nghiệm»")),
            "{:?}",
            r.findings
        );
    }
}

fn a_tsa_that_is_down_stops_the_signing(t: &TestToken) {
    let url = dead_tsa_url();
    let e = sign_stamped(t, "rsa", &minimal_pdf("x"), Some(&url)).unwrap_err();
    assert!(matches!(e, SignError::Timestamp { .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.starts_with("Không lấy được dấu thời gian từ máy chủ http://127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("không kết nối được"), "{text}");
    assert!(text.contains("CHƯA được ký"), "{text}");
    assert_eq!(e.code(), "timestamp");
}

fn bad_tsa_answers_are_refused(t: &TestToken) {
    for (mode, says) in [
        (TsaMode::WrongNonce, "nonce"),
        (TsaMode::WrongImprint, "messageImprint không khớp"),
        (TsaMode::Garbage, "TimeStampResp"),
        // RFC 3161 §2.3: the purpose must be critical; a certificate that
        // merely lists it is not a TSA's.
        (
            TsaMode::LaxPurpose,
            "không được đánh dấu bắt buộc (critical)",
        ),
    ] {
        let tsa = t.start_tsa(mode);
        let e = sign_stamped(t, "rsa", &minimal_pdf("x"), Some(&tsa.url)).unwrap_err();
        assert!(matches!(e, SignError::Timestamp { .. }), "{mode:?}: {e}");
        assert!(e.to_string().contains(says), "{mode:?}: {e}");
    }
}

fn a_timestamp_moved_from_another_signature_makes_it_invalid(t: &TestToken) {
    let trust = PdfTrust::load_dir(&t.trust_dir);
    let tsa = t.start_tsa(TsaMode::Good);
    let a = sign_stamped(t, "rsa", &minimal_pdf("A"), Some(&tsa.url)).unwrap();
    let b = sign_stamped(t, "rsa", &minimal_pdf("B"), Some(&tsa.url)).unwrap();
    let (at, cms_a) = last_cms(&a);
    let (_, cms_b) = last_cms(&b);
    let token_a = bhxh_sign::cms::parse(&cms_a).unwrap().timestamp_tokens[0].clone();
    let token_b = bhxh_sign::cms::parse(&cms_b).unwrap().timestamp_tokens[0].clone();
    // Same TSA, same key sizes: the tokens are the same length.
    assert_eq!(token_a.len(), token_b.len());
    let from = cms_a
        .windows(token_a.len())
        .position(|w| w == token_a.as_slice())
        .unwrap();
    let mut forged_cms = cms_a.clone();
    forged_cms[from..from + token_b.len()].copy_from_slice(&token_b);
    let mut forged = a.clone();
    let hex = hex::encode_upper(&forged_cms);
    forged[at..at + hex.len()].copy_from_slice(hex.as_bytes());
    // The signer's own signature still holds (unsigned attributes are not
    // signed): only the timestamp check catches it.
    let r = &verify_pdf(&forged, &trust, SystemTime::now()).unwrap()[0];
    assert!(r.intact && r.signature_ok);
    assert_eq!(r.verdict, Verdict::Invalid, "{:?}", r.findings);
    assert_eq!(r.level, Level::Basic);
    assert!(
        r.findings
            .iter()
            .any(|f| f.contains("Dấu thời gian không hợp lệ") && f.contains("messageImprint")),
        "{:?}",
        r.findings
    );
    // The original is still fine.
    let r = &verify_pdf(&a, &trust, SystemTime::now()).unwrap()[0];
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.findings);
}

fn one_changed_byte_breaks_the_signature(t: &TestToken) {
    let trust = PdfTrust::load_dir(&t.trust_dir);
    let signed = sign_with(t, "rsa", &minimal_pdf("BHXH Desk")).unwrap();
    let mut tampered = signed.clone();
    // A byte of the page's text ("BHXH" → "BHXX").
    let at = tampered.windows(9).position(|w| w == b"BHXH Desk").unwrap();
    tampered[at + 3] = b'X';
    let report = pdfsig(t, &tampered);
    assert!(report.contains("Digest Mismatch"), "{report}");
    let ours = verify_pdf(&tampered, &trust, SystemTime::now()).unwrap();
    assert_eq!(ours[0].verdict, Verdict::Invalid);
    assert!(!ours[0].intact);
    assert!(
        ours[0].summary.contains("Tài liệu đã bị sửa sau khi ký"),
        "{}",
        ours[0].summary
    );
}

fn a_second_signature_keeps_the_first_valid(t: &TestToken) {
    let trust = PdfTrust::load_dir(&t.trust_dir);
    let once = sign_with(t, "rsa", &minimal_pdf("BHXH Desk")).unwrap();
    let twice = sign_with(t, "ec", &once).unwrap();
    assert!(twice.starts_with(&once));
    let report = pdfsig(t, &twice);
    assert_eq!(report.matches("Signature is Valid.").count(), 2, "{report}");
    let ours = verify_pdf(&twice, &trust, SystemTime::now()).unwrap();
    assert_eq!(ours.len(), 2);
    assert_eq!(ours[0].signer, "Nguyễn Văn An");
    assert!(ours[0].intact && !ours[0].covers_whole_file);
    assert_eq!(
        ours[0].verdict,
        Verdict::Indeterminate,
        "{:?}",
        ours[0].findings
    );
    assert_eq!(ours[1].verdict, Verdict::Valid, "{:?}", ours[1].findings);
}

fn a_wrong_pin_says_so_and_signs_nothing(t: &TestToken) {
    let module = Module::open(std::path::Path::new(SOFTHSM_MODULE)).unwrap();
    let Err(e) = module.login(Some(&t.label), Some("rsa"), "000000") else {
        panic!("a wrong PIN must not log in");
    };
    assert!(matches!(e, SignError::WrongPin { .. }), "{e}");
    assert!(e.to_string().starts_with("Mã PIN không đúng."), "{e}");
    let Err(e) = module.login(Some(&t.label), Some("rsa"), "") else {
        panic!("an empty PIN must not log in");
    };
    assert!(matches!(e, SignError::PinLength { .. }), "{e}");
}

fn tokens_and_keys_are_listed_without_the_pin(t: &TestToken) {
    let module = Module::open(std::path::Path::new(SOFTHSM_MODULE)).unwrap();
    let tokens = module.tokens().unwrap();
    assert!(tokens.iter().any(|x| x.label == t.label), "{tokens:?}");
    let keys = module.keys(Some(&t.label)).unwrap();
    let labels: Vec<&str> = keys.iter().map(|k| k.label.as_str()).collect();
    for k in STANDARD_KEYS {
        assert!(labels.contains(&k.label), "{labels:?}");
    }
    let Err(e) = module.keys(Some("Không có token này")) else {
        panic!("an unknown token must be an error");
    };
    assert!(matches!(e, SignError::NoToken { .. }), "{e}");
    // Several keys and none named: the officer must choose.
    let Err(e) = module.login(Some(&t.label), None, &t.pin) else {
        panic!("with several keys one must be chosen");
    };
    assert!(matches!(e, SignError::KeyNotChosen { count: 4, .. }), "{e}");
}

fn expired_and_revoked_signers_are_caught(t: &TestToken) {
    let trust = PdfTrust::load_dir(&t.trust_dir);
    // The desk refuses to sign with them (bhxh_sign::verify::check_signer) …
    for key in ["expired", "revoked"] {
        let e =
            bhxh_sign::verify::check_signer(t.cert(key), &trust, SystemTime::now()).unwrap_err();
        assert!(matches!(e, SignError::Certificate { .. }), "{key}: {e}");
    }
    bhxh_sign::verify::check_signer(t.cert("rsa"), &trust, SystemTime::now()).unwrap();
    // … and a PDF someone else signed with them is not valid.
    let expired = sign_with(t, "expired", &minimal_pdf("x")).unwrap();
    let r = &verify_pdf(&expired, &trust, SystemTime::now()).unwrap()[0];
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(
        r.findings.iter().any(|f| f.contains("đã hết hạn")),
        "{:?}",
        r.findings
    );
    let revoked = sign_with(t, "revoked", &minimal_pdf("x")).unwrap();
    let r = &verify_pdf(&revoked, &trust, SystemTime::now()).unwrap()[0];
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(
        r.findings
            .iter()
            .any(|f| f.contains("đã bị thu hồi") && f.contains("Phạm Văn Thu Hồi")),
        "{:?}",
        r.findings
    );
}

fn without_the_root_in_the_folder_it_is_not_trusted(t: &TestToken) {
    let signed = sign_with(t, "rsa", &minimal_pdf("x")).unwrap();
    // The PDF carries the intermediate; the root is not in an empty folder.
    let r = &verify_pdf(&signed, &PdfTrust::default(), SystemTime::now()).unwrap()[0];
    assert!(r.intact && r.signature_ok);
    assert!(!r.trusted);
    assert_eq!(r.verdict, Verdict::Indeterminate, "{:?}", r.findings);
    // A root carried inside the PDF does not make it trusted either.
    let module = Module::open(std::path::Path::new(SOFTHSM_MODULE)).unwrap();
    let signer = module.login(Some(&t.label), Some("rsa"), &t.pin).unwrap();
    let with_root = sign_pdf(
        &minimal_pdf("x"),
        &signer,
        &[t.intermediate.clone(), t.root.clone()],
        &options(),
    )
    .unwrap();
    let r = &verify_pdf(&with_root, &PdfTrust::default(), SystemTime::now()).unwrap()[0];
    assert!(!r.trusted);
    assert_ne!(r.verdict, Verdict::Valid);
}

fn a_byte_range_that_leaves_out_more_than_the_signature_fails(t: &TestToken) {
    let trust = PdfTrust::load_dir(&t.trust_dir);
    let signed = sign_with(t, "rsa", &minimal_pdf("x")).unwrap();
    // Move the hole's start back by 10 bytes (keeping the width): the gap
    // then hides bytes that are not the signature.
    let text = String::from_utf8_lossy(&signed).into_owned();
    let at = text.find("/ByteRange [0 ").unwrap() + "/ByteRange [0 ".len();
    let first: usize = text[at..].split(' ').next().unwrap().parse().unwrap();
    let moved = (first - 10).to_string();
    let mut forged = signed.clone();
    let old = first.to_string();
    forged[at..at + old.len()].copy_from_slice(format!("{moved:<w$}", w = old.len()).as_bytes());
    let r = &verify_pdf(&forged, &trust, SystemTime::now()).unwrap()[0];
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(r.findings[0].contains("ByteRange"), "{:?}", r.findings);
}

fn malformed_pdfs_are_errors(_t: &TestToken) {
    let trust = PdfTrust::default();
    assert!(verify_pdf(b"not a pdf", &trust, SystemTime::now()).is_err());
    let unsigned = verify_pdf(&minimal_pdf("x"), &trust, SystemTime::now()).unwrap();
    assert!(unsigned.is_empty());
}

fn verify_one(pdf: &[u8], trust: &PdfTrust) -> bhxh_sign::SignatureReport {
    verify_pdf(pdf, trust, SystemTime::now())
        .unwrap()
        .into_iter()
        .next()
        .unwrap()
}

/// The trust folder without the intermediate's CRL, asking OCSP as said.
fn ocsp_trust(t: &TestToken, cache: Option<&std::path::Path>, online: bool) -> PdfTrust {
    PdfTrust::load_dir(&t.trust_dir_without_crl())
        .with_ocsp(OcspClient::new(cache.map(OcspCache::new), online))
}

fn serial_of(der: &[u8]) -> String {
    bhxh_emrtd::lds::sod::StoredCertificate::from_der(der)
        .unwrap()
        .serial()
}

fn revocation_is_asked_of_ocsp_when_the_folder_has_no_crl(t: &TestToken) {
    let good = sign_with(t, "rsa", &minimal_pdf("x")).unwrap();
    let revoked = sign_with(t, "revoked", &minimal_pdf("x")).unwrap();
    // Without OCSP, and with a responder that is not running: revocation
    // unknown, said plainly, never "valid".
    let plain = PdfTrust::load_dir(&t.trust_dir_without_crl());
    let r = verify_one(&good, &plain);
    assert_eq!(r.verdict, Verdict::Indeterminate, "{:?}", r.findings);
    assert!(
        r.findings
            .iter()
            .any(|f| f.contains("Chưa kiểm tra được việc thu hồi")),
        "{:?}",
        r.findings
    );
    let r = verify_one(&revoked, &ocsp_trust(t, None, true));
    assert_eq!(r.verdict, Verdict::Indeterminate, "{:?}", r.findings);
    let url = format!("http://127.0.0.1:{}/ocsp", t.ocsp_port);
    assert!(
        r.findings
            .iter()
            .any(|f| f.contains(&url) && f.contains("không kết nối được")),
        "{:?}",
        r.findings
    );
    // The responder up, signing as the CA authorised it, or as the CA.
    for mode in [OcspMode::Delegated, OcspMode::ByIssuer] {
        t.serve_ocsp(mode);
        // The desk will not sign with the revoked token either.
        let trust = ocsp_trust(t, None, true);
        let e = bhxh_sign::verify::check_signer(t.cert("revoked"), &trust, SystemTime::now())
            .unwrap_err();
        assert!(e.to_string().contains("thu hồi"), "{mode:?}: {e}");
        bhxh_sign::verify::check_signer(t.cert("rsa"), &trust, SystemTime::now()).unwrap();
        let r = verify_one(&good, &ocsp_trust(t, None, true));
        assert_eq!(r.verdict, Verdict::Valid, "{mode:?}: {:?}", r.findings);
        assert!(r.findings.is_empty(), "{mode:?}: {:?}", r.findings);
        let r = verify_one(&revoked, &ocsp_trust(t, None, true));
        assert_eq!(r.verdict, Verdict::Invalid, "{mode:?}: {:?}", r.findings);
        let who = if mode == OcspMode::Delegated {
            "OCSP Thử nghiệm"
        } else {
            "CA Thử nghiệm cấp 2"
        };
        assert!(
            r.findings.iter().any(|f| f.contains("Phạm Văn Thu Hồi")
                && f.contains("đã bị thu hồi")
                && f.contains(&serial_of(t.cert("revoked")))
                && f.contains("lộ khóa bí mật")
                && f.contains(&format!("máy chủ OCSP «{who}»"))),
            "{mode:?}: {:?}",
            r.findings
        );
    }
}

fn ocsp_answers_that_do_not_check_are_not_taken(t: &TestToken) {
    let revoked = sign_with(t, "revoked", &minimal_pdf("x")).unwrap();
    let good = sign_with(t, "rsa", &minimal_pdf("x")).unwrap();
    for (mode, pdf, says) in [
        // The cheapest forgery: a sibling certificate of the same CA
        // vouching "good" for a revoked one.
        (OcspMode::Unauthorised, &revoked, "OCSPSigning"),
        (OcspMode::Garbage, &good, "OCSPResponse"),
        // An earlier answer sent again, to a new request.
        (OcspMode::Replay, &good, "nonce"),
        (OcspMode::Down, &good, "máy chủ OCSP http://127.0.0.1"),
    ] {
        t.serve_ocsp(mode);
        let r = verify_one(pdf, &ocsp_trust(t, None, true));
        assert_eq!(
            r.verdict,
            Verdict::Indeterminate,
            "{mode:?}: {:?}",
            r.findings
        );
        assert!(
            r.findings
                .iter()
                .any(|f| f.contains("Chưa kiểm tra được việc thu hồi") && f.contains(says)),
            "{mode:?}: {:?}",
            r.findings
        );
    }
}

fn an_ocsp_answer_is_kept_for_offline_days(t: &TestToken) {
    let cache = tempfile::tempdir().unwrap();
    let signed = sign_with(t, "ec", &minimal_pdf("x")).unwrap();
    t.serve_ocsp(OcspMode::Delegated);
    let r = verify_one(&signed, &ocsp_trust(t, Some(cache.path()), true));
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.findings);
    let kept: Vec<_> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    // Offline, or the responder down: the kept answer speaks for the
    // signature it was made after.
    let r = verify_one(&signed, &ocsp_trust(t, Some(cache.path()), false));
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.findings);
    t.serve_ocsp(OcspMode::Down);
    let r = verify_one(&signed, &ocsp_trust(t, Some(cache.path()), true));
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.findings);
    // Not for a signature made after it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let later = sign_with(t, "ec", &minimal_pdf("y")).unwrap();
    let r = verify_one(&later, &ocsp_trust(t, Some(cache.path()), false));
    assert_eq!(r.verdict, Verdict::Indeterminate, "{:?}", r.findings);
    // An altered kept answer is not used.
    let mut bytes = std::fs::read(&kept[0]).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&kept[0], &bytes).unwrap();
    let r = verify_one(&signed, &ocsp_trust(t, Some(cache.path()), false));
    assert_eq!(r.verdict, Verdict::Indeterminate, "{:?}", r.findings);
    // Revoked since: the responder says so, and that answer is kept too.
    t.revoke("ec");
    t.serve_ocsp(OcspMode::Delegated);
    let r = verify_one(&signed, &ocsp_trust(t, Some(cache.path()), true));
    assert_eq!(r.verdict, Verdict::Invalid, "{:?}", r.findings);
    let r = verify_one(&signed, &ocsp_trust(t, Some(cache.path()), false));
    assert_eq!(r.verdict, Verdict::Invalid, "{:?}", r.findings);
    assert!(
        r.findings.iter().any(|f| f.contains("trả lời đã lưu")),
        "{:?}",
        r.findings
    );
}

fn a_drawn_mark_becomes_the_fields_appearance(t: &TestToken) {
    let module = Module::open(std::path::Path::new(SOFTHSM_MODULE)).unwrap();
    let signer = module.login(Some(&t.label), Some("rsa"), &t.pin).unwrap();
    let trust = PdfTrust::load_dir(&t.trust_dir);
    let chain = trust.chain_of(bhxh_sign::RawSigner::certificate(&signer));
    let opts = SignOptions {
        appearance: Some(minimal_pdf("Ky so boi Nguyen Van An")),
        ..options()
    };
    let original = minimal_pdf("Trang 1");
    let signed = sign_pdf(&original, &signer, &chain, &opts).unwrap();
    assert!(signed.starts_with(&original));
    // Valid for us and for pdfsig …
    let r = verify_one(&signed, &trust);
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.findings);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signed.pdf");
    std::fs::write(&path, &signed).unwrap();
    let out = Command::new("pdfsig").arg(&path).output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Signature is Valid."),
        "{out:?}"
    );
    // … and the page shows the mark: its words are on page 1 as poppler
    // draws it (annotations included), its font came along.
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    // (Fitted into the field, the test's A4-sized mark is tiny: poppler
    // gives its words one per line.)
    let text = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("Ky so boi Nguyen Van An"), "{text}");
    assert!(text.contains("Trang 1"), "{text}");
    let doc = lopdf::Document::load_mem(&signed).unwrap();
    let field = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .find(|d| d.get(b"FT").ok().and_then(|f| f.as_name().ok()) == Some(b"Sig".as_slice()))
        .unwrap();
    let ap = field
        .get(b"AP")
        .unwrap()
        .as_dict()
        .unwrap()
        .get(b"N")
        .unwrap()
        .as_reference()
        .unwrap();
    let stream = doc.get_object(ap).unwrap().as_stream().unwrap();
    assert!(stream.content.windows(2).any(|w| w == b"Tj"));
    let resources = stream.dict.get(b"Resources").unwrap().as_dict().unwrap();
    assert!(resources.get(b"Font").is_ok(), "{resources:?}");
    // Without a mark the field draws nothing.
    let plain = sign_pdf(&original, &signer, &chain, &options()).unwrap();
    std::fs::write(&path, &plain).unwrap();
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Ky so boi"));
    // A mark that is not a PDF is refused, nothing signed.
    let bad = SignOptions {
        appearance: Some(b"not a pdf".to_vec()),
        ..options()
    };
    let e = sign_pdf(&original, &signer, &chain, &bad).unwrap_err();
    assert!(e.to_string().contains("hình chữ ký"), "{e}");
}

/// A named case.
type Case = (&'static str, fn(&TestToken));

fn main() {
    let t = TestToken::create(STANDARD_KEYS);
    // SAFETY-like reason for the one `unsafe` here: `set_var` races with
    // other threads reading the environment; this runs first in `main`,
    // before any other thread exists (harness = false, no libtest threads).
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("SOFTHSM2_CONF", &t.conf);
    }
    let cases: &[Case] = &[
        (
            "tokens_and_keys_are_listed_without_the_pin",
            tokens_and_keys_are_listed_without_the_pin,
        ),
        (
            "rsa_and_ec_signatures_are_valid_for_pdfsig_and_for_us",
            rsa_and_ec_signatures_are_valid_for_pdfsig_and_for_us,
        ),
        (
            "one_changed_byte_breaks_the_signature",
            one_changed_byte_breaks_the_signature,
        ),
        (
            "a_second_signature_keeps_the_first_valid",
            a_second_signature_keeps_the_first_valid,
        ),
        (
            "a_wrong_pin_says_so_and_signs_nothing",
            a_wrong_pin_says_so_and_signs_nothing,
        ),
        (
            "expired_and_revoked_signers_are_caught",
            expired_and_revoked_signers_are_caught,
        ),
        (
            "without_the_root_in_the_folder_it_is_not_trusted",
            without_the_root_in_the_folder_it_is_not_trusted,
        ),
        (
            "a_byte_range_that_leaves_out_more_than_the_signature_fails",
            a_byte_range_that_leaves_out_more_than_the_signature_fails,
        ),
        ("malformed_pdfs_are_errors", malformed_pdfs_are_errors),
        (
            "a_timestamped_signature_is_b_t_for_us_and_valid_for_pdfsig",
            a_timestamped_signature_is_b_t_for_us_and_valid_for_pdfsig,
        ),
        (
            "a_tsa_that_is_down_stops_the_signing",
            a_tsa_that_is_down_stops_the_signing,
        ),
        ("bad_tsa_answers_are_refused", bad_tsa_answers_are_refused),
        (
            "a_timestamp_moved_from_another_signature_makes_it_invalid",
            a_timestamp_moved_from_another_signature_makes_it_invalid,
        ),
        (
            "revocation_is_asked_of_ocsp_when_the_folder_has_no_crl",
            revocation_is_asked_of_ocsp_when_the_folder_has_no_crl,
        ),
        (
            "ocsp_answers_that_do_not_check_are_not_taken",
            ocsp_answers_that_do_not_check_are_not_taken,
        ),
        (
            "a_drawn_mark_becomes_the_fields_appearance",
            a_drawn_mark_becomes_the_fields_appearance,
        ),
        // Last: it revokes the "ec" key in the CA's database.
        (
            "an_ocsp_answer_is_kept_for_offline_days",
            an_ocsp_answer_is_kept_for_offline_days,
        ),
    ];
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let mut failed = Vec::new();
    for (name, case) in cases {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        print!("test {name} ... ");
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(&t))) {
            Ok(()) => println!("ok"),
            Err(_) => {
                println!("FAILED");
                failed.push(*name);
            }
        }
    }
    if !failed.is_empty() {
        eprintln!("failed: {failed:?}");
        std::process::exit(1);
    }
}
