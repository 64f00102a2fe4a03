//! The indexer: an actor on its own arbiter (its own thread) that brings an agent's index up
//! to date with its files, one sync at a time. Start-up asks it to sync every agent; the
//! watcher asks after each debounced change; writes through the API and `memory index`
//! ask and wait. A file whose size and time are unchanged is not read; one whose content
//! hash is unchanged is not rechunked; a chunk whose hash was embedded before by the same
//! model takes its vector from the cache.

use super::chunk::{chunk_markdown, hash};
use super::embed::Embedder;
use super::vectors::VectorSet;
use super::watch::Watch;
use super::{sources, text, AgentIndex};
use crate::config::Config;
use crate::storage::{MemoryFile, NewChunk, Store};
use actix::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// Chunks embedded per backfill pass.
const BACKFILL: usize = 4096;

/// What one sync did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    /// Files (re)indexed.
    pub indexed: usize,
    /// Files unchanged.
    pub unchanged: usize,
    /// Files forgotten (deleted or no longer a memory file).
    pub removed: usize,
    /// Chunks embedded (not from the cache).
    pub embedded: usize,
    /// Whether everything was rebuilt (`--force`).
    pub forced: bool,
}

/// Sync an agent's index (`force`: rebuild it and record the current index identity).
#[derive(Message)]
#[rtype(result = "Result<SyncReport, String>")]
pub struct Sync {
    /// The agent.
    pub agent: String,
    /// Rebuild from scratch.
    pub force: bool,
    /// Start watching the agent's files from now on (its memory is in use).
    pub watch: bool,
}

/// Files changed under these paths (from the watcher).
#[derive(Message)]
#[rtype(result = "()")]
struct Changed(Vec<std::path::PathBuf>);

/// The indexer actor.
pub struct Indexer {
    pub(super) config: Arc<Config>,
    pub(super) store: Store,
    pub(super) agents: Arc<HashMap<String, Arc<AgentIndex>>>,
    watch: Option<Watch>,
}

impl Indexer {
    /// An indexer over these agents.
    pub(super) fn new(
        config: Arc<Config>,
        store: Store,
        agents: Arc<HashMap<String, Arc<AgentIndex>>>,
    ) -> Self {
        Indexer {
            config,
            store,
            agents,
            watch: None,
        }
    }

    /// The agents whose files live under `path`.
    fn owners(&self, path: &std::path::Path) -> Vec<String> {
        self.agents
            .values()
            .filter(|a| a.watching.load(Ordering::Acquire))
            .filter(|a| {
                path.starts_with(&a.workspace)
                    || a.settings
                        .extra_paths
                        .iter()
                        .any(|e| path.starts_with(sources::extra_root(&a.workspace, e)))
            })
            .map(|a| a.id.clone())
            .collect()
    }

    fn ensure_watch(&mut self, agent: &AgentIndex, ctx: &mut Context<Self>) {
        if !agent.settings.watch {
            return;
        }
        // OpenClaw creates the workspace at start-up; here it must exist to be watched, so
        // notes written into a fresh workspace are indexed without a restart.
        if let Err(e) = std::fs::create_dir_all(&agent.workspace) {
            tracing::warn!(agent = %agent.id, error = %e, "cannot create the agent workspace");
        }
        if self.watch.is_none() {
            let addr = ctx.address();
            let debounce = self
                .agents
                .values()
                .map(|a| a.settings.watch_debounce_ms)
                .min()
                .unwrap_or(1500)
                .max(10);
            match Watch::new(Duration::from_millis(debounce), move |paths| {
                addr.do_send(Changed(paths))
            }) {
                Ok(w) => self.watch = Some(w),
                Err(e) => {
                    tracing::warn!(error = %e, "memory watcher not started");
                    return;
                }
            }
        }
        let mut paths = vec![
            (agent.workspace.clone(), false),
            (agent.workspace.join("memory"), true),
        ];
        for e in &agent.settings.extra_paths {
            paths.push((sources::extra_root(&agent.workspace, e), true));
        }
        if let Some(w) = self.watch.as_mut() {
            w.ensure(&paths);
        }
    }
}

impl Actor for Indexer {
    type Context = Context<Self>;
}

impl Handler<Changed> for Indexer {
    type Result = ();

    fn handle(&mut self, msg: Changed, ctx: &mut Context<Self>) {
        let mut agents: Vec<String> = msg.0.iter().flat_map(|p| self.owners(p)).collect();
        agents.sort();
        agents.dedup();
        for agent in agents {
            ctx.notify(Sync {
                agent,
                force: false,
                watch: false,
            });
        }
    }
}

impl Handler<Sync> for Indexer {
    type Result = AtomicResponse<Self, Result<SyncReport, String>>;

