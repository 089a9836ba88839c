//! Console and GUI launchers from `entry_points.txt`, and the `#!python`
//! rewrite of `.data/scripts` files, byte for byte as pip 26 writes them on
//! POSIX.
//!
//! The interpreter named in shebangs is the layout's `python`. When it is
//! unknown (the target was described by flags, not probed), launchers start
//! with `#!/usr/bin/env python3`: they then run with whatever `python3` is
//! first on `PATH`, which is the best guess a folder installed for another
//! machine can make. Windows `.exe` launchers are out of scope: pipit writes
//! POSIX launchers only.

use crate::wheel::WheelError;

/// The interpreter named when the layout has none.
pub const ENV_PYTHON: &str = "/usr/bin/env python3";

/// Longest shebang line the Linux kernel reads whole (pip's limit, with
/// `#!` and the newline).
const MAX_SHEBANG: usize = 127;

/// One `[console_scripts]` or `[gui_scripts]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPoint {
    /// The launcher's file name.
    pub name: String,
    /// The module to import (`demo.cli`).
    pub module: String,
    /// The callable's dotted path inside the module (`main`, `obj.attr`).
    pub attr: String,
    /// Whether it comes from `[gui_scripts]` (the same launcher on POSIX).
    pub gui: bool,
}

/// Reads the console and GUI scripts of `entry_points.txt` (other groups are
/// ignored). `wheel` names the wheel in errors.
pub fn parse_entry_points(text: &str, wheel: &str) -> Result<Vec<EntryPoint>, WheelError> {
    let mut entries = Vec::new();
    let mut group: Option<&str> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            group = Some(name.trim());
            continue;
        }
        let gui = match group {
            Some("console_scripts") => false,
            Some("gui_scripts") => true,
            _ => continue,
        };
        let invalid = |reason: &str| WheelError::EntryPoint {
            wheel: wheel.to_string(),
            entry: line.to_string(),
            reason: reason.to_string(),
        };
        let (name, value) = line
            .split_once('=')
            .ok_or_else(|| invalid("expected `name = module:attr`"))?;
        let name = name.trim();
        // The name becomes a file name in the scripts folder.
        if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
            return Err(invalid("the name is not a file name"));
        }
        // Extras (`[extra]`) only decide whether the entry point applies;
        // pip writes the launcher regardless.
        let value = value.split('[').next().unwrap_or_default().trim();
        let (module, attr) = value
            .split_once(':')
            .ok_or_else(|| invalid("a callable suffix is required (`module:attr`)"))?;
        let (module, attr) = (module.trim(), attr.trim());
        if !is_dotted_identifier(module) || !is_dotted_identifier(attr) {
            return Err(invalid("`module:attr` must be dotted Python names"));
        }
        entries.push(EntryPoint {
            name: name.to_string(),
            module: module.to_string(),
            attr: attr.to_string(),
            gui,
        });
    }
    Ok(entries)
}

fn is_dotted_identifier(text: &str) -> bool {
    !text.is_empty()
        && text.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
                && chars.all(|c| c == '_' || c.is_alphanumeric())
        })
}

/// The shebang (with its line end) of a launcher for `python`, as distlib
/// builds it: `#!<python>` when short and without spaces, otherwise a
/// `/bin/sh` trampoline that re-executes the script with `python`.
pub fn shebang(python: &str) -> String {
    if python == ENV_PYTHON {
        return format!("#!{ENV_PYTHON}\n");
    }
    let quoted = if python.contains(' ') && !python.starts_with('"') {
        format!("\"{python}\"")
    } else {
        python.to_string()
    };
    if !quoted.contains(' ') && quoted.len() + 3 <= MAX_SHEBANG {
        format!("#!{quoted}\n")
    } else {
        format!("#!/bin/sh\n'''exec' {quoted} \"$0\" \"$@\"\n' '''\n")
    }
}

/// The launcher of `entry` for `python`.
pub fn launcher(entry: &EntryPoint, python: &str) -> String {
    let import_name = entry.attr.split('.').next().unwrap_or(&entry.attr);
    format!(
        "{shebang}import sys\nfrom {module} import {import_name}\nif __name__ == '__main__':\n    sys.argv[0] = sys.argv[0].removesuffix('.exe')\n    sys.exit({attr}())\n",
        shebang = shebang(python),
        module = entry.module,
        attr = entry.attr,
    )
}

