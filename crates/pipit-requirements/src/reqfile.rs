//! pip requirements files: every line form pip accepts, with file:line errors.
//!
//! A file is read in pip's order: decode (UTF-8, or UTF-16 with a BOM), join
//! `\` continuations (a continued line keeps the number it starts on), strip
//! comments (`#` at the start of a line or after whitespace), expand
//! `${VAR}`, then split each line into a requirement and its options.
//!
//! What pip does and pipit follows:
//! - `-r`/`-c` paths are relative to the including file; a `-r` inside a
//!   `-c` file adds requirements, not constraints (pip's rule).
//! - `-f` local paths are resolved against the file's folder when that path
//!   exists, otherwise kept as written.
//! - File-wide options written after a requirement on the same line, and
//!   per-requirement options on a line without one, are ignored by pip; pipit
//!   ignores them too and records a [`Warning`].
//! - A line that starts with `-e` is a requirement line (pip's `ParsedLine`):
//!   its first `-e` is the editable, every other option on it is ignored
//!   with a [`Warning`]. A line with `-r`/`-c` only includes (the first `-r`,
//!   else the first `-c`); its other options are ignored the same way.
//! - Index options combine per line as in pip's `handle_option_line`:
//!   `--no-index` empties the index list for good, `-i` replaces the list,
//!   `--extra-index-url` extends it; only the first `-f` of a line counts.
//! - Bare paths are kept as written (pip resolves them against the working
//!   directory, not the file).
//!
//! `--config-settings` and `--global-option` are recorded on the entry; what
//! to do with them is the source builder's business.

mod lines;
mod options;
pub(crate) mod requirement;

use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

use crate::error::{Error, Location};
use options::{Opt, ParsedOption};

/// Everything a requirements file (and the files it includes) asks for.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RequirementsFile {
    /// Requirements in file order, includes flattened in place.
    pub requirements: Vec<RequirementEntry>,
    /// Requirement lines of `-c` files.
    pub constraints: Vec<RequirementEntry>,
    /// `-e`/`--editable` lines.
    pub editables: Vec<EditableEntry>,
    /// File-wide options, merged across includes.
    pub options: FileOptions,
    /// Lines pip accepts but partly ignores (see the module documentation).
    pub warnings: Vec<Warning>,
}

/// One requirement line with its per-line options.
#[derive(Debug, Clone, Serialize)]
pub struct RequirementEntry {
    /// What is required.
    pub kind: RequirementKind,
    /// `--hash` values as `algorithm:hexdigest`, lowercase, in line order.
    pub hashes: Vec<String>,
    /// `--config-settings`/`-C` values (`KEY=VALUE`) as written, for source builds.
    pub config_settings: Vec<String>,
    /// `--global-option` values as written, for source builds.
    pub global_options: Vec<String>,
    /// Where the line starts.
    #[serde(serialize_with = "serialize_location")]
    pub location: Location,
}

/// The forms a requirement line can take.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequirementKind {
    /// PEP 508: name, extras, specifiers or `name @ url`, markers.
    Named(#[serde(serialize_with = "serialize_display")] pep508_rs::Requirement),
    /// A bare wheel path or URL; name (normalized) and version come from the
    /// PEP 427 file name.
    WheelFile {
        /// The path or URL as written (extras and markers removed).
        path_or_url: String,
        /// The normalized project name, e.g. `my-pkg` for `My_Pkg-1.0-….whl`.
        name: String,
        /// The version in the file name.
        version: pep440_rs::Version,
        /// Extras written after the path, as in `./x.whl[cli]`.
        extras: Vec<pep508_rs::ExtraName>,
        /// Markers after `;` (after `; ` for a URL).
        #[serde(serialize_with = "serialize_markers")]
        markers: Option<pep508_rs::MarkerTree>,
    },
    /// Any other bare path or URL (sdist, directory, VCS `git+…`), to be built.
    Source {
        /// The path or URL as written, extras included, markers removed.
        text: String,
        /// Markers after `;` (after `; ` for a URL).
        #[serde(serialize_with = "serialize_markers")]
        markers: Option<pep508_rs::MarkerTree>,
    },
}

