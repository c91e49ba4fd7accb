//! The command line of BHXH Desk.
//!
//! `bhxh-desk` with no arguments opens the window; `bhxh-desk SUBCOMMAND`
//! runs a command and exits, with no window. The same commands are in the
//! `bhxh-desk-cli` binary, which needs no WebKit.
//!
//! Secrets are never arguments (they would show in `ps` and shell history):
//! a staff password comes from `BHXH_DESK_PASSWORD` or the first line of
//! standard input; a second secret (a new password, a backup passphrase, a
//! token's PIN) from its own variable or the next line.
//!
//! Personal data (an ID number, a name, a birth date, a CCCD's QR text or
//! CAN, a search) may be arguments, for tests and quick use, but arguments
//! are visible to every user of the machine (`ps`): `--from-json FILE` reads
//! the same fields from a file, and `--from-json -` from standard input,
//! after the secret lines the command reads there (so `PASSWORD\n{…}`).

use std::ffi::OsString;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bhxh_app::{Desk, DeskError, ErrorInfo};
use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use zeroize::Zeroizing;

mod admin;
mod card;
mod dossier;
mod inbox;
mod ocr;
mod participants;
mod personal;
mod plan;
mod printers;
mod reference;
mod scan;
mod setup;
mod signing;
mod sync;

#[derive(Debug, Parser)]
#[command(
    name = "bhxh-desk",
    version,
    about = "BHXH Desk — số hóa hồ sơ, kiểm tra CCCD gắn chip, theo dõi Kế hoạch Đề án 06",
    long_about = "BHXH Desk. Không có lệnh con: mở cửa sổ ứng dụng. Có lệnh con: chạy lệnh rồi thoát, không mở cửa sổ."
)]
pub struct Cli {
    /// Thư mục dữ liệu (mặc định: thư mục dữ liệu của người dùng).
    #[arg(long, global = true, env = "BHXH_DESK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// In kết quả dạng JSON (cho script).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Mở cửa sổ ứng dụng (như khi chạy không có lệnh con).
    Gui,
    /// Thiết lập lần đầu không tương tác: thông tin cơ quan và quản trị viên đầu tiên.
    /// Mật khẩu quản trị viên đọc từ BHXH_DESK_PASSWORD hoặc dòng đầu của stdin.
    Init(setup::InitArgs),
    /// Trạng thái: thư mục dữ liệu, cơ quan, phiên bản.
    Status,
    /// Kế hoạch Đề án 06 năm 2024.
    #[command(subcommand)]
    Plan(plan::PlanCommand),
    /// Danh mục thủ tục hành chính: mã, tên, thành phần hồ sơ, thời hạn giải quyết.
    #[command(subcommand)]
    Procedures(reference::ProceduresCommand),
    /// Dữ liệu tham chiếu: danh sách tỉnh, thành phố.
    #[command(subcommand)]
    Reference(reference::ReferenceCommand),
    /// Kho dữ liệu: kiểm tra, sao lưu, khôi phục.
    #[command(subcommand)]
    Db(admin::DbCommand),
    /// Tài khoản cán bộ (quản trị viên).
    #[command(subcommand)]
    User(admin::UserCommand),
    /// Nhật ký xử lý dữ liệu cá nhân (Nghị định 13/2023, Điều 38).
    #[command(subcommand)]
    Audit(admin::AuditCommand),
    /// Báo cáo Đề án 06 (Nghị định 30/2020): PDF, XLSX, dữ liệu gửi BHXH Việt Nam.
    #[command(subcommand)]
    Report(plan::ReportCommand),
    /// Thẻ CCCD gắn chip trên đầu đọc PC/SC: liệt kê đầu đọc, đọc và xác thực thẻ.
    #[command(subcommand)]
    Card(card::CardCommand),
    /// Danh sách người tham gia (nhiệm vụ 21: xác thực số định danh).
    #[command(subcommand)]
    Participants(participants::ParticipantsCommand),
    /// Hồ sơ thủ tục hành chính: tiếp nhận, giấy tiếp nhận (mẫu 01), trạng thái.
    #[command(subcommand)]
    Dossier(dossier::DossierCommand),
    /// Tìm hồ sơ theo mã, số định danh, họ tên hoặc thủ tục (không cần dấu).
    Search(dossier::SearchArgs),
    /// Hộp thư quét: thư mục máy quét ghi vào; quét một lần, danh sách chờ phân loại.
    #[command(subcommand)]
    Inbox(inbox::InboxCommand),
    /// Đồng bộ với BHXH Việt Nam: cấu hình, đồng bộ ngay, trạng thái.
    #[command(subcommand)]
    Sync(sync::SyncCommand),
    /// Ký số: token của cơ quan (PKCS#11), khóa và chứng thư.
    #[command(subcommand)]
    Signing(signing::SigningCommand),
    /// Tệp PDF: kiểm tra chữ ký số.
    #[command(subcommand)]
    Pdf(signing::PdfCommand),
    /// Nhận dạng chữ tiếng Việt trên các trang quét (Tesseract), để tìm hồ sơ theo chữ trong giấy tờ.
    #[command(subcommand)]
    Ocr(ocr::OcrCommand),
    /// Máy quét: liệt kê các máy quét đang nối.
    #[command(subcommand)]
    Scanners(scan::ScannersCommand),
    /// Quét một thành phần hồ sơ thẳng từ máy quét (mặt kính hoặc khay nạp) và số hóa.
    Scan(scan::ScanArgs),
    /// Máy in của hệ thống in (CUPS): danh sách, máy in mặc định.
    #[command(subcommand)]
    Printers(printers::PrintersCommand),
}

