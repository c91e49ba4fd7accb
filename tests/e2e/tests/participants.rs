//! The participant register in the real window: a CSV with two bad rows is
//! previewed with exactly those lines reported, nothing is imported until the
//! supervisor asks for the valid rows, then the people are found by a name
//! typed without diacritics.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use bhxh_e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_is_previewed_with_its_bad_rows_then_the_valid_rows_imported() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let csv = dir.path().join("danh-sach.csv");
    std::fs::write(
        &csv,
        "Mã số BHXH;Họ và tên;Ngày sinh;Giới tính;Số CCCD\n\
         1701234567;Trần Thị Gấm;05/06/1975;Nữ;017175012345\n\
         170123456;Y Moan Êban;03/04/1985;Nam;\n\
         1701234568;Nguyễn Văn Đông;31/02/1992;Nam;\n\
         1701234569;Đỗ Văn Hùng;07/08/1988;Nam;017088012345\n",
    )?;
    let data = dir.path().join("data");
    let driver = Driver::start()?;
    let c = driver.launch(&data).await?;
    let result = async {
        first_start_setup(&c).await?;
        sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
        click(&c, "#nav-cccd").await?;
        text_contains(&c, "#participants-share", "0/0").await?;
        let input = c
            .find(fantoccini::Locator::Css("#participants-file"))
            .await?;
        input.send_keys(csv.to_str().unwrap()).await?;
        text_contains(&c, "#participants-summary", "4 dòng: 2 hợp lệ, 2 lỗi").await?;
        text_contains(&c, "[data-line=\"3\"]", "10 chữ số").await?;
        text_contains(&c, "[data-line=\"4\"]", "31/02/1992").await?;
        assert_eq!(count(&c, "#participants-problems tbody tr").await?, 2);
        // The columns were found from the headers.
        let sex = c.find(fantoccini::Locator::Css("#map-sex")).await?;
        assert_eq!(sex.prop("value").await?.unwrap_or_default(), "3");
        // All or nothing: blocked until the valid rows are asked for.
        let commit = c
            .find(fantoccini::Locator::Css("#participants-commit"))
            .await?;
        assert!(!commit.is_enabled().await?);
        snap(&c, "6-participants").await?;
        click(&c, "#participants-valid-only").await?;
        click(&c, "#participants-commit").await?;
        text_contains(&c, "#participants-message", "thêm mới 2").await?;
        text_contains(&c, "#participants-share", "0/2").await?;

        fill(
            &c,
            "#participants-search",
            &format!("do van hung{}", char::from(fantoccini::key::Key::Enter)),
        )
        .await?;
        text_contains(&c, "#participants-found", "Đỗ Văn Hùng").await?;
        assert_eq!(count(&c, "#participants-found tbody tr").await?, 1);
        Ok::<_, Error>(())
    }
    .await;
    let _ = c.close().await;
    result
}
