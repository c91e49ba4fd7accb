//! `bhxh-desk sync …`: the HQ address and token, a sync round, the status.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use bhxh_app::sync::SyncStatus;
use bhxh_app::{Desk, DeskError};
use clap::Subcommand;

use crate::{Ctx, Output, UserArg};

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Địa chỉ máy chủ BHXH Việt Nam và mã truy cập của đơn vị (quản trị viên).
    /// Mật khẩu từ BHXH_DESK_PASSWORD hoặc dòng đầu của stdin; mã truy cập từ
    /// BHXH_DESK_HQ_TOKEN hoặc dòng tiếp theo. Mã chỉ được lưu trong kho khóa bí mật.
    Configure {
        #[arg(long)]
        url: String,
        #[command(flatten)]
        auth: UserArg,
    },
    /// Đồng bộ ngay: gửi các báo cáo đang chờ, nhận chỉ đạo và thay đổi kế hoạch.
    Now {
        /// Số lượt thử tối đa khi mất kết nối (chờ tăng dần giữa các lượt).
        #[arg(long, default_value_t = 1)]
        retries: u32,
        /// Thời gian chờ ban đầu giữa hai lượt thử (mili giây).
        #[arg(long, default_value_t = 2000, hide = true)]
        backoff_ms: u64,
    },
    /// Trạng thái đồng bộ: trực tuyến, lần đồng bộ cuối, số mục chờ gửi, xung đột, lỗi.
    Status,
    /// Các chỉ đạo đã nhận từ BHXH Việt Nam.
    Directives {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

fn print_status(w: &mut dyn Write, s: &SyncStatus) -> std::io::Result<()> {
    if !s.configured {
        writeln!(
            w,
            "Chưa cấu hình đồng bộ (bhxh-desk sync configure --url URL)."
        )?;
    } else {
        writeln!(
            w,
            "Máy chủ: {} ({})",
            s.hq_url.as_deref().unwrap_or(""),
            if s.online {
                "trực tuyến"
            } else {
                "ngoại tuyến"
            }
        )?;
    }
    if let Some(code) = &s.office_code {
        writeln!(w, "Mã đơn vị: {code}")?;
    }
    writeln!(
        w,
        "Đồng bộ thành công gần nhất: {}",
        s.last_sync_at.as_deref().unwrap_or("chưa có")
    )?;
    writeln!(
        w,
        "Chờ gửi: {} mục; đã gửi: {} mục.",
        s.queued, s.acknowledged
    )?;
    for c in &s.conflicts {
        writeln!(
            w,
            "  Xung đột: {} lần {} — {}",
            c.item_id,
            c.revision,
            c.detail.as_deref().unwrap_or(&c.outcome)
        )?;
    }
    if let Some(e) = &s.last_error {
        writeln!(w, "Lỗi gần nhất: {}", e.message)?;
    }
    writeln!(w, "Chỉ đạo đã nhận: {}", s.directives)
}

fn fail(out: &Output, e: &DeskError) -> ExitCode {
    out.error(&e.info());
    ExitCode::from(1)
}

pub(crate) fn run(command: SyncCommand, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    match command {
        SyncCommand::Configure { url, auth } => {
            let desk = ctx.signed_in(&auth)?;
            let token = ctx
                .secrets
                .get("BHXH_DESK_HQ_TOKEN", "mã truy cập của đơn vị")?;
            let result = desk.sync_configure(&url, &token);
            desk.sign_out()?;
            match result {
                Ok(s) => {
                    ctx.out.value(&s, |w| {
                        writeln!(
                            w,
                            "Đã lưu cấu hình đồng bộ; mã truy cập nằm trong kho khóa bí mật."
                        )?;
                        print_status(w, &s)
                    });
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(fail(ctx.out, &e)),
            }
        }
        SyncCommand::Now {
            retries,
            backoff_ms,
        } => {
            let backoff = bhxh_app::sync::Backoff::new(
                Duration::from_millis(backoff_ms.max(1)),
                Duration::from_secs(60),
            );
            let desk = Desk::open(ctx.data_dir)?;
            match desk.sync_with_retries(retries, backoff) {
                Ok(run) => {
                    ctx.out.value(&run, |w| {
                        writeln!(
                            w,
                            "Đã gửi {} mục ({} mới, {} trùng đã có, {} xung đột, {} bị từ chối); nhận {} mục từ BHXH Việt Nam.",
                            run.report.sent,
                            run.report.stored,
                            run.report.duplicates,
                            run.report.conflicts,
                            run.report.rejected,
                            run.report.pulled
                        )?;
                        print_status(w, &run.status)
                    });
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(fail(ctx.out, &e)),
            }
        }
        SyncCommand::Status => match Desk::open(ctx.data_dir)?.sync_status() {
            Ok(s) => {
                ctx.out.value(&s, |w| print_status(w, &s));
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => Ok(fail(ctx.out, &e)),
        },
        SyncCommand::Directives { limit } => match Desk::open(ctx.data_dir)?.sync_directives(limit)
        {
            Ok(list) => {
                ctx.out.value(&list, |w| {
                    if list.is_empty() {
                        writeln!(w, "Chưa nhận chỉ đạo nào.")?;
                    }
                    for d in &list {
                        writeln!(w, "[{}] {}\n{}\n", d.published_at, d.title, d.body)?;
                    }
                    Ok(())
                });
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => Ok(fail(ctx.out, &e)),
        },
    }
}
