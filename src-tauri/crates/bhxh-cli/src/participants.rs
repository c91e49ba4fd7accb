//! `bhxh-desk participants`: the participant register (plan task 21).

use std::path::PathBuf;
use std::process::ExitCode;

use bhxh_app::DeskError;
use clap::Subcommand;

use crate::{Ctx, UserArg};

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

/// `bhxh-desk participants …`.
pub(crate) fn run(command: ParticipantsCommand, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    match command {
        ParticipantsCommand::Import {
            file,
            valid_rows,
            dry_run,
            auth,
        } => {
            let desk = ctx.signed_in(&auth)?;
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
            ctx.out.value(&outcome, |w| {
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
    }
}
