//! Glob patterns for `find` and `grep`'s `glob` filter: `*` (any run within one path
//! segment), `?` (one character, not `/`), `**` (any run, across segments; `**/` may match no
//! directory at all). Everything else matches itself.

/// Whether `path` (relative, `/`-separated) matches `pattern`.
pub fn matches(pattern: &str, path: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = path.chars().collect();
    match_at(&p, &s)
}

fn match_at(p: &[char], s: &[char]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some('*') if p.get(1) == Some(&'*') => {
            let rest = &p[2..];
            if rest.first() == Some(&'/') && match_at(&rest[1..], s) {
                return true;
            }
            (0..=s.len()).any(|i| match_at(rest, &s[i..]))
        }
        Some('*') => {
            let rest = &p[1..];
            for i in 0..=s.len() {
                if match_at(rest, &s[i..]) {
                    return true;
                }
                if s.get(i) == Some(&'/') {
                    break;
                }
            }
            false
        }
        Some('?') => s.first().is_some_and(|c| *c != '/') && match_at(&p[1..], &s[1..]),
        Some(c) => s.first() == Some(c) && match_at(&p[1..], &s[1..]),
    }
}

/// Whether `rel` (its full relative path, or its last segment when the pattern has no `/`)
/// matches `pattern`.
pub fn matches_entry(pattern: &str, rel: &str) -> bool {
    if pattern.contains('/') {
        matches(pattern, rel)
    } else {
        matches(pattern, rel.rsplit('/').next().unwrap_or(rel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(matches("*.rs", "main.rs"));
        assert!(!matches("*.rs", "src/main.rs"));
        assert!(matches("**/*.rs", "src/main.rs"));
        assert!(matches("**/*.rs", "main.rs"));
        assert!(matches("src/**/t?.md", "src/a/b/tx.md"));
        assert!(!matches("src/*.md", "src/a/x.md"));
        assert!(matches_entry("*.md", "docs/readme.md"));
        assert!(!matches_entry("docs/*.rs", "docs/readme.md"));
    }
}
