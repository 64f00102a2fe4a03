//! Replays recorded exchanges against a running clawgate and lists the shape differences.

use super::fixture::{Frame, HttpExchange, WsTranscript};
use super::shape::diff;
use crate::helpers::{TestGateway, TOKEN};
use crate::ws_client::{Got, WsClient};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The token the recording used.
const RECORDED_TOKEN: &str = "peer-token";

fn prefixed(out: &mut BTreeSet<String>, prefix: &str, diffs: BTreeSet<String>) {
    out.extend(diffs.into_iter().map(|d| format!("{prefix} {d}")));
}

fn mime(ct: Option<&str>) -> String {
    ct.unwrap_or("")
        .split(';')
        .next()
        .unwrap()
        .trim()
        .to_lowercase()
}

/// Replays one HTTP exchange; differences are `http/<name> <what>` lines.
pub async fn http(t: &TestGateway, x: &HttpExchange) -> BTreeSet<String> {
    let p = format!("http/{}", x.name);
    let method = awc::http::Method::from_bytes(x.method.as_bytes()).unwrap();
    let mut req = t.client().request(method, t.url(&x.path));
    for (k, v) in &x.req_headers {
        req = req.insert_header((k.as_str(), v.replace(RECORDED_TOKEN, TOKEN)));
    }
    let mut resp = req.send_body(x.req_body.clone()).await.expect("send");
    let body = resp.body().limit(64 << 20).await.expect("body");
    let body = String::from_utf8_lossy(&body).to_string();
    let mut out = BTreeSet::new();
    if resp.status().as_u16() != x.status {
        out.insert(format!("{p} status: {} != {}", x.status, resp.status()));
    }
    let want_ct = mime(x.res_header("content-type"));
    let got_ct = mime(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
    );
    if want_ct != got_ct {
        out.insert(format!("{p} content-type: {want_ct} != {got_ct}"));
    }
    match want_ct.as_str() {
        "application/json" => match serde_json::from_str::<Value>(&body) {
            Ok(actual) => {
                let expected: Value = serde_json::from_str(&x.res_body).unwrap();
                prefixed(&mut out, &format!("{p} body"), diff(&expected, &actual));
            }
            Err(_) => {
                out.insert(format!("{p} body: not JSON"));
            }
        },
        "text/event-stream" => sse(&p, &x.res_body, &body, &mut out),
        _ => {}
    }
    out
}

/// SSE events as (kind, data): kind is the `event:` name, else the data's `object`/`type`.
fn sse_events(body: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for block in body.replace("\r\n", "\n").split("\n\n") {
        let mut name = None;
        let mut data = String::new();
        for line in block.lines() {
            if let Some(n) = line.strip_prefix("event:") {
                name = Some(n.trim().to_string());
            } else if let Some(d) = line.strip_prefix("data:") {
                data.push_str(d.trim_start());
            }
        }
        if data.is_empty() && name.is_none() {
            continue;
        }
        let v: Value = serde_json::from_str(&data).unwrap_or(Value::String(data.clone()));
        let kind = name.unwrap_or_else(|| match &v {
            Value::Object(o) => o
                .get("object")
                .or(o.get("type"))
                .and_then(Value::as_str)
                .unwrap_or("object")
                .to_string(),
            _ => data.clone(),
        });
        out.push((kind, v));
    }
    out
}

/// Kinds with consecutive repeats collapsed (the number of deltas is not a shape).
fn collapse(kinds: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in kinds {
        if out.last() != Some(&k) {
            out.push(k);
        }
    }
    out
}

fn first_of_each(events: &[(String, Value)]) -> BTreeMap<String, Value> {
    let mut m = BTreeMap::new();
    for (k, v) in events {
        m.entry(k.clone()).or_insert_with(|| v.clone());
    }
    m
}

fn sse(p: &str, expected: &str, actual: &str, out: &mut BTreeSet<String>) {
    let (e, a) = (sse_events(expected), sse_events(actual));
    compare_streams(&format!("{p} sse"), &e, &a, out);
}

/// Compares two event streams: the collapsed sequence of kinds, then each kind's first payload.
fn compare_streams(
    p: &str,
    e: &[(String, Value)],
    a: &[(String, Value)],
    out: &mut BTreeSet<String>,
) {
    let ek = collapse(e.iter().map(|x| x.0.clone()));
    let ak = collapse(a.iter().map(|x| x.0.clone()));
    if ek != ak {
        out.insert(format!("{p} sequence: {ek:?} != {ak:?}"));
    }
    let af = first_of_each(a);
    for (k, ev) in first_of_each(e) {
        match af.get(&k) {
            Some(av) => prefixed(out, &format!("{p}[{k}]"), diff(&ev, av)),
            None => {
                out.insert(format!("{p}[{k}]: missing"));
            }
        }
    }
}

