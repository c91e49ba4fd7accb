//! Finding dossiers again, and the monthly figures they give.
//!
//! One box takes a dossier code (looked up through its UNIQUE index), a
//! 12-digit ID number (its own index), or words of the applicant's name or the
//! procedure, folded like the stored text (marks dropped, đ→d) and matched in
//! the FTS5 index: the last word and short ones as prefixes, a finished word
//! whole (see [`name_query`]); and the words OCR read on the papers.

use chrono::{Datelike, NaiveDate};
use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};
use serde::{Deserialize, Serialize};

use super::Status;
use crate::CoreError;
use crate::text::fold;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SearchQuery {
    pub text: String,
    pub status: Option<Status>,
    /// Received on or after.
    pub from: Option<NaiveDate>,
    /// Received on or before.
    pub to: Option<NaiveDate>,
    pub procedure_code: Option<String>,
    /// At most this many rows (default 50, at most 500).
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DossierSummary {
    pub code: String,
    pub applicant_name: String,
    pub applicant_id: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub received_at: String,
    pub due_on: String,
    pub status: Status,
    pub status_label: String,
    /// Past its return date without a result.
    pub late: bool,
}

/// How [`name_query`] takes the words the officer has finished.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Finished {
    /// A finished word of four letters or more is taken whole.
    Whole,
    /// Every word is a prefix (the second try, when the first found nothing).
    Prefix,
}

/// FTS5 query for names, codes and procedures: every word must match. The
/// last word is a prefix (it may still be being typed), and so is a short
/// one ("ngu van d"), which the index's prefix lists of 1–3 letters answer
/// cheaply. A finished word of four letters or more is taken whole: a
/// Vietnamese word is a syllable, and "tran van" means Trần, not Trang; as
/// a prefix it would also make FTS5 merge the whole lists of every word it
/// starts before the LIMIT can stop it (p95 19 ms against 6 ms over a
/// million dossiers, `docs/benchmarks.md`). If that finds nothing, the
/// search tries again with every word a prefix ("nguy van a").
fn name_query(folded: &str, finished: Finished) -> Option<String> {
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let last = words.len().checked_sub(1)?;
    let q: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if finished == Finished::Whole && i < last && w.chars().count() >= 4 {
                format!("\"{w}\"")
            } else {
                format!("\"{w}\"*")
            }
        })
        .collect();
    Some(q.join(" "))
}

/// FTS5 query for the words on the papers: whole words, the last one also
/// as a prefix (it may still be being typed). A page holds hundreds of
/// common words, so a prefix of each would make FTS5 merge large doclists
/// for every word; a name is short, and keeps [`fts_query`].
fn paper_query(folded: &str) -> Option<String> {
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let (last, rest) = words.split_last()?;
    let mut q: Vec<String> = rest.iter().map(|w| format!("\"{w}\"")).collect();
    q.push(format!("\"{last}\"*"));
    Some(q.join(" "))
}

/// Search dossiers, newest first. `today` decides which are late. Words
/// match the applicant's name and the procedure, and the words OCR read on
/// the dossier's papers (`paper_text`).
pub fn search(
    conn: &Connection,
    q: &SearchQuery,
    today: NaiveDate,
) -> Result<Vec<DossierSummary>, CoreError> {
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let text = q.text.trim();
    if text.is_empty() {
        return run(conn, q, today, "dossier d", "d.id", None, limit);
    }
    let exact: i64 = conn.query_row(
        "SELECT count(*) FROM dossier WHERE code = ?1",
        [text.to_uppercase()],
        |r| r.get(0),
    )?;
    if exact > 0 {
        let f = ("d.code = ?".to_owned(), text.to_uppercase());
        return run(conn, q, today, "dossier d", "d.id", Some(f), limit);
    }
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        let f = ("d.applicant_id = ?".to_owned(), text.to_owned());
        return run(conn, q, today, "dossier d", "d.id", Some(f), limit);
    }
    let folded = fold(text);
    let Some(m) = name_query(&folded, Finished::Whole) else {
        return Ok(Vec::new());
    };
    let papers = paper_query(&folded).unwrap_or_else(|| m.clone());
    let mut found = by_names(conn, q, today, &m, limit)?;
    let in_papers = in_papers(conn, q, today, &papers, limit)?;
    if found.is_empty() && in_papers.is_empty() {
        // Nothing with the finished words whole: perhaps one was not
        // finished after all ("nguy van").
        if let Some(all) = name_query(&folded, Finished::Prefix).filter(|all| *all != m) {
            found = by_names(conn, q, today, &all, limit)?;
        }
    }
    Ok(merge(found, in_papers, limit))
}

/// Dossiers whose name, code or procedure match, newest first straight from
/// the index: FTS5 walks its doclists in descending rowid order and the
/// LIMIT stops it early, instead of collecting and sorting every match of a
/// common name.
fn by_names(
    conn: &Connection,
    q: &SearchQuery,
    today: NaiveDate,
    fts: &str,
    limit: u32,
) -> Result<Vec<DossierSummary>, CoreError> {
    run(
        conn,
        q,
        today,
        "dossier_fts f JOIN dossier d ON d.id = f.rowid",
        "f.rowid",
        Some(("dossier_fts MATCH ?".to_owned(), fts.to_owned())),
        limit,
    )
}

