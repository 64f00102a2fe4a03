//! OpenResponses (`POST /v1/responses`) building blocks, free of HTTP wiring.
//!
//! # Layout
//! - [`schema`] / `schema_parse`: strict request schema and path-precise validation.
//! - [`prompt`]: request → provider-neutral [`prompt::TurnInput`] (spec §4.2).
//! - [`media`], [`decode`], [`file_block`]: attachments → images and `<file>` context (§4.3).
//! - [`mod@fetch`], [`net_guard`]: SSRF-guarded URL fetching.
//! - [`resource`], [`events`]: the response resource and the SSE event stream (§4.5, §4.6).

pub mod decode;
pub mod events;
pub mod fetch;
pub mod file_block;
pub mod media;
pub mod net_guard;
pub mod prompt;
pub mod resource;
pub mod schema;
mod schema_parse;
mod schema_parts;

pub use events::{to_sse_frame, StreamEmitter, DONE_FRAME};
pub use fetch::{fetch, FetchPolicy, Fetched};
pub use media::{MediaConfig, MediaError};
pub use prompt::{build_turn, render_conversation, PromptError, TurnInput};
pub use resource::{ResponseResource, Usage};
pub use schema::{parse_request, ResponsesRequest, SchemaError};
