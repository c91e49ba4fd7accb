//! `bhxh-hq`: the server and HQ's admin commands.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use bhxh_sync_proto::Published;
use clap::{Args, Parser, Subcommand};

use crate::server::{AppState, Faults, Limits};
use crate::storage::{Audience, Storage};
use crate::{HqError, new_token, now_rfc3339, token_hash};

#[derive(Debug, Parser)]
#[command(
    name = "bhxh-hq",
    version,
    about = "Máy chủ trung ương của BHXH Desk: nhận báo cáo của các đơn vị, gửi chỉ đạo và thay đổi kế hoạch"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Where HQ keeps its data: SQLite in `--data-dir` (one machine, a trial),
/// or PostgreSQL at `--database` (the national deployment).
#[derive(Debug, Args, Clone)]
pub struct DataDirArg {
    /// Thư mục dữ liệu của máy chủ (tệp SQLite hq.db), khi không dùng --database.
    #[arg(
        long,
        env = "BHXH_HQ_DATA_DIR",
        value_name = "DIR",
        required_unless_present = "database"
    )]
    pub data_dir: Option<PathBuf>,
    /// Cơ sở dữ liệu PostgreSQL (postgres://NGƯỜI_DÙNG:MẬT_KHẨU@MÁY:CỔNG/TÊN_CSDL),
    /// lựa chọn cho triển khai toàn quốc; bảng được tạo và nâng cấp khi mở.
    #[arg(long, env = "BHXH_HQ_DATABASE", value_name = "URL")]
    pub database: Option<String>,
    /// Chứng thư CA (PEM) mà chứng thư TLS của PostgreSQL phải thuộc về, khi
    /// địa chỉ có sslmode=require (không có: dùng các CA của hệ thống).
    #[arg(
        long,
        env = "BHXH_HQ_DATABASE_CA",
        value_name = "FILE",
        requires = "database"
    )]
    pub database_ca: Option<PathBuf>,
}

