//! Splitting a directive's text into single PEP 508 requirements.
//!
//! Hosts let users write several requirements on one line, separated by
//! commas (`# r: numpy>=1.2,<2, requests`). A comma is also part of PEP 508
//! itself (specifier lists, extras, marker strings, URLs), so a comma
//! separates two requirements only where a new name follows it and it is not
//! inside brackets, parentheses, quotes or the middle of a URL. The
//! `#r "pip: …"` form is first split into shell words; each word goes
//! through this rule.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Url {
    /// No `@` and no URL seen in this requirement.
    None,
    /// After `name @`, before the URL starts.
    Pending,
    /// Inside the URL: it ends at the next whitespace.
    Inside,
    /// After the URL.
    Done,
}

/// The requirements in `text`, trimmed, in order; empty pieces are dropped
/// (so a trailing comma is harmless).
pub(super) fn split_requirements(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut in_marker = false;
    let mut url = Url::None;

    let push = |items: &mut Vec<String>, piece: &str| {
        let piece = piece.trim();
        if !piece.is_empty() {
            items.push(piece.to_string());
        }
    };

    for (i, c) in text.char_indices() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        // A bare URL (`git+https://…@rev`) at the start of a requirement.
        if url == Url::None && !c.is_whitespace() && text[start..i].trim().is_empty() {
            let token = text[i..].split(char::is_whitespace).next().unwrap_or("");
            if token.contains("://") {
                url = Url::Inside;
            }
        }
        match url {
            Url::Pending if !c.is_whitespace() => {
                url = Url::Inside;
            }
            Url::Inside if c.is_whitespace() => url = Url::Done,
            Url::Inside => {
                // A comma that ends the URL token (`url, numpy`) separates;
                // a comma inside it does not.
                let ends_token = text[i + 1..].chars().next().is_none_or(char::is_whitespace);
                if c == ',' && ends_token && separates(&text[i + 1..]) {
                    push(&mut items, &text[start..i]);
                    start = i + 1;
                    (depth, in_marker, url) = (0, false, Url::None);
                }
                continue;
            }
            _ => {}
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '[' | '(' => depth += 1,
            ']' | ')' => depth = depth.saturating_sub(1),
            ';' if depth == 0 => in_marker = true,
            '@' if depth == 0 && !in_marker && url == Url::None => url = Url::Pending,
            ',' if depth == 0 && separates(&text[i + 1..]) => {
                push(&mut items, &text[start..i]);
                start = i + 1;
                (depth, in_marker, url) = (0, false, Url::None);
            }
            _ => {}
        }
    }
    push(&mut items, &text[start..]);
    items
}

/// A comma separates when a name, another comma or the end follows it.
fn separates(rest: &str) -> bool {
    let rest = rest.trim_start();
    rest.is_empty() || rest.starts_with(',') || next_starts_name(rest)
}

/// PEP 508: a distribution name starts with a letter or digit.
fn next_starts_name(rest: &str) -> bool {
    rest.trim_start()
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::split_requirements;

    fn split(text: &str) -> Vec<String> {
        split_requirements(text)
    }

    #[test]
    fn commas_before_names_separate() {
        assert_eq!(split("numpy, requests"), ["numpy", "requests"]);
        assert_eq!(
            split("numpy,requests ,  rich"),
            ["numpy", "requests", "rich"]
        );
    }

    #[test]
    fn commas_in_specifier_lists_continue() {
        assert_eq!(
            split("numpy>=1.2,<2, requests"),
            ["numpy>=1.2,<2", "requests"]
        );
        assert_eq!(
            split("numpy >= 1.2 , != 1.5, < 2"),
            ["numpy >= 1.2 , != 1.5, < 2"]
        );
        assert_eq!(split("pkg (>=1, <2), other"), ["pkg (>=1, <2)", "other"]);
    }

    #[test]
    fn commas_in_extras_continue() {
        assert_eq!(split("a[x, y]>=1, b"), ["a[x, y]>=1", "b"]);
    }

    #[test]
    fn markers_end_at_a_comma_before_a_name() {
        assert_eq!(
            split(r#"requests; python_version < "3.9", numpy"#),
            [r#"requests; python_version < "3.9""#, "numpy"]
        );
        // A comma inside a quoted marker value is not a separator.
        assert_eq!(
            split(r#"a; platform_release == "x, y""#),
            [r#"a; platform_release == "x, y""#]
        );
    }

    #[test]
    fn urls_keep_their_commas() {
        assert_eq!(
            split("pkg @ https://files.example/a,b/pkg-1.0-py3-none-any.whl, numpy"),
            [
                "pkg @ https://files.example/a,b/pkg-1.0-py3-none-any.whl",
                "numpy"
            ]
        );
        assert_eq!(
            split("git+https://git.example/x.git@v1, numpy"),
            ["git+https://git.example/x.git@v1", "numpy"]
        );
    }

    #[test]
    fn trailing_and_doubled_commas_are_dropped() {
        assert_eq!(split("numpy,, requests,"), ["numpy", "requests"]);
        assert!(split("  ").is_empty());
    }
}
