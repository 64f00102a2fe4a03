//! The `connect` handshake as pure logic.
//!
//! Flow: server sends `connect.challenge` ([`hello::challenge`]); the client's
//! first frame must be `req connect` with valid [`ConnectParams`]; checks run in
//! order (protocol → role → device identity → shared secret) and produce either
//! [`Accepted`] (answer with [`hello::hello_ok`]) or a [`Rejection`] (error
//! response + close directive).
//!
//! **Scope policy (clawgate's documented choice, differs from OpenClaw):** a
//! client that authenticates with the shared token/password keeps exactly the
//! scopes it asked for, with or without a device identity (OpenClaw clears
//! device-less scopes), except a device-less *probe* (`client.mode: "probe"`), whose scopes are
//! cleared as OpenClaw does. With auth mode `none`, a verified device identity also
//! keeps its scopes; a device-less client is accepted with *no* scopes (only
//! `health` works). Failed auth never connects. Operator/UI clients must offer protocol 4;
//! only nodes and probes may speak 3 ([`protocol_allowed`]). Role `node` always needs a
//! device identity (`NOT_PAIRED "device identity required"`).

pub mod auth;
pub mod device;
pub mod hello;
mod params;

pub use params::{
    parse_connect_params, ClientInfo, ConnectAuth, ConnectParams, GATEWAY_CLIENT_IDS,
    GATEWAY_CLIENT_MODES,
};

use serde_json::{json, Value};

use self::auth::{auth_failure_error, check_shared_secret, AuthMode, ClientKind, SharedSecret};
use self::device::{verify_device, SignedFields};
use super::dialect::{
    ClientFrame, SimpleReq, FIRST_REQUEST_MUST_BE_CONNECT, INVALID_REQUEST_FRAME,
};
use super::frames::{CloseDirective, ErrorCode, ErrorShape, ResFrame, REASON_PROTOCOL_MISMATCH};
use super::scopes::Role;

/// Lowest protocol version clawgate speaks.
pub const SUPPORTED_MIN: u32 = 3;
/// Highest protocol version clawgate speaks (the 2026.9.x CLI sends 4..4).
pub const SUPPORTED_MAX: u32 = 4;
/// Lowest protocol an operator/UI client may speak; only `role: "node"` clients and probes
/// (`client.mode: "probe"`) may still speak [`SUPPORTED_MIN`] (OpenClaw's N-1 window).
pub const OPERATOR_MIN: u32 = 4;

/// Whether a client of `role` and `client_mode` may speak `protocol`.
pub fn protocol_allowed(protocol: u32, role: Role, client_mode: &str) -> bool {
    protocol >= OPERATOR_MIN || role == Role::Node || client_mode == "probe"
}

/// Picks the highest version in both `[client_min, client_max]` and
/// `[SUPPORTED_MIN, SUPPORTED_MAX]`, or `None` if they don't overlap.
pub fn negotiate_protocol(client_min: u32, client_max: u32) -> Option<u32> {
    let hi = client_max.min(SUPPORTED_MAX);
    let lo = client_min.max(SUPPORTED_MIN);
    (client_min <= client_max && lo <= hi).then_some(hi)
}

/// Per-connection inputs to the handshake.
#[derive(Debug, Clone, Copy)]
pub struct ConnectContext<'a> {
    /// The nonce sent in this connection's `connect.challenge`.
    pub nonce: &'a str,
    /// Current time (Unix ms), for device signature skew.
    pub now_ms: u64,
    /// Whether the peer is a direct loopback client (affects message hints only).
    pub is_local: bool,
    /// Configured shared secret.
    pub secret: &'a SharedSecret,
}

