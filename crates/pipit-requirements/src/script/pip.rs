//! `#r "pip: …"`: pip's command-line arguments in a script directive.

use super::text::{push_unique, split_option};
use super::{split, Parser, SourceKind, SourceRequirement, PIP_LABEL};
use crate::error::Error;
use crate::reqfile::requirement::is_editable_target;
use crate::text::shell_words;

/// The pip options a `#r "pip: …"` directive understands, and whether each
/// takes a value.
const PIP_OPTIONS: &[(&str, bool)] = &[
    ("--index-url", true),
    ("-i", true),
    ("--extra-index-url", true),
    ("--find-links", true),
    ("-f", true),
    ("--no-index", false),
    ("--pre", false),
    ("--editable", true),
    ("-e", true),
];

impl Parser<'_> {
    /// The text of `#r "pip: …"`: pip's command-line arguments, split into
    /// words as a shell would (the splitter requirements-file options use).
    pub(super) fn pip(&mut self, line: usize, text: &str) -> Result<(), Error> {
        let words = shell_words(text);
        if words.is_empty() {
            return Err(self.error(line, &self.raw, format!("empty {PIP_LABEL}")));
        }
        let mut index = 0;
        while index < words.len() {
            let word = words[index].as_str();
            index += 1;
            if !(word.starts_with('-') && word.len() > 1) {
                self.pip_argument(line, word)?;
                continue;
            }
            let (name, inline_value) = split_option(word);
            let Some(&(_, takes_value)) = PIP_OPTIONS.iter().find(|(option, _)| *option == name)
            else {
                return Err(self.error(
                    line,
                    word,
                    format!(
                        "unsupported pip option `{name}` in a script directive (supported: {})",
                        PIP_OPTIONS
                            .iter()
                            .map(|(option, _)| format!("`{option}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            };
            let value = if takes_value {
                match inline_value {
                    Some(value) if !value.is_empty() => value,
                    _ => match words.get(index) {
                        Some(next) if !next.starts_with('-') => {
                            index += 1;
                            next.as_str()
                        }
                        _ => {
                            return Err(self.error(
                                line,
                                word,
                                format!("pip option `{name}` needs a value in {PIP_LABEL}"),
                            ))
                        }
                    },
                }
            } else {
                if inline_value.is_some() {
                    return Err(self.error(
                        line,
                        word,
                        format!("pip option `{name}` takes no value in {PIP_LABEL}"),
                    ));
                }
                ""
            };
            match name {
                "--index-url" | "-i" => match &self.out.options.index_url {
                    Some(existing) if existing != value => {
                        return Err(self.error(
                            line,
                            word,
                            format!(
                                "conflicting index urls in {PIP_LABEL}: `{existing}` and `{value}`"
                            ),
                        ))
                    }
                    _ => self.out.options.index_url = Some(value.to_string()),
                },
                "--extra-index-url" => push_unique(&mut self.out.options.extra_index_urls, value),
                "--find-links" | "-f" => {
                    let value = self.resolve(value);
                    push_unique(&mut self.out.options.find_links, &value);
                }
                "--no-index" => self.out.options.no_index = true,
                "--pre" => self.out.options.pre = true,
                "-e" | "--editable" => {
                    // The rule of requirements files: a local project or a VCS URL.
                    let resolved = self.resolve(value);
                    if !is_editable_target(value) && !is_editable_target(&resolved) {
                        return Err(self.error(
                            line,
                            &format!("{name} {value}"),
                            "invalid editable requirement: expected a path to a local project or a VCS URL (`git+https://…`, `hg+…`, `svn+…`, `bzr+…`)".to_string(),
                        ));
                    }
                    self.out.sources.push(SourceRequirement {
                        kind: SourceKind::Editable,
                        spec: resolved,
                        line,
                    });
                }
                _ => unreachable!("every supported pip option is handled"),
            }
        }
        Ok(())
    }

    /// A word of `#r "pip: …"` that is not an option: one requirement, or
    /// several separated by commas (the `# r:` rule).
    fn pip_argument(&mut self, line: usize, word: &str) -> Result<(), Error> {
        if word.starts_with(['<', '>', '=', '!', '~', ';', ',', '@']) {
            return Err(self.error(
                line,
                word,
                format!(
                    "`{word}` is not a requirement: in a {PIP_LABEL} each word is one argument, as on pip's command line; quote a requirement that has spaces (`'numpy >= 1.2'`)"
                ),
            ));
        }
        for item in split::split_requirements(word) {
            self.requirement(line, &item, PIP_LABEL)?;
        }
        Ok(())
    }
}
