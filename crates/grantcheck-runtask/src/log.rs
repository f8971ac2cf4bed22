//! Structured logs: one JSON object per line on standard error. What a line may hold: the run's
//! id, organization, workspace and stage, the result's status and counts, durations, and the
//! server's own words. Never the access token, never a value from a plan.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

/// Writes one log line: `event` and the given fields, with the time in seconds since the epoch.
pub fn line(level: &str, event: &str, fields: &[(&str, Value)]) {
    let mut m = Map::new();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as f64 / 1000.0)
        .unwrap_or(0.0);
    m.insert("time".into(), Value::from(now));
    m.insert("level".into(), Value::from(level));
    m.insert("event".into(), Value::from(event));
    for (k, v) in fields {
        m.insert((*k).to_string(), v.clone());
    }
    let mut text = Value::Object(m).to_string();
    text.push('\n');
    // (a log that cannot be written is not a reason to stop serving)
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

pub fn info(event: &str, fields: &[(&str, Value)]) {
    line("info", event, fields);
}

pub fn warn(event: &str, fields: &[(&str, Value)]) {
    line("warn", event, fields);
}
