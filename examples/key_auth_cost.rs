//! What authenticating with an API key costs over the gateway token, per request: the
//! owner's check (`Auth::verify`: two SHA-256 and a constant-time compare) against a key's
//! (`KeyRegistry::verify` on a cached key: parse, map lookup, SHA-256, constant-time compare,
//! expiry; then the per-minute quota). Run: `cargo run --release --example key_auth_cost`.

use clawgate::auth::{Auth, Presented};
use clawgate::config::{AuthConfig, AuthMode, Secret};
use clawgate::keys::{KeyPolicy, KeyRegistry};
use clawgate::storage::KeyRow;
use std::time::Instant;

const N: u32 = 200_000;

fn main() {
    actix_web::rt::System::new().block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, _) = clawgate::storage::open(dir.path()).expect("store");
        let new = clawgate::keys::token::generate().expect("key");
        let policy = KeyPolicy {
            name: "bench".into(),
            app: "bench".into(),
            scopes: vec!["chat".into()],
            agents: vec!["main".into()],
            quotas: clawgate::keys::Quotas {
                requests_per_minute: Some(u32::MAX),
                ..Default::default()
            },
            ..Default::default()
        };
        store
            .key_put(&KeyRow {
                id: new.id.clone(),
                hash: new.hash.clone(),
                policy: serde_json::to_string(&policy).expect("json"),
                created_at: 0,
                revoked_at: None,
            })
            .await
            .expect("put");
        let registry = KeyRegistry::new(store);
        registry
            .verify(&new.token)
            .await
            .expect("first use loads it");

        let auth = Auth::new(&AuthConfig {
            mode: AuthMode::Token,
            token: Some(Secret::new(
                "0123456789abcdef0123456789abcdef0123456789abcdef",
            )),
            password: None,
            rate_limit: Default::default(),
        });
        let presented = Presented {
            bearer: Some("0123456789abcdef0123456789abcdef0123456789abcdef".into()),
            password: None,
        };

        let t = Instant::now();
        for _ in 0..N {
            std::hint::black_box(auth.verify(std::hint::black_box(&presented)));
        }
        let token_ns = t.elapsed().as_nanos() as f64 / f64::from(N);

        let t = Instant::now();
        for _ in 0..N {
            let g = registry
                .verify(std::hint::black_box(&new.token))
                .await
                .expect("valid");
            g.counters
                .admit_request(&g.policy.quotas)
                .expect("admitted");
            std::hint::black_box(clawgate::auth::Principal::api_key(g));
        }
        let key_ns = t.elapsed().as_nanos() as f64 / f64::from(N);
        println!("gateway token check: {token_ns:.0} ns/request");
        println!("API key check + quota + principal: {key_ns:.0} ns/request");
        println!("difference: {:.2} µs", (key_ns - token_ns) / 1000.0);
    });
}
