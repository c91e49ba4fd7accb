//! Test support: a real PKCS#11 token (SoftHSM2) made by the test, holding
//! keys whose certificates a three-level chain made with openssl issues:
//! "Root CA Thử nghiệm" → "CA Thử nghiệm cấp 2" → each signer.
//!
//! A Time-Stamping Authority for PAdES B-T tests: [`TestToken::start_tsa`]
//! serves RFC 3161 over HTTP on 127.0.0.1, each request answered by
//! `openssl ts -reply` with a TSA certificate ("TSA Thử nghiệm",
//! `extendedKeyUsage = critical,timeStamping`) the intermediate issues.
//!
//! An OCSP responder for revocation tests: every signer's certificate names
//! `http://127.0.0.1:PORT/ocsp` (a port kept for this token) as its
//! responder; [`TestToken::serve_ocsp`] answers there with `openssl ocsp`
//! over the intermediate's own database, signed as [`OcspMode`] says.
//! Until it is called nothing listens, so a verifier that asks gets
//! "connection refused" at once.
//!
//! SoftHSM2 reads its configuration from `SOFTHSM2_CONF` when the module is
//! initialised: a test process that signs in-process must have it in its
//! environment before the first `Module::open` (tests start the CLI or the
//! app as a child with [`TestToken::env`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

/// The SoftHSM2 module (Debian `softhsm2`).
pub const SOFTHSM_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// A key to put on the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rsa2048,
    EcP256,
}

/// What the certificate of a test key is like.
#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    pub label: &'static str,
    pub kind: KeyKind,
    /// The signer's common name.
    pub cn: &'static str,
    /// Valid from 2020 to 2021 only.
    pub expired: bool,
    /// Listed on the intermediate CA's CRL in the trust folder.
    pub revoked: bool,
}

/// The keys most tests need.
pub const STANDARD_KEYS: &[KeySpec] = &[
    KeySpec {
        label: "rsa",
        kind: KeyKind::Rsa2048,
        cn: "Nguyễn Văn An",
        expired: false,
        revoked: false,
    },
    KeySpec {
        label: "ec",
        kind: KeyKind::EcP256,
        cn: "Trần Thị Bình",
        expired: false,
        revoked: false,
    },
    KeySpec {
        label: "expired",
        kind: KeyKind::Rsa2048,
        cn: "Lê Văn Cũ",
        expired: true,
        revoked: false,
    },
    KeySpec {
        label: "revoked",
        kind: KeyKind::Rsa2048,
        cn: "Phạm Văn Thu Hồi",
        expired: false,
        revoked: true,
    },
];

/// A SoftHSM2 token in a temporary directory.
pub struct TestToken {
    pub dir: tempfile::TempDir,
    /// The `SOFTHSM2_CONF` file.
    pub conf: PathBuf,
    pub label: String,
    pub pin: String,
    /// The trust folder: the root, the intermediate, and their CRLs.
    pub trust_dir: PathBuf,
    /// Each key's label and certificate (DER).
    pub certs: Vec<(String, Vec<u8>)>,
    /// The root and the intermediate (DER).
    pub root: Vec<u8>,
    pub intermediate: Vec<u8>,
    /// The TSA's certificate (DER) and the `openssl ts` configuration.
    pub tsa_cert: Vec<u8>,
    pub tsa_conf: PathBuf,
    /// The port every signer's certificate names for OCSP.
    pub ocsp_port: u16,
    /// How the OCSP responder answers, once started.
    ocsp_mode: Arc<Mutex<Option<OcspMode>>>,
}

/// How the test OCSP responder answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OcspMode {
    /// Signed by "OCSP Thử nghiệm", a responder certificate the
    /// intermediate issued with the `OCSPSigning` key purpose.
    Delegated,
    /// Signed by the intermediate CA itself, named by its key's hash.
    ByIssuer,
    /// The cheapest forgery: "good" for every certificate (even a revoked
    /// one), signed by another certificate the same CA issued, without the
    /// `OCSPSigning` purpose.
    Unauthorised,
    /// The first answer it ever gave, to every later request (a replay:
    /// the nonce is the first request's).
    Replay,
    /// Bytes that are not an OCSP response.
    Garbage,
    /// The connection closed without an answer.
    Down,
}

