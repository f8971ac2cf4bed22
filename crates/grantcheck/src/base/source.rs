//! Source files, spans and line/column lookup.

use std::sync::OnceLock;

/// Index of a [`SourceFile`] in the input list.
pub type FileId = u32;

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span {
            file,
            start: clamp_u32(start),
            end: clamp_u32(end.max(start)),
        }
    }

    pub fn len(&self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

fn clamp_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// One input text: a `.tf`, `.tf.json`, plan JSON or any file a configuration reads.
#[derive(Debug)]
pub struct SourceFile {
    pub id: FileId,
    /// The path as the user gave it (relative paths stay relative).
    pub path: String,
    pub text: String,
    lines: OnceLock<LineIndex>,
    /// Whether the text is all ASCII, when the caller knew it (see [`SourceFile::known_ascii`]).
    ascii: Option<bool>,
    /// What a reader that went through every byte of the text learnt of it on the way.
    facts: OnceLock<TextFacts>,
    /// What the caller found the file to be, when it found it by walking a directory (a file
    /// the user names is decided from its name and content).
    pub found_as: Option<Found>,
}

/// What a front end that walked a directory found a file to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// A plan JSON, recognised by its content: checked on its own.
    Plan,
    /// Any other file (a policy document, a template, CI files): never checked on its own, but
    /// `file()` and `templatefile()` may read it.
    Other,
    /// A file of the configuration a plan was made from (`--config-dir`), read only to point
    /// the plan's findings where their values are written: never checked on its own.
    PlanConfiguration,
}

/// What a text holds that placing findings in it depends on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TextFacts {
    /// A byte past ASCII somewhere.
    pub wide: bool,
    /// A newline somewhere.
    pub newline: bool,
}

impl TextFacts {
    /// The shape of `bytes`, read one by one.
    pub fn of(bytes: &[u8]) -> TextFacts {
        TextFacts {
            wide: !bytes.is_ascii(),
            newline: memchr::memchr(b'\n', bytes).is_some(),
        }
    }

    /// Both texts' shapes together.
    #[must_use]
    pub fn and(self, other: TextFacts) -> TextFacts {
        TextFacts {
            wide: self.wide || other.wide,
            newline: self.newline || other.newline,
        }
    }
}

impl SourceFile {
    pub fn new(id: FileId, path: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            id,
            path: path.into(),
            text: text.into(),
            lines: OnceLock::new(),
            ascii: None,
            facts: OnceLock::new(),
            found_as: None,
        }
    }

    /// Records what a directory walk found the file to be (see [`Found`]).
    #[must_use]
    pub fn found_as(mut self, found: Found) -> Self {
        self.found_as = Some(found);
        self
    }

    /// Records whether the text is all ASCII, for a caller that learnt it without reading the
    /// text (an encoder that wrote as many bytes as it read UTF-16 units): placing findings then
    /// need not read the text to count characters.
    #[must_use]
    pub fn known_ascii(mut self, ascii: bool) -> Self {
        debug_assert_eq!(ascii, self.text.is_ascii());
        self.ascii = Some(ascii);
        self
    }

    /// Whether the text is all ASCII, if the caller said so or a reader learnt it.
    pub(crate) fn ascii_hint(&self) -> Option<bool> {
        self.ascii.or_else(|| self.facts.get().map(|s| !s.wide))
    }

    /// Records the shape of the whole text, learnt by a reader that went through every byte.
    pub(crate) fn learn_facts(&self, facts: TextFacts) {
        debug_assert_eq!(facts, TextFacts::of(self.text.as_bytes()));
        // (a text's shape never changes: a second reader learns the same)
        let _ = self.facts.set(facts);
    }

    /// The shape of the whole text, when a reader learnt it.
    pub(crate) fn learnt_facts(&self) -> Option<TextFacts> {
        self.facts.get().copied()
    }

    pub fn line_index(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    /// 1-based line and column (in Unicode scalar values) of a byte offset.
    pub fn line_col(&self, offset: u32) -> LineCol {
        self.line_index().line_col(&self.text, offset)
    }

    /// The text a span covers (empty when the span is out of range).
    pub fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// Start offsets of every line of a text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(clamp_u32(i + 1));
            }
        }
        LineIndex { starts }
    }

    /// 0-based line number holding `offset`.
    pub fn line_of(&self, offset: u32) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    pub fn line_start(&self, line: usize) -> u32 {
        self.starts.get(line).copied().unwrap_or(0)
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let offset = offset.min(clamp_u32(text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line) as usize;
        let col = text
            .get(start..offset as usize)
            .map(|s| s.chars().count())
            .unwrap_or_else(|| offset as usize - start);
        LineCol {
            line: clamp_u32(line + 1),
            column: clamp_u32(col + 1),
        }
    }

    /// Offset of a position in UTF-16 code units from the start of the text.
    pub fn utf16_offset(&self, text: &str, offset: u32) -> u32 {
        let end = (offset as usize).min(text.len());
        let s = text.get(..end).unwrap_or(text);
        clamp_u32(s.chars().map(char::len_utf16).sum::<usize>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_is_one_based_and_counts_chars() {
        let f = SourceFile::new(0, "a", "ab\nçd\n");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // 'ç' is two bytes: 'd' is at byte 5, column 2
        assert_eq!(f.line_col(5), LineCol { line: 2, column: 2 });
        assert_eq!(f.line_col(100), LineCol { line: 3, column: 1 });
    }
}
