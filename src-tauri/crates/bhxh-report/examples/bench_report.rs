//! Render the sample report (a 27-row table over 9 sections) 20 times as PDF and XLSX and
//! print the time per document. Run with `--release` for representative numbers:
//! `cargo run --release -p bhxh-report --example bench_report [OUT_DIR]`
//! (with OUT_DIR, the last PDF and XLSX are written there).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

const RUNS: u32 = 20;

fn main() {
    let doc = common::sample();

    // The first call parses the embedded fonts; time it apart.
    let t = Instant::now();
    let mut pdf = bhxh_report::render_pdf(&doc).expect("PDF");
    println!("first PDF (font parsing included): {:.1} ms", ms(t));

    let t = Instant::now();
    for _ in 0..RUNS {
        pdf = bhxh_report::render_pdf(&doc).expect("PDF");
    }
    println!(
        "PDF:  {:.1} ms per document ({} bytes)",
        ms(t) / f64::from(RUNS),
        pdf.len()
    );

    let mut xlsx = Vec::new();
    let t = Instant::now();
    for _ in 0..RUNS {
        xlsx = bhxh_report::render_xlsx(&doc).expect("XLSX");
    }
    println!(
        "XLSX: {:.1} ms per document ({} bytes)",
        ms(t) / f64::from(RUNS),
        xlsx.len()
    );

    if let Some(dir) = std::env::args().nth(1) {
        let dir = std::path::Path::new(&dir);
        std::fs::write(dir.join("bao-cao.pdf"), &pdf).expect("write PDF");
        std::fs::write(dir.join("bao-cao.xlsx"), &xlsx).expect("write XLSX");
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}
