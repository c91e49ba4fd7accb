//! `bhxh-desk card …`: the chip reader from the command line, over PC/SC.

use std::path::Path;
use std::time::Duration;

use bhxh_app::DeskError;
use bhxh_core::CoreError;
use bhxh_core::card_checks::{CardCheckInput, CardCheckOutcome, Purpose};
use bhxh_emrtd::access::{self, Expiry};
use bhxh_emrtd::pcsc_transport::Pcsc;
use bhxh_emrtd::reader::{AccessKey, ReadOptions, read_card};
use bhxh_emrtd::trust::TrustStore;
use bhxh_emrtd::verdict::VerdictKind;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::CardReadArgs;

fn invalid(field: &'static str, message: impl Into<String>) -> DeskError {
    DeskError::Core(CoreError::invalid(field, message))
}

fn reader_error(e: impl std::fmt::Display) -> DeskError {
    invalid(
        "reader",
        format!(
            "Không dùng được đầu đọc thẻ: {e}. Kiểm tra đầu đọc đã cắm và dịch vụ PC/SC (pcscd trên Linux, \
             Smart Card trên Windows) đang chạy."
        ),
    )
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReaderInfo {
    pub name: String,
    pub card_present: bool,
}

pub fn readers() -> Result<Vec<ReaderInfo>, DeskError> {
    let pcsc = Pcsc::establish().map_err(reader_error)?;
    let names = pcsc.readers().map_err(reader_error)?;
    names
        .into_iter()
        .map(|name| {
            let card_present = pcsc.card_present(&name).map_err(reader_error)?;
            Ok(ReaderInfo { name, card_present })
        })
        .collect()
}

/// `YYYY-MM-DD` → `YYMMDD`.
fn iso_to_yymmdd(field: &'static str, text: &str) -> Result<String, DeskError> {
    let d = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        invalid(
            field,
            format!("Ngày \"{text}\" không hợp lệ: cần dạng YYYY-MM-DD."),
        )
    })?;
    Ok(d.format("%y%m%d").to_string())
}

/// The BAC key from typed fields or the front QR text.
pub fn access_key(a: &CardReadArgs) -> Result<AccessKey, DeskError> {
    if a.can.is_some() {
        return Err(invalid(
            "can",
            "Truy cập bằng CAN (PACE) chưa được hỗ trợ; dùng --qr hoặc --id, --dob, --expiry.",
        ));
    }
    let bad_key = |e: bhxh_emrtd::reader::ReadError| invalid("id", e.to_string());
    if let Some(qr) = &a.qr {
        let q = access::parse_front_qr(qr).map_err(|e| invalid("qr", e.to_string()))?;
        let expiry = match access::expiry_by_age_rule(q.date_of_birth, q.issue_date) {
            Expiry::On(d) => access::yymmdd(d),
            Expiry::Never => {
                return Err(invalid(
                    "qr",
                    "Thẻ không thời hạn (cấp sau tuổi 58): mã QR không đủ để mở chip; nhập --id, --dob và --expiry theo dòng MRZ mặt sau.",
                ));
            }
        };
        return AccessKey::from_cccd(&q.id_number, &access::yymmdd(q.date_of_birth), &expiry)
            .map_err(bad_key);
    }
    match (&a.id, &a.dob, &a.expiry) {
        (Some(id), Some(dob), Some(expiry)) => AccessKey::from_cccd(
            id,
            &iso_to_yymmdd("dob", dob)?,
            &iso_to_yymmdd("expiry", expiry)?,
        )
        .map_err(bad_key),
        _ => Err(invalid(
            "id",
            "Cần dữ liệu mở chip: --qr \"CHUỖI QR\", hoặc cả ba --id, --dob và --expiry.",
        )),
    }
}

