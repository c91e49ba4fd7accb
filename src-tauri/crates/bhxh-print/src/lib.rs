//! Printing through the operating system's print system.
//!
//! A [`Printer`] lists the print queues, names the default one and takes a
//! PDF as a job. [`Cups`] is the Linux one, over the CUPS client commands
//! (`lpstat`, `lp`, Debian package `cups-client`); `Spooler` is the
//! Windows one (the print spooler, each page rendered by the system's own
//! PDF renderer and drawn with GDI — see `spooler.rs`; compiled for Windows
//! only, and not yet run on a Windows machine by our tests). [`system`]
//! gives the one for this machine; [`NotYet`] stands where there is none.
//!
//! A paper carries personal data, so the bytes go to the print system
//! through a private temporary file ([`spool`]: a directory of its own, mode
//! 0700, the file 0600), removed as soon as the print system has taken the
//! job — `lp` copies it into the scheduler's spool before it returns — and
//! on every error too. Nothing else is written. A job's title is the
//! caller's; it should name the paper and the dossier code only, since
//! titles are shown to every user of the print queue ([`job_title`] keeps it
//! short and on one line).
//!
//! Errors are Vietnamese sentences a counter officer can act on, one per
//! cause: no printer, no default printer, an unknown queue, the scheduler
//! not running, the client commands missing.

use std::path::PathBuf;

mod cups;
#[cfg_attr(not(windows), allow(dead_code))]
pub mod raster;
pub mod spool;
#[cfg(windows)]
mod spooler;
#[cfg(feature = "testing")]
pub mod testing;

pub use cups::Cups;
#[cfg(windows)]
pub use spooler::Spooler;

/// A print queue as the print system lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    /// The queue's name, what [`Printer::print`] takes (`desk`).
    pub name: String,
    /// Whether it is the print system's default.
    pub is_default: bool,
}

/// A job the print system accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    /// The queue it went to.
    pub queue: String,
    /// The print system's job id (`desk-1`).
    pub job_id: String,
}

/// The operating system's print system.
pub trait Printer: Send + Sync {
    /// The queues, the default first.
    fn queues(&self) -> Result<Vec<Queue>, PrintError>;

    /// Print `pdf` on `queue` (the default queue when `None`) as a job
    /// titled `title`. Returns once the print system holds the job; no copy
    /// of the bytes is left behind, whatever happened.
    fn print_pdf(
        &self,
        queue: Option<&str>,
        title: &str,
        pdf: &[u8],
    ) -> Result<Submitted, PrintError>;
}

/// The print system of this machine: CUPS on Linux and other Unix systems
/// (its server from `CUPS_SERVER`, as every CUPS client), the spooler on
/// Windows.
pub fn system() -> Box<dyn Printer> {
    #[cfg(windows)]
    return Box::new(Spooler);
    #[cfg(unix)]
    return Box::new(Cups::from_env());
    #[cfg(not(any(unix, windows)))]
    return Box::new(NotYet);
}

/// The queues named `names`, `default` marked, the default first.
pub(crate) fn queue_list(
    names: impl IntoIterator<Item = String>,
    default: Option<&str>,
) -> Vec<Queue> {
    let mut queues: Vec<Queue> = names
        .into_iter()
        .map(|name| Queue {
            is_default: default == Some(name.as_str()),
            name,
        })
        .collect();
    queues.sort_by_key(|q| !q.is_default);
    queues
}

/// The queue a job goes to: the one asked for if the print system has it,
/// else the default one.
pub(crate) fn choose_queue(queues: &[Queue], asked: Option<&str>) -> Result<String, PrintError> {
    if queues.is_empty() {
        return Err(PrintError::NoPrinter);
    }
    match asked.map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) => queues
            .iter()
            .find(|x| x.name == q)
            .map(|x| x.name.clone())
            .ok_or_else(|| PrintError::UnknownQueue {
                queue: q.to_owned(),
            }),
        None => queues
            .iter()
            .find(|q| q.is_default)
            .map(|q| q.name.clone())
            .ok_or_else(|| PrintError::NoDefault {
                queues: queues.iter().map(|q| q.name.clone()).collect(),
            }),
    }
}

