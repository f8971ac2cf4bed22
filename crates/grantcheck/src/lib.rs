//! grantcheck: catch broken or dangerous cross-account access to AWS Secrets Manager secrets
//! before `terraform apply`.
//!
//! The core takes texts in and gives a [`Report`] out: no filesystem, no environment, no
//! printing, no clock. The CLI, the npm package and the browser viewer all call [`check`].
//!
//! ```
//! use grantcheck::{Options, SourceFile, check};
//! let plan = r#"{"format_version":"1.2","resource_changes":[]}"#;
//! let report = check(&[SourceFile::new(0, "plan.json", plan)], &Options::default());
//! assert!(report.findings.is_empty());
//! ```

pub mod access;
pub mod accounts;
pub mod analysis;
pub mod base;
pub mod changes;
pub mod diagnostic;
pub mod in_config;
pub mod model;
pub mod policy;
pub mod report;
pub mod rules;
pub mod settings;
pub mod suppress;
pub mod terraform;

pub use base::source::{FileId, Found, SourceFile, Span};
pub use diagnostic::{Finding, RuleCode, RuleMeta, Severity};
pub use report::{Report, ReportFinding};

use base::{hash, par, source};

/// The version of grantcheck.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The largest input file accepted, in bytes.
pub const MAX_INPUT_BYTES: usize = 512 * 1024 * 1024;

/// What to check with.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Owner accounts (`--account`), in addition to what the configuration says.
    pub accounts: Vec<String>,
    /// Also give UTF-16 offsets in locations (for JavaScript).
    pub utf16: bool,
    /// `--var-file` paths (their texts are among the sources) for Terraform configurations.
    pub var_files: Vec<String>,
    /// `--var NAME=VALUE` for Terraform configurations, in order.
    pub vars: Vec<(String, String)>,
    /// The path of the `grantcheck.toml` among the sources, if any.
    pub config: Option<String>,
    /// The configurations plans were made from: a plan's findings point where its
    /// configuration writes their values (see [`in_config`]).
    pub plan_configurations: Vec<PlanConfiguration>,
}

/// The configuration a plan was made from: a root module directory whose files are among the
/// sources, checked ones or ones [`Found::PlanConfiguration`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanConfiguration {
    /// The plan's path, as among the sources.
    pub plan: String,
    /// The root module's directory, as the sources' paths say it.
    pub dir: String,
    /// Named by the user (`--config-dir`): used for whatever resources of the plan it declares,
    /// and what cannot be read in it is an input error. Otherwise (a directory the plan was
    /// found in) it is used only when it declares every resource of the plan and reads without
    /// error, and is otherwise passed over without a word.
    pub given: bool,
}

/// What kind of input a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    Plan,
    /// A Terraform configuration file (`.tf`, `.tfvars`, `.tf.json`, `.tfvars.json`).
    Config,
    /// A file a configuration reads (policy JSON for `file()`), not checked on its own.
    Other,
}

/// Says why raw bytes cannot be checked as text, before they are decoded.
pub fn sniff_bytes(bytes: &[u8]) -> Option<String> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Some("this is a binary plan file; give its JSON form: `terraform show -json PLANFILE > plan.json`".into());
    }
    if bytes.len() > MAX_INPUT_BYTES {
        // a stream may be cut just past the limit: say the limit, not its length
        return Some(format!(
            "the file is over the limit of {} MB; check a smaller plan or split the configuration",
            MAX_INPUT_BYTES / (1024 * 1024)
        ));
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        return Some(format!(
            "the file is not UTF-8 text (invalid byte at offset {}); plans and configurations are UTF-8",
            e.valid_up_to()
        ));
    }
    None
}

/// Decides what a file is from its name and content.
pub fn detect(path: &str, text: &str) -> Result<InputKind, String> {
    let lower = path.to_ascii_lowercase();
    if terraform::hcl::is_config_path(path) {
        return Ok(InputKind::Config);
    }
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.is_empty() {
        return Err("the file is empty; give the output of `terraform show -json PLANFILE`".into());
    }
    if t.starts_with('{') || t.starts_with('[') || lower.ends_with(".json") || path == "-" {
        return Ok(InputKind::Plan);
    }
    Err("not a Terraform plan JSON; give the output of `terraform show -json PLANFILE`".into())
}

