//! The values that cross to the window, as the window sees them.
//!
//! The domain crates' types are plain Rust; these are their serialisable
//! twins, with the names and shapes the UI contract (`ui/src/lib/api/`)
//! is generated from. Only this crate knows how a value looks on the wire
//! (the rust-analyzer rule: the boundary crate owns serialisation). Each
//! type converts from its domain type, and input types convert back.
//!
//! The conversions are plain field-by-field copies on purpose: a field
//! added to a domain type does not reach the window until it is added
//! here, where it is named for the UI and reviewed.

mod dossiers;
mod office;
mod participants;
mod plan;
mod sync;

pub use dossiers::*;
pub use office::*;
pub use participants::*;
pub use plan::*;
pub use sync::*;

/// Every value of a list, converted.
pub(crate) fn all<T, U: From<T>>(values: Vec<T>) -> Vec<U> {
    values.into_iter().map(U::from).collect()
}
