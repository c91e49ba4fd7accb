//! Digitisation benchmark of issue 6: N scanned pages (default 200 JPEGs,
//! A4 at 200 dpi) taken in — each hashed, sealed and stored in the file store
//! (fsync and rename per file) — and assembled into one PDF with the
//! digitiser's stamp, written atomically; against `img2pdf` (Debian package)
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
    let out = dir.path().join("ho-so.pdf");
    let t = Instant::now();
    let mut pages = Vec::with_capacity(files.len());
    for f in &files {
        pages.push(std::fs::read(f)?);
    }
    let refs: Vec<&[u8]> = pages.iter().map(Vec::as_slice).collect();
    store.put_many(&refs)?;
    let stored = t.elapsed().as_secs_f64();
    let (pdf, _) = bhxh_scan::assemble_scans(
        &refs,
        "Hồ sơ số hóa",
        Some("Số hóa: Trần Thị Hằng, 25/11/2026 10:15"),
    )?;
    let tmp = out.with_extension("pdf.tmp");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&pdf)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &out)?;
    let ours = t.elapsed().as_secs_f64();
    println!(
        "BHXH Desk: {ours:.2} s ({stored:.2} s hashing, sealing, storing; {:.2} s assembling and writing); PDF {:.1} MiB",
        ours - stored,
        pdf.len() as f64 / 1048576.0
    );

    // The peer, on the same files.
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
