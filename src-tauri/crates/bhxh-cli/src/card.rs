//! `bhxh-desk card …`: the chip reader from the command line, over PC/SC.
//! The read itself is `bhxh_app::card` (shared with the window); this file
//! turns the flags into access data and the read into text or JSON.

use std::time::Duration;

use bhxh_app::DeskError;
use bhxh_app::card::{AccessData, CardRead, ReadRequest};
use bhxh_app::dto::{CardCheckOutcome, CheckPurpose as Purpose};
use bhxh_emrtd::AccessKey;

use crate::CardReadArgs;

pub use bhxh_app::card::readers;

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

/// The JSON the command prints (stable for scripts; the photo is left out).
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
        "verdict": { "kind": v.kind, "headline": v.headline, "advice": v.advice, "reason": v.reason },
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
        "filesRead": r.files_read,
        "unavailable": r.unavailable,
        "trustProblems": r.trust_problems,
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
        "{}\n{}\nSố định danh: {}\nHọ và tên: {}\n{}\n(mở chip bằng {}; {} APDU, {} byte, {:.0} ms)\n",
        r.verdict.headline,
        r.verdict.advice,
        r.person.id_number,
        r.person.full_name,
        r.verdict_text,
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
