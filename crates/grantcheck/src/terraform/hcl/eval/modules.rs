//! Module semantics: input variables (given by the call, variable files or defaults, converted
//! to their declared type and marked when sensitive), locals, outputs, and the instances a
//! module call expands to.

use crate::base::hash::HashMap;

use hcl_edit::expr::{Expression, TraversalOperator};

use super::expansion::{instance_key, instance_keys};
use super::nodes::{invalid, unknown};
use super::{Children, Evaluator, Instance, Scope, display_in, header};
use crate::base::source::Span;
use crate::base::value::{Node, Ref};
use crate::terraform::hcl::text;
use crate::terraform::hcl::{
    self,
    modules::{CallCfg, is_local_source},
};

impl<'a> Evaluator<'a> {
    pub fn var_value(&mut self, inst: usize, name: &str, span: Span) -> Node {
        self.memoized(inst, text::concat(&["var.", name]), span, |ev| {
            let mut v = ev.var_value_unmarked(inst, name, span);
            let m = &ev.modules[ev.instances[inst].module];
            if m.declares_sensitive(name) {
                // (whatever gives it its value, as Terraform marks it)
                v.mark_sensitive();
            }
            v
        })
    }

    /// The value of a variable, whether or not it is declared sensitive, converted to its
    /// declared type as Terraform converts it (a value that does not fit is an input error).
    pub(super) fn var_value_unmarked(&mut self, inst: usize, name: &str, span: Span) -> Node {
        let v = self.var_value_given(inst, name, span);
        let m = &self.modules[self.instances[inst].module];
        let Some((t, file)) = m.var_attr(name, "type") else {
            return v;
        };
        let sc = Scope {
            inst,
            file,
            bind: vec![],
        };
        let mut constant = |e: &Expression| self.eval(&sc, e);
        let Some(ty) = hcl::types::parse(&t.value, &mut constant) else {
            return v;
        };
        let at = v.span;
        match hcl::types::convert(v, &ty) {
            Ok(v) => v,
            Err(why) => {
                let addr = self.instances[inst].addr.clone();
                let what = display_in(&addr, &format!("var.{name}"));
                if self.noted.insert(format!("type:{inst}:{name}")) {
                    self.errors.push(hcl::HclError {
                        file: at.file,
                        span: at,
                        message: format!(
                            "{what}: {why}; Terraform refuses this value: give one of the declared type"
                        ),
                    });
                }
                invalid(format!("{what} does not fit its declared type"), at)
            }
        }
    }

    /// The value given to a variable (by the module call, the variable files or its default).
    pub(super) fn var_value_given(&mut self, inst: usize, name: &str, span: Span) -> Node {
        let i = &self.instances[inst];
        let m = &self.modules[i.module];
        let declared = m.variables.contains_key(name);
        let default = m.var_attr(name, "default");
        if let (Some(parent), Some(call)) = (i.parent, i.call) {
            let pm = self.instances[parent].module;
            if let Some((a, call_file)) = self.modules[pm].calls[call].attr(name) {
                let sc = Scope {
                    inst: parent,
                    file: call_file,
                    bind: self.instances[inst].bind.clone(),
                };
                return self.eval(&sc, &a.value);
            }
        } else if let Some(v) = i.root_vars.get(name) {
            return v.clone();
        }
        if declared {
            if let Some((d, file)) = default {
                let sc = Scope {
                    inst,
                    file,
                    bind: vec![],
                };
                return self.eval(&sc, &d.value);
            }
            // (the variable is the reference: the same missing value used in two places is
            // the same value, and a message can name it)
            let path = &self.instances[inst].path;
            let address = if path.is_empty() {
                text::concat(&["var.", name])
            } else {
                text::concat(&[path, ".var.", name])
            };
            return unknown(
                format!("var.{name} {}", hcl::NO_VALUE),
                vec![Ref {
                    address,
                    attr: None,
                    index: None,
                }],
                span,
            );
        }
        invalid(format!("var.{name} is not declared"), span)
    }

