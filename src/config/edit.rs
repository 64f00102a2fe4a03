//! Editing the config file from the CLI (`clawgate config get|set|unset`) and the `config.*`
//! WebSocket methods (through `crate::reload`): dotted paths
//! (`gateway.auth.token`, `agents.list[0].model`) into the file's JSON5 value, values parsed as
//! JSON5 (else taken as a string), the result validated as a whole before it replaces the file
//! atomically (temp file + rename, mode kept). Comments in the file are not preserved: the new
//! file is written as formatted JSON (valid JSON5).

use super::{load, ConfigError, Overrides};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Splits `a.b[2].c` into steps; `None` for an empty or malformed path.
fn steps(path: &str) -> Option<Vec<Step>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() && (out.is_empty() || rest.is_empty()) {
            return None;
        }
        if !key.is_empty() {
            out.push(Step::Key(key.to_string()));
        }
        while let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            out.push(Step::Index(r[..end].parse().ok()?));
            rest = &r[end + 1..];
        }
        if !rest.is_empty() {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The value at `path` in `root`.
pub fn get<'a>(root: &'a Value, path: &str) -> Result<Option<&'a Value>, String> {
    let steps = steps(path).ok_or_else(|| format!("invalid config path `{path}`"))?;
    let mut cur = root;
    for s in &steps {
        let next = match s {
            Step::Key(k) => cur.get(k.as_str()),
            Step::Index(i) => cur.get(*i),
        };
        match next {
            Some(v) => cur = v,
            None => return Ok(None),
        }
    }
    Ok(Some(cur))
}

/// Sets `path` in `root` to `value`, creating objects on the way.
pub fn set(root: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let steps = steps(path).ok_or_else(|| format!("invalid config path `{path}`"))?;
    let mut cur = root;
    for (n, s) in steps.iter().enumerate() {
        let last = n + 1 == steps.len();
        match s {
            Step::Key(k) => {
                if cur.is_null() {
                    *cur = Value::Object(Map::new());
                }
                let Some(obj) = cur.as_object_mut() else {
                    return Err(format!(
                        "`{path}`: `{k}` is inside a value that is not an object"
                    ));
                };
                if last {
                    obj.insert(k.clone(), value);
                    return Ok(());
                }
                cur = obj.entry(k.clone()).or_insert(Value::Null);
            }
            Step::Index(i) => {
                let Some(arr) = cur.as_array_mut() else {
                    return Err(format!(
                        "`{path}`: [{i}] is inside a value that is not a list"
                    ));
                };
                let Some(slot) = arr.get_mut(*i) else {
                    return Err(format!("`{path}`: index {i} is past the end of the list"));
                };
                if last {
                    *slot = value;
                    return Ok(());
                }
                cur = slot;
            }
        }
    }
    Ok(())
}

/// Removes `path` from `root`; whether it was there.
pub fn unset(root: &mut Value, path: &str) -> Result<bool, String> {
    let mut steps = steps(path).ok_or_else(|| format!("invalid config path `{path}`"))?;
    let last = steps.pop().expect("non-empty");
    let mut cur = root;
    for s in &steps {
        let next = match s {
            Step::Key(k) => cur.get_mut(k.as_str()),
            Step::Index(i) => cur.get_mut(*i),
        };
        match next {
            Some(v) => cur = v,
            None => return Ok(false),
        }
    }
    Ok(match last {
        Step::Key(k) => cur.as_object_mut().is_some_and(|o| o.remove(&k).is_some()),
        Step::Index(i) => match cur.as_array_mut() {
            Some(a) if i < a.len() => {
                a.remove(i);
                true
            }
            _ => false,
        },
    })
}

/// A value from the command line: JSON5 when it parses (`true`, `18789`, `["a"]`,
/// `{mode: "token"}`), else the text itself.
pub fn parse_value(text: &str) -> Value {
    json5::from_str::<Value>(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// The config file a command edits: `path`, else `$CLAWGATE_CONFIG`, else
/// `<state dir>/clawgate.json5` (which may not exist yet).
pub fn file_path(path: Option<&Path>, state_dir: &Path) -> PathBuf {
    path.map(Path::to_path_buf)
        .or_else(|| {
            std::env::var_os("CLAWGATE_CONFIG")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| state_dir.join("clawgate.json5"))
}

/// The file's value (`{}` when it does not exist).
pub fn read(file: &Path) -> Result<Value, String> {
    match std::fs::read_to_string(file) {
        Ok(text) => json5::from_str(&text).map_err(|e| format!("{}: {e}", file.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::Object(Map::new())),
        Err(e) => Err(format!("cannot read {}: {e}", file.display())),
    }
}

/// Validates `value` as a whole config and, when valid, replaces `file` with it atomically.
pub fn write(file: &Path, value: &Value, overrides: &Overrides) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())? + "\n";
    write_text(file, &text, overrides)
}

/// Validates `text` (JSON5) as a whole config and, when valid, replaces `file` with it
/// atomically, as written (comments kept).
pub fn write_text(file: &Path, text: &str, overrides: &Overrides) -> Result<(), String> {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    super::create_private_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    if let Ok(meta) = std::fs::metadata(file) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    } else {
        restrict(&tmp);
    }
    if let Err(e) = load(Some(&tmp), overrides) {
        let _ = std::fs::remove_file(&tmp);
        return Err(describe(e, file));
    }
    std::fs::rename(&tmp, file).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot replace {}: {e}", file.display())
    })
}

/// A new config file may hold secrets: owner-only.
fn restrict(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
}

/// The validation error, naming the real file rather than the temp file.
fn describe(e: ConfigError, file: &Path) -> String {
    match e {
        ConfigError::Invalid { key, message, .. } => {
            format!(
                "the change was not saved: {key}: {message} ({})",
                file.display()
            )
        }
        other => format!("the change was not saved: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_get_set_and_unset() {
        let mut v =
            json!({"gateway": {"auth": {"mode": "token"}}, "agents": {"list": [{"id": "a"}]}});
        assert_eq!(get(&v, "gateway.auth.mode").unwrap(), Some(&json!("token")));
        assert_eq!(get(&v, "agents.list[0].id").unwrap(), Some(&json!("a")));
        assert_eq!(get(&v, "gateway.port").unwrap(), None);
        set(&mut v, "gateway.port", json!(19000)).unwrap();
        set(&mut v, "hooks.enabled", json!(true)).unwrap();
        set(&mut v, "agents.list[0].model", json!("openai/gpt-5")).unwrap();
        assert_eq!(v["gateway"]["port"], 19000);
        assert_eq!(v["hooks"]["enabled"], true);
        assert_eq!(v["agents"]["list"][0]["model"], "openai/gpt-5");
        assert!(set(&mut v, "agents.list[3].id", json!("x")).is_err());
        assert!(set(&mut v, "gateway.port.x", json!(1)).is_err());
        assert!(unset(&mut v, "gateway.port").unwrap());
        assert!(!unset(&mut v, "gateway.port").unwrap());
        assert!(get(&v, "a..b").is_err() && get(&v, "").is_err() && get(&v, "a[x]").is_err());
    }

    #[test]
    fn values_parse_as_json5_else_text() {
        assert_eq!(parse_value("true"), json!(true));
        assert_eq!(parse_value("18789"), json!(18789));
        assert_eq!(parse_value("{mode: 'token'}"), json!({"mode": "token"}));
        assert_eq!(parse_value("loopback"), json!("loopback"));
        assert_eq!(parse_value("sk-abc:def"), json!("sk-abc:def"));
    }
}
