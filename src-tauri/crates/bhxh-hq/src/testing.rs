//! For tests (feature `testing`): a private PostgreSQL server, started from
//! the machine's own binaries (`initdb`, `pg_ctl`; Debian's `postgresql`,
//! installed by `scripts/deps.sh test`), on its own port and socket
//! directory, in a temporary directory, stopped when the value is dropped
//! (also when the test panics).
//!
//! When the tests run as root, PostgreSQL refuses to: the directory is then
//! given to the `postgres` user and the binaries are run as that user
//! (`runuser -u postgres --`).
//!
//! Missing binaries are a failure, never a skip: the message names
//! `scripts/deps.sh test`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// How to get the binaries when they are missing.
pub const INSTALL_HINT: &str = "PostgreSQL (initdb, pg_ctl) không có trên máy này; hãy chạy \
     `scripts/deps.sh test` (cài gói postgresql) rồi chạy lại kiểm thử.";

/// A PostgreSQL server of its own for a test.
pub struct PostgresServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_postgres: bool,
    port: u16,
    databases: AtomicU32,
}

impl std::fmt::Debug for PostgresServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PostgresServer(port {})", self.port)
    }
}

/// The directory holding `initdb` and `pg_ctl`: the `PATH` first, then
/// Debian's `/usr/lib/postgresql/VERSION/bin` (newest version).
pub fn find_binaries() -> Option<PathBuf> {
    find_binaries_in(std::env::var_os("PATH"), Path::new("/usr/lib/postgresql"))
}

