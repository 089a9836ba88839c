//! A small, forgiving scan of HTML for the few tags a Simple API page needs
//! (`<a>`, `<base>`, `<meta>`), and HTML character reference unescaping.
//!
//! Index pages are machine-written and tiny; a full HTML5 tree builder would
//! buy nothing. The scan skips comments, doctypes, closing tags and the raw
//! text of `<script>`/`<style>`, so junk markup around the anchors does not
//! hide them. A tag of interest left open at the end of the body is an error.

/// A start tag: lowercase name, attributes in order (lowercase names, values
/// unescaped; `None` for an attribute written without `=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tag {
    pub(crate) name: String,
    pub(crate) attributes: Attributes,
}

impl Tag {
    /// The first attribute of that name (HTML keeps the first of duplicates).
    /// `Some(None)` if present without a value.
    pub(crate) fn attribute(&self, name: &str) -> Option<Option<&str>> {
        self.attributes
            .iter()
            .find(|(attribute, _)| attribute == name)
            .map(|(_, value)| value.as_deref())
    }
}

/// Attribute names and values, in document order.
pub(crate) type Attributes = Vec<(String, Option<String>)>;

const RAW_TEXT_TAGS: &[&str] = &["script", "style", "textarea", "title"];

/// Every start tag named in `wanted`, in document order.
pub(crate) fn scan(body: &str, wanted: &[&str]) -> Result<Vec<Tag>, String> {
    let bytes = body.as_bytes();
    let mut tags = Vec::new();
    let mut position = 0;
    while let Some(offset) = body[position..].find('<') {
        let start = position + offset;
        let rest = &body[start..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            match comment.find("-->") {
                Some(end) => position = start + 4 + end + 3,
                None => break,
            }
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") || rest.starts_with("</") {
            match rest.find('>') {
                Some(end) => position = start + end + 1,
                None => break,
            }
            continue;
        }
        let name_length = rest[1..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len() - 1);
        if name_length == 0 || !bytes[start + 1].is_ascii_alphabetic() {
            position = start + 1;
            continue;
        }
        let name = rest[1..1 + name_length].to_ascii_lowercase();
        let (attributes, end) = match parse_attributes(body, start + 1 + name_length) {
            Some(parsed) => parsed,
            None if wanted.contains(&name.as_str()) => {
                return Err(format!("tag `<{name}` at byte {start} is never closed"));
            }
            None => break,
        };
        position = end;
        if RAW_TEXT_TAGS.contains(&name.as_str()) {
            position = skip_raw_text(body, position, &name);
        }
        if wanted.contains(&name.as_str()) {
            tags.push(Tag { name, attributes });
        }
    }
    Ok(tags)
}

/// Parse attributes from `position` (just after the tag name) to the closing
/// `>`; returns them and the position after `>`, or `None` at end of input.
fn parse_attributes(body: &str, mut position: usize) -> Option<(Attributes, usize)> {
    let bytes = body.as_bytes();
    let mut attributes: Attributes = Vec::new();
    loop {
        while position < bytes.len()
            && (bytes[position].is_ascii_whitespace() || bytes[position] == b'/')
        {
            position += 1;
        }
        if *bytes.get(position)? == b'>' {
            return Some((attributes, position + 1));
        }
        let name_start = position;
        while position < bytes.len()
            && !bytes[position].is_ascii_whitespace()
            && !matches!(bytes[position], b'=' | b'>' | b'/')
        {
            position += 1;
        }
        let name = body[name_start..position].to_ascii_lowercase();
        while position < bytes.len() && bytes[position].is_ascii_whitespace() {
            position += 1;
        }
        let value = if bytes.get(position) == Some(&b'=') {
            position += 1;
            while position < bytes.len() && bytes[position].is_ascii_whitespace() {
                position += 1;
            }
            let raw = match bytes.get(position)? {
                quote @ (b'"' | b'\'') => {
                    let close = body[position + 1..].find(*quote as char)?;
                    let raw = &body[position + 1..position + 1 + close];
                    position += close + 2;
                    raw
                }
                _ => {
                    let value_start = position;
                    while position < bytes.len()
                        && !bytes[position].is_ascii_whitespace()
                        && bytes[position] != b'>'
                    {
                        position += 1;
                    }
                    &body[value_start..position]
                }
            };
            Some(unescape(raw))
        } else {
            None
        };
        if !name.is_empty() && !attributes.iter().any(|(existing, _)| *existing == name) {
            attributes.push((name, value));
        }
    }
}

