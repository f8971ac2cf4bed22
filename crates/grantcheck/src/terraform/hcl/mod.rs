//! Terraform configurations (`.tf`, `.tf.json`, `.tfvars`) → [`Infrastructure`], in the same shape the plan
//! loader gives, so that analysis and rules work on either.
//!
//! hcl-edit parses the files with spans. The evaluator ([`eval`]) keeps every value as a
//! [`Node`](crate::base::value::Node) with the span it is written at; values that are only known after
//! apply are unknowns with the references they come from. Local modules are followed with their
//! input variables; remote modules are noted, never fetched.

pub mod eval;
pub mod funcs;
pub mod iam_policy_document;
pub mod json_config;
pub mod modules;
pub mod text;
pub mod types;

use crate::base::hash::HashMap;

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::Body;

use crate::base::json::{self, Placement};
use crate::base::source::{FileId, SourceFile, Span};
use crate::base::value::{Node, NodeKind, TextMap};
use crate::model::{AccountHint, Action, Infrastructure, Mode, Note, Provider, Resource};
use crate::terraform::is_modelled;
use eval::{Evaluator, Instance, Scope, is_known};
use modules::{Module, SyntaxError, header_span, is_local_source, parse_file};
use text::{as_text, dir_of};

/// Variable values given on the command line.
#[derive(Clone, Debug, Default)]
pub struct HclOptions {
    /// Paths of `--var-file` files (their texts are among the sources).
    pub var_files: Vec<String>,
    /// `--var NAME=VALUE`, in order.
    pub vars: Vec<(String, String)>,
}