/// How the test TSA answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TsaMode {
    /// A proper answer to the request.
    Good,
    /// A proper token, but for a request whose nonce was changed.
    WrongNonce,
    /// A proper token, but over another imprint (the nonce kept).
    WrongImprint,
    /// Bytes that are not a `TimeStampResp`.
    Garbage,
    /// A proper `TSTInfo`, signed by "TSA lỏng lẻo", a certificate the
    /// intermediate issued whose `timeStamping` purpose is not critical
    /// (RFC 3161 §2.3 requires it to be). `openssl ts` refuses such a
    /// signer, so the token is made again with `openssl cms -sign`.
    LaxPurpose,
}

/// A TSA serving on 127.0.0.1 until the process ends.
#[derive(Debug, Clone)]
pub struct TestTsa {
    /// `http://127.0.0.1:PORT/tsa`.
    pub url: String,
}

/// An address where nothing listens (a TSA that is down).
pub fn dead_tsa_url() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("bind: {e}"));
    format!("http://127.0.0.1:{port}/tsa")
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?} ({e}): run scripts/deps.sh test"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn openssl(dir: &Path) -> Command {
    let mut c = Command::new("openssl");
    c.current_dir(dir);
    c
}

const CA_CONF: &str = r#"
[ca]
default_ca = int
[int]
dir = .
database = index.txt
serial = serial
new_certs_dir = issued
certificate = int.pem
private_key = int.key
default_md = sha256
default_crl_days = 30
policy = anything
copy_extensions = none
unique_subject = no
utf8 = yes
string_mask = utf8only
x509_extensions = signer_ext
[root]
dir = .
database = root-index.txt
serial = root-serial
new_certs_dir = issued
certificate = root.pem
private_key = root.key
default_md = sha256
default_crl_days = 30
policy = anything
[anything]
commonName = supplied
organizationName = optional
countryName = optional
[signer_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:OCSP_URL
[crl_ext]
authorityKeyIdentifier = keyid
"#;

const OCSP_EXT: &str = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";
const SIBLING_EXT: &str = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";

const TSA_EXT: &str = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";

fn tsa_conf(ca: &Path) -> String {
    let p = |f: &str| ca.join(f).display().to_string();
    format!(
        "[tsa]\ndefault_tsa = tsa1\n[tsa1]\nserial = {}\ncrypto_device = builtin\nsigner_cert = {}\ncerts = {}\nsigner_key = {}\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\nother_policies = 1.2.3.4.5\ndigests = sha256, sha384, sha512\naccuracy = secs:1\nordering = yes\ntsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
        p("tsaserial"),
        p("tsa.pem"),
        p("int.pem"),
        p("tsa.key"),
    )
}

impl TestToken {
    /// Make the chain, the token and its keys. Panics with what to install
    /// when softhsm2, opensc or openssl are missing.
    pub fn create(keys: &[KeySpec]) -> Self {
        for (tool, pkg) in [
            ("softhsm2-util", "softhsm2"),
            ("pkcs11-tool", "opensc"),
            ("openssl", "openssl"),
        ] {
            assert!(
                Command::new(tool).arg("--help").output().is_ok(),
                "{tool} is missing (Debian package {pkg}): run scripts/deps.sh test"
            );
        }
        assert!(
            Path::new(SOFTHSM_MODULE).is_file(),
            "{SOFTHSM_MODULE} is missing (Debian package softhsm2): run scripts/deps.sh test"
        );
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        let d = dir.path();
        let tokens = d.join("tokens");
        std::fs::create_dir_all(&tokens).unwrap_or_else(|e| panic!("{e}"));
        let conf = d.join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n",
                tokens.display()
            ),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let label = "BHXH Thu nghiem".to_owned();
        let pin = "123456".to_owned();
        run(Command::new("softhsm2-util")
            .env("SOFTHSM2_CONF", &conf)
            .args(["--init-token", "--free", "--label", &label])
            .args(["--so-pin", "87654321", "--pin", &pin]));

        // The chain: root → intermediate.
        let ca = d.join("ca");
        std::fs::create_dir_all(ca.join("issued")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(ca.join("index.txt"), "").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(ca.join("serial"), "1001\n").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(ca.join("root-index.txt"), "").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(ca.join("root-serial"), "01\n").unwrap_or_else(|e| panic!("{e}"));
        // A port for the OCSP responder, free now; bound again when a test
        // starts the responder.
        let ocsp_port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("bind: {e}"));
        std::fs::write(
            ca.join("ca.cnf"),
            CA_CONF.replace("OCSP_URL", &format!("http://127.0.0.1:{ocsp_port}/ocsp")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        run(openssl(&ca).args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "root.key",
            "-out",
            "root.pem",
            "-days",
            "3650",
            "-utf8",
            "-subj",
            "/C=VN/O=Ban Cơ yếu Chính phủ (thử nghiệm)/CN=Root CA Thử nghiệm",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]));
        run(openssl(&ca).args([
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "int.key",
            "-out",
            "int.csr",
            "-utf8",
            "-subj",
            "/C=VN/O=CA Thử nghiệm/CN=CA Thử nghiệm cấp 2",
        ]));
        std::fs::write(
            ca.join("int.ext"),
            "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        run(openssl(&ca).args([
            "x509",
            "-req",
            "-in",
            "int.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-out",
            "int.pem",
            "-days",
            "1825",
            "-extfile",
            "int.ext",
        ]));

        // Each signer, issued by the intermediate, and put on the token.
        let mut certs = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            let key = format!("{}.key", k.label);
            match k.kind {
                KeyKind::Rsa2048 => run(openssl(&ca).args([
                    "genpkey",
                    "-algorithm",
                    "RSA",
                    "-pkeyopt",
                    "rsa_keygen_bits:2048",
                    "-out",
                    &key,
                ])),
                KeyKind::EcP256 => run(openssl(&ca).args([
                    "genpkey",
                    "-algorithm",
                    "EC",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-out",
                    &key,
                ])),
            }
            let csr = format!("{}.csr", k.label);
            let pem = format!("{}.pem", k.label);
            run(openssl(&ca).args([
                "req",
                "-new",
                "-key",
                &key,
                "-out",
                &csr,
                "-utf8",
                "-subj",
                &format!("/C=VN/O=Bảo hiểm xã hội tỉnh Đắk Lắk/CN={}", k.cn),
            ]));
            let mut sign = openssl(&ca);
            sign.args([
                "ca", "-batch", "-config", "ca.cnf", "-in", &csr, "-out", &pem, "-notext",
            ]);
            if k.expired {
                sign.args([
                    "-startdate",
                    "20200101000000Z",
                    "-enddate",
                    "20210101000000Z",
                ]);
            } else {
                sign.args(["-days", "730"]);
            }
            run(&mut sign);
            if k.revoked {
                run(openssl(&ca).args([
                    "ca",
                    "-config",
                    "ca.cnf",
                    "-revoke",
                    &pem,
                    "-crl_reason",
                    "keyCompromise",
                ]));
            }
            let der_key = format!("{}.p8.der", k.label);
            let der_cert = format!("{}.der", k.label);
            run(openssl(&ca).args([
                "pkcs8", "-topk8", "-nocrypt", "-in", &key, "-outform", "DER", "-out", &der_key,
            ]));
            run(openssl(&ca).args(["x509", "-in", &pem, "-outform", "DER", "-out", &der_cert]));
            let id = format!("{:02x}", i + 1);
            for (file, kind) in [(&der_key, "privkey"), (&der_cert, "cert")] {
                run(Command::new("pkcs11-tool")
                    .current_dir(&ca)
                    .env("SOFTHSM2_CONF", &conf)
                    .args(["--module", SOFTHSM_MODULE, "--token-label", &label])
                    .args(["--login", "--pin", &pin, "--write-object", file])
                    .args(["--type", kind, "--id", &id, "--label", k.label]));
            }
            certs.push((
                k.label.to_owned(),
                std::fs::read(ca.join(&der_cert)).unwrap_or_else(|e| panic!("{e}")),
            ));
        }
        run(openssl(&ca).args([
            "ca", "-config", "ca.cnf", "-gencrl", "-crlexts", "crl_ext", "-out", "int.crl",
        ]));

        run(openssl(&ca).args([
            "ca", "-name", "root", "-config", "ca.cnf", "-gencrl", "-crlexts", "crl_ext", "-out",
            "root.crl",
        ]));
        // The services' certificates, each issued by the intermediate: the
        // TSA, a TSA whose purpose is not critical, the OCSP responder the
        // intermediate authorises, and a sibling it does not (no
        // OCSPSigning purpose).
        let lax_tsa_ext = TSA_EXT.replace("extendedKeyUsage=critical,", "extendedKeyUsage=");
        for (name, cn, ext) in [
            ("tsa", "TSA Thử nghiệm", TSA_EXT),
            ("tsa-lax", "TSA lỏng lẻo", lax_tsa_ext.as_str()),
            ("ocsp", "OCSP Thử nghiệm", OCSP_EXT),
            ("sibling", "Máy chủ OCSP giả", SIBLING_EXT),
        ] {
            run(openssl(&ca).args([
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-utf8",
                "-subj",
                &format!("/C=VN/O=CA Thử nghiệm/CN={cn}"),
            ]));
            std::fs::write(ca.join(format!("{name}.ext")), ext).unwrap_or_else(|e| panic!("{e}"));
            run(openssl(&ca).args([
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "int.pem",
                "-CAkey",
                "int.key",
                "-CAcreateserial",
                "-out",
                &format!("{name}.pem"),
                "-days",
                "730",
                "-extfile",
                &format!("{name}.ext"),
            ]));
        }
        std::fs::write(ca.join("tsaserial"), "01\n").unwrap_or_else(|e| panic!("{e}"));
        let tsa_conf_path = ca.join("tsa.cnf");
        std::fs::write(&tsa_conf_path, tsa_conf(&ca)).unwrap_or_else(|e| panic!("{e}"));

        let trust_dir = d.join("trust");
        std::fs::create_dir_all(&trust_dir).unwrap_or_else(|e| panic!("{e}"));
        for f in ["root.pem", "int.pem", "int.crl", "root.crl"] {
            std::fs::copy(ca.join(f), trust_dir.join(f)).unwrap_or_else(|e| panic!("{e}"));
        }
        let der_of = |pem: &str| {
            let out = Command::new("openssl")
                .current_dir(&ca)
                .args(["x509", "-in", pem, "-outform", "DER"])
                .output()
                .unwrap_or_else(|e| panic!("{e}"));
            out.stdout
        };
        let root = der_of("root.pem");
        let intermediate = der_of("int.pem");
        let tsa_cert = der_of("tsa.pem");
        Self {
            tsa_cert,
            tsa_conf: tsa_conf_path,
            ocsp_port,
            ocsp_mode: Arc::new(Mutex::new(None)),
            conf,
            label,
            pin,
            trust_dir,
            certs,
            root,
            intermediate,
            dir,
        }
    }

    /// The environment a child process needs to see this token.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![("SOFTHSM2_CONF", self.conf.display().to_string())]
    }

    /// A key's certificate.
    pub fn cert(&self, label: &str) -> &[u8] {
        self.certs
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, c)| c.as_slice())
            .unwrap_or_else(|| panic!("no test key {label}"))
    }

    /// A copy of the trust folder without the intermediate's CRL: its
    /// signers' revocation is then OCSP's to say.
    pub fn trust_dir_without_crl(&self) -> PathBuf {
        let dir = self.dir.path().join("trust-ocsp");
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        for f in ["root.pem", "int.pem", "root.crl"] {
            std::fs::copy(self.trust_dir.join(f), dir.join(f)).unwrap_or_else(|e| panic!("{e}"));
        }
        dir
    }

    /// Revoke a key's certificate now (in the intermediate's database, which
    /// the OCSP responder reads; the folder's CRL is not made again).
    pub fn revoke(&self, label: &str) {
        let ca = self.dir.path().join("ca");
        run(openssl(&ca).args([
            "ca",
            "-config",
            "ca.cnf",
            "-revoke",
            &format!("{label}.pem"),
            "-crl_reason",
            "keyCompromise",
        ]));
    }

    /// Answer OCSP requests on [`TestToken::ocsp_port`] as `mode` says
    /// (the first call starts the responder; later calls change its mode).
    pub fn serve_ocsp(&self, mode: OcspMode) {
        let mut current = self.ocsp_mode.lock().unwrap_or_else(|e| panic!("{e}"));
        let started = current.is_some();
        *current = Some(mode);
        drop(current);
        if started {
            return;
        }
        let listener = TcpListener::bind(("127.0.0.1", self.ocsp_port))
            .unwrap_or_else(|e| panic!("bind OCSP port {}: {e}", self.ocsp_port));
        let ca = self.dir.path().join("ca");
        let shared = Arc::clone(&self.ocsp_mode);
        std::thread::spawn(move || {
            let mut first: Option<Vec<u8>> = None;
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { continue };
                let mode = shared.lock().ok().and_then(|m| *m);
                let Some(mode) = mode else { continue };
                // A failed exchange is the client's problem to report.
                let _ = serve_ocsp_one(stream, mode, &ca, n, &mut first);
            }
        });
    }
}

