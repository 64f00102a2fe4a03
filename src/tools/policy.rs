//! Which tools an agent may use, resolved the way OpenClaw resolves `tools.profile`,
//! `tools.allow` / `tools.alsoAllow` / `tools.deny` and the agent's own `tools` block.
//!
//! The chain is a series of filters, every one of which must let a tool through:
//!
//! 1. the **profile** (`agents.…tools.profile`, else `tools.profile`): its allow list plus
//!    `alsoAllow` (the agent's, else the global one); `full` or no profile restricts nothing;
//! 2. the **global** block: `tools.allow` (∪ `tools.alsoAllow`) and `tools.deny`;
//! 3. the **agent's** block: its `allow` (∪ its `alsoAllow`) and `deny`.
//!
//! `byProvider` (in either block, keyed `provider/model` or `provider`) adds, for a turn on a
//! matching model, a second profile filter after the first and its own allow/deny filter after
//! the block it is in, as in OpenClaw.
//!
//! In each filter deny wins over allow, and an absent or empty allow list lets everything
//! through. Entries are case-insensitive tool names, `group:<name>`, `*`-globs, or the aliases
//! `bash` (→ `exec`) and `apply-patch`. An allow entry naming no known tool or group is ignored
//! (it matches nothing) and logged once.
//!
//! One clawgate rule on top: the workspace file tools (`group:fs`), the shell tools
//! (`group:runtime`), `web_fetch`, `web_search`, `browser`, `sessions_send`, `sessions_spawn`,
//! `agents_list`, `message`, `update_plan` and `cron` are opt-in ([`OPT_IN`]). An agent whose
//! global and own blocks set neither a `profile` nor an `allow` list gets every other tool;
//! naming them anywhere (a profile that includes them, `allow`, `alsoAllow`) turns them on.

use crate::config::{ModelRef, ToolPolicy, ToolRules};
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

/// OpenClaw's tool groups (`src/agents/tool-policy.ts`), plus clawgate's listing and search
/// tools (`ls`, `find`, `grep`) in `group:fs`.
pub const GROUPS: &[(&str, &[&str])] = &[
    (
        "group:fs",
        &["read", "write", "edit", "apply_patch", "ls", "find", "grep"],
    ),
    ("group:runtime", &["exec", "process", "code_execution"]),
    (
        "group:web",
        &["web_search", "web_fetch", "x_search", "browser"],
    ),
    ("group:memory", &["memory_search", "memory_get"]),
    (
        "group:sessions",
        &[
            "sessions_list",
            "sessions_history",
            "sessions_send",
            "sessions_spawn",
            "sessions_yield",
            "subagents",
            "session_status",
        ],
    ),
    ("group:ui", &["browser", "canvas"]),
    ("group:messaging", &["message"]),
    ("group:automation", &["cron", "gateway"]),
    ("group:nodes", &["nodes"]),
    ("group:agents", &["agents_list", "update_plan"]),
    (
        "group:media",
        &[
            "image",
            "image_generate",
            "music_generate",
            "video_generate",
            "tts",
        ],
    ),
    (
        "group:openclaw",
        &[
            "browser",
            "canvas",
            "nodes",
            "cron",
            "message",
            "gateway",
            "agents_list",
            "update_plan",
            "sessions_list",
            "sessions_history",
            "sessions_send",
            "sessions_spawn",
            "sessions_yield",
            "subagents",
            "session_status",
            "memory_search",
            "memory_get",
            "web_search",
            "web_fetch",
            "x_search",
            "image",
            "image_generate",
            "music_generate",
            "video_generate",
            "tts",
        ],
    ),
];

/// Tools an agent gets only when its policy names them (a profile, `allow` or `alsoAllow`):
/// they reach the file system or the network, start turns elsewhere, or were added after the
/// default tool set was fixed (so no agent's tools change silently on upgrade).
pub const OPT_IN: &[&str] = &[
    "group:fs",
    "browser",
    "group:runtime",
    "web_fetch",
    "web_search",
    "sessions_send",
    "sessions_spawn",
    "agents_list",
    "message",
    "update_plan",
    "cron",
];

