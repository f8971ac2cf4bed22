//! `grantcheck access`: per secret, who can read it after this apply and, for who cannot, the
//! first broken link; with a plan, what the plan changes (who gains or loses access, and what it
//! breaks). Drawn from the report's `access` section and summary, as every front end draws them.

use std::fmt::Write;

use grantcheck::Report;
use grantcheck::diagnostic::Change;
use serde_json::Value;

use crate::render::escape_line;

/// The verdict as a table cell: words and a mark, so that states differ by more than colour.
fn verdict(v: &str) -> &'static str {
    match v {
        "reads" => "✔ reads",
        "cannot-read" => "✘ cannot read",
        _ => "? unresolved",
    }
}

/// What decides a reader's verdict: the first broken link, else the first unresolved one.
fn deciding_link(reader: &Value) -> Option<&Value> {
    let links = reader["links"].as_array()?;
    links
        .iter()
        .find(|l| l["state"] == "broken")
        .or_else(|| links.iter().find(|l| l["state"] == "unresolved"))
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
    let json = serde_json::to_value(report).unwrap_or(Value::Null);
    let entries = json["access"].as_array().cloned().unwrap_or_default();
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
    for e in &entries {
        let secret = e["secret"].as_str().unwrap_or("");
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
        for r in e["readers"].as_array().into_iter().flatten() {
            let why = deciding_link(r)
                .map(|l| {
                    let at = l["location"]
                        .as_object()
                        .map(|loc| {
                            format!(
                                " ({}:{})",
                                loc.get("file").and_then(Value::as_str).unwrap_or(""),
                                loc.get("start")
                                    .and_then(|p| p.get("line"))
                                    .and_then(Value::as_u64)
                                    .unwrap_or(0)
                            )
                        })
                        .unwrap_or_default();
                    format!(
                        "{}: {}{at}",
                        l["link"].as_str().unwrap_or(""),
                        l["message"].as_str().unwrap_or("")
                    )
                })
                .unwrap_or_else(|| {
                    // a read that holds under conditions says which
                    let conditions: Vec<&str> = r["conditions"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    if conditions.is_empty() {
                        String::new()
                    } else {
                        format!("when {}", conditions.join(" and "))
                    }
                });
            rows.push(vec![
                escape_line(r["principal"].as_str().unwrap_or("")),
                escape_line(r["account"].as_str().unwrap_or("")),
                verdict(r["verdict"].as_str().unwrap_or("")).to_string(),
                escape_line(&why),
            ]);
        }
        out.push_str(&table(&rows));
        out.push('\n');
    }
    let count = |v: &str| {
        entries
            .iter()
            .flat_map(|e| e["readers"].as_array().cloned().unwrap_or_default())
            .filter(|r| r["verdict"] == v)
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
    let _ = writeln!(
        out,
        "{} secret{} shared with other accounts: {} reader{} can read, {} cannot, {} unresolved",
        entries.len(),
        if entries.len() == 1 { "" } else { "s" },
        count("reads"),
        if count("reads") == 1 { "" } else { "s" },
        count("cannot-read"),
        count("unresolved")
    );
    out
}
