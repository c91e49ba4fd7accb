//! The participant register (plan task 21): people insured by the office,
//! imported from lists, and whether their ID number has been verified (by a
//! chip check at the counter or a recorded manual check).
//!
//! An import is checked row by row first; by default it is all or nothing,
//! and "import the valid rows" is a deliberate choice. A mismatch between
//! the ID number and the birth date, sex or province is a warning, never a
//! rejection (only "12 digits" is guaranteed by law).

pub mod card_checks;

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::office::audit::{self, Actor, Event};
use crate::reference::pid::{PersonalId, Sex};
use crate::text::{fold, nfc};
use crate::{CoreError, Timestamp, reference::catalog, ts};

/// The columns an import needs, in the order the preview shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    BhxhNumber,
    FullName,
    BirthDate,
    Sex,
    IdNumber,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Field::BhxhNumber,
        Field::FullName,
        Field::BirthDate,
        Field::Sex,
        Field::IdNumber,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Field::BhxhNumber => "Mã số BHXH",
            Field::FullName => "Họ và tên",
            Field::BirthDate => "Ngày sinh",
            Field::Sex => "Giới tính",
            Field::IdNumber => "Số định danh cá nhân",
        }
    }

    /// Folded header words that name this column.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::BhxhNumber => &[
                "ma so bhxh",
                "so bhxh",
                "ma bhxh",
                "ma so bao hiem xa hoi",
                "bhxh",
            ],
            Field::FullName => &["ho va ten", "ho ten", "ten", "full name", "name"],
            Field::BirthDate => &["ngay sinh", "ngay thang nam sinh", "birth date", "dob"],
            Field::Sex => &["gioi tinh", "gioi", "sex", "gender"],
            Field::IdNumber => &[
                "so dinh danh ca nhan",
                "so dinh danh",
                "so cccd",
                "cccd",
                "can cuoc",
                "id number",
            ],
        }
    }
}

/// Which column (0-based) holds each field. The ID number is optional in a
/// list; the others are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mapping {
    pub bhxh_number: usize,
    pub full_name: usize,
    pub birth_date: usize,
    pub sex: usize,
    pub id_number: Option<usize>,
}

/// The mapping read off the header row, field by field (None where no
/// header matched).
pub fn guess_mapping(headers: &[String]) -> Vec<(Field, Option<usize>)> {
    let folded: Vec<String> = headers
        .iter()
        .map(|h| fold(h).split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    Field::ALL
        .into_iter()
        .map(|f| {
            // Exact alias first, then an alias the header contains.
            let exact = folded
                .iter()
                .position(|h| f.aliases().contains(&h.as_str()));
            let contains = || {
                f.aliases()
                    .iter()
                    .find_map(|a| folded.iter().position(|h| h.contains(a)))
            };
            (f, exact.or_else(contains))
        })
        .collect()
}

/// A complete mapping from a guess, or the fields still missing.
pub fn mapping_from_guess(guess: &[(Field, Option<usize>)]) -> Result<Mapping, Vec<Field>> {
    let get = |f: Field| guess.iter().find(|(g, _)| *g == f).and_then(|(_, c)| *c);
    let missing: Vec<Field> = [
        Field::BhxhNumber,
        Field::FullName,
        Field::BirthDate,
        Field::Sex,
    ]
    .into_iter()
    .filter(|f| get(*f).is_none())
    .collect();
    match (
        get(Field::BhxhNumber),
        get(Field::FullName),
        get(Field::BirthDate),
        get(Field::Sex),
    ) {
        (Some(bhxh_number), Some(full_name), Some(birth_date), Some(sex)) => Ok(Mapping {
            bhxh_number,
            full_name,
            birth_date,
            sex,
            id_number: get(Field::IdNumber),
        }),
        _ => Err(missing),
    }
}

/// A row that passed the checks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParsedRow {
    pub line: usize,
    pub bhxh_number: String,
    pub full_name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub id_number: Option<String>,
}

/// What is wrong (errors) or doubtful (warnings) with one row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowProblem {
    pub line: usize,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

/// Dates as lists write them: 01/02/1990, 1/2/1990, 1990-02-01.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d-%m-%Y"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .ok()
}

fn cell(cells: &[String], i: usize) -> &str {
    cells.get(i).map_or("", |s| s.trim())
}

