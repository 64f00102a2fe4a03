//! Memory: each agent's Markdown notes (`MEMORY.md`, `USER.md`, `memory/**/*.md`, configured
//! extra paths) indexed in the store and searched by keyword (FTS5 BM25, CJK-aware) and, with
//! an embeddings provider, by vector; the `memory_search` / `memory_get` tools, the
//! `/api/v1/memory` routes, the `memory.*` WebSocket methods and `/v1/embeddings` all go
//! through [`Memory`] (via `crate::app`). See `docs/memory.md`.
//!
//! - [`sources`]: which files are memory (symbolic links skipped, paths confined);
//! - [`chunk`]: ~400-token chunks with 80 tokens of overlap and their line ranges;
//! - [`text`]: tokens for the keyword leg (CJK bigrams);
//! - [`embed`]: the OpenAI-compatible embeddings client;
//! - [`indexer`]: the actor that syncs an agent's index (start-up, watcher, on demand);
//! - [`watch`]: the debounced file watcher;
//! - [`search`]: retrieval; [`vectors`]: the in-memory vector leg.

pub mod chunk;
pub mod embed;
pub mod indexer;
pub mod search;
pub mod sources;
pub mod text;
pub mod vectors;
pub mod watch;

use crate::config::{Config, MemorySearchConfig};
use crate::storage::Store;
use actix::{Actor, Addr, Arbiter};
use embed::Embedder;
use indexer::{Indexer, Sync, SyncReport};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use vectors::VectorSet;

/// Why a memory operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MemoryError {
    /// Memory is switched off for the agent (`memory.search.enabled: false`).
    #[error("memory search is disabled for agent `{0}`")]
    Disabled(String),
    /// The configured embeddings provider cannot be reached (fail closed) or the index failed.
    #[error("memory search unavailable: {0}")]
    Unavailable(String),
    /// The input is wrong.
    #[error("{0}")]
    Invalid(String),
    /// No such agent or memory file.
    #[error("{0}")]
    NotFound(String),
}

/// One agent's index state, shared by the indexer and searches.
pub struct AgentIndex {
    /// Agent id.
    pub id: String,
    /// Its workspace.
    pub workspace: PathBuf,
    /// Its memory settings.
    pub settings: MemorySearchConfig,
    /// Whether one sync has finished.
    pub synced: AtomicBool,
    /// Whether its files are watched (from its first memory call on).
    pub watching: AtomicBool,
    /// Fired after each sync.
    pub sync_done: tokio::sync::Notify,
    /// The index identity changed: vectors are paused until a forced reindex.
    pub stale: AtomicBool,
    /// Its embeddings (empty in keyword mode).
    pub vectors: RwLock<Arc<VectorSet>>,
    /// Its memory files' paths.
    pub files: RwLock<Arc<Vec<String>>>,
    /// When the last sync ended (ms).
    pub last_sync: AtomicI64,
    /// Why the last sync failed.
    pub last_error: Mutex<Option<String>>,
    /// Why embedding failed during the last sync.
    pub embed_error: Mutex<Option<String>>,
}

/// What a search answers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchReply {
    /// Best first.
    pub results: Vec<search::Hit>,
    /// Embeddings provider (`none` in keyword mode).
    pub provider: String,
    /// Embedding model, if any.
    pub model: Option<String>,
    /// `hybrid` or `keyword`.
    pub mode: &'static str,
    /// Why vector search is paused, if it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// Search options (`None`: the agent's defaults).
#[derive(Debug, Clone, Default)]
pub struct SearchOptions {
    /// Results wanted.
    pub max_results: Option<usize>,
    /// Lowest score kept.
    pub min_score: Option<f64>,
}

/// A note written through the API.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Appended {
    /// `mem_…`.
    pub memory_id: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// The file it went to.
    pub path: String,
}

/// The memory service (cheap to clone).
#[derive(Clone)]
pub struct Memory {
    config: Arc<Config>,
    store: Store,
    agents: Arc<HashMap<String, Arc<AgentIndex>>>,
    /// The indexer and its thread, started at the first memory operation: a gateway whose
    /// agents never use memory pays no thread, connection or watcher for it.
    indexer: Arc<OnceLock<(Addr<Indexer>, actix::ArbiterHandle)>>,
    append_lock: Arc<tokio::sync::Mutex<()>>,
}

const STALE_WARNING: &str = "the memory index was built with another embeddings provider, model, chunking or tokenizer: vector search is paused until `clawgate memory index --force`";

