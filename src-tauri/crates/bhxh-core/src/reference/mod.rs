//! Reference data: what the rules of the one-stop desk are built on.
//!
//! The province list, the procedure catalogue with each procedure's papers
//! and deadline, public holidays and working-day arithmetic, the checks of
//! the 12-digit personal ID number, and the seed that loads them at first
//! start from `assets/seed/`, and the rules in force on a date
//! ([`rules`]: provinces after 1/7/2025, deadlines, paper sets, naming).

pub mod calendar;
pub mod catalog;
pub mod pid;
pub mod rules;
pub mod seed;
