//! Resolves byte offsets to line/column (and UTF-16 offsets) in one sweep per file, so that
//! thousands of findings in a 10 MB one-line plan cost one pass over the text.

use crate::hash::HashMap;
use std::collections::BTreeMap;

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
            wanted: HashMap::default(),
            resolved: HashMap::default(),
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
            let ascii = src.text.is_ascii();
            let (mut line, mut col, mut u16) = (1u32, 1u32, 0u32);
            let mut i = 0usize;
            for &target in targets.keys() {
                let target_us = (target as usize).min(text.len());
                if target_us > i {
                    let gap = &text[i..target_us];
                    let (newlines, last_nl) = if ascii {
                        (
                            memchr::memchr_iter(b'\n', gap).count(),
                            memchr::memrchr(b'\n', gap),
                        )
                    } else {
                        (
                            gap.iter().filter(|&&b| b == b'\n').count(),
                            gap.iter().rposition(|&b| b == b'\n'),
                        )
                    };
                    // characters (and UTF-16 units) in a byte range; ASCII text counts bytes
                    let chars = |s: &[u8]| {
                        if ascii {
                            s.len()
                        } else {
                            s.iter().filter(|&&b| (b as i8) >= -0x40).count()
                        }
                    };
                    if self.utf16 {
                        let four = if ascii {
                            0
                        } else {
                            gap.iter().filter(|&&b| b >= 0xF0).count()
                        };
                        u16 += (chars(gap) + four) as u32;
                    }
                    match last_nl {
                        Some(nl) => {
                            line += newlines as u32;
                            col = 1 + chars(&gap[nl + 1..]) as u32;
                        }
                        None => col += chars(gap) as u32,
                    }
                    i = target_us;
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

    #[test]
    fn ascii_and_non_ascii_texts_agree_with_the_line_index() {
        for text in ["ab\ncd\n\nefg", "aé\nc😀d\n\nefg"] {
            let src = vec![SourceFile::new(0, "f", text)];
            let mut l = Locator::new(&src, false);
            let offsets: Vec<u32> = text.char_indices().map(|(i, _)| i as u32).collect();
            for &o in &offsets {
                l.want(Span::new(0, o as usize, o as usize));
            }
            l.resolve();
            for &o in &offsets {
                let got = l
                    .location(Span::new(0, o as usize, o as usize))
                    .unwrap()
                    .start;
                let want = src[0].line_col(o);
                assert_eq!(
                    (got.line, got.column),
                    (want.line, want.column),
                    "{text:?} @{o}"
                );
            }
        }
    }
}
