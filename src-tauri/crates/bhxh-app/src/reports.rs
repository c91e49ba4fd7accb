//! The plan's reports (plan task 3: monthly, 6-month, annual): the report
//! as it stands, approval and corrections (supervisors), who signs it and
//! who receives it, and its export as the Decree 30/2020 document (PDF, via
//! `bhxh-report`), XLSX and the JSON snapshot HQ receives, each file written
//! atomically and the export audited.

use std::path::PathBuf;

use bhxh_core::office::audit::{self, Actor, Event};
use bhxh_core::office::{self, Office, settings};
use bhxh_core::progress::{self, ReportKind, ReportPeriod, Snapshot, Status};
use bhxh_core::sync::base_offices::{self, Stored};
use bhxh_report::{Align, Block, Column, ReportDoc, Row, Table};
use serde::{Deserialize, Serialize};

use crate::dto;
use crate::policy::Action;
use crate::{Desk, DeskError, paths};

/// Where `Desk::report_export` writes (any of them may be left out).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportTargets {
    pub pdf: Option<PathBuf>,
    pub xlsx: Option<PathBuf>,
    pub json: Option<PathBuf>,
}

/// How a report's paper (PDF, XLSX, print) is made; every field defaults
/// to the plain report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct ReportOptions {
    /// Add a section with the progress of the base offices (BHXH cơ sở)
    /// under this provincial office, as HQ last gave it (monthly reports).
    pub include_base_offices: bool,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportedReport {
    pub stem: String,
    pub status: String,
    pub revision: i64,
    pub files: Vec<String>,
}

/// Who signs the report (settings `report.signer_*`; the approving
/// supervisor's name when none is set).
#[derive(Debug, Clone, Serialize, PartialEq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Signer {
    pub authority: Option<String>,
    pub title: String,
    pub name: String,
}

fn roman(n: u32) -> String {
    const R: [(u32, &str); 5] = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")];
    let mut rest = n;
    let mut out = String::new();
    for (v, s) in &R {
        while rest >= *v {
            out.push_str(s);
            rest -= v;
        }
    }
    out
}

fn percent_text(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}").replace('.', ",")
    }
}

fn role_label(role: &str) -> &'static str {
    match role {
        "lead" => "Chủ trì",
        "coordinating" => "Phối hợp",
        _ => "Không tham gia",
    }
}

fn kind_title(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::Month => "hằng tháng",
        ReportKind::Half => "6 tháng",
        ReportKind::Year => "năm",
    }
}

