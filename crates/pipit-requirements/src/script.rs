//! The comment directives that embedded-Python hosts (CAD programs) read from
//! users' scripts, and PEP 723 `# /// script` blocks.
//!
//! A directive is a full-line `#` comment (leading whitespace allowed)
//! anywhere in the file; the keyword is matched exactly as hosts spell it,
//! lowercase (`r`, `requirements`, `venv`, `wheel`, `env`), and must be
//! followed by `:` (or, for `#r`, by a quoted string), so ordinary comments
//! such as `# rationale: …`, `# R: radius in mm` or `# Env: production` are
//! ignored:
//!
//! ```text
//! #! python 3                          language            → language = "python3" (also `3.11`; `2.x` → python2)
//! # r: numpy==1.26, requests           requirements        (also `#requirements:`; lines accumulate)
//! #r "pip: --pre -i URL rich"          pip's command line: requirements and options
//! #r "pip: -e ./lib"                   editable source     → sources (kind editable)
//! #r "pip: git+https://…@v1"           VCS source          → sources (kind vcs; also `name @ git+…`)
//! # venv: my-tools                     environment name    (`site-packages` is the special id)
//! #wheel: ./x-1.0-py3-none-any.whl     local wheel         (also `#r "wheel: …"`)
//! #r "nuget: RestSharp, 110.2.0"       other providers     → other_providers, never an error
//! #r "Some.dll"                        reference           → other_providers, provider "reference"
//! # env: /some/folder                  host search path    → search_paths
//! # /// script … # ///                 PEP 723 metadata    → requirements, requires_python
//! ```
//!
//! Paths: relative wheel paths, editable paths, `--find-links` paths and
//! `# env:` folders are resolved against the script's folder (lexically, by
//! joining; nothing is read), so they are recorded *resolved*; URLs and
//! absolute paths are recorded as written. A trailing ` # comment` (a `#`
//! after whitespace) on a colon directive is dropped.
//!
//! Splitting: in `# r:`/`#requirements:` a comma separates two requirements
//! only where a new name follows (`numpy>=1.2,<2, requests` is two); inside
//! `#r "pip: …"` the text is read as pip's arguments: split into shell words
//! (the splitter of requirements-file options), each word one argument
//! (`'numpy >= 1.2' rich` is two; the comma rule applies inside a word), and
//! `--index-url`/`-i`, `--extra-index-url`, `--find-links`/`-f`,
//! `--no-index`, `--pre` and `-e`/`--editable` are understood (`--opt value`
//! and `--opt=value`); any other option is an error, as is a second,
//! different index URL, and `-e` takes a local project or VCS URL as in
//! requirements files. A bare `….whl` path or URL in a requirement list (the
//! text before any `@` being a path or URL) is recorded as a wheel; its file
//! name must follow PEP 427, as must a `#wheel:` path. The
//! closing quote of `#r "…"` is the first `"` followed by nothing or a
//! comment, so `#r "pip: a; python_version < "3.9""` reads as meant.
//! `#r "X"` with no `provider:` prefix is recorded with provider `"reference"`.
//!
//! PEP 723: see `script/pep723.rs` for the block rules; `dependencies` (PEP
//! 508 strings only: no bare URLs or paths) and `requires-python` are read,
//! other keys (and other block types) ignored; each dependency carries the
//! line where its string is written. A line that breaks a block before its
//! `# ///`, and a second `# /// script` block, are errors at their line.
//!
//! Any broken directive rejects the whole script: the first error by line is
//! returned. Lines inside a PEP 723 block are TOML, never directives. Lines in
//! Python string literals are not told apart from comments (hosts do not
//! either).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{Requirement, VersionOrUrl};
use serde::Serialize;

use crate::error::{Error, Location};
use crate::reqfile::requirement::{file_name, is_bare_path_or_url, parse_wheel_name};
use crate::text::{condense, is_vcs_url};
use text::{is_windows_absolute, quoted_text, split_provider, strip_trailing_comment};

mod pep723;
mod pip;
mod split;
#[cfg(test)]
mod tests;
mod text;

/// Everything a script declares through its directives.
#[derive(Debug, Clone, Serialize)]
pub struct ScriptDirectives {
    /// The script's path as given.
    pub file: String,
    /// `"python3"` or `"python2"` from a `#! python 3` line.
    pub language: Option<String>,
    /// The environment name from `# venv:`.
    pub venv: Option<String>,
    pub requirements: Vec<ScriptRequirement>,
    pub wheels: Vec<ScriptWheel>,
    pub sources: Vec<SourceRequirement>,
    pub options: ScriptOptions,
    pub other_providers: Vec<OtherProvider>,
    pub search_paths: Vec<SearchPath>,
    /// `requires-python` of the PEP 723 block, as written.
    pub requires_python: Option<String>,
    /// The line of `requires-python` (the key's line, else the block's).
    #[serde(skip)]
    pub requires_python_line: Option<usize>,
}

