//! A command's combined stdout/stderr, capped: the most recent [`OutputBuf::cap`] bytes are
//! kept, earlier ones dropped (counted, so offsets into the stream stay absolute).

use std::collections::VecDeque;

/// Capped output of one command.
#[derive(Debug)]
pub struct OutputBuf {
    data: VecDeque<u8>,
    cap: usize,
    dropped: u64,
}

impl OutputBuf {
    /// An empty buffer keeping at most `cap` bytes.
    pub fn new(cap: usize) -> Self {
        OutputBuf {
            data: VecDeque::new(),
            cap,
            dropped: 0,
        }
    }

    /// Appends `bytes`, dropping the oldest beyond the cap.
    pub fn push(&mut self, bytes: &[u8]) {
        self.data.extend(bytes);
        let over = self.data.len().saturating_sub(self.cap);
        if over > 0 {
            self.data.drain(..over);
            self.dropped += over as u64;
        }
    }

    /// Bytes written so far (kept or dropped).
    pub fn total(&self) -> u64 {
        self.dropped + self.data.len() as u64
    }

    /// Bytes dropped from the front.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The kept output from absolute offset `from` (clamped to what is kept), as text.
    pub fn text_from(&self, from: u64) -> String {
        let skip = from
            .saturating_sub(self.dropped)
            .min(self.data.len() as u64) as usize;
        let (a, b) = self.data.as_slices();
        let mut bytes = Vec::with_capacity(self.data.len() - skip);
        if skip < a.len() {
            bytes.extend_from_slice(&a[skip..]);
            bytes.extend_from_slice(b);
        } else {
            bytes.extend_from_slice(&b[skip - a.len()..]);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Everything kept, with a marker in front when earlier output was dropped.
    pub fn text(&self) -> String {
        let text = self.text_from(0);
        if self.dropped == 0 {
            text
        } else {
            format!(
                "[output truncated: first {} bytes dropped]\n{text}",
                self.dropped
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_tail_with_absolute_offsets() {
        let mut b = OutputBuf::new(5);
        b.push(b"abc");
        assert_eq!(b.text(), "abc");
        b.push(b"defgh");
        assert_eq!(b.total(), 8);
        assert_eq!(b.dropped(), 3);
        assert_eq!(b.text_from(0), "defgh");
        assert_eq!(b.text_from(6), "gh");
        assert_eq!(b.text_from(99), "");
        assert!(b
            .text()
            .starts_with("[output truncated: first 3 bytes dropped]\n"));
    }
}
