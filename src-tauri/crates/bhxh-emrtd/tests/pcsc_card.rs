//! End to end over real PC/SC: a private `pcscd` with the `vsmartcard-vpcd` virtual reader
//! driver, and the eMRTD emulator `tests/cardemu/emrtd_card.py` serving the crate's generated
//! card (`testdata/card/`) as a card in that reader.
//!
//! Each test starts its own `pcscd --foreground` with its own reader configuration (a free vpcd
//! port) and, where possible, its own socket (a private mount namespace); the test re-runs
//! itself (the same test binary, `--exact <test>`) as a child process pointed at it, and the
//! child starts the emulator and reads the card. Every process is killed on drop. The launcher
//! is `bhxh_emrtd::testing::pcsc`, shared with `benches/pcsc_read.rs` and the window's
//! end-to-end tests.
//!
//! Skipped (with a message) only when `pcscd` is not installed. Needs the Debian packages
//! `pcscd vsmartcard-vpcd python3-virtualsmartcard python3-pycryptodome`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use bhxh_emrtd::testing::fixtures::{self, BIRTH, EXPIRY, ID};
use bhxh_emrtd::testing::pcsc::{self as bench, Proc, READER};
use bhxh_emrtd::{
    AccessKey, Check, DgNumber, LdsFile, Pcsc, ReadOptions, Status, TrustStore, Unavailable,
    VerdictKind, read_card,
};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Runs `body` in a child process that talks to a fresh pcscd (see
/// `bhxh_emrtd::testing::pcsc::with_pcscd`).
fn with_pcscd(test: &str, body: impl FnOnce(u16)) {
    let args = [test, "--exact", "--nocapture", "--test-threads=1"].map(String::from);
    bench::with_pcscd(test, &args, Duration::from_secs(90), body).unwrap();
}

fn good_card() -> PathBuf {
    fixtures::card_dir()
}

fn trust() -> TrustStore {
    fixtures::trust("trust")
}

fn start_emulator(card_dir: &Path, port: u16) -> Proc {
    bench::start_emulator(card_dir, port, &[], None).unwrap()
}

fn start_emulator_with(card_dir: &Path, port: u16, extra: &[&str]) -> Proc {
    bench::start_emulator(card_dir, port, extra, None).unwrap()
}

fn wait_for_card(pcsc: &Pcsc, emulator: &mut Proc) -> String {
    bench::wait_for_card(pcsc, emulator).unwrap()
}

/// A copy of the good card in a temporary directory, with `change` applied to file `name`.
fn modified_card(name: &str, change: impl FnOnce(&mut Vec<u8>)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    bench::modified_card(dir.path(), name, change).unwrap();
    dir
}

/// Serve the card in `card_dir` and read it with the right access key.
fn read_served(card_dir: &Path, port: u16) -> bhxh_emrtd::ReadResult {
    let mut emulator = start_emulator(card_dir, port);
    let pcsc = Pcsc::establish().unwrap();
    let reader = wait_for_card(&pcsc, &mut emulator);
    let mut card = pcsc.connect(Some(&reader)).unwrap();
    let key = AccessKey::from_cccd(ID, BIRTH, EXPIRY).unwrap();
    read_card(
        &mut card,
        &key,
        &trust(),
        &ReadOptions::default(),
        &mut |_| {},
    )
    .unwrap()
}

#[test]
fn reads_the_good_card_over_pcsc() {
    with_pcscd("reads_the_good_card_over_pcsc", |port| {
        let mut emulator = start_emulator(&good_card(), port);
        let pcsc = Pcsc::establish().unwrap();
        let reader = wait_for_card(&pcsc, &mut emulator);
        let mut card = pcsc.connect(Some(&reader)).unwrap();
        assert!(!card.atr().unwrap().is_empty());
        let mut events = Vec::new();
        let key = AccessKey::from_cccd(ID, BIRTH, EXPIRY).unwrap();
        let result = read_card(
            &mut card,
            &key,
            &trust(),
            &ReadOptions::default(),
            &mut |p| events.push(*p),
        )
        .unwrap();
        println!(
            "[pcsc_card] good card: {} APDUs, {} bytes in {:?} over real PC/SC",
            result.stats.apdus, result.stats.bytes, result.stats.duration
        );
        assert_eq!(
            result.verdict.kind,
            VerdictKind::Genuine,
            "{}",
            result.verdict.render_text()
        );
        let dg13 = result.dg13.as_ref().unwrap();
        assert_eq!(dg13.full_name(), Some("Nguyễn Thị Thử Nghiệm"));
        assert_eq!(dg13.id_number(), Some(ID));
        assert_eq!(result.mrz.as_ref().unwrap().vietnamese_id(), Some(ID));
        assert!(
            result.parse_problems.is_empty(),
            "{:?}",
            result.parse_problems
        );
        assert!(
            result
                .unavailable
                .contains(&(LdsFile::Dg(DgNumber::DG3), Unavailable::Protected)),
            "{:?}",
            result.unavailable
        );
        for (dg, name) in [
            (DgNumber::DG1, "dg1.bin"),
            (DgNumber::DG2, "dg2.bin"),
            (DgNumber::DG13, "dg13.bin"),
            (DgNumber::DG14, "dg14.bin"),
            (DgNumber::DG15, "dg15.bin"),
        ] {
            assert_eq!(
                result.data_groups.get(&dg),
                Some(&std::fs::read(good_card().join(name)).unwrap()),
                "{dg}"
            );
        }
        // Active Authentication: the emulator signed the challenge with the DG15 key.
        let aa = result.report.get(Check::ActiveAuthentication).unwrap();
        assert_eq!(aa.status, Status::Passed, "{}", aa.detail_en);
        // The test CSCA's current CRL does not list the card's Document Signer.
        let crl = result.report.get(Check::DsRevocation).unwrap();
        assert_eq!(crl.status, Status::Passed, "{}", crl.detail_en);
        // Chip Authentication with the DG14 key, and a read under the keys it agreed.
        let ca = result.report.get(Check::ChipAuthentication).unwrap();
        assert_eq!(ca.status, Status::Passed, "{}", ca.detail_en);
        assert!(
            ca.detail_en
                .contains("ECDH, AES-128, brainpoolP256r1, version 2"),
            "{}",
            ca.detail_en
        );
        assert!(
            aa.detail_en.contains("ISO/IEC 9796-2 scheme 1 with SHA-1"),
            "{}",
            aa.detail_en
        );
        assert!(
            result
                .verdict
                .render_text()
                .contains("✓ Xác thực chủ động (chống sao chép chip) — Đạt"),
            "{}",
            result.verdict.render_text()
        );
        // Progress: every file starts at 0 and ends complete.
        let sod_len = std::fs::read(good_card().join("sod.bin")).unwrap().len();
        assert!(events.contains(&bhxh_emrtd::Progress {
            file: LdsFile::Sod,
            read: sod_len,
            total: Some(sod_len)
        }));
        // Taking the card away is seen by the reader.
        emulator.kill();
        pcsc.wait_for_removal(&reader, Duration::from_secs(5))
            .unwrap();
    });
}

#[test]
fn wrong_access_key_is_a_bac_failure() {
    with_pcscd("wrong_access_key_is_a_bac_failure", |port| {
        let mut emulator = start_emulator(&good_card(), port);
        let pcsc = Pcsc::establish().unwrap();
        wait_for_card(&pcsc, &mut emulator);
        assert!(pcsc.readers().unwrap().contains(&READER.to_string()));
        assert!(pcsc.card_present(READER).unwrap());
        // The first reader holding a card.
        let mut card = pcsc.connect(None).unwrap();
        assert_eq!(card.reader(), READER);
        // Right ID, wrong birth date.
        let key = AccessKey::from_cccd(ID, "930106", EXPIRY).unwrap();
        let err = read_card(
            &mut card,
            &key,
            &trust(),
            &ReadOptions::default(),
            &mut |_| {},
        )
        .unwrap_err();
        println!("[pcsc_card] wrong key: {err}");
        assert!(err.is_access_denied(), "{err:?}");
        assert!(err.to_string().contains("BAC failed"), "{err}");
        assert!(err.to_string().contains("6300"), "{err}");
        // Without BAC the chip hands out nothing ("BAC required").
        use bhxh_emrtd::transport::Transport;
        for plain in ["00A4040C07A0000002471001", "00A4020C02011D", "00B0000004"] {
            let r = card.transmit(&hex::decode(plain).unwrap()).unwrap();
            let expected = if plain.starts_with("00A404") {
                0x9000
            } else {
                0x6982
            };
            assert_eq!(r.sw, expected, "{plain}");
        }
    });
}

#[test]
fn killing_the_emulator_mid_read_is_card_removed() {
    with_pcscd("killing_the_emulator_mid_read_is_card_removed", |port| {
        let mut emulator = start_emulator(&good_card(), port);
        let pcsc = Pcsc::establish().unwrap();
        let reader = wait_for_card(&pcsc, &mut emulator);
        let mut card = pcsc.connect(Some(&reader)).unwrap();
        let key = AccessKey::from_cccd(ID, BIRTH, EXPIRY).unwrap();
        let started = Instant::now();
        let err = read_card(
            &mut card,
            &key,
            &trust(),
            &ReadOptions::default(),
            &mut |p| {
                // Kill the card after the first chunk of EF.SOD.
                if p.file == LdsFile::Sod && p.read > 0 {
                    emulator.kill();
                }
            },
        )
        .unwrap_err();
        println!(
            "[pcsc_card] emulator killed: {err} after {:?}",
            started.elapsed()
        );
        assert!(err.is_card_removed(), "{err:?}");
        assert!(err.to_string().contains("EF.SOD"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
    });
}

#[test]
fn tampered_dg13_is_data_altered() {
    with_pcscd("tampered_dg13_is_data_altered", |port| {
        // "Nguyễn" → "Mguyễn": still a valid DG13, but not what was signed.
        let dir = modified_card("dg13.bin", |dg13| {
            let at = dg13.windows(4).position(|w| w == b"Nguy").unwrap();
            dg13[at] = b'M';
        });

        let result = read_served(dir.path(), port);
        println!(
            "[pcsc_card] tampered card: {} APDUs in {:?}; verdict: {}",
            result.stats.apdus, result.stats.duration, result.verdict.headline
        );
        assert_eq!(result.verdict.kind, VerdictKind::DataAltered);
        assert!(
            result
                .verdict
                .reason
                .as_deref()
                .unwrap_or("")
                .contains("DG13"),
            "{:?}",
            result.verdict.reason
        );
        assert_eq!(
            result.dg13.unwrap().full_name(),
            Some("Mguyễn Thị Thử Nghiệm")
        );
    });
}

#[test]
fn a_40_kb_dg2_is_read_with_odd_ins_over_pcsc() {
    with_pcscd("a_40_kb_dg2_is_read_with_odd_ins_over_pcsc", |port| {
        // A face image too large for even-INS offsets (> 0x7FFF): the reader switches to B1.
        let payload: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
        let big = bhxh_emrtd::lds::tlv::encode(0x75, &payload);
        let dir = modified_card("dg2.bin", |dg2| *dg2 = big.clone());
        let result = read_served(dir.path(), port);
        println!(
            "[pcsc_card] 42 KB card: {} APDUs, {} bytes in {:?} over real PC/SC",
            result.stats.apdus, result.stats.bytes, result.stats.duration
        );
        assert_eq!(result.data_groups.get(&DgNumber::DG2), Some(&big));
        // Not the DG2 that EF.SOD signed.
        assert_eq!(result.verdict.kind, VerdictKind::DataAltered);
    });
}

#[test]
fn a_cloned_chip_fails_active_authentication_over_pcsc() {
    with_pcscd(
        "a_cloned_chip_fails_active_authentication_over_pcsc",
        |port| {
            // Every file copied byte for byte, but the chip's key is not the one in DG15.
            let clone_key = std::fs::read(fixtures::testdata("aa/clone-key.der")).unwrap();
            let dir = modified_card("aa-key.der", |key| *key = clone_key.clone());
            let result = read_served(dir.path(), port);
            println!(
                "[pcsc_card] cloned chip: {} APDUs in {:?}; verdict: {}",
                result.stats.apdus, result.stats.duration, result.verdict.headline
            );
            assert_eq!(
                result.verdict.kind,
                VerdictKind::ChipNotGenuine,
                "{}",
                result.verdict.render_text()
            );
            assert_eq!(
                result.verdict.headline,
                "Thẻ không phải thẻ thật – chip có thể đã bị sao chép"
            );
            let aa = result.report.get(Check::ActiveAuthentication).unwrap();
            assert_eq!(aa.status, Status::Failed);
            assert!(
                result
                    .verdict
                    .reason
                    .as_deref()
                    .unwrap_or("")
                    .contains("does not verify with the DG15 key"),
                "{:?}",
                result.verdict.reason
            );
            // The data itself is intact: every data group hash matches EF.SOD.
            assert!(result.report.checks.iter().all(|c| {
                !matches!(c.check, Check::DataGroupHash(_)) || c.status != Status::Failed
            }));
        },
    );
}

#[test]
fn a_chip_without_the_dg14_key_fails_chip_authentication_over_pcsc() {
    with_pcscd(
        "a_chip_without_the_dg14_key_fails_chip_authentication_over_pcsc",
        |port| {
            // Every file copied byte for byte (DG14 included), but the chip's CA key is
            // another: it cannot answer under the keys the reader agreed with DG14's key.
            let clone_key = fixtures::testdata("ca/clone-key.der");
            let mut emulator = start_emulator_with(
                &good_card(),
                port,
                &["--ca-key", clone_key.to_str().unwrap()],
            );
            let pcsc = Pcsc::establish().unwrap();
            let reader = wait_for_card(&pcsc, &mut emulator);
            let mut card = pcsc.connect(Some(&reader)).unwrap();
            let key = AccessKey::from_cccd(ID, BIRTH, EXPIRY).unwrap();
            let result = read_card(
                &mut card,
                &key,
                &trust(),
                &ReadOptions::default(),
                &mut |_| {},
            )
            .unwrap();
            assert_eq!(
                result.verdict.kind,
                VerdictKind::ChipNotGenuine,
                "{}",
                result.verdict.render_text()
            );
            let ca = result.report.get(Check::ChipAuthentication).unwrap();
            assert_eq!(ca.status, Status::Failed, "{}", ca.detail_en);
            assert!(
                ca.detail_en.contains("DG14 private key")
                    || ca.detail_en.contains("under the new keys"),
                "{}",
                ca.detail_en
            );
            // Active Authentication (DG15) still passed: the two checks are independent.
            let aa = result.report.get(Check::ActiveAuthentication).unwrap();
            assert_eq!(aa.status, Status::Passed, "{}", aa.detail_en);
        },
    );
}

#[test]
fn a_chip_that_lacks_the_dg15_its_sod_lists_is_a_cloned_chip_over_pcsc() {
    with_pcscd(
        "a_chip_that_lacks_the_dg15_its_sod_lists_is_a_cloned_chip_over_pcsc",
        |port| {
            let dir = modified_card("dg15.bin", |_| {});
            std::fs::remove_file(dir.path().join("dg15.bin")).unwrap();
            let result = read_served(dir.path(), port);
            assert!(
                result
                    .unavailable
                    .contains(&(LdsFile::Dg(DgNumber::DG15), Unavailable::Absent)),
                "{:?}",
                result.unavailable
            );
            // EF.SOD lists DG15: a chip without it withholds its Active Authentication key.
            let aa = result.report.get(Check::ActiveAuthentication).unwrap();
            assert_eq!(aa.status, Status::Failed, "{}", aa.detail_en);
            assert!(aa.detail_en.contains("6A82"), "{}", aa.detail_en);
            // Chip Authentication passed: one failure is enough.
            let ca = result.report.get(Check::ChipAuthentication).unwrap();
            assert_eq!(ca.status, Status::Passed, "{}", ca.detail_en);
            assert_eq!(result.verdict.kind, VerdictKind::ChipNotGenuine);
        },
    );
}

/// The files a copy can take from a genuine card (EF.COM, EF.SOD, DG1, DG2, DG13), on a blank
/// chip with neither DG14 nor DG15 nor their private keys (issue #11).
fn copied_files_without_keys() -> tempfile::TempDir {
    let dir = modified_card("dg15.bin", |_| {});
    for name in ["dg14.bin", "dg15.bin", "aa-key.der", "ca-key.der"] {
        std::fs::remove_file(dir.path().join(name)).unwrap();
    }
    dir
}

/// Serve `card_dir` with emulator options, read it with the right access key, then take the
/// card away (and wait until the reader has seen it go, so that another card can follow).
fn read_served_with(card_dir: &Path, port: u16, extra: &[&str]) -> bhxh_emrtd::ReadResult {
    read_served_against(card_dir, port, extra, &trust())
}

/// [`read_served_with`] against the trust store `trust`.
fn read_served_against(
    card_dir: &Path,
    port: u16,
    extra: &[&str],
    trust: &TrustStore,
) -> bhxh_emrtd::ReadResult {
    let mut emulator = start_emulator_with(card_dir, port, extra);
    let pcsc = Pcsc::establish().unwrap();
    let reader = wait_for_card(&pcsc, &mut emulator);
    let mut card = pcsc.connect(Some(&reader)).unwrap();
    let key = AccessKey::from_cccd(ID, BIRTH, EXPIRY).unwrap();
    let result = read_card(&mut card, &key, trust, &ReadOptions::default(), &mut |_| {}).unwrap();
    drop(card);
    emulator.kill();
    pcsc.wait_for_removal(&reader, Duration::from_secs(5))
        .unwrap();
    result
}

#[test]
fn a_copy_of_the_files_on_a_blank_chip_is_a_cloned_chip_over_pcsc() {
    with_pcscd(
        "a_copy_of_the_files_on_a_blank_chip_is_a_cloned_chip_over_pcsc",
        |port| {
            let dir = copied_files_without_keys();
            // The blank chip answers 6A82 for DG14 and DG15; or, smarter, 6982 as if they were
            // protected like DG3. Neither passes.
            for (extra, sw) in [
                (&[][..], "6A82"),
                (&["--protect", "14", "--protect", "15"][..], "6982"),
            ] {
                let result = read_served_with(dir.path(), port, extra);
                println!(
                    "[pcsc_card] copy on a blank chip ({sw}): {}",
                    result.verdict.headline
                );
                assert_eq!(
                    result.verdict.kind,
                    VerdictKind::ChipNotGenuine,
                    "{}",
                    result.verdict.render_text()
                );
                assert!(!result.verdict.kind.is_genuine());
                for check in [Check::ActiveAuthentication, Check::ChipAuthentication] {
                    let c = result.report.get(check).unwrap();
                    assert_eq!(c.status, Status::Failed, "{check:?}: {}", c.detail_en);
                    assert!(c.detail_en.contains(sw), "{}", c.detail_en);
                    assert!(c.detail_vi.contains("sao chép"), "{}", c.detail_vi);
                }
                // What it did return is intact: the copy carries the genuine signed data.
                for dg in [DgNumber::DG1, DgNumber::DG2, DgNumber::DG13] {
                    let c = result.report.get(Check::DataGroupHash(dg)).unwrap();
                    assert_eq!(c.status, Status::Passed, "{dg}");
                }
                assert_eq!(result.dg13.as_ref().and_then(|d| d.id_number()), Some(ID));
            }
        },
    );
}

#[test]
fn a_card_whose_sod_lists_neither_dg14_nor_dg15_is_integrity_only_over_pcsc() {
    with_pcscd(
        "a_card_whose_sod_lists_neither_dg14_nor_dg15_is_integrity_only_over_pcsc",
        |port| {
            // Signed by the issuer without DG14 and DG15: nothing can prove the chip.
            let result = read_served_with(&fixtures::card_variant_dir("noac"), port, &[]);
            println!(
                "[pcsc_card] card without anti-cloning keys: {}",
                result.verdict.headline
            );
            assert_eq!(
                result.verdict.kind,
                VerdictKind::IntegrityOnly,
                "{}",
                result.verdict.render_text()
            );
            assert!(!result.verdict.kind.is_genuine());
            assert_eq!(
                result.verdict.headline,
                "Dữ liệu toàn vẹn – chưa xác minh được chip"
            );
            assert!(
                result
                    .verdict
                    .reason_vi
                    .as_deref()
                    .unwrap()
                    .starts_with("Dữ liệu bảo mật (EF.SOD) của thẻ không có DG14 hay DG15"),
                "{:?}",
                result.verdict.reason_vi
            );
            for check in [Check::ActiveAuthentication, Check::ChipAuthentication] {
                let c = result.report.get(check).unwrap();
                assert_eq!(c.status, Status::NotChecked, "{check:?}: {}", c.detail_en);
            }
            for dg in [DgNumber::DG1, DgNumber::DG2, DgNumber::DG13] {
                let c = result.report.get(Check::DataGroupHash(dg)).unwrap();
                assert_eq!(c.status, Status::Passed, "{dg}");
            }
            assert_eq!(
                result.report.get(Check::DsRevocation).unwrap().status,
                Status::Passed
            );
        },
    );
}

#[test]
fn a_revoked_document_signer_fails_the_trust_check_over_pcsc() {
    with_pcscd(
        "a_revoked_document_signer_fails_the_trust_check_over_pcsc",
        |port| {
            // The good card, the chip proven; but the CSCA's CRL revokes its Document Signer.
            let revoked = fixtures::trust("trust-revoked");
            let result = read_served_against(&good_card(), port, &[], &revoked);
            assert_eq!(
                result.verdict.kind,
                VerdictKind::OriginUnverified,
                "{}",
                result.verdict.render_text()
            );
            let c = result.report.get(Check::DsRevocation).unwrap();
            assert_eq!(c.status, Status::Failed);
            let reason = result.verdict.reason_vi.as_deref().unwrap();
            assert_eq!(reason, c.detail_vi);
            assert!(
                reason.contains("\"CN=Test Document Signer ds-p256,O=Test Issuer,C=VN\"")
                    && reason.contains("(số sê-ri 10:01)")
                    && reason.contains("thu hồi"),
                "{reason}"
            );
            for check in [Check::ActiveAuthentication, Check::ChipAuthentication] {
                assert_eq!(result.report.get(check).unwrap().status, Status::Passed);
            }
        },
    );
}

#[test]
fn a_jpeg_2000_face_is_read_as_stored_and_shown_as_png_over_pcsc() {
    with_pcscd(
        "a_jpeg_2000_face_is_read_as_stored_and_shown_as_png_over_pcsc",
        |port| {
            let dir = fixtures::card_variant_dir("jp2");
            let result = read_served_with(&dir, port, &[]);
            // The verdict is over DG2 as read: the JPEG 2000 bytes the issuer signed.
            assert_eq!(
                result.verdict.kind,
                VerdictKind::Genuine,
                "{}",
                result.verdict.render_text()
            );
            let dg2 = result.data_groups.get(&DgNumber::DG2).unwrap();
            assert_eq!(dg2, &std::fs::read(dir.join("dg2.bin")).unwrap());
            assert_eq!(
                result
                    .report
                    .get(Check::DataGroupHash(DgNumber::DG2))
                    .unwrap()
                    .status,
                Status::Passed
            );
            // For display: decoded and re-encoded as PNG.
            let face = &bhxh_emrtd::lds::dg2::parse_dg2(dg2).unwrap().faces[0];
            assert_eq!(face.image_type, bhxh_emrtd::lds::dg2::ImageType::Jpeg2000);
            assert_eq!(face.data, fixtures::jp2_face());
            let shown = bhxh_emrtd::lds::photo::display_image(face).unwrap();
            assert_eq!(shown.mime, "image/png");
            assert!(shown.bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        },
    );
}

/// Serve the good card with PACE (`emulator` options) and read it with `key`.
fn read_pace(
    port: u16,
    emulator_args: &[&str],
    key: &AccessKey,
) -> Result<bhxh_emrtd::ReadResult, bhxh_emrtd::ReadError> {
    let mut emulator = start_emulator_with(&good_card(), port, emulator_args);
    let pcsc = Pcsc::establish().unwrap();
    let reader = wait_for_card(&pcsc, &mut emulator);
    let mut card = pcsc.connect(Some(&reader)).unwrap();
    read_card(
        &mut card,
        key,
        &trust(),
        &ReadOptions::default(),
        &mut |_| {},
    )
}

#[test]
fn a_pace_card_is_read_with_the_can_over_pcsc() {
    with_pcscd("a_pace_card_is_read_with_the_can_over_pcsc", |port| {
        // The counter types only the ID (its last 6 digits are the CAN) and the dates: PACE.
        let key = AccessKey::from_cccd(ID, BIRTH, EXPIRY).unwrap();
        let started = Instant::now();
        let result = read_pace(port, &["--pace"], &key).unwrap();
        assert_eq!(
            result.verdict.kind,
            VerdictKind::Genuine,
            "{}",
            result.verdict.render_text()
        );
        assert_eq!(
            result.access, "PACE (CAN, ECDH-GM, AES-128, brainpoolP256r1)",
            "PACE first when EF.CardAccess offers it"
        );
        assert_eq!(result.dg13.as_ref().and_then(|d| d.id_number()), Some(ID));
        eprintln!(
            "[pcsc_card] PACE card: {} APDUs in {:?} ({:?} in all); {}",
            result.stats.apdus,
            result.stats.duration,
            started.elapsed(),
            result.access
        );
    });
}

#[test]
fn pace_on_nist_p256_with_aes_256_over_pcsc() {
    with_pcscd("pace_on_nist_p256_with_aes_256_over_pcsc", |port| {
        // The CAN alone is enough.
        let key = AccessKey::from_can(&ID[6..]).unwrap();
        let args = ["--pace", "--pace-param", "12", "--pace-cipher", "aes256"];
        let result = read_pace(port, &args, &key).unwrap();
        assert_eq!(result.verdict.kind, VerdictKind::Genuine);
        assert_eq!(result.access, "PACE (CAN, ECDH-GM, AES-256, secp256r1)");
    });
}

#[test]
fn pace_with_3des_over_pcsc() {
    with_pcscd("pace_with_3des_over_pcsc", |port| {
        let key = AccessKey::from_can(&ID[6..]).unwrap();
        let result = read_pace(port, &["--pace", "--pace-cipher", "3des"], &key).unwrap();
        assert_eq!(result.verdict.kind, VerdictKind::Genuine);
        assert_eq!(result.access, "PACE (CAN, ECDH-GM, 3DES, brainpoolP256r1)");
    });
}

#[test]
fn a_wrong_can_alone_is_refused_over_pcsc() {
    with_pcscd("a_wrong_can_alone_is_refused_over_pcsc", |port| {
        let key = AccessKey::from_can("000000").unwrap();
        let err = read_pace(port, &["--pace"], &key).unwrap_err();
        assert!(err.is_access_denied(), "{err}");
        assert!(err.to_string().contains("CAN"), "{err}");
    });
}

#[test]
fn when_pace_fails_bac_reads_the_card_over_pcsc() {
    with_pcscd("when_pace_fails_bac_reads_the_card_over_pcsc", |port| {
        // The card was issued with another CAN than the ID's last 6 digits: PACE with the
        // derived CAN fails, and BAC with the MRZ fields reads the card.
        let key = AccessKey::from_cccd(ID, BIRTH, EXPIRY).unwrap();
        let result = read_pace(port, &["--pace", "--can", "999999"], &key).unwrap();
        assert_eq!(result.verdict.kind, VerdictKind::Genuine);
        assert!(
            result.access.starts_with("BAC (PACE failed: "),
            "{}",
            result.access
        );
    });
}

// ---------------------------------------------------------------------------------------------
// Card faults: the card pulled out at any APDU, a wrong key, a slow card. Each fails (or not)
// the way the counter is told about, and the NEXT read of the whole card succeeds.

/// How one read ended, for the sweep's table.
#[derive(Debug)]
enum Ended {
    /// The read failed with "card removed" (the app says "thẻ đã bị nhấc khỏi đầu đọc").
    Removed(String),
    /// The read failed some other way (a finding).
    Other(String),
    /// The read returned a result although the card left (a finding unless `n` was past the
    /// last APDU).
    Read(VerdictKind),
}

/// The good card served with `args`, read with `key`; waits until the reader has seen the card
/// go before it returns (the emulator leaves by itself with `--drop-after`, or is killed).
fn read_once(
    port: u16,
    args: &[&str],
    key: &AccessKey,
) -> Result<bhxh_emrtd::ReadResult, bhxh_emrtd::ReadError> {
    let mut emulator = start_emulator_with(&good_card(), port, args);
    let pcsc = Pcsc::establish().unwrap();
    let reader = wait_for_card(&pcsc, &mut emulator);
    let events = pcsc.card_events(&reader).unwrap();
    let mut card = pcsc.connect(Some(&reader)).unwrap();
    let result = read_card(
        &mut card,
        key,
        &trust(),
        &ReadOptions::default(),
        &mut |_| {},
    );
    drop(card);
    emulator.kill();
    pcsc.wait_for_removal(&reader, Duration::from_secs(15))
        .unwrap();
    bench::wait_for_card_event(&pcsc, events, Duration::from_secs(15)).unwrap();
    result
}

fn ended(result: Result<bhxh_emrtd::ReadResult, bhxh_emrtd::ReadError>) -> Ended {
    match result {
        Ok(r) => Ended::Read(r.verdict.kind),
        Err(e) if e.is_card_removed() => Ended::Removed(e.to_string()),
        Err(e) => Ended::Other(format!("{e:?}")),
    }
}

/// The APDUs of a full read of the good card served with `args`.
fn full_read_apdus(port: u16, args: &[&str], key: &AccessKey) -> u32 {
    let result = read_once(port, args, key).unwrap();
    assert_eq!(
        result.verdict.kind,
        VerdictKind::Genuine,
        "{}",
        result.verdict.render_text()
    );
    result.stats.apdus
}

/// The card leaves the reader after `n` APDUs (`--drop-after n`), then the whole card is read
/// again. Returns what the first read gave, and a finding if any.
fn removal_at(port: u16, n: u32, args: &[&str], key: &AccessKey) -> (Ended, Option<String>) {
    let drop = n.to_string();
    let mut with_drop: Vec<&str> = args.to_vec();
    with_drop.extend(["--drop-after", &drop]);
    let first = ended(read_once(port, &with_drop, key));
    let mut finding = match &first {
        Ended::Removed(_) => None,
        Ended::Other(e) => Some(format!(
            "removal after {n} APDUs: not \"card removed\": {e}"
        )),
        Ended::Read(kind) => Some(format!("removal after {n} APDUs: a {kind:?} read")),
    };
    let next = ended(read_once(port, args, key));
    if !matches!(next, Ended::Read(VerdictKind::Genuine)) {
        let f = format!("the read after a removal at {n}: {next:?}");
        finding = Some(finding.map_or(f.clone(), |g| format!("{g}; {f}")));
    }
    (first, finding)
}

/// The step of an error message (`READ BINARY DG2 at offset 448`), without offsets, for the
/// table.
fn step_of(message: &str) -> String {
    let step = message.split(':').next().unwrap_or(message);
    match step.find(" at offset") {
        Some(i) => step[..i].to_owned(),
        None => step.to_owned(),
    }
}

/// Removal at each of `positions` (all of a full read when `None`), with the card served with
/// `args`; prints one line per position and a summary, and fails on any finding.
fn removal_sweep(port: u16, args: &[&str], positions: Option<&[f64]>) {
    let key = AccessKey::from_cccd(ID, BIRTH, EXPIRY).unwrap();
    let total = full_read_apdus(port, args, &key);
    let mut list: Vec<u32> = match positions {
        None => (0..total).collect(),
        Some(fractions) => fractions
            .iter()
            .map(|f| ((f64::from(total) * f) as u32).min(total - 1))
            .collect(),
    };
    list.dedup();
    let mut findings = Vec::new();
    let mut steps: Vec<(String, u32, u32)> = Vec::new(); // step, first position, count
    for &n in &list {
        let (first, finding) = removal_at(port, n, args, &key);
        println!("[removal sweep] after {n:>3} of {total} APDUs: {first:?}");
        if let Ended::Removed(m) = &first {
            let step = step_of(m);
            match steps.iter_mut().find(|(s, _, _)| *s == step) {
                Some((_, _, count)) => *count += 1,
                None => steps.push((step, n, 1)),
            }
        }
        findings.extend(finding);
    }
    println!(
        "[removal sweep] {} positions of a {total}-APDU read ({}); card removed at each: {}; findings: {}",
        list.len(),
        if args.is_empty() {
            "BAC".to_owned()
        } else {
            args.join(" ")
        },
        list.len() - findings.len(),
        findings.len()
    );
    for (step, first, count) in &steps {
        println!("[removal sweep]   {count:>3} × {step} (first at {first})");
    }
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn removal_at_a_few_apdus_is_card_removed_and_the_next_read_succeeds_over_pcsc() {
    with_pcscd(
        "removal_at_a_few_apdus_is_card_removed_and_the_next_read_succeeds_over_pcsc",
        |port| {
            // The first APDU, inside BAC, the first secure messaging command, half way through
            // the files, and the last APDUs (Active and Chip Authentication).
            removal_sweep(port, &[], Some(&[0.0, 0.02, 0.05, 0.5, 0.97, 0.999]));
        },
    );
}

/// The full index sweep: the card pulled out after N APDUs for every N of a full read (about
/// 3 s a position). `scripts/card-faults.sh` runs it; figures in `docs/reliability.md`.
#[test]
#[ignore = "slow: every APDU of a full read (scripts/card-faults.sh)"]
fn removal_at_every_apdu_of_a_full_read_over_pcsc() {
    with_pcscd_for(
        "removal_at_every_apdu_of_a_full_read_over_pcsc",
        Duration::from_secs(3600),
        |port| removal_sweep(port, &[], None),
    );
}

/// The same with PACE (CAN), where the chip's opening is four GENERAL AUTHENTICATE steps.
#[test]
#[ignore = "slow: every APDU of a full PACE read (scripts/card-faults.sh)"]
fn removal_at_every_apdu_of_a_full_pace_read_over_pcsc() {
    with_pcscd_for(
        "removal_at_every_apdu_of_a_full_pace_read_over_pcsc",
        Duration::from_secs(3600),
        |port| removal_sweep(port, &["--pace"], None),
    );
}

fn with_pcscd_for(test: &str, timeout: Duration, body: impl FnOnce(u16)) {
    let args = [
        test,
        "--exact",
        "--nocapture",
        "--test-threads=1",
        "--ignored",
    ]
    .map(String::from);
    bench::with_pcscd(test, &args, timeout, body).unwrap();
}

#[test]
fn a_wrong_key_then_the_right_one_reads_the_card_over_pcsc() {
    with_pcscd(
        "a_wrong_key_then_the_right_one_reads_the_card_over_pcsc",
        |port| {
            let mut emulator = start_emulator(&good_card(), port);
            let pcsc = Pcsc::establish().unwrap();
            let reader = wait_for_card(&pcsc, &mut emulator);
            let read = |key: &AccessKey| {
                let mut card = pcsc.connect(Some(&reader)).unwrap();
                read_card(
                    &mut card,
                    key,
                    &trust(),
                    &ReadOptions::default(),
                    &mut |_| {},
                )
            };
            // The same card, still on the reader: a wrong expiry, then the right key.
            let wrong = AccessKey::from_cccd(ID, BIRTH, "330106").unwrap();
            let err = read(&wrong).unwrap_err();
            assert!(err.is_access_denied(), "{err:?}");
            let right = AccessKey::from_cccd(ID, BIRTH, EXPIRY).unwrap();
            let result = read(&right).unwrap();
            assert_eq!(result.verdict.kind, VerdictKind::Genuine);
        },
    );
}

#[test]
fn a_slow_card_is_read_whole_over_pcsc() {
    with_pcscd("a_slow_card_is_read_whole_over_pcsc", |port| {
        // 40 ms of chip work before every answer (several seconds in all); then the card
        // leaves half way through a slow read, and a slow read after it succeeds.
        let key = AccessKey::from_cccd(ID, BIRTH, EXPIRY).unwrap();
        let slow = ["--delay-ms", "40"];
        let result = read_once(port, &slow, &key).unwrap();
        assert_eq!(
            result.verdict.kind,
            VerdictKind::Genuine,
            "{}",
            result.verdict.render_text()
        );
        let half = (result.stats.apdus / 2).to_string();
        let (first, finding) = removal_at(port, result.stats.apdus / 2, &slow, &key);
        assert!(finding.is_none(), "after {half}: {finding:?}");
        assert!(matches!(first, Ended::Removed(_)), "{first:?}");
    });
}
