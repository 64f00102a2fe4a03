//! Cancelling in-flight requests (`{"type":"cancel","id"}`, protocol 4).
//!
//! The long-waiting methods ([`CANCELLABLE_METHODS`]) run under an abort handle kept in the
//! connection's [`InFlight`] registry until they answer. A `cancel` frame for such an id stops
//! the wait and answers the request `ok:false` with `CANCELLED`; a `cancel` for an unknown or
//! already answered id is ignored, as OpenClaw says a server may. Closing the connection
//! cancels whatever it still waits for (nobody is left to answer).

use super::frames::{ErrorCode, ErrorShape};
use super::rpc::Replier;
use futures_util::future::{AbortHandle, Abortable, LocalBoxFuture};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Methods whose wait a client may cancel (they only wait; cancelling changes no state).
pub const CANCELLABLE_METHODS: &[&str] = &["agent.wait", "node.invoke", "poll"];

/// Message of the answer to a cancelled request.
pub const CANCELLED_MESSAGE: &str = "request cancelled by client";

/// Whether a `cancel` frame can stop `method`.
pub fn is_cancellable(method: &str) -> bool {
    CANCELLABLE_METHODS.contains(&method)
}

/// One connection's cancellable requests (lives on the connection's thread).
#[derive(Debug, Clone, Default)]
pub struct InFlight {
    handles: Rc<RefCell<HashMap<String, (u64, AbortHandle)>>>,
    next: Rc<std::cell::Cell<u64>>,
}

impl InFlight {
    /// Runs `work` (the handler of request `id`) so that [`InFlight::cancel`] can stop it; a
    /// cancelled request is answered through `reply`.
    pub fn track(
        &self,
        id: String,
        work: LocalBoxFuture<'static, ()>,
        reply: Replier,
    ) -> LocalBoxFuture<'static, ()> {
        let (handle, registration) = AbortHandle::new_pair();
        let ticket = self.next.get() + 1;
        self.next.set(ticket);
        self.handles
            .borrow_mut()
            .insert(id.clone(), (ticket, handle));
        let handles = self.handles.clone();
        Box::pin(async move {
            let finished = Abortable::new(work, registration).await.is_ok();
            let mut map = handles.borrow_mut();
            if map.get(&id).is_some_and(|(t, _)| *t == ticket) {
                map.remove(&id);
            }
            drop(map);
            if !finished {
                reply.err(ErrorShape::new(ErrorCode::Cancelled, CANCELLED_MESSAGE));
            }
        })
    }

    /// Cancels request `id`; `false` when nothing with that id is waiting.
    pub fn cancel(&self, id: &str) -> bool {
        match self.handles.borrow_mut().remove(id) {
            Some((_, h)) => {
                h.abort();
                true
            }
            None => false,
        }
    }

    /// Cancels everything (the connection is closing).
    pub fn cancel_all(&self) {
        for (_, (_, h)) in self.handles.borrow_mut().drain() {
            h.abort();
        }
    }
}
