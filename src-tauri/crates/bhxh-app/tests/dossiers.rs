//! Dossier intake end to end below the UI: a real SQLCipher file, the real OS
//! keyring, real poppler tools on the receipt. Run under `scripts/with-keyring.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::collections::BTreeSet;

use chrono::Timelike;

use bhxh_app::dto::Sex;
use bhxh_app::dto::SourceKind;
use bhxh_app::dto::{DossierStatus as Status, IntakeChannel, IntakeInput, SearchQuery};
use bhxh_app::{Desk, DeskError};
use bhxh_core::dossiers::qr;

mod common;
use common::{
    ADMIN_PW, CLERK_PW, add_counter_clerk, first_page, intake_input, jpeg, office_desk, pdf_text,
    take,
};

fn ready(dir: &std::path::Path) -> Desk {
    let desk = office_desk(dir, None);
    add_counter_clerk(&desk);
    desk.sign_out().unwrap();
    desk.sign_in("tiepnhan", CLERK_PW).unwrap();
    desk
}

fn input(name: &str, id: &str, sex: Sex, birth: &str) -> IntakeInput {
    IntakeInput {
        return_via: IntakeChannel::Post,
        ..intake_input(name, id, sex, birth, vec![1, 3])
    }
}

/// Nguyễn Văn Đức's intake.
fn duc() -> IntakeInput {
    input("Nguyễn Văn Đức", "001093047064", Sex::Male, "1993-01-05")
}

fn first_page_qr(pdf: &[u8]) -> Vec<String> {
    let page = first_page(pdf, &["-png", "-gray"]);
    let img = image::load_from_memory(&page).unwrap().to_luma8();
    rqrr::PreparedImage::prepare(img)
        .detect_grids()
        .into_iter()
        .map(|g| g.decode().unwrap().1)
        .collect()
}

#[test]
fn a_receipt_prints_the_dossier_and_its_qr_reads_back_field_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let desk = ready(dir.path());
    let d = take(&desk, &duc());
    assert!(d.code.starts_with("000.00.00.H41-"), "{}", d.code);
    assert!(d.code.ends_with("-0001"), "{}", d.code);

    let path = dir.path().join("giay-tiep-nhan.pdf");
    desk.dossier_receipt_to(&d.code, &path).unwrap();
    let pdf = std::fs::read(&path).unwrap();
    let text = pdf_text(&pdf, &[]);
    for needle in [
        format!("Mã hồ sơ: {}", d.code),
        "tiếp nhận hồ sơ của: Nguyễn Văn Đức".to_owned(),
        format!("Nội dung yêu cầu giải quyết: {}", d.procedure_name),
        format!(
            "5. Thời gian trả kết quả giải quyết hồ sơ: ngày {}",
            d.due_on.format("%d/%m/%Y")
        ),
        "6. Đăng ký nhận kết quả: Qua dịch vụ bưu chính công ích".to_owned(),
        "Trần Thị Hằng".to_owned(),
    ] {
        assert!(text.contains(&needle), "missing {needle:?} in {text}");
    }
    let codes = first_page_qr(&pdf);
    assert_eq!(codes.len(), 1, "{codes:?}");
    // Signed with this store's paper key, kept only in the keyring.
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("desk.json")).unwrap()).unwrap();
    let key = bhxh_secrets::Keyring::open_native(bhxh_app::KEYRING_SERVICE)
        .unwrap()
        .get_key(&format!("paper-key:{}", meta["store_id"].as_str().unwrap()))
        .unwrap()
        .unwrap();
    let read = qr::parse(codes[0].as_bytes()).unwrap();
    let q = read.verify(key.as_bytes()).unwrap();
    assert_eq!(q.v, 3);
    assert_eq!(q.to_chuc, "", "a person files for themself");
    assert_eq!(q.form, "01");
    assert_eq!(q.ma_ho_so, d.code);
    assert_eq!(q.ma_tthc, d.procedure_code);
    assert_eq!(q.dinh_danh, "001093047064");
    assert_eq!(q.ten_giay_to, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả");
    assert_eq!(q.he_thong, "BHXH Desk 000.00.00.H41");
    // The QR code carries the time of issue, this print, to the second.
    let received = bhxh_core::parse_ts(&d.received_at).unwrap();
    assert!(q.thoi_diem >= received.with_nanosecond(0).unwrap());
    assert!(q.thoi_diem <= chrono::Utc::now());
    assert_eq!(q.thoi_diem.nanosecond(), 0);
    assert_eq!(q.hen_tra, Some(d.due_on));
    assert_eq!(
        read.verify(&[0; 32]).unwrap_err(),
        qr::QrError::BadMac,
        "another key"
    );

    // The print is in the processing log.
    desk.sign_out().unwrap();
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    let log = desk.audit_list(50, None).unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "print" && e.entity_id == d.code),
        "{log:?}"
    );
}

