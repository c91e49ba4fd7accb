//! What the app's integration tests share: a desk set up for an invented
//! office, staff, a clock the test moves by hand, an intake form.
//! (Each test file uses part of it.)
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use bhxh_app::dto::OfficeInput;
use bhxh_app::dto::Sex;
use bhxh_app::dto::{Applicant, IdentitySource, IntakeChannel, IntakeInput};
use bhxh_app::dto::{NewStaff, Role};
use bhxh_app::{Clock, Desk, SetupInput};
use bhxh_core::Timestamp;

pub const ADMIN_PW: &str = "Matkhau-quan-tri-2024";

/// A clock the test sets and moves.
#[derive(Clone)]
pub struct ManualClock(Arc<Mutex<Timestamp>>);

impl ManualClock {
    pub fn at(rfc3339: &str) -> Self {
        ManualClock(Arc::new(Mutex::new(
            chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap(),
        )))
    }

    pub fn clock(&self) -> Clock {
        let t = self.0.clone();
        Arc::new(move || *t.lock().unwrap())
    }

    pub fn advance(&self, seconds: i64) {
        *self.0.lock().unwrap() += chrono::Duration::seconds(seconds);
    }

    pub fn set(&self, rfc3339: &str) {
        *self.0.lock().unwrap() = chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap();
    }
}

/// A new desk in `dir` (the system clock, or `clock`), set up for the Hà Nam
/// office, its administrator `quantri` signed in.
pub fn office_desk(dir: &Path, clock: Option<Clock>) -> Desk {
    let desk = match clock {
        Some(c) => Desk::open_with_clock(dir, c),
        None => Desk::open(dir),
    }
    .unwrap();
    desk.setup(&SetupInput {
        office: OfficeInput {
            name: "Bảo hiểm xã hội tỉnh Hà Nam".into(),
            parent_agency: "Bảo hiểm xã hội Việt Nam".into(),
            agency_code: "000.00.00.H41".into(),
            province_code: "035".into(),
            address: String::new(),
        },
        admin_username: "quantri".into(),
        admin_full_name: "Đặng Thị Hương".into(),
        admin_password: ADMIN_PW.into(),
    })
    .unwrap();
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    desk
}

/// A member of staff (an administrator is signed in).
pub fn add_staff(desk: &mut Desk, username: &str, full_name: &str, role: Role, password: &str) {
    desk.staff_create(
        &NewStaff {
            username: username.into(),
            full_name: full_name.into(),
            role,
        },
        password,
    )
    .unwrap();
}

/// An intake of procedure BHXH.01 at the counter, handing in `components`.
pub fn intake_input(
    name: &str,
    id: &str,
    sex: Sex,
    birth: &str,
    components: Vec<u32>,
) -> IntakeInput {
    IntakeInput {
        procedure_code: "BHXH.01".into(),
        applicant: Applicant {
            id_number: id.into(),
            full_name: name.into(),
            birth_date: birth.parse().unwrap(),
            sex,
            address: "Phủ Lý, Hà Nam".into(),
            phone: "0912345678".into(),
            email: String::new(),
        },
        identity_source: IdentitySource::Qr,
        channel: IntakeChannel::Counter,
        return_via: IntakeChannel::Counter,
        sets: 1,
        received_components: components,
    }
}
