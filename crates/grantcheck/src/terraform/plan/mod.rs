//! Plan JSON (`terraform show -json` / `tofu show -json`, format 0.1 to 1.x) → [`Infrastructure`].
//!
//! The plan is parsed once into borrowed structs (its long lists by a reader of their own,
//! [`skim`], the rest by serde); the values of the few resource types grantcheck models are
//! then read closely, with spans, and everything else is skipped.

pub mod configuration;
mod fast;
mod marks;
pub mod sensitive;
pub mod text;

use crate::base::hash::{HashMap, HashSet};
use crate::base::source::TextFacts;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use memchr::memmem;

use serde::Deserialize;

use crate::base::json::{self, Placement};
use crate::base::source::{SourceFile, Span};
use crate::base::value::{Node, NodeKind, Origin, Unknown};
use crate::model::{AccountHint, Action, Infrastructure, Mode, Provider, Resource, split_address};
use crate::policy::parse_arn;
use crate::terraform::is_modelled;
use configuration::{ConfigIndex, Configuration, constant_value, expressions_to_node};
use marks::Marks;
pub use text::{Raw, Text};

/// A plan that could not be read, with the place and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub message: String,
    pub span: Span,
}

/// What loading a plan produced besides resources.
#[derive(Debug, Default, Clone)]
pub struct PlanSummary {
    pub format_version: String,
    pub resources: usize,
    /// Spans of the values that must never be printed (see [`sensitive`]).
    pub sensitive: Vec<Span>,
}

/// The plan as serde reads it, once: borrowed slices of the text, with the values of resources
/// left as raw JSON until a resource's type says they matter.
#[derive(Deserialize, Default)]
pub(crate) struct Plan<'a> {
    #[serde(borrow, default)]
    pub(crate) format_version: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub(crate) resource_changes: Option<Changes<'a>>,
    #[serde(borrow, default)]
    pub(crate) resource_drift: Vec<ResourceChange<'a>>,
    #[serde(borrow, default)]
    pub(crate) output_changes: BTreeMap<Text<'a>, Change<'a>>,
    #[serde(borrow, default)]
    pub(crate) planned_values: Option<StateValues<'a>>,
    #[serde(borrow, default)]
    pub(crate) prior_state: Option<Prior<'a>>,
    #[serde(borrow, default)]
    pub(crate) configuration: Option<Configuration<'a>>,
    #[serde(borrow, default)]
    pub(crate) variables: BTreeMap<Text<'a>, Variable<'a>>,
    // state-file shapes, to say what the file is when it is not a plan
    #[serde(borrow, default)]
    values: Option<Raw<'a>>,
    #[serde(default)]
    version: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    lineage: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize, Debug)]
pub(crate) struct Prior<'a> {
    #[serde(borrow, default)]
    pub(crate) values: Option<StateValues<'a>>,
}

#[derive(Deserialize)]
pub(crate) struct Variable<'a> {
    #[serde(borrow, default)]
    pub(crate) value: Option<Raw<'a>>,
}

/// `resource_changes`, kept only where a change is read closely: resources grantcheck models
/// and changes that hold values never to print. The others are counted and let go as they are
/// read, so a plan of many resources of other types holds little in memory.
#[derive(Default, Debug)]
pub(crate) struct Changes<'a> {
    /// How many changes the list has.
    pub(crate) count: usize,
    pub(crate) kept: Vec<ResourceChange<'a>>,
    /// A change without an address is in the list.
    pub(crate) unaddressed: bool,
}

impl<'de: 'a, 'a> Deserialize<'de> for Changes<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (mut count, mut unaddressed) = (0, false);
        let kept = kept_list(
            d,
            "a list of resource changes",
            |rc: &ResourceChange<'a>| {
                count += 1;
                unaddressed |= rc.address.is_none();
                rc.read_closely()
            },
        )?;
        Ok(Changes {
            count,
            kept,
            unaddressed,
        })
    }
}

#[derive(Deserialize, Debug)]
pub(crate) struct ResourceChange<'a> {
    /// Always present in `resource_changes`; older `resource_drift` entries leave it out.
    #[serde(borrow, default)]
    address: Option<Raw<'a>>,
    #[serde(borrow, default)]
    mode: Option<Text<'a>>,
    #[serde(borrow, rename = "type", default)]
    pub(crate) rtype: Option<Text<'a>>,
    #[serde(borrow, default)]
    deposed: Option<Text<'a>>,
    #[serde(borrow)]
    pub(crate) change: Change<'a>,
}

impl ResourceChange<'_> {
    /// Is the change read past its type: a modelled resource, or values never to print?
    fn read_closely(&self) -> bool {
        let rtype = self.rtype.as_deref().unwrap_or("");
        is_modelled(self.mode.as_deref() == Some("data"), rtype)
            || rtype == sensitive::SECRET_VERSION_TYPE
            || [self.change.after_sensitive, self.change.before_sensitive]
                .into_iter()
                .flatten()
                .any(|m| marks::can_mark(m.get()))
    }
}

