//! The three-valued value layer: every value read from Terraform is known, or unknown with an origin
//! that says why. Values keep the span they were read from.

use crate::base::source::Span;
use std::sync::Arc;

/// A value with the span of the text it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
    /// The plan marks this value (or a value containing it) as sensitive: never print it.
    pub sensitive: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    /// A number, kept as its literal text.
    Number(compact_str::CompactString),
    String(StrValue),
    Array(Vec<Node>),
    Object(Vec<(Key, Node)>),
    Unknown(Arc<Unknown>),
}

/// An object key and where it is written.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    /// Attribute names and policy keys are short: held inline, not on the heap.
    pub name: compact_str::CompactString,
    pub span: Span,
}

/// A string and how its characters map back to the source, so that JSON parsed out of it can
/// point at the exact place.
#[derive(Clone, Debug, PartialEq)]
pub struct StrValue {
    pub value: compact_str::CompactString,
    pub map: TextMap,
}

/// How the characters of a string value relate to the source text.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum TextMap {
    /// Byte `i` of the value is byte `base + i` of the source (heredocs, unescaped literals).
    Exact { base: u32 },
    /// A JSON string literal with escapes, its content written from byte `base` of the source:
    /// the value's bytes map to the source through the escapes (`json::Escapes`), which are
    /// read from the source only when JSON is parsed out of the value.
    Escaped { base: u32 },
    /// No exact mapping (HCL strings with escapes or interpolations): everything inside maps to
    /// the span of the whole string.
    #[default]
    Collapsed,
}

/// Why a value is not known, and which values it is computed from.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Unknown {
    /// Why, as said to the user by [`Unknown::origin_text`].
    pub origin: Origin,
    /// The references the value is computed from, resolved to absolute addresses.
    pub refs: Vec<Ref>,
    /// For a template with unknown parts: its text with the unknown parts as `${...}`.
    pub template: Option<String>,
}

/// A reference to another object's attribute, resolved to an absolute address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ref {
    /// Absolute address of the resource, data source, variable or output without instance keys,
    /// e.g. `module.shard_0.aws_kms_key.k3`.
    pub address: String,
    /// Attribute path after the address, e.g. `arn`.
    pub attr: Option<String>,
    /// Instance key when the reference names one (`aws_kms_key.k[0]` → `0`).
    pub index: Option<String>,
}

/// Why a value is not known. A plan has many attributes known only after apply, and few are
/// ever named in a finding: theirs are put into words only when one is.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// Said in full.
    Said(Arc<str>),
    /// `known after apply (ADDRESS)`: an attribute of the resource at that address, which the
    /// plan creates or changes.
    AfterApply(Arc<str>),
    /// `known after apply: computed from REF, …`, the references being the unknown's own.
    ComputedFrom,
    /// `known after apply: computed from REF`, the reference as the configuration writes it.
    ComputedFromWritten(String),
}

impl Default for Origin {
    fn default() -> Self {
        Origin::Said(Arc::from(""))
    }
}

impl From<&str> for Origin {
    fn from(s: &str) -> Self {
        Origin::Said(s.into())
    }
}

impl From<String> for Origin {
    fn from(s: String) -> Self {
        Origin::Said(s.into())
    }
}

