use super::*;

fn parse(content: &str) -> ScriptDirectives {
    parse_script_str(content, Path::new("script.py")).expect("script parses")
}

fn parse_err(content: &str) -> (usize, String) {
    let err = parse_script_str(content, Path::new("script.py")).expect_err("script is rejected");
    let line = err.location().expect("error has a line").line;
    (line, err.to_string())
}

fn specs(directives: &ScriptDirectives) -> Vec<(&str, usize)> {
    directives
        .requirements
        .iter()
        .map(|r| (r.spec.as_str(), r.line))
        .collect()
}

#[test]
fn r_directives_accumulate_over_lines() {
    let d = parse(
        "import os\n#r: numpy\n# r: numpy==1.26\n#requirements: pandas, requests\nprint(1)\n",
    );
    assert_eq!(
        specs(&d),
        [
            ("numpy", 2),
            ("numpy==1.26", 3),
            ("pandas", 4),
            ("requests", 4)
        ]
    );
    assert_eq!(d.requirements[1].requirement.name.as_ref(), "numpy");
    assert_eq!(d.requirements[1].requirement.to_string(), "numpy==1.26");
}

#[test]
fn comma_rule_keeps_specifier_lists_together() {
    let d = parse("#r: numpy>=1.2,<2, requests\n");
    assert_eq!(specs(&d), [("numpy>=1.2,<2", 1), ("requests", 1)]);
    assert_eq!(d.requirements[0].requirement.to_string(), "numpy>=1.2,<2");
}

#[test]
fn extras_with_commas_and_markers() {
    let d = parse("# r: requests[security, socks]>=2, colorama; sys_platform == \"win32\", rich\n");
    assert_eq!(
        specs(&d),
        [
            ("requests[security, socks]>=2", 1),
            ("colorama; sys_platform == \"win32\"", 1),
            ("rich", 1)
        ]
    );
    let extras: Vec<&str> = d.requirements[0]
        .requirement
        .extras
        .iter()
        .map(|e| e.as_ref())
        .collect();
    assert_eq!(extras, ["security", "socks"]);
    assert_eq!(
        d.requirements[1]
            .requirement
            .marker
            .try_to_string()
            .as_deref(),
        Some("sys_platform == 'win32'")
    );
}

#[test]
fn marker_with_comparison_after_comma_is_kept() {
    let d = parse("# r: a; python_version < \"3.9\", b>=1,!=1.5\n");
    assert_eq!(
        specs(&d),
        [("a; python_version < \"3.9\"", 1), ("b>=1,!=1.5", 1)]
    );
}

#[test]
fn url_requirement_is_a_requirement_and_vcs_is_a_source() {
    let d = parse(
        "# r: pkg @ https://files.example/pkg-1.0-py3-none-any.whl\n# r: tool @ git+https://git.example/x.git@v1, git+https://git.example/y.git@main\n",
    );
    assert_eq!(
        specs(&d),
        [("pkg @ https://files.example/pkg-1.0-py3-none-any.whl", 1)]
    );
    assert_eq!(
        d.sources,
        [
            SourceRequirement {
                kind: SourceKind::Vcs,
                spec: "tool @ git+https://git.example/x.git@v1".to_string(),
                line: 2
            },
            SourceRequirement {
                kind: SourceKind::Vcs,
                spec: "git+https://git.example/y.git@main".to_string(),
                line: 2
            },
        ]
    );
}

#[test]
fn invalid_requirement_error_message() {
    let (line, message) = parse_err("import os\n\n\n# r: numpy==\n");
    assert_eq!(line, 4);
    assert!(
        message.starts_with("script.py:4: invalid requirement in `# r:` directive: "),
        "{message}"
    );
    assert!(message.ends_with(": `numpy==`"), "{message}");
    assert!(!message.contains('\n'), "{message}");
    let (_, message) = parse_err("#requirements: numpy, ==1\n");
    assert!(
        message.contains("invalid requirement in `# requirements:` directive: "),
        "{message}"
    );
}

#[test]
fn empty_r_directive_is_an_error() {
    let (line, message) = parse_err("# r:\n");
    assert_eq!(line, 1);
    assert!(message.contains("empty `# r:` directive"), "{message}");
}

#[test]
fn trailing_comment_on_a_directive_is_dropped() {
    let d = parse("# r: numpy, requests  # for the arrays\n");
    assert_eq!(specs(&d), [("numpy", 1), ("requests", 1)]);
}

