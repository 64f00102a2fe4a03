//! The patch format `apply_patch` takes (OpenAI's, as Codex and OpenClaw use it): parsing it
//! into file operations and applying an update's hunks to a file's text. No file system here.
//!
//! ```text
//! *** Begin Patch
//! *** Add File: path        then `+line` lines
//! *** Delete File: path
//! *** Update File: path     optionally `*** Move to: path`, then hunks:
//! @@ optional line to find first
//!  context line
//! -removed line
//! +added line
//! *** End of File           (optional: the hunk ends the file)
//! *** End Patch
//! ```

/// One file operation of a patch.
#[derive(Debug, PartialEq)]
pub enum Op {
    /// Create (or overwrite) `path` with `content`.
    Add {
        /// File to create.
        path: String,
        /// Its text.
        content: String,
    },
    /// Remove `path`.
    Delete {
        /// File to remove.
        path: String,
    },
    /// Apply `hunks` to `path`, then move it to `move_to` if set.
    Update {
        /// File to change.
        path: String,
        /// New name, if it moves.
        move_to: Option<String>,
        /// The changes, in file order.
        hunks: Vec<Hunk>,
    },
}

/// One `@@` section of an update.
#[derive(Debug, Default, PartialEq)]
pub struct Hunk {
    /// A line to find before the hunk's lines (the text after `@@ `).
    pub anchor: Option<String>,
    /// Context and removed lines, in order.
    pub old: Vec<String>,
    /// Context and added lines, in order.
    pub new: Vec<String>,
    /// The hunk must match at the end of the file.
    pub at_eof: bool,
}

/// Parses a whole patch; the error names the offending line.
pub fn parse(input: &str) -> Result<Vec<Op>, String> {
    let lines: Vec<&str> = input.trim().lines().collect();
    if lines.first().map(|l| l.trim()) != Some("*** Begin Patch") {
        return Err("the patch must start with `*** Begin Patch`".into());
    }
    if lines.last().map(|l| l.trim()) != Some("*** End Patch") {
        return Err("the patch must end with `*** End Patch`".into());
    }
    let body = &lines[1..lines.len() - 1];
    let mut ops = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let line = body[i];
        i += 1;
        if let Some(path) = line.strip_prefix("*** Add File: ") {
            let mut content = String::new();
            while i < body.len() && !body[i].starts_with("*** ") {
                let l = body[i].strip_prefix('+').ok_or_else(|| {
                    format!("line {}: lines of an added file start with `+`", i + 2)
                })?;
                content.push_str(l);
                content.push('\n');
                i += 1;
            }
            ops.push(Op::Add {
                path: path.trim().into(),
                content,
            });
        } else if let Some(path) = line.strip_prefix("*** Delete File: ") {
            ops.push(Op::Delete {
                path: path.trim().into(),
            });
        } else if let Some(path) = line.strip_prefix("*** Update File: ") {
            let mut move_to = None;
            if let Some(to) = body.get(i).and_then(|l| l.strip_prefix("*** Move to: ")) {
                move_to = Some(to.trim().to_string());
                i += 1;
            }
            let mut hunks: Vec<Hunk> = Vec::new();
            while i < body.len() {
                let l = body[i];
                if l.starts_with("*** ") && l.trim() != "*** End of File" {
                    break;
                }
                i += 1;
                if l.trim() == "*** End of File" {
                    hunks
                        .last_mut()
                        .ok_or("`*** End of File` before any hunk")?
                        .at_eof = true;
                    continue;
                }
                if let Some(anchor) = l.strip_prefix("@@") {
                    let anchor = anchor.trim();
                    hunks.push(Hunk {
                        anchor: (!anchor.is_empty()).then(|| anchor.to_string()),
                        ..Default::default()
                    });
                    continue;
                }
                if hunks.is_empty() {
                    hunks.push(Hunk::default());
                }
                let h = hunks.last_mut().expect("a hunk");
                match l.chars().next() {
                    Some(' ') => {
                        h.old.push(l[1..].into());
                        h.new.push(l[1..].into());
                    }
                    None => {
                        h.old.push(String::new());
                        h.new.push(String::new());
                    }
                    Some('-') => h.old.push(l[1..].into()),
                    Some('+') => h.new.push(l[1..].into()),
                    _ => return Err(format!("line {}: unexpected `{l}` in a hunk", i + 1)),
                }
            }
            if hunks.iter().all(|h| h.old.is_empty() && h.new.is_empty()) {
                return Err(format!("`*** Update File: {}` has no changes", path.trim()));
            }
            ops.push(Op::Update {
                path: path.trim().into(),
                move_to,
                hunks,
            });
        } else if !line.trim().is_empty() {
            return Err(format!(
                "line {}: expected a file operation, got `{line}`",
                i + 1
            ));
        }
    }
    if ops.is_empty() {
        return Err("the patch changes no file".into());
    }
    Ok(ops)
}

