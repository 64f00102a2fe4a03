//! `GET /openapi.json`: an OpenAPI 3.1 description of every HTTP route, generated from the
//! route table ([`super::routes::ROUTES`]) so a route cannot be missing from it: paths, methods,
//! path parameters, which routes need the gateway token, each family's error shape, and the
//! request and response bodies as JSON Schemas generated from the types in [`bodies`].

mod bodies;
mod browser_bodies;

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

fn operation(
    g: &mut schemars::SchemaGenerator,
    access: Access,
    raw_path: &str,
    method: &str,
    params: &[String],
) -> Value {
    let err = json!({"description": "error", "content": {"application/json": {"schema": {"$ref": error_schema(access)}}}});
    let (request, response) = bodies::for_route(g, raw_path, method);
    let streams = raw_path.ends_with("/stream")
        || matches!(raw_path, "/v1/chat/completions" | "/v1/responses");
    let mut content = Map::new();
    match response {
        Some(schema) => {
            content.insert(
                "application/json".into(),
                json!({"schema": schema.to_value()}),
            );
        }
        None if !streams => {
            content.insert(
                "application/json".into(),
                json!({"schema": {"type": "object"}}),
            );
        }
        None => {}
    }
    if streams {
        content.insert(
            "text/event-stream".into(),
            json!({"schema": {"type": "string"}}),
        );
    }
    let mut op = json!({
        "responses": {
            "200": {"description": "success", "content": content},
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
    if let Some(schema) = request {
        let required = method == "POST";
        op["requestBody"] = json!({"required": required, "content": {"application/json": {"schema": schema.to_value()}}});
    } else if matches!(method, "POST" | "PUT" | "PATCH") {
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
    let mut g = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator();
    let mut paths = Map::new();
    for r in ROUTES {
        let (path, params) = template(r.path);
        let item = paths
            .entry(path)
            .or_insert_with(|| Value::Object(Map::new()));
        for m in r.methods {
            item[m.to_ascii_lowercase()] = operation(&mut g, r.access, r.path, m, &params);
        }
    }
    let mut doc = json!({
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
    });
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        schemas.extend(g.take_definitions(true));
    }
    doc
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
    }

    /// Every `$ref` in the document names a schema it defines.
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }

    #[test]
    fn seed_family_routes_have_typed_response_schemas() {
        let doc = document();
        let seed = |r: &super::super::routes::RouteInfo| {
            matches!(r.access, Access::ApiV1 | Access::Rest) || r.path.starts_with("/v1/agent/")
        };
        let mut checked = 0;
        for r in ROUTES.iter().filter(|r| seed(r)) {
            let (path, _) = template(r.path);
            for m in r.methods {
                let ok =
                    &doc["paths"][&path][m.to_ascii_lowercase()]["responses"]["200"]["content"];
                if r.path.ends_with("/stream") {
                    assert!(ok["text/event-stream"].is_object(), "{m} {path}");
                    continue;
                }
                let schema = &ok["application/json"]["schema"];
                assert!(
                    schema["$ref"].is_string(),
                    "{m} {path} has no typed response schema: {schema}"
                );
                checked += 1;
            }
        }
        assert!(checked >= 15, "only {checked} seed routes checked");
        let mut all = Vec::new();
        refs(&doc, &mut all);
        for r in all {
            let name = r.trim_start_matches("#/components/schemas/");
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "{r} is not defined"
            );
        }
        assert_eq!(template("/sessions/{key}/history").1, vec!["key"]);
    }
}
