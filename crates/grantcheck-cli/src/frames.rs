//! Source excerpts for code frames: a bounded window of the text around a span, with every
//! sensitive value replaced by `(sensitive value)`.
//!
//! A plan is often one line of megabytes; a frame shows at most [`CONTEXT`] characters either
//! side of a span and at most [`MAX_SPAN`] bytes of the span itself, and at most
//! [`MAX_LINES`] lines.

use grantcheck::{SourceFile, Span};

/// What a masked value is shown as.
pub const MASK: &str = "(sensitive value)";
/// Characters shown before and after a span on its line.
pub const CONTEXT: usize = 60;
/// Bytes of a span shown at most.
pub const MAX_SPAN: usize = 400;
/// Lines of a span shown at most.
pub const MAX_LINES: usize = 8;
/// Marks text left out of an excerpt: the mark the frame renderer puts where it trims a line
/// to the terminal's width, so that a frame shows one kind of mark.
pub const CUT: &str = "...";

/// An excerpt ready for a snippet renderer.
#[derive(Debug, PartialEq)]
pub struct Excerpt {
    /// The text shown (masked, possibly cut on the left and right).
    pub text: String,
    /// The 1-based line number of the first line of `text`.
    pub line: usize,
    /// The span, as a byte range of `text`.
    pub range: std::ops::Range<usize>,
    /// `text` starts mid-line, after [`CUT`].
    pub cut_left: bool,
}

fn floor_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Byte offset `n` characters before `i` (not before `floor`).
fn back_chars(text: &str, i: usize, n: usize, floor: usize) -> usize {
    text.get(floor..i)
        .and_then(|s| s.char_indices().rev().nth(n.saturating_sub(1)))
        .map(|(k, _)| floor + k)
        .unwrap_or(floor)
}

/// Byte offset `n` characters after `i` (not after `ceil`).
fn forward_chars(text: &str, i: usize, n: usize, ceil: usize) -> usize {
    text.get(i..ceil)
        .and_then(|s| s.char_indices().nth(n))
        .map(|(k, _)| i + k)
        .unwrap_or(ceil)
}

/// The excerpt of `src` around `span` (byte offsets), masking the `sensitive` spans (sorted and
/// merged, as in the report).
pub fn excerpt(src: &SourceFile, span: Span, sensitive: &[Span]) -> Excerpt {
    let text = src.text.as_str();
    let index = src.line_index();
    let s = floor_char(text, span.start as usize);
    let e = ceil_char(text, (span.end as usize).max(s));
    let line = index.line_of(s as u32);
    let line_start = index.line_start(line) as usize;
    let line_no = line + 1;
    // Where the shown span ends: at most MAX_SPAN bytes and MAX_LINES lines.
    let mut shown_end = floor_char(text, e.min(s + MAX_SPAN));
    if let Some((k, _)) = text[s..shown_end]
        .match_indices('\n')
        .nth(MAX_LINES.saturating_sub(1))
    {
        shown_end = s + k;
    }
    let end_line = index.line_of(shown_end as u32);
    let end_line_end = if end_line + 1 < index.line_count() {
        (index.line_start(end_line + 1) as usize).saturating_sub(1)
    } else {
        text.len()
    };
    let from = back_chars(text, s, CONTEXT, line_start);
    let to = forward_chars(text, shown_end, CONTEXT, end_line_end);
    let cut_left = from > line_start;
    let cut_right = to < end_line_end;
    let cut_span = shown_end < e;

    // Copy [from, to) with sensitive spans replaced, mapping s and shown_end.
    let mut out = String::new();
    if cut_left {
        out.push_str(CUT);
    }
    let mut pos = from;
    let (mut ms, mut me) = (None, None);
    // `sensitive` is sorted and merged: ends ascend within a file, so search for the first
    // span that ends after `from`.
    let first = sensitive.partition_point(|x| (x.file, x.end as usize) <= (span.file, from));
    let relevant = sensitive[first..]
        .iter()
        .take_while(|x| x.file == span.file && (x.start as usize) < to);
    for x in relevant {
        let xs = floor_char(text, (x.start as usize).max(from).max(pos));
        let xe = ceil_char(text, (x.end as usize).min(to)).max(xs);
        copy_plain(text, pos, xs, s, shown_end, &mut out, &mut ms, &mut me);
        // A span that starts inside a masked value starts at the mask; one that ends inside
        // it ends after the mask.
        if ms.is_none() && s < xe {
            ms = Some(out.len());
        }
        if me.is_none() && shown_end <= xs {
            me = Some(out.len());
        }
        out.push_str(MASK);
        for _ in text[xs..xe].matches('\n') {
            out.push('\n');
        }
        if me.is_none() && shown_end < xe {
            me = Some(out.len());
        }
        pos = xe;
    }
    copy_plain(text, pos, to, s, shown_end, &mut out, &mut ms, &mut me);
    let start = ms.unwrap_or(out.len());
    let mut end = me.unwrap_or(out.len()).max(start);
    if cut_span {
        // Mark that the span goes on: the underline covers the mark too.
        out.insert_str(end, CUT);
        end += CUT.len();
    }
    if cut_right {
        out.push_str(CUT);
    }
    Excerpt {
        text: out,
        line: line_no,
        range: start..end,
        cut_left,
    }
}

