//! `memory.search` (and its old spelling `agents.defaults.memorySearch`, and per agent
//! `agents.entries.<id>.memorySearch` / `.memory.search`): what the memory index reads, which
//! embedding provider it uses, and how results are ranked. Key names follow OpenClaw's
//! `memory-config` reference; keys clawgate does not use are accepted and ignored.

use super::types::Secret;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// One extra source: a file or folder (Markdown files under it), optionally a glob within it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtraPath {
    /// File or folder, absolute or relative to the agent's workspace.
    pub path: String,
    /// Glob (`*`, `**`, `?`) over paths relative to `path`; `None` = every `*.md`.
    pub pattern: Option<String>,
}

/// Where embeddings come from (`memory.search.remote`).
#[derive(Debug, Clone, Default)]
pub struct RemoteEmbeddings {
    /// Base URL including the version path (`https://api.openai.com/v1`).
    pub base_url: Option<String>,
    /// API key sent as a bearer token.
    pub api_key: Option<Secret>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
}

/// An agent's memory search settings, merged from the global block and the agent's own.
#[derive(Debug, Clone)]
pub struct MemorySearchConfig {
    /// `enabled` (default true): false = no index, the tools answer "disabled".
    pub enabled: bool,
    /// `provider`: `openai` | `openai-compatible` | `ollama` | `none` | a `models.providers` id;
    /// `None` when not set (keyword search only).
    pub provider: Option<String>,
    /// `model` (default per provider; `text-embedding-3-small` for OpenAI).
    pub model: Option<String>,
    /// `remote`.
    pub remote: RemoteEmbeddings,
    /// `extraPaths`.
    pub extra_paths: Vec<ExtraPath>,
    /// `query.maxResults` (default 6).
    pub max_results: usize,
    /// `query.minScore` (default 0.35).
    pub min_score: f64,
    /// `query.hybrid.vectorWeight` (default 0.7).
    pub vector_weight: f64,
    /// `query.hybrid.textWeight` (default 0.3).
    pub text_weight: f64,
    /// `query.hybrid.candidateMultiplier` (default 4).
    pub candidate_multiplier: usize,
    /// `query.hybrid.mmr.enabled` (default true).
    pub mmr: bool,
    /// `query.hybrid.mmr.lambda` (default 0.7).
    pub mmr_lambda: f64,
    /// `query.hybrid.temporalDecay.enabled` (default true).
    pub decay: bool,
    /// `query.hybrid.temporalDecay.halfLifeDays` (default 30).
    pub half_life_days: f64,
    /// `chunking.tokens` (default 400).
    pub chunk_tokens: usize,
    /// `chunking.overlap` (default 80).
    pub chunk_overlap: usize,
    /// `remote.batch.size` (default 64 inputs per embeddings request).
    pub batch_size: usize,
    /// `sync.watch` (default true).
    pub watch: bool,
    /// `sync.watchDebounceMs` (default 1500).
    pub watch_debounce_ms: u64,
}

impl Default for MemorySearchConfig {
    fn default() -> Self {
        MemorySearchConfig {
            enabled: true,
            provider: None,
            model: None,
            remote: RemoteEmbeddings::default(),
            extra_paths: Vec::new(),
            max_results: 6,
            min_score: 0.35,
            vector_weight: 0.7,
            text_weight: 0.3,
            candidate_multiplier: 4,
            mmr: true,
            mmr_lambda: 0.7,
            decay: true,
            half_life_days: 30.0,
            chunk_tokens: 400,
            chunk_overlap: 80,
            batch_size: 64,
            watch: true,
            watch_debounce_ms: 1500,
        }
    }
}

/// Memory settings: the defaults and each agent's merged block.
#[derive(Debug, Clone, Default)]
pub struct MemoryConfig {
    /// For agents without a block of their own.
    pub defaults: MemorySearchConfig,
    /// Agent id → merged settings (only agents with their own block).
    pub agents: BTreeMap<String, MemorySearchConfig>,
}

