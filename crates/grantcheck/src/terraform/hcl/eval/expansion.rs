//! `count` and `for_each`: how a resource or module call expands, the instance keys it gives
//! and the `count`/`each` each instance binds.

use crate::base::hash::HashMap;

use hcl_edit::Span as _;
use hcl_edit::structure::Block;

use super::nodes::{as_f64, first_unknown, is_known, num_node, obj, str_node};
use super::{Bindings, Evaluator, MAX_COUNT, Scope, header};
use crate::base::source::Span;
use crate::base::value::{Node, NodeKind, Unknown};
use crate::terraform::hcl::text::as_text;
use crate::terraform::hcl::{self, modules::ResCfg};

/// The instances an expansion gives: each key (in address form) with its `each`/`count`.
/// An unknown expansion gives one instance whose `each`/`count` are unknown.
pub fn instance_keys(exp: Expansion, span: Span) -> Vec<(Option<String>, Bindings)> {
    match exp {
        Expansion::Single => vec![(None, vec![])],
        Expansion::Keys(ks) => ks
            .into_iter()
            .map(|(k, b)| {
                let name = if k.starts_with('"') { "each" } else { "count" };
                (Some(k), vec![(name.to_string(), b)])
            })
            .collect(),
        Expansion::Unknown(u) => {
            let n = Node::unknown(u, span);
            vec![(
                None,
                vec![("each".to_string(), n.clone()), ("count".to_string(), n)],
            )]
        }
    }
}

/// How a resource or module call expands.
#[derive(Clone, Debug)]
pub enum Expansion {
    Single,
    /// Instance keys in address form (`0`, `"a"`) with their `each`/`count` bindings.
    Keys(Vec<(String, Node)>),
    Unknown(Unknown),
}

/// A resource's expansion and where each instance key is in it.
pub struct Expanded {
    pub exp: Expansion,
    pub(super) at: HashMap<String, usize>,
}

pub(super) fn is_known_keys(v: &Node) -> bool {
    v.as_object().is_some()
}

/// An instance key in address form: `0` or `"a"`.
pub fn instance_key(k: &Node) -> Option<String> {
    match &k.kind {
        NodeKind::Number(n) => Some(n.to_string()),
        NodeKind::String(s) => Some(format!("{:?}", s.value)),
        _ => None,
    }
}

/// Does a block have `count` or `for_each`?
pub(super) fn has_expansion(block: &Block) -> bool {
    block
        .body
        .attributes()
        .any(|a| matches!(a.key.as_str(), "count" | "for_each"))
}

pub(super) fn expansion_to_node(e: Expansion, span: Span) -> Node {
    match e {
        Expansion::Single => Node::new(NodeKind::Null, span),
        Expansion::Keys(ks) => obj(ks, span),
        Expansion::Unknown(u) => Node::unknown(u, span),
    }
}

pub(super) fn node_to_expansion(n: &Node) -> Expansion {
    match &n.kind {
        NodeKind::Object(o) => Expansion::Keys(
            o.iter()
                .map(|(k, v)| (k.name.to_string(), v.clone()))
                .collect(),
        ),
        NodeKind::Unknown(u) => Expansion::Unknown(Unknown::clone(u)),
        _ => Expansion::Single,
    }
}

impl<'a> Evaluator<'a> {
    /// How a resource or module block expands (`count` / `for_each`).
    pub fn expansion(&mut self, sc: &Scope, block: &Block) -> Expansion {
        // Terraform refuses count and for_each derived from sensitive values: an input error
        // that never quotes them, and the block is checked as one instance
        for arg in ["count", "for_each"] {
            let Some(a) = block.body.get_attribute(arg) else {
                continue;
            };
            let v = self.eval(sc, &a.value);
            // (as Terraform checks it, the value itself: a map whose values are sensitive is
            // taken, its sensitive values staying marked in each.value)
            if v.sensitive {
                let at = self.span(sc.file, a.value.span());
                if self
                    .noted
                    .insert(format!("sensitive-expansion:{}:{}", at.file, at.start))
                {
                    self.errors.push(hcl::HclError {
                        file: at.file,
                        span: at,
                        message: format!(
                            "{arg} is derived from a sensitive value, which Terraform refuses (\"Invalid {arg} argument\"); the block is checked as one instance"
                        ),
                    });
                }
                return Expansion::Unknown(Unknown {
                    origin: format!("{arg} is derived from a sensitive value").into(),
                    ..Unknown::default()
                });
            }
        }
        if let Some(c) = block.body.get_attribute("count") {
            let v = self.eval(sc, &c.value);
            return match as_f64(&v) {
                Some(n) if is_known(&v) => Expansion::Keys({
                    if n > MAX_COUNT as f64 {
                        self.note(
                            format!("count:{}", v.span.start),
                            format!(
                                "count = {n} is over {MAX_COUNT}; only the first {MAX_COUNT} instances are checked"
                            ),
                            v.span,
                            String::new(),
                        );
                    }
                    (0..(n.max(0.0) as usize).min(MAX_COUNT))
                        .map(|i| {
                            (
                                i.to_string(),
                                obj(vec![("index".into(), num_node(i as f64, v.span))], v.span),
                            )
                        })
                        .collect()
                }),
                _ => Expansion::Unknown(first_unknown(&v).cloned().unwrap_or(Unknown {
                    origin: "count is not a number".into(),
                    ..Unknown::default()
                })),
            };
        }
        if let Some(f) = block.body.get_attribute("for_each") {
            let v = self.eval(sc, &f.value);
            let pairs: Option<Vec<(String, Node)>> = match &v.kind {
                NodeKind::Object(o) if is_known_keys(&v) => Some(
                    o.iter()
                        .map(|(k, val)| (k.name.to_string(), val.clone()))
                        .collect(),
                ),
                NodeKind::Array(a) => a
                    .iter()
                    .map(|x| as_text(x).filter(|_| is_known(x)).map(|t| (t, x.clone())))
                    .collect(),
                _ => None,
            };
            return match pairs {
                Some(mut pairs) => {
                    pairs.sort_by(|a, b| a.0.cmp(&b.0));
                    pairs.dedup_by(|a, b| a.0 == b.0);
                    Expansion::Keys(
                        pairs
                            .into_iter()
                            .map(|(k, val)| {
                                let key_node = str_node(k.clone(), val.span);
                                (
                                    format!("{:?}", k),
                                    obj(
                                        vec![("key".into(), key_node), ("value".into(), val)],
                                        v.span,
                                    ),
                                )
                            })
                            .collect(),
                    )
                }
                None => Expansion::Unknown(first_unknown(&v).cloned().unwrap_or(Unknown {
                    origin: "for_each is not a map or set of strings".into(),
                    ..Unknown::default()
                })),
            };
        }
        Expansion::Single
    }

