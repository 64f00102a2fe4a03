//! The memory index in PostgreSQL: `memory_files`, `memory_chunks` (text, line range, hash,
//! embedding as little-endian `f32`s in `BYTEA`, and a generated `tsvector` over the
//! pre-segmented `fts_body` with the `simple` configuration, GIN-indexed) and
//! `memory_embedding_cache`.
//!
//! The memory service writes its keyword queries in FTS5 syntax (quoted terms, `*` for a
//! prefix, joined by `OR`, see `crate::memory::text::fts_query`); [`tsquery`] maps them to a
//! `to_tsquery('simple', …)` expression (`'term' | 'pre':*`), and hits are ranked by
//! `ts_rank`. CJK text needs no trigram fallback: the caller indexes and queries CJK runs as
//! overlapping bigrams, which are ordinary lexemes here.

use super::{pg_err, PgStore};
use crate::storage::{
    now_ms, MemoryChunk, MemoryCounts, MemoryFile, MemoryIndex, NewChunk, StoreError, StoreFuture,
    TextHit,
};
use deadpool_postgres::GenericClient;
use std::collections::HashMap;

fn blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|f| f.to_le_bytes()).collect()
}

fn floats(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

const CHUNK_COLS: &str = "id, path, source, start_line, end_line, hash, text";

fn chunk_from_row(r: &tokio_postgres::Row) -> MemoryChunk {
    MemoryChunk {
        id: r.get(0),
        path: r.get(1),
        source: r.get(2),
        start_line: r.get(3),
        end_line: r.get(4),
        hash: r.get(5),
        text: r.get(6),
    }
}

/// Maps an FTS5 expression of quoted terms (`"a" OR "bc"*`) to a `to_tsquery` text that
/// matches any of them (`'a' | 'bc':*`); bare words are taken as terms too. `None` when the
/// expression holds no term.
pub fn tsquery(fts5: &str) -> Option<String> {
    let mut terms: Vec<String> = Vec::new();
    let mut chars = fts5.chars().peekable();
    while let Some(c) = chars.next() {
        let word = if c == '"' {
            let mut w = String::new();
            while let Some(c) = chars.next() {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        w.push('"');
                    } else {
                        break;
                    }
                } else {
                    w.push(c);
                }
            }
            w
        } else if c.is_alphanumeric() {
            let mut w = String::from(c);
            while let Some(&c) = chars.peek() {
                if !c.is_alphanumeric() {
                    break;
                }
                w.push(c);
                chars.next();
            }
            if matches!(w.as_str(), "OR" | "AND" | "NOT" | "NEAR") {
                continue;
            }
            w
        } else {
            continue;
        };
        let prefix = chars.peek() == Some(&'*');
        if prefix {
            chars.next();
        }
        let word = word.trim();
        if word.is_empty() {
            continue;
        }
        let quoted = format!("'{}'", word.replace('\\', "\\\\").replace('\'', "''"));
        terms.push(if prefix { quoted + ":*" } else { quoted });
    }
    (!terms.is_empty()).then(|| terms.join(" | "))
}

async fn delete_file<C: GenericClient>(c: &C, agent: &str, path: &str) -> Result<(), StoreError> {
    c.execute(
        "DELETE FROM memory_chunks WHERE agent = $1 AND path = $2",
        &[&agent, &path],
    )
    .await
    .map_err(pg_err)?;
    c.execute(
        "DELETE FROM memory_files WHERE agent = $1 AND path = $2",
        &[&agent, &path],
    )
    .await
    .map_err(pg_err)?;
    Ok(())
}

