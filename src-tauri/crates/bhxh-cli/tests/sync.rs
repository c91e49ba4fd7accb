//! Sync with HQ end to end, with real parts: the real `bhxh-desk-cli`
//! binary as the office's client (a process, so it can be killed), a real
//! encrypted store, the real Secret Service (run under
//! `scripts/with-keyring.sh`), and HQ's server as a process on loopback.
//!
//! HQ's process is this test binary run again as `helper_hq_process`, which
//! calls `bhxh_hq::cli::main_with_args` — exactly what the `bhxh-hq` binary's
//! `main` does (cargo gives integration tests the path of their own
//! package's binaries only). `bhxh-hq`'s own tests run its binary directly.
//!
//! Every fault test ends with HQ holding each of the office's reports once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use bhxh_app::dto::OfficeInput;
use bhxh_app::dto::{NewStaff, Role};
use bhxh_app::dto::{ProgressInput, TaskStatus as Status};
use bhxh_app::{Clock, Desk, SetupInput};
use serde_json::Value;

mod common;
use common::{cli, cli_env, cli_spawn, json, ok_json, text};

const PW: &str = "Matkhau-quan-tri-2024";
const HQ_ARGS: &str = "BHXH_TEST_HQ_ARGS";
/// A bound so that a broken test fails instead of hanging; never a timing assertion.
const WAIT: Duration = Duration::from_secs(120);

/// Not a test: HQ's server process for the tests below (run with its
/// arguments in `BHXH_TEST_HQ_ARGS`).
#[test]
#[ignore = "helper: HQ's server as a child process"]
fn helper_hq_process() {
    let Ok(args) = std::env::var(HQ_ARGS) else {
        return;
    };
    let args: Vec<String> = serde_json::from_str(&args).unwrap();
    let code = bhxh_hq::cli::main_with_args(std::iter::once("bhxh-hq".to_owned()).chain(args));
    std::process::exit(if code == std::process::ExitCode::SUCCESS {
        0
    } else {
        1
    });
}

fn hq_command(args: &[&str]) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "--exact",
        "helper_hq_process",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(HQ_ARGS, serde_json::to_string(args).unwrap());
    c
}

fn hq_admin(args: &[&str]) -> Output {
    hq_command(args).output().unwrap()
}

