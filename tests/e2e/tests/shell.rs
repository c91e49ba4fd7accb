//! The real window: first start, sign in, the 27 tasks, sign out, and a
//! wrong password. Run through `scripts/e2e.sh` (Xvfb, Secret Service,
//! tauri-driver).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use bhxh_e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_sign_in_see_the_plan_and_sign_out() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let driver = Driver::start()?;
    let c = driver.launch(dir.path()).await?;
    let result = async {
        // First start: the setup screen, in Vietnamese.
        visible(&c, "#setup-office-name").await?;
        let body = c
            .find(fantoccini::Locator::Css("body"))
            .await?
            .text()
            .await?;
        assert!(
            body.contains("Quản trị viên") || body.contains("quản trị viên"),
            "{body}"
        );
        snap(&c, "1-setup").await?;
        first_start_setup(&c).await?;

        // A wrong password gets a clear Vietnamese error.
        visible(&c, "#signin-username").await?;
        sign_in(&c, ADMIN_USER, "khong-dung-mat-khau").await?;
        let err = text_contains(
            &c,
            "#signin-error",
            "Không đăng nhập được: tên đăng nhập hoặc mật khẩu không đúng",
        )
        .await?;
        assert!(!err.contains("error"), "{err}");
        snap(&c, "2-signin-error").await?;
        let pw = c.find(fantoccini::Locator::Css("#signin-password")).await?;
        assert_eq!(
            pw.prop("value").await?.unwrap_or_default(),
            "",
            "the password field is cleared"
        );

        // The right one opens the plan: 27 tasks in 9 sections.
        sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
        visible(&c, "#plan-screen").await?;
        text_contains(&c, "#plan-count", "27").await?;
        assert_eq!(count(&c, "[data-task]").await?, 27);
        assert_eq!(count(&c, "[data-section]").await?, 9);
        text_contains(&c, "#current-user", "Đặng Thị Hương").await?;
        // Task 21 is the provinces' own: led by BHXH các tỉnh.
        let t21 = text_contains(&c, "[data-task=\"21\"]", "BHXH các tỉnh").await?;
        assert!(t21.contains("Chủ trì"), "{t21}");
        let t1 = text_contains(&c, "[data-task=\"1\"]", "Hội nghị toàn Ngành").await?;
        assert!(t1.contains("Tháng 02/2024"), "{t1}");
        text_contains(&c, "#nav-plan", "Kế hoạch Đề án 06").await?;
        text_contains(&c, "#nav-intake", "Tiếp nhận hồ sơ").await?;
        text_contains(&c, "#net-status", "tuyến").await?;
        snap(&c, "3-plan").await?;

        // Sign out: back to the sign-in screen.
        click(&c, "#signout").await?;
        visible(&c, "#signin-username").await?;
        assert_eq!(count(&c, "#plan-screen").await?, 0);
        Ok::<_, Error>(())
    }
    .await;
    let _ = c.close().await;
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_up_desk_opens_on_the_sign_in_screen_and_remembers_its_office() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let driver = Driver::start()?;
    {
        let c = driver.launch(dir.path()).await?;
        let r = first_start_setup(&c).await;
        if r.is_ok() {
            visible(&c, "#signin-username").await?;
        }
        let _ = c.close().await;
        r?;
    }
    let c = driver.launch(dir.path()).await?;
    let result = async {
        visible(&c, "#signin-username").await?;
        text_contains(&c, "body", "Bảo hiểm xã hội tỉnh Hòa Bình").await?;
        assert_eq!(count(&c, "#setup-office-name").await?, 0);
        sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
        visible(&c, "#plan-screen").await?;
        Ok::<_, Error>(())
    }
    .await;
    let _ = c.close().await;
    result
}
