//! Splitting a reply into messages that fit a platform's limit (Telegram 4096, Discord 2000,
//! Slack 40 000 characters), preferring paragraph, then line, then word boundaries.

/// Splits `text` into pieces of at most `limit` characters (Unicode scalar values). A piece
/// ends at the last blank line, else newline, else space inside the window; a word longer
/// than the limit is cut. Whitespace at the cut is dropped; nothing else is lost.
pub fn chunk_text(text: &str, limit: usize) -> Vec<String> {
    let limit = limit.max(1);
    let mut out = Vec::new();
    let mut rest = text.trim_end();
    while !rest.is_empty() {
        if rest.chars().count() <= limit {
            out.push(rest.to_string());
            break;
        }
        // Byte offset just past the `limit`-th character.
        let window_end = rest
            .char_indices()
            .nth(limit)
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        let window = &rest[..window_end];
        let cut = window
            .rfind("\n\n")
            .or_else(|| window.rfind('\n'))
            .or_else(|| window.rfind(' '))
            .filter(|&i| i > 0)
            .unwrap_or(window_end);
        let piece = rest[..cut].trim_end();
        if !piece.is_empty() {
            out.push(piece.to_string());
        }
        rest = rest[cut..].trim_start();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_one_piece() {
        assert_eq!(chunk_text("hello", 10), vec!["hello"]);
        assert!(chunk_text("   ", 10).is_empty());
    }

    #[test]
    fn paragraphs_are_preferred_over_lines_and_words() {
        let t = "aaaa bbbb\n\ncccc dddd\neeee";
        assert_eq!(chunk_text(t, 12), vec!["aaaa bbbb", "cccc dddd", "eeee"]);
    }

    #[test]
    fn words_longer_than_the_limit_are_cut() {
        assert_eq!(chunk_text("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        let t = "é".repeat(10);
        let parts = chunk_text(&t, 4);
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| p.chars().count() <= 4));
        assert_eq!(parts.concat(), t);
    }

    #[test]
    fn every_piece_fits_and_no_words_are_lost() {
        let words: Vec<String> = (0..2000).map(|i| format!("w{i}")).collect();
        let text = words.join(" ");
        let parts = chunk_text(&text, 4096);
        assert!(parts.len() >= 3);
        assert!(parts.iter().all(|p| p.chars().count() <= 4096));
        assert_eq!(parts.join(" "), text);
    }
}
