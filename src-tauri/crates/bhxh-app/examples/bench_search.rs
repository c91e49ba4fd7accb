//! Dossier search benchmark of issue 6, on a real SQLCipher file (no keyring
//! needed: the key is generated here).
//!
//! - generates N dossiers (default 1,000,000) in one transaction, through the
//!   same table, FTS triggers and folded search text as intake (the per-call
//!   work of `intake` — catalogue, calendar, audit — is measured separately:
//!   1,000 real intakes);
//!   One dossier in ten gets a page of OCR text (180 words, issue 14), so
//!   every word search also walks the papers' index;
//! - times the search box (`dossiers::search`) for codes, ID numbers, folded
//!   names with and without a status filter, and words found only on the
//!   papers: p50/p95 over 200 queries each;
//! - as the peer, a `LIKE '%…%'` scan of the folded text, the query without
//!   an index.
//!
//! `cargo run --release -p bhxh-app --example bench_search [N]`
//! (scripts/bench.sh runs it). Figures only; nothing here is asserted.
//! With `BENCH_SEARCH_KEEP=DIR` the generated store (and its key) is kept
//! in DIR and used again by the next run with the same N, so query changes
//! can be measured without generating a million dossiers each time.

use std::time::Instant;

use bhxh_core::dossiers::{self, Applicant, Channel, IdentitySource, IntakeInput, SearchQuery};
use bhxh_core::office::audit::Actor;
use bhxh_core::office::{self, OfficeInput};
use bhxh_core::reference::pid::Sex;
use bhxh_core::text::fold;
use bhxh_core::{reference::seed, schema};
use bhxh_secrets::Key256;
use bhxh_store::Store;
use rusqlite::params;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Words of the papers' OCR text (a page is 180 of them): the forms'
/// vocabulary and places, as Tesseract reads them.
const PAPER_WORDS: [&str; 40] = [
    "giấy",
    "xác",
    "nhận",
    "bệnh",
    "viện",
    "đa",
    "khoa",
    "tỉnh",
    "huyện",
    "xã",
    "phường",
    "công",
    "ty",
    "cổ",
    "phần",
    "lương",
    "tháng",
    "năm",
    "ngày",
    "sinh",
    "hợp",
    "đồng",
    "lao",
    "động",
    "bảo",
    "hiểm",
    "xã",
    "hội",
    "y",
    "tế",
    "chẩn",
    "đoán",
    "ra",
    "viện",
    "Tây",
    "Nguyên",
    "Buôn",
    "Ma",
    "Thuột",
    "Krông",
];
const FAMILY: [&str; 12] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
];
const MIDDLE: [&str; 8] = ["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Đức", "Thanh", "Quang"];
const GIVEN: [&str; 16] = [
    "An", "Bình", "Cường", "Dũng", "Đào", "Giang", "Hà", "Hùng", "Lan", "Long", "Mai", "Nam",
    "Phúc", "Quyên", "Sơn", "Thảo",
];

/// A small deterministic generator (xorshift), so runs compare.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

fn percentiles(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    (at(0.5), at(0.95))
}

fn main() -> Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let temp = tempfile::tempdir()?;
    let keep = std::env::var_os("BENCH_SEARCH_KEEP").map(std::path::PathBuf::from);
    let dir = keep.clone().unwrap_or_else(|| temp.path().to_owned());
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("desk-{n}.db"));
    let key_path = dir.join(format!("desk-{n}.key"));
    if keep.is_some() && path.exists() && key_path.exists() {
        let key = Key256::from_bytes(&std::fs::read(&key_path)?).ok_or("key")?;
        let store = Store::open(&path, &key, schema::MIGRATIONS)?;
        println!("using the kept store {}", path.display());
        return measure(&store, n, &path);
    }
    let key = Key256::generate()?;
    let store = Store::create(&path, &key, schema::MIGRATIONS)?;
    generate(&store, n)?;
    if keep.is_some() {
        std::fs::write(&key_path, key.as_bytes())?;
    }
    measure(&store, n, &path)
}