    pub fn local_value(&mut self, inst: usize, name: &str, span: Span) -> Node {
        self.memoized(inst, text::concat(&["local.", name]), span, |ev| {
            match ev.module_of(inst).locals.get(name).copied() {
                Some((a, file)) => {
                    let sc = Scope {
                        inst,
                        file,
                        bind: vec![],
                    };
                    ev.eval(&sc, &a.value)
                }
                None => invalid(format!("local.{name} is not declared"), span),
            }
        })
    }

    /// The instances a module call expands to, with their keys.
    pub fn children(&mut self, inst: usize, call: usize) -> Children {
        if let Some(c) = self.children.get(&(inst, call)) {
            return c.clone();
        }
        self.children.insert((inst, call), vec![]);
        let m = self.instances[inst].module;
        let (child_mod, block, file, name) = {
            let c: &CallCfg<'a> = &self.modules[m].calls[call];
            (c.child, c.block, c.file, c.name)
        };
        let mut out = vec![];
        if let Some(cm) = child_mod {
            let sc = Scope {
                inst,
                file,
                bind: vec![],
            };
            let exp = self.expansion(&sc, block);
            let parent_path = self.instances[inst].path.clone();
            let parent_addr = self.instances[inst].addr.clone();
            let path = hcl::join(&parent_path, &format!("module.{name}"));
            let mk = |key: Option<&str>| {
                hcl::join(
                    &parent_addr,
                    &format!(
                        "module.{name}{}",
                        key.map(|k| format!("[{k}]")).unwrap_or_default()
                    ),
                )
            };
            let keys = instance_keys(exp, header(block, file));
            for (key, bind) in keys {
                let id = self.instances.len();
                self.instances.push(Instance {
                    module: cm,
                    path: path.clone(),
                    addr: mk(key.as_deref()),
                    parent: Some(inst),
                    call: Some(call),
                    bind,
                    root_vars: HashMap::default(),
                    root_dir: String::new(),
                });
                out.push((key, id));
            }
        }
        self.children.insert((inst, call), out.clone());
        out
    }

    pub(super) fn module_ref(
        &mut self,
        sc: &Scope,
        name: &str,
        ops: &[&TraversalOperator],
        span: Span,
    ) -> Node {
        let m = self.instances[sc.inst].module;
        let Some(call) = self.modules[m].calls.iter().position(|c| c.name == name) else {
            return invalid(format!("module.{name} is not declared"), span);
        };
        let (local, source) = {
            let c = &self.modules[m].calls[call];
            (c.child.is_some(), c.source.unwrap_or_default())
        };
        if !local {
            return unknown(
                format!(
                    "module.{name} comes from {} and is not followed",
                    if is_local_source(source) {
                        "a directory that was not given"
                    } else {
                        "a remote source"
                    }
                ),
                vec![],
                span,
            );
        }
        let kids = self.children(sc.inst, call);
        let mut ops = ops;
        let target = match kids.as_slice() {
            [(None, id)] => Some(*id),
            _ => match ops.first() {
                Some(TraversalOperator::Index(e)) => {
                    let k = self.eval(sc, e);
                    ops = &ops[1..];
                    let key = instance_key(&k);
                    kids.iter()
                        .find(|(kk, _)| kk.is_some() && kk.as_deref() == key.as_deref())
                        .map(|(_, id)| *id)
                }
                _ => None,
            },
        };
        let Some(child) = target else {
            return unknown(
                format!("module.{name} has several or unknown instances"),
                vec![],
                span,
            );
        };
        let Some(TraversalOperator::GetAttr(out)) = ops.first() else {
            return unknown(
                format!("module.{name} as a whole is not evaluated"),
                vec![],
                span,
            );
        };
        let out = out.as_str().to_string();
        let v = self.output_value(child, &out, span);
        self.apply_ops(sc, v, &ops[1..], span)
    }

