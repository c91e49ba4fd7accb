//! `bhxh-desk inbox …`: the folder the office scanners write to — one poll,
//! the triage list, filing a triaged part, and where the folder is.

use std::path::PathBuf;
use std::process::ExitCode;

use bhxh_app::{Desk, DeskError};
use clap::Subcommand;

use crate::dossier::write_imported;
use crate::{Ctx, UserArg};

#[derive(Debug, Subcommand)]
pub enum InboxCommand {
    /// Quét hộp thư một lần: lấy các tệp đã ghi xong (không đổi kích thước
    /// giữa hai lần quét), tách theo trang bìa có mã QR, xếp vào hồ sơ; tệp
    /// không có bìa hoặc mã lạ vào danh sách chờ phân loại. Mã thoát 1 nếu có
    /// tệp lỗi (vẫn nằm trong thư mục).
    ScanOnce {
        #[command(flatten)]
        auth: UserArg,
    },
    /// Danh sách chờ phân loại (các phần chưa xếp được vào hồ sơ).
    Triage {
        /// Cả các mục đã xếp.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        auth: UserArg,
    },
    /// Xếp một mục chờ phân loại vào thành phần của hồ sơ.
    Assign {
        /// Số của mục (xem "inbox triage").
        id: i64,
        /// Mã hồ sơ.
        code: String,
        /// Số thứ tự thành phần hồ sơ.
        #[arg(long)]
        component: u32,
        #[command(flatten)]
        auth: UserArg,
    },
    /// Xem hoặc đặt thư mục hộp thư quét (đặt: quản trị viên, lãnh đạo).
    Dir {
        /// Thư mục mới (đường dẫn đầy đủ, đã tồn tại).
        path: Option<PathBuf>,
        /// Số giây tệp phải giữ nguyên kích thước trước khi được lấy.
        #[arg(long)]
        settle_seconds: Option<i64>,
        #[command(flatten)]
        auth: UserArg,
    },
}

pub(crate) fn run(command: InboxCommand, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    match command {
        InboxCommand::ScanOnce { auth } => {
            let desk = ctx.signed_in(&auth)?;
            let r = desk.scan_once()?;
            desk.sign_out()?;
            ctx.out.value(&r, |w| {
                writeln!(w, "Hộp thư quét: {} ({} tệp)", r.dir, r.seen)?;
                for f in &r.filed {
                    writeln!(
                        w,
                        "  Đã xếp: {} → hồ sơ {}, thành phần {} ({} trang). {}",
                        f.file, f.code, f.component, f.pages, f.status_label
                    )?;
                    for warning in &f.warnings {
                        writeln!(w, "    Lưu ý: {warning}")?;
                    }
                }
                for t in &r.triaged {
                    writeln!(
                        w,
                        "  Chờ phân loại (mục {}): {} ({} trang): {}",
                        t.id, t.file, t.pages, t.reason
                    )?;
                }
                for n in &r.waiting {
                    writeln!(w, "  Đang ghi hoặc chưa ổn định, lần sau: {n}")?;
                }
                for n in &r.duplicates {
                    writeln!(w, "  Đã lấy trước đây, chỉ xóa khỏi thư mục: {n}")?;
                }
                for n in &r.notes {
                    writeln!(w, "  Ghi chú: {n}")?;
                }
                for e in &r.errors {
                    writeln!(w, "  Lỗi: {}: {}", e.file, e.message)?;
                }
                Ok(())
            });
            Ok(if r.errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        InboxCommand::Triage { all, auth } => {
            let desk = ctx.signed_in(&auth)?;
            let list = desk.triage_list(all)?;
            desk.sign_out()?;
            ctx.out.value(&list, |w| {
                if list.is_empty() {
                    writeln!(w, "Không có mục nào chờ phân loại.")?;
                }
                for t in &list {
                    write!(
                        w,
                        "{}  {}  {} trang  {}",
                        t.id, t.file_name, t.page_count, t.reason
                    )?;
                    match (&t.filed_code, t.filed_component) {
                        (Some(code), Some(c)) => writeln!(w, "  → {code}, thành phần {c}")?,
                        _ => writeln!(w)?,
                    }
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
        InboxCommand::Assign {
            id,
            code,
            component,
            auth,
        } => {
            let desk = ctx.signed_in(&auth)?;
            let done = desk.triage_assign(id, &code, component)?;
            desk.sign_out()?;
            ctx.out.value(&done, |w| write_imported(w, &done));
            Ok(ExitCode::SUCCESS)
        }
        InboxCommand::Dir {
            path,
            settle_seconds,
            auth,
        } => {
            let desk = if path.is_some() || settle_seconds.is_some() {
                let desk = ctx.signed_in(&auth)?;
                if let Some(p) = &path {
                    desk.set_inbox_dir(p)?;
                }
                if let Some(s) = settle_seconds {
                    desk.set_inbox_settle_seconds(s)?;
                }
                desk.sign_out()?;
                desk
            } else {
                Desk::open(ctx.data_dir)?
            };
            let dir = desk.inbox_dir()?.display().to_string();
            let settle = desk.inbox_settle_seconds()?;
            ctx.out.value(
                &serde_json::json!({ "dir": dir, "settleSeconds": settle }),
                |w| {
                    writeln!(w, "{dir}")?;
                    writeln!(w, "Tệp được lấy khi giữ nguyên kích thước {settle} giây.")
                },
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
