//! The Project 06 report end to end: progress entered and approved in a real
//! encrypted store, then written as PDF, XLSX and JSON, and read back with
//! real tools (poppler's pdftotext and pdffonts, calamine for XLSX).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::Path;

use bhxh_app::dto::Role;
use bhxh_app::dto::{ProgressInput, TaskStatus as Status};
use bhxh_app::{Desk, ExportTargets};

mod common;
use bhxh_report::testing::poppler;
use common::{ADMIN_PW, ManualClock, add_staff, desk_for, hoa_binh};

/// A poppler tool's output on a PDF file.
fn tool(name: &str, pdf: &Path) -> String {
    poppler(name, &[], &std::fs::read(pdf).unwrap())
}

/// The PDF of a `period`'s monthly report, written to `path`.
fn export_pdf(desk: &Desk, period: &str, path: &Path) {
    desk.report_export(
        "month",
        period,
        None,
        &ExportTargets {
            pdf: Some(path.to_owned()),
            ..Default::default()
        },
    )
    .unwrap();
}

#[test]
fn an_approved_monthly_report_prints_per_decree_30_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at("2024-03-28T09:00:00+07:00");
    let desk = desk_for(dir.path(), Some(clock.clock()), hoa_binh());
    add_staff(
        &desk,
        "giamsat",
        "Nguyễn Thị Ánh Tuyết",
        Role::Supervisor,
        ADMIN_PW,
    );
    desk.sign_out().unwrap();
    desk.sign_in("giamsat", ADMIN_PW).unwrap();
    let entries = [
        (
            21,
            Status::InProgress,
            64,
            Some(64.0),
            "Đã xác thực 64% số người tham gia với CSDL quốc gia về dân cư.",
        ),
        (3, Status::Done, 100, None, "Đã gửi báo cáo tháng đúng hạn."),
        (
            8,
            Status::Late,
            40,
            None,
            "Chưa tổ chức được lớp tập huấn đợt 2.",
        ),
    ];
    for (task, status, percent, indicator, narrative) in entries {
        desk.progress_save(
            "2024-03",
            &ProgressInput {
                task_number: task,
                status,
                percent,
                indicator_value: indicator,
                narrative: narrative.into(),
                override_reason: None,
            },
        )
        .unwrap();
    }
    let approved = desk
        .report_approve("month", "2024-03", "15/BC-BHXH")
        .unwrap();

    let pdf = dir.path().join("bao-cao.pdf");
    let xlsx = dir.path().join("bao-cao.xlsx");
    let json = dir.path().join("bao-cao.json");
    let done = desk
        .report_export(
            "month",
            "2024-03",
            None,
            &ExportTargets {
                pdf: Some(pdf.clone()),
                xlsx: Some(xlsx.clone()),
                json: Some(json.clone()),
            },
        )
        .unwrap();
    assert_eq!((done.status.as_str(), done.revision), ("approved", 1));
    assert_eq!(done.files.len(), 3);

    // BHXH_REPORT_KEEP=DIR keeps the PDF for a look (docs, reviews).
    if let Some(keep) = std::env::var_os("BHXH_REPORT_KEEP") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(&pdf, std::path::Path::new(&keep).join("bao-cao-thang.pdf")).unwrap();
    }

    // The text is exact Vietnamese, in the Decree 30 order.
    let text = tool("pdftotext", &pdf);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "BẢO HIỂM XÃ HỘI VIỆT NAM",
        "BẢO HIỂM XÃ HỘI TỈNH HÒA BÌNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 15/BC-BHXH",
        "Hòa Bình, ngày 28 tháng 3 năm 2024",
        "BÁO CÁO",
        "Kết quả thực hiện Kế hoạch triển khai Đề án 06 tháng 3 năm 2024",
        "Hoàn thành",
        "Chậm tiến độ",
        "Nơi nhận:",
        "Nguyễn Thị Ánh Tuyết",
    ] {
        let n = needle.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains(&n) || flat.contains(&n.to_uppercase()) || text.contains(needle),
            "{needle:?} missing from:\n{text}"
        );
    }
    assert!(flat.contains("64%"), "{flat}");
    let order = [
        "CỘNG HÒA",
        "BÁO CÁO",
        "I. KẾT QUẢ THỰC HIỆN",
        "II. NHIỆM VỤ CHẬM TIẾN ĐỘ",
        "Nơi nhận:",
    ]
    .map(|n| flat.find(n).unwrap_or_else(|| panic!("{n} missing")));
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(flat.contains("Nhiệm vụ 8:"), "the late task is listed");

    // Every font is embedded.
    let fonts = tool("pdffonts", &pdf);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts}");
    assert!(rows.iter().all(|r| r.contains(" yes ")), "{fonts}");
    assert!(fonts.contains("LiberationSerif"), "{fonts}");
    let info = tool("pdfinfo", &pdf);
    assert!(info.contains("x 841.89 pts (A4)"), "A4: {info}");

    // The XLSX has the same figures.
    use calamine::{Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let cells: Vec<String> = sheet
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(
        cells
            .iter()
            .any(|c| c.contains("Đã xác thực 64% số người tham gia")),
        "{cells:?}"
    );
    assert!(cells.iter().any(|c| c == "Chậm tiến độ"), "{cells:?}");

    // The JSON is the frozen snapshot, exactly.
    let back: bhxh_core::progress::Snapshot =
        serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(bhxh_app::dto::Snapshot::from(back), approved);

    // A draft of the next month says so.
    let draft = dir.path().join("du-thao.pdf");
    export_pdf(&desk, "2024-04", &draft);
    let text = tool("pdftotext", &draft);
    assert!(text.contains("(dự thảo)"), "{text}");
    let log = desk.audit_list(20, None).unwrap();
    assert_eq!(
        log.iter()
            .filter(|e| e.action == "export" && e.entity == "report")
            .count(),
        2
    );

    // The office sets who signs its reports and who receives them.
    let mut s = desk.report_settings().unwrap();
    assert_eq!(
        (s.signer_title.as_str(), s.recipients.len()),
        ("GIÁM ĐỐC", 4)
    );
    s.signer_authority = "KT. GIÁM ĐỐC".into();
    s.signer_title = "PHÓ GIÁM ĐỐC".into();
    s.signer_name = "Lê Văn Thành".into();
    s.recipients = vec![
        "- Bảo hiểm xã hội Việt Nam;".into(),
        "  ".into(),
        "- Lưu: VT, KHTC.".into(),
    ];
    let saved = desk.report_settings_save(&s).unwrap();
    assert_eq!(saved.recipients.len(), 2, "blank lines dropped");
    assert_eq!(desk.report_settings().unwrap(), saved);
    let mut bad = saved.clone();
    bad.signer_title = " ".into();
    let err = desk.report_settings_save(&bad).unwrap_err();
    assert_eq!(err.code(), "invalid", "{err}");
    assert_eq!(desk.report_settings().unwrap(), saved, "nothing written");
    let signed = dir.path().join("ky.pdf");
    export_pdf(&desk, "2024-03", &signed);
    let text = tool("pdftotext", &signed);
    for needle in [
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Lê Văn Thành",
        "- Lưu: VT, KHTC.",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    assert!(!text.contains("các Phó Giám đốc"), "{text}");

    // Evidence files: sealed, listed, exported byte for byte; an approved
    // month takes no more.
    let proof = "%PDF-1.4 biên bản lớp tập huấn kỹ năng số".as_bytes();
    let e = desk
        .progress_evidence_add("2024-02", 8, "Biên bản tập huấn.pdf", proof)
        .unwrap();
    assert_eq!(
        (e.media_type.as_str(), e.task_number),
        ("application/pdf", 8)
    );
    assert_eq!(desk.progress_evidence("2024-02").unwrap(), vec![e.clone()]);
    let err = desk
        .progress_evidence_add("2024-03", 8, "Biên bản.pdf", proof)
        .unwrap_err();
    assert_eq!(err.code(), "conflict", "{err}");
    let out = desk
        .progress_evidence_export(e.id, &dir.path().join("minh-chung"))
        .unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), proof);
    // To the file chosen in the save dialog, byte for byte, nothing beside it.
    let chosen = tempfile::tempdir().unwrap();
    let path = chosen.path().join("ban-giai-ma.pdf");
    desk.progress_evidence_save(e.id, &path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), proof);
    assert_eq!(std::fs::read_dir(chosen.path()).unwrap().count(), 1);
    assert!(desk.check().unwrap().ok);
}
