//! The memory index in SQLite: `memory_files`, `memory_chunks` (text, line range, hash,
//! embedding as little-endian `f32`s), the FTS5 table `memory_fts` (rowid = chunk id, BM25,
//! `unicode61` over text the caller pre-segmented) and `memory_embedding_cache`.
//!
//! The agent id is an indexed FTS5 column, matched as a phrase AND-ed with the query (a
//! doclist intersection, not a per-row filter), with weight 0 in BM25; the best rows are
//! picked inside FTS5 before they are joined to their chunks.

use super::{SqliteStore, StoreError};
use crate::storage::{
    now_ms, MemoryChunk, MemoryCounts, MemoryFile, MemoryIndex, NewChunk, StoreFuture, TextHit,
};
use rusqlite::{params, Connection};

fn blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|f| f.to_le_bytes()).collect()
}

fn floats(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

const CHUNK_COLS: &str = "c.id, c.path, c.source, c.start_line, c.end_line, c.hash, c.text";

fn chunk_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MemoryChunk> {
    Ok(MemoryChunk {
        id: r.get(0)?,
        path: r.get(1)?,
        source: r.get(2)?,
        start_line: r.get(3)?,
        end_line: r.get(4)?,
        hash: r.get(5)?,
        text: r.get(6)?,
    })
}

fn delete_file(tx: &Connection, agent: &str, path: &str) -> Result<(), StoreError> {
    tx.prepare_cached(
        "DELETE FROM memory_fts WHERE rowid IN (SELECT id FROM memory_chunks WHERE agent = ?1 AND path = ?2)",
    )?
    .execute(params![agent, path])?;
    tx.prepare_cached("DELETE FROM memory_chunks WHERE agent = ?1 AND path = ?2")?
        .execute(params![agent, path])?;
    tx.prepare_cached("DELETE FROM memory_files WHERE agent = ?1 AND path = ?2")?
        .execute(params![agent, path])?;
    Ok(())
}

impl SqliteStore {
    fn memory_files_now(&self, agent: &str) -> Result<Vec<MemoryFile>, StoreError> {
        let c = self.conn()?;
        let mut st = c.prepare_cached(
            "SELECT path, source, hash, mtime, size FROM memory_files WHERE agent = ?1 ORDER BY path",
        )?;
        let rows = st.query_map(params![agent], |r| {
            Ok(MemoryFile {
                path: r.get(0)?,
                source: r.get(1)?,
                hash: r.get(2)?,
                mtime: r.get(3)?,
                size: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn memory_put_file_now(
        &self,
        agent: &str,
        file: &MemoryFile,
        chunks: &[NewChunk],
    ) -> Result<Vec<i64>, StoreError> {
        self.write(|tx| {
            delete_file(tx, agent, &file.path)?;
            tx.prepare_cached("INSERT INTO memory_files(agent, path, source, hash, mtime, size) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
                .execute(params![agent, file.path, file.source, file.hash, file.mtime, file.size])?;
            let now = now_ms();
            let mut ids = Vec::with_capacity(chunks.len());
            let mut ins = tx.prepare_cached("INSERT INTO memory_chunks(agent, path, source, start_line, end_line, hash, text, model, embedding, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")?;
            let mut fts =
                tx.prepare_cached("INSERT INTO memory_fts(rowid, body, agent) VALUES (?1, ?2, ?3)")?;
            for ch in chunks {
                let (model, emb) = match &ch.embedding {
                    Some((m, v)) => (Some(m.as_str()), Some(blob(v))),
                    None => (None, None),
                };
                ins.execute(params![
                    agent,
                    file.path,
                    file.source,
                    ch.start_line,
                    ch.end_line,
                    ch.hash,
                    ch.text,
                    model,
                    emb,
                    now
                ])?;
                let id = tx.last_insert_rowid();
                fts.execute(params![id, ch.fts_body, agent])?;
                ids.push(id);
            }
            Ok(ids)
        })
    }

    fn memory_text_search_now(
        &self,
        agent: &str,
        query: &str,
        limit: usize,
    ) -> Result<Vec<TextHit>, StoreError> {
        let c = self.conn()?;
        let expr = format!(
            "agent : \"{}\" AND body : ({query})",
            agent.replace('"', "\"\"")
        );
        let mut st = c.prepare_cached(&format!(
            "SELECT {CHUNK_COLS}, h.r FROM (SELECT rowid AS id, bm25(memory_fts, 1.0, 0.0) AS r FROM memory_fts WHERE memory_fts MATCH ?1 ORDER BY r LIMIT ?2) h JOIN memory_chunks c ON c.id = h.id ORDER BY h.r"
        ))?;
        let rows = st.query_map(params![expr, limit as i64], |r| {
            Ok(TextHit {
                chunk: chunk_from_row(r)?,
                bm25: -r.get::<_, f64>(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn memory_chunks_now(&self, agent: &str, ids: &[i64]) -> Result<Vec<MemoryChunk>, StoreError> {
        let c = self.conn()?;
        let mut st = c.prepare_cached(&format!(
            "SELECT {CHUNK_COLS} FROM memory_chunks c WHERE c.id = ?1 AND c.agent = ?2"
        ))?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let mut rows = st.query_map(params![id, agent], chunk_from_row)?;
            if let Some(row) = rows.next() {
                out.push(row?);
            }
        }
        Ok(out)
    }

    fn memory_file_chunks_now(
        &self,
        agent: &str,
        path: &str,
    ) -> Result<Vec<MemoryChunk>, StoreError> {
        let c = self.conn()?;
        let mut st = c.prepare_cached(&format!(
            "SELECT {CHUNK_COLS} FROM memory_chunks c WHERE c.agent = ?1 AND c.path = ?2 ORDER BY c.start_line, c.id"
        ))?;
        let rows = st.query_map(params![agent, path], chunk_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn memory_vectors_now(
        &self,
        agent: &str,
        model: &str,
    ) -> Result<Vec<(i64, String, Vec<f32>)>, StoreError> {
        let c = self.conn()?;
        let mut st = c.prepare_cached(
            "SELECT id, path, embedding FROM memory_chunks WHERE agent = ?1 AND model = ?2 AND embedding IS NOT NULL",
        )?;
        let rows = st.query_map(params![agent, model], |r| {
            Ok((r.get(0)?, r.get(1)?, floats(&r.get::<_, Vec<u8>>(2)?)))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn memory_missing_now(
        &self,
        agent: &str,
        model: &str,
        limit: usize,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        let c = self.conn()?;
        let mut st = c.prepare_cached(
            "SELECT id, hash, text FROM memory_chunks WHERE agent = ?1 AND (model IS NULL OR model != ?2 OR embedding IS NULL) ORDER BY id LIMIT ?3",
        )?;
        let rows = st.query_map(params![agent, model, limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn memory_set_vectors_now(
        &self,
        agent: &str,
        model: &str,
        vectors: &[(i64, Vec<f32>)],
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let mut st = tx.prepare_cached(
                "UPDATE memory_chunks SET model = ?3, embedding = ?4 WHERE id = ?1 AND agent = ?2",
            )?;
            for (id, v) in vectors {
                st.execute(params![id, agent, model, blob(v)])?;
            }
            Ok(())
        })
    }

    fn memory_cache_get_now(
        &self,
        model: &str,
        hashes: &[String],
    ) -> Result<Vec<(String, Vec<f32>)>, StoreError> {
        let c = self.conn()?;
        let mut st = c.prepare_cached(
            "SELECT embedding FROM memory_embedding_cache WHERE model = ?1 AND hash = ?2",
        )?;
        let mut out = Vec::new();
        for h in hashes {
            let mut rows = st.query_map(params![model, h], |r| r.get::<_, Vec<u8>>(0))?;
            if let Some(b) = rows.next() {
                out.push((h.clone(), floats(&b?)));
            }
        }
        Ok(out)
    }

    fn memory_cache_put_now(
        &self,
        model: &str,
        entries: &[(String, Vec<f32>)],
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let now = now_ms();
            let mut st = tx.prepare_cached("INSERT INTO memory_embedding_cache(model, hash, embedding, updated_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(model, hash) DO UPDATE SET embedding = excluded.embedding, updated_at = excluded.updated_at")?;
            for (h, v) in entries {
                st.execute(params![model, h, blob(v), now])?;
            }
            Ok(())
        })
    }

    fn memory_counts_now(&self, agent: &str, model: &str) -> Result<MemoryCounts, StoreError> {
        let c = self.conn()?;
        let files = c
            .prepare_cached("SELECT COUNT(*) FROM memory_files WHERE agent = ?1")?
            .query_row(params![agent], |r| r.get(0))?;
        let (chunks, vectors) = c
            .prepare_cached("SELECT COUNT(*), COALESCE(SUM(model = ?2 AND embedding IS NOT NULL), 0) FROM memory_chunks WHERE agent = ?1")?
            .query_row(params![agent, model], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(MemoryCounts {
            files,
            chunks,
            vectors,
        })
    }
}

fn ready<T: Send + 'static>(r: Result<T, StoreError>) -> StoreFuture<T> {
    Box::pin(std::future::ready(r))
}

impl MemoryIndex for SqliteStore {
    fn memory_files(&self, agent: &str) -> StoreFuture<Vec<MemoryFile>> {
        ready(self.memory_files_now(agent))
    }
    fn memory_put_file(
        &self,
        agent: &str,
        file: MemoryFile,
        chunks: Vec<NewChunk>,
    ) -> StoreFuture<Vec<i64>> {
        ready(self.memory_put_file_now(agent, &file, &chunks))
    }
    fn memory_remove_file(&self, agent: &str, path: &str) -> StoreFuture<()> {
        ready(self.write(|tx| delete_file(tx, agent, path)))
    }
    fn memory_clear(&self, agent: &str) -> StoreFuture<()> {
        ready(self.write(|tx| {
            tx.execute(
                "DELETE FROM memory_fts WHERE rowid IN (SELECT id FROM memory_chunks WHERE agent = ?1)",
                params![agent],
            )?;
            tx.execute("DELETE FROM memory_chunks WHERE agent = ?1", params![agent])?;
            tx.execute("DELETE FROM memory_files WHERE agent = ?1", params![agent])?;
            Ok(())
        }))
    }
    fn memory_text_search(
        &self,
        agent: &str,
        query: &str,
        limit: usize,
    ) -> StoreFuture<Vec<TextHit>> {
        ready(self.memory_text_search_now(agent, query, limit))
    }
    fn memory_chunks(&self, agent: &str, ids: Vec<i64>) -> StoreFuture<Vec<MemoryChunk>> {
        ready(self.memory_chunks_now(agent, &ids))
    }
    fn memory_file_chunks(&self, agent: &str, path: &str) -> StoreFuture<Vec<MemoryChunk>> {
        ready(self.memory_file_chunks_now(agent, path))
    }
    fn memory_vectors(
        &self,
        agent: &str,
        model: &str,
    ) -> StoreFuture<Vec<(i64, String, Vec<f32>)>> {
        let (s, agent, model) = (self.clone(), agent.to_string(), model.to_string());
        self.inner
            .readers
            .run(move || s.memory_vectors_now(&agent, &model))
    }
    fn memory_missing_vectors(
        &self,
        agent: &str,
        model: &str,
        limit: usize,
    ) -> StoreFuture<Vec<(i64, String, String)>> {
        ready(self.memory_missing_now(agent, model, limit))
    }
    fn memory_set_vectors(
        &self,
        agent: &str,
        model: &str,
        vectors: Vec<(i64, Vec<f32>)>,
    ) -> StoreFuture<()> {
        ready(self.memory_set_vectors_now(agent, model, &vectors))
    }
    fn memory_cache_get(
        &self,
        model: &str,
        hashes: Vec<String>,
    ) -> StoreFuture<Vec<(String, Vec<f32>)>> {
        ready(self.memory_cache_get_now(model, &hashes))
    }
    fn memory_cache_put(&self, model: &str, entries: Vec<(String, Vec<f32>)>) -> StoreFuture<()> {
        ready(self.memory_cache_put_now(model, &entries))
    }
    fn memory_counts(&self, agent: &str, model: &str) -> StoreFuture<MemoryCounts> {
        ready(self.memory_counts_now(agent, model))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(text: &str) -> NewChunk {
        NewChunk {
            start_line: 1,
            end_line: 2,
            hash: format!("h-{text}"),
            text: text.into(),
            fts_body: text.into(),
            embedding: Some(("m".into(), vec![1.0, 0.5])),
        }
    }

    #[actix_rt::test]
    async fn files_chunks_search_vectors_and_cache_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let (s, _) = SqliteStore::open(dir.path()).unwrap();
        let file = MemoryFile {
            path: "MEMORY.md".into(),
            source: "memory".into(),
            hash: "x".into(),
            mtime: 1,
            size: 2,
        };
        let ids = s
            .memory_put_file(
                "main",
                file.clone(),
                vec![chunk("alpha beta"), chunk("gamma")],
            )
            .await
            .unwrap();
        assert_eq!(ids.len(), 2);
        let hits = s.memory_text_search("main", "\"beta\"", 5).await.unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].chunk.text, "alpha beta");
        assert!(s
            .memory_text_search("other", "\"beta\"", 5)
            .await
            .unwrap()
            .is_empty());
        // The agent's id is not searchable text.
        assert!(s
            .memory_text_search("main", "\"main\"", 5)
            .await
            .unwrap()
            .is_empty());
        let v = s.memory_vectors("main", "m").await.unwrap();
        assert_eq!(v[0].2, vec![1.0, 0.5]);
        // Replacing the file replaces its chunks.
        s.memory_put_file("main", file, vec![chunk("delta")])
            .await
            .unwrap();
        assert!(s
            .memory_text_search("main", "\"beta\"", 5)
            .await
            .unwrap()
            .is_empty());
        let counts = s.memory_counts("main", "m").await.unwrap();
        assert_eq!((counts.files, counts.chunks, counts.vectors), (1, 1, 1));
        s.memory_cache_put("m", vec![("h".into(), vec![0.25])])
            .await
            .unwrap();
        assert_eq!(
            s.memory_cache_get("m", vec!["h".into(), "nope".into()])
                .await
                .unwrap(),
            vec![("h".to_string(), vec![0.25])]
        );
        s.memory_clear("main").await.unwrap();
        assert!(s.memory_files("main").await.unwrap().is_empty());
    }
}
