//! What the desk exchanges with HQ, on the desk's side of the store: the
//! outbox of approved reports waiting to go up (written in the same
//! transaction as the change), what HQ answered, and the directives and
//! plan changes that came down, and, for a provincial office, what HQ says
//! of its base offices (`base_offices`). The wire format is `bhxh-sync-proto`; the
//! network is `bhxh-sync`.

pub mod base_offices;
pub mod outbox;