/// Check every row: field formats, duplicates inside the file, and the ID
/// number against birth date, sex and the province table.
pub fn check_rows(
    conn: &Connection,
    rows: &[(usize, Vec<String>)],
    mapping: &Mapping,
    today: NaiveDate,
) -> Result<(Vec<ParsedRow>, Vec<RowProblem>), CoreError> {
    let provinces: Vec<String> = catalog::provinces(conn)?
        .into_iter()
        .map(|p| p.code)
        .collect();
    let mut seen_bhxh: HashMap<String, usize> = HashMap::new();
    let mut seen_id: HashMap<String, usize> = HashMap::new();
    let mut good = Vec::new();
    let mut problems = Vec::new();
    for (line, cells) in rows {
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let bhxh = cell(cells, mapping.bhxh_number);
        if bhxh.len() != 10 || !bhxh.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(format!("Mã số BHXH \"{bhxh}\" phải gồm đúng 10 chữ số."));
        } else if let Some(first) = seen_bhxh.insert(bhxh.to_owned(), *line) {
            errors.push(format!("Mã số BHXH {bhxh} trùng với dòng {first}."));
        }
        let name = nfc(cell(cells, mapping.full_name));
        if name.is_empty() {
            errors.push("Thiếu họ và tên.".to_owned());
        } else if name.chars().count() > 200 {
            errors.push("Họ và tên dài quá 200 ký tự.".to_owned());
        }
        let birth_text = cell(cells, mapping.birth_date);
        let birth = parse_date(birth_text);
        match birth {
            None => errors.push(format!(
                "Ngày sinh \"{birth_text}\" không hợp lệ (cần dạng ngày/tháng/năm, ví dụ 01/02/1990)."
            )),
            Some(d) if d > today => errors.push(format!("Ngày sinh {} ở tương lai.", d.format("%d/%m/%Y"))),
            Some(d) if d < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(d) => {
                errors.push(format!("Ngày sinh {} trước năm 1900.", d.format("%d/%m/%Y")));
            }
            Some(_) => {}
        }
        let sex_text = cell(cells, mapping.sex);
        let sex = Sex::parse(sex_text);
        if sex.is_none() {
            errors.push(format!(
                "Giới tính \"{sex_text}\" không hợp lệ (Nam hoặc Nữ)."
            ));
        }
        let id_text = mapping.id_number.map(|i| cell(cells, i)).unwrap_or("");
        let mut id_number = None;
        if !id_text.is_empty() {
            match PersonalId::parse(id_text) {
                Err(e) => errors.push(e.to_string()),
                Ok(pid) => {
                    if let Some(first) = seen_id.insert(pid.as_str().to_owned(), *line) {
                        errors.push(format!(
                            "Số định danh {} trùng với dòng {first}.",
                            pid.as_str()
                        ));
                    }
                    if let (Some(b), Some(s)) = (birth, sex) {
                        warnings.extend(
                            pid.check(b, s, |code| provinces.iter().any(|p| p == code))
                                .iter()
                                .map(|w| w.message_vi()),
                        );
                    }
                    id_number = Some(pid.as_str().to_owned());
                }
            }
        }
        if !errors.is_empty() || !warnings.is_empty() {
            problems.push(RowProblem {
                line: *line,
                errors: errors.clone(),
                warnings,
            });
        }
        if let (true, Some(birth_date), Some(sex)) = (errors.is_empty(), birth, sex) {
            good.push(ParsedRow {
                line: *line,
                bhxh_number: bhxh.to_owned(),
                full_name: name,
                birth_date,
                sex,
                id_number,
            });
        }
    }
    Ok((good, problems))
}

/// All or nothing (the default), or only the rows without errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    AllOrNothing,
    ValidRows,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub total_rows: usize,
    pub valid_rows: usize,
    pub error_rows: usize,
    pub warning_rows: usize,
    /// Only the rows with errors or warnings, in file order.
    pub problems: Vec<RowProblem>,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// False for a dry run, or when all-or-nothing met an error.
    pub imported: bool,
}

fn sex_str(s: Sex) -> &'static str {
    match s {
        Sex::Male => "male",
        Sex::Female => "female",
    }
}