/// Dossiers with the words on their papers. Several pages of one dossier
/// may match, so more pages are asked for ([`merge`] keeps each dossier
/// once).
fn in_papers(
    conn: &Connection,
    q: &SearchQuery,
    today: NaiveDate,
    fts: &str,
    limit: u32,
) -> Result<Vec<DossierSummary>, CoreError> {
    let pages = limit.saturating_mul(4).min(2000);
    let filtered = q.status.is_some()
        || q.from.is_some()
        || q.to.is_some()
        || q.procedure_code
            .as_deref()
            .is_some_and(|p| !p.trim().is_empty());
    if filtered {
        // Each page's dossier must pass the filters before it counts.
        return run(
            conn,
            q,
            today,
            "paper_text_fts f JOIN paper_text p ON p.id = f.rowid JOIN dossier d ON d.id = p.dossier_id",
            "f.rowid",
            Some(("paper_text_fts MATCH ?".to_owned(), fts.to_owned())),
            pages,
        );
    }
    // No other filter: the newest pages' dossiers come from the index and
    // `paper_text` alone, and only the `limit` newest dossier rows are read
    // (wide rows: reading one per page was 9 ms of a 15 ms search).
    run(
        conn,
        q,
        today,
        "dossier d",
        "d.id",
        Some((
            format!(
                "d.id IN (SELECT p.dossier_id FROM paper_text_fts f JOIN paper_text p ON p.id = f.rowid
                          WHERE paper_text_fts MATCH ? ORDER BY f.rowid DESC LIMIT {pages})"
            ),
            fts.to_owned(),
        )),
        limit,
    )
}

/// The names' matches, then the papers' dossiers not among them, newest
/// first, at most `limit`.
fn merge(
    mut found: Vec<DossierSummary>,
    in_papers: Vec<DossierSummary>,
    limit: u32,
) -> Vec<DossierSummary> {
    let before = found.len();
    for s in in_papers {
        if !found.iter().any(|f| f.code == s.code) {
            found.push(s);
        }
    }
    if found.len() > before {
        found.sort_by(|a, b| {
            b.received_at
                .cmp(&a.received_at)
                .then_with(|| b.code.cmp(&a.code))
        });
        found.truncate(limit as usize);
    }
    found
}

/// One query of [`search`]: `from` and `order`, the text's own filter
/// (`?` for its argument), then the query's other filters.
fn run(
    conn: &Connection,
    q: &SearchQuery,
    today: NaiveDate,
    from: &str,
    order: &str,
    first: Option<(String, String)>,
    limit: u32,
) -> Result<Vec<DossierSummary>, CoreError> {
    let mut filters: Vec<String> = Vec::new();
    let mut args: Vec<Value> = vec![Value::Text(today.to_string())];
    if let Some((filter, arg)) = first {
        filters.push(filter.replace('?', &format!("?{}", args.len() + 1)));
        args.push(Value::Text(arg));
    }
    if let Some(s) = q.status {
        filters.push(format!("d.status = ?{}", args.len() + 1));
        args.push(Value::Text(s.as_str().to_owned()));
    }
    if let Some(f) = q.from {
        filters.push(format!("d.received_on >= ?{}", args.len() + 1));
        args.push(Value::Text(f.to_string()));
    }
    if let Some(t) = q.to {
        filters.push(format!("d.received_on <= ?{}", args.len() + 1));
        args.push(Value::Text(t.to_string()));
    }
    if let Some(p) = q.procedure_code.as_deref().filter(|p| !p.trim().is_empty()) {
        filters.push(format!("d.procedure_code = ?{}", args.len() + 1));
        args.push(Value::Text(p.trim().to_owned()));
    }
    let filter = if filters.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", filters.join(" AND "))
    };
    let sql = format!(
        "SELECT d.code, d.applicant_name, d.applicant_id, d.procedure_code, d.procedure_name,
                d.received_at, d.due_on, d.status,
                d.status NOT IN ('result_ready', 'returned', 'refused', 'stopped') AND d.due_on < ?1
         FROM {from} {filter} ORDER BY {order} DESC LIMIT {limit}"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows: Vec<(DossierSummary, String)> = stmt
        .query_map(params_from_iter(args), |r| {
            let status: String = r.get(7)?;
            Ok((
                DossierSummary {
                    code: r.get(0)?,
                    applicant_name: r.get(1)?,
                    applicant_id: r.get(2)?,
                    procedure_code: r.get(3)?,
                    procedure_name: r.get(4)?,
                    received_at: r.get(5)?,
                    due_on: r.get(6)?,
                    status: Status::Received,
                    status_label: String::new(),
                    late: r.get(8)?,
                },
                status,
            ))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(mut s, raw)| {
            let st = Status::parse(&raw).ok_or_else(|| {
                CoreError::Corrupt(format!(
                    "trạng thái \"{raw}\" của hồ sơ {} không hợp lệ",
                    s.code
                ))
            })?;
            s.status = st;
            s.status_label = st.label_vi().to_owned();
            Ok(s)
        })
        .collect()
}

/// A month's dossier figures (they feed plan tasks 13–14).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthIndicators {
    pub year: i32,
    pub month: u32,
    /// Dossiers received in the month (refusals included).
    pub received: u32,
    /// Of those not refused, how many have been digitised.
    pub digitised: u32,
    /// `digitised` over the dossiers not refused, in per cent (None if none).
    pub digitised_percent: Option<f64>,
    /// Results not ready by their return date (or still not ready and past it).
    pub late: u32,
    /// Of those not refused, how many used at least one paper digitised
    /// before (instead of a rescan).
    pub reused: u32,
    /// `reused` over the dossiers not refused, in per cent (None if none).
    pub reuse_percent: Option<f64>,
    /// Of those not refused, how many have their result ready (or returned).
    pub results: u32,
    /// Of those, how many have a digitised result.
    pub results_digitised: u32,
    /// `results_digitised` over `results`, in per cent (None if none).
    pub results_digitised_percent: Option<f64>,
}

