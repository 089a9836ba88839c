//! The one-line-per-wheel text form used by scenario files and
//! `fixtures/wheelhouse.txt`.
//!
//! ```text
//! # comment (only at the start of a line)
//! demo-app 1.0.0: demo-util>=1.0, demo-color[fast]>=2; extras: cli=[demo-tool]; console-scripts: demo-app=demo_app:main
//! demo-color 2.0.0; extras: fast=[demo-speed>=1]
//! demo-speed 1.0.0; tag: cp311-cp311-manylinux_2_17_x86_64; purelib: false
//! ```
//!
//! Grammar, per line:
//!
//! ```text
//! line     := <name> <version> [":" requirements] (";" key ":" value)*
//! ```
//!
//! - `<name> <version>`: the distribution name (any PEP 508 name) and version,
//!   separated by whitespace.
//! - `requirements`: `Requires-Dist` entries separated by commas. Commas inside
//!   `[...]`, `(...)` or quotes do not separate, and a piece that starts with a
//!   version operator continues the previous one, so `a>=1,<2` and
//!   `b[x,y]` stay whole. A requirement may carry a marker after `;`
//!   (`c; python_version < "3.12"`): a `;` separates sections only when a known
//!   key and `:` follow it.
//! - keys (each at most once per line):
//!
//! | key | value | builder call |
//! |---|---|---|
//! | `requires` | more requirements, as above | [`WheelBuilder::requires`] |
//! | `extras` | `name=[req, req]` or bare `name`, comma-separated | [`WheelBuilder::extra_requires`], [`WheelBuilder::extra`] |
//! | `requires-python` | specifiers, e.g. `>=3.8` | [`WheelBuilder::requires_python`] |
//! | `tag` | one tag or compressed tag set | [`WheelBuilder::tag`] |
//! | `build` | build tag, e.g. `1` | [`WheelBuilder::build_tag`] |
//! | `purelib` | `true` or `false` | [`WheelBuilder::root_is_purelib`] |
//! | `console-scripts`, `gui-scripts` | `name=module:attr`, comma-separated | [`WheelBuilder::console_script`], [`WheelBuilder::gui_script`] |
//! | `entry-points` | `group name=module:attr`, comma-separated | [`WheelBuilder::entry_point`] |
//! | `files` | archive paths, comma-separated; contents are generated | [`WheelBuilder::file`] |
//! | `data` | `<category>/<path>`, comma-separated; contents are generated | [`WheelBuilder::data`] |
//! | `summary` | free text (no `;`) | [`WheelBuilder::metadata_field`] `Summary` |
//!
//! Generated contents: an `__init__.py` gets `__version__` and a `main()`
//! that prints name and version; another `.py` file gets a docstring; a
//! `scripts` data file gets a `#!python` script that prints its name; other
//! files one line naming the distribution and the path.
//!
//! There is no line continuation and no inline comment (`#` may start a URL
//! fragment in a requirement).

use crate::{DataCategory, Error, WheelBuilder};

const KEYS: &[&str] = &[
    "requires",
    "extras",
    "requires-python",
    "tag",
    "build",
    "purelib",
    "console-scripts",
    "gui-scripts",
    "entry-points",
    "files",
    "data",
    "summary",
];

/// Parses a description: one wheel per non-blank, non-comment line.
/// Errors name the line (1-based).
pub fn parse_description(text: &str) -> Result<Vec<WheelBuilder>, Error> {
    let mut builders = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let builder = parse_line(trimmed).map_err(|message| Error::Description {
            line: index + 1,
            message,
        })?;
        builders.push(builder);
    }
    Ok(builders)
}

fn parse_line(line: &str) -> Result<WheelBuilder, String> {
    let sections = split_sections(line);
    let (head, requirements) = match sections[0].split_once(':') {
        Some((head, requirements)) => (head, Some(requirements)),
        None => (sections[0].as_str(), None),
    };
    let words: Vec<&str> = head.split_whitespace().collect();
    let [name, version] = words[..] else {
        return Err(format!(
            "expected `<name> <version>` before `:`, found `{}`",
            head.trim()
        ));
    };
    let mut builder = WheelBuilder::new(name, version);
    if let Some(requirements) = requirements {
        for requirement in split_list(requirements)? {
            builder = builder.requires(requirement);
        }
    }

    let mut seen_keys = Vec::new();
    for section in &sections[1..] {
        let (key, value) = section
            .split_once(':')
            .expect("split_sections only starts sections at `key:`");
        let key = key.trim();
        let value = value.trim();
        if seen_keys.contains(&key) {
            return Err(format!("key `{key}` appears twice"));
        }
        seen_keys.push(key);
        builder = apply_key(builder, key, value)?;
    }
    // Checks names, version and tag now, so the error carries the line.
    builder.file_name().map_err(|error| error.to_string())?;
    Ok(builder)
}

