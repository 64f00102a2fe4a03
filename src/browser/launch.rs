//! Launching a managed Chromium and making sure it never outlives the gateway.
//!
//! - The browser runs in its own process group (`process_group(0)`), so one signal reaches
//!   its zygote, GPU and renderer children; stopping kills the group and a reaper thread
//!   waits for the leader (and, when the gateway is a child subreaper, the rest of the group),
//!   so no zombie is left.
//! - On Linux it is started through `setpriv --pdeathsig KILL` when `setpriv` exists, so the
//!   kernel kills it when the gateway dies, even by `kill -9`.
//! - Its pid and group are written to `<profile dir>/chromium.pid`; the next start of the
//!   gateway kills a recorded browser that is still running ([`kill_orphans`]), checking
//!   first that the process is the one recorded (its command line names the user-data dir).
//! - `--no-sandbox` is added only when the gateway runs as root (Chromium refuses to start
//!   sandboxed as root).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::sync::{oneshot, watch};

/// How long to wait for the DevTools endpoint of a starting browser.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
/// The viewport every tab gets (screenshots are this size).
pub const VIEWPORT: (u32, u32) = (1280, 720);
const PID_FILE: &str = "chromium.pid";

/// The first of `chromium`, `chromium-browser`, `google-chrome` found on `PATH`.
pub fn find_on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// The command-line switches of a managed browser.
pub fn args(user_data_dir: &Path, headless: bool, as_root: bool) -> Vec<String> {
    let mut a = vec![
        "--remote-debugging-port=0".to_string(),
        "--remote-debugging-address=127.0.0.1".to_string(),
        format!("--user-data-dir={}", user_data_dir.display()),
        "--no-first-run".into(),
        "--no-default-browser-check".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-extensions".into(),
        "--disable-default-apps".into(),
        "--disable-dev-shm-usage".into(),
        "--metrics-recording-only".into(),
        "--mute-audio".into(),
        "--password-store=basic".into(),
        "--use-mock-keychain".into(),
        format!("--window-size={},{}", VIEWPORT.0, VIEWPORT.1),
    ];
    if headless {
        a.push("--headless=new".into());
        a.push("--hide-scrollbars".into());
    }
    if as_root {
        a.push("--no-sandbox".into());
    }
    a.push("about:blank".into());
    a
}

/// A running managed browser.
pub struct Process {
    /// Its pid (also its process group id).
    pub pid: i32,
    /// The browser's DevTools WebSocket URL.
    pub ws_url: String,
    exited: watch::Receiver<bool>,
    pid_file: PathBuf,
}

fn signal_group(pgid: i32, sig: rustix::process::Signal) {
    if let Some(pid) = rustix::process::Pid::from_raw(pgid) {
        let _ = rustix::process::kill_process_group(pid, sig);
    }
}

/// Whether the gateway runs as root.
pub fn running_as_root() -> bool {
    rustix::process::geteuid().is_root()
}