/// A change: of a resource, or of an output (`output_changes`).
#[derive(Deserialize, Default, Debug)]
pub(crate) struct Change<'a> {
    #[serde(borrow, default)]
    actions: Vec<Text<'a>>,
    #[serde(borrow, default)]
    pub(crate) before: Option<Raw<'a>>,
    #[serde(borrow, default)]
    pub(crate) after: Option<Raw<'a>>,
    #[serde(borrow, default)]
    after_unknown: Option<Raw<'a>>,
    #[serde(borrow, default)]
    pub(crate) before_sensitive: Option<Raw<'a>>,
    #[serde(borrow, default)]
    pub(crate) after_sensitive: Option<Raw<'a>>,
}

#[derive(Deserialize, Debug)]
pub(crate) struct StateValues<'a> {
    #[serde(borrow, default)]
    pub(crate) outputs: BTreeMap<Text<'a>, StateOutput<'a>>,
    #[serde(borrow, default)]
    pub(crate) root_module: Option<StateModule<'a>>,
}

#[derive(Deserialize, Debug)]
pub(crate) struct StateOutput<'a> {
    #[serde(default)]
    pub(crate) sensitive: bool,
    #[serde(borrow, default)]
    pub(crate) value: Option<Raw<'a>>,
}

#[derive(Deserialize, Debug)]
pub(crate) struct StateModule<'a> {
    #[serde(borrow, default, deserialize_with = "state_resources")]
    pub(crate) resources: Vec<StateResource<'a>>,
    #[serde(borrow, default)]
    pub(crate) child_modules: Vec<StateModule<'a>>,
}

#[derive(Deserialize, Debug)]
pub(crate) struct StateResource<'a> {
    #[serde(borrow, default)]
    address: Option<Raw<'a>>,
    #[serde(borrow, default)]
    mode: Option<Text<'a>>,
    #[serde(borrow, rename = "type", default)]
    pub(crate) rtype: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub(crate) values: Option<Raw<'a>>,
    #[serde(borrow, default)]
    pub(crate) sensitive_values: Option<Raw<'a>>,
}

impl StateResource<'_> {
    /// Is the resource read past its type: a modelled resource, values never to print, or
    /// an `arn` that may say which account the plan runs in? The others are let go as read.
    fn read_closely(&self) -> bool {
        let data = self.mode.as_deref() == Some("data");
        let rtype = self.rtype.as_deref().unwrap_or("");
        is_modelled(data, rtype)
            || rtype == sensitive::SECRET_VERSION_TYPE
            || self
                .sensitive_values
                .is_some_and(|m| marks::can_mark(m.get()))
            // (a key written `\u0061rn` is `arn` too; the searches are vectorised)
            || (!data
                && self.values.is_some_and(|v| {
                    let v = v.get().as_bytes();
                    ARN_KEY.find(v).is_some() || ASCII_ESCAPE.find(v).is_some()
                }))
    }
}

static ARN_KEY: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(b"\"arn\""));
static ASCII_ESCAPE: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(b"\\u00"));

fn state_resources<'de: 'a, 'a, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<StateResource<'a>>, D::Error> {
    kept_list(d, "a sequence", StateResource::read_closely)
}

/// A JSON list of which only the elements `keep` accepts are held; the others are read and
/// let go at once. `expecting` names the list in the error for a value that is not one.
pub(crate) fn kept_list<'de, D, T, F>(
    d: D,
    expecting: &'static str,
    keep: F,
) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
    F: FnMut(&T) -> bool,
{
    struct Kept<T, F>(F, &'static str, std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>, F: FnMut(&T) -> bool> serde::de::Visitor<'de> for Kept<T, F> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.1)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            mut self,
            mut seq: A,
        ) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while let Some(x) = seq.next_element::<T>()? {
                if (self.0)(&x) {
                    out.push(x);
                }
            }
            out.shrink_to_fit();
            Ok(out)
        }
    }
    d.deserialize_seq(Kept(keep, expecting, std::marker::PhantomData))
}

#[derive(Deserialize)]
struct ArnOnly<'a> {
    #[serde(borrow, default)]
    arn: Option<Text<'a>>,
}

/// Byte offset of a borrowed slice inside the file text.
fn offset_in(text: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize)
}

fn raw_span(file: &SourceFile, raw: Raw<'_>) -> Span {
    let start = offset_in(&file.text, raw.get());
    Span::new(file.id, start, start + raw.get().len())
}

/// Where a serde_json error happened, as a span.
fn error_span(file: &SourceFile, e: &serde_json::Error) -> Span {
    let ix = file.line_index();
    let line = e.line().saturating_sub(1);
    let off = ix.line_start(line) as usize + e.column().saturating_sub(1);
    let off = off.min(file.text.len());
    Span::new(file.id, off, off)
}

/// The plan in `text`: as the fast reader reads it, or, where it declines, as serde does (then
/// nothing is learnt of the text on the way).
fn read_plan(text: &str) -> Result<(Plan<'_>, Option<TextFacts>), serde_json::Error> {
    match fast::read(text) {
        Some((plan, facts)) => Ok((plan, Some(facts))),
        None => Ok((serde_json::from_str(text)?, None)),
    }
}

