//! Fuzzing the WebSocket handshake and frame codec through a real socket: one gateway per
//! test process (on its own thread and actix system), and per case a fresh TCP connection
//! that sends a mutated HTTP upgrade request (on `/` or `/v1/responses`) or raw bytes, then
//! arbitrary WebSocket frames (any opcode, RSV bits, FIN, masked or not, honest or lying
//! lengths up to 2^64−1, control frames, fragments, optionally after a valid `connect`), then
//! half-closes. The gateway must answer or close within a bound, never crash, and still
//! answer `/health` afterwards.
//!
//! CI runs `FUZZ_CASES` cases per target (default 256, well under a minute). A longer run:
//! `FUZZ_CASES=20000 cargo test --release --test fuzz_socket` (see docs/hardening.md).

use proptest::prelude::*;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const TOKEN: &str = "fuzz-token";
/// How long the gateway may take to close a connection once the client has half-closed.
const CLOSE_BOUND: Duration = Duration::from_secs(5);

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// The port of the one gateway this process fuzzes (started at first use).
fn gateway_port() -> u16 {
    static PORT: OnceLock<u16> = OnceLock::new();
    *PORT.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("clawgate.json5");
            std::fs::write(
                &path,
                format!(
                    r#"{{ gateway: {{ auth: {{ token: "{TOKEN}" }}, ws: {{ handshakeTimeoutMs: 1000 }},
                          http: {{ endpoints: {{ responses: {{ enabled: true }} }} }} }} }}"#
                ),
            )
            .unwrap();
            let ov = clawgate::config::Overrides {
                port: Some(0),
                state_dir: Some(dir.path().to_path_buf()),
                ..Default::default()
            };
            let cfg = clawgate::config::load(Some(&path), &ov).expect("config");
            actix_rt::System::new().block_on(async move {
                let gw = clawgate::startup::Gateway::build(cfg)
                    .await
                    .expect("gateway")
                    .spawn();
                tx.send(gw.state.port).unwrap();
                std::future::pending::<()>().await;
                drop((gw, dir));
            });
        });
        rx.recv().expect("gateway port")
    })
}

/// What to do with one of the base upgrade headers.
#[derive(Debug, Clone)]
enum Mutation {
    Keep,
    Drop,
    Replace(Vec<u8>),
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        20 => Just(Mutation::Keep),
        1 => Just(Mutation::Drop),
        1 => prop_oneof![
            any::<Vec<u8>>(),
            "[ -~]{0,40}".prop_map(String::into_bytes),
            Just(b"13, 8".to_vec()),
            Just(b"websocket\r\nx-injected: 1".to_vec()),
        ]
        .prop_map(Mutation::Replace),
    ]
}

