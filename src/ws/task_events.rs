//! OpenClaw `task` events for a run: `{action: "upserted", task}` snapshots of the run's task
//! ledger entry (`running` while it goes, then `completed` / `failed` / `cancelled`). clawgate
//! keeps no task ledger beyond the run itself, so the entry lives as long as the run's
//! translator; `kind`/`runtime` are `cli` as OpenClaw reports gateway-started agent runs.

use serde_json::{json, Value};

/// One run's task entry.
pub struct RunTask {
    id: String,
    run_id: String,
    session_key: String,
    agent_id: String,
    title: String,
    created_at: i64,
}

/// The longest `title` (characters of the run's message).
const TITLE_CHARS: usize = 200;

impl RunTask {
    /// The entry of a run that started at `at` with `message`.
    pub fn new(run_id: &str, session_key: &str, agent_id: &str, message: &str, at: i64) -> Self {
        RunTask {
            id: uuid::Uuid::new_v4().to_string(),
            run_id: run_id.into(),
            session_key: session_key.into(),
            agent_id: agent_id.into(),
            title: message.chars().take(TITLE_CHARS).collect(),
            created_at: at,
        }
    }

    /// A `task` payload: the entry with `status`, `execution` and the `extra` keys.
    pub fn upsert(&self, status: &str, execution: Value, now: i64, extra: Value) -> Value {
        let mut task = json!({
            "id": self.id, "taskId": self.id, "kind": "cli", "runtime": "cli",
            "status": status, "execution": execution, "title": self.title,
            "agentId": self.agent_id, "sessionKey": self.session_key,
            "childSessionKey": self.session_key, "hasTranscript": true,
            "ownerKey": self.session_key, "runId": self.run_id, "sourceId": self.run_id,
            "createdAt": self.created_at, "updatedAt": now, "startedAt": self.created_at,
            "deliveryStatus": "not_applicable",
        });
        if let (Some(t), Value::Object(extra)) = (task.as_object_mut(), extra) {
            t.extend(extra);
        }
        json!({"action": "upserted", "task": task})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upsert_carries_the_entry_and_its_state() {
        let t = RunTask::new("r1", "agent:main:main", "main", "hi", 5);
        let v = t.upsert(
            "completed",
            json!({"state": "finished"}),
            9,
            json!({"endedAt": 9}),
        );
        assert_eq!(v["action"], "upserted");
        assert_eq!(v["task"]["status"], "completed");
        assert_eq!(v["task"]["title"], "hi");
        assert_eq!(
            (&v["task"]["createdAt"], &v["task"]["endedAt"]),
            (&json!(5), &json!(9))
        );
        assert_eq!(v["task"]["id"], v["task"]["taskId"]);
    }
}
