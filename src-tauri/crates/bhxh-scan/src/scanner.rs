//! Scanning straight from the window or the command line (issue 14): the
//! scanners attached (USB, or network scanners over eSCL through
//! `sane-airscan`), and a scan of one or many pages from the flatbed or the
//! feeder, each page as the scanner made it (JPEG with its resolution).
//!
//! On Linux this drives SANE through its own front end, `scanimage`
//! (Debian `sane-utils`), as a child process: no C bindings, nothing
//! `unsafe`, and a scanner driver that crashes takes only the child with it.
//! Windows (WIA, TWAIN) would be another [`Scanner`]; not written yet.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The lowest resolution the desk scans at (Circular 01/2023: 200 dpi).
pub const MIN_SCAN_DPI: u32 = 200;
/// At most this many pages in one scan (a feeder that never runs dry).
pub const MAX_SCAN_PAGES: u32 = 500;

/// A scanner as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannerInfo {
    /// The SANE device name (`test:0`, `airscan:e0:…`, `epson2:libusb:…`).
    pub device: String,
    pub vendor: String,
    pub model: String,
    pub kind: String,
}

/// Where the paper is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Flatbed,
    /// The automatic document feeder, one side.
    Feeder,
    /// The feeder, both sides.
    Duplex,
}

impl Source {
    pub fn parse(s: &str) -> Option<Source> {
        match s {
            "flatbed" => Some(Source::Flatbed),
            "adf" | "feeder" => Some(Source::Feeder),
            "duplex" => Some(Source::Duplex),
            _ => None,
        }
    }
}

/// What to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRequest {
    /// `None`: the first scanner listed.
    pub device: Option<String>,
    pub dpi: u32,
    pub source: Source,
    pub colour: bool,
}

/// Why a scan did not happen, in Vietnamese.
#[derive(Debug, thiserror::Error)]
pub enum ScannerError {
    #[error("Chưa cài phần mềm máy quét SANE (gói sane-utils): {0}")]
    Missing(String),
    #[error(
        "Không tìm thấy máy quét nào. Kiểm tra cáp, nguồn điện, hoặc máy quét mạng cùng mạng với máy tính."
    )]
    NoScanner,
    #[error("Độ phân giải {0} dpi thấp hơn mức tối thiểu {MIN_SCAN_DPI} dpi để số hóa.")]
    LowResolution(u32),
    #[error("Khay nạp giấy không có giấy: đặt giấy vào khay rồi quét lại.")]
    FeederEmpty,
    #[error("Kẹt giấy ở khay nạp sau {pages} trang: gỡ giấy kẹt rồi quét lại từ trang {next}.", next = pages + 1)]
    Jammed { pages: u32 },
    #[error("Máy quét đang bận (một chương trình khác đang dùng).")]
    Busy,
    #[error("Máy quét {device} không có chế độ «{wanted}» (chỉ có: {available}).")]
    NoSuchSource {
        device: String,
        wanted: String,
        available: String,
    },
    #[error("Máy quét báo lỗi: {0}")]
    Device(String),
    #[error(
        "Đã dừng quét theo yêu cầu (đã nhận {pages} trang): không lưu trang nào, hãy quét lại."
    )]
    Cancelled { pages: u32 },
    #[error("Lỗi khi đọc trang quét: {0}")]
    Io(String),
}

/// Something that lists scanners and scans pages.
pub trait Scanner {
    fn list(&self) -> Result<Vec<ScannerInfo>, ScannerError>;
    /// Scan; `on_page(n)` after each page. The pages as files (JPEG).
    /// Setting `cancel` stops the scan (the scanner is let go at once) and
    /// gives [`ScannerError::Cancelled`]: no page of a stopped scan is kept.
    fn scan(
        &self,
        req: &ScanRequest,
        on_page: &mut dyn FnMut(u32),
        cancel: &AtomicBool,
    ) -> Result<Vec<Vec<u8>>, ScannerError>;
}

/// SANE through `scanimage`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sane;

