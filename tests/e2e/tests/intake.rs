//! Dossier intake in the real window: the applicant filled from a CCCD QR
//! code typed in by a barcode scanner, the dossier taken in, its receipt
//! printed with Ctrl+P through a private CUPS scheduler and read back from
//! the print spool by poppler (the focus back in the scan box, nothing in
//! Documents), then the dossier found by a name typed without diacritics,
//! moved along its flow and its other papers printed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use bhxh_e2e::*;
use fantoccini::key::Key;

/// The front QR text of an (invented) citizen's card.
const CARD_QR: &str =
    "001093047064|123456789|Nguyễn Văn Đức|05011993|Nam|Số 5 Lê Lợi, Phủ Lý, Hà Nam|01022021";

/// The dossier code in the intake notice "… hồ sơ CODE. …".
fn code_in(notice: &str) -> String {
    notice
        .split("hồ sơ ")
        .nth(1)
        .and_then(|s| s.split(". ").next())
        .expect("the code in the notice")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dossier_is_taken_in_from_the_card_qr_printed_and_found_again() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let cups = print_bench();
    // A HOME of its own: nothing may appear in its Documents.
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join("Documents"))?;
    let mut env = cups.env();
    env.push(("HOME".into(), home.display().to_string()));
    let driver = Driver::start_with_env(&env)?;
    let c = driver.launch(&data).await?;
    let result = async {
        first_start_setup(&c).await?;
        sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
        click(&c, "#nav-intake").await?;
        visible(&c, "#intake-form").await?;
        // The print system's queues in the printer chooser.
        text_contains(&c, "#printer-choice", "desk").await?;

        // A scanner "types" the QR text of the card's front and presses Enter.
        fill(
            &c,
            "#intake-qr",
            &format!("{CARD_QR}{}", char::from(Key::Enter)),
        )
        .await?;
        text_contains(&c, "#intake-form", "Đã điền thông tin từ mã QR").await?;
        let name = c.find(fantoccini::Locator::Css("#intake-name")).await?;
        assert_eq!(
            name.prop("value").await?.unwrap_or_default(),
            "Nguyễn Văn Đức"
        );
        assert_eq!(value_of(&c, "#intake-dob").await?, "05/01/1993");
        // Typed day first whatever the OS locale: eight digits, the slashes
        // come by themselves; a date that is not one says so at the field.
        fill(&c, "#intake-dob", "31021993").await?;
        text_contains(&c, "#intake-dob-problem", "Không có ngày này").await?;
        fill(&c, "#intake-dob", "05011993").await?;
        assert_eq!(value_of(&c, "#intake-dob").await?, "05/01/1993");
        assert_eq!(count(&c, "#intake-dob-problem").await?, 0);

        // Without a procedure the intake is refused, and says why.
        click(&c, "#intake-submit").await?;
        text_contains(&c, "#intake-error", "thủ tục").await?;

        select(&c, "#intake-procedure", "BHXH.01").await?;
        visible(&c, "#intake-components").await?;
        click(&c, "#intake-submit").await?;
        let done = text_contains(&c, "#intake-done", "Đã tiếp nhận hồ sơ").await?;
        assert!(done.contains("-0001"), "{done}");
        // The due date comes with its rule and legal basis (Law 41/2024,
        // in force on today's date).
        let rule = text_contains(&c, "#intake-deadline", "5 ngày làm việc").await?;
        assert!(
            rule.contains("Luật Bảo hiểm xã hội số 41/2024/QH15"),
            "{rule}"
        );
        snap(&c, "7-intake").await?;

        // The scan box has the focus again, for the next applicant's card.
        assert_eq!(focused_id(&c).await?, "intake-qr");
        // Ctrl+P, wherever the focus is, prints the receipt of this intake
        // on the default printer, and gives the focus back to the scan box.
        click(&c, "#intake-name").await?;
        c.active_element()
            .await?
            .send_keys(&format!(
                "{}p{}",
                char::from(Key::Control),
                char::from(Key::Null)
            ))
            .await?;
        let sent = text_contains(&c, "#intake-receipt-done", "Đã gửi tới máy in desk").await?;
        let job = job_in(&sent);
        cups.wait_completed(&job, std::time::Duration::from_secs(30));
        let text = pdf_bytes_words(&cups.job_bytes(&job), &["-raw"])?;
        assert!(
            text.contains("tiếp nhận hồ sơ của: Nguyễn Văn Đức"),
            "{text}"
        );
        assert!(text.contains(&code_in(&done)), "{text}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while focused_id(&c).await? != "intake-qr" {
            assert!(
                std::time::Instant::now() < deadline,
                "the focus is on #{}, not the scan box",
                focused_id(&c).await?
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }

        // "Xem trước": the receipt drawn (PDF.js, in the window's CSP) before
        // it is printed; Esc closes it, and its own "In" prints the paper.
        click(&c, "#intake-receipt-preview").await?;
        visible(&c, "#intake-receipt-preview-dialog canvas[data-drawn=yes]").await?;
        let dark = c
            .execute(
                "const cv = document.querySelector('#intake-receipt-preview-dialog canvas');
                 const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
                 let dark = 0;
                 for (let i = 0; i < d.length; i += 4) if (d[i] < 100 && d[i + 3] > 200) dark++;
                 return dark;",
                vec![],
            )
            .await?
            .as_u64()
            .unwrap_or(0);
        assert!(
            dark > 2000,
            "the preview shows the receipt's ink ({dark} dark pixels)"
        );
        // drawn, "In" has the focus: Enter would print
        focus_lands(&c, "intake-receipt-preview-print").await?;
        c.active_element()
            .await?
            .send_keys(&char::from(Key::Escape).to_string())
            .await?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while count(&c, "#intake-receipt-preview-dialog").await? > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "Esc closes the preview"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        click(&c, "#intake-receipt-preview").await?;
        visible(&c, "#intake-receipt-preview-dialog canvas[data-drawn=yes]").await?;
        click(&c, "#intake-receipt-preview-print").await?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let again = loop {
            let sent = text_contains(&c, "#intake-receipt-done", "Đã gửi tới máy in desk").await?;
            if job_in(&sent) != job {
                break job_in(&sent);
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no second job after the preview's In"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        };
        assert_eq!(count(&c, "#intake-receipt-preview-dialog").await?, 0);
        cups.wait_completed(&again, std::time::Duration::from_secs(30));
        let text = pdf_bytes_words(&cups.job_bytes(&again), &["-raw"])?;
        assert!(
            text.contains("tiếp nhận hồ sơ của: Nguyễn Văn Đức"),
            "{text}"
        );

        fill(
            &c,
            "#dossier-search",
            &format!("nguyen van duc{}", char::from(Key::Enter)),
        )
        .await?;
        text_contains(&c, "#dossier-results", "Nguyễn Văn Đức").await?;
        assert_eq!(count(&c, "#dossier-results tbody tr").await?, 1);
        click(&c, "#dossier-results tbody tr button").await?;
        text_contains(&c, "#dossier-status", "Đã tiếp nhận").await?;
        select(&c, "#dossier-move", "digitising").await?;
        click(&c, "#dossier-detail form button[type=submit]").await?;
        text_contains(&c, "#dossier-status", "Đang số hóa").await?;
        // The tracking sheet (form 05) and the year's register (form 06).
        click(&c, "#print-form05").await?;
        let sent = text_contains(&c, "#print-form05-done", "Đã gửi tới máy in desk").await?;
        let job = job_in(&sent);
        cups.wait_completed(&job, std::time::Duration::from_secs(30));
        let sheet = pdf_bytes_words(&cups.job_bytes(&job), &["-raw"])?;
        assert!(
            sheet.contains("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"),
            "{sheet}"
        );
        assert!(sheet.contains("Nguyễn Văn Đức"), "{sheet}");
        click(&c, "#print-register").await?;
        let sent = text_contains(&c, "#print-register-done", "Đã gửi tới máy in desk").await?;
        let job = job_in(&sent);
        cups.wait_completed(&job, std::time::Duration::from_secs(30));
        let register = pdf_bytes_words(&cups.job_bytes(&job), &["-raw"])?;
        assert!(register.contains("-0001"), "{register}");
        // Printed, not saved: nothing was written under HOME.
        let mut left = Vec::new();
        let mut dirs = vec![home.clone()];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d)? {
                let p = e?.path();
                if p.is_dir() {
                    dirs.push(p);
                } else {
                    left.push(p);
                }
            }
        }
        assert!(
            !left.iter().any(|p| p.starts_with(home.join("Documents"))),
            "{left:?}"
        );

        // Digitise component 1 from a 200 dpi scan chosen in the window.
        let code = code_in(&done);
        let scan = dir.path().join("trang-1.jpg");
        let made = std::process::Command::new("convert")
            .args(["-size", "1654x2339", "xc:#f4f1ea", "-fill", "#1d2a44"])
            .args([
                "-draw",
                "rectangle 150,200 1500,260",
                "-units",
                "PixelsPerInch",
            ])
            .args(["-density", "200", "-quality", "85"])
            .arg(&scan)
            .status()?;
        assert!(made.success(), "ImageMagick convert");
        click(&c, "#nav-digitise").await?;
        open_to_digitise(&c, &code).await?;
        visible(&c, "#component-1").await?;
        let input = c.find(fantoccini::Locator::Css("#files-1")).await?;
        input.send_keys(scan.to_str().unwrap()).await?;
        fill(&c, "#pages-1", "1").await?;
        click(&c, "#import-1").await?;
        text_contains(&c, "#digitise-notice", "Đã số hóa thành phần 1 (1 trang)").await?;
        text_contains(&c, "#component-1", "PDF: 1 trang").await?;
        snap(&c, "8-digitise").await?;

        // A page scanned without the receipt on top lands in the scan inbox:
        // taken once it stood still between two polls, set aside for triage,
        // then filed by hand to component 2.
        let inbox = data.join("hop-thu-quet");
        std::fs::create_dir_all(&inbox)?;
        let made = std::process::Command::new("convert")
            .args([
                "-size",
                "1654x2339",
                "xc:#f4f1ea",
                "-units",
                "PixelsPerInch",
            ])
            .args(["-density", "200", "-quality", "85"])
            .arg(inbox.join("khong-phieu.jpg"))
            .status()?;
        assert!(made.success(), "ImageMagick convert");
        click(&c, "#inbox-scan").await?;
        text_contains(&c, "#inbox-report", "đang chờ tệp ghi xong 1").await?;
        tokio::time::sleep(std::time::Duration::from_secs(11)).await;
        click(&c, "#inbox-scan").await?;
        text_contains(&c, "#inbox-report", "chờ phân loại 1").await?;
        let item = text_contains(&c, "#inbox-triage", "khong-phieu.jpg").await?;
        assert!(item.contains("trang 1–1"), "{item}");
        assert!(
            !inbox.join("khong-phieu.jpg").exists(),
            "taken from the folder once recorded"
        );
        fill(&c, "#inbox-triage li input[type=number]", "2").await?;
        fill(&c, "#inbox-triage li input:not([type])", &code).await?;
        click(&c, "#inbox-triage li button").await?;
        text_contains(
            &c,
            "#inbox-notice",
            &format!("vào hồ sơ {code}, thành phần 2 (1 trang)"),
        )
        .await?;
        text_contains(&c, "#inbox-panel", "Không có tệp nào chờ phân loại").await?;
        click(&c, "#digitise-open").await?;
        text_contains(&c, "#component-2", "PDF: 1 trang").await?;

        // The same person comes back: the paper digitised the first time is
        // offered, and reused instead of a rescan.
        click(&c, "#nav-intake").await?;
        fill(
            &c,
            "#intake-qr",
            &format!("{CARD_QR}{}", char::from(Key::Enter)),
        )
        .await?;
        text_contains(&c, "#intake-form", "Đã điền thông tin từ mã QR").await?;
        select(&c, "#intake-procedure", "BHXH.01").await?;
        visible(&c, "#intake-components").await?;
        // The first dossier is still open: said before "Tiếp nhận", with a way to it.
        text_contains(&c, &format!("[data-open-same='{code}']"), "đã có hồ sơ").await?;
        click(&c, "#intake-submit").await?;
        let again = code_in(&text_contains(&c, "#intake-done", "-0002").await?);
        click(&c, "#nav-digitise").await?;
        open_to_digitise(&c, &again).await?;
        text_contains(&c, "[data-reuse='1']", &code).await?;
        click(&c, "[data-reuse='1'] button").await?;
        text_contains(
            &c,
            "#digitise-notice",
            &format!("Đã dùng lại thành phần 1 của hồ sơ {code}"),
        )
        .await?;
        text_contains(&c, "#component-1", "PDF: 1 trang").await?;
        // Offered no more once used (the screen reloads after the reuse).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while count(&c, "[data-reuse='1']").await? > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "offered no more once used"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        // Not handled yet: no result can be digitised.
        visible(&c, "#results-later").await?;

        // The first dossier: its last two papers, then it is processed and
        // its result (the new book) is digitised and flagged reusable.
        open_to_digitise(&c, &code).await?;
        for n in [3, 4] {
            let input = c
                .find(fantoccini::Locator::Css(&format!("#files-{n}")))
                .await?;
            input.send_keys(scan.to_str().unwrap()).await?;
            click(&c, &format!("#import-{n}")).await?;
            text_contains(&c, "#digitise-notice", &format!("Đã số hóa thành phần {n}")).await?;
        }
        text_contains(&c, "#digitise-notice", "Trạng thái hồ sơ: Đã số hóa").await?;
        click(&c, "#nav-intake").await?;
        fill(
            &c,
            "#dossier-search",
            &format!("{code}{}", char::from(Key::Enter)),
        )
        .await?;
        click(&c, "#dossier-results tbody tr button").await?;
        text_contains(&c, "#dossier-status", "Đã số hóa").await?;
        select(&c, "#dossier-move", "processing").await?;
        click(&c, "#dossier-detail form button[type=submit]").await?;
        text_contains(&c, "#dossier-status", "Đang giải quyết").await?;
        click(&c, "#nav-digitise").await?;
        open_to_digitise(&c, &code).await?;
        visible(&c, "#results-none").await?;
        fill(&c, "#result-name", "Sổ BHXH").await?;
        let input = c.find(fantoccini::Locator::Css("#result-files")).await?;
        input.send_keys(scan.to_str().unwrap()).await?;
        click(&c, "#result-import").await?;
        text_contains(
            &c,
            "#digitise-notice",
            "Đã số hóa kết quả 1 \"Sổ BHXH\" (1 trang). Trạng thái hồ sơ: Có kết quả",
        )
        .await?;
        text_contains(&c, "#result-1", "Kết quả 1: Sổ BHXH").await?;
        assert_eq!(count(&c, "#results-none").await?, 0);
        let flag = c
            .find(fantoccini::Locator::Css("#result-1 .result-reusable"))
            .await?;
        assert_eq!(flag.prop("checked").await?.as_deref(), Some("true"));
        snap(&c, "8b-result").await?;
        Ok::<_, Error>(())
    }
    .await;
    let _ = c.close().await;
    result
}

