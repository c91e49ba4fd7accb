//! `bhxh-desk scanners list` and `bhxh-desk scan CODE --component N`: the
//! scanners attached (SANE), and a component scanned straight into a dossier.

use std::process::ExitCode;

use bhxh_app::DeskError;
use bhxh_app::scanner::{MIN_SCAN_DPI, Sane, ScanRequest, Source};
use clap::{Args, Subcommand};

use crate::{Ctx, UserArg};

#[derive(Debug, Subcommand)]
pub enum ScannersCommand {
    /// Các máy quét đang nối với máy tính (USB, hoặc máy quét mạng qua eSCL).
    List {
        #[command(flatten)]
        auth: UserArg,
    },
}

/// `scan` arguments.
#[derive(Debug, Args)]
pub struct ScanArgs {
    pub code: String,
    /// Thành phần hồ sơ nhận các trang quét.
    #[arg(long)]
    pub component: u32,
    /// Máy quét (tên thiết bị SANE, xem `scanners list`); mặc định: máy đầu tiên.
    #[arg(long)]
    pub device: Option<String>,
    /// Độ phân giải (dpi), không dưới 200.
    #[arg(long, default_value_t = 300)]
    pub dpi: u32,
    /// Nguồn giấy: flatbed (mặt kính, một trang), adf (khay nạp), duplex (khay nạp, hai mặt).
    #[arg(long, default_value = "flatbed")]
    pub source: String,
    /// Quét đen trắng (thang xám) thay vì màu.
    #[arg(long)]
    pub gray: bool,
    #[command(flatten)]
    pub auth: UserArg,
}

pub(crate) fn scanners(c: ScannersCommand, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    match c {
        ScannersCommand::List { auth } => {
            let desk = ctx.signed_in(&auth)?;
            let list = desk.scanners_list(&Sane)?;
            desk.sign_out()?;
            ctx.out.value(&list, |w| {
                if list.is_empty() {
                    writeln!(w, "Không tìm thấy máy quét nào.")?;
                }
                for s in &list {
                    writeln!(w, "{} — {} {} ({})", s.device, s.vendor, s.model, s.kind)?;
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub(crate) fn scan(a: ScanArgs, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    let source = Source::parse(&a.source).ok_or_else(|| {
        DeskError::invalid(
            "source",
            format!(
                "Nguồn giấy \"{}\" không hợp lệ: flatbed, adf hoặc duplex.",
                a.source
            ),
        )
    })?;
    if a.dpi < MIN_SCAN_DPI {
        return Err(bhxh_app::scanner::ScannerError::LowResolution(a.dpi).into());
    }
    let desk = ctx.signed_in(&a.auth)?;
    let req = ScanRequest {
        device: a.device,
        dpi: a.dpi,
        source,
        colour: !a.gray,
    };
    // The command line is stopped with Ctrl+C, which ends the process (and
    // `scanimage` with it) before anything is recorded.
    let never = std::sync::atomic::AtomicBool::new(false);
    let done = desk.dossier_scan(
        &Sane,
        &a.code,
        a.component,
        &req,
        &mut |n| {
            eprintln!("Đã quét trang {n}");
        },
        &never,
    )?;
    desk.sign_out()?;
    ctx.out.value(&done, |w| {
        writeln!(
            w,
            "Đã quét và số hóa thành phần {} của hồ sơ {} ({} trang). Trạng thái: {}.",
            done.component, done.code, done.pages, done.status_label
        )?;
        for warning in &done.warnings {
            writeln!(w, "Lưu ý: {warning}")?;
        }
        Ok(())
    });
    Ok(ExitCode::SUCCESS)
}
