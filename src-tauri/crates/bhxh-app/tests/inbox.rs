//! The scan inbox end to end: real receipts rasterised at 200 dpi as a
//! scanner would give the cover sheets, JPEG, multi-page TIFF and img2pdf
//! files dropped in a folder, a real SQLCipher store and the real OS keyring
//! (run under `scripts/with-keyring.sh`), the filed PDFs read back with
//! poppler's tools.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::io::Cursor;
use std::path::{Path, PathBuf};

use bhxh_app::Desk;
use bhxh_app::dto::DossierStatus as Status;
use bhxh_app::dto::Role;
use bhxh_app::dto::Sex;
use image::RgbImage;
use tiff::encoder::{Rational, TiffEncoder, colortype};
use tiff::tags::ResolutionUnit;

mod common;
use bhxh_report::testing::pdf_pages;
use common::{
    ADMIN_PW, ManualClock, add_staff, first_page, intake_input, jpeg, office_desk, paper_key, take,
};

const CLERK_PW: &str = "Sohoa-2024-matkhau";

fn ready(dir: &Path, inbox: &Path) -> (Desk, ManualClock) {
    let clock = ManualClock::at("2026-11-25T08:30:00+07:00");
    let desk = office_desk(dir, Some(clock.clock()));
    add_staff(
        &desk,
        "sohoa",
        "Phạm Văn Số",
        Role::DigitisationOfficer,
        CLERK_PW,
    );
    // A relative or missing folder is refused; the real one is kept.
    let err = desk.set_inbox_dir(Path::new("hop-thu")).unwrap_err();
    assert!(err.to_string().contains("đường dẫn đầy đủ"), "{err}");
    let err = desk.set_inbox_dir(&inbox.join("khong-co")).unwrap_err();
    assert!(err.to_string().contains("không tồn tại"), "{err}");
    desk.set_inbox_dir(inbox).unwrap();
    assert_eq!(desk.inbox_dir().unwrap(), inbox);
    desk.sign_out().unwrap();
    desk.sign_in("sohoa", CLERK_PW).unwrap();
    // A digitisation officer may not move the inbox.
    assert_eq!(desk.set_inbox_dir(inbox).unwrap_err().code(), "forbidden");
    desk.sign_out().unwrap();
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    (desk, clock)
}

fn intake(desk: &mut Desk, name: &str, id: &str, birth: &str, components: Vec<u32>) -> String {
    take(desk, &intake_input(name, id, Sex::Male, birth, components)).code
}

/// Nguyễn Văn Đức's dossier, handing in `components`.
fn intake_duc(desk: &mut Desk, components: Vec<u32>) -> String {
    intake(
        desk,
        "Nguyễn Văn Đức",
        "001093047064",
        "1993-01-05",
        components,
    )
}

/// A page of a paper: some texture, distinct per seed.
fn paper(seed: u8) -> RgbImage {
    RgbImage::from_fn(400, 566, |x, y| {
        image::Rgb([
            200u8.wrapping_add((x % 40) as u8) ^ seed,
            210u8.wrapping_add((y % 30) as u8),
            190,
        ])
    })
}

/// A multi-page TIFF at 200 dpi.
fn tiff(pages: &[RgbImage]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut enc = TiffEncoder::new(&mut out).unwrap();
    for p in pages {
        let mut i = enc
            .new_image::<colortype::RGB8>(p.width(), p.height())
            .unwrap();
        i.resolution(ResolutionUnit::Inch, Rational { n: 200, d: 1 });
        i.write_data(p.as_raw()).unwrap();
    }
    out.into_inner()
}