/// Check and (unless `dry_run`, or all-or-nothing with errors) write the
/// rows: new people are added unverified; a known BHXH number is updated,
/// and loses its verification if its ID number changed. One audit entry
/// records the import (file name and hash, counts).
#[allow(clippy::too_many_arguments)] // each is a distinct input of the import
pub fn import(
    conn: &Connection,
    actor: &Actor,
    rows: &[(usize, Vec<String>)],
    mapping: &Mapping,
    mode: ImportMode,
    dry_run: bool,
    source: &str,
    now: &Timestamp,
) -> Result<ImportReport, CoreError> {
    let (good, problems) = check_rows(conn, rows, mapping, now.date_naive())?;
    let error_rows = problems.iter().filter(|p| !p.errors.is_empty()).count();
    let warning_rows = problems.iter().filter(|p| !p.warnings.is_empty()).count();
    let mut report = ImportReport {
        total_rows: rows.len(),
        valid_rows: good.len(),
        error_rows,
        warning_rows,
        problems,
        inserted: 0,
        updated: 0,
        unchanged: 0,
        imported: false,
    };
    let write = !dry_run && (mode == ImportMode::ValidRows || error_rows == 0);
    let mut find = conn.prepare(
        "SELECT full_name, birth_date, sex, id_number FROM participant WHERE bhxh_number = ?1",
    )?;
    let mut insert = conn.prepare(
        "INSERT INTO participant (bhxh_number, full_name, name_folded, birth_date, sex, id_number, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
    )?;
    let mut update = conn.prepare(
        "UPDATE participant SET full_name = ?2, name_folded = ?3, birth_date = ?4, sex = ?5, id_number = ?6, updated_at = ?7,
           status = CASE WHEN id_number IS ?6 THEN status ELSE 'unverified' END,
           verified_at = CASE WHEN id_number IS ?6 THEN verified_at ELSE NULL END,
           verified_method = CASE WHEN id_number IS ?6 THEN verified_method ELSE NULL END,
           verified_by = CASE WHEN id_number IS ?6 THEN verified_by ELSE NULL END
         WHERE bhxh_number = ?1",
    )?;
    for r in &good {
        let existing: Option<(String, String, String, Option<String>)> = find
            .query_row([&r.bhxh_number], |x| {
                Ok((x.get(0)?, x.get(1)?, x.get(2)?, x.get(3)?))
            })
            .optional()?;
        let birth = r.birth_date.format("%Y-%m-%d").to_string();
        let values = (
            r.full_name.clone(),
            birth.clone(),
            sex_str(r.sex).to_owned(),
            r.id_number.clone(),
        );
        match existing {
            None => {
                report.inserted += 1;
                if write {
                    insert.execute(params![
                        r.bhxh_number,
                        r.full_name,
                        fold(&r.full_name),
                        birth,
                        sex_str(r.sex),
                        r.id_number,
                        ts(now)
                    ])?;
                }
            }
            Some(old) if old == values => report.unchanged += 1,
            Some(_) => {
                report.updated += 1;
                if write {
                    update.execute(params![
                        r.bhxh_number,
                        r.full_name,
                        fold(&r.full_name),
                        birth,
                        sex_str(r.sex),
                        r.id_number,
                        ts(now)
                    ])?;
                }
            }
        }
    }
    if write {
        report.imported = true;
        audit::append(
            conn,
            actor,
            &Event {
                action: "import",
                entity: "participant",
                entity_id: "*",
                detail: serde_json::json!({
                    "source": source,
                    "mode": mode,
                    "rows": report.total_rows,
                    "inserted": report.inserted,
                    "updated": report.updated,
                    "skippedWithErrors": report.error_rows,
                }),
            },
            now,
        )?;
    }
    Ok(report)
}

/// A participant as the register shows them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    pub bhxh_number: String,
    pub full_name: String,
    pub birth_date: String,
    pub sex: String,
    pub id_number: Option<String>,
    pub status: String,
    pub verified_at: Option<String>,
    pub verified_method: Option<String>,
}