#[test]
fn a_preview_is_the_paper_print_would_send_and_leaves_no_trace_in_the_log() {
    use base64ct::{Base64, Encoding};
    let dir = tempfile::tempdir().unwrap();
    let desk = ready(dir.path());
    let d = take(&desk, &duc());
    desk.sign_out().unwrap();
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    let before = desk.audit_list(500, None).unwrap().len();
    let preview = desk
        .dossier_form_preview(&d.code, bhxh_app::dossiers::DossierForm::Receipt)
        .unwrap();
    let pdf = Base64::decode_vec(&preview.pdf_base64).unwrap();
    let text = pdf_text(&pdf, &[]);
    assert!(text.contains(&format!("Mã hồ sơ: {}", d.code)), "{text}");
    assert!(
        text.contains("tiếp nhận hồ sơ của: Nguyễn Văn Đức"),
        "{text}"
    );
    // Nothing left the desk: no print or export entry, only the reading of
    // the log itself (which is logged).
    let after = desk.audit_list(500, None).unwrap();
    let new: Vec<_> = after
        .iter()
        .filter(|e| e.seq > before as i64)
        .map(|e| (e.action.as_str(), e.entity.as_str()))
        .collect();
    assert_eq!(new, [("view", "audit_log")]);
    // A report's preview is its PDF too.
    let report = desk
        .report_preview_with("month", "2024-05", &Default::default())
        .unwrap();
    assert!(
        Base64::decode_vec(&report.pdf_base64)
            .unwrap()
            .starts_with(b"%PDF")
    );
    // Signed out, there is no preview of either.
    desk.sign_out().unwrap();
    assert!(
        desk.dossier_form_preview(&d.code, bhxh_app::dossiers::DossierForm::Receipt)
            .is_err()
    );
    assert!(
        desk.report_preview_with("month", "2024-05", &Default::default())
            .is_err()
    );
}

