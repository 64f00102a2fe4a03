//! The shared services the `--cluster` mode starts for itself: a throwaway PostgreSQL cluster
//! (`initdb` in a temp dir, a free loopback port, trust authentication) and a `nats-server`.
//!
//! Both are drop guards: the server is stopped (`pg_ctl stop -m immediate`, or the NATS process
//! group killed) and its temp dir removed on every exit path, as the gateway child is.
//! PostgreSQL refuses to run as root, so as root its server commands run as the `postgres` user
//! (`runuser`) on a dir it owns, as `tests/support/postgres.rs` does. Binaries come from
//! `CLAWGATE_PG_BIN` (else Debian's `/usr/lib/postgresql/*/bin`) and `CLAWGATE_NATS_SERVER`
//! (else `nats-server` on the `PATH`); `scripts/ensure-postgres.sh` and `scripts/ensure-nats.sh`
//! install and print them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::child::{accepts, ChildServer};
use super::gateway::{free_port, TempDir};

/// Settings the server runs with beyond `initdb`'s defaults. `synchronous_commit=off` gives
/// the durability of the SQLite store's `synchronous=NORMAL` in WAL mode (a commit survives a
/// process kill, not a power cut): the two backends are compared like for like.
pub const PG_SETTINGS: &str = "-c synchronous_commit=off -c max_connections=200";

/// PostgreSQL's server binaries: `CLAWGATE_PG_BIN`, else the newest `/usr/lib/postgresql/*/bin`.
pub fn pg_bin_dir() -> std::io::Result<PathBuf> {
    if let Ok(dir) = std::env::var("CLAWGATE_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| rd.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs.into_iter()
        .rev()
        .find(|d| d.join("initdb").exists())
        .ok_or_else(|| {
            std::io::Error::other(
                "PostgreSQL server binaries not found: run scripts/ensure-postgres.sh and set CLAWGATE_PG_BIN",
            )
        })
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// `program`, as the `postgres` user when we are root.
fn server_cmd(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// Runs a command to its end; its output on failure.
fn run(mut c: Command, what: &str) -> std::io::Result<String> {
    let out = c
        .output()
        .map_err(|e| std::io::Error::new(e.kind(), format!("{what}: {e}")))?;
    if !out.status.success() {
        return Err(std::io::Error::other(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// A running throwaway PostgreSQL cluster; stopped and its dir removed on drop.
#[derive(Debug)]
pub struct Postgres {
    bin: PathBuf,
    port: u16,
    // Removed after the server is stopped (`Drop` runs before the fields drop).
    dir: TempDir,
}

impl Postgres {
    /// `initdb` in a fresh temp dir and `pg_ctl start` on a free loopback port.
    pub fn start() -> std::io::Result<Postgres> {
        let bin = pg_bin_dir()?;
        let dir = TempDir::new("pg")?;
        if is_root() {
            let mut c = Command::new("chown");
            c.arg("postgres:postgres").arg(dir.path());
            run(c, "chown")?;
        }
        let port = free_port()?;
        // The guard exists before the server starts: a half-started server is stopped too.
        let pg = Postgres { bin, port, dir };
        let mut init = server_cmd(&pg.bin.join("initdb"));
        init.arg("-D").arg(pg.data()).args([
            "-U",
            "postgres",
            "--auth=trust",
            "--no-locale",
            "-E",
            "UTF8",
            "--no-sync",
        ]);
        run(init, "initdb")?;
        let mut start = server_cmd(&pg.bin.join("pg_ctl"));
        start
            .arg("-D")
            .arg(pg.data())
            .arg("-l")
            .arg(pg.dir.path().join("server.log"))
            .args(["-w", "-t", "30", "-o"])
            .arg(format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 {PG_SETTINGS}",
                pg.dir.path().display()
            ))
            .arg("start");
        run(start, "pg_ctl start")?;
        Ok(pg)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn psql(&self, sql: &str) -> std::io::Result<String> {
        let mut c = Command::new(self.bin.join("psql"));
        c.args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres"])
            .args(["-v", "ON_ERROR_STOP=1", "-A", "-t", "-p"])
            .arg(self.port.to_string())
            .arg("-c")
            .arg(sql);
        run(c, "psql")
    }

    /// Creates the database `name` (letters, digits, `_`) and returns its URL.
    pub fn create_db(&self, name: &str) -> std::io::Result<String> {
        self.psql(&format!("CREATE DATABASE {name}"))?;
        Ok(format!(
            "postgres://postgres@127.0.0.1:{}/{name}",
            self.port
        ))
    }

    /// `SELECT version()`, shortened to its first two words (`PostgreSQL 15.10`).
    pub fn version(&self) -> String {
        self.psql("SELECT version()")
            .map(|v| v.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|_| "unknown".into())
    }

    /// The postmaster's process id (first line of `postmaster.pid`); its backends are its
    /// children.
    pub fn postmaster_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.data().join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let mut stop = server_cmd(&self.bin.join("pg_ctl"));
        stop.arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"]);
        let _ = stop.output();
    }
}

/// A running `nats-server` on a free loopback port; its process group killed on drop.
#[derive(Debug)]
pub struct Nats {
    server: ChildServer,
    /// Its client port.
    pub port: u16,
}

impl Nats {
    /// Starts `nats-server -a 127.0.0.1 -p <port>` and waits until the port accepts.
    pub async fn start() -> std::io::Result<Nats> {
        let bin = std::env::var("CLAWGATE_NATS_SERVER").unwrap_or_else(|_| "nats-server".into());
        let port = free_port()?;
        let args = ["-a", "127.0.0.1", "-p", &port.to_string()].map(String::from);
        let mut server = ChildServer::spawn("nats", Path::new(&bin), &args).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("{bin}: {e} (run scripts/ensure-nats.sh or set CLAWGATE_NATS_SERVER)"),
            )
        })?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        server
            .wait_ready(Duration::from_secs(10), || accepts(addr))
            .await?;
        Ok(Nats { server, port })
    }

    /// The server's process id (also its process group id).
    pub fn pid(&self) -> u32 {
        self.server.pid()
    }

    /// `nats-server --version`, or `unknown`.
    pub fn version() -> String {
        let bin = std::env::var("CLAWGATE_NATS_SERVER").unwrap_or_else(|_| "nats-server".into());
        Command::new(bin)
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|| "unknown".into())
    }
}
