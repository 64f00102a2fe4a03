//! `POST <path>/<name>`: finding the first mapping that matches (explicit mappings before
//! presets) and turning it into a [`HookAction`] with its templates rendered.

use super::template::{render, TemplateContext};
use super::{check_channel, AgentAction, HookAction, WakeAction};
use crate::config::{HookActionKind, HookMapping};
use serde_json::Value;

/// The first mapping whose `match.path` equals the sub-path and whose `match.source` equals
/// `payload.source` (an absent condition matches anything).
pub fn find<'a>(
    mappings: &'a [HookMapping],
    sub_path: &str,
    payload: &Value,
) -> Option<&'a HookMapping> {
    let sub = sub_path.trim_matches('/');
    let source = payload.get("source").and_then(Value::as_str);
    mappings.iter().find(|m| {
        m.match_path.as_deref().is_none_or(|p| p == sub)
            && m.match_source.as_deref().is_none_or(|s| Some(s) == source)
    })
}

fn rendered(t: &Option<String>, ctx: &TemplateContext) -> Option<String> {
    t.as_deref()
        .map(|t| render(t, ctx).trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Builds the action of `m` for a request (`hook mapping requires text|message` when the
/// rendered template is empty).
pub fn action(
    m: &HookMapping,
    ctx: &TemplateContext,
    registered: &[String],
) -> Result<HookAction, String> {
    match m.action {
        HookActionKind::Wake => {
            let text = rendered(&m.text_template, ctx).ok_or("hook mapping requires text")?;
            Ok(HookAction::Wake(WakeAction {
                text,
                mode: m.wake_mode,
            }))
        }
        HookActionKind::Agent => {
            let message =
                rendered(&m.message_template, ctx).ok_or("hook mapping requires message")?;
            let session_key = rendered(&m.session_key, ctx);
            let gmail = ctx.path == "gmail"
                || ctx.payload.get("source").and_then(Value::as_str) == Some("gmail")
                || session_key
                    .as_deref()
                    .is_some_and(|k| k.to_ascii_lowercase().starts_with("hook:gmail:"));
            let channel = match &m.channel {
                Some(c) => check_channel(c, registered)?,
                None => "last".into(),
            };
            Ok(HookAction::Agent(AgentAction {
                message,
                name: m.name.clone().unwrap_or_else(|| "Hook".into()),
                agent_id: m.agent_id.clone(),
                session_key_from_mapping: session_key.is_some(),
                session_key,
                wake_mode: m.wake_mode,
                deliver: m.deliver != Some(false),
                channel,
                to: m.to.clone(),
                model: m.model.clone(),
                thinking: m.thinking.clone(),
                timeout_seconds: m
                    .timeout_seconds
                    .filter(|s| *s >= 1.0)
                    .map(|s| s.floor() as u64),
                allow_unsafe_external_content: m.allow_unsafe_external_content,
                source: if gmail { "gmail" } else { "webhook" },
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::gmail_preset;
    use serde_json::json;

    fn ctx(path: &str, payload: Value) -> TemplateContext {
        TemplateContext {
            payload,
            path: path.into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_gmail_preset_renders_its_templates() {
        let maps = vec![gmail_preset()];
        let payload = json!({"messages": [{"id": "42", "from": "ann@x", "subject": "Hi", "snippet": "s", "body": "b"}]});
        let m = find(&maps, "gmail", &payload).unwrap();
        let HookAction::Agent(a) = action(m, &ctx("gmail", payload), &[]).unwrap() else {
            panic!("agent action expected");
        };
        assert_eq!(a.message, "New email from ann@x\nSubject: Hi\ns\nb");
        assert_eq!(a.session_key.as_deref(), Some("hook:gmail:42"));
        assert!(a.session_key_from_mapping);
        assert_eq!(a.name, "Gmail");
        assert_eq!(a.source, "gmail");
        assert!(find(&maps, "other", &json!({})).is_none());
    }

    #[test]
    fn source_matching_and_missing_templates() {
        let mut m = gmail_preset();
        m.match_path = None;
        m.match_source = Some("github".into());
        m.message_template = Some("{{nothing}}".into());
        let maps = vec![m];
        assert!(find(&maps, "any", &json!({"source": "gitlab"})).is_none());
        let hit = find(&maps, "any", &json!({"source": "github"})).unwrap();
        assert_eq!(
            action(hit, &ctx("any", json!({"source": "github"})), &[]).unwrap_err(),
            "hook mapping requires message"
        );
    }
}
