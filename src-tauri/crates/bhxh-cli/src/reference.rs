//! `bhxh-desk procedures list` and `bhxh-desk reference provinces`: the
//! reference data the counter works with, for people and scripts. Neither
//! holds personal data, so neither needs a sign-in.

use std::process::ExitCode;

use bhxh_app::{Desk, DeskError};
use clap::Subcommand;

use crate::Ctx;

#[derive(Debug, Subcommand)]
pub enum ProceduresCommand {
    /// Liệt kê thủ tục: mã, tên, số thành phần hồ sơ, thời hạn giải quyết.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ReferenceCommand {
    /// Danh sách tỉnh, thành phố: mã và tên.
    Provinces,
}

/// `bhxh-desk procedures …`.
pub(crate) fn procedures(
    command: ProceduresCommand,
    ctx: &mut Ctx<'_>,
) -> Result<ExitCode, DeskError> {
    match command {
        ProceduresCommand::List => {
            let desk = Desk::open(ctx.data_dir)?;
            let list = desk.procedures_public()?;
            ctx.out.value(&list, |w| {
                for p in &list {
                    writeln!(
                        w,
                        "{:<14} {:>3} ngày làm việc  {} thành phần  {}",
                        p.code,
                        p.processing_days,
                        p.components.len(),
                        p.name
                    )?;
                }
                writeln!(w, "{} thủ tục.", list.len())
            });
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `bhxh-desk reference …`.
pub(crate) fn reference(
    command: ReferenceCommand,
    ctx: &mut Ctx<'_>,
) -> Result<ExitCode, DeskError> {
    match command {
        ReferenceCommand::Provinces => {
            let desk = Desk::open(ctx.data_dir)?;
            let list = desk.provinces()?;
            ctx.out.value(&list, |w| {
                for p in &list {
                    writeln!(w, "{}  {}", p.code, p.name)?;
                }
                writeln!(w, "{} tỉnh, thành phố.", list.len())
            });
            Ok(ExitCode::SUCCESS)
        }
    }
}
