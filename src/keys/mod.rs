//! Scoped API keys for app and mini-program backends (issue #19, seed 000 §3).
//!
//! A key `cgk_<id>_<secret>` stands for one app: it is stored only as a hash
//! ([`token`]), carries a [`policy::KeyPolicy`] (endpoint families with read/write, allowed
//! agents, a fixed session namespace `app:<name>:`, end users, CORS origins, expiry, quotas),
//! and is verified on the request path from an in-memory cache ([`registry`]) that a
//! revocation clears at once. Quotas and usage counters are in [`quota`]; the route → family
//! rule is in [`scope`]; session confinement in [`namespace`]. The gateway token keeps
//! working as the owner credential; keys never authenticate the operator WebSocket RPC.

pub mod namespace;
pub mod policy;
pub mod quota;
pub mod registry;
pub mod scope;
pub mod token;

pub use policy::{KeyPolicy, Quotas};
pub use registry::{KeyGrant, KeyRegistry};
pub use scope::{Family, Scope};
