//! Whole-file behaviour: line forms, includes, options, errors with file:line.

use super::*;

fn no_env(_: &str) -> Option<String> {
    None
}

fn parse(content: &str) -> RequirementsFile {
    parse_str(content, Path::new("requirements.txt"), &no_env).unwrap()
}

fn parse_err(content: &str) -> String {
    parse_str(content, Path::new("requirements.txt"), &no_env)
        .unwrap_err()
        .to_string()
}

fn named(entry: &RequirementEntry) -> String {
    match &entry.kind {
        RequirementKind::Named(requirement) => requirement.to_string(),
        other => panic!("not named: {other:?}"),
    }
}

fn sha(byte: &str) -> String {
    format!("sha256:{}", byte.repeat(32))
}

#[test]
fn requirements_in_order_with_locations() {
    let file = parse("# deps\nrequests[socks]>=2.8 ; python_version >= '3.8'\n\nnumpy==1.26.4  # pinned\ndemo @ file:///opt/wheels/demo-1.0-py3-none-any.whl\n");
    let names: Vec<_> = file.requirements.iter().map(named).collect();
    assert_eq!(
        names,
        [
            "requests[socks]>=2.8 ; python_full_version >= '3.8'",
            "numpy==1.26.4",
            "demo @ file:///opt/wheels/demo-1.0-py3-none-any.whl",
        ]
    );
    let lines: Vec<_> = file.requirements.iter().map(|e| e.location.line).collect();
    assert_eq!(lines, [2, 4, 5]);
    assert_eq!(
        file.requirements[0].location.to_string(),
        "requirements.txt:2"
    );
    assert!(file.warnings.is_empty());
}

#[test]
fn hashes_attach_to_their_entry_across_continuations() {
    let content = format!(
        "foo==1.0 \\\n    --hash=sha256:{} \\\n    --hash sha256:{}\nbar==2.0 --hash=sha256:{}\nbaz==3.0\n",
        "a".repeat(64),
        "b".repeat(64),
        "C".repeat(64)
    );
    let file = parse(&content);
    assert_eq!(file.requirements.len(), 3);
    assert_eq!(file.requirements[0].hashes, [sha("aa"), sha("bb")]);
    assert_eq!(file.requirements[0].location.line, 1);
    assert_eq!(file.requirements[1].hashes, [sha("cc")]);
    assert_eq!(file.requirements[1].location.line, 4);
    assert!(file.requirements[2].hashes.is_empty());
}

#[test]
fn bad_hash_is_an_error_at_the_line() {
    assert_eq!(
        parse_err("ok==1\nfoo==1.0 --hash=md5:0123\n"),
        "requirements.txt:2: invalid hash: unsupported algorithm `md5` (allowed: sha256, sha384, sha512): `md5:0123`"
    );
    assert_eq!(
        parse_err("foo==1.0 --hash=sha256:abc\n"),
        "requirements.txt:1: invalid hash: a sha256 digest is 64 hexadecimal characters: `sha256:abc`"
    );
}

#[test]
fn invalid_pep508_is_a_useful_one_line_error() {
    let message = parse_err("a==1\nb==2\nnumpy==\n");
    assert!(
        message.starts_with("requirements.txt:3: invalid requirement: "),
        "{message}"
    );
    assert!(message.ends_with(": `numpy==`"), "{message}");
    assert!(!message.contains('\n'), "{message}");
}

#[test]
fn unknown_option_is_an_error() {
    let message = parse_err("\n--frobnicate\n");
    assert!(
        message.starts_with("requirements.txt:2: unknown option `--frobnicate`"),
        "{message}"
    );
    assert!(message.ends_with("`--frobnicate`"), "{message}");
}

