//! Resolver scenarios: one small text file describes an index, the command
//! line, and what must come out. `fixtures/scenarios/README.md` documents
//! the format for people; this module parses it ([`Scenario::parse`]) and
//! sets a scenario up for a run ([`Scenario::prepare`]). Running the binary
//! and judging the outcome is the test runner's business
//! (`tests/cli/scenarios.rs`).
//!
//! ```text
//! description: PEP 592: a yanked release is skipped unless pinned with ==
//!
//! [index]
//! a 2.0 | yanked: broken build
//! a 1.0
//!
//! [run]
//! a
//!
//! [expect]
//! install: a==1.0
//! ```
//!
//! A prepared scenario lives in one folder:
//!
//! ```text
//! <work dir>/            the runner's working directory; `[file NAME]` sections land here
//!     local/             `[local]` artifacts ({local}, {local_url})
//! ```
//! and an [`IndexServer`] serving the `[index]` artifacts ({index}, {server}).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::{parse_description, IndexServer, SdistBuilder, WheelBuilder};

/// One scenario, as written (placeholders not yet substituted).
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file stem: `<NNN>-<slug>`.
    pub name: String,
    /// The one-line rule the scenario checks.
    pub description: String,
    /// What the in-process index serves.
    pub index: Vec<ServedArtifact>,
    /// Artifacts written into `{local}` (direct references, `--find-links`).
    pub local: Vec<Artifact>,
    /// `[file NAME]` sections: files written into the working directory.
    pub files: Vec<(String, String)>,
    /// The command-line arguments after the runner's fixed prefix.
    pub args: Vec<String>,
    pub expect: Expectation,
}

/// A distribution file.
#[derive(Debug, Clone)]
pub enum Artifact {
    Wheel(Box<WheelBuilder>),
    Sdist(SdistBuilder),
}

impl Artifact {
    /// The file name; `Err` for an invalid description.
    pub fn file_name(&self) -> Result<String, crate::Error> {
        match self {
            Artifact::Wheel(wheel) => wheel.file_name(),
            Artifact::Sdist(sdist) => sdist.file_name(),
        }
    }

    pub fn build_bytes(&self) -> Result<(String, Vec<u8>), crate::Error> {
        match self {
            Artifact::Wheel(wheel) => wheel.build_bytes(),
            Artifact::Sdist(sdist) => sdist.build_bytes(),
        }
    }
}

/// An artifact on the index, with what the index page says about it.
#[derive(Debug, Clone)]
pub struct ServedArtifact {
    pub artifact: Artifact,
    /// PEP 592: `Some(reason)` when yanked (the reason may be empty).
    pub yanked: Option<Option<String>>,
    /// The page's Requires-Python: `None` follows the metadata,
    /// `Some(None)` lists none, `Some(Some(spec))` lists `spec`.
    pub page_requires_python: Option<Option<String>>,
    /// PEP 700 upload time (RFC 3339).
    pub upload_time: Option<String>,
}

/// `name==version`, as the expectation spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub name: String,
    pub version: String,
}

impl std::fmt::Display for Pin {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}=={}", self.name, self.version)
    }
}

/// What a run must produce.
#[derive(Debug, Clone)]
pub struct Expectation {
    pub exit_code: i32,
    /// The exact set installed (`None` when the run fails).
    pub install: Option<Vec<Pin>>,
    /// File names that must be the chosen file of their project.
    pub files: Vec<String>,
    /// When given: exactly the projects whose report entry is direct.
    pub direct: Option<Vec<String>>,
    /// Phrases stderr must hold; each is a list of alternatives.
    pub stderr: Vec<Vec<String>>,
    /// Phrases stderr must not hold.
    pub stderr_not: Vec<String>,
    pub pip: PipExpectation,
}

/// What pip does with the same scenario, for the cross-check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipExpectation {
    /// pip gives the same exit code and set.
    Same,
    /// pip is not run: the reason (a pipit-only flag, a flag pip refuses
    /// together with `--platform`).
    Skip(String),
    /// A documented difference: pip gives this instead.
    Differs {
        exit_code: i32,
        install: Option<Vec<Pin>>,
    },
}

