//! The wasm-bindgen adapter behind the npm package `grantcheck`.
//!
//! It converts JavaScript input to the core's [`SourceFile`]s and [`Options`], and the core's
//! report back to JSON text that the package's JavaScript wrapper turns into a plain object.
//! Input the core can read badly becomes GC002 findings; arguments of the wrong shape become a
//! JavaScript `Error` with a message. A panic cannot be caught inside wasm32-unknown-unknown
//! (it aborts), so a panic hook records its message for [`take_panic`] and the wrapper turns
//! the resulting trap into an `Error` and starts a fresh instance.

mod input;
mod report_in;

use std::sync::Mutex;

use grantcheck::{Options, SourceFile};
use wasm_bindgen::prelude::*;

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
    let files = input::files(files).map_err(|m| JsError::new(&m))?;
    let accounts = input::accounts(options).map_err(|m| JsError::new(&m))?;
    let sources: Vec<SourceFile> = files
        .into_iter()
        .enumerate()
        .map(|(i, (path, text))| SourceFile::new(u32::try_from(i).unwrap_or(u32::MAX), path, text))
        .collect();
    // Options the JS API does not expose keep their defaults, whatever fields the core adds.
    #[allow(clippy::needless_update)]
    let options = Options {
        accounts,
        utf16: true,
        ..Options::default()
    };
    let report = grantcheck::check(&sources, &options);
    serde_json::to_string(&report)
        .map_err(|e| JsError::new(&format!("grantcheck: cannot serialise the report: {e}")))
}

/// The spans of the values that `files` (`[{path, text}]`) mark sensitive, as JSON text
/// `[{file, start, end}]` with UTF-16 offsets (`text.slice(start, end)`), sorted and merged per
/// file. Pages that show source text around a finding mask these spans, as the CLI's code frames
/// do. Files that are not plan JSON have none.
#[wasm_bindgen(js_name = sensitiveJson)]
pub fn sensitive_json(files: &JsValue) -> Result<String, JsError> {
    let files = input::files(files).map_err(|m| JsError::new(&m))?;
    let mut out = Vec::new();
    for (i, (path, text)) in files.into_iter().enumerate() {
        let src = SourceFile::new(u32::try_from(i).unwrap_or(u32::MAX), path, text);
        let spans = grantcheck::terraform::plan::sensitive::spans(&src);
        let mut utf16 = Utf16Offsets::new(&src.text);
        for s in spans {
            out.push(SensitiveOut {
                file: src.path.clone(),
                start: utf16.at(s.start as usize),
                end: utf16.at(s.end as usize),
            });
        }
    }
    serde_json::to_string(&out)
        .map_err(|e| JsError::new(&format!("grantcheck: cannot serialise the spans: {e}")))
}

#[derive(serde::Serialize)]
struct SensitiveOut {
    file: String,
    start: usize,
    end: usize,
}

/// Converts ascending byte offsets of one text to UTF-16 offsets in a single forward pass.
struct Utf16Offsets<'a> {
    text: &'a str,
    byte: usize,
    unit: usize,
}

impl<'a> Utf16Offsets<'a> {
    fn new(text: &'a str) -> Self {
        Utf16Offsets {
            text,
            byte: 0,
            unit: 0,
        }
    }

    /// The UTF-16 offset of byte offset `to` (clamped to the text, rounded down to a character
    /// boundary); offsets before the previous one restart from the beginning.
    fn at(&mut self, to: usize) -> usize {
        let mut to = to.min(self.text.len());
        while !self.text.is_char_boundary(to) {
            to -= 1;
        }
        if to < self.byte {
            self.byte = 0;
            self.unit = 0;
        }
        let part = self.text.get(self.byte..to).unwrap_or_default();
        self.unit += part.chars().map(char::len_utf16).sum::<usize>();
        self.byte = to;
        self.unit
    }
}

/// The rule catalogue as JSON text: `[{code, name, severity, summary, doc}]`, in catalogue order.
#[wasm_bindgen(js_name = rulesJson)]
pub fn rules_json() -> String {
    let list: Vec<RuleOut> = grantcheck::rules::all()
        .map(|m| RuleOut {
            code: m.code,
            name: m.name,
            severity: m.severity.as_str(),
            summary: m.summary,
            doc: m.docs(),
        })
        .collect();
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
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
    let sarif = grantcheck::report::sarif::to_sarif(&report);
    serde_json::to_string(&sarif)
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
    use super::Utf16Offsets;

    #[test]
    fn byte_offsets_become_utf16_offsets() {
        // "é" is 2 bytes and 1 unit, "😀" 4 bytes and 2 units.
        let text = "aé😀b";
        let mut u = Utf16Offsets::new(text);
        assert_eq!(u.at(0), 0);
        assert_eq!(u.at(1), 1);
        assert_eq!(u.at(3), 2);
        assert_eq!(u.at(7), 4);
        assert_eq!(u.at(8), 5);
        assert_eq!(u.at(99), 5, "past the end: the end");
        assert_eq!(
            u.at(5),
            2,
            "inside a character: its start; going back restarts"
        );
        let js: Vec<u16> = text.encode_utf16().collect();
        assert_eq!(String::from_utf16_lossy(&js[2..4]), "😀");
    }
}