/// The body of one HTTP request on `stream` (`None`: closed before its
/// headers ended).
fn read_http_body(stream: &TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    Ok(Some(body))
}

/// Answer `200 OK` with `body` and close.
fn write_http_ok(stream: &mut TcpStream, content_type: &str, body: &[u8]) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

fn serve_ocsp_one(
    mut stream: TcpStream,
    mode: OcspMode,
    ca: &Path,
    n: usize,
    first: &mut Option<Vec<u8>>,
) -> std::io::Result<()> {
    let Some(query) = read_http_body(&stream)? else {
        return Ok(());
    };
    let body = match mode {
        OcspMode::Down => return Ok(()),
        OcspMode::Garbage => b"<html>not OCSP</html>".to_vec(),
        OcspMode::Replay if first.is_some() => first.clone().unwrap_or_default(),
        _ => {
            let (signer, index) = match mode {
                OcspMode::ByIssuer => ("int", "index.txt".to_owned()),
                OcspMode::Unauthorised => {
                    // Every certificate "good": the forger's own database.
                    let all = std::fs::read_to_string(ca.join("index.txt")).unwrap_or_default();
                    let forged: String = all
                        .lines()
                        .map(|l| {
                            let mut f: Vec<&str> = l.split('\t').collect();
                            if f.len() >= 3 {
                                f[0] = "V";
                                f[2] = "";
                            }
                            f.join("\t") + "\n"
                        })
                        .collect();
                    let _ = std::fs::write(ca.join("index-forged.txt"), forged);
                    ("sibling", "index-forged.txt".to_owned())
                }
                _ => ("ocsp", "index.txt".to_owned()),
            };
            let q = ca.join(format!("ocsp-{n}.req"));
            let r = ca.join(format!("ocsp-{n}.resp"));
            std::fs::write(&q, &query)?;
            let mut openssl = Command::new("openssl");
            openssl.args(["ocsp", "-index", &index, "-CA", "int.pem"]);
            if mode == OcspMode::ByIssuer {
                // This one names itself by its key's hash (ResponderID byKey).
                openssl.arg("-resp_key_id");
            }
            let out = openssl
                .current_dir(ca)
                .args(["-rsigner", &format!("{signer}.pem")])
                .args(["-rkey", &format!("{signer}.key"), "-nmin", "60"])
                .arg("-reqin")
                .arg(&q)
                .arg("-respout")
                .arg(&r)
                .output()?;
            if !out.status.success() {
                return Ok(());
            }
            let resp = std::fs::read(&r)?;
            if first.is_none() {
                *first = Some(resp.clone());
            }
            resp
        }
    };
    write_http_ok(&mut stream, "application/ocsp-response", &body)
}

