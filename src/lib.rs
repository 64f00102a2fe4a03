//! clawgate: a light, self-hosted AI-agent gateway daemon.
