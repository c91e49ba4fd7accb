//! Signed versions of a dossier's PDFs (issue 13): which PDF of a component
//! or result is current — the newest signed version of its assembled PDF,
//! or the assembled PDF itself — and the record of each signing.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::office::audit::{self, Actor, Event};
use crate::{CoreError, Timestamp, ts};

/// A component's or a result's PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "number")]
pub enum Item {
    Component(u32),
    Result(u32),
}

impl Item {
    fn kind(self) -> &'static str {
        match self {
            Item::Component(_) => "component",
            Item::Result(_) => "result",
        }
    }
    fn number(self) -> u32 {
        match self {
            Item::Component(n) | Item::Result(n) => n,
        }
    }
    /// "thành phần 2", "kết quả 1".
    pub fn label_vi(self) -> String {
        match self {
            Item::Component(n) => format!("thành phần {n}"),
            Item::Result(n) => format!("kết quả {n}"),
        }
    }
}

/// The PDF of an item as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    pub item: Item,
    /// The assembled PDF the item was digitised as.
    pub assembled_sha256: String,
    /// The current bytes: the newest signed version, or the assembled PDF.
    pub sha256: String,
    pub file_name: String,
    /// How many times the desk signed it.
    pub signatures: u32,
    /// The PDF was assembled by the desk from scans (it carries the
    /// digitiser's stamp), not received whole.
    pub assembled_by_desk: bool,
}

