//! Signing in the real window with a real PKCS#11 token (SoftHSM2 made by
//! the test, a three-level openssl chain): an administrator sets up the
//! token, a component digitised in the window is signed with the PIN typed
//! in the PIN box (a wrong PIN first), the window shows the verified
//! signature, and the exported PDF is valid for poppler's `pdfsig` — until
//! one byte changes; then the supervisor signs the approved monthly report
//! on the Reports screen and its PDF is valid for `pdfsig` too.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::process::Command;

use bhxh_e2e::*;
use bhxh_sign::testing::{KeyKind, KeySpec, SOFTHSM_MODULE, TestToken};

fn pdfsig(path: &std::path::Path) -> String {
    let out = Command::new("pdfsig")
        .arg(path)
        .output()
        .expect("pdfsig (poppler-utils)");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The app binary as a command line on `data`, signed in as the administrator.
fn cli(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    desk_cli(data, args, ADMIN_USER, ADMIN_PASSWORD).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_digitised_in_the_window_is_signed_with_the_token() -> Result<()> {
    let token = TestToken::create(&[KeySpec {
        label: "can-bo",
        kind: KeyKind::Rsa2048,
        cn: "Nguyễn Văn An",
        expired: false,
        revoked: false,
    }]);
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let trust = data.join("pdf-trust");
    std::fs::create_dir_all(&trust)?;
    for f in std::fs::read_dir(&token.trust_dir)? {
        let f = f?.path();
        std::fs::copy(&f, trust.join(f.file_name().unwrap()))?;
    }
    let env: Vec<(String, String)> = token
        .env()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    let driver = Driver::start_with_env(&env)?;
    let c = driver.launch(&data).await?;
    let result = async {
        first_start_setup(&c).await?;
        sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
        visible(&c, "#nav-admin").await?;

        // A dossier taken in (from the command line, beside the window).
        let code = new_dossier_cli(&data, "1")?;

        // The administrator sets up the token: no PIN needed to list its key.
        click(&c, "#nav-admin").await?;
        visible(&c, "#signing-panel").await?;
        fill(&c, "#signing-module", SOFTHSM_MODULE).await?;
        fill(&c, "#signing-token", &token.label).await?;
        click(&c, "#signing-save").await?;
        text_contains(&c, "#signing-saved", "Đã lưu cài đặt ký số").await?;
        text_contains(&c, "[data-key='can-bo']", "Nguyễn Văn An").await?;

        // A page digitised in the window.
        let scan = dir.path().join("trang-1.jpg");
        let made = Command::new("convert")
            .args(["-size", "1654x2339", "xc:#f4f1ea", "-fill", "#1d2a44"])
            .args([
                "-draw",
                "rectangle 150,200 1500,260",
                "-units",
                "PixelsPerInch",
            ])
            .args(["-density", "200", "-quality", "85"])
            .arg(&scan)
            .status()?;
        assert!(made.success(), "ImageMagick convert");
        click(&c, "#nav-digitise").await?;
        open_to_digitise(&c, &code).await?;
        visible(&c, "#component-1").await?;
        let input = c.find(fantoccini::Locator::Css("#files-1")).await?;
        input.send_keys(scan.to_str().unwrap()).await?;
        click(&c, "#import-1").await?;
        text_contains(&c, "#digitise-notice", "Đã số hóa thành phần 1 (1 trang)").await?;
        text_contains(&c, "[data-unsigned='1']", "Chưa có chữ ký số").await?;

        // A wrong PIN: said in the window, nothing signed.
        click(&c, "#sign-1").await?;
        fill(&c, "#sign-pin", "000000").await?;
        click(&c, "#sign-confirm").await?;
        text_contains(&c, "#digitise-error", "Mã PIN không đúng").await?;
        assert_eq!(value_of(&c, "#sign-pin").await?, "", "the PIN is not kept");

        // The right PIN signs; the window shows the verified signature.
        fill(&c, "#sign-pin", &token.pin).await?;
        click(&c, "#sign-confirm").await?;
        text_contains(
            &c,
            "#digitise-notice",
            "Đã ký thành phần 1 — người ký: Nguyễn Văn An",
        )
        .await?;
        let line =
            text_contains(&c, "[data-signature='1']", "Chữ ký hợp lệ – Nguyễn Văn An").await?;
        assert!(line.contains("ký lúc"), "{line}");
        assert_eq!(count(&c, "#pin-dialog").await?, 0);
        snap(&c, "9-signed").await?;

        // Exported signed, it is valid for an independent verifier …
        let out_dir = dir.path().join("xuat");
        let out = cli(
            &data,
            &[
                "dossier",
                "export",
                &code,
                "--out",
                out_dir.to_str().unwrap(),
                "--signed",
                "--json",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let files: Vec<String> = serde_json::from_slice(&out.stdout)?;
        let signed = std::path::PathBuf::from(&files[0]);
        let report = pdfsig(&signed);
        assert!(report.contains("Signature is Valid."), "{report}");
        assert!(report.contains("Nguyễn Văn An"), "{report}");
        // … until one byte changes.
        let mut bytes = std::fs::read(&signed)?;
        bytes[2000] ^= 0x01;
        let bad = dir.path().join("da-sua.pdf");
        std::fs::write(&bad, &bytes)?;
        assert!(pdfsig(&bad).contains("Digest Mismatch"));

        // The supervisor signs the approved report on the Reports screen.
        let out = Command::new(app_path().unwrap())
            .arg("--data-dir")
            .arg(&data)
            .args([
                "user",
                "add",
                "--username",
                "giamsat",
                "--full-name",
                "Nguyễn Thị Ánh Tuyết",
                "--role",
                "supervisor",
                "--user",
                ADMIN_USER,
            ])
            .env("BHXH_DESK_PASSWORD", ADMIN_PASSWORD)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(b"Giamsat-mat-khau-1\n")?;
                child.wait_with_output()
            })?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = desk_cli(
            &data,
            &[
                "report",
                "approve",
                "month",
                "2024-05",
                "--number",
                "5/BC-BHXH",
            ],
            "giamsat",
            "Giamsat-mat-khau-1",
        )?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        click(&c, "#signout").await?;
        sign_in(&c, "giamsat", "Giamsat-mat-khau-1").await?;
        click(&c, "#nav-reports").await?;
        select(&c, "#reports-kind", "month").await?;
        fill(&c, "#reports-period", "2024-05").await?;
        click(&c, "#reports-show").await?;
        text_contains(&c, "#reports-state", "5/BC-BHXH").await?;
        click(&c, "#report-sign").await?;
        fill(&c, "#sign-pin", &token.pin).await?;
        click(&c, "#sign-confirm").await?;
        text_contains(&c, "#report-signed", "người ký: Nguyễn Văn An").await?;
        let pdf = dir.path().join("bao-cao.pdf");
        let out = cli(
            &data,
            &[
                "report",
                "monthly",
                "--month",
                "2024-05",
                "--out",
                pdf.to_str().unwrap(),
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report = pdfsig(&pdf);
        assert!(report.contains("Signature is Valid."), "{report}");

        // The token pulled out while the PIN box is open: the box says so
        // within a few seconds and "Ký" waits (SoftHSM2 stands for the
        // token: deleting it is what it can do of a removal).
        click(&c, "#nav-digitise").await?;
        open_to_digitise(&c, &code).await?;
        click(&c, "#sign-all").await?;
        let ready = text_contains(&c, "#pin-token", "đã sẵn sàng").await?;
        assert!(ready.contains(&token.label), "{ready}");
        let pulled = Command::new("softhsm2-util")
            .env("SOFTHSM2_CONF", &token.conf)
            .args(["--delete-token", "--token", &token.label])
            .output()?;
        assert!(pulled.status.success(), "{pulled:?}");
        text_contains(&c, "#pin-token", "Không thấy token").await?;
        fill(&c, "#sign-pin", &token.pin).await?;
        let confirm = c.find(fantoccini::Locator::Css("#sign-confirm")).await?;
        assert!(!confirm.is_enabled().await?, "Ký must wait for the token");
        snap(&c, "10-token-pulled").await?;
        Ok::<(), Error>(())
    }
    .await;
    c.close().await?;
    result
}