impl MemoryIndex for PgStore {
    fn memory_files(&self, agent: &str) -> StoreFuture<Vec<MemoryFile>> {
        let agent = agent.to_string();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("SELECT path, source, hash, mtime, size FROM memory_files WHERE agent = $1 ORDER BY path")
                .await
                .map_err(pg_err)?;
            let rows = c.query(&st, &[&agent]).await.map_err(pg_err)?;
            Ok(rows
                .iter()
                .map(|r| MemoryFile {
                    path: r.get(0),
                    source: r.get(1),
                    hash: r.get(2),
                    mtime: r.get(3),
                    size: r.get(4),
                })
                .collect())
        })
    }

    fn memory_put_file(
        &self,
        agent: &str,
        file: MemoryFile,
        chunks: Vec<NewChunk>,
    ) -> StoreFuture<Vec<i64>> {
        let agent = agent.to_string();
        self.run(move |s| async move {
            let mut c = s.conn().await?;
            let tx = c.transaction().await.map_err(pg_err)?;
            delete_file(&tx, &agent, &file.path).await?;
            tx.execute(
                "INSERT INTO memory_files(agent, path, source, hash, mtime, size) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&agent, &file.path, &file.source, &file.hash, &file.mtime, &file.size],
            )
            .await
            .map_err(pg_err)?;
            let now = now_ms();
            let ins = tx
                .prepare_cached("INSERT INTO memory_chunks(agent, path, source, start_line, end_line, hash, text, fts_body, model, embedding, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id")
                .await
                .map_err(pg_err)?;
            let mut ids = Vec::with_capacity(chunks.len());
            for ch in &chunks {
                let (model, emb) = match &ch.embedding {
                    Some((m, v)) => (Some(m.as_str()), Some(blob(v))),
                    None => (None, None),
                };
                let row = tx
                    .query_one(
                        &ins,
                        &[
                            &agent,
                            &file.path,
                            &file.source,
                            &ch.start_line,
                            &ch.end_line,
                            &ch.hash,
                            &ch.text,
                            &ch.fts_body,
                            &model,
                            &emb,
                            &now,
                        ],
                    )
                    .await
                    .map_err(pg_err)?;
                ids.push(row.get(0));
            }
            s.commit(tx).await?;
            Ok(ids)
        })
    }

    fn memory_remove_file(&self, agent: &str, path: &str) -> StoreFuture<()> {
        let (agent, path) = (agent.to_string(), path.to_string());
        self.run(move |s| async move {
            let mut c = s.conn().await?;
            let tx = c.transaction().await.map_err(pg_err)?;
            delete_file(&tx, &agent, &path).await?;
            s.commit(tx).await
        })
    }

    fn memory_clear(&self, agent: &str) -> StoreFuture<()> {
        let agent = agent.to_string();
        self.run(move |s| async move {
            let mut c = s.conn().await?;
            let tx = c.transaction().await.map_err(pg_err)?;
            tx.execute("DELETE FROM memory_chunks WHERE agent = $1", &[&agent])
                .await
                .map_err(pg_err)?;
            tx.execute("DELETE FROM memory_files WHERE agent = $1", &[&agent])
                .await
                .map_err(pg_err)?;
            s.commit(tx).await
        })
    }

    fn memory_text_search(
        &self,
        agent: &str,
        query: &str,
        limit: usize,
    ) -> StoreFuture<Vec<TextHit>> {
        let (agent, query) = (agent.to_string(), tsquery(query));
        self.run(move |s| async move {
            let Some(query) = query else {
                return Ok(Vec::new());
            };
            let c = s.conn().await?;
            let st = c
                .prepare_cached(&format!(
                    "SELECT {CHUNK_COLS}, ts_rank(tsv, q)::FLOAT8 AS r FROM memory_chunks, to_tsquery('simple', $2) q WHERE agent = $1 AND tsv @@ q ORDER BY r DESC, id LIMIT $3"
                ))
                .await
                .map_err(pg_err)?;
            let rows = c
                .query(&st, &[&agent, &query, &(limit as i64)])
                .await
                .map_err(pg_err)?;
            Ok(rows
                .iter()
                .map(|r| TextHit {
                    chunk: chunk_from_row(r),
                    bm25: r.get(7),
                })
                .collect())
        })
    }

    fn memory_chunks(&self, agent: &str, ids: Vec<i64>) -> StoreFuture<Vec<MemoryChunk>> {
        let agent = agent.to_string();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached(&format!(
                    "SELECT {CHUNK_COLS} FROM memory_chunks WHERE agent = $1 AND id = ANY($2)"
                ))
                .await
                .map_err(pg_err)?;
            let rows = c.query(&st, &[&agent, &ids]).await.map_err(pg_err)?;
            let mut by_id: HashMap<i64, MemoryChunk> = rows
                .iter()
                .map(chunk_from_row)
                .map(|ch| (ch.id, ch))
                .collect();
            Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
        })
    }

    fn memory_file_chunks(&self, agent: &str, path: &str) -> StoreFuture<Vec<MemoryChunk>> {
        let (agent, path) = (agent.to_string(), path.to_string());
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached(&format!(
                    "SELECT {CHUNK_COLS} FROM memory_chunks WHERE agent = $1 AND path = $2 ORDER BY start_line, id"
                ))
                .await
                .map_err(pg_err)?;
            let rows = c.query(&st, &[&agent, &path]).await.map_err(pg_err)?;
            Ok(rows.iter().map(chunk_from_row).collect())
        })
    }

    fn memory_vectors(
        &self,
        agent: &str,
        model: &str,
    ) -> StoreFuture<Vec<(i64, String, Vec<f32>)>> {
        let (agent, model) = (agent.to_string(), model.to_string());
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("SELECT id, path, embedding FROM memory_chunks WHERE agent = $1 AND model = $2 AND embedding IS NOT NULL")
                .await
                .map_err(pg_err)?;
            let rows = c.query(&st, &[&agent, &model]).await.map_err(pg_err)?;
            Ok(rows
                .iter()
                .map(|r| (r.get(0), r.get(1), floats(r.get::<_, &[u8]>(2))))
                .collect())
        })
    }

    fn memory_missing_vectors(
        &self,
        agent: &str,
        model: &str,
        limit: usize,
    ) -> StoreFuture<Vec<(i64, String, String)>> {
        let (agent, model) = (agent.to_string(), model.to_string());
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("SELECT id, hash, text FROM memory_chunks WHERE agent = $1 AND (model IS NULL OR model <> $2 OR embedding IS NULL) ORDER BY id LIMIT $3")
                .await
                .map_err(pg_err)?;
            let rows = c
                .query(&st, &[&agent, &model, &(limit as i64)])
                .await
                .map_err(pg_err)?;
            Ok(rows
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect())
        })
    }

    fn memory_set_vectors(
        &self,
        agent: &str,
        model: &str,
        vectors: Vec<(i64, Vec<f32>)>,
    ) -> StoreFuture<()> {
        let (agent, model) = (agent.to_string(), model.to_string());
        self.run(move |s| async move {
            let mut c = s.conn().await?;
            let tx = c.transaction().await.map_err(pg_err)?;
            let st = tx
                .prepare_cached("UPDATE memory_chunks SET model = $3, embedding = $4 WHERE id = $1 AND agent = $2")
                .await
                .map_err(pg_err)?;
            for (id, v) in &vectors {
                tx.execute(&st, &[id, &agent, &model, &blob(v)])
                    .await
                    .map_err(pg_err)?;
            }
            s.commit(tx).await
        })
    }

    fn memory_cache_get(
        &self,
        model: &str,
        hashes: Vec<String>,
    ) -> StoreFuture<Vec<(String, Vec<f32>)>> {
        let model = model.to_string();
        self.run(move |s| async move {
            let c = s.conn().await?;
            let st = c
                .prepare_cached("SELECT hash, embedding FROM memory_embedding_cache WHERE model = $1 AND hash = ANY($2)")
                .await
                .map_err(pg_err)?;
            let rows = c.query(&st, &[&model, &hashes]).await.map_err(pg_err)?;
            let mut found: HashMap<String, Vec<f32>> = rows
                .iter()
                .map(|r| (r.get(0), floats(r.get::<_, &[u8]>(1))))
                .collect();
            Ok(hashes
                .into_iter()
                .filter_map(|h| found.remove(&h).map(|v| (h, v)))
                .collect())
        })
    }

    fn memory_cache_put(&self, model: &str, entries: Vec<(String, Vec<f32>)>) -> StoreFuture<()> {
        let model = model.to_string();
        self.run(move |s| async move {
            let mut c = s.conn().await?;
            let tx = c.transaction().await.map_err(pg_err)?;
            let st = tx
                .prepare_cached("INSERT INTO memory_embedding_cache(model, hash, embedding, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (model, hash) DO UPDATE SET embedding = excluded.embedding, updated_at = excluded.updated_at")
                .await
                .map_err(pg_err)?;
            let now = now_ms();
            for (h, v) in &entries {
                tx.execute(&st, &[&model, h, &blob(v), &now])
                    .await
                    .map_err(pg_err)?;
            }
            s.commit(tx).await
        })
    }

    fn memory_counts(&self, agent: &str, model: &str) -> StoreFuture<MemoryCounts> {
        let (agent, model) = (agent.to_string(), model.to_string());
        self.run(move |s| async move {
            let c = s.conn().await?;
            let r = c
                .query_one(
                    "SELECT (SELECT COUNT(*) FROM memory_files WHERE agent = $1), COUNT(*), COUNT(*) FILTER (WHERE model = $2 AND embedding IS NOT NULL) FROM memory_chunks WHERE agent = $1",
                    &[&agent, &model],
                )
                .await
                .map_err(pg_err)?;
            Ok(MemoryCounts {
                files: r.get(0),
                chunks: r.get(1),
                vectors: r.get(2),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::tsquery;

    #[test]
    fn fts5_terms_become_an_any_of_tsquery() {
        assert_eq!(
            tsquery(r#""deadline"* OR "项目" OR "a""b""#).as_deref(),
            Some(r#"'deadline':* | '项目' | 'a"b'"#)
        );
        assert_eq!(tsquery("it's").as_deref(), Some("'it' | 's'"));
        assert_eq!(tsquery(r#""o'neil""#).as_deref(), Some("'o''neil'"));
        assert_eq!(tsquery(" OR "), None);
    }
}