/// Checks the given files and returns the report, on rayon's threads where there are threads.
/// What the check no longer needs is freed before it returns; a program that checks large
/// inputs, or many, uses a [`Checker`], which frees it beside the caller's work.
pub fn check(sources: &[SourceFile], options: &Options) -> Report {
    par::on_pool(|| check_sources(sources, options, None))
}

/// Checks with threads of its own. The memory a check no longer needs (trees of values as large
/// as the inputs) is freed on them while the caller goes on with the report; the next check
/// first waits for it, and so does dropping the checker.
pub struct Checker {
    #[cfg(feature = "parallel")]
    pool: Option<rayon::ThreadPool>,
    deferred: par::Deferred,
}

impl Default for Checker {
    fn default() -> Self {
        Checker::new()
    }
}

impl Checker {
    /// A checker with one thread per core (or `RAYON_NUM_THREADS`), one thread without the
    /// `parallel` feature.
    pub fn new() -> Checker {
        Checker::with_threads(0)
    }

    /// A checker with `threads` threads (0: one per core).
    pub fn with_threads(threads: usize) -> Checker {
        #[cfg(not(feature = "parallel"))]
        let _ = threads;
        Checker {
            // (a pool that cannot be built leaves the check to rayon's own threads)
            #[cfg(feature = "parallel")]
            pool: rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .ok(),
            deferred: par::Deferred::default(),
        }
    }

    /// Checks the given files and returns the report.
    pub fn check(&self, sources: &[SourceFile], options: &Options) -> Report {
        self.wait();
        let run = || check_sources(sources, options, Some(&self.deferred));
        #[cfg(feature = "parallel")]
        if let Some(pool) = &self.pool {
            return pool.install(run);
        }
        par::on_pool(run)
    }

    /// Waits until the memory of earlier checks is freed. A program that measures a check, or
    /// the memory it holds, calls it between checks.
    pub fn wait(&self) {
        self.deferred.wait();
    }

    /// Lets go of the checker without waiting for its memory to be freed: for a program that
    /// exits once it has written the report, where exiting gives all of it back at once.
    pub fn leave(self) {
        std::mem::forget(self);
    }
}

impl Drop for Checker {
    fn drop(&mut self) {
        self.deferred.wait();
    }
}

/// The spans of the values `sources` mark sensitive (sorted, merged), for pages that show source
/// text: what plans mark, and where configurations write the values of variables declared
/// sensitive (as [`check`] with `options` reads them).
pub fn sensitive_spans(sources: &[SourceFile], options: &Options) -> Vec<Span> {
    let mut spans: Vec<Span> = sources
        .iter()
        .flat_map(terraform::plan::sensitive::spans)
        .collect();
    if sources
        .iter()
        .any(|s| terraform::hcl::is_config_source(&s.path, &options.var_files))
    {
        spans.extend(terraform::hcl::load(sources, &hcl_options(options)).sensitive);
    }
    terraform::plan::sensitive::merge(spans)
}

/// How `.tf` configurations are read with `options` (the variables given to them).
fn hcl_options(options: &Options) -> terraform::hcl::HclOptions {
    terraform::hcl::HclOptions {
        var_files: options.var_files.clone(),
        vars: options.vars.clone(),
    }
}

