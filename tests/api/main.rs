//! Integration tests: the real gateway over real HTTP against a real scripted upstream.

#[path = "../support/close_delimited.rs"]
mod close_delimited;
#[path = "../support/cluster.rs"]
mod cluster_support;
#[path = "../support/fake_bluebubbles.rs"]
mod fake_bluebubbles;
#[path = "../support/fake_discord.rs"]
mod fake_discord;
#[path = "../support/fake_http.rs"]
mod fake_http;
#[path = "../support/fake_signal.rs"]
mod fake_signal;
#[path = "../support/fake_site.rs"]
mod fake_site;
#[path = "../support/fake_slack.rs"]
mod fake_slack;
#[path = "../support/fake_slack_socket.rs"]
mod fake_slack_socket;
#[path = "../support/fake_telegram.rs"]
mod fake_telegram;
#[path = "../support/fake_whatsapp.rs"]
mod fake_whatsapp;
#[path = "../support/form_body.rs"]
mod form_body;
mod helpers;
#[path = "../support/postgres.rs"]
mod pg;
#[path = "../support/proc.rs"]
mod proc;

mod agents_list;
mod api_v1;
mod app_layer;
mod browser;
mod channels_discord;
mod channels_imessage;
mod channels_inbox;
mod channels_inbox_crash;
mod channels_media;
mod channels_media_in;
mod channels_outbox;
mod channels_outbox_give_up;
mod channels_pairing;
mod channels_reliability;
mod channels_routing;
mod channels_signal;
mod channels_slack;
mod channels_slack_socket;
mod channels_telegram;
mod channels_telegram_webhook;
mod channels_watchdog;
mod channels_webhook;
mod channels_whatsapp;
mod chat_attachments;
mod chat_completions;
mod client_tools;
mod cluster;
mod cluster_leases;
mod cluster_sessions;
mod config_reload;
mod control_ui;
mod cors;
mod cron;
mod cron_tool;
mod errors;
mod exec_tools;
mod faults;
mod framing;
mod fs_tools;
mod golden;
mod heartbeat;
mod hooks;
mod keys;
mod keys_cli;
mod layers;
mod limits;
mod memory;
mod message_tool;
mod metrics;
mod misc;
mod provider_models;
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
mod storage_migrate;
mod storage_postgres;
mod tls;
mod tools_invoke;
mod update_plan;
mod upstream;
mod web_fetch;
mod web_search;
mod ws;
mod ws_client;
mod ws_connected;
mod ws_protocol4;
mod ws_runs;
