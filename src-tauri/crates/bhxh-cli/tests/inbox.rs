//! `bhxh-desk inbox …` as a scheduler runs it: the real binary, a real
//! store and the real Secret Service (run under `scripts/with-keyring.sh`),
//! a receipt printed by the CLI and rasterised at 200 dpi as the cover.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_bhxh-desk-cli");
const ADMIN_PW: &str = "Quantri-mat-khau-1";

fn cli(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("BHXH_DESK_USER", "quantri")
        .env("BHXH_DESK_PASSWORD", ADMIN_PW)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn ok_json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn jpeg(seed: u8) -> Vec<u8> {
    use image::codecs::jpeg::{JpegEncoder, PixelDensity};
    let img = image::RgbImage::from_fn(300, 420, |x, y| {
        image::Rgb([(x % 50) as u8 ^ seed, (y % 60) as u8, 200])
    });
    let mut out = Vec::new();
    let mut enc = JpegEncoder::new_with_quality(&mut out, 85);
    enc.set_pixel_density(PixelDensity::dpi(200));
    enc.encode_image(&img).unwrap();
    out
}

#[test]
fn scan_once_files_a_scanned_pdf_by_its_cover_and_triages_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = cli(
        d,
        &[
            "init",
            "--office-name",
            "Bảo hiểm xã hội tỉnh Đắk Lắk",
            "--agency-code",
            "000.00.66.H15",
            "--province",
            "066",
            "--admin-user",
            "quantri",
            "--admin-name",
            "Y Bhin Niê",
        ],
        &format!("{ADMIN_PW}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let intake = ok_json(&cli(
        d,
        &[
            "dossier",
            "new",
            "--procedure",
            "BHXH.01",
            "--applicant-id",
            "066093047064",
            "--name",
            "Nguyễn Văn Đức",
            "--dob",
            "1993-01-05",
            "--sex",
            "nam",
            "--components",
            "1,2",
            "--json",
        ],
        "",
    ));
    let code = intake["dossier"]["code"].as_str().unwrap().to_owned();
    let receipt = work.path().join("giay.pdf");
    let out = cli(
        d,
        &[
            "dossier",
            "receipt",
            &code,
            "--out",
            receipt.to_str().unwrap(),
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The receipt's first page at 200 dpi, as the scanner sees the cover.
    let ok = Command::new("pdftoppm")
        .args(["-jpeg", "-r", "200", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&receipt)
        .arg(work.path().join("bia"))
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(ok.success());
    let p1 = work.path().join("p1.jpg");
    let p2 = work.path().join("p2.jpg");
    std::fs::write(&p1, jpeg(1)).unwrap();
    std::fs::write(&p2, jpeg(2)).unwrap();
    let scanned = inbox.path().join("scan-0001.pdf");
    let ok = Command::new("img2pdf")
        .args(["--imgsize", "200dpi"])
        .arg(work.path().join("bia.jpg"))
        .arg(&p1)
        .arg(&p2)
        .arg("-o")
        .arg(&scanned)
        .status()
        .expect("img2pdf");
    assert!(ok.success());
    // And a scan with no cover.
    let loose = inbox.path().join("scan-0002.pdf");
    let ok = Command::new("img2pdf")
        .args(["--imgsize", "200dpi"])
        .arg(&p2)
        .arg("-o")
        .arg(&loose)
        .status()
        .expect("img2pdf");
    assert!(ok.success());

    // Where the inbox is, and no wait between polls for this test.
    let set = ok_json(&cli(
        d,
        &[
            "inbox",
            "dir",
            inbox.path().to_str().unwrap(),
            "--settle-seconds",
            "0",
            "--json",
        ],
        "",
    ));
    assert_eq!(set["dir"], inbox.path().to_str().unwrap());
    assert_eq!(set["settleSeconds"], 0);
    let shown = cli(d, &["inbox", "dir"], "");
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains(inbox.path().to_str().unwrap()),
        "{shown:?}"
    );

    // First run sees the files; the second takes them.
    let r = ok_json(&cli(d, &["inbox", "scan-once", "--json"], ""));
    assert_eq!(r["seen"], 2, "{r}");
    assert_eq!(r["waiting"].as_array().unwrap().len(), 2, "{r}");
    assert!(scanned.exists() && loose.exists());
    let r = ok_json(&cli(d, &["inbox", "scan-once", "--json"], ""));
    assert_eq!(r["filed"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["filed"][0]["code"], code.as_str());
    assert_eq!(r["filed"][0]["component"], 1);
    assert_eq!(r["filed"][0]["pages"], 2);
    assert_eq!(r["triaged"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["triaged"][0]["file"], "scan-0002.pdf");
    assert!(!scanned.exists() && !loose.exists());
    // A third run has nothing to do.
    let r = ok_json(&cli(d, &["inbox", "scan-once", "--json"], ""));
    assert_eq!(r["seen"], 0, "{r}");
    assert!(r["filed"].as_array().unwrap().is_empty());

    let list = ok_json(&cli(d, &["inbox", "triage", "--json"], ""));
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let id = list[0]["id"].as_i64().unwrap().to_string();
    assert!(
        list[0]["reason"]
            .as_str()
            .unwrap()
            .contains("Không có trang bìa"),
        "{list}"
    );
    let done = ok_json(&cli(
        d,
        &["inbox", "assign", &id, &code, "--component", "2", "--json"],
        "",
    ));
    assert_eq!(done["pages"], 1);
    assert_eq!(done["status"], "digitised");
    // Filed once only.
    let again = cli(d, &["inbox", "assign", &id, &code, "--component", "2"], "");
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("đã được xếp vào hồ sơ"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let list = ok_json(&cli(d, &["inbox", "triage", "--json"], ""));
    assert!(list.as_array().unwrap().is_empty());

    let check = ok_json(&cli(d, &["db", "check", "--json"], ""));
    assert_eq!(check["ok"], true, "{check}");
}
