//! The evaluator: expressions → [`Node`]s that keep spans, with unknowns that say why and which
//! resources they come from. Variables, locals, module outputs and resource attributes are
//! evaluated lazily and remembered; a value that depends on itself becomes unknown.

use crate::hash::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{Block, Body};
use hcl_edit::template::{Directive, Element, Template};

use super::modules::{CallCfg, Module, ResCfg, is_local_source};
use super::text::{self, MARK, as_text, looks_like_json, placeholder};
use crate::json::{self, Placement};
use crate::model::Note;
use crate::source::{FileId, SourceFile, Span};
use crate::value::{Key, Node, NodeKind, Origin, Ref, StrValue, TextMap, Unknown};

/// Deepest expression nesting evaluated.
const MAX_DEPTH: usize = 128;
/// Most instances a `count` expands to.
const MAX_COUNT: usize = 100_000;

/// One module instance: the root, or one expansion of a module call.
pub struct Instance {
    pub module: usize,
    /// Module path without keys: `module.a.module.b`.
    pub path: String,
    /// Module address with keys: `module.a["x"].module.b`.
    pub addr: String,
    pub parent: Option<usize>,
    /// Index of the call in the parent's module.
    pub call: Option<usize>,
    /// `each`/`count` of the call that made this instance.
    pub bind: Vec<(String, Node)>,
    /// Root variable values (root instances only).
    pub root_vars: HashMap<String, Node>,
    pub root_dir: String,
}

/// Where a template is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TplKind {
    Quoted,
    Heredoc,
    /// `<<-`: indentation is removed from the value, kept in the JSON view.
    IndentedHeredoc,
    /// A file read by `templatefile`.
    File,
}

#[derive(Clone)]
pub struct Scope {
    pub inst: usize,
    pub file: FileId,
    pub bind: Vec<(String, Node)>,
}

/// The instances of a module call: (instance key, instance id).
pub type Children = Vec<(Option<String>, usize)>;

/// Names bound while evaluating (`each`, `count`, `for` and `dynamic` iterators).
pub type Bindings = Vec<(String, Node)>;

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

/// A `.tf.json` string evaluated from its decoded text: the parsed template, the id its decoded
/// text is kept under, and the file's text as written.
type JsonString<'a> = (Result<Template, String>, FileId, &'a str);

pub struct Evaluator<'a> {
    pub modules: Vec<Module<'a>>,
    pub instances: Vec<Instance>,
    pub texts: HashMap<FileId, &'a str>,
    /// Every input file by normalised path, for `file()` and `templatefile()`.
    pub files: HashMap<String, &'a SourceFile>,
    memo: HashMap<(usize, String), Node>,
    busy: HashSet<(usize, String)>,
    children: HashMap<(usize, usize), Children>,
    pub notes: Vec<Note>,
    /// Configuration errors Terraform itself would refuse (a value that depends on itself).
    pub errors: Vec<super::HclError>,
    noted: HashSet<String>,
    depth: usize,
    /// Strings of `.tf.json` files that are evaluated from their decoded text, by (file, start).
    json_strings: HashMap<(FileId, usize), JsonString<'a>>,
    /// Some variable is declared `sensitive = true`: values computed from one are marked.
    pub sensitive_vars: bool,
    /// A value the expression being evaluated is computed from is sensitive.
    tainted: bool,
    /// Bytes of the values evaluated so far (strings by length, collections by members), and
    /// how many may be: past it, values are not evaluated any more (an input error says so).
    produced: usize,
    budget: usize,
    /// The expansion of each resource of each module instance, with its keys indexed: a
    /// reference to one instance of a counted resource looks it up, not through all of them.
    expanded: HashMap<(usize, usize), std::sync::Arc<Expanded>>,
}

/// A resource's expansion and where each instance key is in it.
pub struct Expanded {
    pub exp: Expansion,
    at: HashMap<String, usize>,
}

/// The largest string or collection one expression may evaluate to: far over any policy
/// (AWS takes 20 KB for a secret policy, 32 KB for a key policy).
pub const MAX_VALUE_BYTES: usize = 4 * 1024 * 1024;
/// What all the values of a run may add up to, besides four times the configuration's size.
pub const VALUE_BUDGET_BYTES: usize = 256 * 1024 * 1024;

/// What a value weighs, shallowly: its text, or its members (each of which was weighed when it
/// was evaluated).
fn weight(v: &Node) -> usize {
    match &v.kind {
        NodeKind::String(s) => s.value.len(),
        NodeKind::Array(a) => a.len() * 16,
        NodeKind::Object(o) => o.len() * 32,
        _ => 0,
    }
}

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

/// An unknown that stands for an evaluation error (`try` moves past it).
fn invalid(what: impl Into<String>, span: Span) -> Node {
    unknown(format!("invalid: {}", what.into()), vec![], span)
}

pub fn is_invalid(n: &Node) -> bool {
    n.as_unknown()
        .is_some_and(|u| u.origin_text().starts_with("invalid: "))
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

pub fn str_node(s: impl Into<compact_str::CompactString>, span: Span) -> Node {
    Node::string(s, span, TextMap::Collapsed)
}

pub fn num_node(x: f64, span: Span) -> Node {
    let text = if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    };
    Node::new(NodeKind::Number(text.into()), span)
}

pub fn as_f64(n: &Node) -> Option<f64> {
    match &n.kind {
        NodeKind::Number(x) => x.parse().ok(),
        NodeKind::String(s) => s.value.trim().parse().ok(),
        _ => None,
    }
}

pub fn obj(members: Vec<(String, Node)>, span: Span) -> Node {
    Node::new(
        NodeKind::Object(
            members
                .into_iter()
                .map(|(k, v)| {
                    (
                        Key {
                            name: k.into(),
                            span,
                        },
                        v,
                    )
                })
                .collect(),
        ),
        span,
    )
}

impl<'a> Evaluator<'a> {
    pub fn new(
        modules: Vec<Module<'a>>,
        texts: HashMap<FileId, &'a str>,
        files: HashMap<String, &'a SourceFile>,
    ) -> Self {
        let sensitive_vars = modules
            .iter()
            .any(|m| m.variables.keys().any(|n| m.declares_sensitive(n)));
        let input: usize = texts.values().map(|t| t.len()).sum();
        Evaluator {
            expanded: HashMap::default(),
            produced: 0,
            budget: VALUE_BUDGET_BYTES.saturating_add(input.saturating_mul(4)),
            modules,
            instances: vec![],
            texts,
            files,
            memo: HashMap::default(),
            busy: HashSet::default(),
            children: HashMap::default(),
            notes: vec![],
            errors: vec![],
            noted: HashSet::default(),
            depth: 0,
            json_strings: HashMap::default(),
            sensitive_vars,
            tainted: false,
        }
    }

