//! Chat-channel accounts seen from the edges: their live status, and switching one on or off
//! at run time (stored, so the choice survives a restart).

use super::{App, AppError};
use crate::actors::channels::{AccountStatus, ListAccounts, SetEnabled};
use crate::channels::DeliveryError;

impl App {
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
