//! Gateway authentication for HTTP (and the WebSocket upgrade): credential extraction,
//! constant-time comparison and the failed-attempt limiter.

use crate::config::{AuthConfig, AuthMode, RateLimitConfig, Secret};
use crate::error::GatewayError;
use actix_web::HttpRequest;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// Compares two secrets in constant time (independent of where they differ and of their
/// lengths) by comparing their SHA-256 digests.
pub fn secret_eq(provided: &str, expected: &str) -> bool {
    let a = Sha256::digest(provided.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    a.ct_eq(&b).into()
}

/// Credentials found on a request.
#[derive(Debug, Default, Clone)]
pub struct Presented {
    /// `Authorization: Bearer` value (tried as token and as password).
    pub bearer: Option<String>,
    /// Password from `Basic` or `X-OpenClaw-Password`.
    pub password: Option<String>,
}

impl Presented {
    /// Reads `Authorization` (Bearer or Basic) and `X-OpenClaw-Password`.
    pub fn from_request(req: &HttpRequest) -> Presented {
        let mut p = Presented::default();
        if let Some(v) = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
        {
            let v = v.trim();
            if v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer ") {
                p.bearer = Some(v[7..].trim().to_string());
            } else if v.len() > 6 && v[..6].eq_ignore_ascii_case("basic ") {
                if let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(v[6..].trim()) {
                    let s = String::from_utf8_lossy(&raw).into_owned();
                    p.password = Some(s.split_once(':').map(|(_, pw)| pw.to_string()).unwrap_or(s));
                }
            }
        }
        if let Some(v) = req
            .headers()
            .get("x-openclaw-password")
            .and_then(|v| v.to_str().ok())
        {
            p.password = Some(v.trim().to_string());
        }
        p
    }

    /// Whether no credential was presented at all.
    pub fn is_empty(&self) -> bool {
        self.bearer.as_deref().is_none_or(str::is_empty)
            && self.password.as_deref().is_none_or(str::is_empty)
    }
}

#[derive(Default)]
struct Attempts {
    failures: VecDeque<Instant>,
    locked_until: Option<Instant>,
}

/// Sliding-window limiter of failed authentication attempts per client IP.
pub struct RateLimiter {
    cfg: RateLimitConfig,
    /// Keyed by client IP and whether the attempts came from a browser page (an `Origin`).
    state: Mutex<HashMap<(IpAddr, bool), Attempts>>,
}

/// Collapses IPv4-mapped IPv6 addresses to IPv4.
pub fn normalize_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

impl RateLimiter {
    /// A limiter with these settings.
    pub fn new(cfg: RateLimitConfig) -> Self {
        RateLimiter {
            cfg,
            state: Mutex::new(HashMap::new()),
        }
    }

    /// Loopback is exempt (when configured), except for browser pages: a hostile page on the
    /// operator's machine connects from loopback too.
    fn exempt(&self, ip: IpAddr, browser: bool) -> bool {
        self.cfg.exempt_loopback && ip.is_loopback() && !browser
    }

    /// Seconds left of a lockout, if `ip` is locked out.
    pub fn locked(&self, ip: IpAddr) -> Option<u64> {
        self.locked_from(ip, false)
    }

    /// Seconds left of a lockout of `ip`'s browser pages (`browser`) or other clients.
    /// The two are counted apart, so a page guessing secrets never locks out the local CLI.
    pub fn locked_from(&self, ip: IpAddr, browser: bool) -> Option<u64> {
        let ip = normalize_ip(ip);
        if self.exempt(ip, browser) {
            return None;
        }
        let state = self.state.lock().ok()?;
        let until = state.get(&(ip, browser))?.locked_until?;
        let now = Instant::now();
        (until > now).then(|| (until - now).as_secs_f64().ceil().max(1.0) as u64)
    }

    /// Records a failure.
    pub fn fail(&self, ip: IpAddr) {
        self.fail_from(ip, false)
    }

    /// Records a failure of `ip`'s browser pages (`browser`) or other clients.
    pub fn fail_from(&self, ip: IpAddr, browser: bool) {
        let ip = normalize_ip(ip);
        if self.exempt(ip, browser) {
            return;
        }
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let now = Instant::now();
        if state.len() > 10_000 {
            state.retain(|_, a| {
                a.locked_until.is_some_and(|u| u > now)
                    || a.failures
                        .back()
                        .is_some_and(|t| now - *t < self.cfg.window)
            });
        }
        let a = state.entry((ip, browser)).or_default();
        while a
            .failures
            .front()
            .is_some_and(|t| now - *t >= self.cfg.window)
        {
            a.failures.pop_front();
        }
        a.failures.push_back(now);
        if a.failures.len() as u32 >= self.cfg.max_attempts {
            a.locked_until = Some(now + self.cfg.lockout);
            a.failures.clear();
        }
    }

