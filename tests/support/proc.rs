//! The real `clawgate` binary as a child process: start a gateway and wait until it is ready,
//! run one CLI command, find a free port. Shared by the binary-level test files.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_clawgate");

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed and reaped when dropped.
pub struct Proc(pub Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `clawgate gateway run` on `dir` and `port` (plus `extra` flags) and waits for `/healthz`.
pub async fn start(dir: &std::path::Path, port: u16, extra: &[&str]) -> Proc {
    let mut cmd = Command::new(BIN);
    cmd.args(["gateway", "run", "--state-dir"])
        .arg(dir)
        .args(["--port", &port.to_string()])
        .args(extra);
    cmd.env_remove("OPENCLAW_GATEWAY_TOKEN")
        .env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .env("RUST_LOG", "warn");
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let p = Proc(child);
    let client = awc::Client::default();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
        {
            if r.status() == 200 {
                return p;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("gateway did not become ready");
}

impl Proc {
    /// Waits (polling the process table: the gateway is another process) up to 10 s for the
    /// gateway to exit, and returns its exit code.
    #[allow(dead_code)]
    pub async fn exit_code(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(s) = self.0.try_wait().unwrap() {
                return s.code();
            }
            assert!(Instant::now() < deadline, "gateway did not exit");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Runs one CLI command without the gateway environment; exit code, stdout, stderr.
pub fn run_cmd(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env_remove("OPENCLAW_GATEWAY_TOKEN")
        .env_remove("OPENCLAW_GATEWAY_URL")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
