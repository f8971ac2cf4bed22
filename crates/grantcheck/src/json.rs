//! Strict JSON text → [`Node`] with spans, for policy documents and the parts of a plan that
//! grantcheck reads closely.

use jsonc_parser::ast;
use jsonc_parser::{CollectOptions, ParseOptions};

use crate::source::{FileId, Span};
use crate::value::{Key, Node, NodeKind, StrValue, TextMap};

/// Deepest nesting accepted in any JSON text. Real plans nest a few dozen levels.
pub const MAX_DEPTH: usize = 256;

/// Where the JSON text sits in its source file.
#[derive(Clone, Copy, Debug)]
pub struct Placement {
    pub file: FileId,
    /// Byte offset of the text's first byte in the source, when bytes map one to one.
    pub base: Option<u32>,
    /// The span every node gets when there is no exact mapping (the enclosing string).
    pub whole: Span,
}

impl Placement {
    /// Text that is (a slice of) the source file itself, starting at `base`.
    pub fn exact(file: FileId, base: u32, len: usize) -> Self {
        Placement {
            file,
            base: Some(base),
            whole: Span::new(file, base as usize, base as usize + len),
        }
    }

    /// Text held in a string whose characters do not map one to one (an escaped JSON string).
    pub fn collapsed(whole: Span) -> Self {
        Placement {
            file: whole.file,
            base: None,
            whole,
        }
    }

    /// Placement for JSON decoded from a string value.
    pub fn of_string(s: &StrValue, span: Span) -> Self {
        match s.map {
            TextMap::Exact { base } => Placement::exact(span.file, base, s.value.len()),
            TextMap::Collapsed => Placement::collapsed(span),
        }
    }

    fn span(&self, r: ast_range::R) -> Span {
        match self.base {
            Some(b) => Span::new(self.file, b as usize + r.0, b as usize + r.1),
            None => self.whole,
        }
    }

    fn map_for(&self, r: ast_range::R) -> TextMap {
        match self.base {
            // +1: the string's content starts after its opening quote; exact only when the
            // literal has no escapes (checked by the caller).
            Some(b) => TextMap::Exact {
                base: (b as usize + r.0 + 1).try_into().unwrap_or(u32::MAX),
            },
            None => TextMap::Collapsed,
        }
    }
}

mod ast_range {
    pub type R = (usize, usize);
}

/// A JSON syntax error with its place.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonError {
    pub message: String,
    pub span: Span,
}

/// Returns the byte offset where nesting first exceeds `max`, ignoring brackets in strings.
/// One pass, no allocation: safe to run on any text before a parser recurses into it.
pub fn depth_exceeded(text: &str, max: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    // Nesting can only pass `max` if there are more than `max` opening brackets at all: a
    // count that vectorises settles almost every text without the string-aware walk.
    if bytes.iter().filter(|&&b| b == b'[' || b == b'{').count() <= max {
        return None;
    }
    let mut depth = 0usize;
    let mut i = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                // skip the string: jump to the next quote or backslash
                i += 1;
                loop {
                    match memchr::memchr2(b'"', b'\\', &bytes[i.min(bytes.len())..]) {
                        Some(k) if bytes[i + k] == b'\\' => i += k + 2,
                        Some(k) => {
                            i += k;
                            break;
                        }
                        None => return None,
                    }
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

fn strict() -> ParseOptions {
    ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// Parses strict JSON into a [`Node`] tree placed in its source.
pub fn parse(text: &str, at: Placement) -> Result<Node, JsonError> {
    if let Some(off) = depth_exceeded(text, MAX_DEPTH) {
        return Err(JsonError {
            message: format!("JSON nests deeper than {MAX_DEPTH} levels"),
            span: at.span((off, off + 1)),
        });
    }
    let parsed =
        jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &strict()).map_err(|e| {
            let r = e.range();
            JsonError {
                message: e.kind().to_string(),
                span: at.span((r.start, r.end)),
            }
        })?;
    match parsed.value {
        Some(v) => Ok(convert(text, &v, &at)),
        None => Err(JsonError {
            message: "empty JSON text".to_string(),
            span: at.whole,
        }),
    }
}

fn convert(text: &str, v: &ast::Value<'_>, at: &Placement) -> Node {
    match v {
        ast::Value::StringLit(s) => string_node(text, s, at),
        ast::Value::NumberLit(n) => Node::new(
            NodeKind::Number(n.value.to_string()),
            at.span((n.range.start, n.range.end)),
        ),
        ast::Value::BooleanLit(b) => Node::new(
            NodeKind::Bool(b.value),
            at.span((b.range.start, b.range.end)),
        ),
        ast::Value::NullKeyword(n) => {
            Node::new(NodeKind::Null, at.span((n.range.start, n.range.end)))
        }
        ast::Value::Array(a) => Node::new(
            NodeKind::Array(a.elements.iter().map(|e| convert(text, e, at)).collect()),
            at.span((a.range.start, a.range.end)),
        ),
        ast::Value::Object(o) => {
            let members = o
                .properties
                .iter()
                .map(|p| {
                    let (name, r) = match &p.name {
                        ast::ObjectPropName::String(s) => (s.value.to_string(), s.range),
                        ast::ObjectPropName::Word(w) => (w.value.to_string(), w.range),
                    };
                    (
                        Key {
                            name,
                            span: at.span((r.start, r.end)),
                        },
                        convert(text, &p.value, at),
                    )
                })
                .collect();
            Node::new(
                NodeKind::Object(members),
                at.span((o.range.start, o.range.end)),
            )
        }
    }
}

fn string_node(text: &str, s: &ast::StringLit<'_>, at: &Placement) -> Node {
    let raw = text.get(s.range.start..s.range.end).unwrap_or("");
    let map = if raw.contains('\\') {
        TextMap::Collapsed
    } else {
        at.map_for((s.range.start, s.range.end))
    };
    Node::string(
        s.value.to_string(),
        at.span((s.range.start, s.range.end)),
        map,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_exact_with_a_base() {
        let text = r#"{"a": ["x", 1]}"#;
        let n = parse(text, Placement::exact(0, 10, text.len())).unwrap();
        let arr = n.get("a").unwrap();
        let x = &arr.items()[0];
        assert_eq!(x.as_str(), Some("x"));
        assert_eq!((x.span.start, x.span.end), (10 + 7, 10 + 10));
    }

    #[test]
    fn collapsed_spans_point_at_the_whole_string() {
        let whole = Span::new(0, 5, 50);
        let n = parse(r#"{"a": "b"}"#, Placement::collapsed(whole)).unwrap();
        assert_eq!(n.get("a").unwrap().span, whole);
    }

    #[test]
    fn rejects_non_strict_json_and_deep_nesting() {
        let at = Placement::collapsed(Span::default());
        assert!(parse("{'a': 1}", at).is_err());
        assert!(parse("{\"a\": 1,}", at).is_err());
        assert!(parse("{\"a\": 1} x", at).is_err());
        let deep = "[".repeat(100_000);
        let e = parse(&deep, at).unwrap_err();
        assert!(e.message.contains("deeper"));
    }
}
