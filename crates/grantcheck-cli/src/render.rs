//! Text rendering of reports and the rule list.

use std::fmt::Write;

use grantcheck::{Report, Severity, SourceFile};

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

fn severity_code(s: Severity) -> &'static str {
    match s {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Note => "1;36",
    }
}

/// Findings as text: rule, resource, message, help, file:line:col; a summary line at the end.
pub fn text(report: &Report, _sources: &[SourceFile], color: bool, quiet: bool) -> String {
    let st = Style { on: color };
    let mut out = String::new();
    for f in &report.findings {
        let head = format!("{}[{}]", f.severity.as_str(), f.rule);
        let _ = write!(
            out,
            "{} {}",
            st.paint(severity_code(f.severity), &head),
            st.paint("1", &f.name)
        );
        if !f.resource.is_empty() {
            let _ = write!(out, ": {}", f.resource);
        }
        out.push('\n');
        if let Some(loc) = &f.location {
            let _ = write!(
                out,
                "  {} {}:{}:{}",
                st.paint("34", "-->"),
                loc.file,
                loc.start.line,
                loc.start.column
            );
            if let Some(p) = &f.policy_path {
                let _ = write!(out, " (in the policy at {p})");
            }
            out.push('\n');
        }
        let _ = writeln!(out, "  {}", f.message);
        if !quiet {
            for r in &f.related_locations {
                let _ = writeln!(
                    out,
                    "  {} {}:{}:{}: {}",
                    st.paint("34", "note:"),
                    r.location.file,
                    r.location.start.line,
                    r.location.start.column,
                    r.message
                );
            }
            if !f.related.is_empty() {
                let _ = writeln!(
                    out,
                    "  {} {}",
                    st.paint("34", "related:"),
                    f.related.join(", ")
                );
            }
            if !f.help.is_empty() {
                let _ = writeln!(out, "  {} {}", st.paint("32", "help:"), f.help);
            }
        }
        out.push('\n');
    }
    let s = &report.summary;
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    let _ = writeln!(
        out,
        "{}: {}, {}, {} in {}, {} checked",
        if s.errors > 0 {
            st.paint("1;31", "failed")
        } else {
            st.paint("1;32", "grantcheck")
        },
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.notes, "note"),
        plural(s.files, "file"),
        plural(s.policies, "policy").replace("policys", "policies"),
    );
    out
}

pub fn rules_text() -> String {
    let mut out = String::new();
    for m in grantcheck::rules::all() {
        let _ = writeln!(
            out,
            "{:<6} {:<8} {:<32} {}",
            m.code,
            m.severity.as_str(),
            m.name,
            m.summary
        );
    }
    out
}

pub fn rules_json() -> String {
    let list: Vec<serde_json::Value> = grantcheck::rules::all()
        .map(|m| {
            serde_json::json!({
                "code": m.code, "name": m.name, "severity": m.severity.as_str(),
                "summary": m.summary, "doc": m.docs(),
            })
        })
        .collect();
    serde_json::to_string_pretty(&list).unwrap_or_default() + "\n"
}

/// The README rule table.
pub fn rules_markdown() -> String {
    grantcheck::rules::markdown_table()
}
