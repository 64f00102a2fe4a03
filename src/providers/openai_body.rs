//! The OpenAI Chat Completions request body, serialised straight from borrowed turn data (no
//! intermediate JSON tree: a turn re-sends the whole history, so this is on the hot path).

use super::types::*;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::json;

/// Serialises `req` to JSON bytes.
pub fn request_bytes(req: &ModelRequest) -> Vec<u8> {
    serde_json::to_vec(&Body(req)).unwrap_or_default()
}

struct Body<'a>(&'a ModelRequest);
struct Messages<'a>(&'a ModelRequest);
struct Msg<'a>(&'a Message);
struct Parts<'a>(&'a Message);
struct Calls<'a>(&'a [ToolCall]);
struct Tools<'a>(&'a [ToolSpec]);

impl Serialize for Body<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("model", &r.model)?;
        m.serialize_entry("messages", &Messages(r))?;
        m.serialize_entry("stream", &r.stream)?;
        if r.stream {
            m.serialize_entry("stream_options", &json!({"include_usage": true}))?;
        }
        if !r.tools.is_empty() && r.tool_choice != ToolChoice::None {
            m.serialize_entry("tools", &Tools(&r.tools))?;
            match &r.tool_choice {
                ToolChoice::Auto | ToolChoice::None => {}
                ToolChoice::Required => m.serialize_entry("tool_choice", "required")?,
                ToolChoice::Named(n) => m.serialize_entry(
                    "tool_choice",
                    &json!({"type": "function", "function": {"name": n}}),
                )?,
            }
        }
        if let Some(effort) = r.thinking.and_then(ThinkingLevel::openai_effort) {
            m.serialize_entry("reasoning_effort", effort)?;
        }
        if let Some(n) = r.max_tokens {
            m.serialize_entry("max_tokens", &n)?;
        }
        if let Some(t) = r.temperature {
            m.serialize_entry("temperature", &t)?;
        }
        if let Some(p) = r.top_p {
            m.serialize_entry("top_p", &p)?;
        }
        let o = &r.options;
        if !o.stop.is_empty() {
            m.serialize_entry("stop", &o.stop)?;
        }
        if let Some(f) = &o.response_format {
            m.serialize_entry("response_format", &f.openai_value())?;
        }
        if let (Some(p), false) = (o.parallel_tool_calls, r.tools.is_empty()) {
            m.serialize_entry("parallel_tool_calls", &p)?;
        }
        for (k, v) in &o.openai_passthrough {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for Messages<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut seq = s.serialize_seq(Some(r.messages.len() + 1))?;
        if !r.system.is_empty() {
            seq.serialize_element(&System(&r.system))?;
        }
        for msg in &r.messages {
            seq.serialize_element(&Msg(msg))?;
        }
        seq.end()
    }
}

impl Serialize for Msg<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let msg = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("role", msg.role.as_str())?;
        match msg.role {
            Role::User if !msg.images.is_empty() => m.serialize_entry("content", &Parts(msg))?,
            Role::Assistant if !msg.tool_calls.is_empty() => {
                if msg.content.is_empty() {
                    m.serialize_entry("content", &())?;
                } else {
                    m.serialize_entry("content", msg.content.json())?;
                }
                m.serialize_entry("tool_calls", &Calls(&msg.tool_calls))?;
            }
            Role::Tool => {
                m.serialize_entry("tool_call_id", msg.tool_call_id.as_deref().unwrap_or(""))?;
                m.serialize_entry("content", msg.content.json())?;
            }
            // The text's cached JSON form: a resent history message is not escaped again.
            _ => m.serialize_entry("content", msg.content.json())?,
        }
        m.end()
    }
}

/// `{"role": "system", "content": …}`, borrowed.
struct System<'a>(&'a str);

impl Serialize for System<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("role", "system")?;
        m.serialize_entry("content", self.0)?;
        m.end()
    }
}

impl Serialize for Parts<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let msg = self.0;
        let mut seq = s.serialize_seq(Some(msg.images.len() + 1))?;
        seq.serialize_element(&json!({"type": "text", "text": msg.content}))?;
        for img in &msg.images {
            seq.serialize_element(&json!({"type": "image_url", "image_url": {"url": format!("data:{};base64,{}", img.mime, img.base64)}}))?;
        }
        seq.end()
    }
}

impl Serialize for Calls<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for c in self.0 {
            seq.serialize_element(&json!({"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}))?;
        }
        seq.end()
    }
}

/// `{"type": "function", "function": {name, description, parameters}}`, borrowed.
struct ToolEntry<'a>(&'a ToolSpec);

/// The `function` object of a [`ToolEntry`].
struct Function<'a>(&'a ToolSpec);

impl Serialize for ToolEntry<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("type", "function")?;
        m.serialize_entry("function", &Function(self.0))?;
        m.end()
    }
}

impl Serialize for Function<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("name", &t.name)?;
        m.serialize_entry("description", &t.description)?;
        m.serialize_entry("parameters", &*t.parameters)?;
        m.end()
    }
}

impl Serialize for Tools<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for t in self.0 {
            seq.serialize_element(&ToolEntry(t))?;
        }
        seq.end()
    }
}
