//! Agent tools: the [`Tool`] trait, the registry, the per-agent allow/deny policy, and the
//! [`ToolContext`] a call runs with. Through [`ToolHost`] (implemented by the application
//! layer) a tool can reach the rest of the gateway, e.g. run a sub-agent turn, without this
//! module depending on the actors or the edges.

mod agents_list;
pub mod approval;
pub mod args;
pub mod browser;
pub mod cron;
pub mod exec;
pub mod executor;
pub mod fs;
mod memory;
mod message;
pub mod policy;
mod sessions;
mod sessions_send;
mod sessions_spawn;
mod update_plan;
pub mod web_fetch;
pub mod web_search;

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
    /// Runs cron operation `action` (`status`, `list`, `add`, `update`, `remove`, `run`,
    /// `runs`) with the `cron.*` methods' parameters.
    fn cron(
        &self,
        action: &str,
        params: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>>;
    /// Creates session `key` of `agent_id` if missing, with `label`.
    fn create_session(
        &self,
        key: String,
        agent_id: String,
        label: Option<String>,
    ) -> LocalBoxFuture<'static, Result<(), ToolError>>;
    /// Deletes session `key` (aborting its turns); whether it existed.
    fn delete_session(&self, key: String, agent_id: String) -> LocalBoxFuture<'static, bool>;
    /// Sends text to a chat through the gateway's one delivery path (the channel registry);
    /// the receipt, or why nothing was sent. A host without channels refuses.
    fn deliver(
        &self,
        msg: crate::channels::Deliver,
    ) -> LocalBoxFuture<
        'static,
        Result<crate::channels::DeliveryReceipt, crate::channels::DeliveryError>,
    > {
        Box::pin(std::future::ready(Err(
            crate::channels::DeliveryError::NoConnector(msg.channel),
        )))
    }

    /// The current skills snapshot of agent `agent_id` (its prompt section and the env its
    /// skills' config gives a run); `None` when the host has none.
    fn skills(&self, _agent_id: &str) -> Option<Arc<crate::skills::SkillSnapshot>> {
        None
    }

    /// Asks the operators to approve a command (`exec`) and waits for the answer; no answer
    /// in time is a denial. A host with no operators denies at once.
    fn request_approval(
        &self,
        _req: approval::ApprovalRequest,
    ) -> LocalBoxFuture<'static, approval::Approval> {
        Box::pin(std::future::ready(approval::Approval::denied(
            "no operator can approve commands here",
        )))
    }

    /// The memory service (`memory_search`, `memory_get`); `None` when there is none.
    fn memory(&self) -> Option<crate::memory::Memory> {
        None
    }

    /// The browser service (`browser`); `None` when there is none.
    fn browser(&self) -> Option<crate::browser::Browser> {
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
    fn cron(&self, _: &str, _: Value) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(std::future::ready(Err(ToolError::Failed(
            "no gateway to run cron operations".into(),
        ))))
    }
    fn create_session(
        &self,
        _: String,
        _: String,
        _: Option<String>,
    ) -> LocalBoxFuture<'static, Result<(), ToolError>> {
        Box::pin(std::future::ready(Err(ToolError::Failed(
            "no gateway to create sessions".into(),
        ))))
    }
    fn delete_session(&self, _: String, _: String) -> LocalBoxFuture<'static, bool> {
        Box::pin(std::future::ready(false))
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
    /// How deep in `sessions_spawn` nesting the call's turn runs (0: not a sub-agent).
    pub spawn_depth: u32,
    /// Fires when the run is aborted (by request, timeout, or its client going away). A tool
    /// whose future is dropped is cancelled too; this lets long work stop cleanly first.
    pub cancel: Cancel,
    /// Env vars for processes the call spawns (`skills.entries.<key>.env` / `apiKey` of the
    /// agent's eligible skills). The gateway serves many runs at once, so these are never
    /// written into its own environment: a tool that starts a process merges them into that
    /// process's environment.
    pub env: Arc<std::collections::BTreeMap<String, String>>,
}

