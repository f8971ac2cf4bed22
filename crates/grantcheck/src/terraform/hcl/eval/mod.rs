//! The evaluator: expressions → [`Node`]s that keep spans, with unknowns that say why and which
//! resources they come from. Variables, locals, module outputs and resource attributes are
//! evaluated lazily and remembered; a value that depends on itself becomes unknown.
//!
//! This module holds the [`Evaluator`] itself: its state, the scope an expression is evaluated
//! in, the budget of nesting and value size, and memoization. Each concern of evaluation has
//! its own module:
//! - `expr`: expressions, operators, `for` expressions and traversals;
//! - `template`: strings, templates, directives, heredocs and JSON written in them;
//! - `offsets`: where the pieces of evaluated text are written, and the placing of spans;
//! - `modules`: variables, locals, outputs and module calls;
//! - `resources`: references to resources and data sources;
//! - `expansion`: `count` and `for_each`, and instance keys;
//! - `blocks`: block bodies as objects, with `dynamic` blocks;
//! - `nodes`: making and reading values (unknowns, strings, numbers, objects).

use crate::base::hash::{HashMap, HashSet};
use std::ops::Range;

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::Block;
use hcl_edit::template::Template;

use super::modules::Module;
use super::text;
use crate::base::source::{FileId, SourceFile, Span};
use crate::base::value::{Node, NodeKind};
use crate::model::Note;

mod blocks;
mod expansion;
mod expr;
mod modules;
mod nodes;
mod offsets;
mod resources;
mod template;

pub use expansion::{Expanded, Expansion, instance_key, instance_keys};
use nodes::invalid;
pub use nodes::{
    as_f64, collection_entries, combine_unknown, first_unknown, is_invalid, is_known, num_node,
    obj, refs_in, str_node, unknown,
};
pub use template::TplKind;

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

pub fn header(b: &Block, file: FileId) -> Span {
    super::modules::header_span(b, file)
}

