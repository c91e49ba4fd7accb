//! The office this desk belongs to (set once at first start), and what
//! belongs to it: its staff and their roles ([`accounts`]), its settings,
//! and the hash-chained audit log of everything done at the desk.

pub mod accounts;
pub mod audit;
pub mod settings;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use self::audit::{Actor, Event};
use crate::{CoreError, Timestamp, reference::catalog, text, ts};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OfficeInput {
    /// e.g. "Bảo hiểm xã hội tỉnh Hòa Bình"
    pub name: String,
    /// e.g. "Bảo hiểm xã hội Việt Nam"
    pub parent_agency: String,
    /// Agency electronic identifier (Decision 20/2020/QĐ-TTg), e.g. "000.00.17.H23".
    pub agency_code: String,
    /// 3-digit province code, e.g. "017".
    pub province_code: String,
    #[serde(default)]
    pub address: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Office {
    pub name: String,
    pub parent_agency: String,
    pub agency_code: String,
    /// The old (63-unit) province code the office was set up with.
    pub province_code: String,
    /// The place its papers are dated at: the provincial-level unit's name
    /// (one of the 34 once the office has picked it), else the old province's.
    pub province_name: String,
    pub address: String,
    /// One of the 34 units of Resolution 202/2025/QH15 (2-digit code), once picked.
    pub unit_code: Option<String>,
    /// "provincial" (Bảo hiểm xã hội tỉnh/thành phố) or "base" (Bảo hiểm xã hội cơ sở).
    pub level: String,
}

/// The office's level in the organisation of 2025.
pub const LEVELS: [&str; 2] = ["provincial", "base"];

/// Decision 20/2020/QĐ-TTg: at most 35 characters of 0-9 A-Z and '.',
/// in dot-separated non-empty groups.
pub fn validate_agency_code(code: &str) -> Result<(), CoreError> {
    let ok = !code.is_empty()
        && code.len() <= 35
        && code.split('.').all(|g| {
            !g.is_empty()
                && g.chars()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        });
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "agencyCode",
            "Mã định danh điện tử của cơ quan gồm tối đa 35 ký tự chữ in hoa không dấu, số và dấu chấm phân nhóm (ví dụ 000.00.17.H23).",
        ))
    }
}

pub fn get(conn: &Connection) -> Result<Option<Office>, CoreError> {
    Ok(conn
        .query_row(
            "SELECT o.name, o.parent_agency, o.agency_code, o.province_code,
                    coalesce((SELECT u.name FROM admin_unit u WHERE u.code = o.unit_code
                              ORDER BY u.valid_from DESC LIMIT 1), p.name),
                    o.address, o.unit_code, o.level
             FROM office o JOIN province p ON p.code = o.province_code WHERE o.id = 1",
            [],
            |r| {
                Ok(Office {
                    name: r.get(0)?,
                    parent_agency: r.get(1)?,
                    agency_code: r.get(2)?,
                    province_code: r.get(3)?,
                    province_name: r.get(4)?,
                    address: r.get(5)?,
                    unit_code: r.get(6)?,
                    level: r.get(7)?,
                })
            },
        )
        .optional()?)
}

/// Record the office (first start). Fails if it is already set.
pub fn create(
    conn: &Connection,
    actor: &Actor,
    input: &OfficeInput,
    now: &Timestamp,
) -> Result<Office, CoreError> {
    let name = text::nfc(input.name.trim());
    let parent = text::nfc(input.parent_agency.trim());
    let code = input.agency_code.trim().to_owned();
    if name.is_empty() {
        return Err(CoreError::invalid("name", "Hãy nhập tên cơ quan."));
    }
    if parent.is_empty() {
        return Err(CoreError::invalid(
            "parentAgency",
            "Hãy nhập tên cơ quan chủ quản.",
        ));
    }
    validate_agency_code(&code)?;
    if catalog::province(conn, &input.province_code)?.is_none() {
        return Err(CoreError::invalid(
            "provinceCode",
            format!(
                "Mã tỉnh \"{}\" không có trong danh mục.",
                input.province_code
            ),
        ));
    }
    if get(conn)?.is_some() {
        return Err(CoreError::invalid(
            "office",
            "Thông tin cơ quan đã được thiết lập.",
        ));
    }
    conn.execute(
        "INSERT INTO office (id, name, parent_agency, agency_code, province_code, address, created_at) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
        params![name, parent, code, input.province_code, text::nfc(input.address.trim()), ts(now)],
    )?;
    audit::append(
        conn,
        actor,
        &Event {
            action: "create",
            entity: "office",
            entity_id: "1",
            detail: serde_json::json!({ "agency_code": code, "province_code": input.province_code }),
        },
        now,
    )?;
    get(conn)?.ok_or_else(|| CoreError::Corrupt("cơ quan vừa ghi không đọc lại được".to_owned()))
}

/// Place the office among the 34 units (from 1/7/2025) at `level`, and
/// optionally rename it (the naming rule of the day suggests the name:
/// [`crate::reference::rules::office_name`]). Audited with before and after.
pub fn set_unit(
    conn: &Connection,
    actor: &Actor,
    unit_code: &str,
    level: &str,
    new_name: Option<&str>,
    now: &Timestamp,
) -> Result<Office, CoreError> {
    let before = get(conn)?
        .ok_or_else(|| CoreError::Conflict("Chưa khai báo đơn vị (cơ quan BHXH).".into()))?;
    let today = now.date_naive();
    let unit = crate::reference::rules::units_at(conn, today)?
        .into_iter()
        .find(|u| u.code == unit_code.trim() && u.code.len() == 2)
        .ok_or_else(|| {
            CoreError::invalid(
                "unitCode",
                format!(
                    "Mã \"{}\" không phải một trong các tỉnh, thành phố đang có hiệu lực ngày {}.",
                    unit_code.trim(),
                    today.format("%d/%m/%Y")
                ),
            )
        })?;
    if !LEVELS.contains(&level) {
        return Err(CoreError::invalid(
            "level",
            format!("Cấp \"{level}\" không hợp lệ: provincial (tỉnh) hoặc base (cơ sở)."),
        ));
    }
    let name = match new_name.map(|n| text::nfc(n.trim())) {
        Some(n) if n.is_empty() => return Err(CoreError::invalid("name", "Hãy nhập tên cơ quan.")),
        Some(n) if n.chars().count() > 200 => {
            return Err(CoreError::invalid("name", "Tên cơ quan dài quá 200 ký tự."));
        }
        Some(n) => n,
        None => before.name.clone(),
    };
    conn.execute(
        "UPDATE office SET unit_code = ?1, level = ?2, name = ?3 WHERE id = 1",
        params![unit.code, level, name],
    )?;
    let after = get(conn)?
        .ok_or_else(|| CoreError::Corrupt("cơ quan vừa ghi không đọc lại được".to_owned()))?;
    audit::append(
        conn,
        actor,
        &Event {
            action: "update",
            entity: "office",
            entity_id: "1",
            detail: serde_json::json!({ "before": before, "after": after }),
        },
        now,
    )?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_codes_follow_decision_20_2020() {
        for ok in ["000.00.17.H23", "H41", "000.00.00.H41"] {
            assert!(validate_agency_code(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "000..H41",
            "h41",
            "000.00.17.H23.",
            "A-B",
            &"1".repeat(36),
        ] {
            assert!(validate_agency_code(bad).is_err(), "{bad}");
        }
    }
}