fn img2pdf(dir: &Path, images: &[(&str, &[u8])]) -> Vec<u8> {
    let mut cmd = std::process::Command::new("img2pdf");
    cmd.args(["--imgsize", "200dpi"]);
    for (name, bytes) in images {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        cmd.arg(p);
    }
    let out = dir.join("out.pdf");
    assert!(cmd.arg("-o").arg(&out).status().expect("img2pdf").success());
    std::fs::read(out).unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The pages of a PDF file.
fn file_pages(path: &Path) -> usize {
    pdf_pages(&std::fs::read(path).unwrap())
}

/// (component, pages) of each assembled PDF of a dossier.
fn assembled(desk: &mut Desk, code: &str) -> Vec<(u32, u32)> {
    desk.dossier_files(code)
        .unwrap()
        .into_iter()
        .filter(|l| l.role == "assembled")
        .map(|l| (l.component, l.pages))
        .collect()
}

#[test]
fn covers_split_scans_into_dossiers_and_the_rest_waits_for_a_person() {
    let data = tempfile::tempdir().unwrap();
    let inbox = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let (mut desk, clock) = ready(data.path(), inbox.path());
    let a = intake_duc(&mut desk, vec![1, 2, 3]);
    let b = intake(
        &mut desk,
        "Trần Văn Bình",
        "035088001234",
        "1988-03-02",
        vec![1, 3],
    );
    let cover_a = first_page(&desk.dossier_receipt(&a).unwrap(), &["-jpeg"]);
    let cover_b_png = first_page(&desk.dossier_receipt(&b).unwrap(), &["-png"]);
    let cover_b = image::load_from_memory(&cover_b_png).unwrap().into_rgb8();
    let cover_a_rgb = image::load_from_memory(&cover_a).unwrap().into_rgb8();
    desk.sign_out().unwrap();
    desk.sign_in("sohoa", CLERK_PW).unwrap();

    // The scanner's JPEG run: cover A and two pages of A.
    let a2 = jpeg(&paper(1), 200);
    let a3 = jpeg(&paper(2), 200);
    let put = |name: &str, bytes: &[u8]| std::fs::write(inbox.path().join(name), bytes).unwrap();
    put("a-01.jpg", &cover_a);
    put("a-02.jpg", &a2);
    put("a-03.jpg", &a3);
    // One TIFF holding two dossiers: cover B, a page, cover A, a page.
    let mixed = tiff(&[cover_b.clone(), paper(3), cover_a_rgb.clone(), paper(4)]);
    put("b-tron.tif", &mixed);
    // No cover at all.
    put("khong-bia.tif", &tiff(&[paper(5), paper(6)]));
    // A scanned PDF whose first page is B's cover.
    let pdf = img2pdf(
        work.path(),
        &[
            ("bia.jpg", &jpeg(&cover_b, 200)),
            ("p1.jpg", &jpeg(&paper(7), 200)),
            ("p2.jpg", &jpeg(&paper(8), 200)),
        ],
    );
    put("quet.pdf", &pdf);
    // Still being written: half of it now.
    let growing = tiff(&[cover_a_rgb.clone(), paper(9)]);
    put("dang-ghi.tif", &growing[..growing.len() / 2]);
    // Not for the inbox.
    put("ghi-chu.txt", b"x");
    put(".~tam.jpg", b"x");
    let all = names(inbox.path());

    // First poll: everything is new, nothing is taken.
    let r0 = desk.scan_once().unwrap();
    assert_eq!(r0.seen, 7, "{r0:#?}");
    assert_eq!(r0.waiting.len(), 7);
    assert!(r0.taken.is_empty() && r0.filed.is_empty());
    assert_eq!(names(inbox.path()), all);
    assert!(desk.dossier_files(&a).unwrap().is_empty());

    // The scanner finishes the last file; a poll after the settle time
    // takes every file that stood still.
    put("dang-ghi.tif", &growing);
    clock.advance(15);
    let r1 = desk.scan_once().unwrap();
    assert!(r1.errors.is_empty(), "{:#?}", r1.errors);
    assert_eq!(r1.waiting, vec!["dang-ghi.tif".to_owned()], "{r1:#?}");
    let mut taken = r1.taken.clone();
    taken.sort();
    assert_eq!(
        taken,
        [
            "a-01.jpg",
            "a-02.jpg",
            "a-03.jpg",
            "b-tron.tif",
            "khong-bia.tif",
            "quet.pdf"
        ]
    );
    let filed: Vec<(String, u32, u32)> = r1
        .filed
        .iter()
        .map(|f| (f.code.clone(), f.component, f.pages))
        .collect();
    assert_eq!(
        filed,
        vec![
            (a.clone(), 1, 2),
            (b.clone(), 1, 1),
            (a.clone(), 2, 1),
            (b.clone(), 3, 2),
        ],
        "{r1:#?}"
    );
    assert_eq!(r1.triaged.len(), 1, "{r1:#?}");
    assert_eq!(r1.triaged[0].file, "khong-bia.tif");
    assert_eq!(r1.triaged[0].pages, 2);
    // Gone from the folder once recorded; the growing file and the others stay.
    assert_eq!(
        names(inbox.path()),
        [".~tam.jpg", "dang-ghi.tif", "ghi-chu.txt"]
    );
    assert_eq!(assembled(&mut desk, &a), vec![(1, 2), (2, 1)]);
    assert_eq!(assembled(&mut desk, &b), vec![(1, 1), (3, 2)]);
    assert_eq!(desk.dossier_get(&b).unwrap().status, Status::Digitised);
    // The pages kept as originals: the JPEGs byte for byte, the cover not.
    let lines = desk.dossier_files(&a).unwrap();
    let originals: Vec<&str> = lines
        .iter()
        .filter(|l| l.role == "original")
        .map(|l| l.file_name.as_str())
        .collect();
    assert_eq!(originals, ["a-02.jpg", "a-03.jpg", "b-tron-trang-004.png"]);
    assert_eq!(lines[0].sha256, bhxh_files::sha256_hex(&a2));

    let triage = desk.triage_list(false).unwrap();
    assert_eq!(triage.len(), 1);
    assert_eq!(triage[0].file_name, "khong-bia.tif");
    assert_eq!(triage[0].page_count, 2);
    assert!(
        triage[0].reason.contains("Không có trang bìa"),
        "{}",
        triage[0].reason
    );

    // The next poll takes the finished file: A's last component.
    clock.advance(15);
    let r2 = desk.scan_once().unwrap();
    assert_eq!(r2.taken, vec!["dang-ghi.tif".to_owned()], "{r2:#?}");
    assert_eq!(r2.filed.len(), 1);
    assert_eq!((r2.filed[0].component, r2.filed[0].pages), (3, 1));
    assert_eq!(desk.dossier_get(&a).unwrap().status, Status::Digitised);
    assert_eq!(names(inbox.path()), [".~tam.jpg", "ghi-chu.txt"]);

    // Nothing is done twice: an empty poll, and the same bytes dropped again
    // are only removed.
    clock.advance(15);
    let r3 = desk.scan_once().unwrap();
    assert_eq!(
        (r3.seen, r3.taken.len(), r3.filed.len()),
        (0, 0, 0),
        "{r3:#?}"
    );
    put("b-lai.tif", &mixed);
    desk.scan_once().unwrap();
    clock.advance(15);
    let r4 = desk.scan_once().unwrap();
    assert_eq!(r4.duplicates, vec!["b-lai.tif".to_owned()], "{r4:#?}");
    assert!(r4.filed.is_empty() && r4.triaged.is_empty());
    assert_eq!(names(inbox.path()), [".~tam.jpg", "ghi-chu.txt"]);
    assert_eq!(assembled(&mut desk, &a).len(), 3);

    // A person files the triaged part; a second time is refused.
    let done = desk.triage_assign(triage[0].id, &b, 2).unwrap();
    assert_eq!((done.component, done.pages), (2, 2));
    assert!(desk.triage_list(false).unwrap().is_empty());
    let err = desk.triage_assign(triage[0].id, &b, 2).unwrap_err();
    assert_eq!(err.code(), "conflict", "{err}");
    assert_eq!(
        desk.triage_list(true).unwrap()[0].filed_code.as_deref(),
        Some(b.as_str())
    );

    // The exported PDFs have the pages filed, the stamp on page 1.
    let out = work.path().join("xuat");
    let files = desk.dossier_export(&a, &out).unwrap();
    let pages: Vec<usize> = files.iter().map(|p| file_pages(p)).collect();
    assert_eq!(pages, [2, 1, 1]);
    let first = std::fs::read(&files[0]).unwrap();
    assert!(first.windows(a2.len()).any(|w| w == a2.as_slice()));
    let files: Vec<PathBuf> = desk.dossier_export(&b, &out).unwrap();
    assert_eq!(
        files.iter().map(|p| file_pages(p)).collect::<Vec<_>>(),
        [1, 2, 2]
    );

    // The store is whole: audit chain, sealed files, every reference.
    let check = desk.check().unwrap();
    assert!(check.ok, "{check:#?}");
    desk.sign_out().unwrap();
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    let log = desk.audit_list(500, None).unwrap();
    assert_eq!(
        log.iter()
            .filter(|e| e.action == "import" && e.entity == "inbox_file")
            .count(),
        7
    );
}

#[test]
fn damaged_files_stray_pages_and_closed_dossiers_go_to_triage_with_the_reason() {
    let data = tempfile::tempdir().unwrap();
    let inbox = tempfile::tempdir().unwrap();
    let (mut desk, clock) = ready(data.path(), inbox.path());
    let a = intake_duc(&mut desk, vec![1]);
    let r = intake(
        &mut desk,
        "Lê Văn Hòa",
        "035088001235",
        "1988-03-02",
        vec![1],
    );
    let cover_a = first_page(&desk.dossier_receipt(&a).unwrap(), &["-jpeg"]);
    let cover_r = first_page(&desk.dossier_receipt(&r).unwrap(), &["-png"]);
    desk.dossier_set_status(&r, Status::Refused, "Thiếu tờ khai")
        .unwrap();
    desk.sign_out().unwrap();
    desk.sign_in("sohoa", CLERK_PW).unwrap();

    let put = |name: &str, bytes: &[u8]| std::fs::write(inbox.path().join(name), bytes).unwrap();
    // A JPEG run that starts with a stray page, then A's cover and a page,
    // then the cover of a refused dossier and a page, then a cover alone.
    put("s-01.jpg", &jpeg(&paper(1), 200));
    put("s-02.jpg", &cover_a);
    put("s-03.jpg", &jpeg(&paper(2), 200));
    put("s-04.png", &cover_r);
    put("s-05.jpg", &jpeg(&paper(3), 200));
    put("s-06.jpg", &cover_a);
    // A TIFF cut short by the scanner's network.
    let whole = tiff(&[paper(4), paper(5)]);
    put("hong.tif", &whole[..whole.len() * 2 / 3]);

    desk.scan_once().unwrap();
    clock.advance(15);
    let rep = desk.scan_once().unwrap();
    assert!(rep.errors.is_empty(), "{:#?}", rep.errors);
    assert_eq!(rep.filed.len(), 1, "{rep:#?}");
    assert_eq!(
        (rep.filed[0].code.as_str(), rep.filed[0].pages),
        (a.as_str(), 1)
    );
    let reasons: Vec<(String, u32, String)> = rep
        .triaged
        .iter()
        .map(|t| (t.file.clone(), t.pages, t.reason.clone()))
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:#?}");
    assert_eq!((reasons[0].0.as_str(), reasons[0].1), ("hong.tif", 0));
    assert!(reasons[0].2.contains("Tệp không đọc được"), "{reasons:?}");
    assert!(reasons[0].2.contains("TIFF"), "{reasons:?}");
    assert_eq!(
        (reasons[1].0.as_str(), reasons[1].1),
        ("s-01.jpg trang 1", 1)
    );
    assert!(reasons[1].2.contains("Không có trang bìa"), "{reasons:?}");
    assert_eq!(
        (reasons[2].0.as_str(), reasons[2].1),
        ("s-05.jpg trang 1", 1)
    );
    assert!(reasons[2].2.contains("Từ chối"), "{reasons:?}");
    assert!(
        rep.notes
            .iter()
            .any(|n| n.contains("s-06.jpg") && n.contains("không có trang nào")),
        "{:?}",
        rep.notes
    );
    assert!(names(inbox.path()).is_empty());
    let list = desk.triage_list(false).unwrap();
    assert_eq!(list[1].code_read, None);
    assert_eq!(list[2].code_read.as_deref(), Some(r.as_str()));
    // A damaged file has no page to file: asked to scan again.
    let err = desk.triage_assign(list[0].id, &a, 1).unwrap_err();
    assert!(err.to_string().contains("quét lại"), "{err}");
    // A component the dossier does not have.
    let err = desk.triage_assign(list[1].id, &a, 9).unwrap_err();
    assert!(err.to_string().contains("thành phần số 9"), "{err}");
    assert_eq!(desk.triage_list(false).unwrap().len(), 3);
    assert!(desk.check().unwrap().ok);
}

#[test]
fn a_multi_page_tiff_imported_at_the_desk_counts_its_pages() {
    let data = tempfile::tempdir().unwrap();
    let inbox = tempfile::tempdir().unwrap();
    let (mut desk, _clock) = ready(data.path(), inbox.path());
    let a = intake_duc(&mut desk, vec![1, 2]);
    let file = data.path().join("ho-so.tif");
    let bytes = tiff(&[paper(1), paper(2), paper(3)]);
    std::fs::write(&file, &bytes).unwrap();
    let cut = data.path().join("cut.tif");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = desk
        .dossier_import(&a, 1, std::slice::from_ref(&cut), None)
        .unwrap_err();
    assert_eq!(err.code(), "bad_scan", "{err}");
    assert!(err.to_string().contains("cut.tif"), "{err}");
    assert!(desk.dossier_files(&a).unwrap().is_empty());
    let done = desk
        .dossier_import(&a, 1, std::slice::from_ref(&file), Some(3))
        .unwrap();
    assert_eq!(done.pages, 3);
    assert_eq!(done.files[0].media_type, "image/tiff");
    assert_eq!(done.files[0].pages, 3);
    let out = data.path().join("xuat");
    let files = desk.dossier_export(&a, &out).unwrap();
    assert_eq!(file_pages(&files[0]), 3);
}

/// This store's key for the papers' QR codes, from the keyring.
/// Page 1 of a receipt carrying `qr_text` in its QR code (whatever else it
/// says), rasterised at 200 dpi: a forged cover sheet.
fn forged_cover(qr_text: &str) -> RgbImage {
    let doc = bhxh_report::ReceiptDoc {
        organisation: None,
        office_name: "Bảo hiểm xã hội tỉnh Hà Nam".into(),
        place: "Hà Nam".into(),
        dossier_code: "GIẢ".into(),
        applicant_name: "Không Có Thật".into(),
        applicant_id: "001093047064".into(),
        address: String::new(),
        phone: String::new(),
        email: String::new(),
        matter: "Giả".into(),
        documents: vec![],
        sets: 1,
        title: bhxh_report::RECEIPT_TITLE.into(),
        form_label: "Mẫu số 01 – Thông tư 01/2018/TT-VPCP".into(),
        deadline: "05 ngày làm việc".into(),
        received_at: chrono::DateTime::parse_from_rfc3339("2026-11-25T08:30:00+07:00").unwrap(),
        due_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
        return_to: String::new(),
        register_year: 2026,
        register_no: 1,
        received_by: String::new(),
        qr_text: qr_text.to_owned(),
    };
    let png = first_page(&bhxh_report::render_receipt(&doc).unwrap(), &["-png"]);
    image::load_from_memory(&png).unwrap().into_rgb8()
}

/// The text of the QR code on a page.
fn qr_on(page: &RgbImage) -> String {
    let luma = image::DynamicImage::ImageRgb8(page.clone()).to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(luma);
    let grids = prepared.detect_grids();
    grids[0].decode().unwrap().1
}

#[test]
fn a_cover_without_a_valid_mac_or_naming_another_applicant_files_nothing() {
    use bhxh_core::dossiers::qr;
    let data = tempfile::tempdir().unwrap();
    let inbox = tempfile::tempdir().unwrap();
    let (mut desk, clock) = ready(data.path(), inbox.path());
    let a = intake_duc(&mut desk, vec![1, 2, 3]);
    let b = intake(
        &mut desk,
        "Trần Văn Bình",
        "035088001234",
        "1988-03-02",
        vec![1, 3],
    );
    let real_png = first_page(&desk.dossier_receipt(&a).unwrap(), &["-png"]);
    let real = image::load_from_memory(&real_png).unwrap().into_rgb8();
    let signed = qr_on(&real);
    let fields = qr::parse(signed.as_bytes()).unwrap();
    let key = paper_key(data.path());
    let fields = fields.verify(key.as_bytes()).unwrap().clone();

    // The cheapest ways to a cover the inbox would file:
    // 1. the old, unsigned form of A's receipt (what every receipt printed
    //    before carried, or anyone can type);
    let mut old = fields.clone();
    old.v = qr::UNSIGNED_VERSION;
    let unsigned = forged_cover(&old.unsigned_text());
    // 2. A's real receipt with B's code put in, the MAC kept;
    let swapped = forged_cover(&signed.replacen(&a, &b, 1));
    // 3. a well-formed MAC made up (or another office's key);
    let made_up = forged_cover(&format!(
        "{}|AAAAAAAAAAAAAAAAAAAAAA",
        fields.unsigned_text()
    ));
    // 4. signed with this store's key (a leaked key, an edited record)
    //    but naming someone else than A's applicant.
    let mut other = fields.clone();
    other.dinh_danh = "035088001234".into();
    let wrong_id = forged_cover(&other.to_signed_text(key.as_bytes()));
    let batch = tiff(&[
        unsigned,
        paper(1),
        swapped,
        paper(2),
        made_up,
        paper(3),
        wrong_id,
        paper(4),
        real,
        paper(5),
    ]);
    desk.sign_out().unwrap();
    desk.sign_in("sohoa", CLERK_PW).unwrap();
    std::fs::write(inbox.path().join("lo-quet.tif"), &batch).unwrap();
    desk.scan_once().unwrap();
    clock.advance(15);
    let r = desk.scan_once().unwrap();
    assert!(r.errors.is_empty(), "{:#?}", r.errors);

    // Only the real cover files its page; every other part waits for a
    // person, saying why.
    let filed: Vec<(String, u32, u32)> = r
        .filed
        .iter()
        .map(|f| (f.code.clone(), f.component, f.pages))
        .collect();
    assert_eq!(filed, vec![(a.clone(), 1, 1)], "{r:#?}");
    assert!(assembled(&mut desk, &b).is_empty());
    let reasons: Vec<String> = r.triaged.iter().map(|t| t.reason.clone()).collect();
    assert_eq!(reasons.len(), 4, "{reasons:#?}");
    assert!(reasons[0].contains("mẫu cũ"), "{}", reasons[0]);
    assert!(reasons[0].contains(&a), "{}", reasons[0]);
    for reason in &reasons[1..3] {
        assert!(
            reason.contains("mã xác thực của mã QR không đúng"),
            "{reason}"
        );
    }
    assert!(
        reasons[3].contains("số định danh 035088001234 trên bìa không phải của người nộp hồ sơ"),
        "{}",
        reasons[3]
    );
    for reason in &reasons {
        assert!(
            reason.starts_with("Mã QR trên trang bìa không dùng được: "),
            "{reason}"
        );
    }
    assert_eq!(desk.triage_list(false).unwrap().len(), 4);

    // On the record: the batch's audit entry names each part and its reason.
    desk.sign_out().unwrap();
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    let log = desk.audit_list(100, None).unwrap();
    let entry = log
        .iter()
        .find(|e| e.action == "import" && e.entity == "inbox_file")
        .unwrap();
    assert!(entry.detail.contains("mẫu cũ"), "{}", entry.detail);
    assert!(
        entry.detail.contains("không phải của người nộp"),
        "{}",
        entry.detail
    );
}
