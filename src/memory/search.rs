//! Retrieval: a keyword leg (FTS5 BM25), a vector leg (cosine over the agent's embeddings),
//! a filename leg (exact path > basename > stem), merged by weight (see [`fuse`]), decayed by age for dated
//! notes only, filtered by `minScore`, de-duplicated by MMR.
//!
//! Keyword scores are normalised into 0..1 so `minScore` means the same on a corpus of ten
//! chunks as on one of a million: `coverage × (0.6 + 0.4 × bm25 / best bm25)`, where coverage
//! is the share of the query's terms the chunk contains (stop words counting little). A chunk
//! with every term scores 0.6..1.0 (1.0 for the best), one with half of them at most 0.5.

use super::embed::Embedder;
use super::text::{self, Term};
use super::{sources, AgentIndex};
use crate::config::MemorySearchConfig;
use crate::storage::{MemoryChunk, Store};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Snippets are cut at this many characters.
pub const SNIPPET_CHARS: usize = 700;

/// One result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hit {
    /// File path.
    pub path: String,
    /// First line (1-based).
    pub start_line: i64,
    /// Last line.
    pub end_line: i64,
    /// Relevance 0..1.
    pub score: f64,
    /// The chunk's text, cut at [`SNIPPET_CHARS`].
    pub snippet: String,
    /// `memory` or `extra`.
    pub source: String,
    /// The chunk's whole text.
    #[serde(skip)]
    pub text: String,
}

/// What a search needs besides the query.
pub struct Params<'a> {
    /// The agent's settings.
    pub settings: &'a MemorySearchConfig,
    /// Results wanted.
    pub max_results: usize,
    /// Lowest score kept.
    pub min_score: f64,
    /// The query's embedding (hybrid mode), if any.
    pub query_vector: Option<Vec<f32>>,
    /// Today (for the age of dated notes).
    pub today: chrono::NaiveDate,
}

struct Cand {
    chunk: MemoryChunk,
    text: f64,
    vector: f64,
    name: f64,
}

fn snippet(s: &str) -> String {
    match s.char_indices().nth(SNIPPET_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The filename leg's score of `path` for `query`.
fn name_score(query: &str, path: &str) -> f64 {
    let q = query.trim().trim_start_matches("./").to_lowercase();
    let p = path.to_lowercase();
    let base = p.rsplit('/').next().unwrap_or(&p);
    let stem = base.strip_suffix(".md").unwrap_or(base);
    if q == p {
        1.0
    } else if q == base {
        0.9
    } else if q == stem {
        0.8
    } else {
        0.0
    }
}

/// Runs a search over `agent`'s index.
pub async fn run(
    store: &Store,
    agent: &AgentIndex,
    query: &str,
    p: Params<'_>,
) -> Result<Vec<Hit>, String> {
    let err = |e: crate::storage::StoreError| e.to_string();
    let pool = (p.max_results * p.settings.candidate_multiplier).max(24);
    let terms: Vec<Term> = text::query_terms(query);
    let mut cands: HashMap<i64, Cand> = HashMap::new();
    if let Some(expr) = text::fts_query(&terms) {
        let hits = store
            .memory_text_search(&agent.id, &expr, pool)
            .await
            .map_err(err)?;
        let best = hits.iter().map(|h| h.bm25).fold(0.0_f64, f64::max);
        for h in hits {
            let rel = if best > 0.0 {
                (h.bm25 / best).max(0.0)
            } else {
                1.0
            };
            let cov = text::coverage(&terms, &h.chunk.text);
            cands.insert(
                h.chunk.id,
                Cand {
                    text: cov * (0.6 + 0.4 * rel),
                    vector: 0.0,
                    name: 0.0,
                    chunk: h.chunk,
                },
            );
        }
    }
    let hybrid = p.query_vector.is_some();
    if let Some(q) = &p.query_vector {
        let set = agent.vectors.read().map(|v| v.clone()).unwrap_or_default();
        let top = set.top(q, pool);
        let need: Vec<i64> = top
            .iter()
            .map(|t| t.0)
            .filter(|id| !cands.contains_key(id))
            .collect();
        let mut fetched: HashMap<i64, MemoryChunk> = store
            .memory_chunks(&agent.id, need)
            .await
            .map_err(err)?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        for (id, s) in top {
            let s = f64::from(s).max(0.0);
            if let Some(c) = cands.get_mut(&id) {
                c.vector = s;
            } else if let Some(chunk) = fetched.remove(&id) {
                cands.insert(
                    id,
                    Cand {
                        chunk,
                        text: 0.0,
                        vector: s,
                        name: 0.0,
                    },
                );
            }
        }
    }
    let files = agent.files.read().map(|f| f.clone()).unwrap_or_default();
    for path in files.iter() {
        let s = name_score(query, path);
        if s <= 0.0 {
            continue;
        }
        let chunks = store
            .memory_file_chunks(&agent.id, path)
            .await
            .map_err(err)?;
        if let Some(first) = chunks.into_iter().next() {
            cands
                .entry(first.id)
                .or_insert(Cand {
                    chunk: first,
                    text: 0.0,
                    vector: 0.0,
                    name: 0.0,
                })
                .name = s;
        }
    }
    let (vw, tw) = (p.settings.vector_weight, p.settings.text_weight);
    let mut scored: Vec<(f64, Cand)> = cands
        .into_values()
        .map(|c| {
            let mut s = if hybrid {
                fuse(c.vector, c.text, vw, tw)
            } else {
                c.text
            };
            s = s.max(c.name);
            if p.settings.decay {
                if let Some(d) = sources::note_date(&c.chunk.path) {
                    let age = (p.today - d).num_days().max(0) as f64;
                    s *= 0.5_f64.powf(age / p.settings.half_life_days);
                }
            }
            (s, c)
        })
        .filter(|(s, _)| *s >= p.min_score)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.chunk.id.cmp(&b.1.chunk.id)));
    let picked = if p.settings.mmr {
        mmr(scored, p.max_results, p.settings.mmr_lambda)
    } else {
        scored.truncate(p.max_results);
        scored
    };
    Ok(picked
        .into_iter()
        .map(|(score, c)| Hit {
            path: c.chunk.path,
            start_line: c.chunk.start_line,
            end_line: c.chunk.end_line,
            score: (score * 1000.0).round() / 1000.0,
            snippet: snippet(&c.chunk.text),
            source: c.chunk.source,
            text: c.chunk.text,
        })
        .collect())
}

