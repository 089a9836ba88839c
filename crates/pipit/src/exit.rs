//! Exit codes and the one error type the CLI renders.
//!
//! The codes are part of pipit's interface to hosts and never change meaning:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | resolution impossible |
//! | 2 | usage error: bad flags, unreadable or invalid requirements/scripts |
//! | 3 | network or index failure |
//! | 4 | install failure (nothing changed) |
//! | 5 | conflict with packages the host has loaded |

use serde::Serialize;

/// What kind of failure ended a command; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The requirements cannot be satisfied together (exit 1).
    Resolution,
    /// Bad flags or bad input files (exit 2).
    Usage,
    /// An index or download could not be reached or read (exit 3).
    Network,
    /// Installing failed and the target was left as it was (exit 4).
    Install,
    /// The request needs a different version of a loaded package (exit 5).
    Conflict,
}

impl ErrorKind {
    /// The documented process exit code for this kind.
    pub fn code(self) -> u8 {
        match self {
            ErrorKind::Resolution => 1,
            ErrorKind::Usage => 2,
            ErrorKind::Network => 3,
            ErrorKind::Install => 4,
            ErrorKind::Conflict => 5,
        }
    }
}

/// A failure as the user sees it: one line, then optional hints.
#[derive(Debug, Clone, Serialize)]
pub struct CliError {
    /// Decides the exit code.
    pub kind: ErrorKind,
    /// One line, lowercase, no trailing period, with the file:line or URL.
    pub message: String,
    /// Suggestions printed as `hint:` lines after a blank line.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
    /// The file and line the error is about, so a host need not parse `message`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<ErrorLocation>,
    /// Why a resolution is impossible: sentences, one per line, printed
    /// after the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Box<str>>,
    /// More top-level fields of the `--json` object beside `error` (e.g.
    /// `conflicts`, `env_path`), so a host reads them without parsing prose.
    #[serde(skip)]
    pub details: Option<Box<serde_json::Map<String, serde_json::Value>>>,
}

/// Where in the user's input an error is (`--json`'s `error.location`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorLocation {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line, when the error is tied to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl CliError {
    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            kind: ErrorKind::Usage,
            message: message.into(),
            hints: Vec::new(),
            location: None,
            explanation: None,
            details: None,
        }
    }

    /// The request needs another version of a loaded package (exit 5).
    pub fn conflict(message: impl Into<String>) -> Self {
        CliError {
            kind: ErrorKind::Conflict,
            ..CliError::usage(message)
        }
    }

    /// Adds a top-level field to the `--json` object.
    pub fn detail(mut self, key: &str, value: serde_json::Value) -> Self {
        self.details
            .get_or_insert_with(Default::default)
            .insert(key.to_string(), value);
        self
    }

    /// A resolution failure (exit 1).
    pub fn resolution(message: impl Into<String>) -> Self {
        CliError {
            kind: ErrorKind::Resolution,
            ..CliError::usage(message)
        }
    }

    /// A network or index failure (exit 3).
    pub fn network(message: impl Into<String>) -> Self {
        CliError {
            kind: ErrorKind::Network,
            ..CliError::usage(message)
        }
    }

    /// A local write failure: nothing the user asked for was changed (exit 4).
    pub fn install(message: impl Into<String>) -> Self {
        CliError {
            kind: ErrorKind::Install,
            ..CliError::usage(message)
        }
    }

    /// Adds a `hint:` line.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// Renders the error for a terminal: `error: …`, then hints.
    pub fn render_human(&self) -> String {
        let mut out = format!("error: {}\n", one_line(&self.message));
        if let Some(explanation) = &self.explanation {
            for line in explanation.lines() {
                out.push_str(&format!("  {line}\n"));
            }
        }
        if !self.hints.is_empty() {
            out.push('\n');
            for hint in &self.hints {
                out.push_str(&format!("hint: {}\n", one_line(hint)));
            }
        }
        out
    }

    /// Renders the error as the `--json` object: `{"error": {kind, message, hints}}`.
    pub fn render_json(&self) -> serde_json::Value {
        let mut object = self.details.as_deref().cloned().unwrap_or_default();
        object.insert(
            "error".to_string(),
            serde_json::to_value(self).unwrap_or_default(),
        );
        serde_json::Value::Object(object)
    }
}

