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
    current(conn, &d.code, component)?
        .map(|(_, l)| l)
        .ok_or_else(|| not_digitised(&d.code, component))
}

fn not_digitised(code: &str, component: u32) -> CoreError {
    CoreError::invalid(
        "component",
        format!("Thành phần {component} của hồ sơ {code} chưa được số hóa."),
    )
}

/// The row id and layout of a component's current PDF; `None` when it has
/// none (never digitised, or every page moved away since).
fn current(
    conn: &Connection,
    code: &str,
    component: u32,
) -> Result<Option<(i64, Layout)>, CoreError> {
    let dossier_id: i64 =
        conn.query_row("SELECT id FROM dossier WHERE code = ?1", [code], |r| {
            r.get(0)
        })?;
    let current: Option<(i64, String, String, bool)> = conn
        .query_row(
            "SELECT id, sha256, file_name,
                    EXISTS (SELECT 1 FROM page_emptied e WHERE e.file_id = f.id)
             FROM dossier_file f
             WHERE dossier_id = ?1 AND component = ?2 AND role = 'assembled'
             ORDER BY id DESC LIMIT 1",
            params![dossier_id, component],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((file_id, sha256, file_name, false)) = current else {
        return Ok(None);
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
                "bố cục trang của thành phần {component} hồ sơ {code} hỏng: {e}"
            ))
        })?;
        return Ok(Some((
            file_id,
            Layout {
                sha256,
                file_name,
                received_whole: false,
                pages,
            },
        )));
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
    Ok(Some((
        file_id,
        Layout {
            sha256,
            file_name,
            received_whole: pages.is_empty(),
            pages,
        },
    )))
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
    let name = super::staff_name(conn, actor)?;
    insert_version(
        conn,
        &d.code,
        component,
        file,
        base_sha256,
        &new_layout,
        &name,
        now,
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

/// A new version of a component's PDF: its `assembled` row and the layout
/// it was made from (`base_sha256`: the PDF it was made from).
#[allow(clippy::too_many_arguments)] // one row and its layout
fn insert_version(
    conn: &Connection,
    code: &str,
    component: u32,
    file: &FileRecord,
    base_sha256: &str,
    layout: &[PageRef],
    by: &str,
    now: &Timestamp,
) -> Result<(), CoreError> {
    if file.role != FileRole::Assembled || file.pages as usize != layout.len() {
        return Err(CoreError::invalid(
            "pages",
            "Bản chỉnh trang phải là một tệp PDF có đúng số trang đã chọn.",
        ));
    }
    let layout_json =
        serde_json::to_string(layout).map_err(|e| CoreError::Corrupt(e.to_string()))?;
    conn.execute(
        "INSERT INTO dossier_file (dossier_id, component, role, sha256, file_name, media_type,
             bytes, pages, warnings, added_at, added_by)
         SELECT id, ?2, 'assembled', ?3, ?4, 'application/pdf', ?5, ?6, ?7, ?8, ?9
         FROM dossier WHERE code = ?1",
        params![
            code,
            component,
            file.sha256,
            file.file_name,
            i64::try_from(file.bytes).unwrap_or(i64::MAX),
            file.pages,
            serde_json::to_string(&file.warnings).unwrap_or_else(|_| "[]".into()),
            ts(now),
            by,
        ],
    )?;
    conn.execute(
        "INSERT INTO page_edit (file_id, base_sha256, layout) VALUES (?1, ?2, ?3)",
        params![conn.last_insert_rowid(), base_sha256, layout_json],
    )?;
    Ok(())
}

/// Pages moved from one component of a dossier to another: an officer fed
/// a whole batch into one component and some pages belong to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Move {
    /// The component the pages are taken from.
    pub from: u32,
    /// The pages taken, by their number in `from`'s current PDF, in the
    /// order they go into `to`.
    pub pages: Vec<u32>,
    /// The component they go to (of the same dossier).
    pub to: u32,
    /// Where the first of them goes in `to` (from 1); `None`: after its
    /// last page.
    pub at: Option<u32>,
    /// The version of `from` the officer saw.
    pub from_sha256: String,
    /// The version of `to` the officer saw; `None`: it had no PDF.
    pub to_sha256: Option<String>,
}

/// A move checked against the components as they stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovePlan {
    pub from_before: Layout,
    pub to_before: Option<Layout>,
    /// The pages `from` keeps; empty: every page moved, `from` is left with
    /// no PDF (not digitised).
    pub from_after: Vec<PageRef>,
    pub to_after: Vec<PageRef>,
}

