//! Chip checks of ID cards, recorded: at the counter (plan task 24) and at
//! benefit payment (task 25). A genuine card whose ID number is in the
//! participant register verifies that participant (task 21).
//!
//! Only a card judged genuine (verdict `Genuine`: intact data, a trusted
//! signer, and the chip proved by Active or Chip Authentication) verifies
//! anyone or counts for tasks 24 and 25. Every other verdict — the amber
//! `IntegrityOnly` (intact data, chip not proven) included — is recorded
//! with `genuine = 0` and result `not_genuine`, and counts for nothing.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::office::audit::{self, Actor, Event};
use crate::participants::{self, Method};
use crate::text::nfc;
use crate::{CoreError, Timestamp, ts};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Counter,
    Payment,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Counter => "counter",
            Purpose::Payment => "payment",
        }
    }
}

/// What a chip read established, as the reader crate reports it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardCheckInput {
    pub purpose: Purpose,
    pub reader: String,
    pub id_number: String,
    pub full_name: String,
    /// The verdict's kind, e.g. `Genuine`, `IntegrityOnly`, `DataAltered`.
    pub verdict: String,
    /// The reader judged the card genuine. Taken only together with the
    /// verdict `Genuine` ([`CardCheckInput::is_genuine`]).
    pub genuine: bool,
    /// File name → SHA-256 (hex) of what was read.
    pub file_hashes: serde_json::Value,
}

/// The verdict of a card judged genuine (`bhxh_emrtd::VerdictKind::Genuine`).
pub const GENUINE_VERDICT: &str = "Genuine";
/// The amber verdict: intact data, chip not proven (`IntegrityOnly`).
pub const INTEGRITY_ONLY_VERDICT: &str = "IntegrityOnly";

