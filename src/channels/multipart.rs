//! A `multipart/form-data` body (RFC 7578) for the platforms' upload endpoints (Telegram
//! `sendPhoto`/`sendDocument`/…, Discord `files[n]`). awc has no form builder; the format is
//! small: one boundary, a `Content-Disposition` per part, CRLF line ends.

use bytes::{BufMut as _, Bytes, BytesMut};

/// A form being built.
#[derive(Debug)]
pub struct Form {
    boundary: String,
    body: BytesMut,
}

impl Default for Form {
    fn default() -> Self {
        Self::new()
    }
}

/// Quotes a header parameter value: `"` and CR/LF cannot appear in it.
fn quoted(v: &str) -> String {
    v.chars()
        .map(|c| match c {
            '"' => '\'',
            '\r' | '\n' => ' ',
            c => c,
        })
        .collect()
}

impl Form {
    /// An empty form with a random boundary.
    pub fn new() -> Form {
        Form {
            boundary: format!("clawgate-{}", uuid::Uuid::new_v4().simple()),
            body: BytesMut::new(),
        }
    }

    fn head(&mut self, name: &str) {
        self.body.put_slice(b"--");
        self.body.put_slice(self.boundary.as_bytes());
        self.body
            .put_slice(b"\r\ncontent-disposition: form-data; name=\"");
        self.body.put_slice(quoted(name).as_bytes());
        self.body.put_slice(b"\"");
    }

    /// Adds a text field.
    pub fn text(mut self, name: &str, value: &str) -> Form {
        self.head(name);
        self.body.put_slice(b"\r\n\r\n");
        self.body.put_slice(value.as_bytes());
        self.body.put_slice(b"\r\n");
        self
    }

    /// Adds a file part.
    pub fn file(mut self, name: &str, filename: &str, mime: &str, data: &[u8]) -> Form {
        self.head(name);
        self.body.put_slice(b"; filename=\"");
        self.body.put_slice(quoted(filename).as_bytes());
        self.body.put_slice(b"\"\r\ncontent-type: ");
        self.body.put_slice(quoted(mime).as_bytes());
        self.body.put_slice(b"\r\n\r\n");
        self.body.put_slice(data);
        self.body.put_slice(b"\r\n");
        self
    }

    /// The `Content-Type` header value and the body.
    pub fn finish(mut self) -> (String, Bytes) {
        self.body.put_slice(b"--");
        self.body.put_slice(self.boundary.as_bytes());
        self.body.put_slice(b"--\r\n");
        (
            format!("multipart/form-data; boundary={}", self.boundary),
            self.body.freeze(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_files_are_framed_by_the_boundary() {
        let (ct, body) = Form::new()
            .text("chat_id", "42")
            .file("photo", "a\"b.png", "image/png", b"\x89PNG")
            .finish();
        let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("name=\"chat_id\"\r\n\r\n42\r\n"));
        assert!(text.contains("name=\"photo\"; filename=\"a'b.png\"\r\ncontent-type: image/png"));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    }
}