/// Reads a plan into `infra`.
pub fn load(file: &SourceFile, infra: &mut Infrastructure) -> Result<PlanSummary, LoadError> {
    let text = file.text.as_str();
    // serde skips the values it does not read without recursing, and every value grantcheck
    // reads closely goes through json::parse, which refuses deep nesting first; so the depth
    // of the whole text is only looked at to explain a failure.
    let (plan, facts) = read_plan(text).map_err(|e| {
        if let Some(off) = json::depth_exceeded(text, json::MAX_DEPTH) {
            return LoadError {
                message: format!(
                    "the JSON nests deeper than {} levels, too deep to be a plan; give the output of `terraform show -json PLANFILE`",
                    json::MAX_DEPTH
                ),
                span: Span::new(file.id, off, off + 1),
            };
        }
        let what = if e.is_eof() {
            "the JSON ends early (truncated file?)".to_string()
        } else if e.to_string().contains("recursion limit") {
            "the JSON nests too deeply to be a plan".to_string()
        } else if e.is_data() {
            // valid JSON of another shape (an array, a string where a plan has an object)
            format!("this JSON is not a Terraform plan ({e})")
        } else if text.starts_with('\u{feff}') {
            "the file starts with a UTF-8 byte-order mark, which JSON does not allow and `terraform show -json` never writes (an editor or a shell's redirection added it): remove it".to_string()
        } else {
            format!("not valid JSON: {e}")
        };
        LoadError {
            message: format!("{what}; give the output of `terraform show -json PLANFILE`"),
            span: error_span(file, &e),
        }
    })?;
    if let Some(facts) = facts {
        file.learn_facts(facts);
    }
    let whole = Span::new(file.id, 0, text.len().min(1));

    let Some(fv) = plan.format_version.as_deref() else {
        let message = if plan.version.is_some() && plan.lineage.is_some() {
            "this is a Terraform state file, not a plan; run `terraform plan -out=tfplan` and give `terraform show -json tfplan`".to_string()
        } else {
            "no format_version: this JSON is not a Terraform plan; give the output of `terraform show -json PLANFILE`".to_string()
        };
        return Err(LoadError {
            message,
            span: whole,
        });
    };
    let major = fv.split('.').next().unwrap_or("");
    if major != "0" && major != "1" {
        return Err(LoadError {
            message: format!(
                "unsupported plan format_version {fv}: grantcheck reads 0.1 to 1.x; upgrade grantcheck"
            ),
            span: whole,
        });
    }
    if plan.values.is_some() && plan.resource_changes.is_none() && plan.planned_values.is_none() {
        return Err(LoadError {
            message: "this is state JSON (`terraform show -json` without a plan file), not a plan; give `terraform show -json PLANFILE`".to_string(),
            span: whole,
        });
    }
    let empty = Configuration::default();
    let cfg = plan.configuration.as_ref().unwrap_or(&empty);
    let root_vars = root_variables(&plan.variables);
    load_providers(file, cfg, &root_vars, infra);

    let mut summary = PlanSummary {
        format_version: fv.to_string(),
        resources: 0,
        sensitive: vec![],
    };
    if plan
        .resource_changes
        .as_ref()
        .is_some_and(|c| c.unaddressed)
    {
        return Err(LoadError {
            message: "a resource change has no address; give the output of `terraform show -json PLANFILE`".to_string(),
            span: whole,
        });
    }
    summary.resources += plan.resource_changes.as_ref().map_or(0, |c| c.count);
    // The configuration is indexed while the spans never to print are found and the changes
    // to read closely are picked out (each on its own, in parallel where it can: picking one
    // out reads text no longer in the cache); reading those (values, unknowns, configuration)
    // is independent per resource and runs in parallel where it can.
    let (ix, (sensitive, inputs)) = crate::base::par::join(
        || ConfigIndex::new(cfg),
        || {
            (
                sensitive::collect(file, &plan),
                modelled_changes(file, &plan),
            )
        },
    );
    // what `planned_values` marks sensitive is honoured as well, whatever the changes mark
    let planned = planned_marks(&plan);
    let mut built = crate::base::par::map(&inputs, |r| {
        build_resource(file, &ix, r, planned.get(r.address.as_str()).copied())
    });
    summary.sensitive = sensitive;
    // the resources read before one that cannot be read are kept, as they always were
    let failed = built
        .iter()
        .position(Result::is_err)
        .and_then(|at| built.drain(at..).next())
        .and_then(Result::err);
    // (collected where they are: a `Result` of a resource is no larger than the resource, so
    // the list is not copied into new memory)
    let ok: Vec<Resource> = built.into_iter().filter_map(Result::ok).collect();
    for res in &ok {
        hint_from_arn(res, infra);
    }
    infra.extend(ok);
    if let Some(e) = failed {
        return Err(e);
    }

    let prior = plan.prior_state.as_ref().and_then(|p| p.values.as_ref());
    // Very old or partial plans: planned values are read when there are no changes listed.
    let planned = plan
        .planned_values
        .as_ref()
        .filter(|_| plan.resource_changes.is_none());
    if prior.is_some() || planned.is_some() {
        // the resources read from the changes, which the state does not add again
        let seen: HashSet<&str> = inputs.iter().map(|i| i.address.as_str()).collect();
        for values in prior.into_iter().chain(planned) {
            load_state_values(file, &ix, values, &seen, infra, &mut summary, Action::NoOp)?;
        }
    }
    Ok(summary)
}

