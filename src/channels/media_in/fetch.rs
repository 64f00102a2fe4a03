//! Downloads one inbound file through its platform's API, at most `limit` bytes. Error texts
//! never carry a token (Telegram's is part of its URLs) nor a URL's query.

use super::MediaRef;
use crate::config::{ChannelAccount, ChannelKind};
use bytes::Bytes;
use serde_json::{json, Value};

fn token(cfg: &ChannelAccount) -> &str {
    cfg.token.as_ref().map(|t| t.expose()).unwrap_or_default()
}

/// Reads a successful answer's body, refusing more than `limit` bytes.
async fn body(
    sent: Result<awc::ClientResponse, awc::error::SendRequestError>,
    limit: u64,
    what: &str,
) -> Result<Bytes, String> {
    let mut resp = sent.map_err(|e| format!("{what}: {e}"))?;
    if !resp.status().is_success() {
        return Err(format!("{what}: HTTP {}", resp.status().as_u16()));
    }
    if let Some(len) = resp
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        if len > limit {
            return Err(format!(
                "{what}: {len} bytes is over the {limit} byte limit"
            ));
        }
    }
    resp.body()
        .limit(limit as usize)
        .await
        .map_err(|e| match e {
            awc::error::PayloadError::Overflow => {
                format!("{what}: over the {limit} byte limit")
            }
            e => format!("{what}: {e}"),
        })
}

/// The bytes of `m` (Telegram, WhatsApp, Slack, Discord, Signal and iMessage; other
/// channels have none).
pub async fn download(
    client: &awc::Client,
    cfg: &ChannelAccount,
    m: &MediaRef,
    limit: u64,
) -> Result<Bytes, String> {
    match cfg.kind {
        ChannelKind::Telegram => telegram(client, cfg, m, limit).await,
        ChannelKind::WhatsApp => whatsapp(client, cfg, m, limit).await,
        ChannelKind::Slack => {
            let auth = format!("Bearer {}", token(cfg));
            let sent = client
                .get(m.file.as_str())
                .insert_header(("authorization", auth))
                .send()
                .await;
            body(sent, limit, "slack file").await
        }
        ChannelKind::Discord => {
            let sent = client.get(m.file.as_str()).send().await;
            body(sent, limit, "discord attachment").await
        }
        ChannelKind::Signal => {
            let id = path_segment(&m.file)?;
            let sent = client
                .get(format!("{}/v1/attachments/{id}", cfg.api_root))
                .send()
                .await;
            body(sent, limit, "signal attachment").await
        }
        ChannelKind::IMessage => imessage(client, cfg, m, limit).await,
        _ => Err(format!("{} media is not downloaded", cfg.kind.as_str())),
    }
}

/// A platform id used as one URL path segment (ids that could leave it are refused).
fn path_segment(id: &str) -> Result<&str, String> {
    let safe =
        !id.is_empty() && id != "." && id != ".." && !id.contains(['/', '\\', '?', '#', '%', ' ']);
    if safe {
        Ok(id)
    } else {
        Err("unusable attachment id".into())
    }
}

/// BlueBubbles `GET /api/v1/attachment/{guid}/download?password=…` (the password never
/// appears in an error).
async fn imessage(
    client: &awc::Client,
    cfg: &ChannelAccount,
    m: &MediaRef,
    limit: u64,
) -> Result<Bytes, String> {
    let guid = path_segment(&m.file)?;
    let password = token(cfg);
    let scrub = |s: String| {
        if password.is_empty() {
            s
        } else {
            s.replace(password, "***")
        }
    };
    let req = client
        .get(format!(
            "{}/api/v1/attachment/{guid}/download",
            cfg.api_root
        ))
        .query(&[("password", password)])
        .map_err(|e| scrub(format!("imessage attachment: {e}")))?;
    body(req.send().await, limit, "imessage attachment")
        .await
        .map_err(scrub)
}

/// `getFile` for the path, then `<root>/file/bot<token>/<path>`.
async fn telegram(
    client: &awc::Client,
    cfg: &ChannelAccount,
    m: &MediaRef,
    limit: u64,
) -> Result<Bytes, String> {
    let tok = token(cfg);
    let scrub = |s: String| {
        if tok.is_empty() {
            s
        } else {
            s.replace(tok, "***")
        }
    };
    let mut resp = client
        .post(format!("{}/bot{tok}/getFile", cfg.api_root))
        .send_json(&json!({ "file_id": m.file }))
        .await
        .map_err(|e| scrub(format!("getFile: {e}")))?;
    let v: Value = resp
        .json()
        .await
        .map_err(|e| scrub(format!("getFile: {e}")))?;
    let path = match (v["ok"].as_bool(), v["result"]["file_path"].as_str()) {
        (Some(true), Some(p)) => p.to_string(),
        _ => {
            return Err(scrub(format!(
                "getFile: {}",
                v["description"].as_str().unwrap_or("no file_path")
            )))
        }
    };
    if v["result"]["file_size"].as_u64().is_some_and(|s| s > limit) {
        return Err(format!("over the {limit} byte limit"));
    }
    let sent = client
        .get(format!("{}/file/bot{tok}/{path}", cfg.api_root))
        .send()
        .await;
    body(sent, limit, "telegram file").await.map_err(scrub)
}

/// `GET /{version}/{media-id}` for the URL, then that URL, both with the access token.
async fn whatsapp(
    client: &awc::Client,
    cfg: &ChannelAccount,
    m: &MediaRef,
    limit: u64,
) -> Result<Bytes, String> {
    let auth = format!("Bearer {}", token(cfg));
    let mut resp = client
        .get(format!("{}/{}", cfg.api_root, m.file))
        .insert_header(("authorization", auth.as_str()))
        .send()
        .await
        .map_err(|e| format!("media object: {e}"))?;
    let v: Value = resp
        .json()
        .await
        .map_err(|e| format!("media object: {e}"))?;
    let Some(url) = v["url"].as_str() else {
        return Err(format!(
            "media object: {}",
            v["error"]["message"].as_str().unwrap_or("no url")
        ));
    };
    if v["file_size"].as_u64().is_some_and(|s| s > limit) {
        return Err(format!("over the {limit} byte limit"));
    }
    let sent = client
        .get(url)
        .insert_header(("authorization", auth))
        .send()
        .await;
    body(sent, limit, "media download").await
}

#[cfg(test)]
mod tests {
    use super::path_segment;

    #[test]
    fn attachment_ids_stay_one_path_segment() {
        assert_eq!(path_segment("at_0_5C1D-PHOTO"), Ok("at_0_5C1D-PHOTO"));
        assert_eq!(path_segment("ysaFW3bzbH.jpg"), Ok("ysaFW3bzbH.jpg"));
        for bad in ["", "..", "a/b", "a?b", "a#b", "%2e%2e", "a b", "a\\b"] {
            assert!(path_segment(bad).is_err(), "{bad:?}");
        }
    }
}
