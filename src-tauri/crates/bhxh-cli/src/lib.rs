//! The command line of BHXH Desk.
//!
//! `bhxh-desk` with no arguments opens the window; `bhxh-desk SUBCOMMAND`
//! runs a command and exits, with no window. The same commands are in the
//! `bhxh-desk-cli` binary, which needs no WebKit.
//!
//! Secrets are never arguments (they would show in `ps` and shell history):
//! a staff password comes from `BHXH_DESK_PASSWORD` or the first line of
//! standard input; a second secret (a new password, a backup passphrase)
//! from its own variable or the next line.

use std::ffi::OsString;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bhxh_app::dto::{NewStaff, OfficeInput, Role};
use bhxh_app::{Desk, DeskError, ErrorInfo, SetupInput};
use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use zeroize::Zeroizing;

mod card;
mod dossier;
mod inbox;
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
    Init(InitArgs),
    /// Trạng thái: thư mục dữ liệu, cơ quan, phiên bản.
    Status,
    /// Kế hoạch Đề án 06 năm 2024.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Kho dữ liệu: kiểm tra, sao lưu, khôi phục.
    #[command(subcommand)]
    Db(DbCommand),
    /// Tài khoản cán bộ (quản trị viên).
    #[command(subcommand)]
    User(UserCommand),
    /// Nhật ký xử lý dữ liệu cá nhân (Nghị định 13/2023, Điều 38).
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Báo cáo Đề án 06 (Nghị định 30/2020): PDF, XLSX, dữ liệu gửi BHXH Việt Nam.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Thẻ CCCD gắn chip trên đầu đọc PC/SC: liệt kê đầu đọc, đọc và xác thực thẻ.
    #[command(subcommand)]
    Card(CardCommand),
    /// Danh sách người tham gia (nhiệm vụ 21: xác thực số định danh).
    #[command(subcommand)]
    Participants(ParticipantsCommand),
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
}

#[derive(Debug, Args)]
pub struct ReportOut {
    /// Tệp PDF (thể thức Nghị định 30/2020).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Tệp XLSX cùng số liệu.
    #[arg(long)]
    pub xlsx: Option<PathBuf>,
    /// Tệp JSON: bản chụp báo cáo như BHXH Việt Nam nhận.
    #[arg(long)]
    pub json_out: Option<PathBuf>,
    /// Lần duyệt (mặc định: lần mới nhất; bản dự thảo nếu chưa duyệt).
    #[arg(long)]
    pub revision: Option<i64>,
    #[command(flatten)]
    pub auth: UserArg,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Báo cáo tháng, ví dụ --month 2024-05.
    Monthly {
        #[arg(long)]
        month: String,
        #[command(flatten)]
        out: ReportOut,
    },
    /// Báo cáo 6 tháng, ví dụ --half 2024-H1.
    HalfYear {
        #[arg(long)]
        half: String,
        #[command(flatten)]
        out: ReportOut,
    },
    /// Báo cáo năm, ví dụ --year 2024.
    Annual {
        #[arg(long)]
        year: String,
        #[command(flatten)]
        out: ReportOut,
    },
}

#[derive(Debug, Subcommand)]
pub enum CardCommand {
    /// Liệt kê các đầu đọc thẻ (PC/SC) và cho biết đầu nào đang có thẻ.
    Readers,
    /// Đọc chip (BAC, truyền bảo mật), kiểm tra dữ liệu và nguồn gốc thẻ (xác thực thụ động).
    Read(Box<CardReadArgs>),
}