/// A profile's allow list (`None`: no restriction, i.e. `full`, or an unknown profile).
pub fn profile_allow(profile: &str) -> Option<&'static [&'static str]> {
    match profile.trim().to_ascii_lowercase().as_str() {
        "minimal" => Some(&["session_status"]),
        "coding" => Some(&[
            "group:fs",
            "group:runtime",
            "group:web",
            "group:memory",
            "group:sessions",
            "cron",
            "group:media",
        ]),
        "messaging" => Some(&[
            "group:messaging",
            "sessions_list",
            "sessions_history",
            "sessions_send",
            "session_status",
        ]),
        _ => None,
    }
}

/// The tool a configured name means: lower case, `bash` → `exec`, `apply-patch` → `apply_patch`.
/// Borrows unless the name needs lower-casing (policy checks run for every tool of every turn).
fn normalize(name: &str) -> Cow<'_, str> {
    let t = name.trim();
    let n = if t.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(t.to_ascii_lowercase())
    } else {
        Cow::Borrowed(t)
    };
    match n.as_ref() {
        "bash" => Cow::Borrowed("exec"),
        "apply-patch" => Cow::Borrowed("apply_patch"),
        _ => n,
    }
}

/// Configured entries, normalized once when a filter is built.
fn normalized(list: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<String> {
    list.into_iter()
        .map(|e| normalize(e.as_ref()).into_owned())
        .collect()
}

fn group(name: &str) -> Option<&'static [&'static str]> {
    GROUPS.iter().find(|(g, _)| *g == name).map(|(_, m)| *m)
}

fn is_known(name: &str) -> bool {
    GROUPS.iter().any(|(_, members)| members.contains(&name))
}

/// `*` matches any run of characters (including none).
fn glob_match(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, rest)) => {
            let Some(tail) = name.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len()).any(|i| tail.is_char_boundary(i) && glob_match(rest, &tail[i..]))
        }
    }
}

/// One normalized entry: a tool, a group or a glob.
fn entry_matches(e: &str, tool: &str) -> bool {
    match group(e) {
        Some(members) => members.contains(&tool),
        None if e.contains('*') => glob_match(e, tool),
        None => e == tool,
    }
}

/// Logs, once per process and entry, an allow entry that names nothing known.
fn warn_unknown(list: &[String], key: &str) {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    for entry in list {
        let e = normalize(entry);
        if e.contains('*') || group(&e).is_some() || is_known(&e) {
            continue;
        }
        let mut seen = SEEN
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if seen.insert(format!("{key}:{e}")) {
            tracing::warn!(key, entry = %entry, "unknown tool in allow list: ignored");
        }
    }
}

/// One filter of the chain.
#[derive(Debug, Default)]
struct Filter {
    allow: Vec<String>,
    deny: Vec<String>,
}

impl Filter {
    fn of(rules: &ToolRules, key: &str) -> Filter {
        let mut allow = rules.allow.clone().unwrap_or_default();
        if !allow.is_empty() {
            allow.extend(rules.also_allow.iter().cloned());
        }
        warn_unknown(&allow, key);
        Filter {
            allow: normalized(&allow),
            deny: normalized(&rules.deny),
        }
    }

    fn permits(&self, tool: &str) -> bool {
        if self.deny.iter().any(|d| entry_matches(d, tool)) {
            return false;
        }
        self.allow.is_empty() || self.allow.iter().any(|a| entry_matches(a, tool))
    }
}

/// A [`ToolPolicy`] resolved into its filters; [`Resolved::permits`] answers per tool name.
#[derive(Debug)]
pub struct Resolved {
    filters: Vec<Filter>,
}

impl Resolved {
    /// Resolves `policy` with no model known (`byProvider` rules do not apply).
    pub fn new(policy: &ToolPolicy) -> Resolved {
        Resolved::for_model(policy, None)
    }