/// A parse or set-up error, naming the scenario and the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub scenario: String,
    /// 1-based; `None` when the error concerns the whole file.
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(
                formatter,
                "scenario `{}` line {line}: {}",
                self.scenario, self.message
            ),
            None => write!(formatter, "scenario `{}`: {}", self.scenario, self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Section {
    Header,
    Index,
    Local,
    Run,
    Expect,
    File(usize),
}

impl Scenario {
    /// Parses one scenario file's text; `name` is its file stem.
    pub fn parse(name: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let error = |line: Option<usize>, message: String| ScenarioError {
            scenario: name.to_string(),
            line,
            message,
        };
        let mut description = None;
        let mut index = Vec::new();
        let mut local = Vec::new();
        let mut files: Vec<(String, String)> = Vec::new();
        let mut args = Vec::new();
        let mut expect = ExpectationBuilder::default();
        let mut section = Section::Header;
        let mut seen_sections = Vec::new();

        for (number, raw) in text.lines().enumerate() {
            let number = number + 1;
            let line = raw.trim();
            if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = match header.trim() {
                    "index" => Section::Index,
                    "local" => Section::Local,
                    "run" => Section::Run,
                    "expect" => Section::Expect,
                    other => match other.strip_prefix("file ") {
                        Some(file) if !file.trim().is_empty() => {
                            files.push((file.trim().to_string(), String::new()));
                            Section::File(files.len() - 1)
                        }
                        _ => {
                            return Err(error(
                                Some(number),
                                format!("unknown section `[{other}]` (expected [index], [local], [run], [expect] or [file NAME])"),
                            ))
                        }
                    },
                };
                let key = header.trim().to_string();
                if seen_sections.contains(&key) {
                    return Err(error(
                        Some(number),
                        format!("section `[{key}]` appears twice"),
                    ));
                }
                seen_sections.push(key);
                continue;
            }
            if let Section::File(file) = section {
                // Verbatim, comments included: it is a requirements file.
                files[file].1.push_str(raw);
                files[file].1.push('\n');
                continue;
            }
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = |message: String| error(Some(number), message);
            match section {
                Section::Header => match line.split_once(':') {
                    Some(("description", value)) if !value.trim().is_empty() => {
                        if description.replace(value.trim().to_string()).is_some() {
                            return Err(at("`description` appears twice".to_string()));
                        }
                    }
                    _ => {
                        return Err(at(format!(
                            "expected `description: <the rule this scenario checks>` before the first section, found `{line}`"
                        )))
                    }
                },
                Section::Index => index.push(parse_served(line).map_err(at)?),
                Section::Local => {
                    let served = parse_served(line).map_err(at)?;
                    if served.yanked.is_some()
                        || served.page_requires_python.is_some()
                        || served.upload_time.is_some()
                    {
                        return Err(at(
                            "`[local]` files have no index page: `|` attributes belong in `[index]`"
                                .to_string(),
                        ));
                    }
                    local.push(served.artifact);
                }
                Section::Run => {
                    if line.starts_with('-') {
                        args.extend(line.split_whitespace().map(str::to_string));
                    } else {
                        args.push(line.to_string());
                    }
                }
                Section::Expect => expect.apply(line).map_err(at)?,
                Section::File(_) => unreachable!("handled above"),
            }
        }

        let description =
            description.ok_or_else(|| error(None, "no `description:` line".to_string()))?;
        let mut names = BTreeMap::new();
        for artifact in index
            .iter()
            .map(|served| &served.artifact)
            .chain(local.iter())
        {
            let file_name = artifact
                .file_name()
                .map_err(|source| error(None, source.to_string()))?;
            if names.insert(file_name.clone(), ()).is_some() {
                return Err(error(
                    None,
                    format!("two lines produce the file `{file_name}`"),
                ));
            }
        }
        if !seen_sections.iter().any(|section| section == "run") || args.is_empty() {
            return Err(error(None, "`[run]` names no argument".to_string()));
        }
        let expect = expect.finish().map_err(|message| error(None, message))?;
        Ok(Scenario {
            name: name.to_string(),
            description,
            index,
            local,
            files,
            args,
            expect,
        })
    }

    /// Every `*.txt` scenario of `dir`, sorted by file name.
    pub fn load_dir(dir: &Path) -> Result<Vec<Scenario>, ScenarioError> {
        let io_error = |message: String| ScenarioError {
            scenario: dir.display().to_string(),
            line: None,
            message,
        };
        let mut paths: Vec<PathBuf> = fs_err::read_dir(dir)
            .map_err(|source| io_error(source.to_string()))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|extension| extension == "txt"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|path| {
                let name = path
                    .file_stem()
                    .map(|stem| stem.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let text =
                    fs_err::read_to_string(path).map_err(|source| io_error(source.to_string()))?;
                Scenario::parse(&name, &text)
            })
            .collect()
    }

    /// Starts an index with the `[index]` artifacts, writes the `[local]`
    /// artifacts into `<work_dir>/local` and the `[file]` sections into
    /// `work_dir` (placeholders substituted).
    pub fn prepare(&self, work_dir: &Path) -> Result<PreparedScenario, ScenarioError> {
        let error = |message: String| ScenarioError {
            scenario: self.name.clone(),
            line: None,
            message,
        };
        let server = IndexServer::start();
        for served in &self.index {
            let (file_name, bytes) = served
                .artifact
                .build_bytes()
                .map_err(|source| error(source.to_string()))?;
            server.add_file(&file_name, bytes);
            if let Some(reason) = &served.yanked {
                server.set_yanked(&file_name, reason.as_deref());
            }
            match &served.page_requires_python {
                None => {}
                Some(None) => server.omit_requires_python(&file_name),
                Some(Some(spec)) => server.set_requires_python(&file_name, spec),
            }
            if let Some(time) = &served.upload_time {
                server.set_upload_time(&file_name, time);
            }
        }
        let local_dir = work_dir.join("local");
        fs_err::create_dir_all(&local_dir).map_err(|source| error(source.to_string()))?;
        let mut local_sha256 = BTreeMap::new();
        for artifact in &self.local {
            let (file_name, bytes) = artifact
                .build_bytes()
                .map_err(|source| error(source.to_string()))?;
            local_sha256.insert(file_name.clone(), sha256_hex(&bytes));
            fs_err::write(local_dir.join(&file_name), bytes)
                .map_err(|source| error(source.to_string()))?;
        }
        let prepared = PreparedScenario {
            server,
            work_dir: work_dir.to_path_buf(),
            local_dir,
            local_sha256,
        };
        for (file_name, contents) in &self.files {
            let contents = prepared.substitute(contents).map_err(&error)?;
            fs_err::write(work_dir.join(file_name), contents)
                .map_err(|source| error(source.to_string()))?;
        }
        Ok(prepared)
    }
}

