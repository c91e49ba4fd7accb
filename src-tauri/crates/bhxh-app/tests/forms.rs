//! The one-stop forms besides the receipt, end to end below the UI: a real
//! SQLCipher file, the real OS keyring, real poppler tools on the PDFs.
//! Run under `scripts/with-keyring.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use bhxh_app::Desk;
use bhxh_app::dossiers::DossierForm;
use bhxh_app::dto::Role;
use bhxh_app::dto::Sex;
use bhxh_app::dto::{DossierStatus as Status, IdentitySource, IntakeInput};

mod common;
use bhxh_report::testing::{assert_fonts_embedded, pdf_pages, poppler};
use common::{
    ADMIN_PW, CLERK_PW, ManualClock, add_counter_clerk, add_staff, intake_input, office_desk,
    pdf_text, take,
};

const OFFICER_PW: &str = "Giaiquyet-2024x";

/// A desk with a counter clerk (signed in) and a processing officer.
fn ready(dir: &std::path::Path, start: &str) -> (Desk, ManualClock) {
    let now = ManualClock::at(start);
    let desk = office_desk(dir, Some(now.clock()));
    add_counter_clerk(&desk);
    add_staff(
        &desk,
        "giaiquyet",
        "Lê Văn Bình",
        Role::Supervisor,
        OFFICER_PW,
    );
    desk.sign_out().unwrap();
    desk.sign_in("tiepnhan", CLERK_PW).unwrap();
    (desk, now)
}

fn input(name: &str) -> IntakeInput {
    IntakeInput {
        identity_source: IdentitySource::Typed,
        ..intake_input(name, "001093047064", Sex::Male, "1993-01-05", vec![1])
    }
}