/// Figures for the dossiers received in one month.
pub fn month_indicators(
    conn: &Connection,
    year: i32,
    month: u32,
    today: NaiveDate,
) -> Result<MonthIndicators, CoreError> {
    let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| {
        CoreError::invalid("month", format!("Tháng {month}/{year} không hợp lệ."))
    })?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .ok_or_else(|| CoreError::invalid("month", format!("Tháng {month}/{year} không hợp lệ.")))?;
    type Counts = (u32, u32, u32, u32, u32, u32, u32);
    let (received, not_refused, digitised, late, reused, results, results_digitised): Counts = conn.query_row(
        "SELECT count(*),
                coalesce(sum(d.status NOT IN ('refused', 'stopped')), 0),
                coalesce(sum(d.status NOT IN ('refused', 'stopped') AND EXISTS (
                    SELECT 1 FROM dossier_event e WHERE e.dossier_id = d.id AND e.to_status = 'digitised')), 0),
                coalesce(sum(d.status NOT IN ('refused', 'stopped') AND coalesce((
                    SELECT substr(min(e.at), 1, 10) FROM dossier_event e
                    WHERE e.dossier_id = d.id AND e.to_status = 'result_ready'), ?3) > d.due_on), 0),
                coalesce(sum(d.status NOT IN ('refused', 'stopped') AND EXISTS (
                    SELECT 1 FROM dossier_reuse u WHERE u.dossier_id = d.id)), 0),
                coalesce(sum(d.status IN ('result_ready', 'returned')), 0),
                coalesce(sum(d.status IN ('result_ready', 'returned') AND EXISTS (
                    SELECT 1 FROM dossier_result r WHERE r.dossier_id = d.id)), 0)
         FROM dossier d WHERE d.received_on >= ?1 AND d.received_on < ?2",
        [first.to_string(), next.to_string(), today.to_string()],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        },
    )?;
    let share = |n: u32| {
        (not_refused > 0).then(|| (f64::from(n) * 1000.0 / f64::from(not_refused)).round() / 10.0)
    };
    Ok(MonthIndicators {
        year,
        month,
        received,
        digitised,
        digitised_percent: share(digitised),
        late,
        reused,
        reuse_percent: share(reused),
        results,
        results_digitised,
        results_digitised_percent: (results > 0)
            .then(|| (f64::from(results_digitised) * 1000.0 / f64::from(results)).round() / 10.0),
    })
}

#[cfg(test)]
mod query_tests {
    use super::*;

    #[test]
    fn names_match_by_prefixes_and_papers_by_words_and_a_last_prefix() {
        assert_eq!(
            name_query("ngu van d", Finished::Whole).as_deref(),
            Some("\"ngu\"* \"van\"* \"d\"*")
        );
        assert_eq!(
            name_query("nguyen van thao", Finished::Whole).as_deref(),
            Some("\"nguyen\" \"van\"* \"thao\"*")
        );
        assert_eq!(
            name_query("nguyen van thao", Finished::Prefix).as_deref(),
            Some("\"nguyen\"* \"van\"* \"thao\"*")
        );
        assert_eq!(name_query(" - ", Finished::Whole), None);
        assert_eq!(
            paper_query("chan doan vie").as_deref(),
            Some("\"chan\" \"doan\" \"vie\"*")
        );
        assert_eq!(paper_query("krong").as_deref(), Some("\"krong\"*"));
        assert_eq!(paper_query(" - ").as_deref(), None);
        // quotes cannot close the phrase early: only letters and digits pass
        assert_eq!(paper_query("a\"b").as_deref(), Some("\"a\" \"b\"*"));
    }
}
