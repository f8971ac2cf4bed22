//! Strict JSON text → [`Node`] with spans, for policy documents and the parts of a plan that
//! grantcheck reads closely.

use std::borrow::Cow;
use std::cell::Cell;

use compact_str::CompactString;

use crate::base::source::{FileId, Span};
use crate::base::value::{Key, Node, NodeKind, StrValue, TextMap};

/// Deepest nesting accepted in any JSON text. Real plans nest a few dozen levels.
pub const MAX_DEPTH: usize = 256;

/// Where the JSON text sits in its source file.
#[derive(Clone, Copy, Debug)]
pub struct Placement {
    pub file: FileId,
    /// Byte offset of the text's first byte in the source, when bytes map one to one.
    pub base: Option<u32>,
    /// The span every node gets when there is no exact mapping (the enclosing string).
    pub whole: Span,
}

impl Placement {
    /// Text that is (a slice of) the source file itself, starting at `base`.
    pub fn exact(file: FileId, base: u32, len: usize) -> Self {
        Placement {
            file,
            base: Some(base),
            whole: Span::new(file, base as usize, base as usize + len),
        }
    }

    /// Text held in a string whose characters do not map one to one (an escaped JSON string).
    pub fn collapsed(whole: Span) -> Self {
        Placement {
            file: whole.file,
            base: None,
            whole,
        }
    }

    /// Placement for JSON decoded from a string value.
    pub fn of_string(s: &StrValue, span: Span) -> Self {
        match s.map {
            TextMap::Exact { base } => Placement::exact(span.file, base, s.value.len()),
            // (exact through the escapes only with the source at hand: `Escapes`)
            TextMap::Escaped { .. } | TextMap::Collapsed => Placement::collapsed(span),
        }
    }

    fn span(&self, r: Range) -> Span {
        match self.base {
            Some(b) => Span::new(self.file, b as usize + r.0, b as usize + r.1),
            None => self.whole,
        }
    }

    /// The map of the string literal at `r`; `escaped`: the literal has escapes.
    fn map_for(&self, r: Range, escaped: bool) -> TextMap {
        match self.base {
            // +1: the string's content starts after its opening quote
            Some(b) => {
                let base = (b as usize + r.0 + 1).try_into().unwrap_or(u32::MAX);
                if escaped {
                    TextMap::Escaped { base }
                } else {
                    TextMap::Exact { base }
                }
            }
            None => TextMap::Collapsed,
        }
    }
}

/// A byte range of the JSON text.
type Range = (usize, usize);

/// A JSON syntax error with its place.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonError {
    pub message: String,
    pub span: Span,
}

