//! The npm package's `grantcheck` command (pkg/bin/grantcheck.js) reads the files in Node and
//! hands them here; the check, the report's completion, the rendering, the notices and the exit
//! status are the native command line's own code (`grantcheck_cli::command`), so that both print
//! the same bytes.

use grantcheck::{Found, Options, PlanConfiguration, SourceFile};
use std::collections::BTreeMap;

use grantcheck_cli::command::{self, Format};
use grantcheck_cli::{markdown, render};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::input;

/// What the command line asked for, and what reading the inputs found.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Request {
    /// Per file: "plan", "other" or "plan-configuration" when a directory walk found it so,
    /// else null.
    found: Vec<Option<String>>,
    accounts: Vec<String>,
    var_files: Vec<String>,
    vars: Vec<(String, String)>,
    config: Option<String>,
    /// The configuration each plan was made from: the plan's path, the configuration's
    /// directory and whether `--config-dir` named it.
    plan_configurations: Vec<(String, String, bool)>,
    new_only: bool,
    fail_on: String,
    quiet: bool,
    verbose: bool,
    /// `--link-base`, and the CI's environment variables that give one without it.
    link_base: Option<String>,
    env: BTreeMap<String, String>,
    /// `access` (who can read each secret) rather than `check` (the findings).
    access: bool,
    /// Whether to give the Markdown summary that a GitHub job's summary page gets.
    step_summary: bool,
    /// The outputs, each a format and whether it is coloured.
    outputs: Vec<(String, bool)>,
    skipped: usize,
    read_errors: Vec<String>,
    /// Messages already said on standard error.
    said_first: Vec<String>,
}

#[derive(Serialize)]
struct Outcome {
    /// Lines for standard error before the outputs.
    first: Vec<String>,
    /// The rendered outputs, in the order asked, up to the first that cannot be rendered.
    outputs: Vec<String>,
    /// Why the next output cannot be rendered (said on standard error, exit status 2).
    error: Option<String>,
    /// The GC002 findings not said yet, for standard error when no text went to standard output.
    late: Vec<String>,
    exit: u8,
    /// The Markdown summary for GITHUB_STEP_SUMMARY, when asked for.
    summary: Option<String>,
}

/// Runs `grantcheck check` on `files` (`[{path, text}]`) as the request (JSON text) describes,
/// and returns the outcome as JSON text: `{first, outputs, late, exit}`.
#[wasm_bindgen(js_name = cliCheckJson)]
pub fn cli_check_json(files: &JsValue, request: &str) -> Result<String, JsError> {
    let files = input::files(files).map_err(|m| JsError::new(&m))?;
    let request: Request = serde_json::from_str(request)
        .map_err(|e| JsError::new(&format!("grantcheck: a malformed command request: {e}")))?;
    let outcome = run(files, request).map_err(|e| JsError::new(&format!("grantcheck: {e}")))?;
    crate::json_out::to_string(&outcome)
        .map_err(|e| JsError::new(&format!("grantcheck: cannot serialise the outcome: {e}")))
}

