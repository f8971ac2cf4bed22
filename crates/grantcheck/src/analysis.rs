//! Links secret policies → secrets → keys → key policies, and works out who each secret is
//! shared with.

use crate::base::hash::{HashMap, HashSet};

use crate::accounts::{Owners, Region, owners_of, region_of};
use crate::base::json::{self, Placement};
use crate::base::source::{FileId, SourceFile, Span};
use crate::base::value::{Node, NodeKind, Ref, TextMap, Unknown};
use crate::diagnostic::Finding;
use crate::model::{Infrastructure, Mode, Resource};
use crate::policy::{
    self, Condition, Effect, PolicyDocument, PolicyError, Principal, PrincipalKind, Statement,
    list_allows, parse_arn,
};
use crate::terraform::hcl::text::widen_to_escaped_quotes;

pub use crate::model::PolicyKind;

pub mod identities;

/// What reading a policy text gave: its document, why it is not a policy, or the unknown value
/// it comes from.
#[derive(Clone, Debug)]
pub enum PolicyReading {
    Parsed(PolicyDocument),
    Invalid(PolicyError),
    Unknown(Unknown),
}

/// A policy found in a resource attribute.
#[derive(Clone, Debug)]
pub struct PolicyInfo {
    /// The resource that holds the policy text.
    pub holder: usize,
    /// The attribute that holds it (`policy`).
    pub attr: &'static str,
    pub kind: PolicyKind,
    pub doc: PolicyReading,
    pub span: Span,
    /// Length of the policy text in characters and in bytes, when known.
    pub size: Option<(usize, usize)>,
}

/// How a secret names its KMS key.
#[derive(Clone, Debug)]
pub enum KeyRef {
    /// No `kms_key_id`: Secrets Manager uses `aws/secretsmanager`.
    Unset {
        span: Span,
    },
    /// `aws/secretsmanager` by alias name, alias ARN or that key's ARN.
    AwsManaged {
        span: Span,
        text: String,
    },
    /// A customer managed key: in this plan (`key`) or elsewhere (`text`).
    Customer {
        span: Span,
        key: Option<usize>,
        text: Option<String>,
    },
    Unknown {
        span: Span,
        unknown: Unknown,
    },
}

/// The policy of a key.
#[derive(Clone, Debug)]
pub enum KeyPolicy {
    Policy(usize),
    /// No policy configured: AWS applies the default key policy (owner account only).
    Default,
    Unknown(Unknown),
}

/// Whether something holds: yes, no, or not known before apply (with why).
#[derive(Clone, Debug, PartialEq)]
pub enum Tri {
    Yes,
    No,
    Unknown(String),
}

/// A foreign principal granted by a secret policy statement.
#[derive(Clone, Debug)]
pub struct Grant {
    pub policy: usize,
    pub statement: usize,
    pub principal: Principal,
    /// The statement allows an action that needs the secret's KMS key (reading or writing the value).
    pub needs_key: Tri,
    /// Allowed through `NotPrincipal` with `Allow`: everyone but the listed principals.
    pub not_principal: bool,
}

#[derive(Clone, Debug)]
pub struct SecretInfo {
    /// The secret resource, or, for a secret outside this plan, the policy resource naming it.
    pub res: usize,
    pub in_plan: bool,
    pub owners: Owners,
    pub region: Option<Region>,
    pub key: KeyRef,
    pub policies: Vec<usize>,
    pub grants: Vec<Grant>,
    /// Principals whose account could not be decided.
    pub undecided: Vec<(Principal, String)>,
}

pub struct Analysis<'a> {
    pub infra: &'a Infrastructure,
    pub policies: Vec<PolicyInfo>,
    pub secrets: Vec<SecretInfo>,
    pub key_policies: HashMap<usize, KeyPolicy>,
    pub accounts: Vec<String>,
    /// External accounts shared with on purpose (`trusted_accounts` in `grantcheck.toml`).
    pub trusted: Vec<String>,
    /// The roles and users the input manages, with their identity policies (read apart from
    /// [`Self::policies`]: the resource-policy rules never see them).
    pub identities: Vec<identities::Identity>,
    /// Which of [`Self::identities`] may name which secret.
    pub naming: identities::NamingIndex,
    by_text: TextIndex<'a>,
    /// Policies registered but not read yet (the last ones of `policies`).
    pending: Vec<PolicyText<'a>>,
    /// The files read, where a policy written with escapes in a JSON string is placed exactly.
    sources: &'a [SourceFile],
    /// The policies read in a file of their own ([`ESCAPED`]), by id: where the content of the
    /// string they are written in starts, and its value's length.
    escaped: HashMap<usize, (u32, usize)>,
}

/// What a key's policy is, before its text is registered.
enum KeyPolicyText<'a> {
    /// An `aws_kms_key_policy` resource's policy, registered already.
    Attached(usize),
    /// A policy text to register.
    Text(PolicyText<'a>),
    /// No text to read.
    Known(KeyPolicy),
}

/// Where a policy's text is: an attribute of a resource, or rendered from a policy document
/// data source whose `json` is known only after apply.
enum PolicyText<'a> {
    Attribute(&'a Node),
    Rendered(Node),
}

impl PolicyText<'_> {
    fn node(&self) -> &Node {
        match self {
            PolicyText::Attribute(n) => n,
            PolicyText::Rendered(n) => n,
        }
    }
}

/// Keys and secrets by the ARN or ID text they are known by (after the change, and before it),
/// so that naming one by a literal ARN costs a lookup, not a walk over every resource.
#[derive(Default)]
struct TextIndex<'a> {
    keys: HashMap<&'a str, usize>,
    /// Managed aliases by their name and ARN (`alias/app-db`).
    aliases: HashMap<&'a str, usize>,
    secrets: HashMap<&'a str, usize>,
    /// The ARNs and IDs that data sources in this configuration say are the AWS managed key.
    aws_managed: HashSet<&'a str>,
}

/// Which map of [`TextIndex`] a resource's texts go to.
#[derive(Clone, Copy)]
enum Indexed {
    Key,
    Alias,
    Secret,
}

