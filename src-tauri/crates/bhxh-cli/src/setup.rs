//! `bhxh-desk init` and `bhxh-desk status`: first-start setup without the
//! window, and where the desk stands.

use std::process::ExitCode;

use bhxh_app::dto::OfficeInput;
use bhxh_app::{Desk, DeskError, SetupInput};
use clap::Args;

use crate::Ctx;

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

/// `bhxh-desk init`.
pub(crate) fn init(a: InitArgs, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    let desk = Desk::open(ctx.data_dir)?;
    let password = ctx
        .secrets
        .get("BHXH_DESK_PASSWORD", "mật khẩu quản trị viên")?;
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
    ctx.out.value(&status, |w| {
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

/// `bhxh-desk status`.
pub(crate) fn status(ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    let desk = Desk::open(ctx.data_dir)?;
    let status = desk.status()?;
    ctx.out.value(&status, |w| {
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
