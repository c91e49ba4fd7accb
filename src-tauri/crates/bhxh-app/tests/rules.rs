//! The rules in force on a dossier's date, end to end below the UI: a real
//! SQLCipher file, the real OS keyring, the built-in reference packs, the
//! papers read back with poppler and their QR codes decoded from a 200 dpi
//! rendering. Run under `scripts/with-keyring.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use bhxh_app::Desk;
use bhxh_app::dossiers::DossierForm;
use bhxh_app::dto::{DossierStatus as Status, IntakeInput, ProcedureEdit, Sex};
use chrono::NaiveDate;

mod common;
use common::{
    ADMIN_PW, CLERK_PW, ManualClock, add_counter_clerk, first_page, intake_input, office_desk,
    pdf_text, take,
};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A desk whose clock starts at `start`, the counter clerk signed in.
fn ready(dir: &std::path::Path, start: &str) -> (Desk, ManualClock) {
    let now = ManualClock::at(start);
    let desk = office_desk(dir, Some(now.clock()));
    add_counter_clerk(&desk);
    desk.sign_out().unwrap();
    desk.sign_in("tiepnhan", CLERK_PW).unwrap();
    (desk, now)
}

fn for_procedure(code: &str, name: &str) -> IntakeInput {
    IntakeInput {
        procedure_code: code.into(),
        ..intake_input(name, "001093047064", Sex::Male, "1993-01-05", vec![1])
    }
}

fn qr_of(pdf: &[u8]) -> Vec<String> {
    let page = first_page(pdf, &["-png", "-gray"]);
    let img = image::load_from_memory(&page).unwrap().to_luma8();
    rqrr::PreparedImage::prepare(img)
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|d| d.1))
        .collect()
}

#[test]
fn a_2024_dossier_and_a_2026_one_print_their_own_paper_sets_and_due_dates() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, now) = ready(dir.path(), "2024-05-06T09:00:00+07:00");
    // Sickness benefit: 6 working days in the 2018–2024 catalogue, 7 under
    // Art. 48(3) of Law 41/2024 from 1/7/2025.
    let old = take(&desk, &for_procedure("1.001667", "Nguyễn Văn Đức"));
    assert_eq!(old.paper_set, "TT01/2018");
    assert_eq!(old.due_on, day("2024-05-14"), "Mon 6/5 + 6 working days");
    assert_eq!(old.deadline_text, "6 ngày làm việc");

    now.set("2026-12-02T09:00:00+07:00");
    desk.sign_in("tiepnhan", CLERK_PW).unwrap();
    let new = take(&desk, &for_procedure("1.001667", "Trần Văn Bình"));
    assert_eq!(new.paper_set, "TT03/2025");
    assert_eq!(new.due_on, day("2026-12-11"), "Wed 2/12 + 7 working days");
    assert_eq!(new.deadline_text, "7 ngày làm việc");
    assert!(
        new.deadline_basis.contains("Điều 48"),
        "{}",
        new.deadline_basis
    );

    // The receipts: each names its own circular; the old one is a reprint
    // today and still shows the 2018 form and its 2024 due date.
    let old_receipt = pdf_text(&desk.dossier_receipt(&old.code).unwrap(), &[]);
    assert!(
        old_receipt.contains("Mẫu số 01 – Thông tư 01/2018/TT-VPCP"),
        "{old_receipt}"
    );
    assert!(
        old_receipt.contains("14/05/2024") || old_receipt.contains("ngày 14 tháng 05 năm 2024"),
        "{old_receipt}"
    );
    assert!(old_receipt.contains("06 ngày làm việc"), "{old_receipt}");
    let new_receipt = pdf_text(&desk.dossier_receipt(&new.code).unwrap(), &[]);
    assert!(
        new_receipt.contains("Mẫu số 01 – Thông tư 03/2025/TT-VPCP"),
        "{new_receipt}"
    );
    assert!(new_receipt.contains("07 ngày làm việc"), "{new_receipt}");

    // Form "05" is the control sheet of the 2024 set and the stop notice of
    // the 2025 set; a stop needs its reason recorded first.
    let sheet = pdf_text(&desk.dossier_form_by_number(&old.code, "05").unwrap(), &[]);
    assert!(
        sheet.contains("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"),
        "{sheet}"
    );
    let err = desk.dossier_form_by_number(&new.code, "05").unwrap_err();
    assert!(
        err.to_string()
            .contains("chưa được ghi nhận là dừng giải quyết"),
        "{err}"
    );
    let err = desk
        .dossier_set_status(&new.code, Status::Stopped, " ")
        .unwrap_err();
    assert!(err.to_string().to_lowercase().contains("lý do"), "{err}");
    desk.dossier_set_status(
        &new.code,
        Status::Stopped,
        "Người nộp rút hồ sơ theo đơn ngày 02/12/2026",
    )
    .unwrap();
    let stop_pdf = desk.dossier_form_by_number(&new.code, "05").unwrap();
    let stop = pdf_text(&stop_pdf, &[]);
    for needle in [
        "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
        "Mẫu số 05 – Thông tư 03/2025/TT-VPCP",
        "Người nộp rút hồ sơ theo đơn ngày 02/12/2026",
    ] {
        assert!(stop.contains(needle), "missing {needle:?} in {stop}");
    }
    // The 2025 control sheet is form 06, one row per hand-over.
    let sheet = pdf_text(&desk.dossier_form_by_number(&new.code, "06").unwrap(), &[]);
    assert!(
        sheet.contains("Mẫu số 06 – Thông tư 03/2025/TT-VPCP"),
        "{sheet}"
    );
    assert!(
        sheet.contains("1. Giao: Trần Văn Bình 2. Nhận: Trần Thị Hằng"),
        "{sheet}"
    );
    assert!(sheet.contains("Bên giao ký"), "{sheet}");

    // Every paper carries its own signed Art. 26 QR code, issued at this
    // print.
    now.set("2026-12-02T10:30:00+07:00");
    desk.sign_in("tiepnhan", CLERK_PW).unwrap();
    let stop_pdf = desk.dossier_form_by_number(&new.code, "05").unwrap();
    let texts = qr_of(&stop_pdf);
    assert_eq!(texts.len(), 1, "{texts:?}");
    let read = bhxh_core::dossiers::qr::parse(texts[0].as_bytes()).unwrap();
    let qr = read.unverified();
    assert_eq!(qr.form, "05");
    assert_eq!(qr.ma_ho_so, new.code);
    assert_eq!(qr.ten_giay_to, "Thông báo dừng giải quyết hồ sơ");
    assert_eq!(qr.thoi_diem.to_rfc3339(), "2026-12-02T10:30:00+07:00");
}