/// A machine whose print system BHXH Desk cannot drive: every call says
/// so, and points at "Lưu PDF".
#[derive(Debug, Clone, Copy, Default)]
pub struct NotYet;

impl Printer for NotYet {
    fn queues(&self) -> Result<Vec<Queue>, PrintError> {
        Err(PrintError::NotSupported)
    }

    fn print_pdf(&self, _: Option<&str>, _: &str, _: &[u8]) -> Result<Submitted, PrintError> {
        Err(PrintError::NotSupported)
    }
}

/// A job title from `parts`: on one line, without control characters, at
/// most 120 characters (`"BHXH Desk - Mẫu 01 - 000.00.17.H23-240515-0001"`).
pub fn job_title(parts: &[&str]) -> String {
    let joined = parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" - ");
    joined
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(120)
        .collect()
}

/// Why a paper did not reach a printer.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The print system has no queue at all.
    #[error("Máy tính này chưa có máy in nào.")]
    NoPrinter,
    /// Queues exist, none is the default, and none was chosen.
    #[error("Chưa chọn máy in và máy tính không có máy in mặc định (có: {}).", .queues.join(", "))]
    NoDefault { queues: Vec<String> },
    /// The chosen queue does not exist.
    #[error("Không có máy in \"{queue}\".")]
    UnknownQueue { queue: String },
    /// The CUPS scheduler does not answer.
    #[error("Dịch vụ in CUPS không chạy{}.", server_text(.server))]
    NotRunning { server: Option<String> },
    /// Windows' print spooler service does not answer.
    #[error("Dịch vụ in của Windows (Print Spooler) không chạy.")]
    SpoolerNotRunning,
    /// A page (or, with `page` 0, the whole PDF) could not be turned into
    /// what the printer draws.
    #[error("Không dựng được {} để in: {detail}", page_text(*.page))]
    Render { page: u32, detail: String },
    /// A CUPS client command is not installed.
    #[error("Chưa cài lệnh in \"{program}\" của CUPS.")]
    ClientMissing { program: &'static str },
    /// The print system refused the job, in its own words.
    #[error("Hệ thống in từ chối lệnh in: {detail}")]
    Refused { detail: String },
    /// The private temporary file could not be written or a command run.
    #[error("Lỗi khi chuẩn bị lệnh in ({what}): {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// This operating system's print system is not driven yet.
    #[error("BHXH Desk chưa in trực tiếp được trên hệ điều hành này.")]
    NotSupported,
}

fn page_text(page: u32) -> String {
    if page == 0 {
        "giấy".to_owned()
    } else {
        format!("trang {page} của giấy")
    }
}

fn server_text(server: &Option<String>) -> String {
    server
        .as_deref()
        .map(|s| format!(" (máy chủ in {s})"))
        .unwrap_or_default()
}

