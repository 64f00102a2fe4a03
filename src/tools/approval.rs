//! Exec approvals as tools see them: what an operator is asked ([`ApprovalRequest`]) and what
//! comes back ([`Approval`]). The gateway's [`super::ToolHost`] carries the question to the
//! operators (over the WebSocket) and waits for the answer.

use std::time::Duration;

/// An operator's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalDecision {
    /// Run this command, this time.
    AllowOnce,
    /// Run this command, and the same command again without asking (until restart).
    AllowAlways,
    /// Do not run it.
    Deny,
}

impl ApprovalDecision {
    /// Parses OpenClaw's spelling (`allow-once`, `allow-always`, `deny`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "allow-once" => Some(Self::AllowOnce),
            "allow-always" => Some(Self::AllowAlways),
            "deny" => Some(Self::Deny),
            _ => None,
        }
    }

    /// OpenClaw's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AllowOnce => "allow-once",
            Self::AllowAlways => "allow-always",
            Self::Deny => "deny",
        }
    }
}

/// A command waiting for an operator.
#[derive(Debug, Clone)]
pub struct ApprovalRequest {
    /// The command.
    pub command: String,
    /// Its working directory (absolute).
    pub cwd: String,
    /// Agent running it.
    pub agent_id: String,
    /// Session it runs for.
    pub session_key: String,
    /// The run whose tool call it is.
    pub run_id: Option<String>,
    /// `tools.exec.security` in force.
    pub security: &'static str,
    /// `tools.exec.ask` in force.
    pub ask: &'static str,
    /// How long to wait before denying.
    pub timeout: Duration,
}

/// The answer to an [`ApprovalRequest`].
#[derive(Debug, Clone)]
pub struct Approval {
    /// The decision.
    pub decision: ApprovalDecision,
    /// Why, when denied (`denied by operator`, `approval timed out`, …).
    pub reason: String,
}

impl Approval {
    /// A denial for `reason`.
    pub fn denied(reason: impl Into<String>) -> Self {
        Approval {
            decision: ApprovalDecision::Deny,
            reason: reason.into(),
        }
    }
}