impl<'a> TextIndex<'a> {
    fn new(infra: &'a Infrastructure) -> Self {
        let ids = infra.ids_of_types(&[
            "aws_kms_alias",
            "aws_kms_key",
            "aws_kms_replica_key",
            "aws_kms_external_key",
            "aws_kms_replica_external_key",
            "aws_secretsmanager_secret",
        ]);
        // what each resource is known by, found on its own, in parallel where it can; the
        // texts are then indexed in the resources' order
        let found = crate::base::par::map(&ids, |&id| {
            let r = &infra.resources[id];
            let mut managed = vec![];
            if r.mode == Mode::Data
                && (r.rtype == "aws_kms_alias" || r.rtype == "aws_kms_key")
                && data_is_aws_managed(r) == Some(true)
            {
                managed.extend(
                    ["arn", "target_key_arn", "target_key_id", "key_id", "id"]
                        .iter()
                        .filter_map(|a| r.attr(a).and_then(Node::as_str)),
                );
            }
            let (kind, attrs): (Indexed, &[&str]) = match (r.mode, r.rtype.as_str()) {
                (Mode::Managed, t) if crate::model::is_key_type(t) => {
                    (Indexed::Key, &["arn", "key_id", "id"])
                }
                (Mode::Managed, "aws_kms_alias") => (Indexed::Alias, &["name", "arn"]),
                (_, "aws_secretsmanager_secret") => (Indexed::Secret, &["arn", "id"]),
                _ => (Indexed::Secret, &[]),
            };
            let texts: Vec<&'a str> = attrs
                .iter()
                .flat_map(|a| [r.current_attr(a), r.before_attr(a)])
                .flatten()
                .filter_map(Node::as_str)
                .collect();
            (managed, kind, texts)
        });
        let mut ix = TextIndex::default();
        for (id, (managed, kind, texts)) in ids.into_iter().zip(found) {
            ix.aws_managed.extend(managed);
            let map = match kind {
                Indexed::Key => &mut ix.keys,
                Indexed::Alias => &mut ix.aliases,
                Indexed::Secret => &mut ix.secrets,
            };
            for text in texts {
                // the first resource in plan order wins, as a walk over them would find
                map.entry(text).or_insert(id);
            }
        }
        ix
    }
}

const SECRET_VALUE_ACTIONS: &[&str] = &[
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecret",
];

impl<'a> Analysis<'a> {
    pub fn new(infra: &'a Infrastructure, accounts: &[String]) -> Self {
        Self::of_sources(infra, accounts, &[])
    }

    /// [`Self::new`], with the files the infrastructure was read from: findings in a policy
    /// written as an escaped JSON string (as plans hold them) then point at the exact place in
    /// it, not at the whole string, once [`Self::place`] has placed them (until then, the spans
    /// inside such a policy are in a file of its own).
    pub fn of_sources(
        infra: &'a Infrastructure,
        accounts: &[String],
        sources: &'a [SourceFile],
    ) -> Self {
        let mut a = Analysis {
            infra,
            policies: vec![],
            secrets: vec![],
            key_policies: HashMap::default(),
            accounts: accounts.to_vec(),
            trusted: vec![],
            identities: vec![],
            naming: identities::NamingIndex::default(),
            by_text: TextIndex::new(infra),
            pending: vec![],
            sources,
            escaped: HashMap::default(),
        };
        a.link_key_policies();
        a.link_secrets();
        // every registered policy is read, even one registered after the grants were collected
        a.read_policies();
        a.identities = identities::load(&a);
        a.naming = identities::NamingIndex::of(&a, &a.identities);
        a
    }

    /// Reads an identity policy's text (held by `holder`): the attribute, or the policy
    /// document data source it is known to be.
    /// A policy written with escapes in a JSON string (as plans hold them) is read in a file of
    /// its own ([`IDENTITY_ESCAPED`]); the string's content start and value length are given
    /// with it, for [`Self::place_identity_span`] to place what it shows.
    pub(crate) fn read_identity_policy(
        &self,
        holder: usize,
        node: &Node,
    ) -> (PolicyReading, Option<(u32, usize)>) {
        match self.rendered_policy_document(node, holder) {
            Some(rendered) => (read_policy(&rendered, None, self.sources), None),
            None => match escaped_string(node, self.sources) {
                Some(e) => (
                    read_policy(node, Some(IDENTITY_ESCAPED), self.sources),
                    Some(e),
                ),
                None => (read_policy(node, None, self.sources), None),
            },
        }
    }

    /// Where `span` of an identity policy written at `whole` (a JSON string whose content
    /// starts at `escaped`'s offset) is written; a span outside such a policy is returned as
    /// it is.
    pub(crate) fn place_identity_span(
        &self,
        whole: Span,
        escaped: Option<(u32, usize)>,
        span: Span,
    ) -> Span {
        if span.file != IDENTITY_ESCAPED {
            return span;
        }
        let placed = escaped.and_then(|(base, len)| {
            let src = self.sources.iter().find(|f| f.id == whole.file)?;
            let written = src
                .text
                .get(base as usize..(whole.end as usize).checked_sub(1)?)?;
            let mut e = json::Escapes::read(written, base, len)?;
            Some(e.span(whole.file, span.start as usize, span.end as usize))
        });
        placed.unwrap_or(whole)
    }

    /// Is the grant's principal in a trusted account?
    pub fn is_trusted(&self, g: &Grant) -> bool {
        !g.not_principal
            && g.principal
                .account
                .as_ref()
                .is_some_and(|a| self.trusted.contains(a))
    }

    /// Moves the spans `found` shows inside policies written with escapes in JSON strings (read
    /// in files of their own) to where they are written. Every finding of the rules is placed
    /// so before it goes anywhere else.
    pub fn place_escaped_spans(&self, found: &mut [Finding]) {
        self.place_spans(found.iter_mut().flat_map(|f| {
            f.span
                .iter_mut()
                .chain(f.labels.iter_mut().map(|l| &mut l.span))
        }));
    }

