//! End to end over real PC/SC: a private `pcscd` with the `vsmartcard-vpcd` virtual reader
//! driver, and the eMRTD emulator `tests/cardemu/emrtd_card.py` serving the crate's generated
//! card (`testdata/card/`) as a card in that reader.
//!
//! Each test starts its own `pcscd --foreground` with its own reader configuration (a free vpcd
//! port) and, where possible, its own socket: `pcscd` is started in a private mount namespace
//! (`unshare -m`) with a temporary directory bind-mounted on `/run/pcscd`, and the client finds
//! it through `PCSCLITE_CSOCK_NAME`. As libpcsclite reads that variable once per process and
//! setting environment variables in a running test is not safe, the test re-runs itself (the
//! same test binary, `--exact <test>`) as a child process with the variable set; the child
//! starts the emulator and reads the card. Every process is killed on drop.
//!
//! Skipped (with a message) only when `pcscd` is not installed. Needs the Debian packages
//! `pcscd vsmartcard-vpcd python3-virtualsmartcard python3-pycryptodome`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use bhxh_emrtd::lds::{DgNumber, LdsFile};
use bhxh_emrtd::passive::{Check, Status};
use bhxh_emrtd::pcsc_transport::Pcsc;
use bhxh_emrtd::reader::{AccessKey, ReadOptions, Unavailable, read_card};
use bhxh_emrtd::trust::TrustStore;
use bhxh_emrtd::verdict::VerdictKind;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "BHXH_EMRTD_PCSC_CHILD_PORT";
const READER: &str = "Virtual PCD 00 00";
const ID: &str = "001093047064";
const BIRTH: &str = "930105";
const EXPIRY: &str = "330105";

/// Serialises tests only when pcscd cannot get a private socket (they then share
/// `/run/pcscd/pcscd.comm`).
static SHARED_SOCKET: Mutex<()> = Mutex::new(());

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn repo_root() -> PathBuf {
    crate_dir().join("../../..")
}