/// [`find_binaries`] with the search path and Debian's directory given.
pub fn find_binaries_in(path: Option<std::ffi::OsString>, debian: &Path) -> Option<PathBuf> {
    let has_both = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Some(path) = path {
        for d in std::env::split_paths(&path) {
            if has_both(&d) {
                return Some(d);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(debian)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, d)| has_both(d))
        .collect();
    versions.sort();
    versions.pop().map(|(_, d)| d)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port on 127.0.0.1")
}

impl PostgresServer {
    /// Start a server for tests: no fsync (a crash of the machine loses
    /// nothing a test needs).
    pub fn start() -> PostgresServer {
        PostgresServer::start_with(&["-c", "fsync=off", "-c", "synchronous_commit=off"], false)
    }

    /// Start a server with PostgreSQL's durable defaults (for benchmarks).
    pub fn start_durable() -> PostgresServer {
        PostgresServer::start_with(&[], false)
    }

    /// Start a server that also takes TLS, with a certificate for 127.0.0.1
    /// from a certificate authority of its own ([`PostgresServer::ca_pem`]);
    /// needs the `openssl` command.
    pub fn start_tls() -> PostgresServer {
        PostgresServer::start_with(&["-c", "fsync=off", "-c", "synchronous_commit=off"], true)
    }

    /// The CA certificate (PEM file) of a [`PostgresServer::start_tls`] server.
    pub fn ca_pem(&self) -> PathBuf {
        self.dir.path().join("tls/ca.pem")
    }

    fn make_certificates(dir: &Path) {
        std::fs::create_dir(dir).expect("tls directory");
        std::fs::write(
            dir.join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .expect("ext.cnf");
        let key = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let steps: [&[&str]; 3] = [
            &[
                &["req", "-x509"][..],
                &key,
                &[
                    "-keyout",
                    "ca.key",
                    "-out",
                    "ca.pem",
                    "-days",
                    "2",
                    "-subj",
                    "/CN=BHXH HQ test PostgreSQL CA",
                ],
            ]
            .concat(),
            &[
                &["req"][..],
                &key,
                &[
                    "-keyout",
                    "server.key",
                    "-out",
                    "server.csr",
                    "-subj",
                    "/CN=127.0.0.1",
                ],
            ]
            .concat(),
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
        ];
        for args in steps {
            let out = Command::new("openssl")
                .current_dir(dir)
                .args(args)
                .output()
                .expect("the openssl command is needed for TLS test certificates");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.join("server.key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .expect("chmod server.key");
    }

    fn start_with(settings: &[&str], tls: bool) -> PostgresServer {
        let Some(bin) = find_binaries() else {
            panic!("{INSTALL_HINT}");
        };
        let dir = tempfile::Builder::new()
            .prefix("bhxh-hq-pg-")
            .tempdir()
            .expect("temporary directory");
        let as_postgres = std::fs::metadata(dir.path())
            .map(|m| m.uid() == 0)
            .unwrap_or(false);
        for sub in ["sock", "log"] {
            std::fs::create_dir(dir.path().join(sub)).expect("temporary directory");
        }
        let mut settings: Vec<String> = settings.iter().map(|s| (*s).to_owned()).collect();
        if tls {
            let certs = dir.path().join("tls");
            PostgresServer::make_certificates(&certs);
            settings.extend([
                "-c".to_owned(),
                "ssl=on".to_owned(),
                "-c".to_owned(),
                format!("ssl_cert_file={}", certs.join("server.pem").display()),
                "-c".to_owned(),
                format!("ssl_key_file={}", certs.join("server.key").display()),
            ]);
        }
        if as_postgres {
            let out = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .output()
                .expect("chown");
            assert!(
                out.status.success(),
                "chown postgres {}: {} ({INSTALL_HINT})",
                dir.path().display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let mut server = PostgresServer {
            dir,
            bin,
            as_postgres,
            port: 0,
            databases: AtomicU32::new(0),
        };
        let data = server.dir.path().join("data");
        let out = server.run(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                "hq".as_ref(),
                "-A".as_ref(),
                "trust".as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
                "--locale=C".as_ref(),
                "--no-sync".as_ref(),
            ],
        );
        assert!(
            out.status.success(),
            "initdb: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // A port taken between choosing and binding: try another.
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let options = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200 \
                 -c shared_buffers=32MB {}",
                server.dir.path().join("sock").display(),
                settings.join(" ")
            );
            let log = server.dir.path().join("log/postgres.log");
            let out = server.run(
                "pg_ctl",
                &[
                    "-D".as_ref(),
                    data.as_os_str(),
                    "-o".as_ref(),
                    options.as_ref(),
                    "-l".as_ref(),
                    log.as_os_str(),
                    "-w".as_ref(),
                    "-t".as_ref(),
                    "120".as_ref(),
                    "start".as_ref(),
                ],
            );
            if out.status.success() {
                server.port = port;
                return server;
            }
            last = format!(
                "{}{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        panic!("pg_ctl start failed: {last}");
    }

    /// Run one of PostgreSQL's binaries (as `postgres` when we are root).
    fn run(&self, name: &str, args: &[&std::ffi::OsStr]) -> Output {
        let program = self.program(name);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        cmd.args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|e| panic!("{}: {e} ({INSTALL_HINT})", program.display()))
    }

    /// Where PostgreSQL's program `name` is: beside `initdb`, or beside
    /// what `initdb` links to (`/usr/local/bin/initdb` →
    /// `/usr/lib/postgresql/15/bin/initdb`, where `pg_dump` also is).
    fn program(&self, name: &str) -> PathBuf {
        let direct = self.bin.join(name);
        if direct.is_file() {
            return direct;
        }
        std::fs::canonicalize(self.bin.join("initdb"))
            .ok()
            .and_then(|real| Some(real.parent()?.join(name)))
            .filter(|p| p.is_file())
            .unwrap_or(direct)
    }

    /// Run one of the installation's client programs (`pg_dump`,
    /// `pg_restore`, `psql`), the way the server's own are run (as
    /// `postgres` when we are root), in [`PostgresServer::scratch_dir`].
    pub fn tool(&self, name: &str, args: &[&std::ffi::OsStr]) -> Output {
        self.run(name, args)
    }

    /// A directory [`PostgresServer::tool`]'s programs may write (a dump)
    /// and this process may read; removed with the server.
    pub fn scratch_dir(&self) -> PathBuf {
        self.dir.path().to_owned()
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of database `db` as user `hq` (trusted, no password).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://hq@127.0.0.1:{}/{db}", self.port)
    }

    /// A new, empty database; its URL.
    pub fn create_database(&self) -> String {
        let n = self.databases.fetch_add(1, Ordering::SeqCst);
        let name = format!("hq_test_{n}");
        let mut client = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .expect("connect to the test PostgreSQL");
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("CREATE DATABASE");
        self.url(&name)
    }

    /// The server's log so far (for a failing test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log/postgres.log")).unwrap_or_default()
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        if self.port == 0 {
            return;
        }
        let data = self.dir.path().join("data");
        let _ = self.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-m".as_ref(),
                "immediate".as_ref(),
                "-w".as_ref(),
                "stop".as_ref(),
            ],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_binaries_are_found_missing_and_the_failure_names_deps_sh() {
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(
            find_binaries_in(Some(empty.path().into()), &empty.path().join("none")),
            None
        );
        assert!(INSTALL_HINT.contains("scripts/deps.sh test"));
        let result = std::panic::catch_unwind(|| {
            // what start() does when find_binaries() answers None
            let Some(_) = find_binaries_in(None, &empty.path().join("none")) else {
                panic!("{INSTALL_HINT}");
            };
        });
        let message = result.unwrap_err();
        let text = message
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(text.contains("scripts/deps.sh test"), "{text}");
        // a Debian layout is found, newest version first
        for v in ["13", "15"] {
            let bin = empty.path().join("lib").join(v).join("bin");
            std::fs::create_dir_all(&bin).unwrap();
            std::fs::write(bin.join("initdb"), "").unwrap();
            std::fs::write(bin.join("pg_ctl"), "").unwrap();
        }
        assert_eq!(
            find_binaries_in(None, &empty.path().join("lib")),
            Some(empty.path().join("lib/15/bin"))
        );
    }
}