fn add_office(data: &Path, code: &str) -> String {
    let out = hq_admin(&[
        "office",
        "add",
        "--code",
        code,
        "--name",
        "Bảo hiểm xã hội tỉnh Hòa Bình",
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .map(strip_harness)
        .find(|l| l.starts_with("bhxhq_"))
        .unwrap_or_else(|| panic!("no token: {text} {}", String::from_utf8_lossy(&out.stderr)))
        .trim()
        .to_owned()
}

/// The test harness prints its own "test … ... " before the helper's first line.
fn strip_harness(line: &str) -> &str {
    match line.split_once("helper_hq_process ... ") {
        Some((_, rest)) => rest,
        None => line,
    }
}

type Lines = Arc<(Mutex<Vec<String>>, Condvar)>;

struct Hq {
    child: Child,
    url: String,
    lines: Lines,
}

impl Hq {
    fn start(data: &Path, listen: &str, faults: &[&str]) -> Hq {
        let mut args = vec![
            "serve",
            "--listen",
            listen,
            "--data-dir",
            data.to_str().unwrap(),
        ];
        for f in faults {
            args.extend(["--fault", f]);
        }
        let mut child = hq_command(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines: Lines = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let l2 = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                l2.0.lock().unwrap().push(strip_harness(&line).to_owned());
                l2.1.notify_all();
            }
        });
        let mut hq = Hq {
            child,
            url: String::new(),
            lines,
        };
        hq.url = hq
            .wait_line(|l| l.starts_with("listening "))
            .trim_start_matches("listening ")
            .to_owned();
        hq
    }

    fn wait_line(&self, pred: impl Fn(&str) -> bool) -> String {
        let (m, c) = &*self.lines;
        let mut guard = m.lock().unwrap();
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            if let Some(l) = guard.iter().find(|l| pred(l)) {
                return l.clone();
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            assert!(!left.is_zero(), "HQ never printed the line; saw {guard:?}");
            guard = c.wait_timeout(guard, left).unwrap().0;
        }
    }

    fn listen(&self) -> String {
        self.url.trim_start_matches("http://").to_owned()
    }

    /// SIGKILL, as a crash or a power cut would.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Hq {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What HQ holds from the office: (key, revision) of every stored revision.
fn hq_items(data: &Path) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(data.join("hq.db")).unwrap();
    let mut stmt = conn
        .prepare("SELECT key, revision FROM item ORDER BY key, revision")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

fn clock_at(s: &str) -> Clock {
    let t = chrono::DateTime::parse_from_rfc3339(s).unwrap();
    Arc::new(move || t)
}

/// The office's desk in `dir`, its clock stopped at 10 December 2024, 09:00.
fn open_desk(dir: &Path) -> Desk {
    Desk::open_with_clock(dir, clock_at("2024-12-10T09:00:00+07:00")).unwrap()
}

/// A set-up desk with `months` approved monthly reports of 2024 (January on).
fn desk_with_reports(dir: &Path, months: u32) {
    let mut desk = open_desk(dir);
    desk.setup(&SetupInput {
        office: OfficeInput {
            name: "Bảo hiểm xã hội tỉnh Hòa Bình".into(),
            parent_agency: "Bảo hiểm xã hội Việt Nam".into(),
            agency_code: "000.00.17.H23".into(),
            province_code: "017".into(),
            address: String::new(),
        },
        admin_username: "quantri".into(),
        admin_full_name: "Đặng Thị Hương".into(),
        admin_password: PW.into(),
    })
    .unwrap();
    desk.sign_in("quantri", PW).unwrap();
    desk.staff_create(
        &NewStaff {
            username: "giamsat".into(),
            full_name: "Nguyễn Thị Ánh Tuyết".into(),
            role: Role::Supervisor,
        },
        PW,
    )
    .unwrap();
    desk.sign_out().unwrap();
    approve_months(&mut desk, 1..=months);
}

fn approve_months(desk: &mut Desk, months: impl Iterator<Item = u32>) {
    desk.sign_in("giamsat", PW).unwrap();
    approve_signed_in(desk, months);
    desk.sign_out().unwrap();
}

fn approve_signed_in(desk: &mut Desk, months: impl Iterator<Item = u32>) {
    for m in months {
        let month = format!("2024-{m:02}");
        desk.progress_save(
            &month,
            &ProgressInput {
                task_number: 8,
                status: Status::InProgress,
                percent: u8::try_from(m * 8).unwrap(),
                indicator_value: None,
                narrative: "Tập huấn cán bộ.".into(),
                override_reason: None,
            },
        )
        .unwrap();
        desk.report_approve("month", &month, &format!("{m}/BC-BHXH"))
            .unwrap();
    }
}

fn configure(dir: &Path, url: &str, token: &str) -> Output {
    cli_env(
        dir,
        &[
            "sync",
            "configure",
            "--url",
            url,
            "--user",
            "quantri",
            "--json",
        ],
        &format!("{PW}\n{token}\n"),
        &[],
    )
}

fn sync_now(dir: &Path) -> Output {
    cli(dir, &["sync", "now", "--json"], "")
}

fn status(dir: &Path) -> Value {
    ok_json(&cli(dir, &["sync", "status", "--json"], ""))
}

/// Every outbox row, every column: to prove a response changed nothing.
fn outbox_rows(dir: &Path) -> Vec<Vec<String>> {
    let desk = Desk::open(dir).unwrap();
    let conn = desk.store().conn().unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT id, item_id, revision, attempts, COALESCE(last_error, ''), COALESCE(acked_at, ''),
                    COALESCE(outcome, ''), COALESCE(hq_revision, -1) FROM outbox ORDER BY rowid",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok((0..8)
            .map(|i| {
                r.get::<_, rusqlite::types::Value>(i)
                    .map(|v| format!("{v:?}"))
                    .unwrap()
            })
            .collect())
    })
    .unwrap()
    .collect::<Result<Vec<_>, _>>()
    .unwrap()
}

fn expected(months: u32) -> Vec<(String, i64)> {
    (1..=months)
        .map(|m| (format!("month:2024-{m:02}"), 1))
        .collect()
}

struct Setup {
    _tmp: tempfile::TempDir,
    desk: PathBuf,
    hq: PathBuf,
    token: String,
}

fn setup(months: u32) -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let desk = tmp.path().join("desk");
    let hq = tmp.path().join("hq");
    let token = add_office(&hq, "000.00.17.H23");
    desk_with_reports(&desk, months);
    Setup {
        _tmp: tmp,
        desk,
        hq,
        token,
    }
}

/// [`setup`], HQ serving on a free port with `faults`, and the desk
/// configured to sync with it.
fn connected(months: u32, faults: &[&str]) -> (Setup, Hq) {
    let s = setup(months);
    let hq = Hq::start(&s.hq, "127.0.0.1:0", faults);
    assert!(configure(&s.desk, &hq.url, &s.token).status.success());
    (s, hq)
}

