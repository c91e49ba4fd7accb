//! The real `bhxh-hq` binary as a process on loopback.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

pub const HQ: &str = env!("CARGO_BIN_EXE_bhxh-hq");

/// Generous bound so a broken test fails instead of hanging; never a timing assertion.
const WAIT: Duration = Duration::from_secs(120);

pub fn hq(args: &[&str]) -> Output {
    Command::new(HQ).args(args).output().unwrap()
}

/// An administration command on HQ's data directory `data`.
pub fn hq_in(data: &Path, args: &[&str]) -> Output {
    hq(&[args, &["--data-dir", data.to_str().unwrap()]].concat())
}

/// [`hq_in`], which must succeed.
pub fn hq_ok(data: &Path, args: &[&str]) -> Output {
    let out = hq_in(data, args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Register an office; returns its token.
pub fn add_office(data: &Path, code: &str, name: &str) -> String {
    let out = hq_ok(data, &["office", "add", "--code", code, "--name", name]);
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("bhxhq_") && token.len() == 70, "{token}");
    token
}

type Lines = Arc<(Mutex<Vec<String>>, Condvar)>;

pub struct Server {
    pub child: Child,
    pub url: String,
    pub data: PathBuf,
    lines: Lines,
}

impl Server {
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        Server::start_at(data, "127.0.0.1:0", extra)
    }

    pub fn start_at(data: &Path, listen: &str, extra: &[&str]) -> Server {
        let mut child = Command::new(HQ)
            .args(["serve", "--listen", listen, "--data-dir"])
            .arg(data)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines: Lines = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let l2 = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let (m, c) = &*l2;
                m.lock().unwrap().push(line);
                c.notify_all();
            }
        });
        let mut s = Server {
            child,
            url: String::new(),
            data: data.to_owned(),
            lines,
        };
        let first = s.wait_line(|l| l.starts_with("listening "));
        s.url = first.trim_start_matches("listening ").to_owned();
        s
    }

    /// Wait for a stdout line matching `pred` (lines seen before count too).
    pub fn wait_line(&self, pred: impl Fn(&str) -> bool) -> String {
        let (m, c) = &*self.lines;
        let mut guard = m.lock().unwrap();
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            if let Some(l) = guard.iter().find(|l| pred(l)) {
                return l.clone();
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            assert!(
                !left.is_zero(),
                "HQ never printed the expected line; saw {guard:?}"
            );
            guard = c.wait_timeout(guard, left).unwrap().0;
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.0.lock().unwrap().clone()
    }

    pub fn addr(&self) -> String {
        self.url.trim_start_matches("http://").to_owned()
    }

    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Which store HQ runs on in a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// HQ's data for one test: a data directory, and on [`Backend::Postgres`] a
/// private PostgreSQL server (stopped when this is dropped) with a fresh
/// database that every command and the server are pointed at.
pub struct HqEnv {
    pub dir: tempfile::TempDir,
    pub database: Option<String>,
    pub pg: Option<bhxh_hq::testing::PostgresServer>,
}

impl HqEnv {
    pub fn new(backend: Backend) -> HqEnv {
        let dir = tempfile::tempdir().unwrap();
        let pg = (backend == Backend::Postgres).then(bhxh_hq::testing::PostgresServer::start);
        let database = pg.as_ref().map(|p| p.create_database());
        HqEnv { dir, database, pg }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `--data-dir DIR`, and `--database URL` on PostgreSQL.
    pub fn store_args(&self) -> Vec<String> {
        let mut a = vec![
            "--data-dir".to_owned(),
            self.path().to_str().unwrap().to_owned(),
        ];
        if let Some(db) = &self.database {
            a.extend(["--database".to_owned(), db.clone()]);
        }
        a
    }

    /// An administration command on this HQ's store.
    pub fn hq(&self, args: &[&str]) -> Output {
        Command::new(HQ)
            .args(args)
            .args(self.store_args())
            .output()
            .unwrap()
    }

    /// [`HqEnv::hq`], which must succeed.
    pub fn hq_ok(&self, args: &[&str]) -> Output {
        let out = self.hq(args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Register an office; returns its token.
    pub fn add_office(&self, code: &str, name: &str) -> String {
        let out = self.hq_ok(&["office", "add", "--code", code, "--name", name]);
        let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        assert!(token.starts_with("bhxhq_") && token.len() == 70, "{token}");
        token
    }

    /// Register a base office under the provincial office `parent`
    /// (`office add CODE --name … --parent …`); returns its token.
    pub fn add_base_office(&self, code: &str, name: &str, parent: &str) -> String {
        let out = self.hq_ok(&["office", "add", code, "--name", name, "--parent", parent]);
        let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        assert!(token.starts_with("bhxhq_") && token.len() == 70, "{token}");
        token
    }

    /// The server on this store, on a free port.
    pub fn serve(&self, extra: &[&str]) -> Server {
        let db: Vec<&str> = match &self.database {
            Some(db) => vec!["--database", db.as_str()],
            None => vec![],
        };
        Server::start(self.path(), &[&db[..], extra].concat())
    }
}

/// `both!(name)`: the test function `name(Backend)` run as two tests,
/// `name::sqlite` and `name::postgres`.
#[allow(unused_macros)]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[test]
            fn sqlite() {
                super::$name($crate::common::Backend::Sqlite)
            }
            #[test]
            fn postgres() {
                super::$name($crate::common::Backend::Postgres)
            }
        }
    };
}

pub fn client() -> reqwest::blocking::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// A report change as an office sends it.
pub fn report_item(id: uuid::Uuid, month: &str, revision: i64, percent: u32) -> serde_json::Value {
    serde_json::json!({
        "id": id, "stream": "report", "key": format!("month:{month}"), "revision": revision,
        "payload": {
            "uuid": id, "kind": "month", "period": month, "revision": revision, "status": "approved",
            "rows": [
                {"taskNumber": 1, "progress": {"status": "done", "percent": 100}},
                {"taskNumber": 8, "progress": {"status": "in_progress", "percent": percent}}
            ]
        }
    })
}
