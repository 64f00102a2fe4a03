//! A tiny web site on 127.0.0.1:0 for fetch tests: each path answers with a fixed status,
//! content type, optional `Location` and body; every hit is counted.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// One page: status, content type, `Location` (for redirects), body.
#[derive(Clone)]
pub struct Page {
    pub status: u16,
    pub content_type: &'static str,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    pub fn html(body: &str) -> Page {
        Page {
            status: 200,
            content_type: "text/html; charset=utf-8",
            location: None,
            body: body.to_string(),
        }
    }

    pub fn redirect(to: &str) -> Page {
        Page {
            status: 302,
            content_type: "text/plain",
            location: Some(to.to_string()),
            body: String::new(),
        }
    }
}

pub struct FakeSite {
    pub port: u16,
    hits: Arc<AtomicUsize>,
}

impl FakeSite {
    pub async fn start(pages: Vec<(&str, Page)>) -> FakeSite {
        let pages: Arc<HashMap<String, Page>> = Arc::new(
            pages
                .into_iter()
                .map(|(p, page)| (p.to_string(), page))
                .collect(),
        );
        let hits = Arc::new(AtomicUsize::new(0));
        let (p, h) = (pages.clone(), hits.clone());
        let server = HttpServer::new(move || {
            let (pages, hits) = (p.clone(), h.clone());
            App::new().default_service(web::to(move |req: HttpRequest| {
                let (pages, hits) = (pages.clone(), hits.clone());
                async move {
                    hits.fetch_add(1, Ordering::SeqCst);
                    let Some(page) = pages.get(req.path()) else {
                        return HttpResponse::NotFound().finish();
                    };
                    let status = actix_web::http::StatusCode::from_u16(page.status).unwrap();
                    let mut resp = HttpResponse::build(status);
                    resp.content_type(page.content_type);
                    if let Some(to) = &page.location {
                        resp.insert_header(("location", to.as_str()));
                    }
                    resp.body(page.body.clone())
                }
            }))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        FakeSite { port, hits }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Requests served so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}
