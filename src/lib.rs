//! clawgate: a light, self-hosted AI-agent gateway daemon.

pub mod ws;
