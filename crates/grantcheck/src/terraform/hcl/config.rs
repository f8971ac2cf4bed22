//! Parsing files and gathering the blocks of each module directory.

use crate::hash::HashMap;

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Attribute, Block, Body};

use super::text::{blank, dir_of};
use crate::source::{FileId, SourceFile, Span};

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
pub fn parse_file(file: &SourceFile) -> (Option<Body>, Vec<SyntaxError>) {
    let mut text = file.text.trim_start_matches('\u{feff}').to_string();
    let shift = file.text.len() - text.len();
    if shift > 0 {
        // keep offsets: put spaces where the byte-order mark was
        text = format!("{}{}", " ".repeat(shift), text);
        if text.len() != file.text.len() {
            text = file.text.clone();
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
                        span: Span::new(file.id, off, (off + 1).min(text.len())),
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
                    span: Span::new(file.id, off, (off + 1).min(text.len())),
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
                blank(&mut text, start, end);
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
    pub rtype: String,
    pub name: String,
    pub block: &'a Block,
    pub file: FileId,
}

pub struct CallCfg<'a> {
    pub name: String,
    pub block: &'a Block,
    pub file: FileId,
    pub source: Option<String>,
    /// The module directory, when the source is local and its files were given.
    pub child: Option<usize>,
}

/// The blocks of one module directory.
#[derive(Default)]
pub struct Module<'a> {
    pub dir: String,
    pub variables: HashMap<String, (&'a Block, FileId)>,
    pub locals: HashMap<String, (&'a Attribute, FileId)>,
    pub outputs: HashMap<String, (&'a Block, FileId)>,
    pub resources: Vec<ResCfg<'a>>,
    pub res_ix: HashMap<(bool, String, String), usize>,
    pub calls: Vec<CallCfg<'a>>,
    pub providers: Vec<(&'a Block, FileId)>,
    pub is_child: bool,
}

impl<'a> Module<'a> {
    pub fn add_body(&mut self, body: &'a Body, file: FileId) {
        for b in body.blocks() {
            let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
            match (b.ident.as_str(), labels.as_slice()) {
                ("variable", [name]) => {
                    self.variables.insert(name.to_string(), (b, file));
                }
                ("locals", _) => {
                    for a in b.body.attributes() {
                        self.locals.insert(a.key.as_str().to_string(), (a, file));
                    }
                }
                ("output", [name]) => {
                    self.outputs.insert(name.to_string(), (b, file));
                }
                ("resource", [t, n]) | ("data", [t, n]) => {
                    let data = b.ident.as_str() == "data";
                    self.res_ix
                        .insert((data, t.to_string(), n.to_string()), self.resources.len());
                    self.resources.push(ResCfg {
                        data,
                        rtype: t.to_string(),
                        name: n.to_string(),
                        block: b,
                        file,
                    });
                }
                ("module", [name]) => {
                    let source = b.body.get_attribute("source").and_then(|a| match &a.value {
                        Expression::String(s) => Some(s.value().to_string()),
                        _ => None,
                    });
                    self.calls.push(CallCfg {
                        name: name.to_string(),
                        block: b,
                        file,
                        source,
                        child: None,
                    });
                }
                ("provider", [_]) => self.providers.push((b, file)),
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
