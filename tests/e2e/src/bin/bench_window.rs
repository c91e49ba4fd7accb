//! The window under load, as the counter lives it (run by `scripts/bench.sh`):
//!
//! 1. **Importing 40 scanned pages (~25 MB)** into one component through the
//!    window (file chooser → upload as raw IPC bodies → import) against the
//!    command line's `dossier import` on the same files, same build.
//! 2. **Screen switches during an inbox poll of a 60-page TIFF**: how long
//!    each click took until the screen showed its data.
//!
//! Figures go to stdout (and by hand to `docs/benchmarks.md`); timings are
//! never test assertions.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bhxh_e2e::*;
use fantoccini::Client;

fn run(cmd: &mut std::process::Command) -> Result<std::process::Output> {
    let out = cmd.output()?;
    if !out.status.success() {
        return Err(format!("{cmd:?}: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(out)
}

/// The app binary as the command line, on `data`, signed in as the admin.
fn cli(data: &Path) -> Result<std::process::Command> {
    let mut cmd = std::process::Command::new(app_path()?);
    cmd.arg("--data-dir")
        .arg(data)
        .env("BHXH_DESK_USER", ADMIN_USER)
        .env("BHXH_DESK_PASSWORD", ADMIN_PASSWORD);
    Ok(cmd)
}

/// `n` different 200 dpi A4 colour JPEG pages of a few hundred KB each,
/// named after `set`.
fn pages(dir: &Path, n: u32, set: &str) -> Result<Vec<PathBuf>> {
    let base = dir.join("nen.jpg");
    run(std::process::Command::new("convert")
        .args(["-size", "1654x2339", "plasma:fractal", "-quality", "92"])
        .arg(&base))?;
    (1..=n)
        .map(|i| {
            let p = dir.join(format!("{set}-trang-{i:02}.jpg"));
            run(std::process::Command::new("convert")
                .arg(&base)
                .args(["-fill", "#102040"])
                .args([
                    "-draw",
                    &format!(
                        "rectangle {},{} 1400,{}",
                        200 + set.len() as u32 * 10,
                        200 + i * 40,
                        230 + i * 40
                    ),
                ])
                .args([
                    "-units",
                    "PixelsPerInch",
                    "-density",
                    "200",
                    "-quality",
                    "80",
                ])
                .arg(&p))?;
            Ok(p)
        })
        .collect()
}

fn new_dossier(data: &Path) -> Result<String> {
    let out = run(cli(data)?.args([
        "dossier",
        "new",
        "--procedure",
        "BHXH.01",
        "--applicant-id",
        "017093047064",
        "--name",
        "Nguyễn Văn Đức",
        "--dob",
        "1993-01-05",
        "--sex",
        "nam",
        "--components",
        "1,2",
        "--json",
    ]))?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    Ok(v["dossier"]["code"].as_str().ok_or("no code")?.to_owned())
}

async fn import_in_window(c: &Client, code: &str, files: &[PathBuf]) -> Result<Duration> {
    click(c, "#nav-digitise").await?;
    fill(c, "#digitise-code", code).await?;
    click(c, "#digitise-open").await?;
    visible(c, "#component-1").await?;
    let list = files
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    c.find(fantoccini::Locator::Css("#files-1"))
        .await?
        .send_keys(&list)
        .await?;
    let start = Instant::now();
    click(c, "#import-1").await?;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let text = match c.find(fantoccini::Locator::Css("#digitise-notice")).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains("Đã số hóa thành phần 1") {
            return Ok(start.elapsed());
        }
        if Instant::now() > deadline {
            return Err("the window's import did not finish in 10 minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Raw IPC alone: 40 bodies of 650 KB sent with `upload_file` from the
/// webview, then dropped.
async fn ipc_throughput(c: &Client) -> Result<()> {
    let ms = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            (async () => {
              const inv = window.__TAURI_INTERNALS__.invoke;
              const body = new Uint8Array(650 * 1024);
              for (let i = 0; i < body.length; i++) body[i] = i % 251;
              const ids = [];
              const t0 = performance.now();
              for (let i = 0; i < 40; i++) {
                ids.push(await inv('upload_file', body, { headers: { 'x-file-name': 'p' + i } }));
              }
              const t1 = performance.now();
              await inv('files_discard', { files: ids });
              done(t1 - t0);
            })().catch((e) => done('error: ' + JSON.stringify(e)));"#,
            vec![],
        )
        .await?;
    println!("raw IPC: 40 uploads of 650 KB (26 MB): {ms} ms");
    Ok(())
}

async fn clicks_during_poll(c: &Client, data: &Path, dir: &Path) -> Result<()> {
    run(cli(data)?.args(["inbox", "dir", "--settle-seconds", "0"]))?;
    let inbox = data.join("hop-thu-quet");
    std::fs::create_dir_all(&inbox)?;
    let batch = inbox.join("lo-60-trang.tif");
    let _ = dir;
    run(std::process::Command::new("convert")
        .args(["-size", "1654x2339", "xc:#f4f1ea", "-fill", "#203060"])
        .args(["-draw", "rectangle 150,200 1500,260", "-duplicate", "59"])
        .args([
            "-units",
            "PixelsPerInch",
            "-density",
            "200",
            "-compress",
            "lzw",
        ])
        .arg(&batch))?;
    click(c, "#nav-digitise").await?;
    click(c, "#inbox-scan").await?;
    text_contains(c, "#inbox-report", "đang chờ tệp ghi xong 1").await?;
    let poll = Instant::now();
    click(c, "#inbox-scan").await?;
    let mut during = Vec::new();
    let mut round = 0;
    while batch.exists() && round < 200 {
        let (nav, loaded) = if round % 2 == 0 {
            ("#nav-plan", "#plan-count")
        } else {
            ("#nav-intake", "#intake-procedure option:nth-child(3)")
        };
        let start = Instant::now();
        click(c, nav).await?;
        visible(c, loaded).await?;
        during.push(start.elapsed().as_secs_f64() * 1000.0);
        round += 1;
    }
    while batch.exists() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let poll = poll.elapsed().as_secs_f64();
    let mut sorted = during.clone();
    sorted.sort_by(f64::total_cmp);
    let pick = |q: f64| {
        sorted
            .get(((sorted.len() as f64 - 1.0) * q) as usize)
            .copied()
    };
    println!(
        "inbox poll, 60-page TIFF: {poll:.1} s; {} screen switches during it: median {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        during.len(),
        pick(0.5).unwrap_or(f64::NAN),
        pick(0.95).unwrap_or(f64::NAN),
        pick(1.0).unwrap_or(f64::NAN),
    );
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let scans = dir.path().join("scans");
    std::fs::create_dir_all(&scans)?;
    // Two sets of different pages: the file store keeps a file once, so the
    // second import of the same bytes would seal nothing.
    let files = pages(&scans, 40, "a")?;
    let cli_files = pages(&scans, 40, "bb")?;
    let bytes: u64 = files
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    let driver = Driver::start()?;
    let c = driver.launch(&data).await?;
    let result = async {
        first_start_setup(&c).await?;
        sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
        visible(&c, "#nav-plan").await?;
        ipc_throughput(&c).await?;
        let window_code = new_dossier(&data)?;
        let cli_code = new_dossier(&data)?;
        let window = import_in_window(&c, &window_code, &files).await?;
        let start = Instant::now();
        let mut cmd = cli(&data)?;
        cmd.args(["dossier", "import", &cli_code, "--component", "1"])
            .args(&cli_files);
        run(&mut cmd)?;
        let cli = start.elapsed();
        println!(
            "import of {} pages ({:.1} MB): window {:.2} s, command line {:.2} s (ratio {:.2})",
            files.len(),
            bytes as f64 / 1e6,
            window.as_secs_f64(),
            cli.as_secs_f64(),
            window.as_secs_f64() / cli.as_secs_f64()
        );
        clicks_during_poll(&c, &data, &scans).await
    }
    .await;
    let _ = c.close().await;
    result
}
