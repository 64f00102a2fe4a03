//! Chat channels. This module holds the contract between everything that *produces* a final
//! reply for a chat (webhooks, cron announcements) and the channel connectors that send it:
//! [`Deliver`], [`Outbound`] and the list of channel ids OpenClaw accepts.

mod outbound;

pub use outbound::{Deliver, Delivered, DeliveryError, Outbound, KNOWN_CHANNELS};
