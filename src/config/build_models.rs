//! The `models.providers` section: each provider's wire API, base URL, key and models, and
//! the providers found in the environment when none is configured.

use super::build::invalid;
use super::raw::RawConfig;
use super::types::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Every configured provider, validated.
pub(super) fn providers(
    raw: &RawConfig,
    file: &Option<PathBuf>,
    source: &str,
) -> Result<BTreeMap<String, ProviderConfig>, ConfigError> {
    let mut providers = BTreeMap::new();
    for (id, p) in &raw.models.providers {
        let key = format!("models.providers.{id}");
        let api = match p.api.as_deref() {
            None | Some("openai-completions") | Some("openai") => ProviderApi::OpenAiCompletions,
            Some("anthropic-messages") | Some("anthropic") => ProviderApi::AnthropicMessages,
            Some(other) => {
                return Err(invalid(
                    file,
                    source,
                    &format!("{key}.api"),
                    format!(
                        "unsupported api `{other}` (use openai-completions or anthropic-messages)"
                    ),
                ))
            }
        };
        let base_url = match &p.base_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => match (id.as_str(), api) {
                ("openai", _) => "https://api.openai.com/v1".into(),
                ("anthropic", _) | (_, ProviderApi::AnthropicMessages) => {
                    "https://api.anthropic.com/v1".into()
                }
                ("ollama", _) => "http://127.0.0.1:11434/v1".into(),
                _ => {
                    return Err(invalid(
                        file,
                        source,
                        &format!("{key}.baseUrl"),
                        "baseUrl is required",
                    ))
                }
            },
        };
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(invalid(
                file,
                source,
                &format!("{key}.baseUrl"),
                "baseUrl must start with http:// or https://",
            ));
        }
        let api_key = p
            .api_key
            .clone()
            .or_else(|| match id.as_str() {
                "openai" => std::env::var("OPENAI_API_KEY").ok(),
                "anthropic" => std::env::var("ANTHROPIC_API_KEY").ok(),
                _ => None,
            })
            .filter(|k| !k.is_empty())
            .map(Secret::new);
        let models = p
            .models
            .iter()
            .map(|m| ModelInfo {
                id: m.id.clone(),
                name: m.name.clone(),
                images: m
                    .input
                    .as_ref()
                    .is_some_and(|i| i.iter().any(|x| x == "image")),
                reasoning: m.reasoning.unwrap_or(false),
                max_tokens: m.max_tokens,
                context_window: m.context_window,
            })
            .collect();
        providers.insert(
            id.clone(),
            ProviderConfig {
                id: id.clone(),
                base_url,
                api_key,
                api,
                headers: p
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                models,
            },
        );
    }

    Ok(providers)
}

/// With no providers configured, picks them up from well-known environment variables.
pub(super) fn detect_providers(
    providers: &mut BTreeMap<String, ProviderConfig>,
    default_model: &mut ModelChoice,
) {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    if let Some(key) = env("OPENAI_API_KEY") {
        let model = env("OPENAI_MODEL").unwrap_or_else(|| "gpt-4o-mini".into());
        providers.insert(
            "openai".into(),
            ProviderConfig {
                id: "openai".into(),
                base_url: env("OPENAI_BASE_URL")
                    .unwrap_or_else(|| "https://api.openai.com/v1".into())
                    .trim_end_matches('/')
                    .into(),
                api_key: Some(Secret::new(key)),
                api: ProviderApi::OpenAiCompletions,
                headers: vec![],
                models: vec![ModelInfo {
                    name: None,
                    id: model.clone(),
                    images: true,
                    reasoning: false,
                    max_tokens: None,
                    context_window: None,
                }],
            },
        );
        if default_model.primary.is_none() {
            default_model.primary = Some(ModelRef {
                provider: "openai".into(),
                model,
            });
        }
    }
    if let Some(key) = env("ANTHROPIC_API_KEY") {
        let model = env("ANTHROPIC_MODEL").unwrap_or_else(|| "claude-sonnet-4-5".into());
        providers.insert(
            "anthropic".into(),
            ProviderConfig {
                id: "anthropic".into(),
                base_url: env("ANTHROPIC_BASE_URL")
                    .unwrap_or_else(|| "https://api.anthropic.com/v1".into())
                    .trim_end_matches('/')
                    .into(),
                api_key: Some(Secret::new(key)),
                api: ProviderApi::AnthropicMessages,
                headers: vec![],
                models: vec![ModelInfo {
                    name: None,
                    id: model.clone(),
                    images: true,
                    reasoning: true,
                    max_tokens: None,
                    context_window: None,
                }],
            },
        );
        if default_model.primary.is_none() {
            default_model.primary = Some(ModelRef {
                provider: "anthropic".into(),
                model,
            });
        }
    }
}