impl DataDirArg {
    /// Open the store these options name.
    pub fn open(&self) -> Result<Arc<dyn Storage>, HqError> {
        crate::storage::open_with(
            self.data_dir.as_deref(),
            self.database.as_deref(),
            self.database_ca.as_deref(),
        )
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Chạy máy chủ. In dòng "listening http://ĐỊA_CHỈ" khi đã sẵn sàng.
    Serve(ServeArgs),
    /// Đơn vị (BHXH tỉnh, BHXH cơ sở trực thuộc tỉnh) và mã truy cập của đơn vị.
    #[command(subcommand)]
    Office(OfficeCommand),
    /// Chỉ đạo gửi tới mọi đơn vị, một tỉnh hoặc một đơn vị.
    #[command(subcommand)]
    Directive(DirectiveCommand),
    /// Thay đổi kế hoạch (chỉ tiêu, hạn của nhiệm vụ) gửi tới mọi đơn vị, một
    /// tỉnh hoặc một đơn vị.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Tài khoản cán bộ trung ương (xem trang tiến độ toàn quốc).
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Mã truy cập API để đọc số liệu toàn quốc (/api/national).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Nhật ký thao tác của cán bộ trung ương.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Dữ liệu tham chiếu theo ngày hiệu lực (tỉnh, thời hạn thủ tục, ngày
    /// nghỉ, mẫu giấy) gửi tới mọi đơn vị.
    #[command(subcommand)]
    Reference(ReferenceCommand),
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Tạo tài khoản; mật khẩu đọc từ biến BHXH_HQ_STAFF_PASSWORD hoặc dòng
    /// đầu của stdin (ít nhất 12 ký tự, có chữ và số; băm argon2id).
    Add {
        username: String,
        #[arg(long, value_parser = ["viewer", "administrator"])]
        role: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Mở khóa tài khoản bị tạm khóa vì nhập sai mật khẩu nhiều lần.
    Unlock {
        username: String,
        #[command(flatten)]
        data: DataDirArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Tạo mã truy cập API và in ra một lần (máy chủ chỉ giữ mã băm).
    Add {
        #[arg(long, value_parser = ["read"])]
        scope: String,
        /// Ghi chú: ai/hệ thống nào dùng mã này.
        #[arg(long, default_value = "")]
        label: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Thu hồi mã truy cập API theo số hiệu `token add` đã in (12 ký tự).
    Revoke {
        id: String,
        #[command(flatten)]
        data: DataDirArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Các dòng nhật ký mới nhất.
    List {
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataDirArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReferenceCommand {
    /// Ban hành một gói dữ liệu tham chiếu (tệp JSON có "id", "version").
    Publish {
        file: PathBuf,
        #[command(flatten)]
        data: DataDirArg,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Địa chỉ lắng nghe, ví dụ 127.0.0.1:8443 (cổng 0: hệ điều hành chọn).
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub listen: String,
    #[command(flatten)]
    pub data: DataDirArg,
    /// Kích thước tối đa của một yêu cầu (byte).
    #[arg(long, default_value_t = bhxh_sync_proto::MAX_REQUEST_BYTES)]
    pub max_body: usize,
    /// Số yêu cầu mỗi đơn vị được gửi mỗi phút (trung bình).
    #[arg(long, default_value_t = 600)]
    pub rate_per_minute: u32,
    /// Số yêu cầu một đơn vị được gửi dồn một lúc.
    #[arg(long, default_value_t = 120)]
    pub burst: u32,
    /// Chứng thư TLS (PEM, cả chuỗi) để phục vụ HTTPS trực tiếp; không có thì
    /// phục vụ HTTP, đặt sau một proxy có TLS.
    #[arg(long, requires = "tls_key", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// Khóa bí mật của chứng thư TLS (PEM).
    #[arg(long, requires = "tls_cert", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Phiên đăng nhập của cán bộ trung ương hết hạn sau chừng này giây không dùng.
    #[arg(long, default_value_t = 1800)]
    pub session_idle_secs: u64,
    /// Máy chủ đứng sau một proxy có TLS: cookie được đánh dấu Secure
    /// (tự động khi dùng --tls-cert).
    #[arg(long)]
    pub behind_tls_proxy: bool,
    /// Phần đầu (header) của một yêu cầu phải đến đủ trong chừng này giây.
    #[arg(long, default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Phần thân của một yêu cầu phải đến đủ trong chừng này giây.
    #[arg(long, default_value_t = 60)]
    pub body_timeout_secs: u64,
    /// Kết nối không có dữ liệu đi hay đến trong chừng này giây thì bị đóng.
    #[arg(long, default_value_t = 120)]
    pub idle_timeout_secs: u64,
    /// Số lần sửa đổi tối đa trung ương giữ cho một báo cáo của một đơn vị.
    #[arg(long, default_value_t = 100)]
    pub max_revisions: i64,
    /// Số lô dữ liệu được xử lý cùng lúc (giới hạn bộ nhớ của máy chủ).
    #[arg(long, default_value_t = 8)]
    pub concurrent_pushes: usize,
    /// Lỗi giả lập, CHỈ DÙNG CHO KIỂM THỬ: fail500:N, reset:N, bad-json:N,
    /// foreign-ids:N, huge:N, slow:MS, hang-after-store.
    #[arg(long, hide = true)]
    pub fault: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum OfficeCommand {
    /// Đăng ký đơn vị và in mã truy cập (chỉ in một lần; máy chủ chỉ giữ mã băm).
    Add {
        /// Mã đơn vị, ví dụ 000.00.17.H23.
        #[arg(value_name = "MÃ", required_unless_present = "code")]
        code_arg: Option<String>,
        /// Mã đơn vị (cách viết cũ, thay cho MÃ).
        #[arg(long, conflicts_with = "code_arg")]
        code: Option<String>,
        #[arg(long)]
        name: String,
        /// Mã tỉnh 3 chữ số.
        #[arg(long)]
        province: Option<String>,
        /// Mã của BHXH tỉnh mà đơn vị này (BHXH cơ sở) trực thuộc; không có:
        /// đơn vị là BHXH tỉnh.
        #[arg(long, value_name = "MÃ_BHXH_TỈNH")]
        parent: Option<String>,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Cấp mã truy cập mới cho đơn vị (in một lần); mã cũ vẫn dùng được
    /// trong thời gian chuyển tiếp, sau đó thì không.
    Rotate {
        code: String,
        /// Thời gian mã cũ còn dùng được, giây (mặc định 72 giờ).
        #[arg(long, default_value_t = 72 * 3600)]
        grace_secs: u64,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Thu hồi mã truy cập của đơn vị.
    Revoke {
        code: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Danh sách đơn vị.
    List {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataDirArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum DirectiveCommand {
    /// Ban hành một chỉ đạo.
    Publish {
        #[arg(long)]
        title: String,
        /// Nội dung (mặc định: đọc từ stdin).
        #[arg(long)]
        body: Option<String>,
        /// Nơi nhận: all (mọi đơn vị), province:MÃ (BHXH tỉnh đó và các BHXH
        /// cơ sở trực thuộc) hoặc office:MÃ (chỉ đơn vị đó).
        #[arg(long, default_value = "all", value_name = "NƠI_NHẬN")]
        to: String,
        #[command(flatten)]
        data: DataDirArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Thay đổi chỉ tiêu hoặc hạn của một nhiệm vụ.
    Publish {
        #[arg(long)]
        task: u32,
        #[arg(long)]
        target: Option<f64>,
        #[arg(long)]
        unit: Option<String>,
        /// Hạn mới, YYYY-MM-DD.
        #[arg(long)]
        deadline: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
        /// Nơi nhận: all (mọi đơn vị), province:MÃ (BHXH tỉnh đó và các BHXH
        /// cơ sở trực thuộc) hoặc office:MÃ (chỉ đơn vị đó).
        #[arg(long, default_value = "all", value_name = "NƠI_NHẬN")]
        to: String,
        #[command(flatten)]
        data: DataDirArg,
    },
}

fn valid_code(code: &str) -> bool {
    crate::storage::valid_office_code(code)
}

/// Run `bhxh-hq` with these arguments.
pub fn main_with_args<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BHXH_HQ_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Lỗi: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(command: Command) -> Result<(), HqError> {
    match command {
        Command::Serve(a) => serve(a),
        Command::Office(OfficeCommand::Add {
            code_arg,
            code,
            name,
            province,
            parent,
            data,
        }) => {
            let code = code_arg.or(code).unwrap_or_default();
            if !valid_code(&code) {
                return Err(HqError::Invalid(format!(
                    "Mã đơn vị \"{code}\" không hợp lệ (chữ, số, dấu chấm, gạch; tối đa 32 ký tự)."
                )));
            }
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 200 {
                return Err(HqError::Invalid(
                    "Tên đơn vị phải có từ 1 đến 200 ký tự.".into(),
                ));
            }
            if province
                .as_deref()
                .is_some_and(|p| p.len() != 3 || !p.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(HqError::Invalid("Mã tỉnh phải gồm 3 chữ số.".into()));
            }
            if parent.as_deref().is_some_and(|p| !valid_code(p)) {
                return Err(HqError::Invalid(format!(
                    "Mã BHXH tỉnh cấp trên \"{}\" không hợp lệ (chữ, số, dấu chấm, gạch; tối đa 32 ký tự).",
                    parent.as_deref().unwrap_or_default()
                )));
            }
            let storage = data.open()?;
            let token = new_token()?;
            storage.add_office(
                &code,
                name,
                province.as_deref(),
                parent.as_deref(),
                &token_hash(&token),
                &now_rfc3339(),
            )?;
            let level = match &parent {
                Some(p) => format!("BHXH cơ sở thuộc {p}"),
                None => "BHXH tỉnh".to_owned(),
            };
            storage.audit(
                &cli_actor(),
                "office_add",
                &format!("đăng ký đơn vị {code} ({name}), {level}"),
                &now_rfc3339(),
            )?;
            eprintln!(
                "Đã đăng ký đơn vị {code}. Mã truy cập dưới đây chỉ hiện một lần; hãy chuyển cho đơn vị qua kênh an toàn \
                 (nhập bằng lệnh: bhxh-desk sync configure --url URL)."
            );
            println!("{token}");
            Ok(())
        }
        Command::Office(OfficeCommand::Rotate {
            code,
            grace_secs,
            data,
        }) => {
            let storage = data.open()?;
            let token = new_token()?;
            let grace = i64::try_from(grace_secs).unwrap_or(i64::MAX / 2);
            let until = chrono::Utc::now().timestamp().saturating_add(grace);
            storage.rotate_office_token(&code, &token_hash(&token), until)?;
            storage.audit(
                &cli_actor(),
                "office_rotate",
                &format!("đổi mã truy cập của đơn vị {code}; mã cũ còn dùng {grace_secs} giây"),
                &now_rfc3339(),
            )?;
            eprintln!(
                "Đã cấp mã mới cho đơn vị {code}; mã cũ còn dùng được {} giờ {} phút. \
                 Mã mới dưới đây chỉ hiện một lần.",
                grace_secs / 3600,
                grace_secs % 3600 / 60
            );
            println!("{token}");
            Ok(())
        }
        Command::Office(OfficeCommand::Revoke { code, data }) => {
            let storage = data.open()?;
            storage.revoke_office(&code, &now_rfc3339())?;
            storage.audit(
                &cli_actor(),
                "office_revoke",
                &format!("thu hồi mã truy cập của đơn vị {code}"),
                &now_rfc3339(),
            )?;
            println!("Đã thu hồi mã truy cập của đơn vị {code}.");
            Ok(())
        }
        Command::Office(OfficeCommand::List { json, data }) => {
            let storage = data.open()?;
            let offices = storage.offices()?;
            let mut out = std::io::stdout().lock();
            if json {
                let text = serde_json::to_string_pretty(&offices)
                    .map_err(|e| HqError::Invalid(e.to_string()))?;
                let _ = writeln!(out, "{text}");
            } else {
                for o in offices {
                    let _ = writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{} mục\t{}",
                        o.code,
                        o.name,
                        match &o.parent {
                            Some(p) => format!("BHXH cơ sở thuộc {p}"),
                            None => "BHXH tỉnh".to_owned(),
                        },
                        o.last_sync_at.as_deref().unwrap_or("chưa đồng bộ"),
                        o.items,
                        if o.revoked_at.is_some() {
                            "ĐÃ THU HỒI"
                        } else {
                            ""
                        }
                    );
                }
            }
            Ok(())
        }
        Command::Staff(StaffCommand::Add {
            username,
            role,
            data,
        }) => {
            crate::auth::validate_username(&username)?;
            let role = crate::auth::Role::parse(&role)?;
            let password = match std::env::var("BHXH_HQ_STAFF_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .map_err(|e| HqError::Io {
                            path: "stdin".into(),
                            detail: e.to_string(),
                        })?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            crate::auth::validate_password(&password)?;
            let hash = crate::auth::hash_password(&password)?;
            let storage = data.open()?;
            storage.add_staff(&username, role.as_str(), &hash, &now_rfc3339())?;
            storage.audit(
                &cli_actor(),
                "staff_add",
                &format!("tạo tài khoản {username} ({})", role.as_str()),
                &now_rfc3339(),
            )?;
            println!("Đã tạo tài khoản {username} ({}).", role.as_str());
            Ok(())
        }
        Command::Token(TokenCommand::Add { scope, label, data }) => {
            let storage = data.open()?;
            let token = crate::auth::new_api_token()?;
            storage.add_api_token(&token_hash(&token), &scope, label.trim(), &now_rfc3339())?;
            storage.audit(
                &cli_actor(),
                "token_add",
                &format!("tạo mã API quyền {scope}: {}", label.trim()),
                &now_rfc3339(),
            )?;
            let id = &token_hash(&token)[..12];
            eprintln!(
                "Mã truy cập API dưới đây chỉ hiện một lần (máy chủ chỉ giữ mã băm). \
                 Số hiệu để thu hồi: {id} (bhxh-hq token revoke {id})."
            );
            println!("{token}");
            Ok(())
        }
        Command::Token(TokenCommand::Revoke { id, data }) => {
            let id = id.trim().to_ascii_lowercase();
            if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(HqError::Invalid(
                    "Số hiệu mã API gồm 12 chữ số hệ mười sáu, như token add đã in.".into(),
                ));
            }
            let storage = data.open()?;
            if !storage.revoke_api_token(&id, &now_rfc3339())? {
                return Err(HqError::Invalid(format!(
                    "Không tìm thấy mã truy cập API có số hiệu {id}."
                )));
            }
            storage.audit(
                &cli_actor(),
                "token_revoke",
                &format!("thu hồi mã API {id}"),
                &now_rfc3339(),
            )?;
            println!("Đã thu hồi mã truy cập API {id}.");
            Ok(())
        }
        Command::Staff(StaffCommand::Unlock { username, data }) => {
            let storage = data.open()?;
            if storage.staff_account(&username)?.is_none() {
                return Err(HqError::Invalid(format!(
                    "Không có tài khoản trung ương \"{username}\"."
                )));
            }
            storage.clear_sign_in_failures(&username)?;
            storage.audit(
                &cli_actor(),
                "staff_unlock",
                &format!("mở khóa tài khoản {username}"),
                &now_rfc3339(),
            )?;
            println!("Đã mở khóa tài khoản {username}.");
            Ok(())
        }
        Command::Audit(AuditCommand::List { limit, json, data }) => {
            let entries = data.open()?.audit_entries(limit)?;
            let mut out = std::io::stdout().lock();
            if json {
                let text = serde_json::to_string_pretty(&entries)
                    .map_err(|e| HqError::Invalid(e.to_string()))?;
                let _ = writeln!(out, "{text}");
            } else {
                for e in entries {
                    let _ = writeln!(out, "{}\t{}\t{}\t{}", e.at, e.actor, e.action, e.detail);
                }
            }
            Ok(())
        }
        Command::Directive(DirectiveCommand::Publish {
            title,
            body,
            to,
            data,
        }) => {
            let audience = Audience::parse(&to)?;
            let body = match body {
                Some(b) => b,
                None => {
                    let mut s = String::new();
                    std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).map_err(|e| {
                        HqError::Io {
                            path: "stdin".into(),
                            detail: e.to_string(),
                        }
                    })?;
                    s
                }
            };
            publish(
                &data,
                Published::Directive {
                    title: title.trim().to_owned(),
                    body: body.trim().to_owned(),
                },
                &audience,
            )
        }
        Command::Reference(ReferenceCommand::Publish { file, data }) => {
            let pack = std::fs::read_to_string(&file).map_err(|e| HqError::Io {
                path: file.display().to_string(),
                detail: e.to_string(),
            })?;
            publish(&data, Published::ReferencePack { pack }, &Audience::All)
        }
        Command::Plan(PlanCommand::Publish {
            task,
            target,
            unit,
            deadline,
            note,
            to,
            data,
        }) => publish(
            &data,
            Published::PlanChange {
                task_number: task,
                target_value: target,
                target_unit: unit,
                deadline,
                note,
            },
            &Audience::parse(&to)?,
        ),
    }
}

/// Who ran an administration command, for the audit log.
fn cli_actor() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "?".to_owned())
    )
}

fn publish(data: &DataDirArg, item: Published, audience: &Audience) -> Result<(), HqError> {
    let storage = data.open()?;
    let d = storage.publish(&item, audience, &now_rfc3339())?;
    storage.audit(
        &cli_actor(),
        "publish",
        &format!("ban hành mục số {} cho {}", d.seq, audience.describe()),
        &now_rfc3339(),
    )?;
    println!(
        "Đã ban hành mục số {} ({}) cho {}.",
        d.seq,
        d.id,
        audience.describe()
    );
    Ok(())
}

fn serve(a: ServeArgs) -> Result<(), HqError> {
    let mut faults = Faults::default();
    for f in &a.fault {
        faults.add(f).map_err(HqError::Invalid)?;
    }
    if !a.fault.is_empty() {
        eprintln!(
            "CẢNH BÁO: máy chủ chạy với lỗi giả lập {:?} (chỉ dùng cho kiểm thử).",
            a.fault
        );
    }
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => Some(crate::tls::server_config(cert, key)?),
        _ => None,
    };
    let storage: Arc<dyn Storage> = a.data.open()?;
    let state = AppState::new(
        storage,
        Limits {
            max_body: a.max_body,
            rate_per_minute: a.rate_per_minute,
            burst: a.burst,
            concurrent_pushes: a.concurrent_pushes,
            session_idle: std::time::Duration::from_secs(a.session_idle_secs.max(1)),
            secure_cookies: tls.is_some() || a.behind_tls_proxy,
            header_timeout: std::time::Duration::from_secs(a.header_timeout_secs.max(1)),
            body_timeout: std::time::Duration::from_secs(a.body_timeout_secs.max(1)),
            idle_timeout: std::time::Duration::from_secs(a.idle_timeout_secs.max(1)),
            max_revisions: a.max_revisions.max(1),
        },
        faults,
    );
    let io = |e: std::io::Error| HqError::Io {
        path: a.listen.clone(),
        detail: e.to_string(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Store calls run on blocking threads; hundreds of offices at once
        // queue for these rather than each getting a thread (and its memory).
        .max_blocking_threads(64)
        .build()
        .map_err(io)?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&a.listen).await.map_err(io)?;
        let addr = listener.local_addr().map_err(io)?;
        match tls {
            Some(config) => {
                let listener = crate::tls::TlsListener::new(listener, config).map_err(io)?;
                println!("listening https://{addr}");
                let _ = std::io::stdout().flush();
                crate::server::serve(listener, state).await.map_err(io)
            }
            None => {
                println!("listening http://{addr}");
                let _ = std::io::stdout().flush();
                crate::server::serve(listener, state).await.map_err(io)
            }
        }
    })
}
