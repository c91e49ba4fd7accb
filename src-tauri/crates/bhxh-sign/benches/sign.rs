//! `cargo bench -p bhxh-sign --bench sign [-- --files 200]`: sign the PDFs
//! of digitised components (one A4 page at 200 dpi, assembled by the desk's
//! own assembler, with its stamp) with a SoftHSM2 token, then verify them;
//! and the same with pyHanko on the same files, token and trust in the same
//! run (its Python environment: `BHXH_PYHANKO` or `.venv-pyhanko/bin/python`,
//! made by `scripts/bench.sh sign`). Figures: docs/benchmarks.md
//! ("Digital signatures").
//!
//! A binary of its own (`harness = false`): SoftHSM2 reads `SOFTHSM2_CONF`
//! when the module is first loaded, so `main` sets it before any thread.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark may panic

use std::path::PathBuf;
use std::process::Command;
use std::time::{Instant, SystemTime};

use bhxh_sign::testing::{KeyKind, KeySpec, SOFTHSM_MODULE, TestToken};
use bhxh_sign::{Module, PdfTrust, RawSigner, SignOptions, Verdict, sign_pdf, verify_pdf};

fn quantiles(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.95))
}

fn page(seed: u32) -> Vec<u8> {
    use image::codecs::jpeg::{JpegEncoder, PixelDensity};
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    let img = image::RgbImage::from_fn(1654, 2339, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let ink = (y / 40) % 3 == 0 && x % 200 < 150;
        let g = (state % 24) as u8;
        if ink {
            image::Rgb([30 + g, 40, 70])
        } else {
            image::Rgb([225 + g, 222 + g, 214])
        }
    });
    let mut out = Vec::new();
    let mut enc = JpegEncoder::new_with_quality(&mut out, 85);
    enc.set_pixel_density(PixelDensity::dpi(200));
    enc.encode_image(&img).unwrap();
    out
}