/// The report document for a snapshot (approved or draft).
pub fn document(
    snapshot: &Snapshot,
    office: &Office,
    signer: &Signer,
    recipients: &[String],
    date: chrono::NaiveDate,
    created: chrono::DateTime<chrono::FixedOffset>,
) -> ReportDoc {
    let rows = &snapshot.rows;
    let count = |s: Status| {
        rows.iter()
            .filter(|r| r.progress.as_ref().map(|p| p.status) == Some(s))
            .count()
    };
    let involved = rows
        .iter()
        .filter(|r| r.province_role != "not_involved")
        .count();
    let none = rows.iter().filter(|r| r.progress.is_none()).count();
    let mut blocks = vec![
        Block::Paragraph(format!(
            "Thực hiện Quyết định số 147/QĐ-BHXH ngày 31/01/2024 của Bảo hiểm xã hội Việt Nam ban hành \
             Kế hoạch triển khai Đề án 06 năm 2024 và chế độ báo cáo {}, {} báo cáo kết quả thực hiện {} như sau:",
            kind_title(snapshot.kind),
            office.name,
            snapshot.period_label
        )),
        Block::Heading("I. KẾT QUẢ THỰC HIỆN".into()),
        Block::Paragraph(format!(
            "Kế hoạch có 27 nhiệm vụ, trong đó đơn vị tham gia {involved} nhiệm vụ (chủ trì hoặc phối hợp). \
             Đến hết kỳ báo cáo: {} nhiệm vụ hoàn thành, {} nhiệm vụ đang thực hiện, {} nhiệm vụ chậm tiến độ, \
             {} nhiệm vụ chưa bắt đầu, {none} nhiệm vụ chưa có số liệu. Chi tiết tại bảng dưới đây.",
            count(Status::Done),
            count(Status::InProgress),
            count(Status::Late),
            count(Status::NotStarted),
        )),
    ];
    let mut table = Table {
        columns: vec![
            Column {
                header: "STT".into(),
                width_mm: 12.0,
                align: Align::Center,
            },
            Column {
                header: "Nhiệm vụ".into(),
                width_mm: 53.0,
                align: Align::Left,
            },
            Column {
                header: "Vai trò của tỉnh".into(),
                width_mm: 18.0,
                align: Align::Center,
            },
            Column {
                header: "Tình trạng".into(),
                width_mm: 20.0,
                align: Align::Center,
            },
            Column {
                header: "Tỷ lệ, chỉ tiêu".into(),
                width_mm: 22.0,
                align: Align::Center,
            },
            Column {
                header: "Kết quả thực hiện".into(),
                width_mm: 40.0,
                align: Align::Left,
            },
        ],
        rows: Vec::new(),
    };
    for section in &snapshot.sections {
        let in_section: Vec<_> = rows
            .iter()
            .filter(|r| r.section == section.number)
            .collect();
        if in_section.is_empty() {
            continue;
        }
        table.rows.push(Row::group(format!(
            "{}. {}",
            roman(section.number),
            section.title
        )));
        for r in in_section {
            let (status, measure, narrative) = match &r.progress {
                None => ("Chưa có số liệu".to_owned(), String::new(), String::new()),
                Some(p) => {
                    let mut measure = format!("{}%", p.percent);
                    if let (Some(v), Some(t)) = (p.indicator_value, &r.target) {
                        let unit = if t.unit == "%" {
                            "%".to_owned()
                        } else {
                            format!(" {}", t.unit)
                        };
                        measure.push_str(&format!(
                            "\n{}: {}{unit} (chỉ tiêu {}{unit})",
                            t.indicator,
                            percent_text(v),
                            percent_text(t.value)
                        ));
                    }
                    (p.status.label().to_owned(), measure, p.narrative.clone())
                }
            };
            table.rows.push(Row::new([
                r.task_number.to_string(),
                r.content.clone(),
                role_label(&r.province_role).to_owned(),
                status,
                measure,
                narrative,
            ]));
        }
    }
    blocks.push(Block::Table(table));
    let late: Vec<String> = rows
        .iter()
        .filter(|r| r.progress.as_ref().map(|p| p.status) == Some(Status::Late))
        .map(|r| format!("Nhiệm vụ {}: {}", r.task_number, r.content))
        .collect();
    blocks.push(Block::Heading("II. NHIỆM VỤ CHẬM TIẾN ĐỘ".into()));
    if late.is_empty() {
        blocks.push(Block::Paragraph(
            "Không có nhiệm vụ chậm tiến độ trong kỳ báo cáo.".into(),
        ));
    } else {
        blocks.extend(late.into_iter().map(Block::Paragraph));
    }
    let number_line = if snapshot.number.is_empty() {
        "Số:        /BC-BHXH".to_owned()
    } else {
        format!("Số: {}", snapshot.number)
    };
    let subject = format!(
        "Kết quả thực hiện Kế hoạch triển khai Đề án 06 {}{}",
        snapshot.period_label,
        if snapshot.status == "approved" {
            String::new()
        } else {
            " (dự thảo)".to_owned()
        }
    );
    ReportDoc {
        parent_agency: office.parent_agency.to_uppercase(),
        agency: office.name.to_uppercase(),
        number_line,
        place: office.province_name.clone(),
        date,
        title: "BÁO CÁO".into(),
        pdf_title: subject.clone(),
        subject,
        // Sent up to Vietnam Social Security (Decree 30/2020, Appendix I):
        // "Kính gửi" under the subject, and the distribution list starts
        // with "- Như trên;" (the addressee).
        addressee: vec![UPWARD_ADDRESSEE.to_owned()],
        blocks,
        recipients: with_as_above(recipients),
        signer_authority: signer.authority.clone(),
        signer_title: signer.title.clone(),
        signer_name: signer.name.clone(),
        created,
    }
}