pub struct CardReport {
    pub genuine: bool,
    pub check: CardCheckInput,
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

fn trust_store(dir: Option<&Path>) -> Result<(TrustStore, Vec<String>), DeskError> {
    let Some(dir) = dir else {
        return Ok((TrustStore::new(), Vec::new()));
    };
    let (store, problems) = TrustStore::load_dir(dir).map_err(|e| DeskError::BadFile {
        path: dir.to_owned(),
        detail: e.to_string(),
    })?;
    Ok((store, problems.iter().map(ToString::to_string).collect()))
}

pub fn read(a: &CardReadArgs, key: &AccessKey) -> Result<CardReport, DeskError> {
    let (trust, trust_problems) = trust_store(a.trust.as_deref())?;
    let pcsc = Pcsc::establish().map_err(reader_error)?;
    // The named reader, or the first one that holds a card.
    let reader = pcsc
        .wait_for_card(a.reader.as_deref(), Duration::from_secs(a.wait))
        .map_err(reader_error)?;
    let mut transport = pcsc.connect(Some(&reader)).map_err(reader_error)?;
    let mut files = Vec::new();
    let result = read_card(
        &mut transport,
        key,
        &trust,
        &ReadOptions::default(),
        &mut |p| {
            if p.read == 0 {
                files.push(p.file.to_string());
            }
        },
    )
    .map_err(|e| invalid("card", format!("Không đọc được thẻ: {e}")))?;
    let dg13 = result.dg13.as_ref();
    let field = |f: fn(&bhxh_emrtd::lds::dg13::Dg13) -> Option<&str>| {
        dg13.and_then(f).unwrap_or_default().to_owned()
    };
    let id_number = field(|d| d.id_number());
    let v = &result.verdict;
    let checks: Vec<serde_json::Value> = v
        .checks
        .iter()
        .map(|c| {
            serde_json::json!({
                "check": c.check.label_vi(),
                "status": c.status.label_vi().1,
                "detail": c.detail,
            })
        })
        .collect();
    let json = serde_json::json!({
        "reader": reader,
        "verdict": { "kind": format!("{:?}", v.kind), "headline": v.headline, "advice": v.advice, "reason": v.reason },
        "checks": checks,
        "mrz": result.mrz.as_ref().map(|m| m.lines.clone()),
        "dg13": {
            "idNumber": id_number,
            "fullName": field(|d| d.full_name()),
            "dateOfBirth": field(|d| d.date_of_birth()),
            "sex": field(|d| d.sex()),
            "nationality": field(|d| d.nationality()),
            "ethnicity": field(|d| d.ethnicity()),
            "religion": field(|d| d.religion()),
            "placeOfOrigin": field(|d| d.place_of_origin()),
            "placeOfResidence": field(|d| d.place_of_residence()),
            "identifyingMarks": field(|d| d.identifying_marks()),
            "issueDate": field(|d| d.issue_date()),
            "expiryDate": field(|d| d.expiry_date()),
            "fatherName": field(|d| d.father_name()),
            "motherName": field(|d| d.mother_name()),
            "spouseName": field(|d| d.spouse_name()),
            "oldIdNumber": field(|d| d.old_id_number()),
        },
        "filesRead": files,
        "unavailable": result.unavailable.iter().map(|(f, why)| format!("{f}: {why:?}")).collect::<Vec<_>>(),
        "trustProblems": trust_problems,
        "stats": {
            "apdus": result.stats.apdus,
            "bytes": result.stats.bytes,
            "readMs": result.stats.duration.as_secs_f64() * 1000.0,
        },
    });
    let text = format!(
        "{}\n{}\nSố định danh: {id_number}\nHọ và tên: {}\n{}\n({} APDU, {} byte, {:.0} ms)\n",
        v.headline,
        v.advice,
        field(|d| d.full_name()),
        v.render_text(),
        result.stats.apdus,
        result.stats.bytes,
        result.stats.duration.as_secs_f64() * 1000.0
    );
    // What was read, as hashes (the photo itself is not kept).
    let mut hashes = serde_json::Map::new();
    let files = result
        .com
        .iter()
        .map(|b| ("EF.COM".to_owned(), b))
        .chain(result.sod.iter().map(|b| ("EF.SOD".to_owned(), b)))
        .chain(result.data_groups.iter().map(|(n, b)| (n.to_string(), b)));
    for (name, bytes) in files {
        let digest = Sha256::digest(bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        hashes.insert(name, serde_json::Value::String(hex));
    }
    Ok(CardReport {
        genuine: v.kind == VerdictKind::Genuine,
        check: CardCheckInput {
            purpose: if a.payment {
                Purpose::Payment
            } else {
                Purpose::Counter
            },
            reader,
            full_name: field(|d| d.full_name()),
            id_number,
            verdict: format!("{:?}", v.kind),
            genuine: v.kind == VerdictKind::Genuine,
            file_hashes: serde_json::Value::Object(hashes),
        },
        json,
        text,
    })
}
