//! The typed commands the UI calls: one file per area, each command a few
//! lines over `bhxh-app`. Errors cross as `ErrorInfo` (code, Vietnamese
//! message, hint, field).

pub mod admin;
pub mod card;
pub mod dossiers;
pub mod inbox;
pub mod participants;
pub mod plan;
pub mod progress;
pub mod session;
pub mod sync;
