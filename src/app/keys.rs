//! API keys as application operations: create (the key is returned once), list, revoke,
//! rotate; the usage report; the audit log. Also what a key's turn goes through: its agent
//! is checked, its session moved into the key's namespace, its quotas applied, and its usage
//! recorded when it ends. Every edge (admin HTTP, WS RPC, CLI) calls these.

use super::{App, AppError, Placement, RunHandle};
use crate::core::run::{RunEvent, TurnRequest};
use crate::keys::quota::TurnSlot;
use crate::keys::{namespace, token, KeyGrant, KeyPolicy, KeyRegistry};
use crate::storage::{now_ms, AuditEntry, KeyRow, UsageDelta, UsageQuery, UsageRow};
use serde_json::{json, Value};
use std::sync::Arc;

/// What a key's turn holds while it runs: its concurrency slot and where its usage goes.
pub struct KeyTurn {
    grant: Arc<KeyGrant>,
    user: String,
    slot: TurnSlot,
}

/// A key's public description (never its secret or hash).
pub fn key_json(row: &KeyRow) -> Value {
    let policy: Value = serde_json::from_str(&row.policy).unwrap_or(Value::Null);
    let mut v = json!({
        "id": row.id,
        "createdAt": row.created_at,
        "revokedAt": row.revoked_at,
        "status": if row.revoked_at.is_some() { "revoked" } else { "active" },
    });
    if let (Some(o), Some(p)) = (v.as_object_mut(), policy.as_object()) {
        for (k, val) in p {
            o.insert(k.clone(), val.clone());
        }
    }
    v
}

const DAY_MS: i64 = 86_400_000;

impl App {
    /// The key registry (the authentication middleware verifies keys through it).
    pub fn keys(&self) -> &Arc<KeyRegistry> {
        &self.keys
    }

    /// Creates a key; returns its description and the key itself (shown this once).
    pub async fn create_key(
        &self,
        actor: &str,
        mut policy: KeyPolicy,
    ) -> Result<(Value, String), AppError> {
        policy
            .validate(&self.config())
            .map_err(|(m, p)| AppError::invalid(m, p))?;
        let new = token::generate().map_err(|e| AppError::Failed(e.to_string()))?;
        let row = KeyRow {
            id: new.id.clone(),
            hash: new.hash,
            policy: serde_json::to_string(&policy).map_err(|e| AppError::Failed(e.to_string()))?,
            created_at: now_ms(),
            revoked_at: None,
        };
        self.keys.insert(row.clone()).await?;
        self.audit(
            actor,
            "key.created",
            &row.id,
            json!({"name": policy.name, "app": policy.app, "scopes": policy.scopes}),
        )
        .await;
        Ok((key_json(&row), new.token))
    }

    /// Every key (revoked ones included), newest first.
    pub async fn list_keys(&self) -> Result<Vec<Value>, AppError> {
        Ok(self.keys.list().await?.iter().map(key_json).collect())
    }

    /// Revokes a key: it stops working at once, open connections included.
    pub async fn revoke_key(&self, actor: &str, id: &str) -> Result<(), AppError> {
        if !self.keys.revoke(id).await? {
            return Err(AppError::NotFound(format!("no active key `{id}`")));
        }
        self.audit(actor, "key.revoked", id, json!({})).await;
        Ok(())
    }

