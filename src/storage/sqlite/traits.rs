//! The storage traits over [`SqliteStore`]. Point reads and short writes run inline (a ready
//! future: no thread hop on the turn's path); contended writes go to the group-commit writer;
//! scanning reads (lists, counts, pages) run on the reader threads.

use super::SqliteStore;
use crate::storage::{
    AuditEntry, CronStore, IdempotencyClaim, KeyRow, KeyStore, KvStore, NewMessage, ResponseStore,
    RunLogQuery, RunRow, RunStore, SessionPatch, SessionQuery, SessionRow, SessionStore, Storage,
    StoreFuture, StoredMessage, StoredResponse, TranscriptStore, TurnEnd, UsageDelta, UsageQuery,
    UsageRow,
};

fn now<T: Send + 'static>(r: Result<T, crate::storage::StoreError>) -> StoreFuture<T> {
    Box::pin(std::future::ready(r))
}

impl SessionStore for SqliteStore {
    fn ensure_session(&self, key: &str, agent_id: &str) -> StoreFuture<SessionRow> {
        now(SqliteStore::ensure_session(self, key, agent_id))
    }
    fn get_session(&self, key: &str) -> StoreFuture<Option<SessionRow>> {
        now(SqliteStore::get_session(self, key))
    }
    fn list_sessions(&self, agent_id: Option<&str>, limit: usize) -> StoreFuture<Vec<SessionRow>> {
        let (s, agent) = (self.clone(), agent_id.map(str::to_string));
        self.inner
            .readers
            .run(move || SqliteStore::list_sessions(&s, agent.as_deref(), limit))
    }
    fn query_sessions(&self, q: &SessionQuery) -> StoreFuture<(Vec<SessionRow>, i64)> {
        let (s, q) = (self.clone(), q.clone());
        self.inner
            .readers
            .run(move || SqliteStore::query_sessions(&s, &q))
    }
    fn count_sessions(&self, agent_id: Option<&str>) -> StoreFuture<i64> {
        let (s, agent) = (self.clone(), agent_id.map(str::to_string));
        self.inner
            .readers
            .run(move || SqliteStore::count_sessions(&s, agent.as_deref()))
    }
    fn patch_session(&self, key: &str, patch: &SessionPatch) -> StoreFuture<Option<SessionRow>> {
        now(SqliteStore::patch_session(self, key, patch))
    }
    fn reset_session(&self, key: &str) -> StoreFuture<Option<SessionRow>> {
        now(SqliteStore::reset_session(self, key))
    }
    fn delete_session(&self, key: &str) -> StoreFuture<bool> {
        now(SqliteStore::delete_session(self, key))
    }
}

impl TranscriptStore for SqliteStore {
    fn load_messages(&self, session_id: &str, limit: usize) -> StoreFuture<Vec<StoredMessage>> {
        now(SqliteStore::load_messages(self, session_id, limit))
    }
    fn append_messages(
        &self,
        key: &str,
        session_id: &str,
        run_id: Option<&str>,
        msgs: Vec<NewMessage>,
    ) -> StoreFuture<()> {
        now(SqliteStore::append_messages(
            self, key, session_id, run_id, &msgs,
        ))
    }
    fn begin_turn(
        &self,
        key: &str,
        session_id: &str,
        run_id: &str,
        model: Option<&str>,
        msgs: Vec<NewMessage>,
    ) -> StoreFuture<()> {
        SqliteStore::begin_turn(self, key, session_id, run_id, model, msgs)
    }
    fn end_turn(&self, end: TurnEnd) -> StoreFuture<()> {
        SqliteStore::end_turn(self, end)
    }
}

impl RunStore for SqliteStore {
    fn get_run(&self, run_id: &str) -> StoreFuture<Option<RunRow>> {
        now(SqliteStore::get_run(self, run_id))
    }
    fn claim_idempotency(
        &self,
        credential: &str,
        key: &str,
        want: &str,
    ) -> StoreFuture<IdempotencyClaim> {
        now(SqliteStore::claim_idempotency(self, credential, key, want))
    }
    fn complete_idempotency(&self, credential: &str, key: &str, record: &str) -> StoreFuture<()> {
        now(SqliteStore::complete_idempotency(
            self, credential, key, record,
        ))
    }
}