fn check_sources(
    sources: &[SourceFile],
    options: &Options,
    deferred: Option<&par::Deferred>,
) -> Report {
    let mut out = rules::Findings::default();
    let mut sensitive = Vec::new();
    let others = sources
        .iter()
        .filter(|s| s.found_as == Some(source::Found::Other))
        .count();
    // (read only to place a plan's findings: neither checked nor passed over)
    let placing = sources
        .iter()
        .filter(|s| s.found_as == Some(source::Found::PlanConfiguration))
        .count();
    // (grantcheck.toml configures the run: it is not one of the inputs checked)
    let config_file = sources
        .iter()
        .filter(|s| options.config.as_deref() == Some(s.path.as_str()))
        .filter(|s| s.found_as != Some(source::Found::Other))
        .count();
    let mut summary = report::Summary {
        files: sources.len() - others - config_file - placing,
        skipped: others,
        ..report::Summary::default()
    };
    // Files beside configuration files (policy JSON, templates) are read by `file()`.
    let config_dirs: Vec<String> = sources
        .iter()
        .filter(|s| s.found_as != Some(source::Found::PlanConfiguration))
        .filter(|s| terraform::hcl::is_config_source(&s.path, &options.var_files))
        .map(|s| terraform::hcl::text::dir_of(&s.path))
        .collect();
    let mut cfg = None;
    // Each plan and each root module is a configuration of its own: an address in one never
    // links to, or shadows, one in another, and owner accounts are not shared between them.
    let mut units: Vec<Unit<'_>> = vec![];
    for src in sources {
        let whole = Span::new(src.id, 0, 0);
        if options.config.as_deref() == Some(src.path.as_str()) {
            match settings::parse(src) {
                Ok(c) => {
                    summary.config = Some(src.path.clone());
                    cfg = Some(c);
                }
                Err(e) => input_error(&mut out, src, e.span, e.message),
            }
            continue;
        }
        if src.text.len() > MAX_INPUT_BYTES {
            input_error(
                &mut out,
                src,
                whole,
                format!(
                    "the file is over the limit of {} MB",
                    MAX_INPUT_BYTES / (1024 * 1024)
                ),
            );
            continue;
        }
        let kind = match (src.found_as, detect(&src.path, &src.text)) {
            (Some(source::Found::Other | source::Found::PlanConfiguration), _) => {
                Ok(InputKind::Other)
            }
            (Some(source::Found::Plan), _) => Ok(InputKind::Plan),
            // a --var-file, whatever its name, as Terraform reads it
            (None, _) if terraform::hcl::is_config_source(&src.path, &options.var_files) => {
                Ok(InputKind::Config)
            }
            (None, k) => k,
        };
        let kind = match kind {
            Ok(InputKind::Plan) | Err(_)
                if terraform::hcl::is_read_by_config(&src.path, &src.text, &config_dirs) =>
            {
                Ok(InputKind::Other)
            }
            k => k,
        };
        match kind {
            Ok(InputKind::Plan) => {
                summary.plans.push(src.path.clone());
                let mut infra = model::Infrastructure::default();
                match terraform::plan::load(src, &mut infra) {
                    Ok(s) => {
                        summary.resources += s.resources;
                        sensitive.extend(s.sensitive);
                    }
                    Err(e) => {
                        // what could be read still never reaches an output
                        sensitive.extend(terraform::plan::sensitive::spans(src));
                        input_error(&mut out, src, e.span, e.message);
                    }
                }
                units.push(Unit {
                    infra,
                    plan: Some(src),
                    root: None,
                });
            }
            Ok(InputKind::Config | InputKind::Other) => {}
            Err(msg) => input_error(&mut out, src, whole, msg),
        }
    }
    if !config_dirs.is_empty() {
        let loaded = if placing > 0 {
            // (without the files read only to place a plan's findings, nor the plans)
            let checked: Vec<SourceFile> = sources
                .iter()
                .filter(|s| s.found_as != Some(source::Found::PlanConfiguration))
                .filter(|s| !summary.plans.contains(&s.path))
                .map(copy_source)
                .collect();
            terraform::hcl::load(&checked, &hcl_options(options))
        } else {
            terraform::hcl::load(sources, &hcl_options(options))
        };
        summary.resources += loaded.resources;
        sensitive.extend(loaded.sensitive);
        for e in loaded.errors {
            if let Some(src) = sources.iter().find(|s| s.id == e.file) {
                input_error(&mut out, src, e.span, e.message);
            }
        }
        for root in loaded.roots {
            summary.roots.push(root.dir.clone());
            units.push(Unit {
                infra: root.infra,
                plan: None,
                root: Some(root.dir),
            });
        }
    }
    let configs = plan_configurations(sources, options, &units, &mut out, &mut sensitive);
    let mut accounts = options.accounts.clone();
    let mut trusted = vec![];
    if let Some(c) = &cfg {
        accounts.extend(c.accounts.iter().cloned());
        trusted.clone_from(&c.trusted_accounts);
    }
    let several = units.len() > 1;
    let mut access = vec![];
    for unit in units {
        let config = unit.plan.and_then(|p| configs.get(&p.path));
        check_unit(
            unit.infra,
            unit.plan.zip(config).map(|(p, c)| (p.id, c)),
            sources,
            (&accounts, &trusted),
            &mut summary,
            (&mut out.list, &mut access),
            deferred,
        );
    }
    if !configs.is_empty() {
        in_config::merge_checked(&mut out.list);
    }
    if several {
        // a module that two roots call is checked through each: the same finding is said once
        let mut seen = hash::HashSet::default();
        out.list.retain(|f| {
            seen.insert((
                f.rule,
                f.span,
                f.resource.clone(),
                f.message.clone(),
                f.change,
            ))
        });
        // (and its readers are listed once)
        let mut seen: hash::HashMap<String, Vec<usize>> = hash::HashMap::default();
        let mut kept: Vec<access::SecretAccess> = Vec::with_capacity(access.len());
        for s in access {
            let same = seen.entry(s.secret.clone()).or_default();
            if !same.iter().any(|&i| kept[i] == s) {
                same.push(kept.len());
                kept.push(s);
            }
        }
        access = kept;
    }
    let sensitive = terraform::plan::sensitive::merge(sensitive);
    redact_sensitive_paths(&mut out.list, &sensitive);
    redact_sensitive_texts(&mut access, sources, &sensitive);
    let suppressed = suppress::apply(sources, cfg.as_ref(), &mut out.list);
    summary.suppressed_inline = suppressed.inline;
    summary.suppressed_by_config = suppressed.by_config;
    let mut report = report::build_with_access(sources, out.list, access, summary, options.utf16);
    report.sensitive = sensitive;
    report
}

