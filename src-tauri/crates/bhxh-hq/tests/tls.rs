//! HQ serving HTTPS itself (rustls), with its own certificate authority:
//! the office's client trusts it only when given HQ's CA certificate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;

use bhxh_sync::{Client, ClientConfig, SyncError};
use common::*;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the openssl command is needed to make test certificates");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `openssl req` arguments for a new P-256 key, unencrypted, written to `key_file`.
fn new_p256_key(key_file: &str) -> [&str; 7] {
    [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        key_file,
    ]
}

/// HQ's own CA, and a server certificate for 127.0.0.1 signed by it.
fn make_certs(dir: &Path) {
    openssl(
        dir,
        &[
            &["req", "-x509"][..],
            &new_p256_key("ca.key"),
            &[
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=BHXH HQ test CA",
            ],
        ]
        .concat(),
    );
    openssl(
        dir,
        &[
            &["req"][..],
            &new_p256_key("server.key"),
            &["-out", "server.csr", "-subj", "/CN=127.0.0.1"],
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
    );
}

#[test]
fn https_with_hqs_own_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("certs");
    std::fs::create_dir(&certs).unwrap();
    make_certs(&certs);
    let data = dir.path().join("hq");
    let token = add_office(&data, "HB", "BHXH Hòa Bình");
    let cert = certs.join("server.pem");
    let key = certs.join("server.key");
    let s = Server::start(
        &data,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    assert!(s.url.starts_with("https://127.0.0.1:"), "{}", s.url);

    let mut config = ClientConfig::new(&s.url);
    config.ca_file = Some(certs.join("ca.pem"));
    let hello = Client::new(config, &token).unwrap().hello().unwrap();
    assert_eq!(hello.office_code, "HB");

    // without HQ's CA the certificate is not trusted: no data goes out
    let mut config = ClientConfig::new(&s.url);
    config.ca_file = None;
    let err = Client::new(config, &token).unwrap().hello().unwrap_err();
    assert!(matches!(err, SyncError::Offline(_)), "{err:?}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );

    // plain HTTP to the HTTPS port gets nowhere
    let plain = s.url.replace("https://", "http://");
    let mut config = ClientConfig::new(&plain);
    config.ca_file = None;
    assert!(Client::new(config, &token).unwrap().hello().is_err());

    // a key that does not parse stops the server at start, with the file named
    std::fs::write(certs.join("bad.key"), "not a key").unwrap();
    let out = hq(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data.to_str().unwrap(),
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        certs.join("bad.key").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.key"));
}
