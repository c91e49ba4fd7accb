//! Test documents: a generated CCCD (invented person) and the PKI that signs it.
//!
//! The data groups are built here, in code, so that they are reviewable; their hashes go into an
//! `LDSSecurityObject` that `testdata/pki/make.sh` signs with openssl under several test PKIs.
//! `regenerate_card_fixtures` (ignored) rewrites `testdata/card/` and reruns the script;
//! `card_fixtures_are_in_sync` fails if the code and the committed files drift apart.
//!
//! The helpers panic, with the path at fault, when a committed file is missing: they serve tests,
//! where a missing fixture is a broken checkout, not a condition to handle.

use crate::crypto::HashAlgorithm;
use crate::lds::DgNumber;
use crate::lds::sod::encode_lds_security_object;
use crate::lds::tlv::TlvWriter;
use crate::verify::trust::TrustStore;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A file or directory under the crate's `testdata/`.
pub fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

/// The generated card's 12-digit ID (DG13, and the MRZ's optional data).
pub const ID: &str = "001093047064";
/// Its date of birth, `YYMMDD`.
pub const BIRTH: &str = "930105";
/// Its date of expiry, `YYMMDD`.
pub const EXPIRY: &str = "330105";

/// The generated card as the emulator serves it (`testdata/card`: `com.bin`, `sod.bin`,
/// `dg*.bin`, and the chip's private keys `aa-key.der`, `ca-key.der`).
pub fn card_dir() -> PathBuf {
    testdata("card")
}

/// The test CSCAs the generated card chains to, with their current CRLs
/// (`testdata/pki/trust`).
pub fn trust_dir() -> PathBuf {
    testdata("pki/trust")
}

/// The same CSCAs, but the brainpool CSCA's CRL revokes the card's Document Signer (`ds-p256`,
/// serial `10:01`): `testdata/pki/trust-revoked`.
pub fn revoked_trust_dir() -> PathBuf {
    testdata("pki/trust-revoked")
}

/// A variant of the generated card, as the emulator serves it (`testdata/card-<name>/`):
/// - `noac`: EF.SOD lists neither DG14 nor DG15 (no anti-cloning key, as on a card that
///   offers neither Active nor Chip Authentication): DG1, DG2, DG13 and EF.COM/EF.SOD;
/// - `jp2`: the face in DG2 as JPEG 2000 ([`jp2_face`]), otherwise the whole card with its
///   keys.
pub fn card_variant_dir(name: &str) -> PathBuf {
    testdata(&format!("card-{name}"))
}

/// The card variants: name, data groups, EF.COM, and whether the chip has the AA/CA keys.
type Variant = (
    &'static str,
    fn() -> BTreeMap<DgNumber, Vec<u8>>,
    fn() -> Vec<u8>,
    bool,
);

/// Every card variant of [`card_variant_dir`].
pub const CARD_VARIANTS: [Variant; 2] = [
    (
        "noac",
        no_anti_cloning_card_files,
        ef_com_without_keys,
        false,
    ),
    ("jp2", jp2_card_files, ef_com, true),
];

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A minimal JPEG-shaped payload (SOI, APP0 JFIF, EOI): enough for container parsing.
const FACE: [u8; 20] = [
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0xFF, 0xD9,
];

/// The data groups of the generated card, as they would be read from the chip.
pub fn card_files() -> BTreeMap<DgNumber, Vec<u8>> {
    let mut dgs = BTreeMap::new();
    let mut dg1 = TlvWriter::new();
    dg1.nested(0x61, |w| {
        w.put(0x5F1F, super::samples::CCCD_MRZ.concat().as_bytes());
    });
    dgs.insert(DgNumber::DG1, dg1.into_bytes());
    dgs.insert(DgNumber::DG2, super::samples::sample_dg2(&FACE, 0));
    dgs.insert(DgNumber::DG13, super::samples::sample_dg13());
    dgs.insert(DgNumber::DG14, card_dg14());
    // The Active Authentication key (RSA-1024, ISO/IEC 9796-2 like most cards), made by
    // `testdata/aa/make.py`; the private key is `testdata/card/aa-key.der`.
    let spki = std::fs::read(testdata("aa/card.spki.der")).unwrap_or_default();
    let mut dg15 = TlvWriter::new();
    dg15.put(0x6F, &spki);
    dgs.insert(DgNumber::DG15, dg15.into_bytes());
    dgs
}

