//! The wasm-bindgen adapter behind the npm package `grantcheck`.
//!
//! It converts JavaScript input to the core's [`SourceFile`]s and [`Options`], and the core's
//! report back to JSON text that the package's JavaScript wrapper turns into a plain object.
//! Input the core can read badly becomes GC002 findings; arguments of the wrong shape become a
//! JavaScript `Error` with a message. A panic cannot be caught inside wasm32-unknown-unknown
//! (it aborts), so a panic hook records its message for [`take_panic`] and the wrapper turns
//! the resulting trap into an `Error` and starts a fresh instance.

mod cli;
mod input;
mod json_out;
mod report_in;

use std::sync::Mutex;

use grantcheck::{Options, SourceFile};
use wasm_bindgen::prelude::*;

/// The allocator in wasm: talc instead of the standard library's dlmalloc. With talc the check of a
/// 10.8 MB plan took some 5% less time in Node (see crates/grantcheck-bench, `bench_wasm`).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The message of the last panic, kept for the JavaScript wrapper.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

fn record_panic(message: String) {
    let mut slot = LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner());
    *slot = Some(message);
}

/// Installs the panic hook when the module is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| record_panic(info.to_string())));
}

/// The message of the panic that stopped the last call, if one did (taken: a second call
/// returns `undefined`).
#[wasm_bindgen(js_name = takePanic)]
pub fn take_panic() -> Option<String> {
    LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).take()
}

/// Checks `files` (`[{path, text}]`) with `options` (`{accounts?: string[]}`) and returns the
/// report (DESIGN §4.2) as JSON text, with UTF-16 offsets in every position.
#[wasm_bindgen(js_name = checkJson)]
pub fn check_json(files: &JsValue, options: &JsValue) -> Result<String, JsError> {
    let report = check_files(files, options)?;
    json_out::to_string(&report)
        .map_err(|e| JsError::new(&format!("grantcheck: cannot serialise the report: {e}")))
}

/// Checks `files` as [`check_json`] does and returns who can read each secret (the report's
/// access view, what `grantcheck access --format json` writes) as JSON text, with UTF-16 offsets.
#[wasm_bindgen(js_name = accessJson)]
pub fn access_json(files: &JsValue, options: &JsValue) -> Result<String, JsError> {
    let report = check_files(files, options)?;
    json_out::to_string(&report.access_report()).map_err(|e| {
        JsError::new(&format!(
            "grantcheck: cannot serialise the access report: {e}"
        ))
    })
}

/// Checks `files` as [`check_json`] does and returns the report as a pull-request comment in
/// Markdown (what `grantcheck check --format markdown` writes): `link_base` is `--link-base`,
/// `fail_on` is `--fail-on` (`error`, `warning`, `note` or `never`).
#[wasm_bindgen(js_name = markdownText)]
pub fn markdown_text(
    files: &JsValue,
    options: &JsValue,
    link_base: Option<String>,
    fail_on: &str,
) -> Result<String, JsError> {
    let threshold = grantcheck_cli::command::threshold(fail_on).ok_or_else(|| {
        JsError::new(&format!(
            "toMarkdown(files, options): options.failOn must be \"error\", \"warning\", \"note\" or \"never\", got {fail_on:?}"
        ))
    })?;
    let sources = sources_of(files)?;
    // positions as the command line writes them (code points), not UTF-16: this is text
    let report = grantcheck::check(&sources, &check_options(options, false)?);
    let options = grantcheck_cli::markdown::Options {
        threshold,
        link_base,
        max_chars: None,
    };
    Ok(grantcheck_cli::markdown::markdown(
        &report, &sources, &options,
    ))
}

/// The report of `files` with `options`, as the JS API gives them.
fn check_files(files: &JsValue, options: &JsValue) -> Result<grantcheck::Report, JsError> {
    let sources = sources_of(files)?;
    Ok(grantcheck::check(&sources, &check_options(options, true)?))
}

/// The files given (`[{path, text}]`) as the core reads them, with the memory to check them.
fn sources_of(files: &JsValue) -> Result<Vec<SourceFile>, JsError> {
    let files = input::files(files).map_err(|m| JsError::new(&m))?;
    let sources: Vec<SourceFile> = files.into_iter().enumerate().map(source_file).collect();
    reserve_working_memory(sources.iter().map(|s| s.text.len()).sum());
    Ok(sources)
}

/// The core's options from the JS API's `options` (`{accounts?: string[]}`).
fn check_options(options: &JsValue, utf16: bool) -> Result<Options, JsError> {
    let accounts = input::accounts(options).map_err(|m| JsError::new(&m))?;
    // Options the JS API does not expose keep their defaults, whatever fields the core adds.
    #[allow(clippy::needless_update)]
    Ok(Options {
        accounts,
        utf16,
        ..Options::default()
    })
}

/// The `i`th file given, as the core reads it.
fn source_file((i, (path, text)): (usize, (String, input::Text))) -> SourceFile {
    let id = u32::try_from(i).unwrap_or(u32::MAX);
    SourceFile::new(id, path, text.utf8).known_ascii(text.ascii)
}

/// Grows the wasm memory in one step by 1.25 times `text_bytes`, about what checking that much
/// input takes beside the texts (a generated plan of 10 or 100 MB took 1.3 to 1.4 times its size),
/// by allocating that much and freeing it at once: the allocator keeps the memory for the check's
/// own allocations. Left to itself, the allocator grows the memory by what each allocation lacks,
/// in many small steps, and the engine's work at each step made the first check of a 100 MB plan
/// in Node take 2.6 s where the next ones took 0.6 s (about 1 s once reserved). A larger reserve
/// gained little and outgrew what the check needs. If the memory cannot grow that far, nothing is
/// reserved and the check grows it as it goes.
pub(crate) fn reserve_working_memory(text_bytes: usize) {
    if cfg!(target_family = "wasm") {
        let mut reserve: Vec<u8> = Vec::new();
        if reserve.try_reserve_exact(text_bytes / 4 * 5).is_ok() {
            std::hint::black_box(&reserve);
        }
    }
}