fn scanimage() -> Command {
    Command::new("scanimage")
}

impl Sane {
    /// The names the device gives its sources (`--source A|B|C`).
    fn sources(device: &str) -> Result<Vec<String>, ScannerError> {
        let out = scanimage()
            .args(["-d", device, "-A"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| ScannerError::Missing(e.to_string()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        Ok(text
            .lines()
            .find_map(|l| l.trim().strip_prefix("--source "))
            .map(|rest| {
                rest.split(" [")
                    .next()
                    .unwrap_or("")
                    .split('|')
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// The device's own name for `source`, among what it offers.
fn source_name(source: Source, offered: &[String]) -> Option<String> {
    let find =
        |pred: &dyn Fn(&str) -> bool| offered.iter().find(|s| pred(&s.to_lowercase())).cloned();
    match source {
        Source::Flatbed => find(&|s| s.contains("flatbed")),
        Source::Duplex => find(&|s| s.contains("duplex")),
        Source::Feeder => {
            find(&|s| (s.contains("feeder") || s.contains("adf")) && !s.contains("duplex"))
        }
    }
}

impl Scanner for Sane {
    fn list(&self) -> Result<Vec<ScannerInfo>, ScannerError> {
        let out = scanimage()
            .arg("--formatted-device-list=%d|%v|%m|%t%n")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| ScannerError::Missing(e.to_string()))?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let mut p = l.splitn(4, '|');
                Some(ScannerInfo {
                    device: p.next()?.to_owned(),
                    vendor: p.next().unwrap_or("").to_owned(),
                    model: p.next().unwrap_or("").to_owned(),
                    kind: p.next().unwrap_or("").to_owned(),
                })
            })
            .filter(|s| !s.device.is_empty())
            .collect())
    }

    fn scan(
        &self,
        req: &ScanRequest,
        on_page: &mut dyn FnMut(u32),
        cancel: &AtomicBool,
    ) -> Result<Vec<Vec<u8>>, ScannerError> {
        if req.dpi < MIN_SCAN_DPI {
            return Err(ScannerError::LowResolution(req.dpi));
        }
        let device = match &req.device {
            Some(d) => d.clone(),
            None => {
                self.list()?
                    .into_iter()
                    .next()
                    .ok_or(ScannerError::NoScanner)?
                    .device
            }
        };
        let offered = Self::sources(&device)?;
        let source = if offered.is_empty() {
            None // a device with one source says nothing of it
        } else {
            Some(source_name(req.source, &offered).ok_or_else(|| {
                ScannerError::NoSuchSource {
                    device: device.clone(),
                    wanted: match req.source {
                        Source::Flatbed => "mặt kính",
                        Source::Feeder => "khay nạp giấy",
                        Source::Duplex => "hai mặt",
                    }
                    .to_owned(),
                    available: offered.join(", "),
                }
            })?)
        };
        let dir = tempfile::tempdir().map_err(|e| ScannerError::Io(e.to_string()))?;
        let pattern: PathBuf = dir.path().join("trang-%04d.jpg");
        let mut cmd = scanimage();
        cmd.args([
            "-d",
            &device,
            "--format=jpeg",
            "--resolution",
            &req.dpi.to_string(),
        ])
        .args(["--mode", if req.colour { "Color" } else { "Gray" }])
        .arg(format!("--batch={}", pattern.display()))
        .arg("--batch-print");
        if let Some(s) = &source {
            cmd.args(["--source", s]);
        }
        if req.source == Source::Flatbed {
            cmd.arg("--batch-count=1");
        } else {
            cmd.arg(format!("--batch-count={MAX_SCAN_PAGES}"));
        }
        if cancel.load(Ordering::SeqCst) {
            return Err(ScannerError::Cancelled { pages: 0 });
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| ScannerError::Missing(e.to_string()))?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let child = Mutex::new(child);
        let finished = AtomicBool::new(false);
        let mut files = Vec::new();
        let mut err_text = String::new();
        let read: Result<(), ScannerError> = std::thread::scope(|s| {
            // Stopping: `scanimage` is killed, which lets the scanner go and
            // ends its output.
            s.spawn(|| {
                while !finished.load(Ordering::SeqCst) {
                    if cancel.load(Ordering::SeqCst) {
                        if let Ok(mut c) = child.lock() {
                            let _ = c.kill();
                        }
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            });
            let errors = s.spawn(move || {
                let mut text = String::new();
                if let Some(mut e) = stderr {
                    let _ = std::io::Read::read_to_string(&mut e, &mut text);
                }
                text
            });
            let mut result = Ok(());
            if let Some(out) = stdout {
                for line in BufReader::new(out).lines() {
                    match line {
                        Ok(line) if !line.trim().is_empty() => {
                            files.push(PathBuf::from(line.trim()));
                            on_page(u32::try_from(files.len()).unwrap_or(u32::MAX));
                            // Stopped between pages: no further page is read.
                            if cancel.load(Ordering::SeqCst) {
                                if let Ok(mut c) = child.lock() {
                                    let _ = c.kill();
                                }
                                break;
                            }
                        }
                        Ok(_) => {}
                        Err(e) => {
                            result = Err(ScannerError::Io(e.to_string()));
                            break;
                        }
                    }
                }
            }
            err_text = errors.join().unwrap_or_default();
            finished.store(true, Ordering::SeqCst);
            result
        });
        child
            .into_inner()
            .map_err(|_| ScannerError::Io("không theo dõi được tiến trình quét".into()))?
            .wait()
            .map_err(|e| ScannerError::Io(e.to_string()))?;
        let pages = u32::try_from(files.len()).unwrap_or(u32::MAX);
        if cancel.load(Ordering::SeqCst) {
            return Err(ScannerError::Cancelled { pages });
        }
        read?;
        let err = err_text.to_lowercase();
        if err.contains("jammed") {
            return Err(ScannerError::Jammed { pages });
        }
        if err.contains("device busy") {
            return Err(ScannerError::Busy);
        }
        if files.is_empty() {
            if err.contains("out of documents") || err.contains("no docs") {
                return Err(ScannerError::FeederEmpty);
            }
            let line = err_text
                .lines()
                .rfind(|l| l.contains("scanimage:"))
                .unwrap_or("không có trang nào")
                .to_owned();
            return Err(ScannerError::Device(line));
        }
        files
            .iter()
            .map(|f| std::fs::read(f).map_err(|e| ScannerError::Io(e.to_string())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_found_by_what_devices_call_them() {
        let offered: Vec<String> = ["Flatbed", "ADF Front", "ADF Duplex"]
            .map(str::to_owned)
            .to_vec();
        assert_eq!(
            source_name(Source::Flatbed, &offered).as_deref(),
            Some("Flatbed")
        );
        assert_eq!(
            source_name(Source::Feeder, &offered).as_deref(),
            Some("ADF Front")
        );
        assert_eq!(
            source_name(Source::Duplex, &offered).as_deref(),
            Some("ADF Duplex")
        );
        let test_backend: Vec<String> = ["Flatbed", "Automatic Document Feeder"]
            .map(str::to_owned)
            .to_vec();
        assert_eq!(source_name(Source::Duplex, &test_backend), None);
        assert_eq!(
            source_name(Source::Feeder, &test_backend).as_deref(),
            Some("Automatic Document Feeder")
        );
        assert_eq!(Source::parse("adf"), Some(Source::Feeder));
        assert_eq!(Source::parse("x"), None);
    }

    #[test]
    fn a_low_resolution_is_refused_before_the_scanner_is_touched() {
        let req = ScanRequest {
            device: Some("none:0".into()),
            dpi: 150,
            source: Source::Flatbed,
            colour: true,
        };
        let e = Sane
            .scan(&req, &mut |_| {}, &AtomicBool::new(false))
            .unwrap_err();
        assert!(matches!(e, ScannerError::LowResolution(150)), "{e}");
    }
}
