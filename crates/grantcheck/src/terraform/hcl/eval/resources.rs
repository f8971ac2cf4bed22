//! References to resources and data sources: the instance picked by an index, the attributes
//! written in the configuration, the documents grantcheck renders itself
//! (`aws_iam_policy_document`, `template_file`), and unknowns known only after apply.

use hcl_edit::expr::TraversalOperator;

use super::expansion::{Expansion, instance_key};
use super::nodes::unknown;
use super::{Evaluator, Scope, header};
use crate::base::source::Span;
use crate::base::value::{Node, Ref};
use crate::terraform::hcl;
use crate::terraform::hcl::text;

impl<'a> Evaluator<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn resource_ref(
        &mut self,
        sc: &Scope,
        data: bool,
        rtype: &str,
        name: &str,
        ops: &[&TraversalOperator],
        span: Span,
    ) -> Node {
        let m = self.instances[sc.inst].module;
        let path = self.instances[sc.inst].path.clone();
        let local = if data {
            text::concat(&["data.", rtype, ".", name])
        } else {
            text::concat(&[rtype, ".", name])
        };
        let address = hcl::join(&path, &local);
        let rix = self.modules[m].res_ix.get(&(data, rtype, name)).copied();
        let mut ops = ops;
        let mut index: Option<String> = None;
        let mut bind = vec![];
        let mut known_instance = true;
        if let Some(rix) = rix {
            let expanded = self.resource_expansion(sc.inst, rix);
            match &expanded.exp {
                Expansion::Single => {}
                Expansion::Keys(keys) => match ops.first() {
                    Some(TraversalOperator::Index(e)) => {
                        let k = self.eval(sc, e);
                        ops = &ops[1..];
                        index = instance_key(&k);
                        let found = index
                            .as_ref()
                            .and_then(|i| expanded.at.get(i))
                            .and_then(|&i| keys.get(i));
                        match found {
                            Some((kk, b)) => {
                                let bind_name = if kk.starts_with('"') { "each" } else { "count" };
                                bind.push((bind_name.to_string(), b.clone()));
                            }
                            None => known_instance = false,
                        }
                    }
                    Some(TraversalOperator::LegacyIndex(n)) => {
                        index = Some(n.value().to_string());
                        ops = &ops[1..];
                        known_instance = false;
                    }
                    _ => known_instance = false,
                },
                Expansion::Unknown(_) => {
                    if let Some(TraversalOperator::Index(e)) = ops.first() {
                        let k = self.eval(sc, e);
                        index = instance_key(&k);
                        ops = &ops[1..];
                    }
                    known_instance = false;
                }
            }
        }
        // skip splats: `aws_x.y[*].arn`
        while let Some(TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_)) =
            ops.first()
        {
            ops = &ops[1..];
            known_instance = false;
        }
        let attr = match ops.first() {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str().to_string()),
            _ => None,
        };
        let r = Ref {
            address: address.clone(),
            attr: attr.clone(),
            index: index.clone(),
        };
        let display = r.display();
        let Some(rix) = rix else {
            return unknown(
                format!("{display} is not declared in this configuration"),
                vec![r],
                span,
            );
        };
        let Some(attr) = attr else {
            return unknown(
                text::concat(&[&display, " (known after apply)"]),
                vec![r],
                span,
            );
        };
        if known_instance {
            let (block, file) = {
                let rc = &self.modules[m].resources[rix];
                (rc.block, rc.file)
            };
            let tsc = Scope {
                inst: sc.inst,
                file,
                bind,
            };
            let key = text::concat(&[
                "res.",
                &rix.to_string(),
                ".",
                index.as_deref().unwrap_or_default(),
                ".",
                &attr,
            ]);
            if data
                && rtype == "aws_iam_policy_document"
                && (attr == "json" || attr == "minified_json")
            {
                let overridden = !self.modules[m].resources[rix].overrides.is_empty();
                let v = self.memoized(sc.inst, key, span, |ev| {
                    if overridden {
                        return unknown(
                            format!(
                                "{display} is changed by an override file, whose merge into a policy document grantcheck does not follow"
                            ),
                            vec![],
                            header(block, file),
                        );
                    }
                    hcl::iam_policy_document::render(ev, &tsc, block, header(block, file))
                });
                return self.apply_ops(sc, v, &ops[1..], span);
            }
            if data && rtype == "template_file" && attr == "rendered" {
                let v = self.memoized(sc.inst, key, span, |ev| {
                    hcl::funcs::template_file(ev, &tsc, block, header(block, file))
                });
                return self.apply_ops(sc, v, &ops[1..], span);
            }
            if let Some((a, afile)) = self.modules[m].resources[rix].attr(&attr)
                && !matches!(attr.as_str(), "arn" | "id")
            {
                let tsc = Scope { file: afile, ..tsc };
                let v = self.memoized(sc.inst, key, span, |ev| ev.eval(&tsc, &a.value));
                return self.apply_ops(sc, v, &ops[1..], span);
            }
        }
        unknown(
            text::concat(&[&display, " (known after apply)"]),
            vec![r],
            span,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use serde_json::json;

    #[test]
    fn a_configured_attribute_is_read_and_a_computed_one_is_known_after_apply() {
        let rest = "resource \"aws_iam_role\" \"r\" {\n  name = \"reader\"\n}\n";
        assert_eq!(
            json(&value_in("aws_iam_role.r.name", rest)),
            json!("reader")
        );
        let arn = value_in("aws_iam_role.r.arn", rest);
        assert_eq!(origin(&arn), "aws_iam_role.r.arn (known after apply)");
        let r = &arn.as_unknown().unwrap().refs[0];
        assert_eq!(
            (r.address.as_str(), r.attr.as_deref()),
            ("aws_iam_role.r", Some("arn"))
        );
    }

    #[test]
    fn a_resource_not_declared_is_unknown_and_says_so() {
        let v = value("aws_kms_key.k.arn");
        assert_eq!(
            origin(&v),
            "aws_kms_key.k.arn is not declared in this configuration"
        );
    }

    #[test]
    fn a_policy_document_json_is_the_document_grantcheck_renders() {
        let rest = "data \"aws_iam_policy_document\" \"d\" {\n  statement {\n    actions = [\"secretsmanager:GetSecretValue\"]\n    resources = [\"*\"]\n  }\n}\n";
        let v = value_in("data.aws_iam_policy_document.d.json", rest);
        assert_eq!(
            json(&v),
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
        );
    }

    #[test]
    fn a_template_file_is_rendered_with_its_vars() {
        let rest = "data \"template_file\" \"t\" {\n  template = \"acct-$${id}\"\n  vars = {\n    id = \"1234\"\n  }\n}\n";
        let v = value_in("data.template_file.t.rendered", rest);
        assert_eq!(json(&v), json!("acct-1234"));
    }
}
