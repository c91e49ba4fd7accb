//! Scanning and OCR in the real window: a component scanned from SANE's own
//! `test` backend (a real SANE stack, the test's own `SANE_CONFIG_DIR`)
//! through the Digitise screen, its ten feeder pages reported as they come,
//! a page turned and one dropped on the page strip with the keyboard; then a paper with Vietnamese text digitised, read in the background by
//! the real Tesseract, and the dossier found from the Intake screen's search
//! box by a word that is only on the paper, typed without diacritics.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::process::Command;
use std::time::{Duration, Instant};

use bhxh_e2e::*;
use fantoccini::key::Key;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_is_scanned_in_the_window_and_found_by_a_word_on_its_paper() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let sane = dir.path().join("sane.d");
    std::fs::create_dir_all(&sane)?;
    std::fs::write(sane.join("dll.conf"), "test\n")?;
    std::fs::write(sane.join("test.conf"), "number_of_devices 1\n")?;
    let driver =
        Driver::start_with_env(&[("SANE_CONFIG_DIR".to_owned(), sane.display().to_string())])?;
    let c = driver.launch(&data).await?;
    let result =
        async {
            first_start_setup(&c).await?;
            sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
            visible(&c, "#nav-digitise").await?;
            let code = new_dossier_cli(&data, "1,2")?;

            // The feeder's ten pages, straight into component 1.
            click(&c, "#nav-digitise").await?;
            open_to_digitise(&c, &code).await?;
            text_contains(&c, "#scanner", "test:0").await?;
            select(&c, "#scan-source-1", "adf").await?;
            select(&c, "#scan-dpi", "200").await?;
            click(&c, "#scan-1").await?;
            text_contains(
                &c,
                "#digitise-notice",
                "Đã quét và số hóa thành phần 1 (10 trang)",
            )
            .await?;
            text_contains(&c, "#component-1", "PDF: 10 trang").await?;

            // The page strip: page 2 turned and page 10 dropped with the
            // keyboard, saved as a new version of the component's PDF.
            click(&c, "#pages-open-1").await?;
            visible(&c, "#pages-1 li[data-page='10'] img").await?;
            assert_eq!(count(&c, "#pages-1 li[data-page]").await?, 10);
            click(&c, "#pages-1 li[data-page='2']").await?;
            c.active_element().await?.send_keys("r").await?;
            visible(&c, "#pages-1 li[data-page='2'][data-rotate='90']").await?;
            click(&c, "#pages-1 li[data-page='10']").await?;
            c.active_element()
                .await?
                .send_keys(&char::from(Key::Delete).to_string())
                .await?;
            visible(&c, "#pages-1 li[data-page='10'][data-dropped='true']").await?;
            let looks = c
                .execute(
                    "const e = document.querySelector(\"#pages-1 li[data-page='10']\"); \
                     return e.className + ' ' + getComputedStyle(e).opacity;",
                    vec![],
                )
                .await?;
            let looks = looks.as_str().unwrap_or_default().to_owned();
            // a page to be dropped is shown faded
            let opacity: f64 = looks
                .rsplit(' ')
                .next()
                .unwrap_or("1")
                .parse()
                .unwrap_or(1.0);
            assert!(looks.contains("dropped") && opacity < 1.0, "{looks}");
            snap(&c, "10-page-strip").await?;
            click(&c, "#pages-save-1").await?;
            text_contains(
                &c,
                "#digitise-notice",
                "Đã lưu bản mới của thành phần 1: 9 trang.",
            )
            .await?;
            text_contains(&c, "#component-1", "PDF: 9 trang").await?;
            let out = desk_cli(
                &data,
                &["dossier", "pages", &code, "--component", "1", "--json"],
                ADMIN_USER,
                ADMIN_PASSWORD,
            )?;
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let pages: serde_json::Value = serde_json::from_slice(&out.stdout)?;
            let turns: Vec<u64> = pages["pages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["rotate"].as_u64().unwrap())
                .collect();
            assert_eq!(turns, vec![0, 90, 0, 0, 0, 0, 0, 0, 0], "{pages}");

            // The last two pages belong to component 3 (the batch was fed
            // whole): chosen with M, moved there; then back again, leaving
            // component 3 with no PDF.
            visible(&c, "#pages-1 li[data-page='9'] img").await?;
            for page in ["8", "9"] {
                click(&c, &format!("#pages-1 li[data-page='{page}']")).await?;
                c.active_element().await?.send_keys("m").await?;
                visible(
                    &c,
                    &format!("#pages-1 li[data-page='{page}'][data-marked='true']"),
                )
                .await?;
            }
            select(&c, "#pages-move-to-1", "3").await?;
            click(&c, "#pages-move-1").await?;
            text_contains(
                &c,
                "#digitise-notice",
                "Đã chuyển 2 trang từ thành phần 1 sang thành phần 3",
            )
            .await?;
            text_contains(&c, "#component-1", "PDF: 7 trang").await?;
            text_contains(&c, "#component-3", "PDF: 2 trang").await?;
            assert_eq!(count(&c, "#pages-1 li[data-page]").await?, 7);
            click(&c, "#pages-open-3").await?;
            visible(&c, "#pages-3 li[data-page='2'] img").await?;
            for page in ["1", "2"] {
                click(&c, &format!("#pages-3 li[data-page='{page}']")).await?;
                c.active_element().await?.send_keys("m").await?;
            }
            select(&c, "#pages-move-to-3", "1").await?;
            click(&c, "#pages-move-3").await?;
            text_contains(
                &c,
                "#digitise-notice",
                "Đã chuyển 2 trang từ thành phần 3 sang thành phần 1",
            )
            .await?;
            text_contains(&c, "#component-1", "PDF: 9 trang").await?;
            let three = visible(&c, "#component-3").await?.text().await?;
            assert!(
                !three.contains("PDF:"),
                "component 3 has no PDF now: {three}"
            );
            // (the strip's box, not the page-count field of the import form)
            assert_eq!(count(&c, "div#pages-3").await?, 0, "its strip closed");
            click(&c, "#pages-open-1").await?;

            // A paper with words on it, for component 2.
            let page = dir.path().join("giay-ra-vien.jpg");
            let font = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../assets/fonts/LiberationSerif-Regular.ttf");
            let made = Command::new("convert")
            .args(["-density", "300", "-units", "PixelsPerInch", "-background", "white"])
            .args(["-fill", "black", "-font"])
            .arg(&font)
            .args(["-pointsize", "12"])
            .arg("label:GIẤY RA VIỆN\nBệnh viện Đa khoa vùng Tây Nguyên\nChẩn đoán: viêm phổi cấp")
            .args(["-bordercolor", "white", "-border", "120", "-quality", "90"])
            .arg(&page)
            .status()?;
            assert!(made.success(), "ImageMagick convert");
            let input = c.find(fantoccini::Locator::Css("#files-2")).await?;
            input.send_keys(page.to_str().unwrap()).await?;
            click(&c, "#import-2").await?;
            text_contains(&c, "#digitise-notice", "Đã số hóa thành phần 2 (1 trang)").await?;

            // OCR runs in the background; the search box finds the dossier by a
            // word of the paper once it has (typed without diacritics).
            click(&c, "#nav-intake").await?;
            let deadline = Instant::now() + Duration::from_secs(120);
            loop {
                fill(
                    &c,
                    "#dossier-search",
                    &format!("tay nguyen{}", char::from(Key::Enter)),
                )
                .await?;
                tokio::time::sleep(Duration::from_millis(800)).await;
                let rows = count(&c, "#dossier-results tbody tr").await?;
                if rows == 1 {
                    text_contains(&c, "#dossier-results", &code).await?;
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "the paper's words were not found within 120 s"
                );
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            snap(&c, "10-found-by-paper-text").await?;
            Ok::<(), Error>(())
        }
        .await;
    c.close().await?;
    result
}
