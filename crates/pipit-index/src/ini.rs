//! The subset of Python's `configparser.RawConfigParser` that pip.conf files use.
//!
//! pip reads its files with `RawConfigParser()` and default options, so we
//! follow its rules: `[section]` headers, `key = value` or `key: value` (first
//! delimiter wins), keys lowercased, values stripped, full-line comments
//! starting with `#` or `;` (no inline comments), indented lines continuing
//! the previous value (pip.conf uses this for lists of URLs), no
//! interpolation, a `[DEFAULT]` section whose keys every section inherits, and
//! strict mode: a duplicate section or a duplicate key in one section of one
//! file is an error.

use std::collections::BTreeMap;

/// One `key = value` of a file, with the line where the key stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IniEntry {
    pub(crate) section: String,
    pub(crate) key: String,
    pub(crate) value: String,
    pub(crate) line: usize,
}

/// A syntax error at a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IniError {
    pub(crate) line: usize,
    pub(crate) message: String,
}

struct Pending {
    section: String,
    key: String,
    lines: Vec<String>,
    line: usize,
    indent: usize,
}

/// Parse a whole file into entries, in file order per section.
pub(crate) fn parse(text: &str) -> Result<Vec<IniEntry>, IniError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut entries: Vec<IniEntry> = Vec::new();
    let mut sections_seen: Vec<String> = Vec::new();
    let mut keys_seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut current_section: Option<String> = None;
    let mut pending: Option<Pending> = None;

    let flush = |pending: &mut Option<Pending>, entries: &mut Vec<IniEntry>| {
        if let Some(p) = pending.take() {
            let value = p.lines.join("\n").trim_end().to_string();
            entries.push(IniEntry {
                section: p.section,
                key: p.key,
                value,
                line: p.line,
            });
        }
    };

    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let stripped = raw.trim();
        let indent = raw.len() - raw.trim_start().len();
        let is_comment = stripped.starts_with('#') || stripped.starts_with(';');
        if stripped.is_empty() || is_comment {
            // configparser keeps blank lines inside a value (a later indented
            // line may continue it); comment lines are skipped either way.
            if stripped.is_empty() {
                if let Some(p) = pending.as_mut() {
                    p.lines.push(String::new());
                }
            }
            continue;
        }
        if let Some(p) = pending.as_mut() {
            if indent > p.indent {
                p.lines.push(stripped.to_string());
                continue;
            }
        }
        flush(&mut pending, &mut entries);

        // configparser's header regex is `\[(?P<header>.+)\]` used with
        // `match`: the name runs to the last `]`, and text after it is ignored.
        let header_end = stripped.rfind(']').filter(|end| *end > 1);
        if let (true, Some(end)) = (stripped.starts_with('['), header_end) {
            let name = stripped[1..end].to_string();
            if sections_seen.contains(&name) {
                return Err(IniError {
                    line: number,
                    message: format!("section `{name}` already exists"),
                });
            }
            sections_seen.push(name.clone());
            current_section = Some(name);
            continue;
        }
        let Some(section) = current_section.clone() else {
            return Err(IniError {
                line: number,
                message: "file contains no section headers".to_string(),
            });
        };
        let Some(delimiter) = stripped.find(['=', ':']) else {
            return Err(IniError {
                line: number,
                message: format!("expected `key = value`, found `{stripped}`"),
            });
        };
        let key = stripped[..delimiter].trim().to_lowercase();
        if key.is_empty() {
            return Err(IniError {
                line: number,
                message: "missing key before `=`".to_string(),
            });
        }
        if let Some(first) = keys_seen.insert((section.clone(), key.clone()), number) {
            return Err(IniError {
                line: number,
                message: format!("key `{key}` in section `{section}` already set on line {first}"),
            });
        }
        let value = stripped[delimiter + 1..].trim().to_string();
        pending = Some(Pending {
            section,
            key,
            lines: vec![value],
            line: number,
            indent,
        });
    }
    flush(&mut pending, &mut entries);

    // `[DEFAULT]` keys appear in every other section unless it sets them itself.
    let defaults: Vec<IniEntry> = entries
        .iter()
        .filter(|e| e.section == "DEFAULT")
        .cloned()
        .collect();
    let mut result: Vec<IniEntry> = Vec::new();
    for section in sections_seen.iter().filter(|s| *s != "DEFAULT") {
        for default in &defaults {
            if !keys_seen.contains_key(&(section.clone(), default.key.clone())) {
                result.push(IniEntry {
                    section: section.clone(),
                    ..default.clone()
                });
            }
        }
        result.extend(entries.iter().filter(|e| &e.section == section).cloned());
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(section: &str, key: &str, value: &str, line: usize) -> IniEntry {
        IniEntry {
            section: section.into(),
            key: key.into(),
            value: value.into(),
            line,
        }
    }

    #[test]
    fn reads_sections_keys_comments_and_continuations() {
        let text = "# comment\n[global]\nIndex-URL = https://index.example/simple/\n; other\ntimeout: 30\nextra-index-url =\n    https://a.example/simple/\n\n    https://b.example/simple/\n[install]\npre=yes\n";
        let entries = parse(text).unwrap();
        assert_eq!(
            entries,
            vec![
                entry("global", "index-url", "https://index.example/simple/", 3),
                entry("global", "timeout", "30", 5),
                entry(
                    "global",
                    "extra-index-url",
                    "\nhttps://a.example/simple/\n\nhttps://b.example/simple/",
                    6
                ),
                entry("install", "pre", "yes", 11),
            ]
        );
    }

    #[test]
    fn header_ends_at_the_last_bracket() {
        let entries = parse("[global]  ; note\ntimeout = 5\n").unwrap();
        assert_eq!(entries, vec![entry("global", "timeout", "5", 2)]);
    }

    #[test]
    fn default_section_is_inherited() {
        let entries = parse("[DEFAULT]\ntimeout = 5\n[global]\nretries = 2\n").unwrap();
        assert_eq!(
            entries,
            vec![
                entry("global", "timeout", "5", 2),
                entry("global", "retries", "2", 4)
            ]
        );
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(parse("timeout = 5\n").unwrap_err().line, 1);
        assert_eq!(parse("[global]\njust words\n").unwrap_err().line, 2);
        let duplicate = parse("[global]\na = 1\nA = 2\n").unwrap_err();
        assert_eq!(duplicate.line, 3);
        assert!(duplicate.message.contains("already set on line 2"));
        assert_eq!(parse("[global]\n[global]\n").unwrap_err().line, 2);
        assert_eq!(parse("[]\n").unwrap_err().line, 1);
    }
}
