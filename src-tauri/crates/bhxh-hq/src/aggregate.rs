//! National progress from what offices pushed: per task per office, who is
//! late, last sync of each office; and by province: each provincial office
//! with its base offices (BHXH cơ sở) and a summary of them.

use std::collections::BTreeMap;

use bhxh_sync_proto::RowSummary;
use serde::Serialize;

use crate::HqError;
use crate::storage::Storage;

/// One office's newest monthly report, task by task.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OfficeProgress {
    pub code: String,
    pub name: String,
    pub province: Option<String>,
    /// Its provincial office when it is a base office; `None`: provincial.
    pub parent: Option<String>,
    pub revoked: bool,
    pub last_sync_at: Option<String>,
    /// The newest month it reported (`YYYY-MM`) and that report's revision.
    pub latest_month: Option<String>,
    pub latest_revision: Option<i64>,
    /// No report yet for `asOfMonth` (or any later month).
    pub late: bool,
    /// Reports HQ holds from it (every key, every revision).
    pub items: i64,
    pub tasks: Vec<TaskCell>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskCell {
    pub task_number: u32,
    pub percent: Option<u32>,
    pub status: Option<String>,
}

/// One task across the country.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskProgress {
    pub task_number: u32,
    /// Offices that reported progress on it.
    pub reported: usize,
    pub average_percent: Option<f64>,
    pub done: usize,
    pub late: usize,
}

/// One provincial office and the base offices under it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProvinceProgress {
    pub code: String,
    pub name: String,
    /// The provincial office's own progress.
    pub office: OfficeProgress,
    /// Its base offices, by code.
    pub base_offices: Vec<OfficeProgress>,
    /// How many base offices it has (revoked ones included).
    pub base_count: usize,
    /// Codes of its base offices that are late.
    pub base_late: Vec<String>,
    /// Each task across its base offices (revoked ones left out).
    pub base_tasks: Vec<TaskProgress>,
}

/// One province as `/api/province/{code}` answers it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProvinceReport {
    pub as_of_month: String,
    pub generated_at: String,
    #[serde(flatten)]
    pub province: ProvinceProgress,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct National {
    /// The month every office should have reported by now.
    pub as_of_month: String,
    pub generated_at: String,
    /// Every office, provincial and base, by code.
    pub offices: Vec<OfficeProgress>,
    /// The same offices grouped: each provincial office with its base
    /// offices, by code.
    pub provinces: Vec<ProvinceProgress>,
    pub tasks: Vec<TaskProgress>,
    /// Codes of the offices that are late.
    pub late_offices: Vec<String>,
}

/// The month before the current one (HQ's clock, Vietnam time).
fn previous_month(now_rfc3339: &str) -> String {
    let y: i32 = now_rfc3339
        .get(0..4)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1970);
    let m: u32 = now_rfc3339
        .get(5..7)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    if m <= 1 {
        format!("{:04}-12", y - 1)
    } else {
        format!("{y:04}-{:02}", m - 1)
    }
}

fn valid_month(s: &str) -> bool {
    s.len() == 7
        && s.as_bytes()[4] == b'-'
        && s[..4].bytes().all(|b| b.is_ascii_digit())
        && matches!(s[5..].parse::<u32>(), Ok(1..=12))
}

/// What the national picture is computed from: every office, and the
/// newest monthly report of each (month, revision, rows). Loading it reads
/// every current item; [`Cache`] keeps one so requests do not.
#[derive(Debug, Default)]
pub struct Snapshot {
    offices: Vec<crate::storage::OfficeRow>,
    newest: BTreeMap<String, (String, i64, Vec<RowSummary>)>,
}

impl Snapshot {
    pub fn load(storage: &dyn Storage) -> Result<Snapshot, HqError> {
        /// Only the rows of a report are read (a report that cannot be
        /// read shows no tasks rather than failing the page).
        #[derive(serde::Deserialize)]
        struct Rows {
            #[serde(default)]
            rows: Vec<RowSummary>,
        }
        let mut newest: BTreeMap<String, (String, i64, Vec<RowSummary>)> = BTreeMap::new();
        for it in storage.newest_month_reports()? {
            let Some(month) = it.key.strip_prefix("month:") else {
                continue;
            };
            let rows = serde_json::from_str::<Rows>(&it.payload)
                .map(|r| r.rows)
                .unwrap_or_default();
            newest.insert(it.office, (month.to_owned(), it.revision, rows));
        }
        Ok(Snapshot {
            offices: storage.offices()?,
            newest,
        })
    }
}

