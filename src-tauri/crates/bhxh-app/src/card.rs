//! Reading a CCCD chip at the counter, for the window and the command line.
//!
//! The steps, each a function so that the window can keep the desk unlocked
//! while the card is read:
//! 1. [`access_key`]: the access key from what the counter has (the 12-digit
//!    ID with the birth and expiry dates, or the front QR text and the age
//!    rule for the expiry: PACE with the CAN, the ID's last 6 digits, when the
//!    chip offers it, BAC otherwise; or the CAN alone, for PACE only).
//! 2. [`read`]: the CSCA trust store, the reader, the whole read with its
//!    progress, passive authentication and the verdict ([`CardRead`]). No
//!    session and no store: it may take seconds and runs on its own thread.
//! 3. [`Desk::card_record`]: the check on the record (time, staff, reader,
//!    ID, name, verdict, file hashes; `bhxh_core::participants::card_checks`), matching the
//!    participant register. The photo is shown, never stored (Decree 13: the
//!    office has no setting that allows keeping it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use bhxh_core::CoreError;
use bhxh_core::participants::card_checks::CardCheckInput;
pub use bhxh_emrtd::AccessKey;
use bhxh_emrtd::access::{self, Expiry};
use bhxh_emrtd::crypto::HashAlgorithm;
use bhxh_emrtd::lds::dg2::parse_dg2;
use bhxh_emrtd::lds::photo::display_image;
use bhxh_emrtd::lds::{DgNumber, dg13::Dg13};
use bhxh_emrtd::transport::TransportError;
use bhxh_emrtd::verify::trust::{TrustAge, format_date_vi};
use bhxh_emrtd::{Pcsc, ReadError, ReadOptions, Status, TrustStore, read_card};
use serde::{Deserialize, Serialize};

use crate::dto::{CardCheckOutcome, CheckPurpose};
use crate::{Desk, DeskError};

/// Where the window looks for CSCA certificates (PEM/DER) and ICAO master
/// lists: this folder of the data directory, filled by IT staff.
pub const TRUST_DIR_NAME: &str = "csca";

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

/// A PC/SC reader and whether a card lies on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReaderInfo {
    pub name: String,
    pub card_present: bool,
}

/// The readers connected now (empty when there is none).
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

// ----- access data ------------------------------------------------------------

/// How the counter opens the chip.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum AccessData {
    /// Typed from the card: the 12-digit ID, dates as `YYYY-MM-DD`.
    Typed {
        id_number: String,
        birth_date: String,
        expiry_date: String,
    },
    /// The front QR text as a barcode scanner typed it.
    Qr { text: String },
    /// The card access number alone (PACE; on a CCCD, the ID's last 6 digits).
    Can { can: String },
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

fn iso(d: bhxh_emrtd::lds::dg13::CivilDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// What the front QR code gives for opening the chip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QrAccess {
    pub id_number: String,
    pub full_name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// `YYYY-MM-DD`, by the age rule; `None` for a card without expiry
    /// (issued after 58): the officer types the date from the MRZ.
    pub expiry_date: Option<String>,
}

/// Read the front QR text (a barcode scanner's keyboard input) into the
/// access data: ID, birth date and the expiry the age rule gives.
pub fn access_from_qr(text: &str) -> Result<QrAccess, DeskError> {
    let q = front_qr(text, "qr")?;
    let expiry_date = match access::expiry_by_age_rule(q.date_of_birth, q.issue_date) {
        Expiry::On(d) => Some(iso(d)),
        Expiry::Never => None,
    };
    Ok(QrAccess {
        id_number: q.id_number,
        full_name: q.full_name,
        birth_date: iso(q.date_of_birth),
        expiry_date,
    })
}

/// Longest front QR text read: a CCCD's is about 150 bytes. Whatever a
/// reader (or a person) hands over is checked against it before it is
/// split, so a text of megabytes of "|" is one plain error.
pub const MAX_FRONT_QR_BYTES: usize = 1024;