    /// Moves `spans` inside policies written with escapes in JSON strings to where they are
    /// written, as [`Self::place_escaped_spans`] does for findings.
    pub fn place_spans<'s>(&self, spans: impl IntoIterator<Item = &'s mut Span>) {
        if self.escaped.is_empty() {
            return;
        }
        let mut read: HashMap<usize, Option<json::Escapes<'a>>> = HashMap::default();
        let mut place = |span: &mut Span| {
            if span.file & ESCAPED == 0 {
                return;
            }
            let id = (span.file & !ESCAPED) as usize;
            let (Some(&(base, len)), Some(info)) = (self.escaped.get(&id), self.policies.get(id))
            else {
                return;
            };
            // (the string's content: from `base` to its closing quote, its span's last byte)
            let whole = info.span;
            let escapes = read.entry(id).or_insert_with(|| {
                let src = self.sources.iter().find(|f| f.id == whole.file)?;
                let written = src
                    .text
                    .get(base as usize..(whole.end as usize).checked_sub(1)?)?;
                json::Escapes::read(written, base, len)
            });
            *span = match escapes {
                Some(e) => e.span(whole.file, span.start as usize, span.end as usize),
                None => whole,
            };
        };
        for span in spans {
            place(span);
        }
    }

    pub fn resource(&self, id: usize) -> &'a Resource {
        &self.infra.resources[id]
    }

    /// For a policy known only after apply because it is a `data "aws_iam_policy_document"`'s
    /// `json`: that document, from its `json` when the plan has it, else rendered from its
    /// configuration (whose own unknown parts stay unknown).
    fn rendered_policy_document(&self, node: &Node, holder: usize) -> Option<Node> {
        let u = node.as_unknown()?;
        let from = &self.infra.resources[holder];
        u.refs.iter().find_map(|r| {
            let id = self.infra.resolve_ref(r, Some(from))?;
            let data = &self.infra.resources[id];
            if data.mode != Mode::Data || data.rtype != "aws_iam_policy_document" {
                return None;
            }
            policy::iam_policy_document::from_data_source(data.after.as_ref()?)
        })
    }

    /// Registers a policy; its text is read later, with all the others, by [`Self::read_policies`].
    fn add_policy(
        &mut self,
        holder: usize,
        attr: &'static str,
        kind: PolicyKind,
        node: &'a Node,
    ) -> usize {
        let text = self.policy_text(node, holder);
        self.register(holder, attr, kind, text)
    }

    /// The text of a policy attribute: the attribute, or the document it is known to be.
    fn policy_text(&self, node: &'a Node, holder: usize) -> PolicyText<'a> {
        match self.rendered_policy_document(node, holder) {
            Some(rendered) => PolicyText::Rendered(rendered),
            None => PolicyText::Attribute(node),
        }
    }

    /// Registers a policy whose text is known; see [`Self::add_policy`].
    fn register(
        &mut self,
        holder: usize,
        attr: &'static str,
        kind: PolicyKind,
        text: PolicyText<'a>,
    ) -> usize {
        self.policies.push(PolicyInfo {
            holder,
            attr,
            kind,
            doc: PolicyReading::Unknown(Unknown::default()),
            span: text.node().span,
            size: None,
        });
        self.pending.push(text);
        self.policies.len() - 1
    }

    /// Parses the registered policies' texts, in parallel where it can: each is independent.
    fn read_policies(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let first = self.policies.len() - pending.len();
        let sources = self.sources;
        let ids: Vec<usize> = (first..first + pending.len()).collect();
        let read = crate::base::par::map(&ids, |&id| {
            let node = pending[id - first].node();
            let size = match &node.kind {
                NodeKind::String(s) => Some((s.value.chars().count(), s.value.len())),
                NodeKind::Object(_) if !contains_unknown(node) => json_size(&node.to_json()),
                _ => None,
            };
            let escaped = escaped_string(node, sources);
            let read_as = escaped.and_then(|_| {
                let id = FileId::try_from(id).ok().filter(|i| i & ESCAPED == 0)?;
                Some(ESCAPED | id)
            });
            (
                read_policy(node, read_as, sources),
                size,
                escaped.filter(|_| read_as.is_some()),
            )
        });
        for ((id, info), (doc, size, escaped)) in
            (first..).zip(&mut self.policies[first..]).zip(read)
        {
            info.doc = doc;
            info.size = size;
            if let Some(e) = escaped {
                self.escaped.insert(id, e);
            }
        }
    }

    fn link_key_policies(&mut self) {
        let infra = self.infra;
        // aws_kms_key_policy resources, by the key they attach to
        let mut attached: HashMap<usize, usize> = HashMap::default();
        for (id, r) in infra.of_type(Mode::Managed, "aws_kms_key_policy") {
            if !r.action.survives() {
                continue;
            }
            let Some(policy) = r.attr("policy") else {
                continue;
            };
            let target = r.attr("key_id").and_then(|k| self.find_key(k, r));
            let pid = self.add_policy(id, "policy", PolicyKind::Key, policy);
            if let Some(key) = target {
                attached.insert(key, pid);
            }
        }
        let mut keys = infra.ids_of_types(crate::model::KEY_TYPES);
        keys.retain(|&i| infra.resources[i].mode == Mode::Managed);
        // what each key's policy is, found on its own, in parallel where it can; the policies
        // are then registered in the keys' order
        let this = &*self;
        let found = crate::base::par::map(&keys, |&id| {
            if let Some(pid) = attached.get(&id) {
                return KeyPolicyText::Attached(*pid);
            }
            let r = &infra.resources[id];
            let Some(n) = r.current_attr("policy") else {
                return KeyPolicyText::Known(KeyPolicy::Default);
            };
            match &n.kind {
                NodeKind::Unknown(u) => match this.rendered_policy_document(n, id) {
                    Some(rendered) => KeyPolicyText::Text(PolicyText::Rendered(rendered)),
                    None if r.is_configured("policy") => {
                        KeyPolicyText::Known(KeyPolicy::Unknown((**u).clone()))
                    }
                    None => KeyPolicyText::Known(KeyPolicy::Default),
                },
                NodeKind::String(s) if !s.value.trim().is_empty() => {
                    KeyPolicyText::Text(PolicyText::Attribute(n))
                }
                // (a policy of another type is no policy AWS takes: PG001 says so)
                NodeKind::Object(_)
                | NodeKind::Number(_)
                | NodeKind::Bool(_)
                | NodeKind::Array(_) => KeyPolicyText::Text(PolicyText::Attribute(n)),
                _ => KeyPolicyText::Known(KeyPolicy::Default),
            }
        });
        self.key_policies.reserve(keys.len());
        for (id, f) in keys.into_iter().zip(found) {
            let kp = match f {
                KeyPolicyText::Attached(pid) => KeyPolicy::Policy(pid),
                KeyPolicyText::Text(text) => {
                    KeyPolicy::Policy(self.register(id, "policy", PolicyKind::Key, text))
                }
                KeyPolicyText::Known(kp) => kp,
            };
            self.key_policies.insert(id, kp);
        }
    }

    /// The key (`aws_kms_key` / replica key) a key reference names, by reference or by ARN/ID.
    fn find_key(&self, node: &Node, from: &Resource) -> Option<usize> {
        match &node.kind {
            NodeKind::Unknown(u) => self.key_from_refs(&u.refs, from, 0),
            NodeKind::String(s) => self.key_by_text(&s.value),
            _ => None,
        }
    }

    fn key_from_refs(&self, refs: &[Ref], from: &Resource, depth: usize) -> Option<usize> {
        if depth > 8 {
            return None;
        }
        for r in refs {
            let Some(id) = self.infra.resolve_ref(r, Some(from)) else {
                continue;
            };
            let t = &self.infra.resources[id];
            match (t.mode, t.rtype.as_str()) {
                (Mode::Managed, t) if crate::model::is_key_type(t) => return Some(id),
                (Mode::Managed, "aws_kms_alias") => {
                    if let Some(target) = t.attr("target_key_id") {
                        let found = match &target.kind {
                            NodeKind::Unknown(u) => self.key_from_refs(&u.refs, t, depth + 1),
                            NodeKind::String(s) => self.key_by_text(&s.value),
                            _ => None,
                        };
                        if found.is_some() {
                            return found;
                        }
                    }
                }
                _ => {}
            }
        }
        None
    }

    fn key_by_text(&self, text: &str) -> Option<usize> {
        if let Some(&key) = self.by_text.keys.get(text) {
            return Some(key);
        }
        // an alias this configuration manages: the key it targets
        let alias = self.infra.resources.get(*self.by_text.aliases.get(text)?)?;
        let target = alias.attr("target_key_id")?;
        match &target.kind {
            NodeKind::String(t) => self.by_text.keys.get(t.value.as_str()).copied(),
            NodeKind::Unknown(u) => u.refs.iter().find_map(|r| {
                let id = self.infra.resolve_ref(r, Some(alias))?;
                let t = &self.infra.resources[id];
                (t.mode == Mode::Managed && crate::model::is_key_type(&t.rtype)).then_some(id)
            }),
            _ => None,
        }
    }

    fn link_secrets(&mut self) {
        let infra = self.infra;
        let mut secret_ix: HashMap<usize, usize> = HashMap::default();
        let mut ids = infra.ids_of_types(&["aws_secretsmanager_secret"]);
        ids.retain(|&i| {
            let r = &infra.resources[i];
            r.mode == Mode::Data || r.action.survives()
        });
        // each secret's owners and key are read on their own, in parallel where it can
        let this = &*self;
        let infos = crate::base::par::map(&ids, |&id| {
            let r = &infra.resources[id];
            SecretInfo {
                res: id,
                in_plan: r.mode == Mode::Managed,
                owners: owners_of(infra, &this.accounts, r),
                region: region_of(infra, r),
                key: this.key_ref(r),
                policies: vec![],
                grants: vec![],
                undecided: vec![],
            }
        });
        secret_ix.reserve(infos.len());
        self.secrets.reserve(infos.len());
        for info in infos {
            secret_ix.insert(info.res, self.secrets.len());
            self.secrets.push(info);
        }
        // aws_secretsmanager_secret_policy → secret
        let mut has_policy_resource: Vec<bool> = vec![false; self.secrets.len()];
        // each policy's secret and text are found on their own, in parallel where it can
        let policy_ids: Vec<usize> = infra
            .of_type(Mode::Managed, "aws_secretsmanager_secret_policy")
            .filter(|(_, r)| r.action.survives())
            .map(|(id, _)| id)
            .collect();
        let this = &*self;
        let found = crate::base::par::map(&policy_ids, |&id| {
            let r = &infra.resources[id];
            let policy = r.attr("policy")?;
            let target = r.attr("secret_arn").and_then(|n| this.find_secret(n, r));
            Some((this.policy_text(policy, id), target))
        });
        for (id, f) in policy_ids.into_iter().zip(found) {
            let Some((text, target)) = f else {
                continue;
            };
            let r = &infra.resources[id];
            let pid = self.register(id, "policy", PolicyKind::Secret, text);
            let six = match target.and_then(|t| secret_ix.get(&t)) {
                Some(&six) => {
                    if let Some(h) = has_policy_resource.get_mut(six) {
                        *h = true;
                    }
                    six
                }
                None => {
                    let unknown = Unknown {
                        origin: match r.attr("secret_arn") {
                            // (an ARN the plan marks sensitive is not quoted)
                            Some(n) if n.as_str().is_some() && n.sensitive => {
                                "the secret is not managed in this configuration".into()
                            }
                            Some(n) if n.as_str().is_some() => format!(
                                "the secret {} is not managed in this configuration",
                                n.as_str().unwrap_or_default()
                            )
                            .into(),
                            _ => "the secret this policy attaches to is not in this configuration"
                                .into(),
                        },
                        refs: vec![],
                        template: None,
                    };
                    self.secrets.push(SecretInfo {
                        res: id,
                        in_plan: false,
                        owners: owners_of(infra, &self.accounts, r),
                        region: region_of(infra, r),
                        key: KeyRef::Unknown {
                            span: r.span,
                            unknown,
                        },
                        policies: vec![],
                        grants: vec![],
                        undecided: vec![],
                    });
                    has_policy_resource.push(true);
                    self.secrets.len() - 1
                }
            };
            self.secrets[six].policies.push(pid);
        }
        // the inline `policy` argument, when no separate policy resource manages it
        for six in 0..self.secrets.len() {
            let s = &self.secrets[six];
            if !s.in_plan || has_policy_resource.get(six).copied().unwrap_or(false) {
                continue;
            }
            let r = &infra.resources[s.res];
            let Some(n) = r.attr("policy") else { continue };
            let usable = match &n.kind {
                NodeKind::String(v) => !matches!(v.value.trim(), "" | "{}"),
                NodeKind::Object(_)
                | NodeKind::Number(_)
                | NodeKind::Bool(_)
                | NodeKind::Array(_) => true,
                NodeKind::Unknown(_) => r.is_configured("policy"),
                _ => false,
            };
            if usable {
                let pid = self.add_policy(s.res, "policy", PolicyKind::Secret, n);
                self.secrets[six].policies.push(pid);
            }
        }
        self.read_policies();
        // the owner, when nothing else says: the account of the secret's ARN given as a value,
        // or the administrator of its key (the account root granted kms:*)
        for six in 0..self.secrets.len() {
            if self.secrets[six].owners.is_known() {
                continue;
            }
            let s = &self.secrets[six];
            let from_arn = (!s.in_plan)
                .then(|| infra.resources[s.res].attr("secret_arn"))
                .flatten()
                .and_then(Node::as_str)
                .and_then(|t| crate::policy::parse_arn(t).and_then(|a| a.account_ok()));
            let from_key = match &s.key {
                KeyRef::Customer { key: Some(k), .. } => self.key_administrator(*k),
                _ => None,
            };
            if let Some(a) = from_arn.or(from_key) {
                self.secrets[six].owners.accounts.push(a);
            }
        }
        let six: Vec<usize> = (0..self.secrets.len()).collect();
        let this = &*self;
        let found = crate::base::par::map(&six, |&six| this.grants_of(six));
        for (s, (grants, undecided)) in self.secrets.iter_mut().zip(found) {
            s.grants = grants;
            s.undecided = undecided;
        }
    }

    fn find_secret(&self, node: &Node, from: &Resource) -> Option<usize> {
        match &node.kind {
            NodeKind::Unknown(u) => u.refs.iter().find_map(|r| {
                let id = self.infra.resolve_ref(r, Some(from))?;
                (self.infra.resources[id].rtype == "aws_secretsmanager_secret").then_some(id)
            }),
            NodeKind::String(s) => self.by_text.secrets.get(s.value.as_str()).copied(),
            _ => None,
        }
    }

    fn key_ref(&self, secret: &Resource) -> KeyRef {
        let Some(n) = secret.attr("kms_key_id") else {
            return KeyRef::Unset { span: secret.span };
        };
        let span = n.span;
        match &n.kind {
            NodeKind::Null => KeyRef::Unset { span: secret.span },
            NodeKind::String(s) if s.value.is_empty() => KeyRef::Unset { span: secret.span },
            NodeKind::String(s) => {
                let mut k = self.key_ref_text(&s.value, span);
                if n.sensitive {
                    // classified by its value, never named in a message
                    match &mut k {
                        KeyRef::AwsManaged { text, .. } => *text = "(sensitive value)".into(),
                        KeyRef::Customer { text, .. } => *text = Some("(sensitive value)".into()),
                        _ => {}
                    }
                }
                k
            }
            NodeKind::Unknown(u) => self.key_ref_unknown(u, span, secret),
            _ => KeyRef::Unknown {
                span,
                unknown: Unknown {
                    origin: "kms_key_id is not a string".into(),
                    ..Unknown::default()
                },
            },
        }
    }

    fn key_ref_text(&self, text: &str, span: Span) -> KeyRef {
        if is_aws_managed_name(text) || self.is_aws_managed_arn(text) {
            return KeyRef::AwsManaged {
                span,
                text: text.to_string(),
            };
        }
        KeyRef::Customer {
            span,
            key: self.key_by_text(text),
            text: Some(text.to_string()),
        }
    }

    /// An ARN that a data source in this configuration says is the AWS managed key.
    fn is_aws_managed_arn(&self, text: &str) -> bool {
        self.by_text.aws_managed.contains(text)
    }

    fn key_ref_unknown(&self, u: &Unknown, span: Span, secret: &Resource) -> KeyRef {
        if let Some(key) = self.key_from_refs(&u.refs, secret, 0) {
            return KeyRef::Customer {
                span,
                key: Some(key),
                text: None,
            };
        }
        for r in &u.refs {
            let Some(id) = self.infra.resolve_ref(r, Some(secret)) else {
                continue;
            };
            let t = &self.infra.resources[id];
            if t.mode == Mode::Data && (t.rtype == "aws_kms_alias" || t.rtype == "aws_kms_key") {
                return match data_is_aws_managed(t) {
                    Some(true) => KeyRef::AwsManaged {
                        span,
                        text: r.display(),
                    },
                    Some(false) => KeyRef::Customer {
                        span,
                        key: None,
                        text: Some(r.display()),
                    },
                    None => KeyRef::Unknown {
                        span,
                        unknown: u.clone(),
                    },
                };
            }
        }
        KeyRef::Unknown {
            span,
            unknown: u.clone(),
        }
    }

    /// The grants of a secret's policies to foreign principals, and the principals whose
    /// account cannot be decided (with why).
    fn grants_of(&self, six: usize) -> (Vec<Grant>, Vec<(Principal, String)>) {
        let policies = &self.secrets[six].policies;
        let owners = &self.secrets[six].owners;
        let secret_res = &self.infra.resources[self.secrets[six].res];
        let mut grants = vec![];
        let mut undecided = vec![];
        for &pid in policies {
            let PolicyReading::Parsed(doc) = &self.policies[pid].doc else {
                continue;
            };
            for (si, st) in doc.statements.iter().enumerate() {
                if st.effect != Effect::Allow {
                    continue;
                }
                let Some(pr) = &st.principal else { continue };
                let needs_key = needs_key(st);
                if pr.negated {
                    for p in pr.entries.iter().take(1) {
                        grants.push(Grant {
                            policy: pid,
                            statement: si,
                            principal: Principal {
                                kind: PrincipalKind::Wildcard,
                                account: None,
                                ..p.clone()
                            },
                            needs_key: needs_key.clone(),
                            not_principal: true,
                        });
                    }
                    continue;
                }
                for p in &pr.entries {
                    let p = self.resolve_principal(p, secret_res);
                    if p.account.is_none() && self.same_provider_identity(&p, secret_res) {
                        continue;
                    }
                    match foreign(&p, st, owners) {
                        Tri::Yes => grants.push(Grant {
                            policy: pid,
                            statement: si,
                            principal: p,
                            needs_key: needs_key.clone(),
                            not_principal: false,
                        }),
                        Tri::No => {}
                        Tri::Unknown(why) => undecided.push((p, why)),
                    }
                }
            }
        }
        grants.shrink_to_fit();
        undecided.shrink_to_fit();
        (grants, undecided)
    }

    /// Gives an unknown principal the kind and account its reference implies: a reference to
    /// `aws_iam_role.r.arn` is an exact role in that role's account.
    pub fn resolve_principal(&self, p: &Principal, from: &Resource) -> Principal {
        let mut p = p.clone();
        let Some(u) = &p.unknown else { return p };
        for r in &u.refs {
            let Some(id) = self.infra.resolve_ref(r, Some(from)) else {
                continue;
            };
            let t = &self.infra.resources[id];
            let attr = r.attr.as_deref().unwrap_or("arn");
            if attr != "arn" {
                continue;
            }
            let kind = match t.rtype.as_str() {
                "aws_iam_role" => PrincipalKind::Role {
                    name: t
                        .attr("name")
                        .and_then(Node::as_str)
                        .unwrap_or(&t.name)
                        .to_string(),
                },
                "aws_iam_user" => PrincipalKind::User {
                    name: t
                        .attr("name")
                        .and_then(Node::as_str)
                        .unwrap_or(&t.name)
                        .to_string(),
                },
                _ => continue,
            };
            let owners = owners_of(self.infra, &self.accounts, t);
            let account = crate::accounts::identity_account(self.infra, &self.accounts, t);
            p.kind = kind;
            // (a name or an ARN the plan marks sensitive: the principal is not shown)
            let arn = t.current_attr("arn").or_else(|| t.before_attr("arn"));
            if t.attr("name").is_some_and(|n| n.sensitive) || arn.is_some_and(|n| n.sensitive) {
                p.sensitive = true;
            }
            // its provider configuration's one account, else the first of its owners (for
            // display: foreignness is decided by all)
            p.account = account.or_else(|| owners.accounts.first().cloned());
            return p;
        }
        p
    }

    /// Is an unknown principal a role or user this configuration manages with the provider
    /// configuration of `from`, so in `from`'s account whichever it is?
    fn same_provider_identity(&self, p: &Principal, from: &Resource) -> bool {
        let Some(u) = &p.unknown else { return false };
        let own = crate::accounts::provider_key(self.infra, from);
        !u.refs.is_empty()
            && u.refs.iter().all(|r| {
                r.attr.as_deref().is_none_or(|a| a == "arn")
                    && self.infra.resolve_ref(r, Some(from)).is_some_and(|id| {
                        let t = &self.infra.resources[id];
                        matches!(t.rtype.as_str(), "aws_iam_role" | "aws_iam_user")
                            && own.is_some()
                            && crate::accounts::provider_key(self.infra, t) == own
                    })
            })
    }

    /// The owner accounts of the resource that holds policy `pid`.
    pub fn policy_owners(&self, pid: usize) -> Owners {
        let mut o = owners_of(self.infra, &self.accounts, self.policy_holder(pid));
        if !o.is_known() && self.policies[pid].kind == PolicyKind::Key {
            let key = self
                .key_policies
                .iter()
                .find(|(_, p)| matches!(p, KeyPolicy::Policy(p) if *p == pid))
                .map(|(k, _)| *k);
            if let Some(a) = key.and_then(|k| self.key_administrator(k)) {
                o.accounts.push(a);
            }
        }
        o
    }

    /// The key a key policy belongs to.
    pub fn key_of_policy(&self, pid: usize) -> Option<usize> {
        self.key_policies
            .iter()
            .find(|(_, kp)| matches!(kp, KeyPolicy::Policy(p) if *p == pid))
            .map(|(k, _)| *k)
    }

    pub fn key_policy_of(&self, key: usize) -> Option<&KeyPolicy> {
        self.key_policies.get(&key)
    }

    /// The account whose root a key policy grants `kms:*` on the key, without conditions: AWS's
    /// default key policy and the administrator statement every key policy keeps, so that the
    /// key stays manageable. It is the key's own account; with several such roots, none.
    pub fn key_administrator(&self, key: usize) -> Option<String> {
        let Some(KeyPolicy::Policy(pid)) = self.key_policies.get(&key) else {
            return None;
        };
        let PolicyReading::Parsed(doc) = &self.policies[*pid].doc else {
            return None;
        };
        let mut found: Option<&str> = None;
        for st in &doc.statements {
            let all = st.action.as_ref().is_some_and(|l| {
                !l.negated
                    && l.items
                        .iter()
                        .any(|i| matches!(i.text.as_deref(), Some("kms:*" | "*")))
            });
            let on_key = st.resource.as_ref().is_some_and(|l| {
                !l.negated && l.items.iter().any(|i| i.text.as_deref() == Some("*"))
            });
            if st.effect != crate::policy::Effect::Allow
                || !all
                || !on_key
                || !st.conditions.is_empty()
                || st.condition_unknown.is_some()
            {
                continue;
            }
            let Some(pr) = st.principal.as_ref().filter(|p| !p.negated) else {
                continue;
            };
            for e in &pr.entries {
                if e.kind != PrincipalKind::Account || e.sensitive {
                    continue;
                }
                let Some(a) = e.account.as_deref() else {
                    continue;
                };
                match found {
                    None => found = Some(a),
                    Some(f) if f == a => {}
                    Some(_) => return None,
                }
            }
        }
        found.map(str::to_string)
    }

    pub fn policy_holder(&self, pid: usize) -> &'a Resource {
        &self.infra.resources[self.policies[pid].holder]
    }

    pub fn statement(&self, pid: usize, si: usize) -> Option<&Statement> {
        match &self.policies[pid].doc {
            PolicyReading::Parsed(d) => d.statements.get(si),
            _ => None,
        }
    }
}