impl Memory {
    /// The memory service over `config`'s agents. Nothing runs until the first memory
    /// operation: that starts the indexer on its own thread and syncs the agent it asks about.
    pub fn start(config: Arc<Config>, store: Store) -> Memory {
        let agents: HashMap<String, Arc<AgentIndex>> = config
            .agents
            .iter()
            .map(|a| {
                let settings = config.memory.for_agent(&a.id).clone();
                (
                    a.id.clone(),
                    Arc::new(AgentIndex {
                        id: a.id.clone(),
                        workspace: a.workspace.clone(),
                        settings,
                        synced: AtomicBool::new(false),
                        watching: AtomicBool::new(false),
                        sync_done: tokio::sync::Notify::new(),
                        stale: AtomicBool::new(false),
                        vectors: RwLock::new(Arc::new(VectorSet::default())),
                        files: RwLock::new(Arc::new(Vec::new())),
                        last_sync: AtomicI64::new(0),
                        last_error: Mutex::new(None),
                        embed_error: Mutex::new(None),
                    }),
                )
            })
            .collect();
        Memory {
            config,
            store,
            agents: Arc::new(agents),
            indexer: Arc::default(),
            append_lock: Arc::default(),
        }
    }

    /// The indexer, started on first use.
    fn indexer(&self) -> &Addr<Indexer> {
        &self
            .indexer
            .get_or_init(|| {
                let arbiter = Arbiter::new();
                let (c, s, a) = (self.config.clone(), self.store.clone(), self.agents.clone());
                let addr =
                    Indexer::start_in_arbiter(&arbiter.handle(), move |_| Indexer::new(c, s, a));
                (addr, arbiter.handle())
            })
            .0
    }

    /// Stops the indexer and its watchers (at shutdown), if they were started.
    pub fn stop(&self) {
        if let Some((_, arbiter)) = self.indexer.get() {
            arbiter.stop();
        }
    }

    fn agent(&self, id: &str) -> Result<&Arc<AgentIndex>, MemoryError> {
        let a = self
            .agents
            .get(id)
            .ok_or_else(|| MemoryError::NotFound(format!("unknown agent `{id}`")))?;
        if !a.settings.enabled {
            return Err(MemoryError::Disabled(id.to_string()));
        }
        Ok(a)
    }

    async fn sync(&self, agent: &str, force: bool) -> Result<SyncReport, MemoryError> {
        self.indexer()
            .send(Sync {
                agent: agent.to_string(),
                force,
                watch: true,
            })
            .await
            .map_err(|_| MemoryError::Unavailable("the memory indexer has stopped".into()))?
            .map_err(MemoryError::Unavailable)
    }

    /// Syncs an agent not synced or watched yet (its memory is in use from now on).
    async fn ensure_live(&self, a: &AgentIndex) -> Result<(), MemoryError> {
        if !a.synced.load(Ordering::Acquire) || !a.watching.load(Ordering::Acquire) {
            self.sync(&a.id, false).await?;
        }
        Ok(())
    }

    /// The embeddings provider of an agent (`None`: keyword only), with `model` overriding.
    pub fn embedder(
        &self,
        agent: &str,
        model: Option<&str>,
    ) -> Result<Option<Embedder>, MemoryError> {
        let a = self
            .agents
            .get(agent)
            .ok_or_else(|| MemoryError::NotFound(format!("unknown agent `{agent}`")))?;
        Embedder::resolve(&a.settings, &self.config, model).map_err(MemoryError::Unavailable)
    }

    /// Searches an agent's memory. An explicitly configured provider that fails makes this
    /// fail ([`MemoryError::Unavailable`]) rather than quietly answer from keywords.
    pub async fn search(
        &self,
        agent: &str,
        query: &str,
        opts: SearchOptions,
    ) -> Result<SearchReply, MemoryError> {
        let a = self.agent(agent)?.clone();
        if query.trim().is_empty() {
            return Err(MemoryError::Invalid("query must not be empty".into()));
        }
        self.ensure_live(&a).await?;
        let embedder = self.embedder(agent, None)?;
        let stale = a.stale.load(Ordering::Acquire);
        let (provider, model) = match &embedder {
            Some(e) => (e.provider.clone(), Some(e.model.clone())),
            None => ("none".to_string(), None),
        };
        let live = embedder.filter(|_| !stale);
        let qv = search::query_vector(live.as_ref(), query)
            .await
            .map_err(MemoryError::Unavailable)?;
        let mode = if qv.is_some() { "hybrid" } else { "keyword" };
        let results = search::run(
            &self.store,
            &a,
            query,
            search::Params {
                settings: &a.settings,
                max_results: opts
                    .max_results
                    .unwrap_or(a.settings.max_results)
                    .clamp(1, 50),
                min_score: opts
                    .min_score
                    .unwrap_or(a.settings.min_score)
                    .clamp(0.0, 1.0),
                query_vector: qv,
                today: chrono::Local::now().date_naive(),
            },
        )
        .await
        .map_err(MemoryError::Unavailable)?;
        Ok(SearchReply {
            results,
            provider,
            model,
            mode,
            warning: stale.then(|| STALE_WARNING.to_string()),
        })
    }

