//! Where evaluated text is written: the pieces a template's output is made of, and the mapping
//! of spans of values parsed from that output (or from a `.tf.json` string's decoded text) back
//! to the source.

use std::ops::Range;

use crate::base::json;
use crate::base::source::{FileId, Span};
use crate::base::value::{Node, NodeKind, TextMap};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::json::{Placement, parse};
    use crate::base::value::NodeKind;

    const FILE: FileId = 3;

    fn string(n: &Node) -> (&str, &TextMap) {
        match &n.kind {
            NodeKind::String(s) => (s.value.as_str(), &s.map),
            _ => panic!("not a string"),
        }
    }

    #[test]
    fn a_literal_written_as_it_reads_maps_exactly_and_a_value_maps_to_its_interpolation() {
        // source: `{"a": "${x}"}` at offset 100; `${x}` gives `vv`
        let mut out = Output::default();
        out.literal("{\"a\": \"", Some((100, "{\"a\": \"")));
        out.value(
            "vv".into(),
            Some(107..111),
            Node::new(NodeKind::Null, Span::default()),
        );
        out.literal("\"}", Some((111, "\"}")));
        let map = out.offsets();
        assert_eq!(
            map,
            vec![
                (0..7, Some(100..107), true),
                (7..9, Some(107..111), false),
                (9..11, Some(111..113), true),
            ]
        );
        let whole = Span::new(FILE, 90, 120);
        // inside one exact piece: byte for byte
        assert_eq!(map_range(&map, 1, 4, whole), Span::new(FILE, 101, 104));
        // across contiguous pieces: from the first to the end of the last
        assert_eq!(map_range(&map, 6, 10, whole), Span::new(FILE, 106, 112));
    }

    #[test]
    fn pieces_from_places_that_do_not_follow_each_other_map_to_the_whole() {
        let mut out = Output::default();
        out.literal("ab", Some((10, "ab")));
        out.literal("cd", Some((50, "cd")));
        let map = out.offsets();
        let whole = Span::new(FILE, 0, 60);
        assert_eq!(map_range(&map, 0, 2, whole), Span::new(FILE, 10, 12));
        assert_eq!(map_range(&map, 1, 3, whole), whole);
    }

    #[test]
    fn an_indented_heredoc_maps_each_line_after_its_indentation() {
        let mut out = Output::default();
        // `<<-` removed two spaces from each line
        out.literal("x\ny\n", Some((20, "  x\n  y\n")));
        let map = out.offsets();
        assert_eq!(
            map,
            vec![(0..2, Some(22..24), true), (2..4, Some(26..28), true)]
        );
        // a strip marker drops the space at the end of the last literal
        let mut out = Output::default();
        out.literal("ab  ", Some((0, "ab  ")));
        out.trim_last();
        assert_eq!(out.offsets(), vec![(0..2, Some(0..2), true)]);
    }

    #[test]
    fn json_parsed_from_output_is_placed_where_its_parts_are_written() {
        let mut out = Output::default();
        out.literal("{\"k\": ", Some((200, "{\"k\": ")));
        out.literal("\"v\"}", Some((300, "\"v\"}")));
        let text: String = out.pieces.iter().map(|p| p.text.as_str()).collect();
        let mut node = parse(&text, Placement::exact(FILE, 0, text.len())).unwrap();
        let whole = Span::new(FILE, 190, 310);
        place(&mut node, &out.offsets(), whole);
        // the object spans two places: the whole template
        assert_eq!(node.span, whole);
        let (k, v) = &node.as_object().unwrap()[0];
        assert_eq!(k.span, Span::new(FILE, 201, 204));
        assert_eq!(v.span, Span::new(FILE, 300, 303));
        assert_eq!(string(v), ("v", &TextMap::Exact { base: 301 }));
    }

    #[test]
    fn parts_read_from_a_decoded_text_are_placed_in_the_string_that_writes_it() {
        // the JSON string `"a\"b"` written at 10..16 of FILE decodes to `a"b` (file 9)
        let written = "\"a\\\"b\"";
        let whole = Span::new(FILE, 10, 16);
        let mut n = Node::new(
            NodeKind::Array(vec![Node::string(
                "\"",
                Span::new(9, 1, 2),
                TextMap::Exact { base: 1 },
            )]),
            Span::new(9, 0, 3),
        );
        let mut escapes = json::Escapes::read(&written[1..written.len() - 1], 11, 3).unwrap();
        place_through(&mut n, 9, 3, whole, &mut escapes);
        // the whole decoded text is the whole string; the quote is its escape
        assert_eq!(n.span, whole);
        let q = &n.as_array().unwrap()[0];
        assert_eq!(q.span, Span::new(FILE, 12, 14));
        assert_eq!(string(q).1, &TextMap::Collapsed);
        // without an exact mapping, everything is placed at the string
        let mut m = Node::new(NodeKind::Array(vec![str_at(9)]), Span::new(9, 0, 3));
        collapse_into(&mut m, 9, whole);
        assert_eq!(m.as_array().unwrap()[0].span, whole);
    }

    fn str_at(file: FileId) -> Node {
        Node::string("x", Span::new(file, 0, 1), TextMap::Collapsed)
    }
}