#[test]
fn pip_quoted_form_with_requirements_and_options() {
    let d = parse(concat!(
        "#r \"pip: requests[security]\"\n",
        "#r \"pip: --index-url https://index.example/simple --pre numpy>=1.2,<2 rich\"\n",
        "#r \"pip: --extra-index-url=https://extra.example/simple -f ./wheels --no-index\"\n",
        "#r \"PIP: -ihttps://index.example/simple\"\n",
    ));
    assert_eq!(
        specs(&d),
        [("requests[security]", 1), ("numpy>=1.2,<2", 2), ("rich", 2)]
    );
    assert_eq!(
        d.options,
        ScriptOptions {
            index_url: Some("https://index.example/simple".to_string()),
            extra_index_urls: vec!["https://extra.example/simple".to_string()],
            find_links: vec!["wheels".to_string()],
            no_index: true,
            pre: true,
        }
    );
}

#[test]
fn pip_quoted_form_with_marker_in_inner_double_quotes() {
    // As on pip's command line, a requirement with spaces is one quoted word.
    let d = parse("#r \"pip: 'a; python_version < \"3.9\"'\"  # old pythons only\n");
    assert_eq!(specs(&d), [("a; python_version < \"3.9\"", 1)]);
    let d = parse("#r \"pip: \"a ; python_version < '3.9'\", b\"\n");
    assert_eq!(specs(&d), [("a ; python_version < '3.9'", 1), ("b", 1)]);
}

#[test]
fn pip_text_is_split_into_shell_words() {
    // Regression: `'numpy>=1,<2' rich` failed with "found '".
    let d = parse("#r \"pip: 'numpy>=1,<2' rich\"\n");
    assert_eq!(specs(&d), [("numpy>=1,<2", 1), ("rich", 1)]);
    // A word that cannot start a requirement says how to quote.
    let (_, message) = parse_err("#r \"pip: numpy >= 1.2\"\n");
    assert!(
        message.contains(
            "`>=` is not a requirement: in a `#r \"pip: …\"` directive each word is one argument"
        ),
        "{message}"
    );
}

#[test]
fn unsupported_pip_option_is_named_before_its_value_is_checked() {
    // Regression: `--hash=…` said "`--hash` takes no value".
    let (line, message) = parse_err(&format!(
        "\n#r \"pip: numpy --hash=sha256:{}\"\n",
        "a".repeat(64)
    ));
    assert_eq!(line, 2);
    assert!(
        message.contains(
            "unsupported pip option `--hash` in a script directive (supported: `--index-url`, `-i`"
        ),
        "{message}"
    );
}

#[test]
fn text_after_the_closing_quote_is_named() {
    let (_, message) = parse_err("#r \"pip: requests\" trailing\n");
    assert!(
        message.contains("unexpected text after the closing quote"),
        "{message}"
    );
    assert!(!message.contains("unterminated"), "{message}");
}

#[test]
fn empty_directives_quote_the_line() {
    for (text, label) in [
        ("# r:", "empty `# r:` directive"),
        ("#r \"pip:\"", "empty `#r \"pip: …\"` directive"),
        ("#wheel:", "empty `#wheel:` directive"),
        ("# env:", "empty `# env:` directive"),
        ("# venv:  # none", "empty `# venv:` directive"),
    ] {
        let (_, message) = parse_err(&format!("{text}\n"));
        assert!(
            message.ends_with(&format!("{label}: `{text}`")),
            "{message}"
        );
    }
}

#[test]
fn pip_editable_must_be_a_path_or_vcs_url() {
    // Regression: `-e numpy` was accepted as an editable named `numpy`.
    let (line, message) = parse_err("#r \"pip: -e numpy\"\n");
    assert_eq!(line, 1);
    assert!(
        message.contains(
            "invalid editable requirement: expected a path to a local project or a VCS URL"
        ),
        "{message}"
    );
    assert!(message.ends_with("`-e numpy`"), "{message}");
}

#[test]
fn name_at_wheel_url_is_a_requirement_not_a_wheel_path() {
    // Regression: `foo@https://…/foo-1.0-py3-none-any.whl` was taken as a wheel path.
    let d = parse("#r: foo@https://x.example/foo-1.0-py3-none-any.whl\n");
    assert!(d.wheels.is_empty());
    assert_eq!(d.requirements.len(), 1);
    assert_eq!(d.requirements[0].requirement.name.as_ref(), "foo");
}

