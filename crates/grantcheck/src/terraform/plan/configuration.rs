//! The `configuration` section of a plan: module tree, expressions and references.

use crate::base::hash::HashMap;
use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::Raw;
use crate::base::json::{self, Placement};
use crate::base::source::FileId;
use crate::base::value::{Node, NodeKind, Origin, Ref, Unknown};
use crate::model::split_dots;

#[derive(Deserialize, Default)]
pub struct Configuration<'a> {
    #[serde(borrow, default)]
    pub provider_config: HashMap<String, ProviderConfig<'a>>,
    #[serde(borrow, default)]
    pub root_module: Option<ModuleConfig<'a>>,
}

#[derive(Deserialize)]
pub struct ProviderConfig<'a> {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub module_address: Option<String>,
    #[serde(borrow, default)]
    pub expressions: Option<Raw<'a>>,
}

#[derive(Deserialize, Default)]
pub struct ModuleConfig<'a> {
    /// Only the resources whose configuration is read: modelled types (their expressions say
    /// where unknown values come from) and secret versions (values never to print).
    #[serde(borrow, default, deserialize_with = "config_resources")]
    pub resources: Vec<ConfigResource<'a>>,
    #[serde(borrow, default)]
    pub module_calls: HashMap<String, ModuleCall<'a>>,
    #[serde(borrow, default)]
    pub outputs: HashMap<String, OutputConfig<'a>>,
    #[serde(default)]
    pub variables: HashMap<String, VariableConfig>,
}

/// A `variable` block as the plan describes it.
#[derive(Deserialize)]
pub struct VariableConfig {
    #[serde(default)]
    pub sensitive: bool,
}

#[derive(Deserialize)]
pub struct ConfigResource<'a> {
    #[serde(borrow, default)]
    pub address: Cow<'a, str>,
    #[serde(borrow, rename = "type", default)]
    pub rtype: Option<super::Text<'a>>,
    #[serde(borrow, default)]
    pub provider_config_key: Option<super::Text<'a>>,
    #[serde(borrow, default)]
    pub expressions: Option<Raw<'a>>,
}

impl ConfigResource<'_> {
    /// Is this resource's configuration read? Modelled types and secret versions.
    pub(crate) fn is_read(&self) -> bool {
        let rtype = self.rtype.as_deref().unwrap_or("");
        crate::terraform::is_modelled(self.address.starts_with("data."), rtype)
            || rtype == super::sensitive::SECRET_VERSION_TYPE
    }
}

fn config_resources<'de: 'a, 'a, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<ConfigResource<'a>>, D::Error> {
    super::kept_list(d, "a sequence", ConfigResource::is_read)
}

#[derive(Deserialize)]
pub struct ModuleCall<'a> {
    #[serde(default)]
    pub source: Option<String>,
    #[serde(borrow, default)]
    pub expressions: Option<Raw<'a>>,
    #[serde(borrow, default)]
    pub module: Option<Box<ModuleConfig<'a>>>,
}

#[derive(Deserialize)]
pub struct OutputConfig<'a> {
    #[serde(borrow, default)]
    pub expression: Option<Raw<'a>>,
}

/// The configuration indexed by module path (`""`, `module.a`, `module.a.module.b`).
pub struct ConfigIndex<'c, 'a> {
    pub modules: HashMap<String, &'c ModuleConfig<'a>>,
    /// module path → (parent path, call name)
    pub parents: HashMap<String, (String, String)>,
    /// module path → its call (for its input expressions)
    pub calls: HashMap<String, &'c ModuleCall<'a>>,
    /// module path → module-relative address → resource configuration (looked up per
    /// resource without building a key)
    resources: HashMap<String, HashMap<&'c str, &'c ConfigResource<'a>>>,
}

impl<'c, 'a> ConfigIndex<'c, 'a> {
    pub fn new(cfg: &'c Configuration<'a>) -> Self {
        let mut ix = ConfigIndex {
            modules: HashMap::default(),
            parents: HashMap::default(),
            calls: HashMap::default(),
            resources: HashMap::default(),
        };
        if let Some(root) = &cfg.root_module {
            ix.walk(String::new(), root, 0);
        }
        ix
    }

