//! clawgate (responses-parts worktree): OpenResponses building blocks.

pub mod responses;
