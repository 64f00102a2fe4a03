//! A byte budget on a WebSocket's input until the client has authenticated.
//!
//! The frame codec learns its size limit once, when the stream is built, and the limit must be
//! the large post-auth one (25 MiB). Without more, a client that never authenticates could
//! announce a 24 MiB frame and have the server buffer all of it before the 64 KiB pre-auth
//! check runs. [`Budgeted`] sits under the codec and counts the raw bytes read before
//! [`PreauthBudget::open`]: past [`PREAUTH_READ_BYTES`] it ends the input with an error, so
//! an unauthenticated socket never holds more than that, whatever its frame headers say.
//!
//! [`PreauthSlots`] caps how many such sockets one address may hold at once: the upgrade
//! takes a slot, and authenticating (or closing) gives it back.

use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_util::Stream;
use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// Raw bytes a client may send before it authenticates: the largest pre-auth frame
/// ([`super::frames::MAX_PREAUTH_PAYLOAD_BYTES`]) twice over, for frame headers, pings and a
/// second small frame.
pub const PREAUTH_READ_BYTES: usize = 2 * super::frames::MAX_PREAUTH_PAYLOAD_BYTES;

/// Unauthenticated sockets per address, shared by every upgrade of one gateway.
#[derive(Debug, Default)]
pub struct PreauthSlots {
    held: Mutex<HashMap<IpAddr, usize>>,
}

impl PreauthSlots {
    /// Takes a slot for `ip` unless it already holds `max`.
    pub fn take(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<Slot> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let n = held.entry(ip).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot {
            slots: self.clone(),
            ip,
        })
    }

    fn give_back(&self, ip: IpAddr) {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = held.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                held.remove(&ip);
            }
        }
    }
}

/// One unauthenticated socket's place in [`PreauthSlots`]; given back when dropped.
#[derive(Debug)]
pub struct Slot {
    slots: Arc<PreauthSlots>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.give_back(self.ip);
    }
}

/// Whether a socket has authenticated, and whether it overran its pre-auth budget.
#[derive(Debug, Default)]
pub struct PreauthBudget {
    open: AtomicBool,
    tripped: AtomicBool,
    slot: Mutex<Option<Slot>>,
}

impl PreauthBudget {
    /// A budget holding `slot` until the client authenticates or the socket ends.
    pub fn with_slot(slot: Slot) -> Self {
        PreauthBudget {
            slot: Mutex::new(Some(slot)),
            ..Default::default()
        }
    }

    /// The client authenticated: its input is no longer counted and its slot is free.
    pub fn open(&self) {
        self.open.store(true, Ordering::Relaxed);
        self.slot.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    /// Whether the input was cut because it overran the budget.
    pub fn tripped(&self) -> bool {
        self.tripped.load(Ordering::Relaxed)
    }
}

/// The socket's input, cut after [`PREAUTH_READ_BYTES`] unless the budget was opened first.
pub struct Budgeted<S> {
    inner: S,
    read: usize,
    budget: Arc<PreauthBudget>,
}

impl<S> Budgeted<S> {
    /// Counts `inner` against `budget`.
    pub fn new(inner: S, budget: Arc<PreauthBudget>) -> Self {
        Budgeted {
            inner,
            read: 0,
            budget,
        }
    }
}

impl<S> Stream for Budgeted<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.budget.tripped() {
            return Poll::Ready(None);
        }
        let next = Pin::new(&mut this.inner).poll_next(cx);
        if let Poll::Ready(Some(Ok(b))) = &next {
            if !this.budget.open.load(Ordering::Relaxed) {
                this.read += b.len();
                if this.read > PREAUTH_READ_BYTES {
                    this.budget.tripped.store(true, Ordering::Relaxed);
                    return Poll::Ready(Some(Err(PayloadError::Overflow)));
                }
            }
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[test]
    fn an_address_holds_at_most_max_slots_until_one_authenticates_or_closes() {
        let slots = Arc::new(PreauthSlots::default());
        let ip: IpAddr = [10, 0, 0, 1].into();
        let a = PreauthBudget::with_slot(slots.take(ip, 2).unwrap());
        let b = slots.take(ip, 2).unwrap();
        assert!(slots.take(ip, 2).is_none(), "third refused");
        assert!(
            slots.take([10, 0, 0, 2].into(), 2).is_some(),
            "other addresses unaffected"
        );
        a.open();
        let c = slots.take(ip, 2).expect("authenticating frees a slot");
        drop(b);
        drop(c);
        assert!(slots.held.lock().unwrap().get(&ip).is_none());
    }

    fn chunks(n: usize, size: usize) -> impl Stream<Item = Result<Bytes, PayloadError>> + Unpin {
        futures_util::stream::iter((0..n).map(move |_| Ok(Bytes::from(vec![0u8; size]))))
    }

    #[actix_web::test]
    async fn input_past_the_budget_is_cut_until_the_client_authenticates() {
        let budget = Arc::new(PreauthBudget::default());
        let mut s = Budgeted::new(chunks(100, 4096), budget.clone());
        let mut read = 0;
        let mut failed = false;
        while let Some(item) = s.next().await {
            match item {
                Ok(b) => read += b.len(),
                Err(_) => failed = true,
            }
        }
        assert!(failed && budget.tripped());
        assert!(read <= PREAUTH_READ_BYTES, "{read}");

        let budget = Arc::new(PreauthBudget::default());
        budget.open();
        let total: usize = Budgeted::new(chunks(100, 4096), budget.clone())
            .map(|b| b.unwrap().len())
            .fold(0, |a, n| async move { a + n })
            .await;
        assert_eq!(total, 100 * 4096);
        assert!(!budget.tripped());
    }
}