/// A successful handshake.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    /// Negotiated protocol version.
    pub protocol: u32,
    /// Connection role.
    pub role: Role,
    /// Granted scopes (see the module-level scope policy).
    pub scopes: Vec<String>,
    /// Client info as sent.
    pub client: ClientInfo,
    /// Verified device id, if a device identity was presented.
    pub device_id: Option<String>,
    /// How the client authenticated (`None` for mode `none`).
    pub auth_method: AuthMode,
    /// Declared capabilities (`caps`), e.g. `tool-events`.
    pub caps: Vec<String>,
}

/// A failed handshake: optional error response, then close.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// Request id to answer; `None` when the frame was not a valid request
    /// (OpenClaw then closes without a response).
    pub request_id: Option<String>,
    /// The error to send.
    pub error: ErrorShape,
    /// How to close the socket.
    pub close: CloseDirective,
}

impl Rejection {
    fn new(request_id: Option<&str>, error: ErrorShape, close: CloseDirective) -> Self {
        Self {
            request_id: request_id.map(str::to_string),
            error,
            close,
        }
    }

    fn policy(request_id: &str, error: ErrorShape) -> Self {
        let close = CloseDirective::policy(&error.message);
        Self::new(Some(request_id), error, close)
    }

    /// The `res ok:false` frame to send before closing, if any.
    pub fn response(&self) -> Option<ResFrame> {
        self.request_id
            .as_ref()
            .map(|id| ResFrame::err(id.clone(), self.error.clone()))
    }
}

/// Outcome of the first client frame.
#[derive(Debug, Clone, PartialEq)]
pub enum HandshakeOutcome {
    /// `connect` accepted: answer `request_id` with `hello-ok`.
    Accepted {
        /// The connect request id.
        request_id: String,
        /// Handshake result.
        accepted: Accepted,
    },
    /// A simple-dialect request: the caller authenticates it from the HTTP
    /// upgrade credentials (`Authorization: Bearer`, `?token=`/`?password=`).
    Simple(SimpleReq),
    /// Rejected: send [`Rejection::response`] (if any) then close.
    Rejected(Rejection),
}

/// Handles the first frame on a connection.
pub fn handle_first_frame(frame: ClientFrame, ctx: &ConnectContext<'_>) -> HandshakeOutcome {
    match frame {
        ClientFrame::Simple(s) => HandshakeOutcome::Simple(s),
        ClientFrame::Invalid(_) | ClientFrame::Cancel(_) => {
            HandshakeOutcome::Rejected(Rejection::new(
                None,
                ErrorShape::invalid_request(INVALID_REQUEST_FRAME),
                CloseDirective::policy(INVALID_REQUEST_FRAME),
            ))
        }
        ClientFrame::Req(req) if req.method != "connect" => {
            HandshakeOutcome::Rejected(Rejection::policy(
                &req.id,
                ErrorShape::invalid_request(FIRST_REQUEST_MUST_BE_CONNECT),
            ))
        }
        ClientFrame::Req(req) => match evaluate_connect(&req.id, req.params.as_ref(), ctx) {
            Ok(accepted) => HandshakeOutcome::Accepted {
                request_id: req.id,
                accepted,
            },
            Err(r) => HandshakeOutcome::Rejected(*r),
        },
    }
}

/// Validates `connect` params and authenticates; `request_id` is used for the
/// rejection response.
pub fn evaluate_connect(
    request_id: &str,
    params: Option<&Value>,
    ctx: &ConnectContext<'_>,
) -> Result<Accepted, Box<Rejection>> {
    connect_checks(request_id, params, ctx).map_err(Box::new)
}