#[test]
fn wheel_paths_must_be_pep427_names() {
    for text in [
        "#r: notawheel.whl",
        "#wheel: /p/x.whl",
        "#r \"wheel: ./x-1.0.whl\"",
        "#r \"pip: ./dist/x.whl\"",
    ] {
        let (line, message) = parse_err(&format!("import os\n{text}\n"));
        assert_eq!(line, 2, "{text}");
        assert!(
            message.contains("invalid wheel file name"),
            "{text}: {message}"
        );
    }
}

#[test]
fn language_line_accepts_minor_versions() {
    assert_eq!(parse("#!python3.11\n").language.as_deref(), Some("python3"));
    assert_eq!(
        parse("#! python 3.11\n").language.as_deref(),
        Some("python3")
    );
    assert_eq!(
        parse("#! python 2.7\n").language.as_deref(),
        Some("python2")
    );
    let (_, message) = parse_err("#! python 4.0\n");
    assert!(message.contains("unsupported language line"), "{message}");
    let (_, message) = parse_err("#! python 3.x\n");
    assert!(message.contains("unsupported language line"), "{message}");
}

#[test]
fn pep723_line_that_breaks_the_block_is_named() {
    // Regression: said "unclosed … no `# ///` line ends it" though one follows.
    let (line, message) = parse_err("# /// script\n#dependencies = [\"x\"]\n# ///\nimport os\n");
    assert_eq!(line, 2);
    assert!(
        message.contains(
            "this line ends the `# /// script` block opened at line 1 before its `# ///`"
        ),
        "{message}"
    );
    assert!(message.ends_with("`#dependencies = [\"x\"]`"), "{message}");
}

#[test]
fn pep723_adjacent_second_block_is_named() {
    // Regression: "invalid TOML … invalid key: # ///".
    let (line, message) = parse_err(
        "# /// script\n# dependencies = []\n# ///\n# /// script\n# dependencies = []\n# ///\n",
    );
    assert_eq!(line, 4);
    assert!(
        message.contains("a second `# /// script` block (the first is at line 1)"),
        "{message}"
    );
}

#[test]
fn pep723_bad_requires_python_is_one_line_without_caret_art() {
    let (line, message) = parse_err("# /// script\n# requires-python = \"bogus\"\n# ///\n");
    assert_eq!(line, 2);
    assert!(!message.contains('^'), "{message}");
    assert!(!message.contains('\n'), "{message}");
    assert!(!message.contains("::"), "{message}");
    assert!(message.contains("invalid `requires-python`"), "{message}");
}

#[test]
fn pep723_dependencies_are_pep508_only() {
    for dependency in [
        "git+https://git.example/x.git@v1",
        "./dist/a-1.0-py3-none-any.whl",
    ] {
        let (line, message) = parse_err(&format!(
            "# /// script\n# dependencies = [\n#   \"{dependency}\",\n# ]\n# ///\n"
        ));
        assert_eq!(line, 3, "{dependency}");
        assert!(
            message.contains("invalid requirement in `# /// script` dependencies"),
            "{message}"
        );
        assert!(message.contains("write a URL as `name @ URL`"), "{message}");
    }
}

#[test]
fn pip_editable_and_vcs_sources() {
    let d = parse_script_str(
        concat!(
            "#r \"pip: --editable /src/lib\"\n",
            "#r \"pip: -e ./local\"\n",
            "#r \"pip: git+https://git.example/x.git@v1.2\"\n",
            "#r \"pip: 'tool @ hg+https://git.example/t@abc' numpy\"\n",
        ),
        Path::new("/proj/script.py"),
    )
    .unwrap();
    let sources: Vec<(SourceKind, &str, usize)> = d
        .sources
        .iter()
        .map(|s| (s.kind, s.spec.as_str(), s.line))
        .collect();
    assert_eq!(
        sources,
        [
            (SourceKind::Editable, "/src/lib", 1),
            (SourceKind::Editable, "/proj/local", 2),
            (SourceKind::Vcs, "git+https://git.example/x.git@v1.2", 3),
            (SourceKind::Vcs, "tool @ hg+https://git.example/t@abc", 4),
        ]
    );
    assert_eq!(specs(&d), [("numpy", 4)]);
    assert_eq!(d.sources[0].kind.to_string(), "editable");
    assert_eq!(d.sources[2].kind.to_string(), "vcs");
}

