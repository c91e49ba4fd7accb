//! Printing through a real, private CUPS scheduler (`bhxh_print::testing`):
//! what each failure says, and that a job reaches the spool as sent while
//! no copy stays behind.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::time::Duration;

use bhxh_print::testing::CupsServer;
use bhxh_print::{Cups, PrintError, Printer};

fn entries(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}

#[test]
fn a_job_reaches_the_chosen_or_default_queue_and_leaves_no_copy() {
    let cups = CupsServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let printer = Cups::with_server(cups.server()).temp_root(tmp.path());
    let pdf = b"%PDF-1.7\n% a test job\n%%EOF\n".to_vec();

    // No queue at all.
    let e = printer.print_pdf(None, "t", &pdf).unwrap_err();
    assert!(matches!(e, PrintError::NoPrinter), "{e:?}");
    assert_eq!(e.to_string(), "Máy tính này chưa có máy in nào.");
    assert!(e.hint().contains("Lưu PDF"));
    assert_eq!(entries(tmp.path()), 0);

    cups.add_queue("desk");
    cups.add_queue("other");
    // Two queues, no default, none chosen.
    let e = printer.print_pdf(None, "t", &pdf).unwrap_err();
    assert!(matches!(e, PrintError::NoDefault { .. }), "{e:?}");
    assert!(e.to_string().contains("desk, other"), "{e}");
    // A queue that is not there.
    let e = printer.print_pdf(Some("khong-co"), "t", &pdf).unwrap_err();
    assert!(matches!(e, PrintError::UnknownQueue { .. }), "{e:?}");
    assert_eq!(e.to_string(), "Không có máy in \"khong-co\".");
    assert_eq!(entries(tmp.path()), 0);

    cups.set_default("desk");
    let queues = printer.queues().unwrap();
    assert_eq!(queues[0].name, "desk");
    assert!(queues[0].is_default);
    assert_eq!(queues.len(), 2);

    let title = bhxh_print::job_title(&["BHXH Desk", "Mẫu 01", "000.00.17.H23-240515-0001"]);
    let done = printer.print_pdf(None, &title, &pdf).unwrap();
    assert_eq!(done.queue, "desk");
    assert!(done.job_id.starts_with("desk-"), "{done:?}");
    cups.wait_completed(&done.job_id, Duration::from_secs(30));
    assert_eq!(cups.job_bytes(&done.job_id), pdf);
    let control = String::from_utf8_lossy(&cups.job_control(&done.job_id)).into_owned();
    assert!(control.contains(&title), "the title is the job's name");
    // The private copy is gone once lp returned.
    assert_eq!(entries(tmp.path()), 0);

    // A chosen queue over the default.
    let done = printer.print_pdf(Some("other"), &title, &pdf).unwrap();
    assert_eq!(done.queue, "other");
    cups.wait_completed(&done.job_id, Duration::from_secs(30));
    assert_eq!(entries(tmp.path()), 0);
}

#[test]
fn a_scheduler_that_does_not_answer_is_named() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tmp = tempfile::tempdir().unwrap();
    let server = format!("127.0.0.1:{port}");
    let printer = Cups::with_server(&server).temp_root(tmp.path());
    let e = printer.print_pdf(Some("desk"), "t", b"%PDF").unwrap_err();
    assert!(matches!(e, PrintError::NotRunning { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!("Dịch vụ in CUPS không chạy (máy chủ in {server}).")
    );
    assert!(printer.queues().is_err());
    assert_eq!(entries(tmp.path()), 0);
}
