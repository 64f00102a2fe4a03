//! Validation of `input_image` / `input_file` parts (both the OpenAI `image_url` /
//! `file_data` / `file_url` forms and OpenClaw's `source` form) into [`ImagePart`] / [`FilePart`].

use serde_json::Value;

use super::decode::parse_data_url;
use super::schema::{FilePart, ImageDetail, ImagePart, MediaSource, IMAGE_SOURCE_MIMES};
use super::schema_parse::{
    as_string, child, enumeration, err, non_empty_string, type_of, Obj, Result,
};

/// A `data:` URL or a bare http(s)/other URL string, as given in `image_url` / `file_url`.
fn url_or_data(s: &str, path: &str) -> Result<MediaSource> {
    if s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("data:")) {
        let d = parse_data_url(s).or_else(|e| err(path, e.to_string()))?;
        return Ok(MediaSource::Base64 {
            media_type: Some(d.mime),
            data: d.data,
            filename: None,
        });
    }
    Ok(MediaSource::Url { url: s.to_owned() })
}

fn check_image_mime(mime: &str, path: &str) -> Result<()> {
    if IMAGE_SOURCE_MIMES.contains(&mime) {
        return Ok(());
    }
    let list: Vec<String> = IMAGE_SOURCE_MIMES
        .iter()
        .map(|m| format!("'{m}'"))
        .collect();
    err(
        path,
        format!(
            "Invalid enum value. Expected {}, received '{mime}'",
            list.join(" | ")
        ),
    )
}

fn parse_source(v: &Value, path: &str, image: bool) -> Result<MediaSource> {
    match type_of(v, path)? {
        "url" => {
            let o = Obj::new(v, path, &["type", "url"])?;
            Ok(MediaSource::Url {
                url: o.req("url", non_empty_string)?,
            })
        }
        "base64" => {
            let keys: &[&str] = if image {
                &["type", "media_type", "data"]
            } else {
                &["type", "media_type", "data", "filename"]
            };
            let o = Obj::new(v, path, keys)?;
            let media_type = o.req("media_type", as_string)?;
            if image {
                check_image_mime(&media_type, &child(path, "media_type"))?;
            }
            Ok(MediaSource::Base64 {
                media_type: Some(media_type),
                data: o.req("data", non_empty_string)?,
                filename: o.opt("filename", as_string)?,
            })
        }
        other => err(
            &child(path, "type"),
            format!("Invalid discriminator value. Expected 'url' | 'base64', received '{other}'"),
        ),
    }
}

pub(super) fn parse_image(v: &Value, path: &str) -> Result<ImagePart> {
    let o = Obj::new(v, path, &["type", "image_url", "detail", "source"])?;
    let detail = o.opt("detail", |v, p| {
        enumeration(
            v,
            p,
            &[
                ("low", ImageDetail::Low),
                ("high", ImageDetail::High),
                ("auto", ImageDetail::Auto),
            ],
        )
    })?;
    let source = match (o.get("image_url"), o.get("source")) {
        (Some(_), Some(_)) => return err(path, "Specify only one of `image_url` or `source`"),
        (None, None) => return err(&child(path, "image_url"), "Required"),
        (Some(_), None) => {
            let p = child(path, "image_url");
            let src = o.req("image_url", |v, p| {
                let s = non_empty_string(v, p)?;
                url_or_data(&s, p)
            })?;
            if let MediaSource::Base64 {
                media_type: Some(m),
                ..
            } = &src
            {
                check_image_mime(m, &p)?;
            }
            src
        }
        (None, Some(_)) => o.req("source", |v, p| parse_source(v, p, true))?,
    };
    Ok(ImagePart { source, detail })
}

pub(super) fn parse_file(v: &Value, path: &str) -> Result<FilePart> {
    let o = Obj::new(
        v,
        path,
        &["type", "file_data", "file_url", "filename", "source"],
    )?;
    let mut filename = o.opt("filename", as_string)?;
    let given = [o.get("file_data"), o.get("file_url"), o.get("source")];
    if given.iter().flatten().count() > 1 {
        return err(
            path,
            "Specify only one of `file_data`, `file_url` or `source`",
        );
    }
    let source = if o.get("file_data").is_some() {
        o.req("file_data", |v, p| {
            let s = non_empty_string(v, p)?;
            if s.get(..5).is_some_and(|x| x.eq_ignore_ascii_case("data:")) {
                url_or_data(&s, p)
            } else {
                Ok(MediaSource::Base64 {
                    media_type: None,
                    data: s,
                    filename: None,
                })
            }
        })?
    } else if o.get("file_url").is_some() {
        o.req("file_url", |v, p| {
            Ok(MediaSource::Url {
                url: non_empty_string(v, p)?,
            })
        })?
    } else if o.get("source").is_some() {
        o.req("source", |v, p| parse_source(v, p, false))?
    } else {
        return err(&child(path, "file_data"), "Required");
    };
    if filename.is_none() {
        if let MediaSource::Base64 { filename: f, .. } = &source {
            filename.clone_from(f);
        }
    }
    Ok(FilePart { source, filename })
}
