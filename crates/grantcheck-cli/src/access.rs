//! `grantcheck access`: per secret, who can read it after this apply and, for who cannot, the
//! first broken link; with a plan, what the plan changes (who gains or loses access, and what it
//! breaks). Drawn from the report's `access` section and summary, as every front end draws them.

use std::fmt::Write;

use grantcheck::Report;
use grantcheck::access::{LinkState, Reader, Verdict};
use grantcheck::diagnostic::Change;
use grantcheck::report::Location;

use crate::render::escape_line;

/// The verdict as a table cell: words and a mark, so that states differ by more than colour.
fn verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Reads => "✔ reads",
        Verdict::CannotRead => "✘ cannot read",
        Verdict::Unresolved => "? unresolved",
    }
}

/// What decides a reader's verdict: the first broken link, else the first unresolved one.
fn deciding_link(
    reader: &Reader<Option<Location>>,
) -> Option<&grantcheck::access::Link<Option<Location>>> {
    let first = |state| reader.links.iter().find(|l| l.state == state);
    first(LinkState::Broken).or_else(|| first(LinkState::Unresolved))
}

/// How many undecided checks the access table lists; `grantcheck check` lists them all.
const UNDECIDED_SHOWN: usize = 10;

/// The checks a value known only after apply left undecided (GC001), which readers may hang on.
fn undecided(out: &mut String, notes: &[&grantcheck::report::ReportFinding]) {
    for f in notes.iter().take(UNDECIDED_SHOWN) {
        let at = f
            .location
            .as_ref()
            .map(|l| format!(" ({}:{})", l.file, l.start.line))
            .unwrap_or_default();
        let _ = writeln!(out, "undecided: {}{at}", escape_line(&f.message));
    }
    if notes.len() > UNDECIDED_SHOWN {
        let _ = writeln!(
            out,
            "undecided: and {} more (`grantcheck check` lists them all)",
            notes.len() - UNDECIDED_SHOWN
        );
    }
}

/// Lines of a table, columns padded to their widest cell (counted in characters).
fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::from("  ");
        for (c, cell) in r.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < r.len() {
                let pad = widths[c] - cell.chars().count() + 2;
                line.push_str(&" ".repeat(pad));
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// The access report as text.
pub fn text(report: &Report) -> String {
    let entries = &report.access;
    let s = &report.summary;
    let mut out = String::new();
    // what the plan breaks, by secret: findings the plan introduces on its reads
    let broken_here = |secret: &str| -> Vec<String> {
        report
            .findings
            .iter()
            .filter(|f| f.change == Some(Change::Introduced))
            .filter(|f| f.resource == secret || f.related.iter().any(|r| r == secret))
            .filter(|f| {
                matches!(
                    f.rule,
                    grantcheck::RuleCode::XA002
                        | grantcheck::RuleCode::XA003
                        | grantcheck::RuleCode::XA006
                        | grantcheck::RuleCode::XA007
                )
            })
            .map(|f| format!("{}: {}", f.rule, f.message))
            .collect()
    };
    for e in entries {
        let secret = e.secret.as_str();
        let _ = writeln!(out, "{}", escape_line(secret));
        if let Some(c) = s.access_changes.iter().find(|c| c.secret == secret) {
            let list = |v: &[String]| v.join(", ").replace('*', "everyone (*)");
            if !c.gained.is_empty() {
                let _ = writeln!(
                    out,
                    "  this plan gives access to {}",
                    escape_line(&list(&c.gained))
                );
            }
            if !c.lost.is_empty() {
                let _ = writeln!(
                    out,
                    "  this plan takes access from {}",
                    escape_line(&list(&c.lost))
                );
            }
        }
        for b in broken_here(secret) {
            let _ = writeln!(out, "  broken by this plan: {}", escape_line(&b));
        }
        let mut rows = vec![vec![
            "reader".to_string(),
            "account".to_string(),
            "verdict".to_string(),
            "why".to_string(),
        ]];
        for r in &e.readers {
            let why = match deciding_link(r) {
                Some(l) => {
                    let at = l
                        .location
                        .as_ref()
                        .map(|loc| format!(" ({}:{})", loc.file, loc.start.line))
                        .unwrap_or_default();
                    format!("{}: {}{at}", l.link.as_str(), l.message)
                }
                // a read that holds under conditions says which
                None if r.conditions.is_empty() => String::new(),
                None => format!("when {}", r.conditions.join(" and ")),
            };
            rows.push(vec![
                escape_line(&r.principal),
                escape_line(&r.account),
                verdict(r.verdict).to_string(),
                escape_line(&why),
            ]);
        }
        out.push_str(&table(&rows));
        out.push('\n');
    }
    let count = |v: Verdict| {
        entries
            .iter()
            .flat_map(|e| &e.readers)
            .filter(|r| r.verdict == v)
            .count()
    };
    if entries.is_empty() {
        let _ = writeln!(
            out,
            "no secret is shared with another account in what was checked"
        );
    }
    if let Some(line) = grantcheck::report::owner_unknown_line(s) {
        let _ = writeln!(out, "warning: {line}");
    }
    let view = report.access_report();
    undecided(&mut out, &view.unresolved);
    for e in &view.errors {
        let _ = writeln!(out, "error: {}", escape_line(&e.message));
    }
    let _ = writeln!(
        out,
        "{} secret{} with readers: {} reader{} can read, {} cannot, {} unresolved",
        entries.len(),
        if entries.len() == 1 { "" } else { "s" },
        count(Verdict::Reads),
        if count(Verdict::Reads) == 1 { "" } else { "s" },
        count(Verdict::CannotRead),
        count(Verdict::Unresolved)
    );
    out
}
