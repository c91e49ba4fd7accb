//! `bhxh-desk db`, `user` and `audit`: the store (check, backup, restore),
//! staff accounts, and the audit log.

use std::path::PathBuf;
use std::process::ExitCode;

use bhxh_app::dto::{NewStaff, Role};
use bhxh_app::{Desk, DeskError};
use clap::Subcommand;

use crate::{Ctx, UserArg};

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Kiểm tra toàn vẹn SQLite và chuỗi băm của nhật ký; mã thoát khác 0 nếu có lỗi.
    Check,
    /// Sao lưu mã hóa toàn bộ kho (quản trị viên): cơ sở dữ liệu, các tệp số
    /// hóa và khóa của chúng, trong một tệp. Mật khẩu bản sao lưu từ
    /// BHXH_DESK_BACKUP_PASSPHRASE hoặc dòng tiếp theo của stdin.
    Backup {
        file: PathBuf,
        #[command(flatten)]
        auth: UserArg,
    },
    /// Khôi phục kho từ bản sao lưu (cả bản sao lưu kiểu cũ chỉ có cơ sở dữ
    /// liệu). Nếu máy đã có kho, cần quản trị viên (--user).
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

/// `bhxh-desk db …`.
pub(crate) fn db(command: DbCommand, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    match command {
        DbCommand::Check => {
            let desk = Desk::open(ctx.data_dir)?;
            let report = desk.check()?;
            ctx.out.value(&report, |w| {
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
                if let Some(wit) = &report.witness {
                    let label = if wit.lost_what_hq_saw() {
                        "Đối chiếu với máy chủ trung ương: CÓ LỖI"
                    } else {
                        "Đối chiếu với máy chủ trung ương"
                    };
                    writeln!(w, "{label}: {}", wit.message)?;
                    for r in &wit.regressions {
                        writeln!(w, "  - {r}")?;
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
        DbCommand::Backup { file, auth } => {
            let desk = ctx.signed_in(&auth)?;
            let passphrase = ctx
                .secrets
                .get("BHXH_DESK_BACKUP_PASSPHRASE", "mật khẩu bản sao lưu")?;
            let done = desk.backup(&file, &passphrase)?;
            desk.sign_out()?;
            ctx.out.value(&done, |w| {
                writeln!(
                    w,
                    "Đã sao lưu (mã hóa) vào {}: cơ sở dữ liệu, {} tệp số hóa và khóa của chúng ({} byte, SHA-256 {}).",
                    file.display(),
                    done.files,
                    done.bytes,
                    done.sha256
                )?;
                if done.files_missing > 0 {
                    writeln!(
                        w,
                        "Chú ý: kho tệp đang thiếu {} tệp số hóa (xem \"bhxh-desk db check\"); bản sao lưu cũng không có chúng.",
                        done.files_missing
                    )?;
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
        DbCommand::Restore { file, auth } => {
            let admin_password;
            let admin = match auth.user.as_deref() {
                Some(user) => {
                    admin_password = ctx.secrets.get("BHXH_DESK_PASSWORD", "mật khẩu")?;
                    Some((user, admin_password.as_str()))
                }
                None => None,
            };
            let passphrase = ctx
                .secrets
                .get("BHXH_DESK_BACKUP_PASSPHRASE", "mật khẩu bản sao lưu")?;
            let (desk, restored) = Desk::restore(ctx.data_dir, &file, &passphrase, admin)?;
            let check = desk.check()?;
            let out = serde_json::json!({ "restore": restored, "check": check });
            ctx.out.value(&out, |w| {
                writeln!(
                    w,
                    "Đã khôi phục từ {} vào {} ({} tệp số hóa).",
                    file.display(),
                    desk.data_dir().display(),
                    restored.files_restored
                )?;
                for note in &restored.notes {
                    writeln!(w, "Chú ý: {note}")?;
                }
                if !check.ok {
                    writeln!(
                        w,
                        "Kiểm tra sau khi khôi phục có vấn đề: chạy \"bhxh-desk db check\" để xem."
                    )?;
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `bhxh-desk user …`.
pub(crate) fn user(command: UserCommand, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    match command {
        UserCommand::Add {
            username,
            full_name,
            role,
            auth,
        } => {
            let desk = ctx.signed_in(&auth)?;
            let password = ctx
                .secrets
                .get("BHXH_DESK_NEW_PASSWORD", "mật khẩu của tài khoản mới")?;
            let staff = desk.staff_create(
                &NewStaff {
                    username,
                    full_name,
                    role,
                },
                &password,
            )?;
            desk.sign_out()?;
            ctx.out.value(&staff, |w| {
                writeln!(
                    w,
                    "Đã tạo tài khoản {} ({}).",
                    staff.username,
                    staff.role.label_vi()
                )
            });
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::List { auth } => {
            let desk = ctx.signed_in(&auth)?;
            let list = desk.staff_list()?;
            desk.sign_out()?;
            ctx.out.value(&list, |w| {
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
    }
}

/// `bhxh-desk audit …`.
pub(crate) fn audit(command: AuditCommand, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    match command {
        AuditCommand::List { limit, auth } => {
            let desk = ctx.signed_in(&auth)?;
            let list = desk.audit_list(limit, None)?;
            desk.sign_out()?;
            ctx.out.value(&list, |w| {
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
