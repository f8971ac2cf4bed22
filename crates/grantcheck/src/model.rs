//! Infrastructure: the resources every loader produces, in one shape, indexed by address.

use crate::base::hash::HashMap;
use hashbrown::{HashTable, hash_table};
use std::hash::BuildHasher;

use crate::base::source::Span;
use crate::base::value::{Node, Ref};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Managed,
    Data,
}

/// What the plan does to a resource. HCL input has no plan: `Configured`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Configured,
    NoOp,
    Create,
    Read,
    Update,
    /// `["delete","create"]`
    ReplaceDeleteFirst,
    /// `["create","delete"]`
    ReplaceCreateFirst,
    Delete,
    Forget,
}

impl Action {
    pub fn from_plan(actions: &[&str]) -> Action {
        match actions {
            ["no-op"] => Action::NoOp,
            ["create"] => Action::Create,
            ["read"] => Action::Read,
            ["update"] => Action::Update,
            ["delete", "create"] => Action::ReplaceDeleteFirst,
            ["create", "delete"] => Action::ReplaceCreateFirst,
            ["delete"] => Action::Delete,
            ["forget"] | ["create", "forget"] => Action::Forget,
            _ => Action::Update,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Configured => "configured",
            Action::NoOp => "no-op",
            Action::Create => "create",
            Action::Read => "read",
            Action::Update => "update",
            Action::ReplaceDeleteFirst | Action::ReplaceCreateFirst => "replace",
            Action::Delete => "delete",
            Action::Forget => "forget",
        }
    }

    /// The object exists after apply.
    pub fn survives(&self) -> bool {
        !matches!(self, Action::Delete | Action::Forget)
    }

    pub fn deletes(&self) -> bool {
        matches!(
            self,
            Action::Delete | Action::ReplaceDeleteFirst | Action::ReplaceCreateFirst
        )
    }
}

/// One resource or data source instance.
#[derive(Clone, Debug)]
pub struct Resource {
    /// Absolute address with instance keys: `module.a["x"].aws_kms_key.k[0]`.
    pub address: String,
    /// Absolute address without instance keys: `module.a.aws_kms_key.k`.
    pub base_address: String,
    /// The module path without instance keys (`""` for the root module).
    pub module: String,
    pub mode: Mode,
    pub rtype: String,
    pub name: String,
    /// Where the resource is written or described.
    pub span: Span,
    pub action: Action,
    /// Key of the provider configuration it uses (`aws`, `aws.east`, `module.m:aws`).
    pub provider_key: Option<String>,
    /// Attributes after apply (planned or configured), an object node. `None` when deleted.
    pub after: Option<Node>,
    /// Attributes before apply (plans only).
    pub before: Option<Node>,
    /// The attribute is written in the configuration (as opposed to computed by the provider).
    pub configured: Vec<String>,
}

impl Resource {
    /// An attribute of the planned (or configured) object.
    pub fn attr(&self, name: &str) -> Option<&Node> {
        self.after.as_ref()?.get(name)
    }

    pub fn before_attr(&self, name: &str) -> Option<&Node> {
        self.before.as_ref()?.get(name)
    }

    /// The value that is, or will be, in AWS: `after`, or `before` for a deletion.
    pub fn current_attr(&self, name: &str) -> Option<&Node> {
        match &self.after {
            Some(a) => a.get(name),
            None => self.before_attr(name),
        }
    }

    pub fn is_configured(&self, attr: &str) -> bool {
        self.configured.iter().any(|a| a == attr)
    }

    pub fn is_data(&self) -> bool {
        self.mode == Mode::Data
    }
}

/// A provider configuration and what it says about accounts and region.
#[derive(Clone, Debug, Default)]
pub struct Provider {
    pub key: String,
    pub allowed_account_ids: Vec<String>,
    pub region: Option<String>,
    /// The region is the value of a variable declared sensitive: used, never shown.
    pub region_sensitive: bool,
    pub span: Option<Span>,
}

/// An account the configuration says it runs in, and how we know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountHint {
    pub account: String,
    pub provider_key: Option<String>,
    pub source: String,
}

/// A module that was not followed (remote source) or a value that never resolves.
#[derive(Clone, Debug)]
pub struct Note {
    pub message: String,
    pub span: Span,
    pub resource: String,
}