/// The front QR text of a CCCD, checked (`field` names it in the error).
pub(crate) fn front_qr(text: &str, field: &'static str) -> Result<access::FrontQr, DeskError> {
    if text.len() > MAX_FRONT_QR_BYTES {
        return Err(invalid(
            field,
            format!(
                "Mã QR dài {} byte, quá {MAX_FRONT_QR_BYTES} byte: không phải mã QR mặt trước thẻ CCCD.",
                text.len()
            ),
        ));
    }
    access::parse_front_qr(text).map_err(|e| invalid(field, e.to_string()))
}

/// The BAC key from the access data.
pub fn access_key(data: &AccessData) -> Result<AccessKey, DeskError> {
    let bad_key = |e: ReadError| invalid("idNumber", e.to_string());
    match data {
        AccessData::Can { can } => AccessKey::from_can(can).map_err(|_| {
            invalid(
                "can",
                format!(
                    "CAN \"{}\" phải gồm đúng 6 chữ số (trên CCCD: 6 chữ số cuối của số định danh).",
                    can.trim()
                ),
            )
        }),
        AccessData::Qr { text } => {
            let q = access_from_qr(text)?;
            let Some(expiry) = q.expiry_date else {
                return Err(invalid(
                    "qr",
                    "Thẻ không thời hạn (cấp sau tuổi 58): mã QR không đủ để mở chip; nhập số định danh, ngày sinh và ngày hết hạn theo dòng MRZ mặt sau.",
                ));
            };
            AccessKey::from_cccd(
                &q.id_number,
                &iso_to_yymmdd("birthDate", &q.birth_date)?,
                &iso_to_yymmdd("expiryDate", &expiry)?,
            )
            .map_err(bad_key)
        }
        AccessData::Typed {
            id_number,
            birth_date,
            expiry_date,
        } => {
            let id = id_number.trim();
            if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(
                    "idNumber",
                    format!("Số định danh \"{id}\" phải gồm đúng 12 chữ số."),
                ));
            }
            AccessKey::from_cccd(
                id,
                &iso_to_yymmdd("birthDate", birth_date)?,
                &iso_to_yymmdd("expiryDate", expiry_date)?,
            )
            .map_err(bad_key)
        }
    }
}

// ----- the read ---------------------------------------------------------------

/// What to read and how.
#[derive(Debug, Clone)]
pub struct ReadRequest {
    /// The reader; `None`: the first that holds a card.
    pub reader: Option<String>,
    /// How long to wait for a card to be put down.
    pub wait: Duration,
    /// The CSCA trust store; `None`: empty (the origin cannot be verified).
    pub trust_dir: Option<PathBuf>,
    /// A missing trust directory is an error (the CLI's `--trust`) or an
    /// empty store (the window's data directory, before IT fills it).
    pub trust_dir_required: bool,
}

/// One step of a read, as the window shows it (Tauri event `card-progress`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(
    tag = "step",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum CardProgress {
    /// Waiting for the card and opening the chip (BAC).
    Connecting { reader: Option<String> },
    /// Reading a file: bytes so far, and its size once known.
    File {
        file: String,
        read: usize,
        total: Option<usize>,
    },
    /// Read and judged; the check is being recorded.
    Recording,
}

/// The verdict for the counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct VerdictView {
    /// `Genuine` (green), `DataAltered` and `ChipNotGenuine` (red),
    /// `IntegrityOnly` (amber: the data is what the issuer signed, but no
    /// anti-cloning check passed, so the chip is not proven), `OriginUnverified`,
    /// `CertificateNotValid`, `Incomplete` (amber).
    pub kind: String,
    /// Only for `Genuine`: the only verdict that verifies a participant and
    /// counts as a chip check for tasks 24/25.
    pub genuine: bool,
    pub headline: String,
    pub advice: String,
    /// The technical reason of any verdict but `Genuine` (English).
    pub reason: Option<String>,
    /// The same reason in Vietnamese, for the counter officer.
    pub reason_vi: Option<String>,
}

/// One passive authentication check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CheckLine {
    /// What was checked, in Vietnamese.
    pub check: String,
    /// `passed`, `failed`, `unverifiable`, `notChecked`.
    pub status: String,
    /// The status in Vietnamese (`Đạt`, `Không đạt`, …).
    pub status_label: String,
    /// What the check found, in Vietnamese, for the counter officer.
    pub detail_vi: String,
    /// Technical detail (English).
    pub detail: String,
}

