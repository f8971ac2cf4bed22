//! `--format markdown`: the report as a pull-request comment. A headline verdict, who gains or
//! loses access to which secret in this plan, a table of the findings by rule and resource with
//! links to where they are, and each finding's detail (an excerpt of the source with sensitive
//! values masked, and the help) folded in `<details>` blocks. GitHub refuses comments over
//! 65,536 characters: past [`MAX_CHARS`] the details, then the rows, that do not fit are left out
//! and the comment says how many and where to see them all.

use std::fmt::Write;

use grantcheck::report::{Location, ReportFinding};
use grantcheck::{Report, Severity, SourceFile, Span};

use crate::frames;

/// The longest comment written, under GitHub's limit of 65,536 characters with room for what a
/// workflow adds around it.
pub const MAX_CHARS: usize = 60_000;

/// How the comment is written.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--fail-on` (`None`: nothing fails): the headline says what the exit status says.
    pub threshold: Option<Severity>,
    /// Where a file's lines are seen on the web, e.g. `https://github.com/o/r/blob/SHA/`: a
    /// location `main.tf:12` then links to `{link_base}main.tf#L12`.
    pub link_base: Option<String>,
    /// The longest comment written (`MAX_CHARS` by default).
    pub max_chars: Option<usize>,
}

/// `s` with what HTML reads (`&`, `<`, `>`) and the table cell separator written as entities,
/// line breaks as spaces and other control characters escaped; `markdown` characters (those
/// that make links, emphasis or headings) backslash-escaped as well.
fn escaped(s: &str, markdown: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("&#124;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' if markdown => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push_str(&c.escape_default().to_string()),
            c => out.push(c),
        }
    }
    out
}

/// Text from the input (addresses, paths, messages) as Markdown that shows it as written: no
/// link, emphasis, heading or HTML can be made of it, and it stays in its table cell.
pub fn escape(s: &str) -> String {
    escaped(s, true)
}

/// An address or other name from the input as inline code (no Markdown inside; `|` kept in its
/// table cell).
fn code(s: &str) -> String {
    format!("<code>{}</code>", escaped(s, false))
}

/// A fenced code block holding `text` as it is: the fence is longer than any run of backticks
/// in it.
fn fenced(text: &str, lang: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}{lang}\n{}\n{fence}\n", text.trim_end_matches('\n'))
}

fn plural(n: usize, word: &str) -> String {
    match (n, word) {
        (1, _) => format!("1 {word}"),
        (_, "policy") => format!("{n} policies"),
        _ => format!("{n} {word}s"),
    }
}

fn severity_cell(s: Severity) -> &'static str {
    match s {
        Severity::Error => "🔴 error",
        Severity::Warning => "🟠 warning",
        Severity::Note => "🔵 note",
    }
}

/// `main.tf:12`, linked where the files are on the web.
fn place(loc: &Location, link_base: Option<&str>) -> String {
    let text = format!("{}:{}", loc.file, loc.start.line);
    match link_base {
        Some(base) if !loc.file.starts_with('/') => format!(
            "[{}]({base}{}#L{})",
            escape(&text),
            loc.file
                .split('/')
                .map(|p| percent_path(p.trim_start_matches("./")))
                .filter(|p| !p.is_empty() && p != ".")
                .collect::<Vec<_>>()
                .join("/"),
            loc.start.line
        ),
        _ => escape(&text),
    }
}