/// Who a turn's tools are for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Caller {
    /// The sender is an owner (see [`ToolContext::sender_is_owner`]).
    pub owner: bool,
    /// How deep in `sessions_spawn` nesting the turn runs (0: not a sub-agent).
    pub spawn_depth: u32,
}

impl Caller {
    /// A top-level turn of an owner.
    pub const OWNER: Caller = Caller {
        owner: true,
        spawn_depth: 0,
    };
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
    /// Whether to offer it in a turn of `caller` for `agent` once the policy allows it
    /// (default: yes; `sessions_spawn` says no beyond the agent's spawn depth).
    fn offered_to(&self, _agent: &AgentConfig, _caller: Caller) -> bool {
        true
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
    jobs: Arc<exec::jobs::Jobs>,
}

impl Default for ToolRegistry {
    fn default() -> Self {
        let web_fetch = web_fetch::WebFetch::default();
        let jobs = Arc::new(exec::jobs::Jobs::default());
        ToolRegistry {
            tools: vec![
                Arc::new(sessions::SessionsList),
                Arc::new(sessions::SessionsHistory),
                Arc::new(sessions::SessionStatus),
                Arc::new(sessions_send::SessionsSend),
                Arc::new(sessions_spawn::SessionsSpawn::default()),
                Arc::new(agents_list::AgentsList),
                Arc::new(cron::Cron),
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
                Arc::new(web_search::WebSearch::default()),
                Arc::new(message::MessageTool),
                Arc::new(update_plan::UpdatePlan),
                Arc::new(exec::Exec::new(jobs.clone())),
                Arc::new(exec::process::Process::new(jobs.clone())),
                Arc::new(browser::BrowserTool),
            ],
            host: Arc::new(OnceLock::new()),
            web_fetch,
            jobs,
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

    /// The shell commands the gateway runs (`exec`, `process`); shutdown kills them.
    pub fn jobs(&self) -> &Arc<exec::jobs::Jobs> {
        &self.jobs
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

    /// Tools an agent may use under its policy ([`policy::Resolved`]), no model known, for a
    /// top-level owner.
    pub fn for_agent(&self, agent: &AgentConfig) -> Vec<Arc<dyn Tool>> {
        self.for_turn(agent, None, Caller::OWNER)
    }

    /// Tools an agent may use on `model` (its policy's `byProvider` rules apply) in a turn of
    /// `caller`: owner-only tools only for owners, and each tool's own say
    /// ([`Tool::offered_to`]).
    pub fn for_turn(
        &self,
        agent: &AgentConfig,
        model: Option<&ModelRef>,
        caller: Caller,
    ) -> Vec<Arc<dyn Tool>> {
        let policy = policy::Resolved::for_model(&agent.tools, model);
        self.tools
            .iter()
            .filter(|t| policy.permits(t.name()) && (caller.owner || !t.owner_only()))
            .filter(|t| t.offered_to(agent, caller))
            .cloned()
            .collect()
    }

    /// Specs to offer a model. A tool's schema does not change while the process runs, so
    /// each is built once and shared by every turn.
    pub fn specs(tools: &[Arc<dyn Tool>]) -> Vec<ToolSpec> {
        static SCHEMAS: OnceLock<dashmap::DashMap<String, Arc<Value>>> = OnceLock::new();
        let schemas = SCHEMAS.get_or_init(Default::default);
        tools
            .iter()
            .map(|t| {
                let parameters = match schemas.get(t.name()) {
                    Some(p) => p.clone(),
                    None => schemas
                        .entry(t.name().to_string())
                        .or_insert_with(|| Arc::new(t.parameters()))
                        .clone(),
                };
                ToolSpec {
                    name: t.name().to_string(),
                    description: t.description().to_string(),
                    parameters,
                }
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
            subagents: Default::default(),
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
