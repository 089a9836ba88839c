//! pipit-bench: the inputs of pipit's microbenchmarks (`cargo bench -p
//! pipit-bench`, see `benches/MICRO.md` at the top of the repository).
//!
//! **Owns**: the fixtures the bench targets in `benches/` share, all built
//! in memory or in temporary folders: requirement lines and files, a
//! METADATA with a realistic body, many versions, a large wheel, and the
//! recorded `jupyterlab` closure (`data/jupyterlab-closure.txt`), which
//! [`closure_wheels`] turns into an index snapshot for `pipit-testkit`'s
//! in-process index; plus [`record_closure`], which recorded it (the
//! `record-closure` binary).
//!
//! **Never**: a dependency of anything, or run by the tests; it needs no
//! network (the index is on 127.0.0.1). Timings are printed by criterion,
//! never asserted. The crates it measures are `pipit-requirements`,
//! `pipit-index`, `pipit-resolver` and `pipit-install`.

use std::path::Path;
use std::str::FromStr;

use pep440_rs::Version;
use pipit_install::{installed_dists, InstallLayout, InstalledError};
use pipit_python::{Interpreter, TargetFlags};
use pipit_testkit::{parse_description, WheelBuilder};

/// The distributions a `pipit install --target DIR jupyterlab` put in DIR
/// for CPython 3.11 on x86_64 Linux, one line each in the test kit's wheel
/// description format: name, version, `Requires-Dist`, `Provides-Extra`
/// and `Requires-Python`, as their METADATA says.
pub const JUPYTERLAB_CLOSURE: &str = include_str!("../data/jupyterlab-closure.txt");

/// What the closure is the closure of.
pub const CLOSURE_ROOT: &str = "jupyterlab";

/// The recorded closure as an index snapshot: every recorded release, up
/// to `older` releases below it with the same requirements (the resolver
/// reads them on the page and passes over them), and one release above it
/// that needs a Python that does not exist (left out from the page's
/// `data-requires-python`, as real pages often make a resolver do).
pub fn closure_wheels(older: usize) -> Vec<WheelBuilder> {
    let mut description = String::new();
    for line in JUPYTERLAB_CLOSURE.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // `name version[: requirements][; key: value]...`
        let (name, rest) = line.split_once(' ').expect("a name and a version");
        let end = rest.find([':', ';']).unwrap_or(rest.len());
        let (version_text, tail) = rest.split_at(end);
        let version = Version::from_str(version_text.trim()).expect("a recorded version");
        for patch in 1..=older as u64 {
            let candidate = Version::new([0, 0, patch]);
            if candidate < version {
                description.push_str(&format!("{name} {candidate}{tail}\n"));
            }
        }
        // No Python satisfies it: `requires-python` comes last on the line.
        let major = version.release().first().copied().unwrap_or(0);
        let newer = match tail.find("; requires-python:") {
            Some(at) => &tail[..at],
            None => tail,
        };
        description.push_str(&format!(
            "{name} {}.0{newer}; requires-python: >=3.99\n",
            major + 1
        ));
        description.push_str(line);
        description.push('\n');
    }
    parse_description(&description).expect("the recorded closure parses")
}

fn describe_metadata(metadata: &pipit_index::DistMetadata) -> String {
    let mut line = format!("{} {}", metadata.name, metadata.version);
    if !metadata.requires_dist.is_empty() {
        let requirements: Vec<String> = metadata
            .requires_dist
            .iter()
            .map(ToString::to_string)
            .collect();
        line.push_str(": ");
        line.push_str(&requirements.join(", "));
    }
    if !metadata.provides_extra.is_empty() {
        line.push_str("; extras: ");
        line.push_str(&metadata.provides_extra.join(", "));
    }
    if let Some(requires_python) = &metadata.requires_python {
        line.push_str(&format!("; requires-python: {requires_python}"));
    }
    line
}

/// The description of every distribution installed in the `--target`
/// folder `dir`, sorted by name: how `data/jupyterlab-closure.txt` was made.
pub fn record_closure(dir: &Path) -> Result<String, InstalledError> {
    let layout = InstallLayout {
        root: dir.to_path_buf(),
        purelib: dir.to_path_buf(),
        platlib: dir.to_path_buf(),
        scripts: dir.join("bin"),
        data: dir.to_path_buf(),
        headers: dir.join("include").join("python"),
        python: None,
        target_mode: true,
    };
    let mut out = String::new();
    for dist in installed_dists(&layout)? {
        out.push_str(&describe_metadata(&dist.metadata()?));
        out.push('\n');
    }
    Ok(out)
}

/// The target the resolver benchmarks resolve for: CPython 3.11.7 on this
/// machine's platform, from flags (no interpreter is run).
pub fn target_interpreter() -> Interpreter {
    let flags = TargetFlags {
        python_version: Some("3.11.7".to_string()),
        ..TargetFlags::default()
    };
    Interpreter::from_flags(&flags, None).expect("a target from --python-version 3.11.7")
}

/// Requirement lines of every shape pip users write: bare names, version
/// ranges, extras, markers, URLs and wheel paths.
pub const REQUIREMENT_LINES: &[&str] = &[
    "requests",
    "Django>=4.2,<5.0",
    "numpy==1.26.4",
    "pandas[performance,excel]~=2.2.0",
    "uvicorn[standard]>=0.29; python_version >= \"3.8\"",
    "typing-extensions>=4.1.0; python_version < \"3.11\"",
    "pywin32>=306; sys_platform == \"win32\" and platform_python_implementation == \"CPython\"",
    "importlib-metadata>=4.6; python_version < \"3.10\" or (implementation_name == 'pypy' and python_full_version < '3.10.1')",
    "black @ https://files.example.org/black-24.3.0-py3-none-any.whl",
    "./wheels/demo_app-1.0.0-py3-none-any.whl",
    "tomli>=1.1.0 ; python_version<'3.11'",
    "SQLAlchemy[asyncio,postgresql-asyncpg]!=2.0.0,!=2.0.1,>=1.4.49",
    "cryptography (>=41.0.5, <43)",
    "pydantic-core==2.16.3",
    "zope.interface>=6",
];

