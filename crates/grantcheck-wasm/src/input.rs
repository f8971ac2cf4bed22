//! Reads the JavaScript arguments of `check(files, options)`, with messages that say which
//! argument is wrong and how.

use js_sys::{Array, JsString, Object, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

const KNOWN_OPTIONS: &[&str] = &["accounts"];

/// `files`: an array of `{path: string, text: string}`; each text as UTF-8, with whether it is
/// all ASCII (known from encoding it).
pub fn files(files: &JsValue) -> Result<Vec<(String, Text)>, String> {
    if !Array::is_array(files) {
        return Err(format!(
            "check(files, options): `files` must be an array of {{path, text}} objects, got {}",
            describe(files)
        ));
    }
    let array: &Array = files.unchecked_ref();
    let mut out = Vec::with_capacity(array.length() as usize);
    let encoder = TextEncoder::new();
    for (i, item) in array.iter().enumerate() {
        if !is_plain_object(&item) {
            return Err(format!(
                "check(files, options): files[{i}] must be an object {{path, text}}, got {}",
                describe(&item)
            ));
        }
        let path = string_field(&item, "path").map_err(|got| {
            format!("check(files, options): files[{i}].path must be a string, got {got}")
        })?;
        let text = js_string_field(&item, "text").map_err(|got| {
            format!("check(files, options): files[{i}].text must be a string, got {got}")
        })?;
        out.push((path, utf8(&text, &encoder)));
    }
    Ok(out)
}

/// `options`: `undefined`, `null` or `{accounts?: string[]}`; returns the owner accounts.
pub fn accounts(options: &JsValue) -> Result<Vec<String>, String> {
    if options.is_undefined() || options.is_null() {
        return Ok(Vec::new());
    }
    if !is_plain_object(options) {
        return Err(format!(
            "check(files, options): `options` must be an object such as {{accounts: [\"111122223333\"]}}, got {}",
            describe(options)
        ));
    }
    let object: &Object = options.unchecked_ref();
    for key in Object::keys(object).iter() {
        let key = key.as_string().unwrap_or_default();
        if !KNOWN_OPTIONS.contains(&key.as_str()) {
            return Err(format!(
                "check(files, options): unknown option `{key}` (known: {})",
                KNOWN_OPTIONS.join(", ")
            ));
        }
    }
    let value = Reflect::get(options, &JsValue::from_str("accounts"))
        .map_err(|_| "check(files, options): cannot read options.accounts".to_string())?;
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    if !Array::is_array(&value) {
        return Err(format!(
            "check(files, options): options.accounts must be an array of 12-digit account id strings, got {}",
            describe(&value)
        ));
    }
    let array: &Array = value.unchecked_ref();
    let mut out = Vec::with_capacity(array.length() as usize);
    for (i, item) in array.iter().enumerate() {
        let Some(id) = item.as_string() else {
            return Err(format!(
                "check(files, options): options.accounts[{i}] must be a string, got {}",
                describe(&item)
            ));
        };
        if !grantcheck::policy::is_account_id(&id) {
            return Err(format!(
                "check(files, options): options.accounts[{i}] is {id:?}; an account id is 12 digits"
            ));
        }
        out.push(id);
    }
    Ok(out)
}

/// An object that is not an array or a function.
fn is_plain_object(v: &JsValue) -> bool {
    v.is_object() && !Array::is_array(v)
}

/// Reads a string property; the error is a description of what was there instead.
fn string_field(object: &JsValue, name: &str) -> Result<String, String> {
    let value = Reflect::get(object, &JsValue::from_str(name))
        .map_err(|_| "a property that cannot be read".to_string())?;
    value.as_string().ok_or_else(|| describe(&value))
}

/// Reads a string property as a JavaScript string, not yet copied into wasm memory.
fn js_string_field(object: &JsValue, name: &str) -> Result<JsString, String> {
    let value = Reflect::get(object, &JsValue::from_str(name))
        .map_err(|_| "a property that cannot be read".to_string())?;
    value.dyn_into::<JsString>().map_err(|v| describe(&v))
}

#[wasm_bindgen]
extern "C" {
    /// The platform's `TextEncoder` (Node 18+ and browsers): its `encodeInto` writes a string's
    /// UTF-8 straight into wasm memory, far faster than wasm-bindgen's per-character loop.
    type TextEncoder;
    #[wasm_bindgen(constructor)]
    fn new() -> TextEncoder;
    #[wasm_bindgen(method, js_name = encodeInto)]
    fn encode_into(
        this: &TextEncoder,
        source: &JsString,
        destination: &mut [u8],
    ) -> EncodeIntoResult;

    type EncodeIntoResult;
    #[wasm_bindgen(method, getter)]
    fn read(this: &EncodeIntoResult) -> f64;
    #[wasm_bindgen(method, getter)]
    fn written(this: &EncodeIntoResult) -> f64;
}

/// A text from JavaScript in UTF-8, and whether it is all ASCII.
pub struct Text {
    pub utf8: String,
    pub ascii: bool,
}

/// The UTF-8 of a JavaScript string, as `JsValue::as_string` gives it (a lone surrogate becomes
/// U+FFFD). The buffer starts at one byte per UTF-16 unit, exact for ASCII; when the text does not
/// fit, it grows to three bytes for each unit left, which always holds the rest (a unit is at most
/// three bytes, a surrogate pair four), so a second call finishes. The text is ASCII when the
/// first call reads every unit and writes one byte for each (any other character takes more
/// bytes than units).
fn utf8(text: &JsString, encoder: &TextEncoder) -> Text {
    let units = text.length() as usize;
    let mut buf = vec![0u8; units];
    let mut written = 0usize;
    let mut rest = text.clone();
    let mut ascii = false;
    for round in 0..2 {
        let Some(free) = buf.get_mut(written..) else {
            break;
        };
        let r = encoder.encode_into(&rest, free);
        written = (written + r.written() as usize).min(buf.len());
        let left = rest.length();
        let read = (r.read() as u32).min(left);
        if read == left {
            ascii = round == 0 && written == units;
            break;
        }
        rest = rest.slice(read, left);
        buf.resize(written + 3 * rest.length() as usize, 0);
    }
    buf.truncate(written);
    let utf8 = String::from_utf8(buf)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Text { utf8, ascii }
}

/// Says what a value is, for error messages: "undefined", "null", "an array", "a number (3)"…
fn describe(v: &JsValue) -> String {
    if v.is_undefined() {
        return "undefined".into();
    }
    if v.is_null() {
        return "null".into();
    }
    if Array::is_array(v) {
        return "an array".into();
    }
    if let Some(n) = v.as_f64() {
        return format!("a number ({n})");
    }
    if let Some(b) = v.as_bool() {
        return format!("a boolean ({b})");
    }
    if v.is_string() {
        return "a string".into();
    }
    if v.is_function() {
        return "a function".into();
    }
    if v.is_object() {
        return "an object".into();
    }
    v.js_typeof()
        .as_string()
        .unwrap_or_else(|| "a value".into())
}