#[derive(Debug, Args)]
pub struct CardReadArgs {
    /// Tên đầu đọc (mặc định: đầu đọc đầu tiên có thẻ).
    #[arg(long)]
    pub reader: Option<String>,
    /// Số định danh 12 chữ số (cùng --dob và --expiry).
    #[arg(long)]
    pub id: Option<String>,
    /// Ngày sinh, dạng YYYY-MM-DD.
    #[arg(long)]
    pub dob: Option<String>,
    /// Ngày hết hạn in trên thẻ, dạng YYYY-MM-DD.
    #[arg(long)]
    pub expiry: Option<String>,
    /// Chuỗi mã QR mặt trước thẻ (ngày hết hạn suy ra theo mốc tuổi 25, 40, 60).
    #[arg(long)]
    pub qr: Option<String>,
    /// Số CAN (6 số cuối của số định danh): chỉ mở chip bằng PACE, không có BAC
    /// dự phòng. Với --id/--qr, PACE bằng CAN được thử trước khi chip hỗ trợ.
    #[arg(long)]
    pub can: Option<String>,
    /// Thư mục chứng thư CSCA (PEM/DER) và danh sách chính (master list) ICAO.
    #[arg(long)]
    pub trust: Option<PathBuf>,
    /// Số giây chờ đặt thẻ lên đầu đọc.
    #[arg(long, default_value_t = 20)]
    pub wait: u64,
    /// Kiểm tra khi chi trả chế độ (nhiệm vụ 25) thay vì tại quầy (nhiệm vụ 24).
    #[arg(long)]
    pub payment: bool,
    #[command(flatten)]
    pub auth: UserArg,
}

