//! The PC/SC test bench: a private `pcscd` with the `vsmartcard-vpcd` virtual reader driver, and
//! the eMRTD emulator `tests/cardemu/emrtd_card.py` serving a card in that reader. One launcher
//! for every test that needs the real stack — this crate's `tests/pcsc_card.rs`, its benchmark
//! `benches/pcsc_read.rs`, and the window's end-to-end tests (`tests/e2e`) — so that they all
//! meet the same reader, the same way.
//!
//! [`Pcscd::start`] runs its own `pcscd --foreground` with its own reader configuration (a free
//! vpcd port) and, where possible, its own socket: `pcscd` is started in a private mount
//! namespace (`unshare -m`, or `unshare -r -m` as a user) with a temporary directory
//! bind-mounted on `/run/pcscd`, so it never meets a system `pcscd`. A client finds it through
//! `PCSCLITE_CSOCK_NAME`. Where no namespace can be had, it falls back to the default socket
//! (which fails when another `pcscd` runs).
//!
//! libpcsclite reads `PCSCLITE_CSOCK_NAME` once per process, and setting environment variables
//! in a running (multi-threaded) process is not safe, so the variable must be in the
//! environment of the process that talks to the card before it starts. Two modes:
//! - [`with_pcscd`]: the caller's binary (a test or the bench) is re-run as a child process with
//!   the variable set; the child starts the emulator ([`start_emulator`]) and reads the card.
//! - [`VirtualReader`]: the caller hands [`VirtualReader::env`] to the process it starts (the
//!   app, through the WebDriver), and puts cards on the reader or takes them away.
//!
//! Every process is killed (and reaped) on drop. Needs the Debian packages `pcscd
//! vsmartcard-vpcd python3-virtualsmartcard python3-pycryptodome` (`scripts/deps.sh test`);
//! without `pcscd` the launchers say so (`Ok(None)`, `Ok(false)`) and the caller skips.

use super::fixtures;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use thiserror::Error;

/// Set in the child process of [`with_pcscd`]: the vpcd port of its pcscd.
pub const CHILD_ENV: &str = "BHXH_EMRTD_PCSC_CHILD_PORT";
/// The first vpcd reader's name: where the emulated card sits.
pub const READER: &str = "Virtual PCD 00 00";
/// What to install when something is missing.
pub const PACKAGES: &str = "pcscd vsmartcard-vpcd python3-virtualsmartcard python3-pycryptodome";

const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";

/// Serialises child runs only when pcscd cannot get a private socket (they then share
/// `/run/pcscd/pcscd.comm`).
static SHARED_SOCKET: Mutex<()> = Mutex::new(());

/// Why the bench could not be set up.
#[derive(Debug, Error)]
pub enum LaunchError {
    /// The vpcd reader driver is missing.
    #[error("the vpcd driver is not installed ({VPCD_DRIVER}): apt-get install vsmartcard-vpcd")]
    NoVpcd,
    /// No two consecutive free TCP ports for vpcd.
    #[error("no free port pair for vpcd")]
    NoPort,
    /// A file or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The failure.
        source: std::io::Error,
    },
    /// pcscd did not come up.
    #[error("pcscd did not start: {log}")]
    Pcscd {
        /// pcscd's log.
        log: String,
    },
    /// The child process did not end in time.
    #[error("{name} hung for {timeout:?}")]
    Hung {
        /// The test or bench.
        name: String,
        /// How long it had.
        timeout: Duration,
    },
    /// The child process failed (its own output says why).
    #[error("{name} failed in the child process ({status})")]
    ChildFailed {
        /// The test or bench.
        name: String,
        /// Its exit status.
        status: ExitStatus,
    },
    /// pcscd saw no card event (the card's removal) after the emulator ended.
    #[error("pcscd saw no card leave {READER} in {timeout:?} after the emulator ended")]
    StillPresent {
        /// How long it had.
        timeout: Duration,
    },
    /// The child process was started with a malformed [`CHILD_ENV`].
    #[error("{CHILD_ENV}={0} is not a port")]
    BadChildPort(String),
    /// No card appeared in the reader.
    #[error(
        "no card in {READER}: {reason} (emulator exited: {emulator_exited}; are python3-virtualsmartcard and python3-pycryptodome installed?)"
    )]
    NoCard {
        /// What the PC/SC layer said.
        reason: String,
        /// Whether the emulator had already ended.
        emulator_exited: bool,
    },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> LaunchError {
    let what = what.into();
    move |source| LaunchError::Io { what, source }
}