#[test]
fn pension_and_lump_sum_due_dates_across_tet_2026() {
    let dir = tempfile::tempdir().unwrap();
    // Tuesday 10 February 2026, four days before the Tết break (16–20/2
    // are the statutory days; 14–15 and 21–22 are weekends).
    let (desk, _now) = ready(dir.path(), "2026-02-10T08:30:00+07:00");
    // Pension: 20 days not counting the public holidays and Tết; weekends
    // count (Art. 79(3), 107(3) Law 41/2024). 11/2 … 15/2 (5), skip 16–20,
    // 21/2 … 28/2 (13), 1/3 … 7/3 (20).
    let pension = take(&desk, &for_procedure("BHXH.13", "Lê Thị Mai"));
    assert_eq!(pension.due_on, day("2026-03-07"));
    assert_eq!(
        pension.deadline_text,
        "20 ngày (không kể ngày nghỉ lễ, Tết)"
    );
    // The ordinary pension procedure the 2025 pack added counts the same.
    let ordinary = take(&desk, &for_procedure("BHXH.26", "Phạm Văn Hùng"));
    assert_eq!(ordinary.due_on, day("2026-03-07"));
    // Lump sum: 7 working days: 11, 12, 13/2, then 23, 24, 25, 26/2.
    let lump = take(&desk, &for_procedure("BHXH.12", "Đỗ Văn Nam"));
    assert_eq!(lump.due_on, day("2026-02-26"));
    assert_eq!(lump.deadline_text, "7 ngày làm việc");
}

#[test]
fn provinces_are_found_by_an_old_and_a_new_code_as_they_stood_on_a_date() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _now) = ready(dir.path(), "2026-12-02T08:00:00+07:00");
    let today = day("2026-12-02");
    assert_eq!(desk.units_at(today).unwrap().len(), 34);
    assert_eq!(desk.units_at(day("2024-05-06")).unwrap().len(), 63);

    // Hà Nam's old code (as in ID numbers) leads to Ninh Bình, which took it over.
    let by_old = desk.unit_lookup("035", today).unwrap();
    assert_eq!(by_old.old.as_ref().unwrap().name, "Hà Nam");
    let unit = by_old.unit.unwrap();
    assert_eq!(unit.full_name, "tỉnh Ninh Bình");
    let by_new = desk.unit_lookup(&unit.code, today).unwrap().unit.unwrap();
    assert_eq!(by_new.name, "Ninh Bình");
    for old in ["035", "036", "037"] {
        assert!(
            by_new.predecessors.iter().any(|p| p == old),
            "{:?}",
            by_new.predecessors
        );
    }
    // Đồng Nai: a province on 1/1/2026, a centrally-run city from 30/4/2026.
    let before = desk
        .unit_lookup("075", day("2026-01-01"))
        .unwrap()
        .unit
        .unwrap();
    let after = desk.unit_lookup("075", today).unwrap().unit.unwrap();
    assert_eq!(before.full_name, "tỉnh Đồng Nai");
    assert_eq!(after.full_name, "thành phố Đồng Nai");
    // Nothing by an unknown code.
    let none = desk.unit_lookup("099", today).unwrap();
    assert!(none.unit.is_none() && none.old.is_none());
}

