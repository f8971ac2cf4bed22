//! Resolves byte offsets to line/column (and UTF-16 offsets) in one sweep per file, so that
//! thousands of findings in a 10 MB one-line plan cost one pass over the text.

use crate::base::hash::HashMap;

use super::{Location, Position};
use crate::base::source::{FileId, SourceFile, Span};

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

    /// The span on character boundaries of its file's text: a start inside a character moves
    /// to its beginning, an end inside one to its end (a one-byte span at a wide character).
    fn snapped(&self, span: Span) -> Span {
        let Some(src) = self.sources.iter().find(|s| s.id == span.file) else {
            return span;
        };
        let text = src.text.as_str();
        let len = text.len();
        let mut start = (span.start as usize).min(len);
        while start > 0 && !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (span.end as usize).clamp(start, len);
        while end < len && !text.is_char_boundary(end) {
            end += 1;
        }
        Span::new(span.file, start, end)
    }

    pub fn want(&mut self, span: Span) {
        let span = self.snapped(span);
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
            let text = src.text.as_bytes();
            // one line of ASCII, as the reader of the file found it: every position follows
            // from the offset alone, and the text need not be read again
            if src.learnt_facts().is_some_and(|s| !s.wide && !s.newline) {
                self.resolved.reserve(offsets.len());
                for target in offsets {
                    let at = target.min(u32::try_from(text.len()).unwrap_or(u32::MAX));
                    let position = Position {
                        line: 1,
                        column: at + 1,
                        offset: Some(target),
                        utf16: self.utf16.then_some(at),
                    };
                    self.resolved.insert((file, target), position);
                }
                continue;
            }
            // the text from each wanted offset to the next, read in parallel where there are
            // threads; positions then follow from one another in order
            let mut from = 0usize;
            let gaps: Vec<(usize, usize)> = offsets
                .iter()
                .map(|&o| {
                    let to = (o as usize).clamp(from, text.len());
                    let gap = (from, to);
                    from = to;
                    gap
                })
                .collect();
            let utf16 = self.utf16;
            let ascii = src.ascii_hint() == Some(true);
            let read = crate::base::par::map(&gaps, |&(a, b)| Gap::read(&text[a..b], utf16, ascii));
            let (mut line, mut col, mut u16) = (1u32, 1u32, 0u32);
            self.resolved.reserve(offsets.len());
            for (&target, gap) in offsets.iter().zip(read) {
                if gap.newlines > 0 {
                    line += gap.newlines;
                    col = 1 + gap.tail_chars;
                } else {
                    col += gap.tail_chars;
                }
                u16 += gap.utf16;
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
        let span = self.snapped(span);
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

/// What a stretch of text between two wanted offsets moves the position by.
struct Gap {
    newlines: u32,
    /// Characters after the last newline (all of them when there is none).
    tail_chars: u32,
    /// UTF-16 code units in the whole stretch (when asked for).
    utf16: u32,
}

impl Gap {
    /// `ascii`: the whole text is known to be ASCII, so no stretch of it need be looked at.
    fn read(gap: &[u8], utf16: bool, ascii: bool) -> Gap {
        // characters in ASCII text are bytes; otherwise every byte that does not continue a
        // UTF-8 sequence starts one, and each four-byte one is two UTF-16 units
        let chars = |s: &[u8]| {
            if ascii || s.is_ascii() {
                s.len()
            } else {
                s.iter().filter(|&&b| (b as i8) >= -0x40).count()
            }
        };
        // a stretch of a plan, most often one line of ASCII, holds neither a newline nor a byte
        // past ASCII: one pass over it settles that (where looking for each would take two),
        // and every count is then its length
        if !ascii && plain(gap) {
            let n = gap.len() as u32;
            return Gap {
                newlines: 0,
                tail_chars: n,
                utf16: if utf16 { n } else { 0 },
            };
        }
        // the last newline first: a plan is most often one line, and then nothing is counted
        let (newlines, tail) = match memchr::memrchr(b'\n', gap) {
            Some(nl) => (
                1 + memchr::memchr_iter(b'\n', &gap[..nl]).count(),
                &gap[nl + 1..],
            ),
            None => (0, gap),
        };
        let units = if !utf16 {
            0
        } else if ascii || gap.is_ascii() {
            gap.len()
        } else {
            chars(gap) + gap.iter().filter(|&&b| b >= 0xF0).count()
        };
        Gap {
            newlines: newlines as u32,
            tail_chars: chars(tail) as u32,
            utf16: units as u32,
        }
    }
}

/// Does `gap` hold neither a newline nor a byte past ASCII? (Written to be read in wide steps.)
fn plain(gap: &[u8]) -> bool {
    gap.chunks(64).all(|c| {
        !c.iter()
            .fold(false, |hit, &b| hit | (b == b'\n') | (b >= 0x80))
    })
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
    fn long_stretches_with_a_newline_or_a_wide_character_anywhere_agree() {
        // stretches longer than the steps they are read in, the newline or the character past
        // ASCII before, in and after each step
        for at in [0, 1, 63, 64, 65, 127, 128, 150, 199] {
            for odd in ["\n", "é", "😀"] {
                let text = format!("{}{odd}{}", "a".repeat(at), "b".repeat(200 - at));
                let src = vec![SourceFile::new(0, "f", text.clone())];
                let mut l = Locator::new(&src, true);
                let offsets = [0, 40, 100, text.len() - 1, text.len()];
                for o in offsets {
                    l.want(Span::new(0, o, o));
                }
                l.resolve();
                for o in offsets {
                    let got = l.location(Span::new(0, o, o)).unwrap().start;
                    let want = src[0].line_col(o as u32);
                    assert_eq!(
                        (got.line, got.column),
                        (want.line, want.column),
                        "{at} {odd:?} @{o}"
                    );
                    let units = text[..o].encode_utf16().count() as u32;
                    assert_eq!(got.utf16, Some(units), "{at} {odd:?} @{o}");
                }
            }
        }
    }

    #[test]
    fn a_text_known_to_be_one_line_of_ascii_is_placed_as_when_read() {
        let text = r#"{"a":[1,2,{"b":"c"}],"d":"e"}"#;
        let offsets: Vec<u32> = (0..=text.len() as u32 + 3).collect();
        let place = |learn: bool| {
            let src = vec![SourceFile::new(0, "f", text)];
            if learn {
                src[0].learn_facts(crate::base::source::TextFacts::of(text.as_bytes()));
            }
            let mut l = Locator::new(&src, true);
            for &o in &offsets {
                l.want(Span::new(0, o as usize, o as usize));
            }
            l.resolve();
            offsets
                .iter()
                .map(|&o| {
                    l.location(Span::new(0, o as usize, o as usize))
                        .map(|x| x.start)
                })
                .collect::<Vec<_>>()
        };
        let learnt = place(true);
        assert_eq!(learnt, place(false));
        let last = learnt
            .last()
            .copied()
            .flatten()
            .map(|p| (p.line, p.column, p.utf16));
        assert_eq!(
            last,
            Some((1, text.len() as u32 + 1, Some(text.len() as u32)))
        );
    }

    #[test]
    fn ascii_and_non_ascii_texts_agree_with_the_line_index() {
        // with and without the caller saying whether the text is ASCII
        let cases = ["ab\ncd\n\nefg", "aé\nc😀d\n\nefg", "{\"a\":\"é\",\"b\":1}"]
            .into_iter()
            .flat_map(|t| [(t, false), (t, true)]);
        for (text, hint) in cases {
            let mut file = SourceFile::new(0, "f", text);
            if hint {
                file = file.known_ascii(text.is_ascii());
            }
            let src = vec![file];
            let mut l = Locator::new(&src, true);
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
                let units = text[..o as usize].encode_utf16().count() as u32;
                assert_eq!(got.utf16, Some(units), "{text:?} @{o}");
            }
        }
    }
}
