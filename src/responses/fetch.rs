//! SSRF-guarded HTTP(S) fetcher for `input_file` / `input_image` URL sources.
//!
//! Every hop (the first request and each redirect) is checked: scheme `http`/`https` only, no
//! credentials in the URL, no blocked host names, host in the `urlAllowlist`, and **every**
//! address the host resolves to must be public ([`super::net_guard`]).
//!
//! **Connecting to the verified IP.** We resolve the host ourselves (`tokio::net::lookup_host`),
//! check the addresses, then build a per-hop `awc` client whose TCP connector uses a
//! [`PinnedResolver`]: instead of resolving again it returns exactly the addresses we checked, and
//! refuses any other host name. The request URI keeps the original host name, so the `Host`
//! header is right for virtual hosting and, for `https`, awc's rustls connector uses that same
//! name for SNI and certificate verification — while the TCP connection can only go to a
//! verified IP. A DNS-rebinding answer between check and connect is therefore never used.
//! (IP-literal hosts bypass the resolver in actix-tls; they are checked directly.) The client is
//! built per hop so its connection pool can never hand back a socket opened for another host.
//!
//! Redirects are followed manually (awc's own following is disabled), at most `max_redirects`.
//! The whole fetch — all hops and the body — runs under one `timeout`; the body is read as a
//! stream and abandoned as soon as it passes `max_bytes`.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use actix_tls::connect::{Connector as TcpConnector, Resolve, Resolver};
use awc::http::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use awc::http::Uri;
use bytes::{Bytes, BytesMut};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt as _;

use super::decode::{is_generic_mime, mime_from_extension, normalize_mime, sniff_mime};
use super::media::MediaError;
use super::net_guard::{
    host_matches_allowlist, is_blocked_hostname, is_forbidden_ip, normalize_host,
};

/// Limits and allow-lists applied to one fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPolicy {
    /// Maximum body size in bytes.
    pub max_bytes: u64,
    /// Maximum number of redirects followed.
    pub max_redirects: u32,
    /// Deadline for the whole fetch (all hops and the body).
    pub timeout: Duration,
    /// Accepted (normalized) MIME types of the final body.
    pub allowed_mimes: Vec<String>,
    /// Host allow-list (exact or `*.suffix`); empty = unrestricted.
    pub url_allowlist: Vec<String>,
    /// Permit loopback addresses. **Tests only** (fixtures on 127.0.0.1); default `false`.
    pub allow_loopback_for_tests: bool,
}

impl Default for FetchPolicy {
    /// The `input_file` defaults (5 MiB, 3 redirects, 10 s, text/PDF MIME types).
    fn default() -> Self {
        Self::for_files(&super::media::FileLimits::default())
    }
}

/// A successfully fetched body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The body (at most `max_bytes`).
    pub bytes: Bytes,
    /// Normalized MIME type (from `Content-Type`, or sniffed when that was missing/generic).
    pub mime: String,
    /// URL of the last hop (after redirects).
    pub final_url: String,
}

/// A checked hop target.
#[derive(Debug, Clone)]
struct Target {
    uri: Uri,
    /// Normalized host (lower-case, no brackets).
    host: String,
    port: u16,
}

/// Fetches `url` under `policy`, following redirects manually with SSRF checks at every hop.
pub async fn fetch(url: &str, policy: &FetchPolicy) -> Result<Fetched, MediaError> {
    tokio::time::timeout(policy.timeout, fetch_inner(url, policy))
        .await
        .map_err(|_| MediaError::Timeout)?
}

async fn fetch_inner(url: &str, policy: &FetchPolicy) -> Result<Fetched, MediaError> {
    let mut current = url.to_owned();
    let mut redirects = 0;
    loop {
        let target = check_url(&current, policy)?;
        let addrs = resolve_checked(&target, policy.allow_loopback_for_tests).await?;
        match fetch_hop(&target, addrs, policy).await? {
            Hop::Done(fetched) => return Ok(fetched),
            Hop::Redirect(location) => {
                redirects += 1;
                if redirects > policy.max_redirects {
                    return Err(MediaError::TooManyRedirects);
                }
                current = resolve_location(&target.uri, &location)?;
            }
        }
    }
}

/// Checks scheme, credentials, host name and allow-list of one URL.
fn check_url(url: &str, policy: &FetchPolicy) -> Result<Target, MediaError> {
    let url = url.trim();
    let scheme = url_scheme(url).ok_or_else(|| MediaError::InvalidUrl("missing scheme".into()))?;
    if scheme != "http" && scheme != "https" {
        return Err(MediaError::SchemeNotAllowed(scheme));
    }
    let uri: Uri = url
        .parse()
        .map_err(|e: awc::http::uri::InvalidUri| MediaError::InvalidUrl(e.to_string()))?;
    let authority = uri
        .authority()
        .ok_or_else(|| MediaError::InvalidUrl("missing host".into()))?;
    if authority.as_str().contains('@') {
        return Err(MediaError::InvalidUrl(
            "credentials in URL are not allowed".into(),
        ));
    }
    let host = normalize_host(authority.host());
    if host.is_empty() {
        return Err(MediaError::InvalidUrl("missing host".into()));
    }
    if is_blocked_hostname(&host) {
        return Err(MediaError::BlockedHostname(host));
    }
    if !host_matches_allowlist(&host, &policy.url_allowlist) {
        return Err(MediaError::HostNotAllowed(host));
    }
    let port = uri
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    Ok(Target { uri, host, port })
}