fn apply_key(mut builder: WheelBuilder, key: &str, value: &str) -> Result<WheelBuilder, String> {
    match key {
        "requires" => {
            for requirement in split_list(value)? {
                builder = builder.requires(requirement);
            }
        }
        "extras" => {
            for item in split_list(value)? {
                builder = match item.split_once('=') {
                    None => builder.extra(item),
                    Some((extra, requirements)) => {
                        let extra = extra.trim();
                        let requirements = requirements
                            .trim()
                            .strip_prefix('[')
                            .and_then(|rest| rest.strip_suffix(']'))
                            .ok_or_else(|| {
                                format!("extra `{extra}`: expected `{extra}=[requirement, ...]`")
                            })?;
                        let mut builder = builder.extra(extra);
                        for requirement in split_list(requirements)? {
                            builder = builder.extra_requires(extra, &requirement);
                        }
                        builder
                    }
                };
            }
        }
        "requires-python" => builder = builder.requires_python(value),
        "tag" => builder = builder.tag(value),
        "build" => builder = builder.build_tag(value),
        "purelib" => {
            builder = builder.root_is_purelib(match value {
                "true" => true,
                "false" => false,
                other => return Err(format!("`purelib` is `true` or `false`, not `{other}`")),
            })
        }
        "console-scripts" | "gui-scripts" => {
            for item in split_list(value)? {
                let (name, target) = item
                    .split_once('=')
                    .ok_or_else(|| format!("`{key}` item `{item}`: expected `name=module:attr`"))?;
                let group = key.replace('-', "_");
                builder = builder.entry_point(group, name.trim(), target.trim());
            }
        }
        "entry-points" => {
            for item in split_list(value)? {
                let parsed = item
                    .split_once(char::is_whitespace)
                    .and_then(|(group, rest)| {
                        let (name, target) = rest.split_once('=')?;
                        Some((group, name.trim(), target.trim()))
                    });
                let (group, name, target) = parsed.ok_or_else(|| {
                    format!("`entry-points` item `{item}`: expected `group name=module:attr`")
                })?;
                builder = builder.entry_point(group, name, target);
            }
        }
        "files" => {
            for path in split_list(value)? {
                let contents = generated_file(&builder, &path);
                builder = builder.file(path, contents);
            }
        }
        "data" => {
            for item in split_list(value)? {
                let (category, path) = item
                    .split_once('/')
                    .ok_or_else(|| format!("`data` item `{item}`: expected `<category>/<path>`"))?;
                category
                    .parse::<DataCategory>()
                    .map_err(|error| error.to_string())?;
                let contents = if category == "scripts" {
                    format!("#!python\nprint(\"{path} from {}\")\n", builder.name())
                } else {
                    generated_file(&builder, path)
                };
                builder = builder.data(category, path, contents);
            }
        }
        "summary" => builder = builder.metadata_field("Summary", value),
        _ => unreachable!("split_sections only accepts known keys"),
    }
    Ok(builder)
}

fn generated_file(builder: &WheelBuilder, path: &str) -> String {
    if path.ends_with("__init__.py") {
        format!(
            "__version__ = \"{version}\"\n\n\ndef main():\n    print(\"{name} {version}\")\n",
            name = builder.name(),
            version = builder.version()
        )
    } else if path.ends_with(".py") {
        format!(
            "\"\"\"{path} of {} {}.\"\"\"\n",
            builder.name(),
            builder.version()
        )
    } else {
        format!("{path} of {} {}\n", builder.name(), builder.version())
    }
}

/// Splits a line at `;` where a known key and `:` follow; other `;` belong
/// to requirement markers and stay in place.
fn split_sections(line: &str) -> Vec<String> {
    let mut sections: Vec<String> = Vec::new();
    for (index, segment) in line.split(';').enumerate() {
        if index == 0 {
            sections.push(segment.to_string());
        } else if starts_with_key(segment) {
            sections.push(segment.trim().to_string());
        } else {
            let last = sections.last_mut().expect("the first segment is pushed");
            last.push(';');
            last.push_str(segment);
        }
    }
    sections
}

fn starts_with_key(segment: &str) -> bool {
    segment
        .split_once(':')
        .is_some_and(|(key, _)| KEYS.contains(&key.trim()))
}

