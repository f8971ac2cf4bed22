//! Terraform's JSON configuration syntax (`.tf.json`) → the same hcl-edit blocks the `.tf`
//! loader reads, so that one evaluator serves both.
//!
//! The JSON text is rewritten into an HCL expression of exactly the same length (a "shadow"):
//! keys that name blocks, labels and attributes lose their quotes so that they parse as
//! identifiers, and JSON strings stay where they are, since a JSON string is an HCL template
//! written the same way. Every span hcl-edit gives is then a span of the JSON file itself.
//! A string whose escapes HCL would read differently (a `\"` inside `${...}`) is replaced by a
//! blank string of the same length and evaluated from its decoded text; its values point at
//! where the string writes them, through its escapes.

use std::ops::Range;

use hcl_edit::expr::{Expression, Object, ObjectKey};
use hcl_edit::structure::{Attribute, Block, BlockLabel, Body};
use hcl_edit::{Decorate, Decorated, Ident, Span as _};

use super::modules::SyntaxError;
use crate::base::json::{self, Placement};
use crate::base::source::{SourceFile, Span};
use crate::base::value::{Node, NodeKind};

/// Nested block types written as a single JSON object (an array of objects is always read as
/// blocks).
const BLOCK_NAMES: &[&str] = &[
    "statement",
    "principals",
    "not_principals",
    "condition",
    "content",
    "lifecycle",
    "replica",
    "rotation_rules",
    "provisioner",
    "connection",
    "timeouts",
];

/// Marks the decor of a block made here with the span of its JSON object.
const SPAN_MARK: &str = "\u{E001}";

/// Strings replaced in a shadow text: their start offset and decoded template text.
pub type Replaced = Vec<(usize, String)>;

/// A `.tf.json` file read into blocks.
pub struct JsonConfig {
    pub body: Body,
    /// The same-length HCL text the spans of `body` point into.
    pub shadow: String,
    pub strings: Replaced,
    /// Parts of a shape Terraform's JSON syntax refuses (a block that is a string or a
    /// number): each is an input error, the rest of the file is read.
    pub errors: Vec<SyntaxError>,
}

/// The span of a block made from a JSON object, when `b` is one.
pub fn block_span(b: &Block) -> Option<Range<usize>> {
    let prefix = b.decor().prefix()?;
    let text: &str = prefix;
    let rest = text.strip_prefix(SPAN_MARK)?;
    let (s, e) = rest.split_once(':')?;
    Some(s.parse().ok()?..e.parse().ok()?)
}

/// Reads a JSON configuration file.
pub fn read(src: &SourceFile) -> Result<JsonConfig, SyntaxError> {
    let text = src.text.as_str();
    let root =
        json::parse(text, Placement::exact(src.id, 0, text.len())).map_err(|e| SyntaxError {
            span: e.span,
            message: format!(
                "JSON syntax error: {}; fix it so that this file is checked",
                e.message
            ),
        })?;
    if !matches!(root.kind, NodeKind::Object(_)) {
        return Err(SyntaxError {
            span: root.span,
            message: "a JSON configuration file holds one object whose keys are block types (resource, data, variable, ...); this file is not read".into(),
        });
    }
    let mut shadow = text.as_bytes().to_vec();
    let mut strings = vec![];
    blank_strings(text, &root, &mut shadow, &mut strings);
    unquote_root(text, &root, &mut shadow);
    let shadow = String::from_utf8(shadow).map_err(|_| SyntaxError {
        span: Span::new(src.id, 0, text.len().min(1)),
        message: "this JSON configuration could not be read".into(),
    })?;
    // The parser refuses space around the expression: it ends where the JSON value ends, and
    // space before it (or a byte-order mark) becomes an opening parenthesis and spaces, closed
    // after the end, so that every offset stays.
    let start = (root.span.start as usize).min(shadow.len());
    let end = (root.span.end as usize).min(shadow.len());
    let mut expr_text = String::with_capacity(end + 1);
    if start > 0 {
        expr_text.push('(');
        expr_text.extend(std::iter::repeat_n(' ', start - 1));
        expr_text.push_str(shadow.get(start..end).unwrap_or(""));
        expr_text.push(')');
    } else {
        expr_text.push_str(shadow.get(..end).unwrap_or(""));
    }
    let parsed = hcl_edit::parser::parse_expr(&expr_text);
    let expr = parsed.map(|e| match e {
        Expression::Parenthesis(p) => p.into_inner(),
        e => e,
    });
    let expr = expr.map_err(|e| {
        let off = e.location().offset().min(text.len());
        SyntaxError {
            span: Span::new(src.id, off, (off + 1).min(text.len())),
            message: format!(
                "this JSON configuration could not be read as Terraform reads it (line {}, column {}: {}); it is not checked",
                e.location().line(),
                e.location().column(),
                e.message()
            ),
        }
    })?;
    let mut body = Body::new();
    let mut shape = Shape {
        file: src.id,
        errors: vec![],
    };
    if let Expression::Object(o) = &expr {
        root_blocks(o, &mut body, &mut shape);
    }
    Ok(JsonConfig {
        body,
        shadow,
        strings,
        errors: shape.errors,
    })
}

