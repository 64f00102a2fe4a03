//! Chat-channel accounts seen from the edges: their live status, switching one on or off at
//! run time (stored, so the choice survives a restart), and delivering text through them.

use super::{App, AppError};
use crate::actors::channels::{AccountStatus, ListAccounts, SetEnabled};
use crate::channels::{Deliver, DeliveryError, DeliveryReceipt};

impl App {
    /// Sends text to a chat through the channel registry (the one delivery path: the WS
    /// `send` method, hooks, cron announce and the `message` tool).
    pub async fn deliver(&self, msg: Deliver) -> Result<DeliveryReceipt, DeliveryError> {
        let channel = msg.channel.clone();
        self.channels
            .send(msg)
            .await
            .map_err(|e| DeliveryError::Failed(format!("{channel}: {e}")))?
    }

    /// Every configured account with its live state.
    pub async fn channel_accounts(&self) -> Vec<AccountStatus> {
        self.channels.send(ListAccounts).await.unwrap_or_default()
    }

    /// Switches the account `channel` names (a kind, `kind:account` or an account id) on or
    /// off; its new status.
    pub async fn set_channel_enabled(
        &self,
        channel: &str,
        enabled: bool,
    ) -> Result<AccountStatus, AppError> {
        let res = self
            .channels
            .send(SetEnabled {
                channel: channel.to_string(),
                enabled,
            })
            .await
            .map_err(|e| {
                AppError::Unavailable(format!("the channel registry is not running: {e}"))
            })?;
        res.map_err(|e| match e {
            DeliveryError::UnknownChannel(c) => AppError::NotFound(format!("unknown channel: {c}")),
            other => AppError::Unavailable(other.to_string()),
        })
    }
}