/// The personal data of DG13 (empty strings where the card has none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CardPerson {
    pub id_number: String,
    pub full_name: String,
    pub date_of_birth: String,
    pub sex: String,
    pub nationality: String,
    pub ethnicity: String,
    pub religion: String,
    pub place_of_origin: String,
    pub place_of_residence: String,
    pub identifying_marks: String,
    pub issue_date: String,
    pub expiry_date: String,
    pub father_name: String,
    pub mother_name: String,
    pub spouse_name: String,
    pub old_id_number: String,
}

impl CardPerson {
    fn from_dg13(dg13: Option<&Dg13>) -> Self {
        let f = |get: fn(&Dg13) -> Option<&str>| dg13.and_then(get).unwrap_or_default().to_owned();
        CardPerson {
            id_number: f(Dg13::id_number),
            full_name: f(Dg13::full_name),
            date_of_birth: f(Dg13::date_of_birth),
            sex: f(Dg13::sex),
            nationality: f(Dg13::nationality),
            ethnicity: f(Dg13::ethnicity),
            religion: f(Dg13::religion),
            place_of_origin: f(Dg13::place_of_origin),
            place_of_residence: f(Dg13::place_of_residence),
            identifying_marks: f(Dg13::identifying_marks),
            issue_date: f(Dg13::issue_date),
            expiry_date: f(Dg13::expiry_date),
            father_name: f(Dg13::father_name),
            mother_name: f(Dg13::mother_name),
            spouse_name: f(Dg13::spouse_name),
            old_id_number: f(Dg13::old_id_number),
        }
    }
}

/// Counters of the read.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReadStatsView {
    pub apdus: u32,
    pub bytes: usize,
    pub read_ms: f64,
}

/// Everything one read established.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CardRead {
    pub reader: String,
    pub verdict: VerdictView,
    pub checks: Vec<CheckLine>,
    /// The MRZ lines of DG1.
    pub mrz: Option<Vec<String>>,
    pub person: CardPerson,
    /// The 12-digit ID: DG13's, else the MRZ's.
    pub id_number: String,
    /// The face image of DG2 as a `data:` URL, for display only (never
    /// stored): `image/jpeg` as read, or `image/png` decoded from JPEG 2000
    /// (which the web view cannot show).
    pub photo: Option<String>,
    /// Why there is no photo although DG2 was read (a broken or oversized
    /// JPEG 2000 image, a DG2 that does not parse), in Vietnamese.
    pub photo_problem: Option<String>,
    /// Files in the order their reading started.
    pub files_read: Vec<String>,
    /// Files absent or protected (`DG3: Protected`).
    pub unavailable: Vec<String>,
    /// Files that were read but did not parse.
    pub parse_problems: Vec<String>,
    /// Files of the trust directory that were skipped.
    pub trust_problems: Vec<String>,
    pub trust_dir: Option<String>,
    /// CSCA certificates in the trust store.
    pub trust_anchors: usize,
    /// CRLs in use (each verified by a CSCA of the store).
    pub trust_crls: usize,
    /// CSCAs of the store without any CRL (their signers' revocation is not
    /// checked).
    pub trust_anchors_without_crl: usize,
    /// When the store was last brought up to date: the newest `thisUpdate`
    /// among its CRLs, RFC 3339 UTC (`None`: no CRL). "Kho chứng thư cập
    /// nhật ngày …".
    pub trust_updated: Option<String>,
    /// By when it must be updated: the earliest `nextUpdate` among each
    /// CSCA's newest CRL, RFC 3339 UTC (`None`: no CRL).
    pub trust_next_update: Option<String>,
    /// When the store was loaded from its directory (at this read), RFC 3339
    /// UTC.
    pub trust_loaded_at: Option<String>,
    /// The read is past `trust_next_update`: the CRLs are overdue, the store
    /// needs the CSCAs' newer lists (a signer whose CSCA's CRL is overdue
    /// already fails the read's trust check).
    pub trust_stale: bool,
    /// The store's state in one Vietnamese sentence, for the CCCD screen.
    pub trust_status_vi: String,
    pub stats: ReadStatsView,
    /// File name → SHA-256 (hex) of the bytes as read: what is recorded.
    pub file_hashes: BTreeMap<String, String>,
    /// The verdict and every check as plain text (log, CLI).
    pub verdict_text: String,
    /// How the chip was opened: "BAC", or "PACE (CAN, ECDH-GM, AES-128, …)".
    pub access: String,
}

