//! Administration in the real window, driven mostly from the keyboard:
//! sign in with Enter, search the plan without diacritics, Alt+7 to
//! administration, create a counter officer, edit a procedure's processing
//! time, run the data check, and see that the new officer gets no
//! administration.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use bhxh_e2e::*;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;

async fn alt_digit(c: &fantoccini::Client, digit: char) -> Result<()> {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down {
            value: Key::Alt.into(),
        })
        .then(KeyAction::Down { value: digit })
        .then(KeyAction::Up { value: digit })
        .then(KeyAction::Up {
            value: Key::Alt.into(),
        });
    c.perform_actions(keys).await?;
    c.release_actions().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_manages_staff_procedures_and_checks_the_data() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let driver = Driver::start()?;
    let c = driver.launch(dir.path()).await?;
    let result = async {
        first_start_setup(&c).await?;
        // Sign in with the keyboard: Enter in the password field submits.
        fill(&c, "#signin-username", ADMIN_USER).await?;
        fill(
            &c,
            "#signin-password",
            &format!("{ADMIN_PASSWORD}{}", char::from(Key::Enter)),
        )
        .await?;
        visible(&c, "#plan-screen").await?;
        assert_eq!(count(&c, "[data-task]").await?, 27);

        // Search ignores diacritics, đ included.
        fill(&c, "#plan-search", "dinh danh").await?;
        text_contains(&c, "#plan-count", "trong tổng số 27").await?;
        let shown = count(&c, "[data-task]").await?;
        assert!(shown > 0 && shown < 27, "{shown} tasks match “dinh danh”");
        for row in c.find_all(fantoccini::Locator::Css("[data-task]")).await? {
            // textContent: the match may be in the collapsed details.
            let text = row
                .prop("textContent")
                .await?
                .unwrap_or_default()
                .to_lowercase();
            assert!(text.contains("định danh"), "{text}");
        }
        fill(&c, "#plan-search", "dien tu").await?;
        let found = c.find_all(fantoccini::Locator::Css("[data-task]")).await?;
        assert!(!found.is_empty());
        let text = found[0].prop("textContent").await?.unwrap_or_default();
        assert!(text.to_lowercase().contains("điện tử"), "{text}");

        // Alt+7 opens administration.
        alt_digit(&c, '7').await?;
        visible(&c, "#admin-screen").await?;
        text_contains(&c, "#staff-table", ADMIN_USER).await?;

        // A new counter officer.
        fill(&c, "#staff-username", "tiepnhan1").await?;
        fill(&c, "#staff-fullname", "Lê Văn Đức").await?;
        select(&c, "#staff-role", "counter_officer").await?;
        fill(&c, "#staff-password", "ngan").await?;
        click(&c, "#staff-submit").await?;
        text_contains(&c, "#staff-error", "Mật khẩu").await?;
        fill(&c, "#staff-password", "Tiepnhan-2024x").await?;
        click(&c, "#staff-submit").await?;
        text_contains(&c, "#admin-message", "tiepnhan1").await?;
        text_contains(&c, "[data-staff=\"tiepnhan1\"]", "Cán bộ tiếp nhận hồ sơ").await?;

        // The catalogue: change the first procedure's processing time.
        let first = visible(&c, "#proc-table tbody tr").await?;
        let code = first.attr("data-proc").await?.expect("data-proc");
        click(&c, &format!("#proc-edit-{}", code.replace('.', "\\."))).await?;
        fill(&c, "#proc-edit-days", "120").await?;
        click(&c, "#proc-save").await?;
        text_contains(&c, "#proc-error", "vượt quá 90").await?;
        fill(&c, "#proc-edit-days", "9").await?;
        click(&c, "#proc-save").await?;
        text_contains(&c, "#proc-message", &code).await?;
        let row = format!("[data-proc=\"{code}\"] td.num");
        text_contains(&c, &row, "9").await?;

        // The data check, then the audit log shows the edit.
        click(&c, "#db-check").await?;
        text_contains(&c, "#db-check-result", "Dữ liệu toàn vẹn").await?;
        snap(&c, "4-admin").await?;

        // The office takes its place among the 34 units; the packs applied
        // are listed with their changes.
        text_contains(&c, "#reference-packs", "Nghị định 118/2025/NĐ-CP").await?;
        assert_eq!(
            count(&c, "#office-unit option").await?,
            35,
            "34 units and the empty choice"
        );
        select(&c, "#office-unit", "25").await?;
        click(&c, "#office-rules button[type=submit]").await?;
        text_contains(&c, "#office-saved", "Phú Thọ").await?;
        alt_digit(&c, '4').await?;
        visible(&c, "#plan-screen").await?;
        alt_digit(&c, '7').await?;
        text_contains(&c, "#audit-table", "procedure").await?;

        // The counter officer has no administration.
        click(&c, "#signout").await?;
        sign_in(&c, "tiepnhan1", "Tiepnhan-2024x").await?;
        // A counter officer's usual screen is the counter's intake, the
        // scanner's box ready for the first card.
        visible(&c, "#intake-form").await?;
        focus_lands(&c, "intake-qr").await?;
        text_contains(&c, "#current-user", "Lê Văn Đức").await?;
        assert_eq!(count(&c, "#nav-admin").await?, 0);
        alt_digit(&c, '7').await?;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(count(&c, "#admin-screen").await?, 0);
        Ok::<_, Error>(())
    }
    .await;
    let _ = c.close().await;
    result
}