/// Check a move against the dossier as it stands (nothing is written):
/// both components of this dossier and different, the dossier still open
/// to digitising, neither PDF received whole, both still the versions the
/// officer saw, the pages there and each named once, the place in `to`
/// within its pages.
pub fn plan_move(conn: &Connection, code: &str, mv: &Move) -> Result<MovePlan, CoreError> {
    let d = super::get(conn, code)?;
    ensure_digitisable(&d)?;
    for n in [mv.from, mv.to] {
        if !d.components.iter().any(|c| c.number == n) {
            return Err(CoreError::invalid(
                "component",
                format!("Hồ sơ {} không có thành phần số {n}.", d.code),
            ));
        }
    }
    if mv.from == mv.to {
        return Err(CoreError::invalid(
            "component",
            format!(
                "Các trang đã ở thành phần {}: hãy chọn một thành phần khác để chuyển tới.",
                mv.to
            ),
        ));
    }
    let from_before = current(conn, &d.code, mv.from)?
        .map(|(_, l)| l)
        .ok_or_else(|| not_digitised(&d.code, mv.from))?;
    from_before.editable_from(&d.code, mv.from, &mv.from_sha256)?;
    let to_before = current(conn, &d.code, mv.to)?.map(|(_, l)| l);
    match (&to_before, &mv.to_sha256) {
        (Some(l), seen) => l.editable_from(&d.code, mv.to, seen.as_deref().unwrap_or(""))?,
        (None, Some(_)) => {
            return Err(CoreError::Conflict(format!(
                "Thành phần {} của hồ sơ {} vừa thay đổi (không còn bản PDF đã xem): hãy mở lại rồi chuyển trang.",
                mv.to, d.code
            )));
        }
        (None, None) => {}
    }
    let (from_after, moved) = take(&from_before.pages, &mv.pages)?;
    let to_pages = to_before.as_ref().map_or(&[][..], |l| &l.pages[..]);
    let to_after = insert(to_pages, moved, mv.at, mv.to)?;
    Ok(MovePlan {
        from_before,
        to_before,
        from_after,
        to_after,
    })
}

/// The pages `numbers` (from 1, each once) taken out of `current`: what is
/// left, and the pages taken in the order named.
pub fn take(
    current: &[PageRef],
    numbers: &[u32],
) -> Result<(Vec<PageRef>, Vec<PageRef>), CoreError> {
    if numbers.is_empty() {
        return Err(CoreError::invalid(
            "pages",
            "Chưa chọn trang nào để chuyển.",
        ));
    }
    let mut taken = vec![false; current.len()];
    let mut moved = Vec::with_capacity(numbers.len());
    for &n in numbers {
        let i = usize::try_from(n)
            .ok()
            .and_then(|p| p.checked_sub(1))
            .filter(|i| *i < current.len())
            .ok_or_else(|| {
                CoreError::invalid(
                    "pages",
                    format!("Không có trang {n}: thành phần có {} trang.", current.len()),
                )
            })?;
        if std::mem::replace(&mut taken[i], true) {
            return Err(CoreError::invalid(
                "pages",
                format!("Trang {n} được chọn hai lần."),
            ));
        }
        moved.push(current[i].clone());
    }
    let left = current
        .iter()
        .zip(&taken)
        .filter(|(_, t)| !**t)
        .map(|(p, _)| p.clone())
        .collect();
    Ok((left, moved))
}

/// `moved` put into `target` so that the first of them is page `at` (from
/// 1; `None`: after the last page) of component `to`.
pub fn insert(
    target: &[PageRef],
    moved: Vec<PageRef>,
    at: Option<u32>,
    to: u32,
) -> Result<Vec<PageRef>, CoreError> {
    let i = match at {
        None => target.len(),
        Some(at) => usize::try_from(at)
            .ok()
            .and_then(|a| a.checked_sub(1))
            .filter(|i| *i <= target.len())
            .ok_or_else(|| {
                CoreError::invalid(
                    "at",
                    format!(
                        "Không chèn vào vị trí {at} được: thành phần {to} có {} trang (chèn từ 1 đến {}).",
                        target.len(),
                        target.len() + 1
                    ),
                )
            })?,
    };
    let mut out = Vec::with_capacity(target.len() + moved.len());
    out.extend_from_slice(&target[..i]);
    out.extend(moved);
    out.extend_from_slice(&target[i..]);
    Ok(out)
}