/// A copy of a source, for a loader that is given some of them.
fn copy_source(s: &SourceFile) -> SourceFile {
    let c = SourceFile::new(s.id, s.path.clone(), s.text.clone());
    match s.found_as {
        Some(f) => c.found_as(f),
        None => c,
    }
}

/// One configuration checked on its own: a plan, or a root module with the modules it calls.
struct Unit<'s> {
    infra: model::Infrastructure,
    /// The plan it is read from.
    plan: Option<&'s SourceFile>,
    /// The root module's directory.
    root: Option<String>,
}

/// The configuration each plan was made from (by the plan's path), as `options` name them:
/// a root module checked in this run, else one read from the files given only for that
/// ([`source::Found::PlanConfiguration`]).
fn plan_configurations(
    sources: &[SourceFile],
    options: &Options,
    units: &[Unit<'_>],
    out: &mut rules::Findings,
    sensitive: &mut Vec<Span>,
) -> hash::HashMap<String, model::Infrastructure> {
    let mut configs = hash::HashMap::default();
    if options.plan_configurations.is_empty() {
        return configs;
    }
    let only: Vec<SourceFile> = sources
        .iter()
        .filter(|s| {
            matches!(
                s.found_as,
                Some(source::Found::PlanConfiguration | source::Found::Other)
            )
        })
        .map(copy_source)
        .collect();
    let loaded = only
        .iter()
        .any(|s| s.found_as == Some(source::Found::PlanConfiguration))
        .then(|| terraform::hcl::load(&only, &hcl_options(options)));
    let same_dir =
        |a: &str, b: &str| terraform::hcl::text::normalize(a) == terraform::hcl::text::normalize(b);
    for pc in &options.plan_configurations {
        let Some(plan) = units
            .iter()
            .find(|u| u.plan.is_some_and(|p| p.path == pc.plan))
        else {
            continue;
        };
        let checked = units
            .iter()
            .find(|u| u.root.as_deref().is_some_and(|d| same_dir(d, &pc.dir)));
        let config = match (checked, &loaded) {
            (Some(u), _) => Some(u.infra.clone()),
            (None, Some(l)) => {
                let in_dir = |file: FileId| {
                    sources.iter().any(|s| {
                        s.id == file && same_dir(&terraform::hcl::text::dir_of(&s.path), &pc.dir)
                    })
                };
                let errors: Vec<_> = l.errors.iter().filter(|e| in_dir(e.file)).collect();
                if pc.given {
                    for e in &errors {
                        if let Some(src) = sources.iter().find(|s| s.id == e.file) {
                            input_error(out, src, e.span, e.message.clone());
                        }
                    }
                }
                l.roots
                    .iter()
                    .find(|r| same_dir(&r.dir, &pc.dir))
                    .filter(|_| pc.given || errors.is_empty())
                    .map(|r| r.infra.clone())
            }
            (None, None) => None,
        };
        let Some(config) = config else { continue };
        if pc.given || in_config::covers(&config, &plan.infra) {
            configs.insert(pc.plan.clone(), config);
        }
    }
    if let Some(l) = loaded {
        sensitive.extend(l.sensitive);
    }
    configs
}

/// Checks one configuration (a plan, or a root module with the modules it calls) and adds its
/// findings and who can read its secrets after apply to `out`; a plan's findings are placed in
/// `config`, the configuration it was made from, when it is given.
fn check_unit(
    mut infra: model::Infrastructure,
    config: Option<(FileId, &model::Infrastructure)>,
    sources: &[SourceFile],
    (accounts, trusted): (&[String], &[String]),
    summary: &mut report::Summary,
    out: (
        &mut Vec<diagnostic::Finding>,
        &mut Vec<access::SecretAccess>,
    ),
    deferred: Option<&par::Deferred>,
) {
    let (found_out, access_out) = out;
    infra.dedup_hints();
    // (a plan's findings are placed in its configuration once the plan has said what it
    // changes, which compares the texts at their places in the plan)
    let placing = |found: &[diagnostic::Finding], infra: &model::Infrastructure| {
        config.map(|(plan, c)| in_config::Placer::new(plan, infra, c, sources).places(found))
    };
    let state = changes::plan_state(&infra);
    let analysis = analyse(&infra, sources, accounts, trusted);
    summary.policies += analysis.policies.len();
    summary.owner_unknown_secrets += analysis
        .secrets
        .iter()
        .filter(|s| !s.owners.is_known() && s.undecided.iter().any(|(p, _)| p.account.is_some()))
        .count();
    // (who can read each secret after apply, beside the rules; and which accounts, to compare
    // with before, when there is a change)
    let ((mut found, graph), after) = par::join(
        || par::join(|| run_rules(&analysis), || access_graph(&analysis)),
        || (state == changes::PlanState::Changes).then(|| changes::access_of(&analysis)),
    );
    let mut graph = graph;
    if let Some((plan, c)) = config {
        // (who can read each secret is said at the same places as the findings)
        let placer = in_config::Placer::new(plan, &infra, c, sources);
        for secret in &mut graph {
            let address = secret.secret.clone();
            for span in secret.places_mut().flatten() {
                if let Some(written) = placer.written(*span, &address) {
                    *span = written;
                }
            }
        }
    }
    access_out.extend(graph);
    // what is no longer needed is freed beside the work that follows, where there are threads
    let mut leftovers = Leftovers::default();
    match state {
        changes::PlanState::Changes => {
            let after = after.unwrap_or_default();
            par::free(deferred, policies_of(analysis), par::drop_all);
            let places = placing(&found, &infra);
            let (old_infra, gone) = changes::before_view(infra);
            let old = analyse(&old_infra, sources, accounts, trusted);
            let (before_found, access_changes) = par::join(
                || run_rules(&old),
                || changes::access_changes(&after, &changes::access_of(&old)),
            );
            let mut fixed = changes::compare(sources, &mut found, before_found);
            if let Some(places) = places {
                in_config::apply(&mut found, places);
            }
            if let Some(places) = placing(&fixed, &old_infra) {
                in_config::apply(&mut fixed, places);
            }
            found.extend(fixed);
            summary.access_changes.extend(access_changes);
            leftovers.access = after;
            leftovers.policies = policies_of(old);
            leftovers.resources = gone;
            leftovers.infra = Some(old_infra);
        }
        changes::PlanState::Unchanged | changes::PlanState::NotAPlan => {
            if state == changes::PlanState::Unchanged {
                changes::mark_existing(&mut found);
            }
            if let Some(u) = &infra.uncalled_module {
                fold_unset_variables(u, &mut found);
            }
            if let Some(places) = placing(&found, &infra) {
                in_config::apply(&mut found, places);
            }
            leftovers.policies = policies_of(analysis);
            leftovers.infra = Some(infra);
        }
    }
    found_out.extend(found);
    par::free(deferred, leftovers, Leftovers::free);
}

/// The access graph shows no text of a value the inputs mark sensitive (`sensitive`): the
/// graph words what it reads with the marks the policies carry, and this takes away what a
/// mark might not reach (a second guard: the tests pass without it).
/// Word by word, against a set of the sensitive values: its time grows with the texts, not
/// with their product.
fn redact_sensitive_texts(
    access: &mut [access::SecretAccess],
    sources: &[SourceFile],
    sensitive: &[Span],
) {
    if access.is_empty() || sensitive.is_empty() {
        return;
    }
    let trim = |t: &str| -> String {
        t.trim_matches(|c: char| c.is_whitespace() || matches!(c, '"' | ',' | '(' | ')' | ';'))
            .to_string()
    };
    let texts: hash::HashSet<String> = sensitive
        .iter()
        .filter_map(|s| {
            let src = sources.iter().find(|f| f.id == s.file)?;
            Some(trim(src.text.get(s.start as usize..s.end as usize)?))
        })
        .filter(|t| !t.is_empty())
        .collect();
    let redact = |text: &mut String| {
        if text.split(' ').any(|w| texts.contains(&trim(w))) {
            *text = text
                .split(' ')
                .map(|w| match texts.contains(&trim(w)) {
                    true => "(sensitive value)",
                    false => w,
                })
                .collect::<Vec<_>>()
                .join(" ");
        }
    };
    for reader in access.iter_mut().flat_map(|s| &mut s.readers) {
        redact(&mut reader.principal);
        reader.conditions.iter_mut().for_each(&redact);
        for link in &mut reader.links {
            redact(&mut link.message);
        }
    }
}

/// The JSON pointers of findings in a value the plan marks sensitive (`sensitive`: sorted and
/// merged spans) keep only the policy grammar: the other keys are part of the value.
fn redact_sensitive_paths(found: &mut [diagnostic::Finding], sensitive: &[Span]) {
    if sensitive.is_empty() {
        return;
    }
    for f in found {
        let (Some(span), Some(path)) = (f.span, &f.policy_path) else {
            continue;
        };
        // the last sensitive span that starts at or before the finding's
        let at = sensitive.partition_point(|s| (s.file, s.start) <= (span.file, span.start));
        let inside = at > 0 && {
            let s = sensitive[at - 1];
            s.file == span.file && span.end <= s.end
        };
        if inside {
            f.policy_path = Some(policy::redact_path(path));
        }
    }
}

/// The access graph of an analysis, its places where they are written.
fn access_graph(analysis: &analysis::Analysis<'_>) -> Vec<access::SecretAccess> {
    let mut graph = access::graph(analysis);
    analysis.place_spans(graph.iter_mut().flat_map(|s| s.places_mut()).flatten());
    graph
}

/// What a check no longer needs, to be freed at once. Large trees of values take as long to
/// free as to build: they are freed in parallel where there are threads.
#[derive(Default)]
struct Leftovers {
    access: changes::Access,
    policies: Vec<analysis::PolicyInfo>,
    resources: Vec<model::Resource>,
    infra: Option<model::Infrastructure>,
}

impl Leftovers {
    fn free(mut self) {
        if let Some(infra) = &mut self.infra {
            self.resources.append(&mut infra.resources);
        }
        let Leftovers {
            access,
            policies,
            resources,
            infra,
        } = self;
        par::join(
            || par::drop_all(policies),
            || par::join(|| par::drop_all(resources), || drop((infra, access))),
        );
    }
}

/// An analysis's policies, the analysis itself let go (it borrows the infrastructure).
fn policies_of(mut analysis: analysis::Analysis<'_>) -> Vec<analysis::PolicyInfo> {
    std::mem::take(&mut analysis.policies)
}

fn analyse<'a>(
    infra: &'a model::Infrastructure,
    sources: &'a [SourceFile],
    accounts: &[String],
    trusted: &[String],
) -> analysis::Analysis<'a> {
    let mut a = analysis::Analysis::of_sources(infra, accounts, sources);
    a.trusted = trusted.to_vec();
    a
}

