//! Benchmarks of issue 4, on a real SQLCipher file (no keyring needed: the
//! key is generated here):
//! - importing 100,000 participants from a generated CSV (read, check, write);
//! - building the monthly report PDF and XLSX from an approved snapshot.
//!
//! `cargo run --release -p bhxh-app --example bench_plan [ROWS]`
//! (scripts/bench.sh runs it). Figures only; nothing here is asserted.

use std::fmt::Write as _;
use std::time::Instant;

use bhxh_app::reports::{self, Signer};
use bhxh_core::office::audit::Actor;
use bhxh_core::office::{self, OfficeInput};
use bhxh_core::participants::{self, ImportMode};
use bhxh_core::progress::{self, Month, ProgressInput, ReportKind, ReportPeriod, Status};
use bhxh_core::{reference::seed, schema};
use bhxh_secrets::Key256;
use bhxh_store::Store;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn main() -> Result<()> {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let store = Store::create(
        &dir.path().join("desk.db"),
        &Key256::generate()?,
        schema::MIGRATIONS,
    )?;
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

    // 1. A participant list as a CSV file, the way offices receive them.
    let mut csv =
        String::from("STT,Mã số BHXH,Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân\n");
    let names = [
        "Nguyễn Văn An",
        "Trần Thị Bình",
        "Lê Hoàng Cường",
        "Phạm Thị Dung",
        "Đặng Minh Đức",
    ];
    for i in 0..rows {
        let female = i % 2 == 1;
        let year = 1960 + (i % 45);
        let g = if female { 1 } else { 0 };
        writeln!(
            csv,
            "{},17{:08},{} {},{:02}/{:02}/{},{},017{}{:02}{:06}",
            i + 1,
            i,
            names[i % names.len()],
            i,
            1 + i % 28,
            1 + i % 12,
            year,
            if female { "Nữ" } else { "Nam" },
            g,
            year % 100,
            i
        )?;
    }
    let path = dir.path().join("danh-sach.csv");
    std::fs::write(&path, &csv)?;
    let t = Instant::now();
    let bytes = std::fs::read(&path)?;
    let sheet = bhxh_tabular::read(&bytes)?;
    let read_ms = ms(t);
    let mapping = participants::mapping_from_guess(&participants::guess_mapping(&sheet.headers))
        .map_err(|m| format!("missing columns {m:?}"))?;
    let t = Instant::now();
    let tx = conn.write()?;
    let report = participants::import(
        &tx,
        &actor,
        &sheet.rows,
        &mapping,
        ImportMode::AllOrNothing,
        false,
        "bench.csv",
        &now,
    )?;
    tx.commit()?;
    let import_ms = ms(t);
    println!(
        "participants: {rows} rows ({:.1} MB CSV): read+parse {read_ms:.0} ms, check+write {import_ms:.0} ms, total {:.1} s; inserted {}, errors {}",
        bytes.len() as f64 / 1e6,
        (read_ms + import_ms) / 1000.0,
        report.inserted,
        report.error_rows
    );

    // 2. The monthly report.
    let may = Month::parse("2024-05")?;
    let tx = conn.write()?;
    for n in 1..=27u32 {
        let status = [Status::InProgress, Status::Done, Status::Late][n as usize % 3];
        let percent = match status {
            Status::Done => 100,
            _ => 40 + (n as u8 % 50),
        };
        progress::save(
            &tx,
            &actor,
            may,
            &ProgressInput {
                task_number: n,
                status,
                percent,
                indicator_value: None,
                narrative: format!(
                    "Kết quả thực hiện nhiệm vụ {n}: đã triển khai theo kế hoạch, đạt {percent}% khối lượng công việc."
                ),
                override_reason: None,
            },
            None,
            &now,
        )?;
    }
    let period = ReportPeriod::parse(ReportKind::Month, "2024-05")?;
    let snapshot = progress::approve(&tx, &actor, &period, "15/BC-BHXH", &now)?;
    tx.commit()?;
    let office = office::get(&conn)?.ok_or("no office")?;
    let signer = Signer {
        authority: Some("KT. GIÁM ĐỐC".into()),
        title: "PHÓ GIÁM ĐỐC".into(),
        name: "Nguyễn Thị Ánh Tuyết".into(),
    };
    let recipients = vec!["- BHXH Việt Nam;".to_owned(), "- Lưu: VT.".to_owned()];
    let runs = 10;
    let (mut pdf_ms, mut xlsx_ms, mut size) = (Vec::new(), Vec::new(), (0, 0));
    for _ in 0..runs {
        let doc = reports::document(
            &snapshot,
            &office,
            &signer,
            &recipients,
            now.date_naive(),
            now,
        );
        let t = Instant::now();
        let pdf = bhxh_report::render_pdf(&doc)?;
        pdf_ms.push(ms(t));
        let t = Instant::now();
        let xlsx = bhxh_report::render_xlsx(&doc)?;
        xlsx_ms.push(ms(t));
        size = (pdf.len(), xlsx.len());
    }
    pdf_ms.sort_by(f64::total_cmp);
    xlsx_ms.sort_by(f64::total_cmp);
    println!(
        "monthly report ({runs} runs): PDF median {:.1} ms ({} KB), XLSX median {:.1} ms ({} KB)",
        pdf_ms[runs / 2],
        size.0 / 1024,
        xlsx_ms[runs / 2],
        size.1 / 1024
    );
    Ok(())
}