/// The hybrid score: a weighted "noisy OR" of the two legs, `1 − (1 − w_v·v)(1 − w_t·t)`
/// with the weights scaled so the larger is 1 (0.7 / 0.3 → 1 / 0.43). Either leg alone can
/// carry a result (a perfect keyword hit with an unrelated vector still scores 0.43, above
/// the default `minScore`), and agreement of both ranks highest.
fn fuse(vector: f64, text: f64, vw: f64, tw: f64) -> f64 {
    let top = vw.max(tw).max(f64::EPSILON);
    1.0 - (1.0 - vw / top * vector) * (1.0 - tw / top * text)
}

/// Maximal marginal relevance: picks `k` by `λ·score − (1−λ)·max similarity to those picked`
/// (token-set similarity), so near-duplicate chunks (overlaps, repeated notes) give way.
fn mmr(pool: Vec<(f64, Cand)>, k: usize, lambda: f64) -> Vec<(f64, Cand)> {
    let sets: Vec<HashSet<String>> = pool
        .iter()
        .map(|(_, c)| text::tokens(&c.chunk.text).into_iter().collect())
        .collect();
    let mut left: Vec<usize> = (0..pool.len()).collect();
    let mut picked: Vec<usize> = Vec::new();
    while picked.len() < k && !left.is_empty() {
        let (best_pos, _) = left
            .iter()
            .enumerate()
            .map(|(pos, &i)| {
                let sim = picked
                    .iter()
                    .map(|&j| text::similarity(&sets[i], &sets[j]))
                    .fold(0.0_f64, f64::max);
                (pos, lambda * pool[i].0 - (1.0 - lambda) * sim)
            })
            .fold((0, f64::MIN), |a, b| if b.1 > a.1 { b } else { a });
        picked.push(left.remove(best_pos));
    }
    let mut slots: Vec<Option<(f64, Cand)>> = pool.into_iter().map(Some).collect();
    picked.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// The query's embedding, or why there is none: `Ok(None)` = keyword only.
pub async fn query_vector(
    embedder: Option<&Embedder>,
    query: &str,
) -> Result<Option<Vec<f32>>, String> {
    match embedder {
        None => Ok(None),
        Some(e) => {
            let mut v = e.embed(&[query.to_string()]).await?;
            Ok(v.pop())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fusion_lets_either_leg_carry_and_rewards_agreement() {
        assert!((fuse(0.0, 1.0, 0.7, 0.3) - 3.0 / 7.0).abs() < 1e-9);
        assert!((fuse(0.8, 0.0, 0.7, 0.3) - 0.8).abs() < 1e-9);
        assert!(fuse(0.8, 1.0, 0.7, 0.3) > fuse(0.8, 0.0, 0.7, 0.3));
        assert!(fuse(0.1, 0.0, 0.7, 0.3) < 0.35);
    }

    #[test]
    fn filename_leg_prefers_exact_path_then_basename_then_stem() {
        assert_eq!(name_score("memory/ops.md", "memory/ops.md"), 1.0);
        assert_eq!(name_score("ops.md", "memory/ops.md"), 0.9);
        assert_eq!(name_score("OPS", "memory/ops.md"), 0.8);
        assert_eq!(name_score("deploy", "memory/ops.md"), 0.0);
    }
}