/// Where `pattern` occurs in `lines` at or after `from` (exactly, else ignoring trailing
/// whitespace, else ignoring surrounding whitespace); at the end first when `at_eof`.
fn seek(lines: &[String], pattern: &[String], from: usize, at_eof: bool) -> Option<usize> {
    if pattern.len() > lines.len() {
        return None;
    }
    let last = lines.len() - pattern.len();
    let starts: Vec<usize> = if at_eof {
        std::iter::once(last).chain(from..=last).collect()
    } else {
        (from..=last).collect()
    };
    let eqs: [fn(&str, &str) -> bool; 3] = [
        |a, b| a == b,
        |a, b| a.trim_end() == b.trim_end(),
        |a, b| a.trim() == b.trim(),
    ];
    eqs.iter().find_map(|eq| {
        starts.iter().copied().filter(|s| *s >= from).find(|&s| {
            pattern
                .iter()
                .enumerate()
                .all(|(k, p)| eq(&lines[s + k], p))
        })
    })
}

/// `text` with `hunks` applied; the error says which hunk did not match.
pub fn apply(text: &str, hunks: &[Hunk], path: &str) -> Result<String, String> {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let mut cursor = 0;
    let mut edits: Vec<(usize, usize, &[String])> = Vec::new();
    for h in hunks {
        if let Some(anchor) = &h.anchor {
            let at = seek(&lines, std::slice::from_ref(anchor), cursor, false)
                .ok_or_else(|| format!("could not find `{anchor}` in {path}"))?;
            cursor = at + 1;
        }
        if h.old.is_empty() {
            edits.push((lines.len(), 0, &h.new));
            continue;
        }
        let at = seek(&lines, &h.old, cursor, h.at_eof).ok_or_else(|| {
            format!(
                "could not find these lines in {path}:\n{}",
                h.old.join("\n")
            )
        })?;
        edits.push((at, h.old.len(), &h.new));
        cursor = at + h.old.len();
    }
    for (at, len, new) in edits.into_iter().rev() {
        lines.splice(at..at + len, new.iter().cloned());
    }
    let mut out = lines.join("\n");
    out.push('\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_operations() {
        let p = "*** Begin Patch\n*** Add File: a.txt\n+one\n+two\n*** Delete File: b.txt\n\
                 *** Update File: c.txt\n*** Move to: d.txt\n@@ fn main\n ctx\n-old\n+new\n\
                 *** End of File\n*** End Patch";
        let ops = parse(p).unwrap();
        assert_eq!(
            ops[0],
            Op::Add {
                path: "a.txt".into(),
                content: "one\ntwo\n".into()
            }
        );
        assert_eq!(
            ops[1],
            Op::Delete {
                path: "b.txt".into()
            }
        );
        let Op::Update {
            path,
            move_to,
            hunks,
        } = &ops[2]
        else {
            panic!()
        };
        assert_eq!(
            (path.as_str(), move_to.as_deref()),
            ("c.txt", Some("d.txt"))
        );
        assert_eq!(hunks[0].anchor.as_deref(), Some("fn main"));
        assert_eq!(hunks[0].old, ["ctx", "old"]);
        assert_eq!(hunks[0].new, ["ctx", "new"]);
        assert!(hunks[0].at_eof);
    }

    #[test]
    fn bad_patches_are_explained() {
        assert!(parse("nope").unwrap_err().contains("Begin Patch"));
        assert!(parse("*** Begin Patch\n*** End Patch")
            .unwrap_err()
            .contains("no file"));
        let e = parse("*** Begin Patch\n*** Frobnicate: x\n*** End Patch").unwrap_err();
        assert!(e.contains("expected a file operation"), "{e}");
    }

    #[test]
    fn hunks_apply_in_order_with_anchors_and_whitespace_tolerance() {
        let text = "fn a() {\n    x\n}\nfn b() {\n    x\n}\n";
        let hunks = parse(
            "*** Begin Patch\n*** Update File: f\n@@ fn b() {\n-    x\n+    y\n*** End Patch",
        )
        .unwrap();
        let Op::Update { hunks, .. } = &hunks[0] else {
            panic!()
        };
        assert_eq!(
            apply(text, hunks, "f").unwrap(),
            "fn a() {\n    x\n}\nfn b() {\n    y\n}\n"
        );
        let loose = vec![Hunk {
            old: vec!["x  ".into()],
            new: vec!["z".into()],
            ..Default::default()
        }];
        assert_eq!(apply("x\n", &loose, "f").unwrap(), "z\n");
        let missing = vec![Hunk {
            old: vec!["q".into()],
            new: vec![],
            ..Default::default()
        }];
        assert!(apply("x\n", &missing, "f")
            .unwrap_err()
            .contains("could not find"));
        let append = vec![Hunk {
            new: vec!["end".into()],
            ..Default::default()
        }];
        assert_eq!(apply("x\n", &append, "f").unwrap(), "x\nend\n");
    }
}
