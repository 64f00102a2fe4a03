//! What the memory index keeps: indexed files, their chunks (text, line range, content hash,
//! optional embedding), and keyword hits.

/// An indexed memory file.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryFile {
    /// Path as shown to callers (relative to the workspace, or absolute for extra paths).
    pub path: String,
    /// `memory` (workspace files) or `extra` (configured extra paths).
    pub source: String,
    /// SHA-256 of the content (hex).
    pub hash: String,
    /// Modification time (ms since epoch).
    pub mtime: i64,
    /// Size in bytes.
    pub size: i64,
}

/// A chunk to store.
#[derive(Debug, Clone)]
pub struct NewChunk {
    /// First line (1-based).
    pub start_line: i64,
    /// Last line (inclusive).
    pub end_line: i64,
    /// SHA-256 of the text (hex): the embedding cache key.
    pub hash: String,
    /// The text as written.
    pub text: String,
    /// What the full-text index sees (the text pre-segmented by the caller).
    pub fts_body: String,
    /// Embedding, when one was made (with the model that made it).
    pub embedding: Option<(String, Vec<f32>)>,
}

/// A stored chunk.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryChunk {
    /// Row id (changes when its file is reindexed).
    pub id: i64,
    /// File path.
    pub path: String,
    /// File source (`memory`, `extra`).
    pub source: String,
    /// First line (1-based).
    pub start_line: i64,
    /// Last line (inclusive).
    pub end_line: i64,
    /// Content hash.
    pub hash: String,
    /// The text.
    pub text: String,
}

/// A full-text hit.
#[derive(Debug, Clone)]
pub struct TextHit {
    /// The chunk.
    pub chunk: MemoryChunk,
    /// BM25 relevance, larger is better (SQLite's rank negated).
    pub bm25: f64,
}

/// Sizes of an agent's index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryCounts {
    /// Indexed files.
    pub files: i64,
    /// Chunks.
    pub chunks: i64,
    /// Chunks with an embedding of the asked model.
    pub vectors: i64,
}
