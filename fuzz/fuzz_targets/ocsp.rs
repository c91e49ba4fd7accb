//! An OCSP responder's answer as the verifier of received PDFs gets it over
//! the network (or reads it back from its cache): `OCSPResponse`, the basic
//! response, its responder, certificates, signature, nonce and the single
//! answers, checked about a Document Signer certificate of the test PKI and
//! its CSCA (with a nonce, as asked online, and without, as cached).
#![no_main]

use std::sync::LazyLock;
use std::time::{Duration, UNIX_EPOCH};

use bhxh_emrtd::lds::sod::StoredCertificate;
use libfuzzer_sys::fuzz_target;

static CSCA_RSA: &[u8] =
    include_bytes!("../../src-tauri/crates/bhxh-emrtd/testdata/pki/trust/csca-rsa.der");
static DS_RSA: &str = include_str!("../../src-tauri/crates/bhxh-emrtd/testdata/pki/ds-rsa.pem");

static CERTS: LazyLock<Option<(StoredCertificate, StoredCertificate)>> = LazyLock::new(|| {
    let issuer = StoredCertificate::from_der(CSCA_RSA).ok()?;
    let (_, der) = der::pem::decode_vec(DS_RSA.as_bytes()).ok()?;
    Some((StoredCertificate::from_der(&der).ok()?, issuer))
});

fuzz_target!(|data: &[u8]| {
    let Some((cert, issuer)) = CERTS.as_ref() else {
        return;
    };
    let now = UNIX_EPOCH + Duration::from_secs(1_780_000_000);
    drop(bhxh_sign::ocsp::check_response(
        data,
        cert,
        issuer,
        Some(&[7; 16]),
        now,
    ));
    drop(bhxh_sign::ocsp::check_response(data, cert, issuer, None, now));
});
