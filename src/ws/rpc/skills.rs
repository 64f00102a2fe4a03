//! Skill methods: `skills.status {agentId?}` (operator.read): every skill the agent sees,
//! whether it is enabled and eligible, what it is missing, and the `SKILL.md` files skipped.

use super::Call;

/// `skills.status`.
pub async fn status(call: Call) {
    match call.app.app.skills_status(call.str_param("agentId")) {
        Ok(v) => call.reply.ok(v),
        Err(e) => call.reply.err(e.into()),
    }
}