impl CronStore for SqliteStore {
    fn cron_jobs(&self) -> StoreFuture<Vec<String>> {
        // Read once, at start-up: inline, so the reader threads start only when a list is
        // first asked for (they cost idle memory).
        now(SqliteStore::cron_jobs(self))
    }
    fn cron_put_job(&self, id: &str, body: &str) -> StoreFuture<()> {
        now(SqliteStore::cron_put_job(self, id, body))
    }
    fn cron_delete_job(&self, id: &str) -> StoreFuture<bool> {
        now(SqliteStore::cron_delete_job(self, id))
    }
    fn cron_append_run(
        &self,
        job_id: &str,
        ts: i64,
        status: &str,
        delivery_status: Option<&str>,
        body: &str,
        keep: usize,
    ) -> StoreFuture<()> {
        now(SqliteStore::cron_append_run(
            self,
            job_id,
            ts,
            status,
            delivery_status,
            body,
            keep,
        ))
    }
    fn cron_runs(&self, q: &RunLogQuery) -> StoreFuture<(Vec<String>, usize)> {
        let (s, q) = (self.clone(), q.clone());
        self.inner
            .readers
            .run(move || SqliteStore::cron_runs(&s, &q))
    }
    fn cron_claim(&self, job_id: &str, scheduled_at: i64, node: &str) -> StoreFuture<bool> {
        now(SqliteStore::cron_claim(self, job_id, scheduled_at, node))
    }
}

impl ResponseStore for SqliteStore {
    fn put_response(&self, r: &StoredResponse) -> StoreFuture<()> {
        now(SqliteStore::put_response(self, r))
    }
    fn get_response(&self, id: &str) -> StoreFuture<Option<StoredResponse>> {
        now(SqliteStore::get_response(self, id))
    }
}

impl KvStore for SqliteStore {
    fn kv_get(&self, key: &str) -> StoreFuture<Option<String>> {
        now(SqliteStore::kv_get(self, key))
    }
    fn kv_put(&self, key: &str, value: &str) -> StoreFuture<()> {
        now(SqliteStore::kv_put(self, key, value))
    }
}

impl KeyStore for SqliteStore {
    fn key_put(&self, row: &KeyRow) -> StoreFuture<()> {
        now(SqliteStore::key_put(self, row))
    }
    fn key_get(&self, id: &str) -> StoreFuture<Option<KeyRow>> {
        now(SqliteStore::key_get(self, id))
    }
    fn key_list(&self) -> StoreFuture<Vec<KeyRow>> {
        let s = self.clone();
        self.inner.readers.run(move || SqliteStore::key_list(&s))
    }
    fn key_revoke(&self, id: &str, at: i64) -> StoreFuture<bool> {
        now(SqliteStore::key_revoke(self, id, at))
    }
    fn usage_add(&self, delta: &UsageDelta) -> StoreFuture<()> {
        now(SqliteStore::usage_add(self, delta))
    }
    fn usage_query(&self, q: &UsageQuery) -> StoreFuture<Vec<UsageRow>> {
        let (s, q) = (self.clone(), q.clone());
        self.inner
            .readers
            .run(move || SqliteStore::usage_query(&s, &q))
    }
    fn audit_append(&self, entry: &AuditEntry) -> StoreFuture<i64> {
        now(SqliteStore::audit_append(self, entry))
    }
    fn audit_list(&self, since: i64, limit: usize) -> StoreFuture<Vec<AuditEntry>> {
        let s = self.clone();
        self.inner
            .readers
            .run(move || SqliteStore::audit_list(&s, since, limit))
    }
    fn audit_prune(&self, before: i64) -> StoreFuture<usize> {
        now(SqliteStore::audit_prune(self, before))
    }
}

impl Storage for SqliteStore {
    fn describe(&self) -> String {
        SqliteStore::describe(self)
    }
}