#[test]
fn the_find_box_follows_a_receipt_qr_a_card_qr_a_code_in_any_case_an_id_or_a_name() {
    use bhxh_app::dossiers::Found;
    let dir = tempfile::tempdir().unwrap();
    let desk = ready(dir.path());
    let d = take(&desk, &duc());
    let other = take(
        &desk,
        &input("Lê Thị Hoa", "001190000123", Sex::Female, "1990-02-03"),
    );
    let path = dir.path().join("giay-tiep-nhan.pdf");
    desk.dossier_receipt_to(&d.code, &path).unwrap();
    let receipt_qr = first_page_qr(&std::fs::read(&path).unwrap()).remove(0);

    // The receipt's QR, as the barcode scanner types it (with its Enter).
    assert_eq!(
        desk.find(&format!("{receipt_qr}\r\n")).unwrap(),
        Found::Paper {
            code: d.code.clone(),
            form: "01".into()
        }
    );
    // The cheapest forgery: the same QR with another dossier's code (the MAC
    // kept) is refused with the reason, never followed.
    let forged = receipt_qr.replacen(&d.code, &other.code, 1);
    assert_ne!(forged, receipt_qr);
    let err = desk.find(&forged).unwrap_err();
    assert_eq!(err.code(), "invalid", "{err}");
    assert!(err.to_string().contains("Mã QR trên giấy"), "{err}");
    // Nor a QR of ours cut short.
    let err = desk.find(&receipt_qr[..receipt_qr.len() - 5]).unwrap_err();
    assert_eq!(err.code(), "invalid", "{err}");
    // Signed with this store's own key (a leaked key, or the dossier's
    // applicant or procedure changed after the paper was printed) but not
    // naming the dossier's applicant, or its procedure: refused, saying which.
    let key = common::paper_key(dir.path());
    let fields = qr::parse(receipt_qr.as_bytes())
        .unwrap()
        .verify(key.as_bytes())
        .unwrap()
        .clone();
    let mut other_id = fields.clone();
    other_id.dinh_danh = "035088001234".into();
    let err = desk
        .find(&other_id.to_signed_text(key.as_bytes()))
        .unwrap_err();
    assert_eq!(err.code(), "invalid", "{err}");
    assert!(
        err.to_string()
            .contains("số định danh 035088001234 trên giấy không phải của người nộp hồ sơ"),
        "{err}"
    );
    let mut other_procedure = fields.clone();
    other_procedure.ma_tthc = "1.001667".into();
    let err = desk
        .find(&other_procedure.to_signed_text(key.as_bytes()))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("mã thủ tục 1.001667 trên giấy không phải thủ tục của hồ sơ"),
        "{err}"
    );

    // A CCCD's front QR: the applicant, for the intake form.
    match desk
        .find("001093047064|123456789|Nguyễn Văn Đức|05011993|Nam|Số 5 Lê Lợi|01022021")
        .unwrap()
    {
        Found::Card { applicant } => {
            assert_eq!(applicant.id_number, "001093047064");
            assert_eq!(applicant.birth_date, "1993-01-05");
        }
        other => panic!("{other:?}"),
    }
    let err = desk.find("001093047064|Nguyễn Văn Đức").unwrap_err();
    assert_eq!(err.code(), "invalid", "{err}");

    let codes = |f: Found| match f {
        Found::Dossiers { rows } => rows.into_iter().map(|r| r.code).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        codes(desk.find(&d.code.to_lowercase()).unwrap()),
        vec![d.code.clone()]
    );
    assert_eq!(
        codes(desk.find("001190000123").unwrap()),
        vec![other.code.clone()]
    );
    assert_eq!(
        codes(desk.find("nguyen van duc").unwrap()),
        vec![d.code.clone()]
    );
    assert!(codes(desk.find("Trần Không Có").unwrap()).is_empty());
    assert_eq!(desk.find("  ").unwrap_err().code(), "invalid");

    // Following a paper's QR is a view of the dossier: logged.
    desk.sign_out().unwrap();
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    let log = desk.audit_list(100, None).unwrap();
    // A card QR in the find box fills an intake: refused to a role that
    // does not take dossiers in (a digitiser), with nothing looked up.
    common::add_staff(
        &desk,
        "sohoa",
        "Phạm Văn Số",
        bhxh_app::dto::Role::DigitisationOfficer,
        CLERK_PW,
    );
    desk.sign_out().unwrap();
    desk.sign_in("sohoa", CLERK_PW).unwrap();
    let err = desk
        .find("001093047064|123456789|Nguyễn Văn Đức|05011993|Nam|Số 5 Lê Lợi|01022021")
        .unwrap_err();
    assert_eq!(err.code(), "forbidden", "{err}");
    // The digitiser still finds dossiers by code.
    assert!(matches!(
        desk.find(&d.code).unwrap(),
        Found::Dossiers { ref rows } if rows.iter().any(|r| r.code == d.code)
    ));
    assert!(
        log.iter()
            .any(|e| e.action == "view" && e.entity_id == d.code),
        "{log:?}"
    );
}

#[test]
fn search_finds_a_dossier_without_diacritics_and_status_moves_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let desk = ready(dir.path());
    let d = take(
        &desk,
        &input("Phạm Thị Đào", "035185000123", Sex::Female, "1985-07-20"),
    );
    let found = desk
        .dossier_search(&SearchQuery {
            text: "pham thi dao".into(),
            ..SearchQuery::default()
        })
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].code, d.code);
    let err = desk
        .dossier_set_status(&d.code, Status::Refused, "")
        .unwrap_err();
    assert!(matches!(err, DeskError::Core(_)), "{err}");
    let moved = desk
        .dossier_set_status(&d.code, Status::Digitising, "")
        .unwrap();
    assert_eq!(moved.status, Status::Digitising);
    assert_eq!(desk.dossier_get(&d.code).unwrap().events.len(), 2);
}