/// 1,000 real intakes, then `n` generated dossiers in one transaction.
fn generate(store: &Store, n: usize) -> Result<()> {
    let mut conn = store.conn()?;
    let now = bhxh_core::parse_ts("2024-05-30T09:00:00+07:00")?;
    let actor = Actor {
        id: None,
        username: "bench".into(),
    };
    {
        let tx = conn.write()?;
        seed::load_all(&tx, &now)?;
        office::create(
            &tx,
            &actor,
            &OfficeInput {
                name: "Bảo hiểm xã hội tỉnh Hòa Bình".into(),
                parent_agency: "Bảo hiểm xã hội Việt Nam".into(),
                agency_code: "000.00.17.H23".into(),
                province_code: "017".into(),
                address: String::new(),
            },
            &now,
        )?;
        tx.commit()?;
    }
    let procedures = bhxh_core::reference::catalog::procedures(&conn)?;

    // 1,000 real intakes, one transaction each (as at the counter).
    let t = Instant::now();
    for i in 0..1000u32 {
        let tx = conn.write()?;
        dossiers::intake(
            &tx,
            &actor,
            &IntakeInput {
                procedure_code: procedures[(i as usize) % procedures.len()].code.clone(),
                applicant: Applicant {
                    id_number: format!("017093{:06}", i),
                    full_name: format!("Người nộp {i}"),
                    birth_date: chrono::NaiveDate::from_ymd_opt(1993, 1, 5).ok_or("date")?,
                    sex: Sex::Male,
                    address: String::new(),
                    phone: String::new(),
                    email: String::new(),
                },
                identity_source: IdentitySource::Typed,
                channel: Channel::Counter,
                return_via: Channel::Counter,
                sets: 1,
                received_components: vec![1],
                organisation: None,
            },
            &now,
        )?;
        tx.commit()?;
    }
    let intake_ms = t.elapsed().as_secs_f64() * 1000.0 / 1000.0;
    println!(
        "intake (code, checklist, audit; one transaction each): {intake_ms:.2} ms per dossier"
    );

    // Bulk generation.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let t = Instant::now();
    {
        let tx = conn.write()?;
        {
            let mut ins = tx.prepare(
                "INSERT INTO dossier (code, procedure_code, procedure_name, processing_days,
                     applicant_id, applicant_name, applicant_dob, applicant_sex, identity_source,
                     channel, return_via, received_at, received_on, due_on, register_year,
                     register_no, received_by_name, status, status_at, search_text)
                 VALUES (?1, ?2, ?3, 5, ?4, ?5, '1990-01-01', 'nam', 'typed', 'counter',
                     'counter', ?6, ?7, ?7, ?8, ?9, 'bench', ?10, ?6, ?11)",
            )?;
            let mut paper = tx.prepare(
                "INSERT INTO paper_text (dossier_id, kind, number, sha256, page, text, folded,
                     confidence, unreadable, read_at)
                 VALUES (?1, 'component', 1, ?2, 1, ?4, ?3, 90.0, 0, '2024-05-30T09:00:00+07:00')",
            )?;
            let statuses = ["received", "digitised", "processing", "returned"];
            for i in 0..n {
                let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).ok_or("date")?
                    + chrono::Days::new((i / 900) as u64);
                let code = format!("000.00.17.H23-{}-{:04}", day.format("%y%m%d"), i % 900 + 1);
                let p = &procedures[(rng.next() % procedures.len() as u64) as usize];
                let name = format!(
                    "{} {} {}",
                    rng.pick(&FAMILY),
                    rng.pick(&MIDDLE),
                    rng.pick(&GIVEN)
                );
                let id = format!(
                    "0{:02}0{:08}",
                    1 + rng.next() % 96,
                    rng.next() % 100_000_000
                );
                let search = fold(&format!("{code} {id} {name} {} {}", p.code, p.name));
                ins.execute(params![
                    code,
                    p.code,
                    p.name,
                    id,
                    name,
                    format!("{day}T08:00:00+07:00"),
                    day.to_string(),
                    i64::from(chrono::Datelike::year(&day)),
                    (i + 10_000) as i64,
                    statuses[i % statuses.len()],
                    search,
                ])?;
                if i % 10 == 0 {
                    // One page OCR read for one dossier in ten (issue 14).
                    let dossier_id = tx.last_insert_rowid();
                    let words: Vec<&str> = (0..180).map(|_| rng.pick(&PAPER_WORDS)).collect();
                    let text = words.join(" ");
                    paper.execute(params![
                        dossier_id,
                        format!("{:064x}", i),
                        fold(&text),
                        text,
                    ])?;
                }
            }
        }
        tx.commit()?;
    }
    let insert_s = t.elapsed().as_secs_f64();
    println!("generated {n} dossiers in one transaction: {insert_s:.1} s");
    Ok(())
}