impl CardRead {
    /// The check as `bhxh_core::participants::card_checks` records it.
    pub fn check_input(&self, purpose: CheckPurpose) -> CardCheckInput {
        CardCheckInput {
            purpose: purpose.into(),
            reader: self.reader.clone(),
            id_number: self.id_number.clone(),
            full_name: self.person.full_name.clone(),
            verdict: self.verdict.kind.clone(),
            genuine: self.verdict.genuine,
            file_hashes: serde_json::Value::Object(
                self.file_hashes
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                    .collect(),
            ),
        }
    }
}

/// A read and the check recorded from it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CardCheck {
    pub read: CardRead,
    pub check: CardCheckOutcome,
}

fn trust_store(dir: Option<&Path>, required: bool) -> Result<(TrustStore, Vec<String>), DeskError> {
    let Some(dir) = dir else {
        return Ok((TrustStore::new(), Vec::new()));
    };
    if !required && !dir.is_dir() {
        return Ok((TrustStore::new(), Vec::new()));
    }
    let (store, problems) = TrustStore::load_dir(dir).map_err(|e| DeskError::BadFile {
        path: dir.to_owned(),
        detail: e.to_string(),
    })?;
    Ok((store, problems.iter().map(ToString::to_string).collect()))
}

fn read_error(e: &ReadError) -> DeskError {
    if e.is_access_denied() && matches!(e, ReadError::Pace { .. }) {
        invalid(
            "can",
            format!(
                "Không đọc được thẻ: chip từ chối số CAN. Kiểm tra lại CAN (6 chữ số cuối của số định danh), hoặc nhập số định danh, ngày sinh và ngày hết hạn ({e})."
            ),
        )
    } else if matches!(e, ReadError::NeedsMrz) {
        invalid(
            "can",
            "Chip này không mở được bằng CAN (không hỗ trợ PACE): nhập số định danh, ngày sinh và ngày hết hạn, hoặc quét mã QR mặt trước.",
        )
    } else if e.is_access_denied() {
        invalid(
            "access",
            format!(
                "Không đọc được thẻ: chip từ chối dữ liệu mở thẻ. Kiểm tra lại số định danh, ngày sinh và ngày hết hạn ({e})."
            ),
        )
    } else if e.is_card_removed() {
        invalid(
            "card",
            format!(
                "Không đọc được thẻ: thẻ đã bị nhấc khỏi đầu đọc khi đang đọc. Đặt lại thẻ và đọc lại ({e})."
            ),
        )
    } else {
        invalid("card", format!("Không đọc được thẻ: {e}"))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Standard base64 with padding (RFC 4648), for `data:` URLs.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let index = ((n >> (18 - 6 * i)) & 0x3F) as usize;
                out.push(char::from(ALPHABET[index]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The first face image of DG2 as a `data:` URL a web view can show (JPEG as
/// read, JPEG 2000 decoded to PNG), or why not, in Vietnamese.
fn photo_data_url(dg2: &[u8]) -> Result<String, String> {
    let face = parse_dg2(dg2)
        .map_err(|e| format!("Không hiển thị được ảnh chân dung: DG2 không đọc được ({e})."))?
        .faces
        .into_iter()
        .next()
        .ok_or_else(|| "Không hiển thị được ảnh chân dung: DG2 không có ảnh.".to_owned())?;
    let shown = display_image(&face).map_err(|e| e.message_vi())?;
    Ok(format!(
        "data:{};base64,{}",
        shown.mime,
        base64(&shown.bytes)
    ))
}

/// Seconds since the Unix epoch as RFC 3339 UTC (`2026-12-02T09:30:58Z`).
fn rfc3339(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::<chrono::Utc>::from_timestamp(s, 0))
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// The trust store's state in one Vietnamese sentence, at `now`.
pub fn trust_status_vi(age: &TrustAge, now: SystemTime) -> String {
    let date = |secs: Option<u64>| secs.map(format_date_vi).unwrap_or_default();
    if age.anchors == 0 {
        return "Kho chứng thư gốc (CSCA) trống: chưa kiểm chứng được nguồn gốc thẻ. Đề nghị bộ phận CNTT cài đặt chứng thư gốc và danh sách thu hồi (CRL).".into();
    }
    if age.crls == 0 {
        return format!(
            "Kho chứng thư có {} chứng thư gốc (CSCA) nhưng chưa có danh sách thu hồi (CRL): chưa kiểm tra được chứng thư ký bị thu hồi. Đề nghị bộ phận CNTT bổ sung CRL.",
            age.anchors
        );
    }
    let mut text = if age.is_stale(now) {
        format!(
            "Kho chứng thư đã quá hạn cập nhật: danh sách thu hồi (CRL) hết hạn ngày {}, cập nhật gần nhất ngày {}. Đề nghị bộ phận CNTT cập nhật kho chứng thư.",
            date(age.next_update),
            date(age.updated)
        )
    } else {
        match age.next_update {
            Some(next) => format!(
                "Kho chứng thư cập nhật ngày {}; cần cập nhật trước ngày {}.",
                date(age.updated),
                format_date_vi(next)
            ),
            None => format!("Kho chứng thư cập nhật ngày {}.", date(age.updated)),
        }
    };
    if age.anchors_without_crl > 0 {
        text.push_str(&format!(
            " {} chứng thư gốc (CSCA) chưa có danh sách thu hồi (CRL).",
            age.anchors_without_crl
        ));
    }
    text
}

fn status_names(s: Status) -> (&'static str, &'static str) {
    let name = match s {
        Status::Passed => "passed",
        Status::Failed => "failed",
        Status::Unverifiable => "unverifiable",
        Status::NotChecked => "notChecked",
    };
    (name, s.label_vi().1)
}

/// Read the card: wait for it on the reader, open the chip with `key`, read
/// every file (reporting `progress`), check it against the trust store and
/// judge it. Blocking; touches no store.
pub fn read(
    request: &ReadRequest,
    key: &AccessKey,
    progress: &mut dyn FnMut(&CardProgress),
) -> Result<CardRead, DeskError> {
    let (trust, trust_problems) =
        trust_store(request.trust_dir.as_deref(), request.trust_dir_required)?;
    let pcsc = Pcsc::establish().map_err(reader_error)?;
    progress(&CardProgress::Connecting {
        reader: request.reader.clone(),
    });
    // The named reader, or the first one that holds a card.
    let reader = pcsc
        .wait_for_card(request.reader.as_deref(), request.wait)
        .map_err(|e| match e {
            TransportError::Timeout(..) => invalid(
                "reader",
                format!(
                    "Chưa có thẻ trên đầu đọc{} sau {} giây: đặt thẻ lên đầu đọc rồi đọc lại.",
                    request
                        .reader
                        .as_deref()
                        .map(|r| format!(" {r}"))
                        .unwrap_or_default(),
                    request.wait.as_secs()
                ),
            ),
            other => reader_error(other),
        })?;
    let mut transport = pcsc.connect(Some(&reader)).map_err(reader_error)?;
    let mut files_read = Vec::new();
    let result = read_card(
        &mut transport,
        key,
        &trust,
        &ReadOptions::default(),
        &mut |p| {
            let file = p.file.to_string();
            if p.read == 0 {
                files_read.push(file.clone());
            }
            progress(&CardProgress::File {
                file,
                read: p.read,
                total: p.total,
            });
        },
    )
    .map_err(|e| read_error(&e))?;

    let v = &result.verdict;
    let age = trust.age();
    // For display only, over the bytes as read (the verdict never sees this).
    let photo = result
        .data_groups
        .get(&DgNumber::DG2)
        .map(|dg2| photo_data_url(dg2));
    let person = CardPerson::from_dg13(result.dg13.as_ref());
    let id_number = if person.id_number.is_empty() {
        result
            .mrz
            .as_ref()
            .and_then(|m| m.vietnamese_id())
            .unwrap_or_default()
            .to_owned()
    } else {
        person.id_number.clone()
    };
    // What was read, as hashes (the photo itself is not kept).
    let file_hashes = result
        .com
        .iter()
        .map(|b| ("EF.COM".to_owned(), b))
        .chain(result.sod.iter().map(|b| ("EF.SOD".to_owned(), b)))
        .chain(result.data_groups.iter().map(|(n, b)| (n.to_string(), b)))
        .map(|(name, bytes)| (name, hex(&HashAlgorithm::Sha256.digest(bytes))))
        .collect();
    Ok(CardRead {
        reader,
        verdict: VerdictView {
            kind: format!("{:?}", v.kind),
            genuine: v.kind.is_genuine(),
            headline: v.headline.to_owned(),
            advice: v.advice.to_owned(),
            reason: v.reason.clone(),
            reason_vi: v.reason_vi.clone(),
        },
        checks: v
            .checks
            .iter()
            .map(|c| {
                let (status, label) = status_names(c.status);
                CheckLine {
                    check: c.check.label_vi(),
                    status: status.to_owned(),
                    status_label: label.to_owned(),
                    detail_vi: c.detail_vi.clone(),
                    detail: c.detail_en.clone(),
                }
            })
            .collect(),
        mrz: result.mrz.as_ref().map(|m| m.lines.clone()),
        person,
        id_number,
        photo: photo.as_ref().and_then(|p| p.as_ref().ok()).cloned(),
        photo_problem: photo.and_then(Result::err),
        files_read,
        unavailable: result
            .unavailable
            .iter()
            .map(|(f, why)| format!("{f}: {why:?}"))
            .collect(),
        parse_problems: result.parse_problems.clone(),
        trust_problems,
        trust_dir: request.trust_dir.as_ref().map(|d| d.display().to_string()),
        trust_anchors: age.anchors,
        trust_crls: age.crls,
        trust_anchors_without_crl: age.anchors_without_crl,
        trust_updated: age.updated.map(rfc3339),
        trust_next_update: age.next_update.map(rfc3339),
        trust_loaded_at: age.loaded_at.map(rfc3339),
        trust_stale: age.is_stale(SystemTime::now()),
        trust_status_vi: trust_status_vi(&age, SystemTime::now()),
        stats: ReadStatsView {
            apdus: result.stats.apdus,
            bytes: result.stats.bytes,
            read_ms: result.stats.duration.as_secs_f64() * 1000.0,
        },
        file_hashes,
        verdict_text: v.render_text(),
        access: result.access.clone(),
    })
}

impl Desk {
    /// The window's CSCA trust store: `csca/` in the data directory.
    pub fn card_trust_dir(&self) -> PathBuf {
        self.data_dir().join(TRUST_DIR_NAME)
    }

    /// Record a chip check from a read (any signed-in role): time, staff,
    /// reader, ID, name, verdict and file hashes, never the photo; a genuine
    /// card verifies its participant in the register.
    pub fn card_record(
        &self,
        read: &CardRead,
        purpose: CheckPurpose,
    ) -> Result<CardCheckOutcome, DeskError> {
        self.record_card_check(&read.check_input(purpose))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn typed(id: &str, birth: &str, expiry: &str) -> AccessData {
        AccessData::Typed {
            id_number: id.into(),
            birth_date: birth.into(),
            expiry_date: expiry.into(),
        }
    }

    fn field_and_message(e: DeskError) -> (String, String) {
        (e.field().unwrap_or_default().to_owned(), e.to_string())
    }

    #[test]
    fn typed_access_data_gives_the_key_of_the_mrz() {
        let key = access_key(&typed("001093047064", "1993-01-05", "2033-01-05")).unwrap();
        // BAC with the last 9 digits and the dates; PACE with the CAN, the last 6 digits.
        let mrz = AccessKey::new("093047064", "930105", "330105").unwrap();
        assert_eq!(key.bac_keys(), mrz.bac_keys());
        assert_eq!(
            key.pace_password(),
            Some(bhxh_emrtd::protocol::pace::Password::Can("047064".into()))
        );
    }

    #[test]
    fn malformed_access_data_is_refused_with_the_field_at_fault() {
        let (f, m) = field_and_message(
            access_key(&typed("00109304706", "1993-01-05", "2033-01-05")).unwrap_err(),
        );
        assert_eq!(f, "idNumber");
        assert!(m.contains("12 chữ số"), "{m}");
        let (f, m) = field_and_message(
            access_key(&typed("001093047064", "05/01/1993", "2033-01-05")).unwrap_err(),
        );
        assert_eq!(f, "birthDate");
        assert!(m.contains("YYYY-MM-DD"), "{m}");
        let (f, _) = field_and_message(
            access_key(&typed("001093047064", "1993-01-05", "2033-02-30")).unwrap_err(),
        );
        assert_eq!(f, "expiryDate");
        // The CAN alone opens the chip by PACE; a malformed one is refused.
        let key = access_key(&AccessData::Can {
            can: "047064".into(),
        })
        .unwrap();
        assert!(key.bac_keys().is_none());
        let (f, m) = field_and_message(
            access_key(&AccessData::Can {
                can: "04706".into(),
            })
            .unwrap_err(),
        );
        assert_eq!(f, "can");
        assert!(m.contains("6 chữ số"), "{m}");
    }

    #[test]
    fn the_front_qr_gives_the_expiry_by_the_age_rule() {
        // Born 5 January 1993, issued 2021: renewal due at 40.
        let text = "001093047064|123456789|Nguyễn Văn Đức|05011993|Nam|Số 5 Lê Lợi|01022021\r\n";
        let q = access_from_qr(text).unwrap();
        assert_eq!(
            q,
            QrAccess {
                id_number: "001093047064".into(),
                full_name: "Nguyễn Văn Đức".into(),
                birth_date: "1993-01-05".into(),
                expiry_date: Some("2033-01-05".into()),
            }
        );
        let key = access_key(&AccessData::Qr { text: text.into() }).unwrap();
        // Megabytes of separators: one plain error, nothing split.
        let (f, m) = field_and_message(access_from_qr(&"|".repeat(50_000_000)).unwrap_err());
        assert_eq!(f, "qr");
        assert!(m.contains("quá 1024 byte"), "{m}");
        assert_eq!(
            key,
            AccessKey::from_cccd("001093047064", "930105", "330105").unwrap()
        );

        // Issued at 61: no expiry, the QR code cannot open the chip.
        let old = "001950012345||Trần Văn Cả|01021950|Nam|Hòa Bình|01032011";
        assert_eq!(access_from_qr(old).unwrap().expiry_date, None);
        let (f, m) =
            field_and_message(access_key(&AccessData::Qr { text: old.into() }).unwrap_err());
        assert_eq!(f, "qr");
        assert!(m.contains("không thời hạn"), "{m}");

        let (f, m) = field_and_message(access_from_qr("001093047064|Nguyễn Thị A").unwrap_err());
        assert_eq!(f, "qr");
        assert!(m.contains("có 2 trường"), "{m}");
    }

    #[test]
    fn access_data_crosses_from_the_window_as_tagged_json() {
        let typed_json = serde_json::json!({
            "kind": "typed", "idNumber": "001093047064",
            "birthDate": "1993-01-05", "expiryDate": "2033-01-05"
        });
        assert_eq!(
            serde_json::from_value::<AccessData>(typed_json).unwrap(),
            typed("001093047064", "1993-01-05", "2033-01-05")
        );
        let qr: AccessData =
            serde_json::from_value(serde_json::json!({ "kind": "qr", "text": "x" })).unwrap();
        assert_eq!(qr, AccessData::Qr { text: "x".into() });
        let p = serde_json::to_value(CardProgress::File {
            file: "DG2".into(),
            read: 223,
            total: Some(1000),
        })
        .unwrap();
        assert_eq!(
            p,
            serde_json::json!({ "step": "file", "file": "DG2", "read": 223, "total": 1000 })
        );
    }

    #[test]
    fn base64_matches_rfc_4648() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain}");
        }
        assert_eq!(base64(&[0xFF, 0xFE, 0xFD]), "//79");
    }

    #[test]
    fn the_test_cards_photo_becomes_a_jpeg_data_url() {
        let dg2 = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../bhxh-emrtd/testdata/card/dg2.bin"),
        )
        .unwrap();
        let url = photo_data_url(&dg2).unwrap();
        assert!(url.starts_with("data:image/jpeg;base64,/9j/"), "{url:.40}");
        let e = photo_data_url(b"\x75\x00").unwrap_err();
        assert!(
            e.starts_with("Không hiển thị được ảnh chân dung: DG2 không đọc được"),
            "{e}"
        );
    }

    #[test]
    fn a_jpeg_2000_photo_becomes_a_png_data_url_and_a_broken_one_a_message() {
        let dg2 = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../bhxh-emrtd/testdata/card-jp2/dg2.bin"),
        )
        .unwrap();
        let url = photo_data_url(&dg2).unwrap();
        // base64 of the PNG signature 89 50 4E 47 0D 0A 1A 0A
        assert!(
            url.starts_with("data:image/png;base64,iVBORw0KGgo"),
            "{url:.40}"
        );
        // The same DG2 with the start of its codestream (SOC, SIZ) wiped.
        let mut broken = dg2.clone();
        let at = broken
            .windows(4)
            .position(|w| w == b"\xFF\x4F\xFF\x51")
            .unwrap();
        broken[at..at + 16].fill(0);
        let e = photo_data_url(&broken).unwrap_err();
        assert_eq!(
            e,
            "Không hiển thị được ảnh chân dung: ảnh JPEG 2000 trên chip bị hỏng hoặc không đọc được."
        );
    }

    #[test]
    fn the_trust_store_says_how_current_it_is() {
        let pki = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bhxh-emrtd/testdata/pki");
        let now = SystemTime::now();
        let (store, problems) = trust_store(Some(&pki.join("trust")), true).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let age = store.age();
        let text = trust_status_vi(&age, now);
        assert!(
            text.starts_with("Kho chứng thư cập nhật ngày ")
                && text.contains("; cần cập nhật trước ngày "),
            "{text}"
        );
        assert!(!age.is_stale(now));
        let updated = rfc3339(age.updated.unwrap());
        assert!(updated.ends_with('Z') && updated.len() == 20, "{updated}");
        // Overdue CRLs: stale, said so.
        let (store, _) = trust_store(Some(&pki.join("trust-overdue")), true).unwrap();
        let age = store.age();
        assert!(age.is_stale(now));
        assert!(
            trust_status_vi(&age, now).starts_with(
                "Kho chứng thư đã quá hạn cập nhật: danh sách thu hồi (CRL) hết hạn ngày "
            ),
            "{}",
            trust_status_vi(&age, now)
        );
        // CSCAs without CRLs, and nothing at all.
        let (store, _) = trust_store(Some(&pki.join("trust-impostor")), true).unwrap();
        assert!(trust_status_vi(&store.age(), now).starts_with(
            "Kho chứng thư có 1 chứng thư gốc (CSCA) nhưng chưa có danh sách thu hồi (CRL)"
        ));
        assert!(
            trust_status_vi(&TrustAge::default(), now)
                .starts_with("Kho chứng thư gốc (CSCA) trống")
        );
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn a_missing_trust_directory_is_an_empty_store_unless_required() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("csca");
        let (store, problems) = trust_store(Some(&missing), false).unwrap();
        assert!(store.anchors().is_empty() && problems.is_empty());
        assert!(matches!(
            trust_store(Some(&missing), true),
            Err(DeskError::BadFile { .. })
        ));
        let pki = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bhxh-emrtd/testdata/pki/trust");
        let (store, _) = trust_store(Some(&pki), false).unwrap();
        assert!(!store.anchors().is_empty());
    }
}