#[test]
fn eight_desks_taking_dossiers_in_at_once_never_repeat_a_code() {
    let dir = tempfile::tempdir().unwrap();
    drop(ready(dir.path()));
    // Open the desks one after another (keyring access is not meant to be
    // concurrent), then take dossiers in from eight threads at once.
    let desks: Vec<Desk> = (0..8)
        .map(|_| {
            let d = Desk::open(dir.path()).unwrap();
            d.sign_in("tiepnhan", CLERK_PW).unwrap();
            d
        })
        .collect();
    let per_thread = 25;
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(desks.len()));
    let handles: Vec<_> = desks
        .into_iter()
        .enumerate()
        .map(|(t, desk)| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                (0..per_thread)
                    .map(|i| {
                        let id = format!("001093{:06}", t * 1000 + i);
                        desk.dossier_intake(&input(
                            &format!("Người nộp {t}-{i}"),
                            &id,
                            Sex::Male,
                            "1993-01-05",
                        ))
                        .map(|x| (x.dossier.code, x.dossier.register_no))
                        .map_err(|e| e.to_string())
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
        })
        .collect();
    let mut codes = BTreeSet::new();
    let mut numbers = BTreeSet::new();
    for h in handles {
        for (code, no) in h.join().unwrap().unwrap() {
            assert!(codes.insert(code.clone()), "code {code} handed out twice");
            assert!(numbers.insert(no), "register number {no} handed out twice");
        }
    }
    let total = 8 * per_thread;
    assert_eq!(codes.len(), total);
    // No gaps either: the sequences are 1..=total.
    let seqs: BTreeSet<u32> = codes
        .iter()
        .map(|c| c.rsplit('-').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(seqs, (1..=total as u32).collect());
    assert_eq!(numbers, (1..=total as u32).collect());
}

#[test]
fn the_qr_text_of_a_cccd_fills_the_applicant_or_is_refused_precisely() {
    let a = bhxh_app::dossiers::applicant_from_cccd_qr(
        "001093047064|123456789|Nguyễn Văn Đức|05011993|Nam|Số 5 Lê Lợi, Phủ Lý, Hà Nam|01022021",
    )
    .unwrap();
    assert_eq!(a.id_number, "001093047064");
    assert_eq!(a.full_name, "Nguyễn Văn Đức");
    assert_eq!(a.birth_date, "1993-01-05");
    assert_eq!(a.sex, Some(Sex::Male));
    let err =
        bhxh_app::dossiers::applicant_from_cccd_qr("001093047064|Nguyễn Văn Đức").unwrap_err();
    assert!(err.to_string().contains("trường"), "{err}");
}

/// A `w` × `h` scan at `dpi`.
fn scan_jpeg(w: u32, h: u32, dpi: u16) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 200) as u8, (y % 200) as u8, 90])
    });
    jpeg(&img, dpi)
}