/// A file that could not be read, with the place and what to do.
#[derive(Clone, Debug)]
pub struct HclError {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

/// A root module and what was read through it (its own resources, those of the modules it
/// calls, its providers and the notes about them): each root is a configuration of its own.
#[derive(Clone, Debug, Default)]
pub struct Root {
    /// The root module's directory.
    pub dir: String,
    pub infra: Infrastructure,
}

#[derive(Clone, Debug, Default)]
pub struct HclSummary {
    /// The root modules, in the order of their directories.
    pub roots: Vec<Root>,
    pub resources: usize,
    pub errors: Vec<HclError>,
    /// Where the values of variables declared sensitive are written (variable files,
    /// defaults): never printed.
    pub sensitive: Vec<Span>,
}

/// What a note says of a variable without a value, after its name.
pub const NO_VALUE: &str = "has no value (give it with --var or a .tfvars file)";

/// Configuration files, by name.
pub fn is_config_path(path: &str) -> bool {
    let l = path.to_ascii_lowercase();
    l.ends_with(".tf") || l.ends_with(".tf.json") || is_vars_path(path)
}

pub fn is_vars_path(path: &str) -> bool {
    let l = path.to_ascii_lowercase();
    l.ends_with(".tfvars") || l.ends_with(".tfvars.json")
}

/// Whether `path` is a configuration file by its name, or one of the `--var-file` files
/// `var_files`, which Terraform reads whatever their name.
pub fn is_config_source(path: &str, var_files: &[String]) -> bool {
    is_config_path(path) || is_var_file(path, var_files)
}

/// Whether `path` is one of the `--var-file` files `var_files`.
fn is_var_file(path: &str, var_files: &[String]) -> bool {
    !var_files.is_empty() && {
        let p = text::normalize(path);
        var_files.iter().any(|v| text::normalize(v) == p)
    }
}

/// How a file of variable values is read: `None` for one that is not, `Some(true)` for JSON.
/// As `terraform plan -var-file=FILE` does, a `--var-file` of any name is JSON when its name
/// ends in `.json` and HCL otherwise.
fn vars_syntax(path: &str, var_files: &[String]) -> Option<bool> {
    let lower = path.to_ascii_lowercase();
    if is_var_file(path, var_files) {
        Some(lower.ends_with(".json"))
    } else if is_vars_path(path) {
        Some(lower.ends_with(".tfvars.json"))
    } else {
        None
    }
}

/// A file beside configuration files that is not a plan: read by `file()` or `templatefile()`,
/// never checked on its own.
pub fn is_read_by_config(path: &str, text: &str, config_dirs: &[String]) -> bool {
    if config_dirs.is_empty() || is_config_path(path) {
        return false;
    }
    let dir = dir_of(path);
    let under = config_dirs
        .iter()
        .any(|d| dir == *d || d == "." || dir.starts_with(&format!("{d}/")));
    under && !text.contains("\"format_version\"")
}

pub(crate) fn join(module: &str, rest: &str) -> String {
    if module.is_empty() {
        rest.to_string()
    } else {
        text::concat(&[module, ".", rest])
    }
}

/// Files in HCL syntax: `.tf` and `.tfvars`.
fn is_hcl_path(path: &str) -> bool {
    let l = path.to_ascii_lowercase();
    l.ends_with(".tf") || l.ends_with(".tfvars")
}

type Parsed = (Option<Body>, Vec<SyntaxError>);

/// Parses HCL texts (on several threads with the `parallel` feature); the results are in the
/// order of `texts`.
fn parse_all(texts: &[(FileId, &str)]) -> Vec<Parsed> {
    crate::base::par::map(texts, |(id, text)| parse_file(*id, text))
}

/// Loads the configuration files among `sources` (the others may be read by `file()`): one
/// [`Root`] per root module, with the modules it calls.
pub fn load(sources: &[SourceFile], opts: &HclOptions) -> HclSummary {
    let mut summary = HclSummary::default();
    let var_files: Vec<String> = opts.var_files.iter().map(|p| text::normalize(p)).collect();
    let mut bodies: Vec<(FileId, String, Body)> = vec![];
    let mut vars_bodies: Vec<(&SourceFile, Option<Body>)> = vec![];
    // `.tf.json` files: the same-length HCL text their spans point into, and the strings
    // evaluated from their decoded text
    let mut json_texts: Vec<(FileId, String, json_config::Replaced)> = vec![];
    // HCL files are parsed first, all at once (on several threads with the `parallel`
    // feature), then taken in the order of `sources` like the others.
    let hcl_texts: Vec<(FileId, &str)> = sources
        .iter()
        .filter(|s| match vars_syntax(&s.path, &opts.var_files) {
            Some(json) => !json,
            None => is_hcl_path(&s.path),
        })
        .map(|s| (s.id, s.text.as_str()))
        .collect();
    let mut parsed = parse_all(&hcl_texts).into_iter();
    for src in sources {
        if !is_config_source(&src.path, &opts.var_files) {
            continue;
        }
        let lower = src.path.to_ascii_lowercase();
        let vars = vars_syntax(&src.path, &opts.var_files);
        if vars == Some(true) {
            // read again by root_variables; a file that cannot be read is never skipped silently
            if let Err(e) = json::parse(&src.text, Placement::exact(src.id, 0, src.text.len())) {
                summary.errors.push(HclError {
                    file: src.id,
                    span: e.span,
                    message: format!("{}; its variable values are not read", e.message),
                });
                continue;
            }
            vars_bodies.push((src, None));
            continue;
        }
        if lower.ends_with(".tf.json") {
            match json_config::read(src) {
                Ok(cfg) => {
                    for e in cfg.errors {
                        summary.errors.push(HclError {
                            file: src.id,
                            span: e.span,
                            message: e.message,
                        });
                    }
                    bodies.push((src.id, dir_of(&src.path), cfg.body));
                    json_texts.push((src.id, cfg.shadow, cfg.strings));
                }
                Err(e) => summary.errors.push(HclError {
                    file: src.id,
                    span: e.span,
                    message: e.message,
                }),
            }
            continue;
        }
        let Some((body, errors)) = parsed.next() else {
            continue;
        };
        for e in errors {
            summary.errors.push(HclError {
                file: src.id,
                span: e.span,
                message: e.message,
            });
        }
        let Some(body) = body else { continue };
        if vars.is_some() {
            vars_bodies.push((src, Some(body)));
        } else {
            bodies.push((src.id, dir_of(&src.path), body));
        }
    }

    // modules by directory
    let mut modules: Vec<Module<'_>> = vec![];
    let mut by_dir: HashMap<String, usize> = HashMap::default();
    // override files are merged after all the others, in the order of their names
    let path_of = |id: FileId| {
        sources
            .iter()
            .find(|s| s.id == id)
            .map_or("", |s| s.path.as_str())
    };
    let mut overrides: Vec<(&str, FileId, &String, &Body)> = vec![];
    for (file, dir, body) in &bodies {
        let ix = *by_dir.entry(dir.clone()).or_insert_with(|| {
            modules.push(Module {
                dir: dir.clone(),
                ..Module::default()
            });
            modules.len() - 1
        });
        let path = path_of(*file);
        if modules::is_override_path(path) {
            overrides.push((path, *file, dir, body));
        } else {
            modules[ix].add_body(body, *file);
        }
    }
    overrides.sort_by(|a, b| a.0.cmp(b.0));
    for (_, file, dir, body) in overrides {
        if let Some(&ix) = by_dir.get(dir) {
            modules[ix].add_override(body, file);
        }
    }
    for m in &mut modules {
        for (span, message) in std::mem::take(&mut m.errors) {
            summary.errors.push(HclError {
                file: span.file,
                span,
                message,
            });
        }
    }
    let manifests = Manifests::read(sources);
    let mut call_notes = vec![];
    for (mi, module) in modules.iter_mut().enumerate() {
        let dir = module.dir.clone();
        for c in module.calls.iter_mut() {
            let span = header_span(c.block, c.file);
            let name = c.name;
            let downloaded = c
                .source
                .filter(|s| !is_local_source(s))
                .and_then(|_| manifests.dir_of_call(&dir, name));
            if let Some(child) = downloaded.as_deref().and_then(|d| by_dir.get(d)) {
                c.child = Some(*child);
                continue;
            }
            match c.source {
                Some(s) if is_local_source(s) => {
                    let child_dir = text::join(&dir, s);
                    match by_dir.get(&child_dir) {
                        Some(&child) if child != mi => c.child = Some(child),
                        Some(_) => summary.errors.push(HclError {
                            file: span.file,
                            span,
                            message: format!(
                                "module.{name}: its source {s} is the directory of the module that calls it; a module cannot call itself (Terraform refuses this); point source at the child module's directory"
                            ),
                        }),
                        None => call_notes.push((
                            mi,
                            format!("module.{name}"),
                            format!(
                                "its source {s} is the directory {child_dir}, which is not among the files read, so its resources are not checked; give its files too (the command line reads it when it exists)"
                            ),
                            span,
                        )),
                    }
                }
                Some(s) => call_notes.push((
                    mi,
                    format!("module.{name}"),
                    format!(
                        "the remote module {s} was not downloaded, so its resources are not checked; run `terraform init` in the root module's directory and check again (grantcheck reads .terraform/modules/modules.json, never the network)"
                    ),
                    span,
                )),
                None => call_notes.push((
                    mi,
                    format!("module.{name}"),
                    "its source is not a literal string, so it is not followed".to_string(),
                    span,
                )),
            }
        }
    }
    break_module_cycles(&mut modules, &mut summary);

    let mut texts: HashMap<FileId, &str> = HashMap::default();
    let mut files: HashMap<String, &SourceFile> = HashMap::default();
    for s in sources {
        texts.insert(s.id, s.text.as_str());
        files.insert(text::normalize(&s.path), s);
    }
    let mut roots: Vec<usize> = (0..modules.len())
        .filter(|&m| !modules[m].is_child)
        .collect();
    if roots.is_empty() && !modules.is_empty() {
        roots.push(0);
    }
    for (id, shadow, _) in &json_texts {
        texts.insert(*id, shadow.as_str());
    }
    let mut ev = Evaluator::new(modules, texts, files);
    for (id, _, strings) in &json_texts {
        let written = sources
            .iter()
            .find(|s| s.id == *id)
            .map_or("", |s| s.text.as_str());
        ev.add_json_strings(*id, written, strings);
    }
    module_sensitive_spans(&ev, &mut summary.sensitive);
    // module instances checked, over every root: the bound holds for the run
    let mut visited = 0;
    for m in roots {
        let dir = ev.modules[m].dir.clone();
        let root_vars = root_variables(&mut ev, m, &dir, &vars_bodies, &var_files, opts);
        root_sensitive_spans(&ev, m, &root_vars, opts, &mut summary.sensitive);
        let id = ev.instances.len();
        let mut infra = Infrastructure::default();
        infra.uncalled_module = uncalled_module(&ev.modules[m], &root_vars);
        ev.instances.push(Instance {
            module: m,
            path: String::new(),
            addr: String::new(),
            parent: None,
            call: None,
            bind: vec![],
            root_vars,
            root_dir: dir,
        });
        visit(&mut ev, id, &mut infra, &mut summary, 0, &mut visited);
        // the notes about module calls of the modules this root reaches
        // (by the module path of each instance that reaches them, its keys left out: one
        // note for a module called with count or for_each)
        let mut reached: Vec<(usize, &str)> = ev.instances[id..]
            .iter()
            .map(|i| (i.module, i.path.as_str()))
            .collect();
        reached.sort_unstable();
        reached.dedup();
        for (caller, resource, message, span) in &call_notes {
            for (_, path) in reached.iter().filter(|(m, _)| m == caller) {
                infra.notes.push(Note {
                    message: message.clone(),
                    span: *span,
                    resource: join(path, resource),
                });
            }
        }
        infra.notes.append(&mut ev.notes);
        summary.roots.push(Root {
            dir: ev.modules[m].dir.clone(),
            infra,
        });
    }
    if let Some(first) = summary.roots.first_mut() {
        first.infra.notes.append(&mut ev.notes);
    }
    summary.errors.append(&mut ev.errors);
    drop(ev);
    // (the syntax trees of the files, freed on several threads with the `parallel` feature)
    crate::base::par::drop_all(bodies);
    summary
}

/// A root that looks like a module meant to be called (no provider configuration, no variable
/// values given) and has variables without a value.
fn uncalled_module(
    m: &modules::Module<'_>,
    given: &HashMap<String, Node>,
) -> Option<crate::model::UncalledModule> {
    if !m.providers.is_empty() || !given.is_empty() {
        return None;
    }
    let mut unset: Vec<(&str, Span)> = m
        .variables
        .iter()
        .filter(|(name, _)| m.var_attr(name, "default").is_none())
        .map(|(name, (b, file))| (*name, modules::header_span(b, *file)))
        .collect();
    unset.sort_by_key(|(_, span)| (span.file, span.start));
    let span = unset.first()?.1;
    let mut names: Vec<String> = unset.into_iter().map(|(n, _)| n.to_string()).collect();
    names.sort();
    Some(crate::model::UncalledModule {
        dir: m.dir.clone(),
        unset: names,
        span,
    })
}

/// The modules `terraform init` downloaded, as each root module's
/// `.terraform/modules/modules.json` lists them: a module call's key (`lambda`,
/// `lambda.sub`, the call names from the root) and the directory it was put in.
#[derive(Default)]
struct Manifests {
    /// Per root directory: (key → directory, directory → key).
    roots: Vec<(String, KeyDirs, KeyDirs)>,
}

/// Module keys to directories, or directories to keys.
type KeyDirs = HashMap<String, String>;

impl Manifests {
    const PATH: &'static str = ".terraform/modules/modules.json";