/// Find by BHXH number, ID number or name (diacritics ignored), at most `limit`.
pub fn search(conn: &Connection, query: &str, limit: i64) -> Result<Vec<Participant>, CoreError> {
    let q = fold(query.trim());
    let like = format!(
        "%{}%",
        q.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let mut stmt = conn.prepare(
        "SELECT bhxh_number, full_name, birth_date, sex, id_number, status, verified_at, verified_method
         FROM participant
         WHERE ?1 = '' OR bhxh_number = ?1 OR id_number = ?1 OR name_folded LIKE ?2 ESCAPE '\\'
         ORDER BY name_folded, bhxh_number LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(params![q, like, limit], |r| {
            Ok(Participant {
                bhxh_number: r.get(0)?,
                full_name: r.get(1)?,
                birth_date: r.get(2)?,
                sex: r.get(3)?,
                id_number: r.get(4)?,
                status: r.get(5)?,
                verified_at: r.get(6)?,
                verified_method: r.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Share of participants whose ID number is verified.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedShare {
    pub verified: i64,
    pub total: i64,
    pub percent: f64,
}

pub fn verified_share(conn: &Connection) -> Result<VerifiedShare, CoreError> {
    let (verified, total): (i64, i64) = conn.query_row(
        "SELECT COALESCE(SUM(status = 'verified'), 0), COUNT(*) FROM participant",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let percent = if total == 0 {
        0.0
    } else {
        (verified as f64 * 1000.0 / total as f64).round() / 10.0
    };
    Ok(VerifiedShare {
        verified,
        total,
        percent,
    })
}

/// How an ID number was verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Chip,
    Manual,
}

/// Mark a participant's ID number as verified (a chip check that matched,
/// or a manual check with a note), audited.
pub fn verify(
    conn: &Connection,
    actor: &Actor,
    bhxh_number: &str,
    method: Method,
    note: &str,
    now: &Timestamp,
) -> Result<(), CoreError> {
    let note = nfc(note.trim());
    if method == Method::Manual && note.chars().count() < 5 {
        return Err(CoreError::invalid(
            "note",
            "Ghi rõ cách đã đối chiếu số định danh (ít nhất 5 ký tự).",
        ));
    }
    let id: Option<Option<String>> = conn
        .query_row(
            "SELECT id_number FROM participant WHERE bhxh_number = ?1",
            [bhxh_number],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        None => {
            return Err(CoreError::NotFound {
                what: format!("người tham gia có mã số BHXH {bhxh_number}"),
            });
        }
        Some(None) => {
            return Err(CoreError::Conflict(format!(
                "Người tham gia {bhxh_number} chưa có số định danh trong danh sách; cập nhật số định danh trước khi xác thực."
            )));
        }
        Some(Some(_)) => {}
    }
    let method_str = match method {
        Method::Chip => "chip",
        Method::Manual => "manual",
    };
    conn.execute(
        "UPDATE participant SET status = 'verified', verified_at = ?2, verified_method = ?3, verified_by = ?4, verify_note = ?5
         WHERE bhxh_number = ?1",
        params![bhxh_number, ts(now), method_str, actor.id, note],
    )?;
    audit::append(
        conn,
        actor,
        &Event {
            action: "verify",
            entity: "participant",
            entity_id: bhxh_number,
            detail: serde_json::json!({ "method": method, "note": note }),
        },
        now,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeded() -> Connection {
        crate::seeded_for_tests()
    }

    fn row(line: usize, cells: &[&str]) -> (usize, Vec<String>) {
        (line, cells.iter().map(|s| (*s).to_owned()).collect())
    }

    fn headers() -> Vec<String> {
        [
            "STT",
            "Mã số BHXH",
            "Họ và tên",
            "Ngày sinh",
            "Giới tính",
            "Số CCCD",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    }

    #[test]
    fn headers_map_to_fields_without_diacritics_mattering() {
        let guess = guess_mapping(&headers());
        let m = mapping_from_guess(&guess).unwrap();
        assert_eq!(
            m,
            Mapping {
                bhxh_number: 1,
                full_name: 2,
                birth_date: 3,
                sex: 4,
                id_number: Some(5)
            }
        );
        let plain: Vec<String> = ["ma so bhxh", "HO TEN", "ngay sinh"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        assert_eq!(
            mapping_from_guess(&guess_mapping(&plain)),
            Err(vec![Field::Sex])
        );
    }

    #[test]
    fn bad_rows_are_reported_exactly_and_nothing_is_imported_by_default() {
        let conn = seeded();
        let now = crate::parse_ts("2024-06-01T08:00:00+07:00").unwrap();
        let actor = Actor {
            id: None,
            username: "quantri".into(),
        };
        let m = mapping_from_guess(&guess_mapping(&headers())).unwrap();
        let rows = vec![
            row(
                2,
                &[
                    "1",
                    "1701234567",
                    "Nguyễn Văn An",
                    "01/02/1990",
                    "Nam",
                    "017090012345",
                ],
            ),
            row(3, &["2", "17012345", "Lê Thị Bình", "01/02/1990", "Nữ", ""]),
            row(
                4,
                &["3", "1701234568", "Trần Thị Cúc", "31/02/1990", "Nữ", ""],
            ),
            row(
                5,
                &["4", "1701234567", "Phạm Văn Dũng", "1991-03-04", "Nam", ""],
            ),
            // A warning only: the 4th digit says female.
            row(
                6,
                &[
                    "5",
                    "1701234569",
                    "Hoàng Văn Em",
                    "05/06/1985",
                    "Nam",
                    "017185012345",
                ],
            ),
            row(
                7,
                &[
                    "6",
                    "1701234570",
                    "Đỗ Thị Gấm",
                    "05/06/1985",
                    "nu",
                    "01718501234X",
                ],
            ),
        ];
        let report = import(
            &conn,
            &actor,
            &rows,
            &m,
            ImportMode::AllOrNothing,
            false,
            "ds.csv",
            &now,
        )
        .unwrap();
        assert!(!report.imported);
        assert_eq!(report.error_rows, 4);
        let lines: Vec<(usize, bool)> = report
            .problems
            .iter()
            .map(|p| (p.line, p.errors.is_empty()))
            .collect();
        assert_eq!(
            lines,
            vec![(3, false), (4, false), (5, false), (6, true), (7, false)]
        );
        assert!(report.problems[0].errors[0].contains("10 chữ số"));
        assert!(report.problems[1].errors[0].contains("31/02/1990"));
        assert!(report.problems[2].errors[0].contains("trùng với dòng 2"));
        assert!(
            report.problems[3].warnings[0].contains("giới tính Nữ"),
            "{:?}",
            report.problems[3]
        );
        assert!(
            report.problems[4].errors[0].contains("ký tự thứ 12"),
            "{:?}",
            report.problems[4]
        );
        assert_eq!(verified_share(&conn).unwrap().total, 0, "all or nothing");

        // The valid rows, on request: rows 2 and 6.
        let report = import(
            &conn,
            &actor,
            &rows,
            &m,
            ImportMode::ValidRows,
            false,
            "ds.csv",
            &now,
        )
        .unwrap();
        assert!(report.imported);
        assert_eq!((report.inserted, report.updated), (2, 0));
        assert_eq!(verified_share(&conn).unwrap().total, 2);
        // Again: nothing changes.
        let again = import(
            &conn,
            &actor,
            &rows,
            &m,
            ImportMode::ValidRows,
            false,
            "ds.csv",
            &now,
        )
        .unwrap();
        assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2));
        assert_eq!(
            search(&conn, "nguyen van", 10).unwrap()[0].bhxh_number,
            "1701234567"
        );
        assert_eq!(search(&conn, "017090012345", 10).unwrap().len(), 1);
    }

    #[test]
    fn verification_counts_and_a_changed_id_number_clears_it() {
        let conn = seeded();
        let now = crate::parse_ts("2024-06-01T08:00:00+07:00").unwrap();
        let actor = Actor {
            id: None,
            username: "giamsat".into(),
        };
        let m = mapping_from_guess(&guess_mapping(&headers())).unwrap();
        let rows = vec![
            row(
                2,
                &[
                    "1",
                    "1701234567",
                    "Nguyễn Văn An",
                    "01/02/1990",
                    "Nam",
                    "017090012345",
                ],
            ),
            row(
                3,
                &["2", "1701234568", "Lê Thị Bình", "01/02/1990", "Nữ", ""],
            ),
        ];
        import(
            &conn,
            &actor,
            &rows,
            &m,
            ImportMode::AllOrNothing,
            false,
            "a.xlsx",
            &now,
        )
        .unwrap();
        assert!(matches!(
            verify(&conn, &actor, "1701234567", Method::Manual, "ok", &now),
            Err(CoreError::Invalid { .. })
        ));
        assert!(matches!(
            verify(&conn, &actor, "1701234568", Method::Chip, "", &now),
            Err(CoreError::Conflict(_))
        ));
        assert!(matches!(
            verify(&conn, &actor, "9999999999", Method::Chip, "", &now),
            Err(CoreError::NotFound { .. })
        ));
        verify(&conn, &actor, "1701234567", Method::Chip, "", &now).unwrap();
        assert_eq!(
            verified_share(&conn).unwrap(),
            VerifiedShare {
                verified: 1,
                total: 2,
                percent: 50.0
            }
        );
        let changed = vec![row(
            2,
            &[
                "1",
                "1701234567",
                "Nguyễn Văn An",
                "01/02/1990",
                "Nam",
                "017090054321",
            ],
        )];
        let r = import(
            &conn,
            &actor,
            &changed,
            &m,
            ImportMode::AllOrNothing,
            false,
            "b.csv",
            &now,
        )
        .unwrap();
        assert_eq!(r.updated, 1);
        assert_eq!(verified_share(&conn).unwrap().verified, 0);
        assert!(audit::verify(&conn).unwrap().is_intact());
    }
}
