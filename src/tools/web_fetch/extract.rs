//! Turning a fetched body into text for the model: HTML to Markdown or plain text (with
//! `html2text`), JSON pretty-printed, anything else as (lossy UTF-8) text; and the character cap.

use html2text::render::TrivialDecorator;

/// How HTML is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtractMode {
    /// Headings, emphasis and links kept as Markdown (the default).
    Markdown,
    /// Plain text, no decoration.
    Text,
}

impl ExtractMode {
    /// `"text"` means text; anything else Markdown, as in OpenClaw.
    pub fn parse(raw: Option<&str>) -> Self {
        match raw {
            Some("text") => ExtractMode::Text,
            _ => ExtractMode::Markdown,
        }
    }

    /// The name the result reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ExtractMode::Markdown => "markdown",
            ExtractMode::Text => "text",
        }
    }
}

/// Readable content of one body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// The text.
    pub text: String,
    /// The HTML `<title>`, if any.
    pub title: Option<String>,
    /// What produced the text: `html2text`, `json` or `raw`.
    pub extractor: &'static str,
}

/// Column width HTML is laid out at (long words may overflow it).
const WIDTH: usize = 200;

/// Extracts readable content from `body` of type `mime` (already normalized).
pub fn extract(body: &[u8], mime: &str, mode: ExtractMode) -> Extracted {
    if mime == "text/html" || mime == "application/xhtml+xml" {
        let rendered = match mode {
            ExtractMode::Markdown => html2text::config::plain()
                .allow_width_overflow()
                .string_from_read(body, WIDTH),
            ExtractMode::Text => html2text::config::with_decorator(TrivialDecorator::new())
                .allow_width_overflow()
                .string_from_read(body, WIDTH),
        };
        if let Ok(text) = rendered {
            return Extracted {
                text: text.trim().to_owned(),
                title: title(&String::from_utf8_lossy(body)),
                extractor: "html2text",
            };
        }
    }
    let raw = String::from_utf8_lossy(body).into_owned();
    if mime == "application/json" {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&raw) {
            return Extracted {
                text: serde_json::to_string_pretty(&v).unwrap_or(raw),
                title: None,
                extractor: "json",
            };
        }
    }
    Extracted {
        text: raw,
        title: None,
        extractor: "raw",
    }
}

/// The text inside the first `<title>` element, whitespace collapsed.
fn title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let t = html[start..end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!t.is_empty()).then_some(t)
}

/// `text` cut to at most `max` characters; `true` when something was cut.
pub fn truncate_chars(text: &str, max: usize) -> (String, bool) {
    match text.char_indices().nth(max) {
        Some((at, _)) => (text[..at].to_owned(), true),
        None => (text.to_owned(), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &[u8] = b"<html><head><title> The  Page </title><style>p{}</style></head>\
        <body><h1>Heading</h1><p>Some <b>bold</b> text.</p><script>var x=1;</script></body></html>";

    #[test]
    fn html_becomes_markdown_or_text_without_scripts() {
        let md = extract(PAGE, "text/html", ExtractMode::Markdown);
        assert_eq!(md.title.as_deref(), Some("The Page"));
        assert_eq!(md.extractor, "html2text");
        assert!(md.text.contains("# Heading"), "{}", md.text);
        assert!(md.text.contains("**bold**"), "{}", md.text);
        assert!(!md.text.contains("var x"), "{}", md.text);
        let text = extract(PAGE, "text/html", ExtractMode::Text);
        assert!(text.text.contains("Some bold text."), "{}", text.text);
        assert!(!text.text.contains('#'), "{}", text.text);
    }

    #[test]
    fn json_is_pretty_printed_and_other_types_kept() {
        let j = extract(br#"{"a":1}"#, "application/json", ExtractMode::Markdown);
        assert_eq!((j.text.as_str(), j.extractor), ("{\n  \"a\": 1\n}", "json"));
        let raw = extract(b"plain", "text/plain", ExtractMode::Markdown);
        assert_eq!((raw.text.as_str(), raw.extractor), ("plain", "raw"));
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate_chars("héllo", 2), ("hé".to_owned(), true));
        assert_eq!(truncate_chars("hé", 2), ("hé".to_owned(), false));
    }
}
