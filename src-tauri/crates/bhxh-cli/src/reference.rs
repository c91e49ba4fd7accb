//! `bhxh-desk procedures list` and `bhxh-desk reference provinces`: the
//! reference data the counter works with, as in force on a date, for people
//! and scripts. Neither holds personal data, so neither needs a sign-in.

use std::process::ExitCode;

use bhxh_app::{Desk, DeskError};
use clap::Subcommand;

use crate::Ctx;
use crate::dossier::date_arg;

#[derive(Debug, Subcommand)]
pub enum ProceduresCommand {
    /// Liệt kê thủ tục: mã, thời hạn giải quyết (số và đơn vị) theo quy định
    /// có hiệu lực vào ngày đã cho, căn cứ, số thành phần hồ sơ, tên.
    List {
        /// Ngày áp dụng (YYYY-MM-DD hoặc DD/MM/YYYY); mặc định hôm nay.
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReferenceCommand {
    /// Danh sách tỉnh, thành phố có hiệu lực vào ngày đã cho: 34 đơn vị từ
    /// 01/7/2025 (mã 2 chữ số, kèm các tỉnh cũ hợp thành), 63 đơn vị trước đó.
    Provinces {
        /// Ngày áp dụng (YYYY-MM-DD hoặc DD/MM/YYYY); mặc định hôm nay.
        #[arg(long)]
        at: Option<String>,
        /// Chỉ tra một mã: mã cũ 3 chữ số (như trong số định danh) hoặc mã mới 2 chữ số.
        #[arg(long)]
        code: Option<String>,
    },
}

fn on(desk: &Desk, at: Option<&str>) -> Result<chrono::NaiveDate, DeskError> {
    match at {
        Some(s) => date_arg("at", s),
        None => Ok(desk.today()),
    }
}

/// `bhxh-desk procedures …`.
pub(crate) fn procedures(
    command: ProceduresCommand,
    ctx: &mut Ctx<'_>,
) -> Result<ExitCode, DeskError> {
    match command {
        ProceduresCommand::List { at } => {
            let desk = Desk::open(ctx.data_dir)?;
            let on = on(&desk, at.as_deref())?;
            let list = desk.procedures_at(on)?;
            ctx.out.value(&list, |w| {
                writeln!(
                    w,
                    "Thời hạn theo quy định có hiệu lực ngày {}:",
                    on.format("%d/%m/%Y")
                )?;
                for p in &list {
                    writeln!(
                        w,
                        "{:<14} {:<40} {} thành phần  {}{}",
                        p.code,
                        p.deadline_text,
                        p.components,
                        p.name,
                        if p.verified {
                            ""
                        } else {
                            " (thời hạn chưa kiểm chứng)"
                        }
                    )?;
                    if !p.basis.is_empty() {
                        writeln!(w, "               căn cứ: {}", p.basis)?;
                    }
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
        ReferenceCommand::Provinces {
            at,
            code: Some(code),
        } => {
            let desk = Desk::open(ctx.data_dir)?;
            let on = on(&desk, at.as_deref())?;
            let found = desk.unit_lookup(&code, on)?;
            if found.unit.is_none() && found.old.is_none() {
                return Err(DeskError::invalid(
                    "code",
                    format!("Không có tỉnh, thành phố mã \"{}\".", code.trim()),
                ));
            }
            ctx.out.value(&found, |w| {
                if let Some(old) = &found.old {
                    writeln!(
                        w,
                        "Mã cũ {}: {} (Thông tư 07/2016/TT-BCA)",
                        old.code, old.full_name
                    )?;
                }
                match &found.unit {
                    Some(u) => writeln!(
                        w,
                        "Ngày {}: {} (mã {}, từ {}), gồm các tỉnh cũ {}",
                        on.format("%d/%m/%Y"),
                        u.full_name,
                        u.code,
                        u.valid_from,
                        u.predecessors.join(", ")
                    ),
                    None => writeln!(w, "Chưa có đơn vị mới thay thế."),
                }
            });
            Ok(ExitCode::SUCCESS)
        }
        ReferenceCommand::Provinces { at, code: None } => {
            let desk = Desk::open(ctx.data_dir)?;
            let on = on(&desk, at.as_deref())?;
            let list = desk.units_at(on)?;
            ctx.out.value(&list, |w| {
                for u in &list {
                    if u.predecessors.is_empty() {
                        writeln!(w, "{}  {}", u.code, u.full_name)?;
                    } else {
                        writeln!(
                            w,
                            "{}  {}  (từ {})",
                            u.code,
                            u.full_name,
                            u.predecessors.join(", ")
                        )?;
                    }
                }
                writeln!(
                    w,
                    "{} tỉnh, thành phố ngày {}.",
                    list.len(),
                    on.format("%d/%m/%Y")
                )
            });
            Ok(ExitCode::SUCCESS)
        }
    }
}
