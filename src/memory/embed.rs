//! The embeddings client: OpenAI's `POST {baseUrl}/embeddings` (OpenAI, Ollama's `/v1`,
//! vLLM, llama.cpp, DashScope's compatible mode, any `models.providers.<id>`), batched.
//!
//! Which provider: `memory.search.provider` — `openai` (`https://api.openai.com/v1`, key from
//! `remote.apiKey` or `OPENAI_API_KEY`), `openai-compatible` (`remote.baseUrl` required),
//! `ollama` (`http://127.0.0.1:11434/v1`), `none`, or a `models.providers` id (its base URL,
//! key and headers). `remote.*` overrides any of them. Unset or `none`: no embeddings.

use crate::config::{Config, MemorySearchConfig, Secret};
use serde_json::{json, Value};
use std::time::Duration;

/// How long one embeddings request may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A resolved embeddings provider.
#[derive(Debug, Clone)]
pub struct Embedder {
    /// Provider name as configured.
    pub provider: String,
    /// Embedding model.
    pub model: String,
    base_url: String,
    api_key: Option<Secret>,
    headers: Vec<(String, String)>,
    batch: usize,
}

/// Embeddings and the tokens the provider counted.
#[derive(Debug, Clone)]
pub struct Embedded {
    /// One vector per input, in order.
    pub vectors: Vec<Vec<f32>>,
    /// `usage.prompt_tokens` (summed over batches).
    pub prompt_tokens: u64,
}

impl Embedder {
    /// The provider `cfg` names (`Ok(None)`: none configured), with `model` overriding the
    /// configured model when given.
    pub fn resolve(
        cfg: &MemorySearchConfig,
        config: &Config,
        model: Option<&str>,
    ) -> Result<Option<Embedder>, String> {
        let Some(provider) = cfg.provider.as_deref() else {
            return Ok(None);
        };
        let (mut base, mut key, mut headers, default_model) = match provider {
            "none" | "off" => return Ok(None),
            "openai" => (
                Some("https://api.openai.com/v1".to_string()),
                std::env::var("OPENAI_API_KEY").ok().map(Secret::new),
                Vec::new(),
                "text-embedding-3-small",
            ),
            "ollama" => (
                Some("http://127.0.0.1:11434/v1".to_string()),
                None,
                Vec::new(),
                "nomic-embed-text",
            ),
            "openai-compatible" => (None, None, Vec::new(), "text-embedding-3-small"),
            id => match config.providers.get(id) {
                Some(p) => (
                    Some(p.base_url.clone()),
                    p.api_key.clone(),
                    p.headers.clone(),
                    "text-embedding-3-small",
                ),
                None => {
                    return Err(format!(
                        "memory.search.provider `{id}` is neither openai, openai-compatible, ollama, none nor a models.providers id"
                    ))
                }
            },
        };
        if let Some(b) = &cfg.remote.base_url {
            base = Some(b.clone());
        }
        if let Some(k) = &cfg.remote.api_key {
            key = Some(k.clone());
        }
        headers.extend(cfg.remote.headers.iter().cloned());
        let base = base.ok_or_else(|| {
            format!("memory.search.provider `{provider}` needs memory.search.remote.baseUrl")
        })?;
        Ok(Some(Embedder {
            provider: provider.to_string(),
            model: model
                .map(str::to_string)
                .or_else(|| cfg.model.clone())
                .unwrap_or_else(|| default_model.to_string()),
            base_url: base.trim_end_matches('/').to_string(),
            api_key: key,
            headers,
            batch: cfg.batch_size,
        }))
    }

    /// The embedding-cache key: provider and model.
    pub fn key(&self) -> String {
        format!("{}:{}", self.provider, self.model)
    }

    /// Embeds `inputs` in batches.
    pub async fn embed(&self, inputs: &[String]) -> Result<Vec<Vec<f32>>, String> {
        Ok(self.embed_with(inputs, None).await?.vectors)
    }

    /// Embeds `inputs` in batches, asking for `dimensions` when given.
    pub async fn embed_with(
        &self,
        inputs: &[String],
        dimensions: Option<u64>,
    ) -> Result<Embedded, String> {
        let mut out = Embedded {
            vectors: Vec::with_capacity(inputs.len()),
            prompt_tokens: 0,
        };
        for batch in inputs.chunks(self.batch.max(1)) {
            let (vectors, tokens) = self.request(batch, dimensions).await?;
            out.vectors.extend(vectors);
            out.prompt_tokens += tokens;
        }
        Ok(out)
    }

    async fn request(
        &self,
        batch: &[String],
        dimensions: Option<u64>,
    ) -> Result<(Vec<Vec<f32>>, u64), String> {
        let url = format!("{}/embeddings", self.base_url);
        let mut body = json!({"model": self.model, "input": batch, "encoding_format": "float"});
        if let Some(d) = dimensions {
            body["dimensions"] = json!(d);
        }
        let mut req = crate::providers::http::client()
            .post(&url)
            .timeout(TIMEOUT)
            .insert_header(("content-type", "application/json"));
        if let Some(k) = &self.api_key {
            req = req.insert_header(("authorization", format!("Bearer {}", k.expose())));
        }
        for (k, v) in &self.headers {
            req = req.insert_header((k.as_str(), v.as_str()));
        }
        let who = format!("embeddings provider `{}`", self.provider);
        let mut resp = req
            .send_body(body.to_string())
            .await
            .map_err(|e| format!("{who} is unreachable: {e}"))?;
        let bytes = resp
            .body()
            .limit(256 * 1024 * 1024)
            .await
            .map_err(|e| format!("{who} failed: {e}"))?;
        if !resp.status().is_success() {
            let text = String::from_utf8_lossy(&bytes);
            return Err(format!(
                "{who} answered {}: {}",
                resp.status().as_u16(),
                crate::providers::http::truncate(&text, 300)
            ));
        }
        let v: Value =
            serde_json::from_slice(&bytes).map_err(|e| format!("{who} sent bad JSON: {e}"))?;
        let mut data: Vec<(usize, Vec<f32>)> = v["data"]
            .as_array()
            .ok_or_else(|| format!("{who} sent no `data`"))?
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let idx = d["index"].as_u64().map(|x| x as usize).unwrap_or(i);
                let vec = d["embedding"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_f64)
                            .map(|x| x as f32)
                            .collect()
                    })
                    .unwrap_or_default();
                (idx, vec)
            })
            .collect();
        data.sort_by_key(|(i, _)| *i);
        if data.len() != batch.len() || data.iter().any(|(_, v)| v.is_empty()) {
            return Err(format!(
                "{who} returned {} embeddings for {} inputs",
                data.len(),
                batch.len()
            ));
        }
        let tokens = v["usage"]["prompt_tokens"].as_u64().unwrap_or(0);
        Ok((data.into_iter().map(|(_, v)| v).collect(), tokens))
    }
}

/// `v` scaled to length 1 (unchanged when zero).
pub fn normalize(mut v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
    v
}
