//! The window never freezes: while the scan inbox takes a 60-page TIFF
//! (decoding every page and reading its QR codes, which takes many
//! seconds), the officer switches between the Plan and Intake screens and
//! each screen loads its data from Rust. Before the desk was shared between
//! threads, a poll held the one desk lock and every other command waited for
//! it, so no screen could load until the poll ended.
//!
//! The time of each click (screen shown with its data) is printed; it is a
//! figure for `docs/benchmarks.md`, never an assertion.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bhxh_e2e::*;
use fantoccini::{Client, Locator};

/// A TIFF of `pages` A4 colour pages at 200 dpi, made by ImageMagick.
fn tiff_batch(path: &Path, pages: u32) -> Result<()> {
    let made = std::process::Command::new("convert")
        .args(["-size", "1654x2339", "xc:#f4f1ea", "-fill", "#203060"])
        .args(["-draw", "rectangle 150,200 1500,260"])
        .args(["-duplicate", &(pages - 1).to_string()])
        .args([
            "-units",
            "PixelsPerInch",
            "-density",
            "200",
            "-compress",
            "lzw",
        ])
        .arg(path)
        .status()?;
    if !made.success() {
        return Err("ImageMagick convert did not make the TIFF".into());
    }
    Ok(())
}

/// Set the inbox's settle time from the command line (another process on
/// the same data directory, as IT staff would).
fn settle_now(data: &Path) -> Result<()> {
    let out = std::process::Command::new(app_path()?)
        .args(["--data-dir"])
        .arg(data)
        .args([
            "inbox",
            "dir",
            "--settle-seconds",
            "0",
            "--user",
            ADMIN_USER,
        ])
        .env("BHXH_DESK_PASSWORD", ADMIN_PASSWORD)
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "inbox dir --settle-seconds 0: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

/// Click a navigation button and wait until the screen shows data that
/// came from Rust; the time it took.
async fn switch(c: &Client, nav: &str, loaded: &str) -> Result<Duration> {
    let start = Instant::now();
    click(c, nav).await?;
    visible(c, loaded).await?;
    Ok(start.elapsed())
}

/// Whether the intake form's procedure list has been filled from Rust.
const INTAKE_LOADED: &str = "#intake-procedure option:nth-child(3)";
/// The plan screen's count line appears once the plan came from Rust.
const PLAN_LOADED: &str = "#plan-count";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screens_load_while_the_inbox_takes_a_sixty_page_batch() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let driver = Driver::start()?;
    let c = driver.launch(&data).await?;
    let result = async {
        first_start_setup(&c).await?;
        sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
        visible(&c, "#nav-plan").await?;
        settle_now(&data)?;
        let inbox: PathBuf = data.join("hop-thu-quet");
        std::fs::create_dir_all(&inbox)?;
        let batch = inbox.join("lo-60-trang.tif");
        tiff_batch(&batch, 60)?;

        // The first poll sees the file; the second takes it.
        click(&c, "#nav-digitise").await?;
        click(&c, "#inbox-scan").await?;
        text_contains(&c, "#inbox-report", "đang chờ tệp ghi xong 1").await?;
        let poll = Instant::now();
        click(&c, "#inbox-scan").await?;

        // While the poll runs, switch screens and read them.
        let mut during = Vec::new();
        let mut after = Vec::new();
        for round in 0..12 {
            let (nav, loaded) = if round % 2 == 0 {
                ("#nav-plan", PLAN_LOADED)
            } else {
                ("#nav-intake", INTAKE_LOADED)
            };
            let took = switch(&c, nav, loaded).await?;
            if batch.exists() {
                during.push(took);
            } else {
                after.push(took);
            }
        }
        // Wait for the poll to finish: the file leaves the folder once recorded.
        let deadline = Instant::now() + Duration::from_secs(300);
        while batch.exists() {
            if Instant::now() > deadline {
                return Err("the inbox poll did not take the batch in 5 minutes".into());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let poll_took = poll.elapsed();
        let ms = |v: &[Duration]| {
            v.iter()
                .map(|d| format!("{:.0}", d.as_secs_f64() * 1000.0))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "inbox poll of 60 pages: {:.1} s; screen switches during it (ms): [{}]; after it: [{}]",
            poll_took.as_secs_f64(),
            ms(&during),
            ms(&after)
        );
        assert!(
            during.len() >= 3,
            "only {} screen switches finished while the poll ran ({:.1} s): the window waited for it",
            during.len(),
            poll_took.as_secs_f64()
        );

        // The batch had no cover sheet: all 60 pages wait for a person.
        click(&c, "#nav-digitise").await?;
        let item = text_contains(&c, "#inbox-triage", "lo-60-trang.tif").await?;
        assert!(item.contains("60"), "{item}");
        let items = c.find_all(Locator::Css("#inbox-triage li")).await?;
        assert_eq!(items.len(), 1);
        Ok(())
    }
    .await;
    let _ = c.close().await;
    result
}