#[test]
fn file_options_in_every_spelling() {
    let dir = tempfile::tempdir().unwrap();
    fs_err::create_dir(dir.path().join("wheels")).unwrap();
    let content = "\
-i https://index.example/simple
--index-url=https://index2.example/simple
--extra-index-url https://extra.example/simple
--extra-index-url=https://extra2.example/simple
-f ./wheels
--find-links=https://links.example/
-f missing-folder
--pre
--only-binary=:all:
--no-binary Foo_Bar,baz
--prefer-binary
--require-hashes
--trusted-host index.example
--trusted-host=extra.example
--use-feature=truststore
";
    let path = dir.path().join("requirements.txt");
    let file = parse_str(content, &path, &no_env).unwrap();
    assert_eq!(
        file.options,
        FileOptions {
            index_url: Some("https://index2.example/simple".to_string()),
            extra_index_urls: vec![
                "https://extra.example/simple".to_string(),
                "https://extra2.example/simple".to_string()
            ],
            no_index: false,
            find_links: vec![
                std::path::absolute(dir.path())
                    .unwrap()
                    .join("./wheels")
                    .to_string_lossy()
                    .into_owned(),
                "https://links.example/".to_string(),
                "missing-folder".to_string(),
            ],
            pre: true,
            only_binary: vec![":all:".to_string()],
            no_binary: vec!["foo-bar".to_string(), "baz".to_string()],
            prefer_binary: true,
            require_hashes: true,
            trusted_hosts: vec!["index.example".to_string(), "extra.example".to_string()],
            use_features: vec!["truststore".to_string()],
        }
    );
}

fn indexes(content: &str) -> (Option<String>, Vec<String>, bool, usize) {
    let file = parse(content);
    let options = file.options;
    (
        options.index_url,
        options.extra_index_urls,
        options.no_index,
        file.warnings.len(),
    )
}

fn some(url: &str) -> Option<String> {
    Some(url.to_string())
}

#[test]
fn index_url_replaces_the_index_list_like_pip() {
    // Regression: `-i` after `--extra-index-url` kept the extra URL; pip's
    // `handle_option_line` sets `index_urls = [URL]`.
    assert_eq!(
        indexes("--extra-index-url https://x.example/a\n-i https://i.example/s\n"),
        (some("https://i.example/s"), vec![], false, 0)
    );
    assert_eq!(
        indexes("-i https://i.example/s\n--extra-index-url https://x.example/a\n"),
        (
            some("https://i.example/s"),
            vec!["https://x.example/a".to_string()],
            false,
            0
        )
    );
    // Within one line pip applies `-i` before `--extra-index-url`, whatever the order.
    assert_eq!(
        indexes("--extra-index-url https://x.example/a -i https://i.example/s\n"),
        (
            some("https://i.example/s"),
            vec!["https://x.example/a".to_string()],
            false,
            0
        )
    );
    assert_eq!(
        indexes("-i https://i.example/1\n-i https://i.example/2\n"),
        (some("https://i.example/2"), vec![], false, 0)
    );
}

#[test]
fn no_index_clears_and_ignores_later_index_options_like_pip() {
    assert_eq!(
        indexes("-i https://i.example/s\n--extra-index-url https://x.example/a\n--no-index\n"),
        (None, vec![], true, 0)
    );
    // Later index options are no-ops in pip; pipit warns about each.
    assert_eq!(
        indexes("--no-index\n-i https://i.example/s\n--extra-index-url https://x.example/a\n"),
        (None, vec![], true, 2)
    );
    assert_eq!(
        indexes("-i https://i.example/s --no-index\n"),
        (None, vec![], true, 1)
    );
}

#[test]
fn only_the_first_find_links_of_a_line_counts_like_pip() {
    let file = parse("-f https://a.example/ -f https://b.example/\n-f https://c.example/\n");
    assert_eq!(
        file.options.find_links,
        ["https://a.example/", "https://c.example/"]
    );
    assert_eq!(file.warnings.len(), 1);
    assert!(file.warnings[0].message.contains("https://b.example/"));
}

#[test]
fn binary_lists_follow_pips_rules() {
    let file = parse("--only-binary :all:\n--no-binary :none:\n");
    assert_eq!(file.options.only_binary, [":all:"]);
    assert!(file.options.no_binary.is_empty());
    let file = parse("--no-binary=a,b\n--only-binary=b\n--no-binary=:all:,:none:,c\n");
    assert_eq!(file.options.no_binary, ["c"]);
    assert!(file.options.only_binary.is_empty());
    let file = parse("--only-binary a,b\n--only-binary :none:\n--only-binary c\n");
    assert_eq!(file.options.only_binary, ["c"]);
}

