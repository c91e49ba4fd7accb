//! Helpers shared by the e2e tests that read printed papers back.

use std::process::Command;

use bhxh_e2e::Result;

/// The QR codes on the first page of a PDF (rendered at 200 dpi by poppler,
/// read by the desk's own decoder).
pub fn qr_of(pdf: &[u8]) -> Result<Vec<String>> {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("p.pdf"), pdf)?;
    let ok = Command::new("pdftoppm")
        .args(["-png", "-r", "200", "-f", "1", "-l", "1", "-singlefile"])
        .arg(dir.path().join("p.pdf"))
        .arg(dir.path().join("p"))
        .status()?;
    assert!(ok.success(), "pdftoppm");
    let png = std::fs::read(dir.path().join("p.png"))?;
    let pages = bhxh_scan::read_pages(&png)?;
    Ok(pages[0].qr_texts(1)?)
}