/// Record a move (its PDFs already sealed: `from_file` the pages `from`
/// keeps, `None` when it keeps none; `to_file` the pages of `to` after the
/// move), both components in the caller's one transaction, checked again
/// here ([`plan_move`]: another officer may have changed either since).
/// A component left with no pages has no PDF from then on (not digitised:
/// a dossier that was "digitised" goes back to "digitising"); a component
/// handed in that gets its first pages may complete the dossier. Audited as
/// one `move_pages`. Returns the plan recorded and the dossier's status.
pub fn record_move(
    conn: &Connection,
    actor: &Actor,
    code: &str,
    mv: &Move,
    from_file: Option<&FileRecord>,
    to_file: &FileRecord,
    now: &Timestamp,
) -> Result<(MovePlan, super::Status), CoreError> {
    let d = super::get(conn, code)?;
    let plan = plan_move(conn, &d.code, mv)?;
    if from_file.is_none() != plan.from_after.is_empty() {
        return Err(CoreError::invalid(
            "pages",
            "Bản chỉnh trang phải là một tệp PDF có đúng số trang đã chọn.",
        ));
    }
    let name = super::staff_name(conn, actor)?;
    let from_base = plan.from_before.sha256.as_str();
    match from_file {
        Some(f) => insert_version(
            conn,
            &d.code,
            mv.from,
            f,
            from_base,
            &plan.from_after,
            &name,
            now,
        )?,
        None => {
            let Some((file_id, _)) = current(conn, &d.code, mv.from)? else {
                return Err(not_digitised(&d.code, mv.from));
            };
            conn.execute("INSERT INTO page_emptied (file_id) VALUES (?1)", [file_id])?;
        }
    }
    let to_base = plan
        .to_before
        .as_ref()
        .map_or(from_base, |l| l.sha256.as_str());
    insert_version(
        conn,
        &d.code,
        mv.to,
        to_file,
        to_base,
        &plan.to_after,
        &name,
        now,
    )?;
    audit::append(
        conn,
        actor,
        &Event {
            action: "move_pages",
            entity: "dossier",
            entity_id: &d.code,
            detail: serde_json::json!({
                "from": mv.from,
                "to": mv.to,
                "pages": mv.pages,
                "at": mv.at,
                "fromVersion": from_base,
                "fromNew": from_file.map(|f| &f.sha256),
                "toVersion": plan.to_before.as_ref().map(|l| &l.sha256),
                "toNew": to_file.sha256,
                "emptied": from_file.is_none(),
            }),
        },
        now,
    )?;
    let mut d = super::get(conn, &d.code)?;
    if d.status == super::Status::Digitised && super::files::missing(conn, &d.code)? > 0 {
        d = super::write_status(
            conn,
            actor,
            &d,
            super::Status::Digitising,
            &format!(
                "Thành phần {} không còn trang nào: các trang đã chuyển sang thành phần {}.",
                mv.from, mv.to
            ),
            now,
        )?;
    }
    let status = super::files::settle_status(conn, actor, &d, now)?;
    Ok((plan, status))
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

    #[test]
    fn pages_taken_in_the_order_named_and_put_at_a_place() {
        let cur = pages(5);
        let (left, moved) = take(&cur, &[5, 3]).unwrap();
        assert_eq!(left.iter().map(|p| p.page).collect::<Vec<_>>(), [1, 2, 4]);
        assert_eq!(moved.iter().map(|p| p.page).collect::<Vec<_>>(), [5, 3]);
        let into = |at| {
            insert(&left, moved.clone(), at, 2)
                .map(|v| v.iter().map(|p| p.page).collect::<Vec<_>>())
        };
        assert_eq!(into(None).unwrap(), [1, 2, 4, 5, 3]);
        assert_eq!(into(Some(1)).unwrap(), [5, 3, 1, 2, 4]);
        assert_eq!(into(Some(4)).unwrap(), [1, 2, 4, 5, 3]);
        assert!(
            into(Some(5))
                .unwrap_err()
                .to_string()
                .contains("từ 1 đến 4")
        );
        assert!(into(Some(0)).is_err());
        let (left, moved) = take(&cur, &[1, 2, 3, 4, 5]).unwrap();
        assert!(left.is_empty());
        assert_eq!(insert(&[], moved, None, 2).unwrap(), cur);
        assert!(
            take(&cur, &[])
                .unwrap_err()
                .to_string()
                .contains("Chưa chọn")
        );
        assert!(
            take(&cur, &[2, 2])
                .unwrap_err()
                .to_string()
                .contains("hai lần")
        );
        assert!(
            take(&cur, &[6])
                .unwrap_err()
                .to_string()
                .contains("Không có trang 6")
        );
    }
}
