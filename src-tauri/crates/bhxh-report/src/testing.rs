//! Test support, with the `testing` feature: a PDF read back with poppler's tools (Debian
//! package poppler-utils), for this crate's tests and for the tests of the crates that print
//! through it or read its PDFs (`bhxh-scan`, `bhxh-app`).
//!
//! It lives here rather than in each crate's `tests/` so that there is one of it (as
//! `bhxh_emrtd::testing` is one card bench). It is compiled only with the feature, which only
//! dev-dependencies turn on: never into the app. Unlike the rest of the crate it panics: a
//! tool that is missing or fails fails the test, saying so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

/// Run a poppler tool on PDF bytes (`pdftotext` writes to standard output) and return its
/// standard output.
pub fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new(tool)
        .args(args)
        .arg(&path)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("{tool} (Debian package poppler-utils) failed to start: {e}"));
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Collapse runs of white space to one space.
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How many pages `pdfinfo` counts.
pub fn pdf_pages(pdf: &[u8]) -> usize {
    poppler("pdfinfo", &[], pdf)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Every font `pdffonts` lists is embedded, and there is at least one: its rows, one a font.
pub fn assert_fonts_embedded(pdf: &[u8]) -> Vec<String> {
    let fonts = poppler("pdffonts", &[], pdf);
    let rows: Vec<String> = fonts.lines().skip(2).map(str::to_owned).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for row in &rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type [encoding…] emb sub uni object ID: "emb" is 5th from the end.
        assert_eq!(cols[cols.len() - 5], "yes", "not embedded: {row}");
    }
    rows
}
