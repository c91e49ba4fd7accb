//! Signing from the command line with a real PKCS#11 token (SoftHSM2, made
//! by the test with a three-level openssl chain), every signed PDF checked
//! by poppler's `pdfsig` as an independent verifier.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;

use bhxh_sign::testing::{
    OcspMode, SOFTHSM_MODULE, STANDARD_KEYS, TestToken, TsaMode, dead_tsa_url,
};
use common::*;

fn pdfsig(path: &Path) -> String {
    let out = Command::new("pdfsig")
        .arg(path)
        .output()
        .expect("pdfsig (poppler-utils): scripts/deps.sh test");
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

/// The desk in `dir` set up with the token (key `key`) and its trust folder.
fn desk_with_token(dir: &Path, t: &TestToken, key: &str) -> Vec<(String, String)> {
    init(dir);
    let trust = dir.join("pdf-trust");
    std::fs::create_dir_all(&trust).unwrap();
    for f in std::fs::read_dir(&t.trust_dir).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, trust.join(f.file_name().unwrap())).unwrap();
    }
    let mut env: Vec<(String, String)> = AUTH
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    for (k, v) in t.env() {
        env.push((k.to_owned(), v));
    }
    let e: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let out = cli_env(
        dir,
        &[
            "signing",
            "configure",
            "--module",
            SOFTHSM_MODULE,
            "--token-label",
            &t.label,
            "--key-label",
            key,
            "--json",
        ],
        "",
        &e,
    );
    let status = ok_json(&out);
    assert_eq!(status["key"], key);
    assert_eq!(status["trustRoots"], 1, "{status}");
    assert!(status["problem"].is_null(), "{status}");
    env
}

