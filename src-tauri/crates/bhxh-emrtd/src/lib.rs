//! ICAO Doc 9303 eMRTD support for the Vietnamese chip ID card (Căn cước công dân, CCCD).
//!
//! # Bird's eye view
//!
//! Bytes read from the card's chip go in; out come plain values — the MRZ, the Vietnamese
//! personal data of DG13, the face image, the security objects — and a judgement of whether the
//! data is what the issuing state signed ([`verdict::Verdict`], with Vietnamese text for the
//! counter and the technical checks behind it).
//!
//! ```no_run
//! use bhxh_emrtd::verify::passive::passive_authentication;
//! use bhxh_emrtd::{DgNumber, TrustStore, Verdict};
//! use std::collections::BTreeMap;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // CSCA certificates (PEM, DER or ICAO master lists) from a directory the operator fills.
//! let (trust, skipped_files) = TrustStore::load_dir(std::path::Path::new("csca"))?;
//! // Files as read from the chip.
//! let sod = std::fs::read("EF.SOD")?;
//! let mut dgs = BTreeMap::new();
//! dgs.insert(DgNumber::DG1, std::fs::read("DG1")?);
//! dgs.insert(DgNumber::DG13, std::fs::read("DG13")?);
//! let report = passive_authentication(&sod, &dgs, &trust, std::time::SystemTime::now());
//! let verdict = Verdict::from_report(&report);
//! println!("{}", verdict.render_text()); // "Thẻ thật – dữ liệu toàn vẹn", then every check
//! # Ok(()) }
//! ```
//!
//! # Code map
//!
//! What is on the chip:
//! - [`tlv`] — BER-TLV reading and writing, the encoding of everything on the chip.
//! - [`mrz`] — the machine readable zone (TD1 for the CCCD, TD3 for passports), its check
//!   digits, DG1, and the "MRZ information" BAC keys are derived from.
//! - [`lds`] — the other files of the Logical Data Structure: EF.COM, DG2 (face image), DG13
//!   (Vietnamese personal data by field number), DG14 (security infos), DG15 (Active
//!   Authentication key).
//! - [`sod`] — EF.SOD: the CMS `SignedData` holding the data group hashes and the Document
//!   Signer certificate.
//!
//! Trust:
//! - [`crypto`] — hashes and signature verification (RSA PKCS#1 v1.5 and PSS, ECDSA on NIST and
//!   brainpool curves, and on any curve given by explicit parameters, which the Vietnamese CSCA
//!   uses).
//! - [`trust`] — the store of CSCA certificates (PEM, DER, ICAO master lists) and the
//!   DS → CSCA chain check.
//! - [`passive`] — passive authentication: every check, each naming what failed.
//! - [`active`] — Active Authentication (anti-cloning): the chip signs a challenge with the
//!   DG15 key (RSA ISO/IEC 9796-2 or ECDSA).
//! - [`verdict`] — one answer for the counter, in Vietnamese.
//!
//! How you talk to the chip (BAC, secure messaging) is in [`bac`] and [`secure_messaging`].
//!
//! Reading a card:
//! - [`transport`] — the APDU [`transport::Transport`] trait (send bytes, get data + status word,
//!   reconnect after a reset).
//! - `pcsc_transport` (feature `pcsc`, on by default) — the PC/SC implementation: list readers,
//!   wait for a card, connect.
//! - [`reader`] — a whole read: SELECT the eMRTD application, BAC, every file under secure
//!   messaging with robust READ BINARY, then parsing and passive authentication into a
//!   [`reader::ReadResult`] with the verdict.
//!
//! # Architecture invariants
//!
//! - The crate knows nothing about Tauri, SQLite or the UI. Everything except
//!   `pcsc_transport` judges and parses bytes it is handed, and protocol code produces and
//!   consumes APDU bytes through the [`transport::Transport`] trait.
//! - No network access: CSCAs come from a directory the operator fills.
//! - Parsers never panic on card or file data. They return precise errors naming the file
//!   (`DG13`, `EF.SOD`), the offset or field, and what was expected; unknown fields are kept raw.
//! - Signatures and digests are computed over bytes **as stored**, never over re-encodings.

pub mod access;
pub mod crypto;
pub mod lds;
pub mod protocol;
pub mod reader;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod transport;
pub mod verify;

// What other crates use, at the root: reading a card and judging it. Everything else is
// reached through its layer (`lds::…`, `protocol::…`, `verify::…`).
pub use access::AccessKey;
pub use lds::{DgNumber, LdsFile};
pub use reader::{Progress, ReadError, ReadOptions, ReadResult, Unavailable, read_card};
#[cfg(feature = "pcsc")]
pub use transport::pcsc::Pcsc;
pub use transport::{Transport, TransportError};
pub use verify::trust::TrustStore;
pub use verify::verdict::{Verdict, VerdictKind};
pub use verify::{Check, CheckResult, Status};
