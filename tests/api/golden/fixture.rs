//! Parser for the recorded OpenClaw 2026.9.6 exchanges in `tests/fixtures/golden/`:
//! `http/*.txt` (one request and its response) and `ws/*.jsonl` (frames in both directions).

use serde_json::Value;
use std::path::{Path, PathBuf};

/// The fixture directory.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden")
}

/// One recorded HTTP exchange.
pub struct HttpExchange {
    /// File stem, e.g. `chat-stream`.
    pub name: String,
    pub method: String,
    pub path: String,
    /// Request headers (lower-case names).
    pub req_headers: Vec<(String, String)>,
    pub req_body: String,
    pub status: u16,
    /// Response headers (lower-case names).
    pub res_headers: Vec<(String, String)>,
    pub res_body: String,
    /// The `Date` of the response, to replay in recorded order.
    pub date: String,
}

impl HttpExchange {
    /// A response header's value.
    pub fn res_header(&self, name: &str) -> Option<&str> {
        self.res_headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn head_and_body(part: &str) -> (Vec<&str>, String) {
    let (head, body) = part.split_once("\n\n").unwrap_or((part, ""));
    (
        head.lines().collect(),
        body.trim_end_matches('\n').to_string(),
    )
}

fn headers(lines: &[&str]) -> Vec<(String, String)> {
    lines
        .iter()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect()
}

/// Parses one `http/*.txt` file.
pub fn parse_http(name: &str, text: &str) -> HttpExchange {
    let text = text.replace("\r\n", "\n");
    let (req, res) = text
        .split_once("### RESPONSE\n")
        .unwrap_or_else(|| panic!("{name}: no ### RESPONSE"));
    let req = req.trim_start_matches("### REQUEST\n");
    let (req_head, req_body) = head_and_body(req);
    let mut start = req_head[0].split_whitespace();
    let method = start.next().unwrap().to_string();
    let path = start.next().unwrap().to_string();
    let (res_head, res_body) = head_and_body(res);
    let status = res_head[0]
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let res_headers = headers(&res_head[1..]);
    let date = res_headers
        .iter()
        .find(|(k, _)| k == "date")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    HttpExchange {
        name: name.to_string(),
        method,
        path,
        req_headers: headers(&req_head[1..]),
        req_body: req_body.trim().to_string(),
        status,
        res_headers,
        res_body,
        date,
    }
}

/// All HTTP exchanges, in recorded order (response `Date`, then name).
pub fn http_exchanges() -> Vec<HttpExchange> {
    let mut out: Vec<HttpExchange> = std::fs::read_dir(dir().join("http"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().to_string();
            parse_http(&name, &std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort_by_key(|x| (parse_date(&x.date), x.name.clone()));
    out
}

/// `Sat, 21 Nov 2026 10:39:38 GMT` → seconds since epoch (0 when absent).
fn parse_date(d: &str) -> i64 {
    chrono::DateTime::parse_from_rfc2822(d)
        .map(|t| t.timestamp())
        .unwrap_or(0)
}

/// One frame of a WebSocket transcript.
pub enum Frame {
    /// Client to server text frame.
    Send(Value),
    /// Server to client text frame.
    Recv(Value),
    /// The server closed with this code (`None`: no code).
    ServerClose(Option<u16>),
}

/// One recorded WebSocket connection.
pub struct WsTranscript {
    /// File stem, e.g. `call-agent`.
    pub name: String,
    /// Connection number in the recording (replay order).
    pub conn: u64,
    /// Request path of the upgrade.
    pub path: String,
    pub frames: Vec<Frame>,
}

/// Parses one `ws/*.jsonl` file.
pub fn parse_ws(name: &str, text: &str) -> WsTranscript {
    let mut t = WsTranscript {
        name: name.to_string(),
        conn: 0,
        path: "/".into(),
        frames: Vec::new(),
    };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).unwrap();
        t.conn = v["conn"].as_u64().unwrap_or(0);
        match (v["dir"].as_str(), v["type"].as_str()) {
            (Some("hello"), _) => t.path = v["path"].as_str().unwrap_or("/").to_string(),
            (Some("c2s"), Some("text")) => t.frames.push(Frame::Send(v["data"].clone())),
            (Some("s2c"), Some("text")) => t.frames.push(Frame::Recv(v["data"].clone())),
            (Some("s2c"), Some("close")) => t
                .frames
                .push(Frame::ServerClose(v["code"].as_u64().map(|c| c as u16))),
            _ => {}
        }
    }
    t
}

/// All WebSocket transcripts, in recorded connection order.
pub fn ws_transcripts() -> Vec<WsTranscript> {
    let mut out: Vec<WsTranscript> = std::fs::read_dir(dir().join("ws"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().to_string();
            parse_ws(&name, &std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort_by_key(|t| t.conn);
    out
}