/// The most policies (and secrets) all the rules check before they go on to the next ones (one
/// `rules::Context`): all the rules run over one share while its policy documents are still in
/// the processor's cache.
const PART_SIZE: usize = 256;

/// Parts per thread at the least, so that threads share out parts of unequal cost evenly to the
/// end when there are few policies.
const PARTS_PER_THREAD: usize = 8;

fn run_rules(analysis: &analysis::Analysis<'_>) -> Vec<diagnostic::Finding> {
    use rules::{Context, Findings, RULES, Rule};
    let run = |rule: &dyn Rule, ctx: &Context<'_>| {
        let mut out = Findings::default();
        rule.check(ctx, &mut out);
        out.list
    };
    let fair = analysis
        .policies
        .len()
        .max(analysis.secrets.len())
        .div_ceil(par::threads() * PARTS_PER_THREAD);
    let parts = Context::split(analysis, fair.clamp(1, PART_SIZE));
    let all = Context::whole(analysis);
    let whole: Vec<&dyn Rule> = RULES.iter().filter(|r| r.whole()).copied().collect();
    let (mut by_part, of_whole) = par::join(
        || {
            par::map(&parts, |part| {
                RULES
                    .iter()
                    .map(|r| if r.whole() { vec![] } else { run(*r, part) })
                    .collect::<Vec<_>>()
            })
        },
        || par::map(&whole, |r| run(*r, &all)),
    );
    // findings in the catalogue's order, each rule's in the order of the parts
    let mut of_whole = of_whole.into_iter();
    let mut found = vec![];
    for (i, rule) in RULES.iter().enumerate() {
        if rule.whole() {
            found.extend(of_whole.next().unwrap_or_default());
        } else {
            for lists in &mut by_part {
                found.append(&mut lists[i]);
            }
        }
    }
    // then what the analysis could not decide
    let mut notes = Findings::default();
    rules::Unresolved::notes(analysis, &mut notes);
    found.append(&mut notes.list);
    // (spans inside policies written with escapes, to where they are written)
    analysis.place_escaped_spans(&mut found);
    merge_repeats(found)
}

