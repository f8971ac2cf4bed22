//! Parsing files and gathering the blocks of each module directory.

use std::borrow::Cow;

use crate::hash::HashMap;

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Attribute, Block, Body};

use super::text::{blank, dir_of};
use crate::source::{FileId, Span};

/// Most syntax errors reported for one file before giving up on it.
const MAX_ERRORS_PER_FILE: usize = 20;

/// A syntax error with its place.
#[derive(Clone, Debug)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}

/// Parses an HCL file. On an error, the top-level block holding it is blanked out and the file
/// parsed again, so each broken block is reported and the others are still read.
pub fn parse_file(file: FileId, original: &str) -> (Option<Body>, Vec<SyntaxError>) {
    // Most files parse as they are: the text is copied only to replace a byte-order mark or to
    // blank a broken block.
    let stripped = original.trim_start_matches('\u{feff}');
    let shift = original.len() - stripped.len();
    let mut text: Cow<'_, str> = Cow::Borrowed(original);
    if shift > 0 {
        // keep offsets: put spaces where the byte-order mark was
        let t = format!("{}{}", " ".repeat(shift), stripped);
        if t.len() == original.len() {
            text = Cow::Owned(t);
        }
    }
    let mut errors = Vec::new();
    loop {
        match hcl_edit::parser::parse_body(&text) {
            Ok(body) => return (Some(body), errors),
            Err(e) => {
                let off = e.location().offset().min(text.len());
                if is_limit_error(e.message()) {
                    // Hostile or generated text: one error for the file, not one per line.
                    errors.push(SyntaxError {
                        span: Span::new(file, off, (off + 1).min(text.len())),
                        message: format!(
                            "the HCL nests deeper than the parser's limit at line {}, column {} ({}); the file is not read",
                            e.location().line(),
                            e.location().column(),
                            e.message()
                        ),
                    });
                    return (None, errors);
                }
                errors.push(SyntaxError {
                    span: Span::new(file, off, (off + 1).min(text.len())),
                    message: format!(
                        "HCL syntax error at line {}, column {}: {}; fix it so that this block is checked",
                        e.location().line(),
                        e.location().column(),
                        e.message()
                    ),
                });
                let (start, end) = enclosing_block(&text, off);
                let already_blank = text.get(start..end).is_none_or(|r| r.trim().is_empty());
                if errors.len() >= MAX_ERRORS_PER_FILE || start >= end || already_blank {
                    return (None, errors);
                }
                blank(text.to_mut(), start, end);
            }
        }
    }
}

/// The parser's own limits on nesting (64 levels) and on chained operators (128).
fn is_limit_error(message: &str) -> bool {
    message.contains("nesting depth") || message.contains("chained binary operators")
}

/// The byte range of the top-level block around `off`: from the last line at or before it that
/// starts with a letter, to the next such line after it.
fn enclosing_block(text: &str, off: usize) -> (usize, usize) {
    let starts_item = |line_start: usize| {
        text.as_bytes()
            .get(line_start)
            .is_some_and(|b| b.is_ascii_alphabetic())
    };
    let mut line_starts = vec![0usize];
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            line_starts.push(i + 1);
        }
    }
    let cur = match line_starts.binary_search(&off) {
        Ok(i) => i,
        Err(i) => i.saturating_sub(1),
    };
    let mut start_line = cur;
    while start_line > 0 && !starts_item(line_starts[start_line]) {
        start_line -= 1;
    }
    let mut end_line = cur + 1;
    while end_line < line_starts.len() && !starts_item(line_starts[end_line]) {
        end_line += 1;
    }
    let start = line_starts[start_line];
    let end = line_starts.get(end_line).copied().unwrap_or(text.len());
    // a block that ends on the error line itself: blank at least that line
    (start, end.max(start + 1).min(text.len()))
}

pub struct ResCfg<'a> {
    pub data: bool,
    pub rtype: &'a str,
    pub name: &'a str,
    pub block: &'a Block,
    pub file: FileId,
}

pub struct CallCfg<'a> {
    pub name: &'a str,
    pub block: &'a Block,
    pub file: FileId,
    pub source: Option<&'a str>,
    /// The module directory, when the source is local and its files were given.
    pub child: Option<usize>,
}

/// The blocks of one module directory; names are borrowed from the parsed files.
#[derive(Default)]
pub struct Module<'a> {
    pub dir: String,
    pub variables: HashMap<&'a str, (&'a Block, FileId)>,
    pub locals: HashMap<&'a str, (&'a Attribute, FileId)>,
    pub outputs: HashMap<&'a str, (&'a Block, FileId)>,
    pub resources: Vec<ResCfg<'a>>,
    pub res_ix: HashMap<(bool, &'a str, &'a str), usize>,
    pub calls: Vec<CallCfg<'a>>,
    pub providers: Vec<(&'a Block, FileId)>,
    pub is_child: bool,
}

impl<'a> Module<'a> {
    pub fn add_body(&mut self, body: &'a Body, file: FileId) {
        for b in body.blocks() {
            let mut labels = b.labels.iter().map(|l| l.as_str());
            let (first, second, third) = (labels.next(), labels.next(), labels.next());
            match (b.ident.as_str(), first, second, third) {
                ("variable", Some(name), None, None) => {
                    self.variables.insert(name, (b, file));
                }
                ("locals", ..) => {
                    for a in b.body.attributes() {
                        self.locals.insert(a.key.as_str(), (a, file));
                    }
                }
                ("output", Some(name), None, None) => {
                    self.outputs.insert(name, (b, file));
                }
                (kind @ ("resource" | "data"), Some(t), Some(n), None) => {
                    let data = kind == "data";
                    self.res_ix.insert((data, t, n), self.resources.len());
                    self.resources.push(ResCfg {
                        data,
                        rtype: t,
                        name: n,
                        block: b,
                        file,
                    });
                }
                ("module", Some(name), None, None) => {
                    let source = b.body.get_attribute("source").and_then(|a| match &a.value {
                        Expression::String(s) => Some(s.value().as_str()),
                        _ => None,
                    });
                    self.calls.push(CallCfg {
                        name,
                        block: b,
                        file,
                        source,
                        child: None,
                    });
                }
                ("provider", Some(_), None, None) => self.providers.push((b, file)),
                _ => {}
            }
        }
    }
}

/// Is a module source a local path?
pub fn is_local_source(s: &str) -> bool {
    s.starts_with("./") || s.starts_with("../") || s == "." || s == ".."
}

/// The span of a block's header: its type and labels.
pub fn header_span(b: &Block, file: FileId) -> Span {
    let start = b.ident.span().map(|r| r.start).unwrap_or(0);
    let end = b
        .labels
        .last()
        .and_then(|l| l.span())
        .or_else(|| b.ident.span())
        .map(|r| r.end)
        .unwrap_or(start);
    Span::new(file, start, end)
}

/// Groups file paths by directory.
pub fn dir_key(path: &str) -> String {
    dir_of(path)
}
