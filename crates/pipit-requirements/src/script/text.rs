//! Lexical helpers for directive lines: quotes, providers, pip arguments,
//! comments, paths and library messages.

/// `C:\…`, `C:/…` or `\\server\…`: absolute on Windows, whatever the
/// platform that reads the script.
pub(super) fn is_windows_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with("\\\\")
        || (bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && matches!(bytes[2], b'\\' | b'/'))
}

/// The text between the opening quote at the start of `text` and its closing
/// quote: the first later `"` after which only whitespace or a comment
/// (`#`, `//`) follows. This tolerates double quotes inside, as in
/// `#r "pip: a; python_version < "3.9""`.
pub(super) fn quoted_text(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('"')?;
    inner.match_indices('"').find_map(|(index, _)| {
        let rest = inner[index + 1..].trim_start();
        (rest.is_empty() || rest.starts_with('#') || rest.starts_with("//"))
            .then(|| &inner[..index])
    })
}

/// `provider: rest` with the provider lowercased. A provider has two or more
/// characters, so `C:\libs\Some.dll` is a path; `scheme://…` is a URL.
pub(super) fn split_provider(text: &str) -> Option<(String, &str)> {
    let (provider, rest) = text.split_once(':')?;
    let provider = provider.trim();
    let valid = provider.len() >= 2
        && provider.starts_with(|c: char| c.is_ascii_alphabetic())
        && provider
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'));
    (valid && !rest.starts_with("//")).then(|| (provider.to_ascii_lowercase(), rest))
}

/// `--opt=value` → (`--opt`, `value`); `-ivalue` → (`-i`, `value`).
pub(super) fn split_option(token: &str) -> (&str, Option<&str>) {
    if token.starts_with("--") {
        match token.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (token, None),
        }
    } else if token.len() > 2 && token.is_char_boundary(2) {
        let value = &token[2..];
        (&token[..2], Some(value.strip_prefix('=').unwrap_or(value)))
    } else {
        (token, None)
    }
}

pub(super) fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|existing| existing == value) {
        list.push(value.to_string());
    }
}

/// Drops a trailing ` # comment` (a `#` preceded by whitespace).
pub(super) fn strip_trailing_comment(value: &str) -> &str {
    let cut = value
        .char_indices()
        .find(|&(index, c)| c == '#' && value[..index].ends_with(char::is_whitespace))
        .map_or(value.len(), |(index, _)| index);
    value[..cut].trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_quote_is_followed_by_nothing_or_a_comment() {
        assert_eq!(quoted_text("\"pip: x\""), Some("pip: x"));
        assert_eq!(quoted_text("\"pip: x\"  // note \"y\""), Some("pip: x"));
        assert_eq!(
            quoted_text("\"pip: a; b < \"3\"\""),
            Some("pip: a; b < \"3\"")
        );
        assert_eq!(quoted_text("\"pip: x"), None);
        assert_eq!(quoted_text("\"pip: x\" y"), None);
    }

    #[test]
    fn providers_paths_and_urls() {
        assert_eq!(
            split_provider("NuGet: A, 1"),
            Some(("nuget".to_string(), " A, 1"))
        );
        assert_eq!(split_provider("C:\\libs\\Some.dll"), None);
        assert_eq!(split_provider("https://files.example/Some.dll"), None);
        assert_eq!(split_provider("Some.dll"), None);
    }

    #[test]
    fn options() {
        assert_eq!(split_option("--index-url=u"), ("--index-url", Some("u")));
        assert_eq!(split_option("--pre"), ("--pre", None));
        assert_eq!(split_option("-iu"), ("-i", Some("u")));
        assert_eq!(split_option("-e"), ("-e", None));
    }

    #[test]
    fn trailing_comments() {
        assert_eq!(strip_trailing_comment(" numpy  # arrays"), "numpy");
        assert_eq!(
            strip_trailing_comment(" a @ https://x/a.whl#sha256=00"),
            "a @ https://x/a.whl#sha256=00"
        );
    }
}