/// A module directory that nothing calls is checked on its own, where its variables have no
/// value: one note says which checks that leaves open, instead of one per policy.
fn fold_unset_variables(u: &model::UncalledModule, found: &mut Vec<diagnostic::Finding>) {
    let about_unset = |f: &diagnostic::Finding| {
        f.rule == RuleCode::GC001
            && u.unset.iter().any(|name| {
                f.message
                    .contains(&format!("var.{name} {}", terraform::hcl::NO_VALUE))
            })
    };
    let open = found.iter().filter(|f| about_unset(f)).count();
    if open == 0 {
        return;
    }
    found.retain(|f| !about_unset(f));
    let names: Vec<String> = u.unset.iter().map(|n| format!("var.{n}")).collect();
    let dir = if u.dir.is_empty() { "." } else { &u.dir };
    let mut note = rules::Findings::default();
    note.report(
        &rules::Unresolved::META,
        &format!("module in {dir}"),
        Some(u.span),
        format!(
            "{open} check{} could not be decided: no configuration that was checked calls this module, so it was checked on its own, where {} {} no value",
            if open == 1 { "" } else { "s" },
            report::and_list(&names),
            if names.len() == 1 { "has" } else { "have" },
        ),
    )
    .help("check it through a configuration that calls it (give that directory too), or give the values with --var or a .tfvars file");
    found.splice(0..0, note.list);
}

