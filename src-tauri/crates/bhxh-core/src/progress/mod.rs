//! Monthly progress on the plan's 27 tasks, and the reports approved from it
//! (plan task 3: monthly, 6-month and annual reports).
//!
//! One entry per task per month. A report is a frozen snapshot of the entries
//! as of the last month of its period; once a month's report is approved,
//! that month's entries cannot change until a supervisor opens a new
//! revision (with a reason, on the record). Approved revisions never change.
//!
//! Split along its seams: [`plan`] (the 27 tasks), `period` (month, half,
//! year), `entries` (what officers record), `auto` (figures from the desk's
//! own records), `reports` (approved snapshots and revisions), `attention`
//! (what is late today), [`evidence`] (files behind a month's progress).

mod attention;
mod auto;
mod entries;
pub mod evidence;
mod period;
pub mod plan;
mod reports;
#[cfg(test)]
mod tests;

pub use attention::*;
pub use auto::*;
pub use entries::*;
pub use period::*;
pub use reports::*;
