//! `SKILL.md` parsing: the YAML frontmatter between the leading `---` lines (through
//! `serde-saphyr`) into [`SkillMeta`], and the body with `{baseDir}` replaced.
//!
//! `metadata.openclaw` may be nested YAML or, as OpenClaw writes it, a JSON5 object (inline
//! or as a string). A malformed file is a [`ParseError`] naming the line at fault.

use serde_json::{Map, Value};
use std::path::Path;

/// How a `command-dispatch: tool` skill calls its tool.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolDispatch {
    /// `command-tool`: the tool called.
    pub tool: String,
    /// `command-arg-mode` (`raw`, the only mode OpenClaw defines).
    pub arg_mode: String,
}

/// What a skill needs before it is eligible (`metadata.openclaw.requires`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Requires {
    /// Binaries that must all be on `PATH`.
    pub bins: Vec<String>,
    /// Binaries of which at least one must be on `PATH`.
    pub any_bins: Vec<String>,
    /// Environment variables that must be set (or given by the skill's config entry).
    pub env: Vec<String>,
    /// Configuration paths that must be truthy.
    pub config: Vec<String>,
}

/// `metadata.openclaw`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpenClawMeta {
    /// Eligible whatever `requires` says (the `os` filter still applies).
    pub always: bool,
    /// Shown next to the name.
    pub emoji: Option<String>,
    /// Operating systems it runs on (`darwin`, `linux`, `win32`); empty = any.
    pub os: Vec<String>,
    /// Requirements.
    pub requires: Requires,
    /// The env var `skills.entries.<key>.apiKey` fills.
    pub primary_env: Option<String>,
    /// The key of its `skills.entries` block (default: the name).
    pub skill_key: Option<String>,
}

/// A parsed `SKILL.md`.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillMeta {
    /// `name`, else the folder's name.
    pub name: String,
    /// `description` (required).
    pub description: String,
    /// `version`.
    pub version: Option<String>,
    /// `homepage`.
    pub homepage: Option<String>,
    /// `user-invocable` (default true): offered as a slash command / `execute`.
    pub user_invocable: bool,
    /// `disable-model-invocation` (default false): left out of the model's prompt.
    pub disable_model_invocation: bool,
    /// `command-dispatch: tool`.
    pub dispatch: Option<ToolDispatch>,
    /// `metadata.openclaw`.
    pub openclaw: OpenClawMeta,
    /// The instructions after the frontmatter, `{baseDir}` replaced by the skill's folder.
    pub body: String,
}

/// Why a `SKILL.md` was skipped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based line in the file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn err(line: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        line,
        message: message.into(),
    }
}

