//! A config reload reaching the channel registry: only the connectors whose own account
//! section changed are restarted; new accounts start, removed ones stop, the rest keep
//! running (their connection, status and counters untouched). Registry-wide settings (DM
//! scope, queue mode, default accounts) apply from the next message.

use super::{Channels, Entry, StopConnector};
use crate::config::{ChannelAccount, Config, Secret};
use actix::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The new configuration; answers the delivery ids the registry now serves.
#[derive(Message)]
#[rtype(result = "Vec<String>")]
pub struct Reconfigure(pub Arc<Config>);

fn same_secret(a: &Option<Secret>, b: &Option<Secret>) -> bool {
    a.as_ref().map(Secret::expose) == b.as_ref().map(Secret::expose)
}

/// Whether two versions of an account are the same (secrets compared too: `Debug` hides them).
fn same_account(a: &ChannelAccount, b: &ChannelAccount) -> bool {
    format!("{a:?}") == format!("{b:?}")
        && same_secret(&a.token, &b.token)
        && same_secret(&a.signing_secret, &b.signing_secret)
        && same_secret(&a.secret, &b.secret)
        && a.ingress.secret() == b.ingress.secret()
}

/// What to do with the accounts, by registry key.
#[derive(Debug, Default, PartialEq)]
struct Plan {
    /// Removed or changed: stop the running connector.
    stop: Vec<String>,
    /// New or changed: a fresh entry (started when enabled and configured).
    start: Vec<String>,
}

fn plan(old: &[Arc<ChannelAccount>], new: &[Arc<ChannelAccount>]) -> Plan {
    let old: BTreeMap<String, &Arc<ChannelAccount>> = old.iter().map(|a| (a.key(), a)).collect();
    let new: BTreeMap<String, &Arc<ChannelAccount>> = new.iter().map(|a| (a.key(), a)).collect();
    let mut p = Plan::default();
    for (k, o) in &old {
        match new.get(k) {
            Some(n) if same_account(o, n) => {}
            _ => p.stop.push(k.clone()),
        }
    }
    for (k, n) in &new {
        match old.get(k) {
            Some(o) if same_account(o, n) => {}
            _ => p.start.push(k.clone()),
        }
    }
    p
}

impl Handler<Reconfigure> for Channels {
    type Result = Vec<String>;

    fn handle(&mut self, msg: Reconfigure, ctx: &mut Context<Self>) -> Vec<String> {
        let new = msg.0;
        let p = plan(&self.config.channels.accounts, &new.channels.accounts);
        for key in &p.stop {
            self.release_lease(key);
            if let Some(mut e) = self.entries.remove(key) {
                if let Some(s) = e.stop.take() {
                    s.do_send(StopConnector);
                }
                tracing::info!(account = %key, "channel account stopped by a config reload");
            }
        }
        for key in &p.start {
            let Some(a) = new.channels.accounts.iter().find(|a| &a.key() == key) else {
                continue;
            };
            self.entries
                .insert(key.clone(), Entry::new(a, &self.overrides));
        }
        self.config = new;
        for key in &p.start {
            self.start_connector(key, ctx.address());
            tracing::info!(account = %key, "channel account (re)started by a config reload");
        }
        self.lease_round(ctx);
        for key in p.stop.iter().chain(&p.start) {
            match (self.entries.contains_key(key), &self.outbox) {
                (true, _) => self.sync_outbox(key),
                // Removed: its queued messages wait (they are sent if it comes back).
                (false, Some(o)) => o.do_send(super::outbox::SetAccount {
                    key: key.clone(),
                    sender: None,
                    retry: crate::config::DeliveryRetry::defaults(
                        crate::config::ChannelKind::parse(key.split(':').next().unwrap_or(""))
                            .unwrap_or(crate::config::ChannelKind::Webhook),
                    ),
                }),
                (false, None) => {}
            }
        }
        self.delivery_ids()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts(text: &str) -> Vec<Arc<ChannelAccount>> {
        crate::config::load_str_for_tests(text)
            .channels
            .accounts
            .clone()
    }

    #[test]
    fn only_changed_added_and_removed_accounts_are_touched() {
        let old =
            accounts("{ channels: { telegram: { botToken: '1:a' }, discord: { token: 'd1' } } }");
        let same =
            accounts("{ channels: { telegram: { botToken: '1:a' }, discord: { token: 'd1' } } }");
        assert_eq!(plan(&old, &same), Plan::default());

        let rotated =
            accounts("{ channels: { telegram: { botToken: '1:b' }, discord: { token: 'd1' } } }");
        let p = plan(&old, &rotated);
        assert_eq!(p.stop, vec!["telegram:default"]);
        assert_eq!(p.start, vec!["telegram:default"]);

        let moved = accounts("{ channels: { discord: { token: 'd1' }, slack: { botToken: 'xoxb-1', signingSecret: 's' } } }");
        let p = plan(&old, &moved);
        assert!(p.stop.contains(&"telegram:default".to_string()), "{p:?}");
        assert!(p.start.contains(&"slack:default".to_string()), "{p:?}");
        assert!(!p.stop.iter().any(|k| k.starts_with("discord")), "{p:?}");
    }
}
