//! `attachments` of `chat.send` (OpenClaw's `{type?, mimeType?, fileName?, content}` entries):
//! images become the turn's image inputs. `content` is base64 (or a `data:` URL); each image
//! must decode and stay within `policy.attachments.maxImageBytes`, all of them within
//! `maxBytes`. Other kinds of attachment are refused rather than silently dropped.

use super::bad_param;
use crate::http::chat_input::decode_data_url;
use crate::providers::types::ImageData;
use crate::ws::frames::{ErrorShape, MAX_ATTACHMENT_BYTES, MAX_IMAGE_ATTACHMENT_BYTES};
use base64::Engine;
use serde_json::Value;

fn image(i: usize, a: &Value) -> Result<ImageData, ErrorShape> {
    let content = a.get("content").and_then(Value::as_str).unwrap_or("");
    let declared = a
        .get("mimeType")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase);
    let img = if content.starts_with("data:") {
        decode_data_url(content)
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(content.trim())
            .ok()
            .map(|bytes| ImageData {
                mime: declared.clone().unwrap_or_default(),
                base64: base64::engine::general_purpose::STANDARD.encode(bytes),
            })
    }
    .ok_or_else(|| {
        bad_param(format!(
            "attachments[{i}]: content must be base64 image data"
        ))
    })?;
    if !img.mime.starts_with("image/") {
        return Err(bad_param(format!(
            "attachments[{i}]: only images are supported (mimeType image/*)"
        )));
    }
    if img.base64.len() / 4 * 3 > MAX_IMAGE_ATTACHMENT_BYTES {
        return Err(bad_param(format!(
            "attachments[{i}]: image larger than {MAX_IMAGE_ATTACHMENT_BYTES} bytes"
        )));
    }
    Ok(img)
}

/// The images of `params.attachments` (none when absent).
pub fn images(params: &Value) -> Result<Vec<ImageData>, ErrorShape> {
    let Some(list) = params.get("attachments").filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| bad_param("attachments must be an array"))?;
    let images = list
        .iter()
        .enumerate()
        .map(|(i, a)| image(i, a))
        .collect::<Result<Vec<_>, _>>()?;
    let total: usize = images.iter().map(|i| i.base64.len() / 4 * 3).sum();
    if total > MAX_ATTACHMENT_BYTES {
        return Err(bad_param(format!(
            "attachments larger than {MAX_ATTACHMENT_BYTES} bytes in all"
        )));
    }
    Ok(images)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn images_are_taken_and_other_files_refused() {
        let png = json!({"attachments": [{"type": "image", "mimeType": "image/png", "content": "iVBORw0KGgo="}]});
        let got = images(&png).unwrap();
        assert_eq!(got[0].mime, "image/png");
        let url = json!({"attachments": [{"content": "data:image/jpeg;base64,/9j/"}]});
        assert_eq!(images(&url).unwrap()[0].mime, "image/jpeg");
        let pdf = json!({"attachments": [{"mimeType": "application/pdf", "content": "JVBERi0="}]});
        assert!(images(&pdf).unwrap_err().message.contains("only images"));
        let junk = json!({"attachments": [{"mimeType": "image/png", "content": "***"}]});
        assert!(images(&junk).is_err());
        assert!(images(&json!({})).unwrap().is_empty());
    }
}
