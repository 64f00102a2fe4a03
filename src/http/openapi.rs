//! `GET /openapi.json`: an OpenAPI 3.1 description of every HTTP route, generated from the
//! route table ([`super::routes::ROUTES`]) so a route cannot be missing from it: paths, methods,
//! path parameters, which routes need the gateway token, and each family's error shape.
//! Request and response bodies are described as JSON objects (their fields are in
//! `docs/http-api.md`).

use super::routes::{Access, ROUTES};
use actix_web::HttpResponse;
use serde_json::{json, Map, Value};

/// `{id:.*}` → `{id}`; the names of the path parameters.
fn template(path: &str) -> (String, Vec<String>) {
    let (mut out, mut params, mut rest) = (String::new(), Vec::new(), path);
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find('}').map_or(rest.len(), |j| i + j);
        let name = rest[i + 1..j]
            .split(':')
            .next()
            .unwrap_or("param")
            .to_string();
        out.push('{');
        out.push_str(&name);
        out.push('}');
        params.push(name);
        rest = &rest[(j + 1).min(rest.len())..];
    }
    out.push_str(rest);
    (out, params)
}

fn error_schema(access: Access) -> &'static str {
    match access {
        Access::ApiV1 => "#/components/schemas/EnvelopeError",
        Access::Rest => "#/components/schemas/RestError",
        _ => "#/components/schemas/OpenAiError",
    }
}

fn operation(access: Access, method: &str, params: &[String]) -> Value {
    let err = json!({"description": "error", "content": {"application/json": {"schema": {"$ref": error_schema(access)}}}});
    let mut op = json!({
        "responses": {
            "200": {"description": "success", "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/event-stream": {"schema": {"type": "string"}}}},
            "400": err, "404": err, "405": err, "429": err, "500": err,
        },
    });
    if !params.is_empty() {
        op["parameters"] = Value::Array(
            params
                .iter()
                .map(|p| json!({"name": p, "in": "path", "required": true, "schema": {"type": "string"}}))
                .collect(),
        );
    }
    if matches!(method, "POST" | "PUT" | "PATCH") {
        op["requestBody"] = json!({"required": false, "content": {"application/json": {"schema": {"type": "object"}}}});
    }
    match access {
        Access::Public(why) => {
            op["security"] = json!([]);
            op["description"] = json!(format!("No gateway credential: {why}."));
        }
        _ => {
            op["security"] = json!([{"bearer": []}]);
            op["responses"]["401"] = err;
        }
    }
    op
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for r in ROUTES {
        let (path, params) = template(r.path);
        let item = paths
            .entry(path)
            .or_insert_with(|| Value::Object(Map::new()));
        for m in r.methods {
            item[m.to_ascii_lowercase()] = operation(r.access, m, &params);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "clawgate", "version": crate::state::VERSION,
                 "description": "A self-hosted AI-agent gateway compatible with the OpenClaw Gateway."},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                "description": "The gateway token (or password in password mode)."}},
            "schemas": {
                "OpenAiError": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "properties": {
                    "message": {"type": "string"}, "type": {"type": "string"},
                    "param": {"type": ["string", "null"]}, "code": {"type": ["string", "null"]}}}}},
                "EnvelopeError": {"type": "object", "required": ["success", "error"], "properties": {
                    "success": {"const": false}, "error": {"type": "object", "properties": {
                        "code": {"type": "string"}, "message": {"type": "string"}}}}},
                "RestError": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "properties": {
                    "code": {"type": "string"}, "message": {"type": "string"},
                    "type": {"enum": ["client_error", "server_error"]},
                    "param": {"type": ["string", "null"]}}}}},
            },
        },
    })
}

/// `GET /openapi.json`.
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("content-type", "application/json; charset=utf-8"))
        .body(document().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_in_the_document() {
        let doc = document();
        for r in ROUTES {
            let (path, _) = template(r.path);
            for m in r.methods {
                assert!(
                    doc["paths"][&path][m.to_ascii_lowercase()].is_object(),
                    "{m} {path} missing"
                );
            }
        }
        assert_eq!(template("/v1/models/{id:.*}").0, "/v1/models/{id}");
        assert_eq!(template("/sessions/{key}/history").1, vec!["key"]);
    }
}
