//! Agent tools: the [`Tool`] trait, the registry, the per-agent allow/deny policy, and the
//! [`ToolContext`] a call runs with. Through [`ToolHost`] (implemented by the application
//! layer) a tool can reach the rest of the gateway, e.g. run a sub-agent turn, without this
//! module depending on the actors or the edges.

mod agents_list;
pub mod args;
pub mod executor;
pub mod fs;
mod memory;
pub mod policy;
mod sessions;
mod sessions_send;
pub mod web_fetch;

use crate::config::{AgentConfig, Config, ModelRef};
use crate::core::run::{RunOutcome, TurnRequest};
use crate::providers::types::ToolSpec;
use crate::storage::Store;
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};

/// Errors a tool can return.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// Arguments are wrong (HTTP 400 on `/tools/invoke`).
    #[error("{0}")]
    InvalidInput(String),
    /// The caller may not do this (HTTP 403).
    #[error("{0}")]
    Forbidden(String),
    /// The tool failed (HTTP 500; the message is logged, not returned over HTTP).
    #[error("{0}")]
    Failed(String),
}

/// What the gateway offers tools beyond the store and the config.
pub trait ToolHost: Send + Sync {
    /// Runs a turn (a sub-agent, a message to another session) and waits for its outcome;
    /// `None` when it ended without one.
    fn run_turn(&self, req: TurnRequest) -> LocalBoxFuture<'static, Option<RunOutcome>>;
    /// Starts a turn without waiting for it; `false` when it could not be started.
    fn start_turn(&self, req: TurnRequest) -> bool;
    /// The memory service (`memory_search`, `memory_get`); `None` when there is none.
    fn memory(&self) -> Option<crate::memory::Memory> {
        None
    }
}

/// A host for registries not yet bound to a gateway: it can run nothing.
struct Unbound;

impl ToolHost for Unbound {
    fn run_turn(&self, _: TurnRequest) -> LocalBoxFuture<'static, Option<RunOutcome>> {
        Box::pin(std::future::ready(None))
    }
    fn start_turn(&self, _: TurnRequest) -> bool {
        false
    }
}

/// What a tool call may use.
#[derive(Clone)]
pub struct ToolContext {
    /// The gateway, for work beyond this call (sub-turns, deliveries).
    pub host: Arc<dyn ToolHost>,
    /// The store.
    pub store: Store,
    /// Validated configuration.
    pub config: Arc<Config>,
    /// Session the call belongs to.
    pub session_key: String,
    /// Agent the call belongs to.
    pub agent_id: String,
    /// The run that made the call (`None` for `/tools/invoke`).
    pub run_id: Option<String>,
    /// Whether the turn's sender is an owner (an operator with `operator.admin`, a shared-secret
    /// HTTP caller, a cron job); owner-only tools are never offered to anyone else.
    pub sender_is_owner: bool,
    /// Fires when the run is aborted (by request, timeout, or its client going away). A tool
    /// whose future is dropped is cancelled too; this lets long work stop cleanly first.
    pub cancel: Cancel,
}

/// A run's cancellation signal as a tool sees it.
#[derive(Clone, Default)]
pub struct Cancel(Option<tokio::sync::watch::Receiver<bool>>);

impl Cancel {
    /// A signal that never fires (`/tools/invoke`: the call ends when its request does).
    pub fn never() -> Self {
        Cancel(None)
    }

    /// Follows a run's abort switch (`true` = aborted).
    pub fn from_watch(rx: tokio::sync::watch::Receiver<bool>) -> Self {
        Cancel(Some(rx))
    }

    /// Whether it has fired.
    pub fn is_cancelled(&self) -> bool {
        self.0.as_ref().is_some_and(|rx| *rx.borrow())
    }