#[test]
fn pip_option_errors() {
    let (line, message) = parse_err("\n#r \"pip: --upgrade numpy\"\n");
    assert_eq!(line, 2);
    assert!(
        message.contains("unsupported pip option `--upgrade`"),
        "{message}"
    );
    let (_, message) = parse_err("#r \"pip: --index-url\"\n");
    assert!(
        message.contains("pip option `--index-url` needs a value"),
        "{message}"
    );
    let (_, message) = parse_err("#r \"pip: --pre=yes\"\n");
    assert!(message.contains("`--pre` takes no value"), "{message}");
    let (line, message) = parse_err(
        "#r \"pip: -i https://index.example/simple\"\n#r \"pip: -i https://other.example/simple\"\n",
    );
    assert_eq!(line, 2);
    assert!(message.contains("conflicting index urls"), "{message}");
    let (_, message) = parse_err("#r \"pip: \"\n");
    assert!(
        message.contains("empty `#r \"pip: …\"` directive"),
        "{message}"
    );
    let (_, message) = parse_err("#r \"pip: numpy\n");
    assert!(message.contains("unterminated string"), "{message}");
    let (_, message) = parse_err("#r \"pip: numpy==\"\n");
    assert!(
        message.contains("invalid requirement in `#r \"pip: …\"` directive"),
        "{message}"
    );
}

#[test]
fn venv_names() {
    assert_eq!(
        parse("# venv: my-tools\n").venv.as_deref(),
        Some("my-tools")
    );
    assert_eq!(parse("#venv: a.b_c-1\n").venv.as_deref(), Some("a.b_c-1"));
    assert_eq!(
        parse("# venv: site-packages\n").venv.as_deref(),
        Some("site-packages")
    );
    assert_eq!(
        parse("# venv: tools\n# venv: tools\n").venv.as_deref(),
        Some("tools")
    );
    assert_eq!(parse("print()\n").venv, None);

    for bad in [
        "# venv: my tools",
        "# venv: -x",
        "# venv: a/b",
        "# venv: .hidden",
        "# venv: é",
    ] {
        let (line, message) = parse_err(bad);
        assert_eq!(line, 1);
        assert!(
            message.contains("invalid environment name"),
            "{bad}: {message}"
        );
    }
    let (_, message) = parse_err("# venv:\n");
    assert!(message.contains("empty `# venv:` directive"), "{message}");
    let (line, message) = parse_err("# venv: one\nx = 1\n# venv: two\n");
    assert_eq!(line, 3);
    assert!(
        message.contains("conflicting `# venv:` directives"),
        "{message}"
    );
    assert!(message.ends_with("`two`"), "{message}");
}

#[test]
fn wheels_both_spellings() {
    let d = parse_script_str(
        "#wheel: /abs/a-1.0-py3-none-any.whl\n#r \"wheel: dist/b-2.0-py3-none-any.WHL\"\n",
        Path::new("/proj/s.py"),
    )
    .unwrap();
    assert_eq!(
        d.wheels,
        [
            ScriptWheel {
                path: "/abs/a-1.0-py3-none-any.whl".to_string(),
                line: 1
            },
            ScriptWheel {
                path: "/proj/dist/b-2.0-py3-none-any.WHL".to_string(),
                line: 2
            },
        ]
    );
    // A script named without a folder resolves against the working directory.
    let d = parse("# wheel: x-1.0-py3-none-any.whl\n");
    assert_eq!(d.wheels[0].path, "x-1.0-py3-none-any.whl");

    let (line, message) = parse_err("\n#wheel: /abs/a.tar.gz\n");
    assert_eq!(line, 2);
    assert!(message.contains("must name a `.whl` file"), "{message}");
    let (_, message) = parse_err("#r \"wheel: \"\n");
    assert!(
        message.contains("empty `#r \"wheel: …\"` directive"),
        "{message}"
    );
}

