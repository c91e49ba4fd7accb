//! Sync benchmark: `cargo bench -p bhxh-hq --bench sync` (release build).
//!
//! 1. 10,000 approved reports queued in a real encrypted desk store, synced
//!    to the real `bhxh-hq` process over loopback by the real client
//!    (`bhxh_sync::sync_round`, batches of 200).
//! 2. HQ ingest, on SQLite and on PostgreSQL (a private server with its
//!    durable defaults, `bhxh_hq::testing`) side by side: 400 offices
//!    pushing at once, each `PER_OFFICE` reports (cycling through the 36
//!    months of 2024–2026) in batches of 100.
//! 3. The national page after that (400 offices × 36 months): `N_PAGES`
//!    requests each of `/` (a staff session) and `/api/national` (a read
//!    token), p50/p95; the first request after the pushes rebuilds the
//!    cached aggregate and is reported on its own.
//! 4. HQ's peak resident memory (VmHWM) in each run.
//!
//! Figures go to docs/benchmarks-sync.md.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bhxh_sync::{Client, ClientConfig};
use uuid::Uuid;

/// The `bhxh-hq` binary: this build's, or `BHXH_HQ_BIN` (an older build,
/// to measure before and after with the same bench).
fn hq_bin() -> String {
    std::env::var("BHXH_HQ_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_bhxh-hq").to_owned())
}
const QUEUED: usize = 10_000;
const OFFICES: usize = 400;
const PER_OFFICE: usize = 200;
const PER_PUSH: usize = 100;
const N_PAGES: usize = 100;

/// A report snapshot about the size of a real one (27 tasks with their text).
fn payload(id: Uuid, period: &str, revision: i64) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = (1..=27)
        .map(|n| {
            serde_json::json!({
                "taskNumber": n, "section": 1 + n / 10,
                "content": "Triển khai thực hiện các nhiệm vụ của Đề án 06 về phát triển ứng dụng dữ liệu dân cư, định danh và xác thực điện tử",
                "leadUnit": "BHXH các tỉnh", "deadlineText": "Thường xuyên", "provinceRole": "lead",
                "target": null,
                "progress": {"period": period, "taskNumber": n, "status": "in_progress", "statusLabel": "Đang thực hiện",
                             "percent": (n * 3) % 100, "indicatorValue": null, "narrative": "Đã triển khai theo kế hoạch.",
                             "updatedBy": "Nguyễn Thị Ánh Tuyết", "updatedAt": "2024-06-03T08:00:00.000+07:00"}
            })
        })
        .collect();
    serde_json::json!({
        "uuid": id, "kind": "month", "period": period, "periodLabel": "Tháng", "revision": revision,
        "status": "approved", "number": "1/BC-BHXH", "approvedBy": "Nguyễn Thị Ánh Tuyết",
        "approvedAt": "2024-06-03T08:00:00.000+07:00", "sections": [], "rows": rows
    })
}

/// The `i`-th report of an office: HQ takes periods from 2024-01 to the
/// current month only, so reports cycle through the 36 months of 2024–2026
/// with rising revisions (HQ runs with `--max-revisions 1000` here).
fn period(i: usize) -> (String, i64) {
    let m = i % 36;
    (
        format!("{:04}-{:02}", 2024 + m / 12, 1 + m % 12),
        (i / 36) as i64 + 1,
    )
}

fn token(data: &str, code: &str) -> String {
    hq(
        &["--data-dir".to_owned(), data.to_owned()],
        &["office", "add", "--code", code, "--name", code],
    )
}

