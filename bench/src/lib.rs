//! Mock model upstream and benchmark support for clawgate.
//!
//! - [`mock`]: a scripted mock model server speaking the OpenAI chat-completions and Anthropic
//!   Messages wire protocols, used in-process by the gateway's integration tests and by the
//!   benchmark.
//! - [`embeddings`]: a fake OpenAI `/v1/embeddings` provider with deterministic vectors.
//! - [`floor`]: a minimal forwarder on the same HTTP stack, the floor the benchmark compares to.
//! - [`runner`]: the benchmark runner behind the `clawgate-bench` binary; [`stats`]: percentiles.
//! - [`client`]: a small HTTP/1.1 keep-alive client with an incremental SSE parser, used by the
//!   benchmark to time requests fairly.

pub mod client;
pub mod embeddings;
pub mod floor;
pub mod mock;
pub mod runner;
pub mod stats;