/// A stored RFC 3339 time as a person reads it: "08:00 ngày 03/06/2024"
/// (the text as it is when it cannot be read).
pub(crate) fn when_text(at: &str) -> String {
    bhxh_core::parse_ts(at).map_or_else(
        |_| at.to_owned(),
        |t| t.format("%H:%M ngày %d/%m/%Y").to_string(),
    )
}

/// `2024-05` as "tháng 05/2024".
pub(crate) fn month_text(month: &str) -> String {
    match month.split_once('-') {
        Some((y, m)) => format!("tháng {m}/{y}"),
        None => month.to_owned(),
    }
}

/// Section III of a monthly report (`month`, `YYYY-MM`): the base offices'
/// progress as this desk last received it from HQ — per office its code,
/// name, whether it reported for the month and its tasks by status — with
/// when HQ computed it. It says plainly when there is none, or when it is
/// older than the month reported.
pub fn base_offices_blocks(stored: &Stored, month: &str) -> Vec<Block> {
    let mut blocks = vec![Block::Heading(
        "III. TIẾN ĐỘ CỦA CÁC CƠ QUAN BHXH CƠ SỞ TRỰC THUỘC".into(),
    )];
    let p = match stored {
        Stored::Picture(p) => p,
        Stored::Never | Stored::NotProvincial { .. } => {
            blocks.push(Block::Paragraph(
                "Chưa có số liệu về tiến độ của các cơ quan BHXH cơ sở trực thuộc: máy của đơn vị \
                 chưa nhận được số liệu này từ Bảo hiểm xã hội Việt Nam (cần đồng bộ với máy chủ \
                 trung ương khi có kết nối mạng)."
                    .into(),
            ));
            return blocks;
        }
    };
    let reported = p.offices.iter().filter(|o| o.reported_for(month)).count();
    blocks.push(Block::Paragraph(format!(
        "Số liệu do Bảo hiểm xã hội Việt Nam tổng hợp lúc {} (đơn vị nhận về lúc {}), tính đến kỳ \
         báo cáo {}; tiến độ của mỗi đơn vị là báo cáo tháng gần nhất đơn vị đó đã gửi Bảo hiểm xã \
         hội Việt Nam. {}",
        when_text(&p.generated_at),
        when_text(&p.fetched_at),
        month_text(&p.as_of_month),
        if p.offices.is_empty() {
            "Bảo hiểm xã hội Việt Nam chưa ghi nhận cơ quan BHXH cơ sở nào trực thuộc đơn vị."
                .to_owned()
        } else {
            format!(
                "Đã báo cáo {}: {reported}/{} đơn vị.",
                month_text(month),
                p.offices.len()
            )
        }
    )));
    if p.as_of_month.as_str() < month {
        blocks.push(Block::Paragraph(format!(
            "Lưu ý: số liệu này cũ hơn kỳ báo cáo — Bảo hiểm xã hội Việt Nam tổng hợp tính đến {}, \
             trước {} là tháng được báo cáo; cần đồng bộ lại để có số liệu mới.",
            month_text(&p.as_of_month),
            month_text(month)
        )));
    }
    if p.offices.is_empty() {
        return blocks;
    }
    let col = |header: &str, width_mm: f32, align: Align| Column {
        header: header.into(),
        width_mm,
        align,
    };
    let mut table = Table {
        columns: vec![
            col("STT", 10.0, Align::Center),
            col("Mã đơn vị", 24.0, Align::Left),
            col("Tên đơn vị", 44.0, Align::Left),
            col("Báo cáo tháng", 29.0, Align::Center),
            col("Hoàn thành", 15.0, Align::Center),
            col("Đang thực hiện", 16.0, Align::Center),
            col("Chậm", 13.0, Align::Center),
            col("Tỷ lệ bình quân", 14.0, Align::Center),
        ],
        rows: Vec::new(),
    };
    for (i, o) in p.offices.iter().enumerate() {
        let c = o.counts();
        let state = match (&o.latest_month, o.latest_revision) {
            (Some(m), Some(r)) if o.reported_for(month) => {
                format!("Đã báo cáo ({}, lần {r})", month_text(m))
            }
            (Some(m), _) => format!("Chưa báo cáo (gần nhất: {})", month_text(m)),
            _ => "Chưa báo cáo".to_owned(),
        };
        let name = if o.revoked {
            format!("{} (đã thu hồi mã truy cập)", o.name)
        } else {
            o.name.clone()
        };
        table.rows.push(Row::new([
            (i + 1).to_string(),
            o.code.clone(),
            name,
            state,
            c.done.to_string(),
            c.in_progress.to_string(),
            c.late.to_string(),
            o.average_percent()
                .map_or("—".to_owned(), |v| format!("{}%", percent_text(v))),
        ]));
    }
    blocks.push(Block::Table(table));
    blocks
}