/// An `-e`/`--editable` line.
#[derive(Debug, Clone, Serialize)]
pub struct EditableEntry {
    /// The path or VCS URL as written.
    pub target: String,
    /// Where the line starts.
    #[serde(serialize_with = "serialize_location")]
    pub location: Location,
}

/// File-wide options; later lines and included files add to or override them
/// the way pip does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileOptions {
    /// `-i`/`--index-url`: the last one wins, and it drops the extra index
    /// URLs written before it (pip replaces its whole index list).
    pub index_url: Option<String>,
    /// `--extra-index-url`, in order, since the last `-i`.
    pub extra_index_urls: Vec<String>,
    /// `--no-index`: clears both index fields, and later index options are
    /// ignored (with a warning), as in pip.
    pub no_index: bool,
    /// `-f`/`--find-links`, local relative paths resolved against the file's folder when they exist.
    pub find_links: Vec<String>,
    /// `--pre`.
    pub pre: bool,
    /// `--only-binary`: normalized names, or `:all:`.
    pub only_binary: Vec<String>,
    /// `--no-binary`: normalized names, or `:all:`.
    pub no_binary: Vec<String>,
    /// `--prefer-binary`.
    pub prefer_binary: bool,
    /// `--require-hashes`.
    pub require_hashes: bool,
    /// `--trusted-host`.
    pub trusted_hosts: Vec<String>,
    /// `--use-feature`.
    pub use_features: Vec<String>,
}

/// Something pip accepts but ignores, with where it was written.
#[derive(Debug, Clone, Serialize)]
pub struct Warning {
    /// Where the line starts.
    #[serde(serialize_with = "serialize_location")]
    pub location: Location,
    /// What was ignored and why.
    pub message: String,
}

/// Parses one requirement as written on the command line (`pip install
/// REQ`): PEP 508, a bare wheel path or URL, or another path or URL. `Err`
/// is a one-line message.
pub fn parse_requirement_arg(text: &str) -> Result<RequirementKind, String> {
    requirement::parse_requirement(text.trim())
}

/// Reads `path` and the files it includes; `${VAR}` comes from the process environment.
pub fn parse_file(path: &Path) -> Result<RequirementsFile, Error> {
    let env = |name: &str| std::env::var(name).ok();
    let mut parser = Parser::new(&env);
    parser.file(path, false, None)?;
    Ok(parser.out)
}

/// Parses `content` as if read from `path` (used in messages and for relative
/// includes, which are read from disk); `env` answers `${VAR}`.
pub fn parse_str(
    content: &str,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<RequirementsFile, Error> {
    let mut parser = Parser::new(env);
    parser.stack.push((path.to_path_buf(), identity(path)));
    parser.content(content, path, false)?;
    Ok(parser.out)
}

struct Parser<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
    out: RequirementsFile,
    /// Files being read: as reached, and canonical (for cycle detection).
    stack: Vec<(PathBuf, PathBuf)>,
}

impl<'a> Parser<'a> {
    fn new(env: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Parser {
            env,
            out: RequirementsFile::default(),
            stack: Vec::new(),
        }
    }