/// Parses `text` (the contents of `<dir>/SKILL.md`).
pub fn parse(text: &str, dir: &Path) -> Result<SkillMeta, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    match lines.next() {
        Some(first) if first.trim_end() == "---" => {}
        _ => {
            return Err(err(
                1,
                "no YAML frontmatter (the file must start with `---`)",
            ))
        }
    }
    let mut yaml = String::new();
    let mut body_start = None;
    let mut offset = text.split_inclusive('\n').next().map_or(0, str::len);
    for line in lines {
        offset += line.len();
        if line.trim_end() == "---" {
            body_start = Some(offset);
            break;
        }
        yaml.push_str(line);
    }
    let Some(body_start) = body_start else {
        return Err(err(1, "the frontmatter is not closed by a `---` line"));
    };
    let fm: Value = if yaml.trim().is_empty() {
        Value::Object(Map::new())
    } else {
        // YAML 1.2 booleans only: `name: on` is the name "on", not `true`.
        let options = serde_saphyr::options! { strict_booleans: true };
        serde_saphyr::from_str_with_options(&yaml, options).map_err(|e| {
            // The frontmatter starts on the file's second line.
            let line = e.location().map_or(1, |l| l.line() as usize) + 1;
            let msg = e.to_string();
            err(
                line,
                msg.lines().next().unwrap_or("invalid YAML").to_string(),
            )
        })?
    };
    let Value::Object(fm) = fm else {
        return Err(err(2, "the frontmatter must be a YAML mapping"));
    };
    let line_of = |key: &str| {
        yaml.lines()
            .position(|l| l.trim_start().starts_with(&format!("{key}:")))
            .map_or(2, |i| i + 2)
    };
    let string = |key: &str| -> Result<Option<String>, ParseError> {
        match fm.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(err(line_of(key), format!("`{key}` must be a string"))),
        }
    };
    let boolean = |key: &str, default: bool| -> Result<bool, ParseError> {
        match fm.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) if s == "true" || s == "false" => Ok(s == "true"),
            Some(_) => Err(err(line_of(key), format!("`{key}` must be true or false"))),
        }
    };
    let folder = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = string("name")?.unwrap_or(folder);
    if name.is_empty() {
        return Err(err(2, "the skill has no name"));
    }
    let description = string("description")?
        .ok_or_else(|| err(line_of("description"), "`description` is required"))?;
    let dispatch = match string("command-dispatch")?.as_deref() {
        None => None,
        Some("tool") => Some(ToolDispatch {
            tool: string("command-tool")?.ok_or_else(|| {
                err(
                    line_of("command-dispatch"),
                    "`command-dispatch: tool` needs `command-tool`",
                )
            })?,
            arg_mode: string("command-arg-mode")?.unwrap_or_else(|| "raw".into()),
        }),
        Some(other) => {
            return Err(err(
                line_of("command-dispatch"),
                format!("unknown `command-dispatch: {other}` (only `tool`)"),
            ))
        }
    };
    let openclaw = match fm.get("metadata") {
        None | Some(Value::Null) => OpenClawMeta::default(),
        Some(m) => openclaw_meta(m).map_err(|m| err(line_of("metadata"), m))?,
    };
    let base = dir.to_string_lossy();
    Ok(SkillMeta {
        name,
        description,
        version: string("version")?,
        homepage: string("homepage")?,
        user_invocable: boolean("user-invocable", true)?,
        disable_model_invocation: boolean("disable-model-invocation", false)?,
        dispatch,
        openclaw,
        body: text[body_start..].trim().replace("{baseDir}", &base),
    })
}