#[test]
fn editables() {
    let file =
        parse("-e ./src/pkg\n--editable=git+https://git.example/r.git#egg=r\n--editable .[dev]\n");
    let targets: Vec<_> = file.editables.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(
        targets,
        ["./src/pkg", "git+https://git.example/r.git#egg=r", ".[dev]"]
    );
    assert_eq!(file.editables[1].location.line, 2);
    assert!(file.requirements.is_empty());
}

#[test]
fn an_editable_line_is_a_requirement_line_like_pip() {
    // Regression: `-e` lines were option lines, so `--pre` and `-r` after
    // the editable took effect (pip ignores them) and every `-e` was kept.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "i1.txt", "included==1\n");
    let path = dir.path().join("requirements.txt");
    let file = parse_str("-e ./a --pre -r i1.txt\n", &path, &no_env).unwrap();
    assert!(!file.options.pre);
    assert!(file.requirements.is_empty());
    assert_eq!(file.editables.len(), 1);
    assert_eq!(file.editables[0].target, "./a");
    assert_eq!(file.warnings.len(), 2);
    assert!(file.warnings[0].message.contains("`--pre`"));

    let file = parse("-e ./a -e ./b\n");
    let targets: Vec<_> = file.editables.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(targets, ["./a"]);
    assert!(file.warnings[0].message.contains("only the first editable"));
}

#[test]
fn per_requirement_options_on_an_editable_are_warned_accurately() {
    let file = parse("-e . --config-settings k=v\n");
    assert_eq!(file.editables.len(), 1);
    let message = &file.warnings[0].message;
    assert!(
        message.contains("ignored `--config-settings` on an editable requirement"),
        "{message}"
    );
    assert!(!message.contains("missing"), "{message}");
}

#[test]
fn only_the_include_is_read_on_an_include_line_like_pip() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "a==1\n");
    write(dir.path(), "b.txt", "b==1\n");
    let path = dir.path().join("requirements.txt");
    let file = parse_str("-r a.txt -r b.txt --pre\n", &path, &no_env).unwrap();
    let names: Vec<_> = file.requirements.iter().map(named).collect();
    assert_eq!(names, ["a==1"]);
    assert!(!file.options.pre);
    assert_eq!(file.warnings.len(), 2);
}

#[test]
fn bare_wheels_and_sources() {
    let file = parse("./wheels/My_Pkg-1.0-2-py3-none-any.whl ; python_version < '3.13'\n./src/thing\ngit+https://git.example/r.git@main#egg=r\n");
    match &file.requirements[0].kind {
        RequirementKind::WheelFile {
            path_or_url,
            name,
            version,
            markers,
            ..
        } => {
            assert_eq!(path_or_url, "./wheels/My_Pkg-1.0-2-py3-none-any.whl");
            assert_eq!(name, "my-pkg");
            assert_eq!(version.to_string(), "1.0");
            assert_eq!(
                markers.as_ref().and_then(|m| m.try_to_string()).unwrap(),
                "python_full_version < '3.13'"
            );
        }
        other => panic!("not a wheel: {other:?}"),
    }
    let sources: Vec<_> = file.requirements[1..]
        .iter()
        .map(|entry| match &entry.kind {
            RequirementKind::Source { text, .. } => text.as_str(),
            other => panic!("not a source: {other:?}"),
        })
        .collect();
    assert_eq!(
        sources,
        ["./src/thing", "git+https://git.example/r.git@main#egg=r"]
    );
}

