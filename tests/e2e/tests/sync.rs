//! Sync with headquarters in the real window, against the real `bhxh-hq`
//! server process on loopback: the administrator enters HQ's address and
//! the office token, "Đồng bộ ngay" brings down a directive and a plan
//! change (which then shows on the plan screen), and with HQ gone the
//! screen says so in Vietnamese while the work goes on.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use bhxh_e2e::*;

/// The HQ server binary: `BHXH_HQ`, or the debug build beside the app's.
fn hq_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("BHXH_HQ") {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let path = target.join("debug/bhxh-hq");
    assert!(
        path.exists(),
        "không thấy máy chủ bhxh-hq ({}): scripts/e2e.sh dựng nó trước",
        path.display()
    );
    path
}

fn hq(args: &[&str], data: &Path) -> Output {
    let out = Command::new(hq_binary())
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "bhxh-hq {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A running HQ; killed when dropped.
struct Hq(Child, String);

impl Hq {
    fn start(data: &Path) -> Hq {
        let mut child = Command::new(hq_binary())
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let url = loop {
            let line = lines.next().expect("HQ stopped before listening").unwrap();
            if let Some(url) = line.strip_prefix("listening ") {
                break url.trim().to_owned();
            }
        };
        // keep draining its output so it never blocks on a full pipe
        std::thread::spawn(move || lines.for_each(drop));
        Hq(child, url)
    }
}

impl Drop for Hq {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_connects_to_hq_and_receives_its_directives_and_plan_changes() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let hq_data = dir.path().join("hq");
    let out = hq(
        &[
            "office",
            "add",
            "--code",
            "HB",
            "--name",
            "Bảo hiểm xã hội tỉnh Hòa Bình",
        ],
        &hq_data,
    );
    let token = String::from_utf8(out.stdout)?
        .lines()
        .find(|l| l.starts_with("bhxhq_"))
        .expect("the token is printed once")
        .trim()
        .to_owned();
    let server = Hq::start(&hq_data);

    let driver = Driver::start()?;
    let c = driver.launch(&dir.path().join("desk")).await?;
    let result = async {
        first_start_setup(&c).await?;
        sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
        click(&c, "#nav-sync").await?;
        text_contains(&c, "#sync-state", "Chưa cấu hình").await?;

        // A wrong token is refused with a clear message and not kept.
        fill(&c, "#sync-url", &server.1).await?;
        fill(&c, "#sync-token", "bhxhq_khong-dung").await?;
        click(&c, "form.card button[type=submit]").await?;
        text_contains(&c, "p.error[role=alert]", "Mã truy cập").await?;

        fill(&c, "#sync-token", &token).await?;
        click(&c, "form.card button[type=submit]").await?;
        text_contains(&c, "p.ok[role=status]", "kho khóa bí mật").await?;
        text_contains(&c, "#sync-state", "HB").await?;

        // HQ publishes; "Đồng bộ ngay" brings it down.
        hq(
            &[
                "directive",
                "publish",
                "--title",
                "Hoàn thành số hóa hồ sơ trước 30/6",
                "--body",
                "Các đơn vị khẩn trương thực hiện.",
            ],
            &hq_data,
        );
        hq(
            &[
                "plan",
                "publish",
                "--task",
                "13",
                "--target",
                "90",
                "--unit",
                "%",
                "--deadline",
                "2024-09-30",
            ],
            &hq_data,
        );
        click(&c, "#sync-now").await?;
        text_contains(&c, "#sync-directives", "Hoàn thành số hóa hồ sơ trước 30/6").await?;
        text_contains(&c, "#sync-state", "Đã kết nối máy chủ").await?;
        snap(&c, "8-sync").await?;

        // The plan change is on the plan screen, with where it came from.
        click(&c, "#nav-plan").await?;
        let badge = text_contains(&c, "[data-hq-change='13']", "BHXH Việt Nam điều chỉnh").await?;
        assert!(!badge.is_empty());
        assert_eq!(count(&c, "[data-hq-change]").await?, 1);

        // HQ goes away: the screen says so, and nothing is lost.
        drop(server);
        click(&c, "#nav-sync").await?;
        click(&c, "#sync-now").await?;
        text_contains(&c, "#sync-state", "Không kết nối được máy chủ").await?;
        text_contains(&c, "#sync-state", "Chưa kết nối được máy chủ").await?;
        Ok::<(), Error>(())
    }
    .await;
    if result.is_err() {
        let _ = snap(&c, "8-sync-failed").await;
    }
    c.close().await?;
    result
}

/// A provincial office's desk: after a round with HQ, the Reports screen
/// lists its base offices as HQ gave them (one that never reported says so),
/// and the printed monthly report carries them as section III only when the
/// box is ticked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provincial_desk_shows_its_base_offices_and_prints_them_in_the_report() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let hq_data = dir.path().join("hq");
    let token_of = |out: Output| {
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .find(|l| l.starts_with("bhxhq_"))
            .expect("the token is printed once")
            .trim()
            .to_owned()
    };
    let province = token_of(hq(
        &[
            "office",
            "add",
            "HN",
            "--name",
            "Bảo hiểm xã hội thành phố Hà Nội",
        ],
        &hq_data,
    ));
    hq(
        &[
            "office",
            "add",
            "HN-1",
            "--name",
            "BHXH cơ sở Ba Đình",
            "--parent",
            "HN",
        ],
        &hq_data,
    );
    let server = Hq::start(&hq_data);
    let cups = print_bench();
    let driver = Driver::start_with_env(&cups.env())?;
    let c = driver.launch(&dir.path().join("desk")).await?;
    let result = async {
        first_start_setup(&c).await?;
        sign_in(&c, ADMIN_USER, ADMIN_PASSWORD).await?;
        // Before any round: nothing to show, no box to tick.
        click(&c, "#nav-reports").await?;
        visible(&c, "#reports-summary").await?;
        assert_eq!(count(&c, "#base-offices").await?, 0);
        assert_eq!(count(&c, "#report-base-offices").await?, 0);

        click(&c, "#nav-sync").await?;
        fill(&c, "#sync-url", &server.1).await?;
        fill(&c, "#sync-token", &province).await?;
        click(&c, "form.card button[type=submit]").await?;
        text_contains(&c, "#sync-state", "HN").await?;
        click(&c, "#sync-now").await?;
        text_contains(&c, "#sync-state", "Đã kết nối máy chủ").await?;

        click(&c, "#nav-reports").await?;
        text_contains(&c, "#base-offices", "Bảo hiểm xã hội thành phố Hà Nội").await?;
        let row = text_contains(
            &c,
            "#base-offices [data-office='HN-1']",
            "BHXH cơ sở Ba Đình",
        )
        .await?;
        assert!(row.contains("chưa báo cáo tháng"), "{row}");
        let ticked = visible(&c, "#report-base-offices")
            .await?
            .prop("checked")
            .await?;
        assert_eq!(ticked.as_deref(), Some("true"));
        snap(&c, "9-base-offices").await?;

        // Printed with the section, then without it.
        let printed = |want: bool| {
            let c = c.clone();
            let cups = &cups;
            async move {
                click(&c, "#report-print").await?;
                let sent =
                    text_contains(&c, "#report-print-done", "Đã gửi tới máy in desk").await?;
                let job = job_in(&sent);
                cups.wait_completed(&job, std::time::Duration::from_secs(30));
                let text = pdf_bytes_words(&cups.job_bytes(&job), &[])?;
                let has = text.contains("TIẾN ĐỘ CỦA CÁC CƠ QUAN BHXH CƠ SỞ TRỰC THUỘC");
                assert_eq!(has, want, "{text}");
                if want {
                    assert!(text.contains("Ba Đình"), "{text}");
                }
                Ok::<(), Error>(())
            }
        };
        printed(true).await?;
        click(&c, "#report-base-offices").await?;
        printed(false).await?;
        Ok::<(), Error>(())
    }
    .await;
    if result.is_err() {
        let _ = snap(&c, "9-base-offices-failed").await;
    }
    c.close().await?;
    result
}
