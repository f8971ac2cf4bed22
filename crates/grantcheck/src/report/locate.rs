//! Resolves byte offsets to line/column (and UTF-16 offsets) in one sweep per file, so that
//! thousands of findings in a 10 MB one-line plan cost one pass over the text.

use std::collections::{BTreeMap, HashMap};

use super::{Location, Position};
use crate::source::{FileId, SourceFile, Span};

pub struct Locator<'a> {
    sources: &'a [SourceFile],
    utf16: bool,
    wanted: HashMap<FileId, Vec<u32>>,
    resolved: HashMap<(FileId, u32), Position>,
}

impl<'a> Locator<'a> {
    pub fn new(sources: &'a [SourceFile], utf16: bool) -> Self {
        Locator {
            sources,
            utf16,
            wanted: HashMap::new(),
            resolved: HashMap::new(),
        }
    }

    pub fn want(&mut self, span: Span) {
        let v = self.wanted.entry(span.file).or_default();
        v.push(span.start);
        v.push(span.end);
    }

    pub fn resolve(&mut self) {
        for (file, mut offsets) in std::mem::take(&mut self.wanted) {
            let Some(src) = self.sources.iter().find(|s| s.id == file) else {
                continue;
            };
            offsets.sort_unstable();
            offsets.dedup();
            let targets: BTreeMap<u32, ()> = offsets.iter().map(|o| (*o, ())).collect();
            let text = src.text.as_bytes();
            let (mut line, mut col, mut u16) = (1u32, 1u32, 0u32);
            let mut i = 0usize;
            for &target in targets.keys() {
                let target_us = (target as usize).min(text.len());
                while i < target_us {
                    let b = text[i];
                    let width = utf8_width(b);
                    if b == b'\n' {
                        line += 1;
                        col = 1;
                    } else if b & 0xC0 != 0x80 {
                        col += 1;
                    }
                    if b & 0xC0 != 0x80 {
                        u16 += if width == 4 { 2 } else { 1 };
                    }
                    i += 1;
                }
                self.resolved.insert(
                    (file, target),
                    Position {
                        line,
                        column: col,
                        offset: Some(target),
                        utf16: self.utf16.then_some(u16),
                    },
                );
            }
        }
    }

    pub fn location(&self, span: Span) -> Option<Location> {
        let src = self.sources.iter().find(|s| s.id == span.file)?;
        let start = *self.resolved.get(&(span.file, span.start))?;
        let end = *self.resolved.get(&(span.file, span.end))?;
        Some(Location {
            file: src.path.clone(),
            start,
            end,
        })
    }
}

fn utf8_width(b: u8) -> usize {
    match b {
        0xF0..=0xF7 => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_matches_line_index() {
        let src = vec![SourceFile::new(0, "f", "ab\nç😀d\nx")];
        let mut l = Locator::new(&src, true);
        let span = Span::new(0, 9, 12);
        l.want(span);
        l.resolve();
        let loc = l.location(span).unwrap();
        assert_eq!((loc.start.line, loc.start.column), (2, 3));
        assert_eq!(src[0].line_col(9).column, 3);
        assert_eq!(loc.start.utf16, Some(6));
        assert_eq!((loc.end.line, loc.end.column), (3, 2));
    }
}