fn display_in(addr: &str, what: &str) -> String {
    super::join(addr, what)
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

    fn root_dir(&self, inst: usize) -> String {
        let mut i = inst;
        while let Some(p) = self.instances[i].parent {
            i = p;
        }
        self.instances[i].root_dir.clone()
    }

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

/// Loading small configurations in the tests of the evaluator's modules.
#[cfg(test)]
pub(crate) mod testing {
    use crate::base::source::SourceFile;
    use crate::base::value::{Node, NodeKind};
    use crate::terraform::hcl::{HclOptions, HclSummary, load};

    /// A configuration of `files` (path, text), loaded with `opts`; file ids in order.
    pub fn load_with(files: &[(&str, &str)], opts: &HclOptions) -> HclSummary {
        let sources: Vec<SourceFile> = files
            .iter()
            .enumerate()
            .map(|(i, (path, text))| SourceFile::new(i as u32, *path, *text))
            .collect();
        load(&sources, opts)
    }

    pub fn load_files(files: &[(&str, &str)]) -> HclSummary {
        load_with(files, &HclOptions::default())
    }

    /// The attribute `attr` of the resource at `address`, in any root.
    pub fn attr(s: &HclSummary, address: &str, attr: &str) -> Node {
        let r = s
            .roots
            .iter()
            .flat_map(|r| &r.infra.resources)
            .find(|r| r.address == address)
            .unwrap_or_else(|| panic!("no resource {address}"));
        r.attr(attr)
            .unwrap_or_else(|| panic!("{address} has no {attr}"))
            .clone()
    }

    /// The addresses of the resources of all roots, in order.
    pub fn addresses(s: &HclSummary) -> Vec<String> {
        s.roots
            .iter()
            .flat_map(|r| &r.infra.resources)
            .map(|r| r.address.clone())
            .collect()
    }

    /// The text of `main.tf` with `v = expr` in a resource, before `rest`.
    pub fn with_value(expr: &str, rest: &str) -> String {
        format!("resource \"aws_iam_role\" \"t\" {{\n  v = {expr}\n}}\n{rest}")
    }

    /// The value of `expr` written in a resource of a one-file configuration, beside `rest`
    /// (variables, locals, other resources), and the text of that file.
    pub fn value_and_text(expr: &str, rest: &str) -> (Node, String) {
        let text = with_value(expr, rest);
        let v = attr(&load_files(&[("main.tf", &text)]), "aws_iam_role.t", "v");
        (v, text)
    }

    /// The value of `expr` written in a resource of a one-file configuration, beside `rest`.
    pub fn value_in(expr: &str, rest: &str) -> Node {
        value_and_text(expr, rest).0
    }

    /// The value of `expr` written in a resource.
    pub fn value(expr: &str) -> Node {
        value_in(expr, "")
    }

    /// The value as JSON (unknown parts as null), to compare whole values.
    pub fn json(n: &Node) -> serde_json::Value {
        n.to_json()
    }

    /// The origin of an unknown value.
    pub fn origin(n: &Node) -> String {
        match &n.kind {
            NodeKind::Unknown(u) => u.origin_text().to_string(),
            _ => panic!("not unknown: {:?}", n.to_json()),
        }
    }

    /// The text a span covers.
    pub fn spanned<'t>(text: &'t str, n: &Node) -> &'t str {
        &text[n.span.start as usize..n.span.end as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use crate::base::value::NodeKind;

    #[test]
    fn a_value_that_depends_on_itself_is_unknown_and_an_error() {
        let text = with_value(
            "local.a",
            "locals {\n  a = \"x-${local.b}\"\n  b = local.a\n}\n",
        );
        let s = load_files(&[("main.tf", &text)]);
        let v = attr(&s, "aws_iam_role.t", "v");
        assert!(origin(&v).contains("depends on itself"), "{}", origin(&v));
        assert_eq!(s.errors.len(), 1);
        assert!(
            s.errors[0]
                .message
                .contains("depends on itself (a cycle; Terraform refuses this)"),
            "{}",
            s.errors[0].message
        );
    }

    #[test]
    fn a_remembered_unknown_is_placed_where_it_is_used() {
        let text = "resource \"aws_iam_role\" \"t\" {\n  v = local.x\n  w = local.x\n}\nlocals {\n  x = var.missing\n}\nvariable \"missing\" {}\n";
        let s = load_files(&[("main.tf", text)]);
        let (v, w) = (
            attr(&s, "aws_iam_role.t", "v"),
            attr(&s, "aws_iam_role.t", "w"),
        );
        assert_eq!(spanned(text, &v), "local.x");
        assert_eq!(spanned(text, &w), "local.x");
        assert!(v.span.start < w.span.start);
        assert_eq!(origin(&v), origin(&w));
    }

    #[test]
    fn a_value_over_the_size_limit_is_refused_with_an_input_error() {
        // each local doubles the last: 2^23 bytes, over 4 MB
        let mut locals = String::from("locals {\n  l0 = \"x\"\n");
        for i in 1..=23 {
            locals.push_str(&format!(
                "  l{i} = \"${{local.l{}}}${{local.l{}}}\"\n",
                i - 1,
                i - 1
            ));
        }
        locals.push_str("}\n");
        let text = with_value("local.l23", &locals);
        let s = load_files(&[("main.tf", &text)]);
        let v = attr(&s, "aws_iam_role.t", "v");
        assert!(origin(&v).starts_with("invalid: "), "{}", origin(&v));
        assert!(
            s.errors
                .iter()
                .any(|e| e.message.contains("this expression's value is over 4 MB")),
            "{:?}",
            s.errors.iter().map(|e| &e.message).collect::<Vec<_>>()
        );
    }

    #[test]
    fn an_expression_nested_too_deeply_is_not_evaluated() {
        // each local refers to the one before: every reference nests an evaluation
        let chain = |n: usize| {
            let mut locals = String::from("locals {\n  l0 = 1\n");
            for i in 1..n {
                locals.push_str(&format!("  l{i} = local.l{}\n", i - 1));
            }
            locals + "}\n"
        };
        let deep = value_in("local.l199", &chain(200));
        assert_eq!(origin(&deep), "invalid: the expression nests too deeply");
        let shallow = value_in("local.l9", &chain(10));
        assert!(matches!(shallow.kind, NodeKind::Number(_)));
    }
}