    fn read(sources: &[SourceFile]) -> Manifests {
        let mut out = Manifests::default();
        for src in sources {
            let path = text::normalize(&src.path);
            let root = if path == Self::PATH {
                ".".to_string()
            } else if let Some(r) = path.strip_suffix(&format!("/{}", Self::PATH)) {
                r.to_string()
            } else {
                continue;
            };
            let Ok(n) = json::parse(&src.text, Placement::exact(src.id, 0, src.text.len())) else {
                continue;
            };
            let mut by_key = HashMap::default();
            let mut by_dir = HashMap::default();
            let list = n
                .as_object()
                .and_then(|o| o.iter().find(|(k, _)| k.name == "Modules"))
                .and_then(|(_, v)| v.as_array());
            for m in list.unwrap_or_default() {
                let field = |name: &str| {
                    m.as_object()
                        .and_then(|o| o.iter().find(|(k, _)| k.name == name))
                        .and_then(|(_, v)| v.as_str())
                };
                let (Some(key), Some(dir)) = (field("Key"), field("Dir")) else {
                    continue;
                };
                let dir = text::join(&root, dir);
                by_dir.insert(dir.clone(), key.to_string());
                by_key.insert(key.to_string(), dir);
            }
            by_dir.insert(root.clone(), String::new());
            out.roots.push((root, by_key, by_dir));
        }
        out
    }