/// Returns the byte offset where nesting first exceeds `max`, ignoring brackets in strings.
/// One pass, no allocation: safe to run on any text before a parser recurses into it.
pub fn depth_exceeded(text: &str, max: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    // Nesting can only pass `max` if there are more than `max` opening brackets at all: a
    // count that vectorises settles almost every text without the string-aware walk.
    if bytes.iter().filter(|&&b| b == b'[' || b == b'{').count() <= max {
        return None;
    }
    let mut depth = 0usize;
    let mut i = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                // skip the string: jump to the next quote or backslash
                i += 1;
                loop {
                    match memchr::memchr2(b'"', b'\\', &bytes[i.min(bytes.len())..]) {
                        Some(k) if bytes[i + k] == b'\\' => i += k + 2,
                        Some(k) => {
                            i += k;
                            break;
                        }
                        None => return None,
                    }
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The first byte from `at` that ends a run of plain string characters: a quote, a backslash
/// or a control character (`bytes.len()` if none). Sixteen bytes at a time on x86-64, eight
/// elsewhere.
#[inline]
pub(crate) fn special(bytes: &[u8], at: usize) -> usize {
    special_or::<false>(bytes, at)
}

/// [`special`], or a byte past ASCII (`WIDE`).
#[inline]
pub(crate) fn special_or<const WIDE: bool>(bytes: &[u8], at: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    let at = match special_16::<WIDE>(bytes, at) {
        Ok(found) => return found,
        Err(short) => short,
    };
    special_8::<WIDE>(bytes, at)
}

/// [`special_or`] over whole runs of sixteen bytes with SSE2 (which every x86-64 has): where
/// the first special byte is, or (`Err`) where fewer than sixteen bytes are left.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn special_16<const WIDE: bool>(bytes: &[u8], mut at: usize) -> Result<usize, usize> {
    use wide::u8x16;
    let quote = u8x16::splat(b'"');
    let backslash = u8x16::splat(b'\\');
    let control = u8x16::splat(0x1f);
    while let Some(chunk) = bytes.get(at..).and_then(<[u8]>::first_chunk::<16>) {
        let v = u8x16::new(*chunk);
        // a byte under 0x20 is its own minimum with 0x1f
        let mut hits = v.simd_eq(quote) | v.simd_eq(backslash) | v.min(control).simd_eq(v);
        if WIDE {
            // a byte past ASCII has its high bit set, which is what the mask takes
            hits |= v;
        }
        let mask = hits.to_bitmask();
        if mask != 0 {
            return Ok(at + mask.trailing_zeros() as usize);
        }
        at += 16;
    }
    Err(at)
}

/// [`special_or`] eight bytes at a time in a `u64`, then byte by byte.
#[inline(always)]
fn special_8<const WIDE: bool>(bytes: &[u8], mut at: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // a byte of `v` is zero, or (for `below`) under 0x20: its high bit in the result. Bits
    // above the first such byte may be wrong (a borrow runs up); the first one is exact.
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let v = u64::from_le_bytes(word);
        let below = v.wrapping_sub(ONES * 0x20) & !v & HIGH;
        let wide = if WIDE { v & HIGH } else { 0 };
        let hits =
            zero(v ^ (ONES * u64::from(b'"'))) | zero(v ^ (ONES * u64::from(b'\\'))) | below | wide;
        if hits != 0 {
            return at + (hits.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while let Some(&b) = bytes.get(at) {
        if b == b'"' || b == b'\\' || b < 0x20 || (WIDE && b >= 0x80) {
            return at;
        }
        at += 1;
    }
    at
}

/// Parses strict JSON (RFC 8259, as serde_json reads it) into a [`Node`] tree placed in its
/// source.
///
/// One pass straight into [`Node`]s: no token list or intermediate tree. Nesting deeper than
/// [`MAX_DEPTH`] is refused where it happens, so the recursion is bounded on any input.
pub fn parse(text: &str, at: Placement) -> Result<Node, JsonError> {
    parse_with_room(text, at, 0)
}

/// [`parse`], leaving room for `room` more members in the outermost object (members the
/// caller adds at once, so that the object's list is not moved to grow).
pub fn parse_with_room(text: &str, at: Placement, room: usize) -> Result<Node, JsonError> {
    let scratch = SCRATCH.with(Cell::take).unwrap_or_default();
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
        at: &at,
        items: scratch.items,
        members: scratch.members,
        decoded: scratch.decoded,
        room,
    };
    let read = p.document();
    let mut scratch = Scratch {
        items: p.items,
        members: p.members,
        decoded: p.decoded,
    };
    // (what a failed read left behind is dropped; lists grown very long are not kept)
    scratch.items.clear();
    scratch.members.clear();
    scratch.decoded.clear();
    if scratch.items.capacity() <= MAX_KEPT
        && scratch.members.capacity() <= MAX_KEPT
        && scratch.decoded.capacity() <= MAX_KEPT * 16
    {
        SCRATCH.with(|c| c.set(Some(scratch)));
    }
    read
}

/// The lists a parse reads arrays and objects into, and the text it decodes escaped strings
/// into, kept for the next parse on the same thread: the many small values of a plan are each
/// read by a parse of their own, and lists grown once need not grow again for each.
#[derive(Default)]
struct Scratch {
    items: Vec<Node>,
    members: Vec<(Key, Node)>,
    decoded: String,
}

/// Lists longer than this (and decoded text sixteen times as long) are freed after a parse
/// rather than kept.
const MAX_KEPT: usize = 4096;

thread_local! {
    static SCRATCH: Cell<Option<Scratch>> = const { Cell::new(None) };
}

impl Parser<'_, '_> {
    /// The whole text: one value, with only whitespace around it.
    fn document(&mut self) -> Result<Node, JsonError> {
        let p = self;
        p.skip_ws();
        if p.pos >= p.bytes.len() {
            return Err(JsonError {
                message: "empty JSON text".to_string(),
                span: p.at.whole,
            });
        }
        let node = p.value()?;
        p.skip_ws();
        if p.pos < p.bytes.len() {
            return Err(p.error("unexpected text after the JSON value"));
        }
        Ok(node)
    }
}

struct Parser<'t, 'p> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    depth: usize,
    at: &'p Placement,
    /// Items and members of the arrays and objects being read, innermost last: each list is
    /// moved out into a vector of its exact length when it ends, so no value keeps spare room.
    items: Vec<Node>,
    members: Vec<(Key, Node)>,
    /// The value of the escaped string being read, as far as it is read: copied out at its
    /// exact length when the string ends.
    decoded: String,
    /// Spare room the outermost object's list gets.
    room: usize,
}

impl<'t> Parser<'t, '_> {
    fn error(&self, message: &str) -> JsonError {
        let end = (self.pos + 1).min(self.bytes.len()).max(self.pos);
        JsonError {
            message: message.to_string(),
            span: self.at.span((self.pos, end)),
        }
    }

    fn error_at(&self, pos: usize, message: String) -> JsonError {
        JsonError {
            message,
            span: self
                .at
                .span((pos, (pos + 1).min(self.bytes.len()).max(pos))),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Result<Node, JsonError> {
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                let start = self.pos;
                let value = self.string()?;
                let map = self
                    .at
                    .map_for((start, self.pos), matches!(value, Cow::Owned(_)));
                Ok(Node::string(value, self.at.span((start, self.pos)), map))
            }
            Some(b't') => self.word("true", NodeKind::Bool(true)),
            Some(b'f') => self.word("false", NodeKind::Bool(false)),
            Some(b'n') => self.word("null", NodeKind::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a JSON value")),
            None => Err(self.error("the JSON ends early")),
        }
    }

    fn word(&mut self, word: &str, kind: NodeKind) -> Result<Node, JsonError> {
        let start = self.pos;
        if self.bytes[start..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(Node::new(kind, self.at.span((start, self.pos))))
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Node, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.error("a number cannot start with 0"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number: digits expected after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number: digits expected in the exponent"));
            }
        }
        Ok(Node::new(
            NodeKind::Number(self.text[start..self.pos].into()),
            self.at.span((start, self.pos)),
        ))
    }

    /// Reads a string literal at `pos` (on its opening quote). Its value is borrowed when it
    /// has no escapes (so its characters map one to one to the source); else it is written
    /// once, into a string of its exact length.
    fn string(&mut self) -> Result<Cow<'t, str>, JsonError> {
        let open = self.pos;
        let start = open + 1;
        self.pos = start;
        // where the text not yet copied into `decoded` starts, once an escape is met
        let mut run = None;
        loop {
            self.pos = special(self.bytes, self.pos);
            match self.bytes.get(self.pos) {
                Some(b'"') => break,
                Some(b'\\') => {
                    let esc = self.pos;
                    let c = self.escape(esc)?;
                    let from = run.unwrap_or_else(|| {
                        self.decoded.clear();
                        start
                    });
                    self.decoded.push_str(&self.text[from..esc]);
                    self.decoded.push(c);
                    run = Some(self.pos);
                }
                // a control character; a string that never closes is named so first
                Some(_) if memchr::memchr2(b'"', b'\\', &self.bytes[self.pos..]).is_some() => {
                    return Err(self.error_at(
                        self.pos,
                        "a control character in a string must be escaped".to_string(),
                    ));
                }
                _ => return Err(self.error_at(open, "a string is not closed".to_string())),
            }
        }
        let end = self.pos;
        self.pos += 1;
        let text: &'t str = self.text;
        let Some(run) = run else {
            return Ok(Cow::Borrowed(&text[start..end]));
        };
        self.decoded.push_str(&text[run..end]);
        // (a string of its exact length; the decoding room stays for the next one)
        let s = self.decoded.as_str().to_owned();
        self.decoded.clear();
        Ok(Cow::Owned(s))
    }

    /// The escape at `esc` (a backslash): the character it stands for; `pos` moves past it.
    fn escape(&mut self, esc: usize) -> Result<char, JsonError> {
        let c = match self.bytes.get(esc + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos = esc + 2;
                return self.unicode_escape(esc);
            }
            _ => return Err(self.error_at(esc, "invalid escape in a string".to_string())),
        };
        self.pos = esc + 2;
        Ok(c)
    }

    fn hex4(&mut self, esc: usize) -> Result<u32, JsonError> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u32::from_str_radix(h, 16).ok());
        match digits {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => Err(self.error_at(esc, "invalid \\u escape in a string".to_string())),
        }
    }

    /// `\\uXXXX` (after the `u`), with UTF-16 surrogate pairs; a lone surrogate is an error.
    fn unicode_escape(&mut self, esc: usize) -> Result<char, JsonError> {
        let hi = self.hex4(esc)?;
        let code = match hi {
            0xD800..=0xDBFF => {
                if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                    return Err(self.error_at(esc, "a lone surrogate in a \\u escape".to_string()));
                }
                self.pos += 2;
                let lo = self.hex4(esc)?;
                if !(0xDC00..=0xDFFF).contains(&lo) {
                    return Err(self.error_at(esc, "a lone surrogate in a \\u escape".to_string()));
                }
                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
            }
            0xDC00..=0xDFFF => {
                return Err(self.error_at(esc, "a lone surrogate in a \\u escape".to_string()));
            }
            v => v,
        };
        char::from_u32(code)
            .ok_or_else(|| self.error_at(esc, "invalid \\u escape in a string".to_string()))
    }

    fn enter(&mut self) -> Result<(), JsonError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(&format!("JSON nests deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn array(&mut self) -> Result<Node, JsonError> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let first = self.items.len();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                let item = self.value()?;
                self.items.push(item);
                self.skip_ws();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    Some(_) => return Err(self.error("expected ',' or ']' in an array")),
                    None => return Err(self.error("the JSON ends early")),
                }
            }
        }
        self.depth -= 1;
        let items = self.items.drain(first..).collect();
        Ok(Node::new(
            NodeKind::Array(items),
            self.at.span((start, self.pos)),
        ))
    }

    fn object(&mut self) -> Result<Node, JsonError> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let first = self.members.len();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                match self.peek() {
                    Some(b'"') => {}
                    Some(_) => return Err(self.error("expected a string as an object key")),
                    None => return Err(self.error("the JSON ends early")),
                }
                let key_start = self.pos;
                let name = self.string()?;
                let key = Key {
                    name: CompactString::new(name),
                    span: self.at.span((key_start, self.pos)),
                };
                self.skip_ws();
                match self.peek() {
                    Some(b':') => self.pos += 1,
                    Some(_) => return Err(self.error("expected ':' after an object key")),
                    None => return Err(self.error("the JSON ends early")),
                }
                self.skip_ws();
                let value = self.value()?;
                self.members.push((key, value));
                self.skip_ws();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    Some(_) => return Err(self.error("expected ',' or '}' in an object")),
                    None => return Err(self.error("the JSON ends early")),
                }
            }
        }
        self.depth -= 1;
        let members = if self.depth == 0 && self.room > 0 {
            let mut list = Vec::with_capacity(self.members.len() - first + self.room);
            list.extend(self.members.drain(first..));
            list
        } else {
            self.members.drain(first..).collect()
        };
        Ok(Node::new(
            NodeKind::Object(members),
            self.at.span((start, self.pos)),
        ))
    }
}

