//! The shared vocabulary: typed ids, the run types, the clock, and the idempotency cache.
//! No actix, no HTTP, no SQLite; every other layer may depend on it.

pub mod clock;
pub mod dedupe;
pub mod held;
pub mod ids;
pub mod run;

pub use ids::{CredentialId, SessionKey};
pub use run::{EventRef, RunEvent, RunFailure, RunOutcome, RunStatus, Subscriber, TurnRequest};