fn contains_unknown(n: &Node) -> bool {
    match &n.kind {
        NodeKind::Unknown(_) => true,
        NodeKind::Array(a) => a.iter().any(contains_unknown),
        NodeKind::Object(o) => o.iter().any(|(_, v)| contains_unknown(v)),
        _ => false,
    }
}

pub(crate) fn is_aws_managed_name(text: &str) -> bool {
    text == "alias/aws/secretsmanager" || text.ends_with(":alias/aws/secretsmanager")
}

/// Does a `data "aws_kms_alias"` / `data "aws_kms_key"` name the AWS managed key?
fn data_is_aws_managed(r: &Resource) -> Option<bool> {
    if let Some(m) = r.attr("key_manager").and_then(Node::as_str) {
        return Some(m == "AWS");
    }
    for a in ["name", "key_id"] {
        if let Some(v) = r.attr(a).and_then(Node::as_str) {
            return Some(is_aws_managed_name(v));
        }
    }
    None
}

/// Policy texts larger than this are not parsed: AWS's limits are 20,480 characters for a
/// secret policy and 32 KB for a key policy, so such a text can never be applied.
pub const MAX_POLICY_BYTES: usize = 256 * 1024;

/// Characters and bytes of a value written as compact JSON, counted as it is written.
fn json_size(value: &serde_json::Value) -> Option<(usize, usize)> {
    struct Count {
        chars: usize,
        bytes: usize,
    }
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.bytes += b.len();
            // every byte but a UTF-8 continuation byte starts a character
            self.chars += b.iter().filter(|&&c| (c as i8) >= -0x40).count();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count { chars: 0, bytes: 0 };
    serde_json::to_writer(&mut count, value).ok()?;
    Some((count.chars, count.bytes))
}