#[test]
fn scans_are_sealed_assembled_and_exported_and_bad_files_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let desk = ready(dir.path());
    let d = take(&desk, &duc());
    let scans = dir.path().join("scans");
    std::fs::create_dir_all(&scans).unwrap();
    let p1 = scans.join("trang1.jpg");
    let p2 = scans.join("trang2.jpg");
    let low = scans.join("thap.jpg");
    let cut = scans.join("hong.jpg");
    std::fs::write(&p1, scan_jpeg(800, 1100, 200)).unwrap();
    std::fs::write(&p2, scan_jpeg(800, 1100, 200)).unwrap();
    std::fs::write(&low, scan_jpeg(200, 280, 50)).unwrap();
    let good = std::fs::read(&p1).unwrap();
    std::fs::write(&cut, &good[..good.len() - 200]).unwrap();

    // A cut JPEG among good pages: refused, nothing stored or recorded.
    let err = desk
        .dossier_import(&d.code, 1, &[p1.clone(), cut.clone()], None)
        .unwrap_err();
    assert_eq!(err.code(), "bad_scan", "{err}");
    assert!(err.to_string().contains("hong.jpg"), "{err}");
    assert!(desk.dossier_files(&d.code).unwrap().is_empty());
    // A page count that does not match the paper.
    let err = desk
        .dossier_import(&d.code, 1, &[p1.clone(), p2.clone()], Some(3))
        .unwrap_err();
    assert!(err.to_string().contains("Số trang"), "{err}");

    let done = desk
        .dossier_import(&d.code, 1, &[p1.clone(), p2.clone()], Some(2))
        .unwrap();
    assert_eq!(done.pages, 2);
    assert_eq!(done.status, Status::Digitising);
    assert_eq!(done.files.len(), 3);
    assert_eq!(done.files[0].sha256, bhxh_files::sha256_hex(&good));
    // Component 3 (the other received one) from a low-resolution scan: warned.
    let last = desk
        .dossier_import(&d.code, 3, std::slice::from_ref(&low), None)
        .unwrap();
    assert!(last.warnings[0].contains("50 dpi"), "{:?}", last.warnings);
    assert_eq!(last.status, Status::Digitised);

    // Sealed at rest: no file under files/ holds the JPEG's bytes.
    for entry in walk(&dir.path().join("files")) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(64).any(|w| w == &good[100..164]),
            "{entry:?}"
        );
    }
    // Exported decrypted: the component PDF holds the scan byte for byte.
    let out = dir.path().join("out");
    let files = desk.dossier_export(&d.code, &out).unwrap();
    assert_eq!(files.len(), 2);
    let pdf = std::fs::read(&files[0]).unwrap();
    assert!(pdf.windows(good.len()).any(|w| w == good.as_slice()));
    let text = pdf_text(&pdf, &[]);
    assert!(text.contains("Số hóa: Trần Thị Hằng"), "{text}");

    // The component PDF is stored as a recipe naming the scan it carries
    // (the scan's bytes are stored once), and reads back whole.
    let objects = dir.path().join("files").join("objects");
    let stored = walk(&objects);
    let scan_hash = bhxh_files::sha256_hex(&good);
    let scan_file = stored
        .iter()
        .find(|p| p.file_name().is_some_and(|n| n == scan_hash.as_str()))
        .unwrap()
        .clone();
    let pdf_file = stored
        .iter()
        .find(|p| bhxh_files::is_composed(&std::fs::read(p).unwrap()))
        .unwrap()
        .clone();
    assert!(std::fs::metadata(&pdf_file).unwrap().len() < 64 * 1024);

    // Tampering with a sealed file is caught by the store check: the scan,
    // and the PDF made from it, which names it.
    assert!(desk.check().unwrap().ok);
    let saved = std::fs::read(&scan_file).unwrap();
    let mut bytes = saved.clone();
    let n = bytes.len();
    bytes[n - 20] ^= 0x55;
    std::fs::write(&scan_file, bytes).unwrap();
    let report = desk.check().unwrap();
    assert!(!report.ok);
    assert_eq!(report.file_problems.len(), 2, "{:?}", report.file_problems);
    assert!(
        report
            .file_problems
            .iter()
            .any(|p| p.contains("ghép từ đó không đọc được") && p.contains(&scan_hash)),
        "{:?}",
        report.file_problems
    );
    // The recipe itself altered: that one file.
    std::fs::write(&scan_file, saved).unwrap();
    assert!(desk.check().unwrap().ok);
    let mut recipe = std::fs::read(&pdf_file).unwrap();
    let n = recipe.len();
    recipe[n - 20] ^= 0x55;
    std::fs::write(&pdf_file, recipe).unwrap();
    let report = desk.check().unwrap();
    assert_eq!(report.file_problems.len(), 1, "{:?}", report.file_problems);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_component_digitised_before_is_reused_for_the_same_applicant_without_a_rescan() {
    let dir = tempfile::tempdir().unwrap();
    let desk = ready(dir.path());
    let first = take(&desk, &duc());
    let scan = dir.path().join("trang1.jpg");
    std::fs::write(&scan, scan_jpeg(800, 1100, 200)).unwrap();
    desk.dossier_import(&first.code, 1, std::slice::from_ref(&scan), Some(1))
        .unwrap();

    let second = take(&desk, &duc());
    let offers = desk.dossier_reuse_candidates(&second.code, 1).unwrap();
    assert_eq!(offers.len(), 1, "{offers:?}");
    assert_eq!(offers[0].source_code, first.code);
    // nothing digitised yet for component 3: nothing to offer
    assert!(
        desk.dossier_reuse_candidates(&second.code, 3)
            .unwrap()
            .is_empty()
    );
    // another applicant is offered nothing
    let other = take(
        &desk,
        &input("Trần Thị Bình", "001193047065", Sex::Female, "1993-01-05"),
    );
    assert!(
        desk.dossier_reuse_candidates(&other.code, 1)
            .unwrap()
            .is_empty()
    );

    let done = desk
        .dossier_reuse(&second.code, 1, &first.code, SourceKind::Component, 1)
        .unwrap();
    assert_eq!((done.pages, done.status), (1, Status::Digitising));
    // the same sealed file, exported byte for byte as the first dossier's
    let a = desk
        .dossier_export(&first.code, &dir.path().join("a"))
        .unwrap();
    let b = desk
        .dossier_export(&second.code, &dir.path().join("b"))
        .unwrap();
    assert_eq!(std::fs::read(&a[0]).unwrap(), std::fs::read(&b[0]).unwrap());
    let month = second.received_at[..7].to_owned();
    let figures = desk.dossier_indicators(&month).unwrap();
    assert_eq!(figures.reused, 1);
    // the store check still holds: one object, two references
    assert!(desk.check().unwrap().ok);
    // a counter officer may reuse; a second reuse of the component is refused
    let err = desk
        .dossier_reuse(&second.code, 1, &first.code, SourceKind::Component, 1)
        .unwrap_err();
    assert_eq!(err.code(), "conflict", "{err}");
}

