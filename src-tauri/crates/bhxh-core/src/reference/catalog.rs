//! Reference lists: provinces and the procedure catalogue.

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::office::audit::{self, Actor, Event};
use crate::text::nfc;
use crate::{CoreError, Timestamp, ts};

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Province {
    pub code: String,
    pub name: String,
}

pub fn provinces(conn: &Connection) -> Result<Vec<Province>, CoreError> {
    let mut stmt = conn.prepare("SELECT code, name FROM province ORDER BY code")?;
    let rows = stmt.query_map([], |r| {
        Ok(Province {
            code: r.get(0)?,
            name: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn province(conn: &Connection, code: &str) -> Result<Option<Province>, CoreError> {
    Ok(conn
        .query_row(
            "SELECT code, name FROM province WHERE code = ?1",
            [code],
            |r| {
                Ok(Province {
                    code: r.get(0)?,
                    name: r.get(1)?,
                })
            },
        )
        .optional()?)
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Component {
    pub number: u32,
    pub name: String,
    pub copies: u32,
    pub original: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Procedure {
    pub code: String,
    pub code_is_national: bool,
    pub name: String,
    pub group: String,
    pub processing_days: u32,
    pub components: Vec<Component>,
}

pub fn procedures(conn: &Connection) -> Result<Vec<Procedure>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT code, code_is_national, name, grp, processing_days FROM procedure WHERE active = 1 ORDER BY rowid",
    )?;
    let mut procs: Vec<Procedure> = stmt
        .query_map([], |r| {
            Ok(Procedure {
                code: r.get(0)?,
                code_is_national: r.get(1)?,
                name: r.get(2)?,
                group: r.get(3)?,
                processing_days: r.get(4)?,
                components: Vec::new(),
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut comp = conn.prepare(
        "SELECT number, name, copies, original FROM procedure_component WHERE procedure_code = ?1 ORDER BY number",
    )?;
    for p in &mut procs {
        p.components = comp
            .query_map([&p.code], |r| {
                Ok(Component {
                    number: r.get(0)?,
                    name: r.get(1)?,
                    copies: r.get(2)?,
                    original: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
    }
    Ok(procs)
}

/// Longest statutory processing time the catalogue accepts, in working days.
pub const MAX_PROCESSING_DAYS: u32 = 90;
const MAX_NAME_CHARS: usize = 500;
const MAX_COPIES: u32 = 20;

/// One paper of a dossier, as an administrator edits it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ComponentInput {
    pub name: String,
    pub copies: u32,
    pub original: bool,
}

/// An administrator's edit of a procedure: its name, the statutory
/// processing time in working days and the papers of its dossier (numbered
/// in the order given).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProcedureEdit {
    pub name: String,
    pub processing_days: u32,
    pub components: Vec<ComponentInput>,
}

fn procedure(conn: &Connection, code: &str) -> Result<Option<Procedure>, CoreError> {
    Ok(procedures(conn)?.into_iter().find(|p| p.code == code))
}

fn check_name(field: &'static str, what: &str, name: &str) -> Result<String, CoreError> {
    let name = nfc(name.trim());
    if name.is_empty() {
        return Err(CoreError::invalid(
            field,
            format!("{what} không được để trống."),
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(CoreError::invalid(
            field,
            format!("{what} dài quá {MAX_NAME_CHARS} ký tự."),
        ));
    }
    Ok(name)
}

/// Replace a procedure's name, processing days and components, audited with
/// the values before and after. Runs inside the caller's transaction.
pub fn update_procedure(
    conn: &Connection,
    actor: &Actor,
    code: &str,
    edit: &ProcedureEdit,
    now: &Timestamp,
) -> Result<Procedure, CoreError> {
    let before = procedure(conn, code)?.ok_or_else(|| CoreError::NotFound {
        what: format!("thủ tục mã {code}"),
    })?;
    let name = check_name("name", "Tên thủ tục", &edit.name)?;
    if edit.processing_days > MAX_PROCESSING_DAYS {
        return Err(CoreError::invalid(
            "processingDays",
            format!(
                "Thời hạn giải quyết {} ngày làm việc vượt quá {MAX_PROCESSING_DAYS} ngày.",
                edit.processing_days
            ),
        ));
    }
    if edit.components.is_empty() {
        return Err(CoreError::invalid(
            "components",
            "Thủ tục phải có ít nhất một thành phần hồ sơ.",
        ));
    }
    let mut components = Vec::with_capacity(edit.components.len());
    for (i, c) in edit.components.iter().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let name = check_name(
            "components",
            &format!("Tên thành phần hồ sơ số {number}"),
            &c.name,
        )?;
        if c.copies == 0 || c.copies > MAX_COPIES {
            return Err(CoreError::invalid(
                "components",
                format!(
                    "Số bản của thành phần hồ sơ số {number} phải từ 1 đến {MAX_COPIES} (đang là {}).",
                    c.copies
                ),
            ));
        }
        components.push(Component {
            number,
            name,
            copies: c.copies,
            original: c.original,
        });
    }
    conn.execute(
        "UPDATE procedure SET name = ?2, processing_days = ?3, updated_at = ?4 WHERE code = ?1",
        rusqlite::params![code, name, edit.processing_days, ts(now)],
    )?;
    conn.execute(
        "DELETE FROM procedure_component WHERE procedure_code = ?1",
        [code],
    )?;
    let mut ins = conn.prepare(
        "INSERT INTO procedure_component (procedure_code, number, name, copies, original) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for c in &components {
        ins.execute(rusqlite::params![
            code, c.number, c.name, c.copies, c.original
        ])?;
    }
    // The deadline is a dated rule: the edit applies from today on, and a
    // dossier received before keeps the rule it was taken in under.
    crate::reference::rules::set_local_deadline(
        conn,
        code,
        now.date_naive(),
        edit.processing_days,
    )?;
    let after = Procedure {
        name,
        processing_days: edit.processing_days,
        components,
        ..before.clone()
    };
    audit::append(
        conn,
        actor,
        &Event {
            action: "update",
            entity: "procedure",
            entity_id: code,
            detail: serde_json::json!({ "before": before, "after": after }),
        },
        now,
    )?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeded() -> Connection {
        crate::seeded_for_tests()
    }

    fn edit(days: u32, components: &[(&str, u32)]) -> ProcedureEdit {
        ProcedureEdit {
            name: "  Giải quyết hưởng chế độ ốm đau  ".into(),
            processing_days: days,
            components: components
                .iter()
                .map(|(n, c)| ComponentInput {
                    name: (*n).into(),
                    copies: *c,
                    original: false,
                })
                .collect(),
        }
    }

    #[test]
    fn an_edit_replaces_days_and_components_and_is_audited() {
        let conn = seeded();
        let code = procedures(&conn).unwrap()[0].code.clone();
        let now = crate::parse_ts("2024-03-02T09:00:00+07:00").unwrap();
        let actor = Actor {
            id: None,
            username: "quantri".into(),
        };
        let after = update_procedure(
            &conn,
            &actor,
            &code,
            &edit(7, &[("Tờ khai", 1), ("Giấy ra viện", 2)]),
            &now,
        )
        .unwrap();
        assert_eq!(after.name, "Giải quyết hưởng chế độ ốm đau");
        let reread = procedure(&conn, &code).unwrap().unwrap();
        assert_eq!(reread, after);
        assert_eq!(reread.processing_days, 7);
        assert_eq!(
            reread
                .components
                .iter()
                .map(|c| (c.number, c.name.as_str(), c.copies))
                .collect::<Vec<_>>(),
            vec![(1, "Tờ khai", 1), (2, "Giấy ra viện", 2)]
        );
        let entries = audit::list(&conn, 5, None).unwrap();
        let last = &entries[0];
        assert_eq!(
            (
                last.action.as_str(),
                last.entity.as_str(),
                last.entity_id.as_str()
            ),
            ("update", "procedure", code.as_str())
        );
        assert!(last.detail.contains("\"before\""), "{}", last.detail);
        assert!(audit::verify(&conn).unwrap().is_intact());
    }

    #[test]
    fn bad_edits_are_refused_precisely_and_change_nothing() {
        let conn = seeded();
        let before = procedures(&conn).unwrap()[0].clone();
        let now = crate::parse_ts("2024-03-02T09:00:00+07:00").unwrap();
        let actor = Actor {
            id: None,
            username: "quantri".into(),
        };
        let cases: Vec<(ProcedureEdit, &str, &str)> = vec![
            (edit(91, &[("Tờ khai", 1)]), "processingDays", "91 ngày"),
            (edit(5, &[]), "components", "ít nhất một"),
            (edit(5, &[("Tờ khai", 0)]), "components", "số 1"),
            (edit(5, &[("Tờ khai", 1), ("  ", 1)]), "components", "số 2"),
            (
                ProcedureEdit {
                    name: " ".into(),
                    ..edit(5, &[("Tờ khai", 1)])
                },
                "name",
                "Tên thủ tục",
            ),
        ];
        for (e, field, needle) in cases {
            match update_procedure(&conn, &actor, &before.code, &e, &now) {
                Err(CoreError::Invalid { field: f, message }) => {
                    assert_eq!(f, field, "{message}");
                    assert!(message.contains(needle), "{message}");
                }
                other => panic!("expected Invalid for {e:?}, got {other:?}"),
            }
        }
        assert!(matches!(
            update_procedure(&conn, &actor, "KHONG.CO", &edit(5, &[("Tờ khai", 1)]), &now),
            Err(CoreError::NotFound { .. })
        ));
        assert_eq!(procedure(&conn, &before.code).unwrap().unwrap(), before);
    }
}
