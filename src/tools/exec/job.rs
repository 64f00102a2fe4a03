//! One shell command: `/bin/sh -c <command>` in its own process group, with its stdout and
//! stderr on one pipe (so they interleave as written), a scrubbed environment, and three
//! small threads that own its life:
//!
//! - the **reader** copies the pipe into a capped [`OutputBuf`] until end of file;
//! - the **reaper** waits for every process of the group (`waitpgid`), records the shell's
//!   exit status, and ends when the group has no process left to reap. The gateway makes
//!   itself a *child subreaper* (Linux), so processes the command leaves behind come back to
//!   it when their parent dies, and are reaped here instead of becoming zombies under PID 1;
//! - the **watchdog** signals the group: `SIGTERM` when the shell exits (whatever it left
//!   running goes too), when the timeout passes or when a kill is requested (run abort, the
//!   `process` tool, gateway shutdown), then `SIGKILL` after [`KILL_GRACE`]. It marks the job
//!   finished once the group is reaped and the output read.
//!
//! Nothing here blocks an async runtime: callers await [`Job::finished`].

use super::output::OutputBuf;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::{ChildStdin, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Once};
use std::time::{Duration, Instant};

/// How long the group gets between `SIGTERM` and `SIGKILL`.
pub const KILL_GRACE: Duration = Duration::from_secs(2);
/// How long output still in the pipe is read after the group is gone (a process that left
/// the group may hold the pipe open).
const DRAIN_GRACE: Duration = Duration::from_millis(500);

/// What to run.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The shell command.
    pub command: String,
    /// Working directory (inside the workspace).
    pub cwd: PathBuf,
    /// The whole environment of the command.
    pub env: Vec<(String, String)>,
    /// Killed after this long.
    pub timeout: Duration,
    /// Bytes of output kept.
    pub output_cap: usize,
}

/// Who started a job.
#[derive(Debug, Clone)]
pub struct Owner {
    /// Agent id.
    pub agent_id: String,
    /// Session key.
    pub session_key: String,
}

/// What is known about a job right now.
#[derive(Debug)]
pub struct State {
    /// Its output.
    pub out: OutputBuf,
    /// The shell's exit code.
    pub exit_code: Option<i32>,
    /// The signal that ended the shell.
    pub signal: Option<i32>,
    /// Killed because the timeout passed.
    pub timed_out: bool,
    /// Killed on request.
    pub killed: bool,
    /// The group is gone and the output read.
    pub finished: bool,
    /// When it finished.
    pub ended: Option<Instant>,
    /// Output offset up to which `process poll` has reported.
    pub poll_cursor: u64,
    leader_exited: bool,
    all_reaped: bool,
    eof: bool,
    kill_requested: bool,
}

struct Shared {
    state: Mutex<State>,
    cvar: Condvar,
    finished: tokio::sync::watch::Sender<bool>,
    progress: tokio::sync::watch::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn update(&self, f: impl FnOnce(&mut State)) {
        f(&mut self.lock());
        self.cvar.notify_all();
    }
}

/// A running or finished command.
pub struct Job {
    /// Session id for the `process` tool.
    pub id: String,
    /// The shell's pid (also the process group id).
    pub pid: i32,
    /// The command as given.
    pub command: String,
    /// Working directory, relative to the workspace.
    pub cwd: String,
    /// Who started it.
    pub owner: Owner,
    /// Wall-clock start (ms since the epoch).
    pub started_at_ms: i64,
    started: Instant,
    background: AtomicBool,
    stdin: Mutex<Option<ChildStdin>>,
    shared: Arc<Shared>,
}

/// Makes the gateway a child subreaper once (Linux), so orphaned processes of a command are
/// reparented to it and reaped by their job's reaper.
fn become_subreaper() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        #[cfg(target_os = "linux")]
        if let Err(e) = rustix::process::set_child_subreaper(Some(rustix::process::getpid())) {
            tracing::warn!(error = %e, "cannot become a child subreaper; orphans of exec commands are left to init");
        }
    });
}

fn signal_group(pgid: i32, sig: rustix::process::Signal) {
    if let Some(pid) = rustix::process::Pid::from_raw(pgid) {
        let _ = rustix::process::kill_process_group(pid, sig);
    }
}