impl MemoryConfig {
    /// The settings of `agent`.
    pub fn for_agent(&self, agent: &str) -> &MemorySearchConfig {
        self.agents.get(agent).unwrap_or(&self.defaults)
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawSearch {
    enabled: Option<bool>,
    provider: Option<String>,
    model: Option<String>,
    remote: Option<RawRemote>,
    extra_paths: Option<Vec<RawExtra>>,
    query: Option<RawQuery>,
    chunking: Option<RawChunking>,
    sync: Option<RawSync>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawRemote {
    base_url: Option<String>,
    api_key: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    batch: Option<RawBatch>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawBatch {
    size: Option<usize>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawExtra {
    Path(String),
    Glob {
        path: String,
        pattern: Option<String>,
    },
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawQuery {
    max_results: Option<usize>,
    min_score: Option<f64>,
    hybrid: Option<RawHybrid>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawHybrid {
    vector_weight: Option<f64>,
    text_weight: Option<f64>,
    candidate_multiplier: Option<usize>,
    mmr: Option<RawToggle>,
    temporal_decay: Option<RawToggle>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawToggle {
    enabled: Option<bool>,
    lambda: Option<f64>,
    half_life_days: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawChunking {
    tokens: Option<usize>,
    overlap: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawSync {
    watch: Option<bool>,
    watch_debounce_ms: Option<u64>,
}

/// Deep-merges `over` into `base` (objects key by key; anything else replaces).
pub(super) fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// Parses a merged block; the error names the first wrong key.
pub(super) fn parse(v: &Value) -> Result<MemorySearchConfig, String> {
    let raw: RawSearch = if v.is_null() {
        RawSearch::default()
    } else {
        serde_path_to_error::deserialize(v.clone()).map_err(|e| {
            let path = e.path().to_string();
            format!("{path}: {}", e.into_inner())
        })?
    };
    let d = MemorySearchConfig::default();
    let q = raw.query.unwrap_or_default();
    let h = q.hybrid.unwrap_or_default();
    let mmr = h.mmr.unwrap_or_default();
    let decay = h.temporal_decay.unwrap_or_default();
    let chunking = raw.chunking.unwrap_or_default();
    let sync = raw.sync.unwrap_or_default();
    let remote = raw.remote.unwrap_or_default();
    let chunk_tokens = chunking.tokens.unwrap_or(d.chunk_tokens).max(16);
    let cfg = MemorySearchConfig {
        enabled: raw.enabled.unwrap_or(true),
        provider: raw
            .provider
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty()),
        model: raw.model.filter(|m| !m.trim().is_empty()),
        remote: RemoteEmbeddings {
            base_url: remote.base_url.filter(|u| !u.trim().is_empty()),
            api_key: remote.api_key.filter(|k| !k.is_empty()).map(Secret::new),
            headers: remote.headers.into_iter().collect(),
        },
        extra_paths: raw
            .extra_paths
            .unwrap_or_default()
            .into_iter()
            .map(|e| match e {
                RawExtra::Path(path) => ExtraPath {
                    path,
                    pattern: None,
                },
                RawExtra::Glob { path, pattern } => ExtraPath { path, pattern },
            })
            .collect(),
        max_results: q.max_results.unwrap_or(d.max_results).clamp(1, 50),
        min_score: q.min_score.unwrap_or(d.min_score).clamp(0.0, 1.0),
        vector_weight: h.vector_weight.unwrap_or(d.vector_weight).max(0.0),
        text_weight: h.text_weight.unwrap_or(d.text_weight).max(0.0),
        candidate_multiplier: h
            .candidate_multiplier
            .unwrap_or(d.candidate_multiplier)
            .clamp(1, 20),
        mmr: mmr.enabled.unwrap_or(d.mmr),
        mmr_lambda: mmr.lambda.unwrap_or(d.mmr_lambda).clamp(0.0, 1.0),
        decay: decay.enabled.unwrap_or(d.decay),
        half_life_days: decay.half_life_days.unwrap_or(d.half_life_days).max(0.1),
        chunk_tokens,
        chunk_overlap: chunking
            .overlap
            .unwrap_or(d.chunk_overlap)
            .min(chunk_tokens / 2),
        batch_size: remote
            .batch
            .and_then(|b| b.size)
            .unwrap_or(d.batch_size)
            .clamp(1, 2048),
        watch: sync.watch.unwrap_or(d.watch),
        watch_debounce_ms: sync.watch_debounce_ms.unwrap_or(d.watch_debounce_ms),
    };
    if cfg.vector_weight + cfg.text_weight <= 0.0 {
        return Err("query.hybrid: vectorWeight + textWeight must be positive".into());
    }
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_overrides_merge() {
        let mut v = json!({"provider": "openai", "query": {"maxResults": 3}});
        merge(
            &mut v,
            &json!({"query": {"minScore": 0.5}, "extraPaths": ["notes", {"path": "/x", "pattern": "**/*.md"}]}),
        );
        let c = parse(&v).unwrap();
        assert_eq!(c.provider.as_deref(), Some("openai"));
        assert_eq!((c.max_results, c.min_score), (3, 0.5));
        assert_eq!(c.extra_paths.len(), 2);
        assert_eq!(c.extra_paths[1].pattern.as_deref(), Some("**/*.md"));
        let d = parse(&Value::Null).unwrap();
        assert_eq!((d.max_results, d.min_score, d.chunk_tokens), (6, 0.35, 400));
        assert!(parse(&json!({"query": {"maxResults": "x"}}))
            .unwrap_err()
            .contains("query.maxResults"));
    }
}
