//! What `grantcheck check`, `rules` and `explain` do once the inputs are read: completing the
//! report, rendering it, what goes to standard error and the exit status. Shared by the native
//! command line and the npm package's `grantcheck` command (through the wasm crate), so that both
//! print the same bytes for the same inputs.

use grantcheck::{Found, Report, RuleCode, Severity, SourceFile};

use crate::{access, github, junit, markdown, render};

/// An output format of `check`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
    Junit,
    Markdown,
}

impl Format {
    /// The format named `name` (any case), as `--format` takes it.
    pub fn from_name(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "text" => Some(Format::Text),
            "json" => Some(Format::Json),
            "sarif" => Some(Format::Sarif),
            "github" => Some(Format::Github),
            "junit" => Some(Format::Junit),
            "markdown" => Some(Format::Markdown),
            _ => None,
        }
    }
}

/// The severity `--fail-on` names (`never`: none), as it takes it.
pub fn threshold(fail_on: &str) -> Option<Option<Severity>> {
    match fail_on.to_ascii_lowercase().as_str() {
        "error" => Some(Some(Severity::Error)),
        "warning" => Some(Some(Severity::Warning)),
        "note" => Some(Some(Severity::Note)),
        "never" => Some(None),
        _ => None,
    }
}

/// Completes the core's report with what the reading of the inputs found: the files passed over,
/// `--new-only`, and the inputs that could not be read (in every output, as the inputs that could
/// be read but not understood are).
pub fn complete(report: &mut Report, skipped: usize, new_only: bool, read_errors: &[String]) {
    report.summary.skipped += skipped;
    if new_only {
        grantcheck::changes::retain_new_only(report);
    }
    for e in read_errors {
        report.add_unreadable(e.clone());
    }
}

/// The lines said on standard error before any output: the findings that the configuration file
/// `config` (as shown) cannot be used, with their place. Returns the lines and the messages said.
pub fn config_notices(report: &Report, config: Option<&String>) -> (Vec<String>, Vec<String>) {
    let mut lines = vec![];
    let mut said = vec![];
    for f in report.findings.iter().filter(|f| {
        f.rule == RuleCode::GC002
            && config.is_some()
            && f.location.as_ref().map(|l| &l.file) == config
    }) {
        lines.push(match &f.location {
            Some(l) => format!(
                "grantcheck: {}:{}:{}: {}",
                l.file, l.start.line, l.start.column, f.message
            ),
            None => format!("grantcheck: {}", f.message),
        });
        said.push(f.message.clone());
    }
    (lines, said)
}

/// The lines said on standard error after the outputs when no text went to standard output: the
/// inputs that could not be read, except those `said_first`.
pub fn late_notices(report: &Report, said_first: &[String]) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.rule == RuleCode::GC002 && !said_first.contains(&f.message))
        .map(|f| format!("grantcheck: {}", f.message))
        .collect()
}

/// Renders the findings of `report` of `sources` in `format` (`grantcheck check`); the text
/// format takes `text`'s options, the Markdown format `markdown`'s.
pub fn render(
    format: Format,
    report: &Report,
    sources: &[SourceFile],
    text: &render::TextOptions,
    markdown: &markdown::Options,
) -> Result<String, String> {
    let threshold = text.threshold;
    Ok(match format {
        Format::Json => report.to_json() + "\n",
        Format::Text => render::text(report, sources, text),
        Format::Markdown => markdown::markdown(report, sources, markdown),
        Format::Sarif => {
            let log = grantcheck::report::sarif::Log(report);
            serde_json::to_string_pretty(&log).map_err(|e| format!("SARIF: {e}"))? + "\n"
        }
        Format::Github => github::github(report),
        Format::Junit => {
            // (files only read by file() and templatefile(), or to place a plan's findings, are
            // not checked: no suite of their own)
            let files: Vec<String> = sources
                .iter()
                .filter(|s| !matches!(s.found_as, Some(Found::Other | Found::PlanConfiguration)))
                .map(|s| s.path.clone())
                .collect();
            junit::junit(report, &files, threshold)
        }
    })
}

/// Renders who can read each secret (`grantcheck access`): the access table as text, or the
/// report's access view ([`grantcheck::report::AccessReport`]) as JSON.
pub fn render_access(format: Format, report: &Report) -> Result<String, String> {
    match format {
        Format::Text => Ok(access::text(report)),
        Format::Json => Ok(serde_json::to_string_pretty(&report.access_report())
            .map_err(|e| format!("JSON: {e}"))?
            + "\n"),
        _ => Err("access writes text or json (--format text, --format json)".into()),
    }
}

/// The link base of Markdown comments: `given` (`--link-base`), or where GitHub Actions or GitLab
/// CI say the checked commit is seen, from their environment variables (`var`), ending in `/`.
pub fn link_base(given: Option<String>, var: impl Fn(&str) -> Option<String>) -> Option<String> {
    let var = |k: &str| var(k).filter(|v| !v.is_empty());
    let link_base = given.or_else(|| {
        if let (Some(server), Some(repo), Some(sha)) = (
            var("GITHUB_SERVER_URL"),
            var("GITHUB_REPOSITORY"),
            var("GITHUB_SHA"),
        ) {
            return Some(format!("{server}/{repo}/blob/{sha}/"));
        }
        let (project, sha) = (var("CI_PROJECT_URL")?, var("CI_COMMIT_SHA")?);
        Some(format!("{project}/-/blob/{sha}/"))
    });
    link_base.map(|b| if b.ends_with('/') { b } else { b + "/" })
}

/// The exit status of `check`: 2 when an input could not be read or understood, 1 when a finding
/// is at or above `threshold`, else 0.
pub fn exit_status(report: &Report, read_errors: &[String], threshold: Option<Severity>) -> u8 {
    if !read_errors.is_empty() || report.has_input_errors() {
        2
    } else if grantcheck::report::fails(report, threshold) {
        1
    } else {
        0
    }
}

/// What `grantcheck rules --format FORMAT` prints (`text`, `json` or `markdown`).
pub fn rules(format: &str) -> Option<String> {
    match format.to_ascii_lowercase().as_str() {
        "text" => Some(render::rules_text()),
        "json" => Some(render::rules_json()),
        "markdown" => Some(render::rules_markdown()),
        _ => None,
    }
}

/// What `grantcheck explain CODE` prints: the documentation of a rule, by code or name.
pub fn explain(code: &str) -> Option<String> {
    grantcheck::rules::by_code(code).map(|m| {
        format!(
            "{} {} ({})\n\n{}\n",
            m.code,
            m.name,
            m.severity.as_str(),
            m.docs()
        )
    })
}

/// What `explain` says on standard error for a code that names no rule.
pub fn no_rule(code: &str) -> String {
    format!("grantcheck: no rule {code}; `grantcheck rules` lists them")
}