#[derive(Debug, Args)]
pub struct UserArg {
    /// Tài khoản đăng nhập để thực hiện lệnh; mật khẩu từ BHXH_DESK_PASSWORD hoặc stdin.
    #[arg(long, env = "BHXH_DESK_USER")]
    pub user: Option<String>,
}

/// What the program should do after parsing its arguments.
#[derive(Debug)]
pub enum Invocation {
    /// Open the window on this data directory.
    Gui { data_dir: Option<PathBuf> },
    /// A command ran (or the arguments were wrong); exit with this code.
    Exit(ExitCode),
}

/// Parse the arguments and run the command, if there is one.
pub fn dispatch<I, T>(args: I) -> Invocation
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return Invocation::Exit(ExitCode::from(if e.use_stderr() { 2 } else { 0 }));
        }
    };
    match cli.command {
        None | Some(Command::Gui) => Invocation::Gui {
            data_dir: cli.data_dir,
        },
        Some(command) => {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_env("BHXH_DESK_LOG")
                        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
                )
                .with_writer(std::io::stderr)
                .try_init();
            let data_dir = cli.data_dir.or_else(bhxh_app::default_data_dir);
            let Some(data_dir) = data_dir else {
                eprintln!("Lỗi: không xác định được thư mục dữ liệu; hãy dùng --data-dir.");
                return Invocation::Exit(ExitCode::from(2));
            };
            let mut secrets = Secrets::new();
            let out = Output { json: cli.json };
            let mut ctx = Ctx {
                data_dir: &data_dir,
                secrets: &mut secrets,
                out: &out,
            };
            let code = match run(command, &mut ctx) {
                Ok(code) => code,
                Err(e) => {
                    out.error(&e.info());
                    ExitCode::from(1)
                }
            };
            Invocation::Exit(code)
        }
    }
}

/// Secrets from the environment or, in order, from lines of standard input.
struct Secrets {
    lines: Option<std::io::Lines<std::io::StdinLock<'static>>>,
}

impl Secrets {
    fn new() -> Self {
        Secrets { lines: None }
    }

    fn lines(&mut self) -> &mut std::io::Lines<std::io::StdinLock<'static>> {
        self.lines
            .get_or_insert_with(|| std::io::stdin().lock().lines())
    }

    /// What standard input holds after the lines read so far (the secrets),
    /// up to `limit` bytes.
    fn rest(&mut self, limit: usize) -> Result<Zeroizing<String>, DeskError> {
        let mut out = Zeroizing::new(String::new());
        for line in self.lines() {
            let line = line
                .map_err(|e| DeskError::invalid("stdin", format!("Không đọc được stdin: {e}")))?;
            if out.len() + line.len() + 1 > limit {
                return Err(DeskError::invalid(
                    "fromJson",
                    format!("Dữ liệu JSON trên stdin dài quá {limit} byte."),
                ));
            }
            out.push_str(&line);
            out.push('\n');
        }
        Ok(out)
    }

    fn get(&mut self, env: &str, what: &str) -> Result<Zeroizing<String>, DeskError> {
        if let Ok(v) = std::env::var(env) {
            return Ok(Zeroizing::new(v));
        }
        let lines = self.lines();
        match lines.next() {
            Some(Ok(line)) => Ok(Zeroizing::new(
                line.trim_end_matches(['\r', '\n']).to_owned(),
            )),
            _ => Err(DeskError::invalid(
                "stdin",
                format!(
                    "Thiếu {what}: đặt biến môi trường {env} hoặc đưa vào stdin (mỗi bí mật một dòng)."
                ),
            )),
        }
    }
}

