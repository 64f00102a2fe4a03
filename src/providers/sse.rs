//! The single upstream Server-Sent-Events decoder.
//!
//! Fed raw bytes as they arrive, it yields complete events. It copes with `\r\n` and `\n`
//! line endings, comment lines (`: keep-alive`), `data:` with or without the space, `event:`
//! lines, multi-line `data:` fields, very long lines, events split at any byte (including inside
//! a UTF-8 sequence) and a final event without a trailing blank line.
//!
//! Memory is bounded: an unterminated line, or an event's joined `data`, longer than
//! [`MAX_EVENT_BYTES`] makes the decoder [`SseDecoder::overflowed`] (the caller fails the
//! stream) instead of buffering whatever a broken or hostile upstream keeps sending.

/// Largest line or event `data` accepted (an upstream chunk is a few hundred bytes; a whole
/// non-streamed reply a few hundred KiB).
pub const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// One decoded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// `event:` field (empty when absent).
    pub event: String,
    /// `data:` lines joined with `\n`.
    pub data: String,
}

/// Incremental SSE decoder.
#[derive(Debug, Default)]
pub struct SseDecoder {
    buf: Vec<u8>,
    /// Bytes of `buf` already searched for a line end (a very long line arriving in many small
    /// reads is then scanned once, not once per read).
    scanned: usize,
    event: String,
    data: String,
    has_data: bool,
    overflowed: bool,
}

impl SseDecoder {
    /// A fresh decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a line or an event grew past [`MAX_EVENT_BYTES`]; the decoder then ignores
    /// further input.
    pub fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// Feeds bytes; pushes every completed event into `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<SseEvent>) {
        if self.overflowed {
            return;
        }
        self.buf.extend_from_slice(bytes);
        let mut start = 0;
        let mut from = self.scanned;
        while let Some(rel) = self.buf[from..].iter().position(|b| *b == b'\n') {
            let end = from + rel;
            from = end + 1;
            let line_end = if end > start && self.buf[end - 1] == b'\r' {
                end - 1
            } else {
                end
            };
            let line = String::from_utf8_lossy(&self.buf[start..line_end]).into_owned();
            self.line(&line, out);
            start = end + 1;
        }
        self.buf.drain(..start);
        self.scanned = self.buf.len();
        if self.buf.len() > MAX_EVENT_BYTES || self.data.len() > MAX_EVENT_BYTES {
            self.overflowed = true;
            self.buf = Vec::new();
            self.data = String::new();
        }
    }

    /// Flushes a final event that was not followed by a blank line.
    pub fn finish(&mut self, out: &mut Vec<SseEvent>) {
        if self.overflowed {
            return;
        }
        if !self.buf.is_empty() {
            let rest = String::from_utf8_lossy(&self.buf)
                .trim_end_matches('\r')
                .to_string();
            self.buf.clear();
            self.scanned = 0;
            self.line(&rest, out);
        }
        self.dispatch(out);
    }

    fn line(&mut self, line: &str, out: &mut Vec<SseEvent>) {
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.find(':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (line, ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        if self.has_data {
            out.push(SseEvent {
                event: std::mem::take(&mut self.event),
                data: std::mem::take(&mut self.data),
            });
        } else {
            self.event.clear();
        }
        self.has_data = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_pieces(input: &[u8], piece: usize) -> Vec<SseEvent> {
        let mut d = SseDecoder::new();
        let mut out = vec![];
        for chunk in input.chunks(piece) {
            d.feed(chunk, &mut out);
        }
        d.finish(&mut out);
        out
    }

    #[test]
    fn an_endless_line_or_event_overflows_instead_of_growing() {
        let piece = vec![b'x'; 64 * 1024];
        let mut d = SseDecoder::new();
        let mut out = vec![];
        d.feed(b"data: ", &mut out);
        let mut fed = 0;
        while !d.overflowed() && fed <= MAX_EVENT_BYTES + piece.len() {
            d.feed(&piece, &mut out);
            fed += piece.len();
        }
        assert!(
            d.overflowed(),
            "an unterminated line past the limit overflows"
        );
        assert!(d.buf.capacity() == 0 && out.is_empty());
        d.feed(b"\n\ndata: late\n\n", &mut out);
        d.finish(&mut out);
        assert!(out.is_empty(), "nothing is decoded after an overflow");

        // Many short data lines of one event add up the same way.
        let mut d = SseDecoder::new();
        let line = format!("data: {}\n", "y".repeat(1024));
        let block = line.repeat(1024);
        let mut n = 0;
        while !d.overflowed() && n < 20 {
            d.feed(block.as_bytes(), &mut out);
            n += 1;
        }
        assert!(d.overflowed() && out.is_empty());
        // An ordinary stream is unaffected.
        assert_eq!(decode_in_pieces(b"data: a\n\ndata: b\n\n", 3).len(), 2);
    }

    #[test]
    fn decodes_events_split_at_every_byte() {
        let input = ": keep-alive\r\n\r\nevent: message_start\r\ndata: {\"a\":1}\r\n\r\ndata: héllo\ndata: world\n\ndata: [DONE]";
        for piece in 1..8 {
            let ev = decode_in_pieces(input.as_bytes(), piece);
            assert_eq!(
                ev,
                vec![
                    SseEvent {
                        event: "message_start".into(),
                        data: "{\"a\":1}".into()
                    },
                    SseEvent {
                        event: String::new(),
                        data: "héllo\nworld".into()
                    },
                    SseEvent {
                        event: String::new(),
                        data: "[DONE]".into()
                    },
                ],
                "piece size {piece}"
            );
        }
    }

    #[test]
    fn a_long_line_in_tiny_reads_is_scanned_once() {
        // Each read is searched for a line end from where the previous one stopped, so a
        // line of n bytes in reads of k costs O(n), not O(n²/k).
        let mut d = SseDecoder::new();
        let mut out = vec![];
        d.feed(b"data: ", &mut out);
        let piece = [b'z'; 256];
        for i in 1..=4096 {
            let before = d.scanned;
            d.feed(&piece, &mut out);
            assert_eq!(
                before,
                d.buf.len() - piece.len(),
                "read {i} starts at the new bytes"
            );
            assert_eq!(d.scanned, d.buf.len());
        }
        d.feed(b"\n\n", &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].data.len(), 4096 * 256);
        assert_eq!((d.buf.len(), d.scanned), (0, 0));
    }

    #[test]
    fn comments_and_empty_events_yield_nothing() {
        assert!(decode_in_pieces(b": ping\n\n: ping\n\nevent: x\n\n", 3).is_empty());
    }

    #[test]
    fn data_without_a_space_and_a_long_line_in_small_reads() {
        let long = "x".repeat(1 << 20);
        let input = format!("event:delta\r\ndata:{long}\r\n\r\n:ping\r\n\r\ndata:[DONE]\r\n\r\n");
        let ev = decode_in_pieces(input.as_bytes(), 1000);
        assert_eq!(ev.len(), 2);
        assert_eq!((ev[0].event.as_str(), ev[0].data.len()), ("delta", 1 << 20));
        assert_eq!(ev[1].data, "[DONE]");
    }
}
