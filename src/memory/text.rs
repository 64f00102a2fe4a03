//! Tokens for the keyword leg, the same at index and at query time.
//!
//! The full-text index is FTS5 with the `unicode61` tokenizer, which splits on spaces and
//! punctuation but keeps a run of Chinese (Japanese, Korean) characters as one token. So
//! before text reaches the index, every CJK run is rewritten as its overlapping bigrams
//! (`项目截止日期` → `项目 目截 截止 止日 日期`), with spaces around the run so that `OpenClaw配置`
//! becomes `OpenClaw 配置`. A query is segmented the same way: a 2-character word is one
//! bigram token, a longer one several, a single character a prefix query over the bigrams.
//! Latin words of 4+ characters are prefix queries too (`deadline` finds `deadlines`).

use std::collections::HashSet;

/// The tokenizer's name in the index identity (a change reindexes).
pub const TOKENIZER: &str = "unicode61+cjk-bigram";

/// Whether `c` is written without spaces between words (Han, kana, Hangul).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF
        | 0xF900..=0xFAFF | 0x20000..=0x2A6DF)
}

/// Approximate tokens of `s`: a CJK character counts one, other characters a quarter.
pub fn estimate_tokens(s: &str) -> usize {
    let (mut cjk, mut other) = (0usize, 0usize);
    for c in s.chars() {
        if is_cjk(c) {
            cjk += 1;
        } else {
            other += 1;
        }
    }
    cjk + other.div_ceil(4)
}

fn push_cjk_run(run: &[char], out: &mut Vec<String>) {
    match run.len() {
        0 => {}
        1 => out.push(run[0].to_string()),
        _ => out.extend(run.windows(2).map(|w| w.iter().collect::<String>())),
    }
}

/// The text's tokens, lower-cased: Latin/digit words and CJK bigrams (single CJK characters
/// standing alone stay single).
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut run: Vec<char> = Vec::new();
    for c in text.chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            run.push(c);
        } else {
            push_cjk_run(&run, &mut out);
            run.clear();
            if c.is_alphanumeric() {
                word.extend(c.to_lowercase());
            } else if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
        }
    }
    push_cjk_run(&run, &mut out);
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// What the full-text index stores for `text` (its tokens separated by spaces).
pub fn index_body(text: &str) -> String {
    tokens(text).join(" ")
}

const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "did", "do", "does", "for", "from", "how",
    "i", "in", "is", "it", "me", "my", "of", "on", "or", "our", "the", "to", "was", "we", "what",
    "when", "where", "which", "who", "why", "with", "you", "your", "的", "了", "是", "吗", "呢",
    "什么", "怎么",
];

/// A query term.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// The token.
    pub text: String,
    /// Matches tokens it begins (single CJK characters, Latin words of 4+ characters).
    pub prefix: bool,
    /// Weight in the coverage score (stop words count little).
    pub weight: f64,
}

/// The distinct terms of a query.
pub fn query_terms(query: &str) -> Vec<Term> {
    let mut seen = HashSet::new();
    let mut terms: Vec<Term> = tokens(query)
        .into_iter()
        .filter(|t| seen.insert(t.clone()))
        .map(|t| {
            let n = t.chars().count();
            let single_cjk = n == 1 && t.chars().all(is_cjk);
            let stop = STOPWORDS.contains(&t.as_str());
            Term {
                prefix: single_cjk || (n >= 4 && !t.chars().any(is_cjk)),
                weight: if stop { 0.2 } else { 1.0 },
                text: t,
            }
        })
        .collect();
    if terms.iter().any(|t| t.weight >= 1.0) {
        terms.retain(|t| t.weight >= 1.0);
    }
    terms
}

/// The FTS5 expression for `terms`: any of them (BM25 ranks chunks with more first).
pub fn fts_query(terms: &[Term]) -> Option<String> {
    if terms.is_empty() {
        return None;
    }
    Some(
        terms
            .iter()
            .map(|t| {
                let quoted = format!("\"{}\"", t.text.replace('"', "\"\""));
                if t.prefix {
                    quoted + "*"
                } else {
                    quoted
                }
            })
            .collect::<Vec<_>>()
            .join(" OR "),
    )
}

/// The share (by weight) of `terms` that `text` contains: 1.0 when all are there.
pub fn coverage(terms: &[Term], text: &str) -> f64 {
    let have: HashSet<String> = tokens(text).into_iter().collect();
    let total: f64 = terms.iter().map(|t| t.weight).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let found: f64 = terms
        .iter()
        .filter(|t| {
            have.contains(&t.text) || (t.prefix && have.iter().any(|h| h.starts_with(&t.text)))
        })
        .map(|t| t.weight)
        .sum();
    found / total
}

/// Token-set similarity of two texts (Jaccard), for de-duplicating results.
pub fn similarity(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let inter = a.intersection(b).count() as f64;
    inter / a.union(b).count() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_runs_become_bigrams_and_split_from_latin() {
        assert_eq!(index_body("OpenClaw配置文件"), "openclaw 配置 置文 文件");
        assert_eq!(index_body("记忆。Deadlines, 2027!"), "记忆 deadlines 2027");
        assert_eq!(index_body("我 爱"), "我 爱");
        assert_eq!(estimate_tokens("项目abcd"), 3);
    }

    #[test]
    fn queries_drop_stop_words_and_cover() {
        let t = query_terms("What is the project deadline?");
        let names: Vec<_> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(names, ["project", "deadline"]);
        assert_eq!(fts_query(&t).unwrap(), "\"project\"* OR \"deadline\"*");
        assert_eq!(coverage(&t, "Project deadlines: Jan 15"), 1.0);
        assert_eq!(coverage(&query_terms("记忆 配置"), "配置文件在这里"), 0.5);
        assert_eq!(fts_query(&query_terms("记")).unwrap(), "\"记\"*");
    }
}