#[test]
fn a_late_dossier_gets_a_new_date_and_the_apology_prints_both() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, now) = ready(dir.path(), "2026-12-02T09:00:00+07:00");
    let d = take(&desk, &for_procedure("BHXH.01", "Nguyễn Thị Lan"));
    // No extension yet: no apology to print.
    let err = desk
        .dossier_form(&d.code, DossierForm::Apology)
        .unwrap_err();
    assert!(err.to_string().contains("chưa được gia hạn"), "{err}");
    // A new date must be later, and the reason is required.
    assert!(
        desk.dossier_extend(&d.code, d.due_on, "Chờ xác minh")
            .is_err()
    );
    assert!(
        desk.dossier_extend(&d.code, day("2026-12-20"), "  ")
            .is_err()
    );
    now.set("2026-12-09T16:00:00+07:00");
    desk.sign_in("tiepnhan", CLERK_PW).unwrap();
    let later = desk
        .dossier_extend(
            &d.code,
            day("2026-12-16"),
            "Chờ xác minh quá trình đóng tại tỉnh khác",
        )
        .unwrap();
    assert_eq!(later.due_on, day("2026-12-16"));
    let apology = pdf_text(&desk.dossier_form_by_number(&d.code, "04").unwrap(), &[]);
    for needle in [
        "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
        "Chờ xác minh quá trình đóng tại tỉnh khác",
        &d.due_on.format("%d/%m/%Y").to_string(),
        "16/12/2026",
    ] {
        assert!(apology.contains(needle), "missing {needle:?} in {apology}");
    }
}

#[test]
fn an_edited_deadline_applies_from_the_day_of_the_edit_and_earlier_dossiers_keep_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, now) = ready(dir.path(), "2026-12-02T09:00:00+07:00");
    let before = take(&desk, &for_procedure("BHXH.01", "Nguyễn Văn An"));
    assert_eq!(before.deadline_text, "5 ngày làm việc");
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    let p = desk
        .procedures()
        .unwrap()
        .into_iter()
        .find(|p| p.code == "BHXH.01")
        .unwrap();
    now.set("2026-12-03T08:00:00+07:00");
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    desk.procedure_update(
        "BHXH.01",
        &ProcedureEdit {
            name: p.name.clone(),
            processing_days: 4,
            components: p
                .components
                .iter()
                .map(|c| bhxh_app::dto::ComponentInput {
                    name: c.name.clone(),
                    copies: c.copies,
                    original: c.original,
                })
                .collect(),
        },
    )
    .unwrap();
    let on_2nd = desk.procedures_at(day("2026-12-02")).unwrap();
    let on_3rd = desk.procedures_at(day("2026-12-03")).unwrap();
    let of = |l: &[bhxh_app::dto::ProcedureRule]| {
        l.iter()
            .find(|p| p.code == "BHXH.01")
            .unwrap()
            .deadline_value
    };
    assert_eq!((of(&on_2nd), of(&on_3rd)), (5, 4));
    desk.sign_in("tiepnhan", CLERK_PW).unwrap();
    let after = take(&desk, &for_procedure("BHXH.01", "Nguyễn Văn Bảo"));
    assert_eq!(after.deadline_text, "4 ngày làm việc");
    // The dossier of the 2nd keeps its rule.
    let reread = desk.dossier_get(&before.code).unwrap();
    assert_eq!(
        (reread.deadline_text.as_str(), reread.due_on),
        ("5 ngày làm việc", before.due_on)
    );
}

