//! Test support, with the `testing` feature: a private CUPS scheduler, the
//! one print bench used by this crate's tests, the command line's tests and
//! the window's end-to-end tests.
//!
//! [`CupsServer::start`] runs `cupsd -f -c DIR/cupsd.conf -s
//! DIR/cups-files.conf` with its own server root, spool (`RequestRoot`),
//! cache, state and logs in a temporary directory, listening on a free port
//! of 127.0.0.1 with an allow-all policy, `FileDevice Yes` (a queue prints
//! into a file) and `PreserveJobFiles Yes` (a job's bytes stay in the spool
//! as `d00001-001`, what was sent). Run as root, it runs jobs as `lp`, which
//! gets the directories (cupsd refuses to run jobs as root). A client finds
//! it with `CUPS_SERVER=127.0.0.1:PORT` ([`CupsServer::env`]) or
//! `Cups::with_server`. The scheduler is stopped on drop.
//!
//! Needs the Debian packages `cups` (the scheduler) and `cups-client`
//! (`scripts/deps.sh test`). Unlike the rest of the crate it panics: a bench
//! that cannot start fails the test, naming what to install — never a silent
//! skip.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What to install when the bench cannot start.
pub const INSTALL: &str = "scripts/deps.sh test (Debian packages cups and cups-client)";

/// A private CUPS scheduler, stopped on drop.
#[derive(Debug)]
pub struct CupsServer {
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
}

