//! Reads the JavaScript arguments of `check(files, options)`, with messages that say which
//! argument is wrong and how.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

const KNOWN_OPTIONS: &[&str] = &["accounts"];

/// `files`: an array of `{path: string, text: string}`.
pub fn files(files: &JsValue) -> Result<Vec<(String, String)>, String> {
    if !Array::is_array(files) {
        return Err(format!(
            "check(files, options): `files` must be an array of {{path, text}} objects, got {}",
            describe(files)
        ));
    }
    let array: &Array = files.unchecked_ref();
    let mut out = Vec::with_capacity(array.length() as usize);
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
        let text = string_field(&item, "text").map_err(|got| {
            format!("check(files, options): files[{i}].text must be a string, got {got}")
        })?;
        out.push((path, text));
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