/// A policy written in a JSON string with escapes (as plans hold them) is read with its spans in
/// the string's value, in a file of its own, `ESCAPED | its policy id`; [`Analysis::place`] moves
/// the spans that findings show to where they are written. (Reading every part's place in the
/// text as the policy is read would cost more than all the rest of reading it.)
const ESCAPED: FileId = 1 << 31;

/// The file an identity policy written with escapes in a JSON string is read in: its spans are
/// placed where they are written by [`Analysis::place_identity_span`] before they are shown
/// (no policy of [`Analysis::policies`] has this id, so [`Analysis::place_spans`] leaves them).
const IDENTITY_ESCAPED: FileId = ESCAPED | (1 << 30);

/// Where the content of a policy written in a JSON string with escapes starts, and its value's
/// length, when its file is at hand to find its parts in, and it is not sensitive (where its
/// parts are would tell of it: it is shown as a whole).
fn escaped_string(node: &Node, sources: &[SourceFile]) -> Option<(u32, usize)> {
    let NodeKind::String(s) = &node.kind else {
        return None;
    };
    let TextMap::Escaped { base } = s.map else {
        return None;
    };
    if node.sensitive || !sources.iter().any(|f| f.id == node.span.file) {
        return None;
    }
    Some((base, s.value.len()))
}

