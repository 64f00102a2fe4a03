//! `clawgate storage migrate --from sqlite --to postgres`: copies the embedded store into a
//! PostgreSQL database, table by table, verifying each table's row count (see
//! `docs/scale-out.md`, "Migrating from SQLite"). Local: it opens both stores itself, so the
//! gateway must not be running on the SQLite file.

use crate::cli::Paths;
use crate::config::{self, Overrides, StorageConfig};
use crate::storage::migrate::{copy_all, TableCopy};
use crate::storage::{postgres::PgStore, sqlite::SqliteStore};
use clap::{Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// A storage backend name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// The embedded SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// `clawgate storage` sub-commands.
#[derive(Debug, Subcommand)]
pub enum StorageCmd {
    /// Copy every table (sessions, transcripts, runs, cron, keys, …) from SQLite into
    /// PostgreSQL. Stop the gateway first. The memory index is not copied: the indexer
    /// rebuilds it from the workspace files on the first start.
    Migrate {
        /// Source backend (only `sqlite`).
        #[arg(long, value_enum)]
        from: Backend,
        /// Target backend (only `postgres`).
        #[arg(long, value_enum)]
        to: Backend,
        /// SQLite file (default: `<state dir>/clawgate.sqlite`; the file must be named
        /// `clawgate.sqlite`).
        #[arg(long)]
        sqlite_path: Option<PathBuf>,
        /// PostgreSQL URL (default: the config's `storage.url`).
        #[arg(long)]
        url: Option<String>,
        /// Copy even when the target already holds rows.
        #[arg(long)]
        force: bool,
        /// Config and state dir.
        #[command(flatten)]
        paths: Paths,
    },
}

/// Runs a `clawgate storage` command.
pub fn run(cmd: StorageCmd) -> ExitCode {
    match cmd {
        StorageCmd::Migrate {
            from,
            to,
            sqlite_path,
            url,
            force,
            paths,
        } => match migrate(from, to, sqlite_path, url, force, &paths) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("clawgate storage migrate: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

fn migrate(
    from: Backend,
    to: Backend,
    sqlite_path: Option<PathBuf>,
    url: Option<String>,
    force: bool,
    paths: &Paths,
) -> Result<(), String> {
    if (from, to) != (Backend::Sqlite, Backend::Postgres) {
        return Err("only --from sqlite --to postgres is supported".into());
    }
    let ov = Overrides {
        state_dir: paths.state_dir.clone(),
        ..Default::default()
    };
    let cfg = config::load(paths.config.as_deref(), &ov)
        .map_err(|e| format!("invalid configuration: {e}"))?;
    let file = sqlite_path.unwrap_or_else(|| cfg.state_dir.join("clawgate.sqlite"));
    if !file.is_file() {
        return Err(format!("no SQLite store at {}", file.display()));
    }
    if file.file_name().and_then(|n| n.to_str()) != Some("clawgate.sqlite") {
        return Err("--sqlite-path must name a file called clawgate.sqlite".into());
    }
    let dir = file.parent().unwrap_or(std::path::Path::new("."));
    let url = match (url, &cfg.storage) {
        (Some(u), _) => u,
        (None, StorageConfig::Postgres { url }) => url.clone(),
        (None, StorageConfig::Sqlite) => {
            return Err("no PostgreSQL URL: pass --url or set storage.url".into())
        }
    };
    let source = SqliteStore::open_shared(dir).map_err(|e| format!("source: {e}"))?;
    // Opening migrates the target's schema; the URL (and its password) is never printed.
    let (target, _) = PgStore::open(&url, false, None).map_err(|e| format!("target: {e}"))?;
    println!("from {} to {}", source.describe(), target.describe());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let print = |c: &TableCopy| println!("{} {}", c.table, c.target);
    let copied = rt
        .block_on(copy_all(&source, &target, force, print))
        .map_err(|e| e.to_string())?;
    let rows: u64 = copied.iter().map(|c| c.target).sum();
    println!(
        "copied {rows} rows in {} tables; counts verified. The memory index is rebuilt from the workspace on the first start.",
        copied.len()
    );
    Ok(())
}