/// DG14 of the generated card: Chip Authentication (ECDH, AES-128, version 2) with the key
/// made by `testdata/ca/make.sh` (brainpoolP256r1; the private key is `card/ca-key.der`), and
/// PACE (ECDH Generic Mapping, AES-128, brainpoolP256r1), as a Vietnamese chip lists them.
pub fn card_dg14() -> Vec<u8> {
    let oid = |dotted: &str| {
        const_oid::ObjectIdentifier::new(dotted)
            .map(|o| o.as_bytes().to_vec())
            .unwrap_or_default()
    };
    let spki = std::fs::read(testdata("ca/card.spki.der")).unwrap_or_default();
    let mut w = TlvWriter::new();
    w.nested(0x6E, |w| {
        w.nested(0x31, |w| {
            w.nested(0x30, |w| {
                w.put(0x06, &oid("0.4.0.127.0.7.2.2.3.2.2"));
                w.put(0x02, &[2]);
            });
            w.nested(0x30, |w| {
                w.put(0x06, &oid("0.4.0.127.0.7.2.2.1.2"));
                w.put_raw(&spki);
            });
            w.nested(0x30, |w| {
                w.put(0x06, &oid("0.4.0.127.0.7.2.2.4.2.2"));
                w.put(0x02, &[2]);
                w.put(0x02, &[13]);
            });
        });
    });
    w.into_bytes()
}

/// The JPEG 2000 test face (`testdata/jp2/face.jp2`, a lossless 48 × 64 RGB pattern made by
/// `testdata/jp2/make.py`: pixel (x, y) = (5x mod 256, 4y mod 256, 3(x + y) mod 256)).
pub fn jp2_face() -> Vec<u8> {
    read(&testdata("jp2/face.jp2"))
}

/// The generated card with its face as JPEG 2000 (ISO 19794-5 image data type 1).
pub fn jp2_card_files() -> BTreeMap<DgNumber, Vec<u8>> {
    let mut files = card_files();
    files.insert(DgNumber::DG2, super::samples::sample_dg2(&jp2_face(), 1));
    files
}

/// The generated card without DG14 and DG15: a card that offers no anti-cloning check.
pub fn no_anti_cloning_card_files() -> BTreeMap<DgNumber, Vec<u8>> {
    let mut files = card_files();
    files.remove(&DgNumber::DG14);
    files.remove(&DgNumber::DG15);
    files
}

/// The card's Active Authentication private key (PKCS#1 DER), as the emulator loads it.
pub fn aa_private_key() -> Vec<u8> {
    std::fs::read(testdata("card/aa-key.der")).unwrap_or_default()
}

/// The DER `LDSSecurityObject` over [`card_files`] (SHA-256), plus a DG3 entry that is never
/// "read" (as on real cards, where DG3 needs Extended Access Control).
pub fn lds_security_object() -> Vec<u8> {
    lds_security_object_over(&card_files())
}

/// The DER `LDSSecurityObject` over `files` (SHA-256), plus the DG3 entry.
pub fn lds_security_object_over(files: &BTreeMap<DgNumber, Vec<u8>>) -> Vec<u8> {
    let mut hashes: BTreeMap<DgNumber, Vec<u8>> = files
        .iter()
        .map(|(n, bytes)| (*n, HashAlgorithm::Sha256.digest(bytes)))
        .collect();
    hashes.insert(
        DgNumber::DG3,
        HashAlgorithm::Sha256.digest(b"fingerprints, never read"),
    );
    encode_lds_security_object(HashAlgorithm::Sha256, &hashes)
}

/// EF.COM of the generated card: LDS 1.7, Unicode 4.0.0, DG1, DG2, DG3, DG13, DG14, DG15.
pub fn ef_com() -> Vec<u8> {
    ef_com_listing(&[0x61, 0x75, 0x63, 0x6D, 0x6E, 0x6F])
}