fn program(name: &str) -> PathBuf {
    crate::find_program(name).unwrap_or_else(|| {
        panic!("{name} is not installed: the print tests need a real CUPS; run {INSTALL}")
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port on 127.0.0.1")
}

/// Whether this process runs as root (the owner of `/proc/self`).
#[cfg(unix)]
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}
#[cfg(not(unix))]
fn is_root() -> bool {
    false
}

/// The uid and gid of `lp`, from `id`.
#[cfg(unix)]
fn lp_ids() -> (u32, u32) {
    let id = |flag: &str| -> u32 {
        let out = Command::new("id").args([flag, "lp"]).output().unwrap();
        assert!(out.status.success(), "there is no user lp: run {INSTALL}");
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    };
    (id("-u"), id("-g"))
}

impl CupsServer {
    /// Start a scheduler with no queue. Panics, naming what to install or
    /// with cupsd's log, when it cannot.
    pub fn start() -> CupsServer {
        let cupsd = program("cupsd");
        program("lpadmin");
        program("lpstat");
        program("lp");
        let dir = tempfile::Builder::new()
            .prefix("bhxh-cups-")
            .tempdir()
            .unwrap();
        let root = dir.path();
        let port = free_port();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let owned = ["spool", "spool/tmp", "cache", "state", "log", "out"];
        for d in owned {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let as_root = is_root();
        if as_root {
            #[cfg(unix)]
            {
                let (uid, gid) = lp_ids();
                for d in owned {
                    std::os::unix::fs::chown(root.join(d), Some(uid), Some(gid)).unwrap();
                }
            }
        }
        let r = root.display();
        std::fs::write(
            root.join("cupsd.conf"),
            format!(
                "Listen 127.0.0.1:{port}\nLogLevel warn\nWebInterface No\n\
                 PreserveJobFiles Yes\nPreserveJobHistory Yes\nDefaultAuthType None\n\
                 Browsing No\nDirtyCleanInterval 0\n\
                 <Location />\n  Order allow,deny\n  Allow all\n</Location>\n\
                 <Policy default>\n  JobPrivateAccess all\n  JobPrivateValues none\n\
                 SubscriptionPrivateAccess all\n  SubscriptionPrivateValues none\n\
                 <Limit All>\n    Order allow,deny\n    Allow all\n  </Limit>\n</Policy>\n"
            ),
        )
        .unwrap();
        let user = if as_root { "User lp\nGroup lp\n" } else { "" };
        std::fs::write(
            root.join("cups-files.conf"),
            format!(
                "ServerRoot {r}\nRequestRoot {r}/spool\nTempDir {r}/spool/tmp\n\
                 CacheDir {r}/cache\nStateDir {r}/state\nAccessLog {r}/log/access_log\n\
                 ErrorLog {r}/log/error_log\nPageLog {r}/log/page_log\nFileDevice Yes\n{user}"
            ),
        )
        .unwrap();
        let child = Command::new(cupsd)
            .arg("-f")
            .arg("-c")
            .arg(root.join("cupsd.conf"))
            .arg("-s")
            .arg(root.join("cups-files.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cupsd did not start ({e}): run {INSTALL}"));
        let mut server = CupsServer {
            dir,
            port,
            child: Some(child),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let out = server.client("lpstat", &["-r"]);
            if String::from_utf8_lossy(&out.stdout).contains("scheduler is running") {
                break;
            }
            let exited = server
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if exited.is_some() || Instant::now() > deadline {
                panic!(
                    "the private cupsd did not come up ({exited:?}); its log:\n{}",
                    server.log()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// `127.0.0.1:PORT`, what `CUPS_SERVER` and `lp -h` take.
    pub fn server(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The environment a client process needs to print here.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![("CUPS_SERVER".to_owned(), self.server())]
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The scheduler's error log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log/error_log")).unwrap_or_default()
    }

    /// Run a CUPS client command against this scheduler, in the C locale.
    pub fn client(&self, program_name: &str, args: &[&str]) -> std::process::Output {
        Command::new(program(program_name))
            .env("LC_ALL", "C")
            .arg("-h")
            .arg(self.server())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// Add a raw queue `name` that prints into a file of its own; returns
    /// the file.
    pub fn add_queue(&self, name: &str) -> PathBuf {
        let out = self.dir.path().join("out").join(name);
        let uri = format!("file://{}", out.display());
        let o = self.client("lpadmin", &["-p", name, "-E", "-v", &uri, "-m", "raw"]);
        assert!(
            o.status.success(),
            "lpadmin -p {name}: {}\n{}",
            String::from_utf8_lossy(&o.stderr),
            self.log()
        );
        out
    }

    /// Make `name` the default queue.
    pub fn set_default(&self, name: &str) {
        let o = self.client("lpadmin", &["-d", name]);
        assert!(
            o.status.success(),
            "lpadmin -d {name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    /// The ids of the completed jobs (`lpstat -W completed -o`).
    pub fn completed_jobs(&self) -> Vec<String> {
        let o = self.client("lpstat", &["-W", "completed", "-o"]);
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
            .collect()
    }

    /// Every job the scheduler knows (`lpstat -W all -o`).
    pub fn all_jobs(&self) -> Vec<String> {
        let o = self.client("lpstat", &["-W", "all", "-o"]);
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
            .collect()
    }

    /// Wait until `job_id` is completed; panics after `timeout`.
    pub fn wait_completed(&self, job_id: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.completed_jobs().iter().any(|j| j == job_id) {
            assert!(
                Instant::now() < deadline,
                "job {job_id} not completed in {timeout:?}; jobs: {:?}; log:\n{}",
                self.all_jobs(),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The number of a job id (`desk-3` → 3).
    fn number(job_id: &str) -> u32 {
        job_id
            .rsplit('-')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{job_id} is not a CUPS job id"))
    }

    /// The bytes of a job's (first) document, as the scheduler spooled them.
    pub fn job_bytes(&self, job_id: &str) -> Vec<u8> {
        let n = Self::number(job_id);
        let path = self.dir.path().join(format!("spool/d{n:05}-001"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The job's control file (its IPP attributes: title, user, …).
    pub fn job_control(&self, job_id: &str) -> Vec<u8> {
        let n = Self::number(job_id);
        std::fs::read(self.dir.path().join(format!("spool/c{n:05}"))).unwrap()
    }
}

impl Drop for CupsServer {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
