//! A throwaway PostgreSQL cluster for tests: `initdb` in a temp dir, `pg_ctl start` on a free
//! loopback port with trust authentication (loopback only), one fresh database per test, and
//! `pg_ctl stop -m immediate` plus the temp dir's removal when the last test holding the
//! cluster drops it. The server binaries come from `CLAWGATE_PG_BIN` (set by
//! `scripts/test.sh` from `scripts/ensure-postgres.sh`) or Debian's `/usr/lib/postgresql/*/bin`;
//! a test fails, never skips, when there are none. PostgreSQL refuses to run as root, so as
//! root the server commands run as the `postgres` user on a dir it owns.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// A running cluster; stopped and removed on drop.
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

fn bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CLAWGATE_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| rd.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs.into_iter()
        .rev()
        .find(|d| d.join("initdb").exists())
        .expect("PostgreSQL server binaries not found: run scripts/ensure-postgres.sh and set CLAWGATE_PG_BIN")
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// `program args…`, as the `postgres` user when we are root.
fn server_cmd(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(mut c: Command, what: &str) -> String {
    let out = c.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl PgCluster {
    /// `initdb` and start a new cluster.
    pub fn start() -> PgCluster {
        let bin = bin_dir();
        let dir = tempfile::Builder::new()
            .prefix("clawgate-pg-")
            .tempdir()
            .unwrap();
        if is_root() {
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("postgres:postgres").arg(dir.path());
                    c
                },
                "chown",
            );
        }
        let data = dir.path().join("data");
        let mut init = server_cmd(&bin.join("initdb"));
        init.arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "--auth=trust",
            "--no-locale",
            "-E",
            "UTF8",
            "--no-sync",
        ]);
        run(init, "initdb");
        let port = free_port();
        let mut start = server_cmd(&bin.join("pg_ctl"));
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.path().join("server.log"))
            .arg("-w")
            .arg("-o")
            .arg(format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                dir.path().display()
            ))
            .arg("start");
        run(start, "pg_ctl start");
        PgCluster { dir, bin, port }
    }

    /// The cluster this test process shares: started by the first test that asks, stopped
    /// when the last test holding it lets go.
    pub fn shared() -> Arc<PgCluster> {
        static SHARED: OnceLock<Mutex<Weak<PgCluster>>> = OnceLock::new();
        let slot = SHARED.get_or_init(|| Mutex::new(Weak::new()));
        let mut weak = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = weak.upgrade() {
            return c;
        }
        let c = Arc::new(PgCluster::start());
        *weak = Arc::downgrade(&c);
        c
    }

    /// Creates a fresh database and returns its URL.
    pub fn create_db(&self) -> String {
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut c = Command::new(self.bin.join("psql"));
        c.args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
        ])
        .arg("-p")
        .arg(self.port.to_string())
        .arg("-c")
        .arg(format!("CREATE DATABASE {name}"));
        run(c, "CREATE DATABASE");
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let mut stop = server_cmd(&self.bin.join("pg_ctl"));
        stop.arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "-w", "stop"]);
        let _ = stop.output();
    }
}