impl Process {
    /// Starts `exe` for a profile whose state lives in `dir`; resolves once the DevTools
    /// endpoint is announced.
    pub async fn start(
        exe: &Path,
        user_data_dir: &Path,
        dir: &Path,
        headless: bool,
    ) -> Result<Process, String> {
        crate::config::create_private_dir(user_data_dir)
            .map_err(|e| format!("cannot create {}: {e}", user_data_dir.display()))?;
        let setpriv = Path::new("/usr/bin/setpriv");
        let mut cmd = if cfg!(target_os = "linux") && setpriv.is_file() {
            let mut c = Command::new(setpriv);
            c.arg("--pdeathsig").arg("KILL").arg("--").arg(exe);
            c
        } else {
            Command::new(exe)
        };
        cmd.args(args(user_data_dir, headless, running_as_root()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child: Child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
        let pid = child.id() as i32;
        let pid_file = dir.join(PID_FILE);
        let _ = std::fs::write(&pid_file, format!("{pid} {}\n", user_data_dir.display()));
        let stderr = child.stderr.take();
        let (url_tx, url_rx) = oneshot::channel::<String>();
        let (exit_tx, exited) = watch::channel(false);
        let spawned = std::thread::Builder::new()
            .name("chromium-stderr".into())
            .spawn(move || {
                let Some(stderr) = stderr else { return };
                let mut url_tx = Some(url_tx);
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Some(i) = line.find("ws://") {
                        if line.contains("DevTools listening on") {
                            if let Some(tx) = url_tx.take() {
                                let _ = tx.send(line[i..].trim().to_string());
                            }
                        }
                    }
                }
            })
            .and_then(|_| {
                std::thread::Builder::new()
                    .name("chromium-reap".into())
                    .spawn(move || reap(child, pid, exit_tx))
            });
        let mut process = Process {
            pid,
            ws_url: String::new(),
            exited,
            pid_file,
        };
        if let Err(e) = spawned {
            process.kill();
            return Err(format!("cannot supervise the browser: {e}"));
        }
        match tokio::time::timeout(START_TIMEOUT, url_rx).await {
            Ok(Ok(url)) => {
                process.ws_url = url;
                Ok(process)
            }
            Ok(Err(_)) => Err(format!(
                "{} exited before announcing its DevTools endpoint",
                exe.display()
            )),
            Err(_) => Err(format!(
                "{} did not announce its DevTools endpoint within {}s",
                exe.display(),
                START_TIMEOUT.as_secs()
            )),
        }
    }

    /// Whether the browser process has exited.
    pub fn has_exited(&self) -> bool {
        *self.exited.borrow()
    }

    /// Kills the whole group (returns at once; the reaper collects it).
    pub fn kill(&self) {
        signal_group(self.pid, rustix::process::Signal::KILL);
    }

    /// Kills the group and waits (up to `grace`) until the leader is reaped.
    pub async fn stop(mut self, grace: Duration) {
        self.kill();
        let _ = tokio::time::timeout(grace, self.exited.wait_for(|e| *e)).await;
        let _ = std::fs::remove_file(&self.pid_file);
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits for the leader, then for any other member of its group the gateway inherited as a
/// subreaper; reports the exit.
fn reap(mut child: Child, pgid: i32, exited: watch::Sender<bool>) {
    let _ = child.wait();
    // The leader is gone: make sure its children are too.
    signal_group(pgid, rustix::process::Signal::KILL);
    if let Some(g) = rustix::process::Pid::from_raw(pgid) {
        while let Ok(Some(_)) = rustix::process::waitpgid(g, rustix::process::WaitOptions::empty())
        {
        }
    }
    let _ = exited.send(true);
}

/// Whether a process of group `pgid` is still a browser with `flag` on its command line
/// (the leader itself, or — once the leader is gone — any member of its group).
fn group_runs(pgid: i32, flag: &str) -> bool {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return false;
    };
    procs.flatten().any(|e| {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            return false;
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // `pid (comm) state ppid pgrp …`: fields after the last ')'.
        let pgrp = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(2))
            .and_then(|g| g.parse::<i32>().ok());
        if pgrp != Some(pgid) {
            return false;
        }
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        String::from_utf8_lossy(&cmdline).contains(flag)
    })
}

/// Kills browsers recorded by a previous gateway process that are still running (after a
/// `kill -9` of the gateway): every `<state>/browser/*/chromium.pid` whose process still has
/// the recorded user-data dir on its command line.
pub fn kill_orphans(state_dir: &Path) -> usize {
    let Ok(dirs) = std::fs::read_dir(state_dir.join("browser")) else {
        return 0;
    };
    let mut killed = 0;
    for d in dirs.flatten() {
        let file = d.path().join(PID_FILE);
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let _ = std::fs::remove_file(&file);
        let Some((pid, udd)) = text.trim().split_once(' ') else {
            continue;
        };
        let Ok(pid) = pid.parse::<i32>() else {
            continue;
        };
        let flag = format!("--user-data-dir={udd}");
        if pid > 1 && group_runs(pid, &flag) {
            tracing::warn!(pid, "killing a browser left running by a previous gateway");
            signal_group(pid, rustix::process::Signal::KILL);
            killed += 1;
        }
    }
    killed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_sandbox_only_as_root() {
        let a = args(Path::new("/u"), true, false);
        assert!(a.contains(&"--user-data-dir=/u".to_string()));
        assert!(a.contains(&"--headless=new".to_string()));
        assert!(!a.contains(&"--no-sandbox".to_string()));
        assert!(args(Path::new("/u"), false, true).contains(&"--no-sandbox".to_string()));
    }
}
