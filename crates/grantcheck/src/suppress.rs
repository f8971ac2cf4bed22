//! Suppressions and rule settings, applied to the findings after the rules ran.
//!
//! Inline, in `.tf` files: `# grantcheck:ignore XA001 XA008 reason text` (or `//`) on the line
//! above a block or attribute, or at the end of its first line. It applies to findings whose
//! place lies within that block or attribute. In `grantcheck.toml`: `[[ignore]]` by rule and
//! resource address. A suppression that matches nothing is reported (GC004); an inline one
//! without rule codes or reason is reported (GC003) and suppresses nothing.

use crate::base::source::{SourceFile, Span};
use crate::diagnostic::{Finding, RuleCode};
use crate::rules::{InvalidSuppression, UnusedSuppression};
use crate::settings::Config;

const MARKER: &str = "grantcheck:ignore";

/// One inline suppression comment and the source range it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inline {
    /// The comment.
    pub span: Span,
    pub codes: Vec<RuleCode>,
    /// The block or attribute it applies to.
    pub covers: Span,
}

/// Reads the inline suppressions of the `.tf` files among `sources`; malformed ones are
/// returned as GC003 findings.
pub fn inline(sources: &[SourceFile]) -> (Vec<Inline>, Vec<Finding>) {
    let mut list = vec![];
    let mut invalid = vec![];
    for src in sources {
        if !src.path.to_ascii_lowercase().ends_with(".tf") || !src.text.contains(MARKER) {
            continue;
        }
        let text = src.text.as_str();
        // only in comments: a marker in a string or heredoc is the value's text
        for (start, end) in line_comments(text) {
            let body = &text[start..end];
            let opener = if body.starts_with('#') { 1 } else { 2 };
            let Some(after) = body[opener..].trim_start().strip_prefix(MARKER) else {
                continue;
            };
            let this = text[..start].rfind('\n').map_or(0, |k| k + 1);
            let code_part = &text[this..start];
            let line_start = (end + 1).min(text.len());
            let comment = Span::new(src.id, start, start + body.trim_end().len());
            let (codes, unknown, reason) = parse_comment(after.trim());
            let problem = if !unknown.is_empty() {
                Some(format!(
                    "no rule {}; `grantcheck rules` lists them",
                    unknown.join(", ")
                ))
            } else if codes.is_empty() {
                Some(
                    "the suppression names no rule code, e.g. `# grantcheck:ignore XA001 reason`"
                        .to_string(),
                )
            } else if reason.is_empty() {
                Some(format!(
                    "the suppression of {} gives no reason; say why the finding is accepted, e.g. `# grantcheck:ignore {} the partner role is never replaced`",
                    codes
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    codes
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                ))
            } else {
                None
            };
            if let Some(message) = problem {
                invalid.push(finding(&InvalidSuppression::META, comment, message));
                continue;
            }
            // at the end of a line of code: that line's item; else the next line of code
            let target = if code_part.trim().is_empty() {
                next_code_line(text, line_start)
            } else {
                Some(this)
            };
            let Some(start) = target else { continue };
            let end = item_end(text, start);
            list.push(Inline {
                span: comment,
                codes,
                covers: Span::new(src.id, start, end),
            });
        }
    }
    (list, invalid)
}

/// Where an HCL text is: code (inside a pair of braces, or at the top), a quoted string, or a
/// heredoc (the byte range of its closing word).
#[derive(Clone, Copy)]
enum Lex {
    Code,
    Str,
    Heredoc(usize, usize),
}

