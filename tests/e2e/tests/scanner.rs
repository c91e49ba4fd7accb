//! The barcode scanner's loop at the counter, in the real window: the
//! scanner "types" a QR code's text and Enter into whatever box has the
//! cursor. A card's QR fills the intake form and never submits it half
//! filled; the receipt's QR (read back from the job the print system
//! spooled) opens the dossier for digitising from any box; the find box in
//! the header takes a code in any case or an ID number; a receipt whose
//! code was edited is refused, not followed. The same walk runs with the
//! OS locale set to en_US and to vi_VN (the webview's own language follows
//! it): a birth date typed day first is stored day first under both.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use bhxh_e2e::*;
use common::qr_of;
use fantoccini::Client;
use fantoccini::key::Key;

/// The front QR text of an (invented) citizen's card.
const CARD_QR: &str =
    "001093047064|123456789|Nguyễn Văn Đức|05011993|Nam|Số 5 Lê Lợi, Phủ Lý, Hà Nam|01022021";

/// Type `text` where the cursor is, as a keyboard or scanner does.
async fn type_here(c: &fantoccini::Client, text: &str) -> Result<()> {
    c.active_element().await?.send_keys(text).await?;
    Ok(())
}

/// Where the bottom edge of `css` is, in CSS pixels from the window's top.
async fn bottom_of(c: &fantoccini::Client, css: &str) -> Result<f64> {
    let v = c
        .execute(
            "return document.querySelector(arguments[0]).getBoundingClientRect().bottom",
            vec![serde_json::json!(css)],
        )
        .await?;
    Ok(v.as_f64().unwrap_or(f64::MAX))
}