    /// Resolves `policy` for a turn on `model` (see the module documentation for the chain).
    pub fn for_model(policy: &ToolPolicy, model: Option<&ModelRef>) -> Resolved {
        let none = ToolRules::default();
        let (g, a) = (&policy.global, &policy.agent);
        let by = |r| model.and_then(|m| ToolRules::for_model(r, m));
        let (gp, ap) = (by(g).unwrap_or(&none), by(a).unwrap_or(&none));
        let mut filters = Vec::new();
        for (outer, inner) in [(a, g), (ap, gp)] {
            let also = if outer.also_allow.is_empty() {
                &inner.also_allow
            } else {
                &outer.also_allow
            };
            let profile = outer.profile.as_deref().or(inner.profile.as_deref());
            if let Some(list) = profile.and_then(profile_allow) {
                let mut allow = normalized(list.iter());
                allow.extend(normalized(also));
                warn_unknown(also, "tools.alsoAllow");
                filters.push(Filter {
                    allow,
                    deny: vec![],
                });
            }
        }
        filters.push(Filter::of(g, "tools.allow"));
        filters.push(Filter::of(gp, "tools.byProvider.allow"));
        filters.push(Filter::of(a, "agents.tools.allow"));
        filters.push(Filter::of(ap, "agents.tools.byProvider.allow"));
        let blocks = [g, a, gp, ap];
        if blocks
            .iter()
            .all(|r| r.profile.is_none() && r.allow.is_none())
        {
            // clawgate: some tools are opt-in (see the module documentation).
            let opted_in = normalized(blocks.iter().flat_map(|r| &r.also_allow));
            let deny = OPT_IN
                .iter()
                .flat_map(|e| group(e).unwrap_or(std::slice::from_ref(e)))
                .filter(|t| !opted_in.iter().any(|e| entry_matches(e, t)))
                .map(|t| t.to_string())
                .collect();
            filters.push(Filter {
                allow: vec![],
                deny,
            });
        }
        Resolved { filters }
    }