    /// Resolves when it fires (never, for [`Cancel::never`] or once the run is gone).
    pub async fn cancelled(&self) {
        let Some(mut rx) = self.0.clone() else {
            return std::future::pending().await;
        };
        if rx.wait_for(|v| *v).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// A function the model (or `/tools/invoke`) can call.
pub trait Tool: Send + Sync {
    /// Name the model calls it by.
    fn name(&self) -> &'static str;
    /// One line on what it does.
    fn description(&self) -> &'static str;
    /// JSON schema of its arguments.
    fn parameters(&self) -> Value;
    /// Whether only owners may call it (OpenClaw: `cron`, `gateway`, `nodes`); such a tool is
    /// left out of the tool list of a turn whose sender is not an owner, whatever the policy.
    fn owner_only(&self) -> bool {
        false
    }
    /// Rewrites accepted alternative argument names to the schema's (default: none).
    fn normalize_args(&self, args: Value) -> Value {
        args
    }
    /// Runs it. The result is OpenClaw-shaped: `{content:[{type:"text",text}], details:{…}}`.
    fn call(
        &self,
        ctx: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>>;
}

/// Builds an OpenClaw-shaped tool result whose text is the JSON of `details`.
pub fn json_result(details: Value) -> Value {
    let text = serde_json::to_string_pretty(&details).unwrap_or_default();
    json!({"content": [{"type": "text", "text": text}], "details": details})
}

/// The text the model sees for a tool result.
pub fn result_text(result: &Value) -> String {
    match result.get("content").and_then(Value::as_array) {
        Some(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        None => result.to_string(),
    }
}

/// Every built-in tool, and the host their calls run with.
#[derive(Clone)]
pub struct ToolRegistry {
    tools: Vec<Arc<dyn Tool>>,
    host: Arc<OnceLock<Arc<dyn ToolHost>>>,
    web_fetch: web_fetch::WebFetch,
}

impl Default for ToolRegistry {
    fn default() -> Self {
        let web_fetch = web_fetch::WebFetch::default();
        ToolRegistry {
            tools: vec![
                Arc::new(sessions::SessionsList),
                Arc::new(sessions::SessionsHistory),
                Arc::new(sessions::SessionStatus),
                Arc::new(sessions_send::SessionsSend),
                Arc::new(agents_list::AgentsList),
                Arc::new(memory::MemorySearch),
                Arc::new(memory::MemoryGet),
                Arc::new(fs::read::Read),
                Arc::new(fs::write::Write),
                Arc::new(fs::edit::Edit),
                Arc::new(fs::apply_patch::ApplyPatch),
                Arc::new(fs::list::Ls),
                Arc::new(fs::find::Find),
                Arc::new(fs::grep::Grep),
                Arc::new(web_fetch.clone()),
            ],
            host: Arc::new(OnceLock::new()),
            web_fetch,
        }
    }
}

impl ToolRegistry {
    /// Binds the host every clone of this registry hands to tool calls (once, at start-up,
    /// when the application layer exists).
    pub fn bind_host(&self, host: Arc<dyn ToolHost>) {
        let _ = self.host.set(host);
    }

    /// Lets `web_fetch` reach loopback addresses. **Tests only** (see
    /// [`web_fetch::WebFetch::allow_loopback_for_tests`]).
    pub fn allow_loopback_fetches_for_tests(&self) {
        self.web_fetch.allow_loopback_for_tests();
    }

    /// The bound host.
    pub fn host(&self) -> Arc<dyn ToolHost> {
        self.host
            .get()
            .cloned()
            .unwrap_or_else(|| Arc::new(Unbound))
    }

    /// A tool by name, if built in.
    pub fn get(&self, name: &str) -> Option<Arc<dyn Tool>> {
        self.tools.iter().find(|t| t.name() == name).cloned()
    }

    /// Tools an agent may use under its policy ([`policy::Resolved`]), no model known, for an
    /// owner.
    pub fn for_agent(&self, agent: &AgentConfig) -> Vec<Arc<dyn Tool>> {
        self.for_turn(agent, None, true)
    }

    /// Tools an agent may use on `model` (its policy's `byProvider` rules apply); owner-only
    /// tools only when `owner`.
    pub fn for_turn(
        &self,
        agent: &AgentConfig,
        model: Option<&ModelRef>,
        owner: bool,
    ) -> Vec<Arc<dyn Tool>> {
        let policy = policy::Resolved::for_model(&agent.tools, model);
        self.tools
            .iter()
            .filter(|t| policy.permits(t.name()) && (owner || !t.owner_only()))
            .cloned()
            .collect()
    }

    /// Specs to offer a model.
    pub fn specs(tools: &[Arc<dyn Tool>]) -> Vec<ToolSpec> {
        tools
            .iter()
            .map(|t| ToolSpec {
                name: t.name().to_string(),
                description: t.description().to_string(),
                parameters: t.parameters(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ToolPolicy, ToolRules};

    #[test]
    fn policy_filters_tools() {
        let reg = ToolRegistry::default();
        let mut agent = AgentConfig {
            id: "main".into(),
            name: None,
            workspace: ".".into(),
            model: Default::default(),
            thinking: None,
            system_prompt: None,
            tools: ToolPolicy {
                agent: ToolRules {
                    deny: vec!["sessions_history".into()],
                    ..Default::default()
                },
                ..Default::default()
            },
        };
        let names: Vec<_> = reg.for_agent(&agent).iter().map(|t| t.name()).collect();
        assert_eq!(
            names,
            [
                "sessions_list",
                "session_status",
                "memory_search",
                "memory_get"
            ]
        );
        agent.tools = ToolPolicy {
            agent: ToolRules {
                allow: Some(vec!["session_status".into()]),
                ..Default::default()
            },
            ..Default::default()
        };
        let names: Vec<_> = reg.for_agent(&agent).iter().map(|t| t.name()).collect();
        assert_eq!(names, ["session_status"]);
    }
}