impl Job {
    /// Starts `spec` (`cwd_display` is how the working directory is reported).
    pub fn spawn(spec: &Spec, cwd_display: String, owner: Owner) -> std::io::Result<Arc<Job>> {
        become_subreaper();
        let (read, write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
        let write2: OwnedFd = write.try_clone()?;
        let mut cmd = std::process::Command::new("/bin/sh");
        cmd.arg("-c")
            .arg(&spec.command)
            .current_dir(&spec.cwd)
            .env_clear()
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::from(write))
            .stderr(Stdio::from(write2));
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.spawn()?;
        // The command holds the pipe's write ends: drop it so the reader sees end of file.
        drop(cmd);
        let pid = child.id() as i32;
        let stdin = child.stdin.take();
        // Not waited on through `Child`: the reaper owns every wait of this group.
        drop(child);
        let (finished, _) = tokio::sync::watch::channel(false);
        let (progress, _) = tokio::sync::watch::channel(0);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                out: OutputBuf::new(spec.output_cap),
                exit_code: None,
                signal: None,
                timed_out: false,
                killed: false,
                finished: false,
                ended: None,
                poll_cursor: 0,
                leader_exited: false,
                all_reaped: false,
                eof: false,
                kill_requested: false,
            }),
            cvar: Condvar::new(),
            finished,
            progress,
        });
        let job = Arc::new(Job {
            id: uuid::Uuid::new_v4().simple().to_string()[..12].to_string(),
            pid,
            command: spec.command.clone(),
            cwd: cwd_display,
            owner,
            started_at_ms: chrono::Utc::now().timestamp_millis(),
            started: Instant::now(),
            background: AtomicBool::new(false),
            stdin: Mutex::new(stdin),
            shared: shared.clone(),
        });
        let deadline = Instant::now() + spec.timeout;
        let threads = [
            std::thread::Builder::new().name("exec-read".into()).spawn({
                let s = shared.clone();
                move || read_output(read, &s)
            }),
            std::thread::Builder::new().name("exec-reap".into()).spawn({
                let s = shared.clone();
                move || reap(pid, &s)
            }),
            std::thread::Builder::new()
                .name("exec-watch".into())
                .spawn(move || watch(pid, deadline, &shared)),
        ];
        if let Some(Err(e)) = threads.into_iter().find(|t| t.is_err()) {
            // Without its threads the job cannot be supervised: kill it now.
            signal_group(pid, rustix::process::Signal::KILL);
            return Err(e);
        }
        Ok(job)
    }

    /// A snapshot of its state.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    /// Asks the watchdog to kill the group (`SIGTERM`, then `SIGKILL`); returns at once.
    pub fn kill(&self) {
        self.shared.update(|s| {
            if !s.finished && !s.kill_requested {
                s.kill_requested = true;
                s.killed = !s.leader_exited;
            }
        });
    }

    /// Resolves once the group is gone and its output read.
    pub async fn finished(&self) {
        let mut rx = self.shared.finished.subscribe();
        let _ = rx.wait_for(|f| *f).await;
    }

    /// Resolves once its output passes `offset` bytes, or it finishes.
    pub async fn output_past(&self, offset: u64) {
        let mut progress = self.shared.progress.subscribe();
        tokio::select! {
            _ = progress.wait_for(|n| *n > offset) => {}
            _ = self.finished() => {}
        }
    }

    /// Whether it has finished.
    pub fn is_finished(&self) -> bool {
        self.state().finished
    }

    /// Whether it is (now) a background job.
    pub fn is_background(&self) -> bool {
        self.background.load(Ordering::Relaxed)
    }

    /// Marks it a background job.
    pub fn set_background(&self) {
        self.background.store(true, Ordering::Relaxed);
    }

    /// Milliseconds since it started (until it finished), given its locked `state`.
    pub fn runtime_ms(&self, state: &State) -> u64 {
        let end = state.ended.unwrap_or_else(Instant::now);
        end.saturating_duration_since(self.started).as_millis() as u64
    }

    /// Closes its stdin (it then reads end of file).
    pub fn close_stdin(&self) {
        self.stdin.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    /// Writes `data` to its stdin (and closes it when `eof`).
    pub fn write_stdin(&self, data: &[u8], eof: bool) -> std::io::Result<()> {
        use std::io::Write;
        let mut guard = self.stdin.lock().unwrap_or_else(|p| p.into_inner());
        let Some(stdin) = guard.as_mut() else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "stdin is closed",
            ));
        };
        let r = stdin.write_all(data).and_then(|_| stdin.flush());
        if eof || r.is_err() {
            guard.take();
        }
        r
    }
}

fn read_output(read: OwnedFd, s: &Shared) {
    let mut f = std::fs::File::from(read);
    let mut buf = [0u8; 8192];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let total = {
                    let mut st = s.lock();
                    st.out.push(&buf[..n]);
                    st.out.total()
                };
                s.progress.send_replace(total);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    s.update(|st| st.eof = true);
}

fn reap(pid: i32, s: &Shared) {
    let Some(pgid) = rustix::process::Pid::from_raw(pid) else {
        return;
    };
    loop {
        match rustix::process::waitpgid(pgid, rustix::process::WaitOptions::empty()) {
            Ok(Some((p, status))) => {
                if p.as_raw_nonzero().get() == pid {
                    s.update(|st| {
                        st.exit_code = status.exit_status();
                        st.signal = status.terminating_signal();
                        st.leader_exited = true;
                    });
                }
            }
            Ok(None) => {}
            Err(rustix::io::Errno::INTR) => {}
            Err(_) => break, // ECHILD: nothing of the group left to reap
        }
    }
    s.update(|st| {
        st.leader_exited = true;
        st.all_reaped = true;
    });
}

fn watch(pid: i32, deadline: Instant, s: &Shared) {
    let mut st = s.lock();
    let mut term_at: Option<Instant> = None;
    let mut killed = false;
    while !st.all_reaped {
        let now = Instant::now();
        if term_at.is_none() && (st.leader_exited || st.kill_requested || now >= deadline) {
            if !st.leader_exited && !st.kill_requested {
                st.timed_out = true;
            }
            signal_group(pid, rustix::process::Signal::TERM);
            term_at = Some(now);
        }
        if !killed && term_at.is_some_and(|t| now >= t + KILL_GRACE) {
            signal_group(pid, rustix::process::Signal::KILL);
            killed = true;
        }
        let next = match term_at {
            None => Some(deadline),
            Some(t) if !killed => Some(t + KILL_GRACE),
            Some(_) => None,
        };
        st = match next {
            Some(at) => {
                let wait = at.saturating_duration_since(Instant::now());
                s.cvar
                    .wait_timeout(st, wait)
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
            None => s.cvar.wait(st).unwrap_or_else(|p| p.into_inner()),
        };
    }
    let until = Instant::now() + DRAIN_GRACE;
    while !st.eof {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        st = s
            .cvar
            .wait_timeout(st, left)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
    st.finished = true;
    st.ended = Some(Instant::now());
    drop(st);
    s.cvar.notify_all();
    s.finished.send_replace(true);
}