    /// Registers the strings of a `.tf.json` file (`text`) that HCL cannot read in place: each
    /// is evaluated from its decoded text, and its values point at where the string writes them.
    pub fn add_json_strings(
        &mut self,
        file: FileId,
        text: &'a str,
        strings: &'a [(usize, String)],
    ) {
        for (start, decoded) in strings {
            // ids from the top of the range name the decoded texts; they never reach a report
            let id = FileId::MAX - self.json_strings.len() as FileId;
            let tpl =
                hcl_edit::parser::parse_template(decoded).map_err(|e| e.message().to_string());
            self.texts.insert(id, decoded.as_str());
            self.json_strings.insert((file, *start), (tpl, id, text));
        }
    }

    /// The span of a block: where it is written, or the JSON object it was read from.
    pub fn block_span(&self, file: FileId, b: &Block) -> Span {
        self.span(file, b.span().or_else(|| super::json_config::block_span(b)))
    }

    /// A `.tf.json` string evaluated from its decoded text, with every value it writes placed
    /// where it is written in the JSON string, through the string's escapes.
    fn json_string(&mut self, sc: &Scope, span: Span) -> Option<Node> {
        let (tpl, id, text) = self
            .json_strings
            .get(&(sc.file, span.start as usize))?
            .clone();
        let mut v = match tpl {
            Ok(t) => {
                let inner = Scope {
                    inst: sc.inst,
                    file: id,
                    bind: sc.bind.clone(),
                };
                let whole = Span::new(id, 0, self.texts.get(&id).map_or(0, |t| t.len()));
                self.template(&inner, &t, whole, TplKind::File)
            }
            Err(m) => invalid(format!("this string is not a valid template: {m}"), span),
        };
        let decoded_len = self.texts.get(&id).map_or(0, |t| t.len());
        // (the string as written, between its quotes)
        let written = text.get(span.start as usize + 1..(span.end as usize).saturating_sub(1));
        match written.and_then(|w| json::Escapes::read(w, span.start + 1, decoded_len)) {
            Some(mut escapes) => place_through(&mut v, id, decoded_len, span, &mut escapes),
            None => collapse_into(&mut v, id, span),
        }
        Some(v)
    }

    pub fn span(&self, file: FileId, r: Option<Range<usize>>) -> Span {
        r.map(|r| Span::new(file, r.start, r.end))
            .unwrap_or(Span::new(file, 0, 0))
    }

    pub fn note(&mut self, key: String, message: String, span: Span, resource: String) {
        if self.noted.insert(key) {
            self.notes.push(Note {
                message,
                span,
                resource,
            });
        }
    }