/// The changes of resources grantcheck models (current objects, not deposed ones), ready to
/// be read.
fn modelled_changes<'a>(file: &SourceFile, plan: &'a Plan<'a>) -> Vec<ResourceInput<'a>> {
    let kept = plan
        .resource_changes
        .as_ref()
        .map_or(&[][..], |c| &c.kept[..]);
    crate::base::par::map(kept, |rc| modelled_change(file, rc))
        .into_iter()
        .flatten()
        .collect()
}

/// The change of a resource grantcheck models (a current object, not a deposed one), ready to
/// be read; `None` for any other.
fn modelled_change<'a>(file: &SourceFile, rc: &'a ResourceChange<'a>) -> Option<ResourceInput<'a>> {
    let addr_raw = rc.address?;
    if rc.deposed.is_some() {
        return None;
    }
    let data = rc.mode.as_deref() == Some("data");
    let rtype = rc.rtype.as_deref().unwrap_or("");
    if !is_modelled(data, rtype) {
        return None;
    }
    let actions: Vec<&str> = rc.change.actions.iter().map(|a| a.as_ref()).collect();
    Some(ResourceInput {
        address: address_text(addr_raw),
        addr_span: raw_span(file, addr_raw),
        data,
        rtype,
        action: Action::from_plan(&actions),
        after: rc.change.after,
        after_unknown: rc.change.after_unknown,
        after_sensitive: rc.change.after_sensitive,
        before: rc.change.before,
        // plans older than `before_sensitive` mark only the new value: the old value of an
        // attribute marked sensitive is taken to be as secret
        before_sensitive: rc.change.before_sensitive.or(rc.change.after_sensitive),
    })
}

/// An address as its text: decoded, or, when its escapes do not decode (a lone surrogate,
/// which Terraform never writes), as written in the plan, escapes and all.
fn address_text(raw: Raw<'_>) -> String {
    match raw.string() {
        Some(s) => s.into_owned(),
        None => raw.get().trim_matches('"').to_string(),
    }
}

struct ResourceInput<'a> {
    address: String,
    addr_span: Span,
    data: bool,
    rtype: &'a str,
    action: Action,
    after: Option<Raw<'a>>,
    after_unknown: Option<Raw<'a>>,
    after_sensitive: Option<Raw<'a>>,
    before: Option<Raw<'a>>,
    before_sensitive: Option<Raw<'a>>,
}

/// The sensitivity marks `planned_values` gives the modelled resources that it marks at all,
/// by address.
fn planned_marks<'a>(plan: &'a Plan<'a>) -> HashMap<String, Raw<'a>> {
    let mut out = HashMap::default();
    let Some(pv) = &plan.planned_values else {
        return out;
    };
    let mut stack: Vec<&StateModule<'_>> = pv.root_module.iter().collect();
    while let Some(m) = stack.pop() {
        stack.extend(m.child_modules.iter());
        for r in &m.resources {
            let data = r.mode.as_deref() == Some("data");
            if let (Some(addr), Some(marks)) = (r.address, r.sensitive_values)
                && marks::can_mark(marks.get())
                && is_modelled(data, r.rtype.as_deref().unwrap_or(""))
                && let Some(a) = addr.string()
            {
                out.insert(a.into_owned(), marks);
            }
        }
    }
    out
}

