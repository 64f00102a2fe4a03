//! The channel names the registry answers to when it registers with
//! [`crate::channels::Outbound`]: hooks and cron deliver through the same [`super::Deliver`]
//! handler as `clawgate message send`, so there is one send path for every caller.

use super::Channels;

impl Channels {
    /// Names a producer may use as `channel`: each configured kind, each `kind:account` key and
    /// each bare account id.
    pub fn delivery_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for (key, e) in &self.entries {
            for id in [
                key.split(':').next().unwrap_or(key).to_string(),
                key.clone(),
                e.cfg.id.clone(),
            ] {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        ids
    }
}
