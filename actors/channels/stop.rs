//! Stopping the registry (gateway shutdown): replies being delivered finish first, then every
//! connector stops and held leases are released.

use super::{Channels, StopAll, StopConnector};
use actix::prelude::*;

impl Handler<StopAll> for Channels {
    type Result = ResponseFuture<()>;

    /// Lets replies already being delivered finish (at most [`STOP_DELIVERY_WAIT`]) so their
    /// inbox rows are marked done, then stops every connector.
    fn handle(&mut self, _: StopAll, ctx: &mut Context<Self>) -> Self::Result {
        let me = ctx.address();
        let idle = self.delivering.clone().idle(STOP_DELIVERY_WAIT);
        Box::pin(async move {
            idle.await;
            let _ = me.send(StopConnectors).await;
        })
    }
}

/// How long a stop waits for replies being delivered.
const STOP_DELIVERY_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Stops every connector (the second half of [`StopAll`]).
#[derive(Message)]
#[rtype(result = "()")]
struct StopConnectors;

impl Handler<StopConnectors> for Channels {
    type Result = ();

    fn handle(&mut self, _: StopConnectors, _: &mut Context<Self>) {
        for e in self.entries.values_mut() {
            if let Some(s) = e.stop.take() {
                s.do_send(StopConnector);
            }
            e.sender = None;
        }
        // Hand the accounts over: other nodes take them at their next lease round.
        let keys: Vec<String> = self.entries.keys().cloned().collect();
        for k in keys {
            self.release_lease(&k);
        }
    }
}
