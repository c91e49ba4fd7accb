//! Time from launching the app to its window being ready (launched as a
//! user launches it, no WebDriver: the app logs "window ready" at its
//! page's first call), and through WebDriver to the sign-in screen, to the
//! plan screen (an administrator, with an automated sign-in) and to the
//! intake screen with the cursor in the scan box (a counter officer: the
//! sign-in clicked and watched from inside the page, WebDriver's typing not
//! counted); and the memory of the app and its WebKit web process once each
//! shows, resident (RSS) and proportional (PSS: a page shared by the two
//! processes counted once). Run through `scripts/bench.sh` (the release
//! build, or `BHXH_E2E_APP`).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bhxh_e2e::*;

/// The sum of the `key` line (in kB) of `/proc/PID/FILE` over the processes
/// whose name contains `name_part`, in KiB.
fn proc_kib(name_part: &str, file: &str, key: &str) -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut total = 0;
    for e in entries.flatten() {
        let Ok(status) = std::fs::read_to_string(e.path().join("status")) else {
            continue;
        };
        if !status
            .lines()
            .next()
            .unwrap_or_default()
            .contains(name_part)
        {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(e.path().join(file)) else {
            continue;
        };
        for line in text.lines() {
            if let Some(v) = line.strip_prefix(key) {
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

/// Resident memory (RSS) of the processes whose name contains `name_part`.
fn rss_kib(name_part: &str) -> u64 {
    proc_kib(name_part, "status", "VmRSS:")
}

/// Proportional memory (PSS) of the processes whose name contains
/// `name_part`: pages shared between processes are split among them.
fn pss_kib(name_part: &str) -> u64 {
    proc_kib(name_part, "smaps_rollup", "Pss:")
}

/// When the newest process whose name contains `name_part` started, in
/// milliseconds since the Unix epoch (10 ms resolution: the kernel's clock
/// ticks).
fn process_started_ms(name_part: &str) -> Option<f64> {
    // Boot time from the uptime clock (10 ms), not /proc/stat's whole second.
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs_f64();
    let btime = now - uptime;
    let mut newest: Option<f64> = None;
    for e in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(text) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        let Some((head, rest)) = text.rsplit_once(')') else {
            continue;
        };
        if !head.contains(name_part) {
            continue;
        }
        // Field 22 of /proc/PID/stat: start time in clock ticks since boot;
        // `rest` begins at field 3.
        let ticks: f64 = rest.split_whitespace().nth(19)?.parse().ok()?;
        let at = (btime + ticks / 100.0) * 1000.0;
        newest = Some(newest.map_or(at, |n: f64| n.max(at)));
    }
    newest
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
    // As users launch it: no WebDriver, no automation. The app logs "window
    // ready" at its page's first call (the sign-in screen draws next).
    let mut ready = Vec::new();
    let (mut rss_app_s, mut rss_web_s) = (0, 0);
    for _ in 0..runs {
        tokio::time::sleep(Duration::from_millis(2000)).await;
        let t0 = Instant::now();
        let mut app = Command::new(app_path()?)
            .args(["gui", "--data-dir"])
            .arg(dir.path())
            .env("BHXH_DESK_LOG", "warn,bhxh_desk::commands::session=info")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        // The app's log goes to its standard output.
        let err = app.stdout.take().ok_or("no output from the app")?;
        let seen = tokio::task::spawn_blocking(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(err).lines() {
                if line.ok()?.contains("window ready") {
                    return Some(t0.elapsed());
                }
            }
            None
        })
        .await?;
        let Some(seen) = seen else {
            let _ = app.kill();
            return Err("the app ended without its window calling in".into());
        };
        ready.push(seen);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        rss_app_s = rss_kib("bhxh-desk");
        rss_web_s = rss_kib("WebKitWebProces");
        let _ = Command::new("kill")
            .args(["-TERM", &app.id().to_string()])
            .status();
        let _ = app.wait();
    }
    let mut to_sign_in = Vec::new();
    let mut to_plan = Vec::new();
    let mut to_intake = Vec::new();
    let mut to_intake_typed = Vec::new();
    let (mut rss_app, mut rss_web) = (0, 0);
    let (mut rss_app_i, mut rss_web_i) = (0, 0);
    let mut pss_i = 0;
    for _ in 0..runs {
        tokio::time::sleep(Duration::from_millis(2000)).await;
        let t0 = Instant::now();
        let wall0 = std::time::SystemTime::now();
        let c = driver.launch(dir.path()).await?;
        visible(&c, "#signin-username").await?;
        to_sign_in.push(t0.elapsed());
        let js = c
            .execute(
                "const n = performance.getEntriesByType('navigation')[0]; return [performance.timeOrigin, n ? n.domContentLoadedEventEnd : -1, performance.now()];",
                vec![],
            )
            .await?;
        let at = |i: usize| js.get(i).and_then(|v| v.as_f64()).unwrap_or(-1.0);
        let since = wall0
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or_default();
        let started = process_started_ms("bhxh-desk").unwrap_or(f64::NAN);
        println!(
            "  app process started {:.0} ms after launch; page navigation started {:.0} ms after launch; DOM loaded {:.0} ms after that; seen {:.0} ms after launch",
            started - since,
            at(0) - since,
            at(1),
            at(0) - since + at(2)
        );
        sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
        visible(&c, "[data-task=\"27\"]").await?;
        to_plan.push(t0.elapsed());
        rss_app = rss_kib("bhxh-desk");
        rss_web = rss_kib("WebKitWebProces");
        let _ = c.close().await;

        tokio::time::sleep(Duration::from_millis(2000)).await;
        let t0 = Instant::now();
        let c = driver.launch(dir.path()).await?;
        visible(&c, "#signin-username").await?;
        let shown = t0.elapsed();
        // The officer's typing is not the app's time: the clock stops while
        // WebDriver types, and runs again from the click.
        fill(&c, "#signin-username", "tiepnhan").await?;
        fill(&c, "#signin-password", COUNTER_PASSWORD).await?;
        // Clicked and watched from inside the page: WebDriver's round trips
        // and polling are not the app's time.
        let took = c
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 const t = performance.now(); \
                 document.getElementById('signin-submit').click(); \
                 (function look() { \
                   const a = document.activeElement; \
                   if (a && a.id === 'intake-qr' && document.getElementById('intake-form')) done(performance.now() - t); \
                   else requestAnimationFrame(look); \
                 })();",
                vec![],
            )
            .await?
            .as_f64()
            .ok_or("no time from the page")?;
        focus_lands(&c, "intake-qr").await?;
        println!("  sign-in clicked -> intake, cursor in the scan box: {took:.0} ms");
        to_intake.push(shown + Duration::from_secs_f64(took / 1000.0));
        to_intake_typed.push(t0.elapsed());
        rss_app_i = rss_kib("bhxh-desk");
        rss_web_i = rss_kib("WebKitWebProces");
        pss_i = pss_kib("bhxh-desk") + pss_kib("WebKitWebProces");
        let _ = c.close().await;
    }
    let (rd_med, rd_max) = median_max(&mut ready);
    let (si_med, si_max) = median_max(&mut to_sign_in);
    let (pl_med, pl_max) = median_max(&mut to_plan);
    let (in_med, in_max) = median_max(&mut to_intake);
    let (it_med, it_max) = median_max(&mut to_intake_typed);
    println!("app: {}", app_path()?.display());
    println!("runs: {runs}");
    println!(
        "launch -> window ready (no WebDriver; its first call, the sign-in screen draws next): median {rd_med:.0} ms, max {rd_max:.0} ms"
    );
    println!(
        "RSS with the sign-in shown (no WebDriver): app {} MiB, WebKit web process {} MiB, together {} MiB",
        rss_app_s / 1024,
        rss_web_s / 1024,
        (rss_app_s + rss_web_s) / 1024
    );
    println!("launch -> sign-in screen (WebDriver): median {si_med:.0} ms, max {si_max:.0} ms");
    println!(
        "launch -> plan screen (27 tasks, incl. automated sign-in): median {pl_med:.0} ms, max {pl_max:.0} ms"
    );
    println!(
        "RSS with the plan shown: app {} MiB, WebKit web process {} MiB",
        rss_app / 1024,
        rss_web / 1024
    );
    println!(
        "launch -> intake screen, cursor in the scan box (counter officer): median {in_med:.0} ms, max {in_max:.0} ms \
         (launch -> sign-in shown + sign-in clicked -> intake; with WebDriver's typing of the two fields: median {it_med:.0} ms, max {it_max:.0} ms)"
    );
    println!(
        "RSS with the intake shown: app {} MiB, WebKit web process {} MiB, together {} MiB (PSS together {} MiB)",
        rss_app_i / 1024,
        rss_web_i / 1024,
        (rss_app_i + rss_web_i) / 1024,
        pss_i / 1024
    );
    Ok(())
}
