//! The HTTP listener: what `actix_web::HttpServer::listen` does (HTTP/1, same timeouts,
//! graceful shutdown of idle keep-alive connections), except that every accepted socket is
//! wrapped in [`LenientTarget`] first, so raw UTF-8 in a URL reaches the routes instead of
//! failing in actix's request-line parser with an empty 400. `HttpServer` offers no hook to wrap
//! the socket, hence this small copy of its `listen`.

use super::lenient_target::LenientTarget;
use super::tls::{MaybeTls, HANDSHAKE_TIMEOUT};
use actix_http::body::MessageBody;
use actix_http::error::DispatchError;
use actix_http::{HttpService, Request, Response};
use actix_service::{
    fn_service, map_config, IntoServiceFactory, Service, ServiceFactory, ServiceFactoryExt,
};
use actix_web::dev::AppConfig;
use actix_web::rt::net::TcpStream;
use std::net::TcpListener;
use std::time::Duration;

/// How long a new connection may take to send its first request head (actix-web's default).
pub const CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a closing connection may take to shut down (actix-web's default).
pub const CLIENT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Serves the app built by `factory` on `listeners` with `workers` threads (over TLS when
/// `tls` is given, see [`super::tls`]); signals are left to the caller and a graceful stop
/// waits at most `shutdown_timeout` seconds.
pub fn serve<F, I, S, B>(
    factory: F,
    listeners: Vec<TcpListener>,
    workers: usize,
    shutdown_timeout: u64,
    tls: Option<std::sync::Arc<rustls::ServerConfig>>,
) -> std::io::Result<actix_server::Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let mut builder = actix_server::Server::build()
        .workers(workers)
        .disable_signals()
        .shutdown_timeout(shutdown_timeout);
    let shutdown = builder.graceful_shutdown_signal();
    for listener in listeners {
        let addr = listener.local_addr()?;
        let factory = factory.clone();
        let shutdown = shutdown.clone();
        let acceptor = tls.clone().map(tokio_rustls::TlsAcceptor::from);
        builder = builder.listen(format!("clawgate-http-{addr}"), listener, move || {
            let shutdown = shutdown.clone();
            let app = factory()
                .into_factory()
                .map_err(|err| err.into().error_response());
            let h1 = HttpService::build()
                .graceful_shutdown_signal(move || {
                    let signal = shutdown.clone();
                    async move { signal.notified().await }
                })
                .client_request_timeout(CLIENT_REQUEST_TIMEOUT)
                .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
                .h1_allow_half_closed(true)
                .local_addr(addr)
                .h1(map_config(app, |_| AppConfig::default()));
            let acceptor = acceptor.clone();
            fn_service(move |io: TcpStream| {
                let acceptor = acceptor.clone();
                async move {
                    // Small SSE frames must not wait for Nagle plus delayed ACK.
                    let _ = io.set_nodelay(true);
                    let peer = io.peer_addr().ok();
                    let io = match acceptor {
                        None => MaybeTls::Plain(io),
                        Some(a) => {
                            match tokio::time::timeout(HANDSHAKE_TIMEOUT, a.accept(io)).await {
                                Ok(Ok(tls)) => MaybeTls::Tls(Box::new(tls)),
                                Ok(Err(e)) => return Err(DispatchError::Io(e)),
                                Err(_) => {
                                    return Err(DispatchError::Io(std::io::Error::new(
                                        std::io::ErrorKind::TimedOut,
                                        "TLS handshake timed out",
                                    )))
                                }
                            }
                        }
                    };
                    Ok::<_, DispatchError>((LenientTarget::new(io), peer))
                }
            })
            .and_then(h1)
        })?;
    }
    Ok(builder.run())
}
