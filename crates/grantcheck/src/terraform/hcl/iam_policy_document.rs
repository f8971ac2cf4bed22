//! `data "aws_iam_policy_document"` in a configuration: its blocks, evaluated as
//! [`crate::policy::iam_policy_document`] reads them (with `dynamic` blocks expanded), rendered there as the
//! provider renders them.

use std::marker::PhantomData;

use hcl_edit::structure::{Block, Body};

use super::eval::{Evaluator, Scope};
use crate::base::source::Span;
use crate::base::value::Node;
use crate::policy::iam_policy_document::{self as document, Blocks, Rendering};

/// Renders the document; unknown when its structure depends on values not known before apply.
pub fn render(ev: &mut Evaluator<'_>, sc: &Scope, block: &Block, span: Span) -> Node {
    let data = (sc.clone(), &block.body, span);
    match document::render(
        &mut Evaluated {
            ev,
            body: PhantomData,
        },
        &data,
    ) {
        Ok(doc) => doc.into_node(span),
        Err(u) => u,
    }
}

/// The blocks of a configuration, evaluated by `ev`. A block is the scope its content sees,
/// its body and where it is written.
struct Evaluated<'e, 'a, 'b> {
    ev: &'e mut Evaluator<'a>,
    body: PhantomData<&'b Body>,
}

impl<'b> Blocks for Evaluated<'_, '_, 'b> {
    type Block = (Scope, &'b Body, Span);
    const RENDERING: Rendering = Rendering::Provider;

    fn value(&mut self, (sc, body, _): &Self::Block, name: &str) -> Option<Node> {
        let a = body.get_attribute(name)?;
        Some(self.ev.eval(sc, &a.value))
    }

    /// The blocks named `name`, with `dynamic` ones expanded, each with the scope its content
    /// sees.
    fn blocks(
        &mut self,
        (sc, body, span): &Self::Block,
        name: &str,
    ) -> Result<Option<(Vec<Self::Block>, Span)>, Node> {
        let body: &'b Body = body;
        let mut out = vec![];
        for b in body.blocks() {
            let bspan = self.ev.block_span(sc.file, b);
            if b.ident.as_str() == name {
                out.push((sc.clone(), &b.body, bspan));
                continue;
            }
            if b.ident.as_str() != "dynamic" || b.labels.first().map(|l| l.as_str()) != Some(name) {
                continue;
            }
            if let Some((scopes, content, cspan)) = self.ev.dynamic_scopes(sc, b, name)? {
                out.extend(scopes.into_iter().map(|inner| (inner, content, cspan)));
            }
        }
        Ok((!out.is_empty()).then_some((out, *span)))
    }

    fn span(&self, (_, _, span): &Self::Block) -> Span {
        *span
    }
}

#[cfg(test)]
mod tests {
    use crate::terraform::hcl::eval::testing::{json, origin, value_in};
    use serde_json::json;

    fn doc(body: &str, rest: &str) -> crate::base::value::Node {
        value_in(
            "data.aws_iam_policy_document.d.json",
            &format!("data \"aws_iam_policy_document\" \"d\" {{\n{body}}}\n{rest}"),
        )
    }

    #[test]
    fn lists_are_rendered_as_the_provider_writes_them() {
        let v = doc(
            "  statement {\n    sid = \"S\"\n    actions = [\"kms:Decrypt\", \"kms:Decrypt\", \"kms:Describe*\"]\n    resources = [\"*\"]\n    principals {\n      type = \"AWS\"\n      identifiers = [\"arn:aws:iam::111122223333:root\"]\n    }\n    principals {\n      type = \"AWS\"\n      identifiers = [\"arn:aws:iam::444455556666:root\"]\n    }\n    condition {\n      test = \"StringEquals\"\n      variable = \"kms:ViaService\"\n      values = [\"secretsmanager.eu-west-1.amazonaws.com\"]\n    }\n  }\n",
            "",
        );
        assert_eq!(
            json(&v),
            json!({"Version": "2012-10-17", "Statement": [{
                "Sid": "S",
                "Effect": "Allow",
                "Action": ["kms:Describe*", "kms:Decrypt"],
                "Resource": "*",
                "Principal": {"AWS": ["arn:aws:iam::444455556666:root", "arn:aws:iam::111122223333:root"]},
                "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}
            }]})
        );
    }

    #[test]
    fn source_and_override_documents_are_merged_by_sid() {
        let v = doc(
            "  policy_id = \"P\"\n  source_policy_documents = [jsonencode({ Version = \"2008-10-17\", Statement = [{ Sid = \"A\", Effect = \"Allow\", Action = \"s3:GetObject\" }, { Sid = \"B\", Effect = \"Allow\", Action = \"s3:ListBucket\" }] })]\n  override_policy_documents = [jsonencode({ Statement = { Sid = \"A\", Effect = \"Deny\", Action = \"s3:GetObject\" } })]\n  statement {\n    sid = \"B\"\n    actions = [\"s3:PutObject\"]\n  }\n  statement {\n    actions = [\"s3:DeleteObject\"]\n  }\n",
            "",
        );
        assert_eq!(
            json(&v),
            json!({"Version": "2008-10-17", "Id": "P", "Statement": [
                {"Sid": "A", "Effect": "Deny", "Action": "s3:GetObject"},
                {"Sid": "B", "Effect": "Allow", "Action": "s3:PutObject"},
                {"Effect": "Allow", "Action": "s3:DeleteObject"}
            ]})
        );
    }

    #[test]
    fn a_principal_of_type_star_is_its_identifier() {
        let v = doc(
            "  statement {\n    actions = [\"s3:GetObject\"]\n    principals {\n      type = \"*\"\n      identifiers = [\"*\"]\n    }\n  }\n",
            "",
        );
        assert_eq!(
            json(v.get("Statement").unwrap()),
            json!([{"Effect": "Allow", "Action": "s3:GetObject", "Principal": "*"}])
        );
    }

    #[test]
    fn a_structure_not_known_before_apply_makes_the_document_unknown() {
        let rest = "variable \"items\" {}\nvariable \"ptype\" {}\n";
        let v = doc(
            "  dynamic \"statement\" {\n    for_each = var.items\n    content {\n      actions = [statement.value]\n    }\n  }\n",
            rest,
        );
        assert!(
            origin(&v).starts_with("var.items has no value"),
            "{}",
            origin(&v)
        );
        let v = doc(
            "  statement {\n    actions = [\"s3:GetObject\"]\n    principals {\n      type = var.ptype\n      identifiers = [\"*\"]\n    }\n  }\n",
            rest,
        );
        assert!(
            origin(&v).starts_with("var.ptype has no value"),
            "{}",
            origin(&v)
        );
    }
}
