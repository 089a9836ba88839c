//! Precedence and parsing tests; every source is injected, so nothing from
//! this machine's environment or files is ever read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::*;

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        fs_err::write(&path, text).unwrap();
        path
    }

    fn missing(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn file(kind: ConfigFileKind, path: &Path) -> ConfigFile {
    ConfigFile {
        kind,
        path: path.to_path_buf(),
    }
}

fn index_url(settings: &IndexSettings) -> (String, String) {
    let url = settings.index_url.as_ref().expect("an index url");
    (url.value.clone(), url.origin.to_string())
}

fn values(list: &[Sourced<String>]) -> Vec<&str> {
    list.iter().map(|item| item.value.as_str()).collect()
}

#[test]
fn nothing_configured_is_not_an_error() {
    let settings = load(&ConfigSources::new(BTreeMap::new(), Vec::new())).unwrap();
    assert_eq!(settings, IndexSettings::default());
    assert_eq!(settings.index_url, None);
    assert_eq!(settings.timeout.value, 15.0);
    assert_eq!(settings.retries.value, 5);
    assert_eq!(settings.index_ttl.value, 600);
    assert_eq!(settings.index_strategy.value, IndexStrategy::FirstIndex);
    assert_eq!(settings.timeout.origin.to_string(), "default");
}

#[test]
fn files_global_then_user_then_site_then_pip_config_file() {
    let fx = Fixture::new();
    let global = fx.file("global.conf", "[global]\nindex-url = https://global.example/simple/\ntimeout = 1\nretries = 1\npre = yes\n");
    let user = fx.file(
        "user.conf",
        "[global]\nindex-url = https://user.example/simple/\ntimeout = 2\nretries = 2\n",
    );
    let site = fx.file(
        "site.conf",
        "[global]\nindex-url = https://site.example/simple/\ntimeout = 3\n",
    );
    let env_file = fx.file(
        "env.conf",
        "[global]\nindex-url = https://index.example/simple/\n",
    );
    // Given out of order on purpose: the kind decides, not the list position.
    let files = vec![
        file(ConfigFileKind::Site, &site),
        file(ConfigFileKind::User, &user),
        file(ConfigFileKind::Global, &global),
    ];

    let settings = load(&ConfigSources::new(BTreeMap::new(), files.clone())).unwrap();
    assert_eq!(
        index_url(&settings),
        (
            "https://site.example/simple/".to_string(),
            format!("{}:2 [global]", site.display())
        )
    );
    assert_eq!(settings.timeout.value, 3.0);
    assert_eq!(settings.retries.value, 2);
    assert!(settings.pre.value);

    let with_env_file = env(&[("PIP_CONFIG_FILE", env_file.to_str().unwrap())]);
    let settings = load(&ConfigSources::new(with_env_file, files)).unwrap();
    assert_eq!(index_url(&settings).0, "https://index.example/simple/");
    // An existing PIP_CONFIG_FILE makes pip skip the user files.
    assert_eq!(settings.retries.value, 1);
    assert_eq!(settings.timeout.value, 3.0);
}

#[test]
fn missing_pip_config_file_keeps_user_files() {
    let fx = Fixture::new();
    let user = fx.file("user.conf", "[global]\nretries = 7\n");
    let missing = fx.missing("nope.conf");
    let sources = ConfigSources::new(
        env(&[("PIP_CONFIG_FILE", missing.to_str().unwrap())]),
        vec![file(ConfigFileKind::User, &user)],
    );
    assert_eq!(load(&sources).unwrap().retries.value, 7);
}

#[test]
fn install_section_beats_global_section_across_files() {
    let fx = Fixture::new();
    let global = fx.file(
        "global.conf",
        "[install]\nindex-url = https://install.example/simple/\n[global]\ntimeout = 4\n",
    );
    let env_file = fx.file(
        "env.conf",
        "[global]\nindex-url = https://global.example/simple/\ntimeout = 5\n[download]\ntimeout = 9\n",
    );
    let sources = ConfigSources::new(
        env(&[("PIP_CONFIG_FILE", env_file.to_str().unwrap())]),
        vec![file(ConfigFileKind::Global, &global)],
    );
    let settings = load(&sources).unwrap();
    // pip orders by section before file: [install] anywhere beats [global].
    assert_eq!(
        index_url(&settings),
        (
            "https://install.example/simple/".to_string(),
            format!("{}:2 [install]", global.display())
        )
    );
    // Another command's section is not read.
    assert_eq!(settings.timeout.value, 5.0);

    let download = ConfigSources {
        command: "download".to_string(),
        ..sources
    };
    assert_eq!(load(&download).unwrap().timeout.value, 9.0);
}

#[test]
fn env_beats_files_and_pipit_env_beats_pip_env() {
    let fx = Fixture::new();
    let conf = fx.file(
        "pip.conf",
        "[install]\nindex-url = https://file.example/simple/\nextra-index-url = https://x.example/simple/\n",
    );
    let files = vec![file(ConfigFileKind::User, &conf)];
    let sources = ConfigSources::new(
        env(&[("PIP_INDEX_URL", "https://index.example/simple/")]),
        files.clone(),
    );
    let settings = load(&sources).unwrap();
    assert_eq!(
        index_url(&settings),
        (
            "https://index.example/simple/".to_string(),
            "env PIP_INDEX_URL".to_string()
        )
    );
    assert_eq!(
        values(&settings.extra_index_urls),
        ["https://x.example/simple/"]
    );

    let sources = ConfigSources::new(
        env(&[
            ("PIP_INDEX_URL", "https://index.example/simple/"),
            ("PIPIT_INDEX_URL", "https://pipit.example/simple/"),
            (
                "PIP_EXTRA_INDEX_URL",
                "https://a.example/simple/  https://b.example/simple/",
            ),
        ]),
        files,
    );
    let settings = load(&sources).unwrap();
    assert_eq!(
        index_url(&settings),
        (
            "https://pipit.example/simple/".to_string(),
            "env PIPIT_INDEX_URL".to_string()
        )
    );
    // A later source replaces the list; it does not extend it.
    assert_eq!(
        values(&settings.extra_index_urls),
        ["https://a.example/simple/", "https://b.example/simple/"]
    );
    assert_eq!(
        settings.extra_index_urls[1].origin.to_string(),
        "env PIP_EXTRA_INDEX_URL"
    );
}

#[test]
fn isolated_ignores_env_and_user_files_but_not_global_or_site() {
    let fx = Fixture::new();
    let global = fx.file("global.conf", "[global]\nretries = 1\n");
    let user = fx.file("user.conf", "[global]\nretries = 2\ntimeout = 2\n");
    let site = fx.file(
        "site.conf",
        "[global]\nindex-url = https://site.example/simple/\n",
    );
    let mut sources = ConfigSources::new(
        env(&[
            ("PIP_INDEX_URL", "https://env.example/simple/"),
            ("PIPIT_OFFLINE", "1"),
            ("PIP_FIND_LINKS", "/wheels"),
        ]),
        vec![
            file(ConfigFileKind::Global, &global),
            file(ConfigFileKind::User, &user),
            file(ConfigFileKind::Site, &site),
        ],
    );
    sources.isolated = true;
    let settings = load(&sources).unwrap();
    assert_eq!(index_url(&settings).0, "https://site.example/simple/");
    assert_eq!(settings.retries.value, 1);
    assert_eq!(settings.timeout.value, DEFAULT_TIMEOUT_SECS);
    assert!(!settings.offline.value);
    assert!(settings.find_links.is_empty());
}

#[test]
fn pip_config_file_devnull_loads_no_file() {
    let fx = Fixture::new();
    let global = fx.file(
        "global.conf",
        "[global]\nindex-url = https://global.example/simple/\n",
    );
    let sources = ConfigSources::new(
        env(&[("PIP_CONFIG_FILE", devnull()), ("PIP_RETRIES", "3")]),
        vec![file(ConfigFileKind::Global, &global)],
    );
    let settings = load(&sources).unwrap();
    assert_eq!(settings.index_url, None);
    assert_eq!(settings.retries.value, 3);
}

#[test]
fn both_key_spellings_and_timeout_alias() {
    let fx = Fixture::new();
    let conf = fx.file(
        "pip.conf",
        "[global]\nindex_url = https://index.example/simple/\nTrusted_Host = index.example  other.example\ndefault-timeout = 7.5\nclient_cert = /certs/me.pem\n",
    );
    let settings = load(&ConfigSources::new(
        BTreeMap::new(),
        vec![file(ConfigFileKind::Global, &conf)],
    ))
    .unwrap();
    assert_eq!(index_url(&settings).0, "https://index.example/simple/");
    assert_eq!(
        values(&settings.trusted_hosts),
        ["index.example", "other.example"]
    );
    assert_eq!(settings.timeout.value, 7.5);
    assert_eq!(
        settings.client_cert.map(|c| c.value),
        Some(PathBuf::from("/certs/me.pem"))
    );

    let settings = load(&ConfigSources::new(
        env(&[("PIP_DEFAULT_TIMEOUT", "60"), ("PIP_CERT", "/etc/ca.pem")]),
        Vec::new(),
    ))
    .unwrap();
    assert_eq!(settings.timeout.value, 60.0);
    assert_eq!(
        settings.timeout.origin.to_string(),
        "env PIP_DEFAULT_TIMEOUT"
    );
    assert_eq!(
        settings.cert.map(|c| c.value),
        Some(PathBuf::from("/etc/ca.pem"))
    );

    let settings = load(&ConfigSources::new(
        env(&[("PIP_DEFAULT_TIMEOUT", "60"), ("PIP_TIMEOUT", "30")]),
        Vec::new(),
    ))
    .unwrap();
    assert_eq!(settings.timeout.value, 30.0);
}

#[test]
fn boolean_spellings() {
    for (spelling, expected) in [
        ("yes", true),
        ("TRUE", true),
        ("on", true),
        ("1", true),
        ("y", true),
        ("no", false),
        ("False", false),
        ("off", false),
        ("0", false),
        ("n", false),
    ] {
        let settings = load(&ConfigSources::new(
            env(&[
                ("PIP_NO_INDEX", spelling),
                ("PIP_PRE", spelling),
                ("PIPIT_OFFLINE", spelling),
            ]),
            Vec::new(),
        ))
        .unwrap();
        assert_eq!(settings.no_index.value, expected, "{spelling}");
        assert_eq!(settings.pre.value, expected, "{spelling}");
        assert_eq!(settings.offline.value, expected, "{spelling}");
    }
}

#[test]
fn multi_line_lists_in_files_and_empty_values_ignored() {
    let fx = Fixture::new();
    let conf = fx.file(
        "pip.conf",
        "[global]\nfind-links =\n    /wheels/one\n    https://index.example/links/\nindex-url = https://index.example/simple/\n[install]\nindex-url =\n",
    );
    let settings = load(&ConfigSources::new(
        env(&[("PIP_RETRIES", "")]),
        vec![file(ConfigFileKind::Global, &conf)],
    ))
    .unwrap();
    assert_eq!(
        values(&settings.find_links),
        ["/wheels/one", "https://index.example/links/"]
    );
    assert_eq!(index_url(&settings).0, "https://index.example/simple/");
    assert_eq!(settings.retries.value, DEFAULT_RETRIES);
}

#[test]
fn pipit_only_settings_come_only_from_pipit_variables() {
    let fx = Fixture::new();
    let conf = fx.file("pip.conf", "[global]\nindex-strategy = unsafe-best-match\n");
    let settings = load(&ConfigSources::new(
        env(&[
            ("PIP_INDEX_STRATEGY", "bogus"),
            ("PIPIT_CACHE_DIR", "/cache"),
            ("PIPIT_INDEX_TTL", "30"),
        ]),
        vec![file(ConfigFileKind::Global, &conf)],
    ))
    .unwrap();
    assert_eq!(settings.index_strategy.value, IndexStrategy::FirstIndex);
    assert_eq!(
        settings.cache_dir.map(|c| c.value),
        Some(PathBuf::from("/cache"))
    );
    assert_eq!(settings.index_ttl.value, 30);

    let settings = load(&ConfigSources::new(
        env(&[("PIPIT_INDEX_STRATEGY", "unsafe-best-match")]),
        Vec::new(),
    ))
    .unwrap();
    assert_eq!(
        settings.index_strategy.value,
        IndexStrategy::UnsafeBestMatch
    );
}

#[test]
fn bad_values_name_their_source() {
    let fx = Fixture::new();
    let conf = fx.file("pip.conf", "[global]\n\ntimeout = soon\n");
    let error = load(&ConfigSources::new(
        BTreeMap::new(),
        vec![file(ConfigFileKind::Global, &conf)],
    ))
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "invalid value `soon` for `timeout` from {}:3 [global]: expected a number of seconds",
            conf.display()
        )
    );

    let cases = [
        (
            "PIPIT_INDEX_STRATEGY",
            "fastest",
            "env PIPIT_INDEX_STRATEGY",
        ),
        ("PIP_RETRIES", "-1", "env PIP_RETRIES"),
        ("PIP_NO_INDEX", "maybe", "env PIP_NO_INDEX"),
        ("PIPIT_INDEX_TTL", "1h", "env PIPIT_INDEX_TTL"),
        ("PIP_DEFAULT_TIMEOUT", "nan", "env PIP_DEFAULT_TIMEOUT"),
    ];
    for (var, value, origin) in cases {
        let error = load(&ConfigSources::new(env(&[(var, value)]), Vec::new())).unwrap_err();
        match &error {
            ConfigError::InvalidValue {
                value: got,
                origin: got_origin,
                ..
            } => {
                assert_eq!(got, value);
                assert_eq!(got_origin.to_string(), origin);
            }
            other => panic!("unexpected error {other:?}"),
        }
        assert!(error.to_string().contains(origin), "{error}");
    }
}