/// The queries, timed; `names` are 200 dossiers spread over the generated
/// ones (the first generated row is id 1001, after the 1,000 intakes).
fn measure(store: &Store, n: usize, path: &std::path::Path) -> Result<()> {
    let conn = store.conn()?;
    let size = std::fs::metadata(path)?.len() as f64 / (1024.0 * 1024.0);
    println!("file {size:.0} MiB (encrypted)");
    let names: Vec<(String, String, String)> = conn
        .prepare(
            "SELECT code, applicant_id, applicant_name FROM dossier
             WHERE id >= 1001 AND (id - 1001) % ?1 = 0 ORDER BY id",
        )?
        .query_map([(n / 200).max(1) as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<std::result::Result<_, _>>()?;

    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).ok_or("date")?;
    let time = |label: &str, queries: Vec<SearchQuery>| -> Result<()> {
        let mut ms = Vec::with_capacity(queries.len());
        let mut hits = 0usize;
        for q in &queries {
            let t = Instant::now();
            hits += dossiers::search(&conn, q, today)?.len();
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let (p50, p95) = percentiles(ms);
        println!(
            "search {label}: p50 {p50:.2} ms, p95 {p95:.2} ms ({} queries, {:.1} rows each)",
            queries.len(),
            hits as f64 / queries.len() as f64
        );
        Ok(())
    };
    let q = |text: String| SearchQuery {
        text,
        limit: Some(50),
        ..SearchQuery::default()
    };
    time(
        "by dossier code",
        names.iter().map(|(c, _, _)| q(c.clone())).collect(),
    )?;
    time(
        "by ID number",
        names.iter().map(|(_, id, _)| q(id.clone())).collect(),
    )?;
    time(
        "by full name, no diacritics",
        names.iter().map(|(_, _, n)| q(fold(n))).collect(),
    )?;
    time(
        "a name found nowhere (searched twice: finished words whole, then all as prefixes)",
        (0..200).map(|_| q("nguyen van xuyen".into())).collect(),
    )?;
    time(
        "by name prefix (\"ngu van d\")",
        (0..200).map(|_| q("ngu van d".into())).collect(),
    )?;
    time(
        "by full name + status filter",
        names
            .iter()
            .map(|(_, _, n)| SearchQuery {
                status: Some(dossiers::Status::Returned),
                ..q(fold(n))
            })
            .collect(),
    )?;
    time(
        "a word from the papers' OCR text (\"krong\", newest 50)",
        (0..200).map(|_| q("krong".into())).collect(),
    )?;
    time(
        "two words from the papers (\"chan doan\")",
        (0..200).map(|_| q("chan doan".into())).collect(),
    )?;

    // The peer: the same name query as a scan of the folded text.
    let mut ms = Vec::new();
    for (_, _, name) in names.iter().take(20) {
        let t = Instant::now();
        let mut stmt = conn.prepare_cached(
            "SELECT code FROM dossier WHERE search_text LIKE ?1 ORDER BY id DESC LIMIT 50",
        )?;
        let rows: Vec<String> = stmt
            .query_map([format!("%{}%", fold(name))], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        std::hint::black_box(rows);
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (p50, p95) = percentiles(ms);
    println!(
        "peer: LIKE '%name%' scan of the folded text: p50 {p50:.2} ms, p95 {p95:.2} ms (20 queries)"
    );
    Ok(())
}
