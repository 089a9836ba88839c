//! Lexical helpers shared by the requirements-file and script parsers: line
//! splitting, shell words, URL tests, percent-decoding and library messages.

/// Python's `str.splitlines()` (pip reads requirements files with it): lines
/// end at `\n`, `\r\n`, `\r`, `\v`, `\f`, `\x1c`, `\x1d`, `\x1e`, `\u{85}`,
/// `\u{2028}` and `\u{2029}`; a final line ending does not start a new line.
pub(crate) fn split_lines(content: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = content.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        let is_break = matches!(
            c,
            '\n' | '\r'
                | '\u{0b}'
                | '\u{0c}'
                | '\u{1c}'
                | '\u{1d}'
                | '\u{1e}'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if !is_break {
            continue;
        }
        lines.push(&content[start..index]);
        start = index + c.len_utf8();
        if c == '\r' && chars.peek().is_some_and(|&(_, next)| next == '\n') {
            chars.next();
            start += 1;
        }
    }
    if start < content.len() {
        lines.push(&content[start..]);
    }
    lines
}

/// `text` with control characters escaped (`\r`, `\t`, `\u{1b}`, …), for
/// error messages that quote what the user wrote.
pub(crate) fn escape_control(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits like a POSIX shell (pip uses `shlex.split`): whitespace separates,
/// quotes group and are removed, `\` escapes outside single quotes.
pub(crate) fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current: Option<String> = None;
    let mut quote = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') | (None, '\\') => {
                if let Some(next) = chars.next() {
                    current.get_or_insert_with(String::new).push(next);
                }
            }
            (Some(_), c) => current.get_or_insert_with(String::new).push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                current.get_or_insert_with(String::new);
            }
            (None, c) if c.is_whitespace() => words.extend(current.take()),
            (None, c) => current.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(current);
    words
}

/// A VCS URL as pip knows them: the scheme is `git`, `hg`, `svn` or `bzr`,
/// alone or as `git+https`, `hg+ssh`, … (case-insensitive).
pub(crate) fn is_vcs_url(text: &str) -> bool {
    let Some((scheme, _)) = text.trim().split_once(':') else {
        return false;
    };
    let scheme = scheme.to_ascii_lowercase();
    ["git", "hg", "svn", "bzr"].iter().any(|vcs| {
        scheme == *vcs
            || scheme
                .strip_prefix(vcs)
                .and_then(|rest| rest.strip_prefix('+'))
                .is_some_and(|rest| {
                    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric())
                })
    })
}

/// pip's `is_url`: a scheme pip can fetch from, or a VCS scheme.
pub(crate) fn is_url(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    let scheme = scheme.to_ascii_lowercase();
    matches!(scheme.as_str(), "http" | "https" | "file" | "ftp") || is_vcs_url(text)
}

/// `%XX` escapes decoded; invalid UTF-8 is replaced.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[index], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                index += 3;
            }
            (byte, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A library message as one lowercase line without a trailing period or colon. Only
/// the first line is kept when the message draws a caret under the input
/// (as `pep440_rs` and `pep508_rs` do), since the error already quotes it.
pub(crate) fn condense(message: &str) -> String {
    let message = if message.contains('^') {
        message.lines().next().unwrap_or(message)
    } else {
        message
    };
    let line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = line.trim_end_matches(['.', ':']);
    let mut chars = line.chars();
    match (chars.next(), chars.next()) {
        (Some(first), second) if second.is_none_or(|c| !c.is_uppercase()) => first
            .to_lowercase()
            .chain(line[first.len_utf8()..].chars())
            .collect(),
        _ => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_like_python_splitlines() {
        assert_eq!(split_lines("foo==1\rbar==2\r"), ["foo==1", "bar==2"]);
        assert_eq!(split_lines("a\r\nb\nc"), ["a", "b", "c"]);
        assert_eq!(split_lines("a\n\nb\n"), ["a", "", "b"]);
        assert_eq!(
            split_lines("a\u{0b}b\u{0c}c\u{1c}d\u{85}e\u{2028}f\u{2029}g"),
            ["a", "b", "c", "d", "e", "f", "g"]
        );
        assert_eq!(split_lines("a\r\r\nb"), ["a", "", "b"]);
        assert!(split_lines("").is_empty());
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("foo\r==1\t\u{1b}"), "foo\\r==1\\t\\u{1b}");
        assert_eq!(escape_control("C:\\wheels\\é"), "C:\\wheels\\é");
    }

    #[test]
    fn vcs_and_other_urls() {
        assert!(is_vcs_url("git+https://git.example/r.git"));
        assert!(is_vcs_url(" HG+ssh://hg.example/r"));
        assert!(is_vcs_url("git://git.example/r.git"));
        assert!(!is_vcs_url("gitlab-tools"));
        assert!(!is_vcs_url("https://x.example/git+a"));
        assert!(is_url("https://x.example/a.whl"));
        assert!(is_url("git+ssh://git@git.example/r.git"));
        assert!(is_url("FILE:///tmp/x"));
        assert!(!is_url("C:\\wheels\\x.whl"));
        assert!(!is_url("foo @ https://x.example/a.whl"));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%2Bb%zz%4"), "a+b%zz%4");
    }

    #[test]
    fn condensed_messages_drop_caret_art() {
        assert_eq!(
            condense("Unexpected end of version specifier, expected operator:\nbogus\n^^^^^"),
            "unexpected end of version specifier, expected operator"
        );
        assert_eq!(condense("Expected a  version.\n"), "expected a version");
    }
}