impl TestToken {
    /// Start a TSA answering as `mode` says, on a free port of 127.0.0.1.
    /// Requests are answered one at a time (the serial file is shared).
    pub fn start_tsa(&self, mode: TsaMode) -> TestTsa {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("{e}"))
            .port();
        let conf = self.tsa_conf.clone();
        let work = self.dir.path().join(format!("tsa-{port}"));
        std::fs::create_dir_all(&work).unwrap_or_else(|e| panic!("{e}"));
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { continue };
                // A failed exchange is the client's problem to report.
                let _ = serve(stream, mode, &conf, &work, n);
            }
        });
        TestTsa {
            url: format!("http://127.0.0.1:{port}/tsa"),
        }
    }
}

fn serve(
    mut stream: TcpStream,
    mode: TsaMode,
    conf: &Path,
    work: &Path,
    n: usize,
) -> std::io::Result<()> {
    let Some(query) = read_http_body(&stream)? else {
        return Ok(());
    };
    let body = answer(&query, mode, conf, work, n);
    write_http_ok(&mut stream, "application/timestamp-reply", &body)
}

/// `openssl ts -reply` to `query`, altered as `mode` says.
fn answer(query: &[u8], mode: TsaMode, conf: &Path, work: &Path, n: usize) -> Vec<u8> {
    use der::Decode;
    if mode == TsaMode::Garbage {
        return b"<html>not a timestamp</html>".to_vec();
    }
    let mut query = query.to_vec();
    if let Ok(req) = crate::tsa::TimeStampReq::from_der(&query) {
        let target = match mode {
            TsaMode::WrongNonce => req.nonce.map(|x| x.as_bytes().to_vec()),
            TsaMode::WrongImprint => Some(req.message_imprint.hashed_message.as_bytes().to_vec()),
            _ => None,
        };
        if let Some(t) = target
            && let Some(at) = query.windows(t.len()).position(|w| w == t.as_slice())
        {
            query[at + t.len() - 1] ^= 0x01;
        }
    }
    let q = work.join(format!("{n}.tsq"));
    let r = work.join(format!("{n}.tsr"));
    if std::fs::write(&q, &query).is_err() {
        return Vec::new();
    }
    let ok = Command::new("openssl")
        .args(["ts", "-reply", "-config"])
        .arg(conf)
        .arg("-queryfile")
        .arg(&q)
        .arg("-out")
        .arg(&r)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        return Vec::new();
    }
    let resp = std::fs::read(&r).unwrap_or_default();
    if mode == TsaMode::LaxPurpose {
        return resigned_by_lax_tsa(&resp, conf, work, n).unwrap_or_default();
    }
    resp
}