/// EF.COM of the card without DG14 and DG15: DG1, DG2, DG3, DG13.
pub fn ef_com_without_keys() -> Vec<u8> {
    ef_com_listing(&[0x61, 0x75, 0x63, 0x6D])
}

fn ef_com_listing(tags: &[u8]) -> Vec<u8> {
    let mut w = TlvWriter::new();
    w.nested(0x60, |w| {
        w.put(0x5F01, b"0107");
        w.put(0x5F36, b"040000");
        w.put(0x5C, tags);
    });
    w.into_bytes()
}

/// The EF.SOD the card emulator serves (`testdata/card/sod.bin`): the P-256 signed one.
pub const CARD_SOD: &str = "sod-p256.cms";

/// An EF.SOD file: a CMS fixture wrapped in tag `77`.
pub fn sod(name: &str) -> Vec<u8> {
    crate::lds::tlv::encode(0x77, &read(&testdata(&format!("pki/{name}"))))
}

/// The trust directory `dir` under `testdata/pki/`.
pub fn trust(dir: &str) -> TrustStore {
    let path = testdata(&format!("pki/{dir}"));
    let (store, problems) =
        TrustStore::load_dir(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(problems.is_empty(), "{problems:?}");
    store
}

/// A time inside every fixture certificate's validity: one day after the DS was issued.
pub fn inside_validity() -> SystemTime {
    let pem = read(&testdata("pki/ds-p256.pem"));
    let mut store = TrustStore::new();
    let added = std::str::from_utf8(&pem)
        .map_err(|e| e.to_string())
        .and_then(|pem| store.add_pem(pem, "ds").map_err(|e| e.to_string()));
    let Some(anchor) = store.anchors().first() else {
        panic!("testdata/pki/ds-p256.pem: {added:?}");
    };
    let nb = anchor
        .cert
        .certificate
        .tbs_certificate()
        .validity()
        .not_before
        .to_unix_duration();
    UNIX_EPOCH + nb + Duration::from_secs(86_400)
}

/// The DER `CscaMasterList` (ICAO 9303-12 §9) over the two trusted test CSCAs.
pub fn csca_master_list(certs: &[Vec<u8>]) -> Vec<u8> {
    let mut w = TlvWriter::new();
    w.nested(0x30, |w| {
        w.put(0x02, &[0]);
        w.nested(0x31, |w| {
            for c in certs {
                w.put_raw(c);
            }
        });
    });
    w.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_fixtures_are_in_sync() {
        let stored = std::fs::read(testdata("card/lso.der")).unwrap();
        assert_eq!(
            stored,
            lds_security_object(),
            "testdata/card/lso.der is stale: run `cargo test -p bhxh-emrtd -- --ignored regenerate_card_fixtures`"
        );
        for (n, bytes) in card_files() {
            let path = testdata(&format!("card/dg{}.bin", n.get()));
            assert_eq!(
                std::fs::read(&path).unwrap(),
                bytes,
                "{} is stale",
                path.display()
            );
        }
        // The whole card as the emulator (tests/cardemu) serves it.
        assert_eq!(
            std::fs::read(testdata("card/com.bin")).unwrap(),
            ef_com(),
            "card/com.bin is stale"
        );
        assert_eq!(
            std::fs::read(testdata("card/sod.bin")).unwrap(),
            sod(CARD_SOD),
            "card/sod.bin is stale"
        );
        let com = crate::lds::com::parse_com(&ef_com()).unwrap();
        assert_eq!(com.data_groups().len(), 6);
        // The variants, each a whole card.
        for (name, files, com, keys) in CARD_VARIANTS {
            let dir = card_variant_dir(name);
            let stale = |f: &str| format!("card-{name}/{f} is stale");
            let lso = lds_security_object_over(&files());
            assert_eq!(
                std::fs::read(dir.join("lso.der")).unwrap(),
                lso,
                "{}",
                stale("lso.der")
            );
            let sod_bytes = std::fs::read(dir.join("sod.bin")).unwrap();
            assert_eq!(
                sod_bytes,
                sod(&format!("sod-card-{name}.cms")),
                "{}",
                stale("sod.bin")
            );
            let signed = crate::lds::sod::parse_sod(&sod_bytes).unwrap();
            assert_eq!(signed.econtent, lso, "{}", stale("sod.bin"));
            assert_eq!(
                std::fs::read(dir.join("com.bin")).unwrap(),
                com(),
                "{}",
                stale("com.bin")
            );
            let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("dg"))
                .collect();
            on_disk.sort();
            let mut expected: Vec<String> = files()
                .keys()
                .map(|n| format!("dg{}.bin", n.get()))
                .collect();
            expected.sort();
            assert_eq!(on_disk, expected, "card-{name}");
            for (n, bytes) in files() {
                let f = format!("dg{}.bin", n.get());
                assert_eq!(std::fs::read(dir.join(&f)).unwrap(), bytes, "{}", stale(&f));
            }
            for key in ["aa-key.der", "ca-key.der"] {
                let copy = std::fs::read(dir.join(key)).ok();
                let card_key = std::fs::read(testdata(&format!("card/{key}"))).ok();
                assert_eq!(copy, if keys { card_key } else { None }, "{}", stale(key));
            }
        }
    }

    #[test]
    #[ignore = "rewrites testdata/ with openssl; run by hand"]
    fn regenerate_card_fixtures() {
        let dir = testdata("card");
        std::fs::create_dir_all(&dir).unwrap();
        // First the Active Authentication keys (DG15 is built from one of them).
        let status = std::process::Command::new("/usr/bin/python3")
            .arg(testdata("aa/make.py"))
            .status()
            .unwrap();
        assert!(
            status.success(),
            "testdata/aa/make.py needs python3-pycryptodome"
        );
        // And the Chip Authentication keys (DG14 carries one).
        let status = std::process::Command::new("bash")
            .arg(testdata("ca/make.sh"))
            .status()
            .unwrap();
        assert!(status.success(), "testdata/ca/make.sh needs openssl");
        for (n, bytes) in card_files() {
            std::fs::write(dir.join(format!("dg{}.bin", n.get())), bytes).unwrap();
        }
        std::fs::write(dir.join("lso.der"), lds_security_object()).unwrap();
        std::fs::write(dir.join("com.bin"), ef_com()).unwrap();
        // The variants' data groups and LDSSecurityObjects (signed by the script below).
        for (name, files, com, keys) in CARD_VARIANTS {
            let v = card_variant_dir(name);
            let _ = std::fs::remove_dir_all(&v);
            std::fs::create_dir_all(&v).unwrap();
            for (n, bytes) in files() {
                std::fs::write(v.join(format!("dg{}.bin", n.get())), bytes).unwrap();
            }
            std::fs::write(v.join("lso.der"), lds_security_object_over(&files())).unwrap();
            std::fs::write(v.join("com.bin"), com()).unwrap();
            if keys {
                for key in ["aa-key.der", "ca-key.der"] {
                    std::fs::copy(dir.join(key), v.join(key)).unwrap();
                }
            }
        }
        // First pass: the PKI and the SODs.
        let status = std::process::Command::new("bash")
            .arg(testdata("pki/make.sh"))
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::write(dir.join("sod.bin"), sod(CARD_SOD)).unwrap();
        for (name, ..) in CARD_VARIANTS {
            std::fs::write(
                card_variant_dir(name).join("sod.bin"),
                sod(&format!("sod-card-{name}.cms")),
            )
            .unwrap();
        }
        // Second pass: a master list over the two trusted CSCAs.
        let certs: Vec<Vec<u8>> = trust("trust")
            .anchors()
            .iter()
            .map(|a| a.cert.der.clone())
            .collect();
        std::fs::write(testdata("pki/masterlist.der"), csca_master_list(&certs)).unwrap();
        let status = std::process::Command::new("bash")
            .arg(testdata("pki/make.sh"))
            .arg("masterlist")
            .status()
            .unwrap();
        assert!(status.success());
    }

    #[test]
    fn every_generated_file_parses() {
        let files = card_files();
        let mrz = crate::lds::mrz::parse_dg1(&files[&DgNumber::DG1]).unwrap();
        assert_eq!(mrz.vietnamese_id(), Some("001093047064"));
        let dg2 = crate::lds::dg2::parse_dg2(&files[&DgNumber::DG2]).unwrap();
        assert_eq!(dg2.faces[0].data, FACE);
        let dg13 = crate::lds::dg13::parse_dg13(&files[&DgNumber::DG13]).unwrap();
        assert_eq!(dg13.id_number(), mrz.vietnamese_id());
        let dg14 = crate::lds::dg14::parse_dg14(&files[&DgNumber::DG14]).unwrap();
        assert_eq!(dg14.infos.len(), 3);
        // Its Chip Authentication runs: ECDH with AES-128 on the brainpoolP256r1 key.
        let crate::protocol::chip_auth::CaPlan::Ready(ca) = crate::protocol::chip_auth::plan(&dg14)
        else {
            panic!("{:?}", crate::protocol::chip_auth::plan(&dg14));
        };
        assert_eq!(
            (ca.curve_name, ca.cipher, ca.version),
            (
                "brainpoolP256r1",
                crate::protocol::pace::PaceCipher::Aes128,
                2
            )
        );
        let dg15 = crate::lds::dg15::parse_dg15(&files[&DgNumber::DG15]).unwrap();
        assert_eq!(dg15.algorithm(), "1.2.840.113549.1.1.1");
        // DG15 is the public half of the key the emulator signs with; the clone key is another.
        let public = |der: &[u8]| {
            use rsa::pkcs1::DecodeRsaPrivateKey;
            rsa::PrivateKey::from_pkcs1_der(der)
                .unwrap()
                .as_ref()
                .clone()
        };
        let dg15_key = {
            use rsa::pkcs1::DecodeRsaPublicKey;
            rsa::PublicKey::from_pkcs1_der(dg15.public_key.subject_public_key.raw_bytes()).unwrap()
        };
        assert_eq!(public(&aa_private_key()), dg15_key);
        assert_ne!(
            public(&std::fs::read(testdata("aa/clone-key.der")).unwrap()),
            dg15_key
        );
    }

    #[test]
    fn corrupted_sods_never_panic() {
        let good = sod("sod-p256.cms");
        for i in 0..good.len() {
            for v in [0x00, 0x30, 0x80, 0x84, 0xFF] {
                let mut bad = good.clone();
                bad[i] = v;
                let _ = crate::lds::sod::parse_sod(&bad);
            }
        }
    }

    #[test]
    fn csca_master_list_loads() {
        let mut store = TrustStore::new();
        let der = std::fs::read(testdata("pki/masterlist.cms")).unwrap();
        assert_eq!(store.add_der(&der, "masterlist.cms").unwrap(), 2);
        let mut names: Vec<String> = store.anchors().iter().map(|a| a.cert.subject()).collect();
        names.sort();
        assert!(names[0].contains("Test CSCA RSA-PSS"), "{names:?}");
        assert!(names[1].contains("Test CSCA brainpoolP512r1"), "{names:?}");
    }

    #[test]
    fn trust_directory_with_bundles_and_junk() {
        let dir = std::env::temp_dir().join(format!("bhxh-emrtd-trust-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = std::fs::read_to_string(testdata("pki/csca-bp512.pem")).unwrap();
        let b = std::fs::read_to_string(testdata("pki/csca-rsa.pem")).unwrap();
        std::fs::write(dir.join("bundle.pem"), format!("# two CSCAs\n{a}\n{b}")).unwrap();
        std::fs::write(dir.join("notes.txt"), "not a certificate").unwrap();
        std::fs::copy(testdata("pki/masterlist.cms"), dir.join("ml.cms")).unwrap();
        let (store, problems) = TrustStore::load_dir(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        // The master list holds the same two certificates: duplicates are dropped.
        assert_eq!(store.anchors().len(), 2);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].to_string().contains("notes.txt"),
            "{}",
            problems[0]
        );
    }
}
