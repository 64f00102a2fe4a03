//! The shared vocabulary: typed ids and the run types. No actix, no HTTP, no SQLite; every
//! other layer may depend on it.

pub mod ids;
pub mod run;

pub use ids::{CredentialId, SessionKey};
pub use run::{EventRef, RunEvent, RunFailure, RunOutcome, RunStatus, Subscriber, TurnRequest};
