//! Sync benchmark: `cargo bench -p bhxh-hq --bench sync` (release build).
//!
//! 1. 10,000 approved reports queued in a real encrypted desk store, synced
//!    to the real `bhxh-hq` process over loopback by the real client
//!    (`bhxh_sync::sync_round`, batches of 200).
//! 2. HQ ingest: 63 offices (one per province) pushing at once, each
//!    `PER_OFFICE` reports in batches of 100, on fresh connections.
//! 3. HQ's peak resident memory (VmHWM) over both.
//!
//! Figures go to docs/benchmarks-sync.md.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use bhxh_sync::{Client, ClientConfig};
use bhxh_sync_proto::{PROTOCOL_VERSION, PushItem, PushRequest, Stream};
use uuid::Uuid;

const HQ: &str = env!("CARGO_BIN_EXE_bhxh-hq");
const QUEUED: usize = 10_000;
const OFFICES: usize = 63;
const PER_OFFICE: usize = 1_000;

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

fn hq_cmd(args: &[&str]) -> std::process::Output {
    Command::new(HQ).args(args).output().unwrap()
}

fn token(data: &str, code: &str) -> String {
    let out = hq_cmd(&[
        "office",
        "add",
        "--code",
        code,
        "--name",
        code,
        "--data-dir",
        data,
    ]);
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
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
    let office_tokens: Vec<String> = (1..=OFFICES)
        .map(|i| token(&data_s, &format!("T{i:03}")))
        .collect();
    let mut child = Command::new(HQ)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir", &data_s])
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
        .query_row("SELECT SUM(LENGTH(payload)) FROM outbox", [], |r| r.get(0))
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

    // 2. 63 offices at once
    let t = Instant::now();
    let handles: Vec<_> = office_tokens
        .into_iter()
        .map(|tok| {
            let url = url.clone();
            std::thread::spawn(move || {
                let client = Client::new(ClientConfig::new(&url), &tok).unwrap();
                let mut stored = 0;
                for batch in 0..PER_OFFICE / 100 {
                    let items = (0..100)
                        .map(|j| {
                            let id = Uuid::now_v7();
                            let (p, revision) = period(batch * 100 + j);
                            PushItem {
                                id,
                                stream: Stream::Report,
                                key: format!("month:{p}"),
                                revision,
                                payload: payload(id, &p, revision),
                            }
                        })
                        .collect();
                    let resp = client
                        .push(&PushRequest {
                            protocol: PROTOCOL_VERSION,
                            items,
                        })
                        .unwrap();
                    stored += resp
                        .results
                        .iter()
                        .filter(|r| r.outcome.is_acknowledged())
                        .count();
                }
                stored
            })
        })
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let ingest_s = t.elapsed().as_secs_f64();
    assert_eq!(total, OFFICES * PER_OFFICE);
    let peak = peak_rss_kib(pid);
    let _ = child.kill();
    let _ = child.wait();
    let db_size = std::fs::metadata(data.join("hq.db"))
        .map(|m| m.len())
        .unwrap_or(0);

    println!("| measure | figure |");
    println!("| --- | --- |");
    println!("| enqueue {QUEUED} reports (one transaction, encrypted store) | {enqueue_s:.2} s |");
    println!(
        "| sync {QUEUED} queued reports over loopback ({:.1} MiB of JSON, batches of 200) | {sync_s:.2} s ({:.0} reports/s) |",
        bytes as f64 / 1048576.0,
        QUEUED as f64 / sync_s
    );
    println!(
        "| HQ ingest, {OFFICES} offices at once, {PER_OFFICE} reports each in batches of 100 | {ingest_s:.2} s ({:.0} reports/s, {:.0} pushes/s) |",
        (OFFICES * PER_OFFICE) as f64 / ingest_s,
        (OFFICES * PER_OFFICE / 100) as f64 / ingest_s
    );
    println!(
        "| HQ resident memory: idle / after the 10,000 / peak (VmHWM) | {:.1} / {:.1} / {:.1} MiB |",
        idle_rss as f64 / 1024.0,
        rss_after_sync as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    println!(
        "| HQ database after both | {:.0} MiB |",
        db_size as f64 / 1048576.0
    );
}