    /// Reads lines of a memory file (`from` 1-based, `lines` at most); nothing else is
    /// readable.
    pub async fn get(
        &self,
        agent: &str,
        path: &str,
        from: Option<usize>,
        lines: Option<usize>,
    ) -> Result<Value, MemoryError> {
        let a = self.agent(agent)?.clone();
        self.ensure_live(&a).await?;
        let f = sources::find(&a.workspace, &a.settings.extra_paths, path).ok_or_else(|| {
            MemoryError::NotFound(format!("`{path}` is not a memory file of agent `{agent}`"))
        })?;
        let text = std::fs::read_to_string(&f.abs)
            .map_err(|e| MemoryError::NotFound(format!("cannot read `{path}`: {e}")))?;
        let all: Vec<&str> = text.lines().collect();
        let from = from.unwrap_or(1).max(1);
        let count = lines.unwrap_or(all.len()).max(1);
        let slice: Vec<&str> = all.iter().skip(from - 1).take(count).copied().collect();
        Ok(json!({
            "path": f.path, "from": from, "lines": slice.len(), "totalLines": all.len(),
            "text": slice.join("\n"),
        }))
    }

    /// Appends a note to today's `memory/YYYY-MM-DD.md` (or `MEMORY.md` when `long_term`),
    /// then reindexes before answering, so the next search finds it.
    pub async fn append(
        &self,
        agent: &str,
        content: &str,
        tags: &[String],
        long_term: bool,
    ) -> Result<Appended, MemoryError> {
        let a = self.agent(agent)?.clone();
        if content.trim().is_empty() {
            return Err(MemoryError::Invalid("content must not be empty".into()));
        }
        let now = chrono::Local::now();
        let rel = if long_term {
            "MEMORY.md".to_string()
        } else {
            format!("memory/{}.md", now.format("%Y-%m-%d"))
        };
        let id = format!("mem_{}", uuid::Uuid::now_v7().simple());
        let created = now
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut entry = format!("\n## {created} ({id})\n\n{}\n", content.trim_end());
        if !tags.is_empty() {
            entry.push_str(&format!("\nTags: {}\n", tags.join(", ")));
        }
        {
            let _g = self.append_lock.lock().await;
            let abs = a.workspace.join(&rel);
            if let Some(dir) = abs.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| MemoryError::Unavailable(format!("cannot create {rel}: {e}")))?;
            }
            if std::fs::symlink_metadata(&abs).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(MemoryError::Invalid(format!("{rel} is a symbolic link")));
            }
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&abs)
                .map_err(|e| MemoryError::Unavailable(format!("cannot write {rel}: {e}")))?;
            f.write_all(entry.as_bytes())
                .map_err(|e| MemoryError::Unavailable(format!("cannot write {rel}: {e}")))?;
        }
        self.sync(agent, false).await?;
        Ok(Appended {
            memory_id: id,
            created_at: created,
            path: rel,
        })
    }

    /// Reindexes an agent (`force`: from scratch, recording the current index identity).
    pub async fn index(&self, agent: &str, force: bool) -> Result<SyncReport, MemoryError> {
        self.agent(agent)?;
        self.sync(agent, force).await
    }

    /// The agent's index: sizes, provider, mode, staleness, last sync; `deep` also asks the
    /// embeddings provider for one vector.
    pub async fn status(&self, agent: &str, deep: bool) -> Result<Value, MemoryError> {
        let a = self
            .agents
            .get(agent)
            .ok_or_else(|| MemoryError::NotFound(format!("unknown agent `{agent}`")))?;
        if a.settings.enabled {
            self.ensure_live(a).await?;
        }
        let embedder = Embedder::resolve(&a.settings, &self.config, None);
        let (provider, model, key, config_error) = match &embedder {
            Ok(Some(e)) => (e.provider.clone(), Some(e.model.clone()), e.key(), None),
            Ok(None) => ("none".into(), None, String::new(), None),
            Err(m) => ("none".into(), None, String::new(), Some(m.clone())),
        };
        let counts = self
            .store
            .memory_counts(agent, &key)
            .await
            .map_err(|e| MemoryError::Unavailable(e.to_string()))?;
        let stale = a.stale.load(Ordering::Acquire);
        let lock = |m: &Mutex<Option<String>>| m.lock().map(|g| g.clone()).unwrap_or_default();
        let mut v = json!({
            "agentId": a.id, "enabled": a.settings.enabled,
            "provider": provider, "model": model,
            "mode": if key.is_empty() || stale { "keyword" } else { "hybrid" },
            "files": counts.files, "chunks": counts.chunks, "vectors": counts.vectors,
            "stale": stale, "warning": stale.then_some(STALE_WARNING),
            "synced": a.synced.load(Ordering::Acquire),
            "lastSyncAt": a.last_sync.load(Ordering::Acquire),
            "lastError": lock(&a.last_error), "embeddingError": lock(&a.embed_error),
            "configError": config_error, "watch": a.settings.watch,
            "tokenizer": text::TOKENIZER,
            "chunking": {"tokens": a.settings.chunk_tokens, "overlap": a.settings.chunk_overlap},
        });
        if deep {
            v["probe"] = match embedder {
                Ok(Some(e)) => match e.embed(&["ping".to_string()]).await {
                    Ok(vs) => json!({"ok": true, "dims": vs.first().map(Vec::len)}),
                    Err(m) => json!({"ok": false, "error": m}),
                },
                _ => json!({"ok": false, "error": "no embeddings provider configured"}),
            };
        }
        Ok(v)
    }
}