impl Unknown {
    /// Why the value is not known, in words.
    pub fn origin_text(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match &self.origin {
            Origin::Said(s) => Cow::Borrowed(s),
            Origin::AfterApply(address) => Cow::Owned(format!("known after apply ({address})")),
            Origin::ComputedFromWritten(r) => {
                Cow::Owned(format!("known after apply: computed from {r}"))
            }
            Origin::ComputedFrom => Cow::Owned(format!(
                "known after apply: computed from {}",
                self.refs
                    .iter()
                    .map(Ref::display)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// The rest of a sentence whose subject is the value: `is known after apply (ADDRESS)`, or
    /// `is not known: var.x has no value …` when it will not be known after apply either.
    /// `plural` says `are`.
    pub fn predicate(&self, plural: bool) -> String {
        let verb = if plural { "are" } else { "is" };
        match &self.origin {
            Origin::Said(s) if s.starts_with("invalid: ") => {
                format!("{verb} not valid: {}", s.trim_start_matches("invalid: "))
            }
            Origin::Said(s) if s.ends_with(" (known after apply)") => format!(
                "{verb} known after apply ({})",
                s.trim_end_matches(" (known after apply)")
            ),
            Origin::Said(s) if !s.starts_with("known after apply") => {
                format!("{verb} not known: {s}")
            }
            _ => format!("{verb} {}", self.origin_text()),
        }
    }

    /// The origin, to be given to another unknown (with references of its own).
    pub fn origin_for_another(&self) -> Origin {
        match &self.origin {
            Origin::ComputedFrom => Origin::Said(self.origin_text().into()),
            other => other.clone(),
        }
    }
}

impl Ref {
    pub fn display(&self) -> String {
        let mut s = self.address.clone();
        if let Some(i) = &self.index {
            s.push('[');
            s.push_str(i);
            s.push(']');
        }
        if let Some(a) = &self.attr {
            s.push('.');
            s.push_str(a);
        }
        s
    }
}

impl Node {
    pub fn new(kind: NodeKind, span: Span) -> Self {
        Node {
            kind,
            span,
            sensitive: false,
        }
    }

    pub fn unknown(unknown: Unknown, span: Span) -> Self {
        Node::new(NodeKind::Unknown(Arc::new(unknown)), span)
    }

    pub fn string(value: impl Into<compact_str::CompactString>, span: Span, map: TextMap) -> Self {
        Node::new(
            NodeKind::String(StrValue {
                value: value.into(),
                map,
            }),
            span,
        )
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::String(s) => Some(&s.value),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            NodeKind::Bool(b) => Some(*b),
            NodeKind::String(s) if s.value == "true" => Some(true),
            NodeKind::String(s) if s.value == "false" => Some(false),
            _ => None,
        }
    }

    pub fn as_unknown(&self) -> Option<&Unknown> {
        match &self.kind {
            NodeKind::Unknown(u) => Some(u),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            NodeKind::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Member of an object by exact key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_object()?
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
    }

    /// The value as a list: an array's items, or the value itself (a policy may give a single
    /// value where a list is allowed).
    pub fn items(&self) -> &[Node] {
        match &self.kind {
            NodeKind::Array(a) => a,
            _ => std::slice::from_ref(self),
        }
    }

    /// Marks this node and everything inside it as sensitive.
    pub fn mark_sensitive(&mut self) {
        self.sensitive = true;
        match &mut self.kind {
            NodeKind::Array(a) => a.iter_mut().for_each(Node::mark_sensitive),
            NodeKind::Object(o) => o.iter_mut().for_each(|(_, v)| v.mark_sensitive()),
            _ => {}
        }
    }

    /// Does the value contain anything sensitive?
    pub fn any_sensitive(&self) -> bool {
        self.sensitive
            || match &self.kind {
                NodeKind::Array(a) => a.iter().any(Node::any_sensitive),
                NodeKind::Object(o) => o.iter().any(|(_, v)| v.any_sensitive()),
                _ => false,
            }
    }

    /// Converts to a plain JSON value (unknowns become null). Used for comparing values.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.kind {
            NodeKind::Null | NodeKind::Unknown(_) => J::Null,
            NodeKind::Bool(b) => J::Bool(*b),
            NodeKind::Number(n) => serde_json::from_str(n).unwrap_or(J::String(n.to_string())),
            NodeKind::String(s) => J::String(s.value.to_string()),
            NodeKind::Array(a) => J::Array(a.iter().map(Node::to_json).collect()),
            NodeKind::Object(o) => J::Object(
                o.iter()
                    .map(|(k, v)| (k.name.to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// An unknown value said by `origin`, depending on `refs`.
pub fn unknown(origin: impl Into<std::sync::Arc<str>>, refs: Vec<Ref>, span: Span) -> Node {
    Node::unknown(
        Unknown {
            origin: Origin::Said(origin.into()),
            refs,
            template: None,
        },
        span,
    )
}

/// All references of the unknowns inside a value.
pub fn refs_in(n: &Node, out: &mut Vec<Ref>) {
    match &n.kind {
        NodeKind::Unknown(u) => {
            for r in &u.refs {
                if !out.contains(r) {
                    out.push(r.clone());
                }
            }
        }
        NodeKind::Array(a) => a.iter().for_each(|v| refs_in(v, out)),
        NodeKind::Object(o) => o.iter().for_each(|(_, v)| refs_in(v, out)),
        _ => {}
    }
}

/// The first unknown inside a value.
pub fn first_unknown(n: &Node) -> Option<&Unknown> {
    match &n.kind {
        NodeKind::Unknown(u) => Some(u),
        NodeKind::Array(a) => a.iter().find_map(first_unknown),
        NodeKind::Object(o) => o.iter().find_map(|(_, v)| first_unknown(v)),
        _ => None,
    }
}

/// An unknown made from the unknown parts of `parts`.
pub fn combine_unknown(parts: &[&Node], span: Span) -> Node {
    let mut refs = vec![];
    let mut origin = None;
    for p in parts {
        refs_in(p, &mut refs);
        if origin.is_none() {
            origin = first_unknown(p).map(Unknown::origin_for_another);
        }
    }
    Node::unknown(
        Unknown {
            origin: origin.unwrap_or_else(|| "not known before apply".into()),
            refs,
            template: None,
        },
        span,
    )
}

pub fn is_known(n: &Node) -> bool {
    first_unknown(n).is_none()
}

/// A known value as Terraform would turn it into a string; `None` for unknowns.
pub fn as_text(n: &Node) -> Option<String> {
    match &n.kind {
        NodeKind::String(s) => Some(s.value.to_string()),
        NodeKind::Number(x) => Some(x.to_string()),
        NodeKind::Bool(b) => Some(b.to_string()),
        NodeKind::Null => Some(String::new()),
        NodeKind::Array(_) | NodeKind::Object(_) => to_json_text(n),
        NodeKind::Unknown(_) => None,
    }
}

/// Compact JSON text with sorted keys (as `jsonencode` writes it); `None` when anything is unknown.
pub fn to_json_text(n: &Node) -> Option<String> {
    let mut out = String::new();
    write_json(n, &mut out)?;
    Some(out)
}

fn write_json(n: &Node, out: &mut String) -> Option<()> {
    match &n.kind {
        NodeKind::Null => out.push_str("null"),
        NodeKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        NodeKind::Number(x) => out.push_str(x),
        NodeKind::String(s) => out.push_str(&serde_json::to_string(s.value.as_str()).ok()?),
        NodeKind::Array(a) => {
            out.push('[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(v, out)?;
            }
            out.push(']');
        }
        NodeKind::Object(o) => {
            let mut members: Vec<_> = o.iter().collect();
            members.sort_by(|a, b| a.0.name.cmp(&b.0.name));
            out.push('{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k.name.as_str()).ok()?);
                out.push(':');
                write_json(v, out)?;
            }
            out.push('}');
        }
        NodeKind::Unknown(_) => return None,
    }
    Some(())
}
