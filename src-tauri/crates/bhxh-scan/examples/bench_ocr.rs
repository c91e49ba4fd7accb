//! OCR benchmark of issue 14: full A4 pages of Vietnamese text at 300 dpi
//! (rendered by ImageMagick in the desk's Liberation Serif, as a scanner's
//! JPEG), read by the real Tesseract with its `vie` model the way the desk
//! reads them (`bhxh_scan::ocr::ocr_page`, one Tesseract thread per page).
//! Prints pages per minute with one worker (what the desk runs behind the
//! counter) and with one worker per core, the character error rate, and
//! the counter's responsiveness: the latency of a small piece of counter
//! work (a scan of 50,000 names in memory and a SHA-256 of a 1 MiB scan,
//! as an intake's checks do) while idle and while OCR runs.
//!
//! `cargo run --release -p bhxh-scan --example bench_ocr [PAGES]`
//! (scripts/bench.sh runs it). Figures only; nothing here is asserted.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sha2::Digest;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const LINES: [&str; 8] = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "TỜ KHAI THAM GIA, ĐIỀU CHỈNH THÔNG TIN BẢO HIỂM XÃ HỘI, BẢO HIỂM Y TẾ",
    "Họ và tên: Nguyễn Thị Thu Hương, sinh ngày 12 tháng 3 năm 1988",
    "Nơi cư trú: số 45 đường Lê Duẩn, phường Tân Lợi, tỉnh Đắk Lắk",
    "Đơn vị: Công ty Cổ phần Cà phê Buôn Ma Thuột, mã số thuế 6000123456",
    "Mức đóng bảo hiểm xã hội bắt buộc theo tiền lương tháng: 7.500.000 đồng",
    "Tôi cam đoan những nội dung kê khai là đúng và chịu trách nhiệm trước pháp luật.",
];

fn page_text(i: usize) -> String {
    (0..36)
        .map(|l| LINES[(l + i) % LINES.len()])
        .collect::<Vec<_>>()
        .join("\n")
}

fn render(dir: &Path, i: usize, text: &str) -> Result<Vec<u8>> {
    let font = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../assets/fonts/LiberationSerif-Regular.ttf");
    let out = dir.join(format!("trang-{i}.jpg"));
    let ok = Command::new("convert")
        .args([
            "-size",
            "2480x3508",
            "-density",
            "300",
            "-units",
            "PixelsPerInch",
        ])
        .args(["xc:white", "-fill", "black", "-font"])
        .arg(&font)
        .args(["-pointsize", "11", "-annotate", "+200+250"])
        .arg(text)
        .args(["-quality", "85"])
        .arg(&out)
        .status()?;
    if !ok.success() {
        return Err("ImageMagick convert failed (scripts/deps.sh test)".into());
    }
    Ok(std::fs::read(&out)?)
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// Latencies (ms) of small counter work for `for_how_long`.
fn counter_work(for_how_long: Duration) -> Result<Vec<f64>> {
    let db = name_index()?;
    let scan = vec![0x5Au8; 1 << 20];
    let mut out = Vec::new();
    let start = Instant::now();
    while start.elapsed() < for_how_long {
        let t = Instant::now();
        let d = sha2::Sha256::digest(&scan);
        std::hint::black_box(d);
        std::hint::black_box(
            db.iter()
                .filter(|(k, _)| k.starts_with("nguyen van"))
                .count(),
        );
        out.push(t.elapsed().as_secs_f64() * 1000.0);
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(out)
}

/// A stand-in for the store's index: 50,000 folded names in memory.
fn name_index() -> Result<Vec<(String, u32)>> {
    Ok((0..50_000u32)
        .map(|i| (format!("nguyen van {i:05}"), i))
        .collect())
}

fn main() -> Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(12);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let dir = tempfile::tempdir()?;
    let mut pages = Vec::with_capacity(n);
    for i in 0..n {
        let text = page_text(i);
        pages.push((render(dir.path(), i, &text)?, text));
    }
    println!(
        "{n} A4 pages at 300 dpi (2480×3508), 36 lines of Vietnamese each, JPEG {:.1} MiB in all; {cores} cores",
        pages.iter().map(|(p, _)| p.len()).sum::<usize>() as f64 / 1048576.0
    );

    // One worker, as the desk runs OCR behind the counter.
    let t = Instant::now();
    let mut cer = Vec::new();
    for (bytes, truth) in &pages {
        let read = bhxh_scan::ocr::ocr_page(bytes, "vie")?;
        cer.push(bhxh_scan::ocr::character_error_rate(truth, &read.text));
    }
    let one = t.elapsed().as_secs_f64();
    println!(
        "1 worker: {:.1} s, {:.1} pages/min ({:.2} s a page); character error rate mean {:.2} %, worst {:.2} %",
        one,
        n as f64 * 60.0 / one,
        one / n as f64,
        cer.iter().sum::<f64>() / cer.len() as f64 * 100.0,
        cer.iter().cloned().fold(0.0, f64::max) * 100.0
    );

    // One worker per core.
    let t = Instant::now();
    std::thread::scope(|s| {
        for w in 0..cores {
            let pages = &pages;
            s.spawn(move || {
                for (bytes, _) in pages.iter().skip(w).step_by(cores) {
                    let _ = bhxh_scan::ocr::ocr_page(bytes, "vie");
                }
            });
        }
    });
    let all = t.elapsed().as_secs_f64();
    println!(
        "{cores} workers: {:.1} s, {:.1} pages/min",
        all,
        n as f64 * 60.0 / all
    );

    // The counter's work: idle, then while one OCR worker runs.
    let idle = counter_work(Duration::from_secs(5))?;
    let busy = AtomicBool::new(true);
    let during = std::thread::scope(|s| {
        let busy = &busy;
        let pages = &pages;
        s.spawn(move || {
            for (bytes, _) in pages.iter().cycle() {
                if !busy.load(Ordering::Relaxed) {
                    break;
                }
                let _ = bhxh_scan::ocr::ocr_page(bytes, "vie");
            }
        });
        let r = counter_work(Duration::from_secs(10));
        busy.store(false, Ordering::Relaxed);
        r
    })?;
    println!(
        "counter work (SHA-256 of 1 MiB + 50,000-name lookup): idle p50 {:.1} / p95 {:.1} ms; while OCR runs p50 {:.1} / p95 {:.1} ms ({} and {} samples)",
        percentile(idle.clone(), 0.5),
        percentile(idle.clone(), 0.95),
        percentile(during.clone(), 0.5),
        percentile(during.clone(), 0.95),
        idle.len(),
        during.len()
    );
    Ok(())
}