#[test]
fn forms_02_and_03_print_the_recorded_reason_and_are_refused_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, now) = ready(dir.path(), "2024-04-26T09:05:00+07:00");
    let d = take(&desk, &input("Nguyễn Văn Đức"));
    let missing: Vec<String> = d
        .components
        .iter()
        .filter(|c| !c.received)
        .map(|c| c.name.clone())
        .collect();
    assert!(!missing.is_empty());

    // No supplement request recorded yet: form 02 is refused, plainly.
    let err = desk
        .dossier_form(&d.code, DossierForm::Supplement)
        .unwrap_err();
    assert_eq!(err.code(), "conflict");
    assert_eq!(
        err.to_string(),
        format!(
            "Hồ sơ {} chưa có yêu cầu bổ sung, hoàn thiện nào được ghi nhận, nên không in được \
             Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02).",
            d.code
        )
    );
    let err = desk
        .dossier_form(&d.code, DossierForm::Refusal)
        .unwrap_err();
    assert!(err.to_string().contains("(mẫu 03)"), "{err}");

    now.set("2024-04-29T14:30:00+07:00");
    desk.sign_in("tiepnhan", CLERK_PW).unwrap();
    let reason = "Tờ khai thiếu chữ ký của người lao động";
    desk.dossier_set_status(&d.code, Status::SupplementRequested, reason)
        .unwrap();
    let path = dir.path().join("mau-02.pdf");
    desk.dossier_form_to(&d.code, DossierForm::Supplement, &path)
        .unwrap();
    let pdf = std::fs::read(&path).unwrap();
    assert_eq!(pdf_pages(&pdf), 1);
    let t = pdf_text(&pdf, &[]);
    for needle in [
        "BẢO HIỂM XÃ HỘI TỈNH HÀ NAM".to_owned(),
        "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ".to_owned(),
        "Hà Nam, ngày 29 tháng 4 năm 2024".to_owned(),
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ".to_owned(),
        format!("Mã hồ sơ: {}", d.code),
        "Kính gửi: Ông/bà Nguyễn Văn Đức".to_owned(),
        format!("Nội dung yêu cầu giải quyết: {}", d.procedure_name),
        format!("Lý do: {reason}"),
        format!("(1) {}", missing[0]),
        "NGƯỜI HƯỚNG DẪN".to_owned(),
        "Trần Thị Hằng".to_owned(),
    ] {
        assert!(t.contains(&needle), "missing {needle:?} in {t}");
    }
    assert_fonts_embedded(&pdf);
    // Still not refused.
    assert!(desk.dossier_form(&d.code, DossierForm::Refusal).is_err());

    now.set("2024-05-06T10:00:00+07:00");
    desk.sign_in("giaiquyet", OFFICER_PW).unwrap();
    let refusal = "Người nộp không bổ sung hồ sơ trong thời hạn";
    desk.dossier_set_status(&d.code, Status::Refused, refusal)
        .unwrap();
    let pdf = desk.dossier_form(&d.code, DossierForm::Refusal).unwrap();
    let t = pdf_text(&pdf, &[]);
    for needle in [
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ".to_owned(),
        format!("Mã hồ sơ: {}", d.code),
        "Hà Nam, ngày 06 tháng 5 năm 2024".to_owned(),
        "tiếp nhận hồ sơ của: Nguyễn Văn Đức".to_owned(),
        format!("với lý do cụ thể như sau: {refusal}"),
        "NGƯỜI TIẾP NHẬN HỒ SƠ".to_owned(),
        "Lê Văn Bình".to_owned(),
    ] {
        assert!(t.contains(&needle), "missing {needle:?} in {t}");
    }
    assert_fonts_embedded(&pdf);
    // Form 02 still prints the earlier request, with its own officer and date.
    let t = pdf_text(
        &desk.dossier_form(&d.code, DossierForm::Supplement).unwrap(),
        &[],
    );
    assert!(t.contains(&format!("Lý do: {reason}")), "{t}");
    assert!(t.contains("ngày 29 tháng 4 năm 2024"), "{t}");

    // Each print is in the processing log with its form.
    desk.sign_out().unwrap();
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    let log = desk.audit_list(100, None).unwrap();
    let forms: Vec<String> = log
        .iter()
        .filter(|e| e.action == "print" && e.entity_id == d.code)
        .map(|e| e.detail.clone())
        .collect();
    assert_eq!(forms.len(), 3, "{forms:?}");
    assert_eq!(
        forms.iter().filter(|f| f.contains("\"02\"")).count(),
        2,
        "{forms:?}"
    );
    assert_eq!(
        forms.iter().filter(|f| f.contains("\"03\"")).count(),
        1,
        "{forms:?}"
    );
}

#[test]
fn form_05_lists_the_hand_overs_of_a_dossier() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, now) = ready(dir.path(), "2024-04-26T09:05:00+07:00");
    let d = take(&desk, &input("Phạm Văn Đạt"));
    desk.sign_out().unwrap();
    now.set("2024-04-29T08:10:00+07:00");
    desk.sign_in("giaiquyet", OFFICER_PW).unwrap();
    desk.dossier_set_status(&d.code, Status::Processing, "")
        .unwrap();
    now.set("2024-05-10T15:45:00+07:00");
    desk.sign_in("giaiquyet", OFFICER_PW).unwrap();
    desk.dossier_set_status(&d.code, Status::ResultReady, "Đã cấp sổ BHXH")
        .unwrap();
    let pdf = desk.dossier_form(&d.code, DossierForm::Tracking).unwrap();
    let t = pdf_text(&pdf, &[]);
    for needle in [
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ".to_owned(),
        format!("Mã hồ sơ: {}", d.code),
        "Thời gian nhận hồ sơ: 09 giờ 05 phút, ngày 26/04/2024".to_owned(),
        format!(
            "Thời gian hẹn trả kết quả: ngày {}",
            d.due_on.format("%d/%m/%Y")
        ),
        "Phạm Văn Đạt → Trần Thị Hằng".to_owned(),
        "Trần Thị Hằng → Lê Văn Bình".to_owned(),
        "Đã tiếp nhận → Đang giải quyết".to_owned(),
        "Đang giải quyết → Có kết quả".to_owned(),
        "08 giờ 10 phút, ngày 29/04/2024".to_owned(),
        "Đã cấp sổ BHXH".to_owned(),
        "Quá hạn".to_owned(),
    ] {
        assert!(t.contains(&needle), "missing {needle:?} in {t}");
    }
    assert_fonts_embedded(&pdf);
    // By number, in the dossier's own set (Circular 01/2018 for 2024): 05
    // is this sheet, and there is no 07.
    let by_number = desk.dossier_form_by_number(&d.code, "5").unwrap();
    assert!(pdf_text(&by_number, &[]).contains("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"));
    let err = desk.dossier_form_by_number(&d.code, "07").unwrap_err();
    assert!(err.to_string().contains("TT01/2018"), "{err}");
}