/// Everything the loaders read: resources by address, providers, account hints.
#[derive(Clone, Debug, Default)]
pub struct Infrastructure {
    pub resources: Vec<Resource>,
    /// Resource ids by address. The tables hold ids only, hashed by the resources' own
    /// addresses: no address is copied to index it.
    by_address: HashTable<usize>,
    /// The ids of every instance by base address (that of the first id).
    by_base: HashTable<Vec<usize>>,
    /// The ids of every resource by type (that of the first id), in order.
    by_type: HashTable<Vec<usize>>,
    hasher: foldhash::fast::RandomState,
    pub providers: HashMap<String, Provider>,
    pub account_hints: Vec<AccountHint>,
    pub notes: Vec<Note>,
    /// A module directory that no checked configuration calls, checked as a root of its own
    /// with variables that have no value: its notes about them are said once.
    pub uncalled_module: Option<UncalledModule>,
}

/// See [`Infrastructure::uncalled_module`].
#[derive(Clone, Debug)]
pub struct UncalledModule {
    pub dir: String,
    /// The variables without a value, sorted.
    pub unset: Vec<String>,
    /// The first of their declarations.
    pub span: Span,
}

impl Infrastructure {
    pub fn add(&mut self, r: Resource) -> usize {
        let id = self.resources.len();
        self.resources.push(r);
        let Infrastructure {
            resources,
            by_address,
            by_base,
            by_type,
            hasher,
            ..
        } = self;
        index_address(by_address, hasher, resources, id);
        index_group(by_base, hasher, resources, id, base_address);
        index_group(by_type, hasher, resources, id, rtype);
        id
    }

    /// Keeps the first hint of each account for each provider configuration: an account seen
    /// in the ARNs of many existing resources says no more than once, and every resource whose
    /// owner is looked up among the hints would otherwise read them all.
    pub fn dedup_hints(&mut self) {
        let mut seen: crate::base::hash::HashSet<(String, Option<String>)> = Default::default();
        self.account_hints
            .retain(|h| seen.insert((h.account.clone(), h.provider_key.clone())));
    }

    /// Adds many resources at once, as [`Self::add`] one by one would; the indexes are built at
    /// the same time where there are threads.
    pub fn extend(&mut self, resources: Vec<Resource>) {
        let Infrastructure {
            resources: all,
            by_address,
            by_base,
            by_type,
            hasher,
            ..
        } = self;
        let first = all.len();
        if all.is_empty() {
            // taken as it is: no copy of a long list
            *all = resources;
        } else {
            all.extend(resources);
        }
        let all: &[Resource] = all;
        let hasher = &*hasher;
        crate::base::par::join(
            || {
                by_address.reserve(all.len() - first, |&i| {
                    hasher.hash_one(all[i].address.as_str())
                });
                for id in first..all.len() {
                    index_address(by_address, hasher, all, id);
                }
            },
            || {
                for id in first..all.len() {
                    index_group(by_base, hasher, all, id, base_address);
                    index_group(by_type, hasher, all, id, rtype);
                }
            },
        );
    }

    pub fn get(&self, address: &str) -> Option<usize> {
        let h = self.hasher.hash_one(address);
        self.by_address
            .find(h, |&i| self.resources[i].address == address)
            .copied()
    }

    /// All instances of a resource given without instance keys.
    pub fn instances(&self, base_address: &str) -> &[usize] {
        self.group(&self.by_base, base_address, |r| &r.base_address)
    }