/// `bao-cao-thang-2024-05-lan-1`, `bao-cao-6-thang-2024-H1-du-thao`, …
pub fn file_stem(snapshot: &Snapshot) -> String {
    let kind = match snapshot.kind {
        ReportKind::Month => "thang",
        ReportKind::Half => "6-thang",
        ReportKind::Year => "nam",
    };
    if snapshot.status == "approved" {
        format!(
            "bao-cao-{kind}-{}-lan-{}",
            snapshot.period, snapshot.revision
        )
    } else {
        format!("bao-cao-{kind}-{}-du-thao", snapshot.period)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_numbers_are_roman() {
        assert_eq!(
            (1..=9).map(roman).collect::<Vec<_>>(),
            vec!["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"]
        );
    }

    #[test]
    fn percents_use_a_decimal_comma() {
        assert_eq!(percent_text(64.0), "64");
        assert_eq!(percent_text(72.5), "72,5");
    }

    fn texts(blocks: &[Block]) -> String {
        let mut out = String::new();
        for b in blocks {
            match b {
                Block::Heading(t) | Block::Paragraph(t) => out.push_str(t),
                Block::Table(t) => {
                    for r in &t.rows {
                        out.push_str(&r.cells.join(" | "));
                        out.push('\n');
                    }
                }
            }
            out.push('\n');
        }
        out
    }

    fn picture(as_of: &str) -> Stored {
        use bhxh_core::sync::base_offices::{BaseOffice, BaseTask, Picture};
        Stored::Picture(Picture {
            province_code: "HN".into(),
            province_name: "BHXH Hà Nội".into(),
            as_of_month: as_of.into(),
            generated_at: "2024-06-03T08:00:00+07:00".into(),
            fetched_at: "2024-06-03T08:05:00+07:00".into(),
            offices: vec![BaseOffice {
                code: "HN-1".into(),
                name: "BHXH cơ sở Ba Đình".into(),
                revoked: true,
                late: false,
                latest_month: Some("2024-05".into()),
                latest_revision: Some(2),
                last_sync_at: None,
                tasks: vec![BaseTask {
                    task_number: 8,
                    percent: Some(45),
                    status: Some("late".into()),
                }],
            }],
        })
    }

    #[test]
    fn the_base_offices_section_says_when_its_data_is_missing_or_old() {
        let t = texts(&base_offices_blocks(&Stored::Never, "2024-05"));
        assert!(t.contains("III. TIẾN ĐỘ CỦA CÁC CƠ QUAN BHXH CƠ SỞ TRỰC THUỘC"));
        assert!(t.contains("Chưa có số liệu"), "{t}");
        // as of May, for May: current
        let t = texts(&base_offices_blocks(&picture("2024-05"), "2024-05"));
        assert!(t.contains("tổng hợp lúc 08:00 ngày 03/06/2024"), "{t}");
        assert!(t.contains("nhận về lúc 08:05 ngày 03/06/2024"), "{t}");
        assert!(t.contains("Đã báo cáo tháng 05/2024: 1/1 đơn vị"), "{t}");
        assert!(
            t.contains(
                "1 | HN-1 | BHXH cơ sở Ba Đình (đã thu hồi mã truy cập) | Đã báo cáo (tháng 05/2024, lần 2) | 0 | 0 | 1 | 45%"
            ),
            "{t}"
        );
        assert!(!t.contains("cũ hơn"), "{t}");
        // as of April, for June: older than the month reported
        let t = texts(&base_offices_blocks(&picture("2024-04"), "2024-06"));
        assert!(
            t.contains("số liệu này cũ hơn kỳ báo cáo — Bảo hiểm xã hội Việt Nam tổng hợp tính đến tháng 04/2024, trước tháng 06/2024"),
            "{t}"
        );
        assert!(t.contains("Chưa báo cáo (gần nhất: tháng 05/2024)"), "{t}");
    }

    #[test]
    fn ages_read_as_people_say_them() {
        let now = bhxh_core::parse_ts("2024-06-05T10:00:00+07:00").unwrap();
        let age = |t: &str| crate::sync::age(t, &now).unwrap().1;
        assert_eq!(age("2024-06-05T09:59:30+07:00"), "vừa xong");
        assert_eq!(age("2024-06-05T09:15:00+07:00"), "45 phút trước");
        assert_eq!(age("2024-06-05T07:00:00+07:00"), "3 giờ trước");
        assert_eq!(age("2024-06-02T10:00:00+07:00"), "3 ngày trước");
        assert!(crate::sync::age("không phải thời điểm", &now).is_none());
    }
}

/// Who signs the office's reports and who receives them ("Nơi nhận"), as
/// the office sets them (settings `report.*`). Empty `signer_name`: the
/// approving supervisor signs; no recipients set: the standard list.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReportSettings {
    /// e.g. "KT. GIÁM ĐỐC" above the title; empty for none.
    pub signer_authority: String,
    pub signer_title: String,
    pub signer_name: String,
    pub recipients: Vec<String>,
}