#[allow(clippy::result_large_err)] // private; boxed once by `evaluate_connect`
fn connect_checks(
    request_id: &str,
    params: Option<&Value>,
    ctx: &ConnectContext<'_>,
) -> Result<Accepted, Rejection> {
    let p = parse_connect_params(params)
        .map_err(|msg| Rejection::policy(request_id, ErrorShape::invalid_request(msg)))?;

    let Some(protocol) = negotiate_protocol(p.min_protocol, p.max_protocol) else {
        let error = ErrorShape::invalid_request(REASON_PROTOCOL_MISMATCH).with_details(json!({
            "code": "PROTOCOL_MISMATCH",
            "expectedProtocol": SUPPORTED_MAX,
        }));
        return Err(Rejection::new(
            Some(request_id),
            error,
            CloseDirective::protocol_mismatch(),
        ));
    };

    let role_raw = p.role.as_deref().unwrap_or("operator");
    let Some(role) = Role::parse(role_raw) else {
        return Err(Rejection::policy(
            request_id,
            ErrorShape::invalid_request("invalid role"),
        ));
    };
    if !protocol_allowed(protocol, role, &p.client.mode) {
        let error = ErrorShape::invalid_request(format!(
            "{REASON_PROTOCOL_MISMATCH}: operator clients must offer protocol {OPERATOR_MIN} \
             (minProtocol <= {OPERATOR_MIN} <= maxProtocol); only nodes and probes may speak {SUPPORTED_MIN}"
        ))
        .with_details(json!({
            "code": "PROTOCOL_MISMATCH",
            "expectedProtocol": SUPPORTED_MAX,
            "minProtocol": OPERATOR_MIN,
        }));
        return Err(Rejection::new(
            Some(request_id),
            error,
            CloseDirective::protocol_mismatch(),
        ));
    }

    let requested: Vec<String> = p.scopes.clone().unwrap_or_default();
    let kind = ClientKind::from_client(&p.client.id, &p.client.mode);
    let auth = p.auth.clone().unwrap_or_default();
    let token = auth.token.as_deref().filter(|t| !t.is_empty());
    let password = auth.password.as_deref().filter(|t| !t.is_empty());
    let auth_result = check_shared_secret(ctx.secret, token, password);
    let unauthorized =
        |reason| Rejection::policy(request_id, auth_failure_error(reason, kind, ctx.is_local));

    let device_id = match &p.device {
        None => {
            if role == Role::Node {
                if let Err(reason) = auth_result {
                    if token.is_some() || password.is_some() {
                        return Err(unauthorized(reason));
                    }
                }
                return Err(Rejection::policy(
                    request_id,
                    ErrorShape::new(ErrorCode::NotPaired, "device identity required"),
                ));
            }
            None
        }
        Some(device) => {
            let signing_token = auth
                .token
                .as_deref()
                .or(auth.device_token.as_deref())
                .or(auth.bootstrap_token.as_deref())
                .unwrap_or("");
            let fields = SignedFields {
                client_id: &p.client.id,
                client_mode: &p.client.mode,
                role: role.as_str(),
                scopes: &requested,
                token: signing_token,
                platform: &p.client.platform,
                device_family: p.client.device_family.as_deref().unwrap_or(""),
            };
            let id = verify_device(device, &fields, ctx.nonce, ctx.now_ms)
                .map_err(|e| Rejection::policy(request_id, e.to_error()))?;
            Some(id)
        }
    };

    let auth_method = auth_result.map_err(unauthorized)?;
    let authenticated = auth_method != AuthMode::None || device_id.is_some();
    // A device-less probe (`openclaw gateway probe`) gets its scopes cleared, as OpenClaw does
    // (golden `gateway-probe`: it asks for `operator.read`, `hello-ok.auth.scopes` is `[]`).
    let device_less_probe = device_id.is_none() && p.client.mode == "probe";
    let scopes = if authenticated && !device_less_probe {
        normalize_scopes(&requested)
    } else {
        Vec::new()
    };
    Ok(Accepted {
        protocol,
        role,
        scopes,
        client: p.client,
        device_id,
        auth_method,
        caps: p.caps.unwrap_or_default(),
    })
}

/// Trims, drops empty entries and de-duplicates, keeping first-seen order.
pub fn normalize_scopes(scopes: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(scopes.len());
    for s in scopes {
        let t = s.trim();
        if !t.is_empty() && !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests;
