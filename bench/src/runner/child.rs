//! Other servers measured beside the gateway: the floor forwarder and a peer gateway, each a
//! child process in its own process group (killed as a group on every exit path), with
//! readiness by a real request and CPU time read from `/proc` for the whole group.

use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::gateway::TempDir;

/// A child server process, its process group killed on drop.
#[derive(Debug)]
pub struct ChildServer {
    child: Child,
    log: PathBuf,
    _dir: TempDir,
}

impl ChildServer {
    /// Spawns `program args…` in a new process group, output to a log file in a temp dir.
    pub fn spawn(label: &str, program: &Path, args: &[String]) -> std::io::Result<ChildServer> {
        let mut cmd = Command::new(program);
        cmd.args(args);
        Self::spawn_command(label, cmd)
    }

    /// Spawns `sh -c <line>` in a new process group (a peer's start command).
    pub fn spawn_shell(label: &str, line: &str) -> std::io::Result<ChildServer> {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", line]);
        Self::spawn_command(label, cmd)
    }

    fn spawn_command(label: &str, mut cmd: Command) -> std::io::Result<ChildServer> {
        let dir = TempDir::new(label)?;
        let log = dir.path().join("server.log");
        let out = std::fs::File::create(&log)?;
        let err = out.try_clone()?;
        cmd.stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .current_dir(dir.path())
            .process_group(0);
        let child = cmd.spawn()?;
        Ok(ChildServer {
            child,
            log,
            _dir: dir,
        })
    }

    /// The leader's process id (also the process group id).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until `ready` returns true, failing if the child exits or `timeout` passes.
    pub async fn wait_ready<F, Fut>(
        &mut self,
        timeout: Duration,
        mut ready: F,
    ) -> std::io::Result<()>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let started = Instant::now();
        loop {
            if ready().await {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait()? {
                return Err(std::io::Error::other(format!(
                    "exited before ready ({status}); log tail:\n{}",
                    self.log_tail()
                )));
            }
            if started.elapsed() > timeout {
                return Err(std::io::Error::other(format!(
                    "not ready after {timeout:?}; log tail:\n{}",
                    self.log_tail()
                )));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The last lines of the child's output.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Resident memory of the whole process group, KiB.
    pub fn rss_kib(&self) -> u64 {
        group_pids(self.pid())
            .into_iter()
            .filter_map(|p| super::gateway::rss_kib(p).ok())
            .sum()
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        // SAFETY: kill(2) with a negative pid signals the child's own process group.
        unsafe {
            libc::kill(-(self.child.id() as i32), libc::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether a TCP connection to `addr` succeeds now.
pub async fn accepts(addr: SocketAddr) -> bool {
    tokio::net::TcpStream::connect(addr).await.is_ok()
}

/// Pids whose process group is `pgid` (the leader included).
pub fn group_pids(pgid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return vec![pgid];
    };
    let mut pids: Vec<u32> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| stat_fields(*pid).is_some_and(|f| f.pgrp == pgid))
        .collect();
    if !pids.contains(&pgid) {
        pids.push(pgid);
    }
    pids
}

/// The `/proc/<pid>/stat` fields the benchmark uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct StatFields {
    ppid: u32,
    pgrp: u32,
    /// utime + stime, clock ticks.
    cpu_ticks: u64,
}

fn stat_fields(pid: u32) -> Option<StatFields> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// Parses `/proc/<pid>/stat` (the command name may hold spaces and parentheses).
fn parse_stat(text: &str) -> Option<StatFields> {
    let rest = &text[text.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state(0) ppid(1) pgrp(2) … utime(11) stime(12).
    Some(StatFields {
        ppid: f.get(1)?.parse().ok()?,
        pgrp: f.get(2)?.parse().ok()?,
        cpu_ticks: f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?,
    })
}

/// CPU time (user + system) used so far by one process, µs.
pub fn cpu_us(pid: u32) -> u64 {
    stat_fields(pid).map_or(0, |f| ticks_to_us(f.cpu_ticks))
}

/// CPU time used so far by every process of a process group, µs.
pub fn group_cpu_us(pgid: u32) -> u64 {
    group_pids(pgid)
        .into_iter()
        .filter_map(stat_fields)
        .map(|f| ticks_to_us(f.cpu_ticks))
        .sum()
}

/// CPU time used so far by a process and its direct children (a PostgreSQL postmaster and its
/// backends), µs. Children that already exited are not counted.
pub fn tree_cpu_us(parent: u32) -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return cpu_us(parent);
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| stat_fields(pid).map(|f| (pid, f)))
        .filter(|(pid, f)| *pid == parent || f.ppid == parent)
        .map(|(_, f)| ticks_to_us(f.cpu_ticks))
        .sum()
}

fn ticks_to_us(ticks: u64) -> u64 {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    ticks * 1_000_000 / hz
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_names_parse() {
        let line = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0";
        assert_eq!(
            parse_stat(line),
            Some(StatFields {
                ppid: 1,
                pgrp: 4242,
                cpu_ticks: 300
            })
        );
    }

    #[test]
    fn this_process_uses_some_cpu_and_is_in_its_group() {
        let me = std::process::id();
        // The kernel counts CPU time in clock ticks (10 ms): burn until one is counted.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut x = 0u64;
        while cpu_us(me) == 0 && std::time::Instant::now() < deadline {
            for i in 0..1_000_000u64 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
            }
        }
        assert!(
            cpu_us(me) > 0,
            "no CPU time counted after 10 s of work ({x})"
        );
        let pgrp = stat_fields(me).unwrap().pgrp;
        assert!(group_pids(pgrp).contains(&me));
        assert!(tree_cpu_us(me) >= cpu_us(me));
    }
}
