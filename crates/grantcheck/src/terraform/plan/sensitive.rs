//! Where a plan holds values that must never be printed: what it marks sensitive
//! (`after_sensitive`, `before_sensitive`, `sensitive_values`, sensitive outputs and root
//! variables) and the contents of `aws_secretsmanager_secret_version` (`secret_string`,
//! `secret_binary` and their write-only forms), marked or not.
//!
//! Renderers that print source text (code frames) mask these spans. The walk follows the
//! sensitivity marks only, so a large plan with few marks costs one shallow serde pass.

use std::collections::BTreeMap;

use super::configuration::ModuleConfig;
use super::{Change, Plan, Raw, StateModule, StateValues};
use crate::base::source::{SourceFile, Span};

/// The resource type whose secret payload is masked whatever the plan marks.
pub const SECRET_VERSION_TYPE: &str = "aws_secretsmanager_secret_version";

/// Attributes of [`SECRET_VERSION_TYPE`] that hold the secret.
pub const SECRET_ATTRIBUTES: &[&str] = &[
    "secret_string",
    "secret_binary",
    "secret_string_wo",
    "secret_string_wo_version",
];

type Map<'a> = BTreeMap<super::Text<'a>, Raw<'a>>;

struct Collector<'f> {
    file: &'f SourceFile,
    spans: Vec<Span>,
}

impl Collector<'_> {
    fn raw(&mut self, text: &str) {
        let start = (text.as_ptr() as usize).saturating_sub(self.file.text.as_ptr() as usize);
        if start + text.len() <= self.file.text.len() && text != "null" {
            self.spans
                .push(Span::new(self.file.id, start, start + text.len()));
        }
    }

    /// Marks the parts of `value` that `marks` (a sensitivity mask) says are sensitive.
    fn marked(&mut self, value: &str, marks: &str) {
        if !super::marks::can_mark(marks) {
            return;
        }
        let m = marks.trim();
        if m == "true" {
            self.raw(value);
            return;
        }
        if m.starts_with('{') {
            let (Ok(ms), Ok(vs)) = (
                serde_json::from_str::<Map<'_>>(m),
                serde_json::from_str::<Map<'_>>(value),
            ) else {
                return;
            };
            for (k, mk) in &ms {
                if let Some(v) = vs.get(k) {
                    self.marked(v.get(), mk.get());
                }
            }
        } else if m.starts_with('[') {
            let (Ok(ms), Ok(vs)) = (
                serde_json::from_str::<Vec<Raw<'_>>>(m),
                serde_json::from_str::<Vec<Raw<'_>>>(value),
            ) else {
                return;
            };
            for (v, mk) in vs.iter().zip(&ms) {
                self.marked(v.get(), mk.get());
            }
        }
    }

    /// Marks the secret attributes of a secret version's values (or configuration expressions).
    fn secret_payload(&mut self, rtype: Option<&str>, values: Option<&str>) {
        if rtype != Some(SECRET_VERSION_TYPE) {
            return;
        }
        let Some(vs) = values.and_then(|v| serde_json::from_str::<Map<'_>>(v).ok()) else {
            return;
        };
        for a in SECRET_ATTRIBUTES {
            if let Some(v) = vs.get(*a) {
                self.raw(v.get());
            }
        }
    }

    fn change(&mut self, rtype: Option<&str>, c: &Change<'_>) {
        // (without `before_sensitive`, older plans' old values take the new values' marks)
        let before_marks = c.before_sensitive.or(c.after_sensitive);
        for (v, m) in [(c.after, c.after_sensitive), (c.before, before_marks)] {
            if let (Some(v), Some(m)) = (v, m) {
                self.marked(v.get(), m.get());
            }
            self.secret_payload(rtype, v.map(|v| v.get()));
        }
    }

    fn state(&mut self, s: &StateValues<'_>) {
        for o in s.outputs.values() {
            if o.sensitive
                && let Some(v) = o.value
            {
                self.raw(v.get());
            }
        }
        let mut stack: Vec<&StateModule<'_>> = s.root_module.iter().collect();
        while let Some(m) = stack.pop() {
            stack.extend(m.child_modules.iter());
            for r in &m.resources {
                if let (Some(v), Some(mk)) = (r.values, r.sensitive_values) {
                    self.marked(v.get(), mk.get());
                }
                self.secret_payload(r.rtype.as_deref(), r.values.map(|v| v.get()));
            }
        }
    }

    fn config(&mut self, m: &ModuleConfig<'_>) {
        for r in &m.resources {
            self.secret_payload(r.rtype.as_deref(), r.expressions.map(|v| v.get()));
        }
        for call in m.module_calls.values() {
            if let Some(child) = &call.module {
                self.config(child);
            }
        }
    }
}

