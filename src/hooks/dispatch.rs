//! Carrying out hook actions: a wake queues an untrusted system event (and runs the heartbeat
//! for `now`); an agent action starts an isolated turn and returns its run id at once, while
//! the turn continues in the background. When the turn's reply is not delivered to a channel,
//! `Hook <name>: <summary>` is queued on the main session instead (OpenClaw's shared delivery
//! contract).

use super::external;
use super::policy::PreparedAgent;
use super::WakeAction;
use crate::agent::isolated::{is_silent, run_turn};
use crate::agent::system_events::MainSession;
use crate::channels::Deliver;
use crate::config::WakeMode;
use crate::core::run::RunOutcome;
use crate::core::run::TurnRequest;
use crate::state::AppState;
use crate::storage::RunStatus;
use std::time::Duration;

/// Longest summary put into a `Hook <name>: …` event.
pub const SUMMARY_MAX_CHARS: usize = 2000;

/// Queues the wake text (untrusted) and, for `now`, runs the heartbeat.
pub async fn wake(app: &AppState, w: &WakeAction) {
    let main = MainSession::of(app);
    main.enqueue(&w.text, false);
    if w.mode == WakeMode::Now {
        main.heartbeat_now("hook:wake").await;
    }
}

/// The turn a prepared hook action runs.
pub fn turn_request(p: &PreparedAgent, run_id: &str) -> TurnRequest {
    let a = &p.action;
    let message = if a.allow_unsafe_external_content {
        a.message.clone()
    } else {
        let label = if a.source == "gmail" {
            "Email"
        } else {
            "Webhook"
        };
        external::wrap(label, &a.message)
    };
    let mut req = TurnRequest::new(
        run_id.to_string(),
        p.agent_id.clone(),
        p.session_key.clone(),
        message,
    );
    req.channel = "hook".into();
    req.model_override = p.model.clone();
    req.thinking = p.thinking;
    req.timeout = a.timeout_seconds.map(Duration::from_secs);
    req
}

fn truncate(s: &str) -> String {
    let t = s.trim();
    if t.chars().count() <= SUMMARY_MAX_CHARS {
        t.to_string()
    } else {
        let mut out: String = t.chars().take(SUMMARY_MAX_CHARS).collect();
        out.push('…');
        out
    }
}

/// The main-session event for an undelivered result.
pub fn summary_event(name: &str, outcome: Option<&RunOutcome>) -> String {
    let name = super::sanitize_name(name);
    match outcome {
        None => format!("Hook {name} (error): the run ended without a result"),
        Some(o) => match (&o.status, &o.failure) {
            (RunStatus::Ok, _) => format!("Hook {name}: {}", truncate(&o.text)),
            (RunStatus::Error, Some(f)) => format!("Hook {name} (error): {f}"),
            (status, f) => {
                let detail = match f {
                    Some(f) if o.text.trim().is_empty() => f.to_string(),
                    _ => truncate(&o.text),
                };
                format!("Hook {name} ({}): {detail}", status.as_str())
            }
        },
    }
}

/// Starts the isolated turn of `p` under `run_id` and handles its end in the background.
pub fn spawn_agent(app: &AppState, p: PreparedAgent, run_id: String) {
    let app = app.clone();
    actix_web::rt::spawn(async move {
        let req = turn_request(&p, &run_id);
        let outcome = run_turn(&app.router, req).await;
        let a = &p.action;
        let ok_text = outcome
            .as_ref()
            .filter(|o| o.status == RunStatus::Ok)
            .map(|o| o.text.clone());
        if ok_text.as_deref().is_some_and(is_silent) {
            return;
        }
        let mut delivered = false;
        if let (true, Some(text)) = (a.deliver, &ok_text) {
            let msg = Deliver::text(a.channel.clone(), a.to.clone(), text.clone());
            match app.outbound.deliver(msg).await {
                Ok(_) => delivered = true,
                Err(e) => tracing::warn!(run_id = %run_id, error = %e, "hook reply not delivered"),
            }
        }
        if delivered {
            return;
        }
        let main = MainSession::of(&app);
        main.enqueue(&summary_event(&a.name, outcome.as_ref()), false);
        if a.wake_mode == WakeMode::Now {
            main.heartbeat_now(&format!("hook:{}", super::sanitize_name(&a.name)))
                .await;
        }
    });
}
