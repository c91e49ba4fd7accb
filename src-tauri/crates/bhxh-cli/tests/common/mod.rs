//! What the command line's tests share: the real `bhxh-desk-cli` binary run
//! as a process on a data directory, the test office set up through it, a
//! dossier taken in, scans to import, and the answers read back.
//! (Each test file uses part of it.)
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_bhxh-desk-cli");

/// The password of `quantri`, the administrator [`init`] sets up.
pub const ADMIN_PW: &str = "Quantri-mat-khau-1";

/// Signed in as `quantri` through the environment, as a script or a
/// scheduler runs the command line.
pub const AUTH: [(&str, &str); 2] = [
    ("BHXH_DESK_USER", "quantri"),
    ("BHXH_DESK_PASSWORD", ADMIN_PW),
];

/// What the command line reads from the environment to sign in or for a
/// secret: cleared, so that a command gets only what its test passes.
const FROM_ENV: [&str; 6] = [
    "BHXH_DESK_TOKEN_PIN",
    "BHXH_DESK_USER",
    "BHXH_DESK_PASSWORD",
    "BHXH_DESK_NEW_PASSWORD",
    "BHXH_DESK_BACKUP_PASSPHRASE",
    "BHXH_DESK_HQ_TOKEN",
];

/// The binary on the data directory `dir`, started with `args`, `env` and
/// `stdin` written to it (then closed); its output piped.
pub fn cli_spawn(dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Child {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir").arg(dir).args(args);
    for k in FROM_ENV {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
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
    child
}

/// [`cli_spawn`], run to its end.
pub fn cli_env(dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    cli_spawn(dir, args, stdin, env).wait_with_output().unwrap()
}

/// [`cli_env`] with nothing added to the environment.
pub fn cli(dir: &Path, args: &[&str], stdin: &str) -> Output {
    cli_env(dir, args, stdin, &[])
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The command's standard output as JSON (a panic that shows both outputs
/// when it is not).
pub fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

/// A command that succeeded, and its JSON.
pub fn ok_json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", text(&out.stderr));
    json(out)
}

/// `init`'s arguments: the office, its agency code and province, the
/// administrator's user name and full name.
pub fn init_args<'a>(
    office: &'a str,
    agency_code: &'a str,
    province: &'a str,
    admin_user: &'a str,
    admin_name: &'a str,
) -> [&'a str; 11] {
    [
        "init",
        "--office-name",
        office,
        "--agency-code",
        agency_code,
        "--province",
        province,
        "--admin-user",
        admin_user,
        "--admin-name",
        admin_name,
    ]
}

/// `init` of the test office in `dir`: BHXH Đắk Lắk (000.00.66.H15), its
/// administrator `quantri` (Y Bhin Niê) with [`ADMIN_PW`].
pub fn init(dir: &Path) {
    let out = cli(
        dir,
        &init_args(
            "Bảo hiểm xã hội tỉnh Đắk Lắk",
            "000.00.66.H15",
            "066",
            "quantri",
            "Y Bhin Niê",
        ),
        &format!("{ADMIN_PW}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Đã thiết lập BHXH Desk"));
}

/// `dossier new --json` as `quantri` for Nguyễn Văn Đức (ID 066093047064)
/// with `procedure`, handing in `components` (`--components`, when given):
/// the intake as printed.
pub fn new_dossier(dir: &Path, procedure: &str, components: Option<&str>) -> Value {
    let mut args = vec![
        "dossier",
        "new",
        "--procedure",
        procedure,
        "--applicant-id",
        "066093047064",
        "--name",
        "Nguyễn Văn Đức",
        "--dob",
        "1993-01-05",
        "--sex",
        "nam",
    ];
    if let Some(c) = components {
        args.extend(["--components", c]);
    }
    args.push("--json");
    ok_json(&cli_env(dir, &args, "", &AUTH))
}

/// The dossier code in an intake as `dossier new --json` prints it.
pub fn code_of(intake: &Value) -> String {
    intake["dossier"]["code"].as_str().unwrap().to_owned()
}

/// An image as a JPEG at 200 dpi, as a scanner writes it.
fn jpeg_200_dpi(img: &image::RgbImage, quality: u8) -> Vec<u8> {
    use image::codecs::jpeg::{JpegEncoder, PixelDensity};
    let mut out = Vec::new();
    let mut enc = JpegEncoder::new_with_quality(&mut out, quality);
    enc.set_pixel_density(PixelDensity::dpi(200));
    enc.encode_image(img).unwrap();
    out
}

/// Scans big enough that an import takes a while: A4 at 200 dpi, noisy.
pub fn scan_jpeg(seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    let img = image::RgbImage::from_fn(1654, 2339, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let g = (state % 40) as u8;
        image::Rgb([215 + g, 210 + g, 200 + g])
    });
    jpeg_200_dpi(&img, 90)
}

/// A small page at 200 dpi, distinct per seed, quick to import.
pub fn page_jpeg(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(300, 420, |x, y| {
        image::Rgb([(x % 50) as u8 ^ seed, (y % 60) as u8, 200])
    });
    jpeg_200_dpi(&img, 85)
}

/// A command refused (exit code 1) saying `said` on stderr.
pub fn assert_refused(out: &Output, said: &str) {
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains(said),
        "{said:?} not in {}",
        text(&out.stderr)
    );
}

/// A SANE configuration in `dir` with only SANE's own `test` backend and
/// `devices` devices (`test:0`, …); hand it over as `SANE_CONFIG_DIR`.
pub fn sane_config(dir: &Path, devices: u32) -> String {
    let conf = dir.join("sane.d");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(conf.join("dll.conf"), "test\n").unwrap();
    std::fs::write(
        conf.join("test.conf"),
        format!("number_of_devices {devices}\n"),
    )
    .unwrap();
    conf.display().to_string()
}

/// A page with `text` set in the desk's font at 300 dpi, as a scanner's
/// JPEG, written to `dir/name`.
pub fn paper(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let font = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../assets/fonts/LiberationSerif-Regular.ttf");
    let out = dir.join(name);
    let ok = Command::new("convert")
        .args([
            "-density",
            "300",
            "-units",
            "PixelsPerInch",
            "-background",
            "white",
        ])
        .args(["-fill", "black", "-font"])
        .arg(&font)
        .args(["-pointsize", "12"])
        .arg(format!("label:{text}"))
        .args(["-bordercolor", "white", "-border", "120", "-quality", "90"])
        .arg(&out)
        .status()
        .expect("ImageMagick convert: scripts/deps.sh test");
    assert!(ok.success());
    out
}
