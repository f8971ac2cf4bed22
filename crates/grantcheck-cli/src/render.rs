//! Text rendering of reports (code frames through annotate-snippets) and of the rule list.

use std::fmt::Write;

use annotate_snippets::{AnnotationKind, Element, Group, Level, Origin, Renderer, Snippet};
use grantcheck::report::Location;
use grantcheck::{Report, Severity, SourceFile, Span};

use crate::frames;

/// Colours for the summary line (the frames are coloured by their renderer).
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

fn level(s: Severity) -> Level<'static> {
    match s {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    }
}

/// A snippet of `src` around `span` with an annotation, sensitive values masked. When the
/// excerpt starts mid-line, the renderer cannot know the column: an explicit origin says it.
fn frame<'a>(
    src: &'a SourceFile,
    span: Span,
    at: &Location,
    sensitive: &[Span],
    kind: AnnotationKind,
    label: Option<String>,
) -> Vec<Element<'a>> {
    let x = frames::excerpt(src, span, sensitive);
    let cut_left = x.cut_left;
    let mut snippet = Snippet::source(x.text)
        .line_start(x.line)
        .annotation(kind.span(x.range).label(label));
    let path = escape_line(&src.path);
    if !cut_left {
        return vec![snippet.path(path).into()];
    }
    let origin = Origin::path(path)
        .line(at.start.line as usize)
        .char_column(at.start.column as usize);
    snippet = snippet.fold(true);
    vec![origin.into(), snippet.into()]
}

/// A snippet cut on the left has no path of its own (its explicit origin, just above it, says
/// where it is); the renderer still gives it an empty ` ::: ` origin line, which is dropped here.
fn without_empty_origins(rendered: &str) -> String {
    let mut out = String::with_capacity(rendered.len());
    for line in rendered.split_inclusive('\n') {
        let plain: String = strip_ansi(line);
        if plain.trim() == ":::" {
            continue;
        }
        out.push_str(line);
    }
    out
}

/// The text of a line without its ANSI colour sequences (`ESC [ ... m`).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// How the text report is written.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextOptions {
    pub color: bool,
    /// One line per finding, no frames.
    pub quiet: bool,
    /// Every finding in full: otherwise a rule's findings past [`SHOWN_PER_RULE`] are counted.
    pub verbose: bool,
    /// `--fail-on` (`None`: nothing fails), so that the last line's first word says what the
    /// exit status says.
    pub threshold: Option<Severity>,
}

/// The findings of one rule shown in full before the others are only counted (input errors are
/// always shown: each names a file that was not checked).
pub const SHOWN_PER_RULE: usize = 3;

/// The secrets whose access the plan changes that are named before the others are counted.
pub const SHOWN_ACCESS_CHANGES: usize = 10;