    fn handle(&mut self, msg: Sync, _: &mut Context<Self>) -> Self::Result {
        let Some(agent) = self.agents.get(&msg.agent).cloned() else {
            return AtomicResponse::new(Box::pin(fut::ready(Err(format!(
                "unknown agent `{}`",
                msg.agent
            )))));
        };
        let (config, store) = (self.config.clone(), self.store.clone());
        let a = agent.clone();
        let (force, watch) = (msg.force, msg.watch);
        AtomicResponse::new(Box::pin(
            async move { sync(&a, &config, &store, force).await }
                .into_actor(self)
                .map(move |res, act, ctx| {
                    if watch {
                        agent.watching.store(true, Ordering::Release);
                    }
                    if agent.watching.load(Ordering::Acquire) {
                        act.ensure_watch(&agent, ctx);
                    }
                    if let Err(e) = &res {
                        tracing::warn!(agent = %agent.id, error = %e, "memory sync failed");
                    }
                    *agent.last_error.lock().unwrap_or_else(|e| e.into_inner()) =
                        res.as_ref().err().cloned();
                    agent.synced.store(true, Ordering::Release);
                    agent.sync_done.notify_waiters();
                    res
                }),
        ))
    }
}

/// What changes of which vectors are stale: provider, model, chunking, tokenizer.
pub fn identity(agent: &AgentIndex, embedder: Option<&Embedder>) -> String {
    let s = &agent.settings;
    serde_json::json!({
        "provider": embedder.map(|e| e.provider.as_str()).unwrap_or("none"),
        "model": embedder.map(|e| e.model.as_str()),
        "chunkTokens": s.chunk_tokens,
        "chunkOverlap": s.chunk_overlap,
        "tokenizer": text::TOKENIZER,
    })
    .to_string()
}

/// The store key of an agent's index identity.
pub fn identity_key(agent: &str) -> String {
    format!("memory.identity.{agent}")
}

async fn embed_chunks(
    e: &Embedder,
    store: &Store,
    chunks: &mut [NewChunk],
) -> Result<usize, String> {
    let key = e.key();
    let hashes: Vec<String> = chunks.iter().map(|c| c.hash.clone()).collect();
    let cached: HashMap<String, Vec<f32>> = store
        .memory_cache_get(&key, hashes)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .collect();
    let missing: Vec<usize> = (0..chunks.len())
        .filter(|i| !cached.contains_key(&chunks[*i].hash))
        .collect();
    let texts: Vec<String> = missing.iter().map(|i| chunks[*i].text.clone()).collect();
    let fresh = if texts.is_empty() {
        Vec::new()
    } else {
        e.embed(&texts).await?
    };
    let mut put = Vec::new();
    for (i, v) in missing.iter().zip(fresh) {
        put.push((chunks[*i].hash.clone(), v));
    }
    store
        .memory_cache_put(&key, put.clone())
        .await
        .map_err(|e| e.to_string())?;
    let fresh: HashMap<String, Vec<f32>> = put.into_iter().collect();
    for c in chunks.iter_mut() {
        if let Some(v) = cached.get(&c.hash).or_else(|| fresh.get(&c.hash)) {
            c.embedding = Some((key.clone(), v.clone()));
        }
    }
    Ok(missing.len())
}