/// A requirements file of `lines` requirement lines (with hashes on some,
/// comments and a continuation), as `pip freeze` and `pip-compile` write them.
pub fn requirements_file(lines: usize) -> String {
    let mut text =
        String::from("# generated for the benchmark\n--index-url https://index.example/simple/\n");
    for index in 0..lines {
        let line = REQUIREMENT_LINES[index % REQUIREMENT_LINES.len()];
        if line.contains(" @ ") || line.starts_with("./") {
            continue;
        }
        if index % 3 == 0 {
            let digest = format!("{index:064x}");
            text.push_str(&format!("{line} \\\n    --hash=sha256:{digest}\n"));
        } else {
            text.push_str(&format!("{line}  # via pkg-{index}\n"));
        }
    }
    text
}

/// A METADATA as a popular project's wheel has it: Metadata-Version 2.3,
/// 40 classifiers, 30 `Requires-Dist` with extras and markers, project URLs
/// and a 20 KB Markdown description.
pub fn sample_metadata() -> Vec<u8> {
    let mut text = String::from(
        "Metadata-Version: 2.3\nName: sample-project\nVersion: 3.14.1\nSummary: A project with everything in its METADATA\n\
         Author-email: Someone <someone@example.org>\nLicense: MIT\nRequires-Python: >=3.8\n",
    );
    for index in 0..40 {
        text.push_str(&format!(
            "Classifier: Topic :: Software Development :: Part {index}\n"
        ));
    }
    for index in 0..10 {
        text.push_str(&format!(
            "Project-URL: Link {index}, https://example.org/{index}\n"
        ));
    }
    for extra in ["socks", "http2", "test", "docs"] {
        text.push_str(&format!("Provides-Extra: {extra}\n"));
    }
    for index in 0..30 {
        let requirement = match index % 5 {
            0 => format!("dependency-{index}>=1.{index}"),
            1 => format!("dependency-{index}[fast]>=2,<4; python_version < \"3.12\""),
            2 => format!("dependency-{index}; extra == \"test\""),
            3 => format!("dependency-{index}==0.{index}.*; sys_platform == \"win32\" and extra == \"docs\""),
            _ => format!("dependency-{index}~=1.0; platform_machine == \"x86_64\" or platform_machine == \"aarch64\""),
        };
        text.push_str(&format!("Requires-Dist: {requirement}\n"));
    }
    text.push_str("Description-Content-Type: text/markdown\n\n");
    while text.len() < 20_000 {
        text.push_str("A paragraph of the long description, as a README has them, with `code` and [links](https://example.org).\n\n");
    }
    text.into_bytes()
}

/// `count` distinct versions in order, finals with pre-, post- and
/// dev-releases among them, as a long-lived project's page lists them.
pub fn many_versions(count: usize) -> Vec<Version> {
    (0..count)
        .map(|index| {
            let (major, minor, patch) = (index / 100, (index / 10) % 10, index % 10);
            let text = match index % 7 {
                3 => format!("{major}.{minor}.{patch}rc1"),
                5 => format!("{major}.{minor}.{patch}.post1"),
                6 => format!("{major}.{minor}.{patch}.dev2"),
                _ => format!("{major}.{minor}.{patch}"),
            };
            Version::from_str(&text).expect("a generated version")
        })
        .collect()
}

/// A wheel of `files` Python modules of about 2 KB each in nested packages,
/// a few 256 KB data blobs and a console script: unpacking and linking it is
/// mostly per-file work, as for large real wheels.
pub fn large_wheel(files: usize) -> WheelBuilder {
    let mut wheel = WheelBuilder::new("large-project", "1.0.0")
        .console_script("large-tool", "large_project:main");
    let module_body = "def function(value):\n    return value * 2  # padding\n".repeat(40);
    for index in 0..files {
        wheel = wheel.file(
            format!("large_project/package_{}/module_{index}.py", index / 50),
            &module_body,
        );
    }
    for index in 0..4 {
        let blob: Vec<u8> = (0..256 * 1024)
            .map(|byte| (byte * 31 + index) as u8)
            .collect();
        wheel = wheel.file(format!("large_project/data/blob_{index}.bin"), blob);
    }
    wheel
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closure_has_the_root_and_every_release_builds() {
        let wheels = closure_wheels(2);
        assert!(wheels.iter().any(|wheel| wheel.name() == CLOSURE_ROOT));
        let recorded = parse_description(JUPYTERLAB_CLOSURE).unwrap().len();
        assert!(recorded > 80, "{recorded} distributions recorded");
        assert!(wheels.len() > 3 * recorded);
        for wheel in wheels.iter().step_by(37) {
            wheel.build_bytes().unwrap();
        }
    }

    #[test]
    fn fixtures_parse() {
        for line in REQUIREMENT_LINES {
            pipit_requirements::reqfile::parse_requirement_arg(line).unwrap();
        }
        let file = requirements_file(100);
        let parsed =
            pipit_requirements::reqfile::parse_str(&file, Path::new("r.txt"), &|_| None).unwrap();
        assert!(parsed.requirements.len() > 80);
        let metadata = pipit_index::parse_metadata(&sample_metadata(), "METADATA").unwrap();
        assert_eq!(metadata.requires_dist.len(), 30);
        let versions = many_versions(500);
        assert!(versions.windows(2).all(|pair| pair[0] != pair[1]));
    }
}
