//! Reuse of papers already digitised (plan tasks 13–14; the national
//! indicator of reused digitised results): when the applicant (by ID number)
//! handed in a component of the same kind with an earlier dossier and it was
//! digitised, the desk offers that PDF instead of a rescan.
//!
//! The file store is content-addressed, so a reuse copies nothing: the new
//! component records the same sealed file (same SHA-256), and a
//! `dossier_reuse` row says where it came from, for the monthly reuse share.
//! Two components are "of the same kind" when their names are equal once
//! folded (no marks, đ→d, case and spacing ignored).
//!
//! Results of earlier dossiers flagged reusable ([`super::results`]) are
//! offered too. A result's name is a short title ("Sổ BHXH"), a component's
//! a longer description ("Sổ BHXH (trường hợp đổi, điều chỉnh thông tin…)"),
//! so a result fits a component whose folded name is the result's name or
//! starts with it followed by a word break.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use super::files::{self, FileRecord, FileRole};
use super::{Status, get};
use crate::office::audit::{self, Actor, Event};
use crate::text::fold;
use crate::{CoreError, Timestamp, ts};

/// What an offer comes from: a component of an earlier dossier, or one of its
/// results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    #[default]
    Component,
    Result,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Component => "component",
            SourceKind::Result => "result",
        }
    }

    pub fn parse(s: &str) -> Option<SourceKind> {
        match s {
            "component" => Some(SourceKind::Component),
            "result" => Some(SourceKind::Result),
            _ => None,
        }
    }
}

/// A digitised component or reusable result of an earlier dossier of the
/// same applicant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReuseCandidate {
    pub source_code: String,
    pub source_kind: SourceKind,
    /// The component's number, or the result's when `source_kind` is `result`.
    pub source_component: u32,
    /// The component's or the result's name.
    pub component_name: String,
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub bytes: u64,
    pub pages: u32,
    pub digitised_at: String,
    pub digitised_by: String,
}

fn norm(s: &str) -> String {
    fold(s).split_whitespace().collect::<Vec<_>>().join(" ")
}

fn same_kind(a: &str, b: &str) -> bool {
    norm(a) == norm(b)
}

/// Whether a result named `result` fits a component named `component`: the
/// same name, or the component's name begins with it at a word break.
fn result_fits(result: &str, component: &str) -> bool {
    let (r, c) = (norm(result), norm(component));
    !r.is_empty()
        && c.strip_prefix(&r)
            .is_some_and(|rest| rest.chars().next().is_none_or(|ch| !ch.is_alphanumeric()))
}

/// What can stand in for component `component` of dossier `code`: the
/// assembled PDFs of the same applicant's other dossiers whose component is
/// of the same kind, and their reusable results that fit it, newest first.
pub fn candidates(
    conn: &Connection,
    code: &str,
    component: u32,
) -> Result<Vec<ReuseCandidate>, CoreError> {
    let d = get(conn, code)?;
    let Some(target) = d.components.iter().find(|c| c.number == component) else {
        return Err(CoreError::invalid(
            "component",
            format!("Hồ sơ {} không có thành phần số {component}.", d.code),
        ));
    };
    // Components of the applicant's other dossiers, and their results flagged reusable;
    // both queries give (code, number, name, file columns, when, by).
    // (Not a PDF whose pages were all moved to other components since.)
    let rows = fetch(
        conn,
        &format!(
            "SELECT s.code, f.component, c.name, f.sha256, f.file_name, f.media_type, f.bytes,
                    f.pages, f.added_at, f.added_by
             FROM dossier s
             JOIN dossier_file f ON f.dossier_id = s.id AND f.role = 'assembled'
             JOIN dossier_component c ON c.dossier_id = s.id AND c.number = f.component
             WHERE s.applicant_id = ?1 AND s.code != ?2 AND {}
             ORDER BY f.added_at DESC, f.id DESC",
            files::NOT_EMPTIED_SINCE
        ),
        SourceKind::Component,
        &d.applicant_id,
        &d.code,
    )?;
    let results = fetch(
        conn,
        "SELECT s.code, r.number, r.name, f.sha256, f.file_name, f.media_type, f.bytes,
                f.pages, r.added_at, r.added_by
         FROM dossier s
         JOIN dossier_result r ON r.dossier_id = s.id AND r.reusable = 1
         JOIN dossier_result_file f ON f.dossier_id = s.id AND f.result = r.number
                                   AND f.role = 'assembled'
         WHERE s.applicant_id = ?1 AND s.code != ?2",
        SourceKind::Result,
        &d.applicant_id,
        &d.code,
    )?;
    let mut all: Vec<ReuseCandidate> = rows
        .into_iter()
        .filter(|c| same_kind(&c.component_name, &target.name))
        .chain(
            results
                .into_iter()
                .filter(|c| result_fits(&c.component_name, &target.name)),
        )
        .collect();
    // Newest first (timestamps are RFC 3339 in the desk's zone, so they sort
    // as text); the sort is stable, so a result ties after a component.
    all.sort_by(|a, b| b.digitised_at.cmp(&a.digitised_at));
    let mut seen = std::collections::HashSet::new();
    // one offer per distinct file
    all.retain(|c| seen.insert(c.sha256.clone()));
    Ok(all)
}