/// A `.data/scripts` file with its `#!python` first line replaced, or
/// `None` when it does not start with `#!python`. As pip does: the whole
/// first line (`#!python`, `#!pythonw`, `#!python3 -u`) becomes
/// `#!<python>` and the rest of the file is kept.
pub fn rewrite_script(contents: &[u8], python: &str) -> Option<Vec<u8>> {
    if !contents.starts_with(b"#!python") {
        return None;
    }
    let rest = match contents.iter().position(|&b| b == b'\n') {
        Some(end) => &contents[end + 1..],
        None => &[][..],
    };
    let mut out = format!("#!{python}\n").into_bytes();
    out.extend_from_slice(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(value: &str) -> EntryPoint {
        let text = format!("[console_scripts]\ndemo = {value}\n");
        parse_entry_points(&text, "demo.whl").unwrap().remove(0)
    }

    #[test]
    fn launchers_match_pip_byte_for_byte() {
        assert_eq!(
            launcher(&entry("demo.cli:main"), "/tmp/piptest/v/bin/python"),
            "#!/tmp/piptest/v/bin/python\nimport sys\nfrom demo.cli import main\nif __name__ == '__main__':\n    sys.argv[0] = sys.argv[0].removesuffix('.exe')\n    sys.exit(main())\n"
        );
        assert_eq!(
            launcher(&entry("demo:obj.attr [extra]"), "/usr/bin/python3"),
            "#!/usr/bin/python3\nimport sys\nfrom demo import obj\nif __name__ == '__main__':\n    sys.argv[0] = sys.argv[0].removesuffix('.exe')\n    sys.exit(obj.attr())\n"
        );
    }

    #[test]
    fn long_or_spaced_interpreters_use_the_sh_trampoline() {
        assert_eq!(
            shebang("/opt/my env/bin/python"),
            "#!/bin/sh\n'''exec' \"/opt/my env/bin/python\" \"$0\" \"$@\"\n' '''\n"
        );
        let long = format!("/{}/python", "x".repeat(120));
        assert_eq!(
            shebang(&long),
            format!("#!/bin/sh\n'''exec' {long} \"$0\" \"$@\"\n' '''\n")
        );
        // 127 bytes with `#!` and the newline is still a plain shebang.
        let fits = format!("/{}", "y".repeat(123));
        assert_eq!(shebang(&fits), format!("#!{fits}\n"));
        assert_eq!(shebang(ENV_PYTHON), "#!/usr/bin/env python3\n");
    }

    #[test]
    fn parses_console_and_gui_groups_only() {
        let text = "[console_scripts]\n# comment\na = m:f\n\n[gui_scripts]\nb=m.n:g.h\n\n[other]\nc = x:y\n";
        let entries = parse_entry_points(text, "w.whl").unwrap();
        assert_eq!(entries.len(), 2);
        assert!(!entries[0].gui && entries[1].gui);
        assert_eq!(
            (entries[1].module.as_str(), entries[1].attr.as_str()),
            ("m.n", "g.h")
        );
    }

    #[test]
    fn refuses_hostile_or_incomplete_entry_points() {
        for line in ["../x = m:f", "a/b = m:f", "x = module", "x = m:f()"] {
            let text = format!("[console_scripts]\n{line}\n");
            let error = parse_entry_points(&text, "w-1.0-py3-none-any.whl")
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("w-1.0-py3-none-any.whl") && error.contains(line),
                "{error}"
            );
        }
    }

    #[test]
    fn rewrites_only_hashbang_python_first_lines() {
        let python = "/env/bin/python";
        assert_eq!(
            rewrite_script(b"#!python\nprint(1)\n", python).unwrap(),
            b"#!/env/bin/python\nprint(1)\n"
        );
        // pip replaces the whole first line, whatever follows `#!python`.
        assert_eq!(
            rewrite_script(b"#!pythonw -u\r\nx\n", python).unwrap(),
            b"#!/env/bin/python\nx\n"
        );
        assert_eq!(
            rewrite_script(b"#!python", python).unwrap(),
            b"#!/env/bin/python\n"
        );
        assert!(rewrite_script(b"#!/bin/sh\necho\n", python).is_none());
        assert!(rewrite_script(b" #!python\n", python).is_none());
    }
}
