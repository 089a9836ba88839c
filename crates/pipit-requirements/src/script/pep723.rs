//! PEP 723 inline metadata blocks (`# /// script` … `# ///`), found line by
//! line with the semantics of the PEP's reference regular expression:
//!
//! ```text
//! (?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\s(?P<content>(^#(| .*)$\s)+)^# ///$
//! ```
//!
//! The opening line is exactly `# /// TYPE` at column 0; every following line
//! that is exactly `#` or starts with `# ` is content; the block closes at the
//! *last* `# ///` line of that run of content lines (the regex is greedy).
//! One deviation: `# /// script` directly followed by `# ///` is accepted as
//! an empty block (the regex needs one content line) rather than reported as
//! unclosed.

/// One matched block: 0-based indices of the opening and closing lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Block {
    pub(super) kind: String,
    pub(super) open: usize,
    pub(super) close: usize,
}

impl Block {
    /// The TOML text: content lines with their leading `# ` (or `#`) removed.
    pub(super) fn content(&self, lines: &[&str]) -> String {
        let mut content = String::new();
        for line in &lines[self.open + 1..self.close] {
            content.push_str(line.strip_prefix("# ").unwrap_or(""));
            content.push('\n');
        }
        content
    }
}

/// An opening line without a closing line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Unclosed {
    pub(super) kind: String,
    /// The first line that is not content, when a `# ///` line follows it
    /// (so the block was meant to go on and that line broke it).
    pub(super) broken_at: Option<usize>,
}

/// What starts at line `open`: nothing, a closed block, or an opening line
/// without a closing line.
pub(super) fn match_block(lines: &[&str], open: usize) -> Option<Result<Block, Unclosed>> {
    let kind = lines[open].strip_prefix("# /// ")?;
    if kind.is_empty() || !kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return None;
    }
    let mut close = None;
    let mut end = lines.len();
    for (index, line) in lines.iter().enumerate().skip(open + 1) {
        if !is_content_line(line) {
            end = index;
            break;
        }
        if *line == "# ///" {
            close = Some(index);
        }
    }
    Some(match close {
        Some(close) => Ok(Block {
            kind: kind.to_string(),
            open,
            close,
        }),
        None => Err(Unclosed {
            kind: kind.to_string(),
            broken_at: lines[end..].contains(&"# ///").then_some(end),
        }),
    })
}

fn is_content_line(line: &str) -> bool {
    line == "#" || line.starts_with("# ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closes_at_the_last_closing_line_of_the_run() {
        let lines = [
            "# /// script",
            "# a = 1",
            "# ///",
            "# b = 2",
            "# ///",
            "",
            "# ///",
        ];
        let block = match_block(&lines, 0).unwrap().unwrap();
        assert_eq!(block.kind, "script");
        assert_eq!((block.open, block.close), (0, 4));
        assert_eq!(block.content(&lines), "a = 1\n///\nb = 2\n");
    }

    #[test]
    fn bare_hash_lines_are_empty_content() {
        let lines = ["# /// script", "# a = 1", "#", "# b = 2", "# ///"];
        let block = match_block(&lines, 0).unwrap().unwrap();
        assert_eq!(block.content(&lines), "a = 1\n\nb = 2\n");
    }

    #[test]
    fn opening_line_must_be_exact() {
        assert!(match_block(&["  # /// script", "# a", "# ///"], 0).is_none());
        assert!(match_block(&["#/// script", "# a", "# ///"], 0).is_none());
        assert!(match_block(&["# /// script ", "# a", "# ///"], 0).is_none());
        assert!(match_block(&["# /// my_type", "# a", "# ///"], 0).is_none());
    }

    #[test]
    fn a_non_content_line_ends_the_run() {
        // `#x` is not a content line, so the `# ///` after it does not close.
        let lines = ["# /// script", "# a = 1", "#x", "# ///"];
        assert_eq!(
            match_block(&lines, 0),
            Some(Err(Unclosed {
                kind: "script".to_string(),
                broken_at: Some(2)
            }))
        );
        // Trailing whitespace makes `# /// ` content, not a closing line.
        let lines = ["# /// script", "# a = 1", "# /// "];
        assert_eq!(
            match_block(&lines, 0),
            Some(Err(Unclosed {
                kind: "script".to_string(),
                broken_at: None
            }))
        );
    }
}
