//! `bhxh-desk plan` and `bhxh-desk report`: the 27 tasks of the 2024 plan,
//! and the plan's reports as PDF (Decree 30/2020), XLSX and JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use bhxh_app::{Desk, DeskError};
use clap::{Args, Subcommand};

use crate::{Ctx, UserArg};

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Liệt kê 27 nhiệm vụ.
    List,
    /// Tiến độ của các cơ quan BHXH cơ sở trực thuộc (BHXH tỉnh), như máy
    /// nhận được từ BHXH Việt Nam ở lần đồng bộ gần nhất.
    BaseOffices {
        #[command(flatten)]
        auth: UserArg,
    },
}

#[derive(Debug, Args)]
pub struct ReportOut {
    /// Tệp PDF (thể thức Nghị định 30/2020).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Tệp XLSX cùng số liệu.
    #[arg(long)]
    pub xlsx: Option<PathBuf>,
    /// Tệp JSON: bản chụp báo cáo như BHXH Việt Nam nhận.
    #[arg(long)]
    pub json_out: Option<PathBuf>,
    /// Lần duyệt (mặc định: lần mới nhất; bản dự thảo nếu chưa duyệt).
    #[arg(long)]
    pub revision: Option<i64>,
    /// Thêm phần tiến độ của các cơ quan BHXH cơ sở trực thuộc (báo cáo tháng của BHXH tỉnh).
    #[arg(long)]
    pub include_base_offices: bool,
    #[command(flatten)]
    pub auth: UserArg,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Báo cáo tháng, ví dụ --month 2024-05.
    Monthly {
        #[arg(long)]
        month: String,
        #[command(flatten)]
        out: ReportOut,
    },
    /// Báo cáo 6 tháng, ví dụ --half 2024-H1.
    HalfYear {
        #[arg(long)]
        half: String,
        #[command(flatten)]
        out: ReportOut,
    },
    /// Báo cáo năm, ví dụ --year 2024.
    Annual {
        #[arg(long)]
        year: String,
        #[command(flatten)]
        out: ReportOut,
    },
    /// In báo cáo một kỳ qua hệ thống in của máy (CUPS), ví dụ: print month 2024-05.
    Print {
        /// Loại kỳ: month, half hoặc year.
        kind: String,
        /// Kỳ: 2024-05, 2024-H1 hoặc 2024.
        period: String,
        /// Lần duyệt (mặc định: bản mới nhất).
        #[arg(long)]
        revision: Option<i64>,
        /// Hàng đợi in (mặc định: máy in mặc định; xem: bhxh-desk printers list).
        #[arg(long)]
        printer: Option<String>,
        /// Thêm phần tiến độ của các cơ quan BHXH cơ sở trực thuộc (báo cáo tháng của BHXH tỉnh).
        #[arg(long)]
        include_base_offices: bool,
        #[command(flatten)]
        auth: UserArg,
    },
    /// Ký số báo cáo đã duyệt bằng token của cơ quan (giám sát viên): từ đó
    /// mọi lần in, lưu, xuất bản đó đều là bản đã ký. Mã PIN từ
    /// BHXH_DESK_TOKEN_PIN hoặc dòng tiếp theo của stdin (sau mật khẩu).
    Sign {
        /// Loại kỳ: month, half hoặc year.
        kind: String,
        /// Kỳ: 2024-05, 2024-H1 hoặc 2024.
        period: String,
        /// Lần duyệt (mặc định: bản đã duyệt mới nhất).
        #[arg(long)]
        revision: Option<i64>,
        #[command(flatten)]
        auth: UserArg,
    },
    /// Duyệt và khóa báo cáo một kỳ (giám sát viên), ví dụ: approve month 2024-05 --number 5/BC-BHXH.
    Approve {
        /// Loại kỳ: month, half hoặc year.
        kind: String,
        /// Kỳ: 2024-05, 2024-H1 hoặc 2024.
        period: String,
        /// Số văn bản của báo cáo.
        #[arg(long)]
        number: String,
        #[command(flatten)]
        auth: UserArg,
    },
}