#[test]
fn env_vars_expand_before_parsing() {
    let env = |name: &str| match name {
        "INDEX_HOST" => Some("index.example".to_string()),
        "NUMPY_VERSION" => Some("1.26.4".to_string()),
        _ => None,
    };
    let file = parse_str(
        "-i https://${INDEX_HOST}/simple\nnumpy==${NUMPY_VERSION}\n--extra-index-url https://${UNSET}/simple\n",
        Path::new("r.txt"),
        &env,
    )
    .unwrap();
    assert_eq!(
        file.options.index_url.as_deref(),
        Some("https://index.example/simple")
    );
    assert_eq!(named(&file.requirements[0]), "numpy==1.26.4");
    assert_eq!(file.options.extra_index_urls, ["https://${UNSET}/simple"]);
}

#[test]
fn continuation_at_end_of_file_is_accepted() {
    let file = parse("foo>=1.0 \\\n");
    assert_eq!(named(&file.requirements[0]), "foo>=1.0");
    assert_eq!(file.requirements[0].location.line, 1);
}

#[test]
fn per_requirement_build_options_are_recorded() {
    let file = parse("foo==1 --config-settings=key=value -C other=x --global-option=--fast\n");
    let entry = &file.requirements[0];
    assert_eq!(entry.config_settings, ["key=value", "other=x"]);
    assert_eq!(entry.global_options, ["--fast"]);
    let message = parse_err("foo==1 --config-settings novalue\n");
    assert_eq!(
        message,
        "requirements.txt:1: option `--config-settings` expects `KEY=VALUE`: `novalue`"
    );
}

#[test]
fn options_pip_ignores_are_warned_about() {
    let file = parse(&format!("foo==1 --pre\n--hash=sha256:{}\n", "a".repeat(64)));
    assert_eq!(named(&file.requirements[0]), "foo==1");
    assert!(!file.options.pre);
    let warnings: Vec<_> = file
        .warnings
        .iter()
        .map(|w| (w.location.line, w.message.as_str()))
        .collect();
    assert_eq!(warnings.len(), 2);
    assert_eq!(warnings[0].0, 1);
    assert!(warnings[0].1.contains("`--pre`"));
    assert_eq!(warnings[1].0, 2);
    assert!(warnings[1].1.contains("`--hash`"));
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent).unwrap();
    }
    fs_err::write(&path, content).unwrap();
    path
}

#[test]
fn includes_are_relative_to_the_including_file_and_flattened() {
    let dir = tempfile::tempdir().unwrap();
    let root = write(
        dir.path(),
        "requirements.txt",
        "first==1\n-r sub/base.txt\n--constraint=sub/constraints.txt\nlast==1\n",
    );
    write(
        dir.path(),
        "sub/base.txt",
        "--requirement=more.txt\nbase==1\n--extra-index-url https://extra.example/simple\n",
    );
    write(dir.path(), "sub/more.txt", "more==1\n");
    write(
        dir.path(),
        "sub/constraints.txt",
        "pinned==2.0\n-r reqs-from-constraints.txt\n",
    );
    write(
        dir.path(),
        "sub/reqs-from-constraints.txt",
        "extra-req==3\n",
    );
    let file = parse_file(&root).unwrap();
    let names: Vec<_> = file.requirements.iter().map(named).collect();
    // pip: `-r` inside a constraints file adds requirements.
    assert_eq!(
        names,
        ["first==1", "more==1", "base==1", "extra-req==3", "last==1"]
    );
    let constraints: Vec<_> = file.constraints.iter().map(named).collect();
    assert_eq!(constraints, ["pinned==2.0"]);
    assert_eq!(
        file.constraints[0].location.file,
        dir.path().join("sub/constraints.txt")
    );
    assert_eq!(
        file.requirements[1].location.file,
        dir.path().join("sub/more.txt")
    );
    assert_eq!(file.requirements[2].location.line, 2);
    assert_eq!(
        file.options.extra_index_urls,
        ["https://extra.example/simple"]
    );
}

#[test]
fn parse_str_reads_includes_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.txt", "foo<2\n");
    let file = parse_str("-c c.txt\nfoo\n", &dir.path().join("virtual.txt"), &no_env).unwrap();
    assert_eq!(named(&file.constraints[0]), "foo<2");
    assert_eq!(named(&file.requirements[0]), "foo");
}