    pub(super) fn resource_expansion(
        &mut self,
        inst: usize,
        rix: usize,
    ) -> std::sync::Arc<Expanded> {
        if let Some(e) = self.expanded.get(&(inst, rix)) {
            return e.clone();
        }
        let exp = self.resource_expansion_uncached(inst, rix);
        let at = match &exp {
            Expansion::Keys(keys) => keys
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.clone(), i))
                .collect(),
            _ => HashMap::default(),
        };
        let e = std::sync::Arc::new(Expanded { exp, at });
        self.expanded.insert((inst, rix), e.clone());
        e
    }

    pub(super) fn resource_expansion_uncached(&mut self, inst: usize, rix: usize) -> Expansion {
        let m = self.instances[inst].module;
        let (block, file) = {
            let r: &ResCfg<'a> = &self.modules[m].resources[rix];
            // (an override file that sets count or for_each replaces them)
            r.overrides
                .iter()
                .rev()
                .find(|(b, _)| has_expansion(b))
                .copied()
                .unwrap_or((r.block, r.file))
        };
        if !has_expansion(block) {
            return Expansion::Single;
        }
        let key = format!("expansion.{rix}");
        let sc = Scope {
            inst,
            file,
            bind: vec![],
        };
        let span = header(block, file);
        let node = self.memoized(inst, key, span, |ev| {
            let exp = ev.expansion(&sc, block);
            expansion_to_node(exp, span)
        });
        node_to_expansion(&node)
    }

    /// The expansion of a resource, for the loader.
    pub fn expand_resource(&mut self, inst: usize, rix: usize) -> Expansion {
        self.resource_expansion(inst, rix).exp.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use serde_json::json;

    fn counted(meta: &str, value: &str, rest: &str) -> crate::terraform::hcl::HclSummary {
        let text =
            format!("resource \"aws_iam_role\" \"t\" {{\n  {meta}\n  v = {value}\n}}\n{rest}");
        load_files(&[("main.tf", &text)])
    }

    #[test]
    fn count_gives_numbered_instances_with_their_index() {
        let s = counted("count = 2", "\"n-${count.index}\"", "");
        assert_eq!(addresses(&s), ["aws_iam_role.t[0]", "aws_iam_role.t[1]"]);
        assert_eq!(json(&attr(&s, "aws_iam_role.t[1]", "v")), json!("n-1"));
        assert!(addresses(&counted("count = 0", "1", "")).is_empty());
    }

    #[test]
    fn for_each_gives_instances_by_sorted_unique_key_with_each_key_and_value() {
        let s = counted(
            "for_each = { b = \"vb\", a = \"va\" }",
            "\"${each.key}=${each.value}\"",
            "",
        );
        assert_eq!(
            addresses(&s),
            ["aws_iam_role.t[\"a\"]", "aws_iam_role.t[\"b\"]"]
        );
        assert_eq!(json(&attr(&s, "aws_iam_role.t[\"b\"]", "v")), json!("b=vb"));
        let set = counted("for_each = toset([\"y\", \"x\", \"y\"])", "each.value", "");
        assert_eq!(
            addresses(&set),
            ["aws_iam_role.t[\"x\"]", "aws_iam_role.t[\"y\"]"]
        );
    }

    #[test]
    fn an_unknown_for_each_gives_one_instance_whose_each_is_unknown() {
        let s = counted(
            "for_each = var.names",
            "each.key",
            "variable \"names\" {}\n",
        );
        assert_eq!(addresses(&s), ["aws_iam_role.t"]);
        let v = attr(&s, "aws_iam_role.t", "v");
        assert!(
            origin(&v).starts_with("var.names has no value"),
            "{}",
            origin(&v)
        );
    }

    #[test]
    fn a_sensitive_count_is_an_input_error_and_one_instance() {
        let s = counted(
            "count = var.n",
            "1",
            "variable \"n\" {\n  default = 2\n  sensitive = true\n}\n",
        );
        assert_eq!(addresses(&s), ["aws_iam_role.t"]);
        assert!(
            s.errors[0]
                .message
                .starts_with("count is derived from a sensitive value")
        );
    }

    #[test]
    fn a_reference_with_an_index_reads_that_instance() {
        let s = counted(
            "count = 3",
            "\"i${count.index}\"",
            "resource \"aws_iam_role\" \"u\" {\n  w = aws_iam_role.t[2].v\n}\n",
        );
        assert_eq!(json(&attr(&s, "aws_iam_role.u", "w")), json!("i2"));
    }
}