/// Who the office's reports are sent to.
const UPWARD_ADDRESSEE: &str = "Bảo hiểm xã hội Việt Nam";

/// The distribution list an office starts from: the addressee ("Như
/// trên"), the directors, and the archive line of Decree 30/2020 (the
/// records office, the drafting unit, the number of copies kept).
const DEFAULT_RECIPIENTS: [&str; 4] = [
    "- Như trên;",
    "- Tổ công tác triển khai Đề án 06;",
    "- Giám đốc, các Phó Giám đốc;",
    "- Lưu: VT, VP, 02.",
];

/// The list with "- Như trên;" first (a report with a "Kính gửi" line
/// always names its addressee first), whatever the office typed.
fn with_as_above(recipients: &[String]) -> Vec<String> {
    let folded = |s: &str| bhxh_core::text::fold(s);
    let mut out: Vec<String> = Vec::with_capacity(recipients.len() + 1);
    if !recipients.first().is_some_and(|r| {
        folded(r)
            .trim_start_matches(['-', ' '])
            .starts_with("nhu tren")
    }) {
        out.push("- Như trên;".to_owned());
    }
    out.extend(recipients.iter().cloned());
    out
}

impl ReportSettings {
    /// The settings as stored (defaults where none are set).
    pub fn load(conn: &rusqlite::Connection) -> Result<Self, bhxh_core::CoreError> {
        use bhxh_core::office::settings::get;
        Ok(ReportSettings {
            signer_authority: get(conn, "report.signer_authority")?.unwrap_or_default(),
            signer_title: get(conn, "report.signer_title")?
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| "GIÁM ĐỐC".into()),
            signer_name: get(conn, "report.signer_name")?.unwrap_or_default(),
            recipients: match get(conn, "report.recipients")? {
                Some(text) => text
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_owned)
                    .collect(),
                None => DEFAULT_RECIPIENTS.iter().map(|s| (*s).to_owned()).collect(),
            },
        })
    }

    /// Checked and normalised (NFC, trimmed) before it is stored.
    pub fn checked(&self) -> Result<Self, bhxh_core::CoreError> {
        use bhxh_core::CoreError;
        use bhxh_core::text::nfc;
        let line = |field: &'static str, label: &str, s: &str, max: usize| {
            let s = nfc(s.trim());
            if s.chars().count() > max {
                return Err(CoreError::invalid(
                    field,
                    format!("{label} dài quá {max} ký tự."),
                ));
            }
            if s.contains(['\n', '\r']) {
                return Err(CoreError::invalid(
                    field,
                    format!("{label} chỉ được một dòng."),
                ));
            }
            Ok(s)
        };
        let title = line("signerTitle", "Chức danh người ký", &self.signer_title, 80)?;
        if title.is_empty() {
            return Err(CoreError::invalid(
                "signerTitle",
                "Hãy nhập chức danh người ký (ví dụ GIÁM ĐỐC).",
            ));
        }
        let recipients = self
            .recipients
            .iter()
            .map(|r| line("recipients", "Mỗi dòng nơi nhận", r, 200))
            .filter(|r| !matches!(r, Ok(s) if s.is_empty()))
            .collect::<Result<Vec<_>, _>>()?;
        if recipients.len() > 15 {
            return Err(CoreError::invalid("recipients", "Nơi nhận tối đa 15 dòng."));
        }
        Ok(ReportSettings {
            signer_authority: line(
                "signerAuthority",
                "Dòng thẩm quyền ký",
                &self.signer_authority,
                80,
            )?,
            signer_title: title,
            signer_name: line("signerName", "Họ tên người ký", &self.signer_name, 80)?,
            recipients,
        })
    }

    /// The signer of a report approved by `approved_by`.
    pub fn signer(&self, approved_by: &str) -> Signer {
        Signer {
            authority: Some(self.signer_authority.clone()).filter(|s| !s.trim().is_empty()),
            title: self.signer_title.clone(),
            name: Some(self.signer_name.clone())
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| approved_by.to_owned()),
        }
    }
}