/// Spans of the values in a plan that must never be printed, sorted and merged. A text that
/// is not a readable plan gives none.
pub fn spans(file: &SourceFile) -> Vec<Span> {
    match serde_json::from_str::<Plan<'_>>(&file.text) {
        Ok(plan) => collect(file, &plan),
        Err(_) => vec![],
    }
}

/// The sensitive spans of a plan already read by the loader.
pub(crate) fn collect(file: &SourceFile, plan: &Plan<'_>) -> Vec<Span> {
    let mut c = Collector {
        file,
        spans: vec![],
    };
    for rc in plan
        .resource_changes
        .iter()
        .flat_map(|c| &c.kept)
        .chain(&plan.resource_drift)
    {
        c.change(rc.rtype.as_deref(), &rc.change);
    }
    for oc in plan.output_changes.values() {
        c.change(None, oc);
    }
    if let Some(pv) = &plan.planned_values {
        c.state(pv);
    }
    if let Some(v) = plan.prior_state.as_ref().and_then(|p| p.values.as_ref()) {
        c.state(v);
    }
    if let Some(root) = plan
        .configuration
        .as_ref()
        .and_then(|c| c.root_module.as_ref())
    {
        c.config(root);
        for (name, var) in &root.variables {
            if var.sensitive
                && let Some(v) = plan.variables.get(name.as_str()).and_then(|v| v.value)
            {
                c.raw(v.get());
            }
        }
    }
    merge(c.spans)
}

/// Sorts spans and merges the ones that overlap or touch.
pub fn merge(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_unstable();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        match out.last_mut() {
            Some(last) if last.file == s.file && s.start <= last.end => {
                last.end = last.end.max(s.end);
            }
            _ => out.push(s),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &SourceFile) -> Vec<&str> {
        spans(src).into_iter().map(|s| src.slice(s)).collect()
    }

    #[test]
    fn marked_values_and_secret_payloads() {
        let plan = r#"{"format_version":"1.2",
          "variables":{"token":{"value":"tok-123"},"plain":{"value":"p"}},
          "resource_changes":[
            {"address":"aws_db_instance.d","type":"aws_db_instance","change":{"actions":["create"],
              "after":{"password":"pw-1","tags":{"a":"b","k":"kv-2"},"list":["x","l-3"]},
              "after_sensitive":{"password":true,"tags":{"k":true},"list":[false,true]}}},
            {"address":"aws_secretsmanager_secret_version.v","type":"aws_secretsmanager_secret_version",
              "change":{"actions":["update"],"before":{"secret_string":"old-4"},
              "after":{"secret_string":"new-5","secret_id":"arn"}}}],
          "output_changes":{"o":{"after":"out-6","after_sensitive":true}},
          "prior_state":{"values":{"outputs":{"p":{"sensitive":true,"value":"prior-7"}},
            "root_module":{"resources":[{"type":"aws_secretsmanager_secret_version",
              "values":{"secret_binary":"bin-8"}}]}}},
          "configuration":{"root_module":{"variables":{"token":{"sensitive":true},"plain":{}},
            "resources":[{"type":"aws_secretsmanager_secret_version",
              "expressions":{"secret_string":{"constant_value":"cfg-9"}}}]}}}"#;
        let src = SourceFile::new(0, "plan.json", plan);
        let got = texts(&src);
        for want in [
            "\"tok-123\"",
            "\"pw-1\"",
            "\"kv-2\"",
            "\"l-3\"",
            "\"old-4\"",
            "\"new-5\"",
            "\"out-6\"",
            "\"prior-7\"",
            "\"bin-8\"",
        ] {
            assert!(got.contains(&want), "{want} not in {got:?}");
        }
        assert!(got.iter().any(|g| g.contains("cfg-9")), "{got:?}");
        assert!(!got.iter().any(|g| g.contains("\"p\"") || g.contains("arn")));
    }

    #[test]
    fn merge_joins_overlaps() {
        let s = |a, b| Span::new(0, a, b);
        assert_eq!(
            merge(vec![s(5, 9), s(0, 2), s(1, 3)]),
            vec![s(0, 3), s(5, 9)]
        );
    }
}
