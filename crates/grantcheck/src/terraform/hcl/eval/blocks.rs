//! Block bodies as objects: attributes, nested blocks as lists of objects, and `dynamic`
//! blocks expanded once per element of their `for_each`.

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};

use super::nodes::{collection_entries, combine_unknown, obj};
use super::{Evaluator, Scope};
use crate::base::source::Span;
use crate::base::value::{Key, Node, NodeKind};

impl<'a> Evaluator<'a> {
    /// Evaluates a block body into an object: attributes, and nested blocks as lists of objects
    /// (`dynamic` blocks expanded). Returns the object and the names written.
    pub fn body(&mut self, sc: &Scope, body: &Body, span: Span, top: bool) -> (Node, Vec<String>) {
        let mut members: Vec<(Key, Node)> = vec![];
        let mut names = vec![];
        for a in body.attributes() {
            let name = a.key.as_str();
            if top
                && matches!(
                    name,
                    "count" | "for_each" | "provider" | "depends_on" | "lifecycle"
                )
            {
                continue;
            }
            let v = self.eval(sc, &a.value);
            names.push(name.to_string());
            members.push((
                Key {
                    name: name.into(),
                    span: self.span(sc.file, a.key.span()),
                },
                v,
            ));
        }
        for b in body.blocks() {
            let ident = b.ident.as_str();
            if top && matches!(ident, "lifecycle" | "provisioner" | "connection") {
                continue;
            }
            let (name, items) = if ident == "dynamic" {
                let Some(label) = b.labels.first().map(|l| l.as_str().to_string()) else {
                    continue;
                };
                let items = self.dynamic(sc, b, &label);
                (label, items)
            } else {
                let bspan = self.block_span(sc.file, b);
                let (n, _) = self.body(sc, &b.body, bspan, false);
                (ident.to_string(), vec![n])
            };
            if !names.contains(&name) {
                names.push(name.clone());
            }
            match members.iter_mut().find(|(k, _)| k.name == name) {
                Some((
                    _,
                    Node {
                        kind: NodeKind::Array(a),
                        ..
                    },
                )) => a.extend(items),
                _ => members.push((
                    Key {
                        name: name.into(),
                        span: self.span(sc.file, b.ident.span()),
                    },
                    Node::new(NodeKind::Array(items), self.block_span(sc.file, b)),
                )),
            }
        }
        (Node::new(NodeKind::Object(members), span), names)
    }

    pub(super) fn dynamic(&mut self, sc: &Scope, b: &Block, label: &str) -> Vec<Node> {
        match self.dynamic_scopes(sc, b, label) {
            Ok(Some((scopes, content, cspan))) => scopes
                .into_iter()
                .map(|inner| self.body(&inner, content, cspan, false).0)
                .collect(),
            Ok(None) => vec![],
            Err(u) => vec![u],
        }
    }

    /// The iterations of a `dynamic` block: one scope per element (its iterator bound), the
    /// content body and its span. `Err` with an unknown when `for_each` is not known.
    #[allow(clippy::type_complexity)]
    pub fn dynamic_scopes<'b>(
        &mut self,
        sc: &Scope,
        b: &'b Block,
        label: &str,
    ) -> Result<Option<(Vec<Scope>, &'b Body, Span)>, Node> {
        let bspan = self.block_span(sc.file, b);
        let iter_name = b
            .body
            .get_attribute("iterator")
            .and_then(|a| match &a.value {
                Expression::Variable(v) => Some(v.as_str().to_string()),
                _ => None,
            })
            .unwrap_or_else(|| label.to_string());
        let (Some(fe), Some(content)) = (
            b.body.get_attribute("for_each"),
            b.body.get_blocks("content").next(),
        ) else {
            return Ok(None);
        };
        let coll = self.eval(sc, &fe.value);
        let Some(entries) = collection_entries(&coll) else {
            return Err(combine_unknown(&[&coll], bspan));
        };
        let cspan = self.block_span(sc.file, content);
        let scopes = entries
            .into_iter()
            .map(|(k, v)| {
                let mut inner = sc.clone();
                inner.bind.push((
                    iter_name.clone(),
                    obj(vec![("key".into(), k), ("value".into(), v)], cspan),
                ));
                inner
            })
            .collect();
        Ok(Some((scopes, &content.body, cspan)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::base::value::NodeKind;
    use serde_json::json;

    fn role(body: &str, rest: &str) -> (crate::terraform::hcl::HclSummary, String) {
        let text = format!("resource \"aws_iam_role\" \"t\" {{\n{body}}}\n{rest}");
        (load_files(&[("main.tf", &text)]), text)
    }

    #[test]
    fn nested_blocks_are_lists_of_objects_and_meta_arguments_are_left_out() {
        let (s, _) = role(
            "  name = \"r\"\n  inline_policy {\n    name = \"a\"\n  }\n  inline_policy {\n    name = \"b\"\n  }\n  lifecycle {\n    prevent_destroy = true\n  }\n  depends_on = []\n",
            "",
        );
        let r = &s.roots[0].infra.resources[0];
        assert_eq!(
            json(r.after.as_ref().unwrap()),
            json!({"name": "r", "inline_policy": [{"name": "a"}, {"name": "b"}]})
        );
        assert_eq!(r.configured, ["name", "inline_policy"]);
    }

    #[test]
    fn a_dynamic_block_gives_one_block_per_element_with_its_iterator() {
        let (s, text) = role(
            "  dynamic \"inline_policy\" {\n    for_each = { x = \"1\", y = \"2\" }\n    iterator = p\n    content {\n      name = \"${p.key}-${p.value}\"\n    }\n  }\n",
            "",
        );
        let v = attr(&s, "aws_iam_role.t", "inline_policy");
        assert_eq!(json(&v), json!([{"name": "x-1"}, {"name": "y-2"}]));
        // each block is placed at the content block
        let first = &v.as_array().unwrap()[0];
        assert!(spanned(&text, first).starts_with("content {"));
    }

    #[test]
    fn a_dynamic_block_over_an_unknown_collection_is_unknown() {
        let (s, _) = role(
            "  dynamic \"inline_policy\" {\n    for_each = var.policies\n    content {\n      name = inline_policy.value\n    }\n  }\n",
            "variable \"policies\" {}\n",
        );
        let v = attr(&s, "aws_iam_role.t", "inline_policy");
        let items = v.as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert!(matches!(items[0].kind, NodeKind::Unknown(_)));
        assert!(origin(&items[0]).starts_with("var.policies has no value"));
    }
}