    /// The directory the module call `name` in the module at `caller_dir` was downloaded to.
    fn dir_of_call(&self, caller_dir: &str, name: &str) -> Option<String> {
        self.roots.iter().find_map(|(_, by_key, by_dir)| {
            let parent = by_dir.get(caller_dir)?;
            let key = if parent.is_empty() {
                name.to_string()
            } else {
                text::concat(&[parent, ".", name])
            };
            by_key.get(&key).cloned()
        })
    }
}

/// Finds calls that lead back to a module already on the way (a module cycle, which Terraform
/// refuses), reports each and does not follow it; then marks the modules that are called.
fn break_module_cycles(modules: &mut [Module<'_>], summary: &mut HclSummary) {
    const UNSEEN: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![UNSEEN; modules.len()];
    // Depth-first without recursion: (module, next call to look at).
    for start in 0..modules.len() {
        if state[start] != UNSEEN {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state[start] = ON_PATH;
        while let Some(&(m, next)) = stack.last() {
            let Some(call) = modules[m].calls.get(next) else {
                state[m] = DONE;
                stack.pop();
                continue;
            };
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            let Some(child) = call.child else { continue };
            match state[child] {
                UNSEEN => {
                    state[child] = ON_PATH;
                    stack.push((child, 0));
                }
                ON_PATH => {
                    let span = header_span(call.block, call.file);
                    let path: Vec<&str> = stack
                        .iter()
                        .skip_while(|(x, _)| *x != child)
                        .map(|(x, _)| modules[*x].dir.as_str())
                        .chain(std::iter::once(modules[child].dir.as_str()))
                        .collect();
                    summary.errors.push(HclError {
                        file: span.file,
                        span,
                        message: format!(
                            "module.{}: the modules call each other in a cycle ({}); Terraform refuses this; break the cycle",
                            call.name,
                            path.join(" -> ")
                        ),
                    });
                    if let Some(c) = modules[m].calls.get_mut(next) {
                        c.child = None;
                    }
                }
                _ => {}
            }
        }
    }
    for m in 0..modules.len() {
        for c in 0..modules[m].calls.len() {
            if let Some(child) = modules[m].calls[c].child {
                modules[child].is_child = true;
            }
        }
    }
}

/// Where the values of the root module's variables declared sensitive are written in a
/// variable file (a `--var` value is in no file).
fn root_sensitive_spans(
    ev: &Evaluator<'_>,
    module: usize,
    root_vars: &HashMap<String, Node>,
    opts: &HclOptions,
    out: &mut Vec<Span>,
) {
    let m = &ev.modules[module];
    for name in m.variables.keys() {
        if m.declares_sensitive(name)
            && let Some(v) = root_vars.get(*name)
            && !opts.vars.iter().any(|(n, _)| n == name)
        {
            out.push(v.span);
        }
    }
}

/// Where any module writes the value of a variable declared sensitive: its default, and the
/// argument a `module` block gives it.
fn module_sensitive_spans(ev: &Evaluator<'_>, out: &mut Vec<Span>) {
    for m in &ev.modules {
        for name in m.variables.keys() {
            if m.declares_sensitive(name)
                && let Some((d, file)) = m.var_attr(name, "default")
            {
                out.push(ev.span(file, d.value.span()));
            }
        }
        for call in &m.calls {
            let Some(child) = call.child.and_then(|c| ev.modules.get(c)) else {
                continue;
            };
            for (a, file) in call.attrs() {
                if child.declares_sensitive(a.key.as_str()) {
                    out.push(ev.span(file, a.value.span()));
                }
            }
        }
    }
}

/// Values of the root module's variables: `terraform.tfvars`, `*.auto.tfvars`, `--var-file`,
/// `--var`, later ones winning.
fn root_variables(
    ev: &mut Evaluator<'_>,
    module: usize,
    dir: &str,
    vars_bodies: &[(&SourceFile, Option<Body>)],
    var_files: &[String],
    opts: &HclOptions,
) -> HashMap<String, Node> {
    let mut out = HashMap::default();
    let rank = |f: &SourceFile| -> Option<(usize, String)> {
        let p = text::normalize(&f.path);
        if let Some(i) = var_files.iter().position(|v| *v == p) {
            return Some((3 + i, p));
        }
        if dir_of(&p) != dir {
            return None;
        }
        let name = p.rsplit('/').next().unwrap_or(&p).to_string();
        match name.as_str() {
            "terraform.tfvars" => Some((0, p)),
            "terraform.tfvars.json" => Some((1, p)),
            n if n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json") => Some((2, p)),
            _ => None,
        }
    };
    let mut chosen: Vec<(usize, String, &SourceFile, Option<&Body>)> = vars_bodies
        .iter()
        .filter_map(|(f, b)| rank(f).map(|(r, p)| (r, p, *f, b.as_ref())))
        .collect();
    chosen.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    for (_, _, f, body) in chosen {
        match body {
            Some(b) => {
                let sc = Scope {
                    inst: usize::MAX,
                    file: f.id,
                    bind: vec![],
                };
                for a in b.attributes() {
                    let v = constant(ev, &sc, &a.value);
                    out.insert(a.key.as_str().to_string(), v);
                }
            }
            None => {
                if let Ok(n) = json::parse(&f.text, Placement::exact(f.id, 0, f.text.len()))
                    && let NodeKind::Object(members) = n.kind
                {
                    for (k, v) in members {
                        out.insert(k.name.into_string(), v);
                    }
                }
            }
        }
    }
    for (name, raw) in &opts.vars {
        let span = ev.modules[module]
            .variables
            .get(name.as_str())
            .map(|(b, f)| header_span(b, *f))
            .unwrap_or_default();
        let t = raw.trim_start();
        let parsed = if t.starts_with('[') || t.starts_with('{') || t.starts_with('"') {
            hcl_edit::parser::parse_expr(raw).ok()
        } else {
            None
        };
        let v = match parsed {
            Some(e) => {
                let sc = Scope {
                    inst: usize::MAX,
                    file: span.file,
                    bind: vec![],
                };
                let mut v = constant(ev, &sc, &e);
                respan(&mut v, span);
                v
            }
            None => Node::string(raw.clone(), span, TextMap::Collapsed),
        };
        out.insert(name.clone(), v);
    }
    out
}

/// Evaluates a literal value (tfvars): references are not allowed there.
fn constant(ev: &mut Evaluator<'_>, sc: &Scope, e: &Expression) -> Node {
    match e {
        Expression::Traversal(_) | Expression::Variable(_) | Expression::FuncCall(_) => {
            eval::unknown(
                "variable files hold literal values only",
                vec![],
                ev.span(sc.file, e.span()),
            )
        }
        Expression::Array(a) => {
            let items = a.iter().map(|x| constant(ev, sc, x)).collect();
            Node::new(NodeKind::Array(items), ev.span(sc.file, e.span()))
        }
        Expression::Object(o) => {
            let mut members = vec![];
            for (k, v) in o.iter() {
                let name = match k {
                    ObjectKey::Ident(i) => i.as_str().to_string(),
                    ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                    ObjectKey::Expression(x) => ev
                        .texts
                        .get(&sc.file)
                        .and_then(|t| x.span().and_then(|r| t.get(r)))
                        .unwrap_or("")
                        .to_string(),
                };
                let kspan = match k {
                    ObjectKey::Ident(i) => ev.span(sc.file, i.span()),
                    ObjectKey::Expression(x) => ev.span(sc.file, x.span()),
                };
                members.push((
                    crate::base::value::Key {
                        name: name.into(),
                        span: kspan,
                    },
                    constant(ev, sc, v.expr()),
                ));
            }
            Node::new(NodeKind::Object(members), ev.span(sc.file, e.span()))
        }
        Expression::Null(_)
        | Expression::Bool(_)
        | Expression::Number(_)
        | Expression::String(_) => {
            // safe: these never look at the instance
            literal(ev, sc, e)
        }
        _ => eval::unknown(
            "variable files hold literal values only",
            vec![],
            ev.span(sc.file, e.span()),
        ),
    }
}

fn literal(ev: &Evaluator<'_>, sc: &Scope, e: &Expression) -> Node {
    let span = ev.span(sc.file, e.span());
    match e {
        Expression::Bool(b) => Node::new(NodeKind::Bool(*b.value()), span),
        Expression::Number(n) => Node::new(NodeKind::Number(n.value().to_string().into()), span),
        Expression::String(s) => Node::string(s.value().to_string(), span, TextMap::Collapsed),
        _ => Node::new(NodeKind::Null, span),
    }
}

fn respan(n: &mut Node, span: Span) {
    n.span = span;
    match &mut n.kind {
        NodeKind::Array(a) => a.iter_mut().for_each(|x| respan(x, span)),
        NodeKind::Object(o) => o.iter_mut().for_each(|(k, v)| {
            k.span = span;
            respan(v, span);
        }),
        _ => {}
    }
}

/// Loads one module instance: its providers, its resources, then its child modules.
/// How deep module calls are followed, and how many module instances are made in all.
const MAX_MODULE_DEPTH: usize = 32;
const MAX_MODULE_INSTANCES: usize = 10_000;

fn visit(
    ev: &mut Evaluator<'_>,
    inst: usize,
    infra: &mut Infrastructure,
    summary: &mut HclSummary,
    depth: usize,
    visited: &mut usize,
) {
    let too_deep = depth > MAX_MODULE_DEPTH;
    let too_many = *visited >= MAX_MODULE_INSTANCES;
    if too_deep || too_many {
        let (file, span) = match (ev.instances[inst].parent, ev.instances[inst].call) {
            (Some(p), Some(c)) => {
                let call = &ev.modules[ev.instances[p].module].calls[c];
                (call.file, header_span(call.block, call.file))
            }
            _ => (0, Span::default()),
        };
        let addr = &ev.instances[inst].addr;
        let (key, message) = if too_deep {
            (
                format!("deep:{addr}"),
                format!(
                    "{addr} is not checked: modules nest deeper than {MAX_MODULE_DEPTH} levels here (the modules above it are checked)"
                ),
            )
        } else {
            (
                "many".to_string(),
                format!(
                    "{addr} and the module instances after it are not checked: the configuration expands to more than {MAX_MODULE_INSTANCES} module instances, and the first {MAX_MODULE_INSTANCES} are checked"
                ),
            )
        };
        if ev.noted_once(key) {
            summary.errors.push(HclError {
                file,
                span,
                message,
            });
        }
        return;
    }
    *visited += 1;
    load_providers(ev, inst, infra);
    let m = ev.instances[inst].module;
    for rix in 0..ev.modules[m].resources.len() {
        load_resource(ev, inst, rix, infra, summary);
    }
    for call in 0..ev.modules[m].calls.len() {
        for (_, child) in ev.children(inst, call) {
            visit(ev, child, infra, summary, depth + 1, visited);
        }
    }
}

fn provider_key_in(path: &str, local: &str) -> String {
    if path.is_empty() {
        local.to_string()
    } else {
        text::concat(&[path, ":", local])
    }
}

fn load_providers(ev: &mut Evaluator<'_>, inst: usize, infra: &mut Infrastructure) {
    let m = ev.instances[inst].module;
    let path = ev.instances[inst].path.clone();
    let blocks = ev.modules[m].providers.clone();
    for (b, file) in blocks {
        if b.labels.first().map(|l| l.as_str()) != Some("aws") {
            continue;
        }
        let sc = Scope {
            inst,
            file,
            bind: vec![],
        };
        let alias = b
            .body
            .get_attribute("alias")
            .map(|a| ev.eval(&sc, &a.value))
            .and_then(|v| v.as_str().map(String::from));
        let local = match alias {
            Some(a) => text::concat(&["aws.", &a]),
            None => "aws".to_string(),
        };
        let key = provider_key_in(&path, &local);
        if infra.providers.contains_key(&key) {
            continue;
        }
        let mut prov = Provider {
            key: key.clone(),
            span: Some(header_span(b, file)),
            ..Provider::default()
        };
        if let Some(a) = b.body.get_attribute("allowed_account_ids") {
            let v = ev.eval(&sc, &a.value);
            for item in v.items() {
                if let Some(t) = as_text(item).filter(|_| is_known(item) && !item.is_null()) {
                    let t = if t.chars().all(|c| c.is_ascii_digit()) && t.len() < 12 {
                        format!("{t:0>12}")
                    } else {
                        t
                    };
                    prov.allowed_account_ids.push(t);
                }
            }
        }
        if let Some(a) = b.body.get_attribute("region") {
            let v = ev.eval(&sc, &a.value);
            prov.region = v.as_str().map(String::from);
            prov.region_sensitive = v.sensitive;
        }
        for a in &prov.allowed_account_ids {
            infra.account_hints.push(AccountHint {
                account: a.clone(),
                provider_key: Some(key.clone()),
                source: format!("allowed_account_ids of provider {key}"),
            });
        }
        // the role the provider assumes is in the account it works in
        for ar in b
            .body
            .blocks()
            .filter(|x| x.ident.as_str() == "assume_role")
        {
            let Some(a) = ar.body.get_attribute("role_arn") else {
                continue;
            };
            let v = ev.eval(&sc, &a.value);
            if let Some(account) = v
                .as_str()
                .and_then(|t| crate::policy::parse_arn(t).and_then(|x| x.account_ok()))
            {
                infra.account_hints.push(AccountHint {
                    account,
                    provider_key: Some(key.clone()),
                    source: format!("assume_role.role_arn of provider {key}"),
                });
            }
        }
        infra.providers.insert(key, prov);
    }
}

/// The provider configuration key a resource uses, following `providers` maps of module calls.
fn resolve_provider(ev: &Evaluator<'_>, inst: usize, local: &str, depth: usize) -> String {
    let i = &ev.instances[inst];
    let m = &ev.modules[i.module];
    let has_block = m.providers.iter().any(|(b, _)| {
        b.labels.first().map(|l| l.as_str()) == Some("aws") && {
            let alias = b.body.get_attribute("alias").and_then(|a| match &a.value {
                Expression::String(s) => Some(s.value().to_string()),
                _ => None,
            });
            match alias {
                Some(a) => local.strip_prefix("aws.") == Some(a.as_str()),
                None => local == "aws",
            }
        }
    });
    if has_block || depth > 32 {
        return provider_key_in(&i.path, local);
    }
    let (Some(parent), Some(call)) = (i.parent, i.call) else {
        return local.to_string();
    };
    let pm = ev.instances[parent].module;
    let c = &ev.modules[pm].calls[call];
    let text = ev.texts.get(&c.file).copied().unwrap_or("");
    let mut mapped = local.to_string();
    if let Some(a) = c.body_attr("providers")
        && let Expression::Object(o) = &a.value
    {
        for (k, v) in o.iter() {
            let key_text = match k {
                ObjectKey::Ident(id) => id.as_str().to_string(),
                ObjectKey::Expression(x) => x
                    .span()
                    .and_then(|r| text.get(r))
                    .unwrap_or("")
                    .trim()
                    .to_string(),
            };
            if key_text == local {
                mapped = v
                    .expr()
                    .span()
                    .and_then(|r| text.get(r))
                    .unwrap_or(local)
                    .trim()
                    .trim_matches('"')
                    .to_string();
            }
        }
    }
    resolve_provider(ev, parent, &mapped, depth + 1)
}

impl modules::CallCfg<'_> {
    fn body_attr(&self, name: &str) -> Option<&hcl_edit::structure::Attribute> {
        self.block.body.get_attribute(name)
    }
}

fn load_resource(
    ev: &mut Evaluator<'_>,
    inst: usize,
    rix: usize,
    infra: &mut Infrastructure,
    summary: &mut HclSummary,
) {
    let m = ev.instances[inst].module;
    let (data, rtype, name, block, file, overrides) = {
        let r = &ev.modules[m].resources[rix];
        (
            r.data,
            r.rtype,
            r.name,
            r.block,
            r.file,
            r.overrides.clone(),
        )
    };
    let provider_attr = ev.modules[m].resources[rix].attr("provider");
    let modelled = is_modelled(data, rtype);
    let expansion = ev.expand_resource(inst, rix);
    if !data {
        summary.resources += match &expansion {
            eval::Expansion::Keys(k) => k.len(),
            eval::Expansion::Single | eval::Expansion::Unknown(_) => 1,
        };
    }
    if !modelled {
        return;
    }
    if let eval::Expansion::Unknown(u) = &expansion
        && !data
        // (one derived from a sensitive value is an input error already)
        && !u.origin_text().ends_with("derived from a sensitive value")
    {
        let what = if block.body.get_attribute("for_each").is_some() {
            "for_each"
        } else {
            "count"
        };
        infra.notes.push(Note {
            message: format!(
                "its {what} {}, so it is checked as one instance, as if it exists",
                u.predicate(false)
            ),
            span: header_span(block, file),
            resource: join(
                &ev.instances[inst].addr,
                &if data {
                    text::concat(&["data.", rtype, ".", name])
                } else {
                    text::concat(&[rtype, ".", name])
                },
            ),
        });
    }
    let keys = eval::instance_keys(expansion, header_span(block, file));
    let local = if data {
        text::concat(&["data.", rtype, ".", name])
    } else {
        text::concat(&[rtype, ".", name])
    };
    let path = ev.instances[inst].path.clone();
    let addr = ev.instances[inst].addr.clone();
    let span = header_span(block, file);
    let provider_local = provider_attr
        .and_then(|(a, file)| {
            let t = ev.texts.get(&file).copied().unwrap_or("");
            a.value
                .span()
                .and_then(|r| t.get(r))
                // `.tf.json` writes the provider reference as a string
                .map(|s| s.trim().trim_matches('"').to_string())
        })
        .unwrap_or_else(|| rtype.split('_').next().unwrap_or("aws").to_string());
    let provider_key = resolve_provider(ev, inst, &provider_local, 0);
    for (key, bind) in keys {
        let sc = Scope { inst, file, bind };
        let bspan = ev.block_span(file, block);
        let (mut after, mut configured) = ev.body(&sc, &block.body, bspan, true);
        // override files: each argument they set, and each kind of nested block they
        // write, replaces the block's own (its values keep the places they are written)
        for (ob, ofile) in &overrides {
            let osc = Scope {
                inst,
                file: *ofile,
                bind: sc.bind.clone(),
            };
            let ospan = ev.block_span(*ofile, ob);
            let (over, names) = ev.body(&osc, &ob.body, ospan, true);
            if let (NodeKind::Object(members), NodeKind::Object(new)) = (&mut after.kind, over.kind)
            {
                for (k, v) in new {
                    members.retain(|(m, _)| m.name != k.name);
                    members.push((k, v));
                }
            }
            for n in names {
                if !configured.contains(&n) {
                    configured.push(n);
                }
            }
        }
        if data && rtype == "aws_iam_policy_document" {
            let doc = if overrides.is_empty() {
                iam_policy_document::render(ev, &sc, block, span)
            } else {
                eval::unknown(
                    format!(
                        "{} is changed by an override file, whose merge into a policy document grantcheck does not follow",
                        join(&ev.instances[inst].addr, &local)
                    ),
                    vec![],
                    span,
                )
            };
            if let NodeKind::Object(members) = &mut after.kind {
                members.push((
                    crate::base::value::Key {
                        name: "json".into(),
                        span,
                    },
                    doc,
                ));
            }
        }
        let address = match key.as_deref() {
            Some(k) => text::concat(&[&join(&addr, &local), "[", k, "]"]),
            None => join(&addr, &local),
        };
        infra.add(Resource {
            address,
            base_address: join(&path, &local),
            module: path.clone(),
            mode: if data { Mode::Data } else { Mode::Managed },
            rtype: rtype.to_string(),
            name: name.to_string(),
            span,
            action: Action::Configured,
            provider_key: Some(provider_key.clone()),
            after: Some(after),
            before: None,
            configured,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn many_files() -> Vec<SourceFile> {
        (0..64u32)
            .map(|i| {
                let text = if i % 3 == 0 {
                    format!("resource \"aws_s3_bucket\" \"b{i}\" {{\n  bucket =\n}}\n")
                } else {
                    format!("resource \"aws_s3_bucket\" \"b{i}\" {{\n  bucket = \"x{i}\"\n}}\n")
                };
                SourceFile::new(i, format!("m/f{i:02}.tf"), text)
            })
            .collect()
    }

    #[test]
    fn files_are_read_in_the_order_given() {
        let sources = many_files();
        let s = load(&sources, &HclOptions::default());
        let broken: Vec<FileId> = s.errors.iter().map(|e| e.file).collect();
        let expected: Vec<FileId> = (0..64).filter(|i| i % 3 == 0).collect();
        assert_eq!(broken, expected);
        assert_eq!(s.resources, 64 - expected.len());
    }

    #[test]
    fn parse_all_gives_what_parsing_each_file_gives() {
        let sources = many_files();
        let texts: Vec<(FileId, &str)> = sources.iter().map(|s| (s.id, s.text.as_str())).collect();
        let all = parse_all(&texts);
        assert_eq!(all.len(), texts.len());
        for ((id, text), (body, errors)) in texts.iter().zip(all) {
            let (b, e) = parse_file(*id, text);
            assert_eq!(body, b);
            let spans = |v: &[SyntaxError]| v.iter().map(|x| x.span).collect::<Vec<_>>();
            assert_eq!(spans(&errors), spans(&e));
        }
    }
}