/// How the value of a JSON string literal written with escapes maps back to where it is
/// written, so that JSON parsed out of the value (a policy in a plan) points at the exact place.
///
/// Offsets asked for in order are found by reading on from the last one.
#[derive(Debug)]
pub struct Escapes<'w> {
    /// The literal's content as written, from `base` in the source (just after its opening quote).
    written: &'w [u8],
    base: u32,
    /// Where each escape starts in the written text, in order.
    escapes: Vec<u32>,
    /// How far it is read: the next escape (in `escapes`), and the bytes of the text and of the
    /// value after the one before it.
    read: (usize, usize, usize),
}

impl<'w> Escapes<'w> {
    /// The escapes of a string literal's content, `written` at `base` in the source, whose
    /// value (of `value_len` bytes) the parser read from it: that is what `TextMap::Escaped`
    /// says of a string. `None` when it cannot be (every escape is longer than what it stands
    /// for); the value is then placed as a whole.
    pub fn read(written: &'w str, base: u32, value_len: usize) -> Option<Escapes<'w>> {
        let bytes = written.as_bytes();
        // (each escape makes the text at least a byte longer than the value)
        let mut escapes = Vec::with_capacity(bytes.len().checked_sub(value_len)?);
        let mut next = 0;
        for at in memchr::memchr_iter(b'\\', bytes) {
            // (the second backslash of `\\\\`, or one in a surrogate pair, is in an escape)
            if at >= next {
                escapes.push(u32::try_from(at).ok()?);
                next = at + escape_len(bytes, at).0;
            }
        }
        Some(Escapes {
            written: bytes,
            base,
            escapes,
            read: (0, 0, 0),
        })
    }

    /// Where byte `at` of the value is written, from `base`. An escape `at` falls in is taken
    /// whole: its start for the start of a range, its end for the end (`end`) of one.
    fn written(&mut self, at: usize, end: bool) -> usize {
        let (mut i, mut w, mut v) = self.read;
        if at < v {
            // (asked out of order: read again from the start)
            (i, w, v) = (0, 0, 0);
        }
        let found = loop {
            let Some(&next) = self.escapes.get(i) else {
                break w + (at - v);
            };
            let next = next as usize;
            // where the next escape's bytes start in the value
            let next_v = v + (next - w);
            if at <= next_v {
                // in the bytes written as they are, before it
                break w + (at - v);
            }
            let (written_len, value_len) = escape_len(self.written, next);
            if at < next_v + value_len {
                break if end { next + written_len } else { next };
            }
            (i, w, v) = (i + 1, next + written_len, next_v + value_len);
        };
        self.read = (i, w, v);
        found.min(self.written.len())
    }

    /// Where the value's bytes `start..end` are written.
    pub fn span(&mut self, file: FileId, start: usize, end: usize) -> Span {
        let base = self.base as usize;
        let s = self.written(start, false);
        let e = self.written(end, true);
        Span::new(file, base + s, base + e.max(s))
    }
}

/// The escape at `at` (a backslash) in a JSON string's text: how many bytes it is written as,
/// and how many bytes of UTF-8 it stands for. A `\\u` escape that is not valid counts as any
/// other escape: the parser refused it already, where the text is what the value was read from.
fn escape_len(bytes: &[u8], at: usize) -> (usize, usize) {
    if bytes.get(at + 1) != Some(&b'u') {
        return (2, 1);
    }
    unicode_escape_len(bytes, at).unwrap_or((2, 1))
}

/// The `\\u` escape at `at`: how many bytes it is written as and stands for.
fn unicode_escape_len(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    Some(match hex4(bytes.get(at + 2..at + 6)?)? {
        0xD800..=0xDBFF => {
            let lo = bytes
                .get(at + 6..at + 8)
                .filter(|u| *u == b"\\u")
                .and_then(|_| hex4(bytes.get(at + 8..at + 12)?))?;
            if !(0xDC00..=0xDFFF).contains(&lo) {
                return None;
            }
            // a character past the 16-bit range: four bytes of UTF-8
            (12, 4)
        }
        0xDC00..=0xDFFF => return None,
        c => (6, char::from_u32(c)?.len_utf8()),
    })
}

/// Four hex digits.
fn hex4(digits: &[u8]) -> Option<u32> {
    if digits.len() != 4 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_exact_with_a_base() {
        let text = r#"{"a": ["x", 1]}"#;
        let n = parse(text, Placement::exact(0, 10, text.len())).unwrap();
        let arr = n.get("a").unwrap();
        let x = &arr.items()[0];
        assert_eq!(x.as_str(), Some("x"));
        assert_eq!((x.span.start, x.span.end), (10 + 7, 10 + 10));
    }

    #[test]
    fn room_is_left_in_the_outermost_object_only() {
        let text = r#"{"a": {"b": 1}, "c": [2]}"#;
        let at = Placement::exact(0, 0, text.len());
        let Ok(roomy) = parse_with_room(text, at, 3) else {
            panic!("valid JSON");
        };
        // the same tree as without room
        assert!(parse(text, at).is_ok_and(|plain| plain == roomy));
        let NodeKind::Object(members) = &roomy.kind else {
            panic!("an object");
        };
        assert_eq!(members.len(), 2);
        assert!(members.capacity() >= 5);
        let Some(NodeKind::Object(inner)) = roomy.get("a").map(|n| &n.kind) else {
            panic!("an inner object");
        };
        assert_eq!(inner.capacity(), 1);
        // an outermost value that is not an object takes no room
        assert!(
            parse_with_room("[1]", at, 3).is_ok_and(|n| n.as_array().map(<[Node]>::len) == Some(1))
        );
    }

    #[test]
    fn collapsed_spans_point_at_the_whole_string() {
        let whole = Span::new(0, 5, 50);
        let n = parse(r#"{"a": "b"}"#, Placement::collapsed(whole)).unwrap();
        assert_eq!(n.get("a").unwrap().span, whole);
    }

    fn same_as_serde(text: &str) {
        let ours = parse(text, Placement::collapsed(Span::default()));
        let serde: Result<serde_json::Value, _> = serde_json::from_str(text);
        match (ours, serde) {
            (Ok(n), Ok(v)) => assert_eq!(n.to_json(), v, "{text}"),
            (Err(_), Err(_)) => {}
            (o, s) => panic!("{text:?}: ours {:?}, serde_json {:?}", o.is_ok(), s.is_ok()),
        }
    }

    #[test]
    fn a_parse_that_fails_midway_leaves_nothing_to_the_next() {
        // the lists a parse reads into are kept for the next one on the thread: a parse that
        // fails inside arrays, objects and escaped strings must not hand their parts on
        for broken in [
            r#"{"a": [1, 2, {"b": [3, {"c": "#,
            r#"[[1, 2], {"k\n": [true, "x\u00e9"#,
            r#"{"a": 1, "b": {"c": [1, 2, 3], "d": tru"#,
        ] {
            assert!(parse(broken, Placement::collapsed(Span::default())).is_err());
            assert!(kept_lists_are_empty(), "{broken}");
            same_as_serde(r#"{"x": [1, {"y": "a\tb"}], "z": []}"#);
            same_as_serde("[4, 5]");
        }
        // a very long list is not kept, and what follows reads the same
        let long = format!("[{}0]", "1,".repeat(MAX_KEPT * 2));
        same_as_serde(&long);
        let kept = SCRATCH.with(Cell::take);
        assert!(kept.is_none_or(|s| s.items.capacity() <= MAX_KEPT));
        same_as_serde(r#"{"after": ["long"]}"#);
    }

    /// Are the lists kept for the next parse on this thread empty (or none kept)?
    fn kept_lists_are_empty() -> bool {
        let kept = SCRATCH.with(Cell::take);
        let empty = kept
            .as_ref()
            .is_none_or(|s| s.items.is_empty() && s.members.is_empty() && s.decoded.is_empty());
        SCRATCH.with(|c| c.set(kept));
        empty
    }

    #[test]
    fn reads_what_serde_json_reads_and_refuses_what_it_refuses() {
        for text in [
            "{}",
            "[]",
            " [1, -0, 0.5, -12.25e+3, 1E-2, 10] ",
            r#"{"a\"b": "x\\y\/z\b\f\n\r\t", "u": "\u00e9\ud83d\ude00"}"#,
            r#"["é", "日本", "🙂", ""]"#,
            "true",
            "null",
            r#"{"a": {"b": [{"c": [[]]}]}, "a": 2}"#,
            "",
            "   ",
            "01",
            "-",
            "1.",
            ".5",
            "1e",
            "+1",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a: 1}",
            "[1 2]",
            "\"\u{1}\"",
            "\"tab\there\"",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"\\u12\"",
            "\"open",
            "[1] [2]",
            "tru",
            "nul",
            "NaN",
            "[-]",
            "{\"a\":}",
        ] {
            same_as_serde(text);
        }
    }

    #[test]
    fn escaped_strings_map_through_their_escapes_and_plain_ones_exactly() {
        let text = r#"{"p": "a\"b", "q": "ab"}"#;
        let n = parse(text, Placement::exact(0, 0, text.len())).unwrap();
        let p = n.get("p").unwrap();
        assert_eq!(p.as_str(), Some("a\"b"));
        assert!(matches!(&p.kind, NodeKind::String(s) if s.map == TextMap::Escaped { base: 7 }));
        // without an exact placement, nothing inside maps
        let c = parse(text, Placement::collapsed(Span::new(0, 0, 3))).unwrap();
        let cp = c.get("p").unwrap();
        assert!(matches!(&cp.kind, NodeKind::String(s) if s.map == TextMap::Collapsed));
        let q = n.get("q").unwrap();
        assert!(matches!(&q.kind, NodeKind::String(s) if s.map == TextMap::Exact { base: 20 }));
        assert_eq!(&text[q.span.start as usize..q.span.end as usize], "\"ab\"");
        let (k, _) = &n.as_object().unwrap()[1];
        assert_eq!(&text[k.span.start as usize..k.span.end as usize], "\"q\"");
    }

    #[test]
    fn errors_point_at_the_fault() {
        let text = "{\"a\": [1, 2,, 3]}";
        let e = parse(text, Placement::exact(0, 100, text.len())).unwrap_err();
        assert_eq!(e.span.start, 100 + 12);
        let at = Placement::exact(0, 0, 7);
        assert_eq!(parse("[\"abc", at).unwrap_err().span.start, 1);
    }

    #[test]
    fn rejects_non_strict_json_and_deep_nesting() {
        let at = Placement::collapsed(Span::default());
        assert!(parse("{'a': 1}", at).is_err());
        assert!(parse("{\"a\": 1,}", at).is_err());
        assert!(parse("{\"a\": 1} x", at).is_err());
        let deep = "[".repeat(100_000);
        let e = parse(&deep, at).unwrap_err();
        assert!(e.message.contains("deeper"));
    }

    #[test]
    fn strings_of_every_kind_of_escape_read_as_serde_json_reads_them() {
        // every pair and triple of these pieces, in a string and as a key
        const PIECES: &[&str] = &[
            "plain",
            "\\\"",
            "\\\\",
            "\\/",
            "\\b",
            "\\f",
            "\\n",
            "\\r",
            "\\t",
            "\\u0041",
            "\\u00e9",
            "\\u65e5",
            "\\ud83d\\ude00",
            "é日🙂",
            "\\u",
            "\\q",
            "\u{1}",
            "\\ud800",
            "x\\",
            " ",
        ];
        for a in PIECES {
            for b in PIECES {
                for c in ["", "abcdefghij", "\\\""] {
                    let s = format!("{a}{b}{c}");
                    same_as_serde(&format!("\"{s}\""));
                    same_as_serde(&format!("{{\"{s}\": [\"{s}\"]}}"));
                    same_as_serde(&format!("\"{s}"));
                }
            }
        }
    }

    #[test]
    fn string_errors_name_the_first_fault() {
        let at = Placement::exact(0, 0, 0);
        let fault = |text: &str| {
            let e = parse(text, at).unwrap_err();
            (e.message, e.span.start)
        };
        let control = "a control character in a string must be escaped".to_string();
        let open = "a string is not closed".to_string();
        assert_eq!(fault("\"ab\u{1}cd\""), (control.clone(), 3));
        assert_eq!(fault("[\"ab\\n\u{1}c\\q\"]"), (control, 6));
        // a string that never closes is named so, whatever it holds
        assert_eq!(fault("[\"ab\u{1}cd"), (open.clone(), 1));
        assert_eq!(fault("\"ab"), (open, 0));
        assert_eq!(
            fault("\"ab\\qc\""),
            ("invalid escape in a string".to_string(), 3)
        );
        assert_eq!(
            fault("\"a\\u12x\""),
            ("invalid \\u escape in a string".to_string(), 2)
        );
        assert_eq!(
            fault("\"a\\ud800b\""),
            ("a lone surrogate in a \\u escape".to_string(), 2)
        );
    }

    #[test]
    fn finds_the_first_special_byte() {
        let text = "abcdefghijklmnopqrstuvwxyz\u{e9}\u{e9}\u{e9}\u{e9}";
        assert_eq!(special(text.as_bytes(), 0), text.len());
        for at in 0..text.len() {
            for b in [b'"', b'\\', 0u8, 0x1f, b'\n'] {
                let mut bytes = text.as_bytes().to_vec();
                bytes[at] = b;
                assert_eq!(special(&bytes, 0), at, "{b} at {at}");
                // bytes at or over 0x20 that are not a quote or a backslash are plain
                bytes[at] = 0x20;
                assert_eq!(special(&bytes, 0), bytes.len());
            }
        }
        // past ASCII: a stop only when asked for, wherever it falls in a run of sixteen
        let plain = "x".repeat(40);
        for at in 0..plain.len() {
            for from in [0, 3, 17] {
                let mut bytes = plain.as_bytes().to_vec();
                bytes[at] = 0xc3;
                let want = if at >= from { at } else { bytes.len() };
                assert_eq!(special_or::<true>(&bytes, from), want, "{at} from {from}");
                assert_eq!(special_or::<false>(&bytes, from), bytes.len());
            }
        }
    }

    /// JSON held in a JSON string (a policy in a plan), read with spans in the string's value, and
    /// how they map to where its parts are written in `outer`.
    fn inner(outer: &str) -> (Node, Result<Node, JsonError>, Escapes<'_>) {
        let o = parse(outer, Placement::exact(0, 0, outer.len())).unwrap();
        let s = o.get("p").unwrap().clone();
        let NodeKind::String(sv) = &s.kind else {
            panic!("not a string")
        };
        let TextMap::Escaped { base } = sv.map else {
            panic!("no escapes: {:?}", sv.map)
        };
        let written = &outer[base as usize..s.span.end as usize - 1];
        let e = Escapes::read(written, base, sv.value.len()).unwrap();
        let parsed = parse(&sv.value, Placement::exact(0, 0, sv.value.len()));
        (s, parsed, e)
    }

    fn written(text: &str, span: Span) -> &str {
        &text[span.start as usize..span.end as usize]
    }

    #[test]
    fn json_in_an_escaped_string_maps_to_where_each_part_is_written() {
        // every kind of escape, before and inside the values looked at
        let outer = r#"{"p": "{\n  \"a\": \"x\/y\",\n  \"b\": \"\u00e9\ud83d\ude00\u65e5é\",\n  \"c\": \"zz\"\n}"}"#;
        let (s, n, mut e) = inner(outer);
        let n = n.unwrap();
        assert_eq!(n.get("b").and_then(Node::as_str), Some("é😀日é"));
        let mut at = |span: Span| e.span(0, span.start as usize, span.end as usize);
        // in order, as a walk over the document asks
        assert_eq!(
            at(n.span),
            Span::new(0, s.span.start as usize + 1, s.span.end as usize - 1)
        );
        let (k, _) = &n.as_object().unwrap()[0];
        assert_eq!(written(outer, at(k.span)), r#"\"a\""#);
        assert_eq!(written(outer, at(n.get("a").unwrap().span)), r#"\"x\/y\""#);
        assert_eq!(
            written(outer, at(n.get("b").unwrap().span)),
            r#"\"\u00e9\ud83d\ude00\u65e5é\""#
        );
        let (k, c) = &n.as_object().unwrap()[2];
        assert_eq!(written(outer, at(k.span)), r#"\"c\""#);
        assert_eq!(written(outer, at(c.span)), r#"\"zz\""#);
    }

    #[test]
    fn an_error_in_json_held_in_an_escaped_string_maps_into_the_string() {
        let outer = r#"{"p": "{\"a\": tru}"}"#;
        let (_, n, mut e) = inner(outer);
        let err = n.unwrap_err();
        let at = e.span(0, err.span.start as usize, err.span.end as usize);
        assert_eq!(written(outer, at), "t");
    }

    #[test]
    fn offsets_asked_for_out_of_order_map_alike() {
        // value `a"bé"c`, written `a\"b\u00e9\"c` from byte 100
        let written = r#"a\"b\u00e9\"c"#;
        let fresh = |s: usize, e: usize| Escapes::read(written, 100, 7).unwrap().span(0, s, e);
        let mut e = Escapes::read(written, 100, 7).unwrap();
        assert_eq!(e.span(0, 6, 7), Span::new(0, 112, 113));
        assert_eq!(e.span(0, 1, 2), fresh(1, 2));
        assert_eq!(e.span(0, 1, 2), Span::new(0, 101, 103));
        // a range ending inside the two bytes of `é` takes its whole escape
        assert_eq!(e.span(0, 3, 4), Span::new(0, 104, 110));
        assert_eq!(e.span(0, 0, 7), fresh(0, 7));
        assert_eq!(e.span(0, 0, 7), Span::new(0, 100, 113));
    }

    #[test]
    fn a_text_too_short_for_the_value_is_not_used_and_offsets_stay_in_the_text() {
        assert!(Escapes::read(r#"a\"b"#, 10, 3).is_some());
        assert!(Escapes::read(r#"a\"b"#, 10, 5).is_none());
        // a text that is not what the value was read from gives places within it, no more
        for text in [r#"\ud83d"#, r#"\q"#, r#"\u00"#, "\\", "ab"] {
            let mut e = Escapes::read(text, 10, 1).unwrap();
            let s = e.span(0, 0, 50);
            assert!(
                s.start == 10 && s.end as usize <= 10 + text.len(),
                "{text}: {s:?}"
            );
        }
    }
}
