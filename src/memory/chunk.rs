//! Line-based Markdown chunking: about `tokens` tokens per chunk (estimated, CJK-aware, see
//! [`super::text::estimate_tokens`]), the last `overlap` tokens' worth of lines repeated at
//! the start of the next chunk, each chunk with its 1-based line range and content hash.

use super::text::estimate_tokens;
use sha2::{Digest, Sha256};

/// One chunk of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// First line (1-based).
    pub start_line: usize,
    /// Last line (inclusive).
    pub end_line: usize,
    /// The lines, joined with `\n`.
    pub text: String,
}

/// SHA-256 of `s`, hex.
pub fn hash(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Splits a line longer than `budget` tokens into pieces of about `budget` tokens.
fn split_long(line: &str, budget: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in line.chars() {
        cur.push(c);
        if estimate_tokens(&cur) >= budget {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

/// Chunks `content` into pieces of about `tokens` tokens with `overlap` tokens of overlap.
pub fn chunk_markdown(content: &str, tokens: usize, overlap: usize) -> Vec<Chunk> {
    let tokens = tokens.max(1);
    // (line number, text piece, estimated tokens)
    let mut pieces: Vec<(usize, String, usize)> = Vec::new();
    for (i, line) in content.lines().enumerate() {
        for piece in split_long(line, tokens) {
            let t = estimate_tokens(&piece).max(1);
            pieces.push((i + 1, piece, t));
        }
    }
    let mut chunks = Vec::new();
    let mut start = 0usize;
    while start < pieces.len() {
        let mut end = start;
        let mut used = 0usize;
        while end < pieces.len() && (end == start || used + pieces[end].2 <= tokens) {
            used += pieces[end].2;
            end += 1;
        }
        let text = pieces[start..end]
            .iter()
            .map(|p| p.1.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        if !text.trim().is_empty() {
            chunks.push(Chunk {
                start_line: pieces[start].0,
                end_line: pieces[end - 1].0,
                text,
            });
        }
        if end >= pieces.len() {
            break;
        }
        // Carry the last `overlap` tokens' worth of pieces into the next chunk, always
        // moving forward.
        let mut back = end;
        let mut carried = 0usize;
        while back > start + 1 && carried + pieces[back - 1].2 <= overlap {
            carried += pieces[back - 1].2;
            back -= 1;
        }
        start = back;
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_keep_line_ranges_and_overlap() {
        let text: String = (1..=100)
            .map(|i| format!("line number {i:03} here\n"))
            .collect();
        // Each line is 20 chars = 5 tokens; 60-token chunks hold 12 lines, 12 tokens overlap = 2.
        let chunks = chunk_markdown(&text, 60, 12);
        assert_eq!(chunks[0].start_line, 1);
        assert_eq!(chunks[0].end_line, 12);
        assert_eq!(chunks[1].start_line, 11);
        assert!(chunks[1].text.starts_with("line number 011"));
        assert_eq!(chunks.last().unwrap().end_line, 100);
    }

    #[test]
    fn cjk_counts_one_token_per_character_and_long_lines_split() {
        let line = "记".repeat(250);
        let chunks = chunk_markdown(&line, 100, 0);
        assert_eq!(chunks.len(), 3);
        assert!(chunks.iter().all(|c| c.start_line == 1 && c.end_line == 1));
        assert_eq!(hash("a").len(), 64);
    }
}