/// `read_as`: the file a policy written with escapes is read in ([`ESCAPED`]); `sources`: the
/// files, where a policy read in place is found.
fn read_policy(node: &Node, read_as: Option<FileId>, sources: &[SourceFile]) -> PolicyReading {
    let wrong_type = |what: &str| {
        PolicyReading::Invalid(PolicyError {
            message: format!(
                "the policy is {what}, not a string that holds a JSON policy document, which Terraform and AWS expect; write it with jsonencode({{...}}) or data \"aws_iam_policy_document\""
            ),
            span: node.span,
        })
    };
    match &node.kind {
        NodeKind::Unknown(u) => PolicyReading::Unknown((**u).clone()),
        NodeKind::Number(_) => wrong_type("a number"),
        NodeKind::Bool(_) => wrong_type("a bool"),
        NodeKind::Array(_) => wrong_type("a list"),
        NodeKind::Null => wrong_type("null"),
        NodeKind::String(s) => {
            let invalid = |message: String| {
                PolicyReading::Invalid(PolicyError {
                    message,
                    span: node.span,
                })
            };
            if s.value.len() > MAX_POLICY_BYTES {
                return invalid(format!(
                    "the policy is {} bytes, far over AWS's size limits (20,480 characters for a secret policy, 32 KB for a key policy); it was not read",
                    s.value.len()
                ));
            }
            // the reader refuses deep nesting where it meets it; the whole text is looked at
            // only then, so that a policy too deep is named so whatever else is wrong with it
            let at = match read_as {
                Some(file) => Placement::exact(file, 0, s.value.len()),
                None => Placement::of_string(s, node.span),
            };
            let parsed = json::parse(&s.value, at);
            if parsed.is_err() && json::depth_exceeded(&s.value, json::MAX_DEPTH).is_some() {
                return invalid(format!(
                    "the policy nests deeper than {} levels",
                    json::MAX_DEPTH
                ));
            }
            match parsed {
                Ok(mut n) => {
                    if node.sensitive {
                        n.mark_sensitive();
                    }
                    // JSON in an HCL quoted string: its strings' spans take their whole escaped
                    // quotes, as in a plan
                    if let TextMap::Exact { .. } = s.map
                        && let Some(src) = sources.iter().find(|f| f.id == node.span.file)
                    {
                        widen_to_escaped_quotes(&mut n, src.text.as_bytes());
                    }
                    if let NodeKind::String(inner) = &n.kind
                        && inner.value.trim_start().starts_with('{')
                    {
                        return invalid(
                            "the policy is JSON-encoded twice (a JSON string that holds the policy JSON); encode it once, e.g. drop the extra jsonencode() or tostring()".to_string(),
                        );
                    }
                    match policy::parse(&n) {
                        Ok(d) => PolicyReading::Parsed(d),
                        Err(e) => PolicyReading::Invalid(e),
                    }
                }
                Err(e) => PolicyReading::Invalid(PolicyError {
                    message: format!("the policy is not valid JSON: {}", e.message),
                    span: e.span,
                }),
            }
        }
        _ => match policy::parse(node) {
            Ok(d) => PolicyReading::Parsed(d),
            Err(e) => PolicyReading::Invalid(e),
        },
    }
}