/// `bhxh-desk plan …`.
pub(crate) fn plan(command: PlanCommand, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    match command {
        PlanCommand::List => {
            let desk = Desk::open(ctx.data_dir)?;
            let plan = desk.plan_public()?;
            ctx.out.value(&plan.tasks, |w| {
                writeln!(w, "{} — Quyết định {}", plan.title, plan.decision)?;
                for s in &plan.sections {
                    writeln!(w, "\n{}. {}", s.number, s.title)?;
                    for t in plan.tasks.iter().filter(|t| t.section == s.number) {
                        let role = match t.province_role.as_str() {
                            "lead" => "chủ trì",
                            "coordinating" => "phối hợp",
                            _ => "—",
                        };
                        writeln!(
                            w,
                            "  {:>2}. [{}] [{}] {}",
                            t.number, t.deadline_text, role, t.content
                        )?;
                    }
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
        PlanCommand::BaseOffices { auth } => {
            let desk = ctx.signed_in(&auth)?;
            let progress = desk.base_offices_progress();
            desk.sign_out()?;
            let p = progress?;
            ctx.out.value(&p, |w| {
                if let Some(name) = &p.province_name {
                    writeln!(w, "Các cơ quan BHXH cơ sở trực thuộc {name}")?;
                }
                writeln!(w, "{}", p.note)?;
                for o in &p.offices {
                    let state = match (&o.latest_month, o.late) {
                        (Some(m), false) => format!("đã báo cáo tháng {m}"),
                        (Some(m), true) => format!("chậm báo cáo (gần nhất: tháng {m})"),
                        (None, _) => "chưa báo cáo".to_owned(),
                    };
                    writeln!(
                        w,
                        "  {} — {}{}: {state}; {} hoàn thành, {} đang thực hiện, {} chậm{}",
                        o.code,
                        o.name,
                        if o.revoked {
                            " (đã thu hồi mã)"
                        } else {
                            ""
                        },
                        o.done,
                        o.in_progress,
                        o.late_tasks,
                        o.average_percent
                            .map_or(String::new(), |v| format!("; bình quân {v:.1}%")),
                    )?;
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `bhxh-desk report …`.
pub(crate) fn report(cmd: ReportCommand, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    let (kind, period, o) = match cmd {
        ReportCommand::Monthly { month, out } => ("month", month, out),
        ReportCommand::HalfYear { half, out } => ("half", half, out),
        ReportCommand::Annual { year, out } => ("year", year, out),
        ReportCommand::Approve {
            kind,
            period,
            number,
            auth,
        } => return approve(&kind, &period, &number, &auth, ctx),
        ReportCommand::Sign {
            kind,
            period,
            revision,
            auth,
        } => {
            let desk = ctx.signed_in(&auth)?;
            let pin = ctx.secrets.get("BHXH_DESK_TOKEN_PIN", "mã PIN của token")?;
            let done = desk.report_sign(&kind, &period, revision, &pin);
            drop(pin);
            desk.sign_out()?;
            let done = done?;
            ctx.out.value(&done, |w| {
                writeln!(
                    w,
                    "Đã ký {} — người ký: {} (thêm {} byte).",
                    done.label, done.signer, done.bytes_added
                )
            });
            return Ok(ExitCode::SUCCESS);
        }
        ReportCommand::Print {
            kind,
            period,
            revision,
            printer,
            include_base_offices,
            auth,
        } => {
            let desk = ctx.signed_in(&auth)?;
            let options = bhxh_app::ReportOptions {
                include_base_offices,
            };
            let done =
                desk.report_print_with(&kind, &period, revision, printer.as_deref(), &options);
            desk.sign_out()?;
            let done = done?;
            ctx.out.value(&done, |w| crate::printed(w, &done));
            return Ok(ExitCode::SUCCESS);
        }
    };
    if o.out.is_none() && o.xlsx.is_none() && o.json_out.is_none() {
        return Err(DeskError::invalid(
            "out",
            "Chọn ít nhất một tệp ra: --out TỆP.pdf, --xlsx TỆP.xlsx hoặc --json-out TỆP.json.",
        ));
    }
    let desk = ctx.signed_in(&o.auth)?;
    let targets = bhxh_app::ExportTargets {
        pdf: o.out,
        xlsx: o.xlsx,
        json: o.json_out,
    };
    let options = bhxh_app::ReportOptions {
        include_base_offices: o.include_base_offices,
    };
    let done = desk.report_export_with(kind, &period, o.revision, &targets, &options);
    desk.sign_out()?;
    let done = done?;
    ctx.out.value(&done, |w| {
        let state = if done.status == "approved" {
            format!("đã duyệt, lần {}", done.revision)
        } else {
            "dự thảo".to_owned()
        };
        writeln!(w, "Đã ghi báo cáo ({state}):")?;
        for f in &done.files {
            writeln!(w, "  {f}")?;
        }
        Ok(())
    });
    Ok(ExitCode::SUCCESS)
}

/// `bhxh-desk report approve KIND PERIOD --number N`: the period's report
/// approved and frozen as a new revision (queued for HQ when sync is set up);
/// audited.
fn approve(
    kind: &str,
    period: &str,
    number: &str,
    auth: &UserArg,
    ctx: &mut Ctx<'_>,
) -> Result<ExitCode, DeskError> {
    let desk = ctx.signed_in(auth)?;
    let snapshot = desk.report_approve(kind, period, number)?;
    desk.sign_out()?;
    let summary = serde_json::json!({
        "kind": kind,
        "period": snapshot.period,
        "revision": snapshot.revision,
        "status": snapshot.status,
        "number": snapshot.number,
        "approvedBy": snapshot.approved_by,
        "approvedAt": snapshot.approved_at,
    });
    ctx.out.value(&summary, |w| {
        writeln!(
            w,
            "Đã duyệt báo cáo {} (số {}, lần {}).",
            snapshot.period_label, snapshot.number, snapshot.revision
        )
    });
    Ok(ExitCode::SUCCESS)
}
