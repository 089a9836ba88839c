//! The option part of a line: pip's requirements-file options, spelled
//! `-x value`, `-xvalue`, `--long value`, `--long=value` or as an unambiguous
//! prefix of a long name (pip parses them with `optparse`, which allows that).

use crate::text::shell_words;

/// One option pip accepts in a requirements file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opt {
    Requirement,
    Constraint,
    Editable,
    IndexUrl,
    ExtraIndexUrl,
    NoIndex,
    FindLinks,
    Pre,
    OnlyBinary,
    NoBinary,
    PreferBinary,
    RequireHashes,
    TrustedHost,
    UseFeature,
    Hash,
    ConfigSettings,
    GlobalOption,
}

impl Opt {
    /// Options that belong to the requirement on the same line.
    pub(crate) fn is_per_requirement(self) -> bool {
        matches!(self, Opt::Hash | Opt::ConfigSettings | Opt::GlobalOption)
    }
}

/// (long names, short name, option, takes a value)
const OPTIONS: &[(&[&str], Option<char>, Opt, bool)] = &[
    (&["requirement"], Some('r'), Opt::Requirement, true),
    (&["constraint"], Some('c'), Opt::Constraint, true),
    (&["editable"], Some('e'), Opt::Editable, true),
    (&["index-url", "pypi-url"], Some('i'), Opt::IndexUrl, true),
    (&["extra-index-url"], None, Opt::ExtraIndexUrl, true),
    (&["no-index"], None, Opt::NoIndex, false),
    (&["find-links"], Some('f'), Opt::FindLinks, true),
    (&["pre"], None, Opt::Pre, false),
    (&["only-binary"], None, Opt::OnlyBinary, true),
    (&["no-binary"], None, Opt::NoBinary, true),
    (&["prefer-binary"], None, Opt::PreferBinary, false),
    (&["require-hashes"], None, Opt::RequireHashes, false),
    (&["trusted-host"], None, Opt::TrustedHost, true),
    (&["use-feature"], None, Opt::UseFeature, true),
    (&["hash"], None, Opt::Hash, true),
    (&["config-settings"], Some('C'), Opt::ConfigSettings, true),
    (&["global-option"], None, Opt::GlobalOption, true),
];

/// A parsed option: what it is, how it was spelled, and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedOption {
    pub(crate) opt: Opt,
    pub(crate) spelling: String,
    pub(crate) value: String,
}

/// A line split into its requirement text (possibly empty) and the option
/// tokens that follow: the requirement is everything before the first
/// whitespace-separated token that starts with `-`, as in pip.
pub(crate) fn split_line(line: &str) -> (&str, Vec<String>) {
    let mut quote = None;
    let mut previous_space = true;
    for (index, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '-' && previous_space => {
                return (line[..index].trim(), shell_words(&line[index..]));
            }
            None => {}
        }
        previous_space = c.is_whitespace();
    }
    (line.trim(), Vec::new())
}

/// Parses option tokens; `Err` is (offending text, message). Tokens that are
/// not options (pip ignores them) are returned separately.
pub(crate) fn parse_options(
    tokens: &[String],
) -> Result<(Vec<ParsedOption>, Vec<String>), (String, String)> {
    let mut parsed = Vec::new();
    let mut stray = Vec::new();
    let mut index = 0;
    while index < tokens.len() {
        let token = &tokens[index];
        index += 1;
        let (entry, spelling, inline) = if let Some(long) = token.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (long, None),
            };
            (find_long(name, token)?, format!("--{name}"), inline)
        } else if let Some(short) = token.strip_prefix('-').and_then(|s| s.chars().next()) {
            let entry = OPTIONS
                .iter()
                .find(|(_, letter, _, _)| *letter == Some(short))
                .ok_or_else(|| unknown(token, &format!("-{short}")))?;
            let rest = &token[1 + short.len_utf8()..];
            let inline =
                (!rest.is_empty()).then(|| rest.strip_prefix('=').unwrap_or(rest).to_string());
            (entry, format!("-{short}"), inline)
        } else {
            stray.push(token.clone());
            continue;
        };
        let (_, _, opt, takes_value) = *entry;
        let value = match (takes_value, inline) {
            (true, Some(value)) => value,
            (true, None) => match tokens.get(index) {
                Some(next) => {
                    index += 1;
                    next.clone()
                }
                None => return Err((token.clone(), format!("option `{spelling}` needs a value"))),
            },
            (false, Some(_)) => {
                return Err((token.clone(), format!("option `{spelling}` takes no value")))
            }
            (false, None) => String::new(),
        };
        parsed.push(ParsedOption {
            opt,
            spelling,
            value,
        });
    }
    Ok((parsed, stray))
}