    /// Clears an IP after a success.
    pub fn reset(&self, ip: IpAddr) {
        if let Ok(mut state) = self.state.lock() {
            let ip = normalize_ip(ip);
            state.remove(&(ip, false));
            state.remove(&(ip, true));
        }
    }
}

/// The shared secrets in force (swapped as a whole by a config reload).
#[derive(Clone)]
struct Creds {
    mode: AuthMode,
    token: Option<Secret>,
    password: Option<Secret>,
}

impl Creds {
    fn from_config(cfg: &AuthConfig) -> Self {
        Creds {
            mode: cfg.mode,
            token: cfg.token.clone(),
            password: cfg.password.clone(),
        }
    }
}

/// Resolved gateway authentication. A config reload replaces the secrets
/// ([`Auth::update`]); the failed-attempt limiter keeps its state.
pub struct Auth {
    creds: std::sync::RwLock<Creds>,
    limiter: RateLimiter,
}

/// A fingerprint of the shared secret a client was accepted under: the mode and a SHA-256 of
/// the secret in force (never the secret itself). A reload that changes it closes the
/// WebSocket clients that hold the old one.
pub fn secret_fingerprint(cfg: &AuthConfig) -> [u8; 32] {
    let secret = match cfg.mode {
        AuthMode::Token => cfg.token.as_ref(),
        AuthMode::Password => cfg.password.as_ref(),
        AuthMode::None => None,
    };
    let mut h = Sha256::new();
    h.update(cfg.mode.as_str().as_bytes());
    h.update([0]);
    if let Some(s) = secret {
        h.update(s.expose().as_bytes());
    }
    h.finalize().into()
}

/// An authenticated caller: which credential it presented and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The credential (`token`, `password`, `none`, or `device:<id>` on the WebSocket); runs
    /// and idempotency keys are scoped by it.
    pub credential: crate::core::CredentialId,
    /// Granted operator scopes (a shared-secret HTTP caller is a full operator, as in
    /// OpenClaw; an API key holds none).
    pub scopes: &'static [&'static str],
    /// The API key it presented, with its policy (`None` for the gateway credential).
    pub key: Option<std::sync::Arc<crate::keys::KeyGrant>>,
}

impl Principal {
    /// A full operator holding the shared gateway secret of `mode`.
    pub fn shared_secret(mode: AuthMode) -> Principal {
        let credential = match mode {
            AuthMode::Token => "token",
            AuthMode::Password => "password",
            AuthMode::None => "none",
        };
        Principal {
            credential: crate::core::CredentialId::new(credential),
            scopes: crate::ws::scopes::KNOWN_OPERATOR_SCOPES,
            key: None,
        }
    }

    /// An app holding API key `grant`: no operator scopes, only its policy.
    pub fn api_key(grant: std::sync::Arc<crate::keys::KeyGrant>) -> Principal {
        Principal {
            credential: crate::core::CredentialId::new(format!("key:{}", grant.id)),
            scopes: &[],
            key: Some(grant),
        }
    }

    /// Whether the caller is an owner (holds `operator.admin`): owner-only tools are theirs.
    pub fn is_owner(&self) -> bool {
        crate::ws::scopes::has_scope(self.scopes, crate::ws::scopes::SCOPE_ADMIN)
    }
}

/// Outcome of checking presented credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Allowed.
    Ok,
    /// Nothing presented.
    Missing,
    /// Presented but wrong.
    Mismatch,
}

impl Auth {
    /// From resolved config (the token must already be generated in token mode).
    pub fn new(cfg: &AuthConfig) -> Self {
        Auth {
            creds: std::sync::RwLock::new(Creds::from_config(cfg)),
            limiter: RateLimiter::new(cfg.rate_limit.clone()),
        }
    }

    /// Replaces the mode and secrets with `cfg`'s (a config reload); requests from now on
    /// are checked against them.
    pub fn update(&self, cfg: &AuthConfig) {
        let new = Creds::from_config(cfg);
        match self.creds.write() {
            Ok(mut c) => *c = new,
            Err(poisoned) => *poisoned.into_inner() = new,
        }
    }