fn mtime_ms(m: &std::fs::Metadata) -> i64 {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Brings `agent`'s index up to date (see the module docs).
pub async fn sync(
    agent: &AgentIndex,
    config: &Config,
    store: &Store,
    force: bool,
) -> Result<SyncReport, String> {
    let err = |e: crate::storage::StoreError| e.to_string();
    let embedder = Embedder::resolve(&agent.settings, config, None).unwrap_or_else(|e| {
        tracing::warn!(agent = %agent.id, error = %e, "memory embeddings disabled");
        None
    });
    let id_now = identity(agent, embedder.as_ref());
    let id_key = identity_key(&agent.id);
    let mut report = SyncReport {
        forced: force,
        ..Default::default()
    };
    if force {
        store.memory_clear(&agent.id).await.map_err(err)?;
        store.kv_put(&id_key, &id_now).await.map_err(err)?;
        agent.stale.store(false, Ordering::Release);
    } else {
        match store.kv_get(&id_key).await.map_err(err)? {
            None => store.kv_put(&id_key, &id_now).await.map_err(err)?,
            Some(stored) if stored != id_now => {
                if !agent.stale.swap(true, Ordering::AcqRel) {
                    tracing::warn!(agent = %agent.id, "memory index identity changed (provider, model, chunking or tokenizer): vector search paused until `clawgate memory index --force`");
                }
            }
            Some(_) => {}
        }
    }
    let stale = agent.stale.load(Ordering::Acquire);
    let embedder = embedder.filter(|_| !stale);
    let mut embed_error: Option<String> = None;
    let on_disk = sources::list(&agent.workspace, &agent.settings.extra_paths);
    let mut indexed: HashMap<String, MemoryFile> = store
        .memory_files(&agent.id)
        .await
        .map_err(err)?
        .into_iter()
        .map(|f| (f.path.clone(), f))
        .collect();
    let mut changed = force;
    for f in &on_disk {
        let old = indexed.remove(&f.path);
        let Ok(meta) = std::fs::symlink_metadata(&f.abs) else {
            continue;
        };
        let (mtime, size) = (mtime_ms(&meta), meta.len() as i64);
        if old
            .as_ref()
            .is_some_and(|o| o.mtime == mtime && o.size == size)
        {
            report.unchanged += 1;
            continue;
        }
        let Ok(bytes) = std::fs::read(&f.abs) else {
            continue;
        };
        let content = String::from_utf8_lossy(&bytes);
        let h = hash(&content);
        if old.as_ref().is_some_and(|o| o.hash == h) {
            report.unchanged += 1;
            continue;
        }
        let mut chunks: Vec<NewChunk> = chunk_markdown(
            &content,
            agent.settings.chunk_tokens,
            agent.settings.chunk_overlap,
        )
        .into_iter()
        .map(|c| NewChunk {
            start_line: c.start_line as i64,
            end_line: c.end_line as i64,
            hash: hash(&c.text),
            fts_body: text::index_body(&c.text),
            text: c.text,
            embedding: None,
        })
        .collect();
        if let (Some(e), None) = (&embedder, &embed_error) {
            match embed_chunks(e, store, &mut chunks).await {
                Ok(n) => report.embedded += n,
                Err(m) => embed_error = Some(m),
            }
        }
        let file = MemoryFile {
            path: f.path.clone(),
            source: f.source.to_string(),
            hash: h,
            mtime,
            size,
        };
        store
            .memory_put_file(&agent.id, file, chunks)
            .await
            .map_err(err)?;
        report.indexed += 1;
        changed = true;
    }
    for path in indexed.keys() {
        store
            .memory_remove_file(&agent.id, path)
            .await
            .map_err(err)?;
        report.removed += 1;
        changed = true;
    }
    if let (Some(e), None) = (&embedder, &embed_error) {
        match backfill(e, store, &agent.id).await {
            Ok(n) => {
                report.embedded += n;
                changed |= n > 0;
            }
            Err(m) => embed_error = Some(m),
        }
    }
    if let Some(m) = &embed_error {
        tracing::warn!(agent = %agent.id, error = %m, "memory embeddings failed; keyword index updated");
    }
    let vectors_missing = agent
        .vectors
        .read()
        .map(|v| embedder.as_ref().is_some_and(|e| v.key != e.key()))
        .unwrap_or(true);
    if changed || vectors_missing || !agent.synced.load(Ordering::Acquire) {
        let set = match &embedder {
            Some(e) => VectorSet::new(
                e.key(),
                store
                    .memory_vectors(&agent.id, &e.key())
                    .await
                    .map_err(err)?,
            ),
            None => VectorSet::default(),
        };
        *agent.vectors.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(set);
        let files: Vec<String> = on_disk.iter().map(|f| f.path.clone()).collect();
        *agent.files.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(files);
    }
    agent
        .last_sync
        .store(crate::storage::now_ms(), Ordering::Release);
    *agent.embed_error.lock().unwrap_or_else(|e| e.into_inner()) = embed_error;
    Ok(report)
}

/// Gives chunks stored without a vector of `e`'s model one (their provider was down when they
/// were indexed); returns how many got one.
async fn backfill(e: &Embedder, store: &Store, agent: &str) -> Result<usize, String> {
    let key = e.key();
    let mut total = 0;
    loop {
        let rows = store
            .memory_missing_vectors(agent, &key, BACKFILL)
            .await
            .map_err(|e| e.to_string())?;
        if rows.is_empty() {
            return Ok(total);
        }
        let mut chunks: Vec<NewChunk> = rows
            .iter()
            .map(|(_, h, t)| NewChunk {
                start_line: 0,
                end_line: 0,
                hash: h.clone(),
                text: t.clone(),
                fts_body: String::new(),
                embedding: None,
            })
            .collect();
        embed_chunks(e, store, &mut chunks).await?;
        let vectors: Vec<(i64, Vec<f32>)> = rows
            .iter()
            .zip(chunks)
            .filter_map(|((id, _, _), c)| c.embedding.map(|(_, v)| (*id, v)))
            .collect();
        let n = vectors.len();
        total += n;
        store
            .memory_set_vectors(agent, &key, vectors)
            .await
            .map_err(|e| e.to_string())?;
        if n < rows.len() || rows.len() < BACKFILL {
            return Ok(total);
        }
    }
}
