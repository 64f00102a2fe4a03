//! What `exec` may run, decided before anything is spawned: the security mode and the
//! allowlist (`tools.exec`), whether an operator must be asked, and the command's
//! environment (the gateway's own is never passed on: secrets such as
//! `OPENCLAW_GATEWAY_TOKEN` or provider API keys stay in the gateway).

use crate::config::{ExecAsk, ExecConfig, ExecSecurity};
use std::path::Path;

/// The decision for one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Run it.
    Run,
    /// Ask an operator first.
    Ask,
    /// Refuse, with the reason.
    Deny(String),
}

/// The refusal under `security: deny`.
pub const DISABLED: &str = "exec is disabled: tools.exec.security is \"deny\" (set it to \"allowlist\" or \"full\" to allow commands)";

/// Variables copied from the gateway's environment when set (nothing else is).
const PASSED_THROUGH: &[&str] = &[
    "PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR",
];

/// Variables a call may not set: they change which program runs or inject code into it.
const REFUSED_PREFIXES: &[&str] = &["LD_", "DYLD_"];
const REFUSED: &[&str] = &[
    "PATH",
    "IFS",
    "ENV",
    "BASH_ENV",
    "SHELLOPTS",
    "BASHOPTS",
    "PS4",
    "PROMPT_COMMAND",
    "NODE_OPTIONS",
    "PYTHONSTARTUP",
    "PYTHONPATH",
    "PERL5OPT",
    "RUBYOPT",
];

/// The command's environment: the safe variables of the gateway's own, `TERM=dumb`,
/// `PWD`, then `extra` (checked: see [`REFUSED`]).
pub fn environment(
    extra: &[(String, String)],
    cwd: &Path,
) -> Result<Vec<(String, String)>, String> {
    let mut env: Vec<(String, String)> = PASSED_THROUGH
        .iter()
        .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
        .collect();
    if !env.iter().any(|(k, _)| k == "PATH") {
        env.push(("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()));
    }
    env.push(("TERM".into(), "dumb".into()));
    env.push(("PWD".into(), cwd.display().to_string()));
    for (k, v) in extra {
        let upper = k.to_ascii_uppercase();
        let bad_name = k.is_empty()
            || k.contains('=')
            || k.contains('\0')
            || v.contains('\0')
            || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if bad_name {
            return Err(format!("invalid environment variable `{k}`"));
        }
        if REFUSED.contains(&upper.as_str())
            || REFUSED_PREFIXES.iter().any(|p| upper.starts_with(p))
        {
            return Err(format!("environment variable `{k}` may not be set"));
        }
        env.retain(|(e, _)| e != k);
        env.push((k.clone(), v.clone()));
    }
    Ok(env)
}

/// Splits a command into its simple commands (on `;`, `&`, `|`, newlines), or `None` when it
/// uses a construct whose effect cannot be read off its text (substitutions, subshells,
/// quotes spanning separators, here-documents).
fn segments(command: &str) -> Option<Vec<String>> {
    if ["`", "$(", "<(", ">(", "<<", "(", ")", "{", "}", "\\\n"]
        .iter()
        .any(|t| command.contains(t))
    {
        return None;
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in command.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                cur.push(c);
            }
            (None, ';' | '&' | '|' | '\n') => {
                out.push(std::mem::take(&mut cur));
            }
            (None, c) => cur.push(c),
        }
    }
    if quote.is_some() {
        return None;
    }
    out.push(cur);
    Some(
        out.into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

/// `*` matches any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => text.strip_prefix(head).is_some_and(|tail| {
            (0..=tail.len()).any(|i| tail.is_char_boundary(i) && glob(rest, &tail[i..]))
        }),
    }
}

/// Where `name` resolves on `path` (a name with a `/` is itself).
fn resolve(name: &str, path: &str) -> Option<String> {
    if name.contains('/') {
        return Some(name.to_string());
    }
    path.split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string())
}

/// Whether one simple command matches one allowlist entry: an entry with a space is a
/// prefix of words (`git status`); an entry with a `/` matches the program's resolved path;
/// otherwise it matches the program's name; `*` globs in either.
fn entry_matches(entry: &str, segment: &str, path: &str) -> bool {
    let words: Vec<&str> = segment.split_whitespace().collect();
    let Some(program) = words.first() else {
        return false;
    };
    if program.contains('=') {
        return false; // `VAR=value cmd`: a changed environment is not what was allowed
    }
    if entry.contains(' ') {
        let want: Vec<&str> = entry.split_whitespace().collect();
        return words.len() >= want.len() && want.iter().zip(&words).all(|(w, g)| glob(w, g));
    }
    if entry.contains('/') {
        return resolve(program, path).is_some_and(|p| glob(entry, &p));
    }
    !program.contains('/') && glob(entry, program)
}

