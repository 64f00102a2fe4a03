//! Log records in OpenClaw's `logs.tail` shape. Every `tracing` event is also kept in the
//! [`crate::ws::logs::ring`] as one JSON object per line, like OpenClaw's tslog file records:
//! `{"0": "{\"subsystem\":\"<target>\"}", "1": <message>, "_meta": {runtime, runtimeVersion,
//! hostname, date, logLevelId, logLevelName, name, parentNames}, "time", "hostname", "message"}`;
//! an event with fields has them as an object in `"1"` and the message in `"2"` (tslog's
//! positional arguments). The stderr format is independent.

use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// Keeps every event as a JSON record in the log ring.
#[derive(Debug, Default)]
pub struct RingLayer;

/// tslog level ids (`logLevelId`, `logLevelName`).
fn level(l: &Level) -> (u8, &'static str) {
    match *l {
        Level::TRACE => (1, "TRACE"),
        Level::DEBUG => (2, "DEBUG"),
        Level::INFO => (3, "INFO"),
        Level::WARN => (4, "WARN"),
        Level::ERROR => (5, "ERROR"),
    }
}

/// The host name, read once (every log event carries it).
fn hostname() -> &'static str {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .ok()
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "localhost".into())
    })
}

#[derive(Default)]
struct Fields {
    message: String,
    other: Map<String, Value>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            self.other
                .insert(field.name().into(), json!(format!("{value:?}")));
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.other.insert(field.name().into(), json!(value));
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.other.insert(field.name().into(), json!(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.other.insert(field.name().into(), json!(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.other.insert(field.name().into(), json!(value));
    }
}

/// One record as OpenClaw writes it (`target` becomes the subsystem).
pub fn record(target: &str, lvl: &Level, message: &str, fields: Map<String, Value>) -> Value {
    serde_json::from_str(&render(target, lvl, message, &fields)).expect("a rendered record is JSON")
}

/// Appends `s` as a JSON string.
fn push_str(out: &mut String, s: &str) {
    // Writing into a String cannot fail, nor can serialising a str.
    let _ = serde_json::to_writer(StringWriter(out), s);
}

/// [`record`] written straight to its line: every turn logs, so no `Value` tree is built.
pub fn render(target: &str, lvl: &Level, message: &str, fields: &Map<String, Value>) -> String {
    let date = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    // `time` is the same instant with an explicit offset instead of `Z`.
    let time = format!("{}+00:00", date.trim_end_matches('Z'));
    let mut name = String::with_capacity(target.len() + 16);
    name.push_str(r#"{"subsystem":"#);
    push_str(&mut name, &target.replace("::", "/"));
    name.push('}');
    let (id, level_name) = level(lvl);
    let host = hostname();
    let mut v = String::with_capacity(320 + 2 * message.len());
    v.push_str(r#"{"0":"#);
    push_str(&mut v, &name);
    v.push_str(r#","_meta":{"runtime":"clawgate","runtimeVersion":"#);
    push_str(&mut v, crate::state::VERSION);
    v.push_str(r#","hostname":"#);
    push_str(&mut v, host);
    v.push_str(r#","date":"#);
    push_str(&mut v, &date);
    let _ = write!(
        v,
        r#","logLevelId":{id},"logLevelName":"{level_name}","name":"#
    );
    push_str(&mut v, &name);
    v.push_str(r#","parentNames":["clawgate"]},"time":"#);
    push_str(&mut v, &time);
    v.push_str(r#","hostname":"#);
    push_str(&mut v, host);
    v.push_str(r#","message":"#);
    push_str(&mut v, message);
    v.push_str(r#","1":"#);
    if fields.is_empty() {
        push_str(&mut v, message);
    } else {
        let _ = serde_json::to_writer(StringWriter(&mut v), fields);
        v.push_str(r#","2":"#);
        push_str(&mut v, message);
    }
    v.push('}');
    v
}

/// `io::Write` into a `String` (serde_json writes UTF-8 only).
struct StringWriter<'a>(&'a mut String);

impl std::io::Write for StringWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let s = std::str::from_utf8(buf).map_err(std::io::Error::other)?;
        self.0.push_str(s);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<S: Subscriber> Layer<S> for RingLayer {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut f = Fields::default();
        event.record(&mut f);
        let meta = event.metadata();
        let line = render(meta.target(), meta.level(), &f.message, &f.other);
        if let Ok(mut r) = crate::ws::logs::ring().lock() {
            r.push(&line);
        }
    }
}

/// `time LEVEL [subsystem] message` for a record line; other lines as they are.
pub fn pretty(line: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(line) else {
        return line.to_string();
    };
    let subsystem = v["0"]
        .as_str()
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .and_then(|s| s["subsystem"].as_str().map(str::to_string))
        .unwrap_or_default();
    let message = match &v["message"] {
        Value::String(s) => s.clone(),
        Value::Null => v["1"].to_string(),
        other => other.to_string(),
    };
    format!(
        "{} {:<5} [{subsystem}] {message}",
        v["time"].as_str().unwrap_or(""),
        v["_meta"]["logLevelName"].as_str().unwrap_or("")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_has_openclaws_keys_and_prints_as_one_readable_line() {
        let mut extra = Map::new();
        extra.insert("runId".into(), json!("r1"));
        let v = record("clawgate::ws", &Level::WARN, "slow consumer", extra);
        assert_eq!(v["0"], r#"{"subsystem":"clawgate/ws"}"#);
        assert_eq!(v["_meta"]["logLevelId"], 4);
        assert_eq!(v["message"], "slow consumer");
        assert_eq!(v["1"], json!({"runId": "r1"}));
        assert_eq!(v["2"], "slow consumer");
        let line = pretty(&v.to_string());
        assert!(
            line.ends_with("WARN  [clawgate/ws] slow consumer"),
            "{line}"
        );
        assert_eq!(pretty("plain"), "plain");
    }

    #[test]
    fn a_rendered_record_has_the_keys_in_openclaws_order_and_escapes_its_text() {
        let line = render("clawgate::x", &Level::INFO, "say \"hi\"\n", &Map::new());
        let keys: Vec<String> = serde_json::from_str::<Map<String, Value>>(&line)
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["0", "_meta", "time", "hostname", "message", "1"]);
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["1"], "say \"hi\"\n");
        let (date, time) = (
            v["_meta"]["date"].as_str().unwrap(),
            v["time"].as_str().unwrap(),
        );
        assert!(
            date.ends_with('Z') && time.ends_with("+00:00"),
            "{date} {time}"
        );
        assert_eq!(date.trim_end_matches('Z'), time.trim_end_matches("+00:00"));
    }
}
