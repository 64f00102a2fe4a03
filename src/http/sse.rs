//! Server-Sent-Events responses: headers, framing and the run-event stream adapter.

use crate::core::run::EventRef;
use actix_web::HttpResponse;
use bytes::Bytes;
use futures_util::Stream;
use tokio::sync::mpsc;

/// `data: <json>\n\n` as one buffer.
pub fn data_frame(json: &str) -> Bytes {
    let mut s = String::with_capacity(json.len() + 8);
    s.push_str("data: ");
    s.push_str(json);
    s.push_str("\n\n");
    Bytes::from(s)
}

/// `event: <name>\ndata: <json>\n\n` as one buffer.
pub fn event_frame(event: &str, json: &str) -> Bytes {
    Bytes::from(format!("event: {event}\ndata: {json}\n\n"))
}

/// The `[DONE]` terminator.
pub fn done_frame() -> Bytes {
    Bytes::from_static(b"data: [DONE]\n\n")
}

/// A streaming SSE response with OpenClaw's headers.
pub fn response<S>(stream: S) -> HttpResponse
where
    S: Stream<Item = Result<Bytes, actix_web::Error>> + 'static,
{
    HttpResponse::Ok()
        .insert_header(("content-type", "text/event-stream; charset=utf-8"))
        .insert_header(("cache-control", "no-cache"))
        .insert_header(("connection", "keep-alive"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(stream)
}

/// Turns a run's event channel into SSE frames.
///
/// `map` renders each event into zero or more frames and returns `true` once the stream is
/// complete (after the final event). Dropping the stream (client gone) drops the receiver,
/// which aborts a run this subscriber owns.
pub fn from_events<F>(
    first: Vec<Bytes>,
    rx: mpsc::Receiver<EventRef>,
    map: F,
) -> impl Stream<Item = Result<Bytes, actix_web::Error>>
where
    F: FnMut(&crate::core::run::RunEvent, &mut Vec<Bytes>) -> bool + 'static,
{
    struct St<F> {
        rx: mpsc::Receiver<EventRef>,
        map: F,
        pending: std::collections::VecDeque<Bytes>,
        finished: bool,
    }
    let st = St {
        rx,
        map,
        pending: first.into(),
        finished: false,
    };
    futures_util::stream::unfold(st, |mut st| async move {
        loop {
            if let Some(b) = st.pending.pop_front() {
                return Some((Ok(b), st));
            }
            if st.finished {
                return None;
            }
            let ev = st.rx.recv().await?;
            let mut out = Vec::new();
            st.finished = (st.map)(&ev, &mut out);
            if out.len() > 1 {
                // Coalesce the frames of one event into a single write.
                let total: usize = out.iter().map(Bytes::len).sum();
                let mut joined = bytes::BytesMut::with_capacity(total);
                for b in out {
                    joined.extend_from_slice(&b);
                }
                st.pending.push_back(joined.freeze());
            } else {
                st.pending.extend(out);
            }
        }
    })
}
