//! The counter's usability benchmark (issue 16), in the real window: for
//! five common procedures, what an officer does from "card QR scanned" to
//! "receipt sent to the printer", with the keyboard and scanner only —
//! each key sent to whatever has the cursor, as a person would press it
//! (Ctrl+P counts as one chord). Counted three ways per procedure: an
//! applicant for another procedure than the last one, the procedure chosen
//! by typing its code into the list's type-ahead, or by typing its number
//! (4 for BHXH.04); and the next applicant for the same procedure (the desk
//! keeps it; Enter confirms it). Every step is checked (the form filled, the focus where the next
//! key goes, the dossier taken in, the job spooled), so a figure is never
//! reported for a walk that did not happen.
//!
//! Not part of the test command: `scripts/bench-counter.sh` runs it and
//! prints the table that goes into `docs/benchmarks.md`. Seconds are this
//! machine's and WebDriver's, not a person's.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use std::time::{Duration, Instant};

use bhxh_e2e::*;
use common::qr_of;
use fantoccini::key::Key;

/// The five procedures: code, the number an officer types for it on the
/// list, and a short name for the table.
const PROCEDURES: [(&str, &str, &str); 5] = [
    ("BHXH.04", "4", "cấp lại, đổi sổ/thẻ"),
    ("1.001667", "1667", "chế độ ốm đau"),
    ("BHXH.06", "6", "chế độ thai sản"),
    ("BHXH.12", "12", "BHXH một lần"),
    ("BHXH.23", "23", "thanh toán trực tiếp KCB BHYT"),
];

/// How the officer chooses a procedure other than the last one.
#[derive(Clone, Copy)]
enum Choose {
    /// Its code typed into the list's own type-ahead.
    Code,
    /// Its number typed on the list.
    Number,
}

struct Walk {
    keys: usize,
    scans: usize,
    seconds: f64,
    /// The receipt's QR text, read back from the print job.
    receipt_qr: String,
}

/// One applicant, from the scan to the receipt spooled.
async fn applicant(
    c: &fantoccini::Client,
    cups: &bhxh_print::testing::CupsServer,
    card: &str,
    procedure: (&str, &str),
    how: Choose,
) -> Result<Walk> {
    let (procedure, number) = procedure;
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
        let typed = match how {
            Choose::Code => procedure,
            Choose::Number => number,
        };
        here().await?.send_keys(typed).await?;
        keys += typed.chars().count();
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
    let job = job_in(&sent);
    cups.wait_completed(&job, Duration::from_secs(30));
    let codes = qr_of(&cups.job_bytes(&job))?;
    assert_eq!(codes.len(), 1, "{codes:?}");
    // Back in the scan box for the next applicant.
    focus_lands(c, "intake-qr").await?;
    Ok(Walk {
        keys,
        scans,
        seconds,
        receipt_qr: codes[0].clone(),
    })
}

/// A dossier's papers digitised: its receipt's QR scanned wherever the
/// cursor is, then Enter on each "Quét" button the cursor lands on (the
/// flatbed of SANE's test backend, one page each) until every paper handed
/// in is sealed into the store; keys, scans, seconds and how many papers.
async fn digitise(c: &fantoccini::Client, receipt_qr: &str) -> Result<(Walk, usize)> {
    let start = Instant::now();
    let (mut keys, scans) = (0, 1);
    c.active_element()
        .await?
        .send_keys(&format!("{receipt_qr}{}", char::from(Key::Enter)))
        .await?;
    visible(c, "#digitise-dossier").await?;
    let handed_in: Vec<String> = c
        .execute(
            "return Array.from(document.querySelectorAll(\".component[data-received='true']\")).map(e => e.id.replace('component-', ''))",
            vec![],
        )
        .await?
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    assert!(!handed_in.is_empty(), "no paper handed in");
    let papers = handed_in.len();
    for n in &handed_in {
        focus_lands(c, &format!("scan-{n}")).await?;
        c.active_element()
            .await?
            .send_keys(&char::from(Key::Enter).to_string())
            .await?;
        keys += 1;
        text_contains(
            c,
            "#digitise-notice",
            &format!("Đã quét và số hóa thành phần {n}"),
        )
        .await?;
    }
    let seconds = start.elapsed().as_secs_f64();
    Ok((
        Walk {
            keys,
            scans,
            seconds,
            receipt_qr: String::new(),
        },
        papers,
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: scripts/bench-counter.sh"]
async fn counter_keystrokes_from_card_scan_to_receipt() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let cups = print_bench();
    // SANE's own test backend as the counter's scanner.
    let sane = dir.path().join("sane.d");
    std::fs::create_dir_all(&sane)?;
    std::fs::write(sane.join("dll.conf"), "test\n")?;
    std::fs::write(sane.join("test.conf"), "number_of_devices 1\n")?;
    let mut env = cups.env();
    env.push(("SANE_CONFIG_DIR".to_owned(), sane.display().to_string()));
    let driver = Driver::start_with_env(&env)?;
    let c = driver.launch(&dir.path().join("data")).await?;
    let result = async {
        first_start_setup(&c).await?;
        sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
        click(&c, "#nav-intake").await?;
        visible(&c, "#intake-form").await?;
        let mut n = 0;
        let mut next_card = || {
            n += 1;
            // A different (invented) citizen each time; the ID's year
            // digits agree with the birth year.
            format!(
                "0010930470{n:02}||Người Thử Số {n}|05011993|Nam|Số {n} Lê Lợi, Hà Nội|01022021"
            )
        };
        // Round 1: each procedure chosen by its code, then the next
        // applicant for the same one; round 2: each chosen by its number.
        let mut rows = Vec::new();
        for (code, number, name) in PROCEDURES {
            let first = applicant(&c, &cups, &next_card(), (code, number), Choose::Code).await?;
            let same = applicant(&c, &cups, &next_card(), (code, number), Choose::Code).await?;
            rows.push((code, name, first, same));
        }
        let mut by_number = Vec::new();
        for (code, number, _) in PROCEDURES {
            by_number.push(applicant(&c, &cups, &next_card(), (code, number), Choose::Number).await?);
        }
        println!();
        println!(
            "| Thủ tục | Thủ tục khác, gõ mã: phím + quét, giây | Thủ tục khác, gõ số: phím + quét, giây | Cùng thủ tục: phím + quét, giây |"
        );
        println!("|---|---|---|---|");
        for ((code, name, first, same), num) in rows.iter().zip(&by_number) {
            println!(
                "| {code} ({name}) | {} + {}, {:.2} s | {} + {}, {:.2} s | {} + {}, {:.2} s |",
                first.keys,
                first.scans,
                first.seconds,
                num.keys,
                num.scans,
                num.seconds,
                same.keys,
                same.scans,
                same.seconds
            );
        }
        // The last dossier's papers, from its receipt's QR to sealed.
        let last = by_number.last().expect("five walks");
        let (walk, papers) = digitise(&c, &last.receipt_qr).await?;
        println!();
        println!(
            "Số hóa hồ sơ {} ({papers} thành phần, mỗi thành phần một trang trên mặt kính): {} phím + {} quét, {:.2} s",
            PROCEDURES[4].0, walk.keys, walk.scans, walk.seconds
        );
        Ok::<(), Error>(())
    }
    .await;
    c.close().await?;
    result
}
