//! Hostile-client benchmark: `cargo bench -p bhxh-hq --bench hostile`
//! (release build).
//!
//! The real `bhxh-hq` process on loopback, on SQLite and on PostgreSQL (a
//! private server with its durable defaults, `bhxh_hq::testing`). 34 offices
//! push at once, each `PUSHES` batches of `PER_PUSH` reports (about the size
//! of real ones), and every push's latency is measured — once on a quiet
//! server, once while 200 slowloris connections send request headers a
//! byte at a time and 4 clients flood the page and the national API.
//!
//! Figures go to docs/benchmarks-sync.md; nothing here is asserted but
//! that every push completes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use uuid::Uuid;

const HQ: &str = env!("CARGO_BIN_EXE_bhxh-hq");
const OFFICES: usize = 34;
const PUSHES: usize = 10;
const PER_PUSH: usize = 50;
const SLOWLORIS: usize = 200;
const FLOODERS: usize = 4;

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

/// The `k`-th report of an office: the 36 months of 2024–2026, rising revisions.
fn kth(k: usize) -> (String, i64) {
    let m = k % 36;
    (
        format!("{}-{:02}", 2024 + m / 12, 1 + m % 12),
        (k / 36) as i64 + 1,
    )
}

fn hq(store: &[String], args: &[&str]) -> String {
    let out = Command::new(HQ).args(args).args(store).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

struct Run {
    latencies: Vec<Duration>,
    wall: Duration,
    pages: usize,
    cut: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn run(postgres: bool, attack: bool) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let pg = postgres.then(bhxh_hq::testing::PostgresServer::start_durable);
    let mut store = vec![
        "--data-dir".to_owned(),
        tmp.path().to_str().unwrap().to_owned(),
    ];
    if let Some(pg) = &pg {
        store.extend(["--database".to_owned(), pg.create_database()]);
    }
    let tokens: Vec<String> = (0..OFFICES)
        .map(|i| {
            hq(
                &store,
                &[
                    "office",
                    "add",
                    "--code",
                    &format!("T{i:02}"),
                    "--name",
                    &format!("BHXH {i}"),
                ],
            )
        })
        .collect();
    let api = hq(&store, &["token", "add", "--scope", "read"]);
    let mut child: Child = Command::new(HQ)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(&store)
        .args(["--rate-per-minute", "100000", "--burst", "100000"])
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
    let addr = url.trim_start_matches("http://").to_owned();
    let _ = rustls::crypto::ring::default_provider().install_default();

    let stop = Arc::new(AtomicBool::new(false));
    let cut = Arc::new(AtomicUsize::new(0));
    let mut attackers = Vec::new();
    let mut flood = Vec::new();
    if attack {
        let (stop2, cut, addr) = (stop.clone(), cut.clone(), addr.clone());
        attackers.push(std::thread::spawn(move || {
            let stop = stop2;
            let header = b"POST /v1/push HTTP/1.1\r\nHost: hq\r\nX-Padding: ".to_vec();
            let connect = || {
                let c = std::net::TcpStream::connect(&addr).unwrap();
                c.set_write_timeout(Some(Duration::from_secs(1))).unwrap();
                (c, 0usize)
            };
            let mut conns: Vec<_> = (0..SLOWLORIS).map(|_| connect()).collect();
            while !stop.load(Ordering::SeqCst) {
                for slot in conns.iter_mut() {
                    let byte = header.get(slot.1).copied().unwrap_or(b'a');
                    if slot.0.write_all(&[byte]).is_err() {
                        cut.fetch_add(1, Ordering::SeqCst);
                        *slot = connect();
                    } else {
                        slot.1 += 1;
                    }
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }));
        for i in 0..FLOODERS {
            let (stop, url, api) = (stop.clone(), url.clone(), api.clone());
            flood.push(std::thread::spawn(move || {
                let c = reqwest::blocking::Client::new();
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    let req = if i % 2 == 0 {
                        c.get(format!("{url}/"))
                    } else {
                        c.get(format!("{url}/api/national")).bearer_auth(&api)
                    };
                    if let Ok(r) = req.send() {
                        let _ = r.bytes();
                        n += 1;
                    }
                }
                n
            }));
        }
        // let the attack settle before the offices start
        std::thread::sleep(Duration::from_secs(2));
    }

    let t = Instant::now();
    let pushers: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            let url = url.clone();
            std::thread::spawn(move || {
                let c = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(300))
                    .build()
                    .unwrap();
                let mut latencies = Vec::new();
                for p in 0..PUSHES {
                    let items: Vec<serde_json::Value> = (0..PER_PUSH)
                        .map(|j| {
                            let id = Uuid::now_v7();
                            let (month, revision) = kth(p * PER_PUSH + j);
                            serde_json::json!({
                                "id": id, "stream": "report", "key": format!("month:{month}"),
                                "revision": revision, "payload": payload(id, &month, revision)
                            })
                        })
                        .collect();
                    let body =
                        serde_json::to_vec(&serde_json::json!({"protocol": 1, "items": items}))
                            .unwrap();
                    let t = Instant::now();
                    let r = c
                        .post(format!("{url}/v1/push"))
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .unwrap();
                    assert_eq!(r.status().as_u16(), 200);
                    let v: serde_json::Value = r.json().unwrap();
                    latencies.push(t.elapsed());
                    assert!(
                        v["results"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .all(|x| x["outcome"] == "stored")
                    );
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = pushers
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let wall = t.elapsed();
    stop.store(true, Ordering::SeqCst);
    for a in attackers {
        a.join().unwrap();
    }
    let pages = flood.into_iter().map(|h| h.join().unwrap()).sum();
    let _ = child.kill();
    let _ = child.wait();
    latencies.sort();
    Run {
        latencies,
        wall,
        pages,
        cut: cut.load(Ordering::SeqCst),
    }
}

fn main() {
    println!(
        "| store | clients | push latency p50 / p95 / max | {OFFICES}×{PUSHES} pushes of {PER_PUSH} reports | pages served | slowloris connections cut by HQ |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for postgres in [false, true] {
        for attack in [false, true] {
            let r = run(postgres, attack);
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            println!(
                "| {} | {} | {:.0} / {:.0} / {:.0} ms | {:.1} s | {} | {} |",
                if postgres { "PostgreSQL" } else { "SQLite" },
                if attack {
                    format!("+ {SLOWLORIS} slowloris, {FLOODERS} page flooders")
                } else {
                    "offices only".to_owned()
                },
                ms(percentile(&r.latencies, 0.5)),
                ms(percentile(&r.latencies, 0.95)),
                ms(*r.latencies.last().unwrap()),
                r.wall.as_secs_f64(),
                r.pages,
                r.cut
            );
        }
    }
}