/// Run `bhxh-hq ARGS STORE…`; its standard output.
fn hq(store: &[String], args: &[&str]) -> String {
    let out = Command::new(hq_bin())
        .args(args)
        .args(store)
        .env("BHXH_HQ_STAFF_PASSWORD", STAFF_PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

const STAFF_PASSWORD: &str = "mat-khau-thu-nghiem-2026";

/// Start `bhxh-hq serve` on `store`; the process and its URL.
fn serve(store: &[String]) -> (Child, String) {
    let mut child = Command::new(hq_bin())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(store)
        .args(["--rate-per-minute", "100000", "--burst", "100000"])
        .args(["--max-revisions", "1000"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines
        .next()
        .unwrap()
        .unwrap()
        .trim_start_matches("listening ")
        .to_owned();
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

/// CPU seconds (user + system) a process has used.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // the fields after the command name (which may hold spaces)
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime, stime are fields 14 and 15 of stat (11 and 12 after the name)
    (ticks(11) + ticks(12)) as f64 / 100.0
}

/// CPU seconds used by a PostgreSQL server listening on `port`: its
/// postmaster and every backend it started.
fn postgres_cpu_secs(port: &str) -> f64 {
    let procs: Vec<(u32, u32, String)> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let ppid = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            let cmd = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).ok()?;
            Some((pid, ppid, cmd.replace('\0', " ")))
        })
        .collect();
    let Some(master) = procs
        .iter()
        .find(|(_, _, cmd)| cmd.contains("bin/postgres") && cmd.contains(&format!("-p {port}")))
        .map(|p| p.0)
    else {
        return 0.0;
    };
    procs
        .iter()
        .filter(|(pid, ppid, _)| *pid == master || *ppid == master)
        .map(|(pid, _, _)| cpu_secs(*pid))
        .sum()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A report's JSON text built from one serialised template per period
/// (the load generator must not eat the cores HQ is measured on).
struct Templates(Vec<String>);

const SENTINEL_ID: &str = "01900000-0000-7000-8000-000000000000";
const SENTINEL_REVISION: i64 = 987_654_321;

impl Templates {
    fn new() -> Templates {
        Templates(
            (0..36)
                .map(|m| {
                    let (p, _) = period(m);
                    serde_json::to_string(&payload(
                        Uuid::parse_str(SENTINEL_ID).unwrap(),
                        &p,
                        SENTINEL_REVISION,
                    ))
                    .unwrap()
                })
                .collect(),
        )
    }

    /// The push item (JSON text) of an office's `i`-th report.
    fn item(&self, i: usize) -> String {
        let id = Uuid::now_v7().to_string();
        let (p, revision) = period(i);
        let payload = self.0[i % 36]
            .replace(SENTINEL_ID, &id)
            .replace(&SENTINEL_REVISION.to_string(), &revision.to_string());
        format!(
            "{{\"id\":\"{id}\",\"stream\":\"report\",\"key\":\"month:{p}\",\"revision\":{revision},\"payload\":{payload}}}"
        )
    }
}

/// What one store's run measured.
struct StoreRun {
    offices_s: f64,
    ingest_s: f64,
    first_page: Duration,
    page: Vec<Duration>,
    api: Vec<Duration>,
    page_bytes: usize,
    api_bytes: usize,
    peak_kib: u64,
    /// `/api/national` while the offices push.
    during: Vec<Duration>,
    /// CPU seconds HQ and PostgreSQL used during the ingest.
    hq_cpu: f64,
    pg_cpu: f64,
}

/// 400 offices pushing at once, then the national page, on one store.
fn store_run(postgres: bool, templates: &std::sync::Arc<Templates>) -> StoreRun {
    let tmp = tempfile::tempdir().unwrap();
    let pg = postgres.then(bhxh_hq::testing::PostgresServer::start_durable);
    let mut store = vec![
        "--data-dir".to_owned(),
        tmp.path().to_str().unwrap().to_owned(),
    ];
    let mut pg_port = String::new();
    if let Some(pg) = &pg {
        let url = pg.create_database();
        pg_port = url
            .rsplit_once(':')
            .unwrap()
            .1
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        store.extend(["--database".to_owned(), url]);
    }
    let t = Instant::now();
    // provincial offices first (a base office's parent must exist), then
    // their base offices, 4 processes at a time
    let provinces = 34;
    let codes: Vec<(String, Option<String>)> = (0..OFFICES)
        .map(|i| {
            if i < provinces {
                (format!("P{i:02}"), None)
            } else {
                (format!("B{i:03}"), Some(format!("P{:02}", i % provinces)))
            }
        })
        .collect();
    let mut tokens = Vec::new();
    for chunk in [&codes[..provinces], &codes[provinces..]] {
        let parts: Vec<Vec<(String, Option<String>)>> = chunk
            .chunks(chunk.len().div_ceil(4))
            .map(<[_]>::to_vec)
            .collect();
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| {
                let store = store.clone();
                std::thread::spawn(move || {
                    part.iter()
                        .map(|(code, parent)| {
                            let mut args = vec!["office", "add", "--code", code, "--name", code];
                            if let Some(p) = parent {
                                args.extend(["--parent", p]);
                            }
                            hq(&store, &args)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            tokens.extend(h.join().unwrap());
        }
    }
    let api_token = hq(&store, &["token", "add", "--scope", "read"]);
    hq(&store, &["staff", "add", "bench", "--role", "viewer"]);
    let offices_s = t.elapsed().as_secs_f64();
    let (mut child, url) = serve(&store);
    let pid = child.id();

    // the national API polled by one reader while the offices push
    let ingesting = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let poller = {
        let (url, api_token, ingesting) = (url.clone(), api_token.clone(), ingesting.clone());
        std::thread::spawn(move || {
            let c = reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(600))
                .build()
                .unwrap();
            let mut latencies = Vec::new();
            while ingesting.load(std::sync::atomic::Ordering::SeqCst) {
                let t = Instant::now();
                let r = c
                    .get(format!("{url}/api/national"))
                    .bearer_auth(&api_token)
                    .send()
                    .unwrap();
                assert_eq!(r.status().as_u16(), 200);
                let _ = r.bytes().unwrap();
                latencies.push(t.elapsed());
                std::thread::sleep(Duration::from_millis(50));
            }
            latencies
        })
    };
    let (hq_cpu0, pg_cpu0) = (cpu_secs(pid), postgres_cpu_secs(&pg_port));
    let t = Instant::now();
    let handles: Vec<_> = tokens
        .into_iter()
        .map(|tok| {
            let (url, templates) = (url.clone(), templates.clone());
            std::thread::spawn(move || {
                let c = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(600))
                    .build()
                    .unwrap();
                let mut stored = 0;
                for batch in 0..PER_OFFICE / PER_PUSH {
                    let items: Vec<String> = (0..PER_PUSH)
                        .map(|j| templates.item(batch * PER_PUSH + j))
                        .collect();
                    let body = format!("{{\"protocol\":1,\"items\":[{}]}}", items.join(","));
                    drop(items);
                    let r = c
                        .post(format!("{url}/v1/push"))
                        .bearer_auth(&tok)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .unwrap();
                    assert_eq!(r.status().as_u16(), 200);
                    let v: serde_json::Value = r.json().unwrap();
                    stored += v["results"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|x| x["outcome"] == "stored")
                        .count();
                }
                stored
            })
        })
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let ingest_s = t.elapsed().as_secs_f64();
    let hq_cpu = cpu_secs(pid) - hq_cpu0;
    let pg_cpu = postgres_cpu_secs(&pg_port) - pg_cpu0;
    ingesting.store(false, std::sync::atomic::Ordering::SeqCst);
    let mut during = poller.join().unwrap();
    during.sort();
    assert_eq!(total, OFFICES * PER_OFFICE);

    // the national page: a staff session for `/`, the read token for the API
    let c = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let form = c.get(format!("{url}/signin")).send().unwrap();
    let csrf_cookie = form
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = csrf_cookie.split_once('=').unwrap().1.to_owned();
    let signed = c
        .post(format!("{url}/signin"))
        .header("cookie", &csrf_cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        // the password and the token (hex) need no escaping
        .body(format!(
            "username=bench&password={STAFF_PASSWORD}&csrf={csrf}"
        ))
        .send()
        .unwrap();
    assert_eq!(signed.status().as_u16(), 303);
    let session = signed
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|c| c.starts_with("hq_session="))
        .unwrap();
    let get = |path: &str, staff: bool| {
        let req = c.get(format!("{url}{path}"));
        let req = if staff {
            req.header("cookie", &session)
        } else {
            req.bearer_auth(&api_token)
        };
        let t = Instant::now();
        let r = req.send().unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let n = r.bytes().unwrap().len();
        (t.elapsed(), n)
    };
    let (first_page, _) = get("/", true);
    let mut page = Vec::new();
    let mut api = Vec::new();
    let (mut page_bytes, mut api_bytes) = (0, 0);
    for _ in 0..N_PAGES {
        let (d, n) = get("/", true);
        page.push(d);
        page_bytes = n;
        let (d, n) = get("/api/national", false);
        api.push(d);
        api_bytes = n;
    }
    page.sort();
    api.sort();
    let peak_kib = peak_rss_kib(pid);
    let _ = child.kill();
    let _ = child.wait();
    StoreRun {
        offices_s,
        ingest_s,
        first_page,
        page,
        api,
        page_bytes,
        api_bytes,
        peak_kib,
        during,
        hq_cpu,
        pg_cpu,
    }
}

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("hq");
    let data_s = data.to_str().unwrap().to_owned();
    let desk_token = token(&data_s, "BENCH-DESK");
    let (mut child, url) = serve(&["--data-dir".to_owned(), data_s.clone()]);
    let pid = child.id();
    let idle_rss = peak_rss_kib(pid);

    // 1. 10,000 queued reports in a real encrypted desk store
    let key = bhxh_secrets::Key256::generate().unwrap();
    let store = bhxh_store::Store::create(
        &tmp.path().join("desk/desk.db"),
        &key,
        bhxh_core::schema::MIGRATIONS,
    )
    .unwrap();
    let now = bhxh_core::parse_ts("2024-06-03T08:00:00+07:00").unwrap();
    let t = Instant::now();
    {
        let mut conn = store.conn().unwrap();
        let tx = conn.write().unwrap();
        for i in 0..QUEUED {
            let id = Uuid::now_v7();
            let (p, revision) = period(i);
            let json = serde_json::to_string(&payload(id, &p, revision)).unwrap();
            bhxh_core::sync::outbox::enqueue(
                &tx,
                &id.to_string(),
                "report",
                &format!("month:{p}"),
                revision,
                &json,
                &now,
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    let enqueue_s = t.elapsed().as_secs_f64();
    let bytes: i64 = store
        .conn()
        .unwrap()
        .query_row("SELECT SUM(LENGTH(payload)) FROM outbox_payload", [], |r| {
            r.get(0)
        })
        .unwrap();
    let client = Client::new(ClientConfig::new(&url), &desk_token).unwrap();
    let t = Instant::now();
    let report = bhxh_sync::sync_round(&store.conn().unwrap(), &client, &now).unwrap();
    let sync_s = t.elapsed().as_secs_f64();
    assert_eq!(report.stored, QUEUED);
    assert_eq!(
        bhxh_core::sync::outbox::counts(&store.conn().unwrap())
            .unwrap()
            .queued,
        0
    );
    let rss_after_sync = peak_rss_kib(pid);
    let _ = child.kill();
    let _ = child.wait();
    println!("| measure | figure |");
    println!("| --- | --- |");
    println!("| enqueue {QUEUED} reports (one transaction, encrypted store) | {enqueue_s:.2} s |");
    println!(
        "| sync {QUEUED} queued reports over loopback ({:.1} MiB of JSON, {} batches) | {sync_s:.2} s ({:.0} reports/s) |",
        bytes as f64 / 1048576.0,
        report.batches,
        QUEUED as f64 / sync_s
    );
    println!(
        "| HQ resident memory (SQLite): idle / peak after the {QUEUED} (VmHWM) | {:.1} / {:.1} MiB |",
        idle_rss as f64 / 1024.0,
        rss_after_sync as f64 / 1024.0,
    );
    drop(client);
    drop(store);
    drop(tmp);

    // 2–4. 400 offices at once, then the national page, on both stores
    let templates = std::sync::Arc::new(Templates::new());
    let runs: Vec<(&str, StoreRun)> = [false, true]
        .into_iter()
        .map(|pg| {
            (
                if pg { "PostgreSQL" } else { "SQLite" },
                store_run(pg, &templates),
            )
        })
        .collect();
    println!();
    println!("| measure | {} | {} |", runs[0].0, runs[1].0);
    println!("| --- | --- | --- |");
    let row = |name: String, f: &dyn Fn(&StoreRun) -> String| {
        println!("| {name} | {} | {} |", f(&runs[0].1), f(&runs[1].1));
    };
    row(
        format!("register {OFFICES} offices (CLI, 4 at a time)"),
        &|r| format!("{:.1} s", r.offices_s),
    );
    row(
        format!(
            "HQ ingest, {OFFICES} offices at once, {PER_OFFICE} reports each in batches of {PER_PUSH}"
        ),
        &|r| {
            format!(
                "{:.2} s ({:.0} reports/s, {:.0} pushes/s)",
                r.ingest_s,
                (OFFICES * PER_OFFICE) as f64 / r.ingest_s,
                (OFFICES * PER_OFFICE / PER_PUSH) as f64 / r.ingest_s
            )
        },
    );
    row(
        "CPU used during the ingest: HQ / PostgreSQL (reports per CPU-second of both)".to_owned(),
        &|r| {
            format!(
                "{:.1} / {:.1} s ({:.0}/s)",
                r.hq_cpu,
                r.pg_cpu,
                (OFFICES * PER_OFFICE) as f64 / (r.hq_cpu + r.pg_cpu)
            )
        },
    );
    row(
        "national page `/`: first request after the pushes (rebuilds the aggregate)".to_owned(),
        &|r| format!("{:.0} ms", ms(r.first_page)),
    );
    row(
        format!("national page `/` (staff session), {N_PAGES} requests: p50 / p95"),
        &|r| {
            format!(
                "{:.1} / {:.1} ms ({:.0} KiB)",
                ms(percentile(&r.page, 0.5)),
                ms(percentile(&r.page, 0.95)),
                r.page_bytes as f64 / 1024.0
            )
        },
    );
    row(
        format!("`/api/national` (read token), {N_PAGES} requests: p50 / p95"),
        &|r| {
            format!(
                "{:.1} / {:.1} ms ({:.0} KiB)",
                ms(percentile(&r.api, 0.5)),
                ms(percentile(&r.api, 0.95)),
                r.api_bytes as f64 / 1024.0
            )
        },
    );
    row(
        "`/api/national` polled while the offices push (a request every 50 ms after the last): p50 / p95 / max"
            .to_owned(),
        &|r| {
            format!(
                "{:.0} / {:.0} / {:.0} ms ({} requests)",
                ms(percentile(&r.during, 0.5)),
                ms(percentile(&r.during, 0.95)),
                ms(*r.during.last().unwrap()),
                r.during.len()
            )
        },
    );
    row("HQ peak resident memory (VmHWM)".to_owned(), &|r| {
        format!("{:.1} MiB", r.peak_kib as f64 / 1024.0)
    });
}