// ----- the shadow text -----

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(s, "true" | "false" | "null")
}

/// Drops the quotes of a key written `"name"` so that hcl-edit reads an identifier.
fn unquote(text: &str, key: &crate::base::value::Key, shadow: &mut [u8]) {
    let (s, e) = (key.span.start as usize, key.span.end as usize);
    if !is_ident(&key.name) || text.get(s..e) != Some(&format!("\"{}\"", key.name)) {
        return;
    }
    shadow[s] = b' ';
    shadow[e - 1] = b' ';
}

fn members(n: &Node) -> &[(crate::base::value::Key, Node)] {
    n.as_object().unwrap_or(&[])
}

/// The objects a value gives: itself, or the objects of an array.
fn objects_of(n: &Node) -> Vec<&Node> {
    match &n.kind {
        NodeKind::Object(_) => vec![n],
        NodeKind::Array(a) => a
            .iter()
            .filter(|x| matches!(x.kind, NodeKind::Object(_)))
            .collect(),
        _ => vec![],
    }
}

fn is_block_node(name: &str, v: &Node) -> bool {
    match &v.kind {
        NodeKind::Object(_) => name == "dynamic" || BLOCK_NAMES.contains(&name),
        NodeKind::Array(a) => {
            !a.is_empty() && a.iter().all(|x| matches!(x.kind, NodeKind::Object(_)))
        }
        _ => false,
    }
}

fn unquote_root(text: &str, root: &Node, shadow: &mut [u8]) {
    for (k, v) in members(root) {
        unquote(text, k, shadow);
        let depth = match k.name.as_str() {
            "resource" | "data" => 2,
            "variable" | "output" | "module" | "provider" => 1,
            "locals" => 0,
            _ => continue,
        };
        for o in objects_of(v) {
            unquote_labels(text, o, depth, shadow);
        }
    }
}

fn unquote_labels(text: &str, n: &Node, depth: usize, shadow: &mut [u8]) {
    if depth == 0 {
        unquote_body(text, n, shadow);
        return;
    }
    for (k, v) in members(n) {
        unquote(text, k, shadow);
        for o in objects_of(v) {
            unquote_labels(text, o, depth - 1, shadow);
        }
    }
}

fn unquote_body(text: &str, n: &Node, shadow: &mut [u8]) {
    for (k, v) in members(n) {
        unquote(text, k, shadow);
        if !is_block_node(&k.name, v) {
            continue;
        }
        for o in objects_of(v) {
            if k.name == "dynamic" {
                unquote_labels(text, o, 1, shadow);
            } else {
                unquote_body(text, o, shadow);
            }
        }
    }
}

/// Replaces the strings HCL would read differently by blank strings of the same length.
fn blank_strings(text: &str, n: &Node, shadow: &mut [u8], out: &mut Vec<(usize, String)>) {
    match &n.kind {
        NodeKind::String(s) => {
            let (a, b) = (n.span.start as usize, n.span.end as usize);
            let raw = text.get(a + 1..b.saturating_sub(1)).unwrap_or("");
            if !hcl_reads_alike(raw) && b >= a + 2 {
                for x in &mut shadow[a + 1..b - 1] {
                    *x = b' ';
                }
                out.push((a, s.value.to_string()));
            }
        }
        NodeKind::Array(items) => items
            .iter()
            .for_each(|x| blank_strings(text, x, shadow, out)),
        NodeKind::Object(ms) => ms
            .iter()
            .for_each(|(_, v)| blank_strings(text, v, shadow, out)),
        _ => {}
    }
}