impl Desk {
    pub(crate) fn report_period(kind: &str, period: &str) -> Result<ReportPeriod, DeskError> {
        let kind = ReportKind::parse(kind).ok_or_else(|| {
            bhxh_core::CoreError::invalid(
                "kind",
                format!("Loại báo cáo \"{kind}\" không có; chọn month, half hoặc year."),
            )
        })?;
        Ok(ReportPeriod::parse(kind, period)?)
    }

    /// The report as it stands: the approved snapshot, or a draft from the
    /// live entries.
    pub fn report_current(&self, kind: &str, period: &str) -> Result<dto::Snapshot, DeskError> {
        self.read(Action::ViewPlan, |conn, _| {
            Ok(progress::current(conn, &Self::report_period(kind, period)?)?.into())
        })
    }

    pub fn report_revisions(
        &self,
        kind: &str,
        period: &str,
    ) -> Result<Vec<dto::ReportRecord>, DeskError> {
        self.read(Action::ViewPlan, |conn, _| {
            Ok(dto::all(progress::revisions(
                conn,
                &Self::report_period(kind, period)?,
            )?))
        })
    }

    /// Approve and freeze a period's report.
    pub fn report_approve(
        &self,
        kind: &str,
        period: &str,
        number: &str,
    ) -> Result<dto::Snapshot, DeskError> {
        let period = Self::report_period(kind, period)?;
        self.change(Action::ApproveReport, |tx, actor, now| {
            Ok(progress::approve(tx, actor, &period, number, now)?.into())
        })
    }

    /// Open a correction of an approved report, with a reason.
    pub fn report_reopen(
        &self,
        kind: &str,
        period: &str,
        reason: &str,
    ) -> Result<dto::ReportRecord, DeskError> {
        let period = Self::report_period(kind, period)?;
        self.change(Action::ApproveReport, |tx, actor, now| {
            Ok(progress::reopen(tx, actor, &period, reason, now)?.into())
        })
    }

    /// Write a period's report as PDF (Decree 30/2020 layout), XLSX and/or
    /// the JSON snapshot HQ receives; each file appears atomically. Without
    /// `revision`, the newest approved revision, or a draft when the newest
    /// revision is not approved. Audited as an export.
    pub fn report_export(
        &self,
        kind: &str,
        period: &str,
        revision: Option<i64>,
        targets: &ExportTargets,
    ) -> Result<ExportedReport, DeskError> {
        self.report_export_with(kind, period, revision, targets, &ReportOptions::default())
    }

    /// [`Desk::report_export`] with `options` (the base offices' section).
    pub fn report_export_with(
        &self,
        kind: &str,
        period: &str,
        revision: Option<i64>,
        targets: &ExportTargets,
        options: &ReportOptions,
    ) -> Result<ExportedReport, DeskError> {
        let actor = self.authorize(Action::ExportReport)?;
        let period = Self::report_period(kind, period)?;
        let snapshot = {
            let conn = self.store.conn()?;
            match revision {
                Some(r) => progress::approved_snapshot(&conn, &period, Some(r))?,
                None => progress::current(&conn, &period)?,
            }
        };
        self.write_report(&actor, snapshot, targets, options)
    }

