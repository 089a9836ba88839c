//! A wheel's `RECORD`: one CSV row per installed file (path, `sha256=`
//! urlsafe-base64 digest without padding, size), read leniently and written
//! the way Python's `csv` module writes it, as pip does (minimal quoting,
//! `\r\n` line ends), so a tree pipit writes compares equal with pip's.

use std::io::Read;

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// One row of `RECORD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordEntry {
    /// The path, `/`-separated, relative to the folder holding `.dist-info`.
    pub path: String,
    /// `sha256=<urlsafe base64, no padding>`; `None` for RECORD itself and
    /// for files pip leaves unhashed (bytecode).
    pub hash: Option<String>,
    /// Size in bytes, when recorded.
    pub size: Option<u64>,
}

/// A `RECORD` that cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecordError {
    #[error("line {line}: unterminated quoted field")]
    Unterminated { line: usize },
    #[error("line {line}: invalid size `{size}`")]
    InvalidSize { line: usize, size: String },
    #[error("line {line}: empty path")]
    EmptyPath { line: usize },
}

impl RecordEntry {
    /// The recorded sha256 digest as raw bytes, if the hash is a valid sha256.
    pub fn sha256(&self) -> Option<Vec<u8>> {
        let encoded = self.hash.as_deref()?.strip_prefix("sha256=")?;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(encoded.trim_end_matches('='))
            .ok()
            .filter(|digest| digest.len() == 32)
    }
}

/// Reads `RECORD` text. Rows with fewer than three fields are accepted (pip
/// accepts them too); blank lines are skipped.
pub fn parse_record(text: &str) -> Result<Vec<RecordEntry>, RecordError> {
    // Nearly every RECORD quotes nothing: then a row is a line and a field
    // is what lies between commas, read without the character-by-character
    // CSV reader (a warm install parses 6,500 rows for the science set).
    if !text.contains('"') {
        return parse_unquoted(text);
    }
    parse_csv(text)
}

/// [`parse_record`] for text without a `"`: the same rows, errors and line
/// numbers as the CSV reader gives.
fn parse_unquoted(text: &str) -> Result<Vec<RecordEntry>, RecordError> {
    let mut entries = Vec::with_capacity(text.len() / 64);
    let mut lines = text.split('\n').peekable();
    let mut line = 0;
    while let Some(mut row) = lines.next() {
        line += 1;
        // The reader drops a `\r` only before a `\n`.
        if lines.peek().is_some() {
            row = row.strip_suffix('\r').unwrap_or(row);
        }
        if row.is_empty() {
            continue;
        }
        let mut fields = row.split(',');
        let path = fields.next().unwrap_or_default();
        let hash = fields.next().unwrap_or_default();
        let size_field = fields.next().unwrap_or_default();
        if path.is_empty() && hash.is_empty() && size_field.is_empty() && fields.all(str::is_empty)
        {
            continue;
        }
        entries.push(row_entry(path, hash, size_field, line)?);
    }
    Ok(entries)
}

/// The entry of a row that is not all empty, from its first three fields
/// (missing ones empty); `line` names the row in errors.
fn row_entry(path: &str, hash: &str, size: &str, line: usize) -> Result<RecordEntry, RecordError> {
    if path.is_empty() {
        return Err(RecordError::EmptyPath { line });
    }
    let size = match size.trim() {
        "" => None,
        size => Some(size.parse().map_err(|_| RecordError::InvalidSize {
            line,
            size: size.to_string(),
        })?),
    };
    Ok(RecordEntry {
        path: path.to_string(),
        hash: (!hash.is_empty()).then(|| hash.to_string()),
        size,
    })
}

/// [`parse_record`] for any text, quoted fields included, as Python's
/// `csv` module reads it.
fn parse_csv(text: &str) -> Result<Vec<RecordEntry>, RecordError> {
    let mut entries = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut row_has_content = false;
    let finish_row =
        |fields: &mut Vec<String>, line: usize| -> Result<Option<RecordEntry>, RecordError> {
            let row = std::mem::take(fields);
            if row.iter().all(String::is_empty) {
                return Ok(None);
            }
            let field = |index: usize| row.get(index).map_or("", String::as_str);
            row_entry(field(0), field(1), field(2), line).map(Some)
        };
    while let Some(c) = chars.next() {
        match c {
            '"' if field.is_empty() => {
                row_has_content = true;
                let start = line;
                loop {
                    match chars.next() {
                        None => return Err(RecordError::Unterminated { line: start }),
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(other) => {
                            if other == '\n' {
                                line += 1;
                            }
                            field.push(other);
                        }
                    }
                }
            }
            ',' => {
                row_has_content = true;
                fields.push(std::mem::take(&mut field));
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                if row_has_content || !field.is_empty() {
                    fields.push(std::mem::take(&mut field));
                    if let Some(entry) = finish_row(&mut fields, line)? {
                        entries.push(entry);
                    }
                }
                fields.clear();
                row_has_content = false;
                line += 1;
            }
            other => {
                row_has_content = true;
                field.push(other);
            }
        }
    }
    if row_has_content || !field.is_empty() {
        fields.push(field);
        if let Some(entry) = finish_row(&mut fields, line)? {
            entries.push(entry);
        }
    }
    Ok(entries)
}

