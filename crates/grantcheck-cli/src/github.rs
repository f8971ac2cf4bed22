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

/// GitHub shows at most this many annotations of each severity for one step.
pub const SHOWN_PER_SEVERITY: usize = 10;

/// The report as workflow commands, one line per finding, the most important first (GitHub
/// shows only the first [`SHOWN_PER_SEVERITY`] of each severity): errors, then warnings, then
/// notes; within each, what the plan introduces before what was there, and what it fixes last.
pub fn github(report: &Report) -> String {
    let mut out = String::new();
    let mut order: Vec<&grantcheck::ReportFinding> = report.findings.iter().collect();
    order.sort_by_key(|f| {
        let change = match f.change {
            Some(grantcheck::diagnostic::Change::Introduced) => 0,
            None => 1,
            Some(grantcheck::diagnostic::Change::Existing) => 2,
            Some(grantcheck::diagnostic::Change::Fixed) => 3,
        };
        (std::cmp::Reverse(f.severity), change)
    });
    for f in order {
        let mut props: Vec<String> = Vec::new();
        let mut title = format!("{} {}", f.rule, f.name);
        match &f.location {
            // a plan written on one line (`terraform show -json`) without its configuration: a
            // column millions of characters into the line helps no one on a pull request; the
            // annotation names the file, and its title the resource
            Some(loc) if loc.start.line == 1 && report.summary.plans.contains(&loc.file) => {
                props.push(format!("file={}", escape_property(&loc.file)));
                props.push("line=1".to_string());
                if !f.resource.is_empty() {
                    title = format!("{title}: {}", f.resource);
                }
            }
            Some(loc) => {
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
            None => {}
        }
        props.push(format!("title={}", escape_property(&title)));
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
    let s = &report.summary;
    let unseen: Vec<String> = [
        (s.errors, "error"),
        (s.warnings, "warning"),
        (s.notes, "note"),
    ]
    .iter()
    .filter(|(n, _)| *n > SHOWN_PER_SEVERITY)
    .map(|(n, w)| format!("{} {w}s", n - SHOWN_PER_SEVERITY))
    .collect();
    if !unseen.is_empty() {
        let _ = writeln!(
            out,
            "::notice title=grantcheck::{}",
            escape_data(&format!(
                "GitHub shows {SHOWN_PER_SEVERITY} annotations of each severity per step, so {} are not shown as annotations; the job summary and the SARIF output (--format sarif=grantcheck.sarif, uploaded with github/codeql-action/upload-sarif) show every finding",
                grantcheck::report::and_list(&unseen)
            ))
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
