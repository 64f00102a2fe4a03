//! Decodes request bodies the fakes receive into JSON for assertions: JSON as is,
//! `multipart/form-data` through `multer` (an independent parser, so the gateway's encoder is
//! checked against the standard: text fields as strings, file parts as
//! `{filename, contentType, size, data (base64)}`), and `application/x-www-form-urlencoded`
//! as an object of strings.

use base64::Engine as _;
use serde_json::{json, Map, Value};

fn percent_decode(s: &str) -> String {
    let bytes = s.replace('+', " ").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&String::from_utf8_lossy(&bytes[i + 1..i + 3]), 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub async fn decode(content_type: &str, body: &[u8]) -> Value {
    let ct = content_type.to_ascii_lowercase();
    if ct.starts_with("multipart/form-data") {
        let Ok(boundary) = multer::parse_boundary(content_type) else {
            return Value::Null;
        };
        let owned = bytes::Bytes::copy_from_slice(body);
        let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(owned) });
        let mut mp = multer::Multipart::new(stream, boundary);
        let mut out = Map::new();
        while let Ok(Some(field)) = mp.next_field().await {
            let name = field.name().unwrap_or_default().to_string();
            let filename = field.file_name().map(str::to_string);
            let mime = field.content_type().map(|m| m.to_string());
            let Ok(data) = field.bytes().await else {
                return Value::Null;
            };
            let v = match filename {
                Some(f) => json!({"filename": f, "contentType": mime, "size": data.len(),
                    "data": base64::engine::general_purpose::STANDARD.encode(&data)}),
                None => json!(String::from_utf8_lossy(&data)),
            };
            out.insert(name, v);
        }
        return Value::Object(out);
    }
    if ct.starts_with("application/x-www-form-urlencoded") {
        let text = String::from_utf8_lossy(body);
        let out: Map<String, Value> = text
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), json!(percent_decode(v)))
            })
            .collect();
        return Value::Object(out);
    }
    serde_json::from_slice(body).unwrap_or(Value::Null)
}