type Entry = (&'static [&'static str], Option<char>, Opt, bool);

/// A long option by exact name, else by unique prefix (as `optparse` does).
fn find_long(name: &str, token: &str) -> Result<&'static Entry, (String, String)> {
    if let Some(entry) = OPTIONS.iter().find(|(names, ..)| names.contains(&name)) {
        return Ok(entry);
    }
    let matches: Vec<(&str, &Entry)> = OPTIONS
        .iter()
        .flat_map(|entry| entry.0.iter().map(move |long| (*long, entry)))
        .filter(|(long, _)| !name.is_empty() && long.starts_with(name))
        .collect();
    match matches.as_slice() {
        [(_, entry)] => Ok(entry),
        [] => Err(unknown(token, &format!("--{name}"))),
        many => Err((
            token.to_string(),
            format!(
                "ambiguous option `--{name}`: could be {}",
                many.iter()
                    .map(|(long, _)| format!("`--{long}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

fn unknown(token: &str, spelling: &str) -> (String, String) {
    (
        token.to_string(),
        format!(
            "unknown option `{spelling}`: requirements files accept -r, -c, -e, -i, --extra-index-url, \
             --no-index, -f, --pre, --only-binary, --no-binary, --prefer-binary, --require-hashes, \
             --trusted-host, --use-feature, and after a requirement --hash, --config-settings, --global-option"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(items: &[&str]) -> Vec<String> {
        items.iter().map(ToString::to_string).collect()
    }

    fn options(line: &str) -> Vec<(Opt, String)> {
        let (requirement, tokens) = split_line(line);
        assert_eq!(requirement, "");
        parse_options(&tokens)
            .unwrap()
            .0
            .into_iter()
            .map(|option| (option.opt, option.value))
            .collect()
    }

    #[test]
    fn splits_requirement_from_options() {
        assert_eq!(
            split_line("foo==1.0 --hash=sha256:ab --hash 'sha256:cd'"),
            (
                "foo==1.0",
                words(&["--hash=sha256:ab", "--hash", "sha256:cd"])
            )
        );
        assert_eq!(
            split_line("foo; platform_release == \"5.4 -x\" --hash=h"),
            ("foo; platform_release == \"5.4 -x\"", words(&["--hash=h"]))
        );
        assert_eq!(split_line("foo-bar>=1"), ("foo-bar>=1", vec![]));
        assert_eq!(split_line("-e ."), ("", words(&["-e", "."])));
    }

    #[test]
    fn all_spellings() {
        assert_eq!(
            options(
                "-i https://index.example/simple --index-url=https://a.example -ihttps://b.example"
            ),
            vec![
                (Opt::IndexUrl, "https://index.example/simple".to_string()),
                (Opt::IndexUrl, "https://a.example".to_string()),
                (Opt::IndexUrl, "https://b.example".to_string()),
            ]
        );
        assert_eq!(
            options("--extra-index https://x.example --no-ind --pre -C key=value"),
            vec![
                (Opt::ExtraIndexUrl, "https://x.example".to_string()),
                (Opt::NoIndex, String::new()),
                (Opt::Pre, String::new()),
                (Opt::ConfigSettings, "key=value".to_string()),
            ]
        );
    }

    #[test]
    fn option_errors() {
        let err = |line: &str| parse_options(&split_line(line).1).unwrap_err();
        assert_eq!(err("--frobnicate").0, "--frobnicate");
        assert!(err("--frobnicate")
            .1
            .starts_with("unknown option `--frobnicate`"));
        assert!(err("-x foo").1.starts_with("unknown option `-x`"));
        assert!(err("--no").1.contains("ambiguous option `--no`"));
        assert_eq!(err("--pre=yes").1, "option `--pre` takes no value");
        assert_eq!(err("-r").1, "option `-r` needs a value");
    }

    #[test]
    fn stray_arguments_are_returned() {
        let (parsed, stray) = parse_options(&words(&["-r", "a.txt", "b.txt"])).unwrap();
        assert_eq!(parsed[0].value, "a.txt");
        assert_eq!(stray, words(&["b.txt"]));
    }
}