/// Copies text[a..b] into `out`, recording where `s` and `e` land.
#[allow(clippy::too_many_arguments)]
fn copy_plain(
    text: &str,
    a: usize,
    b: usize,
    s: usize,
    e: usize,
    out: &mut String,
    ms: &mut Option<usize>,
    me: &mut Option<usize>,
) {
    if b <= a {
        return;
    }
    for (target, slot) in [(s, ms), (e, me)] {
        if slot.is_none() && target >= a && target < b {
            *slot = Some(out.len() + (target - a));
        }
    }
    out.push_str(&text[a..b]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(a: usize, b: usize) -> Span {
        Span::new(0, a, b)
    }

    #[test]
    fn short_line_is_shown_whole() {
        let t = "a\n  \"kms_key_id\": null,\nz";
        let s = t.find("null").unwrap_or(0);
        let x = excerpt(&SourceFile::new(0, "f", t), sp(s, s + 4), &[]);
        assert_eq!(x.text, "  \"kms_key_id\": null,");
        assert_eq!(x.line, 2);
        assert_eq!(&x.text[x.range.clone()], "null");
    }

    #[test]
    fn long_line_is_windowed() {
        let t = format!("{}TARGET{}", "x".repeat(100_000), "y".repeat(100_000));
        let x = excerpt(&SourceFile::new(0, "f", t), sp(100_000, 100_006), &[]);
        assert!(x.text.len() < 2 * CONTEXT + 20, "{}", x.text.len());
        assert!(x.cut_left);
        assert!(x.text.starts_with(CUT) && x.text.ends_with(CUT));
        assert_eq!(&x.text[x.range.clone()], "TARGET");
    }

    #[test]
    fn long_span_is_cut() {
        let t = "z".repeat(10_000);
        let x = excerpt(&SourceFile::new(0, "f", t), sp(0, 10_000), &[]);
        assert!(x.text.len() <= MAX_SPAN + CONTEXT + 10, "{}", x.text.len());
        assert!(x.text[x.range.clone()].ends_with(CUT));
    }

    #[test]
    fn sensitive_values_are_masked_and_offsets_follow() {
        let t = r#"{"password":"hunter2","policy":"P"}"#;
        let pw = t.find("\"hunter2\"").unwrap_or(0);
        let p = t.find("\"P\"").unwrap_or(0);
        let f = SourceFile::new(0, "f", t);
        let x = excerpt(&f, sp(p, p + 3), &[sp(pw, pw + 9)]);
        assert!(!x.text.contains("hunter2"));
        assert!(x.text.contains(MASK));
        assert_eq!(&x.text[x.range.clone()], "\"P\"");
        // a span inside a sensitive value underlines the mask, never the value
        let y = excerpt(&f, sp(pw + 1, pw + 4), &[sp(pw, pw + 9)]);
        assert!(!y.text.contains("hunter2"));
        assert_eq!(&y.text[y.range.clone()], MASK);
    }
}
