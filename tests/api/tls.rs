//! Built-in HTTPS and WSS (`gateway.tls`): a self-signed certificate generated here, a client
//! that trusts only it, and a renewed certificate served without a restart.

use crate::helpers::*;
use clawgate_bench::mock::Reply;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;

/// A fresh self-signed certificate for 127.0.0.1: (cert PEM, key PEM, cert DER).
fn self_signed() -> (String, String, Vec<u8>) {
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    (
        ck.cert.pem(),
        ck.key_pair.serialize_pem(),
        ck.cert.der().to_vec(),
    )
}

/// Writes a file the way renewal tools do: a new file renamed over the old one.
fn replace(path: &Path, text: &str) {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// A client that trusts only `der`.
fn client_trusting(der: &[u8]) -> awc::Client {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(der.to_vec()))
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    awc::Client::builder()
        .connector(awc::Connector::new().rustls_0_23(Arc::new(cfg)))
        .timeout(std::time::Duration::from_secs(20))
        .finish()
}

#[actix_web::test]
async fn https_and_wss_serve_a_self_signed_certificate_and_pick_up_a_renewal() {
    let certs = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = (certs.path().join("cert.pem"), certs.path().join("key.pem"));
    let (cert1, key1, der1) = self_signed();
    replace(&cert_path, &cert1);
    replace(&key_path, &key1);
    let extra = format!(
        r#"tls: {{ certPath: "{}", keyPath: "{}" }}, http: {{ endpoints: {{ responses: {{ enabled: true }} }} }}"#,
        cert_path.display(),
        key_path.display()
    );
    let t = spawn_with("openai-completions", &extra, "").await;
    let base = t.base.replace("http://", "https://");

    // HTTPS: a probe and an authenticated chat turn.
    let client = client_trusting(&der1);
    let resp = client.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    t.upstream.push(Reply::text("over tls"));
    let mut resp = client
        .post(format!("{base}/v1/chat/completions"))
        .insert_header(("authorization", format!("Bearer {TOKEN}")))
        .send_json(&json!({"model": "openclaw", "messages": [{"role": "user", "content": "hi"}]}))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["choices"][0]["message"]["content"], "over tls");

    // Plain HTTP on the TLS port gets no HTTP answer.
    let plain = t.client().get(t.url("/health")).send().await;
    assert!(plain.is_err() || plain.unwrap().status() != 200);

    // WSS: OpenResponses WebSocket mode over the same listener.
    let (resp, mut conn) = client
        .ws(format!(
            "{}/v1/responses",
            base.replace("https://", "wss://")
        ))
        .header("authorization", format!("Bearer {TOKEN}"))
        .connect()
        .await
        .expect("wss connect");
    assert_eq!(resp.status(), 101);
    t.upstream.push(Reply::text("over wss"));
    conn.send(awc::ws::Message::Text(
        json!({"type": "response.create", "model": "openclaw", "input": "hi"})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let mut text = String::new();
    while let Some(Ok(f)) = conn.next().await {
        if let awc::ws::Frame::Text(b) = f {
            let v: Value = serde_json::from_slice(&b).unwrap();
            if v["type"] == "response.output_text.delta" {
                text.push_str(v["delta"].as_str().unwrap());
            }
            if v["type"] == "response.completed" {
                break;
            }
            assert_ne!(v["type"], "error", "{v}");
        }
    }
    assert_eq!(text, "over wss");

    // Renewal: new files renamed into place are served from the next connection on.
    let (cert2, key2, der2) = self_signed();
    replace(&key_path, &key2);
    replace(&cert_path, &cert2);
    let resp = client_trusting(&der2)
        .get(format!("{base}/health"))
        .send()
        .await
        .expect("the renewed certificate is served");
    assert_eq!(resp.status(), 200);
    let old = client_trusting(&der1)
        .get(format!("{base}/health"))
        .send()
        .await;
    assert!(old.is_err(), "the old certificate is no longer served");
}
