//! The figures the plan report takes from the desk's own records rather
//! than from an officer's typing (tasks 13/14, 21, 24, 25).

use rusqlite::Connection;
use serde::Serialize;

use super::period::Month;
use crate::CoreError;

/// A figure the app knows from its own records, with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoIndicator {
    pub task_number: u32,
    pub value: f64,
    /// e.g. "Danh sách người tham gia: 640/1.000 người đã xác thực số định danh"
    pub source: String,
}

/// The figures the app computes for a month from its own records, as of
/// `today`:
/// - tasks 13 and 14: the share of the month's dossiers (refused ones left
///   out) that have been digitised;
/// - task 21: the share of participants whose ID number is verified (a
///   state, not a monthly flow: only for the month in progress);
/// - task 24: chip card checks at the reception desk in the month that
///   proved the card genuine;
/// - task 25: the same at benefit payment. A check whose verdict is not
///   `Genuine` (altered data, a cloned chip, the amber "data intact, chip not
///   proven") is recorded but not counted; the source says how many.
///
/// A figure is given only where there is something to count.
pub fn auto_indicators(
    conn: &Connection,
    month: Month,
    today: chrono::NaiveDate,
) -> Result<Vec<AutoIndicator>, CoreError> {
    use chrono::Datelike;
    let mut out = Vec::new();
    let label = format!("{:02}/{}", month.month, month.year);
    let d = crate::dossiers::month_indicators(conn, month.year, month.month, today)?;
    if let Some(percent) = d.digitised_percent {
        let mut source = format!(
            "Hồ sơ tiếp nhận tháng {label}: {} hồ sơ, {} đã số hóa ({}%, không tính hồ sơ bị từ chối)",
            d.received,
            d.digitised,
            format!("{percent:.1}").replace('.', ",")
        );
        if d.results > 0 {
            source.push_str(&format!(
                "; kết quả giải quyết: {}/{} đã số hóa",
                d.results_digitised, d.results
            ));
        }
        for task_number in [13, 14] {
            out.push(AutoIndicator {
                task_number,
                value: percent,
                source: source.clone(),
            });
        }
    }
    let this_month = Month::new(today.year(), today.month()) == Some(month);
    let share = crate::participants::verified_share(conn)?;
    if this_month && share.total > 0 {
        out.push(AutoIndicator {
            task_number: 21,
            value: share.percent,
            source: format!(
                "Danh sách người tham gia: {}/{} người đã xác thực số định danh",
                share.verified, share.total
            ),
        });
    }
    let counts = crate::participants::card_checks::monthly_counts(conn, &month.to_string())?;
    // Only checks that proved the card genuine count; the others are named.
    let not_counted = |n: i64| {
        if n > 0 {
            format!(" (không tính {n} lượt thẻ không được xác thực là thẻ thật)")
        } else {
            String::new()
        }
    };
    if counts.counter > 0 {
        out.push(AutoIndicator {
            task_number: 24,
            value: counts.counter as f64,
            source: format!(
                "Kiểm tra CCCD gắn chip khi tiếp nhận hồ sơ tháng {label}: {} lượt xác thực thẻ thật{}",
                counts.counter,
                not_counted(counts.counter_not_genuine)
            ),
        });
    }
    if counts.payment > 0 {
        out.push(AutoIndicator {
            task_number: 25,
            value: counts.payment as f64,
            source: format!(
                "Kiểm tra CCCD gắn chip khi chi trả tháng {label}: {} lượt xác thực thẻ thật{}",
                counts.payment,
                not_counted(counts.payment_not_genuine)
            ),
        });
    }
    Ok(out)
}