struct Output {
    json: bool,
}

impl Output {
    fn value<T: Serialize>(
        &self,
        v: &T,
        human: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) {
        let mut stdout = std::io::stdout().lock();
        let _ = if self.json {
            serde_json::to_writer_pretty(&mut stdout, v)
                .map_err(std::io::Error::other)
                .and_then(|_| writeln!(stdout))
        } else {
            human(&mut stdout)
        };
    }

    fn error(&self, info: &ErrorInfo) {
        if self.json {
            let _ = serde_json::to_writer_pretty(
                std::io::stdout().lock(),
                &serde_json::json!({ "error": info }),
            );
            println!();
        }
        eprintln!("Lỗi: {}", info.message);
        if !info.hint.is_empty() {
            eprintln!("Cách khắc phục: {}", info.hint);
        }
    }
}

/// What every command runs with: the data directory, the secrets it may
/// read, and how it prints.
pub(crate) struct Ctx<'a> {
    pub data_dir: &'a Path,
    pub secrets: &'a mut Secrets,
    pub out: &'a Output,
}

impl Ctx<'_> {
    /// The desk, with `auth`'s member of staff signed in (the password from
    /// `BHXH_DESK_PASSWORD` or the next line of stdin). The session ends,
    /// on the record, when the desk is dropped.
    pub fn signed_in(&mut self, auth: &UserArg) -> Result<Desk, DeskError> {
        let user = auth.user.as_deref().ok_or_else(|| {
            DeskError::invalid(
                "user",
                "Lệnh này cần đăng nhập: thêm --user TÊN (mật khẩu từ BHXH_DESK_PASSWORD hoặc stdin).",
            )
        })?;
        let desk = Desk::open(self.data_dir)?;
        let password = self.secrets.get("BHXH_DESK_PASSWORD", "mật khẩu")?;
        desk.sign_in(user, &password)?;
        Ok(desk)
    }
}

fn run(command: Command, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    match command {
        Command::Gui => Ok(ExitCode::SUCCESS),
        Command::Init(a) => setup::init(a, ctx),
        Command::Status => setup::status(ctx),
        Command::Plan(c) => plan::plan(c, ctx),
        Command::Report(c) => plan::report(c, ctx),
        Command::Procedures(c) => reference::procedures(c, ctx),
        Command::Reference(c) => reference::reference(c, ctx),
        Command::Db(c) => admin::db(c, ctx),
        Command::User(c) => admin::user(c, ctx),
        Command::Audit(c) => admin::audit(c, ctx),
        Command::Card(c) => card::run(c, ctx),
        Command::Participants(c) => participants::run(c, ctx),
        Command::Dossier(c) => dossier::run(c, ctx),
        Command::Search(a) => dossier::search(a, ctx),
        Command::Inbox(c) => inbox::run(c, ctx),
        Command::Sync(c) => sync::run(c, ctx),
        Command::Signing(c) => signing::signing(c, ctx),
        Command::Pdf(c) => signing::pdf(c, ctx),
        Command::Ocr(c) => ocr::run(c, ctx),
        Command::Scanners(c) => scan::scanners(c, ctx),
        Command::Scan(a) => scan::scan(a, ctx),
        Command::Printers(c) => printers::run(c, ctx),
    }
}

/// What a print command says once the print system took the job.
fn printed(w: &mut dyn Write, done: &bhxh_app::Printed) -> std::io::Result<()> {
    writeln!(
        w,
        "Đã gửi tới máy in {} (lệnh in {}): {}",
        done.printer, done.job_id, done.title
    )
}