    /// The ids of a group of a grouped index: those whose key (what `key` gives) is `wanted`.
    fn group<'a>(
        &'a self,
        table: &'a HashTable<Vec<usize>>,
        wanted: &str,
        key: impl Fn(&Resource) -> &str,
    ) -> &'a [usize] {
        let h = self.hasher.hash_one(wanted);
        table
            .find(h, |ids| key(&self.resources[ids[0]]) == wanted)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The resource instance a reference names: the indexed instance, else the only one, else the
    /// instance with the same key as the referring resource.
    pub fn resolve_ref(&self, r: &Ref, from: Option<&Resource>) -> Option<usize> {
        let ids = self.instances(&r.address);
        if let Some(idx) = &r.index {
            // (by the address's hash: a counted resource of many instances referring to the
            // instances of another is linear, not quadratic)
            let want = format!("{}[{}]", r.address, idx);
            return self
                .get(&want)
                // a resource whose count or for_each is not known is checked as one instance
                // without a key: `x[0]` is it
                .or_else(|| match ids {
                    [one] if self.resources[*one].address == r.address => Some(*one),
                    _ => None,
                });
        }
        match ids {
            [] => None,
            [one] => Some(*one),
            many => {
                let from = from?;
                // inside a module called with count or for_each, the instance of the same module
                // instance as the referring resource
                let same: Vec<usize> = if from.address.contains("module.") {
                    let mine = module_instances(&from.address);
                    many.iter()
                        .copied()
                        .filter(|&i| {
                            same_module_instance(
                                &mine,
                                &module_instances(&self.resources[i].address),
                            )
                        })
                        .collect()
                } else {
                    many.to_vec()
                };
                match same.as_slice() {
                    [] => None,
                    [one] => Some(*one),
                    several => {
                        let key = instance_key(&from.address)?;
                        several
                            .iter()
                            .copied()
                            .find(|&i| instance_key(&self.resources[i].address) == Some(key))
                    }
                }
            }
        }
    }

    pub fn of_type<'a>(
        &'a self,
        mode: Mode,
        rtype: &'a str,
    ) -> impl Iterator<Item = (usize, &'a Resource)> + 'a {
        self.ids_of_type(rtype)
            .iter()
            .map(|&i| (i, &self.resources[i]))
            .filter(move |(_, r)| r.mode == mode)
    }

    /// The ids of the resources (managed and data) of type `rtype`, in order.
    pub fn ids_of_type(&self, rtype: &str) -> &[usize] {
        self.group(&self.by_type, rtype, |r| &r.rtype)
    }

    /// The ids of the resources (managed and data) of any of `types`, in order.
    pub fn ids_of_types(&self, types: &[&str]) -> Vec<usize> {
        let mut ids: Vec<usize> = types
            .iter()
            .flat_map(|t| self.ids_of_type(t))
            .copied()
            .collect();
        if types.len() > 1 {
            ids.sort_unstable();
            ids.dedup();
        }
        ids
    }
}

/// The resource types that are KMS keys of the customer's own (with a key policy and an ARN).
pub const KEY_TYPES: &[&str] = &[
    "aws_kms_key",
    "aws_kms_replica_key",
    "aws_kms_external_key",
    "aws_kms_replica_external_key",
];

/// Is a resource of this type a KMS key (see [`KEY_TYPES`])?
pub fn is_key_type(rtype: &str) -> bool {
    KEY_TYPES.contains(&rtype)
}

/// The module instances an address lies in, outermost first, each as (name, key):
/// `module.a["k"].module.b.aws_x.y[0]` → `[("a", Some("[\"k\"]")), ("b", None)]`.
fn module_instances(address: &str) -> Vec<(&str, Option<&str>)> {
    let parts = split_dots(address);
    let mut out = vec![];
    let mut i = 0;
    while i + 1 < parts.len() && parts[i] == "module" {
        let part = parts[i + 1];
        out.push(match part.find('[') {
            Some(open) => (&part[..open], Some(&part[open..])),
            None => (part, None),
        });
        i += 2;
    }
    out
}

/// Whether two resources lie in the same instances of the modules their paths share (from the
/// root down to where the paths part).
fn same_module_instance(a: &[(&str, Option<&str>)], b: &[(&str, Option<&str>)]) -> bool {
    a.iter()
        .zip(b)
        .take_while(|(x, y)| x.0 == y.0)
        .all(|(x, y)| x.1 == y.1)
}

/// The trailing instance key of an address: `a.b[0]` → `[0]`.
fn instance_key(address: &str) -> Option<&str> {
    if !address.ends_with(']') {
        return None;
    }
    let open = address.rfind('[')?;
    Some(&address[open..])
}

/// Indexes resource `id` by its address; a later resource of the same address takes its place.
fn index_address(
    table: &mut HashTable<usize>,
    hasher: &foldhash::fast::RandomState,
    resources: &[Resource],
    id: usize,
) {
    let key_of = |&i: &usize| resources[i].address.as_str();
    match entry(table, hasher, &resources[id].address, key_of) {
        hash_table::Entry::Occupied(mut e) => *e.get_mut() = id,
        hash_table::Entry::Vacant(e) => {
            e.insert(id);
        }
    }
}

