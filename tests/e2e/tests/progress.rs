//! Monthly progress in the real window: the administrator makes a
//! supervisor; the supervisor enters task 21's progress for this month, sees a
//! refused entry explained, approves the monthly report (the month becomes
//! read-only), prints it through a private CUPS scheduler (read back from
//! the print spool), then opens a correction with a reason.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use bhxh_e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_enters_progress_and_approves_the_month() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let cups = print_bench();
    let driver = Driver::start_with_env(&cups.env())?;
    let c = driver.launch(dir.path()).await?;
    let result = async {
        first_start_setup(&c).await?;
        sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
        click(&c, "#nav-admin").await?;
        fill(&c, "#staff-username", "giamsat").await?;
        fill(&c, "#staff-fullname", "Vũ Minh Đạt").await?;
        select(&c, "#staff-role", "supervisor").await?;
        fill(&c, "#staff-password", "Giamsat-2024x").await?;
        click(&c, "#staff-submit").await?;
        text_contains(&c, "#admin-message", "giamsat").await?;
        click(&c, "#signout").await?;

        sign_in(&c, "giamsat", "Giamsat-2024x").await?;
        visible(&c, "#plan-screen").await?;
        text_contains(&c, "[data-progress=\"21\"]", "Chưa cập nhật").await?;

        // A refused entry is explained next to the form.
        click(&c, "#progress-edit-21").await?;
        select(&c, "#progress-status", "not_started").await?;
        fill(&c, "#progress-percent", "5").await?;
        click(&c, "#progress-save").await?;
        text_contains(&c, "#progress-error", "Chưa bắt đầu").await?;

        // Evidence attached to the task: sealed and listed. (Its decrypted
        // copy goes where the user chooses in the OS save dialog, which
        // WebDriver cannot drive; `progress_evidence_save` is tested below
        // the window.)
        let proof = dir.path().join("Bien-ban-doi-soat.pdf");
        std::fs::write(&proof, b"%PDF-1.4 bien ban doi soat")?;
        let input = c.find(fantoccini::Locator::Css("#evidence-files")).await?;
        input.send_keys(proof.to_str().unwrap()).await?;
        text_contains(&c, "#evidence-list", "Bien-ban-doi-soat.pdf").await?;

        // The real entry.
        select(&c, "#progress-status", "in_progress").await?;
        fill(&c, "#progress-percent", "64").await?;
        fill(&c, "#progress-indicator", "64").await?;
        fill(
            &c,
            "#progress-narrative",
            "Đã xác thực 64% số người tham gia với CSDL quốc gia về dân cư.",
        )
        .await?;
        click(&c, "#progress-save").await?;
        text_contains(&c, "#plan-message", "nhiệm vụ 21").await?;
        let cell = text_contains(&c, "[data-progress=\"21\"]", "64%").await?;
        assert!(cell.contains("Đang thực hiện"), "{cell}");
        snap(&c, "5-progress").await?;

        // Approval freezes the month.
        fill(&c, "#report-number", "15/BC-BHXH").await?;
        click(&c, "#report-approve").await?;
        text_contains(&c, "#report-state", "đã được duyệt").await?;
        text_contains(&c, "#report-state", "15/BC-BHXH").await?;
        assert_eq!(count(&c, "#progress-edit-21").await?, 0);

        // The reports screen shows it approved and writes the PDF and XLSX.
        click(&c, "#nav-reports").await?;
        text_contains(&c, "#reports-state", "Đã duyệt lần 1").await?;
        text_contains(&c, "#reports-state", "Vũ Minh Đạt").await?;
        // The office sets who signs its reports and who receives them.
        fill(&c, "#report-signer-authority", "KT. GIÁM ĐỐC").await?;
        fill(&c, "#report-signer-title", "PHÓ GIÁM ĐỐC").await?;
        fill(&c, "#report-signer-name", "Lê Văn Thành").await?;
        fill(
            &c,
            "#report-recipients",
            "- Bảo hiểm xã hội Việt Nam;\n- Lưu: VT, KHTC.",
        )
        .await?;
        click(&c, "#report-settings button[type=submit]").await?;
        text_contains(&c, "#report-settings", "Đã lưu").await?;
        // Its preview: the report's pages drawn in the window, closed again.
        click(&c, "#report-print-preview").await?;
        visible(&c, "#report-print-preview-dialog canvas[data-drawn=yes]").await?;
        text_contains(&c, "#report-print-preview-dialog", "trang").await?;
        click(&c, "#report-print-preview-close").await?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while count(&c, "#report-print-preview-dialog").await? > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "Đóng closes the preview"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        // Printed on the default printer: the job is the report's PDF.
        click(&c, "#report-print").await?;
        let sent = text_contains(&c, "#report-print-done", "Đã gửi tới máy in desk").await?;
        let job = job_in(&sent);
        cups.wait_completed(&job, std::time::Duration::from_secs(30));
        // Table cells wrap: compare with runs of whitespace as one space.
        let text = pdf_bytes_words(&cups.job_bytes(&job), &[])?;
        assert!(text.contains("Số: 15/BC-BHXH"), "{text}");
        assert!(text.contains("KT. GIÁM ĐỐC"), "{text}");
        assert!(text.contains("PHÓ GIÁM ĐỐC"), "{text}");
        assert!(text.contains("Lê Văn Thành"), "{text}");
        assert!(text.contains("- Lưu: VT, KHTC."), "{text}");
        assert!(text.contains("Đã xác thực 64% số người tham gia"), "{text}");
        click(&c, "#nav-plan").await?;
        visible(&c, "#report-state").await?;

        // A correction needs a reason, then the month is editable again.
        fill(&c, "#reopen-reason", "x").await?;
        click(&c, "#report-reopen").await?;
        text_contains(&c, "#report-error", "lý do").await?;
        fill(&c, "#reopen-reason", "Bổ sung số liệu nhiệm vụ 21").await?;
        click(&c, "#report-reopen").await?;
        text_contains(&c, "#report-state", "lần 2").await?;
        visible(&c, "#progress-edit-21").await?;
        Ok::<_, Error>(())
    }
    .await;
    let _ = c.close().await;
    result
}