#[test]
fn approved_reports_reach_hq_once_and_directives_come_down() {
    let s = setup(3);
    let hq = Hq::start(&s.hq, "127.0.0.1:0", &[]);
    let st = status(&s.desk);
    assert_eq!(st["configured"], false);
    assert_eq!(
        st["queued"], 3,
        "approval queued each report in its own transaction"
    );

    let out = configure(&s.desk, &hq.url, &s.token);
    assert_eq!(ok_json(&out)["officeCode"], "000.00.17.H23");
    // the token is in the keyring only: not in any file of the data directory
    for entry in std::fs::read_dir(&s.desk).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap_or_default();
        assert!(
            !bytes
                .windows(s.token.len())
                .any(|w| w == s.token.as_bytes())
        );
    }

    let out = sync_now(&s.desk);
    let run = ok_json(&out);
    assert_eq!(run["report"]["stored"], 3);
    assert_eq!(run["status"]["queued"], 0);
    assert_eq!(run["status"]["online"], true);
    assert_eq!(hq_items(&s.hq), expected(3));

    // HQ publishes; the next round brings it down, once
    let data = s.hq.to_str().unwrap();
    let out = hq_admin(&[
        "directive",
        "publish",
        "--title",
        "Hoàn thành số hóa hồ sơ trước 30/6",
        "--body",
        "Các đơn vị khẩn trương thực hiện.",
        "--data-dir",
        data,
    ]);
    assert!(out.status.success());
    let out = hq_admin(&[
        "plan",
        "publish",
        "--task",
        "8",
        "--target",
        "95",
        "--unit",
        "%",
        "--deadline",
        "2024-12-31",
        "--data-dir",
        data,
    ]);
    assert!(out.status.success());
    let run = json(&sync_now(&s.desk));
    assert_eq!(run["report"]["sent"], 0);
    assert_eq!(run["report"]["pulled"], 2);
    let run = json(&sync_now(&s.desk));
    assert_eq!(run["report"]["pulled"], 0, "the cursor moved on");
    let out = cli(&s.desk, &["sync", "directives", "--json"], "");
    let list = json(&out);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["title"], "Hoàn thành số hóa hồ sơ trước 30/6");
    // the plan change is applied to the office's own plan
    let desk = open_desk(&s.desk);
    desk.sign_in("giamsat", PW).unwrap();
    let plan = desk.plan().unwrap();
    let t8 = plan.tasks.iter().find(|t| t.number == 8).unwrap();
    assert_eq!(t8.deadline.as_deref(), Some("2024-12-31"));
    assert_eq!(t8.deadline_kind, "year");
    let target = t8.target.as_ref().unwrap();
    assert_eq!((target.value, target.unit.as_str()), (95.0, "%"));
    assert!(t8.hq_change.is_some());
    assert!(
        plan.tasks
            .iter()
            .filter(|t| t.number != 8)
            .all(|t| t.hq_change.is_none())
    );
    desk.sign_out().unwrap();
    drop(desk);

    // a correction is a new revision: HQ keeps both, the newest counts
    let mut desk = open_desk(&s.desk);
    desk.sign_in("giamsat", PW).unwrap();
    desk.report_reopen("month", "2024-02", "Sửa số liệu nhiệm vụ 8.")
        .unwrap();
    desk.sign_out().unwrap();
    approve_months(&mut desk, 2..=2);
    drop(desk);
    let run = json(&sync_now(&s.desk));
    assert_eq!(run["report"]["stored"], 1);
    let mut want = expected(3);
    want.insert(2, ("month:2024-02".into(), 2));
    assert_eq!(hq_items(&s.hq), want);
    // the national figures need an HQ sign-in or a read API token
    let out = hq_admin(&[
        "token",
        "add",
        "--scope",
        "read",
        "--data-dir",
        s.hq.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    let api = text
        .lines()
        .map(strip_harness)
        .find(|l| l.starts_with("bhxhr_"))
        .unwrap_or_else(|| panic!("no token: {text} {}", String::from_utf8_lossy(&out.stderr)))
        .trim()
        .to_owned();
    let n: Value = serde_json::from_str(&http_get(
        &format!("{}/api/national?month=2024-03", hq.url),
        &api,
    ))
    .unwrap();
    assert_eq!(n["offices"][0]["latestMonth"], "2024-03");
    assert_eq!(n["lateOffices"].as_array().unwrap().len(), 0);
}

/// A tiny HTTP GET over a plain socket (the test needs no HTTP client),
/// with a bearer token.
fn http_get(url: &str, token: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).unwrap();
    buf.split_once("\r\n\r\n").unwrap().1.to_owned()
}

#[test]
fn duplicate_delivery_is_acknowledged_not_stored_twice() {
    let (s, _hq) = connected(4, &[]);
    assert_eq!(json(&sync_now(&s.desk))["report"]["stored"], 4);
    // the desk forgets it was acknowledged (an old backup restored, say) and sends all again
    {
        let desk = Desk::open(&s.desk).unwrap();
        desk.store()
            .conn()
            .unwrap()
            .execute("UPDATE outbox SET acked_at = NULL, outcome = NULL", [])
            .unwrap();
    }
    assert_eq!(status(&s.desk)["queued"], 4);
    let run = json(&sync_now(&s.desk));
    assert_eq!(run["report"]["duplicates"], 4);
    assert_eq!(run["report"]["stored"], 0);
    assert_eq!(run["status"]["queued"], 0);
    assert_eq!(hq_items(&s.hq), expected(4));
}