/// Skip the raw text of `<script>` and friends up to their closing tag.
fn skip_raw_text(body: &str, position: usize, name: &str) -> usize {
    let closing = format!("</{name}");
    let lower = body[position..].to_ascii_lowercase();
    match lower.find(&closing) {
        Some(offset) => position + offset,
        None => body.len(),
    }
}

/// Replace HTML character references: the named ones an index page uses
/// (`&amp;` `&lt;` `&gt;` `&quot;` `&apos;` `&nbsp;`, with their `;`) and
/// every numeric one (`&#39;`, `&#x27;`, `;` optional as in HTML). Invalid
/// code points become U+FFFD; anything else is left as written.
pub(crate) fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(index) = rest.find('&') {
        out.push_str(&rest[..index]);
        rest = &rest[index..];
        match decode_reference(rest) {
            Some((decoded, length)) => {
                out.push(decoded);
                rest = &rest[length..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Decode the reference at the start of `text` (which starts with `&`);
/// returns the character and how many bytes it used.
fn decode_reference(text: &str) -> Option<(char, usize)> {
    let body = &text[1..];
    if let Some(numeric) = body.strip_prefix('#') {
        let (digits_start, radix) = match numeric.as_bytes().first() {
            Some(b'x' | b'X') => (1, 16),
            _ => (0, 10),
        };
        let digits = &numeric[digits_start..];
        let length = digits
            .find(|c: char| !c.is_digit(radix))
            .unwrap_or(digits.len());
        if length == 0 {
            return None;
        }
        let decoded = u32::from_str_radix(&digits[..length], radix)
            .ok()
            .filter(|code| *code != 0)
            .and_then(char::from_u32)
            .unwrap_or('\u{fffd}');
        let mut used = 2 + digits_start + length;
        if text[used..].starts_with(';') {
            used += 1;
        }
        return Some((decoded, used));
    }
    let length = body.find(';')?;
    let decoded = match &body[..length] {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        _ => return None,
    };
    Some((decoded, length + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_named_and_numeric_references() {
        assert_eq!(unescape("&gt;=3.8"), ">=3.8");
        assert_eq!(
            unescape("a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#x27; &#X41;"),
            "a & b <c> \"d\" 'e' A"
        );
        assert_eq!(unescape("&#39"), "'");
        assert_eq!(
            unescape("&#0; &#x110000; &#xD800;"),
            "\u{fffd} \u{fffd} \u{fffd}"
        );
        assert_eq!(
            unescape("AT&T &unknown; & &#; &amp"),
            "AT&T &unknown; & &#; &amp"
        );
        assert_eq!(unescape("caf&#233;"), "café");
    }

    #[test]
    fn scans_tags_through_junk() {
        let body = "<!DOCTYPE html><html><!-- <a href=\"hidden\"> --><script>if (a<b) { '<a href=\"x\">' }</script>\
            <p>1 < 2</p><A HREF='one' data-yanked>x</A><a href=two title=\"a>b\" href=\"dup\"><br/><base href=\"/b/\">";
        let tags = scan(body, &["a", "base"]).unwrap();
        assert_eq!(tags.len(), 3);
        assert_eq!(tags[0].attribute("href"), Some(Some("one")));
        assert_eq!(tags[0].attribute("data-yanked"), Some(None));
        assert_eq!(tags[1].attribute("href"), Some(Some("two")));
        assert_eq!(tags[1].attribute("title"), Some(Some("a>b")));
        assert_eq!(tags[2].name, "base");
    }

    #[test]
    fn unclosed_wanted_tag_is_an_error() {
        assert!(scan("<a href=\"x", &["a"])
            .unwrap_err()
            .contains("never closed"));
        assert!(scan("<a href=x", &["a"]).is_err());
        assert_eq!(scan("<p class=x", &["a"]).unwrap(), Vec::new());
    }
}