    /// Whether the tool `name` passes every filter.
    pub fn permits(&self, name: &str) -> bool {
        let name = normalize(name);
        self.filters.iter().all(|f| f.permits(name.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(
        profile: Option<&str>,
        allow: Option<&[&str]>,
        also: &[&str],
        deny: &[&str],
    ) -> ToolRules {
        let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        ToolRules {
            profile: profile.map(str::to_string),
            allow: allow.map(v),
            also_allow: v(also),
            deny: v(deny),
            by_provider: vec![],
        }
    }

    fn allowed(policy: ToolPolicy) -> Vec<&'static str> {
        let r = Resolved::new(&policy);
        let all = [
            "read",
            "write",
            "edit",
            "ls",
            "find",
            "grep",
            "exec",
            "web_fetch",
            "memory_get",
            "sessions_list",
            "sessions_history",
            "sessions_send",
            "session_status",
            "message",
            "cron",
            "gateway",
            "image",
        ];
        all.into_iter().filter(|t| r.permits(t)).collect()
    }

    fn global(r: ToolRules) -> ToolPolicy {
        ToolPolicy {
            global: r,
            agent: ToolRules::default(),
        }
    }

    #[test]
    fn profiles_resolve_to_openclaws_sets() {
        assert_eq!(
            allowed(global(rules(Some("minimal"), None, &[], &[]))),
            ["session_status"]
        );
        assert_eq!(
            allowed(global(rules(Some("messaging"), None, &[], &[]))),
            [
                "sessions_list",
                "sessions_history",
                "sessions_send",
                "session_status",
                "message"
            ]
        );
        assert_eq!(
            allowed(global(rules(Some("coding"), None, &[], &[]))),
            [
                "read",
                "write",
                "edit",
                "ls",
                "find",
                "grep",
                "exec",
                "web_fetch",
                "memory_get",
                "sessions_list",
                "sessions_history",
                "sessions_send",
                "session_status",
                "cron",
                "image"
            ]
        );
        assert_eq!(
            allowed(global(rules(Some("full"), None, &[], &[]))).len(),
            17
        );
    }

    #[test]
    fn fs_tools_are_opt_in_when_nothing_is_configured() {
        let none = allowed(ToolPolicy::default());
        assert!(
            !none.contains(&"read") && !none.contains(&"exec") && none.contains(&"memory_get"),
            "{none:?}"
        );
        let also = allowed(global(rules(None, None, &["read"], &[])));
        assert!(
            also.contains(&"read") && !also.contains(&"write"),
            "{also:?}"
        );
        let allow = allowed(global(rules(None, Some(&["group:fs"]), &[], &[])));
        assert_eq!(allow, ["read", "write", "edit", "ls", "find", "grep"]);
    }

    #[test]
    fn network_and_cross_session_tools_are_opt_in_too() {
        let none = Resolved::new(&ToolPolicy::default());
        for t in [
            "web_fetch",
            "web_search",
            "sessions_send",
            "agents_list",
            "message",
            "update_plan",
        ] {
            assert!(!none.permits(t), "{t} offered without being named");
        }
        assert!(none.permits("sessions_list"));
        let also = Resolved::new(&global(rules(None, None, &["web_fetch"], &[])));
        assert!(also.permits("web_fetch") && !also.permits("sessions_send"));
        let coding = Resolved::new(&global(rules(Some("coding"), None, &[], &[])));
        assert!(coding.permits("web_fetch") && coding.permits("sessions_send"));
        assert!(
            !coding.permits("agents_list"),
            "group:agents is not in the coding profile"
        );
    }

    #[test]
    fn deny_wins_and_groups_globs_and_aliases_expand() {
        let p = global(rules(
            None,
            Some(&["group:fs", "SESSIONS_*"]),
            &[],
            &["write", "group:web"],
        ));
        assert_eq!(
            allowed(p),
            [
                "read",
                "edit",
                "ls",
                "find",
                "grep",
                "sessions_list",
                "sessions_history",
                "sessions_send"
            ]
        );
        let p = global(rules(Some("full"), None, &[], &["bash"]));
        assert!(!allowed(p).contains(&"exec"));
        let p = global(rules(Some("coding"), None, &[], &["*"]));
        assert!(allowed(p).is_empty());
    }

    #[test]
    fn also_allow_extends_the_profile_and_the_agent_block_applies_after_the_global_one() {
        let p = global(rules(
            Some("minimal"),
            None,
            &["group:messaging", "read"],
            &[],
        ));
        assert_eq!(allowed(p), ["read", "session_status", "message"]);
        // The agent's profile replaces the global one; the global deny still applies.
        let p = ToolPolicy {
            global: rules(Some("minimal"), None, &[], &["edit"]),
            agent: rules(Some("coding"), None, &[], &["exec"]),
        };
        let got = allowed(p);
        assert!(got.contains(&"read") && !got.contains(&"edit") && !got.contains(&"exec"));
        // An agent allow list narrows the global one; it cannot widen it.
        let p = ToolPolicy {
            global: rules(None, Some(&["group:sessions"]), &[], &[]),
            agent: rules(None, Some(&["session_status", "read"]), &[], &[]),
        };
        assert_eq!(allowed(p), ["session_status"]);
    }

    #[test]
    fn by_provider_rules_apply_to_matching_models_only() {
        let mut g = rules(Some("coding"), None, &[], &[]);
        g.by_provider = vec![
            ("mock".into(), rules(None, None, &[], &["write"])),
            ("mock/small".into(), rules(Some("minimal"), None, &[], &[])),
        ];
        let p = global(g);
        let on = |provider: &str, model: &str| {
            let m = ModelRef {
                provider: provider.into(),
                model: model.into(),
            };
            let r = Resolved::for_model(&p, Some(&m));
            ["read", "write", "session_status"]
                .into_iter()
                .filter(|t| r.permits(t))
                .collect::<Vec<_>>()
        };
        assert_eq!(on("mock", "big"), ["read", "session_status"]);
        assert_eq!(on("MOCK", "small"), ["session_status"]);
        assert_eq!(on("other", "x"), ["read", "write", "session_status"]);
    }

    #[test]
    fn unknown_allow_entries_match_nothing() {
        let p = global(rules(
            None,
            Some(&["no_such_tool", "session_status"]),
            &[],
            &[],
        ));
        assert_eq!(allowed(p), ["session_status"]);
        let p = global(rules(None, Some(&[]), &[], &[]));
        assert!(allowed(p).contains(&"message"));
    }

    #[test]
    fn globs_match_like_openclaw() {
        assert!(glob_match("sessions_*", "sessions_list"));
        assert!(glob_match("*_status", "session_status"));
        assert!(glob_match("*", "x"));
        assert!(!glob_match("web_*", "sessions_list"));
    }
}