impl CardCheckInput {
    /// Whether the check proves the card: the reader said genuine *and* the
    /// verdict is `Genuine`. A caller that sets `genuine` on another verdict
    /// (an amber `IntegrityOnly`, say) verifies no one.
    pub fn is_genuine(&self) -> bool {
        self.genuine && self.verdict == GENUINE_VERDICT
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchResult {
    /// A genuine card whose ID number is in the register.
    Matched,
    /// A genuine card, but nobody in the register has its ID number.
    NotInRegister,
    /// The card was not judged genuine: nothing is matched or verified.
    NotGenuine,
}

impl MatchResult {
    pub fn message_vi(self) -> &'static str {
        match self {
            MatchResult::Matched => "Khớp với người tham gia trong danh sách.",
            MatchResult::NotInRegister => "Số định danh không có trong danh sách người tham gia.",
            MatchResult::NotGenuine => {
                "Thẻ không được xác thực là thẻ thật: không đối chiếu, không xác thực số định danh."
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CardCheckOutcome {
    pub id: i64,
    pub result: MatchResult,
    pub message: String,
    pub participant: Option<participants::Participant>,
    /// The participant's ID number became verified by this check.
    pub verified_now: bool,
}

/// What the counter is told for a card that was not judged genuine.
fn not_genuine_message(verdict: &str) -> &'static str {
    if verdict == INTEGRITY_ONLY_VERDICT {
        "Dữ liệu toàn vẹn nhưng chip chưa được xác minh là chip gốc: không đối chiếu, không xác thực số định danh, không tính là lượt kiểm tra bằng chip."
    } else {
        MatchResult::NotGenuine.message_vi()
    }
}

/// Record a chip check; match and (for a genuine card) verify the participant.
pub fn record(
    conn: &Connection,
    actor: &Actor,
    input: &CardCheckInput,
    now: &Timestamp,
) -> Result<CardCheckOutcome, CoreError> {
    let id_number = input.id_number.trim();
    if id_number.len() != 12 || !id_number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CoreError::invalid(
            "idNumber",
            format!("Số định danh đọc từ chip \"{id_number}\" không phải 12 chữ số."),
        ));
    }
    let found: Option<(String, String)> = conn
        .query_row(
            "SELECT bhxh_number, status FROM participant WHERE id_number = ?1 ORDER BY id LIMIT 1",
            [id_number],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let genuine = input.is_genuine();
    let result = match (&found, genuine) {
        (_, false) => MatchResult::NotGenuine,
        (None, true) => MatchResult::NotInRegister,
        (Some(_), true) => MatchResult::Matched,
    };
    let mut verified_now = false;
    if let (MatchResult::Matched, Some((bhxh, status))) = (result, &found)
        && status != "verified"
    {
        participants::verify(conn, actor, bhxh, Method::Chip, "", now)?;
        verified_now = true;
    }
    let matched_bhxh = (result == MatchResult::Matched)
        .then(|| found.as_ref().map(|(b, _)| b.clone()))
        .flatten();
    conn.execute(
        "INSERT INTO card_check (at, staff_id, staff_username, purpose, reader, id_number, full_name, verdict, genuine, file_hashes, participant_bhxh, result)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            ts(now),
            actor.id,
            actor.username,
            input.purpose.as_str(),
            nfc(input.reader.trim()),
            id_number,
            nfc(input.full_name.trim()),
            input.verdict,
            genuine,
            input.file_hashes.to_string(),
            matched_bhxh,
            serde_json::to_value(result)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        ],
    )?;
    let id = conn.last_insert_rowid();
    audit::append(
        conn,
        actor,
        &Event {
            action: "check",
            entity: "card",
            entity_id: id_number,
            detail: serde_json::json!({
                "check": id,
                "purpose": input.purpose,
                "verdict": input.verdict,
                "result": result,
                "participant": matched_bhxh,
            }),
        },
        now,
    )?;
    let participant = match &matched_bhxh {
        Some(b) => participants::search(conn, b, 1)?.into_iter().next(),
        None => None,
    };
    Ok(CardCheckOutcome {
        id,
        result,
        message: if result == MatchResult::NotGenuine {
            not_genuine_message(&input.verdict)
        } else {
            result.message_vi()
        }
        .to_owned(),
        participant,
        verified_now,
    })
}

/// Chip checks recorded in a month, by purpose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonthlyCounts {
    /// Checks at the counter that proved the card genuine (task 24).
    pub counter: i64,
    /// Checks at benefit payment that proved the card genuine (task 25).
    pub payment: i64,
    /// Checks at the counter that did not (altered, cloned, unproven chip, …): recorded, not
    /// counted.
    pub counter_not_genuine: i64,
    /// Checks at benefit payment that did not.
    pub payment_not_genuine: i64,
}

/// Checks recorded in a month (`YYYY-MM`), by purpose. Tasks 24 and 25 count
/// only the checks that proved the card genuine: a chip check that could not
/// tell the holder's card from a copy checked no identity.
pub fn monthly_counts(conn: &Connection, month: &str) -> Result<MonthlyCounts, CoreError> {
    Ok(conn.query_row(
        "SELECT COALESCE(SUM(purpose = 'counter' AND genuine = 1), 0),
                COALESCE(SUM(purpose = 'payment' AND genuine = 1), 0),
                COALESCE(SUM(purpose = 'counter' AND genuine = 0), 0),
                COALESCE(SUM(purpose = 'payment' AND genuine = 0), 0)
         FROM card_check WHERE substr(at, 1, 7) = ?1",
        [month],
        |r| {
            Ok(MonthlyCounts {
                counter: r.get(0)?,
                payment: r.get(1)?,
                counter_not_genuine: r.get(2)?,
                payment_not_genuine: r.get(3)?,
            })
        },
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::participants::{
        ImportMode, guess_mapping, import, mapping_from_guess, verified_share,
    };

    fn input(purpose: Purpose, id: &str, genuine: bool) -> CardCheckInput {
        CardCheckInput {
            purpose,
            reader: "Virtual PCD 00 00".into(),
            id_number: id.into(),
            full_name: "Trần Thị Gấm".into(),
            verdict: if genuine { "Genuine" } else { "DataAltered" }.into(),
            genuine,
            file_hashes: serde_json::json!({ "DG1": "ab" }),
        }
    }

    #[test]
    fn a_genuine_card_verifies_its_participant_and_payments_are_matched() {
        let conn = crate::seeded_for_tests();
        let now = crate::parse_ts("2024-06-03T09:00:00+07:00").unwrap();
        let actor = Actor {
            id: None,
            username: "tiepnhan".into(),
        };
        let headers: Vec<String> = [
            "Mã số BHXH",
            "Họ và tên",
            "Ngày sinh",
            "Giới tính",
            "Số định danh",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let rows = vec![(
            2,
            [
                "1701234567",
                "Trần Thị Gấm",
                "05/06/1975",
                "Nữ",
                "017175012345",
            ]
            .map(String::from)
            .to_vec(),
        )];
        let m = mapping_from_guess(&guess_mapping(&headers)).unwrap();
        import(
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

        // A tampered card: recorded, nothing verified.
        let o = record(
            &conn,
            &actor,
            &input(Purpose::Counter, "017175012345", false),
            &now,
        )
        .unwrap();
        assert_eq!((o.result, o.verified_now), (MatchResult::NotGenuine, false));
        assert_eq!(verified_share(&conn).unwrap().verified, 0);
        // The genuine card verifies the participant, once.
        let o = record(
            &conn,
            &actor,
            &input(Purpose::Counter, "017175012345", true),
            &now,
        )
        .unwrap();
        assert_eq!((o.result, o.verified_now), (MatchResult::Matched, true));
        assert_eq!(
            o.participant.unwrap().verified_method.as_deref(),
            Some("chip")
        );
        assert_eq!(verified_share(&conn).unwrap().verified, 1);
        let o = record(
            &conn,
            &actor,
            &input(Purpose::Payment, "017175012345", true),
            &now,
        )
        .unwrap();
        assert_eq!((o.result, o.verified_now), (MatchResult::Matched, false));
        // Someone not in the register.
        let o = record(
            &conn,
            &actor,
            &input(Purpose::Payment, "001093047064", true),
            &now,
        )
        .unwrap();
        assert_eq!(o.result, MatchResult::NotInRegister);
        assert!(o.message.contains("không có trong danh sách"));
        // The amber verdict (intact data, chip not proven), even if a caller
        // says "genuine": recorded, nobody verified, not counted.
        let mut amber = input(Purpose::Counter, "017175012345", true);
        amber.verdict = INTEGRITY_ONLY_VERDICT.into();
        let o = record(&conn, &actor, &amber, &now).unwrap();
        assert_eq!((o.result, o.verified_now), (MatchResult::NotGenuine, false));
        assert!(
            o.message.contains("chip chưa được xác minh"),
            "{}",
            o.message
        );
        let stored: (i64, String, String) = conn
            .query_row(
                "SELECT genuine, verdict, result FROM card_check WHERE id = ?1",
                [o.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(stored, (0, "IntegrityOnly".into(), "not_genuine".into()));
        // Tasks 24/25 count the genuine checks only: the tampered card and the
        // amber one at the counter are recorded but not counted.
        assert_eq!(
            monthly_counts(&conn, "2024-06").unwrap(),
            MonthlyCounts {
                counter: 1,
                payment: 2,
                counter_not_genuine: 2,
                payment_not_genuine: 0,
            }
        );
        assert!(matches!(
            record(&conn, &actor, &input(Purpose::Counter, "12345", true), &now),
            Err(CoreError::Invalid {
                field: "idNumber",
                ..
            })
        ));
        assert!(audit::verify(&conn).unwrap().is_intact());
    }
}