#[test]
fn an_employer_files_through_its_representative_and_every_paper_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _now) = ready(dir.path(), "2026-12-02T09:00:00+07:00");
    let org = bhxh_app::dto::Organisation {
        unit_code: "ta0123a".into(),
        tax_code: "0101234567-001".into(),
        name: "Công ty TNHH  Dệt may Đồng Tiến".into(),
        address: "Khu công nghiệp Đồng Văn, Ninh Bình".into(),
    };
    // A tax code that is not one is refused, precisely, and nothing is written.
    let mut bad = for_procedure("BHXH.01", "Nguyễn Văn Đức");
    bad.organisation = Some(bhxh_app::dto::Organisation {
        tax_code: "01012345".into(),
        ..org.clone()
    });
    let err = desk.dossier_intake(&bad).unwrap_err();
    assert_eq!(err.field(), Some("organisation.taxCode"), "{err}");
    let mut input = for_procedure("BHXH.01", "Nguyễn Văn Đức");
    input.organisation = Some(org);
    let d = take(&desk, &input);
    let kept = d.organisation.clone().unwrap();
    assert_eq!(
        (kept.unit_code.as_str(), kept.name.as_str()),
        ("TA0123A", "Công ty TNHH Dệt may Đồng Tiến")
    );

    let receipt = desk.dossier_receipt(&d.code).unwrap();
    let text = pdf_text(&receipt, &[]);
    for needle in [
        "tiếp nhận hồ sơ của: Công ty TNHH Dệt may Đồng Tiến",
        "Mã đơn vị: TA0123A; mã số thuế: 0101234567-001; địa chỉ: Khu công nghiệp Đồng Văn, Ninh Bình",
        "Người nộp hồ sơ: Nguyễn Văn Đức (số định danh cá nhân 001093047064)",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in {text}");
    }
    // The QR code carries the organisation's tax code, under the MAC.
    let texts = qr_of(&receipt);
    let read = bhxh_core::dossiers::qr::parse(texts[0].as_bytes()).unwrap();
    assert_eq!(read.unverified().to_chuc, "0101234567-001");
    assert_eq!(read.unverified().dinh_danh, "001093047064");

    // Found by the organisation's name, without marks.
    let found = desk
        .dossier_search(&bhxh_app::dto::SearchQuery {
            text: "det may dong tien".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found.len(), 1);
    // The register names the organisation and who handed the papers in.
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    let register = pdf_text(&desk.dossier_register(2026).unwrap(), &[]);
    assert!(
        register.contains("Công ty TNHH Dệt may Đồng Tiến (người nộp: Nguyễn Văn Đức)"),
        "{register}"
    );
}

#[test]
fn the_office_takes_its_place_among_the_34_and_its_papers_follow() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _now) = ready(dir.path(), "2026-12-02T09:00:00+07:00");
    // A counter officer may not move the office.
    let err = desk.office_set_unit("37", "provincial", None).unwrap_err();
    assert!(
        matches!(err, bhxh_app::DeskError::Forbidden { .. }),
        "{err:?}"
    );
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    // The naming rule of today suggests the name.
    let name = desk
        .office_name_suggestion("37", None, day("2026-12-02"))
        .unwrap()
        .unwrap();
    assert_eq!(name, "Bảo hiểm xã hội tỉnh Ninh Bình");
    // An old code or an unknown level is refused, precisely.
    let err = desk.office_set_unit("035", "provincial", None).unwrap_err();
    assert_eq!(err.field(), Some("unitCode"), "{err}");
    let err = desk.office_set_unit("37", "huyen", None).unwrap_err();
    assert_eq!(err.field(), Some("level"), "{err}");
    let office = desk
        .office_set_unit("37", "provincial", Some(&name))
        .unwrap();
    assert_eq!(
        (
            office.unit_code.as_deref(),
            office.province_name.as_str(),
            office.name.as_str()
        ),
        (Some("37"), "Ninh Bình", "Bảo hiểm xã hội tỉnh Ninh Bình")
    );
    let log = desk.audit_list(5, None).unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "update" && e.entity == "office")
    );

    // Its papers are dated at the new place under the new name; the
    // applicant's ID number shows the old unit and today's beside it.
    desk.sign_in("tiepnhan", CLERK_PW).unwrap();
    let d = take(&desk, &for_procedure("BHXH.01", "Nguyễn Văn Đức"));
    assert_eq!(
        d.applicant_origin.as_deref(),
        Some("Hà Nội (nay là thành phố Hà Nội)")
    );
    let receipt = pdf_text(&desk.dossier_receipt(&d.code).unwrap(), &[]);
    assert!(
        receipt.contains("BẢO HIỂM XÃ HỘI TỈNH NINH BÌNH"),
        "{receipt}"
    );
    assert!(
        receipt.contains("Ninh Bình, ngày 02 tháng 12 năm 2026"),
        "{receipt}"
    );
}
