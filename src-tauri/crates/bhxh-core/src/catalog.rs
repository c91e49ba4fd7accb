//! Reference lists: provinces and the procedure catalogue.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::CoreError;

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