/// Does a statement allow reading or writing the secret value (which needs the KMS key)?
pub fn needs_key(st: &Statement) -> Tri {
    let mut unknown = None;
    for a in SECRET_VALUE_ACTIONS {
        match list_allows(st.action.as_ref(), a) {
            Some(true) => return Tri::Yes,
            Some(false) => {}
            None => {
                unknown = Some(match st.action.as_ref() {
                    None => "the statement has no Action".to_string(),
                    Some(l) => format!(
                        "its actions {}",
                        l.unknown_why()
                            .unwrap_or_else(|| "are known after apply".into())
                    ),
                })
            }
        }
    }
    match unknown {
        Some(why) if st.action.is_some() => Tri::Unknown(why),
        _ => Tri::No,
    }
}

/// Condition keys that pin the caller to an account.
const ACCOUNT_KEYS: &[&str] = &[
    "aws:PrincipalAccount",
    "aws:SourceAccount",
    "kms:CallerAccount",
    "aws:SourceOwner",
];

/// Is the principal outside the owner accounts?
pub fn foreign(p: &Principal, st: &Statement, owners: &Owners) -> Tri {
    match &p.kind {
        PrincipalKind::Wildcard => {
            if !owners.is_known() {
                return Tri::Yes;
            }
            match limited_to_accounts(&st.conditions) {
                Some(accts) if accts.iter().all(|a| owners.contains(a)) => Tri::No,
                _ => Tri::Yes,
            }
        }
        PrincipalKind::Account
        | PrincipalKind::Role { .. }
        | PrincipalKind::User { .. }
        | PrincipalKind::AssumedRole { .. }
        | PrincipalKind::FederatedUser { .. } => match &p.account {
            Some(_) if !owners.is_known() => Tri::Unknown(format!(
                "the owner account is not known, so whether account {} is foreign cannot be decided",
                p.account_display().unwrap_or("?")
            )),
            Some(a) if owners.contains(a) => Tri::No,
            Some(_) => Tri::Yes,
            None => Tri::Unknown("the principal's account is not known".into()),
        },
        // the caller identity's account (or ARN) is the owner's, whatever its value
        PrincipalKind::Unknown if p.unknown.as_ref().is_some_and(|u| names_owner(u, owners)) => {
            Tri::No
        }
        PrincipalKind::Unknown => Tri::Unknown(match &p.unknown {
            Some(u) => u.origin_text().into_owned(),
            None => "it is known only after apply".into(),
        }),
        _ => Tri::No,
    }
}