    pub fn module_of(&self, inst: usize) -> &Module<'a> {
        &self.modules[self.instances[inst].module]
    }

    /// Remembers a value computed once per instance and name; a cycle yields an unknown.
    fn memoized(
        &mut self,
        inst: usize,
        key: String,
        span: Span,
        f: impl FnOnce(&mut Self) -> Node,
    ) -> Node {
        let k = (inst, key);
        if let Some(v) = self.memo.get(&k) {
            // an unknown value is where it is used: a note about it points there, not at the
            // first use
            let mut v = v.clone();
            if matches!(v.kind, NodeKind::Unknown(_)) {
                v.span = span;
            }
            return v;
        }
        if self.busy.contains(&k) {
            let what = k.1.clone();
            let addr = self.instances[inst].addr.clone();
            if self.noted.insert(format!("cycle:{inst}:{what}")) {
                self.errors.push(super::HclError {
                    file: span.file,
                    span,
                    message: format!(
                        "{} depends on itself (a cycle; Terraform refuses this), so its value is not known; break the cycle",
                        display_in(&addr, &what)
                    ),
                });
            }
            return unknown(format!("{what} depends on itself"), vec![], span);
        }
        self.busy.insert(k.clone());
        // (the value carries its own marks: what it is computed from does not mark the
        // expression that first needed it)
        let outer = std::mem::take(&mut self.tainted);
        let mut v = f(self);
        self.tainted = outer;
        self.busy.remove(&k);
        self.memo.insert(k, v.clone());
        if matches!(v.kind, NodeKind::Unknown(_)) {
            v.span = span;
        }
        v
    }

    /// True the first time `key` is given: for what is said once per run.
    pub fn noted_once(&mut self, key: String) -> bool {
        self.noted.insert(key)
    }

    // ----- expressions -----

    /// Counts what `v` weighs against the run's budget, and refuses a value too large to be
    /// anything a policy needs (an input error that never quotes it).
    fn weigh(&mut self, sc: &Scope, e: &Expression, v: Node) -> Node {
        let w = weight(&v);
        self.produced = self.produced.saturating_add(w);
        let too_large = w > MAX_VALUE_BYTES;
        if !too_large && self.produced <= self.budget {
            return v;
        }
        let span = self.span(sc.file, e.span());
        let what = if too_large {
            format!(
                "this expression's value is over {} MB, far larger than any policy; grantcheck does not evaluate it, so what uses it is not checked",
                MAX_VALUE_BYTES / (1024 * 1024)
            )
        } else {
            format!(
                "the configuration's values grow past {} MB here, many times the size of its files; grantcheck stops evaluating, so what uses them is not checked",
                self.budget / (1024 * 1024)
            )
        };
        let key = if too_large {
            format!("large:{}:{}", span.file, span.start)
        } else {
            "budget".to_string()
        };
        if self.noted.insert(key) {
            self.errors.push(super::HclError {
                file: span.file,
                span,
                message: what,
            });
        }
        invalid("the value is too large to be evaluated", span)
    }

    pub fn eval(&mut self, sc: &Scope, e: &Expression) -> Node {
        if self.depth > MAX_DEPTH {
            return invalid(
                "the expression nests too deeply",
                self.span(sc.file, e.span()),
            );
        }
        if self.produced > self.budget {
            return invalid(
                "the configuration's values grew past what is evaluated",
                self.span(sc.file, e.span()),
            );
        }
        self.depth += 1;
        let v = if self.sensitive_vars {
            self.eval_marked(sc, e)
        } else {
            self.eval_inner(sc, e)
        };
        self.depth -= 1;
        self.weigh(sc, e, v)
    }

    /// Evaluates `e` where some variable is declared sensitive. As Terraform marks them, a value
    /// computed from a sensitive value is sensitive; a value referred to or built of parts
    /// keeps the marks of its parts.
    fn eval_marked(&mut self, sc: &Scope, e: &Expression) -> Node {
        let outer = std::mem::take(&mut self.tainted);
        let mut v = self.eval_inner(sc, e);
        let computed = matches!(
            e,
            Expression::FuncCall(_)
                | Expression::StringTemplate(_)
                | Expression::HeredocTemplate(_)
                | Expression::Conditional(_)
                | Expression::UnaryOp(_)
                | Expression::BinaryOp(_)
                | Expression::ForExpr(_)
        );
        if self.tainted && computed {
            v.mark_sensitive();
        }
        self.tainted = outer || self.tainted || v.any_sensitive();
        v
    }

    fn eval_inner(&mut self, sc: &Scope, e: &Expression) -> Node {
        let span = self.span(sc.file, e.span());
        match e {
            Expression::Null(_) => Node::new(NodeKind::Null, span),
            Expression::Bool(b) => Node::new(NodeKind::Bool(*b.value()), span),
            Expression::Number(n) => {
                Node::new(NodeKind::Number(n.value().to_string().into()), span)
            }
            Expression::String(s) => {
                if !self.json_strings.is_empty()
                    && let Some(v) = self.json_string(sc, span)
                {
                    return v;
                }
                self.quoted_string(sc.file, s.value(), span)
            }
            Expression::Array(a) => {
                let items = a.iter().map(|x| self.eval(sc, x)).collect();
                Node::new(NodeKind::Array(items), span)
            }
            Expression::Object(o) => {
                let mut members: Vec<(Key, Node)> = vec![];
                for (k, v) in o.iter() {
                    let (name, kspan) = match k {
                        ObjectKey::Ident(i) => {
                            (Some(i.as_str().to_string()), self.span(sc.file, i.span()))
                        }
                        ObjectKey::Expression(x) => {
                            let kn = self.eval(sc, x);
                            (as_text(&kn).filter(|_| is_known(&kn)), kn.span)
                        }
                    };
                    let val = self.eval(sc, v.expr());
                    match name {
                        Some(name) => {
                            members.retain(|(k, _)| k.name != name);
                            members.push((
                                Key {
                                    name: name.into(),
                                    span: kspan,
                                },
                                val,
                            ));
                        }
                        None => {
                            return unknown(
                                "an object key is not known before apply",
                                vec![],
                                span,
                            );
                        }
                    }
                }
                Node::new(NodeKind::Object(members), span)
            }
            Expression::StringTemplate(t) => {
                let tpl: &Template = t;
                self.template(sc, tpl, span, TplKind::Quoted)
            }
            Expression::HeredocTemplate(h) => {
                let kind = if h.indent().is_some() {
                    TplKind::IndentedHeredoc
                } else {
                    TplKind::Heredoc
                };
                self.template(sc, &h.template, span, kind)
            }
            Expression::Parenthesis(p) => self.eval(sc, p.inner()),
            Expression::Variable(v) => self.variable(sc, v.as_str(), span),
            Expression::Conditional(c) => {
                let cond = self.eval(sc, &c.cond_expr);
                match cond.as_bool() {
                    Some(true) => self.eval(sc, &c.true_expr),
                    Some(false) => self.eval(sc, &c.false_expr),
                    None => {
                        let t = self.eval(sc, &c.true_expr);
                        let f = self.eval(sc, &c.false_expr);
                        if is_known(&t) && t == f {
                            return t;
                        }
                        let mut u = combine_unknown(&[&cond, &t, &f], span);
                        if let NodeKind::Unknown(x) = &mut u.kind
                            && is_known(&cond)
                        {
                            Arc::make_mut(x).origin = "the condition is not a boolean".into();
                        }
                        u
                    }
                }
            }
            Expression::FuncCall(f) => {
                let name = f.name.name.as_str().to_string();
                let args: Vec<&Expression> = f.args.iter().collect();
                super::funcs::call(self, sc, &name, &args, span)
            }
            Expression::Traversal(t) => self.traversal(sc, &t.expr, &t.operators, span),
            Expression::UnaryOp(u) => {
                let v = self.eval(sc, &u.expr);
                if !is_known(&v) {
                    return combine_unknown(&[&v], span);
                }
                match u.operator.value() {
                    UnaryOperator::Not => match v.as_bool() {
                        Some(b) => Node::new(NodeKind::Bool(!b), span),
                        None => invalid("! needs a boolean", span),
                    },
                    UnaryOperator::Neg => match as_f64(&v) {
                        Some(x) => num_node(-x, span),
                        None => invalid("- needs a number", span),
                    },
                }
            }
            Expression::BinaryOp(b) => {
                let l = self.eval(sc, &b.lhs_expr);
                let op = *b.operator.value();
                // short-circuit on known booleans
                if op == BinaryOperator::And && l.as_bool() == Some(false) {
                    return Node::new(NodeKind::Bool(false), span);
                }
                if op == BinaryOperator::Or && l.as_bool() == Some(true) {
                    return Node::new(NodeKind::Bool(true), span);
                }
                let r = self.eval(sc, &b.rhs_expr);
                binary(op, &l, &r, span)
            }
            Expression::ForExpr(f) => self.for_expr(sc, f, span),
        }
    }

    /// A quoted string literal: exact mapping when it has no escapes; JSON in a string keeps its
    /// offsets through a view of the same length.
    fn quoted_string(&self, file: FileId, value: &str, span: Span) -> Node {
        let src = self.texts.get(&file).copied().unwrap_or("");
        let inner_start = span.start as usize + 1;
        let inner_end = (span.end as usize).saturating_sub(1);
        let raw = src.get(inner_start..inner_end).unwrap_or("");
        if raw == value {
            return Node::string(
                value,
                span,
                TextMap::Exact {
                    base: span.start + 1,
                },
            );
        }
        if looks_like_json(value)
            && let Some(view) = text::quoted_json_view(raw)
        {
            return Node::string(
                view,
                span,
                TextMap::Exact {
                    base: span.start + 1,
                },
            );
        }
        Node::string(value, span, TextMap::Collapsed)
    }

    fn variable(&mut self, sc: &Scope, name: &str, span: Span) -> Node {
        if let Some((_, v)) = sc.bind.iter().rev().find(|(n, _)| n == name) {
            return v.clone();
        }
        invalid(format!("unknown name {name}"), span)
    }

    // ----- templates -----

    /// Evaluates a template. JSON written in it keeps exact spans: interpolations inside JSON
    /// strings are substituted (or make that string unknown), and the result is the parsed JSON.
    pub fn template(&mut self, sc: &Scope, tpl: &Template, span: Span, kind: TplKind) -> Node {
        let strip = kind == TplKind::IndentedHeredoc;
        enum Part<'t> {
            Lit(&'t str, Option<Range<usize>>),
            Interp(&'t Expression, Option<Range<usize>>),
            Directive(Option<Range<usize>>),
        }
        let mut parts = vec![];
        for el in tpl.iter() {
            match el {
                Element::Literal(l) => parts.push(Part::Lit(l.value().as_str(), l.span())),
                Element::Interpolation(i) => parts.push(Part::Interp(&i.expr, i.span())),
                Element::Directive(d) => parts.push(Part::Directive(directive_span(d))),
            }
        }
        if parts.iter().any(|p| matches!(p, Part::Directive(_))) {
            return self.template_with_directives(sc, tpl, span);
        }
        let nonempty_lits = parts
            .iter()
            .filter(|p| matches!(p, Part::Lit(s, _) if !s.is_empty()))
            .count();
        let interps = parts.iter().filter(|p| !matches!(p, Part::Lit(..))).count();
        if interps == 1
            && nonempty_lits == 0
            && let Some(Part::Interp(e, _)) = parts.iter().find(|p| matches!(p, Part::Interp(..)))
        {
            return self.eval(sc, e);
        }
        let src = self.texts.get(&sc.file).copied().unwrap_or("");
        // the raw range the template's elements cover
        let range = parts
            .iter()
            .filter_map(|p| match p {
                Part::Lit(_, r) | Part::Interp(_, r) | Part::Directive(r) => r.clone(),
            })
            .fold(None::<Range<usize>>, |acc, r| match acc {
                None => Some(r),
                Some(a) => Some(a.start.min(r.start)..a.end.max(r.end)),
            });
        let lit_text: String = parts
            .iter()
            .filter_map(|p| match p {
                Part::Lit(s, _) => Some(*s),
                _ => None,
            })
            .collect();
        let quoted = kind == TplKind::Quoted;
        if interps == 0 {
            if let Some(r) = &range
                && let Some(raw) = src.get(r.clone())
            {
                if raw == lit_text {
                    return Node::string(
                        lit_text,
                        span,
                        TextMap::Exact {
                            base: r.start as u32,
                        },
                    );
                }
                if looks_like_json(&lit_text) && (strip || !quoted) && !raw.contains("$${") {
                    return Node::string(
                        raw,
                        span,
                        TextMap::Exact {
                            base: r.start as u32,
                        },
                    );
                }
            }
            return Node::string(lit_text, span, TextMap::Collapsed);
        }
        // evaluate the interpolations
        let mut values: Vec<(Range<usize>, Node)> = vec![];
        let mut all_known = true;
        let mut text_out = String::new();
        let mut template_text = String::new();
        let mut unknown_parts: Vec<Node> = vec![];
        for p in &parts {
            match p {
                Part::Lit(s, _) => {
                    text_out.push_str(s);
                    template_text.push_str(s);
                }
                Part::Interp(e, r) => {
                    let v = self.eval(sc, e);
                    let raw = r
                        .clone()
                        .and_then(|r| src.get(r))
                        .unwrap_or("${...}")
                        .to_string();
                    match as_text(&v).filter(|_| is_known(&v)) {
                        Some(t) => {
                            text_out.push_str(&t);
                            template_text.push_str(&t);
                        }
                        None => {
                            all_known = false;
                            template_text.push_str(&raw);
                            unknown_parts.push(v.clone());
                        }
                    }
                    if let Some(r) = r {
                        values.push((r.clone(), v));
                    }
                }
                Part::Directive(r) => {
                    all_known = false;
                    let raw = r
                        .clone()
                        .and_then(|r| src.get(r))
                        .unwrap_or("%{...}")
                        .to_string();
                    template_text.push_str(&raw);
                    unknown_parts.push(unknown(
                        "template directives (%{...}) are not evaluated",
                        vec![],
                        span,
                    ));
                    if let Some(r) = r {
                        values.push((
                            r.clone(),
                            unknown(
                                "template directives (%{...}) are not evaluated",
                                vec![],
                                span,
                            ),
                        ));
                    }
                }
            }
        }
        if looks_like_json(&lit_text)
            && let Some(r) = &range
            && let Some(n) = self.json_with_holes(sc.file, src, r.clone(), &values, quoted)
        {
            return n;
        }
        if all_known {
            return str_node(text_out, span);
        }
        let refs_from: Vec<&Node> = unknown_parts.iter().collect();
        let mut u = combine_unknown(&refs_from, span);
        if let NodeKind::Unknown(x) = &mut u.kind {
            Arc::make_mut(x).template = Some(template_text);
        }
        u
    }

    /// A template with `%{if}` / `%{for}` directives: evaluated when their conditions and
    /// collections are known (unknown, with their origin, when not). JSON in the result keeps
    /// the place of every part written in one run of the source; a part made of pieces from
    /// different places (two iterations, a stripped space) is placed at the whole template.
    fn template_with_directives(&mut self, sc: &Scope, tpl: &Template, span: Span) -> Node {
        let src = self.texts.get(&sc.file).copied().unwrap_or("");
        let mut out = Output::default();
        if let Err(u) = self.flatten(sc, tpl, src, &mut out) {
            return u;
        }
        let unknown_vals: Vec<&Node> = out.values.iter().filter(|v| !is_known(v)).collect();
        if !unknown_vals.is_empty() {
            return combine_unknown(&unknown_vals, span);
        }
        let text: String = out.pieces.iter().map(|p| p.text.as_str()).collect();
        if looks_like_json(&text)
            && let Ok(mut node) = json::parse(&text, Placement::exact(sc.file, 0, text.len()))
        {
            let map = out.offsets();
            place(&mut node, &map, span);
            return node;
        }
        str_node(text, span)
    }

    /// Appends the output of a template's elements, directives evaluated.
    fn flatten(
        &mut self,
        sc: &Scope,
        tpl: &Template,
        src: &str,
        out: &mut Output,
    ) -> Result<(), Node> {
        if self.depth > MAX_DEPTH || out.pieces.len() > MAX_COUNT {
            return Err(invalid(
                "the template nests too deeply or repeats too often",
                self.span(sc.file, None),
            ));
        }
        self.depth += 1;
        let r = self.flatten_inner(sc, tpl, src, out);
        self.depth -= 1;
        r
    }

    fn flatten_inner(
        &mut self,
        sc: &Scope,
        tpl: &Template,
        src: &str,
        out: &mut Output,
    ) -> Result<(), Node> {
        for el in tpl.iter() {
            match el {
                Element::Directive(d) => self.directive(sc, d, src, out)?,
                Element::Literal(l) => {
                    let raw = l
                        .span()
                        .and_then(|r| src.get(r.clone()).map(|t| (r.start, t)));
                    out.literal(l.value(), raw);
                }
                Element::Interpolation(i) => {
                    if i.strip.strip_start() {
                        out.trim_last();
                    }
                    let v = self.eval(sc, &i.expr);
                    let text = as_text(&v).filter(|_| is_known(&v)).unwrap_or_default();
                    out.value(text, i.span(), v);
                    out.strip_next = i.strip.strip_end();
                }
            }
        }
        Ok(())
    }

    fn directive(
        &mut self,
        sc: &Scope,
        d: &Directive,
        src: &str,
        out: &mut Output,
    ) -> Result<(), Node> {
        match d {
            Directive::If(d) => {
                if d.if_expr.strip.strip_start() {
                    out.trim_last();
                }
                let cond = self.eval(sc, &d.if_expr.cond_expr);
                let dspan = self.span(sc.file, d.span());
                match cond.as_bool() {
                    Some(true) => {
                        out.strip_next = d.if_expr.strip.strip_end();
                        self.flatten(sc, &d.if_expr.template, src, out)?;
                        let close = match &d.else_expr {
                            Some(e) => e.strip,
                            None => d.endif_expr.strip,
                        };
                        if close.strip_start() {
                            out.trim_last();
                        }
                    }
                    Some(false) => {
                        if let Some(e) = &d.else_expr {
                            out.strip_next = e.strip.strip_end();
                            self.flatten(sc, &e.template, src, out)?;
                            if d.endif_expr.strip.strip_start() {
                                out.trim_last();
                            }
                        }
                    }
                    None if !is_known(&cond) => return Err(combine_unknown(&[&cond], dspan)),
                    None => return Err(invalid("the condition of %{if} is not a boolean", dspan)),
                }
                out.strip_next = d.endif_expr.strip.strip_end();
            }
            Directive::For(d) => {
                let f = &d.for_expr;
                if f.strip.strip_start() {
                    out.trim_last();
                }
                let dspan = self.span(sc.file, d.span());
                let coll = self.eval(sc, &f.collection_expr);
                let Some(entries) =
                    collection_entries(&coll).filter(|_| is_known_keys_or_list(&coll))
                else {
                    return Err(if is_known(&coll) {
                        invalid("%{for} needs a list, set or map", dspan)
                    } else {
                        combine_unknown(&[&coll], dspan)
                    });
                };
                for (k, v) in entries {
                    let mut inner = sc.clone();
                    if let Some(kv) = &f.key_var {
                        inner.bind.push((kv.as_str().to_string(), k));
                    }
                    inner.bind.push((f.value_var.as_str().to_string(), v));
                    out.strip_next = f.strip.strip_end();
                    self.flatten(&inner, &f.template, src, out)?;
                    if d.endfor_expr.strip.strip_start() {
                        out.trim_last();
                    }
                }
                out.strip_next = d.endfor_expr.strip.strip_end();
            }
        }
        Ok(())
    }

    /// Parses JSON written in a template whose interpolations sit inside JSON strings: each
    /// interpolation is replaced by a placeholder of the same length, so that every node keeps
    /// its exact place, then the placeholders are filled in.
    fn json_with_holes(
        &self,
        file: FileId,
        src: &str,
        range: Range<usize>,
        values: &[(Range<usize>, Node)],
        quoted: bool,
    ) -> Option<Node> {
        let mut view = String::with_capacity(range.len());
        let mut pos = range.start;
        for (r, _) in values {
            if r.start < pos || r.end > range.end || r.len() < 3 {
                return None;
            }
            view.push_str(src.get(pos..r.start)?);
            view.push_str(&placeholder(r.len()));
            pos = r.end;
        }
        view.push_str(src.get(pos..range.end)?);
        if quoted {
            view = text::quoted_json_view(&view)?;
        }
        if view.len() != range.len() {
            return None;
        }
        let mut node = json::parse(
            &view,
            Placement::exact(file, range.start as u32, view.len()),
        )
        .ok()?;
        if quoted {
            text::widen_to_escaped_quotes(&mut node, src.as_bytes());
        }
        fill_holes(&mut node, values, src)?;
        Some(node)
    }

    // ----- for expressions -----

    fn for_expr(&mut self, sc: &Scope, f: &hcl_edit::expr::ForExpr, span: Span) -> Node {
        let coll = self.eval(sc, &f.intro.collection_expr);
        let Some(entries) = collection_entries(&coll) else {
            return if coll.as_unknown().is_some() {
                combine_unknown(&[&coll], span)
            } else {
                invalid("a for expression needs a collection", span)
            };
        };
        let kv = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let vv = f.intro.value_var.as_str().to_string();
        let mut out_items = vec![];
        let mut out_members: Vec<(Key, Node)> = vec![];
        for (k, v) in entries {
            let mut inner = sc.clone();
            if let Some(kv) = &kv {
                inner.bind.push((kv.clone(), k.clone()));
            }
            inner.bind.push((vv.clone(), v.clone()));
            if let Some(c) = &f.cond {
                let cv = self.eval(&inner, &c.expr);
                match cv.as_bool() {
                    Some(true) => {}
                    Some(false) => continue,
                    None => return combine_unknown(&[&cv], span),
                }
            }
            let val = self.eval(&inner, &f.value_expr);
            match &f.key_expr {
                Some(ke) => {
                    let key = self.eval(&inner, ke);
                    let Some(name) = as_text(&key).filter(|_| is_known(&key)) else {
                        return combine_unknown(&[&key], span);
                    };
                    if f.grouping {
                        match out_members.iter_mut().find(|(k, _)| k.name == name) {
                            Some((_, arr)) => {
                                if let NodeKind::Array(a) = &mut arr.kind {
                                    a.push(val);
                                }
                            }
                            None => out_members.push((
                                Key {
                                    name: name.into(),
                                    span: key.span,
                                },
                                Node::new(NodeKind::Array(vec![val]), span),
                            )),
                        }
                    } else {
                        out_members.retain(|(k, _)| k.name != name);
                        out_members.push((
                            Key {
                                name: name.into(),
                                span: key.span,
                            },
                            val,
                        ));
                    }
                }
                None => out_items.push(val),
            }
        }
        if f.key_expr.is_some() {
            Node::new(NodeKind::Object(out_members), span)
        } else {
            Node::new(NodeKind::Array(out_items), span)
        }
    }

    // ----- references -----

    fn traversal(
        &mut self,
        sc: &Scope,
        root: &Expression,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        span: Span,
    ) -> Node {
        let ops: Vec<&TraversalOperator> = ops.iter().map(|o| o.value()).collect();
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str().to_string()),
            _ => None,
        };
        if let Expression::Variable(v) = root {
            let name = v.as_str();
            if !sc.bind.iter().any(|(n, _)| n == name) {
                match name {
                    "var" => {
                        if let Some(a) = attr(0) {
                            let val = self.var_value(sc.inst, &a, span);
                            return self.apply_ops(sc, val, &ops[1..], span);
                        }
                    }
                    "local" => {
                        if let Some(a) = attr(0) {
                            let val = self.local_value(sc.inst, &a, span);
                            return self.apply_ops(sc, val, &ops[1..], span);
                        }
                    }
                    "module" => {
                        if let Some(a) = attr(0) {
                            return self.module_ref(sc, &a, &ops[1..], span);
                        }
                    }
                    "data" => {
                        if let (Some(t), Some(n)) = (attr(0), attr(1)) {
                            return self.resource_ref(sc, true, &t, &n, &ops[2..], span);
                        }
                    }
                    "path" => {
                        let inst = &self.instances[sc.inst];
                        let dir = match attr(0).as_deref() {
                            Some("module") => self.modules[inst.module].dir.clone(),
                            _ => self.root_dir(sc.inst),
                        };
                        return str_node(dir, span);
                    }
                    "terraform" => return str_node("default", span),
                    "self" | "count" | "each" => {
                        return unknown(format!("{name} is not known here"), vec![], span);
                    }
                    _ => {
                        if let Some(n) = attr(0) {
                            return self.resource_ref(sc, false, name, &n, &ops[1..], span);
                        }
                    }
                }
            }
        }
        let base = self.eval(sc, root);
        self.apply_ops(sc, base, &ops, span)
    }

    fn root_dir(&self, inst: usize) -> String {
        let mut i = inst;
        while let Some(p) = self.instances[i].parent {
            i = p;
        }
        self.instances[i].root_dir.clone()
    }

    /// Applies attribute, index and splat operators to a value.
    pub fn apply_ops(
        &mut self,
        sc: &Scope,
        mut v: Node,
        ops: &[&TraversalOperator],
        span: Span,
    ) -> Node {
        let mut i = 0;
        while i < ops.len() {
            if v.as_unknown().is_some() {
                return v;
            }
            match ops[i] {
                TraversalOperator::GetAttr(a) => {
                    v = match &v.kind {
                        NodeKind::Object(_) => match v.get(a.as_str()) {
                            Some(x) => x.clone(),
                            None => invalid(format!("no attribute {}", a.as_str()), span),
                        },
                        NodeKind::Null => invalid("attribute of null", span),
                        _ => invalid(format!("no attribute {}", a.as_str()), span),
                    };
                }
                TraversalOperator::Index(e) => {
                    let k = self.eval(sc, e);
                    v = index(&v, &k, span);
                }
                TraversalOperator::LegacyIndex(n) => {
                    let k = num_node(*n.value() as f64, span);
                    v = index(&v, &k, span);
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let rest = &ops[i + 1..];
                    let items: Vec<Node> = match &v.kind {
                        NodeKind::Array(a) => a.clone(),
                        NodeKind::Null => vec![],
                        _ => vec![v.clone()],
                    };
                    let out = items
                        .into_iter()
                        .map(|x| self.apply_ops(sc, x, rest, span))
                        .collect();
                    return Node::new(NodeKind::Array(out), span);
                }
            }
            i += 1;
        }
        v
    }

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
    fn var_value_unmarked(&mut self, inst: usize, name: &str, span: Span) -> Node {
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
        let Some(ty) = super::types::parse(&t.value, &mut constant) else {
            return v;
        };
        let at = v.span;
        match super::types::convert(v, &ty) {
            Ok(v) => v,
            Err(why) => {
                let addr = self.instances[inst].addr.clone();
                let what = display_in(&addr, &format!("var.{name}"));
                if self.noted.insert(format!("type:{inst}:{name}")) {
                    self.errors.push(super::HclError {
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
    fn var_value_given(&mut self, inst: usize, name: &str, span: Span) -> Node {
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
                format!("var.{name} {}", super::NO_VALUE),
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
            let path = super::join(&parent_path, &format!("module.{name}"));
            let mk = |key: Option<&str>| {
                super::join(
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

    fn module_ref(
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
                    self.errors.push(super::HclError {
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

    fn resource_expansion(&mut self, inst: usize, rix: usize) -> std::sync::Arc<Expanded> {
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

    fn resource_expansion_uncached(&mut self, inst: usize, rix: usize) -> Expansion {
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

    #[allow(clippy::too_many_arguments)]
    fn resource_ref(
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
        let address = super::join(&path, &local);
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
                    super::policy_doc::render(ev, &tsc, block, header(block, file))
                });
                return self.apply_ops(sc, v, &ops[1..], span);
            }
            if data && rtype == "template_file" && attr == "rendered" {
                let v = self.memoized(sc.inst, key, span, |ev| {
                    super::funcs::template_file(ev, &tsc, block, header(block, file))
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

    // ----- bodies -----

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

    fn dynamic(&mut self, sc: &Scope, b: &Block, label: &str) -> Vec<Node> {
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

    // ----- files -----

    /// An input file by path, relative to the module directory or the root directory.
    pub fn find_file(&self, sc: &Scope, path: &str) -> Option<&'a SourceFile> {
        let mdir = self.modules[self.instances[sc.inst].module].dir.clone();
        let root = self.root_dir(sc.inst);
        [
            text::normalize(path),
            text::join(&mdir, path),
            text::join(&root, path),
        ]
        .iter()
        .find_map(|p| self.files.get(p).copied())
    }
}

/// The text a template with directives writes, piece by piece, with where each piece is written.
#[derive(Default)]
struct Output {
    pieces: Vec<Piece>,
    /// The values of the interpolations (unknown ones make the result unknown).
    values: Vec<Node>,
    /// A strip marker (`~}`) asks to drop the space at the start of the next literal.
    strip_next: bool,
}

struct Piece {
    text: String,
    literal: bool,
    /// Where it is written; `exact` when its bytes are the source's bytes from `src.start`.
    src: Option<Range<usize>>,
    exact: bool,
}

impl Output {
    /// A literal; `raw` is its source text and offset. A literal whose value is its source
    /// text, line by line after the indentation a `<<-` heredoc removes, maps exactly.
    fn literal(&mut self, value: &str, raw: Option<(usize, &str)>) {
        let strip = std::mem::take(&mut self.strip_next);
        let value = if strip { value.trim_start() } else { value };
        let Some((base, raw)) = raw else {
            self.pieces.push(Piece {
                text: value.to_string(),
                literal: true,
                src: None,
                exact: false,
            });
            return;
        };
        // a stripped literal is the end of its source text
        let (base, raw) = match raw.len().checked_sub(value.len()) {
            Some(cut) if strip && raw.get(cut..) == Some(value) => (base + cut, &raw[cut..]),
            _ => (base, raw),
        };
        if raw == value {
            self.pieces.push(Piece {
                text: value.to_string(),
                literal: true,
                src: Some(base..base + raw.len()),
                exact: true,
            });
            return;
        }
        let vlines: Vec<&str> = value.split_inclusive('\n').collect();
        let rlines: Vec<&str> = raw.split_inclusive('\n').collect();
        if vlines.len() == rlines.len() && vlines.iter().zip(&rlines).all(|(v, r)| r.ends_with(v)) {
            let mut at = base;
            for (v, r) in vlines.iter().zip(&rlines) {
                let start = at + r.len() - v.len();
                self.pieces.push(Piece {
                    text: v.to_string(),
                    literal: true,
                    src: Some(start..start + v.len()),
                    exact: true,
                });
                at += r.len();
            }
            return;
        }
        self.pieces.push(Piece {
            text: value.to_string(),
            literal: true,
            src: Some(base..base + raw.len()),
            exact: false,
        });
    }

    fn value(&mut self, text: String, src: Option<Range<usize>>, v: Node) {
        self.pieces.push(Piece {
            text,
            literal: false,
            src,
            exact: false,
        });
        self.values.push(v);
    }

    /// Drops the space at the end of the last literal (`%{~`, `${~`).
    fn trim_last(&mut self) {
        if let Some(p) = self.pieces.last_mut().filter(|p| p.literal) {
            let keep = p.text.trim_end().len();
            if let (true, Some(r)) = (p.exact, &mut p.src) {
                r.end = r.start + keep;
            }
            p.text.truncate(keep);
        }
    }

    /// For each piece: its range in the output text and where it is written.
    fn offsets(&self) -> Vec<(Range<usize>, Option<Range<usize>>, bool)> {
        let mut at = 0;
        self.pieces
            .iter()
            .map(|p| {
                let r = at..at + p.text.len();
                at = r.end;
                (r, p.src.clone(), p.exact)
            })
            .collect()
    }
}

type Offsets = [(Range<usize>, Option<Range<usize>>, bool)];

/// The source span of output bytes `s..e`: exact inside one run of contiguous source pieces,
/// else `whole`.
fn map_range(map: &Offsets, s: usize, e: usize, whole: Span) -> Span {
    let first = map.partition_point(|(o, _, _)| o.end <= s);
    let mut pieces = map[first.min(map.len())..]
        .iter()
        .take_while(|(o, _, _)| o.start < e.max(s + 1));
    let Some((o0, Some(r0), x0)) = pieces.next() else {
        return whole;
    };
    let start = if *x0 {
        r0.start + (s - o0.start)
    } else {
        r0.start
    };
    let (mut last_o, mut last_r, mut last_x) = (o0, r0, *x0);
    for (o, r, x) in pieces {
        match r {
            Some(r) if r.start == last_r.end => (last_o, last_r, last_x) = (o, r, *x),
            _ => return whole,
        }
    }
    let end = if last_x {
        last_r.start + (e - last_o.start).min(last_r.len())
    } else {
        last_r.end
    };
    Span::new(whole.file, start, end.max(start))
}

/// Moves the spans of JSON parsed from a template's output to where its parts are written.
fn place(n: &mut Node, map: &Offsets, whole: Span) {
    let (s, e) = (n.span.start as usize, n.span.end as usize);
    n.span = map_range(map, s, e, whole);
    if let NodeKind::String(sv) = &mut n.kind {
        sv.map = match sv.map {
            TextMap::Exact { base } => {
                let b = base as usize;
                let m = map_range(map, b, b + sv.value.len(), whole);
                if m != whole && m.len() as usize == sv.value.len() {
                    TextMap::Exact { base: m.start }
                } else {
                    TextMap::Collapsed
                }
            }
            TextMap::Escaped { .. } | TextMap::Collapsed => TextMap::Collapsed,
        };
    }
    match &mut n.kind {
        NodeKind::Array(a) => a.iter_mut().for_each(|x| place(x, map, whole)),
        NodeKind::Object(o) => o.iter_mut().for_each(|(k, v)| {
            k.span = map_range(map, k.span.start as usize, k.span.end as usize, whole);
            place(v, map, whole);
        }),
        _ => {}
    }
}

fn is_known_keys_or_list(coll: &Node) -> bool {
    matches!(
        coll.kind,
        NodeKind::Array(_) | NodeKind::Object(_) | NodeKind::Null
    )
}

/// Places every part of `n` that was read from `from` where `place` says (their strings then
/// map as a whole, not byte for byte).
fn place_parts(n: &mut Node, from: FileId, place: &mut dyn FnMut(Span) -> Span) {
    if n.span.file == from {
        n.span = place(n.span);
        if let NodeKind::String(s) = &mut n.kind {
            s.map = TextMap::Collapsed;
        }
    }
    match &mut n.kind {
        NodeKind::Array(a) => a.iter_mut().for_each(|x| place_parts(x, from, place)),
        NodeKind::Object(o) => o.iter_mut().for_each(|(k, v)| {
            if k.span.file == from {
                k.span = place(k.span);
            }
            place_parts(v, from, place);
        }),
        _ => {}
    }
}

/// Places the parts of `n` read from the decoded text of a JSON string (file `from`, of
/// `len` bytes) where they are written in `whole`, that string, through its `escapes`; what
/// spans all of the decoded text is the whole string.
fn place_through(
    n: &mut Node,
    from: FileId,
    len: usize,
    whole: Span,
    escapes: &mut json::Escapes<'_>,
) {
    place_parts(n, from, &mut |s| {
        if (s.start as usize, s.end as usize) == (0, len) {
            whole
        } else {
            escapes.span(whole.file, s.start as usize, s.end as usize)
        }
    });
}

/// Places every part of `n` that was read from `from` at `span`, without an exact mapping.
fn collapse_into(n: &mut Node, from: FileId, span: Span) {
    place_parts(n, from, &mut |_| span);
}

fn directive_span(d: &Directive) -> Option<Range<usize>> {
    match d {
        Directive::If(i) => i.span(),
        Directive::For(f) => f.span(),
    }
}

/// The (key, value) pairs a `for` or `for_each` iterates over: list indexes or map keys.
/// `None` when the value is not a collection.
pub fn collection_entries(coll: &Node) -> Option<Vec<(Node, Node)>> {
    match &coll.kind {
        NodeKind::Array(a) => Some(
            a.iter()
                .enumerate()
                .map(|(i, v)| (num_node(i as f64, v.span), v.clone()))
                .collect(),
        ),
        NodeKind::Object(o) => Some(
            o.iter()
                .map(|(k, v)| (str_node(k.name.clone(), k.span), v.clone()))
                .collect(),
        ),
        NodeKind::Null => Some(vec![]),
        _ => None,
    }
}

pub fn header(b: &Block, file: FileId) -> Span {
    super::modules::header_span(b, file)
}

fn display_in(addr: &str, what: &str) -> String {
    super::join(addr, what)
}

fn is_known_keys(v: &Node) -> bool {
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
fn has_expansion(block: &Block) -> bool {
    block
        .body
        .attributes()
        .any(|a| matches!(a.key.as_str(), "count" | "for_each"))
}

fn expansion_to_node(e: Expansion, span: Span) -> Node {
    match e {
        Expansion::Single => Node::new(NodeKind::Null, span),
        Expansion::Keys(ks) => obj(ks, span),
        Expansion::Unknown(u) => Node::unknown(u, span),
    }
}

fn node_to_expansion(n: &Node) -> Expansion {
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

/// Element `k` of `v`. As Terraform marks it, the element picked by a sensitive key is
/// sensitive.
fn index(v: &Node, k: &Node, span: Span) -> Node {
    let mut picked = index_unmarked(v, k, span);
    if k.any_sensitive() {
        picked.mark_sensitive();
    }
    picked
}

fn index_unmarked(v: &Node, k: &Node, span: Span) -> Node {
    if !is_known(k) {
        return combine_unknown(&[k], span);
    }
    match &v.kind {
        NodeKind::Array(a) => match as_f64(k) {
            Some(i) if i >= 0.0 && (i as usize) < a.len() => a[i as usize].clone(),
            _ => invalid("index out of range", span),
        },
        NodeKind::Object(_) => match as_text(k).and_then(|name| v.get(&name).cloned()) {
            Some(x) => x,
            None => invalid("no such key", span),
        },
        NodeKind::Unknown(_) => v.clone(),
        _ => invalid("cannot index this value", span),
    }
}

fn binary(op: BinaryOperator, l: &Node, r: &Node, span: Span) -> Node {
    use BinaryOperator as B;
    let b = |x: bool| Node::new(NodeKind::Bool(x), span);
    // whether a value is null is known when the value itself is there, whatever its parts
    if matches!(op, B::Eq | B::NotEq) {
        let null_and_other =
            |x: &Node, y: &Node| x.is_null() && !matches!(y.kind, NodeKind::Unknown(_));
        if null_and_other(l, r) || null_and_other(r, l) {
            let equal = l.is_null() && r.is_null();
            return b(if op == B::Eq { equal } else { !equal });
        }
    }
    if !is_known(l) || !is_known(r) {
        return combine_unknown(&[l, r], span);
    }
    match op {
        B::Eq => b(l.to_json() == r.to_json() || as_text(l) == as_text(r) && both_scalar(l, r)),
        B::NotEq => {
            b(!(l.to_json() == r.to_json() || as_text(l) == as_text(r) && both_scalar(l, r)))
        }
        B::And | B::Or => match (l.as_bool(), r.as_bool()) {
            (Some(x), Some(y)) => b(if op == B::And { x && y } else { x || y }),
            _ => invalid("&& and || need booleans", span),
        },
        _ => match (as_f64(l), as_f64(r)) {
            (Some(x), Some(y)) => match op {
                B::Plus => num_node(x + y, span),
                B::Minus => num_node(x - y, span),
                B::Mul => num_node(x * y, span),
                B::Div if y != 0.0 => num_node(x / y, span),
                B::Mod if y != 0.0 => num_node(x % y, span),
                B::Less => b(x < y),
                B::LessEq => b(x <= y),
                B::Greater => b(x > y),
                B::GreaterEq => b(x >= y),
                _ => invalid("division by zero", span),
            },
            _ => invalid("arithmetic needs numbers", span),
        },
    }
}

fn both_scalar(l: &Node, r: &Node) -> bool {
    let scalar = |n: &Node| {
        matches!(
            n.kind,
            NodeKind::String(_) | NodeKind::Number(_) | NodeKind::Bool(_)
        )
    };
    scalar(l) && scalar(r)
}

/// Fills the placeholders of a JSON view: strings holding one get the interpolated text, or
/// become unknown when a part is unknown.
fn fill_holes(node: &mut Node, values: &[(Range<usize>, Node)], src: &str) -> Option<()> {
    match &mut node.kind {
        NodeKind::String(s) if s.value.contains(MARK) => {
            let span = node.span;
            let inside: Vec<&(Range<usize>, Node)> = values
                .iter()
                .filter(|(r, _)| r.start >= span.start as usize && r.end <= span.end as usize)
                .collect();
            let mut out = String::new();
            let mut template = String::new();
            let mut unknown_parts: Vec<&Node> = vec![];
            let mut rest = s.value.as_str();
            let mut it = inside.iter();
            while let Some(p) = rest.find(MARK) {
                out.push_str(&rest[..p]);
                template.push_str(&rest[..p]);
                let (r, v) = it.next()?;
                let len = r.len();
                rest = rest.get(p + len..)?;
                match as_text(v).filter(|_| is_known(v)) {
                    Some(t) => {
                        out.push_str(&t);
                        template.push_str(&t);
                    }
                    None => {
                        template.push_str(src.get(r.clone()).unwrap_or("${...}"));
                        unknown_parts.push(v);
                    }
                }
            }
            out.push_str(rest);
            template.push_str(rest);
            if unknown_parts.is_empty() {
                *s = StrValue {
                    value: out.into(),
                    map: TextMap::Collapsed,
                };
            } else {
                let mut u = combine_unknown(&unknown_parts, span);
                if let NodeKind::Unknown(x) = &mut u.kind {
                    Arc::make_mut(x).template = Some(template);
                }
                *node = u;
            }
        }
        NodeKind::String(_) => {}
        NodeKind::Array(a) => {
            for x in a.iter_mut() {
                fill_holes(x, values, src)?;
            }
        }
        NodeKind::Object(o) => {
            for (k, v) in o.iter_mut() {
                if k.name.contains(MARK) {
                    return None;
                }
                fill_holes(v, values, src)?;
            }
        }
        _ => {}
    }
    Some(())
}