/// The height an office PC leaves the window at 1366×768 (Windows' task
/// bar and title bar take the rest): the intake must fit in it.
const USABLE_HEIGHT: f64 = 690.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_lands_where_it_belongs_whatever_box_has_the_cursor_under_en_us() -> Result<()> {
    walk("en_US.UTF-8", "en").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_lands_where_it_belongs_whatever_box_has_the_cursor_under_vi_vn() -> Result<()> {
    walk("vi_VN.UTF-8", "vi").await
}

/// The walk with the OS locale `locale`, whose language the webview reports
/// as `lang`.
async fn walk(locale: &str, lang: &str) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let cups = print_bench();
    let mut env = cups.env();
    for var in ["LANG", "LC_ALL", "LC_TIME", "LANGUAGE"] {
        env.push((var.into(), locale.into()));
    }
    let driver = Driver::start_with_env(&env)?;
    let c = driver.launch(&data).await?;
    let result = async {
        // The locale reached the webview (else the walk proves nothing).
        let seen = c.execute("return navigator.language", vec![]).await?;
        let seen = seen.as_str().unwrap_or_default().to_owned();
        assert!(
            seen.starts_with(lang),
            "navigator.language = {seen:?} under {locale}"
        );
        first_start_setup(&c).await?;
        sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
        click(&c, "#nav-intake").await?;
        visible(&c, "#intake-form").await?;
        // The screen parks the cursor in the scanner's box.
        focus_lands(&c, "intake-qr").await?;
        // The procedure chosen by its number typed on the list ("12" →
        // BHXH.12), then changed the same way after a pause ("1" → BHXH.01).
        c.execute(
            "document.getElementById('intake-procedure').focus()",
            vec![],
        )
        .await?;
        type_here(&c, "12").await?;
        assert_eq!(value_of(&c, "#intake-procedure").await?, "BHXH.12");
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        type_here(&c, "1").await?;
        assert_eq!(value_of(&c, "#intake-procedure").await?, "BHXH.01");
        visible(&c, "#intake-components").await?;

        // The cursor was left in the name box, something typed there; the
        // card is scanned: the form fills in, its Enter submits nothing.
        click(&c, "#intake-name").await?;
        type_here(&c, "Trần").await?;
        type_here(&c, &format!("{CARD_QR}{}", char::from(Key::Enter))).await?;
        text_contains(&c, "#intake-form", "Đã điền thông tin từ mã QR").await?;
        assert_eq!(value_of(&c, "#intake-name").await?, "Nguyễn Văn Đức");
        assert_eq!(value_of(&c, "#intake-id").await?, "001093047064");
        assert_eq!(value_of(&c, "#intake-dob").await?, "05/01/1993");
        assert_eq!(count(&c, "#intake-done").await?, 0, "nothing taken in yet");
        // The procedure was chosen before: it is next, kept; Enter confirms
        // it and goes on to the button.
        focus_lands(&c, "intake-procedure").await?;
        type_here(&c, &char::from(Key::Enter).to_string()).await?;
        focus_lands(&c, "intake-submit").await?;
        // One screen: the button of a common procedure is above the fold.
        let bottom = bottom_of(&c, "#intake-submit").await?;
        assert!(bottom <= USABLE_HEIGHT, "the button ends at {bottom}px");
        snap(&c, &format!("7a-intake-{lang}")).await?;
        // The hints in the find box and the dossier search are read whole,
        // not cut off at the box's edge.
        for id in ["find", "dossier-search"] {
            let (text, width, room) = placeholder_fit(&c, id).await?;
            assert!(
                width <= room,
                "#{id}: \"{text}\" needs {width:.0}px, the box has {room:.0}px"
            );
        }
        // The birth date typed day first, eight digits, whatever the locale:
        // 7 March 1985 (an English PC would read "07/03" as 3 July).
        click(&c, "#intake-dob").await?;
        fill(&c, "#intake-dob", "07031985").await?;
        assert_eq!(value_of(&c, "#intake-dob").await?, "07/03/1985");
        // The ID number's year digits must agree with the birth year: the
        // desk says so under the number until they do.
        click(&c, "#intake-submit").await?;
        text_contains(&c, "#intake-error", "không khớp năm sinh 1985").await?;
        fill(&c, "#intake-id", "001085047064").await?;
        click(&c, "#intake-submit").await?;
        let done = text_contains(&c, "#intake-done", "Đã tiếp nhận hồ sơ").await?;
        let code = done
            .split("hồ sơ ")
            .nth(1)
            .and_then(|s| s.split(". ").next())
            .expect("the code in the notice")
            .to_owned();
        focus_lands(&c, "intake-qr").await?;
        // What was done and the receipt's buttons show without scrolling.
        let bottom = bottom_of(&c, "#intake-done").await?;
        assert!(
            bottom <= USABLE_HEIGHT,
            "the intake notice ends at {bottom}px"
        );
        let out = desk_cli(
            &data,
            &["dossier", "show", &code, "--json"],
            ADMIN_USER,
            ADMIN_PASSWORD,
        )?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let shown: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        assert_eq!(shown["applicantBirthDate"], "1985-03-07", "{shown}");

        // Ctrl+P prints the receipt; its QR is read back from the spool.
        type_here(
            &c,
            &format!("{}p{}", char::from(Key::Control), char::from(Key::Null)),
        )
        .await?;
        let sent = text_contains(&c, "#intake-receipt-done", "Đã gửi tới máy in desk").await?;
        let job = job_in(&sent);
        cups.wait_completed(&job, std::time::Duration::from_secs(30));
        let codes = qr_of(&cups.job_bytes(&job))?;
        assert_eq!(codes.len(), 1, "{codes:?}");
        let receipt_qr = codes[0].clone();
        assert!(receipt_qr.contains(&code), "{receipt_qr}");

        // A receipt whose code was edited (another dossier's) is refused
        // with the reason, wherever it is scanned; nothing opens.
        let forged = receipt_qr.replacen(&code, &code.replace("-0001", "-0002"), 1);
        click(&c, "#dossier-search").await?;
        type_here(&c, &format!("{forged}{}", char::from(Key::Enter))).await?;
        text_contains(&c, "#find-error", "Mã QR trên giấy không dùng được").await?;
        assert_eq!(
            value_of(&c, "#dossier-search").await?,
            "",
            "the scan left no text"
        );
        assert_eq!(count(&c, "#dossier-detail").await?, 0);

        // The true receipt scanned into the search box of the intake
        // screen: the dossier opens for digitising.
        click(&c, "#dossier-search").await?;
        type_here(&c, &format!("{receipt_qr}{}", char::from(Key::Enter))).await?;
        text_contains(&c, "#digitise-dossier", &code).await?;
        assert_eq!(count(&c, "#find-error").await?, 0);

        // The find box: the code in lower case, then the ID number.
        click(&c, "#nav-intake").await?;
        visible(&c, "#intake-form").await?;
        fill(
            &c,
            "#find",
            &format!("{}{}", code.to_lowercase(), char::from(Key::Enter)),
        )
        .await?;
        text_contains(&c, "#dossier-detail", &code).await?;
        click(&c, "#nav-digitise").await?;
        fill(
            &c,
            "#find",
            &format!("001085047064{}", char::from(Key::Enter)),
        )
        .await?;
        text_contains(&c, "#digitise-dossier", &code).await?;
        // A name that matches nothing says so.
        fill(
            &c,
            "#find",
            &format!("tran khong co{}", char::from(Key::Enter)),
        )
        .await?;
        text_contains(&c, "#find-results", "Không tìm thấy hồ sơ nào").await?;
        snap(&c, "7b-find").await?;
        Ok::<_, Error>(())
    }
    .await;
    let _ = c.close().await;
    result
}

/// The placeholder of `#id`, the width its text takes in the box's font and
/// the room inside the box (its width less padding, and for a search box
/// less the 20 px WebKit keeps for its clear button), in CSS pixels.
async fn placeholder_fit(c: &Client, id: &str) -> Result<(String, f64, f64)> {
    let v = c
        .execute(
            "const el = document.getElementById(arguments[0]); \
             const cs = getComputedStyle(el); \
             const g = document.createElement('canvas').getContext('2d'); \
             g.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`; \
             return [el.placeholder, g.measureText(el.placeholder).width, \
                     el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) \
                       - (el.type === 'search' ? 20 : 0)];",
            vec![serde_json::json!(id)],
        )
        .await?;
    let text = v
        .get(0)
        .and_then(|x| x.as_str())
        .unwrap_or_default()
        .to_owned();
    let width = v.get(1).and_then(|x| x.as_f64()).ok_or("no width")?;
    let room = v.get(2).and_then(|x| x.as_f64()).ok_or("no room")?;
    Ok((text, width, room))
}
