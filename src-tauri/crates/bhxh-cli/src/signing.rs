//! `bhxh-desk signing …`, `bhxh-desk dossier sign` and `bhxh-desk pdf
//! verify`: the office's token, signing a dossier's PDFs, and checking the
//! signatures of any PDF.
//!
//! The token's PIN is a secret like a password: from `BHXH_DESK_TOKEN_PIN`
//! or the next line of standard input (after the password), never an
//! argument, never stored.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use bhxh_app::DeskError;
use bhxh_app::signing::{SignTarget, SignatureLine, SigningStatus, TsaChange};
use clap::Subcommand;

use crate::{Ctx, UserArg};

#[derive(Debug, Subcommand)]
pub enum SigningCommand {
    /// Chọn trình điều khiển token (tệp PKCS#11), token và khóa ký (quản trị viên).
    /// Không cần mã PIN: chỉ đọc danh sách khóa và chứng thư.
    Configure {
        /// Đường dẫn tệp PKCS#11 của nhà cung cấp chữ ký số (.so, .dll).
        #[arg(long)]
        module: PathBuf,
        /// Nhãn của token (khi có nhiều token).
        #[arg(long)]
        token_label: Option<String>,
        /// Nhãn của khóa ký (khi token có nhiều khóa).
        #[arg(long)]
        key_label: Option<String>,
        /// Máy chủ cấp dấu thời gian (RFC 3161, http:// hoặc https://): mọi chữ ký
        /// được đóng dấu thời gian (PAdES B-T). Máy chủ không trả lời thì không ký.
        /// Không ghi: giữ như đã cài.
        #[arg(long, value_name = "URL", conflicts_with = "no_tsa")]
        tsa_url: Option<String>,
        /// Bỏ máy chủ dấu thời gian: chữ ký không có dấu thời gian (PAdES B-B).
        #[arg(long)]
        no_tsa: bool,
        #[command(flatten)]
        auth: UserArg,
    },
    /// Trạng thái: trình điều khiển, token đang cắm, khóa và chứng thư, kho tin cậy.
    Status {
        #[command(flatten)]
        auth: UserArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum PdfCommand {
    /// Kiểm tra các chữ ký số trong một tệp PDF; mã thoát 1 khi có chữ ký không hợp lệ.
    Verify { file: PathBuf },
}

/// `dossier sign` arguments.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    pub code: String,
    /// Số thứ tự thành phần cần ký.
    #[arg(long, conflicts_with_all = ["result", "all"])]
    pub component: Option<u32>,
    /// Số thứ tự kết quả cần ký.
    #[arg(long, conflicts_with = "all")]
    pub result: Option<u32>,
    /// Ký mọi tệp PDF của hồ sơ chưa được ký.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub auth: UserArg,
}

fn print_status(w: &mut dyn Write, s: &SigningStatus) -> std::io::Result<()> {
    match &s.module {
        Some(m) => writeln!(w, "Trình điều khiển token: {m}")?,
        None => writeln!(w, "Chưa cài đặt token ký số.")?,
    }
    match &s.tsa_url {
        Some(u) => writeln!(w, "Máy chủ dấu thời gian: {u} (chữ ký PAdES B-T)")?,
        None => writeln!(
            w,
            "Máy chủ dấu thời gian: chưa cài (chữ ký PAdES B-B, không có dấu thời gian)"
        )?,
    }
    for t in &s.tokens {
        writeln!(
            w,
            "Token: {} ({} {}, số sê-ri {}) — PIN: {}",
            t.label, t.manufacturer, t.model, t.serial, t.pin_state
        )?;
    }
    for k in &s.keys {
        let chosen = if s.key.as_deref() == Some(k.label.as_str()) {
            " [đang dùng]"
        } else {
            ""
        };
        writeln!(
            w,
            "Khóa «{}»{chosen}: {} — cấp bởi {} — hết hạn {}",
            k.label, k.subject, k.issuer, k.not_after
        )?;
    }
    if let Some(p) = &s.problem {
        writeln!(w, "Lưu ý: {p}")?;
    }
    writeln!(
        w,
        "Kho tin cậy: {} ({} chứng thư gốc)",
        s.trust_dir, s.trust_roots
    )?;
    for p in &s.trust_problems {
        writeln!(w, "Lưu ý kho tin cậy: {p}")?;
    }
    if s.module.is_none() && !s.installed_modules.is_empty() {
        writeln!(w, "Trình điều khiển có trên máy:")?;
        for m in &s.installed_modules {
            writeln!(w, "  {} — {}", m.name, m.path)?;
        }
    }
    Ok(())
}

pub(crate) fn print_signatures(w: &mut dyn Write, lines: &[SignatureLine]) -> std::io::Result<()> {
    if lines.is_empty() {
        writeln!(w, "Tệp không có chữ ký số.")?;
    }
    for s in lines {
        let mark = match s.verdict.as_str() {
            "valid" => "✓",
            "indeterminate" => "?",
            _ => "✗",
        };
        writeln!(w, "{mark} {}", s.summary)?;
        writeln!(w, "    Người ký: {} (số hiệu {})", s.subject, s.serial)?;
        writeln!(w, "    Tổ chức cấp: {}", s.issuer)?;
        match (&s.timestamp_at, &s.timestamp_authority) {
            (Some(t), who) => writeln!(
                w,
                "    Mức: PAdES {} — dấu thời gian {t}{}",
                s.level,
                who.as_deref()
                    .map(|x| format!(" (cấp bởi {x})"))
                    .unwrap_or_default()
            )?,
            (None, _) => writeln!(
                w,
                "    Mức: PAdES {} — không có dấu thời gian hợp lệ",
                s.level
            )?,
        }
        for f in &s.findings {
            writeln!(w, "    – {f}")?;
        }
    }
    Ok(())
}

pub(crate) fn signing(c: SigningCommand, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    match c {
        SigningCommand::Configure {
            module,
            token_label,
            key_label,
            tsa_url,
            no_tsa,
            auth,
        } => {
            let tsa = match (&tsa_url, no_tsa) {
                (Some(u), _) => TsaChange::Set(u),
                (None, true) => TsaChange::Clear,
                (None, false) => TsaChange::Keep,
            };
            let desk = ctx.signed_in(&auth)?;
            let s = desk.signing_configure_with(
                &module,
                token_label.as_deref(),
                key_label.as_deref(),
                tsa,
            )?;
            desk.sign_out()?;
            ctx.out.value(&s, |w| {
                writeln!(w, "Đã lưu cài đặt ký số.")?;
                print_status(w, &s)
            });
            Ok(ExitCode::SUCCESS)
        }
        SigningCommand::Status { auth } => {
            let desk = ctx.signed_in(&auth)?;
            let s = desk.signing_status()?;
            desk.sign_out()?;
            ctx.out.value(&s, |w| print_status(w, &s));
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub(crate) fn pdf(c: PdfCommand, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    match c {
        PdfCommand::Verify { file } => {
            let bytes = std::fs::read(&file).map_err(|source| DeskError::Io {
                path: file.clone(),
                source,
            })?;
            // Only the trust folder is read: no store is opened (or made).
            let lines = bhxh_app::signing::pdf_verify_in(ctx.data_dir, &bytes)?;
            ctx.out.value(&lines, |w| print_signatures(w, &lines));
            Ok(if lines.iter().any(|l| l.verdict == "invalid") {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

pub(crate) fn sign(a: SignArgs, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    let target = match (a.component, a.result, a.all) {
        (Some(n), _, _) => SignTarget::Component(n),
        (_, Some(n), _) => SignTarget::Result(n),
        (None, None, true) => SignTarget::AllUnsigned,
        (None, None, false) => {
            return Err(DeskError::invalid(
                "component",
                "Chọn tệp cần ký: --component N, --result N hoặc --all.",
            ));
        }
    };
    let desk = ctx.signed_in(&a.auth)?;
    let pin = ctx.secrets.get("BHXH_DESK_TOKEN_PIN", "mã PIN của token")?;
    let done = desk.dossier_sign(&a.code, target, &pin);
    drop(pin);
    let done = done?;
    desk.sign_out()?;
    ctx.out.value(&done, |w| {
        for d in &done {
            writeln!(
                w,
                "Đã ký {} của hồ sơ {} — người ký: {} (thêm {} byte).",
                d.label, a.code, d.signer, d.bytes_added
            )?;
        }
        Ok(())
    });
    Ok(ExitCode::SUCCESS)
}
