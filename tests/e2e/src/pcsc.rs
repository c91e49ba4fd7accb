//! A chip card on a real PC/SC stack for the window's tests: a private
//! `pcscd` with the `vsmartcard-vpcd` virtual reader, and the eMRTD emulator
//! `tests/cardemu/emrtd_card.py` serving generated card files as the card in
//! `Virtual PCD 00 00` (the same stack as `bhxh-emrtd/tests/pcsc_card.rs`).
//!
//! `pcscd` runs in a private mount namespace (`unshare -m`, root in the test
//! container) with a temporary directory on `/run/pcscd`, so it never meets
//! a system `pcscd`; the app finds it through `PCSCLITE_CSOCK_NAME`, which
//! the test hands to the driver (and so to the app) rather than setting it
//! in its own environment. Every process is killed on drop.
//!
//! Needs the Debian packages `pcscd vsmartcard-vpcd python3-virtualsmartcard
//! python3-pycryptodome` (`scripts/deps.sh test`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Result;

/// The virtual reader the emulator's card sits in.
pub const READER: &str = "Virtual PCD 00 00";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The generated test card (an invented person, signed by a test CSCA).
pub fn good_card() -> PathBuf {
    workspace_root().join("src-tauri/crates/bhxh-emrtd/testdata/card")
}

/// The test CSCA trust store that the good card chains to.
pub fn test_trust_dir() -> PathBuf {
    workspace_root().join("src-tauri/crates/bhxh-emrtd/testdata/pki/trust")
}

/// Copy every file of `from` into `to` (created).
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
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

/// The good card with its DG13 changed after signing ("Nguyễn" → "Mguyễn"),
/// in `dir`: still a valid DG13, but not what EF.SOD signed.
pub fn tampered_dg13_card(dir: &Path) -> Result<()> {
    copy_dir(&good_card(), dir)?;
    let path = dir.join("dg13.bin");
    let mut dg13 = std::fs::read(&path)?;
    let at = dg13
        .windows(4)
        .position(|w| w == b"Nguy")
        .ok_or("dg13.bin of the test card has no \"Nguy\"")?;
    dg13[at] = b'M';
    std::fs::write(&path, dg13)?;
    Ok(())
}

fn find_program(name: &str, extra: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(extra.iter().map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A child process killed (and reaped) on drop.
struct Proc(Option<Child>);

impl Proc {
    fn kill(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn exited(&mut self) -> bool {
        matches!(
            self.0.as_mut().map(Child::try_wait),
            Some(Ok(Some(_))) | None
        )
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A free port `p` with `p + 1` free too (vpcd listens on both, one per reader).
fn free_port_pair() -> Result<u16> {
    for _ in 0..50 {
        let p = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        if p < 65_000 && TcpListener::bind(("0.0.0.0", p + 1)).is_ok() {
            return Ok(p);
        }
    }
    Err("no free port pair for vpcd".into())
}

/// A private `pcscd` with the virtual reader, and the card emulator in it.
pub struct VirtualReader {
    pcscd: Proc,
    emulator: Proc,
    socket: PathBuf,
    port: u16,
    dir: tempfile::TempDir,
}

impl VirtualReader {
    /// Start `pcscd`; `Ok(None)` when it is not installed (the caller skips).
    pub fn start() -> Result<Option<VirtualReader>> {
        let Some(pcscd) = find_program("pcscd", &["/usr/sbin", "/usr/local/sbin", "/sbin"]) else {
            return Ok(None);
        };
        let driver = PathBuf::from("/usr/lib/pcsc/drivers/serial/libifdvpcd.so");
        if !driver.is_file() {
            return Err("the vpcd driver is not installed: apt-get install vsmartcard-vpcd".into());
        }
        let unshare = find_program("unshare", &["/usr/bin"]).ok_or("unshare is missing")?;
        let dir = tempfile::tempdir()?;
        let conf = dir.path().join("reader.conf.d");
        let run = dir.path().join("run");
        std::fs::create_dir_all(&conf)?;
        std::fs::create_dir_all(&run)?;
        let port = free_port_pair()?;
        std::fs::write(
            conf.join("vpcd"),
            format!(
                "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME   /dev/null:{port}\nLIBPATH      {}\nCHANNELID    {port}\n",
                driver.display()
            ),
        )?;
        let log = std::fs::File::create(dir.path().join("pcscd.log"))?;
        let script = r#"[ -d /run/pcscd ] || mkdir -p /run/pcscd 2>/dev/null || { mount -t tmpfs tmpfs /run && mkdir -p /run/pcscd; }
mount --bind "$1" /run/pcscd && exec "$2" --foreground -c "$3""#;
        let socket = run.join("pcscd.comm");
        for flags in [&["-m"][..], &["-r", "-m"][..]] {
            let Ok(child) = Command::new(&unshare)
                .args(flags)
                .args(["sh", "-c", script, "sh"])
                .arg(&run)
                .arg(&pcscd)
                .arg(&conf)
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log.try_clone()?)
                .spawn()
            else {
                continue;
            };
            let mut proc = Proc(Some(child));
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && !proc.exited() {
                if socket.exists() {
                    return Ok(Some(VirtualReader {
                        pcscd: proc,
                        emulator: Proc(None),
                        socket,
                        port,
                        dir,
                    }));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            proc.kill();
        }
        Err(format!(
            "pcscd did not start in a private mount namespace: {}",
            std::fs::read_to_string(dir.path().join("pcscd.log")).unwrap_or_default()
        )
        .into())
    }

    /// What the app needs to find this `pcscd`.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![(
            "PCSCLITE_CSOCK_NAME".to_owned(),
            self.socket.display().to_string(),
        )]
    }

    /// Put the card in `card_dir` on the reader (taking any other card away).
    pub fn insert(&mut self, card_dir: &Path) -> Result<()> {
        self.insert_with(card_dir, &[])
    }

    /// As [`Self::insert`], with emulator options (`--pace`: the chip offers PACE).
    pub fn insert_with(&mut self, card_dir: &Path, extra: &[&str]) -> Result<()> {
        self.remove();
        let python = ["/usr/bin/python3"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("python3"));
        let log = std::fs::File::create(self.dir.path().join("emulator.log"))?;
        let child = Command::new(python)
            .arg(workspace_root().join("tests/cardemu/emrtd_card.py"))
            .arg("--card-dir")
            .arg(card_dir)
            .args(["--port", &self.port.to_string()])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        self.emulator = Proc(Some(child));
        Ok(())
    }

    /// Take the card away (the emulator ends; the reader sees it removed).
    pub fn remove(&mut self) {
        self.emulator.kill();
    }

    /// The logs of `pcscd` and the emulator, for a failure message.
    pub fn logs(&self) -> String {
        ["pcscd.log", "emulator.log"]
            .iter()
            .map(|f| {
                format!(
                    "--- {f}\n{}",
                    std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for VirtualReader {
    fn drop(&mut self) {
        self.emulator.kill();
        self.pcscd.kill();
    }
}