#[test]
fn other_providers_are_listed() {
    let d = parse(concat!(
        "#r \"nuget: RestSharp, 110.2.0\"\n",
        "#r \"yak: some-plugin\"\n",
        "#r \"Some.dll\"\n",
        "#r \"C:\\libs\\Other.dll\"\n",
    ));
    let providers: Vec<(&str, &str, usize)> = d
        .other_providers
        .iter()
        .map(|p| (p.provider.as_str(), p.spec.as_str(), p.line))
        .collect();
    assert_eq!(
        providers,
        [
            ("nuget", "RestSharp, 110.2.0", 1),
            ("yak", "some-plugin", 2),
            ("reference", "Some.dll", 3),
            ("reference", "C:\\libs\\Other.dll", 4),
        ]
    );
    assert!(d.requirements.is_empty());
}

#[test]
fn env_search_paths() {
    let d = parse_script_str("# env: /some/path\n#env: lib\n", Path::new("/proj/s.py")).unwrap();
    assert_eq!(
        d.search_paths,
        [
            SearchPath {
                path: "/some/path".to_string(),
                line: 1
            },
            SearchPath {
                path: "/proj/lib".to_string(),
                line: 2
            },
        ]
    );
    let (_, message) = parse_err("# env:\n");
    assert!(message.contains("empty `# env:` directive"), "{message}");
}

#[test]
fn language_line() {
    assert_eq!(parse("#! python 3\n").language.as_deref(), Some("python3"));
    assert_eq!(parse("#! python3\n").language.as_deref(), Some("python3"));
    assert_eq!(parse("#!Python 2\n").language.as_deref(), Some("python2"));
    // Shebangs are not language lines.
    assert_eq!(parse("#!/usr/bin/env python3\n").language, None);
    assert_eq!(parse("#!python\n").language, None);
    let (_, message) = parse_err("#! python 4\n");
    assert!(message.contains("unsupported language line"), "{message}");
    let (line, message) = parse_err("#! python 3\n#! python 2\n");
    assert_eq!(line, 2);
    assert!(message.contains("conflicting language lines"), "{message}");
}

#[test]
fn keywords_are_lowercase_only() {
    let d = parse("#r: a\n#requirements: b\n#requirements : c\n    # r: d\n");
    assert_eq!(specs(&d), [("a", 1), ("b", 2), ("c", 3), ("d", 4)]);
}

#[test]
fn capitalised_keywords_are_ordinary_comments() {
    // Regression: `# R: radius …` rejected the whole script and `# Env:`
    // added a search path, since keywords were matched case-insensitively.
    let d = parse(concat!(
        "# R: radius of the circle in mm\n",
        "# Env: production\n",
        "# Requirements: see README\n",
        "# VENV: x y\n",
        "# Wheel: none\n",
        "#R \"pip: numpy\"\n",
    ));
    assert!(d.requirements.is_empty());
    assert!(d.search_paths.is_empty());
    assert!(d.wheels.is_empty());
    assert_eq!(d.venv, None);
}

#[test]
fn ordinary_comments_are_ignored() {
    let d = parse(concat!(
        "# rationale: keep it small\n",
        "# requirements are listed below\n",
        "# r is the radius\n",
        "#region helpers\n",
        "## r: disabled\n",
        "# Note: venv: x\n",
        "# envelope: large\n",
        "x = 1  # r: not a full-line comment\n",
        "# /// other\n",
        "# ///\n",
    ));
    assert!(d.requirements.is_empty());
    assert_eq!(d.venv, None);
    assert!(d.search_paths.is_empty());
    assert!(d.other_providers.is_empty());
}

const PEP723: &str = r#"#! python 3
# /// script
# requires-python = ">=3.11"
# dependencies = [
#   "requests<3",
#   "rich",
#   "tool @ git+https://git.example/x.git@v1",
# ]
#
# [tool.pipit]
# r = "not a directive"
# ///
import requests
"#;

#[test]
fn pep723_block() {
    let d = parse(PEP723);
    assert_eq!(specs(&d), [("requests<3", 5), ("rich", 6)]);
    assert_eq!(d.sources[0].spec, "tool @ git+https://git.example/x.git@v1");
    assert_eq!(d.sources[0].line, 7);
    assert_eq!(d.requires_python.as_deref(), Some(">=3.11"));
    assert_eq!(d.requires_python_line, Some(3));
    assert_eq!(d.language.as_deref(), Some("python3"));
}

