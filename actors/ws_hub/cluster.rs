//! The hub's side of the cluster fan-out (`crate::cluster::fanout`): broadcast events that
//! originate here go to the bus sink as well; events from other nodes are re-emitted to this
//! node's clients and never sent back to the bus.

use super::{Client, WsHub};
use actix::prelude::*;
use serde_json::Value;

/// Where this node's broadcast events go for the other nodes (set once in cluster mode).
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetBusSink {
    /// `(event, payload)` of every broadcast originating here.
    pub sink: tokio::sync::mpsc::UnboundedSender<(String, Value)>,
}

/// A broadcast event another node's hub sent.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RemoteEvent {
    /// Event name.
    pub event: String,
    /// Payload.
    pub payload: Value,
}

impl WsHub {
    /// Hands a broadcast that originated here to the bus sink (cluster mode only).
    pub(super) fn to_bus(&self, event: &str, payload: &Value) {
        if let Some(s) = &self.bus {
            let _ = s.send((event.to_string(), payload.clone()));
        }
    }
}

impl Handler<SetBusSink> for WsHub {
    type Result = ();
    fn handle(&mut self, msg: SetBusSink, _: &mut Self::Context) {
        self.bus = Some(msg.sink);
    }
}

impl Handler<RemoteEvent> for WsHub {
    type Result = ();
    fn handle(&mut self, msg: RemoteEvent, _: &mut Self::Context) {
        if msg.event == "sessions.changed" {
            self.broadcast(&msg.event, &msg.payload, |c| c.sessions && c.can_read());
        } else {
            self.broadcast(&msg.event, &msg.payload, Client::can_read);
        }
    }
}
