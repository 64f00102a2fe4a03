//! A fake embeddings provider speaking OpenAI's `POST /v1/embeddings` on `127.0.0.1:0`.
//!
//! Vectors are deterministic: each input's lower-cased characters and character bigrams are
//! hashed into [`DIMS`] buckets (a hashed bag of n-grams), then normalised, so texts sharing
//! words or Chinese characters point the same way. [`FakeEmbeddings::stop`] shuts it down, so
//! a test can watch the gateway fail closed.

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Dimensions of the fake vectors.
pub const DIMS: usize = 256;

fn bucket(s: &str) -> usize {
    // FNV-1a.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    (h % DIMS as u64) as usize
}

/// The fake vector of `text`.
pub fn vector(text: &str) -> Vec<f32> {
    let chars: Vec<char> = text
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    let mut v = vec![0f32; DIMS];
    for c in &chars {
        v[bucket(&c.to_string())] += 0.5;
    }
    for w in chars.windows(2) {
        v[bucket(&w.iter().collect::<String>())] += 1.0;
    }
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
    v
}

/// The running fake provider.
pub struct FakeEmbeddings {
    /// Its port.
    pub port: u16,
    handle: ServerHandle,
    calls: Arc<AtomicUsize>,
    inputs: Arc<AtomicUsize>,
}

async fn embeddings(
    body: web::Json<Value>,
    counts: web::Data<(Arc<AtomicUsize>, Arc<AtomicUsize>)>,
) -> HttpResponse {
    let inputs: Vec<String> = match &body["input"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().unwrap_or_default().to_string())
            .collect(),
        _ => return HttpResponse::BadRequest().json(json!({"error": {"message": "input"}})),
    };
    counts.0.fetch_add(1, Ordering::SeqCst);
    counts.1.fetch_add(inputs.len(), Ordering::SeqCst);
    let dims = body["dimensions"].as_u64().map(|d| d as usize);
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut v = vector(t);
            if let Some(d) = dims {
                v.truncate(d);
            }
            json!({"object": "embedding", "index": i, "embedding": v})
        })
        .collect();
    let tokens: usize = inputs.iter().map(|t| t.chars().count().div_ceil(4)).sum();
    HttpResponse::Ok().json(json!({
        "object": "list", "data": data, "model": body["model"],
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens}
    }))
}

impl FakeEmbeddings {
    /// Starts it.
    pub async fn start() -> std::io::Result<FakeEmbeddings> {
        let calls = Arc::new(AtomicUsize::new(0));
        let inputs = Arc::new(AtomicUsize::new(0));
        let data = web::Data::new((calls.clone(), inputs.clone()));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::JsonConfig::default().limit(64 * 1024 * 1024))
                .route("/v1/embeddings", web::post().to(embeddings))
        })
        .workers(1)
        // One connection per request: once `stop` returns, the next call fails at once
        // instead of racing the worker that still serves a pooled keep-alive connection.
        .keep_alive(actix_web::http::KeepAlive::Disabled)
        .disable_signals()
        .bind(("127.0.0.1", 0))?;
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Ok(FakeEmbeddings {
            port,
            handle,
            calls,
            inputs,
        })
    }

    /// Base URL including `/v1`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Requests answered so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Inputs embedded so far.
    pub fn inputs(&self) -> usize {
        self.inputs.load(Ordering::SeqCst)
    }

    /// Stops it (its port then refuses connections).
    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}
