//! Digitisation benchmark of issue 6: N scanned pages (default 200 JPEGs,
//! A4 at 200 dpi) taken in as the desk does — each hashed, sealed and stored
//! in the file store (fsync and rename per file, one fsync per directory)
//! while the pages are assembled into one PDF with the digitiser's stamp, and
//! the PDF hashed, on another core, then the PDF stored as the desk stores it
//! (naming the sealed scans it carries, `FileStore::put_composed_hashed`);
//! against `img2pdf` (Debian package)
//! on the same files in the same run. Prints times, the ratio and sizes.
//!
//! `cargo run --release -p bhxh-app --example bench_scans [N]`
//! (scripts/bench.sh runs it). Figures only; nothing here is asserted.

use std::time::Instant;

use bhxh_files::FileStore;
use bhxh_secrets::Key256;
use image::codecs::jpeg::{JpegEncoder, PixelDensity};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// An A4 page at 200 dpi that compresses like a scan: paper grain, lines of
/// "text", a coloured stamp.
fn page(seed: u32) -> Result<Vec<u8>> {
    let (w, h) = (1654u32, 2339u32);
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let grain = (state % 12) as u8;
        let line = (y / 28) % 3 != 2 && (x / 9 + y / 28 + seed) % 11 < 8 && y % 28 < 18;
        let stamp = (x as i32 - 1300).pow(2) + (y as i32 - 2000).pow(2) < 140 * 140;
        if stamp {
            image::Rgb([200, 40 + grain, 40])
        } else if line {
            image::Rgb([30 + grain, 30 + grain, 40 + grain])
        } else {
            image::Rgb([240 + grain, 238 + grain, 230 + grain])
        }
    });
    let mut out = Vec::new();
    let mut enc = JpegEncoder::new_with_quality(&mut out, 80);
    enc.set_pixel_density(PixelDensity::dpi(200));
    enc.encode_image(&img)?;
    Ok(out)
}

fn main() -> Result<()> {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir()?;
    let scans = dir.path().join("scans");
    std::fs::create_dir_all(&scans)?;
    let mut files = Vec::new();
    let mut input_bytes = 0u64;
    for i in 0..n {
        let bytes = page(i + 1)?;
        input_bytes += bytes.len() as u64;
        let p = scans.join(format!("trang-{i:04}.jpg"));
        std::fs::write(&p, &bytes)?;
        files.push(p);
    }
    println!(
        "{n} JPEG pages, A4 at 200 dpi: {:.1} MiB in all",
        input_bytes as f64 / 1048576.0
    );

    // Ours: read, hash, seal and store each page, then assemble one PDF.
    let store = FileStore::open(&dir.path().join("files"), &Key256::generate()?)?;
    let t = Instant::now();
    let mut pages = Vec::with_capacity(files.len());
    for f in &files {
        pages.push(std::fs::read(f)?);
    }
    let refs: Vec<&[u8]> = pages.iter().map(Vec::as_slice).collect();
    // As the desk does (`digitise_files`): the scans are assembled on one
    // core while the others seal them.
    let mut stored = 0.0;
    let assembled = std::thread::scope(|s| {
        let assembling = s.spawn(|| {
            bhxh_scan::assemble_scans(
                &refs,
                "Hồ sơ số hóa",
                Some("Số hóa: Trần Thị Hằng, 25/11/2026 10:15"),
            )
            // The assembler hashes its PDF (its name) while the scans are
            // still being sealed, as the desk does.
            .map(|(pdf, _)| (bhxh_files::Hashed::new(pdf), t.elapsed().as_secs_f64()))
        });
        let sealed = store.put_many_hashed(&refs);
        stored = t.elapsed().as_secs_f64();
        (sealed, assembling.join())
    });
    let parts = assembled.0?;
    let (pdf, assembled_at) = assembled
        .1
        .map_err(|_| "the assembling thread panicked")??;
    // The PDF stored as the desk keeps it: naming the sealed scans it
    // carries, its recipe fsynced; no hash computed twice.
    let before_pdf = t.elapsed().as_secs_f64();
    let hash = store.put_composed_hashed(&pdf, &parts)?;
    let pdf = pdf.into_bytes();
    let on_disk = std::fs::metadata(store.path_of(&hash))?.len();
    let pdf_sealed = t.elapsed().as_secs_f64() - before_pdf;
    let ours = t.elapsed().as_secs_f64();
    println!(
        "BHXH Desk: {ours:.2} s (originals hashed, sealed, stored by {stored:.2} s while the PDF was assembled by {assembled_at:.2} s; then the PDF stored, naming the scans it carries, in {pdf_sealed:.2} s); PDF {:.1} MiB, {:.1} KiB of it on disk beside the scans",
        pdf.len() as f64 / 1048576.0,
        on_disk as f64 / 1024.0
    );
    let t_read = Instant::now();
    let back = store.get(&hash)?;
    if back != pdf {
        return Err("the stored PDF did not read back byte for byte".into());
    }
    println!(
        "reading the PDF back whole (every scan opened and checked): {:.2} s",
        t_read.elapsed().as_secs_f64()
    );
    let peer_out = dir.path().join("img2pdf.pdf");
    let t = Instant::now();
    let status = std::process::Command::new("img2pdf")
        .args(&files)
        .arg("-o")
        .arg(&peer_out)
        .status();
    let peer = t.elapsed().as_secs_f64();
    match status {
        Ok(s) if s.success() => {
            let size = std::fs::metadata(&peer_out)?.len();
            println!(
                "img2pdf: {peer:.2} s; PDF {:.1} MiB (no hashing, no encryption, no fsync)",
                size as f64 / 1048576.0
            );
            println!("time ratio BHXH Desk / img2pdf: {:.2}", ours / peer);
        }
        _ => println!("img2pdf not available (Debian package img2pdf): no peer figure"),
    }
    Ok(())
}