#[test]
fn wrong_or_revoked_tokens_give_clear_errors_and_keep_the_queue() {
    let s = setup(1);
    let hq = Hq::start(&s.hq, "127.0.0.1:0", &[]);
    let out = configure(&s.desk, &hq.url, "bhxhq_not-the-token");
    assert!(!out.status.success());
    let e = json(&out);
    assert_eq!(e["error"]["code"], "sync_unauthorized");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("không được máy chủ chấp nhận")
    );
    assert_eq!(
        status(&s.desk)["configured"],
        false,
        "a refused token is not kept"
    );
    let out = sync_now(&s.desk);
    assert_eq!(json(&out)["error"]["code"], "sync_not_configured");
    // http:// to another machine is refused
    let out = configure(&s.desk, "http://hq.example.vn", &s.token);
    assert_eq!(json(&out)["error"]["code"], "sync_bad_url");

    assert!(configure(&s.desk, &hq.url, &s.token).status.success());
    let out = hq_admin(&[
        "office",
        "revoke",
        "000.00.17.H23",
        "--data-dir",
        s.hq.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let out = sync_now(&s.desk);
    assert!(!out.status.success());
    let e = json(&out);
    assert_eq!(e["error"]["code"], "sync_revoked");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("đã bị thu hồi")
    );
    assert!(!e["error"]["hint"].as_str().unwrap().is_empty());
    let st = status(&s.desk);
    assert_eq!(st["queued"], 1);
    assert_eq!(st["online"], false);
    assert_eq!(st["lastError"]["code"], "sync_revoked");
    assert!(hq_items(&s.hq).is_empty());
}

fn free_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

#[test]
fn hq_down_then_up() {
    let s = setup(3);
    let addr = free_port();
    let url = format!("http://{addr}");
    // configuring while HQ is unreachable keeps the settings
    let out = configure(&s.desk, &url, &s.token);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = sync_now(&s.desk);
    assert!(!out.status.success());
    assert_eq!(json(&out)["error"]["code"], "sync_offline");
    let st = status(&s.desk);
    assert_eq!(
        (st["queued"].clone(), st["online"].clone()),
        (3.into(), false.into())
    );
    assert!(
        st["lastError"]["message"]
            .as_str()
            .unwrap()
            .contains("Không kết nối được")
    );
    // the worker keeps trying with backoff; HQ comes up meanwhile
    let client = cli_spawn(
        &s.desk,
        &[
            "sync",
            "now",
            "--json",
            "--retries",
            "1000",
            "--backoff-ms",
            "50",
        ],
        "",
        &[],
    );
    let hq = Hq::start(&s.hq, &addr, &[]);
    let out = client.wait_with_output().unwrap();
    assert_eq!(ok_json(&out)["status"]["queued"], 0);
    assert_eq!(hq_items(&s.hq), expected(3));
    drop(hq);
}

#[test]
fn server_errors_cut_bodies_and_hostile_answers_never_lose_or_duplicate() {
    let (s, _hq) = connected(
        3,
        &[
            "fail500:2",
            "reset:1",
            "bad-json:1",
            "foreign-ids:1",
            "huge:1",
        ],
    );
    for want in ["sync_server_error", "sync_server_error", "sync_offline"] {
        let out = sync_now(&s.desk);
        assert_eq!(json(&out)["error"]["code"], want);
        assert_eq!(status(&s.desk)["queued"], 3);
    }
    // HQ stored the batch before cutting its answer off
    assert_eq!(hq_items(&s.hq), expected(3));
    let attempts_before = outbox_rows(&s.desk);
    assert!(
        attempts_before.iter().all(|r| r[3] == "Integer(3)"),
        "{attempts_before:?}"
    );
    for (fault, needle) in [
        ("bad-json", "không đọc được"),
        ("foreign-ids", "không gửi"),
        ("huge", "giới hạn"),
    ] {
        let before = outbox_rows(&s.desk);
        let out = sync_now(&s.desk);
        let e = json(&out);
        assert_eq!(e["error"]["code"], "sync_bad_response", "{fault}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains(needle),
            "{fault}: {e}"
        );
        assert_eq!(outbox_rows(&s.desk), before, "{fault} touched the outbox");
    }
    let run = json(&sync_now(&s.desk));
    assert_eq!(run["report"]["duplicates"], 3);
    assert_eq!(run["report"]["stored"], 0);
    assert_eq!(run["status"]["queued"], 0);
    assert_eq!(hq_items(&s.hq), expected(3));
}