/// A snapshot rebuilt lazily: after a push stored something (at most once
/// a second while pushes go on) and at least every minute (offices added
/// or revoked by another process). One rebuild at a time; requests meanwhile
/// wait for it rather than start their own.
#[derive(Debug, Default)]
pub struct Cache {
    current: tokio::sync::Mutex<Option<(std::time::Instant, u64, std::sync::Arc<Snapshot>)>>,
    generation: std::sync::atomic::AtomicU64,
}

/// Oldest a snapshot is served.
const MAX_AGE: std::time::Duration = std::time::Duration::from_secs(60);
/// Least time between two rebuilds caused by pushes.
const MIN_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

impl Cache {
    /// Something changed: the next request after [`MIN_INTERVAL`] rebuilds.
    pub fn invalidate(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// The current snapshot, rebuilt with `load` (on the blocking pool) when stale.
    pub async fn get(
        &self,
        load: impl FnOnce() -> Result<Snapshot, HqError> + Send + 'static,
    ) -> Result<std::sync::Arc<Snapshot>, HqError> {
        let mut current = self.current.lock().await;
        let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        if let Some((at, built_for, snapshot)) = current.as_ref() {
            let age = at.elapsed();
            if age < MAX_AGE && (*built_for == generation || age < MIN_INTERVAL) {
                return Ok(snapshot.clone());
            }
        }
        let snapshot = std::sync::Arc::new(
            tokio::task::spawn_blocking(load)
                .await
                .map_err(|e| HqError::Corrupt(format!("tổng hợp toàn quốc: {e}")))??,
        );
        *current = Some((std::time::Instant::now(), generation, snapshot.clone()));
        Ok(snapshot)
    }
}

/// The national picture. `as_of_month` (`YYYY-MM`) defaults to last month.
pub fn national(storage: &dyn Storage, as_of_month: Option<&str>) -> Result<National, HqError> {
    national_from(&Snapshot::load(storage)?, as_of_month)
}

/// The national picture from a snapshot.
pub fn national_from(snapshot: &Snapshot, as_of_month: Option<&str>) -> Result<National, HqError> {
    let now = crate::now_rfc3339();
    let as_of = match as_of_month {
        Some(m) if valid_month(m) => m.to_owned(),
        Some(m) => {
            return Err(HqError::Invalid(format!(
                "Tháng \"{m}\" không hợp lệ (YYYY-MM)."
            )));
        }
        None => previous_month(&now),
    };
    let newest = &snapshot.newest;
    let mut offices = Vec::new();
    for o in snapshot.offices.iter().cloned() {
        let report = newest.get(&o.code);
        let cells: Vec<TaskCell> = report
            .map(|(_, _, rows)| {
                rows.iter()
                    .map(|r| TaskCell {
                        task_number: r.task_number,
                        percent: r.progress.as_ref().map(|p| p.percent),
                        status: r.progress.as_ref().map(|p| p.status.clone()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let latest_month = report.map(|(m, _, _)| m.clone());
        offices.push(OfficeProgress {
            late: o.revoked_at.is_none()
                && latest_month.as_deref().is_none_or(|m| m < as_of.as_str()),
            code: o.code,
            name: o.name,
            province: o.province,
            parent: o.parent,
            revoked: o.revoked_at.is_some(),
            last_sync_at: o.last_sync_at,
            latest_revision: report.map(|(_, r, _)| *r),
            latest_month,
            items: o.items,
            tasks: cells,
        });
    }
    Ok(National {
        late_offices: offices
            .iter()
            .filter(|o| o.late)
            .map(|o| o.code.clone())
            .collect(),
        as_of_month: as_of,
        generated_at: now,
        tasks: task_progress(offices.iter()),
        provinces: group(&offices),
        offices,
    })
}

/// Each task across `offices` (revoked ones left out).
fn task_progress<'a>(offices: impl Iterator<Item = &'a OfficeProgress>) -> Vec<TaskProgress> {
    let mut tasks: BTreeMap<u32, (usize, u32, usize, usize)> = BTreeMap::new();
    for o in offices.filter(|o| !o.revoked) {
        for c in &o.tasks {
            let t = tasks.entry(c.task_number).or_default();
            if let Some(p) = c.percent {
                t.0 += 1;
                t.1 = t.1.saturating_add(p);
            }
            match c.status.as_deref() {
                Some("done") => t.2 += 1,
                Some("late") => t.3 += 1,
                _ => {}
            }
        }
    }
    tasks
        .into_iter()
        .map(|(n, (reported, sum, done, late))| TaskProgress {
            task_number: n,
            reported,
            average_percent: (reported > 0).then(|| f64::from(sum) / reported as f64),
            done,
            late,
        })
        .collect()
}

/// Provincial offices (no parent) with their base offices. A base office
/// whose parent is not among `offices` (the store forbids it) is shown as
/// a province of its own rather than lost.
fn group(offices: &[OfficeProgress]) -> Vec<ProvinceProgress> {
    let known: std::collections::BTreeSet<&str> = offices.iter().map(|o| o.code.as_str()).collect();
    let heads = offices.iter().filter(|o| {
        o.parent
            .as_deref()
            .is_none_or(|p| !known.contains(p) || p == o.code)
    });
    heads
        .map(|head| {
            let base: Vec<OfficeProgress> = offices
                .iter()
                .filter(|o| o.code != head.code && o.parent.as_deref() == Some(head.code.as_str()))
                .cloned()
                .collect();
            ProvinceProgress {
                code: head.code.clone(),
                name: head.name.clone(),
                office: head.clone(),
                base_count: base.len(),
                base_late: base
                    .iter()
                    .filter(|o| o.late)
                    .map(|o| o.code.clone())
                    .collect(),
                base_tasks: task_progress(base.iter()),
                base_offices: base,
            }
        })
        .collect()
}

/// One provincial office and its base offices, from the national picture;
/// an error that says why when `code` is no provincial office.
pub fn province_of(n: &National, code: &str) -> Result<ProvinceReport, HqError> {
    if let Some(p) = n.provinces.iter().find(|p| p.code == code) {
        return Ok(ProvinceReport {
            as_of_month: n.as_of_month.clone(),
            generated_at: n.generated_at.clone(),
            province: p.clone(),
        });
    }
    match n.offices.iter().find(|o| o.code == code) {
        Some(OfficeProgress {
            parent: Some(parent),
            ..
        }) => Err(HqError::NotProvincial {
            code: code.to_owned(),
            parent: parent.clone(),
        }),
        _ => Err(HqError::UnknownProvince(code.to_owned())),
    }
}

impl ProvinceReport {
    /// What `GET /v1/province` answers the provincial office itself: its
    /// base offices, each with its newest monthly report task by task.
    pub fn to_wire(&self) -> bhxh_sync_proto::ProvinceResponse {
        bhxh_sync_proto::ProvinceResponse {
            protocol: bhxh_sync_proto::PROTOCOL_VERSION,
            as_of_month: self.as_of_month.clone(),
            generated_at: self.generated_at.clone(),
            code: self.province.code.clone(),
            name: self.province.name.clone(),
            base_offices: self
                .province
                .base_offices
                .iter()
                .map(|o| bhxh_sync_proto::BaseOffice {
                    code: o.code.clone(),
                    name: o.name.clone(),
                    revoked: o.revoked,
                    late: o.late,
                    latest_month: o.latest_month.clone(),
                    latest_revision: o.latest_revision,
                    last_sync_at: o.last_sync_at.clone(),
                    tasks: o
                        .tasks
                        .iter()
                        .map(|t| bhxh_sync_proto::BaseTask {
                            task_number: t.task_number,
                            percent: t.percent,
                            status: t.status.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Text made safe to put in HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The plain national page.
pub fn html(n: &National) -> String {
    use std::fmt::Write;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <title>Tiến độ Đề án 06 toàn quốc</title><style>\
         body{{font-family:sans-serif;margin:1.5em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #999;padding:2px 6px;text-align:right}}td.l,th.l{{text-align:left}}\
         .late{{background:#fdd}}</style></head><body>\
         <h1>Tiến độ thực hiện Kế hoạch Đề án 06 — toàn quốc</h1>\
         <p>Kỳ phải báo cáo: tháng {}. Cập nhật lúc {}. Đơn vị chậm báo cáo: {}.</p>",
        esc(&n.as_of_month),
        esc(&n.generated_at),
        n.late_offices.len()
    );
    let _ = write!(
        h,
        "<h2>Theo nhiệm vụ</h2><table><tr><th>Nhiệm vụ</th><th>Số đơn vị báo cáo</th>\
         <th>Tỷ lệ bình quân (%)</th><th>Hoàn thành</th><th>Chậm</th></tr>"
    );
    for t in &n.tasks {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            t.task_number,
            t.reported,
            t.average_percent
                .map_or("—".to_owned(), |p| format!("{p:.1}")),
            t.done,
            t.late
        );
    }
    h.push_str(
        "</table><h2>Theo đơn vị (BHXH tỉnh, dưới mỗi tỉnh là các BHXH cơ sở)</h2><table><tr><th class=\"l\">Tỉnh</th>\
        <th class=\"l\">Đơn vị</th><th class=\"l\">Tên</th><th class=\"l\">BHXH cơ sở</th>\
        <th>Tháng báo cáo gần nhất</th><th>Lần</th><th class=\"l\">Đồng bộ gần nhất</th>",
    );
    let numbers: Vec<u32> = n.tasks.iter().map(|t| t.task_number).collect();
    for t in &numbers {
        let _ = write!(h, "<th>NV{t}</th>");
    }
    h.push_str("</tr>");
    let mut provinces: Vec<&ProvinceProgress> = n.provinces.iter().collect();
    // by province (offices with none last), then by code
    provinces.sort_by_key(|p| {
        (
            p.office.province.is_none(),
            p.office.province.clone(),
            p.code.clone(),
        )
    });
    let row = |h: &mut String, o: &OfficeProgress, base: &str, summary: &str| {
        let _ = write!(
            h,
            "<tr{}><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{base}{}{}</td><td class=\"l\">{summary}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td>",
            if o.late { " class=\"late\"" } else { "" },
            o.province.as_deref().map_or("—".to_owned(), esc),
            esc(&o.code),
            esc(&o.name),
            if o.revoked {
                " (đã thu hồi mã)"
            } else {
                ""
            },
            o.latest_month.as_deref().map_or("chưa có".to_owned(), esc),
            o.latest_revision.map_or(String::new(), |r| r.to_string()),
            o.last_sync_at
                .as_deref()
                .map_or("chưa đồng bộ".to_owned(), esc),
        );
        for t in &numbers {
            let cell = o
                .tasks
                .iter()
                .find(|c| c.task_number == *t)
                .and_then(|c| c.percent)
                .map_or(String::new(), |p| p.to_string());
            let _ = write!(h, "<td>{cell}</td>");
        }
        h.push_str("</tr>");
    };
    for p in provinces {
        let summary = if p.base_count == 0 {
            "—".to_owned()
        } else {
            format!(
                "{} đơn vị, {} chậm báo cáo",
                p.base_count,
                p.base_late.len()
            )
        };
        row(&mut h, &p.office, "", &summary);
        for o in &p.base_offices {
            row(&mut h, o, "↳ ", "");
        }
    }
    h.push_str("</table></body></html>");
    h
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[tokio::test]
    async fn the_snapshot_is_rebuilt_after_a_push_not_per_request() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let cache = Cache::default();
        let loads = Arc::new(AtomicUsize::new(0));
        async fn get(cache: &Cache, loads: &Arc<AtomicUsize>) {
            let loads = loads.clone();
            cache
                .get(move || {
                    loads.fetch_add(1, Ordering::SeqCst);
                    Ok(Snapshot::default())
                })
                .await
                .unwrap();
        }
        for _ in 0..50 {
            get(&cache, &loads).await;
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1, "50 requests, one build");
        // a push: still the same snapshot within MIN_INTERVAL, then one rebuild
        cache.invalidate();
        get(&cache, &loads).await;
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        tokio::time::sleep(MIN_INTERVAL + std::time::Duration::from_millis(100)).await;
        for _ in 0..10 {
            get(&cache, &loads).await;
        }
        assert_eq!(loads.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn previous_month_wraps_the_year() {
        assert_eq!(previous_month("2024-01-15T08:00:00+07:00"), "2023-12");
        assert_eq!(previous_month("2024-06-01T08:00:00+07:00"), "2024-05");
    }

    #[test]
    fn html_escapes_names() {
        let mut n = National {
            as_of_month: "2024-05".into(),
            generated_at: "t".into(),
            provinces: vec![],
            offices: vec![OfficeProgress {
                code: "X".into(),
                name: "<script>".into(),
                province: None,
                parent: None,
                revoked: false,
                last_sync_at: None,
                latest_month: None,
                latest_revision: None,
                late: true,
                items: 0,
                tasks: vec![],
            }],
            tasks: vec![],
            late_offices: vec!["X".into()],
        };
        n.provinces = group(&n.offices);
        let h = html(&n);
        assert!(h.contains("&lt;script&gt;") && !h.contains("<script>"));
    }
}