fn run(files: Vec<(String, input::Text)>, r: Request) -> Result<Outcome, String> {
    let threshold =
        command::threshold(&r.fail_on).ok_or_else(|| format!("unknown --fail-on {}", r.fail_on))?;
    let mut sources = Vec::with_capacity(files.len());
    for (i, (path, text)) in files.into_iter().enumerate() {
        let id = u32::try_from(i).unwrap_or(u32::MAX);
        let mut src = SourceFile::new(id, path, text.utf8).known_ascii(text.ascii);
        match r.found.get(i).and_then(Option::as_deref) {
            Some("plan") => src = src.found_as(Found::Plan),
            Some("other") => src = src.found_as(Found::Other),
            Some("plan-configuration") => src = src.found_as(Found::PlanConfiguration),
            _ => {}
        }
        sources.push(src);
    }
    let options = Options {
        accounts: r.accounts,
        utf16: false,
        var_files: r.var_files,
        vars: r.vars,
        config: r.config.clone(),
        plan_configurations: r
            .plan_configurations
            .into_iter()
            .map(|(plan, dir, given)| PlanConfiguration { plan, dir, given })
            .collect(),
    };
    crate::reserve_working_memory(sources.iter().map(|s| s.text.len()).sum());
    let mut report = grantcheck::check(&sources, &options);
    command::complete(&mut report, r.skipped, r.new_only, &r.read_errors);
    let (first, said) = command::config_notices(&report, r.config.as_ref());
    let mut said_first = r.said_first;
    said_first.extend(said);
    let env = r.env;
    let markdown_options = markdown::Options {
        threshold,
        link_base: command::link_base(r.link_base, |k| env.get(k).cloned()),
        max_chars: None,
    };
    let mut outputs = Vec::with_capacity(r.outputs.len());
    let mut error = None;
    for (name, color) in &r.outputs {
        let format = Format::from_name(name).ok_or_else(|| format!("unknown format {name}"))?;
        let text_options = render::TextOptions {
            color: *color,
            quiet: r.quiet,
            verbose: r.verbose,
            threshold,
        };
        let rendered = if r.access {
            command::render_access(format, &report)
        } else {
            command::render(format, &report, &sources, &text_options, &markdown_options)
        };
        match rendered {
            Ok(text) => outputs.push(text),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    let summary = (r.step_summary && !r.access)
        .then(|| markdown::markdown(&report, &sources, &markdown_options));
    Ok(Outcome {
        first,
        outputs,
        error,
        late: command::late_notices(&report, &said_first),
        exit: command::exit_status(&report, &r.read_errors, threshold),
        summary,
    })
}

/// What `grantcheck rules --format FORMAT` prints, or `undefined` for an unknown format.
#[wasm_bindgen(js_name = cliRules)]
pub fn cli_rules(format: &str) -> Option<String> {
    command::rules(format)
}

/// What `grantcheck explain CODE` prints, or `undefined` when no rule has that code or name.
#[wasm_bindgen(js_name = cliExplain)]
pub fn cli_explain(code: &str) -> Option<String> {
    command::explain(code)
}

/// What `grantcheck explain CODE` says on standard error when no rule has that code or name.
#[wasm_bindgen(js_name = cliNoRule)]
pub fn cli_no_rule(code: &str) -> String {
    command::no_rule(code)
}

/// Why `bytes` read from a file are not a text input (a binary plan, a zip, UTF-16...), as the
/// native command line says it; `undefined` when they may be one.
#[wasm_bindgen(js_name = cliSniff)]
pub fn cli_sniff(bytes: &[u8]) -> Option<String> {
    grantcheck::sniff_bytes(bytes)
}

/// Whether the core reads the file `path` with `text` as a plan (`grantcheck::detect`), as the
/// native command line decides which named files have a configuration to place findings in.
#[wasm_bindgen(js_name = cliIsPlan)]
pub fn cli_is_plan(path: &str, text: &str) -> bool {
    grantcheck::detect(path, text) == Ok(grantcheck::InputKind::Plan)
}

/// The largest input the core reads, in bytes.
#[wasm_bindgen(js_name = cliMaxInputBytes)]
pub fn cli_max_input_bytes() -> f64 {
    grantcheck::MAX_INPUT_BYTES as f64
}

/// `a/./b/../c` → `a/c`, as the core compares directories.
#[wasm_bindgen(js_name = cliNormalize)]
pub fn cli_normalize(path: &str) -> String {
    grantcheck::terraform::hcl::text::normalize(path)
}

/// The directory of a path, as the core takes it.
#[wasm_bindgen(js_name = cliDirOf)]
pub fn cli_dir_of(path: &str) -> String {
    grantcheck::terraform::hcl::text::dir_of(path)
}
