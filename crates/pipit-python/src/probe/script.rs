//! Probing through a script such as a pyenv shim, without paying for the
//! whole probe each time.
//!
//! A script decides on every run which interpreter it starts (pyenv reads
//! `PYENV_VERSION`, `.python-version` files up from the current folder, its
//! global version file), so its answer is never cached under the script.
//! Instead the script is run with `-I -S` and a few lines that print which
//! interpreter answered (`sys.executable`) and what identifies it; those
//! take a few milliseconds where the whole probe (which imports `sysconfig`,
//! `platform` and `json`) takes tens. The facts then come from that
//! interpreter's own cache entry, probed directly once and checked as any
//! entry is (same file, same real interpreter).
//!
//! The entry is used only when it agrees with what the script's run said:
//! the same `sys.executable`, base prefix, version, implementation, glibc
//! and kernel (`os.uname()`), so a script that starts an interpreter this
//! process cannot see at that path (a container, another machine) is not
//! mistaken for the file that happens to be there. When anything does not
//! agree, or the script does not answer in this format, the whole probe
//! runs through the script, as before, and nothing is cached.
//!
//! The answer is one line of fields separated by NUL (no `json` import):
//!
//! ```text
//! pipit-locate-1 NUL executable NUL base_prefix NUL 3.11.7.final.0
//!   NUL implementation NUL glibc version or empty NUL machine NUL release
//!   NUL kernel version
//! ```

use std::path::Path;
use std::process::{Command, Stdio};

use super::{is_script, probe_file, CacheKey, ProbeFacts};

/// The first field of an answer in this format; bump with the fields.
const MARKER: &str = "pipit-locate-1";

/// Prints the fields above. `-S` leaves `sys.prefix` at the base prefix
/// even in a virtual environment (`site` moves it), so the base prefix is
/// what is compared; `sys.executable` already names the environment.
const LOCATE_SCRIPT: &str = r#"
import os, sys
try:
    glibc = os.confstr("CS_GNU_LIBC_VERSION").rsplit()[-1]
except Exception:
    glibc = ""
u = os.uname()
v = sys.version_info
sys.stdout.write("\0".join(["pipit-locate-1", sys.executable, getattr(sys, "base_prefix", sys.prefix), "%d.%d.%d.%s.%d" % tuple(v[:5]), sys.implementation.name, glibc, u.machine, u.release, u.version]))
"#;

/// What the script's interpreter said about itself.
#[derive(Debug, PartialEq, Eq)]
struct Located {
    executable: String,
    base_prefix: String,
    version_info: (u8, u8, u8, String, u32),
    implementation_name: String,
    glibc: Option<String>,
    machine: String,
    release: String,
    kernel_version: String,
}

impl Located {
    fn parse(stdout: &[u8]) -> Option<Self> {
        let text = std::str::from_utf8(stdout).ok()?;
        let fields: Vec<&str> = text.split('\0').collect();
        let [marker, executable, base_prefix, version, implementation_name, glibc, machine, release, kernel_version] =
            fields.as_slice()
        else {
            return None;
        };
        if *marker != MARKER {
            return None;
        }
        let mut parts = version.split('.');
        let version_info = (
            parts.next()?.parse().ok()?,
            parts.next()?.parse().ok()?,
            parts.next()?.parse().ok()?,
            parts.next()?.to_string(),
            parts.next()?.parse().ok()?,
        );
        if parts.next().is_some() {
            return None;
        }
        Some(Self {
            executable: (*executable).to_string(),
            base_prefix: (*base_prefix).to_string(),
            version_info,
            implementation_name: (*implementation_name).to_string(),
            glibc: Some((*glibc).to_string()).filter(|glibc| !glibc.is_empty()),
            machine: (*machine).to_string(),
            release: (*release).to_string(),
            kernel_version: (*kernel_version).to_string(),
        })
    }

    /// Whether `facts` describe the interpreter that answered.
    fn agrees_with(&self, facts: &ProbeFacts) -> bool {
        facts.executable == self.executable
            && facts.base_prefix == self.base_prefix
            && facts.version_info == self.version_info
            && facts.implementation_name == self.implementation_name
            && facts.glibc == self.glibc
            && facts.markers.platform_machine == self.machine
            && facts.markers.platform_release == self.release
            && facts.markers.platform_version == self.kernel_version
    }
}

/// The facts of the interpreter `script` starts now, from that
/// interpreter's cache entry (probed directly and kept when there is none);
/// `None` when that cannot be trusted, so the caller runs the whole probe
/// through the script.
pub(super) fn through_script(script: &Path, cache_dir: &Path) -> Option<ProbeFacts> {
    let output = Command::new(script)
        .args(["-I", "-S", "-c", LOCATE_SCRIPT])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let located = Located::parse(&output.stdout)?;
    let real = Path::new(&located.executable);
    // Another script would decide again; an unreadable file counts as one.
    if !real.is_absolute() || is_script(real) {
        return None;
    }
    let key = CacheKey::new(real).ok()?;
    // An entry that disagrees is probed again (the kernel was updated, say);
    // if the new answer still disagrees, the script starts something else.
    let facts = probe_file(key, real, Some(cache_dir), |facts| {
        located.agrees_with(facts)
    })
    .ok()?;
    located.agrees_with(&facts).then_some(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_answer_and_nothing_else() {
        let answer = [
            "pipit-locate-1",
            "/opt/py/bin/python3.11",
            "/opt/py",
            "3.11.7.final.0",
            "cpython",
            "2.36",
            "x86_64",
            "6.1.0",
            "#1 SMP",
        ]
        .join("\0");
        let located = Located::parse(answer.as_bytes()).unwrap();
        assert_eq!(located.executable, "/opt/py/bin/python3.11");
        assert_eq!(located.version_info, (3, 11, 7, "final".to_string(), 0));
        assert_eq!(located.glibc.as_deref(), Some("2.36"));
        assert_eq!(located.kernel_version, "#1 SMP");
        let musl = answer.replace("\u{0}2.36\u{0}", "\u{0}\u{0}");
        assert_eq!(Located::parse(musl.as_bytes()).unwrap().glibc, None);

        for other in [
            "{\"executable\": \"/opt/py/bin/python\"}",
            &answer.replace("pipit-locate-1", "pipit-locate-0"),
            &answer.replace("3.11.7.final.0", "3.11.7"),
            &format!("{answer}\0extra"),
        ] {
            assert_eq!(Located::parse(other.as_bytes()), None, "{other}");
        }
    }
}
