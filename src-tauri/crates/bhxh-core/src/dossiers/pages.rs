//! Page tools (issue 14): which scanned pages make a component's current
//! PDF, in which order and turned how, and the record of an edit. The
//! sealed scans are never touched: an edit is a new assembled PDF made from
//! the same pages (its row in `dossier_file`, its layout in `page_edit`),
//! audited with what changed.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::files::{FileRecord, FileRole, ensure_digitisable};
use crate::office::audit::{self, Actor, Event};
use crate::{CoreError, Timestamp, ts};

/// One page of a component's PDF: page `page` (from 1) of the sealed scan
/// `sha256`, turned `rotate` degrees clockwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageRef {
    pub sha256: String,
    pub page: u32,
    pub rotate: u16,
}

/// A component's current PDF and the pages it is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The hash of the current assembled PDF.
    pub sha256: String,
    pub file_name: String,
    /// The PDF was received whole (kept byte for byte): its pages are not
    /// the desk's to edit, and `pages` is empty.
    pub received_whole: bool,
    pub pages: Vec<PageRef>,
}

/// A page of the new version: the current page number `page` (from 1),
/// turned `rotate` degrees (0, 90, 180 or 270) from the scan as it came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Choice {
    pub page: u32,
    pub rotate: u16,
}

/// The current PDF of a component and its pages.
pub fn layout(conn: &Connection, code: &str, component: u32) -> Result<Layout, CoreError> {
    let d = super::get(conn, code)?;
    let dossier_id: i64 =
        conn.query_row("SELECT id FROM dossier WHERE code = ?1", [&d.code], |r| {
            r.get(0)
        })?;
    let current: Option<(i64, String, String)> = conn
        .query_row(
            "SELECT id, sha256, file_name FROM dossier_file
             WHERE dossier_id = ?1 AND component = ?2 AND role = 'assembled'
             ORDER BY id DESC LIMIT 1",
            params![dossier_id, component],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((file_id, sha256, file_name)) = current else {
        return Err(CoreError::invalid(
            "component",
            format!(
                "Thành phần {component} của hồ sơ {} chưa được số hóa.",
                d.code
            ),
        ));
    };
    let edited: Option<String> = conn
        .query_row(
            "SELECT layout FROM page_edit WHERE file_id = ?1",
            [file_id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(json) = edited {
        let pages: Vec<PageRef> = serde_json::from_str(&json).map_err(|e| {
            CoreError::Corrupt(format!(
                "bố cục trang của thành phần {component} hồ sơ {} hỏng: {e}",
                d.code
            ))
        })?;
        return Ok(Layout {
            sha256,
            file_name,
            received_whole: false,
            pages,
        });
    }
    // Digitised from scans: the originals recorded with this PDF, i.e. after
    // the component's previous assembled PDF and before this one.
    let mut stmt = conn.prepare(
        "SELECT sha256, pages FROM dossier_file
         WHERE dossier_id = ?1 AND component = ?2 AND role = 'original' AND id < ?3
           AND id > coalesce((SELECT max(id) FROM dossier_file WHERE dossier_id = ?1
                              AND component = ?2 AND role = 'assembled' AND id < ?3), 0)
         ORDER BY id",
    )?;
    let originals = stmt
        .query_map(params![dossier_id, component, file_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let pages: Vec<PageRef> = originals
        .into_iter()
        .flat_map(|(sha256, n)| {
            (1..=n).map(move |page| PageRef {
                sha256: sha256.clone(),
                page,
                rotate: 0,
            })
        })
        .collect();
    Ok(Layout {
        sha256,
        file_name,
        received_whole: pages.is_empty(),
        pages,
    })
}

/// The pages of a new version chosen from the current ones: checked (every
/// page exists, none twice, quarter turns only, at least one page left, and
/// something changed) and turned into the new layout.
pub fn apply(current: &[PageRef], choices: &[Choice]) -> Result<Vec<PageRef>, CoreError> {
    if choices.is_empty() {
        return Err(CoreError::invalid(
            "pages",
            "Phải giữ lại ít nhất một trang: muốn bỏ cả thành phần thì số hóa lại.",
        ));
    }
    let mut seen = vec![false; current.len()];
    let mut out = Vec::with_capacity(choices.len());
    for c in choices {
        let i = usize::try_from(c.page)
            .ok()
            .and_then(|p| p.checked_sub(1))
            .filter(|i| *i < current.len())
            .ok_or_else(|| {
                CoreError::invalid(
                    "pages",
                    format!(
                        "Không có trang {}: thành phần có {} trang.",
                        c.page,
                        current.len()
                    ),
                )
            })?;
        if std::mem::replace(&mut seen[i], true) {
            return Err(CoreError::invalid(
                "pages",
                format!("Trang {} được chọn hai lần.", c.page),
            ));
        }
        if !matches!(c.rotate, 0 | 90 | 180 | 270) {
            return Err(CoreError::invalid(
                "pages",
                format!(
                    "Góc xoay {}° của trang {} không hợp lệ: chỉ 0, 90, 180 hoặc 270.",
                    c.rotate, c.page
                ),
            ));
        }
        out.push(PageRef {
            rotate: c.rotate,
            ..current[i].clone()
        });
    }
    if out == current {
        return Err(CoreError::invalid(
            "pages",
            "Không có thay đổi nào về trang để lưu.",
        ));
    }
    Ok(out)
}

impl Layout {
    /// Whether an edit made from the version `base_sha256` may be applied
    /// to this layout: not to a PDF received whole (kept byte for byte),
    /// and only while that version is still the current one (two officers
    /// editing at once, or a new import: its page numbers mean nothing now).
    pub fn editable_from(
        &self,
        code: &str,
        component: u32,
        base_sha256: &str,
    ) -> Result<(), CoreError> {
        if self.received_whole {
            return Err(CoreError::invalid(
                "pages",
                "Tệp PDF nhận nguyên bản được giữ nguyên từng byte: không chỉnh trang được.",
            ));
        }
        if self.sha256 != base_sha256.trim() {
            return Err(CoreError::Conflict(format!(
                "Thành phần {component} của hồ sơ {code} vừa được số hóa lại hoặc chỉnh trang: hãy mở lại rồi chỉnh."
            )));
        }
        Ok(())
    }
}

/// Record a new version of a component's PDF made by a page edit (its bytes
/// already sealed, made from the pages `choices` pick out of the version
/// `base_sha256`), audited with the pages kept, dropped and turned. Fails
/// when `base_sha256` is no longer the component's current PDF (two
/// officers editing at once: the second edits again, over the first).
/// Returns the new layout.
#[allow(clippy::too_many_arguments)] // one record, each part checked here
pub fn record_edit(
    conn: &Connection,
    actor: &Actor,
    code: &str,
    component: u32,
    base_sha256: &str,
    choices: &[Choice],
    file: &FileRecord,
    now: &Timestamp,
) -> Result<Vec<PageRef>, CoreError> {
    let d = super::get(conn, code)?;
    ensure_digitisable(&d)?;
    let before = layout(conn, &d.code, component)?;
    before.editable_from(&d.code, component, base_sha256)?;
    let new_layout = apply(&before.pages, choices)?;
    if file.role != FileRole::Assembled || file.pages as usize != new_layout.len() {
        return Err(CoreError::invalid(
            "pages",
            "Bản chỉnh trang phải là một tệp PDF có đúng số trang đã chọn.",
        ));
    }
    let name = super::staff_name(conn, actor)?;
    let layout_json =
        serde_json::to_string(&new_layout).map_err(|e| CoreError::Corrupt(e.to_string()))?;
    conn.execute(
        "INSERT INTO dossier_file (dossier_id, component, role, sha256, file_name, media_type,
             bytes, pages, warnings, added_at, added_by)
         SELECT id, ?2, 'assembled', ?3, ?4, 'application/pdf', ?5, ?6, ?7, ?8, ?9
         FROM dossier WHERE code = ?1",
        params![
            d.code,
            component,
            file.sha256,
            file.file_name,
            i64::try_from(file.bytes).unwrap_or(i64::MAX),
            file.pages,
            serde_json::to_string(&file.warnings).unwrap_or_else(|_| "[]".into()),
            ts(now),
            name,
        ],
    )?;
    conn.execute(
        "INSERT INTO page_edit (file_id, base_sha256, layout) VALUES (?1, ?2, ?3)",
        params![conn.last_insert_rowid(), base_sha256, layout_json],
    )?;
    // What changed, in the page numbers of the version edited.
    let order: Vec<u32> = choices.iter().map(|c| c.page).collect();
    let dropped: Vec<u32> = (1..=u32::try_from(before.pages.len()).unwrap_or(u32::MAX))
        .filter(|n| !order.contains(n))
        .collect();
    let turned: Vec<_> = choices
        .iter()
        .filter(|c| {
            before
                .pages
                .get(c.page as usize - 1)
                .is_some_and(|b| b.rotate != c.rotate)
        })
        .map(|c| serde_json::json!({ "page": c.page, "rotate": c.rotate }))
        .collect();
    audit::append(
        conn,
        actor,
        &Event {
            action: "edit_pages",
            entity: "dossier",
            entity_id: &d.code,
            detail: serde_json::json!({
                "component": component,
                "from": base_sha256,
                "to": file.sha256,
                "order": order,
                "dropped": dropped,
                "turned": turned,
            }),
        },
        now,
    )?;
    Ok(new_layout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(n: u32) -> Vec<PageRef> {
        (1..=n)
            .map(|page| PageRef {
                sha256: "a".repeat(64),
                page,
                rotate: 0,
            })
            .collect()
    }

    #[test]
    fn choices_reorder_turn_and_drop() {
        let cur = pages(3);
        let new = apply(
            &cur,
            &[
                Choice {
                    page: 3,
                    rotate: 90,
                },
                Choice { page: 1, rotate: 0 },
            ],
        )
        .unwrap();
        assert_eq!(new.len(), 2);
        assert_eq!((new[0].page, new[0].rotate), (3, 90));
        assert_eq!((new[1].page, new[1].rotate), (1, 0));
    }

    #[test]
    fn bad_choices_are_refused_with_the_reason() {
        let cur = pages(2);
        let err = |c: &[Choice]| apply(&cur, c).unwrap_err().to_string();
        assert!(err(&[]).contains("ít nhất một trang"));
        assert!(err(&[Choice { page: 3, rotate: 0 }]).contains("Không có trang 3"));
        assert!(err(&[Choice { page: 0, rotate: 0 }]).contains("Không có trang 0"));
        assert!(
            err(&[
                Choice { page: 1, rotate: 0 },
                Choice {
                    page: 1,
                    rotate: 90
                }
            ])
            .contains("hai lần")
        );
        assert!(
            err(&[Choice {
                page: 1,
                rotate: 45
            }])
            .contains("45°")
        );
        assert!(
            err(&[Choice { page: 1, rotate: 0 }, Choice { page: 2, rotate: 0 }])
                .contains("Không có thay đổi")
        );
    }
}