/// Every item of a dossier that has a PDF, components first, with the PDF
/// that is current for each.
pub fn current(conn: &Connection, code: &str) -> Result<Vec<Current>, CoreError> {
    let d = super::get(conn, code)?;
    let mut out = Vec::new();
    let mut assembled = conn.prepare(
        "SELECT f.component, f.sha256, f.file_name FROM dossier_file f
         WHERE f.dossier_id = (SELECT id FROM dossier WHERE code = ?1) AND f.role = 'assembled'
           AND f.id = (SELECT max(g.id) FROM dossier_file g
                       WHERE g.dossier_id = f.dossier_id AND g.component = f.component
                         AND g.role = 'assembled')
           AND NOT EXISTS (SELECT 1 FROM page_emptied e WHERE e.file_id = f.id)
         ORDER BY f.component",
    )?;
    let rows = assembled.query_map(params![d.code], |r| {
        Ok((
            Item::Component(r.get(0)?),
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut items: Vec<(Item, String, String)> = rows.collect::<Result<_, _>>()?;
    for r in super::results::list(conn, &d.code)? {
        let name = r
            .files
            .iter()
            .find(|f| f.sha256 == r.sha256)
            .map(|f| f.file_name.clone())
            .unwrap_or_default();
        items.push((Item::Result(r.number), r.sha256, name));
    }
    for (item, assembled_sha256, file_name) in items {
        // The desk names what it assembles (`thanh-phan-N.pdf`,
        // `ket-qua-N.pdf`); a PDF received whole keeps its own name.
        let assembled_by_desk =
            file_name.starts_with("thanh-phan-") || file_name.starts_with("ket-qua-");
        let (latest, count): (Option<String>, u32) = conn.query_row(
            "SELECT (SELECT sha256 FROM signed_file WHERE dossier_id = d.id AND kind = ?2
                       AND number = ?3 AND assembled_sha256 = ?4 ORDER BY id DESC LIMIT 1),
                    (SELECT count(*) FROM signed_file WHERE dossier_id = d.id AND kind = ?2
                       AND number = ?3 AND assembled_sha256 = ?4)
             FROM dossier d WHERE d.code = ?1",
            params![d.code, item.kind(), item.number(), assembled_sha256],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        out.push(Current {
            item,
            sha256: latest.unwrap_or_else(|| assembled_sha256.clone()),
            assembled_sha256,
            file_name,
            signatures: count,
            assembled_by_desk,
        });
    }
    Ok(out)
}

/// One signing, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signing<'a> {
    pub item: Item,
    pub assembled_sha256: &'a str,
    pub base_sha256: &'a str,
    pub sha256: &'a str,
    pub bytes: u64,
    pub signer: &'a str,
    pub certificate_serial: &'a str,
}

/// Record a signed version (its bytes already sealed) and audit it. Fails
/// when the version it signs is no longer the item's current PDF (two
/// officers signing at once: the second signs again, over the first).
pub fn record(
    conn: &Connection,
    actor: &Actor,
    code: &str,
    s: &Signing<'_>,
    now: &Timestamp,
) -> Result<(), CoreError> {
    let cur = current(conn, code)?
        .into_iter()
        .find(|c| c.item == s.item)
        .ok_or_else(|| {
            CoreError::invalid(
                "item",
                format!("Hồ sơ {code} chưa có tệp PDF cho {}.", s.item.label_vi()),
            )
        })?;
    if cur.sha256 != s.base_sha256 || cur.assembled_sha256 != s.assembled_sha256 {
        return Err(CoreError::Conflict(format!(
            "Tệp của {} vừa được ký hoặc số hóa lại: hãy ký lại.",
            s.item.label_vi()
        )));
    }
    let name = super::staff_name(conn, actor)?;
    conn.execute(
        "INSERT INTO signed_file (dossier_id, kind, number, assembled_sha256, base_sha256, sha256,
             bytes, signer, certificate_serial, signed_at, signed_by)
         SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 FROM dossier WHERE code = ?1",
        params![
            code,
            s.item.kind(),
            s.item.number(),
            s.assembled_sha256,
            s.base_sha256,
            s.sha256,
            i64::try_from(s.bytes).unwrap_or(i64::MAX),
            s.signer,
            s.certificate_serial,
            ts(now),
            name,
        ],
    )?;
    audit::append(
        conn,
        actor,
        &Event {
            action: "sign",
            entity: "dossier",
            entity_id: code,
            detail: serde_json::json!({
                "item": s.item,
                "sha256": s.sha256,
                "signer": s.signer,
                "certificateSerial": s.certificate_serial,
            }),
        },
        now,
    )?;
    Ok(())
}

/// Whether the item's current PDF is a signed version the desk made.
pub fn is_signed(conn: &Connection, sha256: &str) -> Result<bool, CoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM signed_file WHERE sha256 = ?1 LIMIT 1",
            params![sha256],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The signed PDF of an approved report revision, if it was signed.
pub fn report(
    conn: &Connection,
    kind: &str,
    period: &str,
    revision: i64,
) -> Result<Option<String>, CoreError> {
    Ok(conn
        .query_row(
            "SELECT sha256 FROM signed_report WHERE kind = ?1 AND period = ?2 AND revision = ?3",
            params![kind, period, revision],
            |r| r.get(0),
        )
        .optional()?)
}

/// A signed report revision, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSigning<'a> {
    pub kind: &'a str,
    pub period: &'a str,
    pub revision: i64,
    pub sha256: &'a str,
    pub bytes: u64,
    pub signer: &'a str,
    pub certificate_serial: &'a str,
}

/// Record the signed PDF of an approved report revision (sealed already)
/// and audit it; a revision is signed once.
pub fn record_report(
    conn: &Connection,
    actor: &Actor,
    s: &ReportSigning<'_>,
    now: &Timestamp,
) -> Result<(), CoreError> {
    if report(conn, s.kind, s.period, s.revision)?.is_some() {
        return Err(CoreError::Conflict(format!(
            "Báo cáo {} lần {} đã được ký số.",
            s.period, s.revision
        )));
    }
    let name = super::staff_name(conn, actor)?;
    conn.execute(
        "INSERT INTO signed_report (kind, period, revision, sha256, bytes, signer,
             certificate_serial, signed_at, signed_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            s.kind,
            s.period,
            s.revision,
            s.sha256,
            i64::try_from(s.bytes).unwrap_or(i64::MAX),
            s.signer,
            s.certificate_serial,
            ts(now),
            name,
        ],
    )?;
    audit::append(
        conn,
        actor,
        &Event {
            action: "sign",
            entity: "report",
            entity_id: &format!("{}:{}#{}", s.kind, s.period, s.revision),
            detail: serde_json::json!({
                "sha256": s.sha256,
                "signer": s.signer,
                "certificateSerial": s.certificate_serial,
            }),
        },
        now,
    )?;
    Ok(())
}

/// Every hash the signed versions refer to (for the file store's sweep and check).
pub fn referenced_hashes(conn: &Connection) -> Result<Vec<String>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT sha256 FROM signed_file UNION SELECT sha256 FROM signed_report ORDER BY 1",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
