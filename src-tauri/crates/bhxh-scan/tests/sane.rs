//! A scan stopped half way, through a real SANE stack: SANE's own `test`
//! backend (Debian `libsane1`) driven by `scanimage`, as the desk drives
//! any scanner. The feeder has ten pages; "Dừng quét" after the first.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::sync::atomic::{AtomicBool, Ordering};

use bhxh_scan::scanner::{Sane, ScanRequest, Scanner, ScannerError, Source};

/// Run without libtest (`harness = false`), so that the one environment
/// variable is set before any other thread exists.
fn main() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("sane.d");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(conf.join("dll.conf"), "test\n").unwrap();
    std::fs::write(conf.join("test.conf"), "number_of_devices 1\n").unwrap();
    // The one `unsafe` here: `set_var` races with threads reading the
    // environment; this runs first in `main`, before any thread exists, and
    // `scanimage` inherits it.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("SANE_CONFIG_DIR", &conf);
    }
    a_scan_stopped_after_its_first_page_lets_the_scanner_go_and_keeps_nothing();
    println!(
        "test a_scan_stopped_after_its_first_page_lets_the_scanner_go_and_keeps_nothing ... ok"
    );
}

fn a_scan_stopped_after_its_first_page_lets_the_scanner_go_and_keeps_nothing() {
    let req = ScanRequest {
        device: Some("test:0".into()),
        dpi: 200,
        source: Source::Feeder,
        colour: true,
    };
    let cancel = AtomicBool::new(false);
    let mut seen = 0;
    let err = Sane
        .scan(
            &req,
            &mut |n| {
                seen = n;
                cancel.store(true, Ordering::SeqCst);
            },
            &cancel,
        )
        .unwrap_err();
    match err {
        ScannerError::Cancelled { pages } => {
            // stopped as the first page came: the nine others never read
            assert_eq!((pages, seen), (1, 1));
        }
        other => panic!("not a stop: {other}"),
    }
    assert!(err_text_is_plain());
    // The scanner is free again: a whole scan from the feeder goes through.
    let pages = Sane
        .scan(&req, &mut |_| {}, &AtomicBool::new(false))
        .unwrap();
    assert_eq!(pages.len(), 10);
    // A stop asked before the scan starts touches nothing.
    let err = Sane
        .scan(&req, &mut |_| {}, &AtomicBool::new(true))
        .unwrap_err();
    assert!(matches!(err, ScannerError::Cancelled { pages: 0 }), "{err}");
}

fn err_text_is_plain() -> bool {
    ScannerError::Cancelled { pages: 2 }
        .to_string()
        .contains("Đã dừng quét theo yêu cầu (đã nhận 2 trang)")
}
