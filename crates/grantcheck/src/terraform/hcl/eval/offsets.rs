//! Where evaluated text is written: the pieces a template's output is made of, and the mapping
//! of spans of values parsed from that output (or from a `.tf.json` string's decoded text) back
//! to the source.

use std::ops::Range;

use crate::json;
use crate::source::{FileId, Span};
use crate::value::{Node, NodeKind, TextMap};

/// The text a template with directives writes, piece by piece, with where each piece is written.
#[derive(Default)]
pub(super) struct Output {
    pub(super) pieces: Vec<Piece>,
    /// The values of the interpolations (unknown ones make the result unknown).
    pub(super) values: Vec<Node>,
    /// A strip marker (`~}`) asks to drop the space at the start of the next literal.
    pub(super) strip_next: bool,
}

pub(super) struct Piece {
    pub(super) text: String,
    literal: bool,
    /// Where it is written; `exact` when its bytes are the source's bytes from `src.start`.
    src: Option<Range<usize>>,
    exact: bool,
}

impl Output {
    /// A literal; `raw` is its source text and offset. A literal whose value is its source
    /// text, line by line after the indentation a `<<-` heredoc removes, maps exactly.
    pub(super) fn literal(&mut self, value: &str, raw: Option<(usize, &str)>) {
        let strip = std::mem::take(&mut self.strip_next);
        let value = if strip { value.trim_start() } else { value };
        let Some((base, raw)) = raw else {
            self.pieces.push(Piece {
                text: value.to_string(),
                literal: true,
                src: None,
                exact: false,
            });
            return;
        };
        // a stripped literal is the end of its source text
        let (base, raw) = match raw.len().checked_sub(value.len()) {
            Some(cut) if strip && raw.get(cut..) == Some(value) => (base + cut, &raw[cut..]),
            _ => (base, raw),
        };
        if raw == value {
            self.pieces.push(Piece {
                text: value.to_string(),
                literal: true,
                src: Some(base..base + raw.len()),
                exact: true,
            });
            return;
        }
        let vlines: Vec<&str> = value.split_inclusive('\n').collect();
        let rlines: Vec<&str> = raw.split_inclusive('\n').collect();
        if vlines.len() == rlines.len() && vlines.iter().zip(&rlines).all(|(v, r)| r.ends_with(v)) {
            let mut at = base;
            for (v, r) in vlines.iter().zip(&rlines) {
                let start = at + r.len() - v.len();
                self.pieces.push(Piece {
                    text: v.to_string(),
                    literal: true,
                    src: Some(start..start + v.len()),
                    exact: true,
                });
                at += r.len();
            }
            return;
        }
        self.pieces.push(Piece {
            text: value.to_string(),
            literal: true,
            src: Some(base..base + raw.len()),
            exact: false,
        });
    }

    pub(super) fn value(&mut self, text: String, src: Option<Range<usize>>, v: Node) {
        self.pieces.push(Piece {
            text,
            literal: false,
            src,
            exact: false,
        });
        self.values.push(v);
    }

    /// Drops the space at the end of the last literal (`%{~`, `${~`).
    pub(super) fn trim_last(&mut self) {
        if let Some(p) = self.pieces.last_mut().filter(|p| p.literal) {
            let keep = p.text.trim_end().len();
            if let (true, Some(r)) = (p.exact, &mut p.src) {
                r.end = r.start + keep;
            }
            p.text.truncate(keep);
        }
    }

    /// For each piece: its range in the output text and where it is written.
    pub(super) fn offsets(&self) -> Vec<(Range<usize>, Option<Range<usize>>, bool)> {
        let mut at = 0;
        self.pieces
            .iter()
            .map(|p| {
                let r = at..at + p.text.len();
                at = r.end;
                (r, p.src.clone(), p.exact)
            })
            .collect()
    }
}

pub(super) type Offsets = [(Range<usize>, Option<Range<usize>>, bool)];

/// The source span of output bytes `s..e`: exact inside one run of contiguous source pieces,
/// else `whole`.
pub(super) fn map_range(map: &Offsets, s: usize, e: usize, whole: Span) -> Span {
    let first = map.partition_point(|(o, _, _)| o.end <= s);
    let mut pieces = map[first.min(map.len())..]
        .iter()
        .take_while(|(o, _, _)| o.start < e.max(s + 1));
    let Some((o0, Some(r0), x0)) = pieces.next() else {
        return whole;
    };
    let start = if *x0 {
        r0.start + (s - o0.start)
    } else {
        r0.start
    };
    let (mut last_o, mut last_r, mut last_x) = (o0, r0, *x0);
    for (o, r, x) in pieces {
        match r {
            Some(r) if r.start == last_r.end => (last_o, last_r, last_x) = (o, r, *x),
            _ => return whole,
        }
    }
    let end = if last_x {
        last_r.start + (e - last_o.start).min(last_r.len())
    } else {
        last_r.end
    };
    Span::new(whole.file, start, end.max(start))
}

/// Moves the spans of JSON parsed from a template's output to where its parts are written.
pub(super) fn place(n: &mut Node, map: &Offsets, whole: Span) {
    let (s, e) = (n.span.start as usize, n.span.end as usize);
    n.span = map_range(map, s, e, whole);
    if let NodeKind::String(sv) = &mut n.kind {
        sv.map = match sv.map {
            TextMap::Exact { base } => {
                let b = base as usize;
                let m = map_range(map, b, b + sv.value.len(), whole);
                if m != whole && m.len() as usize == sv.value.len() {
                    TextMap::Exact { base: m.start }
                } else {
                    TextMap::Collapsed
                }
            }
            TextMap::Escaped { .. } | TextMap::Collapsed => TextMap::Collapsed,
        };
    }
    match &mut n.kind {
        NodeKind::Array(a) => a.iter_mut().for_each(|x| place(x, map, whole)),
        NodeKind::Object(o) => o.iter_mut().for_each(|(k, v)| {
            k.span = map_range(map, k.span.start as usize, k.span.end as usize, whole);
            place(v, map, whole);
        }),
        _ => {}
    }
}

/// Places every part of `n` that was read from `from` where `place` says (their strings then
/// map as a whole, not byte for byte).
pub(super) fn place_parts(n: &mut Node, from: FileId, place: &mut dyn FnMut(Span) -> Span) {
    if n.span.file == from {
        n.span = place(n.span);
        if let NodeKind::String(s) = &mut n.kind {
            s.map = TextMap::Collapsed;
        }
    }
    match &mut n.kind {
        NodeKind::Array(a) => a.iter_mut().for_each(|x| place_parts(x, from, place)),
        NodeKind::Object(o) => o.iter_mut().for_each(|(k, v)| {
            if k.span.file == from {
                k.span = place(k.span);
            }
            place_parts(v, from, place);
        }),
        _ => {}
    }
}

/// Places the parts of `n` read from the decoded text of a JSON string (file `from`, of
/// `len` bytes) where they are written in `whole`, that string, through its `escapes`; what
/// spans all of the decoded text is the whole string.
pub(super) fn place_through(
    n: &mut Node,
    from: FileId,
    len: usize,
    whole: Span,
    escapes: &mut json::Escapes<'_>,
) {
    place_parts(n, from, &mut |s| {
        if (s.start as usize, s.end as usize) == (0, len) {
            whole
        } else {
            escapes.span(whole.file, s.start as usize, s.end as usize)
        }
    });
}

/// Places every part of `n` that was read from `from` at `span`, without an exact mapping.
pub(super) fn collapse_into(n: &mut Node, from: FileId, span: Span) {
    place_parts(n, from, &mut |_| span);
}