#[test]
fn the_register_lists_a_years_dossiers_once_each_over_several_pages() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, now) = ready(dir.path(), "2024-04-26T09:05:00+07:00");
    let names = [
        "Nguyễn Văn Đức",
        "Phạm Văn Đạt",
        "Lê Hoàng Yến",
        "Đỗ Minh Quý",
    ];
    let mut codes = Vec::new();
    for i in 0..60 {
        let d = take(&desk, &input(names[i % names.len()]));
        codes.push(d.code);
    }
    desk.dossier_set_status(&codes[6], Status::Refused, "Hồ sơ không thuộc thẩm quyền")
        .unwrap();
    // A dossier of the next year goes in the next year's book.
    now.set("2025-01-02T08:00:00+07:00");
    desk.sign_in("tiepnhan", CLERK_PW).unwrap();
    let next_year = take(&desk, &input("Vũ Thị Lan"));
    assert_eq!(next_year.register_no, 1);

    let path = dir.path().join("so-theo-doi-2024.pdf");
    desk.dossier_register_to(2024, &path).unwrap();
    let pdf = std::fs::read(&path).unwrap();
    let n = pdf_pages(&pdf);
    assert!(n >= 3, "{n} pages");
    let info = poppler("pdfinfo", &[], &pdf);
    assert!(info.contains("841.89 x 595.276 pts"), "{info}");
    let all = pdf_text(&pdf, &[]);
    assert!(all.contains("SỔ THEO DÕI HỒ SƠ"), "{all}");
    assert!(all.contains("Năm 2024"), "{all}");
    for code in &codes {
        assert_eq!(all.matches(code.as_str()).count(), 1, "{code} in {all}");
    }
    assert!(!all.contains(&next_year.code), "{all}");
    assert!(
        all.contains("Từ chối tiếp nhận: Hồ sơ không thuộc thẩm quyền"),
        "{all}"
    );
    // Register order.
    let positions: Vec<usize> = codes
        .iter()
        .map(|c| all.find(c.as_str()).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
    for page in 1..=n {
        let p = page.to_string();
        let t = pdf_text(&pdf, &["-f", &p, "-l", &p]);
        for header in ["STT", "Mã hồ sơ", "Tên cá nhân, tổ chức", "Trả kết quả"] {
            assert!(t.contains(header), "page {page}: {header:?} in {t}");
        }
        if page > 1 {
            assert!(t.starts_with(&format!("{page} ")), "page {page}: {t}");
        }
    }
    assert_fonts_embedded(&pdf);

    let t = pdf_text(&desk.dossier_register(2025).unwrap(), &[]);
    assert!(t.contains(&next_year.code), "{t}");
    assert!(!t.contains(&codes[0]), "{t}");

    desk.sign_out().unwrap();
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    let log = desk.audit_list(100, None).unwrap();
    assert!(
        log.iter().any(|e| e.action == "print"
            && e.entity == "dossier_register"
            && e.entity_id == "2024"),
        "{log:?}"
    );
}