impl From<pipit_envs::EnvError> for CliError {
    fn from(error: pipit_envs::EnvError) -> Self {
        use pipit_envs::EnvError;
        match &error {
            EnvError::InvalidName { .. } | EnvError::Loaded { .. } => {
                CliError::usage(error.to_string())
            }
            EnvError::NotFound { .. } => CliError::usage(error.to_string())
                .hint("`pipit env list` shows the environments of this root"),
            EnvError::Busy { .. } => CliError::install(error.to_string())
                .hint("wait for the install to finish, then try again"),
            _ => CliError::install(error.to_string()),
        }
    }
}

impl From<pipit_requirements::Error> for CliError {
    fn from(error: pipit_requirements::Error) -> Self {
        let location = match &error {
            pipit_requirements::Error::Io { path, .. } => Some(ErrorLocation {
                file: path.display().to_string(),
                line: None,
            }),
            _ => error.location().map(|location| ErrorLocation {
                file: location.file.display().to_string(),
                line: Some(location.line),
            }),
        };
        CliError {
            location,
            ..CliError::usage(error.to_string())
        }
    }
}

impl From<pipit_python::Error> for CliError {
    fn from(error: pipit_python::Error) -> Self {
        CliError::usage(error.to_string())
    }
}

impl From<pipit_index::ConfigError> for CliError {
    fn from(error: pipit_index::ConfigError) -> Self {
        CliError::usage(with_causes(&error))
    }
}

impl From<pipit_index::IndexError> for CliError {
    fn from(error: pipit_index::IndexError) -> Self {
        CliError::from(&error)
    }
}

impl From<&pipit_index::IndexError> for CliError {
    fn from(error: &pipit_index::IndexError) -> Self {
        use pipit_index::IndexError;
        let message = with_causes(error);
        match error {
            IndexError::NotFound { indexes, .. } => {
                let error = CliError::resolution(message);
                if indexes.is_empty() {
                    error
                } else {
                    error.hint(format!("looked in: {}", indexes.join(", ")))
                }
            }
            IndexError::Offline { .. } => CliError::network(message)
                .hint("run once without --offline to fill the cache, or add --find-links DIR"),
            IndexError::Write { .. } => CliError::install(message),
            IndexError::InvalidUrl { .. } | IndexError::Certificate { .. } => {
                CliError::usage(message)
            }
            IndexError::Tls { .. } => CliError::network(message).hint(
                "trust a CA bundle with --cert PATH (or PIP_CERT), or the host with --trusted-host",
            ),
            IndexError::Unauthorized { .. } => CliError::network(message).hint(
                "put credentials in the index URL (https://user:token@host/…) or in ~/.netrc",
            ),
            _ => CliError::network(message),
        }
    }
}

impl From<pipit_index::ListError> for CliError {
    fn from(error: pipit_index::ListError) -> Self {
        CliError::from(&error)
    }
}

impl From<&pipit_index::ListError> for CliError {
    fn from(error: &pipit_index::ListError) -> Self {
        if let pipit_index::ListError::Index(error) = error {
            return error.into();
        }
        let message = with_causes(error);
        if error.is_network() {
            CliError::network(message)
        } else {
            CliError::usage(message)
        }
    }
}

/// The error's message followed by each cause it does not already quote, so
/// "cannot read `x`" becomes "cannot read `x`: permission denied".
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// Folds a message onto one line: a host reads errors line by line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_ones() {
        let codes: Vec<u8> = [
            ErrorKind::Resolution,
            ErrorKind::Usage,
            ErrorKind::Network,
            ErrorKind::Install,
            ErrorKind::Conflict,
        ]
        .iter()
        .map(|kind| kind.code())
        .collect();
        assert_eq!(codes, vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn human_rendering_is_one_line_then_hints() {
        let error = CliError::usage("bad\n  thing").hint("do this");
        assert_eq!(error.render_human(), "error: bad thing\n\nhint: do this\n");
    }

    #[test]
    fn json_rendering_carries_the_location_of_a_parse_error() {
        let error = CliError::from(pipit_requirements::Error::Parse {
            location: pipit_requirements::Location {
                file: "req.txt".into(),
                line: 3,
            },
            text: "numpy==".to_string(),
            message: "invalid requirement".to_string(),
        });
        assert_eq!(
            error.render_json()["error"]["location"],
            serde_json::json!({"file": "req.txt", "line": 3})
        );
    }

    #[test]
    fn json_rendering_names_kind_and_message() {
        let error = CliError::usage("bad");
        assert_eq!(
            error.render_json(),
            serde_json::json!({"error": {"kind": "usage", "message": "bad"}})
        );
    }
}
