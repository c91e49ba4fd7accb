//! `bhxh-desk card …`: the chip reader from the command line, over PC/SC.
//! The read itself is `bhxh_app::card` (shared with the window); this file
//! turns the flags into access data and the read into text or JSON.

use std::time::Duration;

use bhxh_app::DeskError;
use bhxh_app::card::AccessKey;
use bhxh_app::card::{AccessData, CardRead, ReadRequest};
use bhxh_app::dto::{CardCheckOutcome, CheckPurpose as Purpose};

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::{Ctx, UserArg, personal};

pub use bhxh_app::card::readers;

/// `card read`'s exit code when the card was read but not judged genuine
/// (any verdict but `Genuine`: altered data, a cloned chip, the amber
/// "data intact, chip not proven", an unverified origin, …).
pub const NOT_GENUINE_EXIT: u8 = 3;

/// The chip's access data in `--from-json` (the flags' names).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessJson {
    id: Option<String>,
    dob: Option<String>,
    expiry: Option<String>,
    qr: Option<String>,
    can: Option<String>,
}

/// Fold the `--from-json` fields into the flags (each given one way only).
pub fn merge_json(a: &mut CardReadArgs, json: AccessJson) -> Result<(), DeskError> {
    a.id = personal::either(a.id.take(), json.id, "id")?;
    a.dob = personal::either(a.dob.take(), json.dob, "dob")?;
    a.expiry = personal::either(a.expiry.take(), json.expiry, "expiry")?;
    a.qr = personal::either(a.qr.take(), json.qr, "qr")?;
    a.can = personal::either(a.can.take(), json.can, "can")?;
    Ok(())
}

/// The access data the flags give.
fn access_data(a: &CardReadArgs) -> Result<AccessData, DeskError> {
    if let Some(can) = &a.can {
        return Ok(AccessData::Can { can: can.clone() });
    }
    if let Some(text) = &a.qr {
        return Ok(AccessData::Qr { text: text.clone() });
    }
    match (&a.id, &a.dob, &a.expiry) {
        (Some(id), Some(dob), Some(expiry)) => Ok(AccessData::Typed {
            id_number: id.clone(),
            birth_date: dob.clone(),
            expiry_date: expiry.clone(),
        }),
        _ => Err(DeskError::invalid(
            "id",
            "Cần dữ liệu mở chip: --qr \"CHUỖI QR\", cả ba --id, --dob và --expiry, hoặc --can (PACE).",
        )),
    }
}

/// The BAC key from typed fields or the front QR text.
pub fn access_key(a: &CardReadArgs) -> Result<AccessKey, DeskError> {
    bhxh_app::card::access_key(&access_data(a)?)
}

pub struct CardReport {
    pub genuine: bool,
    pub read: bhxh_app::card::CardRead,
    pub purpose: Purpose,
    pub json: serde_json::Value,
    pub text: String,
}

impl CardReport {
    /// Add what the register said (match, verification) to the output.
    pub fn attach(&mut self, outcome: &CardCheckOutcome) {
        self.json["check"] = serde_json::to_value(outcome).unwrap_or_default();
        self.text.push_str(&outcome.message);
        self.text.push('\n');
        if let Some(p) = &outcome.participant {
            self.text.push_str(&format!(
                "Người tham gia: {} (mã số BHXH {}){}\n",
                p.full_name,
                p.bhxh_number,
                if outcome.verified_now {
                    "; đã xác thực số định danh bằng chip"
                } else {
                    ""
                }
            ));
        }
    }
}

/// The JSON the command prints (stable for scripts; the photo is left out,
/// only why it could not be shown, if so).
fn json(r: &CardRead) -> serde_json::Value {
    let v = &r.verdict;
    let checks: Vec<serde_json::Value> = r
        .checks
        .iter()
        .map(|c| {
            serde_json::json!({
                "check": c.check,
                "status": c.status_label,
                "detail": c.detail,
            })
        })
        .collect();
    let p = &r.person;
    serde_json::json!({
        "reader": r.reader,
        "verdict": {
            "kind": v.kind,
            "genuine": v.genuine,
            "headline": v.headline,
            "advice": v.advice,
            "reason": v.reason,
            "reasonVi": v.reason_vi,
        },
        "checks": checks,
        "mrz": r.mrz,
        "dg13": {
            "idNumber": p.id_number,
            "fullName": p.full_name,
            "dateOfBirth": p.date_of_birth,
            "sex": p.sex,
            "nationality": p.nationality,
            "ethnicity": p.ethnicity,
            "religion": p.religion,
            "placeOfOrigin": p.place_of_origin,
            "placeOfResidence": p.place_of_residence,
            "identifyingMarks": p.identifying_marks,
            "issueDate": p.issue_date,
            "expiryDate": p.expiry_date,
            "fatherName": p.father_name,
            "motherName": p.mother_name,
            "spouseName": p.spouse_name,
            "oldIdNumber": p.old_id_number,
        },
        "photoProblem": r.photo_problem,
        "filesRead": r.files_read,
        "unavailable": r.unavailable,
        "trustProblems": r.trust_problems,
        "trust": {
            "anchors": r.trust_anchors,
            "crls": r.trust_crls,
            "anchorsWithoutCrl": r.trust_anchors_without_crl,
            "updated": r.trust_updated,
            "nextUpdate": r.trust_next_update,
            "loadedAt": r.trust_loaded_at,
            "stale": r.trust_stale,
            "status": r.trust_status_vi,
        },
        "access": r.access,
        "stats": {
            "apdus": r.stats.apdus,
            "bytes": r.stats.bytes,
            "readMs": r.stats.read_ms,
        },
    })
}

