//! Time from launching the app to the sign-in screen, to the plan screen
//! (an administrator, with an automated sign-in) and to the intake screen
//! with the cursor in the scan box (a counter officer), and the memory of
//! the app and its WebKit web process once each shows. Run through
//! `scripts/bench.sh` (the debug build, or `BHXH_E2E_APP`).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bhxh_e2e::*;

/// Resident memory of the processes whose name contains `name_part`, in KiB.
fn rss_kib(name_part: &str) -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut total = 0;
    for e in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(e.path().join("status")) else {
            continue;
        };
        if !text.lines().next().unwrap_or_default().contains(name_part) {
            continue;
        }
        for line in text.lines() {
            if let Some(v) = line.strip_prefix("VmRSS:") {
                total += v
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .unwrap_or(0);
            }
        }
    }
    total
}

fn median_max(v: &mut [Duration]) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(v[v.len() / 2]), ms(v[v.len() - 1]))
}

/// The counter officer's password in this benchmark's throwaway store.
const COUNTER_PASSWORD: &str = "Tiepnhan-bench-2026";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    let dir = tempfile::tempdir()?;
    let driver = Driver::start()?;
    {
        let c = driver.launch(dir.path()).await?;
        first_start_setup(&c).await?;
        visible(&c, "#signin-username").await?;
        let _ = c.close().await;
    }
    // A counter officer, whose first screen is the intake.
    let mut add = Command::new(app_path()?)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["user", "add", "--username", "tiepnhan", "--full-name"])
        .args([
            "Lê Thị Quầy",
            "--role",
            "counter_officer",
            "--user",
            ADMIN_USER,
        ])
        .env("BHXH_DESK_PASSWORD", ADMIN_PASSWORD)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()?;
    if let Some(mut input) = add.stdin.take() {
        input.write_all(format!("{COUNTER_PASSWORD}\n").as_bytes())?;
    }
    if !add.wait()?.success() {
        return Err("bhxh-desk user add tiepnhan failed".into());
    }
    let mut to_sign_in = Vec::new();
    let mut to_plan = Vec::new();
    let mut to_intake = Vec::new();
    let (mut rss_app, mut rss_web) = (0, 0);
    let (mut rss_app_i, mut rss_web_i) = (0, 0);
    for _ in 0..runs {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let t0 = Instant::now();
        let c = driver.launch(dir.path()).await?;
        visible(&c, "#signin-username").await?;
        to_sign_in.push(t0.elapsed());
        sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
        visible(&c, "[data-task=\"27\"]").await?;
        to_plan.push(t0.elapsed());
        rss_app = rss_kib("bhxh-desk");
        rss_web = rss_kib("WebKitWebProces");
        let _ = c.close().await;

        tokio::time::sleep(Duration::from_millis(500)).await;
        let t0 = Instant::now();
        let c = driver.launch(dir.path()).await?;
        sign_in(&c, "tiepnhan", COUNTER_PASSWORD).await?;
        visible(&c, "#intake-form").await?;
        focus_lands(&c, "intake-qr").await?;
        to_intake.push(t0.elapsed());
        rss_app_i = rss_kib("bhxh-desk");
        rss_web_i = rss_kib("WebKitWebProces");
        let _ = c.close().await;
    }
    let (si_med, si_max) = median_max(&mut to_sign_in);
    let (pl_med, pl_max) = median_max(&mut to_plan);
    let (in_med, in_max) = median_max(&mut to_intake);
    println!("app: {}", app_path()?.display());
    println!("runs: {runs}");
    println!("launch -> sign-in screen: median {si_med:.0} ms, max {si_max:.0} ms");
    println!(
        "launch -> plan screen (27 tasks, incl. automated sign-in): median {pl_med:.0} ms, max {pl_max:.0} ms"
    );
    println!(
        "RSS with the plan shown: app {} MiB, WebKit web process {} MiB",
        rss_app / 1024,
        rss_web / 1024
    );
    println!(
        "launch -> intake screen, cursor in the scan box (counter officer, incl. automated sign-in): median {in_med:.0} ms, max {in_max:.0} ms"
    );
    println!(
        "RSS with the intake shown: app {} MiB, WebKit web process {} MiB, together {} MiB",
        rss_app_i / 1024,
        rss_web_i / 1024,
        (rss_app_i + rss_web_i) / 1024
    );
    Ok(())
}
