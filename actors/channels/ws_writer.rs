//! The write half of a connector's WebSocket (Discord Gateway, Slack Socket Mode): frames are
//! queued on a channel and written in order by one task, which closes the socket after a
//! `Close` frame or a failed write.

use awc::ws::Message as WsMessage;
use futures_util::{Sink, SinkExt as _};
use tokio::sync::mpsc;

/// Spawns the writer for `sink` on the current arbiter; frames sent on the answer are written.
pub fn spawn<S>(mut sink: S) -> mpsc::UnboundedSender<WsMessage>
where
    S: Sink<WsMessage> + Unpin + 'static,
{
    let (tx, mut rx) = mpsc::unbounded_channel::<WsMessage>();
    actix::spawn(async move {
        while let Some(m) = rx.recv().await {
            let closing = matches!(m, WsMessage::Close(_));
            if sink.send(m).await.is_err() || closing {
                break;
            }
        }
        let _ = sink.close().await;
    });
    tx
}