    /// Reads and parses one file; `included_at` is the `-r`/`-c` line.
    fn file(
        &mut self,
        path: &Path,
        constraint: bool,
        included_at: Option<(&Location, &str)>,
    ) -> Result<(), Error> {
        let canonical = identity(path);
        if let Some(start) = self.stack.iter().position(|(_, c)| *c == canonical) {
            let (location, _) = included_at.expect("the root file is not on the stack yet");
            let chain = self.stack[start..]
                .iter()
                .map(|(shown, _)| shown.display().to_string())
                .chain([path.display().to_string()])
                .collect::<Vec<_>>()
                .join(" -> ");
            return Err(Error::IncludeCycle {
                location: location.clone(),
                chain,
            });
        }
        let bytes = fs_err::read(path).map_err(|err| match included_at {
            Some((location, text)) => Error::Parse {
                location: location.clone(),
                text: text.to_string(),
                message: format!("cannot read included file: {err}"),
            },
            None => Error::Io {
                path: path.to_path_buf(),
                source: err,
            },
        })?;
        let content = lines::decode(&bytes).ok_or_else(|| Error::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "not UTF-8 (or UTF-16 with a byte order mark)",
            ),
        })?;
        self.stack.push((path.to_path_buf(), canonical));
        let result = self.content(&content, path, constraint);
        self.stack.pop();
        result
    }

    fn content(&mut self, content: &str, path: &Path, constraint: bool) -> Result<(), Error> {
        for line in lines::logical_lines(content, self.env) {
            let location = Location {
                file: path.to_path_buf(),
                line: line.number,
            };
            self.line(&line.text, &location, constraint)?;
        }
        Ok(())
    }

    fn line(&mut self, text: &str, location: &Location, constraint: bool) -> Result<(), Error> {
        let parse_error = |text: &str, message: String| Error::Parse {
            location: location.clone(),
            text: text.to_string(),
            message,
        };
        let (requirement, tokens) = options::split_line(text);
        let (parsed, stray) = options::parse_options(&tokens)
            .map_err(|(text, message)| parse_error(&text, message))?;
        if !stray.is_empty() {
            self.warn(
                location,
                format!(
                    "ignored extra arguments (as pip does): `{}`",
                    stray.join(" ")
                ),
            );
        }
        if requirement.is_empty() {
            // pip's `ParsedLine`: a line whose first `-e` has no requirement
            // before it is a requirement line, the editable being its requirement.
            return match parsed.iter().find(|option| option.opt == Opt::Editable) {
                Some(editable) => self.editable_line(editable, &parsed, location, constraint),
                None => self.option_line(&parsed, location),
            };
        }

        let kind =
            requirement::parse_requirement(requirement).map_err(|m| parse_error(requirement, m))?;
        let mut entry = RequirementEntry {
            kind,
            hashes: Vec::new(),
            config_settings: Vec::new(),
            global_options: Vec::new(),
            location: location.clone(),
        };
        for option in &parsed {
            match option.opt {
                Opt::Hash => entry.hashes.push(
                    requirement::parse_hash(&option.value)
                        .map_err(|m| parse_error(&option.value, m))?,
                ),
                Opt::ConfigSettings => {
                    if !option.value.contains('=') {
                        return Err(parse_error(
                            &option.value,
                            format!("option `{}` expects `KEY=VALUE`", option.spelling),
                        ));
                    }
                    entry.config_settings.push(option.value.clone());
                }
                Opt::GlobalOption => entry.global_options.push(option.value.clone()),
                _ => self.warn(
                    location,
                    format!(
                        "ignored `{}` after a requirement on the same line (pip ignores it there; put it on its own line)",
                        option.spelling
                    ),
                ),
            }
        }
        if constraint {
            check_constraint(&entry).map_err(|m| parse_error(requirement, m))?;
            self.out.constraints.push(entry);
        } else {
            self.out.requirements.push(entry);
        }
        Ok(())
    }

    /// An `-e` line: pip takes the first `-e` as the line's requirement and
    /// ignores every other option on it (editables take no per-requirement
    /// options in pip).
    fn editable_line(
        &mut self,
        editable: &ParsedOption,
        parsed: &[ParsedOption],
        location: &Location,
        constraint: bool,
    ) -> Result<(), Error> {
        let value = editable.value.as_str();
        let text = format!("{} {value}", editable.spelling);
        if constraint {
            return Err(Error::Parse {
                location: location.clone(),
                text,
                message: "editable requirements are not allowed as constraints".to_string(),
            });
        }
        if !requirement::is_editable_target(value) {
            return Err(Error::Parse {
                location: location.clone(),
                text,
                message: "invalid editable requirement: expected a path to a local project or a VCS URL (`git+https://…`, `hg+…`, `svn+…`, `bzr+…`)".to_string(),
            });
        }
        self.out.editables.push(EditableEntry {
            target: value.to_string(),
            location: location.clone(),
        });
        for option in parsed
            .iter()
            .filter(|option| !std::ptr::eq(*option, editable))
        {
            let message = match option.opt {
                Opt::Editable => format!(
                    "ignored `{} {}`: pip reads only the first editable of a line; put each on its own line",
                    option.spelling, option.value
                ),
                opt if opt.is_per_requirement() => format!(
                    "ignored `{}` on an editable requirement (pip ignores per-requirement options for editables)",
                    option.spelling
                ),
                _ => format!(
                    "ignored `{}` after a requirement on the same line (pip ignores it there; put it on its own line)",
                    option.spelling
                ),
            };
            self.warn(location, message);
        }
        Ok(())
    }

    /// A line of options only. pip reads a line with `-r`/`-c` as an include
    /// and nothing else; otherwise it applies the line's options together.
    fn option_line(&mut self, parsed: &[ParsedOption], location: &Location) -> Result<(), Error> {
        // pip's `_parse_and_recurse`: the first `-r`, else the first `-c`.
        let include = parsed
            .iter()
            .find(|option| option.opt == Opt::Requirement)
            .or_else(|| parsed.iter().find(|option| option.opt == Opt::Constraint));
        if let Some(include) = include {
            for option in parsed
                .iter()
                .filter(|option| !std::ptr::eq(*option, include))
            {
                self.warn(
                    location,
                    format!(
                        "ignored `{}` on a line that includes `{}` (pip reads only the include there; put it on its own line)",
                        option.spelling, include.value
                    ),
                );
            }
            let text = format!("{} {}", include.spelling, include.value);
            let path = self.include_path(&include.value, location, &text)?;
            return self.file(
                &path,
                include.opt == Opt::Constraint,
                Some((location, &text)),
            );
        }
        // Index options are applied for the whole line, as pip does:
        // `--no-index` first, then `-i` (the line's last), then `--extra-index-url`.
        let mut line_index_url = None;
        let mut line_extra_index_urls = Vec::new();
        let mut line_no_index = false;
        let mut line_find_links = None;
        for option in parsed {
            let value = option.value.as_str();
            let options = &mut self.out.options;
            match option.opt {
                Opt::Requirement | Opt::Constraint | Opt::Editable => {
                    unreachable!("include and editable lines are handled before option lines")
                }
                Opt::IndexUrl => line_index_url = Some(value.to_string()),
                Opt::ExtraIndexUrl => line_extra_index_urls.push(value.to_string()),
                Opt::NoIndex => line_no_index = true,
                Opt::FindLinks if line_find_links.is_some() => self.warn(
                    location,
                    format!(
                        "ignored `{} {value}`: pip reads only the first `--find-links` of a line; put each on its own line",
                        option.spelling
                    ),
                ),
                Opt::FindLinks => line_find_links = Some(value.to_string()),
                Opt::Pre => options.pre = true,
                Opt::OnlyBinary | Opt::NoBinary if value.starts_with('-') => {
                    // pip: the value is a list of names, never the next option.
                    return Err(Error::Parse {
                        location: location.clone(),
                        text: format!("{} {value}", option.spelling),
                        message: format!(
                            "option `{}` needs a value: `:all:`, `:none:` or package names separated by commas",
                            option.spelling
                        ),
                    });
                }
                Opt::OnlyBinary => {
                    binary_format(value, &mut options.only_binary, &mut options.no_binary)
                }
                Opt::NoBinary => {
                    binary_format(value, &mut options.no_binary, &mut options.only_binary)
                }
                Opt::PreferBinary => options.prefer_binary = true,
                Opt::RequireHashes => options.require_hashes = true,
                Opt::TrustedHost => options.trusted_hosts.push(value.to_string()),
                Opt::UseFeature => options.use_features.push(value.to_string()),
                Opt::Hash | Opt::ConfigSettings | Opt::GlobalOption => {
                    debug_assert!(option.opt.is_per_requirement());
                    self.warn(
                        location,
                        format!(
                            "ignored `{}` on a line without a requirement (a missing `\\` before it?)",
                            option.spelling
                        ),
                    );
                }
            }
        }
        let options = &mut self.out.options;
        // pip's `handle_option_line`: `--no-index` empties the index list and
        // makes later `-i`/`--extra-index-url` lines no-ops; `-i` replaces the
        // whole list (extra URLs included); `--extra-index-url` extends it.
        if line_no_index {
            options.no_index = true;
            options.index_url = None;
            options.extra_index_urls.clear();
        }
        if options.no_index {
            for url in line_index_url.iter().chain(&line_extra_index_urls) {
                self.out.warnings.push(Warning {
                    location: location.clone(),
                    message: format!("ignored index URL `{url}` after `--no-index` (as pip does)"),
                });
            }
        } else {
            if let Some(url) = line_index_url {
                options.index_url = Some(url);
                options.extra_index_urls.clear();
            }
            options.extra_index_urls.extend(line_extra_index_urls);
        }
        if let Some(value) = line_find_links {
            let resolved = find_links_path(&value, &location.file);
            self.out.options.find_links.push(resolved);
        }
        Ok(())
    }

    /// Where `-r`/`-c` `value` points, relative to the including file.
    fn include_path(&self, value: &str, location: &Location, text: &str) -> Result<PathBuf, Error> {
        let lower = value.to_ascii_lowercase();
        if let Some(rest) = lower.strip_prefix("file:") {
            let rest = &value[value.len() - rest.len()..];
            let rest = rest
                .strip_prefix("//localhost")
                .or_else(|| rest.strip_prefix("//"))
                .unwrap_or(rest);
            return Ok(PathBuf::from(rest));
        }
        if crate::text::is_url(value) || value.contains("://") {
            return Err(Error::Parse {
                location: location.clone(),
                text: text.to_string(),
                message: "requirements from URLs are not supported yet; download the file and include it by path"
                    .to_string(),
            });
        }
        let parent = location.file.parent().unwrap_or(Path::new(""));
        Ok(parent.join(value))
    }

    fn warn(&mut self, location: &Location, message: String) {
        self.out.warnings.push(Warning {
            location: location.clone(),
            message,
        });
    }
}