/// Adds resource `id` to the group of resources that share what `key` gives for it (the base
/// address, the type), each group under the key of its first id.
fn index_group<K: Fn(&Resource) -> &str>(
    table: &mut HashTable<Vec<usize>>,
    hasher: &foldhash::fast::RandomState,
    resources: &[Resource],
    id: usize,
    key: K,
) {
    let key_of = |ids: &Vec<usize>| key(&resources[ids[0]]);
    match entry(table, hasher, key(&resources[id]), key_of) {
        hash_table::Entry::Occupied(mut e) => e.get_mut().push(id),
        hash_table::Entry::Vacant(e) => {
            e.insert(vec![id]);
        }
    }
}

fn base_address(r: &Resource) -> &str {
    &r.base_address
}

fn rtype(r: &Resource) -> &str {
    &r.rtype
}

/// The entry of `table` for `key`, an element's key being what `key_of` gives for it.
fn entry<'t, 'r, T>(
    table: &'t mut HashTable<T>,
    hasher: &foldhash::fast::RandomState,
    key: &str,
    key_of: impl Fn(&T) -> &'r str,
) -> hash_table::Entry<'t, T> {
    table.entry(
        hasher.hash_one(key),
        |x| key_of(x) == key,
        |x| hasher.hash_one(key_of(x)),
    )
}

/// Splits an absolute address into (module path without keys, address within the module
/// without keys, instance key). `module.a["k"].aws_x.y[0]` → (`module.a`, `aws_x.y`, `[0]`).
pub fn split_address(address: &str) -> (String, String, Option<String>) {
    if address.bytes().any(|b| b == b'[' || b == b'"') {
        return split_keyed_address(address);
    }
    // no keys and no quotes: every dot separates parts
    let mut rest = address;
    let mut module_end = 0;
    while let Some(after) = rest.strip_prefix("module.") {
        let name_at = address.len() - after.len();
        match after.find('.') {
            Some(dot) => {
                module_end = name_at + dot;
                rest = &after[dot + 1..];
            }
            None => {
                module_end = address.len();
                rest = "";
            }
        }
    }
    (address[..module_end].to_string(), rest.to_string(), None)
}

/// [`split_address`] for an address that may hold instance keys (and quoted dots in them).
fn split_keyed_address(address: &str) -> (String, String, Option<String>) {
    let parts = split_dots(address);
    let mut module = String::new();
    let mut i = 0;
    while i + 1 < parts.len() && parts[i] == "module" {
        if !module.is_empty() {
            module.push('.');
        }
        module.push_str("module.");
        module.push_str(strip_key(parts[i + 1]));
        i += 2;
    }
    let rest = &parts[i..];
    let mut local = String::with_capacity(address.len());
    let mut key = None;
    for (n, part) in rest.iter().enumerate() {
        if n > 0 {
            local.push('.');
        }
        match part.find('[') {
            Some(open) if n + 1 == rest.len() => {
                local.push_str(&part[..open]);
                key = Some(part[open..].to_string());
            }
            _ => local.push_str(part),
        }
    }
    (module, local, key)
}

fn strip_key(s: &str) -> &str {
    match s.find('[') {
        Some(i) => &s[..i],
        None => s,
    }
}