/// A scenario set up for one run.
#[derive(Debug)]
pub struct PreparedScenario {
    pub server: IndexServer,
    /// Where the run starts; relative paths in `[run]` are relative to it.
    pub work_dir: PathBuf,
    /// `{local}`.
    pub local_dir: PathBuf,
    local_sha256: BTreeMap<String, String>,
}

impl PreparedScenario {
    /// Replaces `{index}`, `{server}`, `{local}`, `{local_url}` and
    /// `{sha256:FILE}` (a served or local file); `Err` names an unknown one.
    pub fn substitute(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("unclosed `{{` in `{text}`"))?;
            let placeholder = &after[..end];
            let value = match placeholder {
                "index" => self.server.url(),
                "server" => self.server.base_url(),
                "local" => self.local_dir.display().to_string(),
                "local_url" => format!("file://{}", self.local_dir.display()),
                other => match other.strip_prefix("sha256:") {
                    Some(file) => self
                        .server
                        .file_sha256(file)
                        .or_else(|| self.local_sha256.get(file).cloned())
                        .ok_or_else(|| format!("`{{sha256:{file}}}`: no such file"))?,
                    None => return Err(format!("unknown placeholder `{{{other}}}`")),
                },
            };
            out.push_str(&value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The scenario's `[run]` arguments, substituted.
    pub fn args(&self, scenario: &Scenario) -> Result<Vec<String>, String> {
        scenario
            .args
            .iter()
            .map(|argument| self.substitute(argument))
            .collect()
    }
}

/// `<description line> (| attribute)*` or `sdist <name> <version> (| attribute)*`.
fn parse_served(line: &str) -> Result<ServedArtifact, String> {
    let mut pieces = line.split('|');
    let head = pieces.next().unwrap_or_default().trim();
    let artifact = match head.strip_prefix("sdist ") {
        Some(rest) => {
            let words: Vec<&str> = rest.split_whitespace().collect();
            let [name, version] = words[..] else {
                return Err(format!("expected `sdist <name> <version>`, found `{head}`"));
            };
            Artifact::Sdist(SdistBuilder::new(name, version))
        }
        None => {
            let mut wheels = parse_description(head).map_err(|error| match error {
                crate::Error::Description { message, .. } => message,
                other => other.to_string(),
            })?;
            match wheels.pop() {
                Some(wheel) if wheels.is_empty() => Artifact::Wheel(Box::new(wheel)),
                _ => return Err(format!("expected one wheel, found `{head}`")),
            }
        }
    };
    let mut served = ServedArtifact {
        artifact,
        yanked: None,
        page_requires_python: None,
        upload_time: None,
    };
    for attribute in pieces {
        let attribute = attribute.trim();
        let (key, value) = match attribute.split_once(':') {
            Some((key, value)) => (key.trim(), Some(value.trim())),
            None => (attribute, None),
        };
        match (key, value) {
            ("yanked", reason) => {
                served.yanked = Some(reason.filter(|reason| !reason.is_empty()).map(str::to_string))
            }
            ("page-requires-python", Some("none")) => served.page_requires_python = Some(None),
            ("page-requires-python", Some(spec)) if !spec.is_empty() => {
                served.page_requires_python = Some(Some(spec.to_string()))
            }
            ("uploaded", Some(time)) if !time.is_empty() => {
                served.upload_time = Some(time.to_string())
            }
            _ => {
                return Err(format!(
                    "unknown file attribute `{attribute}` (expected `yanked[: reason]`, `page-requires-python: <spec>|none`, `uploaded: <RFC 3339 time>`)"
                ))
            }
        }
    }
    Ok(served)
}

#[derive(Debug, Default)]
struct ExpectationBuilder {
    exit_code: Option<i32>,
    install: Option<Vec<Pin>>,
    files: Vec<String>,
    direct: Option<Vec<String>>,
    stderr: Vec<Vec<String>>,
    stderr_not: Vec<String>,
    pip_skip: Option<String>,
    pip_exit_code: Option<i32>,
    pip_install: Option<Vec<Pin>>,
}

impl ExpectationBuilder {
    fn apply(&mut self, line: &str) -> Result<(), String> {
        let (key, value) = line
            .split_once(':')
            .map(|(key, value)| (key.trim(), value.trim()))
            .ok_or_else(|| format!("expected `key: value` in [expect], found `{line}`"))?;
        match key {
            "exit" => self.exit_code = Some(parse_exit(value)?),
            "install" => extend_pins(&mut self.install, value)?,
            "file" => self.files.push(non_empty(key, value)?),
            "direct" => self
                .direct
                .get_or_insert_with(Vec::new)
                .extend(value.split_whitespace().map(str::to_string)),
            "stderr" => {
                non_empty(key, value)?;
                self.stderr.push(
                    value
                        .split('|')
                        .map(|phrase| phrase.trim().to_string())
                        .filter(|phrase| !phrase.is_empty())
                        .collect(),
                )
            }
            "stderr-not" => self.stderr_not.push(non_empty(key, value)?),
            "pip" => match value.strip_prefix("skip") {
                Some(reason) if !reason.trim().is_empty() => {
                    self.pip_skip = Some(reason.trim().trim_start_matches("--").trim().to_string())
                }
                _ => return Err("expected `pip: skip -- <reason>`".to_string()),
            },
            "pip-exit" => self.pip_exit_code = Some(parse_exit(value)?),
            "pip-install" => extend_pins(&mut self.pip_install, value)?,
            other => {
                return Err(format!(
                    "unknown key `{other}` in [expect] (expected exit, install, file, direct, stderr, stderr-not, pip, pip-exit, pip-install)"
                ))
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<Expectation, String> {
        let exit_code = self.exit_code.unwrap_or(0);
        match (exit_code, &self.install) {
            (0, None) => return Err("[expect] needs `install:` (or `exit:` other than 0)".into()),
            (code, Some(_)) if code != 0 => {
                return Err(format!(
                    "`install:` with `exit: {code}`: a failed run installs nothing"
                ))
            }
            _ => {}
        }
        let pip = match (self.pip_skip, self.pip_exit_code, self.pip_install) {
            (None, None, None) => PipExpectation::Same,
            (Some(reason), None, None) => PipExpectation::Skip(reason),
            (None, exit, install) => {
                let exit_code = exit.unwrap_or(0);
                if (exit_code == 0) != install.is_some() {
                    return Err("`pip-install:` goes with pip exit 0, `pip-exit:` otherwise".into());
                }
                PipExpectation::Differs { exit_code, install }
            }
            (Some(_), _, _) => {
                return Err("`pip: skip` and `pip-exit`/`pip-install` exclude each other".into())
            }
        };
        Ok(Expectation {
            exit_code,
            install: self.install,
            files: self.files,
            direct: self.direct,
            stderr: self.stderr,
            stderr_not: self.stderr_not,
            pip,
        })
    }
}

fn parse_exit(value: &str) -> Result<i32, String> {
    value
        .parse()
        .map_err(|_| format!("`exit` is a number, not `{value}`"))
}

fn non_empty(key: &str, value: &str) -> Result<String, String> {
    if value.is_empty() {
        Err(format!("`{key}:` needs a value"))
    } else {
        Ok(value.to_string())
    }
}

/// `install: a==1.0 b==2.0` (several lines add up); `install: nothing`.
fn extend_pins(pins: &mut Option<Vec<Pin>>, value: &str) -> Result<(), String> {
    let pins = pins.get_or_insert_with(Vec::new);
    if value == "nothing" {
        return Ok(());
    }
    for item in value.split_whitespace() {
        let (name, version) = item
            .split_once("==")
            .filter(|(name, version)| !name.is_empty() && !version.is_empty())
            .ok_or_else(|| format!("expected `name==version`, found `{item}`"))?;
        pins.push(Pin {
            name: name.to_string(),
            version: version.to_string(),
        });
    }
    Ok(())
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"description: everything the format knows
# a comment

[index]
a 2.0: b>=1; requires-python: >=3.12 | yanked: broken build | uploaded: 2024-02-01T00:00:00Z
a 1.0: b; python_version < "3.12" | page-requires-python: none
b 1.0; tag: cp311-cp311-manylinux_2_17_x86_64 | page-requires-python: >=3.8 | yanked
sdist c 3.0 | uploaded: 2024-01-01T00:00:00Z

[local]
d 1.0

[file reqs.txt]
# kept verbatim
a==1.0 --hash=sha256:{sha256:a-1.0-py3-none-any.whl}

[run]
--pre --exclude-newer 2024-01-15T00:00:00Z
-r reqs.txt
b; python_version >= "3.8"
{local}/d-1.0-py3-none-any.whl

[expect]
install: a==1.0
install: b==1.0 d==1.0
file: b-1.0-cp311-cp311-manylinux_2_17_x86_64.whl
direct: d
stderr: yanked | Yanked
stderr: b==1.0
stderr-not: error
pip-install: a==1.0 b==1.0
"#;

    #[test]
    fn parses_every_section_and_attribute() {
        let scenario = Scenario::parse("001-full", FULL).unwrap();
        assert_eq!(scenario.description, "everything the format knows");
        assert_eq!(scenario.index.len(), 4);
        let first = &scenario.index[0];
        assert_eq!(first.yanked, Some(Some("broken build".to_string())));
        assert_eq!(first.upload_time.as_deref(), Some("2024-02-01T00:00:00Z"));
        assert_eq!(scenario.index[1].page_requires_python, Some(None));
        assert_eq!(
            scenario.index[2].page_requires_python,
            Some(Some(">=3.8".to_string()))
        );
        assert_eq!(scenario.index[2].yanked, Some(None));
        assert_eq!(
            scenario.index[2].artifact.file_name().unwrap(),
            "b-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"
        );
        assert_eq!(
            scenario.index[3].artifact.file_name().unwrap(),
            "c-3.0.tar.gz"
        );
        assert_eq!(scenario.local.len(), 1);
        assert_eq!(scenario.files.len(), 1);
        assert_eq!(
            scenario.files[0].1,
            "# kept verbatim\na==1.0 --hash=sha256:{sha256:a-1.0-py3-none-any.whl}\n\n"
        );
        assert_eq!(
            scenario.args,
            [
                "--pre",
                "--exclude-newer",
                "2024-01-15T00:00:00Z",
                "-r",
                "reqs.txt",
                "b; python_version >= \"3.8\"",
                "{local}/d-1.0-py3-none-any.whl"
            ]
        );
        let expect = &scenario.expect;
        assert_eq!(expect.exit_code, 0);
        let install: Vec<String> = expect
            .install
            .as_ref()
            .unwrap()
            .iter()
            .map(Pin::to_string)
            .collect();
        assert_eq!(install, ["a==1.0", "b==1.0", "d==1.0"]);
        assert_eq!(expect.direct.as_deref(), Some(&["d".to_string()][..]));
        assert_eq!(expect.stderr, [vec!["yanked", "Yanked"], vec!["b==1.0"]]);
        assert_eq!(expect.stderr_not, ["error"]);
        assert!(matches!(
            &expect.pip,
            PipExpectation::Differs { exit_code: 0, install: Some(pins) } if pins.len() == 2
        ));

        // The wheel description keeps the marker of `a 1.0` whole.
        let Artifact::Wheel(wheel) = &scenario.index[1].artifact else {
            panic!("a wheel");
        };
        let (_, bytes) = wheel.build_bytes().unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut metadata = String::new();
        std::io::Read::read_to_string(
            &mut archive.by_name("a-1.0.dist-info/METADATA").unwrap(),
            &mut metadata,
        )
        .unwrap();
        assert!(metadata.contains("Requires-Dist: b; python_version < \"3.12\"\n"));
    }

    #[test]
    fn prepare_serves_the_index_and_substitutes_placeholders() {
        let dir = tempfile::tempdir().unwrap();
        let scenario = Scenario::parse("001-full", FULL).unwrap();
        let prepared = scenario.prepare(dir.path()).unwrap();
        assert_eq!(
            prepared.server.file_names(),
            [
                "a-1.0-py3-none-any.whl",
                "a-2.0-py3-none-any.whl",
                "b-1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
                "c-3.0.tar.gz"
            ]
        );
        assert!(prepared.local_dir.join("d-1.0-py3-none-any.whl").is_file());
        let sha256 = prepared
            .server
            .file_sha256("a-1.0-py3-none-any.whl")
            .unwrap();
        let written = fs_err::read_to_string(dir.path().join("reqs.txt")).unwrap();
        assert!(
            written.contains(&format!("a==1.0 --hash=sha256:{sha256}\n")),
            "{written}"
        );
        let args = prepared.args(&scenario).unwrap();
        assert_eq!(
            args[6],
            format!("{}/d-1.0-py3-none-any.whl", prepared.local_dir.display())
        );
        assert_eq!(
            prepared.substitute("{index} {server} {local_url}").unwrap(),
            format!(
                "{} {} file://{}",
                prepared.server.url(),
                prepared.server.base_url(),
                prepared.local_dir.display()
            )
        );
        let local = prepared
            .substitute("{sha256:d-1.0-py3-none-any.whl}")
            .unwrap();
        assert_eq!(local.len(), 64);
        assert!(prepared
            .substitute("{nope}")
            .unwrap_err()
            .contains("unknown placeholder `{nope}`"));
        assert!(prepared
            .substitute("{sha256:x.whl}")
            .unwrap_err()
            .contains("no such file"));
    }

    #[test]
    fn errors_name_the_scenario_and_line() {
        let cases = [
            (
                "[run]\na\n[expect]\ninstall: a==1\n",
                None,
                "no `description:` line",
            ),
            (
                "description: x\n[index]\na\n",
                Some(3),
                "expected `<name> <version>`",
            ),
            (
                "description: x\n[index]\na 1 | shiny\n",
                Some(3),
                "unknown file attribute `shiny`",
            ),
            (
                "description: x\n[local]\na 1 | yanked\n",
                Some(3),
                "belong in `[index]`",
            ),
            (
                "description: x\n[indexes]\n",
                Some(2),
                "unknown section `[indexes]`",
            ),
            (
                "description: x\n[run]\na\n[run]\n",
                Some(4),
                "appears twice",
            ),
            (
                "description: x\n[run]\na\n[expect]\ninstall: a\n",
                Some(5),
                "expected `name==version`",
            ),
            (
                "description: x\n[run]\na\n[expect]\nexit: 1\ninstall: a==1\n",
                None,
                "a failed run installs nothing",
            ),
            (
                "description: x\n[run]\na\n[expect]\nexit: 0\n",
                None,
                "needs `install:`",
            ),
            (
                "description: x\n[run]\na\n[expect]\nsize: 3\n",
                Some(5),
                "unknown key `size`",
            ),
            (
                "description: x\n[run]\na\n[expect]\ninstall: a==1\npip: skip\n",
                Some(6),
                "pip: skip -- <reason>",
            ),
            (
                "description: x\n[index]\na 1\na 1\n[run]\na\n[expect]\ninstall: a==1\n",
                None,
                "two lines produce the file `a-1-py3-none-any.whl`",
            ),
            (
                "description: x\n[expect]\ninstall: a==1\n",
                None,
                "`[run]` names no argument",
            ),
            ("a 1\n", Some(1), "expected `description:"),
        ];
        for (text, line, message) in cases {
            let error = Scenario::parse("007-case", text).unwrap_err();
            assert_eq!(error.line, line, "{text:?}: {error}");
            assert!(error.message.contains(message), "{text:?}: {error}");
            assert!(error.to_string().starts_with("scenario `007-case`"));
        }
    }

    #[test]
    fn pip_expectations() {
        let base = "description: x\n[run]\na\n[expect]\ninstall: a==1\n";
        let skip = Scenario::parse("s", &format!("{base}pip: skip -- no such pip flag\n")).unwrap();
        assert_eq!(
            skip.expect.pip,
            PipExpectation::Skip("no such pip flag".into())
        );
        let differs = Scenario::parse("s", &format!("{base}pip-exit: 1\n")).unwrap();
        assert_eq!(
            differs.expect.pip,
            PipExpectation::Differs {
                exit_code: 1,
                install: None
            }
        );
        let nothing = Scenario::parse(
            "s",
            "description: x\n[run]\na\n[expect]\ninstall: nothing\n",
        )
        .unwrap();
        assert_eq!(nothing.expect.install, Some(Vec::new()));
        assert_eq!(nothing.expect.pip, PipExpectation::Same);
    }
}