/// pip refuses these as constraints (when it resolves); pipit says so at the line.
fn check_constraint(entry: &RequirementEntry) -> Result<(), String> {
    match &entry.kind {
        RequirementKind::Named(requirement) if !requirement.extras.is_empty() => {
            Err("constraints cannot have extras".to_string())
        }
        RequirementKind::WheelFile { extras, .. } if !extras.is_empty() => {
            Err("constraints cannot have extras".to_string())
        }
        RequirementKind::Source { text, .. } if !text.contains("#egg=") && !text.contains("&egg=") => {
            Err("unnamed requirements are not allowed as constraints (add `#egg=name` or write `name @ url`)".to_string())
        }
        _ => Ok(()),
    }
}

/// pip's `-f` rule: a relative path that exists next to the file is made
/// absolute; anything else (URLs, missing paths) stays as written.
fn find_links_path(value: &str, file: &Path) -> String {
    if crate::text::is_url(value) || value.contains("://") {
        return value.to_string();
    }
    let folder = std::path::absolute(file)
        .ok()
        .and_then(|file| file.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let candidate = folder.join(value);
    if candidate.exists() {
        candidate.to_string_lossy().into_owned()
    } else {
        value.to_string()
    }
}

/// pip's `--only-binary`/`--no-binary` handling: comma lists, `:all:` clears
/// both and covers everything, `:none:` clears the target, a name moves from
/// the other list to this one.
fn binary_format(value: &str, target: &mut Vec<String>, other: &mut Vec<String>) {
    let mut items: Vec<&str> = value.split(',').map(str::trim).collect();
    while let Some(position) = items.iter().position(|item| *item == ":all:") {
        other.clear();
        target.clear();
        target.push(":all:".to_string());
        items.drain(..=position);
        if !items.contains(&":none:") {
            return;
        }
    }
    for item in items.into_iter().filter(|item| !item.is_empty()) {
        if item == ":none:" {
            target.clear();
            continue;
        }
        let name = normalize_name(item);
        other.retain(|existing| *existing != name);
        if !target.contains(&name) {
            target.push(name);
        }
    }
}

/// PEP 503 normalization: lowercase, runs of `-`, `_`, `.` become `-`.
fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// A file's identity for cycle detection: canonical when it exists.
fn identity(path: &Path) -> PathBuf {
    fs_err::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn serialize_location<S: Serializer>(
    location: &Location,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(location)
}

fn serialize_display<S: Serializer, T: std::fmt::Display>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

fn serialize_markers<S: Serializer>(
    markers: &Option<pep508_rs::MarkerTree>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    markers
        .as_ref()
        .and_then(pep508_rs::MarkerTree::try_to_string)
        .serialize(serializer)
}

#[cfg(test)]
mod tests;