/// Whether every simple command of `command` is on the allowlist.
pub fn allowlisted(allowlist: &[String], command: &str, path: &str) -> bool {
    match segments(command) {
        Some(segs) if !segs.is_empty() => segs
            .iter()
            .all(|s| allowlist.iter().any(|e| entry_matches(e, s, path))),
        _ => false,
    }
}

/// Decides for `command` under `cfg`; `approved` = operators allowed it for good.
pub fn evaluate(cfg: &ExecConfig, command: &str, approved: bool, path: &str) -> Verdict {
    let hit = approved || allowlisted(&cfg.allowlist, command, path);
    match (cfg.security, cfg.ask) {
        (ExecSecurity::Deny, _) => Verdict::Deny(DISABLED.into()),
        (_, ExecAsk::Always) => Verdict::Ask,
        (ExecSecurity::Full, _) => Verdict::Run,
        (ExecSecurity::Allowlist, _) if hit => Verdict::Run,
        (ExecSecurity::Allowlist, ExecAsk::OnMiss) => Verdict::Ask,
        (ExecSecurity::Allowlist, ExecAsk::Off) => {
            Verdict::Deny("exec denied: command is not on tools.exec.allowlist".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(e: &[&str]) -> Vec<String> {
        e.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn allowlist_checks_every_simple_command() {
        let path = "/usr/bin:/bin";
        let l = list(&["echo", "ls", "git status"]);
        assert!(allowlisted(&l, "echo hi", path));
        assert!(allowlisted(&l, "echo hi && ls -la | echo x", path));
        assert!(allowlisted(&l, "git status --short", path));
        assert!(!allowlisted(&l, "git push", path));
        assert!(!allowlisted(&l, "echo hi; rm -rf x", path));
        assert!(!allowlisted(&l, "echo $(rm -rf x)", path));
        assert!(!allowlisted(&l, "echo `id`", path));
        assert!(!allowlisted(&l, "FOO=1 echo hi", path));
        assert!(!allowlisted(&l, "./echo", path));
        assert!(allowlisted(&l, "echo 'a;b'", path));
        assert!(!allowlisted(&l, "", path));
        // A path entry matches where the program resolves on PATH.
        let sh = list(&["/bin/s*"]);
        assert!(allowlisted(&sh, "sh -c true", "/bin"));
        assert!(!allowlisted(&sh, "sh -c true", "/nowhere"));
    }

    #[test]
    fn verdicts_follow_security_and_ask() {
        let mut c = ExecConfig::default();
        assert!(matches!(evaluate(&c, "ls", false, ""), Verdict::Deny(_)));
        c.security = ExecSecurity::Full;
        assert_eq!(evaluate(&c, "ls", false, ""), Verdict::Run);
        c.ask = ExecAsk::Always;
        assert_eq!(evaluate(&c, "ls", false, ""), Verdict::Ask);
        c.security = ExecSecurity::Allowlist;
        c.ask = ExecAsk::OnMiss;
        c.allowlist = list(&["ls"]);
        assert_eq!(evaluate(&c, "ls", false, ""), Verdict::Run);
        assert_eq!(evaluate(&c, "rm x", false, ""), Verdict::Ask);
        assert_eq!(evaluate(&c, "rm x", true, ""), Verdict::Run);
        c.ask = ExecAsk::Off;
        assert!(matches!(evaluate(&c, "rm x", false, ""), Verdict::Deny(_)));
    }

    #[test]
    fn environment_is_scrubbed_and_checked() {
        let cwd = Path::new("/tmp");
        let env = environment(&[("FOO".into(), "bar".into())], cwd).unwrap();
        assert!(env.iter().any(|(k, v)| k == "FOO" && v == "bar"));
        assert!(env.iter().any(|(k, _)| k == "PATH"));
        assert!(!env
            .iter()
            .any(|(k, _)| k.contains("TOKEN") || k.contains("API_KEY")));
        assert!(environment(&[("LD_PRELOAD".into(), "x".into())], cwd).is_err());
        assert!(environment(&[("PATH".into(), "/x".into())], cwd).is_err());
        assert!(environment(&[("A=B".into(), "x".into())], cwd).is_err());
    }
}