/// An event frame's kind: `event`, plus `stream` and lifecycle `phase` for `agent`, `state`
/// for `chat`, the task's `status` for `task`.
fn event_kind(v: &Value) -> String {
    let p = &v["payload"];
    let mut k = v["event"].as_str().unwrap_or("").to_string();
    for part in [
        &p["stream"],
        &p["data"]["phase"],
        &p["state"],
        &p["task"]["status"],
    ] {
        if let Some(s) = part.as_str() {
            k.push('/');
            k.push_str(s);
        }
    }
    k
}

fn swap_token(v: &mut Value) {
    match v {
        Value::String(s) if s == RECORDED_TOKEN => *s = TOKEN.to_string(),
        Value::Array(a) => a.iter_mut().for_each(swap_token),
        Value::Object(o) => o.values_mut().for_each(swap_token),
        _ => {}
    }
}

/// What the gateway sent on one replayed connection.
struct Received {
    frames: Vec<Value>,
    close: Option<Option<u16>>,
}

impl Received {
    fn res_count(&self, id: &str) -> usize {
        self.frames
            .iter()
            .filter(|f| f["type"] == "res" && f["id"] == id)
            .count()
    }

    /// Reads frames until `done` holds, the socket closes, or nothing arrives for 5 s.
    async fn until(&mut self, c: &mut WsClient, done: impl Fn(&Received) -> bool) {
        while !done(self) && self.close.is_none() {
            match tokio::time::timeout(Duration::from_secs(5), c.recv()).await {
                Ok(Got::Json(v)) => self.frames.push(v),
                Ok(Got::Closed(code, _)) => self.close = Some(code),
                Err(_) => return,
            }
        }
    }
}

/// Replays one transcript's client frames; differences are `ws/<name> <what>` lines.
pub async fn ws(t: &TestGateway, tr: &WsTranscript) -> BTreeSet<String> {
    let p = format!("ws/{}", tr.name);
    let mut c = WsClient::open(t, &tr.path, &[]).await;
    let mut got = Received {
        frames: Vec::new(),
        close: None,
    };
    let mut methods: BTreeMap<String, String> = BTreeMap::new();
    let mut expected: Vec<Value> = Vec::new();
    let mut expected_close = None;
    for f in &tr.frames {
        match f {
            Frame::Recv(v) => expected.push(v.clone()),
            Frame::ServerClose(code) => expected_close = Some(*code),
            Frame::Send(v) => {
                // Send once the gateway has answered what the recording had answered by now.
                let want = expected.clone();
                got.until(&mut c, |g| answered(&want, g)).await;
                if got.close.is_some() {
                    break;
                }
                let mut v = v.clone();
                swap_token(&mut v);
                methods.insert(
                    v["id"].as_str().unwrap_or("").into(),
                    v["method"].as_str().unwrap_or("").into(),
                );
                c.send(v).await;
            }
        }
    }
    let want = expected.clone();
    got.until(&mut c, |g| answered(&want, g)).await;
    if matches!(expected_close, Some(Some(_))) {
        got.until(&mut c, |_| false).await;
    }
    let mut out = BTreeSet::new();
    compare_ws(&p, &methods, &expected, &got.frames, &mut out);
    if let Some(Some(code)) = expected_close {
        let actual = got.close.flatten();
        if actual != Some(code) {
            out.insert(format!("{p} close: {code} != {actual:?}"));
        }
    }
    out
}

/// Whether every `res` and the challenge in `want` has its counterpart in `g`.
fn answered(want: &[Value], g: &Received) -> bool {
    let mut per_id: BTreeMap<&str, usize> = BTreeMap::new();
    for w in want.iter().filter(|w| w["type"] == "res") {
        *per_id.entry(w["id"].as_str().unwrap_or("")).or_default() += 1;
    }
    let challenge = !want.iter().any(|w| w["event"] == "connect.challenge")
        || g.frames.iter().any(|f| f["event"] == "connect.challenge");
    challenge && per_id.iter().all(|(id, n)| g.res_count(id) >= *n)
}

fn responses<'a>(frames: &'a [Value], id: &str) -> Vec<&'a Value> {
    frames
        .iter()
        .filter(|f| f["type"] == "res" && f["id"] == id)
        .collect()
}

fn compare_ws(
    p: &str,
    methods: &BTreeMap<String, String>,
    expected: &[Value],
    actual: &[Value],
    out: &mut BTreeSet<String>,
) {
    for (id, method) in methods {
        let (e, a) = (responses(expected, id), responses(actual, id));
        for i in 0..e.len().max(a.len()) {
            let label = format!("{p} res:{method}#{}", i + 1);
            match (e.get(i), a.get(i)) {
                (Some(ev), Some(av)) => prefixed(out, &label, diff(ev, av)),
                (Some(_), None) => {
                    out.insert(format!("{label}: missing frame"));
                }
                _ => {
                    out.insert(format!("{label}: extra frame"));
                }
            }
        }
    }
    let events = |fs: &[Value]| -> Vec<(String, Value)> {
        fs.iter()
            .filter(|f| f["type"] == "event" && f["event"] != "tick")
            .map(|f| (event_kind(f), f["payload"].clone()))
            .collect()
    };
    compare_streams(
        &format!("{p} events"),
        &events(expected),
        &events(actual),
        out,
    );
}
