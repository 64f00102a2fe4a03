//! Cron across several gateway nodes on one shared store (see `docs/scale-out.md`).
//!
//! Every node keeps the whole job table and arms its own timer; a due run is fired by the
//! node that first records the claim of that tick (`CronStore::cron_claim`, unique on the job
//! and its due time), so no leader is needed and each tick runs exactly once. Which tick a
//! run is, is the job's `nextRunAtMs` when it came due: schedules are anchored (`every` on its
//! anchor, cron expressions on the wall clock), so every node computes the same due times.
//!
//! A node learns about jobs added, changed or removed on other nodes by re-reading the table
//! ([`merge`], about once a second); state written by the node that ran a tick (last status,
//! next due time) comes with it.

use super::schedule::next_run_ms;
use super::CronJob;
use std::collections::BTreeMap;

/// Where a job's next due time moves after another node claimed the tick due at `slot`:
/// the next tick after both `slot` and `now` (a one-shot job has no next tick here; the node
/// that ran it stores what follows).
pub fn after_lost_claim(job: &CronJob, slot: i64, now: i64) -> Option<i64> {
    if job.is_one_shot() {
        return None;
    }
    next_run_ms(job, slot.max(now)).unwrap_or(None)
}

/// Folds the stored job table into the local one. Jobs `busy` here (being claimed or run) are
/// left alone; a job whose definition changed elsewhere (`updatedAtMs` differs) is taken as
/// stored; otherwise the stored state is taken but the later of the two next due times kept,
/// so a tick this node already passed is not tried again. Jobs no longer stored are dropped.
/// Another node's `runningAtMs` marker is not this node's business and is cleared.
pub fn merge(
    local: &mut BTreeMap<String, CronJob>,
    stored: Vec<CronJob>,
    busy: impl Fn(&str) -> bool,
    now: i64,
) {
    let mut seen = std::collections::HashSet::new();
    for mut s in stored {
        seen.insert(s.id.clone());
        if busy(&s.id) {
            continue;
        }
        s.state.running_at_ms = None;
        if let Some(l) = local.get(&s.id) {
            if l.updated_at_ms == s.updated_at_ms && s.enabled {
                s.state.next_run_at_ms = match (l.state.next_run_at_ms, s.state.next_run_at_ms) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => b.or(a),
                };
            }
        }
        if s.enabled && s.state.next_run_at_ms.is_none() && !s.is_one_shot() {
            s.state.next_run_at_ms = next_run_ms(&s, now).unwrap_or(None);
        }
        local.insert(s.id.clone(), s);
    }
    local.retain(|id, _| seen.contains(id) || busy(id));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cron::job::{JobState, Payload, Schedule};

    fn every(id: &str, ms: u64) -> CronJob {
        CronJob {
            id: id.into(),
            agent_id: None,
            session_key: None,
            name: id.into(),
            description: None,
            enabled: true,
            delete_after_run: None,
            created_at_ms: 0,
            updated_at_ms: 1,
            schedule: Schedule::Every {
                every_ms: ms,
                anchor_ms: Some(0),
            },
            session_target: "main".into(),
            wake_mode: "now".into(),
            payload: Payload::SystemEvent { text: "t".into() },
            delivery: None,
            state: JobState::default(),
        }
    }

    #[test]
    fn a_lost_tick_moves_to_the_next_one() {
        let j = every("a", 1000);
        assert_eq!(after_lost_claim(&j, 5000, 5200), Some(6000));
        assert_eq!(after_lost_claim(&j, 5000, 7300), Some(8000));
    }

    #[test]
    fn merge_adds_keeps_the_later_tick_and_drops_removed_jobs() {
        let mut local = BTreeMap::new();
        let mut a = every("a", 1000);
        a.state.next_run_at_ms = Some(9000);
        local.insert("a".to_string(), a.clone());
        let mut gone = every("gone", 1000);
        gone.state.next_run_at_ms = Some(1000);
        local.insert("gone".to_string(), gone);
        let mut stored_a = a.clone();
        stored_a.state.next_run_at_ms = Some(8000);
        stored_a.state.running_at_ms = Some(7999);
        stored_a.state.last_status = Some("ok".into());
        let new = every("new", 1000);
        merge(&mut local, vec![stored_a, new], |_| false, 4500);
        assert_eq!(local["a"].state.next_run_at_ms, Some(9000));
        assert_eq!(local["a"].state.running_at_ms, None);
        assert_eq!(local["a"].state.last_status.as_deref(), Some("ok"));
        assert_eq!(local["new"].state.next_run_at_ms, Some(5000));
        assert!(!local.contains_key("gone"));

        // Changed elsewhere: taken as stored.
        let mut changed = local["a"].clone();
        changed.updated_at_ms = 2;
        changed.state.next_run_at_ms = Some(4600);
        merge(&mut local, vec![changed], |id| id == "new", 4500);
        assert_eq!(local["a"].state.next_run_at_ms, Some(4600));
        assert!(local.contains_key("new"), "busy jobs stay");
    }
}
