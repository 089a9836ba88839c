//! From file text to logical lines: decoding, `\` continuations, comments and
//! `${VAR}` expansion, in pip's order (join, strip comments, expand).

use std::borrow::Cow;

/// One logical line: its text after joining, comment removal and expansion,
/// and the 1-based line number it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogicalLine {
    pub(crate) number: usize,
    pub(crate) text: String,
}

/// File bytes as text: UTF-8 (with or without BOM) or UTF-16 with a BOM, as
/// pip's `auto_decode` accepts. `None` when the bytes are neither.
pub(crate) fn decode(bytes: &[u8]) -> Option<Cow<'_, str>> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return std::str::from_utf8(rest).ok().map(Cow::Borrowed);
    }
    let utf16 = |rest: &[u8], little: bool| -> Option<Cow<'_, str>> {
        if !rest.len().is_multiple_of(2) {
            return None;
        }
        let units = rest.chunks_exact(2).map(|pair| {
            if little {
                u16::from_le_bytes([pair[0], pair[1]])
            } else {
                u16::from_be_bytes([pair[0], pair[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .ok()
            .map(Cow::Owned)
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, false);
    }
    std::str::from_utf8(bytes).ok().map(Cow::Borrowed)
}

/// The logical lines of `content`, blank and comment-only lines dropped.
/// Physical lines end where Python's `str.splitlines()` ends them, as in pip
/// (so a lone `\r` ends a line).
///
/// pip's rules: a line ending in `\` continues on the next one (the pieces are
/// concatenated as they are); a comment line ends a continuation; a `\` on the
/// last line simply ends the file. A comment is a `#` at the start of the line
/// or after whitespace, so `#sha256=` and `#egg=` in URLs stay.
pub(crate) fn logical_lines(
    content: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<LogicalLine> {
    let mut joined: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (index, line) in crate::text::split_lines(content).into_iter().enumerate() {
        let number = index + 1;
        let is_comment = line.trim_start().starts_with('#');
        if line.ends_with('\\') && !is_comment {
            let piece = line.trim_end_matches('\\');
            match &mut pending {
                Some((_, text)) => text.push_str(piece),
                None => pending = Some((number, piece.to_string())),
            }
            continue;
        }
        match pending.take() {
            Some((start, mut text)) => {
                // pip puts a space before a comment line so that it is
                // recognised as a comment once joined.
                if is_comment {
                    text.push(' ');
                }
                text.push_str(line);
                joined.push((start, text));
            }
            None => joined.push((number, line.to_string())),
        }
    }
    if let Some(last) = pending {
        joined.push(last);
    }
    joined
        .into_iter()
        .filter_map(|(number, text)| {
            let text = strip_comment(&text).trim();
            (!text.is_empty()).then(|| LogicalLine {
                number,
                text: expand_env(text, env),
            })
        })
        .collect()
}

/// `text` without a comment: from the first `#` that starts the line or
/// follows whitespace.
fn strip_comment(text: &str) -> &str {
    let cut = text
        .char_indices()
        .find(|&(index, c)| {
            c == '#' && (index == 0 || text[..index].ends_with(char::is_whitespace))
        })
        .map_or(text.len(), |(index, _)| index);
    &text[..cut]
}

/// pip's `${NAME}` expansion: `NAME` of `A-Z`, `0-9`, `_` only; a variable
/// that is unset (or empty) is left as written.
pub(crate) fn expand_env(text: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..name_len];
        if !name.is_empty() && after[name_len..].starts_with('}') {
            match env(name).filter(|value| !value.is_empty()) {
                Some(value) => out.push_str(&value),
                None => out.push_str(&rest[start..start + 2 + name_len + 1]),
            }
            rest = &after[name_len + 1..];
        } else {
            out.push_str("${");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn lines(content: &str) -> Vec<(usize, String)> {
        logical_lines(content, &no_env)
            .into_iter()
            .map(|line| (line.number, line.text))
            .collect()
    }

    #[test]
    fn comments_and_blank_lines_are_dropped() {
        let content =
            "# header\n\n   \nfoo==1.0  # pinned\n  # indented comment\nbar#not-a-comment\n";
        assert_eq!(
            lines(content),
            vec![
                (4, "foo==1.0".to_string()),
                (6, "bar#not-a-comment".to_string())
            ]
        );
    }

    #[test]
    fn url_fragments_are_not_comments() {
        let content = "https://files.example/x-1.0.tar.gz#sha256=abc\ngit+https://git.example/r.git#egg=r # comment\n";
        assert_eq!(
            lines(content),
            vec![
                (
                    1,
                    "https://files.example/x-1.0.tar.gz#sha256=abc".to_string()
                ),
                (2, "git+https://git.example/r.git#egg=r".to_string()),
            ]
        );
    }

    #[test]
    fn continuation_keeps_the_first_line_number() {
        let content = "a\nfoo==1.0 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\nbar\n";
        assert_eq!(
            lines(content),
            vec![
                (1, "a".to_string()),
                (
                    2,
                    "foo==1.0     --hash=sha256:aa     --hash=sha256:bb".to_string()
                ),
                (5, "bar".to_string()),
            ]
        );
    }

    #[test]
    fn continuation_at_end_of_file_ends_the_line() {
        assert_eq!(
            lines("x\nfoo>=1 \\\n"),
            vec![(1, "x".to_string()), (2, "foo>=1 ".trim().to_string())]
        );
    }

    #[test]
    fn comment_line_ends_a_continuation() {
        let content = "foo \\\n# note \\\nbar\n";
        assert_eq!(
            lines(content),
            vec![(1, "foo".to_string()), (3, "bar".to_string())]
        );
    }

    #[test]
    fn env_vars_expand_only_in_pips_form() {
        let env = |name: &str| match name {
            "TOKEN" => Some("s3cret".to_string()),
            "EMPTY" => Some(String::new()),
            _ => None,
        };
        assert_eq!(
            expand_env(
                "https://${TOKEN}@host/${UNSET}/${EMPTY}/$TOKEN/${lower}/${TOKEN",
                &env
            ),
            "https://s3cret@host/${UNSET}/${EMPTY}/$TOKEN/${lower}/${TOKEN"
        );
        // Expansion happens after comments are stripped.
        let lines: Vec<_> = logical_lines(
            "-i https://${TOKEN}@index.example/simple # ${TOKEN}\n",
            &env,
        );
        assert_eq!(lines[0].text, "-i https://s3cret@index.example/simple");
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        assert_eq!(
            lines("foo==1\rbar==2\r"),
            vec![(1, "foo==1".to_string()), (2, "bar==2".to_string())]
        );
        assert_eq!(
            lines("a \\\r\n  b\u{2028}c"),
            vec![(1, "a   b".to_string()), (3, "c".to_string())]
        );
    }

    #[test]
    fn decodes_boms() {
        assert_eq!(decode(b"\xEF\xBB\xBFfoo\n").unwrap(), "foo\n");
        assert_eq!(decode(b"\xFF\xFEf\x00o\x00").unwrap(), "fo");
        assert_eq!(decode(b"\xFE\xFF\x00f\x00o").unwrap(), "fo");
        assert!(decode(b"\xC3\x28").is_none());
    }
}