fn build_resource(
    file: &SourceFile,
    ix: &ConfigIndex<'_, '_>,
    r: &ResourceInput<'_>,
    planned_sensitive: Option<Raw<'_>>,
) -> Result<Resource, LoadError> {
    let (module, local, _key) = split_address(&r.address);
    let name = local.rsplit('.').next().unwrap_or("").to_string();
    let cres = ix.resource(&module, &local);
    let expressions = cres.and_then(|c| c.expressions);
    // the configuration's expressions, read once: what is written, and where unknowns come from
    let exprs = expressions
        .and_then(|e| expressions_to_node(ix, &module, offset_in(&file.text, e.get()), e, file.id));
    // (and in nested blocks, `replica[0].kms_key_id`: what the configuration leaves to the
    // provider is not an unknown of its own)
    let configured: Vec<String> = exprs
        .as_ref()
        .and_then(Node::as_object)
        .map(|m| {
            let mut names = vec![];
            for (k, v) in m {
                names.push(k.name.to_string());
                for (i, block) in v.as_array().into_iter().flatten().enumerate() {
                    for (sub, _) in block.as_object().into_iter().flatten() {
                        names.push(format!("{}[{i}].{}", k.name, sub.name));
                    }
                }
            }
            names
        })
        .unwrap_or_default();

    let unknown = r
        .after_unknown
        .filter(|_| r.action.survives())
        .map(|u| Marks::read(u.get()));
    // attributes known only after apply are missing from the values, and are added to them:
    // room for them is left when the values are read
    let room = match &unknown {
        Some(Marks::Object(m)) => m.iter().filter(|(_, mk)| adds_member(mk)).count(),
        _ => 0,
    };
    let mut after = r
        .after
        .map(|raw| values_node(file, raw, r.after_sensitive, room))
        .transpose()?
        .flatten();
    if let (Some(a), Some(m)) = (after.as_mut(), planned_sensitive) {
        apply_sensitive(a, &Marks::read(m.get()));
    }
    if let Some(au) = unknown
        && au.any()
    {
        let fallback = r.after.map(|a| raw_span(file, a)).unwrap_or(r.addr_span);
        let target = after.get_or_insert_with(|| Node::new(NodeKind::Object(vec![]), fallback));
        let plain = Arc::new(Unknown {
            origin: Origin::AfterApply(r.address.as_str().into()),
            refs: vec![],
            template: None,
        });
        let mut path = String::new();
        if let Some(conflict) = apply_unknown(target, &au, exprs.as_ref(), &plain, &mut path) {
            // (the value itself is never quoted: it may be sensitive)
            return Err(LoadError {
                message: format!(
                    "{}: `{}` has a value in `after` and is marked known only after apply in `after_unknown`; Terraform never writes both, so the plan was changed after `terraform show -json`: produce it again",
                    r.address,
                    conflict.trim_start_matches('.')
                ),
                span: conflict_span(target, &conflict).unwrap_or(r.addr_span),
            });
        }
    }
    // A data source whose read is deferred: read what its configuration says.
    if r.data && r.rtype == "aws_iam_policy_document" {
        let json_unknown = after
            .as_ref()
            .map(|a| a.get("json").is_none_or(|j| j.as_unknown().is_some()))
            .unwrap_or(true);
        if json_unknown && let Some(cfg_node) = exprs {
            after = Some(merge_config(after, cfg_node));
        }
    }
    let before = r
        .before
        .map(|raw| values_node(file, raw, r.before_sensitive, 0))
        .transpose()?
        .flatten();
    Ok(Resource {
        base_address: configuration::join(&module, &local),
        address: r.address.clone(),
        module,
        mode: if r.data { Mode::Data } else { Mode::Managed },
        rtype: r.rtype.to_string(),
        name,
        span: r.addr_span,
        action: r.action,
        provider_key: cres.and_then(|c| c.provider_config_key.as_deref().map(str::to_string)),
        after: if r.action.survives() { after } else { None },
        before,
        configured,
    })
}

/// Parses an object of attribute values with spans, marking sensitive parts. Values the strict
/// parser cannot read make the plan unreadable: they are never dropped silently.
fn values_node(
    file: &SourceFile,
    raw: Raw<'_>,
    sensitive: Option<Raw<'_>>,
    room: usize,
) -> Result<Option<Node>, LoadError> {
    let text = raw.get();
    let base = offset_in(&file.text, text);
    let at = Placement::exact(file.id, base as u32, text.len());
    let mut node = json::parse_with_room(text, at, room).map_err(
        |e| LoadError {
            message: format!(
                "a resource's values cannot be read ({}); give the output of `terraform show -json PLANFILE`",
                e.message
            ),
            span: e.span,
        },
    )?;
    if node.is_null() {
        return Ok(None);
    }
    if let Some(s) = sensitive {
        apply_sensitive(&mut node, &Marks::read(s.get()));
    }
    // a key written twice would be read one way here and another way elsewhere (serde takes
    // the first, jq and Python the last): Terraform never writes one, so it is refused
    if let Some((span, key)) = duplicate_key(&node) {
        return Err(LoadError {
            message: format!(
                "a resource's values hold the key {} twice; Terraform never writes that, so the plan was changed after `terraform show -json`: produce it again",
                key.map_or_else(|| "(sensitive key)".to_string(), |k| format!("\"{k}\""))
            ),
            span,
        });
    }
    Ok(Some(node))
}

/// The first key an object of `node` holds twice: where, and its name unless it is part of a
/// sensitive value.
fn duplicate_key(node: &Node) -> Option<(Span, Option<String>)> {
    match &node.kind {
        NodeKind::Object(members) => {
            let twice = if members.len() <= 16 {
                members
                    .iter()
                    .enumerate()
                    .find(|(i, (k, _))| members[..*i].iter().any(|(seen, _)| seen.name == k.name))
            } else {
                let mut seen = HashSet::default();
                members
                    .iter()
                    .enumerate()
                    .find(|(_, (k, _))| !seen.insert(k.name.as_str()))
            };
            if let Some((_, (k, _))) = twice {
                return Some((k.span, (!node.sensitive).then(|| k.name.to_string())));
            }
            members.iter().find_map(|(_, v)| duplicate_key(v))
        }
        NodeKind::Array(items) => items.iter().find_map(duplicate_key),
        _ => None,
    }
}

fn apply_sensitive(node: &mut Node, marks: &Marks<'_>) {
    match marks {
        Marks::True => node.mark_sensitive(),
        Marks::Object(_) => {
            if let NodeKind::Object(members) = &mut node.kind {
                for (k, v) in members.iter_mut() {
                    if let Some(mk) = marks.get(&k.name) {
                        apply_sensitive(v, mk);
                    }
                }
            }
        }
        Marks::Array(a) => {
            if let NodeKind::Array(items) = &mut node.kind {
                for (item, mk) in items.iter_mut().zip(a) {
                    apply_sensitive(item, mk);
                }
            }
        }
        _ => {}
    }
}