pub fn read(a: &CardReadArgs, key: &AccessKey) -> Result<CardReport, DeskError> {
    let request = ReadRequest {
        reader: a.reader.clone(),
        wait: Duration::from_secs(a.wait),
        trust_dir: a.trust.clone(),
        trust_dir_required: true,
    };
    let r = bhxh_app::card::read(&request, key, &mut |_| {})?;
    let text = format!(
        "{}\n{}\nSố định danh: {}\nHọ và tên: {}\n{}{}\n(mở chip bằng {}; {} APDU, {} byte, {:.0} ms)\n",
        r.verdict.headline,
        r.verdict.advice,
        r.person.id_number,
        r.person.full_name,
        r.verdict_text,
        r.trust_status_vi,
        r.access,
        r.stats.apdus,
        r.stats.bytes,
        r.stats.read_ms
    );
    let purpose = if a.payment {
        Purpose::Payment
    } else {
        Purpose::Counter
    };
    Ok(CardReport {
        genuine: r.verdict.genuine,
        json: json(&r),
        read: r,
        purpose,
        text,
    })
}

#[derive(Debug, Subcommand)]
pub enum CardCommand {
    /// Liệt kê các đầu đọc thẻ (PC/SC) và cho biết đầu nào đang có thẻ.
    Readers,
    /// Đọc chip (BAC, truyền bảo mật), kiểm tra dữ liệu và nguồn gốc thẻ (xác thực thụ động).
    Read(Box<CardReadArgs>),
}

#[derive(Debug, Args)]
#[command(after_help = crate::dossier::PERSONAL_HELP)]
pub struct CardReadArgs {
    /// Đọc dữ liệu mở chip từ tệp JSON (hoặc "-": stdin, sau dòng mật khẩu),
    /// các trường trùng tên tùy chọn: {"id", "dob", "expiry", "qr", "can"}.
    #[arg(long, value_name = "FILE|-")]
    pub from_json: Option<PathBuf>,
    /// Tên đầu đọc (mặc định: đầu đọc đầu tiên có thẻ).
    #[arg(long)]
    pub reader: Option<String>,
    /// Số định danh 12 chữ số (cùng --dob và --expiry). Lộ với người dùng
    /// khác qua ps (như --dob, --qr, --can): dùng --from-json.
    #[arg(long)]
    pub id: Option<String>,
    /// Ngày sinh, dạng YYYY-MM-DD.
    #[arg(long)]
    pub dob: Option<String>,
    /// Ngày hết hạn in trên thẻ, dạng YYYY-MM-DD.
    #[arg(long)]
    pub expiry: Option<String>,
    /// Chuỗi mã QR mặt trước thẻ (ngày hết hạn suy ra theo mốc tuổi 25, 40, 60).
    #[arg(long)]
    pub qr: Option<String>,
    /// Số CAN (6 số cuối của số định danh): chỉ mở chip bằng PACE, không có BAC
    /// dự phòng. Với --id/--qr, PACE bằng CAN được thử trước khi chip hỗ trợ.
    #[arg(long)]
    pub can: Option<String>,
    /// Thư mục chứng thư CSCA (PEM/DER) và danh sách chính (master list) ICAO.
    #[arg(long)]
    pub trust: Option<PathBuf>,
    /// Số giây chờ đặt thẻ lên đầu đọc.
    #[arg(long, default_value_t = 20)]
    pub wait: u64,
    /// Kiểm tra khi chi trả chế độ (nhiệm vụ 25) thay vì tại quầy (nhiệm vụ 24).
    #[arg(long)]
    pub payment: bool,
    #[command(flatten)]
    pub auth: UserArg,
}

/// `bhxh-desk card …`.
pub(crate) fn run(command: CardCommand, ctx: &mut Ctx<'_>) -> Result<ExitCode, DeskError> {
    match command {
        CardCommand::Readers => {
            let list = readers()?;
            ctx.out.value(&list, |w| {
                if list.is_empty() {
                    writeln!(w, "Không có đầu đọc thẻ nào.")?;
                }
                for r in &list {
                    let state = if r.card_present {
                        "có thẻ"
                    } else {
                        "không có thẻ"
                    };
                    writeln!(w, "{} ({state})", r.name)?;
                }
                Ok(())
            });
            Ok(ExitCode::SUCCESS)
        }
        CardCommand::Read(mut args) => {
            // From a file: read and checked before signing in (bad data is
            // refused before a reader is touched); from stdin: after the
            // password line.
            let source = personal::Source::of(args.from_json.as_deref());
            if let Some(personal::Source::File(p)) = &source {
                merge_json(&mut args, personal::from_file(p)?)?;
            }
            let stdin = matches!(source, Some(personal::Source::Stdin));
            let early = if stdin {
                None
            } else {
                Some(access_key(&args)?)
            };
            let desk = ctx.signed_in(&args.auth)?;
            let key = match early {
                Some(k) => k,
                None => {
                    merge_json(&mut args, personal::from_stdin(ctx)?)?;
                    access_key(&args)?
                }
            };
            let outcome = read(&args, &key);
            let (report, code) = match outcome {
                Ok(mut report) => {
                    let check = desk.card_record(&report.read, report.purpose)?;
                    report.attach(&check);
                    let code = if report.genuine {
                        ExitCode::SUCCESS
                    } else {
                        // Every verdict but Genuine, the amber IntegrityOnly
                        // included; `verdict.kind` says which.
                        ExitCode::from(NOT_GENUINE_EXIT)
                    };
                    (report, code)
                }
                Err(e) => {
                    desk.sign_out()?;
                    return Err(e);
                }
            };
            desk.sign_out()?;
            ctx.out
                .value(&report.json, |w| write!(w, "{}", report.text));
            Ok(code)
        }
    }
}
