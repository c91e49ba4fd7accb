//! `bhxh-desk ocr run-once`: read the words of every scan still waiting for
//! OCR (the window does it in the background), for scripts and tests; and
//! `bhxh-desk dossier text CODE`: what OCR read of a dossier's papers.

use std::process::ExitCode;

use bhxh_app::DeskError;
use clap::Subcommand;

use crate::{Ctx, UserArg};

#[derive(Debug, Subcommand)]
pub enum OcrCommand {
    /// Nhận dạng chữ (OCR tiếng Việt) mọi trang quét chưa đọc; in số trang đã
    /// đọc và các trang không đọc được.
    RunOnce {
        /// Số tệp quét tối đa trong lượt này.
        #[arg(long, default_value_t = 10_000)]
        max_files: u32,
        #[command(flatten)]
        auth: UserArg,
    },
}

pub(crate) fn run(c: OcrCommand, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    match c {
        OcrCommand::RunOnce { max_files, auth } => {
            let desk = ctx.signed_in(&auth)?;
            let round = desk.ocr_run_once(max_files)?;
            desk.sign_out()?;
            ctx.out.value(&round, |w| {
                writeln!(
                    w,
                    "Đã nhận dạng chữ {} trang của {} tệp quét; còn chờ {} tệp.",
                    round.pages, round.files, round.waiting
                )?;
                for u in &round.unreadable {
                    writeln!(w, "Không đọc được: {u} (cán bộ cần xem lại bản quét).")?;
                }
                if let Some(p) = &round.problem {
                    writeln!(w, "Lưu ý: {p}")?;
                }
                Ok(())
            });
            Ok(if round.problem.is_some() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