/// The `TimeStampResp` `resp` with its token's `TSTInfo` signed again by
/// "TSA lỏng lẻo" (see [`TsaMode::LaxPurpose`]).
fn resigned_by_lax_tsa(resp: &[u8], conf: &Path, work: &Path, n: usize) -> Option<Vec<u8>> {
    let ca = conf.parent()?;
    let token = crate::tsa::read_response(resp).ok()?;
    let tst = crate::cms::parse(&token).ok()?.econtent?;
    let tst_path = work.join(format!("{n}.tst"));
    let out_path = work.join(format!("{n}.lax.der"));
    std::fs::write(&tst_path, tst).ok()?;
    let ok = Command::new("openssl")
        .current_dir(ca)
        .args(["cms", "-sign", "-binary", "-nodetach", "-outform", "DER"])
        .args(["-econtent_type", crate::tsa::OID_TST_INFO, "-md", "sha256"])
        .args([
            "-signer",
            "tsa-lax.pem",
            "-inkey",
            "tsa-lax.key",
            "-certfile",
            "int.pem",
        ])
        .arg("-in")
        .arg(&tst_path)
        .arg("-out")
        .arg(&out_path)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        return None;
    }
    let token = std::fs::read(&out_path).ok()?;
    // TimeStampResp ::= SEQUENCE { status PKIStatusInfo (granted), token }
    let status = [0x30, 0x03, 0x02, 0x01, 0x00];
    let mut body = status.to_vec();
    body.extend_from_slice(&token);
    let mut out = vec![0x30];
    der_len(body.len(), &mut out);
    out.extend_from_slice(&body);
    Some(out)
}

fn der_len(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
}

/// A one-page PDF made by the desk's own assembler would do; this is a
/// minimal hand-made one (classic cross-reference table), for tests that
/// need a PDF without depending on the scan crate.
pub fn minimal_pdf(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f\r\n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}
