//! Model providers: one file per upstream protocol, a shared SSE decoder, and [`complete`],
//! which adds retries (429/5xx/connect, before the first byte only) and fallback models.

pub mod anthropic;
mod framing;
pub mod http;
pub mod openai;
mod openai_body;
mod openai_chunk;
pub mod sse;
pub mod types;

use crate::config::{Config, ModelChoice, ModelRef, ProviderApi};
pub use http::ProviderError;
use std::time::Duration;
use types::{ModelEvent, ModelOutput, ModelRequest};

/// Attempts per model (first try plus retries) before moving to the next fallback.
pub const ATTEMPTS_PER_MODEL: u32 = 3;
/// Base backoff between retries (doubled each time).
pub const RETRY_BACKOFF: Duration = Duration::from_millis(150);
/// Longest `Retry-After` honoured inside one turn.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(5);

/// The hint returned when no provider can serve a turn.
pub fn not_configured_hint(config: &Config) -> String {
    let path = config
        .path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| {
            config
                .state_dir
                .join("clawgate.json5")
                .display()
                .to_string()
        });
    format!(
        "no model provider is configured: set OPENAI_API_KEY or ANTHROPIC_API_KEY, run Ollama on 127.0.0.1:11434, or add models.providers and agents.defaults.model to {path}"
    )
}

/// Runs one model call for `choice`, trying the primary and then each fallback.
///
/// `req.model` (and, when unset, `req.max_tokens`) is filled per attempt; `req.messages` is
/// left intact so the caller can extend it for the next tool round. Events reach `on_event` as they stream. Retries and
/// fallbacks happen only while nothing has been emitted, so a client never sees output twice.
pub async fn complete(
    config: &Config,
    choice: &ModelChoice,
    req: &mut ModelRequest,
    idle: Option<Duration>,
    on_event: &mut dyn FnMut(ModelEvent),
) -> Result<(ModelOutput, ModelRef), ProviderError> {
    let candidates: Vec<&ModelRef> = choice
        .primary
        .iter()
        .chain(choice.fallbacks.iter())
        .collect();
    if candidates.is_empty() {
        return Err(ProviderError::NotConfigured(not_configured_hint(config)));
    }
    let mut last_err = None;
    let base_max_tokens = req.max_tokens;
    for model_ref in candidates {
        let Some(provider) = config.providers.get(&model_ref.provider) else {
            last_err = Some(ProviderError::NotConfigured(format!(
                "model `{model_ref}` names provider `{}`, which is not configured under models.providers",
                model_ref.provider
            )));
            continue;
        };
        req.model = model_ref.model.clone();
        req.max_tokens = base_max_tokens.or_else(|| {
            provider
                .models
                .iter()
                .find(|m| m.id == model_ref.model)
                .and_then(|m| m.max_tokens)
        });
        // Waiting for a response head, all attempts on this model share one idle budget: a
        // hung upstream costs the idle timeout once, not once per retry.
        let budget = WaitBudget::new(idle);
        for attempt in 0..ATTEMPTS_PER_MODEL {
            let Some(first_byte) = budget.remaining() else {
                break;
            };
            let limits = http::CallLimits {
                first_byte,
                idle,
                max_reply_bytes: config.max_reply_bytes,
            };
            let mut emitted = false;
            let mut sink = |e: ModelEvent| {
                emitted = true;
                on_event(e)
            };
            let res = match provider.api {
                ProviderApi::OpenAiCompletions => {
                    openai::call(provider, req, limits, &mut sink).await
                }
                ProviderApi::AnthropicMessages => {
                    anthropic::call(provider, req, limits, &mut sink).await
                }
            };
            match res {
                Ok(out) => return Ok((out, model_ref.clone())),
                Err(e) if emitted || !e.retryable() => return Err(e),
                Err(e) => {
                    tracing::warn!(provider = %provider.id, model = %model_ref.model, attempt, error = %e, "model call failed before output");
                    let wait = match &e {
                        ProviderError::Status {
                            retry_after: Some(s),
                            ..
                        } => Duration::from_secs(*s).min(MAX_RETRY_AFTER),
                        _ => RETRY_BACKOFF * 2u32.pow(attempt),
                    };
                    last_err = Some(e);
                    let left = budget.remaining().unwrap_or_default();
                    if attempt + 1 == ATTEMPTS_PER_MODEL || wait >= left {
                        break;
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
    Err(last_err.unwrap_or_else(|| ProviderError::NotConfigured(not_configured_hint(config))))
}

/// How long one model may still take to answer (its response head) across retries: the LLM
/// idle timeout when one is set, [`http::FIRST_BYTE_TIMEOUT`] per attempt otherwise.
struct WaitBudget(Option<std::time::Instant>);

impl WaitBudget {
    fn new(idle: Option<Duration>) -> WaitBudget {
        WaitBudget(idle.map(|d| std::time::Instant::now() + d.min(http::FIRST_BYTE_TIMEOUT)))
    }

    /// The wait left for the next attempt, or `None` once the budget is spent.
    fn remaining(&self) -> Option<Duration> {
        match self.0 {
            None => Some(http::FIRST_BYTE_TIMEOUT),
            Some(end) => Some(end.saturating_duration_since(std::time::Instant::now()))
                .filter(|d| !d.is_zero()),
        }
    }
}

/// Whether the model a choice resolves to first accepts images.
pub fn accepts_images(config: &Config, model: &ModelRef) -> bool {
    config
        .providers
        .get(&model.provider)
        .and_then(|p| p.models.iter().find(|m| m.id == model.model))
        .map(|m| m.images)
        .unwrap_or(false)
}