/// One finding for one thing said several times: the same rule, resource and message at other
/// places (one principal in two statements, one missing variable used twice) becomes one
/// finding whose other places are labels.
fn merge_repeats(found: Vec<diagnostic::Finding>) -> Vec<diagnostic::Finding> {
    use std::hash::BuildHasher;
    // (by a hash of what they say, compared in full on a match: no text is copied to index it)
    let hasher = foldhash::fast::FixedState::default();
    let mut first: hash::HashMap<(RuleCode, u64), usize> = hash::HashMap::default();
    let mut out: Vec<diagnostic::Finding> = Vec::with_capacity(found.len());
    for f in found {
        // (a message that masks a sensitive value may say the same of different values)
        if f.message.contains("sensitive") {
            out.push(f);
            continue;
        }
        let key = (f.rule, hasher.hash_one((&f.resource, &f.message)));
        match first.get(&key).copied() {
            Some(i) if out[i].resource == f.resource && out[i].message == f.message => {
                let kept = &mut out[i];
                if let Some(span) = f.span
                    && kept.span != Some(span)
                    && !kept.labels.iter().any(|l| l.span == span)
                {
                    kept.label(span, "and here");
                }
                for r in f.related {
                    kept.related(r);
                }
            }
            Some(_) => out.push(f),
            None => {
                first.insert(key, out.len());
                out.push(f);
            }
        }
    }
    out
}