#[test]
fn malformed_and_unreadable_files_are_errors_with_location() {
    let fx = Fixture::new();
    let conf = fx.file(
        "pip.conf",
        "[global]\nindex-url = https://index.example/simple/\nno equals sign here\n",
    );
    let error = load(&ConfigSources::new(
        BTreeMap::new(),
        vec![file(ConfigFileKind::Global, &conf)],
    ))
    .unwrap_err();
    assert!(matches!(error, ConfigError::Malformed { line: 3, .. }));
    assert!(error
        .to_string()
        .starts_with(&format!("malformed config file `{}:3`", conf.display())));

    // A directory where a file should be cannot be read.
    let dir = fx.dir.path().join("dir.conf");
    fs_err::create_dir(&dir).unwrap();
    let error = load(&ConfigSources::new(
        BTreeMap::new(),
        vec![file(ConfigFileKind::Global, &dir)],
    ))
    .unwrap_err();
    assert!(matches!(error, ConfigError::Read { .. }), "{error:?}");
}

#[test]
fn command_line_overrides_scalars_and_appends_lists() {
    let sources = ConfigSources::new(
        env(&[
            ("PIP_INDEX_URL", "https://env.example/simple/"),
            ("PIP_EXTRA_INDEX_URL", "https://a.example/simple/"),
        ]),
        Vec::new(),
    );
    let mut settings = load(&sources).unwrap();
    settings.apply_command_line(&CommandLine {
        index_url: Some("https://index.example/simple/".to_string()),
        extra_index_urls: vec!["https://b.example/simple/".to_string()],
        timeout: Some(3.0),
        offline: true,
        ..CommandLine::default()
    });
    assert_eq!(
        index_url(&settings),
        (
            "https://index.example/simple/".to_string(),
            "command line --index-url".to_string()
        )
    );
    assert_eq!(
        values(&settings.extra_index_urls),
        ["https://a.example/simple/", "https://b.example/simple/"]
    );
    assert_eq!(settings.timeout.value, 3.0);
    assert!(settings.offline.value);
    assert!(!settings.no_index.value);
}