/// Findings as text with code frames (the offending span underlined, related spans
/// labelled), then a one-line summary.
pub fn text(report: &Report, sources: &[SourceFile], options: &TextOptions) -> String {
    let &TextOptions {
        color,
        quiet,
        verbose,
        threshold,
    } = options;
    let st = Style { on: color };
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let source = |file: &str| sources.iter().find(|s| s.path == file);
    let mut out = String::new();
    // per rule, in the order rules first appear: findings shown, and those only counted
    let mut per_rule: Vec<(grantcheck::RuleCode, usize, usize)> = vec![];
    for (f, spans) in report.findings.iter().zip(finding_spans(report, sources)) {
        let i = match per_rule.iter().position(|(r, ..)| *r == f.rule) {
            Some(i) => i,
            None => {
                per_rule.push((f.rule, 0, 0));
                per_rule.len() - 1
            }
        };
        if !quiet
            && !verbose
            && f.rule != grantcheck::RuleCode::GC002
            && per_rule[i].1 >= SHOWN_PER_RULE
        {
            per_rule[i].2 += 1;
            continue;
        }
        per_rule[i].1 += 1;
        let mut title = if f.resource.is_empty() {
            format!("{}: {}", f.name, f.message)
        } else {
            format!("{}: {}: {}", f.name, f.resource, f.message)
        };
        if let Some(c) = f.change {
            title.push_str(change_tag(c));
        }
        // what comes from the input never starts a line of its own nor moves the cursor
        let title = escape_line(&title);
        if quiet {
            let at = f
                .location
                .as_ref()
                .map(|l| {
                    format!(
                        "{}:{}:{}: ",
                        escape_line(&l.file),
                        l.start.line,
                        l.start.column
                    )
                })
                .unwrap_or_default();
            let head = format!("{}[{}]", f.severity.as_str(), f.rule);
            let _ = writeln!(
                out,
                "{at}{} {title}",
                st.paint(severity_code(f.severity), &head)
            );
            continue;
        }
        let mut group =
            Group::with_title(level(f.severity).primary_title(title).id(f.rule.as_str()));
        if let (Some(loc), Some(span)) = (&f.location, spans.primary) {
            match source(&loc.file) {
                Some(src) => {
                    let label = f
                        .policy_path
                        .as_ref()
                        .map(|p| format!("in the policy at {}", escape_line(p)));
                    group = group.elements(frame(
                        src,
                        span,
                        loc,
                        &report.sensitive,
                        AnnotationKind::Primary,
                        label,
                    ));
                }
                None => {
                    group = group.element(
                        Origin::path(escape_line(&loc.file))
                            .line(loc.start.line as usize)
                            .char_column(loc.start.column as usize),
                    );
                }
            }
        }
        for (r, span) in f.related_locations.iter().zip(&spans.related) {
            let Some((src, span)) = source(&r.location.file).zip(*span) else {
                continue;
            };
            group = group.elements(frame(
                src,
                span,
                &r.location,
                &report.sensitive,
                AnnotationKind::Context,
                Some(escape_line(&r.message)),
            ));
        }
        if !f.related.is_empty() {
            group = group.element(
                Level::NOTE.message(escape_line(&format!("related: {}", f.related.join(", ")))),
            );
        }
        let help = escape_line(&f.help);
        if !help.is_empty() {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        out.push_str(&without_empty_origins(&renderer.render(&[group])));
        out.push_str("\n\n");
    }
    for &(rule, _, counted) in per_rule.iter().filter(|(_, _, counted)| *counted > 0) {
        let name = grantcheck::rules::meta(rule).name;
        let _ = writeln!(
            out,
            "... and {counted} more {rule} ({name}) finding{} like these (--verbose shows every finding; the JSON and SARIF reports hold them all)",
            if counted == 1 { "" } else { "s" }
        );
    }
    if per_rule.iter().any(|(_, _, counted)| *counted > 0) {
        out.push('\n');
    }
    let s = &report.summary;
    let access_shown = if verbose {
        s.access_changes.len()
    } else {
        SHOWN_ACCESS_CHANGES
    };
    for c in s
        .access_changes
        .iter()
        .filter(|_| !quiet)
        .take(access_shown)
    {
        let list = |v: &[String]| escape_line(&v.join(", ").replace('*', "everyone (*)"));
        let mut parts = vec![];
        if !c.gained.is_empty() {
            parts.push(format!("gains {}", list(&c.gained)));
        }
        if !c.lost.is_empty() {
            parts.push(format!("loses {}", list(&c.lost)));
        }
        let _ = writeln!(
            out,
            "access to {}: {}",
            escape_line(&c.secret),
            parts.join("; ")
        );
    }
    let more = s.access_changes.len().saturating_sub(access_shown);
    if more > 0 && !quiet {
        let _ = writeln!(
            out,
            "... and access to {more} more secret{} changes (--verbose shows them; the JSON report's summary.access_changes holds them all)",
            if more == 1 { "" } else { "s" }
        );
    }
    if !quiet {
        let mut checked = vec![];
        for (names, one, many) in [
            (&s.roots, "1 root module", "root modules"),
            (&s.plans, "1 plan", "plans"),
        ] {
            if names.is_empty() {
                continue;
            }
            let what = if names.len() == 1 {
                one.to_string()
            } else {
                format!("{} {many}", names.len())
            };
            let list: Vec<String> = names.iter().map(|r| escape_line(r)).collect();
            checked.push(format!("{what} ({})", list.join(", ")));
        }
        if s.roots.len() + s.plans.len() > 1 || s.skipped > 0 {
            let mut line = format!("checked {}", checked.join(" and "));
            if s.skipped > 0 {
                let _ = write!(
                    line,
                    "; {} other file{} not checked",
                    s.skipped,
                    if s.skipped == 1 { "" } else { "s" }
                );
            }
            let _ = writeln!(out, "{line}");
        }
        // which configuration decided what is reported, and what it and inline comments hid
        let parts: Vec<String> = s
            .config
            .iter()
            .map(|c| format!("configuration: {}", escape_line(c)))
            .chain(grantcheck::report::suppressed_line(s))
            .collect();
        if !parts.is_empty() {
            let _ = writeln!(out, "{}", parts.join("; "));
        }
    }
    if let Some(line) = grantcheck::report::owner_unknown_line(s) {
        let _ = writeln!(out, "{}: {line}", st.paint("1;33", "warning"));
    }
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    // the first word follows the exit status: an input error, or a finding at --fail-on
    let failed = grantcheck::report::fails(report, threshold);
    // (the last line itself says when cross-account checks did not run)
    let undecided = match s.owner_unknown_secrets {
        0 => String::new(),
        1 => "; the cross-account checks of 1 secret were not decided (owner account not known)"
            .to_string(),
        n => format!(
            "; the cross-account checks of {n} secrets were not decided (owner account not known)"
        ),
    };
    let _ = writeln!(
        out,
        "{}: {}, {}, {} in {}, {} checked{undecided}",
        if failed {
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

/// A name from the input (a path, an address) as one line of text: control characters are
/// shown escaped, so that no name can start a line or move the terminal's cursor.
pub fn escape_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// How a finding relates to the plan, as a suffix of its title.
fn change_tag(c: grantcheck::diagnostic::Change) -> &'static str {
    match c {
        grantcheck::diagnostic::Change::Introduced => " [introduced by this plan]",
        grantcheck::diagnostic::Change::Existing => " [already present]",
        grantcheck::diagnostic::Change::Fixed => " [fixed by this plan]",
    }
}

fn severity_code(s: Severity) -> &'static str {
    match s {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Note => "1;36",
    }
}

/// Byte spans of a finding's locations, recovered from their offsets.
struct FindingSpans {
    primary: Option<Span>,
    related: Vec<Option<Span>>,
}

fn finding_spans(report: &Report, sources: &[SourceFile]) -> Vec<FindingSpans> {
    let span_of = |loc: &Location| -> Option<Span> {
        let src = sources.iter().find(|s| s.path == loc.file)?;
        let start = loc.start.offset?;
        let end = loc.end.offset.unwrap_or(start);
        Some(Span::new(src.id, start as usize, end as usize))
    };
    report
        .findings
        .iter()
        .map(|f| FindingSpans {
            primary: f.location.as_ref().and_then(span_of),
            related: f
                .related_locations
                .iter()
                .map(|r| span_of(&r.location))
                .collect(),
        })
        .collect()
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
