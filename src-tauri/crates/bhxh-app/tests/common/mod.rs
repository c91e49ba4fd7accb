//! What the app's integration tests share: a desk set up for an invented
//! office, staff, a clock the test moves by hand, an intake form, and the
//! papers and scans (`pdftotext`, `pdftoppm` and a JPEG encoder; the other
//! poppler tools through `bhxh_report::testing`).
//! (Each test file uses part of it.)
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use bhxh_app::dto::OfficeInput;
use bhxh_app::dto::Sex;
use bhxh_app::dto::{Applicant, Dossier, IdentitySource, IntakeChannel, IntakeInput};
use bhxh_app::dto::{NewStaff, Role};
use bhxh_app::{Clock, Desk, SetupInput};
use bhxh_core::Timestamp;
use bhxh_report::testing::{poppler, squash};

pub const ADMIN_PW: &str = "Matkhau-quan-tri-2024";

/// The password of the counter clerk `tiepnhan` ([`add_counter_clerk`]).
pub const CLERK_PW: &str = "Tiepnhan-2024x";

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

    pub fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

/// The Hà Nam office most tests set up.
pub fn ha_nam() -> OfficeInput {
    OfficeInput {
        name: "Bảo hiểm xã hội tỉnh Hà Nam".into(),
        parent_agency: "Bảo hiểm xã hội Việt Nam".into(),
        agency_code: "000.00.00.H41".into(),
        province_code: "035".into(),
        address: String::new(),
    }
}

/// The Hòa Bình office (province 017), which sends its reports to HQ.
pub fn hoa_binh() -> OfficeInput {
    OfficeInput {
        name: "Bảo hiểm xã hội tỉnh Hòa Bình".into(),
        parent_agency: "Bảo hiểm xã hội Việt Nam".into(),
        agency_code: "000.00.17.H23".into(),
        province_code: "017".into(),
        address: String::new(),
    }
}

/// First-start set-up of `office`, its administrator `quantri` (Đặng Thị
/// Hương) with [`ADMIN_PW`].
pub fn setup_input(office: OfficeInput) -> SetupInput {
    SetupInput {
        office,
        admin_username: "quantri".into(),
        admin_full_name: "Đặng Thị Hương".into(),
        admin_password: ADMIN_PW.into(),
    }
}

/// A new desk in `dir` (the system clock, or `clock`), set up for `office`,
/// its administrator `quantri` signed in.
pub fn desk_for(dir: &Path, clock: Option<Clock>, office: OfficeInput) -> Desk {
    let desk = match clock {
        Some(c) => Desk::open_with_clock(dir, c),
        None => Desk::open(dir),
    }
    .unwrap();
    desk.setup(&setup_input(office)).unwrap();
    desk.sign_in("quantri", ADMIN_PW).unwrap();
    desk
}

/// [`desk_for`] the Hà Nam office.
pub fn office_desk(dir: &Path, clock: Option<Clock>) -> Desk {
    desk_for(dir, clock, ha_nam())
}

/// A member of staff (an administrator is signed in).
pub fn add_staff(desk: &Desk, username: &str, full_name: &str, role: Role, password: &str) {
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

/// The counter clerk `tiepnhan` (Trần Thị Hằng), with [`CLERK_PW`].
pub fn add_counter_clerk(desk: &Desk) {
    add_staff(
        desk,
        "tiepnhan",
        "Trần Thị Hằng",
        Role::CounterOfficer,
        CLERK_PW,
    );
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
        organisation: None,
    }
}

/// `input` taken in at the counter: the new dossier.
pub fn take(desk: &Desk, input: &IntakeInput) -> Dossier {
    desk.dossier_intake(input).unwrap().dossier
}

/// The text of a PDF as `pdftotext -raw` (and `args`) reads it, white
/// space squashed.
pub fn pdf_text(pdf: &[u8], args: &[&str]) -> String {
    squash(&poppler("pdftotext", &[&["-raw"][..], args].concat(), pdf))
}

/// Page 1 of a PDF rasterised at 200 dpi, as a scanner would, by `pdftoppm`
/// with `options` (`-jpeg` or `-png`, `-gray`): the image file.
pub fn first_page(pdf: &[u8], options: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.pdf");
    std::fs::write(&p, pdf).unwrap();
    let ok = std::process::Command::new("pdftoppm")
        .args(options)
        .args(["-r", "200", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&p)
        .arg(dir.path().join("page"))
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(ok.success());
    let ext = if options.contains(&"-jpeg") {
        "jpg"
    } else {
        "png"
    };
    std::fs::read(dir.path().join(format!("page.{ext}"))).unwrap()
}

/// An image as a JPEG at `dpi`, quality 85.
pub fn jpeg(img: &image::RgbImage, dpi: u16) -> Vec<u8> {
    use image::codecs::jpeg::{JpegEncoder, PixelDensity};
    let mut out = Vec::new();
    let mut enc = JpegEncoder::new_with_quality(&mut out, 85);
    enc.set_pixel_density(PixelDensity::dpi(dpi));
    enc.encode_image(img).unwrap();
    out
}

/// The store's key for the QR codes on its papers (from the real keyring),
/// to sign a forged paper as a leaked key would.
pub fn paper_key(data: &Path) -> bhxh_secrets::Key256 {
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("desk.json")).unwrap()).unwrap();
    bhxh_secrets::Keyring::open_native(bhxh_app::KEYRING_SERVICE)
        .unwrap()
        .get_key(&format!("paper-key:{}", meta["store_id"].as_str().unwrap()))
        .unwrap()
        .unwrap()
}