#[test]
fn include_cycle_names_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.txt", "x==1\n-r b.txt\n");
    write(dir.path(), "b.txt", "\n\n-r a.txt\n");
    let err = parse_file(&a).unwrap_err();
    let Error::IncludeCycle { location, chain } = &err else {
        panic!("not a cycle: {err}");
    };
    assert_eq!(location.file, dir.path().join("b.txt"));
    assert_eq!(location.line, 3);
    let shown = |name: &str| dir.path().join(name).display().to_string();
    assert_eq!(
        *chain,
        format!(
            "{} -> {} -> {}",
            shown("a.txt"),
            shown("b.txt"),
            shown("a.txt")
        )
    );
}

#[test]
fn a_file_including_itself_is_a_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.txt", "-r ./a.txt\n");
    assert!(matches!(parse_file(&a), Err(Error::IncludeCycle { .. })));
}

#[test]
fn the_same_file_twice_is_not_a_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let root = write(dir.path(), "r.txt", "-r common.txt\n-c common.txt\n");
    write(dir.path(), "common.txt", "six==1.16.0\n");
    let file = parse_file(&root).unwrap();
    assert_eq!(file.requirements.len(), 1);
    assert_eq!(file.constraints.len(), 1);
}

#[test]
fn missing_include_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = write(dir.path(), "r.txt", "ok==1\n-r missing.txt\n");
    let err = parse_file(&root).unwrap_err();
    let message = err.to_string();
    assert_eq!(err.location().unwrap().line, 2);
    assert!(message.contains("cannot read included file"), "{message}");
    assert!(message.contains("missing.txt"), "{message}");
}

#[test]
fn missing_root_file_is_io() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.txt");
    let err = parse_file(&path).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    // Regression: the path was named twice (`cannot read `x`: failed to open file `x`: …`).
    let message = err.to_string();
    assert_eq!(
        message.matches(&path.display().to_string()).count(),
        1,
        "{message}"
    );
}

#[test]
fn non_utf8_root_file_names_its_path_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "latin1.txt", "");
    fs_err::write(&path, b"caf\xe9==1\n").unwrap();
    let message = parse_file(&path).unwrap_err().to_string();
    assert_eq!(
        message.matches(&path.display().to_string()).count(),
        1,
        "{message}"
    );
}

#[test]
fn uppercase_hash_algorithm_is_an_error_as_in_pip() {
    let message = parse_err(&format!("foo==1.0 --hash=SHA256:{}\n", "a".repeat(64)));
    assert!(
        message.starts_with("requirements.txt:1: invalid hash: hash algorithm names are lowercase"),
        "{message}"
    );
}

#[test]
fn lone_carriage_returns_separate_requirements() {
    let file = parse("foo==1\rbar==2\r");
    let names: Vec<_> = file.requirements.iter().map(named).collect();
    assert_eq!(names, ["foo==1", "bar==2"]);
    assert_eq!(file.requirements[1].location.line, 2);
}

#[test]
fn error_text_shows_control_characters_escaped() {
    let message = parse_err("foo\u{1b}[1m==1\n");
    assert!(message.contains("foo\\u{1b}[1m==1"), "{message}");
    assert!(!message.contains('\u{1b}'), "{message}");
}

#[test]
fn url_includes_are_refused_clearly() {
    assert_eq!(
        parse_err("a==1\n-r https://files.example/reqs.txt\n"),
        "requirements.txt:2: requirements from URLs are not supported yet; download the file and include it by path: `-r https://files.example/reqs.txt`"
    );
}

#[test]
fn file_url_includes_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let inner = write(dir.path(), "inner.txt", "inner==1\n");
    let root = write(
        dir.path(),
        "r.txt",
        &format!("-r file://{}\n", inner.display()),
    );
    let file = parse_file(&root).unwrap();
    assert_eq!(named(&file.requirements[0]), "inner==1");
}