/// Does this mark of an attribute missing from the values add it (as unknown, or as an object
/// holding unknowns)?
fn adds_member(mk: &Marks<'_>) -> bool {
    matches!(mk, Marks::True | Marks::Object(_))
}

/// Puts unknown markers where `after_unknown` says a value is known only after apply, with
/// the references the configuration gives for it.
///
/// `plain` is the unknown of the attributes that no configured expression explains, one
/// value shared by all of them. Returns the path (`.policy`, `.replica[0].kms_key_id`) of a value
/// that `after` gives and `after_unknown` marks unknown as well, which Terraform never writes.
fn apply_unknown(
    node: &mut Node,
    marks: &Marks<'_>,
    exprs: Option<&Node>,
    plain: &Arc<Unknown>,
    path: &mut String,
) -> Option<String> {
    match marks {
        Marks::True => {
            if !node.is_null() {
                return Some(path.clone());
            }
            let unknown = match exprs.and_then(Node::as_unknown) {
                Some(u) if !u.refs.is_empty() => Arc::new(Unknown {
                    origin: Origin::ComputedFrom,
                    refs: u.refs.clone(),
                    template: None,
                }),
                _ => Arc::clone(plain),
            };
            let sensitive = node.sensitive;
            *node = Node::new(NodeKind::Unknown(unknown), node.span);
            node.sensitive = sensitive;
            None
        }
        Marks::Object(m) => {
            let span = node.span;
            // (the keys of a sensitive value are part of it: a path never names them)
            let hidden_keys = node.sensitive;
            if !matches!(node.kind, NodeKind::Object(_)) {
                node.kind = NodeKind::Object(vec![]);
            }
            if let NodeKind::Object(members) = &mut node.kind {
                // attributes known only after apply are missing from the values: room for
                // exactly those, not a doubled list
                let missing = m
                    .iter()
                    .filter(|(k, mk)| {
                        adds_member(mk) && !members.iter().any(|(key, _)| key.name == *k)
                    })
                    .count();
                members.reserve_exact(missing);
                for (k, mk) in m {
                    let sub = exprs.and_then(|e| e.get(k));
                    let at = path.len();
                    path.push('.');
                    path.push_str(if hidden_keys { "(sensitive key)" } else { k });
                    match members.iter_mut().find(|(key, _)| key.name == *k) {
                        Some((_, v)) => {
                            if let Some(c) = apply_unknown(v, mk, sub, plain, path) {
                                return Some(c);
                            }
                        }
                        None => {
                            if adds_member(mk) {
                                let mut v = Node::new(NodeKind::Null, span);
                                apply_unknown(&mut v, mk, sub, plain, path);
                                members.push((
                                    crate::base::value::Key {
                                        name: k.as_ref().into(),
                                        span,
                                    },
                                    v,
                                ));
                            }
                        }
                    }
                    path.truncate(at);
                }
            }
            None
        }
        Marks::Array(a) => {
            if let NodeKind::Array(items) = &mut node.kind {
                for (i, (item, mk)) in items.iter_mut().zip(a).enumerate() {
                    let sub = exprs.and_then(|e| e.as_array()).and_then(|x| x.get(i));
                    let at = path.len();
                    path.push_str(&format!("[{i}]"));
                    if let Some(c) = apply_unknown(item, mk, sub, plain, path) {
                        return Some(c);
                    }
                    path.truncate(at);
                }
            }
            None
        }
        _ => None,
    }
}

/// Where the value at `path` (`.a[0].b`) is written in `node`.
fn conflict_span(node: &Node, path: &str) -> Option<Span> {
    let mut n = node;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (name, index) = match part.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        n = n.get(name)?;
        if let Some(i) = index {
            n = n.as_array()?.get(i)?;
        }
    }
    Some(n.span)
}

/// Fills a deferred data source's attributes from its configuration.
fn merge_config(after: Option<Node>, cfg: Node) -> Node {
    let Some(mut after) = after else {
        return cfg;
    };
    if let (NodeKind::Object(members), NodeKind::Object(cfg_members)) = (&mut after.kind, cfg.kind)
    {
        for (k, v) in cfg_members {
            match members.iter_mut().find(|(key, _)| key.name == k.name) {
                Some((_, existing)) if existing.as_unknown().is_some() || existing.is_null() => {
                    *existing = v;
                }
                Some(_) => {}
                None => members.push((k, v)),
            }
        }
    }
    after
}

fn root_variables(
    vars: &BTreeMap<Text<'_>, Variable<'_>>,
) -> serde_json::Map<String, serde_json::Value> {
    vars.iter()
        .filter_map(|(k, v)| {
            let value = serde_json::from_str(v.value?.get()).ok()?;
            Some((k.to_string(), value))
        })
        .collect()
}