fn as_refs(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// A new dossier with one scanned page (`seed`) digitised as component 1;
/// its code.
fn dossier_with_page(dir: &Path, env: &[(String, String)], seed: u8) -> String {
    let code = code_of(&new_dossier(dir, "BHXH.04", Some("1")));
    let scan = dir.join(format!("trang-{seed}.jpg"));
    std::fs::write(&scan, page_jpeg(seed)).unwrap();
    let out = cli_env(
        dir,
        &[
            "dossier",
            "import",
            &code,
            "--component",
            "1",
            scan.to_str().unwrap(),
        ],
        "",
        &as_refs(env),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    code
}

#[test]
fn a_component_is_signed_with_the_token_and_pdfsig_finds_it_valid() {
    let t = TestToken::create(STANDARD_KEYS);
    let dir = tempfile::tempdir().unwrap();
    let env = desk_with_token(dir.path(), &t, "rsa");
    let mut with_pin = as_refs(&env);
    with_pin.push(("BHXH_DESK_TOKEN_PIN", &t.pin));
    let run = |args: &[&str], env: &[(&str, &str)]| cli_env(dir.path(), args, "", env);

    let code = dossier_with_page(dir.path(), &env, 3);
    let before = dir.path().join("truoc");
    let out = run(
        &[
            "dossier",
            "export",
            &code,
            "--out",
            before.to_str().unwrap(),
            "--json",
        ],
        &as_refs(&env),
    );
    let unsigned: Vec<String> = serde_json::from_value(ok_json(&out)).unwrap();
    let unsigned_bytes = std::fs::read(&unsigned[0]).unwrap();

    // Exporting "signed only" before signing is refused, nothing written.
    let refused = dir.path().join("chua-ky");
    let out = run(
        &[
            "dossier",
            "export",
            &code,
            "--out",
            refused.to_str().unwrap(),
            "--signed",
        ],
        &as_refs(&env),
    );
    assert_refused(&out, "chưa được ký số");
    assert!(!refused.exists());

    // A wrong PIN: said plainly, nothing signed, nothing recorded.
    let mut wrong = as_refs(&env);
    wrong.push(("BHXH_DESK_TOKEN_PIN", "000000"));
    let out = run(
        &["dossier", "sign", &code, "--component", "1", "--json"],
        &wrong,
    );
    assert_refused(&out, "Mã PIN không đúng");
    assert_eq!(json(&out)["error"]["code"], "wrong_pin");

    // The PIN on stdin after the password, as a person types them.
    let out = cli_env(
        dir.path(),
        &[
            "dossier",
            "sign",
            &code,
            "--component",
            "1",
            "--json",
            "--user",
            "quantri",
        ],
        &format!("{ADMIN_PW}\n{}\n", t.pin),
        &t.env()
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect::<Vec<_>>(),
    );
    let signed = ok_json(&out);
    assert_eq!(signed[0]["signer"], "Nguyễn Văn An");
    assert_eq!(signed[0]["kind"], "component");

    let after = dir.path().join("sau");
    let out = run(
        &[
            "dossier",
            "export",
            &code,
            "--out",
            after.to_str().unwrap(),
            "--signed",
            "--json",
        ],
        &as_refs(&env),
    );
    let files: Vec<String> = serde_json::from_value(ok_json(&out)).unwrap();
    let signed_path = Path::new(&files[0]);
    let signed_bytes = std::fs::read(signed_path).unwrap();
    assert!(
        signed_bytes.starts_with(&unsigned_bytes),
        "the signature is an incremental update"
    );
    let report = pdfsig(signed_path);
    assert!(report.contains("Signature is Valid."), "{report}");
    assert!(report.contains("Nguyễn Văn An"), "{report}");
    assert!(report.contains("Total document signed"), "{report}");
    // The stamp on page 1 is now the signature's drawn mark (its words:
    // bhxh-report's and bhxh-sign's tests): page 1's top left as poppler
    // draws it differs from the unsigned PDF's.
    let top_left = |pdf: &Path, name: &str| {
        let out = dir.path().join(name);
        let ok = Command::new("pdftoppm")
            .args(["-r", "72", "-f", "1", "-l", "1", "-gray", "-singlefile"])
            .args(["-x", "0", "-y", "0", "-W", "100", "-H", "40"])
            .arg(pdf)
            .arg(&out)
            .status()
            .unwrap();
        assert!(ok.success());
        std::fs::read(out.with_extension("pgm")).unwrap()
    };
    let unsigned_path = dir.path().join("chua-ky.pdf");
    std::fs::write(&unsigned_path, &unsigned_bytes).unwrap();
    let (before, after) = (
        top_left(&unsigned_path, "truoc"),
        top_left(signed_path, "sau"),
    );
    assert_eq!(before.len(), after.len());
    assert_ne!(before, after, "the signature draws nothing on page 1");

    // Our own check agrees, and one changed byte breaks it.
    let out = run(&["pdf", "verify", signed_path.to_str().unwrap()], &[]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("Chữ ký hợp lệ – Nguyễn Văn An"),
        "{}",
        text(&out.stdout)
    );
    let mut tampered = signed_bytes.clone();
    tampered[unsigned_bytes.len() / 2] ^= 0x01;
    let bad = dir.path().join("da-sua.pdf");
    std::fs::write(&bad, &tampered).unwrap();
    assert!(pdfsig(&bad).contains("Digest Mismatch"));
    let out = run(&["pdf", "verify", bad.to_str().unwrap(), "--json"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)[0]["verdict"], "invalid");
    assert!(text(&out.stdout).contains("Tài liệu đã bị sửa sau khi ký"));

    // The dossier shows its signature; the audit names the signing.
    let out = run(&["dossier", "signatures", &code, "--json"], &as_refs(&env));
    let items = ok_json(&out);
    assert_eq!(items[0]["deskSignatures"], 1);
    assert_eq!(items[0]["signatures"][0]["verdict"], "valid", "{items}");
    let out = run(&["audit", "list", "--json"], &as_refs(&env));
    let audit = ok_json(&out);
    let signings: Vec<_> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "sign" && e["entityId"] == code.as_str())
        .collect();
    assert_eq!(
        signings.len(),
        1,
        "one signing, the wrong PIN left none: {audit}"
    );

    // Nothing left unsigned: "--all" says so.
    let out = run(&["dossier", "sign", &code, "--all"], &with_pin);
    assert_refused(&out, "không còn tệp PDF nào chưa ký");

    // Its page moved to component 2: the signed version stays sealed in the
    // history, component 1 has no PDF now, and component 2's new one is not
    // signed (the signature was over another PDF): it is signed anew.
    let moved = ok_json(&run(
        &[
            "dossier",
            "pages",
            &code,
            "--component",
            "1",
            "--move",
            "1",
            "--to",
            "2",
            "--json",
        ],
        &as_refs(&env),
    ));
    assert!(moved["from"].is_null(), "{moved}");
    assert_eq!(moved["to"]["signed"], false, "{moved}");
    let out = run(&["dossier", "signatures", &code, "--json"], &as_refs(&env));
    let items = ok_json(&out);
    assert_eq!(items.as_array().unwrap().len(), 1, "{items}");
    assert_eq!(items[0]["deskSignatures"], 0, "{items}");
    let out = run(&["dossier", "sign", &code, "--all", "--json"], &with_pin);
    assert_eq!(ok_json(&out).as_array().unwrap().len(), 1);
}

#[test]
fn a_signed_pdf_from_outside_keeps_its_bytes_and_shows_its_signer() {
    let t = TestToken::create(STANDARD_KEYS);
    let dir = tempfile::tempdir().unwrap();
    let env = desk_with_token(dir.path(), &t, "ec");
    let mut with_pin = as_refs(&env);
    with_pin.push(("BHXH_DESK_TOKEN_PIN", &t.pin));
    let run = |args: &[&str], env: &[(&str, &str)]| cli_env(dir.path(), args, "", env);

    // An employer's PDF, signed elsewhere: made here by signing a dossier
    // of another office (same CA) and exporting it.
    let first = dossier_with_page(dir.path(), &env, 5);
    assert!(
        run(&["dossier", "sign", &first, "--all"], &with_pin)
            .status
            .success()
    );
    let out_dir = dir.path().join("x");
    let out = run(
        &[
            "dossier",
            "export",
            &first,
            "--out",
            out_dir.to_str().unwrap(),
            "--json",
        ],
        &as_refs(&env),
    );
    let files: Vec<String> = serde_json::from_value(ok_json(&out)).unwrap();
    let received = std::fs::read(&files[0]).unwrap();

    let second = code_of(&new_dossier(dir.path(), "BHXH.04", Some("1")));
    let incoming = dir.path().join("cong-van-da-ky.pdf");
    std::fs::write(&incoming, &received).unwrap();
    let out = run(
        &[
            "dossier",
            "import",
            &second,
            "--component",
            "1",
            incoming.to_str().unwrap(),
            "--json",
        ],
        &as_refs(&env),
    );
    // The import says whose signature the file carries.
    let imported = ok_json(&out);
    assert!(
        imported["warnings"].as_array().unwrap().iter().any(|w| w
            .as_str()
            .unwrap()
            .starts_with("Chữ ký hợp lệ – Trần Thị Bình")),
        "{imported}"
    );
    let out = run(
        &["dossier", "signatures", &second, "--json"],
        &as_refs(&env),
    );
    let items = ok_json(&out);
    assert_eq!(items[0]["deskSignatures"], 0);
    assert_eq!(
        items[0]["signatures"][0]["signer"], "Trần Thị Bình",
        "{items}"
    );
    assert_eq!(items[0]["signatures"][0]["verdict"], "valid", "{items}");
    // "Sign all unsigned" leaves it as it came, and the export is byte for byte.
    let out = run(&["dossier", "sign", &second, "--all"], &with_pin);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let out_dir = dir.path().join("y");
    let out = run(
        &[
            "dossier",
            "export",
            &second,
            "--out",
            out_dir.to_str().unwrap(),
            "--signed",
            "--json",
        ],
        &as_refs(&env),
    );
    let files: Vec<String> = serde_json::from_value(ok_json(&out)).unwrap();
    assert_eq!(std::fs::read(&files[0]).unwrap(), received);
}

#[test]
fn a_revoked_or_expired_signer_and_a_missing_set_up_are_refused() {
    let t = TestToken::create(STANDARD_KEYS);
    let dir = tempfile::tempdir().unwrap();
    let code;
    {
        let env = desk_with_token(dir.path(), &t, "revoked");
        let mut with_pin = as_refs(&env);
        with_pin.push(("BHXH_DESK_TOKEN_PIN", &t.pin));
        code = dossier_with_page(dir.path(), &env, 9);
        let out = cli_env(
            dir.path(),
            &["dossier", "sign", &code, "--all", "--json"],
            "",
            &with_pin,
        );
        assert_refused(&out, "đã bị thu hồi");
        assert_eq!(json(&out)["error"]["code"], "signing_certificate");
        // Switch to the expired key.
        let out = cli_env(
            dir.path(),
            &[
                "signing",
                "configure",
                "--module",
                SOFTHSM_MODULE,
                "--token-label",
                &t.label,
                "--key-label",
                "expired",
            ],
            "",
            &as_refs(&env),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let out = cli_env(
            dir.path(),
            &["dossier", "sign", &code, "--all"],
            "",
            &with_pin,
        );
        assert_refused(&out, "đã hết hạn");
        // A key that is not on the token is refused at set-up.
        let out = cli_env(
            dir.path(),
            &[
                "signing",
                "configure",
                "--module",
                SOFTHSM_MODULE,
                "--token-label",
                &t.label,
                "--key-label",
                "khong-co",
            ],
            "",
            &as_refs(&env),
        );
        assert_refused(&out, "Token không có khóa ký «khong-co»");
    }
    // Another desk with no token set up says what to do.
    let other = tempfile::tempdir().unwrap();
    init(other.path());
    let out = cli_env(other.path(), &["signing", "status"], "", &AUTH);
    assert!(out.status.success());
    assert!(
        text(&out.stdout).contains("Chưa cài đặt token ký số"),
        "{}",
        text(&out.stdout)
    );
    let out = cli_env(
        other.path(),
        &["signing", "configure", "--module", "/khong/co/tep.so"],
        "",
        &AUTH,
    );
    assert_refused(&out, "Không nạp được trình điều khiển token");
}

#[test]
fn an_approved_report_is_signed_by_the_supervisor_and_prints_signed() {
    let t = TestToken::create(STANDARD_KEYS);
    let dir = tempfile::tempdir().unwrap();
    let env = desk_with_token(dir.path(), &t, "rsa");
    let out = cli_env(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "giamsat",
            "--full-name",
            "Nguyễn Thị Ánh Tuyết",
            "--role",
            "supervisor",
            "--user",
            "quantri",
        ],
        "Giamsat-mat-khau-1\n",
        &[("BHXH_DESK_PASSWORD", ADMIN_PW)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token_env = t.env();
    let as_supervisor = |args: &[&str], stdin: &str| {
        let mut e: Vec<(&str, &str)> = token_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        e.push(("BHXH_DESK_USER", "giamsat"));
        cli_env(dir.path(), args, stdin, &e)
    };
    // A draft cannot be signed.
    let out = as_supervisor(
        &["report", "sign", "month", "2024-05"],
        &format!("Giamsat-mat-khau-1\n{}\n", t.pin),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let out = as_supervisor(
        &[
            "report",
            "approve",
            "month",
            "2024-05",
            "--number",
            "5/BC-BHXH",
        ],
        "Giamsat-mat-khau-1\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The administrator may not sign the office's report; the supervisor does.
    let out = cli_env(
        dir.path(),
        &["report", "sign", "month", "2024-05", "--json"],
        "",
        &[("BHXH_DESK_TOKEN_PIN", t.pin.as_str())]
            .into_iter()
            .chain(as_refs(&env))
            .collect::<Vec<_>>(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["error"]["code"], "forbidden");
    let out = as_supervisor(
        &["report", "sign", "month", "2024-05", "--json"],
        &format!("Giamsat-mat-khau-1\n{}\n", t.pin),
    );
    let signed = ok_json(&out);
    assert_eq!(signed["signer"], "Nguyễn Văn An", "{signed}");
    // Signed once: a second signing is refused.
    let out = as_supervisor(
        &["report", "sign", "month", "2024-05"],
        &format!("Giamsat-mat-khau-1\n{}\n", t.pin),
    );
    assert_refused(&out, "đã được ký số");
    // Every export of that revision is the signed PDF, valid for pdfsig.
    let pdf = dir.path().join("bc.pdf");
    let out = cli_env(
        dir.path(),
        &[
            "report",
            "monthly",
            "--month",
            "2024-05",
            "--out",
            pdf.to_str().unwrap(),
        ],
        "",
        &as_refs(&env),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = pdfsig(&pdf);
    assert!(report.contains("Signature is Valid."), "{report}");
    assert!(report.contains("Nguyễn Văn An"), "{report}");
    let out = cli_env(
        dir.path(),
        &["pdf", "verify", pdf.to_str().unwrap()],
        "",
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("Chữ ký hợp lệ – Nguyễn Văn An"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn with_a_timestamp_server_the_signature_is_b_t_and_a_dead_one_stops_the_signing() {
    let t = TestToken::create(STANDARD_KEYS);
    let tsa = t.start_tsa(TsaMode::Good);
    let dir = tempfile::tempdir().unwrap();
    let env = desk_with_token(dir.path(), &t, "rsa");
    let mut with_pin = as_refs(&env);
    with_pin.push(("BHXH_DESK_TOKEN_PIN", &t.pin));
    let run = |args: &[&str], env: &[(&str, &str)]| cli_env(dir.path(), args, "", env);
    let configure = |extra: &[&str]| {
        let mut args = vec![
            "signing",
            "configure",
            "--module",
            SOFTHSM_MODULE,
            "--token-label",
            &t.label,
            "--key-label",
            "rsa",
            "--json",
        ];
        args.extend_from_slice(extra);
        run(&args, &as_refs(&env))
    };

    // No timestamp server yet; a malformed address is refused.
    let out = run(&["signing", "status", "--json"], &as_refs(&env));
    assert!(ok_json(&out)["tsaUrl"].is_null());
    let out = configure(&["--tsa-url", "ftp://tsa.example.vn"]);
    assert_refused(&out, "không dùng được");

    let code = dossier_with_page(dir.path(), &env, 3);

    // The server down: the signing fails, says why, and nothing is signed.
    let dead = dead_tsa_url();
    assert_eq!(
        ok_json(&configure(&["--tsa-url", &dead]))["tsaUrl"],
        dead.as_str()
    );
    let out = run(&["dossier", "sign", &code, "--component", "1"], &with_pin);
    assert_refused(&out, "Không lấy được dấu thời gian từ máy chủ");
    assert!(
        text(&out.stderr).contains("CHƯA được ký"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["dossier", "signatures", &code, "--json"], &as_refs(&env));
    let items = ok_json(&out);
    assert_eq!(items[0]["deskSignatures"], 0, "{items}");

    // Set: shown by status (text and JSON).
    let status = ok_json(&configure(&["--tsa-url", &tsa.url]));
    assert_eq!(status["tsaUrl"], tsa.url.as_str(), "{status}");
    let out = run(&["signing", "status"], &as_refs(&env));
    assert!(
        text(&out.stdout).contains(&format!("Máy chủ dấu thời gian: {}", tsa.url)),
        "{}",
        text(&out.stdout)
    );
    // Configuring again without --tsa-url keeps it.
    assert_eq!(ok_json(&configure(&[]))["tsaUrl"], tsa.url.as_str());

    let out = run(
        &["dossier", "sign", &code, "--component", "1", "--json"],
        &with_pin,
    );
    assert_eq!(ok_json(&out)[0]["signer"], "Nguyễn Văn An");
    let after = dir.path().join("sau");
    let out = run(
        &[
            "dossier",
            "export",
            &code,
            "--out",
            after.to_str().unwrap(),
            "--signed",
            "--json",
        ],
        &as_refs(&env),
    );
    let files: Vec<String> = serde_json::from_value(ok_json(&out)).unwrap();
    let signed_path = Path::new(&files[0]);
    let report = pdfsig(signed_path);
    assert!(report.contains("Signature is Valid."), "{report}");
    let out = run(
        &["pdf", "verify", signed_path.to_str().unwrap(), "--json"],
        &[],
    );
    let lines = ok_json(&out);
    assert_eq!(lines[0]["verdict"], "valid", "{lines}");
    assert_eq!(lines[0]["level"], "B-T", "{lines}");
    assert_eq!(lines[0]["timestampAuthority"], "TSA Thử nghiệm", "{lines}");
    assert!(lines[0]["timestampAt"].is_string(), "{lines}");
    let out = run(&["pdf", "verify", signed_path.to_str().unwrap()], &[]);
    assert!(
        text(&out.stdout).contains("Mức: PAdES B-T — dấu thời gian "),
        "{}",
        text(&out.stdout)
    );

    // Removed: a second signature over the first is B-B.
    let status = ok_json(&configure(&["--no-tsa"]));
    assert!(status["tsaUrl"].is_null(), "{status}");
    let out = run(
        &["dossier", "sign", &code, "--component", "1", "--json"],
        &with_pin,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["dossier", "signatures", &code, "--json"], &as_refs(&env));
    let items = ok_json(&out);
    let sigs = &items[0]["signatures"];
    assert_eq!(sigs[0]["level"], "B-T", "{items}");
    assert_eq!(sigs[1]["level"], "B-B", "{items}");
    assert!(sigs[1]["timestampAt"].is_null(), "{items}");
}

#[test]
fn without_a_crl_the_signers_ocsp_responder_decides_and_its_answer_serves_offline() {
    let t = TestToken::create(STANDARD_KEYS);
    let dir = tempfile::tempdir().unwrap();
    let env = desk_with_token(dir.path(), &t, "rsa");
    let mut with_pin = as_refs(&env);
    with_pin.push(("BHXH_DESK_TOKEN_PIN", &t.pin));
    let run = |args: &[&str], env: &[(&str, &str)]| cli_env(dir.path(), args, "", env);
    let code = dossier_with_page(dir.path(), &env, 3);
    assert!(
        run(&["dossier", "sign", &code, "--all"], &with_pin)
            .status
            .success()
    );
    let out_dir = dir.path().join("x");
    let out = run(
        &[
            "dossier",
            "export",
            &code,
            "--out",
            out_dir.to_str().unwrap(),
            "--json",
        ],
        &as_refs(&env),
    );
    let files: Vec<String> = serde_json::from_value(ok_json(&out)).unwrap();
    let signed = files[0].clone();
    let verify = || {
        let out = run(&["pdf", "verify", &signed, "--json"], &[]);
        json(&out)[0].clone()
    };

    // The office's trust folder has no CRL of the signer's CA: with no
    // responder running, revocation is unknown and said so.
    std::fs::remove_file(dir.path().join("pdf-trust").join("int.crl")).unwrap();
    let r = verify();
    assert_eq!(r["verdict"], "indeterminate", "{r}");
    assert!(
        r.to_string().contains("máy chủ OCSP http://127.0.0.1"),
        "{r}"
    );
    // The responder answers: valid, and the answer is kept.
    t.serve_ocsp(OcspMode::Delegated);
    let r = verify();
    assert_eq!(r["verdict"], "valid", "{r}");
    let cache = dir.path().join("ocsp-cache");
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 1);
    // Offline (the responder gone): the kept answer still speaks for it.
    t.serve_ocsp(OcspMode::Down);
    let r = verify();
    assert_eq!(r["verdict"], "valid", "{r}");
    // With the kept answer gone, a forged "good" signed by a certificate
    // the CA never authorised for OCSP is not taken.
    std::fs::remove_dir_all(&cache).unwrap();
    t.serve_ocsp(OcspMode::Unauthorised);
    let r = verify();
    assert_eq!(r["verdict"], "indeterminate", "{r}");
    assert!(r.to_string().contains("OCSPSigning"), "{r}");

    // The desk will not sign with a token the responder says is revoked.
    t.serve_ocsp(OcspMode::Delegated);
    let out = run(
        &[
            "signing",
            "configure",
            "--module",
            SOFTHSM_MODULE,
            "--token-label",
            &t.label,
            "--key-label",
            "revoked",
        ],
        &as_refs(&env),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let second = dossier_with_page(dir.path(), &env, 4);
    let out = run(&["dossier", "sign", &second, "--all", "--json"], &with_pin);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert_eq!(json(&out)["error"]["code"], "signing_certificate");
    assert!(
        json(&out).to_string().contains("đã bị thu hồi"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_receipt_issued_electronically_is_signed_with_the_token_and_nothing_is_written_on_a_wrong_pin()
{
    let t = TestToken::create(STANDARD_KEYS);
    let dir = tempfile::tempdir().unwrap();
    let env = desk_with_token(dir.path(), &t, "ec");
    let mut with_pin = as_refs(&env);
    with_pin.push(("BHXH_DESK_TOKEN_PIN", &t.pin));
    let code = code_of(&new_dossier(dir.path(), "BHXH.04", Some("1")));
    let out_file = dir.path().join("giay-tiep-nhan-ky-so.pdf");
    let out_str = out_file.to_str().unwrap();

    // A wrong PIN: refused, nothing written.
    let mut wrong = as_refs(&env);
    wrong.push(("BHXH_DESK_TOKEN_PIN", "000000"));
    let args = [
        "dossier", "form", &code, "--form", "01", "--out", out_str, "--sign", "--json",
    ];
    let out = cli_env(dir.path(), &args, "", &wrong);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(!out_file.exists());

    // The right PIN: the receipt, signed, where asked.
    let out = cli_env(dir.path(), &args, "", &with_pin);
    let done = ok_json(&out);
    assert_eq!(done["signedBy"], "Trần Thị Bình", "{done}");
    let report = pdfsig(&out_file);
    assert!(report.contains("Signature is Valid."), "{report}");
    assert!(report.contains("Trần Thị Bình"), "{report}");
    let out = cli_env(dir.path(), &["pdf", "verify", out_str, "--json"], "", &[]);
    let r = json(&out);
    assert_eq!(r[0]["verdict"], "valid", "{r}");
    // It is still the receipt: its code and its QR are on it.
    let words = Command::new("pdftotext")
        .arg(&out_file)
        .arg("-")
        .output()
        .unwrap();
    assert!(text(&words.stdout).contains(&code));
    // Logged as a paper, with its signer.
    let out = cli_env(dir.path(), &["audit", "list", "--json"], "", &as_refs(&env));
    let log = ok_json(&out).to_string();
    assert!(
        log.contains("Trần Thị Bình") && log.contains("certificateSerial"),
        "{log}"
    );
    // Without --sign the same command writes it unsigned.
    let plain = dir.path().join("khong-ky.pdf");
    let out = cli_env(
        dir.path(),
        &[
            "dossier",
            "form",
            &code,
            "--form",
            "01",
            "--out",
            plain.to_str().unwrap(),
        ],
        "",
        &as_refs(&env),
    );
    assert!(out.status.success());
    assert!(pdfsig(&plain).contains("does not contain any signatures"));
}
