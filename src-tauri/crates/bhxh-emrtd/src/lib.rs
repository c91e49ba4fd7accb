//! ICAO Doc 9303 eMRTD support for the Vietnamese chip ID card (Căn cước công dân, CCCD).
//!
//! # Bird's eye view
//!
//! Bytes read from the card's chip go in; out come plain values — the MRZ, the Vietnamese
//! personal data of DG13, the face image, the security objects — and a judgement of whether the
//! data is what the issuing state signed ([`Verdict`], with Vietnamese text for the counter and
//! the technical checks behind it).
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
//! // Files alone prove the data, not the chip: at best "Dữ liệu toàn vẹn – chưa xác minh được
//! // chip" (IntegrityOnly). "Thẻ thật" needs Active or Chip Authentication with the card.
//! println!("{}", verdict.render_text());
//! # Ok(()) }
//! ```
//!
//! Reading a card is one call, [`read_card`], over any [`Transport`] (`Pcsc` with the
//! default `pcsc` feature); its [`ReadResult`] carries the files, the parsed MRZ and DG13, every
//! check and the [`Verdict`].
//!
//! # Code map
//!
//! The crate is laid out in layers, after JMRTD's (`lds`, `protocol`, `verify`, the card
//! service): what is on the chip, how you talk to it, whether to trust it, and the read that
//! ties them together. Each layer only uses the ones above it in this list, so a parser can be
//! fuzzed without a protocol, a protocol tested against worked examples without a card, and a
//! verdict recomputed from stored files without either.
//!
//! - [`lds`] — what is on the chip, as bytes: BER-TLV ([`lds::tlv`]), the MRZ and DG1
//!   ([`lds::mrz`]), EF.COM, DG2 (face image), DG13 (Vietnamese personal data), DG14 (security
//!   infos), DG15 (Active Authentication key), EF.SOD ([`lds::sod`]) and EF.CardAccess
//!   ([`lds::card_access`]). Pure parsers that never panic. And [`lds::photo`]: the face
//!   made showable (JPEG 2000 decoded to PNG, for display only).
//! - [`crypto`] — hashes, signature verification (RSA PKCS#1 v1.5 and PSS, ECDSA on NIST and
//!   brainpool curves and on explicit parameters, which the Vietnamese CSCA uses) and the curve
//!   arithmetic. Its own top-level module because both layers below need it: `protocol` for the
//!   PACE and Chip Authentication key agreements, `verify` for the signatures.
//! - [`transport`] — the APDU [`Transport`] trait (send bytes, get data + status word, reconnect
//!   after a reset) and, with the `pcsc` feature, its PC/SC implementation
//!   (`transport::pcsc`: list readers, wait for a card, connect). Top-level, not under
//!   `reader`, because the protocols send through it too.
//! - [`protocol`] — how you talk to the chip: BAC, PACE, secure messaging, Chip
//!   Authentication, the INTERNAL AUTHENTICATE of Active Authentication, and the robust READ
//!   BINARY engine ([`protocol::read_binary`]: chunks, `6282`/`6Cxx`/`6B00`/`61xx`/`6700`, odd
//!   INS, short EF identifier or SELECT).
//! - [`verify`] — trust: the CSCA store and the CSCAs' revocation lists ([`verify::trust`],
//!   [`verify::crl`]), passive authentication ([`verify::passive`]), the data groups EF.SOD
//!   lists that a chip withholds ([`verify::presence`]), the Active Authentication signature
//!   ([`verify::active`]) and Chip Authentication outcome ([`verify::chip_auth`]) as checks,
//!   and the [`verify::verdict`] for the counter: "Thẻ thật" only when an anti-cloning check
//!   passed. Every check says what it found in Vietnamese for the counter officer and in
//!   English for the technician ([`CheckResult`]).
//! - [`access`] — what opens the chip: the [`AccessKey`] (MRZ fields for BAC, CAN for PACE) and
//!   the CCCD's front QR code with the age rule for its expiry.
//! - [`reader`] — the card service: [`read_card`] (EF.CardAccess, PACE or BAC, SELECT of the
//!   application, every file, Active and Chip Authentication, parsing, passive authentication,
//!   verdict) and the card session that keeps it going across card resets.
//! - `testing` (for tests, or the `testing` feature) — the generated test card and PKI, an
//!   in-process fake chip, and the PC/SC test bench (a private `pcscd`, the vpcd virtual reader
//!   and the Python card emulator) shared with the integration tests, the benchmark and the
//!   window's end-to-end tests.
//!
//! # Architecture invariants
//!
//! - The crate knows nothing about Tauri, SQLite or the UI. Everything except
//!   `transport::pcsc` judges and parses bytes it is handed, and protocol code produces and
//!   consumes APDU bytes through the [`Transport`] trait.
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