#[test]
fn a_result_is_digitised_sealed_exported_and_reused_at_the_applicants_next_dossier() {
    let dir = tempfile::tempdir().unwrap();
    let desk = ready(dir.path());
    let dao = |procedure: &str, parts: Vec<u32>| IntakeInput {
        procedure_code: procedure.into(),
        ..intake_input(
            "Trần Thị Đào",
            "001193047065",
            Sex::Female,
            "1993-01-05",
            parts,
        )
    };
    // Re-issue of the book: its result is the new "Sổ BHXH".
    let first = take(&desk, &dao("BHXH.04", vec![1]));
    let book = vec![("so-bhxh.jpg".to_owned(), scan_jpeg(900, 1200, 200))];
    let objects = || walk(&dir.path().join("files").join("objects")).len();

    // Not before the dossier is handled; nothing is sealed.
    let err = desk
        .dossier_result_import(&first.code, "Sổ BHXH", true, &book, None)
        .unwrap_err();
    assert_eq!(err.code(), "conflict", "{err}");
    assert_eq!(objects(), 0);
    desk.dossier_set_status(&first.code, Status::Processing, "")
        .unwrap();
    // A cut JPEG is refused and nothing is sealed or recorded.
    let mut cut = scan_jpeg(900, 1200, 200);
    cut.truncate(cut.len() / 2);
    let err = desk
        .dossier_result_import(
            &first.code,
            "Sổ BHXH",
            true,
            &[("cut.jpg".into(), cut)],
            None,
        )
        .unwrap_err();
    assert!(err.to_string().contains("cut.jpg"), "{err}");
    assert_eq!(objects(), 0);
    assert!(desk.dossier_results(&first.code).unwrap().is_empty());

    let done = desk
        .dossier_result_import(&first.code, "Sổ BHXH", true, &book, Some(1))
        .unwrap();
    assert_eq!(
        (done.number, done.pages, done.status),
        (1, 1, Status::ResultReady)
    );
    // the scan byte for byte and the stamped PDF, both sealed
    assert_eq!(done.files.len(), 2);
    assert_eq!(objects(), 2);
    let listed = desk.dossier_results(&first.code).unwrap();
    assert_eq!(
        (listed[0].name.as_str(), listed[0].reusable),
        ("Sổ BHXH", true)
    );

    // Exported with the dossier, decrypted, and stamped by the digitiser.
    let out = desk
        .dossier_export(&first.code, &dir.path().join("xuat"))
        .unwrap();
    let result_pdf = out
        .iter()
        .find(|p| p.to_string_lossy().ends_with("_kq1.pdf"))
        .unwrap();
    let text = pdf_text(&std::fs::read(result_pdf).unwrap(), &[]);
    assert!(text.contains("Số hóa: Trần Thị Hằng"), "{text}");

    // The one-off payment claim (BHXH.12) needs the book as its first paper.
    let claim = take(&desk, &dao("BHXH.12", vec![1, 2]));
    let offers = desk.dossier_reuse_candidates(&claim.code, 1).unwrap();
    assert_eq!(offers.len(), 1, "{offers:?}");
    assert_eq!(
        (offers[0].source_kind, offers[0].source_component),
        (SourceKind::Result, 1)
    );
    // not offered while it is not flagged reusable
    desk.dossier_result_set_reusable(&first.code, 1, false)
        .unwrap();
    assert!(
        desk.dossier_reuse_candidates(&claim.code, 1)
            .unwrap()
            .is_empty()
    );
    desk.dossier_result_set_reusable(&first.code, 1, true)
        .unwrap();
    let reused = desk
        .dossier_reuse(&claim.code, 1, &first.code, SourceKind::Result, 1)
        .unwrap();
    assert_eq!((reused.pages, reused.from_kind), (1, SourceKind::Result));
    let again = desk
        .dossier_export(&claim.code, &dir.path().join("xuat2"))
        .unwrap();
    assert_eq!(
        std::fs::read(&again[0]).unwrap(),
        std::fs::read(result_pdf).unwrap()
    );
    let month = claim.received_at[..7].to_owned();
    let figures = desk.dossier_indicators(&month).unwrap();
    assert_eq!(
        (figures.reused, figures.results, figures.results_digitised),
        (1, 1, 1)
    );
    // Every sealed file is referenced and verifies.
    assert!(desk.check().unwrap().ok);
}