#[test]
fn pep723_dependencies_on_one_line_and_with_directives() {
    let d = parse("# r: numpy\n# /// script\n# dependencies = [\"a\", \"b>=1\"]\n# ///\n");
    assert_eq!(specs(&d), [("numpy", 1), ("a", 3), ("b>=1", 3)]);
    assert_eq!(d.requires_python, None);
}

#[test]
fn pep723_errors() {
    // An error at the end of the TOML points at the last content line.
    let (line, message) = parse_err("x = 1\n# /// script\n# dependencies = [\n# ///\n");
    assert_eq!(line, 3);
    assert!(
        message.contains("invalid TOML in `# /// script` block"),
        "{message}"
    );

    let (line, message) = parse_err("# /// script\n# a = 1\n# b = = 2\n# c = 3\n# ///\n");
    assert_eq!(line, 3);
    assert!(message.ends_with(": `# b = = 2`"), "{message}");

    let (line, message) = parse_err("# /// script\n# dependencies = []\nimport os\n");
    assert_eq!(line, 1);
    assert!(
        message.contains("unclosed `# /// script` block"),
        "{message}"
    );

    let (line, message) = parse_err(
        "# /// script\n# dependencies = []\n# ///\nx = 1\n# /// script\n# dependencies = []\n# ///\n",
    );
    assert_eq!(line, 5);
    assert!(
        message.contains("second `# /// script` block (the first is at line 1)"),
        "{message}"
    );

    let (line, message) =
        parse_err("# /// script\n# dependencies = [\"ok\",\n#   \"bad==\"]\n# ///\n");
    assert_eq!(line, 3);
    assert!(
        message.contains("invalid requirement in `# /// script` dependencies"),
        "{message}"
    );

    let (line, message) = parse_err("# /// script\n# dependencies = \"numpy\"\n# ///\n");
    assert_eq!(line, 2);
    assert!(message.contains("must be a list of strings"), "{message}");

    let (line, message) = parse_err("# /// script\n#\n# requires-python = \">=3.x\"\n# ///\n");
    assert_eq!(line, 3);
    assert!(message.contains("invalid `requires-python`"), "{message}");
}

#[test]
fn pep723_other_blocks_and_unclosed_other_blocks_are_ignored() {
    let d = parse("# /// pyproject\n# r: inside\n# ///\n# /// notes\n# r: outside\n");
    assert_eq!(specs(&d), [("outside", 5)]);
}

#[test]
fn pep723_empty_block() {
    let d = parse("# /// script\n# ///\n");
    assert!(d.requirements.is_empty());
}

#[test]
fn requires_python_check() {
    let d = parse(PEP723);
    let ok = Version::from_str("3.12.1").unwrap();
    let old = Version::from_str("3.10").unwrap();
    assert!(d.check_requires_python(&ok).is_ok());
    let err = d.check_requires_python(&old).unwrap_err();
    assert_eq!(err.location().unwrap().line, 3);
    assert_eq!(
        err.to_string(),
        "script.py:3: the script needs a different python: 3.10 does not satisfy `requires-python`: `>=3.11`"
    );
    assert!(parse("# r: x\n").check_requires_python(&old).is_ok());
}

#[test]
fn first_error_by_line_wins() {
    let (line, _) = parse_err("# r: ok\n# venv: bad name\n# r: numpy==\n");
    assert_eq!(line, 2);
}

#[test]
fn json_shape() {
    let d = parse(concat!(
        "#! python 3\n",
        "# venv: my-tools\n",
        "# r: numpy==1.26\n",
        "#r \"pip: -e /src/lib --pre\"\n",
        "#wheel: /p/x-1.0-py3-none-any.whl\n",
        "#r \"nuget: RestSharp, 110.2.0\"\n",
        "# env: /host/lib\n",
    ));
    let value = serde_json::to_value(&d).unwrap();
    assert_eq!(
        value,
        serde_json::json!({
            "file": "script.py",
            "language": "python3",
            "venv": "my-tools",
            "requirements": [{"spec": "numpy==1.26", "line": 3}],
            "wheels": [{"path": "/p/x-1.0-py3-none-any.whl", "line": 5}],
            "sources": [{"kind": "editable", "spec": "/src/lib", "line": 4}],
            "options": {"index_url": null, "extra_index_urls": [], "find_links": [], "no_index": false, "pre": true},
            "other_providers": [{"provider": "nuget", "spec": "RestSharp, 110.2.0", "line": 6}],
            "search_paths": [{"path": "/host/lib", "line": 7}],
            "requires_python": null
        })
    );
}