/// A path segment for a URL: what is not plainly safe is percent-encoded.
fn percent_path(segment: &str) -> String {
    let mut out = String::new();
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The excerpt of the source at a finding, sensitive values masked, when the source is at hand.
fn excerpt(report: &Report, f: &ReportFinding, sources: &[SourceFile]) -> Option<String> {
    let loc = f.location.as_ref()?;
    let src = sources.iter().find(|s| s.path == loc.file)?;
    let start = loc.start.offset? as usize;
    let end = loc.end.offset.map_or(start, |e| e as usize);
    let x = frames::excerpt(src, Span::new(src.id, start, end), &report.sensitive);
    Some(x.text)
}

/// The detail of one finding in Markdown: its message, where it is (linked under `link_base`),
/// the excerpt of the source with sensitive values masked, and the help. A comment folds it in
/// `<details>`; a run task result shows it as an outcome's body.
pub fn finding_body(
    report: &Report,
    f: &ReportFinding,
    sources: &[SourceFile],
    link_base: Option<&str>,
) -> String {
    let mut d = format!("{}\n\n", escape(&f.message));
    if let Some(l) = &f.location {
        let _ = writeln!(
            d,
            "At {}{}.\n",
            place(l, link_base),
            f.policy_path
                .as_ref()
                .map(|p| format!(", in the policy at {}", escape(p)))
                .unwrap_or_default()
        );
    }
    if let Some(x) = excerpt(report, f, sources) {
        d.push_str(&fenced(&x, ""));
        d.push('\n');
    }
    if !f.help.is_empty() {
        let _ = writeln!(d, "**How to fix:** {}\n", escape(&f.help));
    }
    d
}

/// The report as a pull-request comment.
pub fn markdown(report: &Report, sources: &[SourceFile], options: &Options) -> String {
    let s = &report.summary;
    let failed = grantcheck::report::fails(report, options.threshold);
    let mut head = String::new();
    let counts = format!(
        "{}, {}, {}",
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.notes, "note")
    );
    let _ = writeln!(
        head,
        "## {} grantcheck: {}\n",
        if failed { "❌" } else { "✅" },
        if failed {
            format!("failed — {counts}")
        } else if report.findings.is_empty() {
            "no findings".to_string()
        } else {
            format!("passed — {counts}")
        }
    );
    let _ = writeln!(
        head,
        "Checked {}: {} and {}.",
        plural(s.files, "file"),
        plural(s.resources, "resource"),
        plural(s.policies, "policy")
    );
    for line in grantcheck::report::owner_unknown_line(s)
        .into_iter()
        .chain(grantcheck::report::suppressed_line(s))
    {
        let _ = writeln!(head, "\n> {}", escape(&line));
    }
    if !s.access_changes.is_empty() {
        let _ = writeln!(
            head,
            "\n### Access in this plan\n\n| secret | gains access | loses access |\n|---|---|---|"
        );
        let accounts = |v: &[String]| {
            if v.is_empty() {
                "—".to_string()
            } else {
                v.iter()
                    .map(|a| {
                        if a == "*" {
                            "everyone (\\*)".to_string()
                        } else {
                            escape(a)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        for c in &s.access_changes {
            let _ = writeln!(
                head,
                "| {} | {} | {} |",
                code(&c.secret),
                accounts(&c.gained),
                accounts(&c.lost)
            );
        }
    }
    let order = grantcheck::report::reading_order(report);
    let link_base = options.link_base.as_deref();
    let rows: Vec<String> = order
        .iter()
        .map(|f| {
            let mut message = f.message.clone();
            if let Some(c) = f.change {
                let _ = write!(
                    message,
                    " ({} by this plan)",
                    match c {
                        grantcheck::diagnostic::Change::Introduced => "introduced",
                        grantcheck::diagnostic::Change::Existing => "already there before",
                        grantcheck::diagnostic::Change::Fixed => "fixed",
                    }
                );
            }
            format!(
                "| {} | {} {} | {} | {} | {} |\n",
                severity_cell(f.severity),
                f.rule,
                escape(&f.name),
                if f.resource.is_empty() {
                    "—".to_string()
                } else {
                    code(&f.resource)
                },
                f.location
                    .as_ref()
                    .map_or("—".to_string(), |l| place(l, link_base)),
                escape(&message)
            )
        })
        .collect();
    let details: Vec<String> = order
        .iter()
        .map(|f| {
            let mut d = format!(
                "<details><summary>{} {} · {}</summary>\n\n",
                f.rule,
                escape(&f.name),
                if f.resource.is_empty() {
                    escape(&f.message)
                } else {
                    code(&f.resource)
                },
            );
            d.push_str(&finding_body(report, f, sources, link_base));
            d.push_str("</details>\n");
            d
        })
        .collect();
    let cap = options.max_chars.unwrap_or(MAX_CHARS);
    let table_head = "\n### Findings\n\n| severity | rule | resource | where | message |\n|---|---|---|---|---|\n";
    // what every comment ends with when something is left out (counted before it is known)
    let left_out_room = 400;
    let mut out = head;
    if rows.is_empty() {
        return out;
    }
    out.push_str(table_head);
    let mut shown_rows = 0;
    for r in &rows {
        if out.len() + r.len() + left_out_room > cap {
            break;
        }
        out.push_str(r);
        shown_rows += 1;
    }
    let mut shown_details = 0;
    if shown_rows == rows.len() {
        out.push_str("\n### Details\n\n");
        for d in &details {
            if out.len() + d.len() + left_out_room > cap {
                break;
            }
            out.push_str(d);
            shown_details += 1;
        }
    }
    let (rows_out, details_out) = (rows.len() - shown_rows, details.len() - shown_details);
    if rows_out > 0 || details_out > 0 {
        let what = if rows_out > 0 {
            format!("{} not shown", plural(rows_out, "finding"))
        } else {
            format!(
                "the details of {} not shown",
                plural(details_out, "finding")
            )
        };
        let _ = writeln!(
            out,
            "\n> {what}: a comment holds at most {cap} characters. Every finding is in the SARIF output (`--format sarif`, uploaded to code scanning) and the JSON report (`--format json`)."
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape, fenced, percent_path};

    #[test]
    fn input_text_cannot_make_links_html_or_leave_its_cell() {
        let e = escape("[x](https://evil.example) <img src=x> a|b *c* `d`\nnext");
        assert!(e.starts_with("\\[x\\](https://evil"), "{e}");
        assert!(
            !e.contains('<') && !e.contains('|') && !e.contains('\n'),
            "{e}"
        );
        assert!(e.contains("\\*c\\*") && e.contains("\\`d\\`"), "{e}");
        assert_eq!(escape("arn:aws:iam::1:root"), "arn:aws:iam::1:root");
        assert_eq!(super::code("a|b<c>"), "<code>a&#124;b&lt;c&gt;</code>");
    }

    #[test]
    fn a_fence_is_longer_than_any_backtick_run_inside() {
        let f = fenced("a ```` b", "");
        assert!(f.starts_with("`````\n") && f.ends_with("\n`````\n"), "{f}");
        assert!(fenced("plain", "hcl").starts_with("```hcl\n"));
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(percent_path("main.tf"), "main.tf");
        assert_eq!(percent_path("a b#c"), "a%20b%23c");
    }
}