/// The candidates `sql` selects for `applicant` outside dossier `code`.
fn fetch(
    conn: &Connection,
    sql: &str,
    kind: SourceKind,
    applicant: &str,
    code: &str,
) -> Result<Vec<ReuseCandidate>, CoreError> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(params![applicant, code], |r| {
        Ok(ReuseCandidate {
            source_code: r.get(0)?,
            source_kind: kind,
            source_component: r.get(1)?,
            component_name: r.get(2)?,
            sha256: r.get(3)?,
            file_name: r.get(4)?,
            media_type: r.get(5)?,
            bytes: u64::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
            pages: r.get(7)?,
            digitised_at: r.get(8)?,
            digitised_by: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Use the digitised component (or, with [`SourceKind::Result`], the
/// result) `source_number` of dossier `source_code` for component
/// `component` of dossier `code`, in the caller's write transaction. Moves
/// the dossier along as a scan would ([`files::record`]) and records the
/// reuse; audited.
#[allow(clippy::too_many_arguments)] // the two ends of the reuse, each named
pub fn reuse(
    conn: &Connection,
    actor: &Actor,
    code: &str,
    component: u32,
    source_code: &str,
    source_kind: SourceKind,
    source_number: u32,
    now: &Timestamp,
) -> Result<Status, CoreError> {
    let offered = candidates(conn, code, component)?;
    let Some(c) = offered.iter().find(|c| {
        c.source_code == source_code
            && c.source_kind == source_kind
            && c.source_component == source_number
    }) else {
        let what = match source_kind {
            SourceKind::Component => "Thành phần",
            SourceKind::Result => "Kết quả",
        };
        return Err(CoreError::invalid(
            "source",
            format!(
                "{what} {source_number} của hồ sơ {source_code} không dùng lại được cho \
                 thành phần {component} của hồ sơ {code}: không cùng người nộp, không cùng loại \
                 giấy tờ, chưa được số hóa hoặc không được đánh dấu dùng lại."
            ),
        ));
    };
    if files::digitised(conn, code)?.contains(&component) {
        return Err(CoreError::Conflict(format!(
            "Thành phần {component} của hồ sơ {code} đã có bản số hóa."
        )));
    }
    let status = files::record(
        conn,
        actor,
        code,
        component,
        &[FileRecord {
            role: FileRole::Assembled,
            sha256: c.sha256.clone(),
            file_name: c.file_name.clone(),
            media_type: c.media_type.clone(),
            bytes: c.bytes,
            pages: c.pages,
            warnings: Vec::new(),
        }],
        now,
    )?;
    let by = super::staff_name(conn, actor)?;
    conn.execute(
        "INSERT INTO dossier_reuse (dossier_id, component, source_dossier_id, source_component,
                                    sha256, at, by_name, source_kind)
         SELECT d.id, ?2, s.id, ?4, ?5, ?6, ?7, ?8 FROM dossier d, dossier s
         WHERE d.code = ?1 AND s.code = ?3",
        params![
            code,
            component,
            source_code,
            source_number,
            c.sha256,
            ts(now),
            by,
            source_kind.as_str()
        ],
    )?;
    audit::append(
        conn,
        actor,
        &Event {
            action: "reuse",
            entity: "dossier",
            entity_id: code,
            detail: serde_json::json!({
                "component": component,
                "from": source_code,
                "fromKind": source_kind,
                "fromNumber": source_number,
                "sha256": c.sha256,
            }),
        },
        now,
    )?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::result_fits;

    #[test]
    fn a_result_fits_a_component_named_by_it_at_a_word_break() {
        assert!(result_fits("Sổ BHXH", "Sổ BHXH"));
        assert!(result_fits(
            "sổ  bhxh",
            "Sổ BHXH (trường hợp đổi, điều chỉnh thông tin trên sổ)"
        ));
        assert!(result_fits("Sổ BHXH", "Sổ BHXH của người chết"));
        assert!(!result_fits("Sổ BH", "Sổ BHXH"), "not inside a word");
        assert!(!result_fits("Sổ BHXH", "Sổ"), "not a shorter name");
        assert!(!result_fits("Thẻ BHYT", "Sổ BHXH"));
        assert!(!result_fits("   ", "Sổ BHXH"), "an empty name fits nothing");
    }
}
