//! Integration tests: the real gateway over real HTTP against a real scripted upstream.

mod helpers;

mod chat_completions;
mod cron;
mod errors;
mod hooks;
mod misc;
mod responses;
mod sessions;
mod tools_invoke;
mod upstream;
mod ws;
mod ws_client;
mod ws_runs;