/// The repository root (for the emulator script).
fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// `name` on `PATH` or in one of `extra`.
pub fn find_program(name: &str, extra: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(extra.iter().map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn find_pcscd() -> Option<PathBuf> {
    find_program("pcscd", &["/usr/sbin", "/usr/local/sbin", "/sbin"])
}

/// A child process killed (and reaped) on drop.
#[derive(Debug)]
pub struct Proc {
    name: &'static str,
    child: Option<Child>,
    /// Say so on stderr when it is stopped (the crate's tests do; the window's do not).
    verbose: bool,
}

impl Proc {
    fn new(name: &'static str, child: Child, verbose: bool) -> Self {
        Self {
            name,
            child: Some(child),
            verbose,
        }
    }

    /// Kills the process (the emulator: the card is taken away).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Whether it has ended (or was killed).
    pub fn exited(&mut self) -> bool {
        matches!(
            self.child.as_mut().map(Child::try_wait),
            Some(Ok(Some(_))) | None
        )
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.child.is_some() && self.verbose {
            eprintln!("[pcsc] stopping {}", self.name);
        }
        self.kill();
    }
}

/// A free port `p` with `p + 1` free as well (vpcd listens on both, one per virtual reader).
fn free_port_pair() -> Result<u16, LaunchError> {
    for _ in 0..50 {
        let p = TcpListener::bind("127.0.0.1:0")
            .and_then(|a| a.local_addr())
            .map_err(io("a free port for vpcd"))?
            .port();
        if p < 65_000 && TcpListener::bind(("0.0.0.0", p + 1)).is_ok() {
            return Ok(p);
        }
    }
    Err(LaunchError::NoPort)
}

/// A running pcscd with a vpcd reader.
#[derive(Debug)]
pub struct Pcscd {
    proc: Proc,
    /// `Some(socket)` when pcscd runs with a private socket.
    socket: Option<PathBuf>,
    port: u16,
    dir: tempfile::TempDir,
}

impl Pcscd {
    /// Starts pcscd (see the module docs); `Ok(None)` when it is not installed (the caller
    /// skips). `verbose`: report on stderr what was started and stopped.
    pub fn start(verbose: bool) -> Result<Option<Self>, LaunchError> {
        let Some(pcscd) = find_pcscd() else {
            return Ok(None);
        };
        let driver = PathBuf::from(VPCD_DRIVER);
        if !driver.is_file() {
            return Err(LaunchError::NoVpcd);
        }
        let dir = tempfile::tempdir().map_err(io("a temporary directory for pcscd"))?;
        let conf = dir.path().join("reader.conf.d");
        let run = dir.path().join("run");
        std::fs::create_dir_all(&conf).map_err(io("reader.conf.d"))?;
        std::fs::create_dir_all(&run).map_err(io("run"))?;
        let port = free_port_pair()?;
        std::fs::write(
            conf.join("vpcd"),
            format!(
                "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME   /dev/null:{port}\nLIBPATH      {}\nCHANNELID    {port}\n",
                driver.display()
            ),
        )
        .map_err(io("the vpcd reader configuration"))?;
        let log_path = dir.path().join("pcscd.log");
        let log = std::fs::File::create(&log_path).map_err(io("pcscd.log"))?;
        let output = || log.try_clone().map_err(io("pcscd.log"));

        // First choice: a private mount namespace, /run/pcscd replaced by our directory (as
        // root: `unshare -m`; as a user: `unshare -r -m`, a user namespace where we may mount).
        if let Some(unshare) = find_program("unshare", &["/usr/bin"]) {
            let script = r#"[ -d /run/pcscd ] || mkdir -p /run/pcscd 2>/dev/null || { mount -t tmpfs tmpfs /run && mkdir -p /run/pcscd; }
mount --bind "$1" /run/pcscd && exec "$2" --foreground -c "$3""#;
            for flags in [&["-m"][..], &["-r", "-m"][..]] {
                let Ok(child) = Command::new(&unshare)
                    .args(flags)
                    .args(["sh", "-c", script, "sh"])
                    .arg(&run)
                    .arg(&pcscd)
                    .arg(&conf)
                    .stdin(Stdio::null())
                    .stdout(output()?)
                    .stderr(output()?)
                    .spawn()
                else {
                    continue;
                };
                let mut proc = Proc::new("pcscd (private namespace)", child, verbose);
                let socket = run.join("pcscd.comm");
                let deadline = Instant::now() + Duration::from_secs(5);
                while Instant::now() < deadline && !proc.exited() {
                    if socket.exists() {
                        if verbose {
                            eprintln!(
                                "[pcsc] pcscd (unshare {}) with socket {} and vpcd port {port}",
                                flags.join(" "),
                                socket.display()
                            );
                        }
                        return Ok(Some(Self {
                            proc,
                            socket: Some(socket),
                            port,
                            dir,
                        }));
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                proc.kill();
            }
            if verbose {
                eprintln!(
                    "[pcsc] no private mount namespace ({}); using the default pcscd socket",
                    std::fs::read_to_string(&log_path).unwrap_or_default()
                );
            }
        }
        // Fallback: the default socket (fails if another pcscd runs).
        let child = Command::new(&pcscd)
            .args(["--foreground", "-c"])
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(output()?)
            .stderr(output()?)
            .spawn()
            .map_err(io(format!("starting {}", pcscd.display())))?;
        let mut proc = Proc::new("pcscd", child, verbose);
        std::thread::sleep(Duration::from_millis(500));
        if proc.exited() {
            return Err(LaunchError::Pcscd {
                log: std::fs::read_to_string(&log_path).unwrap_or_default(),
            });
        }
        Ok(Some(Self {
            proc,
            socket: None,
            port,
            dir,
        }))
    }

    /// The vpcd port the emulator connects to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// pcscd's private socket, when it has one.
    pub fn socket(&self) -> Option<&Path> {
        self.socket.as_deref()
    }

    /// What a client process needs to find this pcscd: `PCSCLITE_CSOCK_NAME` (nothing when it
    /// runs on the default socket).
    pub fn env(&self) -> Vec<(String, String)> {
        self.socket
            .iter()
            .map(|s| ("PCSCLITE_CSOCK_NAME".to_owned(), s.display().to_string()))
            .collect()
    }

    /// A directory that lives as long as pcscd (its log is `pcscd.log`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Stops pcscd.
    pub fn stop(&mut self) {
        self.proc.kill();
    }
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

/// Starts the emulator serving the card in `card_dir` (`com.bin`, `sod.bin`, `dg*.bin`, the
/// chip's keys) to the vpcd on `port`, with more options in `extra` (`--pace`,
/// `--pace-param 12`, `--ca-key FILE`, …). Its output goes to `log`, or to this process's
/// stdout and stderr.
pub fn start_emulator(
    card_dir: &Path,
    port: u16,
    extra: &[&str],
    log: Option<&Path>,
) -> Result<Proc, LaunchError> {
    let mut cmd = Command::new(python());
    cmd.arg(repo_root().join("tests/cardemu/emrtd_card.py"))
        .arg("--card-dir")
        .arg(card_dir)
        .args(["--port", &port.to_string()])
        .args(extra)
        .stdin(Stdio::null());
    if let Some(path) = log {
        let file = std::fs::File::create(path).map_err(io(path.display().to_string()))?;
        let copy = file.try_clone().map_err(io(path.display().to_string()))?;
        cmd.stdout(file).stderr(copy);
    }
    let child = cmd.spawn().map_err(io("starting the card emulator"))?;
    Ok(Proc::new("card emulator", child, log.is_none()))
}

/// Runs `body` in a child process that talks to a fresh pcscd (see the module docs): the
/// current executable re-run with `child_args` (for a test: its name, `--exact`, …), killed
/// after `timeout`. In the child (where [`CHILD_ENV`] is set) `body` runs directly with the
/// vpcd port. `Ok(false)`, with a message, when `pcscd` is not installed.
pub fn with_pcscd(
    name: &str,
    child_args: &[String],
    timeout: Duration,
    body: impl FnOnce(u16),
) -> Result<bool, LaunchError> {
    if let Ok(port) = std::env::var(CHILD_ENV) {
        let port = port.parse().map_err(|_| LaunchError::BadChildPort(port))?;
        body(port);
        return Ok(true);
    }
    let Some(daemon) = Pcscd::start(true)? else {
        eprintln!("SKIPPED {name}: pcscd is not installed (apt-get install {PACKAGES})");
        return Ok(false);
    };
    let _guard = daemon
        .socket()
        .is_none()
        .then(|| SHARED_SOCKET.lock().unwrap_or_else(|e| e.into_inner()));
    let exe = std::env::current_exe().map_err(io("the current executable"))?;
    let mut cmd = Command::new(exe);
    cmd.args(child_args)
        .env(CHILD_ENV, daemon.port().to_string())
        .envs(daemon.env())
        .stdin(Stdio::null());
    let mut child = Proc::new(
        "child process",
        cmd.spawn().map_err(io("starting the child process"))?,
        true,
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(c) = child.child.as_mut()
            && let Some(status) = c.try_wait().map_err(io("waiting for the child process"))?
        {
            child.child = None;
            break status;
        }
        if Instant::now() >= deadline {
            return Err(LaunchError::Hung {
                name: name.to_owned(),
                timeout,
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if !status.success() {
        return Err(LaunchError::ChildFailed {
            name: name.to_owned(),
            status,
        });
    }
    Ok(true)
}

/// Waits for the emulated card in [`READER`]; the reader's name.
#[cfg(feature = "pcsc")]
pub fn wait_for_card(
    pcsc: &crate::transport::pcsc::Pcsc,
    emulator: &mut Proc,
) -> Result<String, LaunchError> {
    pcsc.wait_for_card(Some(READER), Duration::from_secs(15))
        .map_err(|e| LaunchError::NoCard {
            reason: e.to_string(),
            emulator_exited: emulator.exited(),
        })
}

/// Waits until pcscd has seen a card event in [`READER`] since it counted `events`
/// ([`Pcsc::card_events`](crate::transport::pcsc::Pcsc::card_events) while the card was there):
/// the card's removal. When a card leaves in the middle of an exchange (`--drop-after`), vpcd
/// drops the connection at once, but pcscd learns it only at its next presence poll (every
/// 400 ms), and meanwhile already reports the slot empty. An emulator that connects before
/// that poll is taken by vpcd as the same card still there: pcscd never sees a new card, and
/// none is ever presented. So the next card is put down only after this.
#[cfg(feature = "pcsc")]
pub fn wait_for_card_event(
    pcsc: &crate::transport::pcsc::Pcsc,
    events: u32,
    timeout: Duration,
) -> Result<(), LaunchError> {
    let deadline = Instant::now() + timeout;
    loop {
        match pcsc.card_events(READER) {
            Ok(now) if now != events => return Ok(()),
            Ok(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Ok(_) => return Err(LaunchError::StillPresent { timeout }),
            Err(e) => {
                return Err(LaunchError::NoCard {
                    reason: e.to_string(),
                    emulator_exited: true,
                });
            }
        }
    }
}

/// A private pcscd with the virtual reader, and a card on it or not: for a process started
/// with [`Self::env`] (the window under test).
#[derive(Debug)]
pub struct VirtualReader {
    pcscd: Pcscd,
    emulator: Option<Proc>,
}

impl VirtualReader {
    /// Starts pcscd, no card yet; `Ok(None)` when it is not installed (the caller skips).
    pub fn start() -> Result<Option<Self>, LaunchError> {
        Ok(Pcscd::start(false)?.map(|pcscd| Self {
            pcscd,
            emulator: None,
        }))
    }

    /// What the app needs to find this pcscd (`PCSCLITE_CSOCK_NAME`).
    pub fn env(&self) -> Vec<(String, String)> {
        self.pcscd.env()
    }

    /// The vpcd port.
    pub fn port(&self) -> u16 {
        self.pcscd.port()
    }

    /// Puts the card in `card_dir` on the reader (taking any other card away).
    pub fn insert(&mut self, card_dir: &Path) -> Result<(), LaunchError> {
        self.insert_with(card_dir, &[])
    }

    /// As [`Self::insert`], with emulator options (`--pace`: the chip offers PACE).
    pub fn insert_with(&mut self, card_dir: &Path, extra: &[&str]) -> Result<(), LaunchError> {
        self.remove();
        let log = self.pcscd.dir().join("emulator.log");
        self.emulator = Some(start_emulator(
            card_dir,
            self.pcscd.port(),
            extra,
            Some(&log),
        )?);
        Ok(())
    }

    /// Takes the card away (the emulator ends; the reader sees it removed).
    pub fn remove(&mut self) {
        if let Some(mut e) = self.emulator.take() {
            e.kill();
        }
    }

    /// The logs of pcscd and the emulator, for a failure message.
    pub fn logs(&self) -> String {
        ["pcscd.log", "emulator.log"]
            .iter()
            .map(|f| {
                format!(
                    "--- {f}\n{}",
                    std::fs::read_to_string(self.pcscd.dir().join(f)).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for VirtualReader {
    fn drop(&mut self) {
        self.remove();
        self.pcscd.stop();
    }
}

/// Copies every file of `from` into `to` (created).
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        if let Some(name) = path.file_name()
            && path.is_file()
        {
            std::fs::copy(&path, to.join(name))?;
        }
    }
    Ok(())
}

/// The generated card, with `change` applied to its file `name`, in `dir` (the emulator's card
/// directory).
pub fn modified_card(
    dir: &Path,
    name: &str,
    change: impl FnOnce(&mut Vec<u8>),
) -> std::io::Result<()> {
    copy_dir(&fixtures::card_dir(), dir)?;
    let path = dir.join(name);
    let mut bytes = std::fs::read(&path)?;
    change(&mut bytes);
    std::fs::write(&path, bytes)
}

/// The generated card with its DG13 changed after signing ("Nguyễn" → "Mguyễn"), in `dir`:
/// still a valid DG13, but not what EF.SOD signed.
pub fn tampered_dg13_card(dir: &Path) -> std::io::Result<()> {
    let mut found = false;
    modified_card(dir, "dg13.bin", |dg13| {
        if let Some(at) = dg13.windows(4).position(|w| w == b"Nguy") {
            dg13[at] = b'M';
            found = true;
        }
    })?;
    if found {
        Ok(())
    } else {
        Err(std::io::Error::other(
            "dg13.bin of the test card has no \"Nguy\"",
        ))
    }
}