#[test]
fn parse_script_reads_the_file_and_reports_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tool.py");
    fs_err::write(&path, "\u{feff}# r: numpy\r\n# venv: tools\r\n").unwrap();
    let d = parse_script(&path).unwrap();
    assert_eq!(specs(&d), [("numpy", 1)]);
    assert_eq!(d.venv.as_deref(), Some("tools"));
    assert_eq!(d.file, path.to_string_lossy());

    let missing = dir.path().join("missing.py");
    match parse_script(&missing) {
        Err(Error::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("expected an io error, got {other:?}"),
    }
    // Regression: the path was named twice (`cannot read `x`: failed to open file `x`: …`).
    let message = parse_script(&missing).unwrap_err().to_string();
    assert_eq!(
        message.matches(&missing.display().to_string()).count(),
        1,
        "{message}"
    );
}

#[test]
fn condense_makes_one_lowercase_line() {
    assert_eq!(
        condense("Expected a version.\n  numpy==\n   ^"),
        "expected a version"
    );
    assert_eq!(condense("URL is bad."), "URL is bad");
}

#[test]
fn bare_wheel_paths_in_requirement_lists_are_wheels() {
    let d = parse_script_str(
        "#r \"pip: ./dist/a-1.0-py3-none-any.whl numpy\"\n# r: https://files.example/b-2.0-py3-none-any.whl\n",
        Path::new("/proj/s.py"),
    )
    .unwrap();
    assert_eq!(
        d.wheels,
        [
            ScriptWheel {
                path: "/proj/dist/a-1.0-py3-none-any.whl".to_string(),
                line: 1
            },
            ScriptWheel {
                path: "https://files.example/b-2.0-py3-none-any.whl".to_string(),
                line: 2
            },
        ]
    );
    assert_eq!(specs(&d), [("numpy", 1)]);
}

#[test]
fn windows_absolute_paths_are_kept_as_written() {
    let d = parse_script_str(
        "#wheel: C:\\wheels\\a-1.0-py3-none-any.whl\n# env: \\\\server\\share\n",
        Path::new("/proj/s.py"),
    )
    .unwrap();
    assert_eq!(d.wheels[0].path, "C:\\wheels\\a-1.0-py3-none-any.whl");
    assert_eq!(d.search_paths[0].path, "\\\\server\\share");
}

#[test]
fn whitespace_does_not_separate_in_r_directives() {
    let (line, message) = parse_err("# r: numpy requests\n");
    assert_eq!(line, 1);
    assert!(message.ends_with(": `numpy requests`"), "{message}");
}

#[test]
fn pep723_dependency_lines_are_found_by_their_quoted_text() {
    // `e` appears in `dependencies`; the dependency is on its own line.
    let d = parse("# /// script\n# dependencies = [\n#   'e',\n#   \"rich\",\n# ]\n# ///\n");
    assert_eq!(specs(&d), [("e", 3), ("rich", 4)]);
}

#[test]
fn odd_lines_never_panic() {
    let odd = [
        "#",
        "#!",
        "#r",
        "#r \"",
        "#r \"\"",
        "#r \"é\"",
        "# r:é,",
        "#r \"pip: -é\"",
        "#r \"pip: -\"",
        "#r \"pip: --\"",
        "#r \"pip: -e\"",
        "# /// script",
        "# /// script\n#",
        "# /// script\n# ///",
        "# /// script\n# é = [\n# ///",
        "#wheel: .whl",
        "# venv: é",
        "#! pythoné",
        "#! python",
        "# r: a @",
        "# r: @ x",
        "# r: [",
        "# r: a]",
        "# r: 'x",
        "\u{feff}# r: a",
    ];
    for text in odd {
        // Only the absence of panics is checked here; values are pinned elsewhere.
        let _ = parse_script_str(text, Path::new("odd.py"));
    }
    let (_, message) = parse_err("#r \"pip: -e\"\n");
    assert!(
        message.contains("pip option `-e` needs a value"),
        "{message}"
    );
    // `.whl` alone is not a PEP 427 wheel file name.
    let (_, message) = parse_err("#wheel: .whl\n");
    assert!(message.contains("invalid wheel file name"), "{message}");
}