fn load_providers(
    file: &SourceFile,
    cfg: &Configuration<'_>,
    vars: &serde_json::Map<String, serde_json::Value>,
    infra: &mut Infrastructure,
) {
    for (key, p) in &cfg.provider_config {
        if p.name.as_deref().is_some_and(|n| n != "aws") {
            continue;
        }
        let mut prov = Provider {
            key: key.clone(),
            ..Provider::default()
        };
        if let Some(ex) = p.expressions {
            prov.span = Some(raw_span(file, Raw::checked(ex.get())));
            // `allowed_account_ids = var.accounts` in the root module: the plan has the value;
            // these are the root variables an argument that is not a constant refers to
            let root_vars_of = |name: &str| -> Vec<String> {
                if p.module_address.is_some() || constant_value(ex, name).is_some() {
                    return Vec::new();
                }
                configuration::expression_refs(ex, name)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|r| r.strip_prefix("var.").map(str::to_string))
                    .collect()
            };
            let value_of = |name: &str| {
                constant_value(ex, name)
                    .or_else(|| root_vars_of(name).iter().find_map(|v| vars.get(v)).cloned())
            };
            if let Some(serde_json::Value::Array(ids)) = value_of("allowed_account_ids") {
                prov.allowed_account_ids = ids
                    .iter()
                    .filter_map(|v| match v {
                        serde_json::Value::String(s) => Some(s.clone()),
                        serde_json::Value::Number(n) => Some(format!("{n:0>12}")),
                        _ => None,
                    })
                    .collect();
            }
            if let Some(serde_json::Value::String(r)) = value_of("region") {
                prov.region = Some(r);
                // (from a root variable declared sensitive, when not written as a constant)
                prov.region_sensitive = root_vars_of("region").iter().any(|v| {
                    cfg.root_module
                        .as_ref()
                        .and_then(|m| m.variables.get(v.as_str()))
                        .is_some_and(|v| v.sensitive)
                });
            }
        }
        for a in &prov.allowed_account_ids {
            infra.account_hints.push(AccountHint {
                account: a.clone(),
                provider_key: Some(key.clone()),
                source: format!("allowed_account_ids of provider {key}"),
            });
        }
        // the role the provider assumes is in the account it works in
        if let Some(account) = p
            .expressions
            .and_then(|ex| assumed_role_arn(ex, p.module_address.is_none(), vars))
            .and_then(|t| crate::policy::parse_arn(&t).and_then(|a| a.account_ok()))
        {
            infra.account_hints.push(AccountHint {
                account,
                provider_key: Some(key.clone()),
                source: format!("assume_role.role_arn of provider {key}"),
            });
        }
        infra.providers.insert(key.clone(), prov);
    }
}

/// `assume_role { role_arn = … }` of a provider configuration's expressions: a constant, or
/// a root variable (`root`: the provider is configured in the root module) the plan gives.
fn assumed_role_arn(
    ex: Raw<'_>,
    root: bool,
    vars: &serde_json::Map<String, serde_json::Value>,
) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(ex.get()).ok()?;
    let block = v.get("assume_role")?;
    let block = block.as_array().and_then(|a| a.first()).unwrap_or(block);
    let arn = block.get("role_arn")?;
    if let Some(c) = arn.get("constant_value").and_then(|c| c.as_str()) {
        return Some(c.to_string());
    }
    let refs = arn.get("references")?.as_array()?;
    let name = refs.iter().find_map(|r| r.as_str()?.strip_prefix("var."))?;
    root.then(|| vars.get(name)?.as_str().map(str::to_string))
        .flatten()
}

fn hint_from_arn(res: &Resource, infra: &mut Infrastructure) {
    let existing = res.before.is_some() || res.action == Action::NoOp || res.is_data();
    if !existing {
        return;
    }
    if res.is_data() && res.rtype == "aws_caller_identity" {
        if let Some(a) = res.current_attr("account_id").and_then(Node::as_str) {
            infra.account_hints.push(AccountHint {
                account: a.to_string(),
                provider_key: res.provider_key.clone(),
                source: format!("{} in the plan", res.address),
            });
        }
        return;
    }
    if res.is_data() {
        return;
    }
    if let Some(arn) = res
        .before_attr("arn")
        .or_else(|| res.attr("arn"))
        .and_then(Node::as_str)
        && let Some(a) = parse_arn(arn).and_then(|a| a.account_ok())
    {
        infra.account_hints.push(AccountHint {
            account: a,
            provider_key: res.provider_key.clone(),
            source: format!("the ARN of {}", res.address),
        });
    }
}

fn load_state_values(
    file: &SourceFile,
    ix: &ConfigIndex<'_, '_>,
    values: &StateValues<'_>,
    seen: &HashSet<&str>,
    infra: &mut Infrastructure,
    summary: &mut PlanSummary,
    action: Action,
) -> Result<(), LoadError> {
    // the accounts hinted at already with no provider: a later hint of the same account is
    // one [`Infrastructure::dedup_hints`] drops, and is not made (a state of many resources of
    // one account would make as many)
    let mut hinted: HashSet<String> = infra
        .account_hints
        .iter()
        .filter(|h| h.provider_key.is_none())
        .map(|h| h.account.clone())
        .collect();
    let mut resources: Vec<&StateResource<'_>> = Vec::new();
    let mut stack: Vec<&StateModule<'_>> = values.root_module.iter().collect();
    while let Some(m) = stack.pop() {
        stack.extend(m.child_modules.iter());
        resources.extend(&m.resources);
    }
    // Each resource is read on its own (in parallel where there are threads: a state holds
    // every existing resource), and what was read is taken in order, as if one by one: the
    // resources before one that cannot be read are kept, and an account is hinted at once.
    let read = crate::base::par::map(&resources, |r| {
        read_state_resource(file, ix, r, seen, action)
    });
    for item in read {
        match item {
            StateRead::Passed => {}
            StateRead::Account { address, account } => {
                if !hinted.contains(&account) {
                    infra.account_hints.push(AccountHint {
                        source: format!("the ARN of {address}"),
                        account: account.clone(),
                        provider_key: None,
                    });
                    hinted.insert(account);
                }
            }
            StateRead::Resource(res) => {
                let res = (*res)?;
                if !res.is_data() {
                    summary.resources += 1;
                }
                hint_from_arn(&res, infra);
                infra.add(res);
            }
        }
    }
    Ok(())
}