#[derive(Debug, Subcommand)]
pub enum ParticipantsCommand {
    /// Nhập danh sách từ tệp CSV (UTF-8) hoặc XLSX: mã số BHXH, họ tên, ngày
    /// sinh, giới tính, số định danh. Mặc định nhập tất cả hoặc không nhập gì;
    /// mã thoát 1 nếu có dòng lỗi và chưa nhập.
    Import {
        file: PathBuf,
        /// Chỉ nhập các dòng hợp lệ, bỏ qua dòng lỗi.
        #[arg(long)]
        valid_rows: bool,
        /// Chỉ kiểm tra, không ghi.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        auth: UserArg,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[arg(long)]
    pub office_name: String,
    #[arg(long, default_value = "Bảo hiểm xã hội Việt Nam")]
    pub parent_agency: String,
    /// Mã định danh điện tử của cơ quan (QĐ 20/2020/QĐ-TTg), ví dụ 000.00.17.H23.
    #[arg(long)]
    pub agency_code: String,
    /// Mã tỉnh 3 chữ số, ví dụ 017.
    #[arg(long)]
    pub province: String,
    #[arg(long, default_value = "")]
    pub address: String,
    #[arg(long)]
    pub admin_user: String,
    #[arg(long)]
    pub admin_name: String,
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Liệt kê 27 nhiệm vụ.
    List,
}

#[derive(Debug, Args)]
pub struct UserArg {
    /// Tài khoản đăng nhập để thực hiện lệnh; mật khẩu từ BHXH_DESK_PASSWORD hoặc stdin.
    #[arg(long, env = "BHXH_DESK_USER")]
    pub user: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Kiểm tra toàn vẹn SQLite và chuỗi băm của nhật ký; mã thoát khác 0 nếu có lỗi.
    Check,
    /// Sao lưu mã hóa toàn bộ kho (quản trị viên). Mật khẩu bản sao lưu từ
    /// BHXH_DESK_BACKUP_PASSPHRASE hoặc dòng tiếp theo của stdin.
    Backup {
        file: PathBuf,
        #[command(flatten)]
        auth: UserArg,
    },
    /// Khôi phục kho từ bản sao lưu. Nếu máy đã có kho, cần quản trị viên (--user).
    Restore {
        file: PathBuf,
        #[command(flatten)]
        auth: UserArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Thêm tài khoản. Mật khẩu của tài khoản mới từ BHXH_DESK_NEW_PASSWORD hoặc dòng tiếp theo của stdin.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        full_name: String,
        /// counter_officer | digitisation_officer | supervisor | administrator
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[command(flatten)]
        auth: UserArg,
    },
    /// Danh sách tài khoản.
    List {
        #[command(flatten)]
        auth: UserArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Các mục mới nhất của nhật ký.
    List {
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[command(flatten)]
        auth: UserArg,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| {
        format!(
            "vai trò không hợp lệ \"{s}\"; chọn một trong: {}",
            Role::ALL.map(Role::as_str).join(", ")
        )
    })
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
            let code = match run(command, &data_dir, &mut secrets, &out) {
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

    fn get(&mut self, env: &str, what: &str) -> Result<Zeroizing<String>, DeskError> {
        if let Ok(v) = std::env::var(env) {
            return Ok(Zeroizing::new(v));
        }
        let lines = self
            .lines
            .get_or_insert_with(|| std::io::stdin().lock().lines());
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

fn signed_in(desk: &mut Desk, auth: &UserArg, secrets: &mut Secrets) -> Result<(), DeskError> {
    let user = auth.user.as_deref().ok_or_else(|| {
        DeskError::invalid(
            "user",
            "Lệnh này cần đăng nhập: thêm --user TÊN (mật khẩu từ BHXH_DESK_PASSWORD hoặc stdin).",
        )
    })?;
    let password = secrets.get("BHXH_DESK_PASSWORD", "mật khẩu")?;
    desk.sign_in(user, &password)?;
    Ok(())
}

fn run(
    command: Command,
    data_dir: &Path,
    secrets: &mut Secrets,
    out: &Output,
) -> Result<ExitCode, DeskError> {
    match command {
        Command::Gui => Ok(ExitCode::SUCCESS),
        Command::Init(a) => {
            let desk = Desk::open(data_dir)?;
            let password = secrets.get("BHXH_DESK_PASSWORD", "mật khẩu quản trị viên")?;
            let status = desk.setup(&SetupInput {
                office: OfficeInput {
                    name: a.office_name,
                    parent_agency: a.parent_agency,
                    agency_code: a.agency_code,
                    province_code: a.province,
                    address: a.address,
                },
                admin_username: a.admin_user,
                admin_full_name: a.admin_name,
                admin_password: password.to_string(),
            })?;
            out.value(&status, |w| {
                writeln!(w, "Đã thiết lập BHXH Desk tại {}.", status.data_dir)?;
                if let Some(o) = &status.office {
                    writeln!(
                        w,
                        "Cơ quan: {} ({}), tỉnh {}.",
                        o.name, o.agency_code, o.province_name
                    )?;
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
        Command::Status => {
            let desk = Desk::open(data_dir)?;
            let status = desk.status()?;
            out.value(&status, |w| {
                writeln!(w, "Thư mục dữ liệu: {}", status.data_dir)?;
                writeln!(w, "Kho khóa bí mật: {}", status.keyring_backend)?;
                match &status.office {
                    Some(o) => writeln!(w, "Cơ quan: {} ({})", o.name, o.agency_code)?,
                    None => writeln!(
                        w,
                        "Chưa thiết lập (chạy bhxh-desk init hoặc mở cửa sổ ứng dụng)."
                    )?,
                }
                writeln!(w, "Phiên bản: {}", status.version)
            });
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan(PlanCommand::List) => {
            let desk = Desk::open(data_dir)?;
            let plan = desk.plan_public()?;
            out.value(&plan.tasks, |w| {
                writeln!(w, "{} — Quyết định {}", plan.title, plan.decision)?;
                for s in &plan.sections {
                    writeln!(w, "\n{}. {}", s.number, s.title)?;
                    for t in plan.tasks.iter().filter(|t| t.section == s.number) {
                        let role = match t.province_role.as_str() {
                            "lead" => "chủ trì",
                            "coordinating" => "phối hợp",
                            _ => "—",
                        };
                        writeln!(
                            w,
                            "  {:>2}. [{}] [{}] {}",
                            t.number, t.deadline_text, role, t.content
                        )?;
                    }
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
        Command::Db(DbCommand::Check) => {
            let desk = Desk::open(data_dir)?;
            let report = desk.check()?;
            out.value(&report, |w| {
                if report.integrity_problems.is_empty() {
                    writeln!(w, "Tệp dữ liệu: toàn vẹn.")?;
                } else {
                    writeln!(w, "Tệp dữ liệu: CÓ LỖI")?;
                    for p in &report.integrity_problems {
                        writeln!(w, "  - {p}")?;
                    }
                }
                if report.audit_problems.is_empty() {
                    writeln!(
                        w,
                        "Nhật ký kiểm toán: {} mục, chuỗi băm toàn vẹn.",
                        report.audit_entries
                    )?;
                } else {
                    writeln!(
                        w,
                        "Nhật ký kiểm toán: {} mục, CHUỖI BĂM BỊ PHÁ VỠ",
                        report.audit_entries
                    )?;
                    for p in &report.audit_problems {
                        writeln!(w, "  - {p}")?;
                    }
                }
                if report.file_problems.is_empty() {
                    writeln!(w, "Kho tệp số hóa: mọi tệp khớp mã băm.")?;
                } else {
                    writeln!(w, "Kho tệp số hóa: CÓ LỖI")?;
                    for p in &report.file_problems {
                        writeln!(w, "  - {p}")?;
                    }
                }
                Ok(())
            });
            Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Db(DbCommand::Backup { file, auth }) => {
            let mut desk = Desk::open(data_dir)?;
            signed_in(&mut desk, &auth, secrets)?;
            let passphrase = secrets.get("BHXH_DESK_BACKUP_PASSPHRASE", "mật khẩu bản sao lưu")?;
            desk.backup(&file, &passphrase)?;
            desk.sign_out()?;
            let done = serde_json::json!({ "backup": file.display().to_string() });
            out.value(&done, |w| {
                writeln!(w, "Đã sao lưu (mã hóa) vào {}.", file.display())
            });
            Ok(ExitCode::SUCCESS)
        }
        Command::Db(DbCommand::Restore { file, auth }) => {
            let admin_password;
            let admin = match auth.user.as_deref() {
                Some(user) => {
                    admin_password = secrets.get("BHXH_DESK_PASSWORD", "mật khẩu")?;
                    Some((user, admin_password.as_str()))
                }
                None => None,
            };
            let passphrase = secrets.get("BHXH_DESK_BACKUP_PASSPHRASE", "mật khẩu bản sao lưu")?;
            let desk = Desk::restore(data_dir, &file, &passphrase, admin)?;
            let report = desk.check()?;
            out.value(&report, |w| {
                writeln!(
                    w,
                    "Đã khôi phục từ {} vào {}.",
                    file.display(),
                    desk.data_dir().display()
                )
            });
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Add {
            username,
            full_name,
            role,
            auth,
        }) => {
            let mut desk = Desk::open(data_dir)?;
            signed_in(&mut desk, &auth, secrets)?;
            let password = secrets.get("BHXH_DESK_NEW_PASSWORD", "mật khẩu của tài khoản mới")?;
            let staff = desk.staff_create(
                &NewStaff {
                    username,
                    full_name,
                    role,
                },
                &password,
            )?;
            desk.sign_out()?;
            out.value(&staff, |w| {
                writeln!(
                    w,
                    "Đã tạo tài khoản {} ({}).",
                    staff.username,
                    staff.role.label_vi()
                )
            });
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::List { auth }) => {
            let mut desk = Desk::open(data_dir)?;
            signed_in(&mut desk, &auth, secrets)?;
            let list = desk.staff_list()?;
            desk.sign_out()?;
            out.value(&list, |w| {
                for s in &list {
                    writeln!(
                        w,
                        "{:<20} {:<30} {}",
                        s.username,
                        s.full_name,
                        s.role.label_vi()
                    )?;
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(cmd) => {
            let (kind, period, o) = match cmd {
                ReportCommand::Monthly { month, out } => ("month", month, out),
                ReportCommand::HalfYear { half, out } => ("half", half, out),
                ReportCommand::Annual { year, out } => ("year", year, out),
            };
            if o.out.is_none() && o.xlsx.is_none() && o.json_out.is_none() {
                return Err(DeskError::invalid(
                    "out",
                    "Chọn ít nhất một tệp ra: --out TỆP.pdf, --xlsx TỆP.xlsx hoặc --json-out TỆP.json.",
                ));
            }
            let mut desk = Desk::open(data_dir)?;
            signed_in(&mut desk, &o.auth, secrets)?;
            let targets = bhxh_app::ExportTargets {
                pdf: o.out,
                xlsx: o.xlsx,
                json: o.json_out,
            };
            let done = desk.report_export(kind, &period, o.revision, &targets)?;
            desk.sign_out()?;
            out.value(&done, |w| {
                let state = if done.status == "approved" {
                    format!("đã duyệt, lần {}", done.revision)
                } else {
                    "dự thảo".to_owned()
                };
                writeln!(w, "Đã ghi báo cáo ({state}):")?;
                for f in &done.files {
                    writeln!(w, "  {f}")?;
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
        Command::Sync(c) => sync::run(c, data_dir, secrets, out),
        Command::Dossier(c) => dossier::run(c, data_dir, secrets, out),
        Command::Search(a) => dossier::search(a, data_dir, secrets, out),
        Command::Inbox(c) => inbox::run(c, data_dir, secrets, out),
        Command::Card(CardCommand::Readers) => {
            let list = card::readers()?;
            out.value(&list, |w| {
                if list.is_empty() {
                    writeln!(w, "Không có đầu đọc thẻ nào.")?;
                }
                for r in &list {
                    let state = if r.card_present {
                        "có thẻ"
                    } else {
                        "không có thẻ"
                    };
                    writeln!(w, "{} ({state})", r.name)?;
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
        Command::Card(CardCommand::Read(args)) => {
            let key = card::access_key(&args)?;
            let mut desk = Desk::open(data_dir)?;
            signed_in(&mut desk, &args.auth, secrets)?;
            let outcome = card::read(&args, &key);
            let (report, code) = match outcome {
                Ok(mut report) => {
                    let check = desk.card_record(&report.read, report.purpose)?;
                    report.attach(&check);
                    let code = if report.genuine {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(3)
                    };
                    (report, code)
                }
                Err(e) => {
                    desk.sign_out()?;
                    return Err(e);
                }
            };
            desk.sign_out()?;
            out.value(&report.json, |w| write!(w, "{}", report.text));
            Ok(code)
        }
        Command::Participants(ParticipantsCommand::Import {
            file,
            valid_rows,
            dry_run,
            auth,
        }) => {
            let mut desk = Desk::open(data_dir)?;
            signed_in(&mut desk, &auth, secrets)?;
            let mode = if valid_rows {
                bhxh_app::dto::ImportMode::ValidRows
            } else {
                bhxh_app::dto::ImportMode::AllOrNothing
            };
            let outcome = desk.participants_import(&file, None, mode, dry_run)?;
            desk.sign_out()?;
            let Some(report) = outcome.report.as_ref() else {
                return Err(DeskError::invalid(
                    "mapping",
                    format!(
                        "Không tìm thấy cột {} trong dòng tiêu đề của tệp (các cột: {}).",
                        outcome.missing.join(", "),
                        outcome.headers.join(" | ")
                    ),
                ));
            };
            out.value(&outcome, |w| {
                for p in &report.problems {
                    for e in &p.errors {
                        writeln!(w, "Dòng {}: LỖI: {e}", p.line)?;
                    }
                    for warning in &p.warnings {
                        writeln!(w, "Dòng {}: cảnh báo: {warning}", p.line)?;
                    }
                }
                writeln!(
                    w,
                    "{} dòng: {} hợp lệ, {} lỗi, {} cảnh báo. Thêm mới {}, cập nhật {}, không đổi {}.",
                    report.total_rows,
                    report.valid_rows,
                    report.error_rows,
                    report.warning_rows,
                    report.inserted,
                    report.updated,
                    report.unchanged
                )?;
                writeln!(
                    w,
                    "{}",
                    if report.imported {
                        "Đã nhập."
                    } else if dry_run {
                        "Chạy thử: chưa ghi gì."
                    } else {
                        "Chưa nhập gì vì có dòng lỗi (thêm --valid-rows để chỉ nhập các dòng hợp lệ)."
                    }
                )
            });
            let ok = report.imported || (dry_run && report.error_rows == 0);
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Audit(AuditCommand::List { limit, auth }) => {
            let mut desk = Desk::open(data_dir)?;
            signed_in(&mut desk, &auth, secrets)?;
            let list = desk.audit_list(limit, None)?;
            desk.sign_out()?;
            out.value(&list, |w| {
                for e in &list {
                    writeln!(
                        w,
                        "{:>6} {} {:<12} {:<16} {} {} {}",
                        e.seq, e.at, e.actor_username, e.action, e.entity, e.entity_id, e.detail
                    )?;
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
    }
}