    /// Print a period's report (the PDF of [`Desk::report_export`]) on
    /// `printer`, or the print system's default, through a private
    /// temporary file removed once the print system has the job. Audited
    /// as printed once the print system took it.
    pub fn report_print(
        &self,
        kind: &str,
        period: &str,
        revision: Option<i64>,
        printer: Option<&str>,
    ) -> Result<crate::Printed, DeskError> {
        self.report_print_with(kind, period, revision, printer, &ReportOptions::default())
    }

    /// The report [`Desk::report_print_with`] would print (the current
    /// figures), for the window's preview: in memory, not logged.
    pub fn report_preview_with(
        &self,
        kind: &str,
        period: &str,
        options: &ReportOptions,
    ) -> Result<crate::dto::PaperPreview, DeskError> {
        self.authorize(Action::ExportReport)?;
        let period = Self::report_period(kind, period)?;
        let snapshot = progress::current(&*self.store.conn()?, &period)?;
        Ok(crate::dto::PaperPreview::of(
            &self.report_pdf_with(&snapshot, options)?,
        ))
    }

    /// [`Desk::report_print`] with `options` (the base offices' section).
    pub fn report_print_with(
        &self,
        kind: &str,
        period: &str,
        revision: Option<i64>,
        printer: Option<&str>,
        options: &ReportOptions,
    ) -> Result<crate::Printed, DeskError> {
        let actor = self.authorize(Action::ExportReport)?;
        let period = Self::report_period(kind, period)?;
        let snapshot = {
            let conn = self.store.conn()?;
            match revision {
                Some(r) => progress::approved_snapshot(&conn, &period, Some(r))?,
                None => progress::current(&conn, &period)?,
            }
        };
        let pdf = self.report_pdf_with(&snapshot, options)?;
        let title = bhxh_print::job_title(&["BHXH Desk", &file_stem(&snapshot)]);
        let done = self.printer().print_pdf(printer, &title, &pdf)?;
        self.record(
            &actor,
            "print",
            "report",
            &format!(
                "{}:{}#{}",
                snapshot.kind.as_str(),
                snapshot.period,
                snapshot.revision
            ),
            serde_json::json!({
                "status": snapshot.status,
                "output": "printer",
                "printer": done.queue,
                "job": done.job_id,
                "baseOffices": options.include_base_offices,
            }),
        )?;
        Ok(crate::Printed {
            printer: done.queue,
            job_id: done.job_id,
            title,
        })
    }

    /// The PDF of a snapshot: the signed one when that approved revision was
    /// signed with the token, else rendered now.
    pub(crate) fn report_pdf(&self, snapshot: &Snapshot) -> Result<Vec<u8>, DeskError> {
        self.report_pdf_with(snapshot, &ReportOptions::default())
    }

    /// [`Desk::report_pdf`] with `options`. A signed revision is given as
    /// it was signed, never with a section added: asked for the base
    /// offices, it is refused.
    fn report_pdf_with(
        &self,
        snapshot: &Snapshot,
        options: &ReportOptions,
    ) -> Result<Vec<u8>, DeskError> {
        if snapshot.status == "approved" {
            let signed = bhxh_core::dossiers::signed::report(
                &*self.store.conn()?,
                snapshot.kind.as_str(),
                &snapshot.period,
                snapshot.revision,
            )?;
            if let Some(sha) = signed {
                if options.include_base_offices {
                    return Err(DeskError::invalid(
                        "includeBaseOffices",
                        format!(
                            "Báo cáo {} lần {} đã được ký số; bản đã ký không thể thêm phần các cơ quan \
                             BHXH cơ sở trực thuộc. Hãy xuất bản đã ký như nó là, hoặc xuất một bản \
                             dự thảo có phần này.",
                            snapshot.period_label, snapshot.revision
                        ),
                    ));
                }
                return Ok(self.files()?.get(&sha)?);
            }
        }
        let doc = self.report_doc(snapshot, options)?;
        bhxh_report::render_pdf(&doc).map_err(|e| DeskError::Render(e.to_string()))
    }