#[test]
fn constraint_files_refuse_what_pip_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let root = write(dir.path(), "r.txt", "-c c.txt\n");
    write(dir.path(), "c.txt", "-e ./src\n");
    let message = parse_file(&root).unwrap_err().to_string();
    assert!(
        message.contains("c.txt:1: editable requirements are not allowed as constraints"),
        "{message}"
    );
    write(dir.path(), "c.txt", "foo[extra]==1\n");
    let message = parse_file(&root).unwrap_err().to_string();
    assert!(
        message.contains("c.txt:1: constraints cannot have extras"),
        "{message}"
    );
    write(dir.path(), "c.txt", "./src/pkg\n");
    let message = parse_file(&root).unwrap_err().to_string();
    assert!(
        message.contains("unnamed requirements are not allowed as constraints"),
        "{message}"
    );
}

#[test]
fn serializes_to_json() {
    let file = parse("foo==1.0\n./w/foo-1.0-py3-none-any.whl\n");
    let json = serde_json::to_value(&file).unwrap();
    assert_eq!(json["requirements"][0]["kind"]["named"], "foo==1.0");
    assert_eq!(json["requirements"][0]["location"], "requirements.txt:1");
    assert_eq!(json["requirements"][1]["kind"]["wheel_file"]["name"], "foo");
    assert_eq!(
        json["requirements"][1]["kind"]["wheel_file"]["version"],
        "1.0"
    );
}
#[test]
fn relative_url_after_at_gets_a_hint() {
    let message = parse_err("foo @ ./rel-1.0-py3-none-any.whl\n");
    assert!(
        message.starts_with("requirements.txt:1: invalid requirement: not a URL (missing scheme)"),
        "{message}"
    );
    assert!(
        message.contains("write the path alone or as `name @ file:///absolute/path`"),
        "{message}"
    );
}

#[test]
fn attached_short_options_and_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let root = write(
        dir.path(),
        "r.txt",
        "-rother.txt\n-cpins.txt\n--pypi-url https://index.example/simple\n-fhttps://links.example/\n",
    );
    write(dir.path(), "other.txt", "other==1\n");
    write(dir.path(), "pins.txt", "other<2\n");
    let file = parse_file(&root).unwrap();
    assert_eq!(named(&file.requirements[0]), "other==1");
    assert_eq!(named(&file.constraints[0]), "other<2");
    assert_eq!(
        file.options.index_url.as_deref(),
        Some("https://index.example/simple")
    );
    assert_eq!(file.options.find_links, ["https://links.example/"]);
}

#[test]
fn option_errors_name_the_line() {
    assert_eq!(
        parse_err("a==1\n--index-url\n"),
        "requirements.txt:2: option `--index-url` needs a value: `--index-url`"
    );
    assert_eq!(
        parse_err("--require-hashes=yes\n"),
        "requirements.txt:1: option `--require-hashes` takes no value: `--require-hashes=yes`"
    );
    assert!(parse_err("-x y\n").starts_with("requirements.txt:1: unknown option `-x`"));
    assert!(parse_err("foo==1 --frob\n").starts_with("requirements.txt:1: unknown option `--frob`"));
}

#[test]
fn utf16_and_bom_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.txt");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(
        "foo==1\r\nbar==2\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    fs_err::write(&path, bytes).unwrap();
    let file = parse_file(&path).unwrap();
    let names: Vec<_> = file.requirements.iter().map(named).collect();
    assert_eq!(names, ["foo==1", "bar==2"]);
    fs_err::write(&path, b"\xEF\xBB\xBFbaz==3\n").unwrap();
    assert_eq!(named(&parse_file(&path).unwrap().requirements[0]), "baz==3");
}

#[test]
fn invalid_editables_and_binary_values_are_errors() {
    let message = parse_err("-e requests==2.0\n");
    assert!(
        message.starts_with("requirements.txt:1: invalid editable requirement: expected a path to a local project or a VCS URL"),
        "{message}"
    );
    assert!(message.ends_with(": `-e requests==2.0`"), "{message}");
    let message = parse_err("--no-binary --pre\n");
    assert!(
        message.starts_with("requirements.txt:1: option `--no-binary` needs a value"),
        "{message}"
    );
}
