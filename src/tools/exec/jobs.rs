//! The gateway's job registry: every command it is running (so shutdown can kill them all),
//! and the background jobs the `process` tool manages, each visible only to the session that
//! started it. Also the commands operators approved with `allow-always` (until restart).

use super::job::Job;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Background jobs kept per gateway (running or finished, until removed).
pub const MAX_BACKGROUND_JOBS: usize = 32;
/// A finished background job is forgotten after this long.
pub const FINISHED_TTL: Duration = Duration::from_secs(30 * 60);

/// Every live command and every kept background job.
#[derive(Default)]
pub struct Jobs {
    jobs: Mutex<Vec<Arc<Job>>>,
    always: Mutex<HashSet<(String, String)>>,
}

impl Jobs {
    fn lock(&self) -> MutexGuard<'_, Vec<Arc<Job>>> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Drops finished foreground jobs and background jobs finished longer than the TTL.
    fn prune(jobs: &mut Vec<Arc<Job>>) {
        jobs.retain(|j| {
            let st = j.state();
            match st.ended {
                None => true,
                Some(_) if !j.is_background() => false,
                Some(at) => at.elapsed() < FINISHED_TTL,
            }
        });
    }

    /// Registers a started job (so shutdown reaches it).
    pub fn add(&self, job: Arc<Job>) {
        let mut jobs = self.lock();
        Self::prune(&mut jobs);
        jobs.push(job);
    }

    /// Forgets a foreground job that finished.
    pub fn release(&self, job: &Job) {
        if !job.is_background() {
            self.lock().retain(|j| j.id != job.id);
        }
    }

    /// Whether another background job may start; makes room by forgetting the oldest
    /// finished one when the registry is full.
    pub fn reserve_background(&self) -> Result<(), String> {
        let mut jobs = self.lock();
        Self::prune(&mut jobs);
        let background = jobs.iter().filter(|j| j.is_background()).count();
        if background < MAX_BACKGROUND_JOBS {
            return Ok(());
        }
        match jobs
            .iter()
            .position(|j| j.is_background() && j.is_finished())
        {
            Some(i) => {
                jobs.remove(i);
                Ok(())
            }
            None => Err(format!(
                "too many background jobs ({MAX_BACKGROUND_JOBS} running); kill or remove one with the process tool"
            )),
        }
    }

    /// The background jobs of `session_key`, oldest first.
    pub fn list(&self, session_key: &str) -> Vec<Arc<Job>> {
        let mut jobs = self.lock();
        Self::prune(&mut jobs);
        jobs.iter()
            .filter(|j| j.is_background() && j.owner.session_key == session_key)
            .cloned()
            .collect()
    }

    /// Background job `id` of `session_key`.
    pub fn get(&self, session_key: &str, id: &str) -> Option<Arc<Job>> {
        self.list(session_key).into_iter().find(|j| j.id == id)
    }

    /// Forgets background job `id` of `session_key` (kills it if still running).
    pub fn remove(&self, session_key: &str, id: &str) -> Option<Arc<Job>> {
        let mut jobs = self.lock();
        let i = jobs
            .iter()
            .position(|j| j.is_background() && j.owner.session_key == session_key && j.id == id)?;
        let job = jobs.remove(i);
        job.kill();
        Some(job)
    }

    /// Kills every command and waits (up to `wait`) until each group is reaped.
    pub async fn kill_all(&self, wait: Duration) {
        let jobs: Vec<Arc<Job>> = self.lock().clone();
        if jobs.iter().all(|j| j.is_finished()) {
            return;
        }
        tracing::info!(count = jobs.len(), "killing exec commands");
        for j in &jobs {
            j.kill();
        }
        let all = futures_util::future::join_all(jobs.iter().map(|j| j.finished()));
        let _ = tokio::time::timeout(wait, all).await;
    }

    /// Remembers that operators allowed `command` for `agent_id` for good.
    pub fn approve_always(&self, agent_id: &str, command: &str) {
        self.always
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((agent_id.to_string(), command.to_string()));
    }

    /// Whether operators allowed `command` for `agent_id` for good.
    pub fn is_approved_always(&self, agent_id: &str, command: &str) -> bool {
        self.always
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&(agent_id.to_string(), command.to_string()))
    }
}