impl PrintError {
    /// What the user or IT staff can do, in Vietnamese.
    pub fn hint(&self) -> String {
        match self {
            PrintError::NoPrinter if cfg!(windows) => "Hãy nhờ cán bộ tin học cài máy in (Cài đặt → \
                Máy in và máy quét), hoặc chọn \"Lưu PDF…\" để lưu giấy vào nơi bạn chọn rồi in sau."
                .to_owned(),
            PrintError::NoPrinter => "Hãy nhờ cán bộ tin học cài máy in (CUPS), hoặc chọn \"Lưu PDF…\" \
                để lưu giấy vào nơi bạn chọn rồi in sau."
                .to_owned(),
            PrintError::NoDefault { .. } if cfg!(windows) => "Hãy chọn một máy in trong danh sách, hoặc \
                đặt máy in mặc định (Cài đặt → Máy in và máy quét)."
                .to_owned(),
            PrintError::NoDefault { .. } => "Hãy chọn một máy in trong danh sách, hoặc đặt máy in mặc định \
                (lpoptions -d TÊN)."
                .to_owned(),
            PrintError::UnknownQueue { .. } => {
                "Hãy chọn lại máy in trong danh sách (máy in có thể vừa bị gỡ).".to_owned()
            }
            PrintError::NotRunning { .. } => "Hãy khởi động dịch vụ in (sudo systemctl start cups) hoặc nhờ \
                cán bộ tin học; trong lúc chờ, chọn \"Lưu PDF…\"."
                .to_owned(),
            PrintError::SpoolerNotRunning => "Hãy khởi động dịch vụ Print Spooler (services.msc) hoặc \
                nhờ cán bộ tin học; trong lúc chờ, chọn \"Lưu PDF…\"."
                .to_owned(),
            PrintError::ClientMissing { .. } => {
                "Hãy cài gói cups-client (sudo apt-get install cups-client, hoặc scripts/deps.sh run)."
                    .to_owned()
            }
            PrintError::Refused { .. } | PrintError::Io { .. } | PrintError::Render { .. } => {
                "Hãy thử lại; nếu vẫn lỗi, chọn \"Lưu PDF…\" và báo cán bộ tin học.".to_owned()
            }
            PrintError::NotSupported => "Hãy chọn \"Lưu PDF…\" rồi in tệp đã lưu.".to_owned(),
        }
    }

    /// A stable name of the cause, for scripts and the window
    /// (`no_printer`, `not_running`, …).
    pub fn cause(&self) -> &'static str {
        match self {
            PrintError::NoPrinter => "no_printer",
            PrintError::NoDefault { .. } => "no_default",
            PrintError::UnknownQueue { .. } => "unknown_queue",
            PrintError::NotRunning { .. } | PrintError::SpoolerNotRunning => "not_running",
            PrintError::Render { .. } => "render",
            PrintError::ClientMissing { .. } => "client_missing",
            PrintError::Refused { .. } => "refused",
            PrintError::Io { .. } => "io",
            PrintError::NotSupported => "not_supported",
        }
    }
}

/// Where a program is: on `PATH`, or in one of the usual system folders.
pub(crate) fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/bin", "/usr/sbin", "/bin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_one_short_line() {
        assert_eq!(
            job_title(&["BHXH Desk", " Mẫu 01 ", "", "A-1\nB"]),
            "BHXH Desk - Mẫu 01 - A-1 B"
        );
        assert_eq!(job_title(&[&"x".repeat(300)]).chars().count(), 120);
    }

    #[test]
    fn a_job_goes_to_the_queue_asked_for_or_the_default() {
        let q = |name: &str, is_default: bool| Queue {
            name: name.into(),
            is_default,
        };
        let both = [q("quay-1", true), q("quay-2", false)];
        assert_eq!(choose_queue(&both, None).unwrap(), "quay-1");
        assert_eq!(choose_queue(&both, Some(" quay-2 ")).unwrap(), "quay-2");
        assert_eq!(choose_queue(&both, Some("")).unwrap(), "quay-1");
        assert!(matches!(
            choose_queue(&both, Some("quay-3")),
            Err(PrintError::UnknownQueue { queue }) if queue == "quay-3"
        ));
        let none_default = [q("quay-1", false), q("quay-2", false)];
        assert!(matches!(
            choose_queue(&none_default, None),
            Err(PrintError::NoDefault { queues }) if queues == ["quay-1", "quay-2"]
        ));
        assert!(matches!(
            choose_queue(&[], Some("quay-1")),
            Err(PrintError::NoPrinter)
        ));
    }

    #[test]
    fn a_render_error_names_the_page_or_the_paper() {
        let e = |page| {
            PrintError::Render {
                page,
                detail: "x".into(),
            }
            .to_string()
        };
        assert_eq!(e(2), "Không dựng được trang 2 của giấy để in: x");
        assert_eq!(e(0), "Không dựng được giấy để in: x");
    }

    #[test]
    fn not_yet_says_so_and_offers_the_pdf() {
        let e = NotYet.print_pdf(None, "t", b"%PDF").unwrap_err();
        assert_eq!(e.cause(), "not_supported");
        assert!(e.hint().contains("Lưu PDF"));
    }
}