    fn walk(&mut self, path: String, m: &'c ModuleConfig<'a>, depth: usize) {
        if depth > 64 {
            return;
        }
        for (name, call) in &m.module_calls {
            let child = address(&path, &["module", name]);
            self.parents
                .insert(child.clone(), (path.clone(), name.clone()));
            self.calls.insert(child.clone(), call);
            if let Some(cm) = &call.module {
                self.walk(child, cm, depth + 1);
            }
        }
        if !m.resources.is_empty() {
            let own = self.resources.entry(path.clone()).or_default();
            own.reserve(m.resources.len());
            for r in &m.resources {
                own.insert(r.address.as_ref(), r);
            }
        }
        self.modules.insert(path, m);
    }

    /// The configuration of a resource, by module path and module-relative address.
    pub fn resource(&self, module: &str, local: &str) -> Option<&'c ConfigResource<'a>> {
        self.resources.get(module)?.get(local).copied()
    }

    /// Resolves the references of an expression written in `module` to absolute addresses,
    /// following module outputs and input variables.
    pub fn resolve(&self, module: &str, refs: &[String], depth: usize) -> Vec<Ref> {
        let mut out: Vec<Ref> = Vec::new();
        for r in refs {
            for resolved in self.resolve_one(module, r, depth) {
                // keep the most specific form of each target
                if let Some(existing) = out
                    .iter_mut()
                    .find(|e| e.address == resolved.address && e.index == resolved.index)
                {
                    if existing.attr.is_none() {
                        existing.attr = resolved.attr;
                    }
                } else {
                    out.push(resolved);
                }
            }
        }
        out
    }

    fn resolve_one(&self, module: &str, r: &str, depth: usize) -> Vec<Ref> {
        if depth > 16 {
            return vec![];
        }
        let parts = split_dots(r);
        let Some(first) = parts.first() else {
            return vec![];
        };
        match *first {
            "var" if parts.len() >= 2 => {
                let name = strip_key(parts[1]).0;
                match (self.parents.get(module), self.calls.get(module)) {
                    (Some((parent, _)), Some(call)) => {
                        let refs = call
                            .expressions
                            .and_then(|e| expression_refs(e, name))
                            .unwrap_or_default();
                        self.resolve(parent, &refs, depth + 1)
                    }
                    _ => vec![Ref {
                        address: address(module, &["var", name]),
                        attr: None,
                        index: None,
                    }],
                }
            }
            "module" if parts.len() >= 3 => {
                let child = address(module, &["module", strip_key(parts[1]).0]);
                let output = strip_key(parts[2]).0;
                let refs = self
                    .modules
                    .get(&child)
                    .and_then(|m| m.outputs.get(output))
                    .and_then(|o| o.expression)
                    .and_then(refs_of)
                    .unwrap_or_default();
                self.resolve(&child, &refs, depth + 1)
            }
            "module" => vec![],
            "data" if parts.len() >= 3 => {
                let (name, index) = strip_key(parts[2]);
                vec![Ref {
                    address: address(module, &["data", parts[1], name]),
                    attr: attr_of(&parts[3..]),
                    index,
                }]
            }
            "local" | "each" | "count" | "path" | "terraform" | "self" | "data" | "var" => {
                vec![]
            }
            _ if parts.len() >= 2 => {
                let (name, index) = strip_key(parts[1]);
                vec![Ref {
                    address: address(module, &[parts[0], name]),
                    attr: attr_of(&parts[2..]),
                    index,
                }]
            }
            _ => vec![],
        }
    }
}

fn attr_of(parts: &[&str]) -> Option<String> {
    let a: Vec<&str> = parts.iter().map(|p| strip_key(p).0).collect();
    (!a.is_empty()).then(|| a.join("."))
}

/// `name[0]` → (`name`, Some(`0`)).
fn strip_key(s: &str) -> (&str, Option<String>) {
    match s.find('[') {
        Some(i) => (&s[..i], Some(s[i + 1..].trim_end_matches(']').to_string())),
        None => (s, None),
    }
}

pub fn join(module: &str, rest: &str) -> String {
    address(module, &[rest])
}

/// `module` (empty for the root) and `parts`, joined with dots: made for every reference of
/// every resource read closely, so without the formatting machinery.
fn address(module: &str, parts: &[&str]) -> String {
    let len = module.len() + parts.iter().map(|p| p.len() + 1).sum::<usize>();
    let mut out = String::with_capacity(len);
    out.push_str(module);
    for (i, p) in parts.iter().enumerate() {
        if i > 0 || !module.is_empty() {
            out.push('.');
        }
        out.push_str(p);
    }
    out
}