/// The lower-cased scheme of an absolute URL (`None` for relative references).
fn url_scheme(url: &str) -> Option<String> {
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// Resolves the host once and refuses it if **any** address is internal.
async fn resolve_checked(
    target: &Target,
    allow_loopback: bool,
) -> Result<Vec<SocketAddr>, MediaError> {
    let addrs: Vec<SocketAddr> = match target.host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, target.port)],
        Err(_) => tokio::net::lookup_host((target.host.as_str(), target.port))
            .await
            .map_err(|_| MediaError::Resolve(target.host.clone()))?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(MediaError::Resolve(target.host.clone()));
    }
    if addrs
        .iter()
        .any(|a| is_forbidden_ip(a.ip(), allow_loopback))
    {
        return Err(MediaError::PrivateAddress);
    }
    Ok(addrs)
}

/// An actix-tls resolver that answers only for one host, with pre-verified addresses.
#[derive(Debug, Clone)]
pub struct PinnedResolver {
    host: String,
    addrs: Vec<SocketAddr>,
}

impl PinnedResolver {
    /// Pins `host` (normalized) to `addrs`.
    pub fn new(host: &str, addrs: Vec<SocketAddr>) -> Self {
        Self {
            host: normalize_host(host),
            addrs,
        }
    }
}

impl Resolve for PinnedResolver {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> LocalBoxFuture<'a, Result<Vec<SocketAddr>, Box<dyn std::error::Error>>> {
        let result: Result<Vec<SocketAddr>, Box<dyn std::error::Error>> =
            if normalize_host(host) == self.host {
                Ok(self
                    .addrs
                    .iter()
                    .map(|a| SocketAddr::new(a.ip(), port))
                    .collect())
            } else {
                Err(format!("host {host} is not pinned").into())
            };
        Box::pin(async move { result })
    }
}

enum Hop {
    Done(Fetched),
    Redirect(String),
}

/// Performs one request to `target`, connecting only to `addrs`.
async fn fetch_hop(
    target: &Target,
    addrs: Vec<SocketAddr>,
    policy: &FetchPolicy,
) -> Result<Hop, MediaError> {
    let resolver = Resolver::custom(PinnedResolver::new(&target.host, addrs));
    let connector = awc::Connector::new()
        .connector(TcpConnector::new(resolver).service())
        .timeout(policy.timeout);
    let client = awc::Client::builder()
        .connector(connector)
        .disable_redirects()
        .timeout(policy.timeout)
        .finish();
    let mut resp = client
        .get(target.uri.clone())
        .insert_header(("User-Agent", "clawgate-fetch"))
        .send()
        .await
        .map_err(|e| match e {
            awc::error::SendRequestError::Timeout => MediaError::Timeout,
            other => MediaError::FetchFailed(other.to_string()),
        })?;
    let status = resp.status();
    if status.is_redirection() {
        let location = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(MediaError::HttpStatus(status.as_u16()))?;
        return Ok(Hop::Redirect(location.to_owned()));
    }
    if !status.is_success() {
        return Err(MediaError::HttpStatus(status.as_u16()));
    }
    let header_mime = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(normalize_mime)
        .unwrap_or_default();
    // Refuse a specific but disallowed type before downloading anything.
    if !is_generic_mime(&header_mime) && !is_allowed(&header_mime, policy) {
        return Err(MediaError::UnsupportedMime(header_mime));
    }
    let declared_len = resp
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_len.is_some_and(|n| n > policy.max_bytes) {
        return Err(MediaError::TooLarge {
            limit: policy.max_bytes,
        });
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = resp.next().await {
        let chunk = chunk.map_err(|e| MediaError::FetchFailed(e.to_string()))?;
        if (body.len() + chunk.len()) as u64 > policy.max_bytes {
            // Dropping the response closes the connection; nothing more is read.
            return Err(MediaError::TooLarge {
                limit: policy.max_bytes,
            });
        }
        body.extend_from_slice(&chunk);
    }
    let final_url = target.uri.to_string();
    let mime = if is_generic_mime(&header_mime) {
        sniff_mime(&body)
            .or_else(|| mime_from_extension(target.uri.path()))
            .map_or_else(|| "application/octet-stream".to_owned(), str::to_owned)
    } else {
        header_mime
    };
    if !is_allowed(&mime, policy) {
        return Err(MediaError::UnsupportedMime(mime));
    }
    Ok(Hop::Done(Fetched {
        bytes: body.freeze(),
        mime,
        final_url,
    }))
}

fn is_allowed(mime: &str, policy: &FetchPolicy) -> bool {
    policy
        .allowed_mimes
        .iter()
        .any(|a| normalize_mime(a) == mime)
}

/// Resolves a `Location` header against the URL it came from.
fn resolve_location(base: &Uri, location: &str) -> Result<String, MediaError> {
    let location = location.trim();
    if url_scheme(location).is_some() {
        return Ok(location.to_owned());
    }
    let scheme = base.scheme_str().unwrap_or("http");
    let authority = base
        .authority()
        .map(|a| a.as_str())
        .ok_or_else(|| MediaError::InvalidUrl("missing host".into()))?;
    if location.starts_with("//") {
        return Ok(format!("{scheme}:{location}"));
    }
    if location.starts_with('/') {
        return Ok(format!("{scheme}://{authority}{location}"));
    }
    let path = base.path();
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    Ok(format!("{scheme}://{authority}{dir}/{location}"))
}

#[cfg(test)]
#[path = "fetch_tests.rs"]
mod tests;
