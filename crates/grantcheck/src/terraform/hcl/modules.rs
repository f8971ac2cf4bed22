//! Parsing files and gathering the blocks of each module directory.

use std::borrow::Cow;

use crate::base::hash::HashMap;

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Attribute, Block, Body};

use super::text::{blank, dir_of};
use crate::base::source::{FileId, Span};

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
                let message = match out_of_range_number(&text, off) {
                    Some(n) => format!(
                        "the number {n} at line {} is out of range: grantcheck reads numbers as 64-bit floating point, as far as about 1.8e308; no count, index or policy value needs more: write a smaller number",
                        e.location().line()
                    ),
                    None => format!(
                        "HCL syntax error at line {}, column {}: {}; fix it so that this block is checked",
                        e.location().line(),
                        e.location().column(),
                        e.message()
                    ),
                };
                errors.push(SyntaxError {
                    span: Span::new(file, off, (off + 1).min(text.len())),
                    message,
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

/// A number literal around `off` that the parser refuses because it is out of range (`1e400`).
fn out_of_range_number(text: &str, off: usize) -> Option<&str> {
    let b = text.as_bytes();
    let mut start = off.min(b.len());
    while start > 0 && (b[start - 1].is_ascii_digit() || b[start - 1] == b'.') {
        start -= 1;
    }
    let mut end = start;
    while end < b.len()
        && (b[end].is_ascii_alphanumeric()
            || b[end] == b'.'
            || ((b[end] == b'+' || b[end] == b'-') && end > 0 && matches!(b[end - 1], b'e' | b'E')))
    {
        end += 1;
    }
    let token = text.get(start..end)?;
    let first_digit = token.as_bytes().first().is_some_and(u8::is_ascii_digit);
    (first_digit && token.parse::<f64>().is_ok_and(f64::is_infinite)).then_some(token)
}

pub struct ResCfg<'a> {
    pub data: bool,
    pub rtype: &'a str,
    pub name: &'a str,
    pub block: &'a Block,
    pub file: FileId,
    /// Blocks of override files (`override.tf`, `*_override.tf`) for this resource, in the
    /// order Terraform merges them.
    pub overrides: Vec<(&'a Block, FileId)>,
}

impl<'a> ResCfg<'a> {
    /// An argument as Terraform sees it after merging the override files: the last override
    /// that sets it, or the block itself.
    pub fn attr(&self, name: &str) -> Option<(&'a Attribute, FileId)> {
        latest_attr(self.block, self.file, &self.overrides, name)
    }
}

/// `name` of `block` or of the last override that sets it.
fn latest_attr<'a>(
    block: &'a Block,
    file: FileId,
    overrides: &[(&'a Block, FileId)],
    name: &str,
) -> Option<(&'a Attribute, FileId)> {
    overrides
        .iter()
        .rev()
        .find_map(|(b, f)| b.body.get_attribute(name).map(|a| (a, *f)))
        .or_else(|| block.body.get_attribute(name).map(|a| (a, file)))
}

/// Is the file an override file, merged into the others of its module?
pub fn is_override_path(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let stem = name
        .strip_suffix(".tf.json")
        .or_else(|| name.strip_suffix(".tf"));
    stem.is_some_and(|s| s == "override" || s.ends_with("_override"))
}

pub struct CallCfg<'a> {
    pub name: &'a str,
    pub block: &'a Block,
    pub file: FileId,
    pub source: Option<&'a str>,
    /// The module directory, when the source is local and its files were given.
    pub child: Option<usize>,
    /// Blocks of override files for this call.
    pub overrides: Vec<(&'a Block, FileId)>,
}

impl<'a> CallCfg<'a> {
    /// An argument after merging the override files.
    pub fn attr(&self, name: &str) -> Option<(&'a Attribute, FileId)> {
        latest_attr(self.block, self.file, &self.overrides, name)
    }

    /// The arguments after merging the override files, each once.
    pub fn attrs(&self) -> Vec<(&'a Attribute, FileId)> {
        let mut out: Vec<(&'a Attribute, FileId)> = vec![];
        for (b, f) in std::iter::once((self.block, self.file)).chain(self.overrides.iter().copied())
        {
            for a in b.body.attributes() {
                out.retain(|(x, _)| x.key.as_str() != a.key.as_str());
                out.push((a, f));
            }
        }
        out
    }
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
    /// Override blocks of variables, by name.
    pub var_overrides: HashMap<&'a str, Vec<(&'a Block, FileId)>>,
    /// What Terraform refuses in the module's blocks (duplicates, overrides of nothing).
    pub errors: Vec<(Span, String)>,
}

impl<'a> Module<'a> {
    /// An attribute of a variable's declaration after merging the override files.
    pub fn var_attr(&self, name: &str, attr: &str) -> Option<(&'a Attribute, FileId)> {
        let (b, f) = self.variables.get(name).copied()?;
        let over = self
            .var_overrides
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        latest_attr(b, f, over, attr)
    }

    /// The variable is declared `sensitive = true` (after merging the override files).
    pub fn declares_sensitive(&self, name: &str) -> bool {
        self.var_attr(name, "sensitive")
            .is_some_and(|(a, _)| matches!(&a.value, Expression::Bool(b) if *b.value()))
    }

    pub fn add_body(&mut self, body: &'a Body, file: FileId) {
        self.add(body, file, false);
    }

    /// Adds the blocks of an override file, merged into those already added.
    pub fn add_override(&mut self, body: &'a Body, file: FileId) {
        self.add(body, file, true);
    }

    fn duplicate(&mut self, b: &Block, file: FileId, what: String) {
        self.errors.push((
            header_span(b, file),
            format!(
                "{what} is declared twice in this module; Terraform refuses the configuration: rename or remove one"
            ),
        ));
    }

    fn nothing_to_override(&mut self, b: &Block, file: FileId, what: String) {
        self.errors.push((
            header_span(b, file),
            format!(
                "this override file overrides {what}, which no other file of the module declares; Terraform refuses the configuration"
            ),
        ));
    }

    fn add(&mut self, body: &'a Body, file: FileId, over: bool) {
        for b in body.blocks() {
            let mut labels = b.labels.iter().map(|l| l.as_str());
            let (first, second, third) = (labels.next(), labels.next(), labels.next());
            match (b.ident.as_str(), first, second, third) {
                ("variable", Some(name), None, None) => {
                    if over {
                        if self.variables.contains_key(name) {
                            self.var_overrides.entry(name).or_default().push((b, file));
                        } else {
                            self.nothing_to_override(b, file, format!("variable \"{name}\""));
                        }
                    } else if self.variables.insert(name, (b, file)).is_some() {
                        self.duplicate(b, file, format!("variable \"{name}\""));
                    }
                }
                ("locals", ..) => {
                    for a in b.body.attributes() {
                        let name = a.key.as_str();
                        if self.locals.insert(name, (a, file)).is_some() && !over {
                            self.errors.push((
                                Span::new(
                                    file,
                                    a.key.span().map(|r| r.start).unwrap_or(0),
                                    a.key.span().map(|r| r.end).unwrap_or(0),
                                ),
                                format!(
                                    "local.{name} is declared twice in this module; Terraform refuses the configuration: rename or remove one"
                                ),
                            ));
                        }
                    }
                }
                ("output", Some(name), None, None) => {
                    let had = self.outputs.contains_key(name);
                    if over && !had {
                        self.nothing_to_override(b, file, format!("output \"{name}\""));
                    } else if !over && had {
                        self.duplicate(b, file, format!("output \"{name}\""));
                    } else if !over || b.body.get_attribute("value").is_some() {
                        self.outputs.insert(name, (b, file));
                    }
                }
                (kind @ ("resource" | "data"), Some(t), Some(n), None) => {
                    let data = kind == "data";
                    let what = || format!("{kind} \"{t}\" \"{n}\"");
                    match (self.res_ix.get(&(data, t, n)).copied(), over) {
                        (Some(ix), true) => self.resources[ix].overrides.push((b, file)),
                        (None, true) => self.nothing_to_override(b, file, what()),
                        (Some(_), false) => self.duplicate(b, file, what()),
                        (None, false) => {
                            self.res_ix.insert((data, t, n), self.resources.len());
                            self.resources.push(ResCfg {
                                data,
                                rtype: t,
                                name: n,
                                block: b,
                                file,
                                overrides: vec![],
                            });
                        }
                    }
                }
                ("module", Some(name), None, None) => {
                    let existing = self.calls.iter().position(|c| c.name == name);
                    match (existing, over) {
                        (Some(ix), true) => self.calls[ix].overrides.push((b, file)),
                        (None, true) => {
                            self.nothing_to_override(b, file, format!("module \"{name}\""))
                        }
                        (Some(_), false) => self.duplicate(b, file, format!("module \"{name}\"")),
                        (None, false) => {
                            let source =
                                b.body.get_attribute("source").and_then(|a| match &a.value {
                                    Expression::String(s) => Some(s.value().as_str()),
                                    _ => None,
                                });
                            self.calls.push(CallCfg {
                                name,
                                block: b,
                                file,
                                source,
                                child: None,
                                overrides: vec![],
                            });
                        }
                    }
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