/// Splits at commas outside brackets, parentheses and quotes; a piece that
/// starts with a version operator continues the previous piece (`a>=1,<2`).
fn split_list(text: &str) -> Result<Vec<String>, String> {
    let mut pieces: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut depth: i32 = 0;
    let mut quote: Option<char> = None;
    let push = |piece: &str, pieces: &mut Vec<String>| {
        let piece = piece.trim();
        let continues = piece.starts_with(['<', '>', '=', '!', '~']);
        match pieces.last_mut() {
            Some(previous) if continues => {
                previous.push(',');
                previous.push_str(piece);
            }
            _ if piece.is_empty() => {}
            _ => pieces.push(piece.to_string()),
        }
    };
    for character in text.chars() {
        match (quote, character) {
            (Some(open), _) if character == open => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(character),
            (None, '[' | '(') => depth += 1,
            (None, ']' | ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                push(&current, &mut pieces);
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(character);
    }
    if quote.is_some() || depth != 0 {
        return Err(format!(
            "unbalanced brackets or quotes in `{}`",
            text.trim()
        ));
    }
    push(&current, &mut pieces);
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(builder: &WheelBuilder) -> String {
        let (_, bytes) = builder.build_bytes().unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let name = archive
            .file_names()
            .find(|name| name.ends_with(".dist-info/METADATA"))
            .unwrap()
            .to_string();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut archive.by_name(&name).unwrap(), &mut text).unwrap();
        text
    }

    #[test]
    fn parses_the_example_line() {
        let builders = parse_description(
            "demo-app 1.0.0: demo-util>=1.0, demo-color[fast]>=2 ; extras: fast=[demo-speed]; requires-python: >=3.8; tag: py3-none-any",
        )
        .unwrap();
        assert_eq!(builders.len(), 1);
        assert_eq!(
            builders[0].file_name().unwrap(),
            "demo_app-1.0.0-py3-none-any.whl"
        );
        let metadata = metadata(&builders[0]);
        assert!(metadata.contains("Requires-Dist: demo-util>=1.0\n"));
        assert!(metadata.contains("Requires-Dist: demo-color[fast]>=2\n"));
        assert!(metadata.contains("Requires-Dist: demo-speed; extra == \"fast\"\n"));
        assert!(metadata.contains("Provides-Extra: fast\n"));
        assert!(metadata.contains("Requires-Python: >=3.8\n"));
    }

    #[test]
    fn keeps_specifier_lists_extras_and_markers_whole() {
        let builders = parse_description(
            "a 1: b>=1,<2, c[x,y], d; python_version < \"3.12\", e; sys_platform in \"linux, darwin\"; build: 2",
        )
        .unwrap();
        let metadata = metadata(&builders[0]);
        for line in [
            "Requires-Dist: b>=1,<2\n",
            "Requires-Dist: c[x,y]\n",
            "Requires-Dist: d; python_version < \"3.12\"\n",
            "Requires-Dist: e; sys_platform in \"linux, darwin\"\n",
        ] {
            assert!(metadata.contains(line), "missing {line:?} in\n{metadata}");
        }
        assert_eq!(builders[0].file_name().unwrap(), "a-1-2-py3-none-any.whl");
    }

    #[test]
    fn joins_extra_requirements_with_their_markers() {
        let builders =
            parse_description("a 1; extras: win=[b; sys_platform == \"win32\"], bare").unwrap();
        let metadata = metadata(&builders[0]);
        assert!(metadata
            .contains("Requires-Dist: b; (sys_platform == \"win32\") and extra == \"win\"\n"));
        assert!(metadata.contains("Provides-Extra: win\nProvides-Extra: bare\n"));
    }

    #[test]
    fn skips_comments_and_blank_lines() {
        let builders = parse_description("# header\n\n  # indented\nx 1\ny 2: x\n").unwrap();
        let names: Vec<&str> = builders.iter().map(WheelBuilder::name).collect();
        assert_eq!(names, ["x", "y"]);
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            ("ok 1\nnoversion\n", 2, "expected `<name> <version>`"),
            ("ok 1\n\nbad name 1\n", 3, "expected `<name> <version>`"),
            ("a 1; purelib: maybe", 1, "`purelib` is `true` or `false`"),
            ("a 1; tag: py3; tag: py3-none-any", 1, "appears twice"),
            ("a 1; tag: py3-none", 1, "invalid wheel tag"),
            ("# c\na 1: b[x", 2, "unbalanced"),
            (
                "a 1; extras: fast=demo",
                1,
                "expected `fast=[requirement, ...]`",
            ),
            (
                "a 1; console-scripts: demo",
                1,
                "expected `name=module:attr`",
            ),
            ("-a 1", 1, "invalid distribution name"),
            (
                "a 1\nb 1; data: nowhere/x",
                2,
                "unknown `.data` category `nowhere`",
            ),
        ];
        for (text, line, message) in cases {
            let error = parse_description(text).unwrap_err();
            match &error {
                Error::Description {
                    line: got,
                    message: got_message,
                } => {
                    assert_eq!(*got, line, "{text:?}: {error}");
                    assert!(got_message.contains(message), "{text:?}: {error}");
                }
                other => panic!("{text:?}: unexpected error {other}"),
            }
            assert!(error
                .to_string()
                .starts_with(&format!("description line {line}: ")));
        }
    }
}