/// A computer whose print system has no printer: "In" says so in Vietnamese
/// and offers "Lưu PDF" instead; the printer chooser says there is none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_printer_the_receipt_offers_the_pdf() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    // A scheduler with no queue at all.
    let cups = bhxh_print::testing::CupsServer::start();
    let driver = Driver::start_with_env(&cups.env())?;
    let c = driver.launch(&data).await?;
    let result = async {
        first_start_setup(&c).await?;
        sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
        click(&c, "#nav-intake").await?;
        visible(&c, "#intake-form").await?;
        text_contains(&c, "#printer-none", "Chưa có máy in nào").await?;
        fill(
            &c,
            "#intake-qr",
            &format!("{CARD_QR}{}", char::from(Key::Enter)),
        )
        .await?;
        text_contains(&c, "#intake-form", "Đã điền thông tin từ mã QR").await?;
        select(&c, "#intake-procedure", "BHXH.01").await?;
        visible(&c, "#intake-components").await?;
        click(&c, "#intake-submit").await?;
        text_contains(&c, "#intake-done", "Đã tiếp nhận hồ sơ").await?;
        click(&c, "#intake-receipt").await?;
        text_contains(
            &c,
            "#intake-receipt-error",
            "Máy tính này chưa có máy in nào",
        )
        .await?;
        text_contains(&c, "#intake-receipt-save-instead", "Lưu PDF").await?;
        assert!(cups.all_jobs().is_empty());
        Ok::<_, Error>(())
    }
    .await;
    let _ = c.close().await;
    result
}