    pub fn output_value(&mut self, inst: usize, name: &str, span: Span) -> Node {
        self.memoized(inst, text::concat(&["output.", name]), span, |ev| match ev
            .module_of(inst)
            .outputs
            .get(name)
            .copied()
        {
            Some((b, file)) => match b.body.get_attribute("value") {
                Some(a) => {
                    let sc = Scope {
                        inst,
                        file,
                        bind: vec![],
                    };
                    ev.eval(&sc, &a.value)
                }
                None => invalid(format!("output {name} has no value"), span),
            },
            None => invalid(format!("output {name} is not declared"), span),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::terraform::hcl::HclOptions;
    use serde_json::json;

    #[test]
    fn a_variable_takes_the_given_value_then_its_default_converted_to_its_type() {
        let rest = "variable \"n\" {\n  type = string\n  default = 5\n}\n";
        assert_eq!(json(&value_in("var.n", rest)), json!("5"));
        let text = with_value("var.n", rest);
        let opts = HclOptions {
            vars: vec![("n".into(), "7".into())],
            ..HclOptions::default()
        };
        let s = load_with(&[("main.tf", &text)], &opts);
        assert_eq!(json(&attr(&s, "aws_iam_role.t", "v")), json!("7"));
    }

    #[test]
    fn a_value_that_does_not_fit_the_declared_type_is_an_input_error() {
        let text = with_value(
            "var.n",
            "variable \"n\" {\n  type = number\n  default = \"five\"\n}\n",
        );
        let s = load_files(&[("main.tf", &text)]);
        let v = attr(&s, "aws_iam_role.t", "v");
        assert_eq!(origin(&v), "invalid: var.n does not fit its declared type");
        assert_eq!(s.errors.len(), 1);
        assert!(s.errors[0].message.starts_with("var.n: "));
        assert!(s.errors[0].message.contains("Terraform refuses this value"));
    }

    #[test]
    fn a_variable_without_a_value_is_unknown_and_names_itself() {
        let v = value_in("var.id", "variable \"id\" {}\n");
        assert_eq!(
            origin(&v),
            format!("var.id {}", crate::terraform::hcl::NO_VALUE)
        );
        assert_eq!(v.as_unknown().unwrap().refs[0].address, "var.id");
        // a sensitive variable marks what is computed from it
        let s = value_in(
            "\"${var.s}-x\"",
            "variable \"s\" {\n  default = \"k\"\n  sensitive = true\n}\n",
        );
        assert_eq!(json(&s), json!("k-x"));
        assert!(s.sensitive);
    }

    #[test]
    fn a_module_output_is_computed_from_the_inputs_its_call_gives() {
        let root = with_value(
            "module.m.greeting",
            "module \"m\" {\n  source = \"./m\"\n  who = local.who\n}\nlocals {\n  who = \"world\"\n}\n",
        );
        let child =
            "variable \"who\" {}\noutput \"greeting\" {\n  value = \"hello ${var.who}\"\n}\n";
        let s = load_files(&[("main.tf", &root), ("m/main.tf", child)]);
        assert_eq!(json(&attr(&s, "aws_iam_role.t", "v")), json!("hello world"));
    }

    #[test]
    fn an_instance_of_a_module_with_for_each_is_picked_by_its_key() {
        let root = with_value(
            "module.m[\"b\"].out",
            "module \"m\" {\n  source = \"./m\"\n  for_each = toset([\"a\", \"b\"])\n  name = each.key\n}\n",
        );
        let child = "variable \"name\" {}\noutput \"out\" {\n  value = \"n-${var.name}\"\n}\n";
        let s = load_files(&[("main.tf", &root), ("m/main.tf", child)]);
        assert_eq!(json(&attr(&s, "aws_iam_role.t", "v")), json!("n-b"));
        // without a key, which instance is meant is not known
        let root = with_value(
            "module.m.out",
            "module \"m\" {\n  source = \"./m\"\n  for_each = toset([\"a\", \"b\"])\n  name = each.key\n}\n",
        );
        let s = load_files(&[("main.tf", &root), ("m/main.tf", child)]);
        assert_eq!(
            origin(&attr(&s, "aws_iam_role.t", "v")),
            "module.m has several or unknown instances"
        );
    }

    #[test]
    fn a_remote_module_is_not_followed() {
        let v = value_in(
            "module.r.x",
            "module \"r\" {\n  source = \"terraform-aws-modules/iam/aws\"\n}\n",
        );
        assert_eq!(
            origin(&v),
            "module.r comes from a remote source and is not followed"
        );
    }
}