/// The spans of the values that `files` (`[{path, text}]`) mark sensitive, as JSON text
/// `[{file, start, end}]` with UTF-16 offsets (`text.slice(start, end)`), sorted and merged per
/// file. Pages that show source text around a finding mask these spans, as the CLI's code frames
/// do: the values plans mark, and where configurations write the values of variables declared
/// sensitive.
#[wasm_bindgen(js_name = sensitiveJson)]
pub fn sensitive_json(files: &JsValue) -> Result<String, JsError> {
    let files = input::files(files).map_err(|m| JsError::new(&m))?;
    json_out::to_string(&sensitive_spans(files))
        .map_err(|e| JsError::new(&format!("grantcheck: cannot serialise the spans: {e}")))
}

/// The sensitive spans of each file with UTF-16 offsets, placed by the core's locator (the
/// same code that gives findings their UTF-16 positions).
fn sensitive_spans(files: Vec<(String, input::Text)>) -> Vec<SensitiveOut> {
    let sources: Vec<SourceFile> = files.into_iter().enumerate().map(source_file).collect();
    let spans = grantcheck::sensitive_spans(&sources, &grantcheck::Options::default());
    let mut loc = grantcheck::report::locate::Locator::new(&sources, true);
    for s in &spans {
        loc.want(*s);
    }
    loc.resolve();
    spans
        .iter()
        .filter_map(|s| {
            let l = loc.location(*s)?;
            Some(SensitiveOut {
                file: l.file,
                start: l.start.utf16? as usize,
                end: l.end.utf16? as usize,
            })
        })
        .collect()
}

#[derive(serde::Serialize)]
struct SensitiveOut {
    file: String,
    start: usize,
    end: usize,
}

/// The rule catalogue as JSON text: `[{code, name, severity, summary, doc}]`, in catalogue order.
#[wasm_bindgen(js_name = rulesJson)]
pub fn rules_json() -> String {
    let list: Vec<RuleOut> = grantcheck::rules::all()
        .map(|m| RuleOut {
            code: m.code.as_str(),
            name: m.name,
            severity: m.severity.as_str(),
            summary: m.summary,
            doc: m.docs(),
        })
        .collect();
    json_out::to_string(&list).unwrap_or_else(|_| "[]".into())
}

#[derive(serde::Serialize)]
struct RuleOut {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    summary: &'static str,
    doc: String,
}

/// The version of the core.
#[wasm_bindgen]
pub fn version() -> String {
    grantcheck::VERSION.to_string()
}

/// Renders a report, given as JSON text, as SARIF 2.1.0 JSON text.
#[wasm_bindgen(js_name = toSarifJson)]
pub fn to_sarif_json(report: &str) -> Result<String, JsError> {
    let report = parse_report(report)
        .map_err(|m| JsError::new(&format!("toSarif(report): not a grantcheck report: {m}")))?;
    json_out::to_string(&grantcheck::report::sarif::Log(&report))
        .map_err(|e| JsError::new(&format!("toSarif(report): cannot serialise SARIF: {e}")))
}

/// Reads a report given as JSON text (what [`check_json`] returns, possibly round-tripped
/// through JavaScript) back into the core's report.
pub fn parse_report(json: &str) -> Result<grantcheck::Report, String> {
    report_in::parse(json)
}

/// Panics on purpose. Only the package's tests call it, through `grantcheck/internal`, to prove
/// that a panic reaches JavaScript as an `Error` and that the package recovers.
#[wasm_bindgen(js_name = panicForTesting)]
pub fn panic_for_testing(message: &str) {
    #[allow(clippy::panic)]
    {
        panic!("{message}");
    }
}

#[cfg(test)]
mod tests {
    use super::{input, sensitive_spans};

    #[test]
    fn sensitive_spans_are_in_utf16_units() {
        // "é" is 2 bytes and 1 unit, "😀" 4 bytes and 2 units: the span must still slice the
        // sensitive value out of the text as JavaScript holds it.
        let plan = r#"{"format_version":"1.2","resource_changes":[{"address":"aws_db_instance.d","type":"aws_db_instance","change":{"actions":["create"],"after":{"name":"aé😀b","password":"pw-1"},"after_sensitive":{"password":true}}}]}"#;
        let text = input::Text {
            utf8: plan.into(),
            ascii: false,
        };
        let out = sensitive_spans(vec![("plan.json".into(), text)]);
        assert_eq!(out.len(), 1);
        let js: Vec<u16> = plan.encode_utf16().collect();
        assert_eq!(
            String::from_utf16_lossy(&js[out[0].start..out[0].end]),
            "\"pw-1\""
        );
        assert_eq!(out[0].file, "plan.json");
    }

    #[test]
    fn values_of_sensitive_variables_are_sensitive_spans() {
        let value = "\"arn:aws:iam::444455556666:role/secret-reader\"";
        let files = |sensitive: bool| {
            let main = format!("variable \"reader\" {{\n  sensitive = {sensitive}\n}}\n");
            [
                ("main.tf", main),
                ("terraform.tfvars", format!("reader = {value}\n")),
            ]
            .into_iter()
            .map(|(path, utf8)| (path.to_string(), input::Text { utf8, ascii: true }))
            .collect()
        };
        assert!(sensitive_spans(files(false)).is_empty());
        let out = sensitive_spans(files(true));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].file, "terraform.tfvars");
        assert_eq!(
            format!("reader = {value}\n")[out[0].start..out[0].end],
            *value
        );
    }
}
