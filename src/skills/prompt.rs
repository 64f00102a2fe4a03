//! The skills section of the system prompt: the eligible, model-invocable skills as OpenClaw
//! lists them (`<available_skills>` with name, description and the `SKILL.md` location), within
//! `skills.limits.maxSkillsPromptChars` and `maxSkillsInPrompt`. The model reads a skill's file
//! with its `read` tool when it decides to use it.

use super::discover::Skill;

/// The instruction placed before the list.
pub const INSTRUCTIONS: &str = "## Skills\nThe skills below hold instructions for specific tasks. Before replying, scan their descriptions: when exactly one clearly applies, read its SKILL.md at <location> with the `read` tool and follow it (paths in it are relative to the skill's folder). Read no skill up front that the task does not need.";

/// The instruction used instead when the turn has no `read` tool (file tools are opt-in): the
/// list still tells the model what exists, without sending it to a tool it lacks.
pub const INSTRUCTIONS_WITHOUT_READ: &str = "## Skills\nThese skills are installed. You cannot open their files in this conversation (no `read` tool), so do not try; when one clearly fits the request, say which, since the user can run it.";

/// `section` (from [`render`]) for a turn that has the `read` tool or not.
pub fn for_turn(section: &str, has_read: bool) -> std::borrow::Cow<'_, str> {
    match section.strip_prefix(INSTRUCTIONS) {
        Some(rest) if !has_read => format!("{INSTRUCTIONS_WITHOUT_READ}{rest}").into(),
        _ => section.into(),
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn entry(s: &Skill) -> String {
    format!(
        "  <skill>\n    <name>{}</name>\n    <description>{}</description>\n    <location>{}</location>\n  </skill>\n",
        escape(&s.meta.name),
        escape(&s.meta.description),
        escape(&s.location.to_string_lossy()),
    )
}

/// The section for `skills` (already filtered to those the model may use), or `""` when there
/// are none. Skills that do not fit the limits are left out and a note says how many.
pub fn render(skills: &[&Skill], max_chars: usize, max_count: usize) -> String {
    if skills.is_empty() {
        return String::new();
    }
    let head = format!("{INSTRUCTIONS}\n\n<available_skills>\n");
    let tail = "</available_skills>";
    let mut body = String::new();
    let mut included = 0;
    for s in skills.iter().take(max_count) {
        let e = entry(s);
        if head.len() + body.len() + e.len() + tail.len() > max_chars {
            break;
        }
        body.push_str(&e);
        included += 1;
    }
    if included == 0 {
        return String::new();
    }
    let mut out = head + &body + tail;
    if included < skills.len() {
        out.push_str(&format!(
            "\n(Skills truncated: {included} of {} listed.)",
            skills.len()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skills::discover::SkillSource;
    use crate::skills::frontmatter::parse;
    use std::path::Path;

    fn skill(name: &str, desc: &str) -> Skill {
        let dir = format!("/ws/skills/{name}");
        Skill {
            meta: parse(
                &format!("---\nname: {name}\ndescription: \"{desc}\"\n---\n"),
                Path::new(&dir),
            )
            .unwrap(),
            location: format!("{dir}/SKILL.md").into(),
            dir: dir.into(),
            source: SkillSource::Workspace,
        }
    }

    #[test]
    fn lists_escaped_entries_within_the_limits() {
        let a = skill("weather", "天气 & <forecast>");
        let b = skill("notes", "take notes");
        let p = render(&[&a, &b], 10_000, 150);
        assert!(p.starts_with(INSTRUCTIONS));
        assert!(p.contains("<available_skills>\n  <skill>\n    <name>weather</name>\n    <description>天气 &amp; &lt;forecast&gt;</description>\n    <location>/ws/skills/weather/SKILL.md</location>\n  </skill>\n"));
        assert!(p.ends_with("</available_skills>"));
        let one = render(&[&a, &b], 10_000, 1);
        assert!(one.contains("weather") && !one.contains("<name>notes"));
        assert!(one.ends_with("(Skills truncated: 1 of 2 listed.)"));
        let tight = render(&[&a, &b], INSTRUCTIONS.len() + 200, 150);
        assert!(
            tight.len() <= INSTRUCTIONS.len() + 200 + 40,
            "{}",
            tight.len()
        );
        assert!(render(&[], 10_000, 150).is_empty());
        let no_read = for_turn(&p, false);
        assert!(
            no_read.starts_with(INSTRUCTIONS_WITHOUT_READ)
                && no_read.contains("<name>weather</name>")
        );
        assert_eq!(for_turn(&p, true), p);
        assert!(render(&[&a], 10, 150).is_empty());
    }
}