/// One PEP 508 requirement and the line it was written on.
#[derive(Debug, Clone, Serialize)]
pub struct ScriptRequirement {
    /// The requirement as written (trimmed).
    pub spec: String,
    /// 1-based line number.
    pub line: usize,
    #[serde(skip)]
    pub requirement: Requirement,
}

/// A local wheel from `#wheel:` or `#r "wheel: …"`; `path` is resolved
/// against the script's folder when relative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScriptWheel {
    pub path: String,
    pub line: usize,
}

/// What kind of source a [`SourceRequirement`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// `-e PATH` / `--editable PATH` (or an editable VCS URL).
    Editable,
    /// A VCS URL (`git+`, `hg+`, `svn+`, `bzr+`), bare or as `name @ URL`.
    Vcs,
}

impl std::fmt::Display for SourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SourceKind::Editable => "editable",
            SourceKind::Vcs => "vcs",
        })
    }
}

/// A requirement that needs a build from source (not resolved from an index).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceRequirement {
    pub kind: SourceKind,
    /// The path (resolved when relative and local), URL, or `name @ URL`.
    pub spec: String,
    pub line: usize,
}

/// pip options from `#r "pip: …"` directives, merged over all lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScriptOptions {
    pub index_url: Option<String>,
    pub extra_index_urls: Vec<String>,
    pub find_links: Vec<String>,
    pub no_index: bool,
    pub pre: bool,
}

/// A `#r "provider: spec"` directive for another package system (`nuget`,
/// `yak`, …), or `#r "Some.dll"`, recorded with provider `"reference"`.
/// The provider name is lowercased; the spec is kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OtherProvider {
    pub provider: String,
    pub spec: String,
    pub line: usize,
}

/// A folder from `# env:` that the host adds to the search path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchPath {
    pub path: String,
    pub line: usize,
}

impl ScriptDirectives {
    fn new(path: &Path) -> Self {
        ScriptDirectives {
            file: path.to_string_lossy().into_owned(),
            language: None,
            venv: None,
            requirements: Vec::new(),
            wheels: Vec::new(),
            sources: Vec::new(),
            options: ScriptOptions::default(),
            other_providers: Vec::new(),
            search_paths: Vec::new(),
            requires_python: None,
            requires_python_line: None,
        }
    }

    /// Checks the PEP 723 `requires-python` against the target interpreter's
    /// version; the error points at the line that declares it.
    pub fn check_requires_python(&self, python_version: &Version) -> Result<(), Error> {
        let Some(requires_python) = &self.requires_python else {
            return Ok(());
        };
        let line = self.requires_python_line.unwrap_or(1);
        let location = Location {
            file: PathBuf::from(&self.file),
            line,
        };
        let specifiers =
            VersionSpecifiers::from_str(requires_python).map_err(|err| Error::Parse {
                location: location.clone(),
                text: requires_python.clone(),
                message: format!("invalid `requires-python`: {}", condense(&err.to_string())),
            })?;
        if specifiers.contains(python_version) {
            Ok(())
        } else {
            Err(Error::Parse {
                location,
                text: requires_python.clone(),
                message: format!(
                    "the script needs a different python: {python_version} does not satisfy `requires-python`"
                ),
            })
        }
    }
}

/// Reads and parses the directives of the script at `path`.
pub fn parse_script(path: &Path) -> Result<ScriptDirectives, Error> {
    let content = fs_err::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_script_str(&content, path)
}

/// Parses the directives of a script's `content`; `path` names it in errors
/// and is the base for relative paths.
pub fn parse_script_str(content: &str, path: &Path) -> Result<ScriptDirectives, Error> {
    let content = content.strip_prefix('\u{feff}').unwrap_or(content);
    let lines: Vec<&str> = content.lines().collect();
    let mut parser = Parser {
        path,
        base_dir: path.parent().unwrap_or(Path::new("")).to_path_buf(),
        out: ScriptDirectives::new(path),
        script_block_line: None,
        raw: String::new(),
    };
    let mut index = 0;
    while index < lines.len() {
        match pep723::match_block(&lines, index) {
            Some(Ok(block)) => {
                if block.kind == "script" {
                    parser.script_block(&block, &lines)?;
                }
                index = block.close + 1;
                continue;
            }
            Some(Err(unclosed)) if unclosed.kind == "script" => {
                return Err(match unclosed.broken_at {
                    // PEP 723: every line of a block is `#` or starts with `# `.
                    Some(broken) => parser.error(
                        broken + 1,
                        lines[broken],
                        format!(
                            "this line ends the `# /// script` block opened at line {} before its `# ///`: inside a block every line must be `#` or start with `# ` (PEP 723)",
                            index + 1
                        ),
                    ),
                    None => parser.error(
                        index + 1,
                        lines[index],
                        "unclosed `# /// script` block: no `# ///` line ends it".to_string(),
                    ),
                });
            }
            _ => {}
        }
        parser.line(index + 1, lines[index])?;
        index += 1;
    }
    Ok(parser.out)
}