#[test]
fn a_slow_hq_times_out_and_the_retry_is_a_duplicate() {
    let (s, hq) = connected(2, &["slow:600000"]);
    let out = cli_env(
        &s.desk,
        &["sync", "now", "--json"],
        "",
        &[("BHXH_SYNC_TIMEOUT_SECS", "2")],
    );
    assert_eq!(json(&out)["error"]["code"], "sync_timeout");
    assert_eq!(status(&s.desk)["queued"], 2);
    let addr = hq.listen();
    hq.kill();
    let _hq = Hq::start(&s.hq, &addr, &[]);
    let run = json(&sync_now(&s.desk));
    assert_eq!(run["report"]["duplicates"], 2);
    assert_eq!(hq_items(&s.hq), expected(2));
}

#[test]
fn client_killed_mid_batch_then_restarted() {
    let (s, hq) = connected(5, &["hang-after-store"]);
    let mut client = cli_spawn(
        &s.desk,
        &["sync", "now", "--json"],
        "",
        &[("BHXH_SYNC_BATCH_SIZE", "2")],
    );
    // HQ has stored the first batch and the client waits for the answer: kill it
    hq.wait_line(|l| l == "fault hang-after-store");
    client.kill().unwrap(); // SIGKILL
    client.wait().unwrap();
    assert_eq!(hq_items(&s.hq), expected(2));
    assert_eq!(status(&s.desk)["queued"], 5);
    let addr = hq.listen();
    hq.kill();
    let _hq = Hq::start(&s.hq, &addr, &[]);
    let out = cli_env(
        &s.desk,
        &["sync", "now", "--json"],
        "",
        &[("BHXH_SYNC_BATCH_SIZE", "2")],
    );
    let run = json(&out);
    assert_eq!(run["report"]["duplicates"], 2);
    assert_eq!(run["report"]["stored"], 3);
    assert_eq!(run["status"]["queued"], 0);
    assert_eq!(hq_items(&s.hq), expected(5));
}

#[test]
fn hq_restarted_mid_batch() {
    let (s, hq) = connected(4, &["hang-after-store"]);
    let client = cli_spawn(
        &s.desk,
        &["sync", "now", "--json"],
        "",
        &[("BHXH_SYNC_BATCH_SIZE", "3")],
    );
    hq.wait_line(|l| l == "fault hang-after-store");
    let addr = hq.listen();
    hq.kill(); // SIGKILL while the client waits for the answer
    let out = client.wait_with_output().unwrap();
    assert_eq!(json(&out)["error"]["code"], "sync_offline");
    assert_eq!(status(&s.desk)["queued"], 4);
    let _hq = Hq::start(&s.hq, &addr, &[]);
    let run = json(&sync_now(&s.desk));
    assert_eq!(run["report"]["duplicates"], 3);
    assert_eq!(run["report"]["stored"], 1);
    assert_eq!(hq_items(&s.hq), expected(4));
}

/// Poll until `done` (a bound makes a broken test fail instead of hanging).
fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + WAIT;
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "never happened: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_background_worker_rides_out_an_outage_and_sends_new_approvals() {
    let s = setup(2);
    let addr = free_port();
    assert!(
        configure(&s.desk, &format!("http://{addr}"), &s.token)
            .status
            .success()
    );
    let mut desk = open_desk(&s.desk);
    // Signed in before the worker starts: `accounts::sign_in` reads then
    // writes in a DEFERRED transaction, which can fail with SQLITE_BUSY_SNAPSHOT
    // when another connection commits in between (to fix there: BEGIN IMMEDIATE).
    desk.sign_in("giamsat", PW).unwrap();
    let worker = desk
        .start_sync_worker(
            Duration::from_millis(200),
            bhxh_sync::Backoff::new(Duration::from_millis(50), Duration::from_millis(500)),
        )
        .unwrap();
    // HQ is down: the worker fails, backs off, and keeps the queue
    wait_until("a failed round", || {
        desk.sync_status().unwrap().consecutive_failures > 0
    });
    assert_eq!(desk.sync_status().unwrap().queued, 2);
    let _hq = Hq::start(&s.hq, &addr, &[]);
    wait_until("the first two reports at HQ", || {
        hq_items(&s.hq) == expected(2)
    });
    // approvals go on in the window while the worker has its own connection
    approve_signed_in(&mut desk, 3..=4);
    worker.wake();
    wait_until("all four at HQ", || hq_items(&s.hq) == expected(4));
    worker.stop();
    let st = desk.sync_status().unwrap();
    assert_eq!((st.queued, st.acknowledged, st.online), (0, 4, true));
}

/// `db check --json` on the desk in `dir`.
fn db_check(dir: &Path) -> Value {
    json(&cli(dir, &["db", "check", "--json"], ""))
}