/// Does HCL read this JSON string content (between its quotes) as the template Terraform reads
/// from the decoded string? True when escapes sit only in literal text and are ones HCL knows.
fn hcl_reads_alike(raw: &str) -> bool {
    if !raw.contains('\\') {
        return true;
    }
    let b = raw.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if depth > 0 => return false,
            b'\\' => {
                match b.get(i + 1) {
                    Some(b'"' | b'\\' | b'n' | b'r' | b't' | b'u') => {}
                    _ => return false,
                }
                i += 2;
                continue;
            }
            b'$' | b'%' if depth == 0 && b.get(i + 1) == Some(&b'{') => {
                // `$${` and `%%{` are literal text
                if i > 0 && b[i - 1] == b[i] {
                    i += 2;
                    continue;
                }
                depth = 1;
                i += 2;
                continue;
            }
            b'{' if depth > 0 => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    true
}

// ----- blocks -----

fn key_name(k: &ObjectKey) -> Option<String> {
    match k {
        ObjectKey::Ident(i) => Some(i.as_str().to_string()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.value().to_string()),
        _ => None,
    }
}

fn key_ident(k: &ObjectKey) -> Option<Decorated<Ident>> {
    match k {
        ObjectKey::Ident(i) => Some(i.clone()),
        _ => None,
    }
}

fn label(k: &ObjectKey) -> Option<BlockLabel> {
    match k {
        ObjectKey::Ident(i) => Some(BlockLabel::Ident(i.clone())),
        ObjectKey::Expression(Expression::String(s)) => Some(BlockLabel::String(s.clone())),
        _ => None,
    }
}

/// Where the blocks of a file are, to report a part of the wrong shape.
struct Shape {
    file: crate::base::source::FileId,
    errors: Vec<SyntaxError>,
}

impl Shape {
    /// The objects `e` holds (an object, or a list of them); anything else is an error naming
    /// `what` was expected there.
    fn objects<'e>(&mut self, e: &'e Expression, what: &str) -> Vec<&'e Object> {
        let found = objects(e);
        let all = match e {
            Expression::Array(a) => found.len() == a.len(),
            _ => !found.is_empty(),
        };
        if !all {
            let r = e.span().unwrap_or(0..0);
            self.errors.push(SyntaxError {
                span: Span::new(self.file, r.start, r.end),
                message: format!(
                    "Terraform's JSON syntax expects {what} here (a JSON object, or a list of them), not {}; Terraform refuses this file",
                    kind_of(e)
                ),
            });
        }
        found
    }
}

fn kind_of(e: &Expression) -> &'static str {
    match e {
        Expression::String(_) | Expression::StringTemplate(_) | Expression::HeredocTemplate(_) => {
            "a string"
        }
        Expression::Number(_) => "a number",
        Expression::Bool(_) => "a bool",
        Expression::Null(_) => "null",
        Expression::Array(_) => "a list that holds something else than objects",
        _ => "another value",
    }
}

fn objects(e: &Expression) -> Vec<&Object> {
    match e {
        Expression::Object(o) => vec![o],
        Expression::Array(a) => a
            .iter()
            .filter_map(|x| match x {
                Expression::Object(o) => Some(o),
                _ => None,
            })
            .collect(),
        _ => vec![],
    }
}

fn renamed(mut id: Decorated<Ident>, name: &str) -> Decorated<Ident> {
    *id.value_mut() = Ident::new(name);
    id
}

fn new_block(
    ident: Decorated<Ident>,
    labels: Vec<BlockLabel>,
    body: Body,
    span: Option<Range<usize>>,
) -> Block {
    let mut b = Block::new(ident);
    b.labels = labels;
    b.body = body;
    if let Some(r) = span {
        b.decor_mut()
            .set_prefix(format!("{SPAN_MARK}{}:{}", r.start, r.end));
    }
    b
}

fn root_blocks(root: &Object, out: &mut Body, shape: &mut Shape) {
    for (k, v) in root.iter() {
        let Some(kind) = key_name(k) else { continue };
        let depth = match kind.as_str() {
            "resource" | "data" => 2,
            "variable" | "output" | "module" | "provider" => 1,
            "locals" => {
                for o in shape.objects(v.expr(), "the local values by name") {
                    let mut body = Body::new();
                    attributes(o, &mut body);
                    let Some(id) = key_ident(k) else { continue };
                    out.push(new_block(id, vec![], body, o.span()));
                }
                continue;
            }
            _ => continue,
        };
        let what = format!(
            "the {kind} blocks by {}",
            if depth == 2 { "type" } else { "name" }
        );
        for o in shape.objects(v.expr(), &what) {
            labelled(&kind, o, depth, &mut vec![], out, shape);
        }
    }
}

