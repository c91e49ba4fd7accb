//! `bhxh-desk printers …`: the print system's queues, for `--printer`.

use std::process::ExitCode;

use bhxh_app::DeskError;
use clap::Subcommand;

use crate::Ctx;

#[derive(Debug, Subcommand)]
pub enum PrintersCommand {
    /// Các máy in (hàng đợi in) của hệ thống in, máy in mặc định trước.
    List,
}

pub(crate) fn run(command: PrintersCommand, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    match command {
        PrintersCommand::List => {
            // No store, no sign-in: the list holds nothing personal.
            let printers = bhxh_app::system_printers()?;
            ctx.out.value(&printers, |w| {
                if printers.is_empty() {
                    writeln!(w, "Chưa có máy in nào.")?;
                }
                for p in &printers {
                    if p.is_default {
                        writeln!(w, "{} (mặc định)", p.name)?;
                    } else {
                        writeln!(w, "{}", p.name)?;
                    }
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
    }
}
