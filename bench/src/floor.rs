//! The floor: a minimal OpenAI-compatible forwarder on the gateway's own HTTP stack.
//!
//! It does what any gateway must do at the least — parse the JSON body, set the upstream
//! model, forward it with awc over a pooled keep-alive connection and return the upstream's
//! bytes (streamed through unchanged for `stream: true`) — and nothing else: no session, no
//! store, no history. The benchmark measures it with the same client and rounds as the
//! gateway, so every report can give clawgate's added latency as a ratio to this floor.
//! Same server and client stack as clawgate (actix-web workers, awc, `TCP_NODELAY` on both
//! sides), same number of workers by default (the machine's cores).

use std::net::TcpListener;
use std::time::Duration;

use actix_service::Service;
use actix_tls::connect::{ConnectError, ConnectInfo, Connection, ConnectorService};
use actix_web::http::Uri;
use actix_web::{http::StatusCode, web, App, HttpResponse, HttpServer};
use futures_util::future::LocalBoxFuture;
use tokio::net::TcpStream;

/// Where the forwarder sends requests, shared by every worker.
#[derive(Clone, Debug)]
struct Upstream {
    /// `<base>/chat/completions`.
    url: String,
    /// The model name the upstream expects.
    model: String,
    /// `Authorization` value for the upstream.
    auth: String,
}

/// Runs the forwarder on `listener` until the process is killed.
///
/// `upstream_base` is an OpenAI base URL (`http://127.0.0.1:PORT/v1`); every request's
/// `model` is replaced by `model`.
pub fn serve(
    listener: TcpListener,
    upstream_base: &str,
    model: &str,
    workers: usize,
) -> std::io::Result<()> {
    let upstream = Upstream {
        url: format!("{}/chat/completions", upstream_base.trim_end_matches('/')),
        model: model.to_string(),
        auth: "Bearer bench".to_string(),
    };
    actix_rt::System::new().block_on(async move {
        HttpServer::new(move || {
            let connector = awc::Connector::new()
                .connector(NoDelay::default())
                .conn_keep_alive(Duration::from_secs(60))
                // No cap: the concurrent-streams figure must not be bounded by the floor itself.
                .limit(0);
            let client = awc::Client::builder()
                .connector(connector)
                .timeout(Duration::from_secs(60))
                .finish();
            App::new()
                .app_data(web::Data::new(upstream.clone()))
                .app_data(web::Data::new(client))
                .route("/v1/chat/completions", web::post().to(forward))
        })
        .on_connect(|conn, _| {
            // Small frames must not wait for Nagle plus delayed ACK (as in the gateway).
            if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
                let _ = tcp.set_nodelay(true);
            }
        })
        .workers(workers)
        .listen(listener)?
        .run()
        .await
    })
}

/// Parses the body, sets the model, forwards, and relays the answer.
async fn forward(
    body: web::Bytes,
    upstream: web::Data<Upstream>,
    client: web::Data<awc::Client>,
) -> HttpResponse {
    let mut value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return HttpResponse::BadRequest().body(format!("bad JSON: {e}")),
    };
    value["model"] = serde_json::Value::String(upstream.model.clone());
    let stream = value["stream"].as_bool() == Some(true);
    let sent = client
        .post(&upstream.url)
        .insert_header(("Authorization", upstream.auth.as_str()))
        .send_json(&value)
        .await;
    let mut resp = match sent {
        Ok(r) => r,
        Err(e) => return HttpResponse::BadGateway().body(format!("upstream: {e}")),
    };
    let status = StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_string();
    let mut out = HttpResponse::build(status);
    out.content_type(content_type);
    if stream {
        return out.streaming(resp);
    }
    match resp.body().limit(64 * 1024 * 1024).await {
        Ok(bytes) => out.body(bytes),
        Err(e) => HttpResponse::BadGateway().body(format!("upstream body: {e}")),
    }
}

/// The TCP connector with `TCP_NODELAY` on every upstream socket, as the gateway's.
#[derive(Clone, Default)]
struct NoDelay(ConnectorService);

impl Service<ConnectInfo<Uri>> for NoDelay {
    type Response = Connection<Uri, TcpStream>;
    type Error = ConnectError;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(
        &self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        Service::<ConnectInfo<Uri>>::poll_ready(&self.0, cx)
    }

    fn call(&self, req: ConnectInfo<Uri>) -> Self::Future {
        let fut = self.0.call(req);
        Box::pin(async move {
            let conn = fut.await?;
            let _ = conn.io_ref().set_nodelay(true);
            Ok(conn)
        })
    }
}
