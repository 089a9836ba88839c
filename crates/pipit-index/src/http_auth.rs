//! Credentials for index requests: URL userinfo and netrc files.
//!
//! pip's order, which we keep: credentials written in the URL itself win;
//! then credentials of a configured index on the same origin (scheme, host
//! and port), so that file URLs found on a page are fetched with the index's
//! credentials; then the netrc entry for the host, then netrc's `default`.
//! Credentials are sent as HTTP Basic auth and never written to the cache or
//! printed.

use crate::simple::decode;
use std::path::{Path, PathBuf};

use url::Url;

/// A user name and an optional password, percent-decoded.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Credentials {
    pub(crate) username: String,
    pub(crate) password: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(****)")
    }
}

impl Credentials {
    /// The userinfo of `url`, if any.
    pub(crate) fn from_url(url: &Url) -> Option<Self> {
        if url.username().is_empty() && url.password().is_none() {
            return None;
        }
        Some(Self {
            username: decode(url.username()),
            password: url.password().map(decode),
        })
    }
}

/// Where to read the netrc file from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum NetrcSource {
    /// The `NETRC` variable if set, else `~/.netrc` (what pip's requests does).
    #[default]
    Discover,
    /// This file (tests, or a host that manages its own).
    Path(PathBuf),
    /// Read no netrc file.
    Disabled,
}

impl NetrcSource {
    pub(crate) fn path(&self) -> Option<PathBuf> {
        match self {
            NetrcSource::Discover => match std::env::var_os("NETRC") {
                Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
                _ => dirs_home().map(|home| home.join(".netrc")),
            },
            NetrcSource::Path(path) => Some(path.clone()),
            NetrcSource::Disabled => None,
        }
    }
}

fn dirs_home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
}

/// The entries of a netrc file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Netrc {
    machines: Vec<(String, Credentials)>,
    default: Option<Credentials>,
}

impl Netrc {
    /// Read and parse `path`; a missing or unreadable file is an empty netrc,
    /// as it is for requests.
    pub(crate) fn load(path: &Path) -> Self {
        match fs_err::read_to_string(path) {
            Ok(text) => Self::parse(&text),
            Err(_) => Self::default(),
        }
    }

    /// Tokens separated by whitespace: `machine NAME`, `default`, `login`,
    /// `password`, `account`, and `macdef NAME` whose body runs to the next
    /// empty line. `#` starts a comment at the start of a token.
    pub(crate) fn parse(text: &str) -> Self {
        let mut netrc = Netrc::default();
        // The entry being read: its machine (None for `default`) and fields.
        let mut current: Option<(Option<String>, Option<String>, Option<String>)> = None;
        let finish = |entry: Option<(Option<String>, Option<String>, Option<String>)>,
                      netrc: &mut Netrc| {
            if let Some((machine, login, password)) = entry {
                let credentials = Credentials {
                    username: login.unwrap_or_default(),
                    password,
                };
                match machine {
                    Some(machine) => netrc.machines.push((machine, credentials)),
                    None => netrc.default = Some(credentials),
                }
            }
        };

        let mut lines = text.lines();
        let mut pending: Vec<String> = Vec::new();
        loop {
            let token = match pending.pop() {
                Some(token) => token,
                None => {
                    let Some(line) = lines.next() else { break };
                    let mut tokens: Vec<String> = Vec::new();
                    for token in line.split_whitespace() {
                        if token.starts_with('#') {
                            break;
                        }
                        tokens.push(token.to_string());
                    }
                    tokens.reverse();
                    pending = tokens;
                    continue;
                }
            };
            let mut next_value = |pending: &mut Vec<String>| -> Option<String> {
                if let Some(value) = pending.pop() {
                    return Some(value);
                }
                for line in lines.by_ref() {
                    let mut tokens: Vec<String> =
                        line.split_whitespace().map(str::to_string).collect();
                    if tokens.is_empty() {
                        continue;
                    }
                    tokens.reverse();
                    let value = tokens.pop();
                    *pending = tokens;
                    return value;
                }
                None
            };
            match token.as_str() {
                "machine" => {
                    finish(current.take(), &mut netrc);
                    let machine = next_value(&mut pending);
                    current = Some((Some(machine.unwrap_or_default()), None, None));
                }
                "default" => {
                    finish(current.take(), &mut netrc);
                    current = Some((None, None, None));
                }
                "login" => {
                    let value = next_value(&mut pending);
                    if let Some(entry) = current.as_mut() {
                        entry.1 = value;
                    }
                }
                "password" => {
                    let value = next_value(&mut pending);
                    if let Some(entry) = current.as_mut() {
                        entry.2 = value;
                    }
                }
                "account" => {
                    next_value(&mut pending);
                }
                "macdef" => {
                    // A macro body ends at the first empty line.
                    pending.clear();
                    for line in lines.by_ref() {
                        if line.trim().is_empty() {
                            break;
                        }
                    }
                }
                _ => {}
            }
        }
        finish(current.take(), &mut netrc);
        netrc
    }

    /// The credentials for `host`: its `machine` entry, else `default`.
    pub(crate) fn lookup(&self, host: &str) -> Option<&Credentials> {
        self.machines
            .iter()
            .find(|(machine, _)| machine.eq_ignore_ascii_case(host))
            .map(|(_, credentials)| credentials)
            .or(self.default.as_ref())
    }
}

/// `url` without its userinfo (credentials travel in a header instead).
pub(crate) fn strip_credentials(url: &Url) -> Url {
    let mut stripped = url.clone();
    // Only fails for URLs that cannot carry credentials, which have none.
    let _ = stripped.set_username("");
    let _ = stripped.set_password(None);
    stripped
}

/// Whether two URLs share scheme, host and port.
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netrc_machines_default_and_comments() {
        let netrc = Netrc::parse(
            "# a comment\nmachine index.example login alice password s3cret\n\
             machine other.example\n  login bob\n  password hunter2\n\
             macdef init\ncd /\n\ndefault login anon password none\n",
        );
        let alice = netrc.lookup("index.example").map(|c| c.username.clone());
        assert_eq!(alice.as_deref(), Some("alice"));
        let bob = netrc.lookup("OTHER.example");
        assert_eq!(
            bob.and_then(|c| c.password.clone()).as_deref(),
            Some("hunter2")
        );
        let anon = netrc.lookup("elsewhere.example");
        assert_eq!(anon.map(|c| c.username.as_str()), Some("anon"));
    }

    #[test]
    fn netrc_without_default_has_no_fallback() {
        let netrc = Netrc::parse("machine a.example login u password p");
        assert!(netrc.lookup("b.example").is_none());
    }

    #[test]
    fn userinfo_is_percent_decoded() {
        let url = Url::parse("https://us%40er:p%3Ass@index.example/simple/").unwrap();
        let credentials = Credentials::from_url(&url).unwrap();
        assert_eq!(credentials.username, "us@er");
        assert_eq!(credentials.password.as_deref(), Some("p:ss"));
        assert_eq!(
            strip_credentials(&url).as_str(),
            "https://index.example/simple/"
        );
    }
}
