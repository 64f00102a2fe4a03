//! Many concurrent SSE streams against a paced mock: how many a server holds at once, and
//! whether any of them stalls (a gap over ten pacing intervals) or loses a chunk.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::Semaphore;

use super::measure::{is_content_delta, Target};
use crate::client::{HttpConn, SseParser};

/// Streams being opened at once (connect + request + response head).
const OPENING: usize = 256;

/// The concurrent-streams figure of one server.
#[derive(Clone, Debug, Serialize)]
pub struct StreamsFigure {
    /// `gateway`, `floor` or the peer's name.
    pub name: String,
    /// Streams started.
    pub requested: usize,
    /// Streams that got a `200` head.
    pub opened: usize,
    /// Streams that got every chunk and their end.
    pub completed: usize,
    /// Most streams open (head read, end not yet) at one time.
    pub peak_concurrent: usize,
    /// Content chunks each stream should carry.
    pub chunks: usize,
    /// The mock's pacing between chunks, ms.
    pub interval_ms: u64,
    /// Chunks missing over the streams that ended.
    pub lost_chunks: u64,
    /// Gaps between chunks longer than ten pacing intervals.
    pub stalls: u64,
    /// Longest gap between two chunks of one stream, ms.
    pub max_gap_ms: f64,
    /// Start of the first stream → end of the last, s.
    pub elapsed_s: f64,
    /// The first error seen, if any.
    pub first_error: Option<String>,
}

/// What one stream saw.
struct Seen {
    chunks: usize,
    max_gap: Duration,
    stalls: u64,
}

/// Opens `n` streams (at most [`OPENING`] connecting at once), each in its own session, and
/// reads them all to their end. The mock must already be paced (`chunks` × `interval`).
pub async fn hold(
    target: Target,
    name: &str,
    n: usize,
    chunks: usize,
    interval: Duration,
    limit: Duration,
) -> StreamsFigure {
    let opening = Arc::new(Semaphore::new(OPENING));
    let (open, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let started = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (opening, open, peak) = (opening.clone(), open.clone(), peak.clone());
            let stall = interval * 10;
            tokio::spawn(tokio::time::timeout(limit, async move {
                let permit = opening.acquire_owned().await.map_err(|e| e.to_string())?;
                let mut conn = HttpConn::connect(target.addr())
                    .await
                    .map_err(|e| e.to_string())?;
                let body = target.body(&format!("streams-{i}"), true);
                let headers = [
                    ("Content-Type", "application/json"),
                    ("Authorization", target.auth()),
                ];
                conn.send("POST", target.path(), &headers, &body)
                    .await
                    .map_err(|e| e.to_string())?;
                let head = conn.read_head().await.map_err(|e| e.to_string())?;
                drop(permit);
                if head.status != 200 {
                    return Err(format!("status {}", head.status));
                }
                let now_open = open.fetch_add(1, Ordering::Relaxed) + 1;
                peak.fetch_max(now_open, Ordering::Relaxed);
                let seen = read_stream(&mut conn, stall).await;
                open.fetch_sub(1, Ordering::Relaxed);
                seen
            }))
        })
        .collect();
    let mut figure = StreamsFigure {
        name: name.to_string(),
        requested: n,
        opened: 0,
        completed: 0,
        peak_concurrent: 0,
        chunks,
        interval_ms: interval.as_millis() as u64,
        lost_chunks: 0,
        stalls: 0,
        max_gap_ms: 0.0,
        elapsed_s: 0.0,
        first_error: None,
    };
    for t in tasks {
        let outcome = match t.await {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => Err(format!("stream not done within {limit:?}")),
            Err(e) => Err(format!("stream task failed: {e}")),
        };
        match outcome {
            Ok(seen) => {
                figure.opened += 1;
                if seen.chunks >= chunks {
                    figure.completed += 1;
                }
                figure.lost_chunks += chunks.saturating_sub(seen.chunks) as u64;
                figure.stalls += seen.stalls;
                figure.max_gap_ms = figure.max_gap_ms.max(seen.max_gap.as_secs_f64() * 1e3);
            }
            Err(e) => {
                figure.first_error.get_or_insert(e);
            }
        }
    }
    figure.peak_concurrent = peak.load(Ordering::Relaxed);
    figure.elapsed_s = crate::stats::round1(started.elapsed().as_secs_f64());
    figure.max_gap_ms = crate::stats::round1(figure.max_gap_ms);
    figure
}

/// Reads one stream to its end, counting content chunks and gaps.
async fn read_stream(conn: &mut HttpConn, stall: Duration) -> Result<Seen, String> {
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    let mut seen = Seen {
        chunks: 0,
        max_gap: Duration::ZERO,
        stalls: 0,
    };
    let mut last: Option<Instant> = None;
    while let Some(piece) = conn.next_chunk().await.map_err(|e| e.to_string())? {
        parser.feed(&piece, &mut events);
        let now = Instant::now();
        for e in events.drain(..) {
            if !is_content_delta(&e.data) {
                continue;
            }
            seen.chunks += 1;
            if let Some(prev) = last {
                let gap = now - prev;
                seen.max_gap = seen.max_gap.max(gap);
                if gap > stall {
                    seen.stalls += 1;
                }
            }
            last = Some(now);
        }
    }
    Ok(seen)
}
