//! API keys as application operations: create (the key is returned once), list, revoke,
//! rotate; the usage report; the audit log. Also what a key's turn goes through: its agent
//! is checked, its session moved into the key's namespace, its quotas applied, and its usage
//! recorded when it ends. Every edge (admin HTTP, WS RPC, CLI) calls these.

use super::{App, AppError, Placement, RunHandle};
use crate::core::run::{RunEvent, Subscriber, TurnRequest};
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
            let _ = self.store.audit_prune(entry.ts - days as i64 * DAY_MS).await;
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

    /// The session-key prefixes a key may see (`agent:<agent>:app:<app>:…`), for lists.
    pub fn key_prefixes(&self, grant: &KeyGrant, user: Option<&str>) -> Vec<String> {
        let ns = namespace::prefix(&grant.policy.app, user);
        let cfg = self.config();
        cfg.agents
            .iter()
            .filter(|a| grant.policy.allows_agent(&a.id))
            .map(|a| format!("agent:{}:{ns}", a.id))
            .collect()
    }

    /// Starts a key's turn (as [`App::start_turn`]) and records its usage when it ends.
    pub fn start_key_turn(&self, req: TurnRequest, placement: Placement, kt: KeyTurn) -> RunHandle {
        let (sub, mut rx) = Subscriber::channel(false);
        let handle = self.start_observed(req, placement, sub);
        let store = self.store.clone();
        actix::spawn(async move {
            let mut delta = UsageDelta {
                key_id: kt.grant.id.clone(),
                user: kt.user.clone(),
                day: crate::keys::quota::today(),
                requests: 1,
                turns: 1,
                ..Default::default()
            };
            while let Some(ev) = rx.recv().await {
                if let RunEvent::Done(o) = &*ev {
                    delta.tokens_in = o.usage.input;
                    delta.tokens_out = o.usage.output;
                    delta.errors = u64::from(o.failure.is_some());
                    break;
                }
            }
            drop(kt.slot);
            kt.grant.counters.spend(delta.tokens_in + delta.tokens_out);
            if let Err(e) = store.usage_add(&delta).await {
                tracing::warn!(error = %e, "could not record API key usage");
            }
        });
        handle
    }
}
