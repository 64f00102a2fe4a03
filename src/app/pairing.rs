//! DM pairing seen from the edges: the pending requests, and approving or rejecting one
//! (`clawgate pairing`, WS `pairing.*`). The channel registry owns the book.

use super::{App, AppError};
use crate::actors::channels::{ListPairing, PairingError, ResolvePairing};
use crate::channels::pairing::PairingRequest;

fn app_error(e: PairingError) -> AppError {
    match e {
        PairingError::Channel(m) => AppError::invalid(m, "channel"),
        PairingError::UnknownCode(_) => AppError::NotFound(e.to_string()),
        PairingError::Store(m) => AppError::Unavailable(m),
    }
}

impl App {
    /// Pending pairing requests of `channel` (all when `None`), of `account` if given.
    pub async fn pairing_list(
        &self,
        channel: Option<String>,
        account: Option<String>,
    ) -> Result<Vec<PairingRequest>, AppError> {
        self.channels
            .send(ListPairing { channel, account })
            .await
            .map_err(|e| {
                AppError::Unavailable(format!("the channel registry is not running: {e}"))
            })?
            .map_err(app_error)
    }

    /// Approves (the sender's next message runs) or rejects the request with `code`.
    pub async fn pairing_resolve(
        &self,
        channel: Option<&str>,
        code: &str,
        account: Option<String>,
        approve: bool,
        notify: bool,
    ) -> Result<PairingRequest, AppError> {
        self.channels
            .send(ResolvePairing {
                channel: channel.map(str::to_string),
                code: code.to_string(),
                account,
                approve,
                notify,
            })
            .await
            .map_err(|e| {
                AppError::Unavailable(format!("the channel registry is not running: {e}"))
            })?
            .map_err(app_error)
    }
}