fn input_error(out: &mut rules::Findings, src: &SourceFile, span: Span, message: String) {
    out.report(
        &rules::InputError::META,
        "",
        Some(span),
        format!("{}: {message}", src.path),
    );
}

/// Checks one policy document on its own, as the policy of a secret or of a KMS key that
/// nothing else is known about (the rule documentation examples, editors, quick checks).
pub fn check_policy(text: &str, kind: analysis::PolicyKind, options: &Options) -> Report {
    let src = SourceFile::new(0, "policy.json", text);
    let infra = policy::standalone::infrastructure(&src, kind);
    let sources = std::slice::from_ref(&src);
    let analysis = analysis::Analysis::of_sources(&infra, &options.accounts, sources);
    let found = run_rules(&analysis);
    let summary = report::Summary {
        files: 1,
        policies: analysis.policies.len(),
        ..report::Summary::default()
    };
    report::build(sources, found, summary, options.utf16)
}

#[cfg(test)]
mod tests {
    use super::{Checker, Options, SourceFile, check};

    const PLAN: &str = r#"{"format_version": "1.2", "resource_changes": [
        {"address": "aws_secretsmanager_secret_policy.p", "mode": "managed",
         "type": "aws_secretsmanager_secret_policy", "name": "p",
         "change": {"actions": ["create"], "before": null, "after": {"policy":
         "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}]}"}}}]}"#;

    #[test]
    fn a_checker_reports_what_check_reports_and_waits_on_its_own_threads() {
        let src = [SourceFile::new(0, "plan.json", PLAN)];
        let options = Options::default();
        let expected = check(&src, &options);
        assert!(!expected.findings.is_empty());
        for threads in [1, 2] {
            let checker = Checker::with_threads(threads);
            for _ in 0..3 {
                assert_eq!(checker.check(&src, &options), expected);
            }
            checker.wait();
        }
    }
}
