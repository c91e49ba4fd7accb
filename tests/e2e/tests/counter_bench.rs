//! The counter's usability benchmark (issue 16), in the real window: for
//! five common procedures, what an officer does from "card QR scanned" to
//! "receipt sent to the printer", with the keyboard and scanner only —
//! each key sent to whatever has the cursor, as a person would press it
//! (Ctrl+P counts as one chord). Counted twice per procedure: the first
//! applicant of the day for it (the procedure chosen by typing its code in
//! the list) and the next applicant for the same procedure (the desk keeps
//! it; Enter confirms it). Every step is checked (the form filled, the focus where the next
//! key goes, the dossier taken in, the job spooled), so a figure is never
//! reported for a walk that did not happen.
//!
//! Not part of the test command: `scripts/bench-counter.sh` runs it and
//! prints the table that goes into `docs/benchmarks.md`. Seconds are this
//! machine's and WebDriver's, not a person's.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::time::{Duration, Instant};

use bhxh_e2e::*;
use fantoccini::key::Key;

/// The five procedures: code and a short name for the table.
const PROCEDURES: [(&str, &str); 5] = [
    ("BHXH.04", "cấp lại, đổi sổ/thẻ"),
    ("1.001667", "chế độ ốm đau"),
    ("BHXH.06", "chế độ thai sản"),
    ("BHXH.12", "BHXH một lần"),
    ("BHXH.23", "thanh toán trực tiếp KCB BHYT"),
];

struct Walk {
    keys: usize,
    scans: usize,
    seconds: f64,
}

/// One applicant, from the scan to the receipt spooled.
async fn applicant(
    c: &fantoccini::Client,
    cups: &bhxh_print::testing::CupsServer,
    card: &str,
    procedure: &str,
) -> Result<Walk> {
    let here = || async { c.active_element().await };
    focus_lands(c, "intake-qr").await?;
    let start = Instant::now();
    let (mut keys, mut scans) = (0, 0);
    here()
        .await?
        .send_keys(&format!("{card}{}", char::from(Key::Enter)))
        .await?;
    scans += 1;
    text_contains(c, "#intake-form", "Đã điền thông tin từ mã QR").await?;
    focus_lands(c, "intake-procedure").await?;
    if value_of(c, "#intake-procedure").await? != procedure {
        // The list's own type-ahead.
        here().await?.send_keys(procedure).await?;
        keys += procedure.chars().count();
        assert_eq!(value_of(c, "#intake-procedure").await?, procedure);
    }
    // Enter confirms the procedure and goes on to the button.
    here()
        .await?
        .send_keys(&char::from(Key::Enter).to_string())
        .await?;
    keys += 1;
    focus_lands(c, "intake-submit").await?;
    here()
        .await?
        .send_keys(&char::from(Key::Enter).to_string())
        .await?;
    keys += 1;
    text_contains(c, "#intake-done", "Đã tiếp nhận hồ sơ").await?;
    here()
        .await?
        .send_keys(&format!(
            "{}p{}",
            char::from(Key::Control),
            char::from(Key::Null)
        ))
        .await?;
    keys += 1;
    let sent = text_contains(c, "#intake-receipt-done", "Đã gửi tới máy in desk").await?;
    let seconds = start.elapsed().as_secs_f64();
    cups.wait_completed(&job_in(&sent), Duration::from_secs(30));
    // Back in the scan box for the next applicant.
    focus_lands(c, "intake-qr").await?;
    Ok(Walk {
        keys,
        scans,
        seconds,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: scripts/bench-counter.sh"]
async fn counter_keystrokes_from_card_scan_to_receipt() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let cups = print_bench();
    let driver = Driver::start_with_env(&cups.env())?;
    let c = driver.launch(&dir.path().join("data")).await?;
    let result = async {
        first_start_setup(&c).await?;
        sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
        click(&c, "#nav-intake").await?;
        visible(&c, "#intake-form").await?;
        let mut rows = Vec::new();
        let mut n = 0;
        for (code, name) in PROCEDURES {
            let mut walks = Vec::new();
            for _ in 0..2 {
                n += 1;
                // A different (invented) citizen each time; the ID's year
                // digits agree with the birth year.
                let card = format!(
                    "0010930470{n:02}||Người Thử Số {n}|05011993|Nam|Số {n} Lê Lợi, Hà Nội|01022021"
                );
                walks.push(applicant(&c, &cups, &card, code).await?);
            }
            rows.push((code, name, walks));
        }
        println!();
        println!(
            "| Thủ tục | Người đầu tiên: phím + quét, giây | Người tiếp theo: phím + quét, giây |"
        );
        println!("|---|---|---|");
        for (code, name, w) in &rows {
            println!(
                "| {code} ({name}) | {} + {}, {:.2} s | {} + {}, {:.2} s |",
                w[0].keys, w[0].scans, w[0].seconds, w[1].keys, w[1].scans, w[1].seconds
            );
        }
        Ok::<(), Error>(())
    }
    .await;
    c.close().await?;
    result
}
