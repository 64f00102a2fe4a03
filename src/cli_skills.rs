//! `clawgate skills list [--json] | info <name> [--json] | check [--json]`: the skills an
//! agent sees, read locally from the config and the skill folders (as OpenClaw's CLI does),
//! so they work without a running gateway. Eligibility is judged in the CLI's own
//! environment (its `PATH` and env vars), which may differ from the daemon's.

use crate::cli::Paths;
use crate::config::{self, Config, Overrides};
use crate::skills::{SkillSnapshot, SkillStatus};
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::process::ExitCode;

/// `clawgate skills …`.
#[derive(Debug, Subcommand)]
pub enum SkillsCmd {
    /// List the agent's skills with their eligibility.
    List(SkillsOpts),
    /// Show one skill: where it is, what it needs, what is missing, its instructions.
    Info {
        /// The skill's name.
        name: String,
        /// Options.
        #[command(flatten)]
        opts: SkillsOpts,
    },
    /// Summarise which skills are ready, which are not and why, and malformed `SKILL.md`s.
    Check(SkillsOpts),
}

/// Options shared by the `skills` commands.
#[derive(Debug, Args, Clone, Default)]
pub struct SkillsOpts {
    /// Paths.
    #[command(flatten)]
    pub paths: Paths,
    /// Agent id (default: the default agent).
    #[arg(long)]
    pub agent: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

fn load(opts: &SkillsOpts) -> Result<(Config, SkillSnapshot), String> {
    let ov = Overrides {
        state_dir: opts.paths.state_dir.clone(),
        ..Default::default()
    };
    let cfg = config::load(opts.paths.config.as_deref(), &ov).map_err(|e| e.to_string())?;
    let id =
        crate::app::select::agent_by_id(&cfg, opts.agent.as_deref()).map_err(|e| e.to_string())?;
    let agent = cfg
        .agent(&id)
        .ok_or_else(|| format!("unknown agent {id}"))?;
    let snap = SkillSnapshot::build(&cfg, agent, 0);
    Ok((cfg, snap))
}

fn line(s: &SkillStatus) -> String {
    let m = &s.skill.meta;
    let mark = match (s.enabled, s.eligible) {
        (false, _) => "off",
        (true, true) => "ok ",
        (true, false) => "no ",
    };
    let emoji = m
        .openclaw
        .emoji
        .as_deref()
        .map(|e| format!("{e} "))
        .unwrap_or_default();
    let mut out = format!(
        "{mark} {emoji}{}  {}  [{}]",
        m.name,
        m.description,
        s.skill.source.label()
    );
    if !s.missing.is_empty() {
        out.push_str(&format!("  missing {}", s.missing.describe()));
    }
    out
}

fn errors_json(snap: &SkillSnapshot) -> Vec<Value> {
    snap.errors
        .iter()
        .map(|e| json!({"path": e.path.to_string_lossy(), "line": e.line, "message": e.message}))
        .collect()
}

/// Runs a `skills` command.
pub fn run(cmd: SkillsCmd) -> ExitCode {
    let opts = match &cmd {
        SkillsCmd::List(o) | SkillsCmd::Check(o) | SkillsCmd::Info { opts: o, .. } => o.clone(),
    };
    let (cfg, snap) = match load(&opts) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("clawgate: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cmd {
        SkillsCmd::List(_) => {
            if opts.json {
                let skills: Vec<Value> = snap.skills.iter().map(SkillStatus::to_json).collect();
                println!(
                    "{}",
                    json!({"skills": skills, "errors": errors_json(&snap)})
                );
            } else if snap.skills.is_empty() {
                println!("no skills found");
            } else {
                for s in &snap.skills {
                    println!("{}", line(s));
                }
            }
            ExitCode::SUCCESS
        }
        SkillsCmd::Info { name, .. } => {
            let Some(s) = snap.get(&name) else {
                eprintln!("clawgate: no skill named {name}");
                return ExitCode::FAILURE;
            };
            let m = &s.skill.meta;
            let entry = cfg.skills.entries.get(s.skill.key());
            let mut v = s.to_json();
            v["requires"] = json!({
                "bins": m.openclaw.requires.bins, "anyBins": m.openclaw.requires.any_bins,
                "env": m.openclaw.requires.env, "config": m.openclaw.requires.config,
                "os": m.openclaw.os,
            });
            v["always"] = json!(m.openclaw.always);
            v["primaryEnv"] = json!(m.openclaw.primary_env);
            v["configKey"] = json!(s.skill.key());
            v["apiKeySet"] = json!(entry.is_some_and(|e| e.api_key.is_some()));
            v["envConfigured"] = json!(entry.map(|e| e.env.keys().collect::<Vec<_>>()));
            v["config"] = json!(entry.and_then(|e| e.config.clone()));
            if opts.json {
                v["instructions"] = json!(m.body);
                println!("{v}");
            } else {
                println!("{}", line(s));
                println!("location: {}", s.skill.location.display());
                if let Some(ver) = &m.version {
                    println!("version: {ver}");
                }
                println!("requires: {}", v["requires"]);
                if let Some(d) = &m.dispatch {
                    println!("dispatch: tool {} ({})", d.tool, d.arg_mode);
                }
                println!("\n{}", m.body);
            }
            ExitCode::SUCCESS
        }
        SkillsCmd::Check(_) => {
            let count =
                |f: &dyn Fn(&SkillStatus) -> bool| snap.skills.iter().filter(|s| f(s)).count();
            let ready = count(&|s| s.runnable());
            let disabled = count(&|s| !s.enabled);
            let ineligible = count(&|s| s.enabled && !s.eligible);
            if opts.json {
                let not_ready: Vec<Value> = snap
                    .skills
                    .iter()
                    .filter(|s| !s.runnable())
                    .map(|s| json!({"name": s.skill.meta.name, "enabled": s.enabled, "missing": s.missing}))
                    .collect();
                println!(
                    "{}",
                    json!({"total": snap.skills.len(), "eligible": ready, "disabled": disabled,
                           "ineligible": ineligible, "notReady": not_ready, "errors": errors_json(&snap)})
                );
            } else {
                println!(
                    "{} skills: {ready} ready, {disabled} disabled, {ineligible} missing requirements, {} malformed",
                    snap.skills.len(),
                    snap.errors.len()
                );
                for s in snap.skills.iter().filter(|s| !s.runnable()) {
                    println!("{}", line(s));
                }
                for e in &snap.errors {
                    println!("malformed {e}");
                }
            }
            ExitCode::SUCCESS
        }
    }
}
