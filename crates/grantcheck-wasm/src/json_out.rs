//! JSON text for JavaScript, written in ASCII: every character past U+007F is a `\uXXXX` escape
//! (a surrogate pair past U+FFFF). `JSON.parse` gives back the same strings, and the text itself
//! stays a one-byte string in the JavaScript engine: a report with a single "…" in one message
//! would otherwise be decoded and parsed as two-byte text throughout, which costs far more than
//! the escapes on a large report.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, Serializer};

/// `serde_json::to_string`, with the characters past ASCII escaped.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut out = Vec::with_capacity(128);
    value.serialize(&mut Serializer::with_formatter(&mut out, AsciiFormatter))?;
    // Every byte written is ASCII, so this cannot fail; a lossy copy keeps the path panic-free.
    Ok(String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// The compact formatter (the trait's defaults), except for string fragments that are not ASCII.
struct AsciiFormatter;

impl Formatter for AsciiFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if fragment.is_ascii() {
            return writer.write_all(fragment.as_bytes());
        }
        let mut units = [0u16; 2];
        let mut plain = 0;
        for (i, c) in fragment.char_indices() {
            if c.is_ascii() {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[plain..i])?;
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            plain = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[plain..])
    }
}

#[cfg(test)]
mod tests {
    use super::to_string;

    #[test]
    fn past_ascii_is_escaped_and_reads_back() {
        let value = vec!["plain", "o-…", "é😀\"\\\n", ""];
        let text = to_string(&value).unwrap_or_default();
        assert!(text.is_ascii(), "{text}");
        assert_eq!(
            text,
            r#"["plain","o-\u2026","\u00e9\ud83d\ude00\"\\\n",""]"#
        );
        let back: Vec<String> = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, value);
    }

    #[test]
    fn ascii_text_is_what_serde_json_writes() {
        let value = serde_json::json!({"a": [1, 2.5, null, true], "b": "x\ty"});
        assert_eq!(
            to_string(&value).unwrap_or_default(),
            serde_json::to_string(&value).unwrap_or_default()
        );
    }
}