    /// Gives a key a new secret (same id and policy); the old secret stops at once.
    pub async fn rotate_key(&self, actor: &str, id: &str) -> Result<(Value, String), AppError> {
        if token::parse(&format!("{}{id}_{}", token::PREFIX, "0".repeat(64))).is_none() {
            return Err(AppError::NotFound(format!("no active key `{id}`")));
        }
        let new = token::with_id(id.to_string()).map_err(|e| AppError::Failed(e.to_string()))?;
        if !self.keys.replace_hash(id, new.hash).await? {
            return Err(AppError::NotFound(format!("no active key `{id}`")));
        }
        self.audit(actor, "key.rotated", id, json!({})).await;
        let row = self
            .store
            .key_get(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no active key `{id}`")))?;
        Ok((key_json(&row), new.token))
    }

    /// Usage rows (by day, key and end user).
    pub async fn key_usage(&self, q: &UsageQuery) -> Result<Vec<UsageRow>, AppError> {
        self.keys.usage_settled().await;
        Ok(self.store.usage_query(q).await?)
    }

    /// Appends to the audit log (best effort: a failed write is logged, never fatal) and
    /// prunes entries past `gateway.audit.retentionDays`.
    pub async fn audit(&self, actor: &str, action: &str, target: &str, detail: Value) {
        let entry = AuditEntry {
            seq: 0,
            ts: now_ms(),
            actor: actor.to_string(),
            action: action.to_string(),
            target: target.to_string(),
            detail: detail.to_string(),
        };
        if let Err(e) = self.store.audit_append(&entry).await {
            tracing::warn!(error = %e, action, "could not write the audit log");
        }
        let days = self.config().audit_retention_days;
        if days > 0 && self.keys.prune_due(entry.ts) {
            let _ = self
                .store
                .audit_prune(entry.ts - days as i64 * DAY_MS)
                .await;
        }
    }

    /// The newest `limit` audit entries at or after `since` (ms).
    pub async fn audit_log(&self, since: i64, limit: usize) -> Result<Vec<AuditEntry>, AppError> {
        Ok(self.store.audit_list(since, limit).await?)
    }

    /// Applies a key's policy to a turn: the agent must be allowed, the session moves into
    /// the key's namespace (and the end user's), and the quotas admit it.
    pub fn key_turn(
        &self,
        grant: &Arc<KeyGrant>,
        turn: &mut TurnRequest,
        user: Option<&str>,
    ) -> Result<KeyTurn, AppError> {
        let policy = &grant.policy;
        if !policy.allows_agent(&turn.agent_id) {
            return Err(AppError::Forbidden(format!(
                "This API key may not use agent '{}'.",
                turn.agent_id
            )));
        }
        let user = self.key_user(grant, user)?;
        let ns = namespace::prefix(&policy.app, user.as_deref());
        turn.session_key = namespace::confine(&turn.session_key, &turn.agent_id, &ns);
        turn.sender_is_owner = false;
        let slot = grant
            .counters
            .admit_turn(&policy.quotas)
            .map_err(|d| AppError::Limited {
                message: d.message,
                retry_after: d.retry_after,
            })?;
        Ok(KeyTurn {
            grant: grant.clone(),
            user: user.unwrap_or_default(),
            slot,
        })
    }

    /// The end user a key's caller named (checked and normalised), if the key allows it.
    pub fn key_user(
        &self,
        grant: &KeyGrant,
        user: Option<&str>,
    ) -> Result<Option<String>, AppError> {
        let Some(raw) = user.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        if !grant.policy.end_users {
            return Ok(None);
        }
        namespace::end_user(raw).map(Some).ok_or_else(|| {
            AppError::invalid(
                "the end user must be 1–64 characters of A-Z a-z 0-9 . _ @ -",
                "user",
            )
        })
    }

    /// Whether session `key` lies in the key's namespace (and the end user's, when named).
    pub fn key_owns(
        &self,
        grant: &KeyGrant,
        user: Option<&str>,
        key: &str,
    ) -> Result<bool, AppError> {
        let user = self.key_user(grant, user)?;
        let ns = namespace::prefix(&grant.policy.app, user.as_deref());
        Ok(namespace::owns(key, &grant.policy.agents, &ns))
    }

    /// Session `key` of `agent` moved into the key's namespace (403 for an agent it may not
    /// use).
    pub fn key_confine(
        &self,
        grant: &KeyGrant,
        user: Option<&str>,
        agent: &str,
        key: &str,
    ) -> Result<String, AppError> {
        if !grant.policy.allows_agent(agent) {
            return Err(AppError::Forbidden(format!(
                "This API key may not use agent '{agent}'."
            )));
        }
        let user = self.key_user(grant, user)?;
        let ns = namespace::prefix(&grant.policy.app, user.as_deref());
        Ok(namespace::confine(key, agent, &ns))
    }

    /// The session-key prefixes a key may see (`agent:<agent>:app:<app>:…`), for lists.
    /// Never empty: a key allowed no configured agent gets a prefix no key has.
    pub fn key_prefixes(
        &self,
        grant: &KeyGrant,
        user: Option<&str>,
    ) -> Result<Vec<String>, AppError> {
        let user = self.key_user(grant, user)?;
        let ns = namespace::prefix(&grant.policy.app, user.as_deref());
        let cfg = self.config();
        let mut out: Vec<String> = cfg
            .agents
            .iter()
            .filter(|a| grant.policy.allows_agent(&a.id))
            .map(|a| format!("agent:{}:{ns}", a.id))
            .collect();
        if out.is_empty() {
            out.push("\u{0}".into());
        }
        Ok(out)
    }

    /// Starts a key's turn (as [`App::start_turn`]). Its events pass through a relay that,
    /// before handing on `Done`, frees the turn's concurrency slot, counts its tokens against
    /// the key's budgets and marks a usage write pending (so a usage report read after the
    /// answer includes it); the write follows at once. A client that goes away still drops
    /// the run (the relay stops reading).
    pub fn start_key_turn(&self, req: TurnRequest, placement: Placement, kt: KeyTurn) -> RunHandle {
        let handle = self.start_turn(req, placement);
        let run_id = handle.run_id().to_string();
        let mut up = handle.into_events();
        let (tx, rx) = tokio::sync::mpsc::channel(crate::core::run::SUBSCRIBER_BUFFER);
        let store = self.store.clone();
        let keys = self.keys.clone();
        actix::spawn(async move {
            let KeyTurn { grant, user, slot } = kt;
            let mut slot = Some(slot);
            loop {
                let ev = tokio::select! {
                    ev = up.recv() => ev,
                    _ = tx.closed() => None,
                };
                let Some(ev) = ev else { break };
                let done = match &*ev {
                    RunEvent::Done(o) => {
                        drop(slot.take());
                        let tokens = o.usage.input + o.usage.output;
                        grant.counters.spend(tokens);
                        keys.usage_pending(1);
                        Some(UsageDelta {
                            key_id: grant.id.clone(),
                            user: user.clone(),
                            day: crate::keys::quota::today(),
                            requests: 1,
                            turns: 1,
                            errors: u64::from(o.failure.is_some()),
                            tokens_in: o.usage.input,
                            tokens_out: o.usage.output,
                        })
                    }
                    _ => None,
                };
                let sent = tx.send(ev).await.is_ok();
                if let Some(delta) = done {
                    if let Err(e) = store.usage_add(&delta).await {
                        tracing::warn!(error = %e, "could not record API key usage");
                    }
                    keys.usage_pending(-1);
                    break;
                }
                if !sent {
                    break;
                }
            }
        });
        RunHandle::relayed(run_id, rx, self.clone())
    }
}
