//! The servers measured beside clawgate: the floor forwarder (always, unless `--no-floor`) and
//! an optional peer gateway given by a start command and a URL (`--peer-cmd`, `--peer-url`).

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use super::child::{accepts, ChildServer};
use super::gateway::free_port;
use super::measure::{Client, Endpoint, Target};
use super::open_loop::CpuOf;

/// A peer gateway to measure.
#[derive(Clone, Debug)]
pub struct PeerSpec {
    /// Its name in the report (default `peer`).
    pub name: String,
    /// Shell command starting it; `{port}`, `{mock_url}` (the mock's `/v1` base URL) and
    /// `{mock_port}` are replaced. `None`: it is already running at `url`.
    pub cmd: Option<String>,
    /// Its OpenAI base URL, e.g. `http://127.0.0.1:{port}/v1` (`{port}` replaced).
    pub url: String,
    /// The `model` to request (default `mock-model`).
    pub model: String,
    /// Its API key (default `bench`).
    pub key: String,
}

/// A server measured beside the gateway, with its process if the bench started it.
#[derive(Debug)]
pub struct Contender {
    /// `floor` or the peer's name.
    pub name: String,
    /// Where its requests go.
    pub target: Target,
    /// Whose CPU time it uses.
    pub cpu: CpuOf,
    /// The child process (killed on drop).
    pub server: Option<ChildServer>,
}

/// Starts the floor forwarder (the `floor-forwarder` binary next to this one) against the mock.
pub async fn start_floor(mock_base_url: &str) -> std::io::Result<Contender> {
    let exe = std::env::current_exe()?;
    let bin = exe.with_file_name("floor-forwarder");
    if !bin.exists() {
        return Err(std::io::Error::other(format!(
            "{} missing: build it with `cargo build --release -p clawgate-bench` (or pass --no-floor)",
            bin.display()
        )));
    }
    let port = free_port()?;
    let args = vec![
        "--port".to_string(),
        port.to_string(),
        "--upstream".to_string(),
        mock_base_url.to_string(),
    ];
    let mut server = ChildServer::spawn("floor", &bin, &args)?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    server
        .wait_ready(Duration::from_secs(10), || accepts(addr))
        .await?;
    let target = Endpoint {
        addr,
        path: "/v1/chat/completions".into(),
        auth: super::gateway::BEARER.into(),
        model: "openclaw".into(),
    }
    .leak();
    Ok(Contender {
        name: "floor".into(),
        target,
        cpu: CpuOf::Group(server.pid()),
        server: Some(server),
    })
}

/// Starts (if it has a command) and waits for the peer: ready once a turn succeeds.
pub async fn start_peer(spec: &PeerSpec, mock_base_url: &str) -> std::io::Result<Contender> {
    let port = free_port()?.to_string();
    let mock_port = mock_base_url
        .rsplit(':')
        .next()
        .and_then(|p| p.split('/').next())
        .unwrap_or("")
        .to_string();
    let fill = |s: &str| {
        s.replace("{port}", &port)
            .replace("{mock_url}", mock_base_url)
            .replace("{mock_port}", &mock_port)
    };
    let url = fill(&spec.url);
    let (addr, prefix) = parse_url(&url)?;
    let mut server = match &spec.cmd {
        Some(cmd) => Some(ChildServer::spawn_shell("peer", &fill(cmd))?),
        None => None,
    };
    let target = Endpoint {
        addr,
        path: format!("{prefix}/chat/completions"),
        auth: format!("Bearer {}", spec.key),
        model: spec.model.clone(),
    }
    .leak();
    let ready = || async move { Client::new(target).turn("peer-ready").await.is_ok() };
    match server.as_mut() {
        Some(s) => s.wait_ready(Duration::from_secs(120), ready).await?,
        None if ready().await => {}
        None => {
            return Err(std::io::Error::other(format!(
                "peer at {url} does not answer"
            )))
        }
    }
    let cpu = server
        .as_ref()
        .map_or(CpuOf::None, |s| CpuOf::Group(s.pid()));
    Ok(Contender {
        name: spec.name.clone(),
        target,
        cpu,
        server,
    })
}

/// `http://host:port/prefix` → (address, `/prefix` without a trailing slash).
fn parse_url(url: &str) -> std::io::Result<(SocketAddr, String)> {
    let bad = || std::io::Error::other(format!("peer URL {url}: expected http://host:port/path"));
    let rest = url.strip_prefix("http://").ok_or_else(bad)?;
    let (hostport, path) = rest.split_once('/').unwrap_or((rest, ""));
    let addr = hostport
        .to_socket_addrs()
        .map_err(|_| bad())?
        .find(SocketAddr::is_ipv4)
        .ok_or_else(bad)?;
    let path = path.trim_end_matches('/');
    Ok((
        addr,
        if path.is_empty() {
            String::new()
        } else {
            format!("/{path}")
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_urls_split_into_address_and_prefix() {
        let (a, p) = parse_url("http://127.0.0.1:4000/v1/").unwrap();
        assert_eq!((a.port(), p.as_str()), (4000, "/v1"));
        let (_, p) = parse_url("http://127.0.0.1:4000").unwrap();
        assert_eq!(p, "");
        assert!(parse_url("https://127.0.0.1:4000/v1").is_err());
    }
}
