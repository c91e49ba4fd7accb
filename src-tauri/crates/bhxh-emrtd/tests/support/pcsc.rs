//! The PC/SC test bench shared by `tests/pcsc_card.rs` and `benches/pcsc_read.rs` (each
//! includes this file with `#[path]`): a private `pcscd` with the `vsmartcard-vpcd` virtual
//! reader driver, and the eMRTD emulator `tests/cardemu/emrtd_card.py` serving a card in that
//! reader.
//!
//! [`with_pcscd`] starts its own `pcscd --foreground` with its own reader configuration (a free
//! vpcd port) and, where possible, its own socket: `pcscd` is started in a private mount
//! namespace (`unshare -m`) with a temporary directory bind-mounted on `/run/pcscd`, and the
//! client finds it through `PCSCLITE_CSOCK_NAME`. As libpcsclite reads that variable once per
//! process and setting environment variables in a running process is not safe, the caller's
//! binary is re-run as a child process with the variable set; the child starts the emulator
//! and talks to the card. Every process is killed on drop.
//!
//! Needs the Debian packages `pcscd vsmartcard-vpcd python3-virtualsmartcard
//! python3-pycryptodome`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test and bench helpers may panic
#![allow(dead_code)] // each includer uses part of it

use bhxh_emrtd::pcsc_transport::Pcsc;
use bhxh_emrtd::trust::TrustStore;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Set in the child process: the vpcd port of its pcscd.
pub const CHILD_ENV: &str = "BHXH_EMRTD_PCSC_CHILD_PORT";
/// The first vpcd reader's name.
pub const READER: &str = "Virtual PCD 00 00";
/// The generated card's 12-digit ID, birth date and expiry (its BAC key).
pub const ID: &str = "001093047064";
pub const BIRTH: &str = "930105";
pub const EXPIRY: &str = "330105";

/// Serialises runs only when pcscd cannot get a private socket (they then share
/// `/run/pcscd/pcscd.comm`).
static SHARED_SOCKET: Mutex<()> = Mutex::new(());

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn repo_root() -> PathBuf {
    crate_dir().join("../../..")
}

pub fn find_program(name: &str, extra: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(extra.iter().map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A child process killed (and reaped) on drop.
pub struct Proc {
    name: &'static str,
    child: Option<Child>,
}

impl Proc {
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn exited(&mut self) -> bool {
        matches!(
            self.child.as_mut().map(Child::try_wait),
            Some(Ok(Some(_))) | None
        )
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.child.is_some() {
            eprintln!("[pcsc] stopping {}", self.name);
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
                        "[pcsc] pcscd (unshare {}) with socket {} and vpcd port {port}",
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
            "[pcsc] no private mount namespace ({}); using the default pcscd socket",
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

/// Runs `body` in a child process that talks to a fresh pcscd (see the module docs): the
/// current executable re-run with `child_args`, killed after `timeout`. In the child (where
/// [`CHILD_ENV`] is set) `body` runs directly. Returns `false`, with a message, when `pcscd`
/// is not installed.
pub fn with_pcscd(
    name: &str,
    child_args: &[String],
    timeout: Duration,
    body: impl FnOnce(u16),
) -> bool {
    if let Ok(port) = std::env::var(CHILD_ENV) {
        body(port.parse().unwrap());
        return true;
    }
    let Some(pcscd) = find_program("pcscd", &["/usr/sbin", "/usr/local/sbin", "/sbin"]) else {
        eprintln!(
            "SKIPPED {name}: pcscd is not installed (apt-get install pcscd vsmartcard-vpcd python3-virtualsmartcard python3-pycryptodome)"
        );
        return false;
    };
    let daemon = start_pcscd(&pcscd);
    let _guard = daemon
        .socket
        .is_none()
        .then(|| SHARED_SOCKET.lock().unwrap_or_else(|e| e.into_inner()));
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(child_args)
        .env(CHILD_ENV, daemon.port.to_string())
        .stdin(Stdio::null());
    if let Some(s) = &daemon.socket {
        cmd.env("PCSCLITE_CSOCK_NAME", s);
    }
    let mut child = Proc {
        name: "child process",
        child: Some(cmd.spawn().unwrap()),
    };
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(c) = child.child.as_mut()
            && let Some(status) = c.try_wait().unwrap()
        {
            child.child = None;
            break status;
        }
        assert!(Instant::now() < deadline, "{name} hung for {timeout:?}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{name} failed in the child process");
    true
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

/// Starts the emulator serving the card in `card_dir` to the vpcd on `port`.
pub fn start_emulator(card_dir: &Path, port: u16) -> Proc {
    start_emulator_with(card_dir, port, &[])
}

/// As [`start_emulator`], with more options (`--pace`, `--pace-param 12`, …).
pub fn start_emulator_with(card_dir: &Path, port: u16, extra: &[&str]) -> Proc {
    let script = repo_root().join("tests/cardemu/emrtd_card.py");
    let child = Command::new(python())
        .arg(script)
        .arg("--card-dir")
        .arg(card_dir)
        .args(["--port", &port.to_string()])
        .args(extra)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    Proc {
        name: "card emulator",
        child: Some(child),
    }
}

pub fn wait_for_card(pcsc: &Pcsc, emulator: &mut Proc) -> String {
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

/// The test CSCAs (`testdata/pki/trust`).
pub fn trust() -> TrustStore {
    let (store, problems) = TrustStore::load_dir(&crate_dir().join("testdata/pki/trust")).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    store
}

/// The generated card (`testdata/card`).
pub fn good_card() -> PathBuf {
    crate_dir().join("testdata/card")
}
