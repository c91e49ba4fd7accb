//! "Kiểm tra CCCD" in the real window, over real PC/SC: a private `pcscd`
//! with the virtual reader and the eMRTD emulator serving the generated test
//! card. The counter officer picks the reader, sees the card arrive, types
//! the access data; the card is read by itself, judged genuine against the
//! office's CSCA store (`<data dir>/csca`) and the check is recorded. Then a
//! card whose DG13 was changed after signing is put down and opened from its
//! front QR code: the window says the data was altered.
//!
//! Skipped (with a message) only when `pcscd` is not installed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::time::{Duration, Instant};

use bhxh_e2e::pcsc::{self, READER, VirtualReader};
use bhxh_e2e::*;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};

/// Wait until `css` matches at least one element (options are never "displayed").
async fn present(c: &Client, css: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while count(c, css).await? == 0 {
        if Instant::now() > deadline {
            return Err(format!("{css} không xuất hiện sau 20 giây").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counter_reads_a_genuine_card_and_spots_an_altered_one() -> Result<()> {
    let Some(mut card) = VirtualReader::start()? else {
        eprintln!(
            "SKIPPED: pcscd is not installed (apt-get install pcscd vsmartcard-vpcd python3-virtualsmartcard python3-pycryptodome)"
        );
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    // The office's CSCA store: the test CSCA the generated card chains to.
    pcsc::copy_dir(&pcsc::test_trust_dir(), &data.join("csca"))?;
    let tampered = dir.path().join("tampered");
    pcsc::tampered_dg13_card(&tampered)?;

    // Like Vietnamese chips, the good card offers PACE (its CAN: the ID's last 6 digits).
    card.insert_with(&pcsc::good_card(), &["--pace"])?;
    let driver = Driver::start_with_env(&card.env())?;
    let c = driver.launch(&data).await?;
    let result = async {
        first_start_setup(&c).await?;
        sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
        click(&c, "#nav-cccd").await?;
        visible(&c, "#card-access").await?;

        // The virtual reader shows up in the picker, holding the card.
        present(&c, &format!("#card-reader option[value='{READER}']")).await?;
        select(&c, "#card-reader", READER).await?;
        text_contains(&c, "#card-status", "Có thẻ trên đầu đọc").await?;

        // The access data typed from the card; the read starts by itself.
        fill(&c, "#card-id", "001093047064").await?;
        fill(&c, "#card-dob", "05/01/1993").await?;
        fill(&c, "#card-expiry", "05/01/2033").await?;
        let verdict = text_contains(&c, "#card-verdict", "Thẻ thật").await?;
        assert!(verdict.contains("Thẻ thật – dữ liệu toàn vẹn"), "{verdict}");
        text_contains(&c, "#card-person", "Nguyễn Thị Thử Nghiệm").await?;
        text_contains(&c, "#card-person", "001093047064").await?;
        let check = text_contains(&c, "#card-check", "Đã ghi nhận lần kiểm tra số 1").await?;
        assert_eq!(count(&c, "#card-person-warning").await?, 0);
        assert!(
            check.contains("không có trong danh sách người tham gia"),
            "{check}"
        );
        // Every step and file was shown.
        let steps = text_contains(&c, "#card-steps", "Hoàn tất").await?;
        for file in ["EF.COM", "EF.SOD", "DG1", "DG2", "DG13"] {
            assert!(steps.contains(&format!("Đọc {file}")), "{file}: {steps}");
        }
        // The photo from DG2 reaches the window as a data URL (shown, never
        // stored; the test card's JPEG is a header without pixels, so the
        // window says it cannot show it).
        present(&c, "#card-photo").await?;
        let photo = c.find(Locator::Css("#card-photo")).await?;
        let src = photo.attr("src").await?.unwrap_or_default();
        assert!(src.starts_with("data:image/jpeg;base64,/9j/"), "{src:.60}");
        // The technical detail is behind a <details>: every check passed.
        click(&c, "#card-details summary").await?;
        let details = text_contains(&c, "#card-details", "Nguồn gốc chứng thư (CSCA)").await?;
        assert!(!details.contains("Không đạt"), "{details}");
        assert!(details.contains("IDVNM"), "the MRZ: {details}");
        // Opened by PACE with the CAN the ID gives, not BAC.
        assert!(
            details.contains("Mở chip bằng PACE (CAN, ECDH-GM, AES-128, brainpoolP256r1)"),
            "{details}"
        );
        snap(&c, "9-cccd-genuine").await?;

        // The next person: the card is taken away, an altered one put down.
        click(&c, "#card-next").await?;
        card.remove();
        text_contains(&c, "#card-status", "Chưa có thẻ").await?;
        card.insert(&tampered)?;
        text_contains(&c, "#card-status", "Có thẻ trên đầu đọc").await?;
        // Its front QR code, as a barcode scanner types it.
        fill(
            &c,
            "#card-qr",
            &format!(
                "001093047064|123456789|Nguyễn Thị Thử Nghiệm|05011993|Nữ|Số 1 Tràng Tiền, Hà Nội|01022021{}",
                char::from(Key::Enter)
            ),
        )
        .await?;
        text_contains(&c, "#card-qr-notice", "Đã điền từ mã QR").await?;
        let expiry = visible(&c, "#card-expiry").await?;
        assert_eq!(expiry.prop("value").await?.unwrap_or_default(), "05/01/2033");
        let verdict = text_contains(&c, "#card-verdict", "Dữ liệu trên thẻ đã bị thay đổi").await?;
        assert!(verdict.contains("Không sử dụng thông tin từ chip"), "{verdict}");
        text_contains(&c, "#card-person", "Mguyễn Thị Thử Nghiệm").await?;
        text_contains(&c, "#card-person-warning", "không sử dụng").await?;
        let check = text_contains(&c, "#card-check", "Đã ghi nhận lần kiểm tra số 2").await?;
        assert!(check.contains("không được xác thực là thẻ thật"), "{check}");
        let class = visible(&c, "#card-verdict")
            .await?
            .attr("class")
            .await?
            .unwrap_or_default();
        assert!(class.contains("tone-bad"), "{class}");
        click(&c, "#card-details summary").await?;
        text_contains(&c, "#card-details", "Toàn vẹn dữ liệu DG13").await?;
        snap(&c, "10-cccd-altered").await?;
        Ok::<_, Error>(())
    }
    .await;
    let _ = c.close().await;
    if result.is_err() {
        eprintln!("{}", card.logs());
    }
    result
}
