//! Printing papers and reports through a real, private CUPS scheduler
//! (`bhxh_print::testing`), below the UI: what reaches the print system is
//! the paper (read back with poppler), the job's title names only the form
//! and the dossier code, no copy stays in the temporary folder, each print
//! is audited with its queue and job, and a machine without a printer gets
//! the Vietnamese error that offers "Lưu PDF". Run under
//! `scripts/with-keyring.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::sync::Arc;
use std::time::Duration;

use bhxh_app::dossiers::DossierForm;
use bhxh_app::dto::{IdentitySource, Sex};
use bhxh_app::{ErrorCode, Printed};
use bhxh_print::Cups;
use bhxh_print::testing::CupsServer;

mod common;
use common::{ManualClock, add_counter_clerk, intake_input, office_desk, pdf_text, take};

const NAME: &str = "Nguyễn Thị Hồng Nhung";

fn entries(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}

#[test]
fn the_receipt_and_a_form_print_through_cups_and_leave_nothing_behind() {
    let cups = CupsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let spool = tempfile::tempdir().unwrap();
    let now = ManualClock::at("2024-05-15T09:05:00+07:00");
    let desk = office_desk(dir.path(), Some(now.clock()));
    add_counter_clerk(&desk);
    desk.set_printer(Arc::new(
        Cups::with_server(cups.server()).temp_root(spool.path()),
    ));
    let d = take(
        &desk,
        &bhxh_app::dto::IntakeInput {
            identity_source: IdentitySource::Typed,
            ..intake_input(NAME, "001193047064", Sex::Female, "1993-01-05", vec![1])
        },
    );

    // No printer at all: the error says so and points at "Lưu PDF".
    let err = desk
        .dossier_print(&d.code, DossierForm::Receipt, None)
        .unwrap_err()
        .info();
    assert_eq!(err.code, ErrorCode::NoPrinter);
    assert_eq!(err.message, "Máy tính này chưa có máy in nào.");
    assert!(err.hint.contains("Lưu PDF"), "{}", err.hint);
    assert_eq!(entries(spool.path()), 0);

    cups.add_queue("quay-1");
    cups.add_queue("quay-2");
    let err = desk
        .dossier_print(&d.code, DossierForm::Receipt, None)
        .unwrap_err();
    assert_eq!(err.error_code(), ErrorCode::PrinterNotChosen);
    let err = desk
        .dossier_print(&d.code, DossierForm::Receipt, Some("khong-co"))
        .unwrap_err();
    assert_eq!(err.error_code(), ErrorCode::PrinterUnknown);
    cups.set_default("quay-1");
    let printers = desk.printers().unwrap();
    assert_eq!(printers[0].name, "quay-1");
    assert!(printers[0].is_default);

    // The receipt, on the default queue.
    let done: Printed = desk
        .dossier_print(&d.code, DossierForm::Receipt, None)
        .unwrap();
    assert_eq!(done.printer, "quay-1");
    assert_eq!(done.title, format!("BHXH Desk - Mẫu 01 - {}", d.code));
    cups.wait_completed(&done.job_id, Duration::from_secs(30));
    let job = cups.job_bytes(&done.job_id);
    assert!(job.starts_with(b"%PDF-"));
    let text = pdf_text(&job, &[]);
    assert!(text.contains(&d.code), "{text}");
    assert!(text.contains(NAME), "{text}");
    assert!(text.contains("Liên 2"), "{text}");
    // The job's attributes name the form and the code, never the applicant.
    let control = cups.job_control(&done.job_id);
    let control = String::from_utf8_lossy(&control);
    assert!(control.contains(&done.title));
    assert!(!control.contains(NAME) && !control.contains("001193047064"));
    assert_eq!(entries(spool.path()), 0, "the private copy is removed");

    // The control sheet, on a chosen queue.
    let done = desk
        .dossier_print(&d.code, DossierForm::Tracking, Some("quay-2"))
        .unwrap();
    assert_eq!(done.printer, "quay-2");
    cups.wait_completed(&done.job_id, Duration::from_secs(30));
    let text = pdf_text(&cups.job_bytes(&done.job_id), &[]);
    assert!(text.contains(&d.code) && text.contains(NAME), "{text}");
    assert_eq!(entries(spool.path()), 0);

    // The register and the month's report.
    let done = desk.dossier_register_print(2024, None).unwrap();
    cups.wait_completed(&done.job_id, Duration::from_secs(30));
    assert!(pdf_text(&cups.job_bytes(&done.job_id), &[]).contains(&d.code));
    desk.sign_out().unwrap();
    desk.sign_in("quantri", common::ADMIN_PW).unwrap();
    let done = desk.report_print("month", "2024-05", None, None).unwrap();
    cups.wait_completed(&done.job_id, Duration::from_secs(30));
    assert!(cups.job_bytes(&done.job_id).starts_with(b"%PDF-"));
    assert_eq!(entries(spool.path()), 0);

    // Each print is audited once the print system took it, with its job;
    // the refused ones are not.
    let log = desk.audit_list(50, None).unwrap();
    let prints: Vec<_> = log.iter().filter(|e| e.action == "print").collect();
    assert_eq!(prints.len(), 4, "{prints:#?}");
    assert!(
        prints
            .iter()
            .all(|e| e.detail.contains("\"output\":\"printer\""))
    );
    assert!(prints.iter().any(|e| e.entity == "dossier"
        && e.entity_id == d.code
        && e.detail.contains("\"job\":\"quay-1-")));
    assert!(prints.iter().any(|e| e.entity == "report"));
}

#[test]
fn a_saved_paper_goes_only_where_the_user_chose_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let now = ManualClock::at("2024-05-15T09:05:00+07:00");
    let desk = office_desk(dir.path(), Some(now.clock()));
    add_counter_clerk(&desk);
    let d = take(
        &desk,
        &bhxh_app::dto::IntakeInput {
            identity_source: IdentitySource::Typed,
            ..intake_input(NAME, "001193047064", Sex::Female, "1993-01-05", vec![1])
        },
    );
    let path = out.path().join("giay.pdf");
    desk.dossier_form_to(&d.code, DossierForm::Receipt, &path)
        .unwrap();
    assert!(pdf_text(&std::fs::read(&path).unwrap(), &[]).contains(NAME));
    // Only that file: no temporary left beside it.
    assert_eq!(entries(out.path()), 1);
    // A folder that is not there: refused, nothing written, nothing audited
    // as saved.
    let err = desk
        .dossier_form_to(
            &d.code,
            DossierForm::Receipt,
            &out.path().join("khong/giay.pdf"),
        )
        .unwrap_err();
    assert_eq!(err.error_code(), ErrorCode::IoError);
    let saved = desk
        .audit_list(50, None)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "print" && e.detail.contains("\"output\":\"file\""))
        .count();
    assert_eq!(saved, 1);
}