/// Splits on dots that are outside brackets and quotes.
pub fn split_dots(address: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut in_str = false;
    let mut start = 0;
    let bytes = address.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_str {
            if b == b'\\' {
                i += 1;
            } else if b == b'"' {
                in_str = false;
            }
        } else {
            match b {
                b'"' => in_str = true,
                b'[' => depth += 1,
                b']' => depth -= 1,
                b'.' if depth == 0 => {
                    out.push(&address[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        i += 1;
    }
    out.push(&address[start..]);
    out
}

/// What a policy is attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    Secret,
    Key,
}

impl PolicyKind {
    /// "secret policy" or "key policy", for messages.
    pub fn noun(self) -> &'static str {
        match self {
            PolicyKind::Secret => "secret policy",
            PolicyKind::Key => "key policy",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A resource created by the plan, its type and name read from its address.
    fn resource(address: &str, mode: Mode) -> Resource {
        let (module, local, _) = split_address(address);
        let (rtype, name) = local.split_once('.').unwrap_or((&local, ""));
        Resource {
            address: address.into(),
            base_address: if module.is_empty() {
                local.clone()
            } else {
                format!("{module}.{local}")
            },
            rtype: rtype.to_string(),
            name: name.to_string(),
            module,
            mode,
            span: Span::default(),
            action: Action::Create,
            provider_key: None,
            after: None,
            before: None,
            configured: vec![],
        }
    }

    #[test]
    fn a_reference_inside_a_module_instance_resolves_in_that_instance() {
        let mut infra = Infrastructure::default();
        let addresses = [
            "module.m[\"a\"].aws_secretsmanager_secret.this",
            "module.m[\"b\"].aws_secretsmanager_secret.this",
            "module.m[\"a.b\"].aws_secretsmanager_secret.this",
            "module.c[0].module.d[1].aws_kms_key.k[0]",
            "module.c[0].module.d[1].aws_kms_key.k[1]",
            "module.c[1].module.d[1].aws_kms_key.k[1]",
        ];
        infra.extend(
            addresses
                .iter()
                .map(|a| resource(a, Mode::Managed))
                .collect(),
        );
        let r = |address: &str| Ref {
            address: address.into(),
            attr: Some("arn".into()),
            index: None,
        };
        let from = |address: &str| resource(address, Mode::Managed);
        let secret = r("module.m.aws_secretsmanager_secret.this");
        for (policy, want) in [
            ("module.m[\"b\"].aws_secretsmanager_secret_policy.this", 1),
            ("module.m[\"a.b\"].aws_secretsmanager_secret_policy.this", 2),
            ("module.m[\"a\"].aws_secretsmanager_secret_policy.this", 0),
        ] {
            assert_eq!(
                infra.resolve_ref(&secret, Some(&from(policy))),
                Some(want),
                "{policy}"
            );
        }
        // from the root, which instance is meant is not known
        assert_eq!(
            infra.resolve_ref(&secret, Some(&from("aws_s3_bucket.b"))),
            None
        );
        let key = r("module.c.module.d.aws_kms_key.k");
        let at = |a: &str| infra.resolve_ref(&key, Some(&from(a)));
        assert_eq!(
            at("module.c[0].module.d[1].aws_secretsmanager_secret.s[1]"),
            Some(4)
        );
        assert_eq!(
            at("module.c[1].module.d[1].aws_secretsmanager_secret.s"),
            Some(5)
        );
        assert_eq!(
            at("module.c[0].module.d[1].aws_secretsmanager_secret.s"),
            None
        );
    }

    #[test]
    fn resources_added_at_once_are_found_as_when_added_one_by_one() {
        let res = |address: &str| resource(address, Mode::Managed);
        let addresses = [
            "aws_kms_key.k[0]",
            "aws_kms_key.k[1]",
            "module.m[\"a\"].aws_kms_key.k",
            "aws_kms_key.j",
            "aws_kms_key.k[0]",
        ];
        let mut one = Infrastructure::default();
        one.add(res("aws_kms_key.first"));
        let mut all = one.clone();
        for a in addresses {
            one.add(res(a));
        }
        all.extend(addresses.iter().map(|a| res(a)).collect());
        for a in addresses
            .iter()
            .chain(&["aws_kms_key.first", "aws_kms_key.none"])
        {
            assert_eq!(one.get(a), all.get(a), "{a}");
        }
        for base in ["aws_kms_key.k", "module.m.aws_kms_key.k", "aws_kms_key.j"] {
            assert_eq!(one.instances(base), all.instances(base), "{base}");
        }
        assert_eq!(all.instances("aws_kms_key.k"), &[1, 2, 5]);
        assert_eq!(all.get("aws_kms_key.k[0]"), Some(5));

        // many resources, so that the indexes grow while they are filled, one by one and at once
        let many: Vec<String> = (0..5000)
            .map(|i| format!("module.m{}.aws_kms_key.k[{}]", i % 7, i / 7))
            .collect();
        let mut by_one = Infrastructure::default();
        for a in &many {
            by_one.add(res(a));
        }
        let mut at_once = Infrastructure::default();
        at_once.extend(many.iter().take(100).map(|a| res(a)).collect());
        at_once.extend(many.iter().skip(100).map(|a| res(a)).collect());
        for infra in [&by_one, &at_once] {
            for (id, a) in many.iter().enumerate() {
                assert_eq!(infra.get(a), Some(id), "{a}");
            }
            for m in 0..7 {
                let ids: Vec<usize> = (0..5000).filter(|i| i % 7 == m).collect();
                assert_eq!(infra.instances(&format!("module.m{m}.aws_kms_key.k")), ids);
            }
            assert_eq!(infra.get("module.m0.aws_kms_key.k[9999]"), None);
        }
    }

    #[test]
    fn resources_by_type_are_every_one_of_it_in_order_however_added() {
        let res = resource;
        let list = [
            ("aws_kms_key.a", Mode::Managed),
            ("aws_secretsmanager_secret.s", Mode::Managed),
            ("aws_kms_replica_key.r", Mode::Managed),
            ("aws_kms_key.b", Mode::Data),
            ("aws_secretsmanager_secret.t", Mode::Data),
            ("aws_kms_key.c", Mode::Managed),
        ];
        let mut by_one = Infrastructure::default();
        for (a, m) in list {
            by_one.add(res(a, m));
        }
        let mut at_once = Infrastructure::default();
        at_once.add(res(list[0].0, list[0].1));
        at_once.extend(list[1..4].iter().map(|&(a, m)| res(a, m)).collect());
        at_once.extend(list[4..].iter().map(|&(a, m)| res(a, m)).collect());
        for infra in [&by_one, &at_once] {
            assert_eq!(infra.ids_of_type("aws_kms_key"), &[0, 3, 5]);
            assert_eq!(infra.ids_of_type("aws_iam_role"), &[] as &[usize]);
            assert_eq!(
                infra.ids_of_types(&["aws_kms_replica_key", "aws_kms_key"]),
                [0, 2, 3, 5]
            );
            let managed: Vec<usize> = infra
                .of_type(Mode::Managed, "aws_kms_key")
                .map(|(i, _)| i)
                .collect();
            assert_eq!(managed, [0, 5]);
            let data: Vec<&str> = infra
                .of_type(Mode::Data, "aws_secretsmanager_secret")
                .map(|(_, r)| r.address.as_str())
                .collect();
            assert_eq!(data, ["aws_secretsmanager_secret.t"]);
        }
    }

    #[test]
    fn hints_keep_the_first_of_each_account_and_provider_in_order() {
        let hint = |account: &str, provider: Option<&str>, source: &str| AccountHint {
            account: account.into(),
            provider_key: provider.map(str::to_string),
            source: source.into(),
        };
        let mut infra = Infrastructure::default();
        for i in 0..1000 {
            infra
                .account_hints
                .push(hint("111122223333", None, &format!("r{i}")));
            infra
                .account_hints
                .push(hint("444455556666", Some("aws.west"), &format!("s{i}")));
        }
        infra.account_hints.push(hint("444455556666", None, "t"));
        infra.dedup_hints();
        let kept: Vec<(&str, Option<&str>, &str)> = infra
            .account_hints
            .iter()
            .map(|h| {
                (
                    h.account.as_str(),
                    h.provider_key.as_deref(),
                    h.source.as_str(),
                )
            })
            .collect();
        assert_eq!(
            kept,
            [
                ("111122223333", None, "r0"),
                ("444455556666", Some("aws.west"), "s0"),
                ("444455556666", None, "t"),
            ]
        );
    }

    #[test]
    fn addresses_without_keys_split_as_keyed_ones_do() {
        for address in [
            "aws_kms_key.k",
            "module.a.aws_kms_key.k",
            "module.a.module.b.aws_kms_key.k",
            "module.a.module",
            "module.a.module.b",
            "module.x",
            "module.",
            "module",
            "module..x",
            "modules.a.b",
            "data.aws_iam_policy_document.d",
            "module.a.data.aws_iam_policy_document.d",
            "",
            ".",
            "a..b.",
        ] {
            assert_eq!(
                split_address(address),
                split_keyed_address(address),
                "{address}"
            );
        }
    }

    #[test]
    fn addresses_split_into_module_local_and_key() {
        assert_eq!(
            split_address("module.a[\"x.y\"].module.b.aws_kms_key.k[0]"),
            (
                "module.a.module.b".to_string(),
                "aws_kms_key.k".to_string(),
                Some("[0]".to_string())
            )
        );
        assert_eq!(
            split_address("data.aws_iam_policy_document.p"),
            (
                String::new(),
                "data.aws_iam_policy_document.p".to_string(),
                None
            )
        );
    }
}
