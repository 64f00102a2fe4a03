//! Layering rules, checked on the source: only the SQLite backend knows SQLite, edges and the
//! router never call the store, and run waits never poll.

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn files_under(dirs: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in dirs {
        rust_files(&root().join(d), &mut out);
    }
    out
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap().display().to_string()
}

#[test]
fn only_the_sqlite_backend_uses_rusqlite() {
    let offenders: Vec<String> = files_under(&["src", "actors", "tests", "bench"])
        .into_iter()
        .filter(|p| !rel(p).starts_with("src/storage/sqlite/") && !rel(p).ends_with("layers.rs"))
        .filter(|p| std::fs::read_to_string(p).unwrap().contains("rusqlite"))
        .map(|p| rel(&p))
        .collect();
    assert!(
        offenders.is_empty(),
        "rusqlite outside the SQLite backend: {offenders:?}"
    );
}

#[test]
fn only_the_postgres_backend_uses_its_driver() {
    let offenders: Vec<String> = files_under(&["src", "actors", "tests", "bench"])
        .into_iter()
        .filter(|p| !rel(p).starts_with("src/storage/postgres/") && !rel(p).ends_with("layers.rs"))
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            text.contains("tokio_postgres") || text.contains("deadpool")
        })
        .map(|p| rel(&p))
        .collect();
    assert!(
        offenders.is_empty(),
        "tokio_postgres/deadpool outside the PostgreSQL backend: {offenders:?}"
    );
}

#[test]
fn edges_and_the_router_never_call_the_store() {
    let mut files = files_under(&["src/http", "src/ws/rpc", "src/hooks"]);
    files.push(root().join("actors/router.rs"));
    let mut offenders = Vec::new();
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let calls_store = [".store()", "state.store.", "app.store."]
                .iter()
                .any(|p| code.contains(p))
                || (code.contains("self.store.") && !code.contains("self.store.clone()"));
            if calls_store {
                offenders.push(format!("{}:{}: {}", rel(&p), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "store calls at an edge: {offenders:#?}"
    );
}

#[test]
fn run_waits_do_not_poll() {
    for file in [
        "src/app/turns.rs",
        "src/ws/rpc/agent.rs",
        "src/ws/rpc/wait.rs",
        "src/ws/rpc/chat.rs",
        "src/ws/rpc/channels.rs",
        "src/startup.rs",
    ] {
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        assert!(
            !text.contains("sleep("),
            "{file} sleeps: waits must subscribe to the run, not poll"
        );
    }
}

#[test]
fn core_actors_do_not_depend_on_the_edges_or_the_app() {
    let mut files = files_under(&["actors/channels", "actors/agent_run"]);
    for f in [
        "actors/router.rs",
        "actors/session.rs",
        "actors/agent_run.rs",
        "actors/scheduler.rs",
    ] {
        files.push(root().join(f));
    }
    let mut offenders = Vec::new();
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if ["crate::http", "crate::ws::", "crate::app", "crate::state"]
                .iter()
                .any(|m| code.contains(m))
            {
                offenders.push(format!("{}:{}: {}", rel(&p), n + 1, line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}