#[test]
fn a_page_edit_made_from_a_version_since_replaced_is_refused_and_a_received_pdf_is_not_edited() {
    use bhxh_app::dto::PageChoice;
    let dir = tempfile::tempdir().unwrap();
    let desk = ready(dir.path());
    let d = take(&desk, &duc());
    let pages: Vec<(String, Vec<u8>)> = (0..3)
        .map(|i| (format!("trang{i}.jpg"), scan_jpeg(800 + i * 10, 1100, 200)))
        .collect();
    desk.dossier_import_bytes(&d.code, 1, &pages, None).unwrap();
    let v1 = desk.dossier_pages(&d.code, 1).unwrap();
    assert_eq!(v1.pages.len(), 3);
    assert_eq!(v1.pages[1].width_px, 810);
    let choose = |p: &[(u32, u16)]| -> Vec<PageChoice> {
        p.iter()
            .map(|&(page, rotate)| PageChoice { page, rotate })
            .collect()
    };
    // Officer A drops page 3 of v1.
    let v2 = desk
        .dossier_pages_edit(&d.code, 1, &v1.sha256, &choose(&[(1, 0), (2, 90)]))
        .unwrap();
    assert_eq!(v2.pages.len(), 2);
    assert_eq!(v2.pages[1].rotate, 90);
    // Officer B, still looking at v1, asks to drop page 1: refused, nothing made.
    let err = desk
        .dossier_pages_edit(&d.code, 1, &v1.sha256, &choose(&[(2, 0), (3, 0)]))
        .unwrap_err();
    assert_eq!(err.code(), "conflict", "{err}");
    assert_eq!(desk.dossier_pages(&d.code, 1).unwrap().sha256, v2.sha256);
    // The page numbers are those of the version shown: page 3 no longer exists.
    let err = desk
        .dossier_pages_edit(&d.code, 1, &v2.sha256, &choose(&[(3, 0)]))
        .unwrap_err();
    assert!(err.to_string().contains("Không có trang 3"), "{err}");
    // A preview is a small JPEG; the second page of v2 is the second scan.
    let pv = desk.dossier_page_preview(&d.code, 1, 2).unwrap();
    assert!(pv.image.starts_with("data:image/jpeg;base64,"));
    assert!(!pv.blank);
    // the test's scans are stripes, not text: level or unknown, never crooked
    assert!(pv.skew.is_none_or(|d| d.abs() < 1.0), "{:?}", pv.skew);
    // A PDF received whole stays as it came.
    let path = dir.path().join("nhan.pdf");
    desk.dossier_receipt_to(&d.code, &path).unwrap();
    let pdf = std::fs::read(&path).unwrap();
    desk.dossier_import_bytes(&d.code, 2, &[("nhan.pdf".into(), pdf)], None)
        .unwrap();
    let whole = desk.dossier_pages(&d.code, 2).unwrap();
    assert!(whole.received_whole && whole.pages.is_empty());
    let err = desk
        .dossier_pages_edit(&d.code, 2, &whole.sha256, &choose(&[(1, 90)]))
        .unwrap_err();
    assert!(err.to_string().contains("nhận nguyên bản"), "{err}");
}

