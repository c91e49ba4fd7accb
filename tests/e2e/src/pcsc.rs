//! A chip card on a real PC/SC stack for the window's tests: a private
//! `pcscd` with the `vsmartcard-vpcd` virtual reader, and the eMRTD emulator
//! `tests/cardemu/emrtd_card.py` serving generated card files as the card in
//! `Virtual PCD 00 00`.
//!
//! The launcher is `bhxh_emrtd::testing::pcsc` (feature `testing`), the
//! same one `bhxh-emrtd`'s own PC/SC tests and benchmark use; this module
//! only names what the window's tests need. `pcscd` runs in a private mount
//! namespace with a temporary directory on `/run/pcscd`, so it never meets a
//! system `pcscd`; the app finds it through `PCSCLITE_CSOCK_NAME`, which the
//! test hands to the driver (and so to the app, [`VirtualReader::env`])
//! rather than setting it in its own environment. Every process is killed on
//! drop.
//!
//! Needs the Debian packages `pcscd vsmartcard-vpcd python3-virtualsmartcard
//! python3-pycryptodome` (`scripts/deps.sh test`).

use std::path::{Path, PathBuf};

use bhxh_emrtd::testing::{fixtures, pcsc};

use crate::Result;

/// The virtual reader the emulator's card sits in.
pub use bhxh_emrtd::testing::pcsc::READER;
/// A private `pcscd` with the virtual reader, and the card emulator in it.
pub use bhxh_emrtd::testing::pcsc::VirtualReader;

/// The generated test card (an invented person, signed by a test CSCA).
pub fn good_card() -> PathBuf {
    fixtures::card_dir()
}

/// The test CSCA trust store that the good card chains to.
pub fn test_trust_dir() -> PathBuf {
    fixtures::trust_dir()
}

/// The test CSCA trust store whose CRL revokes the good card's Document
/// Signer (serial `10:01`): the verdict `OriginUnverified`.
pub fn revoked_trust_dir() -> PathBuf {
    fixtures::revoked_trust_dir()
}

/// A card whose EF.SOD lists neither DG14 nor DG15 (no anti-cloning key):
/// the amber verdict `IntegrityOnly`.
pub fn integrity_only_card() -> PathBuf {
    fixtures::card_variant_dir("noac")
}

/// The good card with its face in JPEG 2000 (shown as PNG).
pub fn jp2_card() -> PathBuf {
    fixtures::card_variant_dir("jp2")
}

/// The files a copy can take from the good card (EF.COM, EF.SOD, DG1, DG2,
/// DG13) on a blank chip without DG14, DG15 or their keys, in `dir`: the
/// verdict `ChipNotGenuine` (issue #11).
pub fn copy_on_blank_chip(dir: &Path) -> Result<()> {
    copy_dir(&good_card(), dir)?;
    for name in ["dg14.bin", "dg15.bin", "aa-key.der", "ca-key.der"] {
        std::fs::remove_file(dir.join(name))?;
    }
    Ok(())
}

/// Copy every file of `from` into `to` (created).
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    Ok(pcsc::copy_dir(from, to)?)
}

/// The good card with its DG13 changed after signing ("Nguyễn" → "Mguyễn"),
/// in `dir`: still a valid DG13, but not what EF.SOD signed.
pub fn tampered_dg13_card(dir: &Path) -> Result<()> {
    Ok(pcsc::tampered_dg13_card(dir)?)
}