/// The line comments (`#`, `//`) of an HCL text: from the `#` or `//` to the end of its line.
/// Quoted strings, heredocs and their `${…}`/`%{…}`, and `/* */` comments are stepped over, so
/// that what they hold is never taken for a comment. A quoted string ends at its line's end
/// (HCL allows no more), so an unclosed quote cannot hide the rest of a file.
fn line_comments(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let line_end = |i: usize| memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |k| i + k);
    let opens_template = |i: usize| matches!(b[i], b'$' | b'%') && b.get(i + 1) == Some(&b'{');
    // `$${` and `%%{` are written `${` and `%{`: no template
    let escaped_template = |i: usize| {
        matches!(b[i], b'$' | b'%') && b.get(i + 1) == Some(&b[i]) && b.get(i + 2) == Some(&b'{')
    };
    let mut out = vec![];
    let mut stack = vec![Lex::Code];
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match stack.last().copied() {
            Some(Lex::Str) => {
                if c == b'\\' {
                    i += 1;
                } else if c == b'"' || c == b'\n' {
                    stack.pop();
                } else if escaped_template(i) {
                    i += 2;
                } else if opens_template(i) {
                    stack.push(Lex::Code);
                    i += 1;
                }
            }
            Some(Lex::Heredoc(from, to)) => {
                if i == 0 || b[i - 1] == b'\n' {
                    let end = line_end(i);
                    if text[i..end].trim() == &text[from..to] {
                        stack.pop();
                        i = end;
                        continue;
                    }
                }
                if escaped_template(i) {
                    i += 2;
                } else if opens_template(i) {
                    stack.push(Lex::Code);
                    i += 1;
                }
            }
            Some(Lex::Code) => match c {
                b'"' => stack.push(Lex::Str),
                b'#' => {
                    let end = line_end(i);
                    out.push((i, end));
                    i = end;
                    continue;
                }
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    let end = line_end(i);
                    out.push((i, end));
                    i = end;
                    continue;
                }
                b'/' if b.get(i + 1) == Some(&b'*') => {
                    i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |k| i + 2 + k + 1);
                }
                b'<' if b.get(i + 1) == Some(&b'<') => {
                    let from = i + 2 + usize::from(b.get(i + 2) == Some(&b'-'));
                    let to = from
                        + b[from..]
                            .iter()
                            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                            .count();
                    if to > from {
                        stack.push(Lex::Heredoc(from, to));
                        // the heredoc starts on the next line
                        i = line_end(to);
                    } else {
                        i += 1;
                    }
                }
                // each brace opens code of its own, which its `}` closes: the `}` of a
                // `${…}` goes back to the string or heredoc
                b'{' => stack.push(Lex::Code),
                b'}' if stack.len() > 1 => {
                    stack.pop();
                }
                _ => {}
            },
            None => break,
        }
        i += 1;
    }
    out
}

/// Rule codes, unknown codes, and the reason that follows them.
fn parse_comment(rest: &str) -> (Vec<RuleCode>, Vec<String>, String) {
    let mut codes = vec![];
    let mut unknown = vec![];
    let mut words = rest.split_whitespace().peekable();
    while let Some(w) = words.peek() {
        let w = w.trim_end_matches(',');
        let looks_like_code = w.len() == 5
            && w[..2].bytes().all(|b| b.is_ascii_uppercase())
            && w[2..].bytes().all(|b| b.is_ascii_digit());
        if !looks_like_code {
            break;
        }
        match RuleCode::ALL.iter().find(|c| c.as_str() == w) {
            Some(&c) => codes.push(c),
            None => unknown.push(w.to_string()),
        }
        words.next();
    }
    let reason = words.collect::<Vec<_>>().join(" ");
    (codes, unknown, reason)
}

/// The start of the first line at or after `from` that is neither blank nor only a comment.
fn next_code_line(text: &str, mut from: usize) -> Option<usize> {
    while from < text.len() {
        let end = text[from..].find('\n').map_or(text.len(), |i| from + i + 1);
        let t = text[from..end].trim();
        if !(t.is_empty() || t.starts_with('#') || t.starts_with("//")) {
            return Some(from);
        }
        from = end;
    }
    None
}

/// Where the block or attribute starting at `start` ends: the first line end outside brackets,
/// strings, comments and heredocs.
fn item_end(text: &str, start: usize) -> usize {
    let b = text.as_bytes();
    let mut stack: Vec<u8> = vec![];
    let mut i = start;
    while i < b.len() {
        let c = b[i];
        if stack.last() == Some(&b'"') {
            match c {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                    stack.push(b'$');
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => stack.push(b'"'),
            b'{' | b'[' | b'(' => stack.push(c),
            b'}' | b']' | b')' => {
                stack.pop();
            }
            b'#' => i = line_end(b, i),
            b'/' if b.get(i + 1) == Some(&b'/') => i = line_end(b, i),
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |k| i + 2 + k + 1);
            }
            b'<' if b.get(i + 1) == Some(&b'<') => i = heredoc_end(text, i),
            b'\n' if stack.is_empty() => return i,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

fn line_end(b: &[u8], i: usize) -> usize {
    memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |k| i + k) - 1
}

/// The end of a heredoc opened at `i` (`<<EOT` / `<<-EOT`): the end of its closing line.
fn heredoc_end(text: &str, i: usize) -> usize {
    let rest = &text[i + 2..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let ident: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if ident.is_empty() {
        return i + 1;
    }
    let Some(nl) = text[i..].find('\n') else {
        return text.len();
    };
    let mut pos = i + nl + 1;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |k| pos + k);
        if text[pos..end].trim() == ident {
            return end.saturating_sub(1);
        }
        pos = end + 1;
    }
    text.len()
}