#[test]
fn pages_fed_into_one_component_are_moved_to_another_and_back_in_one_step_each() {
    use bhxh_app::dto::{DossierStatus, PageMove};
    let dir = tempfile::tempdir().unwrap();
    let desk = ready(dir.path());
    let d = take(&desk, &duc());
    // Five pages through the feeder into component 1; the last three are
    // component 3's paper. Each page told apart by its width.
    let pages: Vec<(String, Vec<u8>)> = (0..5)
        .map(|i| (format!("trang{i}.jpg"), scan_jpeg(800 + i * 10, 1100, 200)))
        .collect();
    desk.dossier_import_bytes(&d.code, 1, &pages, None).unwrap();
    let one = desk.dossier_pages(&d.code, 1).unwrap();
    let widths = |p: &bhxh_app::dto::ComponentPages| -> Vec<u32> {
        p.pages.iter().map(|l| l.width_px).collect()
    };
    assert_eq!(widths(&one), [800, 810, 820, 830, 840]);
    let mv = |from, pages: &[u32], to, from_sha: &str, to_sha: Option<&str>| PageMove {
        from_component: from,
        pages: pages.to_vec(),
        to_component: to,
        at: None,
        from_sha256: from_sha.into(),
        to_sha256: to_sha.map(str::to_owned),
    };

    let moved = desk
        .dossier_pages_move(&d.code, &mv(1, &[3, 4, 5], 3, &one.sha256, None))
        .unwrap();
    let from = moved.from.clone().unwrap();
    assert_eq!(widths(&from), [800, 810]);
    assert_eq!(widths(&moved.to), [820, 830, 840]);
    assert_eq!(moved.to.component, 3);
    assert_eq!(
        moved.status,
        DossierStatus::Digitised,
        "both components handed in have a PDF"
    );
    // A preview of a page shown under component 3, scanned under component 1.
    assert!(
        desk.dossier_page_preview(&d.code, 3, 2)
            .unwrap()
            .image
            .starts_with("data:image/jpeg;base64,")
    );

    // Another officer still looking at the first version: refused, nothing made.
    let err = desk
        .dossier_pages_move(
            &d.code,
            &mv(1, &[1], 3, &one.sha256, Some(&moved.to.sha256)),
        )
        .unwrap_err();
    assert_eq!(err.code(), "conflict", "{err}");
    assert_eq!(desk.dossier_pages(&d.code, 1).unwrap().sha256, from.sha256);

    // The PDFs as exported: component 1 with two pages, component 3 with three.
    let files = desk
        .dossier_export(&d.code, &dir.path().join("xuat"))
        .unwrap();
    assert_eq!(files.len(), 2, "{files:?}");
    let counts: Vec<String> = files
        .iter()
        .map(|f| {
            let info = std::process::Command::new("pdfinfo")
                .arg(f)
                .output()
                .unwrap();
            String::from_utf8_lossy(&info.stdout)
                .lines()
                .find(|l| l.starts_with("Pages:"))
                .unwrap()
                .split_whitespace()
                .last()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(counts, ["2", "3"]);
    // The archival copy of component 3 reads the scans recorded under 1.
    let archive = desk
        .dossier_export_archive(&d.code, &dir.path().join("luu-tru"))
        .unwrap();
    assert_eq!(archive.files.len(), 2, "{archive:?}");

    // Every page of component 1 to the front of component 3: component 1
    // has no PDF now, and the dossier waits for it again.
    let back = desk
        .dossier_pages_move(
            &d.code,
            &PageMove {
                at: Some(1),
                ..mv(1, &[1, 2], 3, &from.sha256, Some(&moved.to.sha256))
            },
        )
        .unwrap();
    assert!(back.from.is_none());
    assert_eq!(widths(&back.to), [800, 810, 820, 830, 840]);
    assert_eq!(back.status, DossierStatus::Digitising);
    let err = desk.dossier_pages(&d.code, 1).unwrap_err();
    assert!(err.to_string().contains("chưa được số hóa"), "{err}");
    assert!(desk.dossier_pages_if_any(&d.code, 1).unwrap().is_none());
    // The file list (what the window shows as digitised) agrees: component
    // 1's rows are history, component 3's newest is its PDF.
    let current: Vec<(u32, u32)> = desk
        .dossier_files(&d.code)
        .unwrap()
        .iter()
        .filter(|f| f.current)
        .map(|f| (f.component, f.pages))
        .collect();
    assert_eq!(current, [(3, 5)]);
    assert_eq!(
        desk.dossier_export(&d.code, &dir.path().join("xuat2"))
            .unwrap()
            .len(),
        1
    );
    // Component 1 is digitised again as any component without a PDF.
    desk.dossier_import_bytes(&d.code, 1, &pages[..1], None)
        .unwrap();
    assert_eq!(desk.dossier_pages(&d.code, 1).unwrap().pages.len(), 1);

    // Not to the same component, not to one the dossier has not.
    let three = desk.dossier_pages(&d.code, 3).unwrap();
    let err = desk
        .dossier_pages_move(&d.code, &mv(3, &[1], 3, &three.sha256, Some(&three.sha256)))
        .unwrap_err();
    assert!(err.to_string().contains("thành phần khác"), "{err}");
    let err = desk
        .dossier_pages_move(&d.code, &mv(3, &[1], 9, &three.sha256, None))
        .unwrap_err();
    assert!(
        err.to_string().contains("không có thành phần số 9"),
        "{err}"
    );

    // Not without signing in.
    desk.sign_out().unwrap();
    let err = desk
        .dossier_pages_move(&d.code, &mv(3, &[1], 2, &three.sha256, None))
        .unwrap_err();
    assert_eq!(err.code(), "not_signed_in", "{err}");
    desk.sign_in("tiepnhan", CLERK_PW).unwrap();
    let moves: i64 = desk
        .store()
        .conn()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'move_pages' AND entity_id = ?1",
            [&d.code],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(moves, 2);
    // Every sealed file is referenced and verifies.
    assert!(desk.check().unwrap().ok);
}