fn find_program(name: &str, extra: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(extra.iter().map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A child process killed (and reaped) on drop.
struct Proc {
    name: &'static str,
    child: Option<Child>,
}

impl Proc {
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn exited(&mut self) -> bool {
        matches!(
            self.child.as_mut().map(Child::try_wait),
            Some(Ok(Some(_))) | None
        )
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.child.is_some() {
            eprintln!("[pcsc_card] stopping {}", self.name);
        }
        self.kill();
    }
}

/// A running pcscd with a vpcd reader on `port`.
struct Pcscd {
    _proc: Proc,
    /// `Some(socket)` when pcscd runs with a private socket.
    socket: Option<PathBuf>,
    port: u16,
    _dir: tempfile::TempDir,
}

/// A free port `p` with `p + 1` free as well (vpcd listens on both, one per virtual reader).
fn free_port_pair() -> u16 {
    for _ in 0..50 {
        let a = TcpListener::bind("127.0.0.1:0").unwrap();
        let p = a.local_addr().unwrap().port();
        if p < 65_000 && TcpListener::bind(("0.0.0.0", p + 1)).is_ok() {
            return p;
        }
    }
    panic!("no free port pair for vpcd");
}

fn vpcd_driver() -> PathBuf {
    ["/usr/lib/pcsc/drivers/serial/libifdvpcd.so"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("the vpcd driver is not installed: apt-get install vsmartcard-vpcd")
        })
}

fn start_pcscd(pcscd: &Path) -> Pcscd {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("reader.conf.d");
    let run = dir.path().join("run");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::create_dir_all(&run).unwrap();
    let port = free_port_pair();
    std::fs::write(
        conf.join("vpcd"),
        format!(
            "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME   /dev/null:{port}\nLIBPATH      {}\nCHANNELID    {port}\n",
            vpcd_driver().display()
        ),
    )
    .unwrap();
    let log = std::fs::File::create(dir.path().join("pcscd.log")).unwrap();

    // First choice: a private mount namespace, /run/pcscd replaced by our directory (as root:
    // `unshare -m`; as a user: `unshare -r -m`, a user namespace where we may mount).
    if let Some(unshare) = find_program("unshare", &["/usr/bin"]) {
        let script = r#"[ -d /run/pcscd ] || mkdir -p /run/pcscd 2>/dev/null || { mount -t tmpfs tmpfs /run && mkdir -p /run/pcscd; }
mount --bind "$1" /run/pcscd && exec "$2" --foreground -c "$3""#;
        for flags in [&["-m"][..], &["-r", "-m"][..]] {
            let child = Command::new(&unshare)
                .args(flags)
                .args(["sh", "-c", script, "sh"])
                .arg(&run)
                .arg(pcscd)
                .arg(&conf)
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log.try_clone().unwrap())
                .spawn();
            let Ok(child) = child else { continue };
            let mut proc = Proc {
                name: "pcscd (private namespace)",
                child: Some(child),
            };
            let socket = run.join("pcscd.comm");
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && !proc.exited() {
                if socket.exists() {
                    eprintln!(
                        "[pcsc_card] pcscd (unshare {}) with socket {} and vpcd port {port}",
                        flags.join(" "),
                        socket.display()
                    );
                    return Pcscd {
                        _proc: proc,
                        socket: Some(socket),
                        port,
                        _dir: dir,
                    };
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            proc.kill();
        }
        eprintln!(
            "[pcsc_card] no private mount namespace ({}); using the default pcscd socket",
            std::fs::read_to_string(dir.path().join("pcscd.log")).unwrap_or_default()
        );
    }
    // Fallback: the default socket (fails if another pcscd runs).
    let child = Command::new(pcscd)
        .args(["--foreground", "-c"])
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut proc = Proc {
        name: "pcscd",
        child: Some(child),
    };
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !proc.exited(),
        "pcscd exited: {}",
        std::fs::read_to_string(dir.path().join("pcscd.log")).unwrap_or_default()
    );
    Pcscd {
        _proc: proc,
        socket: None,
        port,
        _dir: dir,
    }
}

/// Runs `body` in a child process that talks to a fresh pcscd (see the module docs).
fn with_pcscd(test: &str, body: impl FnOnce(u16)) {
    if let Ok(port) = std::env::var(CHILD_ENV) {
        body(port.parse().unwrap());
        return;
    }
    let Some(pcscd) = find_program("pcscd", &["/usr/sbin", "/usr/local/sbin", "/sbin"]) else {
        eprintln!(
            "SKIPPED {test}: pcscd is not installed (apt-get install pcscd vsmartcard-vpcd python3-virtualsmartcard python3-pycryptodome)"
        );
        return;
    };
    let daemon = start_pcscd(&pcscd);
    let _guard = daemon
        .socket
        .is_none()
        .then(|| SHARED_SOCKET.lock().unwrap_or_else(|e| e.into_inner()));
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, daemon.port.to_string())
        .stdin(Stdio::null());
    if let Some(s) = &daemon.socket {
        cmd.env("PCSCLITE_CSOCK_NAME", s);
    }
    let mut child = Proc {
        name: "test child",
        child: Some(cmd.spawn().unwrap()),
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(c) = child.child.as_mut()
            && let Some(status) = c.try_wait().unwrap()
        {
            child.child = None;
            break status;
        }
        assert!(Instant::now() < deadline, "{test} hung for 90 s");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{test} failed in the child process");
}

fn python() -> PathBuf {
    // Debian's interpreter: the one python3-virtualsmartcard and python3-pycryptodome are for.
    let debian = PathBuf::from("/usr/bin/python3");
    if debian.is_file() {
        debian
    } else {
        PathBuf::from("python3")
    }
}

fn start_emulator(card_dir: &Path, port: u16) -> Proc {
    let script = repo_root().join("tests/cardemu/emrtd_card.py");
    let child = Command::new(python())
        .arg(script)
        .arg("--card-dir")
        .arg(card_dir)
        .args(["--port", &port.to_string()])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    Proc {
        name: "card emulator",
        child: Some(child),
    }
}

fn wait_for_card(pcsc: &Pcsc, emulator: &mut Proc) -> String {
    match pcsc.wait_for_card(Some(READER), Duration::from_secs(15)) {
        Ok(reader) => reader,
        Err(e) => {
            let dead = emulator.exited();
            panic!(
                "no card in {READER}: {e} (emulator exited: {dead}; are python3-virtualsmartcard and python3-pycryptodome installed?)"
            );
        }
    }
}

fn trust() -> TrustStore {
    let (store, problems) = TrustStore::load_dir(&crate_dir().join("testdata/pki/trust")).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    store
}

fn good_card() -> PathBuf {
    crate_dir().join("testdata/card")
}

/// A copy of the good card in a temporary directory, with `change` applied to file `name`.
fn modified_card(name: &str, change: impl FnOnce(&mut Vec<u8>)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(good_card()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let mut bytes = std::fs::read(dir.path().join(name)).unwrap();
    change(&mut bytes);
    std::fs::write(dir.path().join(name), &bytes).unwrap();
    dir
}

/// Serve the card in `card_dir` and read it with the right access key.
fn read_served(card_dir: &Path, port: u16) -> bhxh_emrtd::reader::ReadResult {
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
        assert_eq!(aa.status, Status::Passed, "{}", aa.detail);
        assert!(
            aa.detail.contains("ISO/IEC 9796-2 scheme 1 with SHA-1"),
            "{}",
            aa.detail
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
        assert!(events.contains(&bhxh_emrtd::reader::Progress {
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
        let big = bhxh_emrtd::tlv::encode(0x75, &payload);
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
            let clone_key = std::fs::read(crate_dir().join("testdata/aa/clone-key.der")).unwrap();
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
fn a_card_without_dg15_has_no_active_authentication() {
    with_pcscd("a_card_without_dg15_has_no_active_authentication", |port| {
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
        let aa = result.report.get(Check::ActiveAuthentication).unwrap();
        assert_eq!(aa.status, Status::NotChecked, "{}", aa.detail);
        assert!(aa.detail.starts_with("not available"), "{}", aa.detail);
        assert_eq!(result.verdict.kind, VerdictKind::Genuine);
    });
}
