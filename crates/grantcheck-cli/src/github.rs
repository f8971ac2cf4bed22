//! GitHub Actions workflow commands (`--format github`): one `::error`, `::warning` or
//! `::notice` line per finding, shown as annotations on the pull request.

use std::fmt::Write;

use grantcheck::{Report, Severity};

/// Escapes the message part of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command (`file=`, `title=` …).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// The report as workflow commands, one line per finding.
pub fn github(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let mut props: Vec<String> = Vec::new();
        if let Some(loc) = &f.location {
            props.push(format!("file={}", escape_property(&loc.file)));
            props.push(format!("line={}", loc.start.line));
            props.push(format!("col={}", loc.start.column));
            props.push(format!("endLine={}", loc.end.line.max(loc.start.line)));
            if loc.end.line == loc.start.line {
                props.push(format!(
                    "endColumn={}",
                    loc.end.column.max(loc.start.column)
                ));
            }
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("{} {}", f.rule, f.name))
        ));
        let mut message = f.message.clone();
        if !f.resource.is_empty() {
            message = format!("{}: {message}", f.resource);
        }
        if !f.help.is_empty() {
            message.push_str("\nhelp: ");
            message.push_str(&f.help);
        }
        let _ = writeln!(
            out,
            "::{} {}::{}",
            command(f.severity),
            props.join(","),
            escape_data(&message)
        );
    }
    if let Some(line) = grantcheck::report::owner_unknown_line(&report.summary) {
        let _ = writeln!(
            out,
            "::warning title=GC001 unresolved::{}",
            escape_data(&line)
        );
    }
    out
}
