//! The Windows spooler (`src/spooler.rs`) run under Wine against a real,
//! private CUPS: Wine's spooler (`winspool.drv`) lists the CUPS queues as
//! Windows printers and hands jobs to CUPS, so the desk's Windows code is
//! driven end to end without a Windows machine. Run by
//! `scripts/check-windows.sh --wine`, which builds `spooler_probe.exe` for
//! Windows and names it in `BHXH_SPOOLER_PROBE`; ignored otherwise (it
//! needs Wine and the Windows build).

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::PathBuf;
use std::process::Command;

use bhxh_print::testing::CupsServer;

fn wine() -> PathBuf {
    ["/usr/lib/wine/wine64", "/usr/bin/wine64", "/usr/bin/wine"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .expect("Wine is not installed: scripts/check-windows.sh --wine installs it")
}

fn probe(cups: &CupsServer, prefix: &std::path::Path, args: &[&str]) -> String {
    let exe = std::env::var("BHXH_SPOOLER_PROBE").expect(
        "BHXH_SPOOLER_PROBE: the Windows build of spooler_probe (scripts/check-windows.sh --wine)",
    );
    let out = Command::new(wine())
        .arg(exe)
        .args(args)
        .envs(cups.env())
        .env("WINEPREFIX", prefix)
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    eprintln!(
        "spooler_probe {args:?}: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
#[ignore = "needs Wine and the Windows build of spooler_probe: scripts/check-windows.sh --wine"]
fn under_wine_the_spooler_lists_the_cups_queues_with_the_default_first() {
    let cups = CupsServer::start();
    cups.add_queue("quay-1");
    cups.add_queue("quay-2");
    cups.set_default("quay-2");
    let prefix = tempfile::tempdir().unwrap();
    let out = probe(&cups, prefix.path(), &[]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.first().copied(), Some("* quay-2"), "{out}");
    assert!(lines.contains(&"  quay-1"), "{out}");
}

/// Wine has the spooler and GDI but not Windows' PDF renderer
/// (`Windows.Data.Pdf`), so under Wine a job stops where the renderer is
/// asked to open the PDF: the officer is told so, and nothing reaches the
/// queue (the document is refused before `StartDocW`). Rendering and drawing
/// the pages are not covered here; on Windows they are the system's.
#[test]
#[ignore = "needs Wine and the Windows build of spooler_probe: scripts/check-windows.sh --wine"]
fn under_wine_without_a_pdf_renderer_a_job_is_refused_whole_and_nothing_is_queued() {
    let cups = CupsServer::start();
    cups.add_queue("quay-1");
    cups.set_default("quay-1");
    let prefix = tempfile::tempdir().unwrap();
    let pdf = prefix.path().join("giay.pdf");
    std::fs::write(&pdf, test_pdf()).unwrap();
    let out = probe(&cups, prefix.path(), &[pdf.to_str().unwrap()]);
    assert!(
        out.contains("error render: Không dựng được giấy để in: Windows không mở được PDF ("),
        "{out}"
    );
    assert!(cups.all_jobs().is_empty(), "{:?}", cups.all_jobs());
}

/// A two-page scanned PDF (a fuzzing seed).
fn test_pdf() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../fuzz/seeds/scan_pages/seed-2pages.pdf"
    ))
    .unwrap()
}