/// The HTTP request that opens a case: a mutated upgrade or raw bytes.
fn arb_request() -> impl Strategy<Value = Vec<u8>> {
    let upgrade = (
        prop_oneof![
            3 => Just("/"),
            3 => Just("/v1/responses"),
            1 => prop::sample::select(vec!["/ws", "/health", "/%ff?x=\u{0}"]),
        ],
        prop::collection::vec(arb_mutation(), 5),
        prop::option::of(prop_oneof![
            Just("http://127.0.0.1".to_string()),
            Just("https://evil.example".to_string()),
            "[ -~]{0,30}",
        ]),
        prop::option::of(prop::sample::select(vec![
            format!("Bearer {TOKEN}"),
            "Bearer wrong".to_string(),
        ])),
    )
        .prop_map(|(path, muts, origin, auth)| {
            let base: [(&str, &[u8]); 5] = [
                ("Host", b"127.0.0.1"),
                ("Upgrade", b"websocket"),
                ("Connection", b"Upgrade"),
                ("Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
                ("Sec-WebSocket-Version", b"13"),
            ];
            let mut req = format!("GET {path} HTTP/1.1\r\n").into_bytes();
            for ((name, value), m) in base.iter().zip(muts) {
                let value = match m {
                    Mutation::Keep => value.to_vec(),
                    Mutation::Drop => continue,
                    Mutation::Replace(v) => v,
                };
                req.extend_from_slice(format!("{name}: ").as_bytes());
                req.extend_from_slice(&value);
                req.extend_from_slice(b"\r\n");
            }
            if let Some(o) = origin {
                req.extend_from_slice(format!("Origin: {o}\r\n").as_bytes());
            }
            if let Some(a) = auth {
                req.extend_from_slice(format!("Authorization: {a}\r\n").as_bytes());
            }
            req.extend_from_slice(b"\r\n");
            req
        });
    prop_oneof![9 => upgrade, 1 => any::<Vec<u8>>()]
}

/// One WebSocket frame, possibly malformed.
#[derive(Debug, Clone)]
struct Frame {
    fin: bool,
    rsv: u8,
    opcode: u8,
    mask: Option<[u8; 4]>,
    /// `None`: the honest length in its shortest form; `Some`: this announced length,
    /// written in the 64-bit form whatever its size.
    announced: Option<u64>,
    payload: Vec<u8>,
}

impl Frame {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push((u8::from(self.fin) << 7) | ((self.rsv & 7) << 4) | (self.opcode & 15));
        let m = if self.mask.is_some() { 0x80 } else { 0 };
        match self.announced {
            Some(n) => {
                out.push(m | 127);
                out.extend_from_slice(&n.to_be_bytes());
            }
            None => {
                let n = self.payload.len();
                if n < 126 {
                    out.push(m | n as u8);
                } else if n <= u16::MAX as usize {
                    out.push(m | 126);
                    out.extend_from_slice(&(n as u16).to_be_bytes());
                } else {
                    out.push(m | 127);
                    out.extend_from_slice(&(n as u64).to_be_bytes());
                }
            }
        }
        match self.mask {
            Some(k) => {
                out.extend_from_slice(&k);
                out.extend(self.payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
            }
            None => out.extend_from_slice(&self.payload),
        }
    }
}

fn text_payloads() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<Vec<u8>>(),
        prop::collection::vec(any::<u8>(), 120..400),
        Just(br#"{"type":"req","id":"1","method":"health","params":{}}"#.to_vec()),
        Just(br#"{"type":"response.create","model":"openclaw","input":"hi"}"#.to_vec()),
        Just(b"\xff\xfe not utf-8".to_vec()),
        "[ -~]{0,60}".prop_map(String::into_bytes),
    ]
}

fn arb_frame() -> impl Strategy<Value = Frame> {
    (
        prop::bool::weighted(0.8),
        prop_oneof![8 => Just(0u8), 1 => 0u8..8],
        prop_oneof![
            4 => Just(1u8),
            2 => Just(2u8),
            2 => Just(0u8),
            1 => Just(8u8),
            1 => Just(9u8),
            1 => Just(10u8),
            1 => 0u8..16,
        ],
        prop::option::weighted(0.9, any::<[u8; 4]>()),
        prop::option::weighted(
            0.1,
            prop_oneof![any::<u64>(), 0u64..200, Just(24 << 20), Just(u64::MAX)],
        ),
        text_payloads(),
    )
        .prop_map(|(fin, rsv, opcode, mask, announced, payload)| Frame {
            fin,
            rsv,
            opcode,
            mask,
            announced,
            payload,
        })
}

/// A valid masked `connect` text frame for `path` (RPC or OpenResponses socket).
fn connect_frame() -> Vec<u8> {
    let body = serde_json::json!({"type": "req", "id": "c", "method": "connect", "params": {
        "minProtocol": 3, "maxProtocol": 4,
        "client": {"id": "cli", "version": "1", "platform": "linux", "mode": "cli"},
        "auth": {"token": TOKEN}, "role": "operator", "scopes": ["operator.read"]}});
    let mut out = Vec::new();
    Frame {
        fin: true,
        rsv: 0,
        opcode: 1,
        mask: Some([1, 2, 3, 4]),
        announced: None,
        payload: body.to_string().into_bytes(),
    }
    .encode(&mut out);
    out
}

/// Sends one case and waits for the gateway to close; returns what it answered.
fn run_case(request: &[u8], connect: bool, frames: &[Frame], trailer: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", gateway_port())).expect("connect");
    s.set_read_timeout(Some(CLOSE_BOUND)).unwrap();
    s.set_write_timeout(Some(CLOSE_BOUND)).unwrap();
    let mut bytes = request.to_vec();
    if connect {
        bytes.extend(connect_frame());
    }
    for f in frames {
        f.encode(&mut bytes);
    }
    bytes.extend_from_slice(trailer);
    // The gateway may close before reading it all; a refused write is an answer too.
    let _ = s.write_all(&bytes);
    let _ = s.shutdown(Shutdown::Write);
    let started = Instant::now();
    let mut seen = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!(
                "the gateway neither answered nor closed within {:?} ({e}); got {} bytes",
                started.elapsed(),
                seen.len()
            ),
        }
        assert!(
            started.elapsed() < CLOSE_BOUND,
            "still open after {CLOSE_BOUND:?}"
        );
    }
    seen
}

/// `GET /health` on a fresh connection answers 200.
fn assert_healthy() {
    let mut s = TcpStream::connect(("127.0.0.1", gateway_port())).expect("gateway still accepts");
    s.set_read_timeout(Some(CLOSE_BOUND)).unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    assert!(
        out.starts_with("HTTP/1.1 200"),
        "health after a case: {out:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn websocket_handshake_and_frames_never_crash_or_hang_the_gateway(
        request in arb_request(),
        connect in prop::bool::weighted(0.3),
        frames in prop::collection::vec(arb_frame(), 0..8),
        trailer in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let answer = run_case(&request, connect, &frames, &trailer);
        if !answer.is_empty() {
            prop_assert!(answer.starts_with(b"HTTP/1."), "an HTTP answer first: {:?}", String::from_utf8_lossy(&answer[..answer.len().min(80)]));
        }
        assert_healthy();
    }
}

#[test]
fn a_valid_upgrade_and_connect_still_work_through_the_raw_socket() {
    let req = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    let mut s = TcpStream::connect(("127.0.0.1", gateway_port())).unwrap();
    s.set_read_timeout(Some(CLOSE_BOUND)).unwrap();
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(&connect_frame()).unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("hello-ok") {
        let n = s.read(&mut buf).expect("the connect is answered in time");
        assert!(
            n > 0,
            "closed before hello-ok: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
    }
    assert!(seen.starts_with(b"HTTP/1.1 101"));
    drop(s);
    assert_healthy();
}