#[test]
fn hq_witnesses_the_audit_head_and_db_check_finds_a_chain_cut_back_or_restored_older() {
    let (s, _hq) = connected(1, &[]);
    let out = sync_now(&s.desk);
    let round = ok_json(&out);
    let first_seq = round["report"]["witnessedSeq"].as_i64().unwrap();
    assert!(first_seq > 5, "{round}");
    let check = db_check(&s.desk);
    assert_eq!(check["ok"], true, "{check}");
    assert_eq!(check["witness"]["status"], "contained", "{check}");
    assert_eq!(check["witness"]["seq"], first_seq);

    // A backup now, then more work, witnessed by HQ.
    let backup = s.desk.parent().unwrap().join("sao-luu.bhxhbak");
    let out = cli_env(
        &s.desk,
        &[
            "db",
            "backup",
            backup.to_str().unwrap(),
            "--user",
            "quantri",
        ],
        &format!("{PW}\nmat-khau-sao-luu-dai\n"),
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    {
        let mut desk = open_desk(&s.desk);
        approve_months(&mut desk, 2..=3);
    }
    let round = ok_json(&sync_now(&s.desk));
    let witnessed = round["report"]["witnessedSeq"].as_i64().unwrap();
    assert!(witnessed > first_seq);

    // The cheapest way past the local check: cut the newest entries and
    // move the head back to the last one kept. The chain alone looks whole.
    let kept = witnessed - 3;
    {
        let desk = Desk::open(&s.desk).unwrap();
        let conn = desk.store().conn().unwrap();
        conn.execute("DELETE FROM audit_log WHERE seq > ?1", [kept])
            .unwrap();
        conn.execute(
            "UPDATE audit_head SET seq = ?1, hash = (SELECT hash FROM audit_log WHERE seq = ?1)",
            [kept],
        )
        .unwrap();
    }
    let check = db_check(&s.desk);
    assert_eq!(check["auditProblems"], serde_json::json!([]), "{check}");
    assert_eq!(check["ok"], false, "{check}");
    assert_eq!(check["witness"]["status"], "not_contained", "{check}");
    let msg = check["witness"]["message"].as_str().unwrap();
    assert!(msg.contains(&format!("không còn mục {witnessed}")), "{msg}");
    let human = text(&cli(&s.desk, &["db", "check"], "").stdout);
    assert!(
        human.contains("Đối chiếu với máy chủ trung ương: CÓ LỖI"),
        "{human}"
    );

    // Restoring the older backup is told the same, at once.
    let out = cli_env(
        &s.desk,
        &[
            "db",
            "restore",
            backup.to_str().unwrap(),
            "--user",
            "quantri",
            "--json",
        ],
        &format!("{PW}\nmat-khau-sao-luu-dai\n"),
        &[],
    );
    let restored = ok_json(&out);
    let notes = restored["restore"]["notes"].to_string();
    assert!(
        notes.contains(&format!("không còn mục {witnessed}")),
        "{restored}"
    );
    assert_eq!(restored["check"]["ok"], false);

    // The next sync shows HQ the head going back: HQ keeps it as a
    // regression, which every later check lists.
    ok_json(&sync_now(&s.desk));
    let check = db_check(&s.desk);
    assert_eq!(check["ok"], true, "{check}");
    assert_eq!(check["witness"]["status"], "contained");
    let regressions = check["witness"]["regressions"].as_array().unwrap();
    assert_eq!(regressions.len(), 1, "{check}");
    assert!(
        regressions[0]
            .as_str()
            .unwrap()
            .contains(&format!("lùi từ mục {witnessed} về mục")),
        "{check}"
    );
}

/// A reference pack HQ publishes: one procedure's deadline changed from a
/// given date.
fn pack(id: &str, version: i64, code: &str, from: &str, days: u32) -> String {
    serde_json::json!({
        "format": 1,
        "id": id,
        "version": version,
        "published": "2026-11-20",
        "title": "Điều chỉnh thời hạn giải quyết",
        "procedures": [{
            "code": code,
            "valid_from": from,
            "deadline": { "value": days, "unit": "working_days" },
            "basis": "Văn bản điều chỉnh của BHXH Việt Nam (thử nghiệm)"
        }]
    })
    .to_string()
}

#[test]
fn a_reference_pack_from_hq_changes_a_deadline_from_its_valid_from_on_once() {
    let (s, _hq) = connected(1, &[]);
    let data = s.hq.to_str().unwrap();
    let file = s.hq.join("goi-2027.json");
    std::fs::write(&file, pack("hq-2027", 1, "BHXH.01", "2027-01-01", 3)).unwrap();
    let out = hq_admin(&[
        "reference",
        "publish",
        file.to_str().unwrap(),
        "--data-dir",
        data,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A pack the desk cannot use: it names a procedure nobody has. HQ takes
    // it (it only checks the envelope); the desk refuses it, changes
    // nothing, audits why, and goes on.
    let bad = s.hq.join("goi-sai.json");
    std::fs::write(&bad, pack("hq-sai", 1, "KHONG.CO", "2027-01-01", 2)).unwrap();
    let out = hq_admin(&[
        "reference",
        "publish",
        bad.to_str().unwrap(),
        "--data-dir",
        data,
    ]);
    assert!(out.status.success());
    // Not JSON at all: HQ refuses it at once.
    let junk = s.hq.join("rac.json");
    std::fs::write(&junk, "{\"id\": ").unwrap();
    let out = hq_admin(&[
        "reference",
        "publish",
        junk.to_str().unwrap(),
        "--data-dir",
        data,
    ]);
    assert!(!out.status.success());

    let run = json(&sync_now(&s.desk));
    assert_eq!(run["report"]["pulled"], 2, "{run}");
    let run = json(&sync_now(&s.desk));
    assert_eq!(run["report"]["pulled"], 0);

    let deadline = |date: &str| {
        let out = cli(&s.desk, &["procedures", "list", "--at", date, "--json"], "");
        let list = json(&out);
        let p = list
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["code"] == "BHXH.01")
            .unwrap()
            .clone();
        (
            p["deadlineValue"].as_u64().unwrap(),
            p["basis"].as_str().unwrap().to_owned(),
        )
    };
    let (before, _) = deadline("2026-12-31");
    assert_eq!(before, 5);
    let (after, basis) = deadline("2027-01-01");
    assert_eq!(after, 3);
    assert!(basis.contains("thử nghiệm"), "{basis}");

    // On the record: applied once with what changed, and the bad one refused.
    let desk = open_desk(&s.desk);
    desk.sign_in("quantri", PW).unwrap();
    let packs = desk.reference_packs().unwrap();
    let hq_packs: Vec<_> = packs.iter().filter(|p| p.source == "hq").collect();
    assert_eq!(hq_packs.len(), 1, "{packs:?}");
    assert!(
        hq_packs[0]
            .changes
            .iter()
            .any(|c| c.contains("01/01/2027") && c.contains("BHXH.01"))
    );
    let log = desk.audit_list(50, None).unwrap();
    assert_eq!(
        log.iter()
            .filter(|e| e.action == "reference_pack" && e.entity_id == "hq-2027@1")
            .count(),
        1
    );
    let refused = log
        .iter()
        .find(|e| e.action == "reference_pack_refused")
        .unwrap();
    assert!(refused.detail.contains("KHONG.CO"), "{}", refused.detail);
}

/// Register an office at HQ (a base office when `parent` is given); its token.
fn add_office_at(data: &Path, code: &str, name: &str, parent: Option<&str>) -> String {
    let mut args = vec![
        "office",
        "add",
        code,
        "--name",
        name,
        "--data-dir",
        data.to_str().unwrap(),
    ];
    if let Some(p) = parent {
        args.extend(["--parent", p]);
    }
    let out = hq_admin(&args);
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .map(strip_harness)
        .find(|l| l.starts_with("bhxhq_"))
        .unwrap_or_else(|| panic!("no token: {text} {}", String::from_utf8_lossy(&out.stderr)))
        .trim()
        .to_owned()
}

/// `bhxh-desk plan base-offices --json` as the administrator.
fn base_offices(dir: &Path) -> Value {
    ok_json(&cli(
        dir,
        &["plan", "base-offices", "--user", "quantri", "--json"],
        &format!("{PW}\n"),
    ))
}

/// Text of a PDF as poppler reads it, white space squashed.
fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-raw")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success());
    text(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Levels, end to end: HQ with a province and two base offices, each base
/// office's desk sending its reports; the provincial desk syncs, then shows
/// its base offices, and its monthly report has their section; offline, the
/// last copy stays and says how old it is.
#[test]
fn a_provincial_desk_shows_its_base_offices_and_reports_them() {
    let tmp = tempfile::tempdir().unwrap();
    let hq_dir = tmp.path().join("hq");
    let hn = add_office_at(&hq_dir, "HN", "Bảo hiểm xã hội thành phố Hà Nội", None);
    let hn1 = add_office_at(&hq_dir, "HN-1", "BHXH cơ sở Ba Đình", Some("HN"));
    let hn2 = add_office_at(&hq_dir, "HN-2", "BHXH cơ sở Cầu Giấy", Some("HN"));
    let hq = Hq::start(&hq_dir, "127.0.0.1:0", &[]);

    // each base office's desk: March and January reported
    for (name, token, months) in [("hn1", &hn1, 3), ("hn2", &hn2, 1)] {
        let dir = tmp.path().join(name);
        desk_with_reports(&dir, months);
        assert!(configure(&dir, &hq.url, token).status.success());
        let run = ok_json(&sync_now(&dir));
        assert_eq!(run["status"]["queued"], 0);
        // HQ's 403 to a base office is an answer, not a failed sync
        assert_eq!(run["status"]["online"], true, "{run}");
        assert_eq!(run["status"]["lastError"], Value::Null);
        let b = base_offices(&dir);
        assert_eq!(b["state"], "not_provincial", "{b}");
        assert!(b["offices"].as_array().unwrap().is_empty());
    }

    // the provincial desk: nothing before it syncs
    let prov = tmp.path().join("province");
    desk_with_reports(&prov, 2);
    let b = base_offices(&prov);
    assert_eq!(b["state"], "never");
    assert!(
        b["note"].as_str().unwrap().contains("Chưa nhận được"),
        "{b}"
    );
    assert!(configure(&prov, &hq.url, &hn).status.success());
    assert_eq!(ok_json(&sync_now(&prov))["status"]["online"], true);

    let b = base_offices(&prov);
    assert_eq!(b["state"], "provincial", "{b}");
    assert_eq!(b["provinceCode"], "HN");
    assert_eq!(b["ageText"], "vừa xong");
    let offices = b["offices"].as_array().unwrap();
    let got: Vec<(&str, &str, &str)> = offices
        .iter()
        .map(|o| {
            (
                o["code"].as_str().unwrap(),
                o["name"].as_str().unwrap(),
                o["latestMonth"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("HN-1", "BHXH cơ sở Ba Đình", "2024-03"),
            ("HN-2", "BHXH cơ sở Cầu Giấy", "2024-01")
        ]
    );
    // task 8 as HN-1's March report has it (24 %, in progress)
    let t8 = offices[0]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["taskNumber"] == 8)
        .unwrap();
    assert_eq!(
        (t8["percent"].clone(), t8["status"].clone()),
        (24.into(), "in_progress".into())
    );
    assert_eq!(offices[0]["inProgress"], 1);
    // the text form, in Vietnamese
    let out = cli(
        &prov,
        &["plan", "base-offices", "--user", "quantri"],
        &format!("{PW}\n"),
    );
    let shown = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        shown.contains("Các cơ quan BHXH cơ sở trực thuộc Bảo hiểm xã hội thành phố Hà Nội"),
        "{shown}"
    );
    assert!(shown.contains("HN-1 — BHXH cơ sở Ba Đình"), "{shown}");
    assert!(shown.contains("HN-2 — BHXH cơ sở Cầu Giấy"), "{shown}");

    // February's report with its base offices: HN-1 reported (March), HN-2 not
    let pdf = tmp.path().join("bao-cao.pdf");
    let out = cli(
        &prov,
        &[
            "report",
            "monthly",
            "--month",
            "2024-02",
            "--out",
            pdf.to_str().unwrap(),
            "--include-base-offices",
            "--user",
            "giamsat",
        ],
        &format!("{PW}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = pdf_text(&pdf);
    assert!(
        t.contains("TIẾN ĐỘ CỦA CÁC CƠ QUAN BHXH CƠ SỞ TRỰC THUỘC"),
        "{t}"
    );
    for want in [
        "HN-1",
        "HN-2",
        "Ba Đình",
        "Cầu Giấy",
        "Đã báo cáo tháng 02/2024: 1/2 đơn vị",
        "Đã báo cáo (tháng 03/2024, lần 1)",
        "Chưa báo cáo (gần nhất: tháng 01/2024)",
    ] {
        assert!(t.contains(want), "{want} not in: {t}");
    }
    assert!(!t.contains("cũ hơn kỳ báo cáo"), "HQ's month is later: {t}");
    // without the option: the plain report
    let plain = tmp.path().join("thuong.pdf");
    let out = cli(
        &prov,
        &[
            "report",
            "monthly",
            "--month",
            "2024-02",
            "--out",
            plain.to_str().unwrap(),
            "--user",
            "giamsat",
        ],
        &format!("{PW}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = pdf_text(&plain);
    assert!(
        !t.contains("HN-1") && !t.contains("CƠ SỞ TRỰC THUỘC"),
        "{t}"
    );
    // a base office's desk asked for the section is told why not
    let out = cli(
        &tmp.path().join("hn1"),
        &[
            "report",
            "monthly",
            "--month",
            "2024-02",
            "--out",
            tmp.path().join("x.pdf").to_str().unwrap(),
            "--include-base-offices",
            "--user",
            "giamsat",
            "--json",
        ],
        &format!("{PW}\n"),
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stdout).contains("đơn vị là BHXH cơ sở"),
        "{}",
        text(&out.stdout)
    );

    // HQ gone: the sync fails, the last copy stays, with its age
    hq.kill();
    assert!(!sync_now(&prov).status.success());
    let after = base_offices(&prov);
    assert_eq!(after["offices"], b["offices"]);
    assert_eq!(after["fetchedAt"], b["fetchedAt"]);
    assert!(after["ageText"].is_string() && after["ageMinutes"].is_number());
}