    /// The Decree 30 document of a snapshot, with the office's signer and
    /// recipients.
    fn report_doc(
        &self,
        snapshot: &Snapshot,
        options: &ReportOptions,
    ) -> Result<bhxh_report::ReportDoc, DeskError> {
        let (office, report_settings, stored) = {
            let conn = self.store.conn()?;
            (
                office::get(&conn)?.ok_or(DeskError::NotSetUp)?,
                ReportSettings::load(&conn)?,
                if options.include_base_offices {
                    Some(base_offices::load(&conn)?)
                } else {
                    None
                },
            )
        };
        if let Some(stored) = &stored {
            if snapshot.kind != ReportKind::Month {
                return Err(DeskError::invalid(
                    "includeBaseOffices",
                    "Phần tiến độ của các cơ quan BHXH cơ sở trực thuộc chỉ có trong báo cáo tháng.",
                ));
            }
            if let Stored::NotProvincial { .. } = stored {
                return Err(DeskError::invalid(
                    "includeBaseOffices",
                    "Theo BHXH Việt Nam, đơn vị là BHXH cơ sở: không có cơ quan BHXH cơ sở trực thuộc \
                     để đưa vào báo cáo.",
                ));
            }
        }
        let signer = report_settings.signer(&snapshot.approved_by);
        let recipients = report_settings.recipients;
        let now = self.now();
        let date = snapshot
            .approved_at
            .as_deref()
            .and_then(|t| bhxh_core::parse_ts(t).ok())
            .map_or_else(|| now.date_naive(), |t| t.date_naive());
        let mut doc = document(snapshot, &office, &signer, &recipients, date, now);
        if let Some(stored) = &stored {
            doc.blocks
                .extend(base_offices_blocks(stored, &snapshot.period));
        }
        Ok(doc)
    }

    /// The files of `report_export`, from a snapshot already read.
    fn write_report(
        &self,
        actor: &Actor,
        snapshot: Snapshot,
        targets: &ExportTargets,
        options: &ReportOptions,
    ) -> Result<ExportedReport, DeskError> {
        let doc = self.report_doc(&snapshot, options)?;
        let mut files = Vec::new();
        if let Some(path) = &targets.pdf {
            let bytes = self.report_pdf_with(&snapshot, options)?;
            paths::write_atomic(path, &bytes)?;
            files.push(path.display().to_string());
        }
        if let Some(path) = &targets.xlsx {
            let bytes = bhxh_report::render_xlsx(&doc).map_err(|e| DeskError::BadFile {
                path: path.clone(),
                detail: e.to_string(),
            })?;
            paths::write_atomic(path, &bytes)?;
            files.push(path.display().to_string());
        }
        if let Some(path) = &targets.json {
            let bytes = serde_json::to_vec_pretty(&snapshot).map_err(|e| DeskError::BadFile {
                path: path.clone(),
                detail: e.to_string(),
            })?;
            paths::write_atomic(path, &bytes)?;
            files.push(path.display().to_string());
        }
        self.record(
            actor,
            "export",
            "report",
            &format!(
                "{}:{}#{}",
                snapshot.kind.as_str(),
                snapshot.period,
                snapshot.revision
            ),
            serde_json::json!({
                "files": files,
                "status": snapshot.status,
                "baseOffices": options.include_base_offices,
            }),
        )?;
        Ok(ExportedReport {
            stem: file_stem(&snapshot),
            status: snapshot.status,
            revision: snapshot.revision,
            files,
        })
    }

    /// The report signer and recipients (anyone signed in may read them).
    pub fn report_settings(&self) -> Result<ReportSettings, DeskError> {
        self.read(Action::ViewPlan, |conn, _| Ok(ReportSettings::load(conn)?))
    }

    /// Set them; audited.
    pub fn report_settings_save(
        &self,
        input: &ReportSettings,
    ) -> Result<ReportSettings, DeskError> {
        let s = input.checked()?;
        self.change(Action::EditReportSettings, |tx, actor, now| {
            settings::set(tx, "report.signer_authority", &s.signer_authority)?;
            settings::set(tx, "report.signer_title", &s.signer_title)?;
            settings::set(tx, "report.signer_name", &s.signer_name)?;
            settings::set(tx, "report.recipients", &s.recipients.join("\n"))?;
            audit::append(
                tx,
                actor,
                &Event {
                    action: "update",
                    entity: "setting",
                    entity_id: "report",
                    detail: serde_json::to_value(&s).unwrap_or_default(),
                },
                now,
            )?;
            Ok(s)
        })
    }
}