/// `metadata` (a mapping, or a JSON5 string) → its `openclaw` block.
fn openclaw_meta(metadata: &Value) -> Result<OpenClawMeta, String> {
    let metadata = match metadata {
        Value::String(s) => json5::from_str::<Value>(s)
            .map_err(|e| format!("`metadata` is not a JSON5 object: {e}"))?,
        v => v.clone(),
    };
    let Some(oc) = metadata
        .get("openclaw")
        .or_else(|| metadata.get("clawdbot"))
    else {
        return Ok(OpenClawMeta::default());
    };
    let oc = match oc {
        Value::String(s) => json5::from_str::<Value>(s)
            .map_err(|e| format!("`metadata.openclaw` is not a JSON5 object: {e}"))?,
        v => v.clone(),
    };
    let Value::Object(oc) = oc else {
        return Err("`metadata.openclaw` must be an object".into());
    };
    let list = |v: Option<&Value>, key: &str| -> Result<Vec<String>, String> {
        match v {
            None | Some(Value::Null) => Ok(vec![]),
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            Some(Value::Array(a)) => a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| format!("`metadata.openclaw.{key}` must list strings"))
                })
                .collect(),
            Some(_) => Err(format!("`metadata.openclaw.{key}` must be a list")),
        }
    };
    let req = oc.get("requires").cloned().unwrap_or(Value::Null);
    if !(req.is_null() || req.is_object()) {
        return Err("`metadata.openclaw.requires` must be an object".into());
    }
    let text = |key: &str| oc.get(key).and_then(Value::as_str).map(str::to_string);
    Ok(OpenClawMeta {
        always: oc.get("always").and_then(Value::as_bool).unwrap_or(false),
        emoji: text("emoji"),
        os: list(oc.get("os"), "os")?,
        requires: Requires {
            bins: list(req.get("bins"), "requires.bins")?,
            any_bins: list(req.get("anyBins"), "requires.anyBins")?,
            env: list(req.get("env"), "requires.env")?,
            config: list(req.get("config"), "requires.config")?,
        },
        primary_env: text("primaryEnv"),
        skill_key: text("skillKey"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIR: &str = "/skills/weather";

    #[test]
    fn reads_every_field_and_replaces_base_dir() {
        let md = "---\nname: weather\ndescription: 查询天气预报\nversion: 1.0.0\nhomepage: https://example.com\nuser-invocable: false\ndisable-model-invocation: true\ncommand-dispatch: tool\ncommand-tool: read\ncommand-arg-mode: raw\nmetadata: {\"openclaw\": {\"always\": true, \"emoji\": \"🌤\", \"os\": [\"linux\"], \"requires\": {\"bins\": [\"curl\"], \"anyBins\": [\"a\", \"b\"], \"env\": [\"K\"], \"config\": [\"x.y\"]}, \"primaryEnv\": \"K\"}}\n---\nRun {baseDir}/run.sh\n";
        let m = parse(md, Path::new(DIR)).unwrap();
        assert_eq!(m.name, "weather");
        assert_eq!(m.description, "查询天气预报");
        assert_eq!(m.version.as_deref(), Some("1.0.0"));
        assert_eq!(m.homepage.as_deref(), Some("https://example.com"));
        assert!(!m.user_invocable && m.disable_model_invocation);
        assert_eq!(
            m.dispatch,
            Some(ToolDispatch {
                tool: "read".into(),
                arg_mode: "raw".into()
            })
        );
        let oc = &m.openclaw;
        assert!(oc.always);
        assert_eq!(oc.emoji.as_deref(), Some("🌤"));
        assert_eq!(oc.os, ["linux"]);
        assert_eq!(oc.requires.bins, ["curl"]);
        assert_eq!(oc.requires.any_bins, ["a", "b"]);
        assert_eq!(oc.requires.env, ["K"]);
        assert_eq!(oc.requires.config, ["x.y"]);
        assert_eq!(oc.primary_env.as_deref(), Some("K"));
        assert_eq!(m.body, "Run /skills/weather/run.sh");
    }

    #[test]
    fn nested_yaml_metadata_json5_strings_and_defaults() {
        let md = "---\ndescription: d\nmetadata:\n  openclaw:\n    requires:\n      env: [API_KEY]\n---\nbody";
        let m = parse(md, Path::new(DIR)).unwrap();
        assert_eq!(m.name, "weather", "the folder name stands in");
        assert!(m.user_invocable && !m.disable_model_invocation);
        assert_eq!(m.openclaw.requires.env, ["API_KEY"]);
        let md = "---\ndescription: d\nmetadata: '{openclaw: {os: [\"darwin\"]}}'\n---\n";
        let m = parse(md, Path::new(DIR)).unwrap();
        assert_eq!(m.openclaw.os, ["darwin"]);
        let m = parse("---\nname: on\ndescription: no\n---\n", Path::new(DIR)).unwrap();
        assert_eq!((m.name.as_str(), m.description.as_str()), ("on", "no"));
    }

    #[test]
    fn malformed_files_name_the_line() {
        let e = parse("# no frontmatter", Path::new(DIR)).unwrap_err();
        assert_eq!(e.line, 1);
        let e = parse(
            "---\nname: x\ndescription: [unclosed\n---\n",
            Path::new(DIR),
        )
        .unwrap_err();
        assert!(e.line >= 3, "{e}");
        let e = parse("---\nname: x\nversion: 1\n---\n", Path::new(DIR)).unwrap_err();
        assert_eq!(e.to_string(), "line 2: `description` is required");
        let e = parse("---\nname: x\ndescription: d\n", Path::new(DIR)).unwrap_err();
        assert!(e.message.contains("not closed"));
        let e = parse(
            "---\ndescription: d\ncommand-dispatch: tool\n---\n",
            Path::new(DIR),
        )
        .unwrap_err();
        assert_eq!(e.line, 3);
    }
}
