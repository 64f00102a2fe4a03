//! The gateway under test as a child process: temp state dir, JSON5 config, readiness probe,
//! RSS, and a guard that kills it however the runner exits.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Token the bench config sets and every gateway request sends.
pub const TOKEN: &str = "bench-token";

/// `Authorization` value for [`TOKEN`].
pub const BEARER: &str = "Bearer bench-token";

/// A directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a fresh `clawgate-bench-…` directory.
    pub fn new(label: &str) -> std::io::Result<TempDir> {
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "clawgate-bench-{label}-{}-{nanos}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A free loopback port (bound then released; the gateway binds it right after).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The JSON5 config pointing the gateway at the mock.
pub fn config(mock_base_url: &str) -> String {
    config_with(mock_base_url, "")
}

/// The tool the tool-round figure offers: no parameters, a pure read of the loaded config.
pub const NOOP_TOOL: &str = "agents_list";

/// [`config`] plus a tool policy that offers exactly one tool, [`NOOP_TOOL`] (figure 7).
pub fn tools_config(mock_base_url: &str) -> String {
    config_with(
        mock_base_url,
        &format!("  tools: {{ allow: [\"{NOOP_TOOL}\"] }},\n"),
    )
}

/// Top-level JSON5 entries added to every config the run writes (`--gateway-config`).
static RUN_EXTRA: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Sets the entries `--gateway-config` adds to every gateway config of this run (once;
/// a second call is ignored). An ablation (tools off, another store) is measured this way.
pub fn set_run_config(entries: &str) {
    let _ = RUN_EXTRA.set(entries_line(entries));
}

/// `entries` as [`config_with`] appends them: trimmed, one trailing `,\n`.
fn entries_line(entries: &str) -> String {
    let mut line = entries.trim().trim_end_matches(',').trim_end().to_string();
    line.push_str(",\n");
    line
}

/// The entries [`set_run_config`] set, if any.
pub fn run_config() -> Option<&'static str> {
    RUN_EXTRA.get().map(String::as_str)
}

/// [`config`] with `extra` (whole top-level JSON5 entries, each ending in `,\n`) appended,
/// then this run's `--gateway-config` entries.
pub fn config_with(mock_base_url: &str, extra: &str) -> String {
    let run = run_config().unwrap_or("");
    format!(
        r#"{{
  gateway: {{ auth: {{ mode: "token", token: "{TOKEN}" }}, http: {{ endpoints: {{ chatCompletions: {{ enabled: true }} }}, limits: {{ requestsPerMinute: 0, concurrency: 0 }} }} }},
  models: {{ providers: {{ mock: {{ baseUrl: "{mock_base_url}", apiKey: "bench", api: "openai-completions", models: [{{ id: "mock-model" }}] }} }} }},
  agents: {{ defaults: {{ model: {{ primary: "mock/mock-model" }} }} }},
{extra}{run}}}
"#
    )
}

/// A running gateway child process, killed on drop.
#[derive(Debug)]
pub struct Gateway {
    child: Child,
    started: Instant,
    addr: SocketAddr,
    log: PathBuf,
    // Dropped after the child is killed (field order).
    _dir: TempDir,
}

impl Gateway {
    /// Writes a fresh state dir and [`config`] and spawns
    /// `<bin> gateway run --config <cfg> --state-dir <dir> --port <port> --bind loopback`,
    /// with stdout and stderr going to a log file in the temp dir.
    pub fn spawn(bin: &Path, mock_base_url: &str) -> std::io::Result<Gateway> {
        Self::spawn_with_config(bin, &config(mock_base_url))
    }

    /// As [`Gateway::spawn`], with this config text.
    pub fn spawn_with_config(bin: &Path, config_text: &str) -> std::io::Result<Gateway> {
        let dir = TempDir::new("gw")?;
        let state = dir.path().join("state");
        std::fs::create_dir_all(&state)?;
        let cfg = dir.path().join("clawgate.json5");
        std::fs::write(&cfg, config_text)?;
        let log = dir.path().join("gateway.log");
        let out = std::fs::File::create(&log)?;
        let err = out.try_clone()?;
        let port = free_port()?;
        let started = Instant::now();
        let child = Command::new(bin)
            .args(["gateway", "run", "--config"])
            .arg(&cfg)
            .arg("--state-dir")
            .arg(&state)
            .args(["--port", &port.to_string(), "--bind", "loopback"])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| std::io::Error::new(e.kind(), format!("spawn {}: {e}", bin.display())))?;
        Ok(Gateway {
            child,
            started,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            log,
            _dir: dir,
        })
    }

    /// The gateway's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls `GET /healthz` until the first `200`; returns the time since spawn.
    /// Fails if the process exits or `timeout` passes.
    pub fn wait_ready(&mut self, timeout: Duration) -> std::io::Result<Duration> {
        loop {
            if probe_healthz(self.addr) {
                return Ok(self.started.elapsed());
            }
            if let Some(status) = self.child.try_wait()? {
                return Err(std::io::Error::other(format!(
                    "gateway exited before ready ({status}); log tail:\n{}",
                    self.log_tail()
                )));
            }
            if self.started.elapsed() > timeout {
                return Err(std::io::Error::other(format!(
                    "gateway not ready after {timeout:?}; log tail:\n{}",
                    self.log_tail()
                )));
            }
            std::thread::sleep(Duration::from_micros(250));
        }
    }

    /// Resident set size of the process in KiB (`VmRSS` from `/proc/<pid>/status`).
    pub fn rss_kib(&self) -> std::io::Result<u64> {
        rss_kib(self.pid())
    }

    /// The last lines of the gateway's output.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Kills the process and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One blocking `GET /healthz`; true on a `200` status line.
fn probe_healthz(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(100)) else {
        return false;
    };
    let _ = s.set_nodelay(true);
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let req = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut buf = [0u8; 16];
    let mut n = 0;
    while n < 12 {
        match s.read(&mut buf[n..]) {
            Ok(0) | Err(_) => return false,
            Ok(k) => n += k,
        }
    }
    buf.starts_with(b"HTTP/1.1 200") || buf.starts_with(b"HTTP/1.0 200")
}

/// `VmRSS` of a process in KiB.
pub fn rss_kib(pid: u32) -> std::io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| std::io::Error::other("no VmRSS in /proc status"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_of_this_process_is_positive() {
        assert!(rss_kib(std::process::id()).unwrap() > 0);
    }

    #[test]
    fn config_points_at_the_mock() {
        let c = config("http://127.0.0.1:9/v1");
        assert!(c.contains(r#"baseUrl: "http://127.0.0.1:9/v1""#));
        assert!(c.contains(r#"token: "bench-token""#));
        assert!(c.contains(r#"primary: "mock/mock-model""#));
        assert_eq!(BEARER, format!("Bearer {TOKEN}"));
        assert!(!c.contains("tools:"));
        let t = tools_config("http://127.0.0.1:9/v1");
        assert!(t.starts_with(c.trim_end().trim_end_matches('}')));
        assert!(t.contains(r#"tools: { allow: ["agents_list"] },"#));
    }

    #[test]
    fn run_entries_end_in_one_comma() {
        assert_eq!(
            entries_line(" tools: { deny: [\"*\"] }, "),
            "tools: { deny: [\"*\"] },\n"
        );
        assert_eq!(entries_line("a: 1"), "a: 1,\n");
    }

    #[test]
    fn temp_dir_is_removed_on_drop() {
        let d = TempDir::new("t").unwrap();
        let p = d.path().to_path_buf();
        assert!(p.is_dir());
        drop(d);
        assert!(!p.exists());
    }
}