#[test]
#[cfg(all(unix, not(target_os = "macos")))]
fn default_locations_follow_xdg() {
    let files = default_config_files(&env(&[
        ("HOME", "/home/u"),
        ("XDG_CONFIG_DIRS", "/opt/xdg:/etc/xdg/"),
        ("XDG_CONFIG_HOME", "/home/u/cfg"),
        ("VIRTUAL_ENV", "/venv"),
    ]));
    let listed: Vec<(ConfigFileKind, &str)> = files
        .iter()
        .map(|f| (f.kind, f.path.to_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            (ConfigFileKind::Global, "/opt/xdg/pip/pip.conf"),
            (ConfigFileKind::Global, "/etc/xdg/pip/pip.conf"),
            (ConfigFileKind::Global, "/etc/pip.conf"),
            (ConfigFileKind::User, "/home/u/.pip/pip.conf"),
            (ConfigFileKind::User, "/home/u/cfg/pip/pip.conf"),
            (ConfigFileKind::Site, "/venv/pip.conf"),
        ]
    );
    let files = default_config_files(&env(&[("HOME", "/home/u")]));
    let paths: Vec<&str> = files.iter().map(|f| f.path.to_str().unwrap()).collect();
    assert_eq!(
        paths,
        [
            "/etc/xdg/pip/pip.conf",
            "/etc/pip.conf",
            "/home/u/.pip/pip.conf",
            "/home/u/.config/pip/pip.conf",
        ]
    );
}