    fn creds(&self) -> Creds {
        match self.creds.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The mode.
    pub fn mode(&self) -> AuthMode {
        self.creds().mode
    }

    /// Checks credentials without touching the limiter.
    pub fn verify(&self, p: &Presented) -> Verdict {
        let creds = self.creds();
        if creds.mode == AuthMode::None {
            return Verdict::Ok;
        }
        if p.is_empty() {
            return Verdict::Missing;
        }
        let matches = |cand: &Option<String>, secret: &Option<Secret>| match (cand, secret) {
            (Some(c), Some(s)) => secret_eq(c, s.expose()),
            _ => false,
        };
        let ok = match creds.mode {
            AuthMode::Token => matches(&p.bearer, &creds.token),
            AuthMode::Password => {
                matches(&p.bearer, &creds.password) || matches(&p.password, &creds.password)
            }
            AuthMode::None => true,
        };
        if ok {
            Verdict::Ok
        } else {
            Verdict::Mismatch
        }
    }

    /// Full HTTP check: lockout, verification, failure accounting.
    pub fn check(&self, req: &HttpRequest) -> Result<(), GatewayError> {
        if self.mode() == AuthMode::None {
            return Ok(());
        }
        let ip = peer_ip(req);
        if let Some(secs) = self.limiter.locked(ip) {
            return Err(GatewayError::AuthRateLimited { retry_after: secs });
        }
        match self.verify(&Presented::from_request(req)) {
            Verdict::Ok => {
                self.limiter.reset(ip);
                Ok(())
            }
            Verdict::Missing => Err(GatewayError::Unauthorized),
            Verdict::Mismatch => {
                self.limiter.fail(ip);
                tracing::warn!(ip = %ip, path = req.path(), "rejected wrong gateway credentials");
                Err(GatewayError::Unauthorized)
            }
        }
    }

    /// [`Auth::check`], producing the caller's [`Principal`].
    pub fn authenticate(&self, req: &HttpRequest) -> Result<Principal, GatewayError> {
        self.check(req)?;
        Ok(Principal::shared_secret(self.mode()))
    }

    /// Records a failure from another transport (WebSocket connect); `browser` when the
    /// client sent an `Origin` (counted even on loopback).
    pub fn record_failure(&self, ip: IpAddr, browser: bool) {
        self.limiter.fail_from(ip, browser);
    }

    /// Clears an IP's failures after a success from another credential (an API key).
    pub fn reset_failures(&self, ip: IpAddr) {
        self.limiter.reset(ip);
    }

    /// Lockout seconds for an IP's browser pages or other clients, if locked.
    pub fn locked(&self, ip: IpAddr, browser: bool) -> Option<u64> {
        self.limiter.locked_from(ip, browser)
    }
}

/// The socket peer's address (never a forwarded header).
pub fn peer_ip(req: &HttpRequest) -> IpAddr {
    req.peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

/// OpenClaw's "local direct" rule: loopback peer and no forwarding headers.
pub fn is_local_direct(req: &HttpRequest) -> bool {
    let forwarded = [
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-real-ip",
        "x-forwarded-host",
    ]
    .iter()
    .any(|h| req.headers().contains_key(*h));
    normalize_ip(peer_ip(req)).is_loopback() && !forwarded
}

/// A fresh random token: 24 random bytes as 48 hex characters.
pub fn generate_token() -> std::io::Result<String> {
    let mut buf = [0u8; 24];
    getrandom::getrandom(&mut buf).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// How long lockouts last by default (re-exported for docs).
pub const DEFAULT_LOCKOUT: Duration = Duration::from_secs(300);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_by_value() {
        assert!(secret_eq("abc", "abc"));
        assert!(!secret_eq("abc", "abd"));
        assert!(!secret_eq("", "abc"));
    }

    #[test]
    fn limiter_locks_after_the_budget_and_exempts_loopback() {
        let l = RateLimiter::new(RateLimitConfig {
            max_attempts: 2,
            window: Duration::from_secs(60),
            lockout: Duration::from_secs(30),
            exempt_loopback: true,
        });
        let ip: IpAddr = "10.0.0.5".parse().unwrap();
        l.fail(ip);
        assert!(l.locked(ip).is_none());
        l.fail(ip);
        assert_eq!(l.locked(ip), Some(30));
        let mapped: IpAddr = "::ffff:10.0.0.5".parse().unwrap();
        assert!(l.locked(mapped).is_some());
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        l.fail(lo);
        l.fail(lo);
        assert!(l.locked(lo).is_none());
    }

    #[test]
    fn tokens_are_48_hex_chars() {
        let t = generate_token().unwrap();
        assert_eq!(t.len(), 48);
        assert!(t.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