fn finding(meta: &'static crate::rules::RuleMeta, span: Span, message: String) -> Finding {
    let mut out = crate::rules::Findings::default();
    out.report(meta, "", Some(span), message);
    out.list.remove(0)
}

/// The rule a finding is about: its own, or for GC001 the rule it could not decide.
fn about(f: &Finding) -> RuleCode {
    f.about()
}

fn address_matches(pattern: &str, address: &str) -> bool {
    if pattern == address {
        return true;
    }
    let (module, local, _) = crate::model::split_address(address);
    let base = if module.is_empty() {
        local
    } else {
        format!("{module}.{local}")
    };
    base == pattern
}

/// How many findings were not reported, and by what: a finding both an inline comment and the
/// configuration suppress counts once, as inline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Suppressed {
    /// By inline `# grantcheck:ignore` comments.
    pub inline: usize,
    /// By the configuration file: its `[[ignore]]` entries and `enabled = false`.
    pub by_config: usize,
}

/// Applies inline suppressions, the configuration's ignores and its rule settings, and says how
/// many findings each took away.
pub fn apply(
    sources: &[SourceFile],
    config: Option<&Config>,
    findings: &mut Vec<Finding>,
) -> Suppressed {
    let mut count = Suppressed::default();
    let (inline, invalid) = inline(sources);
    let ignores = config.map(|c| c.ignores.as_slice()).unwrap_or(&[]);
    let mut inline_used = vec![false; inline.len()];
    let mut ignore_used = vec![false; ignores.len()];
    findings.retain(|f| {
        if f.rule == RuleCode::GC002 {
            return true;
        }
        let rule = about(f);
        let mut by_inline = false;
        let mut by_config = false;
        if let Some(span) = f.span {
            for (s, used) in inline.iter().zip(inline_used.iter_mut()) {
                if s.covers.file == span.file
                    && s.covers.start <= span.start
                    && span.end <= s.covers.end
                    && s.codes.contains(&rule)
                {
                    *used = true;
                    by_inline = true;
                }
            }
        }
        for (ig, used) in ignores.iter().zip(ignore_used.iter_mut()) {
            if ig.rule == rule && address_matches(&ig.resource, &f.resource) {
                *used = true;
                by_config = true;
            }
        }
        if by_inline {
            count.inline += 1;
        } else if by_config {
            count.by_config += 1;
        }
        !(by_inline || by_config)
    });
    findings.extend(invalid);
    for (s, _) in inline.iter().zip(&inline_used).filter(|(_, u)| !**u) {
        findings.push(finding(
            &UnusedSuppression::META,
            s.span,
            format!(
                "this suppression of {} matches no finding; remove it",
                s.codes
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    for (ig, _) in ignores.iter().zip(&ignore_used).filter(|(_, u)| !**u) {
        findings.push(finding(
            &UnusedSuppression::META,
            ig.span,
            format!(
                "the [[ignore]] of {} on {} matches no finding; remove it or correct the rule or address",
                ig.rule, ig.resource
            ),
        ));
    }
    let Some(cfg) = config else { return count };
    let before = findings.len();
    findings.retain(|f| f.rule == RuleCode::GC002 || cfg.rule(about(f)).is_none_or(|r| r.enabled));
    count.by_config += before - findings.len();
    for f in findings.iter_mut() {
        if f.change == Some(crate::diagnostic::Change::Fixed) || f.rule == RuleCode::GC001 {
            continue;
        }
        if let Some(sev) = cfg.rule(f.rule).and_then(|r| r.severity) {
            f.severity = sev;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::line_comments;

    fn comments(text: &str) -> Vec<&str> {
        line_comments(text)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect()
    }

    #[test]
    fn only_comments_are_comments() {
        assert_eq!(comments("a = 1 # one\n// two\nb = 2"), ["# one", "// two"]);
        assert_eq!(comments("a = \"# no\" # yes\n"), ["# yes"]);
        assert_eq!(comments("a = \"\\\"# no\"\n"), Vec::<&str>::new());
        assert_eq!(comments("a = \"${ \"#\" } # no\" # yes"), ["# yes"]);
        assert_eq!(comments("a = \"$${ # no\"\n"), Vec::<&str>::new());
        assert_eq!(comments("/* # no */ x # yes"), ["# yes"]);
        assert_eq!(
            comments("a = <<-EOT\n  # no\n  ${ {b = 1} } # no\n  EOT\n# yes\n"),
            ["# yes"]
        );
        assert_eq!(comments("a = { b = \"}\" } # yes"), ["# yes"]);
        // an unclosed quote ends with its line
        assert_eq!(comments("a = \"x\n# yes"), ["# yes"]);
        assert_eq!(comments("a = <<EOT\n# no"), Vec::<&str>::new());
    }
}