#[derive(Deserialize)]
struct ExprRefs {
    #[serde(default)]
    references: Vec<String>,
}

/// The references of one expression object.
pub fn refs_of(expr: Raw<'_>) -> Option<Vec<String>> {
    serde_json::from_str::<ExprRefs>(expr.get())
        .ok()
        .map(|e| e.references)
}

/// The references of attribute `name` in an expressions map.
pub fn expression_refs(expressions: Raw<'_>, name: &str) -> Option<Vec<String>> {
    let map: HashMap<&str, &RawValue> = serde_json::from_str(expressions.get()).ok()?;
    refs_of(Raw::checked(map.get(name)?.get()))
}

/// The constant value of attribute `name` in an expressions map.
pub fn constant_value(expressions: Raw<'_>, name: &str) -> Option<serde_json::Value> {
    #[derive(Deserialize)]
    struct C {
        constant_value: Option<serde_json::Value>,
    }
    let map: HashMap<&str, &RawValue> = serde_json::from_str(expressions.get()).ok()?;
    serde_json::from_str::<C>(map.get(name)?.get())
        .ok()?
        .constant_value
}

/// Converts an expressions map (attributes and nested blocks) into a value tree: constant values
/// are known, expressions with references are unknown with those references resolved.
pub fn expressions_to_node(
    ix: &ConfigIndex<'_, '_>,
    module: &str,
    base: usize,
    expressions: Raw<'_>,
    file: FileId,
) -> Option<Node> {
    let text = expressions.get();
    let node = json::parse(text, Placement::exact(file, base as u32, text.len())).ok()?;
    Some(block_node(ix, module, node))
}

fn block_node(ix: &ConfigIndex<'_, '_>, module: &str, node: Node) -> Node {
    let span = node.span;
    match node.kind {
        NodeKind::Object(members) => {
            let members = members
                .into_iter()
                .map(|(k, v)| {
                    let v = expr_node(ix, module, v);
                    (k, v)
                })
                .collect();
            Node::new(NodeKind::Object(members), span)
        }
        NodeKind::Array(items) => Node::new(
            NodeKind::Array(
                items
                    .into_iter()
                    .map(|b| block_node(ix, module, b))
                    .collect(),
            ),
            span,
        ),
        other => Node::new(other, span),
    }
}

/// One attribute's expression, or a nested block (object or list of objects).
fn expr_node(ix: &ConfigIndex<'_, '_>, module: &str, v: Node) -> Node {
    let span = v.span;
    let mut members = match v.kind {
        NodeKind::Object(m)
            if m.iter()
                .all(|(k, _)| k.name == "constant_value" || k.name == "references") =>
        {
            m
        }
        kind => return block_node(ix, module, Node { kind, ..v }),
    };
    // (the value is taken, not copied: a constant may be a whole policy document)
    if let Some(at) = members.iter().position(|(k, _)| k.name == "constant_value") {
        return members.swap_remove(at).1;
    }
    let refs: Vec<String> = members
        .iter()
        .find(|(k, _)| k.name == "references")
        .and_then(|(_, r)| r.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|n| n.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let resolved = ix.resolve(module, &refs, 0);
    let origin = match refs.into_iter().next() {
        Some(r) => Origin::ComputedFromWritten(r),
        None => "not known before apply (an expression Terraform did not evaluate)".into(),
    };
    Node::unknown(
        Unknown {
            origin,
            refs: resolved,
            template: None,
        },
        span,
    )
}

#[cfg(test)]
mod tests {
    use super::{address, join};

    #[test]
    fn addresses_join_module_and_parts_with_dots() {
        assert_eq!(join("", "aws_kms_key.k"), "aws_kms_key.k");
        assert_eq!(join("module.a", "aws_kms_key.k"), "module.a.aws_kms_key.k");
        assert_eq!(address("", &["var", "x"]), "var.x");
        assert_eq!(
            address("module.a", &["data", "aws_iam_policy_document", "p"]),
            "module.a.data.aws_iam_policy_document.p"
        );
        assert_eq!(address("", &["", "x"]), ".x");
    }
}