fn main() {
    let files: usize = std::env::args()
        .skip_while(|a| a != "--files")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let t = TestToken::create(&[KeySpec {
        label: "can-bo",
        kind: KeyKind::Rsa2048,
        cn: "Nguyễn Văn An",
        expired: false,
        revoked: false,
    }]);
    // The one `unsafe`: set before any other thread exists (see the module doc).
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("SOFTHSM2_CONF", &t.conf);
    }
    let work = t.dir.path().join("bench");
    let (unsigned, ours_dir, theirs_dir) =
        (work.join("in"), work.join("ours"), work.join("pyhanko"));
    for d in [&unsigned, &ours_dir, &theirs_dir] {
        std::fs::create_dir_all(d).unwrap();
    }
    for i in 0..files {
        let jpeg = page(i as u32 + 1);
        let stamp = format!(
            "Số hóa: Nguyễn Văn An, 02/12/2026 {:02}:{:02}",
            8 + i / 60,
            i % 60
        );
        let (pdf, _) = bhxh_scan::assemble_scans(&[&jpeg], "Thành phần 1", Some(&stamp)).unwrap();
        std::fs::write(unsigned.join(format!("tp-{i:04}.pdf")), pdf).unwrap();
    }
    let mut names: Vec<PathBuf> = std::fs::read_dir(&unsigned)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let input_bytes: u64 = names
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();

    // Ours: one login, then each file signed as the desk signs a component.
    let trust = PdfTrust::load_dir(&t.trust_dir);
    let module = Module::open(std::path::Path::new(SOFTHSM_MODULE)).unwrap();
    let login = Instant::now();
    let signer = module
        .login(Some(&t.label), Some("can-bo"), &t.pin)
        .unwrap();
    let login_s = login.elapsed().as_secs_f64();
    let chain = trust.chain_of(signer.certificate());
    let (mut sign_s, mut added) = (Vec::new(), Vec::new());
    for p in &names {
        let pdf = std::fs::read(p).unwrap();
        let started = Instant::now();
        let opts = SignOptions {
            name: "Nguyễn Văn An".into(),
            reason: "Bản sao điện tử".into(),
            location: "Bảo hiểm xã hội tỉnh Đắk Lắk".into(),
            at: chrono::Local::now().fixed_offset(),
            rect: bhxh_sign::pdf::first_page_height(&pdf)
                .map(|h| bhxh_sign::pdf::stamp_rect(h, 260.0)),
            appearance: None,
            tsa_url: None,
        };
        let signed = sign_pdf(&pdf, &signer, &chain, &opts).unwrap();
        sign_s.push(started.elapsed().as_secs_f64());
        added.push((signed.len() - pdf.len()) as f64);
        std::fs::write(ours_dir.join(p.file_name().unwrap()), signed).unwrap();
    }
    let mut verify_s = Vec::new();
    let mut valid = 0;
    for p in &names {
        let pdf = std::fs::read(ours_dir.join(p.file_name().unwrap())).unwrap();
        let started = Instant::now();
        let r = verify_pdf(&pdf, &trust, SystemTime::now()).unwrap();
        verify_s.push(started.elapsed().as_secs_f64());
        valid += usize::from(r.len() == 1 && r[0].verdict == Verdict::Valid);
    }

    // pyHanko on the same files, token and trust.
    let python = std::env::var("BHXH_PYHANKO")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../.venv-pyhanko/bin/python")
        });
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/pyhanko_sign.py");
    let peer = Command::new(&python)
        .arg(&script)
        .args([SOFTHSM_MODULE, &t.label, "can-bo", &t.pin])
        .arg(&t.trust_dir)
        .arg(&unsigned)
        .arg(&theirs_dir)
        .env("SOFTHSM2_CONF", &t.conf)
        .output();
    let peer: Option<serde_json::Value> = match peer {
        Ok(out) if out.status.success() => serde_json::from_slice(&out.stdout).ok(),
        Ok(out) => {
            eprintln!("pyHanko failed: {}", String::from_utf8_lossy(&out.stderr));
            None
        }
        Err(e) => {
            eprintln!("pyHanko not run ({e}): scripts/bench.sh sign installs it");
            None
        }
    };

    // Both signers' files checked by the independent verifier, a sample.
    let pdfsig_ok = |dir: &std::path::Path| {
        names.iter().step_by((names.len() / 5).max(1)).all(|p| {
            let out = Command::new("pdfsig")
                .arg(dir.join(p.file_name().unwrap()))
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).contains("Signature is Valid.")
        })
    };

    let ms = |s: f64| s * 1000.0;
    let (sm, sp) = quantiles(sign_s);
    let (vm, vp) = quantiles(verify_s);
    let (am, _) = quantiles(added);
    println!(
        "Signing {files} digitised component PDFs (one A4 page at 200 dpi, {:.0} KiB each on average) with SoftHSM2, RSA-2048",
        input_bytes as f64 / files as f64 / 1024.0
    );
    println!("login (PIN) once: {:.1} ms", ms(login_s));
    println!(
        "| | sign median | sign p95 | bytes added (median) | verify median | verify p95 | valid | pdfsig (sample) |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    println!(
        "| bhxh-sign | {:.1} ms | {:.1} ms | {:.0} | {:.1} ms | {:.1} ms | {valid}/{files} | {} |",
        ms(sm),
        ms(sp),
        am,
        ms(vm),
        ms(vp),
        if pdfsig_ok(&ours_dir) {
            "valid"
        } else {
            "NOT valid"
        }
    );
    if let Some(p) = peer {
        let v = |k: &str| -> Vec<f64> {
            p[k].as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        };
        let (psm, psp) = quantiles(v("sign_s"));
        let (pvm, pvp) = quantiles(v("verify_s"));
        let (pam, _) = quantiles(v("added"));
        println!(
            "| pyHanko 0.38 | {:.1} ms | {:.1} ms | {:.0} | {:.1} ms | {:.1} ms | {}/{files} | {} |",
            ms(psm),
            ms(psp),
            pam,
            ms(pvm),
            ms(pvp),
            p["valid"],
            if pdfsig_ok(&theirs_dir) {
                "valid"
            } else {
                "NOT valid"
            }
        );
    }
    // Interoperability: each verifier on the other's signatures.
    if theirs_dir.join(names[0].file_name().unwrap()).exists() {
        let ok = names
            .iter()
            .filter(|p| {
                let pdf = std::fs::read(theirs_dir.join(p.file_name().unwrap())).unwrap();
                verify_pdf(&pdf, &trust, SystemTime::now())
                    .is_ok_and(|r| r.len() == 1 && r[0].verdict == Verdict::Valid)
            })
            .count();
        println!("bhxh-sign verifying pyHanko's signatures: {ok}/{files} valid");
    }
    if let Some(out) = std::env::var_os("BHXH_SIGN_SAMPLE_OUT") {
        std::fs::copy(ours_dir.join(names[0].file_name().unwrap()), out).unwrap();
    }
}