struct Parser<'a> {
    path: &'a Path,
    base_dir: PathBuf,
    out: ScriptDirectives,
    script_block_line: Option<usize>,
    /// The directive line being read, for errors about the whole directive.
    raw: String,
}

/// The name a directive goes by in error messages.
const R_LABEL: &str = "`# r:` directive";
const REQUIREMENTS_LABEL: &str = "`# requirements:` directive";
const PIP_LABEL: &str = "`#r \"pip: …\"` directive";
const PEP723_LABEL: &str = "`# /// script` dependencies";

impl Parser<'_> {
    fn error(&self, line: usize, text: &str, message: String) -> Error {
        Error::Parse {
            location: Location {
                file: self.path.to_path_buf(),
                line,
            },
            text: text.trim().to_string(),
            message,
        }
    }

    /// One line outside PEP 723 blocks.
    fn line(&mut self, line: usize, raw: &str) -> Result<(), Error> {
        let Some(after_hash) = raw.trim_start().strip_prefix('#') else {
            return Ok(());
        };
        self.raw = raw.to_string();
        if let Some(rest) = after_hash.strip_prefix('!') {
            return self.language(line, rest, raw);
        }
        let body = after_hash.trim_start();
        let keyword_len = body
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(body.len());
        // Keywords are matched as hosts spell them, lowercase: `# R: radius`
        // and `# Env: production` are ordinary comments.
        let (keyword, after_keyword) = body.split_at(keyword_len);
        let after_keyword = after_keyword.trim_start();
        if let Some(value) = after_keyword.strip_prefix(':') {
            let value = strip_trailing_comment(value);
            match keyword {
                "r" => self.requirement_list(line, value, R_LABEL),
                "requirements" => self.requirement_list(line, value, REQUIREMENTS_LABEL),
                "venv" => self.venv(line, value),
                "wheel" => self.wheel(line, value, "`#wheel:` directive"),
                "env" => self.search_path(line, value),
                _ => Ok(()),
            }
        } else if keyword == "r" && after_keyword.starts_with('"') {
            self.quoted(line, after_keyword, raw)
        } else {
            Ok(())
        }
    }

    /// `#! python 3`, `#! python3`, `#! python 2`; shebangs are ignored.
    fn language(&mut self, line: usize, rest: &str, raw: &str) -> Result<(), Error> {
        let rest = rest.trim();
        let Some(version) = rest
            .get(..6)
            .filter(|word| word.eq_ignore_ascii_case("python"))
            .map(|_| rest[6..].trim())
        else {
            return Ok(());
        };
        // `3`, `3.11`, `2.7`: the major version names the language.
        let major = version.split('.').next().unwrap_or(version);
        let numeric = version
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()));
        let language = match major {
            "3" if numeric => "python3",
            "2" if numeric => "python2",
            // `#!python` is a shebang placeholder, not a language line.
            _ if !version.starts_with(|c: char| c.is_ascii_digit()) => return Ok(()),
            _ => {
                return Err(self.error(
                    line,
                    raw,
                    "unsupported language line: expected `#! python 3` or `#! python 2`"
                        .to_string(),
                ))
            }
        };
        match &self.out.language {
            Some(existing) if existing != language => Err(self.error(
                line,
                raw,
                format!("conflicting language lines: the script already declared `{existing}`"),
            )),
            _ => {
                self.out.language = Some(language.to_string());
                Ok(())
            }
        }
    }

    fn requirement_list(&mut self, line: usize, value: &str, label: &str) -> Result<(), Error> {
        let items = split::split_requirements(value);
        if items.is_empty() {
            return Err(self.error(line, &self.raw, format!("empty {label}")));
        }
        for item in items {
            self.requirement(line, &item, label)?;
        }
        Ok(())
    }

    /// One PEP 508 requirement, a VCS source (bare URL or `name @ URL`), or
    /// a bare wheel path or URL, as `pip install ./x-1.0-py3-none-any.whl`
    /// (only when the text before any `@` is a path or URL, the rule of
    /// requirements files, so `foo@https://…/foo-1.0-….whl` is PEP 508).
    fn requirement(&mut self, line: usize, spec: &str, label: &str) -> Result<(), Error> {
        if !spec.contains(char::is_whitespace)
            && spec.to_ascii_lowercase().ends_with(".whl")
            && is_bare_path_or_url(spec)
        {
            return self.wheel_path(line, spec, spec);
        }
        if is_vcs_url(spec) {
            self.out.sources.push(SourceRequirement {
                kind: SourceKind::Vcs,
                spec: spec.to_string(),
                line,
            });
            return Ok(());
        }
        self.pep508_requirement(line, spec, label, "")
    }

    /// A PEP 508 requirement (a VCS `name @ URL` is recorded as a source);
    /// `hint` is added to the message when it does not parse.
    fn pep508_requirement(
        &mut self,
        line: usize,
        spec: &str,
        label: &str,
        hint: &str,
    ) -> Result<(), Error> {
        let requirement: Requirement = Requirement::from_str(spec).map_err(|err| {
            self.error(
                line,
                spec,
                format!(
                    "invalid requirement in {label}: {}{hint}",
                    condense(&err.message.to_string())
                ),
            )
        })?;
        let vcs = match &requirement.version_or_url {
            Some(VersionOrUrl::Url(url)) => is_vcs_url(url.given().unwrap_or(url.raw().as_str())),
            _ => false,
        };
        if vcs {
            self.out.sources.push(SourceRequirement {
                kind: SourceKind::Vcs,
                spec: spec.to_string(),
                line,
            });
        } else {
            self.out.requirements.push(ScriptRequirement {
                spec: spec.to_string(),
                line,
                requirement,
            });
        }
        Ok(())
    }

    fn venv(&mut self, line: usize, value: &str) -> Result<(), Error> {
        let name = value.trim();
        if name.is_empty() {
            return Err(self.error(line, &self.raw, "empty `# venv:` directive".to_string()));
        }
        // The special id `site-packages` passes this rule as well.
        let valid = name.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return Err(self.error(
                line,
                name,
                "invalid environment name in `# venv:` directive: use letters, digits, `-`, `_` and `.`, starting with a letter or digit"
                    .to_string(),
            ));
        }
        match &self.out.venv {
            Some(existing) if existing != name => Err(self.error(
                line,
                name,
                format!("conflicting `# venv:` directives: the script already names `{existing}`"),
            )),
            _ => {
                self.out.venv = Some(name.to_string());
                Ok(())
            }
        }
    }

    fn wheel(&mut self, line: usize, value: &str, label: &str) -> Result<(), Error> {
        let path = value.trim();
        if path.is_empty() {
            return Err(self.error(line, &self.raw, format!("empty {label}")));
        }
        if !path.to_ascii_lowercase().ends_with(".whl") {
            return Err(self.error(
                line,
                path,
                format!("the path in {label} must name a `.whl` file"),
            ));
        }
        self.wheel_path(line, path, path)
    }

    /// Records a wheel path or URL whose file name follows PEP 427.
    fn wheel_path(&mut self, line: usize, path: &str, text: &str) -> Result<(), Error> {
        parse_wheel_name(&file_name(path)).map_err(|message| self.error(line, text, message))?;
        let path = self.resolve(path);
        self.out.wheels.push(ScriptWheel { path, line });
        Ok(())
    }

    fn search_path(&mut self, line: usize, value: &str) -> Result<(), Error> {
        let path = value.trim();
        if path.is_empty() {
            return Err(self.error(line, &self.raw, "empty `# env:` directive".to_string()));
        }
        let path = self.resolve(path);
        self.out.search_paths.push(SearchPath { path, line });
        Ok(())
    }

    /// `#r "provider: …"` or `#r "Some.dll"`; `text` starts at the quote.
    fn quoted(&mut self, line: usize, text: &str, raw: &str) -> Result<(), Error> {
        let Some(inner) = quoted_text(text) else {
            let message = if text[1..].contains('"') {
                "unexpected text after the closing quote of the `#r` directive"
            } else {
                "unterminated string in `#r` directive"
            };
            return Err(self.error(line, raw, message.to_string()));
        };
        let inner = inner.trim();
        match split_provider(inner) {
            Some((provider, rest)) if provider == "pip" => self.pip(line, rest),
            Some((provider, rest)) if provider == "wheel" => {
                self.wheel(line, rest, "`#r \"wheel: …\"` directive")
            }
            Some((provider, rest)) => {
                self.out.other_providers.push(OtherProvider {
                    provider,
                    spec: rest.trim().to_string(),
                    line,
                });
                Ok(())
            }
            None => {
                self.out.other_providers.push(OtherProvider {
                    provider: "reference".to_string(),
                    spec: inner.to_string(),
                    line,
                });
                Ok(())
            }
        }
    }

    /// A `# /// script` block: TOML with `dependencies` and `requires-python`.
    fn script_block(&mut self, block: &pep723::Block, lines: &[&str]) -> Result<(), Error> {
        let open_line = block.open + 1;
        if let Some(first) = self.script_block_line {
            return Err(self.error(
                open_line,
                lines[block.open],
                format!("a second `# /// script` block (the first is at line {first})"),
            ));
        }
        self.script_block_line = Some(open_line);
        // `# /// script` right after a closed block is swallowed by the
        // greedy PEP 723 match; report it as the second block it is.
        if let Some(second) = (block.open + 1..block.close).find(|&i| lines[i] == "# /// script") {
            return Err(self.error(
                second + 1,
                lines[second],
                format!("a second `# /// script` block (the first is at line {open_line})"),
            ));
        }
        let content = block.content(lines);
        let table: toml::Table = toml::from_str(&content).map_err(|err| {
            let offset = err.span().map_or(0, |span| span.start.min(content.len()));
            let content_line = content[..offset].matches('\n').count();
            let line = (open_line + 1 + content_line).min(block.close);
            self.error(
                line,
                lines[line - 1],
                format!(
                    "invalid TOML in `# /// script` block: {}",
                    condense(err.message())
                ),
            )
        })?;
        // Lines of the block, to find where each value is written.
        let block_lines = &lines[block.open + 1..block.close];
        let find_key = |key: &str| -> Option<usize> {
            block_lines
                .iter()
                .position(|text| text.trim_start_matches(['#', ' ']).starts_with(key))
        };
        // A dependency's line: where it is written as a TOML string.
        let find_string = |value: &str, after: usize| -> Option<usize> {
            let (double, single) = (format!("\"{value}\""), format!("'{value}'"));
            block_lines
                .iter()
                .enumerate()
                .skip(after)
                .find(|(_, text)| text.contains(&double) || text.contains(&single))
                .map(|(index, _)| index)
        };

        if let Some(value) = table.get("requires-python") {
            let key_line = find_key("requires-python").map_or(open_line, |i| open_line + 1 + i);
            let Some(text) = value.as_str() else {
                return Err(self.error(
                    key_line,
                    &value.to_string(),
                    "`requires-python` in `# /// script` block must be a string".to_string(),
                ));
            };
            VersionSpecifiers::from_str(text).map_err(|err| {
                self.error(
                    key_line,
                    text,
                    format!(
                        "invalid `requires-python` in `# /// script` block: {}",
                        condense(&err.to_string())
                    ),
                )
            })?;
            self.out.requires_python = Some(text.to_string());
            self.out.requires_python_line = Some(key_line);
        }

        if let Some(value) = table.get("dependencies") {
            let key_line = find_key("dependencies").map_or(open_line, |i| open_line + 1 + i);
            let Some(array) = value.as_array() else {
                return Err(self.error(
                    key_line,
                    &value.to_string(),
                    "`dependencies` in `# /// script` block must be a list of strings".to_string(),
                ));
            };
            let mut search_from = key_line.saturating_sub(open_line + 1);
            for item in array {
                let Some(spec) = item.as_str() else {
                    return Err(self.error(
                        key_line,
                        &item.to_string(),
                        "`dependencies` in `# /// script` block must be a list of strings"
                            .to_string(),
                    ));
                };
                let line = match find_string(spec, search_from) {
                    Some(index) => {
                        search_from = index;
                        open_line + 1 + index
                    }
                    None => open_line,
                };
                // PEP 723: dependencies are PEP 508 strings, nothing else.
                self.pep508_requirement(
                    line,
                    spec.trim(),
                    PEP723_LABEL,
                    " (PEP 723 dependencies are PEP 508 strings; write a URL as `name @ URL`)",
                )?;
            }
        }
        Ok(())
    }

    /// A local path relative to the script's folder; URLs and absolute paths
    /// are returned as written.
    fn resolve(&self, path: &str) -> String {
        if path.contains("://")
            || is_vcs_url(path)
            || Path::new(path).is_absolute()
            || is_windows_absolute(path)
        {
            path.to_string()
        } else {
            let relative = path.trim_start_matches("./");
            let relative = if relative.is_empty() { "." } else { relative };
            self.base_dir.join(relative).to_string_lossy().into_owned()
        }
    }
}