/// Blocks with `depth` labels: the keys on the way down are the labels, the innermost objects
/// the bodies. The block's identifier carries the place of the last label (its name).
fn labelled(
    kind: &str,
    o: &Object,
    depth: usize,
    labels: &mut Vec<BlockLabel>,
    out: &mut Body,
    shape: &mut Shape,
) {
    for (k, v) in o.iter() {
        let Some(l) = label(k) else { continue };
        labels.push(l);
        if depth > 1 {
            for inner in shape.objects(v.expr(), &format!("the {kind} blocks by name")) {
                labelled(kind, inner, depth - 1, labels, out, shape);
            }
        } else if let Some(id) = key_ident(k) {
            for b in shape.objects(v.expr(), &format!("the body of a {kind} block")) {
                let mut body = Body::new();
                block_body(b, &mut body);
                out.push(new_block(
                    renamed(id.clone(), kind),
                    labels.clone(),
                    body,
                    b.span(),
                ));
            }
        }
        labels.pop();
    }
}

fn attributes(o: &Object, out: &mut Body) {
    for (k, v) in o.iter() {
        if let Some(id) = key_ident(k) {
            out.push(Attribute::new(id, v.expr().clone()));
        }
    }
}

fn is_block_expr(name: &str, e: &Expression) -> bool {
    match e {
        Expression::Object(_) => name == "dynamic" || BLOCK_NAMES.contains(&name),
        Expression::Array(a) => {
            !a.is_empty() && a.iter().all(|x| matches!(x, Expression::Object(_)))
        }
        _ => false,
    }
}

fn block_body(o: &Object, out: &mut Body) {
    for (k, v) in o.iter() {
        // `"//"` keys are comments; other keys that are not identifiers name nothing
        let Some(id) = key_ident(k) else { continue };
        let name = id.as_str().to_string();
        let e = v.expr();
        if !is_block_expr(&name, e) {
            out.push(Attribute::new(id, attribute_value(&name, e)));
            continue;
        }
        for inner in objects(e) {
            if name == "dynamic" {
                for (lk, lv) in inner.iter() {
                    let Some(l) = label(lk) else { continue };
                    for content in objects(lv.expr()) {
                        let mut body = Body::new();
                        block_body(content, &mut body);
                        out.push(new_block(id.clone(), vec![l.clone()], body, content.span()));
                    }
                }
            } else {
                let mut body = Body::new();
                block_body(inner, &mut body);
                out.push(new_block(id.clone(), vec![], body, inner.span()));
            }
        }
    }
}

/// `iterator` names a variable; in JSON it is written as a string.
fn attribute_value(name: &str, e: &Expression) -> Expression {
    if name == "iterator"
        && let Expression::String(s) = e
        && let Ok(id) = Ident::try_new(s.value().as_str())
    {
        return Expression::Variable(Decorated::new(id));
    }
    e.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_hcl_reads_alike() {
        assert!(hcl_reads_alike("plain"));
        assert!(hcl_reads_alike(r#"{\"a\": \"${var.x}\"}"#));
        assert!(hcl_reads_alike(r#"$${x} \n"#));
        assert!(!hcl_reads_alike(r#"${jsonencode({\"a\" = 1})}"#));
        assert!(!hcl_reads_alike(r#"a\/b"#));
    }

    #[test]
    fn resources_become_blocks_with_exact_spans() {
        let text = r#"  {"resource": {"aws_kms_key": {"k": {"policy": "${var.p}", "statement": [{"sid": "a"}]}}}}
"#;
        let src = SourceFile::new(0, "main.tf.json", text);
        let cfg = read(&src).unwrap();
        assert_eq!(cfg.shadow.len(), text.len());
        let b = cfg.body.blocks().next().unwrap();
        assert_eq!(b.ident.as_str(), "resource");
        let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
        assert_eq!(labels, ["aws_kms_key", "k"]);
        let a = b.body.get_attribute("policy").unwrap();
        let r = a.value.span().unwrap();
        assert_eq!(&text[r], "\"${var.p}\"");
        let st = b.body.get_blocks("statement").next().unwrap();
        let r = block_span(st).unwrap();
        assert_eq!(&text[r], r#"{"sid": "a"}"#);
    }
}
