//! The trust store's inputs as a technician drops them into the trust folder
//! (or the ICAO PKD publishes them): CSCA certificates, CSCA CRLs and ICAO
//! master lists as DER, PEM bundles and LDIF downloads. The first byte picks
//! the form and whether a real CSCA is already in the store (so a CRL
//! naming it has its signature checked and is put to use); then every
//! question the desk asks of a CRL and of the store is asked.
#![no_main]

use bhxh_emrtd::TrustStore;
use bhxh_emrtd::verify::crl::StoredCrl;
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The test PKI's RSA CSCA (DER) and a Document Signer it issued (PEM).
static CSCA_RSA: &[u8] =
    include_bytes!("../../src-tauri/crates/bhxh-emrtd/testdata/pki/trust/csca-rsa.der");
static DS_RSA: &str = include_str!("../../src-tauri/crates/bhxh-emrtd/testdata/pki/ds-rsa.pem");

fn ask_crl(crl: &StoredCrl) {
    drop(crl.issuer());
    std::hint::black_box(crl.this_update());
    std::hint::black_box(crl.next_update());
    std::hint::black_box(crl.revoked_count());
    drop(crl.authority_key_id());
    drop(crl.unhandled_critical_extension());
    drop(crl.number());
    for serial in [&[0x01][..], &[0x00, 0x80], &[]] {
        if let Some(entry) = crl.entry(serial) {
            std::hint::black_box(entry.reason_name());
            std::hint::black_box(entry.reason_vi());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, input)) = data.split_first() else {
        return;
    };
    if let Ok(crl) = StoredCrl::from_der(input) {
        ask_crl(&crl);
    }
    let mut store = TrustStore::new();
    if which & 0x10 != 0 {
        drop(store.add_der(CSCA_RSA, "csca-rsa.der"));
    }
    let text = String::from_utf8_lossy(input);
    match which % 4 {
        0 => drop(store.add_der(input, "fuzz.der")),
        1 => drop(store.add_pem(&text, "fuzz.pem")),
        2 => drop(store.add_ldif(&text, "fuzz.ldif")),
        _ => {
            // The CSCA arrives after the CRL (a folder loaded in name order).
            drop(store.add_der(input, "a.der"));
            drop(store.add_der(CSCA_RSA, "z.der"));
        }
    }
    for crl in store.crls() {
        ask_crl(&crl.crl);
    }
    drop(store.unverified_crls());
    let age = store.age();
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    std::hint::black_box(age.is_stale(at));
    std::hint::black_box(age.is_stale(SystemTime::now()));
    let mut ds_store = TrustStore::new();
    if ds_store.add_pem(DS_RSA, "ds-rsa.pem").is_ok() {
        for ds in ds_store.anchors() {
            drop(store.revocation(&ds.cert, at));
            drop(store.candidate_issuers(&ds.cert));
        }
    }
    for anchor in store.anchors() {
        drop(store.revocation(&anchor.cert, at));
    }
});
