//! Idempotency keys (`agent`, `chat.send`, `send`): a retry gets the run its key already
//! names, or that run's final answer, instead of a second run.
//!
//! Keys are scoped by the credential that sent them, so two clients using the same key never
//! share or overwrite a run. An in-memory cache answers retries while the gateway runs; the
//! claim (key → run id) and the final answer are also stored, so a retry after a restart
//! still gets the stored run. The first claim of a key makes it the run id, as OpenClaw does,
//! unless that id already names a stored run (then the run gets a fresh id).

use super::{App, AppError};
use crate::core::dedupe::Begin;
use crate::core::CredentialId;
use crate::storage::{RunRow, RunStatus};
use serde_json::Value;

/// What [`App::begin_idempotent`] found.
#[derive(Debug, Clone)]
pub enum Begun {
    /// First use of the key: start the run under `run_id`, then [`App::finish_idempotent`].
    New {
        /// The run id to use.
        run_id: String,
    },
    /// A run for this key is going; [`App::wait_idempotent`] yields its final answer.
    InFlight {
        /// Its run id.
        run_id: String,
    },
    /// The key's final answer, to replay.
    Done(Value),
    /// A run for this key was started by an earlier process that stopped before recording
    /// an answer; its stored row.
    Orphaned {
        /// Its run id.
        run_id: String,
        /// Its row.
        row: RunRow,
    },
}

fn mem_key(credential: &CredentialId, scope: &str, key: &str) -> String {
    format!("{credential}\u{1f}{scope}:{key}")
}

impl App {
    /// Looks `key` up for `credential` within `scope` (`agent`, `chat`, `send`), claiming it
    /// when it is new.
    pub async fn begin_idempotent(
        &self,
        credential: &CredentialId,
        scope: &str,
        key: &str,
    ) -> Result<Begun, AppError> {
        let mem = mem_key(credential, scope, key);
        match self.idem.begin(&mem, key) {
            Begin::Done(v) => return Ok(Begun::Done(v)),
            Begin::InFlight(run_id) => return Ok(Begun::InFlight { run_id }),
            Begin::New => {}
        }
        let claim = self
            .store
            .claim_idempotency(credential.as_str(), &format!("{scope}:{key}"), key)
            .await;
        let claim = match claim {
            Ok(c) => c,
            Err(e) => {
                self.idem.remove(&mem);
                return Err(e.into());
            }
        };
        if let Some(record) = claim.record {
            let v: Value = serde_json::from_str(&record).unwrap_or(Value::Null);
            self.idem.complete(&mem, v.clone());
            return Ok(Begun::Done(v));
        }
        self.idem.set_running(&mem, &claim.run_id);
        if claim.fresh {
            return Ok(Begun::New {
                run_id: claim.run_id,
            });
        }
        // Claimed before without an answer: the run either never started (start it now),
        // is still going (its owner will answer), or died with an earlier process.
        match self.store.get_run(&claim.run_id).await.ok().flatten() {
            None => Ok(Begun::New {
                run_id: claim.run_id,
            }),
            Some(row) if row.status == RunStatus::Running.as_str() => Ok(Begun::InFlight {
                run_id: claim.run_id,
            }),
            Some(row) => Ok(Begun::Orphaned {
                run_id: claim.run_id,
                row,
            }),
        }
    }

    /// Records the final answer of a key begun with [`App::begin_idempotent`].
    pub async fn finish_idempotent(
        &self,
        credential: &CredentialId,
        scope: &str,
        key: &str,
        record: Value,
    ) {
        let stored = record.to_string();
        self.idem.complete(&mem_key(credential, scope, key), record);
        let write = self.store.complete_idempotency(
            credential.as_str(),
            &format!("{scope}:{key}"),
            &stored,
        );
        if let Err(e) = write.await {
            tracing::warn!(error = %e, "could not store an idempotency record");
        }
    }

    /// Forgets an in-memory key whose work failed before it started (a retry may try again).
    pub fn abandon_idempotent(&self, credential: &CredentialId, scope: &str, key: &str) {
        self.idem.remove(&mem_key(credential, scope, key));
    }

    /// Waits for the final answer of a key another request is working on (`None` when that
    /// request gave up).
    pub async fn wait_idempotent(
        &self,
        credential: &CredentialId,
        scope: &str,
        key: &str,
    ) -> Option<Value> {
        self.idem.wait_done(&mem_key(credential, scope, key)).await
    }

    /// The in-memory cache (the WebSocket hub prunes it on its tick).
    pub fn idempotency_cache(&self) -> &std::sync::Arc<crate::core::dedupe::DedupeCache> {
        &self.idem
    }
}
