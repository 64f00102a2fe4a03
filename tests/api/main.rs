//! Integration tests: the real gateway over real HTTP against a real scripted upstream.

#[path = "../support/close_delimited.rs"]
mod close_delimited;
#[path = "../support/fake_discord.rs"]
mod fake_discord;
#[path = "../support/fake_http.rs"]
mod fake_http;
#[path = "../support/fake_site.rs"]
mod fake_site;
#[path = "../support/fake_slack.rs"]
mod fake_slack;
#[path = "../support/fake_telegram.rs"]
mod fake_telegram;
#[path = "../support/form_body.rs"]
mod form_body;
mod helpers;

mod agents_list;
mod api_v1;
mod app_layer;
mod channels_discord;
mod channels_media;
mod channels_slack;
mod channels_telegram;
mod channels_webhook;
mod chat_completions;
mod client_tools;
mod config_reload;
mod cors;
mod cron;
mod cron_tool;
mod errors;
mod exec_tools;
mod faults;
mod framing;
mod fs_tools;
mod golden;
mod hooks;
mod layers;
mod limits;
mod memory;
mod message_tool;
mod metrics;
mod misc;
mod query_strings;
mod request_fields;
mod responses;
mod rest_channels;
mod rest_sessions;
mod routes;
mod server_timing;
mod session_rows;
mod sessions;
mod sessions_send;
mod sessions_spawn;
mod skills;
mod tools_invoke;
mod update_plan;
mod upstream;
mod web_fetch;
mod web_search;
mod ws;
mod ws_client;
mod ws_protocol4;
mod ws_runs;