/// What one resource of a state gives.
enum StateRead<'a> {
    /// Nothing: read from the changes already, or neither modelled nor holding an ARN.
    Passed,
    /// A resource grantcheck does not model, whose ARN names the account it is in.
    Account {
        address: Cow<'a, str>,
        account: String,
    },
    /// A modelled resource (boxed: the other kinds are many and small).
    Resource(Box<Result<Resource, LoadError>>),
}

fn read_state_resource<'a>(
    file: &SourceFile,
    ix: &ConfigIndex<'_, '_>,
    r: &StateResource<'a>,
    seen: &HashSet<&str>,
    action: Action,
) -> StateRead<'a> {
    let Some(addr_raw) = r.address else {
        return StateRead::Passed;
    };
    let address: Cow<'_, str> = Cow::Owned(address_text(addr_raw));
    if seen.contains(address.as_ref()) {
        return StateRead::Passed;
    }
    let data = r.mode.as_deref() == Some("data");
    let rtype = r.rtype.as_deref().unwrap_or("");
    if !is_modelled(data, rtype) {
        if !data
            && let Some(v) = r.values
            && let Ok(a) = serde_json::from_str::<ArnOnly<'_>>(v.get())
            && let Some(arn) = a.arn
            && let Some(account) = parse_arn(&arn).and_then(|a| a.account_ok())
        {
            return StateRead::Account { address, account };
        }
        return StateRead::Passed;
    }
    StateRead::Resource(Box::new(build_resource(
        file,
        ix,
        &ResourceInput {
            address: address.into_owned(),
            addr_span: raw_span(file, addr_raw),
            data,
            rtype,
            action,
            after: r.values,
            after_unknown: None,
            after_sensitive: r.sensitive_values,
            before: if data { None } else { r.values },
            before_sensitive: r.sensitive_values,
        },
        None,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hints(text: &str) -> Vec<String> {
        let file = SourceFile::new(0, "plan.json", text);
        let mut infra = Infrastructure::default();
        let loaded = load(&file, &mut infra);
        assert!(loaded.is_ok(), "{loaded:?}");
        infra
            .account_hints
            .iter()
            .map(|h| format!("{} {}", h.account, h.source))
            .collect()
    }

    #[test]
    fn many_existing_resources_of_one_account_give_one_hint_the_first() {
        // the same account in the ARNs of many resources: the first names it, as it would
        // after the hints are deduplicated; another account still gets its own
        let resources: Vec<String> = (0..50)
            .map(|i| {
                let acct = if i == 30 {
                    "444455556666"
                } else {
                    "111122223333"
                };
                format!(
                    r#"{{"address": "aws_instance.i{i}", "mode": "managed", "type": "aws_instance",
                        "values": {{"arn": "arn:aws:ec2:eu-west-1:{acct}:instance/i-{i}"}}}}"#
                )
            })
            .collect();
        let plan = format!(
            r#"{{"format_version": "1.2", "resource_changes": [],
              "prior_state": {{"values": {{"root_module": {{"resources": [{}]}}}}}}}}"#,
            resources.join(",")
        );
        assert_eq!(
            hints(&plan),
            [
                "111122223333 the ARN of aws_instance.i0",
                "444455556666 the ARN of aws_instance.i30"
            ]
        );
    }

    #[test]
    fn the_arn_of_an_existing_resource_of_any_type_says_whose_account_it_is() {
        // resources grantcheck does not model are let go as the plan is read, except those whose
        // values may hold an `arn`, however its key is written
        let plan = r#"{"format_version": "1.2", "resource_changes": [],
          "prior_state": {"values": {"root_module": {"resources": [
            {"address": "aws_iam_role.r", "mode": "managed", "type": "aws_iam_role",
             "values": {"arn": "arn:aws:iam::111122223333:role/r"}},
            {"address": "aws_sns_topic.t", "mode": "managed", "type": "aws_sns_topic",
             "values": {"\u0061rn": "arn:aws:sns:eu-west-1:444455556666:t"}},
            {"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket",
             "values": {"bucket": "b"}}
          ]}}}}"#;
        assert_eq!(
            hints(plan),
            [
                "111122223333 the ARN of aws_iam_role.r",
                "444455556666 the ARN of aws_sns_topic.t"
            ]
        );
    }
}