/// Does an unknown principal lie in the owner account by what it is computed from: every
/// reference is a caller identity of the owner's provider, or an ARN template's account field
/// is one (`arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/${var.name}`)?
fn names_owner(u: &crate::base::value::Unknown, owners: &Owners) -> bool {
    if !u.refs.is_empty() && u.refs.iter().all(|r| owners.is_caller_identity(r)) {
        return true;
    }
    let Some(account) = u.template.as_deref().and_then(|t| {
        let t = t.strip_prefix("arn:")?;
        t.split(':').nth(3)
    }) else {
        return false;
    };
    let Some(inner) = account.strip_prefix("${").and_then(|a| a.strip_suffix('}')) else {
        return false;
    };
    u.refs
        .iter()
        .any(|r| r.display() == inner.trim() && owners.is_caller_identity(r))
}

/// Accounts an account-pinning condition limits the caller to, if any.
pub fn limited_to_accounts(conds: &[Condition]) -> Option<Vec<String>> {
    for c in conds {
        let op = c.base_operator();
        if !(op == "StringEquals" || op == "StringLike") || c.operator.starts_with("ForAllValues") {
            continue;
        }
        if ACCOUNT_KEYS.iter().any(|k| c.key_is(k)) {
            let vals: Vec<String> = c
                .values
                .iter()
                .filter_map(|v| v.text.as_deref().map(str::to_string))
                .collect();
            if !vals.is_empty() && vals.iter().all(|v| policy::is_account_id(v)) {
                return Some(vals);
            }
        }
        if c.key_is("aws:PrincipalArn") {
            let vals: Vec<String> = c
                .values
                .iter()
                .filter_map(|v| {
                    v.text
                        .as_deref()
                        .and_then(parse_arn)
                        .and_then(|a| a.account_ok())
                })
                .collect();
            if !vals.is_empty() && vals.len() == c.values.len() {
                return Some(vals);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::json_size;

    #[test]
    fn a_policy_too_deep_is_named_so_whatever_else_is_wrong_with_it() {
        let deep = |tail: &str| {
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Sid":{}{}{tail}}}]}}"#,
                "[".repeat(300),
                "]".repeat(300)
            )
        };
        for text in [deep(""), deep(",")] {
            let report =
                crate::check_policy(&text, super::PolicyKind::Secret, &crate::Options::default());
            assert!(
                report.findings.iter().any(|f| f
                    .message
                    .contains("the policy nests deeper than 256 levels")),
                "{:?}",
                report.findings
            );
        }
    }

    #[test]
    fn json_size_counts_what_to_string_writes() {
        let v = serde_json::json!({
            "Statement": [{"Sid": "café \"quoted\"\n", "Resource": ["*", "ü→\u{1F600}"]}],
            "Version": "2012-10-17",
            "n": 1.5,
            "c": "\u{1}"
        });
        let text = v.to_string();
        assert_eq!(json_size(&v), Some((text.chars().count(), text.len())));
        assert_ne!(text.chars().count(), text.len());
    }
}
