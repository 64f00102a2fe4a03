//! Tests for the SSRF-guarded fetcher against a local actix-web server on 127.0.0.1:0.

use super::*;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn redirect(to: &'static str) -> impl Fn() -> std::future::Ready<HttpResponse> + Clone {
    move || {
        std::future::ready(
            HttpResponse::Found()
                .insert_header(("Location", to))
                .finish(),
        )
    }
}

/// Starts a fixture server and returns its base URL (`http://127.0.0.1:<port>`).
fn spawn_server() -> String {
    let server = HttpServer::new(|| {
        App::new()
            .route(
                "/hello.txt",
                web::get().to(|| async {
                    HttpResponse::Ok()
                        .content_type("text/plain; charset=utf-8")
                        .body("hello from server")
                }),
            )
            .route(
                "/host",
                web::get().to(|req: HttpRequest| async move {
                    let host = req
                        .headers()
                        .get("host")
                        .and_then(|h| h.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    HttpResponse::Ok().content_type("text/plain").body(host)
                }),
            )
            .route(
                "/dir/redirect-relative",
                web::get().to(redirect("hello.txt")),
            )
            .route(
                "/dir/hello.txt",
                web::get().to(|| async {
                    HttpResponse::Ok()
                        .content_type("text/plain")
                        .body("hello from dir")
                }),
            )
            .route("/redirect-ok", web::get().to(redirect("/hello.txt")))
            .route(
                "/redirect-private",
                web::get().to(redirect("http://10.0.0.1/x")),
            )
            .route(
                "/redirect-metadata",
                web::get().to(redirect("http://169.254.169.254/latest/meta-data")),
            )
            .route(
                "/redirect-file",
                web::get().to(redirect("file:///etc/passwd")),
            )
            .route("/redirect-loop", web::get().to(redirect("/redirect-loop")))
            .route(
                "/big",
                web::get().to(|| async {
                    HttpResponse::Ok()
                        .content_type("text/plain")
                        .body("x".repeat(5000))
                }),
            )
            .route(
                "/big-stream",
                web::get().to(|| async {
                    let chunks =
                        (0..50).map(|_| Ok::<_, actix_web::Error>(Bytes::from(vec![b'y'; 1000])));
                    HttpResponse::Ok()
                        .content_type("text/plain")
                        .streaming(futures_util::stream::iter(chunks))
                }),
            )
            .route(
                "/image-generic",
                web::get().to(|| async {
                    HttpResponse::Ok()
                        .content_type("application/octet-stream")
                        .body(PNG)
                }),
            )
            .route(
                "/page.html",
                web::get().to(|| async {
                    HttpResponse::Ok()
                        .content_type("text/html")
                        .body("<p>hi</p>")
                }),
            )
            .route(
                "/slow",
                web::get().to(|| async {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    HttpResponse::Ok().content_type("text/plain").body("late")
                }),
            )
            .route("/missing", web::get().to(HttpResponse::NotFound))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    actix_web::rt::spawn(server.run());
    format!("http://127.0.0.1:{port}")
}

fn test_policy() -> FetchPolicy {
    FetchPolicy {
        allow_loopback_for_tests: true,
        ..FetchPolicy::default()
    }
}

fn image_policy() -> FetchPolicy {
    let mut p = FetchPolicy::for_images(&crate::responses::media::ImageLimits::default());
    p.allow_loopback_for_tests = true;
    p
}

#[actix_web::test]
async fn fetches_a_text_file_only_with_the_loopback_flag() {
    let base = spawn_server();
    let got = fetch(&format!("{base}/hello.txt"), &test_policy())
        .await
        .unwrap();
    assert_eq!(got.bytes, Bytes::from_static(b"hello from server"));
    assert_eq!(got.mime, "text/plain");
    assert_eq!(got.final_url, format!("{base}/hello.txt"));

    let err = fetch(&format!("{base}/hello.txt"), &FetchPolicy::default())
        .await
        .unwrap_err();
    assert_eq!(err, MediaError::PrivateAddress);
    assert_eq!(err.to_string(), "private or loopback address not allowed");
}

#[actix_web::test]
async fn redirects_are_followed_and_rechecked_at_every_hop() {
    let base = spawn_server();
    let got = fetch(&format!("{base}/redirect-ok"), &test_policy())
        .await
        .unwrap();
    assert_eq!(&got.bytes[..], b"hello from server");
    assert_eq!(got.final_url, format!("{base}/hello.txt"));

    let got = fetch(&format!("{base}/dir/redirect-relative"), &test_policy())
        .await
        .unwrap();
    assert_eq!(&got.bytes[..], b"hello from dir");
    assert_eq!(got.final_url, format!("{base}/dir/hello.txt"));

    let private = fetch(&format!("{base}/redirect-private"), &test_policy()).await;
    assert_eq!(private.unwrap_err(), MediaError::PrivateAddress);
    let metadata = fetch(&format!("{base}/redirect-metadata"), &test_policy()).await;
    assert_eq!(metadata.unwrap_err(), MediaError::PrivateAddress);
    let file = fetch(&format!("{base}/redirect-file"), &test_policy()).await;
    assert_eq!(
        file.unwrap_err(),
        MediaError::SchemeNotAllowed("file".into())
    );
    let looped = fetch(&format!("{base}/redirect-loop"), &test_policy()).await;
    assert_eq!(looped.unwrap_err(), MediaError::TooManyRedirects);
}

#[actix_web::test]
async fn redirect_limit_counts_hops() {
    let base = spawn_server();
    let mut policy = test_policy();
    policy.max_redirects = 0;
    let err = fetch(&format!("{base}/redirect-ok"), &policy)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "too many redirects");
}

#[actix_web::test]
async fn body_size_is_capped_with_and_without_content_length() {
    let base = spawn_server();
    let mut policy = test_policy();
    policy.max_bytes = 1000;
    let limit = MediaError::TooLarge { limit: 1000 };
    assert_eq!(
        fetch(&format!("{base}/big"), &policy).await.unwrap_err(),
        limit
    );
    assert_eq!(
        fetch(&format!("{base}/big-stream"), &policy)
            .await
            .unwrap_err(),
        limit
    );
}

#[actix_web::test]
async fn mime_is_checked_and_images_are_sniffed() {
    let base = spawn_server();
    let got = fetch(&format!("{base}/image-generic"), &image_policy())
        .await
        .unwrap();
    assert_eq!(got.mime, "image/png");
    let err = fetch(&format!("{base}/page.html"), &image_policy())
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "unsupported MIME type: text/html");
    let html = fetch(&format!("{base}/page.html"), &test_policy())
        .await
        .unwrap();
    assert_eq!(html.mime, "text/html");
}

#[actix_web::test]
async fn timeout_and_http_errors_are_client_errors() {
    let base = spawn_server();
    let mut policy = test_policy();
    policy.timeout = Duration::from_millis(200);
    let err = fetch(&format!("{base}/slow"), &policy).await.unwrap_err();
    assert_eq!(err.to_string(), "fetch timed out");
    assert_eq!(err.http_status(), 400);
    let err = fetch(&format!("{base}/missing"), &test_policy())
        .await
        .unwrap_err();
    assert_eq!(err, MediaError::HttpStatus(404));
}

#[actix_web::test]
async fn scheme_hostname_and_allowlist_are_checked_before_connecting() {
    let p = FetchPolicy::default();
    for (url, msg) in [
        ("file:///etc/passwd", "url scheme not allowed: file"),
        ("ftp://example.com/x", "url scheme not allowed: ftp"),
        (
            "data:text/plain;base64,aGk=",
            "url scheme not allowed: data",
        ),
        (
            "http://localhost:6379/info",
            "host name not allowed: localhost",
        ),
        (
            "http://metadata.google.internal/computeMetadata/v1/",
            "host name not allowed: metadata.google.internal",
        ),
        (
            "http://127.0.0.1:6379/info",
            "private or loopback address not allowed",
        ),
        ("http://[::1]/", "private or loopback address not allowed"),
        (
            "http://169.254.169.254/latest",
            "private or loopback address not allowed",
        ),
        (
            "http://user:pw@example.com/",
            "invalid url: credentials in URL are not allowed",
        ),
        ("/relative/path", "invalid url: missing scheme"),
    ] {
        assert_eq!(fetch(url, &p).await.unwrap_err().to_string(), msg, "{url}");
    }
    let mut allow = test_policy();
    allow.url_allowlist = vec!["*.example.com".into()];
    let err = fetch("http://127.0.0.1:1/x", &allow).await.unwrap_err();
    assert_eq!(err.to_string(), "host not in allowlist: 127.0.0.1");
}

#[actix_web::test]
async fn connection_goes_to_the_pinned_address_with_the_original_host_header() {
    // `pinned.invalid` does not resolve; the request can only succeed through the pin.
    let base = spawn_server();
    let port: u16 = base.rsplit(':').next().unwrap().parse().unwrap();
    let target = Target {
        uri: format!("http://pinned.invalid:{port}/host")
            .parse()
            .unwrap(),
        host: "pinned.invalid".into(),
        port,
    };
    let addrs = vec![SocketAddr::from(([127, 0, 0, 1], port))];
    let Hop::Done(got) = fetch_hop(&target, addrs, &test_policy()).await.unwrap() else {
        panic!("unexpected redirect");
    };
    assert_eq!(&got.bytes[..], format!("pinned.invalid:{port}").as_bytes());
}

#[actix_web::test]
async fn pinned_resolver_refuses_other_hosts() {
    let r = PinnedResolver::new(
        "Files.Example.com",
        vec![SocketAddr::from(([93, 184, 216, 34], 1))],
    );
    let addrs = r.lookup("files.example.com", 443).await.unwrap();
    assert_eq!(addrs, vec![SocketAddr::from(([93, 184, 216, 34], 443))]);
    assert!(r.lookup("evil.example.com", 443).await.is_err());
}

#[test]
fn location_resolution() {
    let base: Uri = "https://h.example:8443/a/b/c.txt?q=1".parse().unwrap();
    let r = |l: &str| resolve_location(&base, l).unwrap();
    assert_eq!(r("/x"), "https://h.example:8443/x");
    assert_eq!(r("y.txt"), "https://h.example:8443/a/b/y.txt");
    assert_eq!(r("//other.example/z"), "https://other.example/z");
    assert_eq!(r("http://third.example/"), "http://third.example/");
}