/// `RECORD` text for `entries`, in the given order, as Python's
/// `csv.writer` writes it.
pub fn write_record(entries: &[RecordEntry]) -> String {
    let mut out = String::new();
    for entry in entries {
        push_field(&mut out, &entry.path);
        out.push(',');
        push_field(&mut out, entry.hash.as_deref().unwrap_or(""));
        out.push(',');
        if let Some(size) = entry.size {
            out.push_str(&size.to_string());
        }
        out.push_str("\r\n");
    }
    out
}

fn push_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

/// `sha256=<urlsafe base64 without padding>` of `bytes`, as RECORD spells it.
pub fn record_hash(bytes: &[u8]) -> String {
    encode_digest(&Sha256::digest(bytes))
}

/// RECORD's spelling of a raw sha256 digest.
pub fn encode_digest(digest: &[u8]) -> String {
    format!(
        "sha256={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    )
}

/// The RECORD hash and size of what `reader` yields.
pub fn hash_reader(mut reader: impl Read) -> std::io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let size = std::io::copy(&mut reader, &mut hasher)?;
    Ok((encode_digest(&hasher.finalize()), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pip_rows_with_quotes_and_crlf() {
        let text = "a/b.py,sha256=AAAA,12\r\n\"odd,name.py\",sha256=BB,3\r\n\r\na-1.0.dist-info/RECORD,,\r\n\"q\"\"uote\",,\n";
        let entries = parse_record(text).unwrap();
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[0].path, "a/b.py");
        assert_eq!(entries[0].hash.as_deref(), Some("sha256=AAAA"));
        assert_eq!(entries[0].size, Some(12));
        assert_eq!(entries[1].path, "odd,name.py");
        assert_eq!(entries[2].hash, None);
        assert_eq!(entries[2].size, None);
        assert_eq!(entries[3].path, "q\"uote");
    }

    #[test]
    fn unquoted_rows_read_as_the_csv_reader_reads_them() {
        let texts = [
            "a/b.py,sha256=AAAA,12\r\nb.py,,\r\n",
            "a.py,h,1\nb.py,h, 2 \n\n\r\n,,\n,\nc.py\nd.py,h\ne.py,h,3,extra,more",
            "lone\rcr.py,h,1\r\nend.py,h,2\r",
            "caf\u{e9}.py,sha256=x,5\r\n",
            "",
            "\r\n\n",
            "a.py,h,1\n,h,2\n",
            "a.py,h,1\nb.py,h,x\n",
            "a.py,h,1\nb.py,h,-1",
        ];
        for text in texts {
            assert_eq!(parse_unquoted(text), parse_csv(text), "{text:?}");
        }
        // Every text of up to five characters from the ones that matter.
        let alphabet = ['a', '\u{e9}', ',', ' ', '\r', '\n', '1'];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = texts
                .iter()
                .filter(|text| {
                    text.chars().count() == texts.last().map_or(0, |last| last.chars().count())
                })
                .flat_map(|text| alphabet.map(|c| format!("{text}{c}")))
                .collect();
            for text in &longer {
                assert_eq!(parse_unquoted(text), parse_csv(text), "{text:?}");
            }
            texts.extend(longer);
        }
        assert_eq!(
            parse_record("a.py,h,1\n,h,2\n"),
            Err(RecordError::EmptyPath { line: 2 })
        );
        let rows = parse_record("lone\rcr.py,h,1\r\nend.py,h,2\r").unwrap();
        assert_eq!(rows[0].path, "lone\rcr.py", "a lone \\r is part of a field");
        assert_eq!(rows[1].size, Some(2), "sizes are trimmed");
    }

    #[test]
    fn writes_what_it_reads() {
        let entries = vec![
            RecordEntry {
                path: "caf\u{e9}/x,y.py".into(),
                hash: Some(record_hash(b"x")),
                size: Some(1),
            },
            RecordEntry {
                path: "a-1.dist-info/RECORD".into(),
                hash: None,
                size: None,
            },
        ];
        let text = write_record(&entries);
        assert!(text.starts_with("\"caf\u{e9}/x,y.py\",sha256="), "{text}");
        assert!(text.ends_with("a-1.dist-info/RECORD,,\r\n"), "{text}");
        assert_eq!(parse_record(&text).unwrap(), entries);
    }

    #[test]
    fn hash_matches_pythons_spelling() {
        // python3 -c "import hashlib,base64;print(base64.urlsafe_b64encode(hashlib.sha256(b'x=1\n').digest()).rstrip(b'='))"
        assert_eq!(
            record_hash(b"x=1\n"),
            "sha256=mHUu4o1UhL3CgU-3CttqCy-zH2qbjueugf0vyc8wCzs"
        );
        let entry = RecordEntry {
            path: "x".into(),
            hash: Some(record_hash(b"x=1\n")),
            size: None,
        };
        assert_eq!(entry.sha256().unwrap(), Sha256::digest(b"x=1\n").to_vec());
    }

    #[test]
    fn bad_rows_are_errors_with_their_line() {
        assert_eq!(
            parse_record("a,sha256=x,12\nb,sha256=y,big\n"),
            Err(RecordError::InvalidSize {
                line: 2,
                size: "big".into()
            })
        );
        assert_eq!(
            parse_record("a,,\n\"b,,\n"),
            Err(RecordError::Unterminated { line: 2 })
        );
    }
}
