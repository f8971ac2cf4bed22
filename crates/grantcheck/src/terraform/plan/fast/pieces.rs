//! Reads a plan's text into [`Plan`], its large top-level members in parallel where that pays.
//!
//! `terraform show -json` writes `planned_values`, `resource_changes`, `prior_state` and
//! `configuration` one after the other at the top level; each is a large share of the plan.
//! The plan is read in pieces, each a run of top-level members: the first ends where
//! `resource_changes` starts, and a piece that starts with one of those three members ends where
//! one of them later in that order starts. Where such a member seems to start, the text is cut,
//! and the pieces from the cuts are read at the same time as the first, which needs no search.
//! (A plan written with its keys sorted, `configuration` first, is then read in two pieces side
//! by side: up to `resource_changes`, and from there.) A cut is only *guessed* from the text (a
//! value may hold the same characters): the piece read from it is used only when the piece
//! before it, itself read from a place known to be the start of a member, ends exactly there.
//! Where a piece ends and no piece was read from there, the next piece is read then. Whatever
//! the pieces cannot read (invalid JSON, a repeated member, an escaped key) is read again whole
//! by serde, which gives the same result and the same errors as reading it whole always did. A
//! small plan, or any plan where there is one thread, is read piece after piece on one thread.
//!
//! The long members (`resource_changes`, `planned_values`, `prior_state`, `configuration`)
//! are read by [`Skim`]; the others by serde.

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::Plan;
use super::skim::Skim;
use crate::base::source::TextFacts;

/// Reads the plan, in pieces at the same time when there is more than one thread to read them,
/// with what its text holds; `None` where the pieces cannot read it all.
pub(super) fn read(text: &str) -> Option<(Plan<'_>, TextFacts)> {
    if crate::base::par::threads() > 1 && text.len() >= MIN_SPLIT_BYTES {
        side_by_side(text)
    } else {
        assemble(text, piece_at(text, 0), Vec::new())
    }
}

/// Below this size one thread reads the plan faster than several start on it.
const MIN_SPLIT_BYTES: usize = 256 * 1024;

/// The members before which a piece ends, in the order they are looked for: the first piece
/// ends before the first of them, a piece that starts with one of them before a later one.
const SPLIT: &[&str] = &["resource_changes", "prior_state", "configuration"];

/// The first piece is read while the cuts are looked for, and each later piece as soon as its
/// cut is found: the search for `resource_changes` takes a few milliseconds on a large plan,
/// and the reading of the first piece need not wait for it.
fn side_by_side(text: &str) -> Option<(Plan<'_>, TextFacts)> {
    let bytes = text.as_bytes();
    let (first, rest) = crate::base::par::join(
        || piece_at(text, 0),
        || {
            // (without `resource_changes` the first piece is the whole plan: nothing to cut)
            let Some(rc) = member_at(bytes, 0, bytes.len(), "resource_changes", b'[', false) else {
                return Vec::new();
            };
            let (changes, later) = crate::base::par::join(
                || (rc, piece_at(text, rc + 1)),
                || {
                    let later = later_cuts(bytes, rc + 1);
                    crate::base::par::map(&later, |&c| (c, piece_at(text, c + 1)))
                },
            );
            std::iter::once(changes).chain(later).collect::<Vec<_>>()
        },
    );
    assemble(text, first, rest)
}

/// Reads the pieces from the plan's start and from each guessed cut, at the same time where
/// there are threads, and puts them together.
#[cfg(test)]
fn in_pieces<'a>(text: &'a str, cuts: &[usize]) -> Option<(Plan<'a>, TextFacts)> {
    let (first, rest) = crate::base::par::join(
        || piece_at(text, 0),
        || crate::base::par::map(cuts, |&c| (c, piece_at(text, c + 1))),
    );
    assemble(text, first, rest)
}

/// Puts the pieces together in order from the plan's start: after each piece, the one read from
/// where it ended (read then, when no piece was read from there). `None` when a piece read from
/// a true start cannot be read, or two pieces hold the same member: serde reads the plan then.
fn assemble<'a>(
    text: &'a str,
    first: Option<(Piece<'a>, End)>,
    mut read: Vec<(usize, Option<(Piece<'a>, End)>)>,
) -> Option<(Plan<'a>, TextFacts)> {
    let (mut whole, mut end) = first?;
    loop {
        let comma = match end {
            End::Close => return Some((whole.plan, whole.shape)),
            End::Cut(comma) => comma,
        };
        let (piece, next) = match read.iter_mut().find(|(c, _)| *c == comma) {
            Some((_, piece)) => piece.take()?,
            None => piece_at(text, comma + 1)?,
        };
        whole.merge(piece)?;
        end = next;
    }
}

/// Reads one piece from `at` (0, the plan's start, or just after a cut's comma).
fn piece_at(text: &str, at: usize) -> Option<(Piece<'_>, End)> {
    let mut piece = Piece::default();
    let end = piece.read(text, at, at == 0)?;
    Some((piece, end))
}

/// Offsets of the commas that seem to end one top-level member and start the next, in order:
/// before `resource_changes`, `prior_state` and `configuration`, the members worth a piece of
/// their own, which Terraform writes in that order.
#[cfg(test)]
fn cuts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let rc = member_at(bytes, 0, bytes.len(), "resource_changes", b'[', false);
    let later = rc.map(|c| later_cuts(bytes, c + 1)).unwrap_or_default();
    rc.into_iter().chain(later).collect()
}

/// The cuts before `prior_state` and `configuration`, looked for from `from` (just after the
/// cut before `resource_changes`) on.
fn later_cuts(bytes: &[u8], from: usize) -> Vec<usize> {
    // `configuration` comes late in the plan: looked for from the end, it is found at once
    // (the text after it is short), and the search for `prior_state` stops there
    let cfg = member_at(bytes, from, bytes.len(), "configuration", b'{', true);
    // Terraform writes `prior_state` just before `configuration`: when the member before it is
    // an array (`resource_changes`, `relevant_attributes`), there is no `prior_state` to find
    // and the search, which would run through all of `resource_changes`, is not made
    let before_cfg = cfg.and_then(|c| bytes.get(..c)?.iter().rev().find(|b| !is_space(**b)));
    let prior = match before_cfg {
        Some(b']') => None,
        _ => member_at(
            bytes,
            from,
            cfg.unwrap_or(bytes.len()),
            "prior_state",
            b'{',
            false,
        ),
    };
    prior.into_iter().chain(cfg).collect()
}

/// The comma before the first (or, `last`, the last) place in `bytes[from..to]` where a member
/// `name` seems to start, its value starting with `opens`.
fn member_at(
    bytes: &[u8],
    from: usize,
    to: usize,
    name: &str,
    opens: u8,
    last: bool,
) -> Option<usize> {
    let quoted = format!("\"{name}\"");
    let needle = quoted.as_bytes();
    let (mut lo, mut hi) = (from, to);
    while lo < hi {
        let hay = bytes.get(lo..hi)?;
        let key = if last {
            lo + memchr::memmem::rfind(hay, needle)?
        } else {
            lo + memchr::memmem::find(hay, needle)?
        };
        if let Some(comma) = comma_before(bytes, key)
            && comma >= from
            && starts_value(bytes, key + needle.len(), opens)
        {
            return Some(comma);
        }
        if last {
            hi = key;
        } else {
            lo = key + needle.len();
        }
    }
    None
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// The comma before `key`, with only whitespace between.
fn comma_before(bytes: &[u8], key: usize) -> Option<usize> {
    let mut i = key;
    while i > 0 {
        i -= 1;
        match bytes[i] {
            b',' => return Some(i),
            b if is_space(b) => {}
            _ => return None,
        }
    }
    None
}

/// Is `at` followed by `:` and a value starting with `opens`, with only whitespace between?
fn starts_value(bytes: &[u8], at: usize, opens: u8) -> bool {
    let rest = bytes.get(at..).unwrap_or_default();
    let mut it = rest.iter().copied().filter(|b| !is_space(*b));
    it.next() == Some(b':') && it.next() == Some(opens)
}

/// The members [`Plan`] reads; a piece notes which it met (serde refuses a repeated one).
const MEMBERS: &[&str] = &[
    "format_version",
    "resource_changes",
    "resource_drift",
    "output_changes",
    "planned_values",
    "prior_state",
    "configuration",
    "variables",
    "values",
    "version",
    "lineage",
];

/// How a piece ended.
enum End {
    /// At the comma before a member of [`SPLIT`] where the piece ends.
    Cut(usize),
    /// At the end of the plan's object, with only whitespace after it.
    Close,
}

/// What one piece read: the members it met, and which, and what its text holds.
#[derive(Default)]
struct Piece<'a> {
    plan: Plan<'a>,
    seen: u16,
    shape: TextFacts,
    /// Where the text whose shape is not yet known starts.
    unread: usize,
}

impl<'a> Piece<'a> {
    /// Reads members from `at` (the plan's `{` when `first`, else a member's key) until the
    /// comma before a member of [`SPLIT`] where the piece ends, or the end of the plan.
    fn read(&mut self, text: &'a str, mut at: usize, first: bool) -> Option<End> {
        let bytes = text.as_bytes();
        // the piece's text not yet looked at for its shape: the long members' values are looked
        // at by the reader that reads them, the rest (keys, short members) here
        self.unread = at;
        if first {
            at = skip_space(bytes, at);
            if bytes.get(at) != Some(&b'{') {
                return None;
            }
            at = skip_space(bytes, at + 1);
            if bytes.get(at) == Some(&b'}') {
                return self.close(bytes, at);
            }
        }
        // the comma before the member being read, when it is not the piece's first
        let mut comma = None;
        // where in SPLIT the piece's first member is (none for the first piece, or one that
        // starts with another member), and so which members end the piece
        let mut own: Option<usize> = None;
        loop {
            at = skip_space(bytes, at);
            if bytes.get(at) != Some(&b'"') {
                return None;
            }
            // a key with an escape or a control character is left to serde
            let end = crate::base::json::special(bytes, at + 1);
            if bytes.get(end) != Some(&b'"') {
                return None;
            }
            let key = text.get(at + 1..end)?;
            let rank = SPLIT.iter().position(|k| *k == key);
            match (comma, rank) {
                (None, _) if !first => own = rank,
                (Some(c), Some(r)) if own.map_or(r == 0, |o| r > o) => {
                    self.looked_at(bytes, c);
                    return Some(End::Cut(c));
                }
                _ => {}
            }
            at = skip_space(bytes, end + 1);
            if bytes.get(at) != Some(&b':') {
                return None;
            }
            at += 1;
            let (len, shape) = self.member(key, text.get(at..)?)?;
            if let Some(shape) = shape {
                // the text before the value is looked at here, the value by its reader
                self.looked_at(bytes, at);
                self.shape = self.shape.and(shape);
                self.unread = at + len;
            }
            at += len;
            at = skip_space(bytes, at);
            match bytes.get(at) {
                Some(b',') => {
                    comma = Some(at);
                    at += 1;
                }
                Some(b'}') => return self.close(bytes, at),
                _ => return None,
            }
        }
    }

    /// The piece's text from where it was last looked at up to `to`, looked at for its shape.
    fn looked_at(&mut self, bytes: &[u8], to: usize) {
        if let Some(b) = bytes.get(self.unread..to) {
            self.shape = self.shape.and(TextFacts::of(b));
        }
        self.unread = to;
    }

    /// The plan's closing brace at `at`: only whitespace may follow. The piece's text ends there.
    fn close(&mut self, bytes: &[u8], at: usize) -> Option<End> {
        let end = close(bytes, at)?;
        self.looked_at(bytes, bytes.len());
        Some(end)
    }

    /// Reads one member's value from the start of `rest`: the length of text it took, and for
    /// a long member what that text holds.
    fn member(&mut self, key: &str, rest: &'a str) -> Option<(usize, Option<TextFacts>)> {
        let short = |len: Option<usize>| len.map(|n| (n, None));
        let long = |read: Option<(usize, TextFacts)>| read.map(|(n, shape)| (n, Some(shape)));
        let Some(bit) = MEMBERS.iter().position(|m| *m == key) else {
            return short(value(rest, &mut IgnoredAny));
        };
        // serde refuses a repeated member: leave it to serde to say so
        if self.seen & (1 << bit) != 0 {
            return None;
        }
        self.seen |= 1 << bit;
        let p = &mut self.plan;
        match key {
            "format_version" => short(value(rest, &mut p.format_version)),
            "resource_changes" => long(skimmed(rest, &mut p.resource_changes, Skim::changes)),
            "resource_drift" => short(value(rest, &mut p.resource_drift)),
            "output_changes" => short(value(rest, &mut p.output_changes)),
            "planned_values" => long(skimmed(rest, &mut p.planned_values, Skim::state_values)),
            "prior_state" => long(skimmed(rest, &mut p.prior_state, Skim::prior)),
            "configuration" => long(skimmed(rest, &mut p.configuration, Skim::configuration)),
            "variables" => short(value(rest, &mut p.variables)),
            "values" => short(value(rest, &mut p.values)),
            "version" => short(value(rest, &mut p.version)),
            "lineage" => short(value(rest, &mut p.lineage)),
            _ => None,
        }
    }

    /// Takes the members another piece read; `None` if both read the same one. Each member
    /// was read by one piece at most, and is at its default (what serde leaves when a member
    /// is absent) in every other, so the one that is not at its default is the one read.
    fn merge(&mut self, other: Piece<'a>) -> Option<()> {
        if self.seen & other.seen != 0 {
            return None;
        }
        self.seen |= other.seen;
        self.shape = self.shape.and(other.shape);
        let (p, o) = (&mut self.plan, other.plan);
        p.format_version = p.format_version.take().or(o.format_version);
        p.resource_changes = p.resource_changes.take().or(o.resource_changes);
        p.planned_values = p.planned_values.take().or(o.planned_values);
        p.prior_state = p.prior_state.take().or(o.prior_state);
        p.configuration = p.configuration.take().or(o.configuration);
        p.values = p.values.take().or(o.values);
        p.version = p.version.take().or(o.version);
        p.lineage = p.lineage.take().or(o.lineage);
        if p.resource_drift.is_empty() {
            p.resource_drift = o.resource_drift;
        }
        if p.output_changes.is_empty() {
            p.output_changes = o.output_changes;
        }
        if p.variables.is_empty() {
            p.variables = o.variables;
        }
        Some(())
    }
}

/// Reads one value at the start of `rest` into `slot`; the length of text it took.
fn value<'a, T: Deserialize<'a>>(rest: &'a str, slot: &mut T) -> Option<usize> {
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<T>();
    *slot = stream.next()?.ok()?;
    Some(stream.byte_offset())
}

/// Reads one of the long members at the start of `rest` with [`Skim`] (`null` is `None`, as
/// serde reads an absent or null `Option`): the length of text it took, and what that holds.
fn skimmed<'a, T>(
    rest: &'a str,
    slot: &mut Option<T>,
    read: fn(&mut Skim<'a>) -> Option<T>,
) -> Option<(usize, TextFacts)> {
    // inside the plan's object
    let mut skim = Skim::new(rest, 1);
    *slot = skim.opt(read)?;
    Some((skim.pos(), skim.shape()))
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|b| is_space(*b)) {
        at += 1;
    }
    at
}

/// The plan's closing brace at `at`: only whitespace may follow.
fn close(bytes: &[u8], at: usize) -> Option<End> {
    (skip_space(bytes, at + 1) == bytes.len()).then_some(End::Close)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::hash::HashMap;
    use crate::terraform::plan::configuration::{Configuration, ModuleConfig};

    /// The members as serde reads them whole, to compare with what the pieces read.
    fn shape(p: &Plan<'_>) -> String {
        // every member the pieces read, in full (the long lists as their kept elements)
        format!(
            "fv={:?} rc={:?} drift={} oc={:?} pv={:?} prior={:?} cfg={} vars={:?} values={:?} version={} lineage={}",
            p.format_version,
            p.resource_changes,
            p.resource_drift.len(),
            p.output_changes.keys().collect::<Vec<_>>(),
            p.planned_values,
            p.prior_state,
            p.configuration
                .as_ref()
                .map(config_shape)
                .unwrap_or_default(),
            p.variables.keys().collect::<Vec<_>>(),
            p.values,
            p.version.is_some(),
            p.lineage.is_some(),
        )
    }

    /// The configuration, every member the readers take, maps in key order.
    fn config_shape(c: &Configuration<'_>) -> String {
        fn sorted<T>(m: &HashMap<String, T>) -> Vec<(&String, &T)> {
            let mut v: Vec<_> = m.iter().collect();
            v.sort_by(|a, b| a.0.cmp(b.0));
            v
        }
        fn module(m: &ModuleConfig<'_>) -> String {
            let resources: Vec<_> = m
                .resources
                .iter()
                .map(|r| {
                    format!(
                        "{:?} {:?} {:?} {:?}",
                        r.address, r.rtype, r.provider_config_key, r.expressions
                    )
                })
                .collect();
            let calls: Vec<_> = sorted(&m.module_calls)
                .into_iter()
                .map(|(k, c)| {
                    format!(
                        "{k}: {:?} {:?} [{}]",
                        c.source,
                        c.expressions,
                        c.module.as_deref().map(module).unwrap_or_default()
                    )
                })
                .collect();
            let outputs: Vec<_> = sorted(&m.outputs)
                .into_iter()
                .map(|(k, o)| format!("{k}: {:?}", o.expression))
                .collect();
            let variables: Vec<_> = sorted(&m.variables)
                .into_iter()
                .map(|(k, v)| format!("{k}: {}", v.sensitive))
                .collect();
            format!(
                "resources {resources:?} calls {calls:?} outputs {outputs:?} variables {variables:?}"
            )
        }
        let providers: Vec<_> = sorted(&c.provider_config)
            .into_iter()
            .map(|(k, p)| {
                format!(
                    "{k}: {:?} {:?} {:?}",
                    p.name, p.module_address, p.expressions
                )
            })
            .collect();
        format!(
            "providers {providers:?} root {:?}",
            c.root_module.as_ref().map(module)
        )
    }

    fn same_as_whole(text: &str) {
        let whole: Result<Plan<'_>, _> = serde_json::from_str(text);
        // what the pieces learn of the text is what reading it byte by byte finds
        let text_shape = TextFacts::of(text.as_bytes());
        let cuts = cuts(text);
        let pieces = in_pieces(text, &cuts);
        // (the members as serde reads them, written out once for the three comparisons)
        let whole_shape = whole.as_ref().map(shape);
        match (&whole_shape, &pieces) {
            (Ok(w), Some((p, s))) => {
                assert_eq!(*w, shape(p), "{text}");
                assert_eq!(*s, text_shape, "{text}");
            }
            // the pieces may give up on what serde reads; never the other way round
            (Ok(_), None) | (Err(_), None) => {}
            (Err(e), Some(_)) => panic!("pieces read what serde refuses ({e}): {text}"),
        }
        // the pieces read while the cuts are looked for give the same
        match (&whole_shape, side_by_side(text)) {
            (Ok(w), Some((p, s))) => {
                assert_eq!(*w, shape(&p), "{text}");
                assert_eq!(s, text_shape, "{text}");
            }
            (Ok(_), None) | (Err(_), None) => {}
            (Err(e), Some(_)) => panic!("pieces read what serde refuses ({e}): {text}"),
        }
        let read = crate::terraform::plan::read_plan(text);
        assert_eq!(read.is_ok(), whole.is_ok());
        if let (Ok((r, s)), Ok(w)) = (&read, &whole_shape) {
            assert_eq!(shape(r), *w);
            assert!(s.is_none_or(|s| s == text_shape), "{text}");
        }
    }

    const PLAN: &str = r#"{"format_version":"1.2","variables":{"v":{"value":1}},
        "planned_values":{"root_module":{}},
        "resource_changes" : [{"address":"a.b","type":"aws_kms_key","change":{"actions":["create"]}},
                             {"address":"c.d","type":"t2","change":{"actions":["create"]}}],
        "output_changes":{"o":{"actions":["create"]}},
        "prior_state":{"format_version":"1.0"},
        "configuration":{"root_module":{}},"timestamp":"x","applyable":true,"complete":true }
    "#;

    /// Where each piece ends, read one after the other from the plan's start.
    fn ends(text: &str) -> Vec<usize> {
        let mut ends = vec![];
        let mut at = 0;
        while let Some((_, End::Cut(c))) = piece_at(text, at) {
            ends.push(c);
            at = c + 1;
        }
        ends
    }

    #[test]
    fn finds_the_cuts_terraform_writes() {
        let cuts = cuts(PLAN);
        assert_eq!(cuts.len(), 3);
        for c in &cuts {
            assert_eq!(PLAN.as_bytes()[*c], b',');
        }
        // each piece ends where the next was guessed to start: every piece read at the same
        // time is used
        assert_eq!(ends(PLAN), cuts);
        assert!(in_pieces(PLAN, &cuts).is_some());
        same_as_whole(PLAN);
    }

    #[test]
    fn a_cut_inside_a_value_is_read_past() {
        // the first "resource_changes" is a variable's key: the piece before it reads on
        let text = r#"{"format_version":"1.2","variables":{"x":{"value":{"a":1,"resource_changes":[1]}}},
            "resource_changes":[{"address":"a.b","type":"t1","change":{}}],
            "configuration":{"root_module":{}}}"#;
        let cuts = cuts(text);
        assert_eq!(cuts.len(), 2);
        let p = in_pieces(text, &cuts).map(|(p, _)| shape(&p));
        let whole: Plan<'_> = serde_json::from_str(text).unwrap_or_default();
        assert_eq!(p, Some(shape(&whole)));
        assert!(whole.resource_changes.is_some());
    }

    #[test]
    fn what_serde_refuses_is_refused_the_same() {
        for text in [
            // repeated members in different pieces and in one
            r#"{"format_version":"1.2","resource_changes":[],"configuration":{},"format_version":"1.3"}"#,
            r#"{"format_version":"1.2","format_version":"1.3","resource_changes":[],"configuration":{}}"#,
            // trailing text, a truncated plan, a member that is not of its type
            r#"{"format_version":"1.2","resource_changes":[],"configuration":{}} x"#,
            r#"{"format_version":"1.2","resource_changes":[],"configuration":{"#,
            r#"{"format_version":"1.2","resource_changes":{},"configuration":{}}"#,
            r#"{"format_version":"1.2","resource_changes":[],"configuration":{},}"#,
            // an escaped key is left to serde
            r#"{"format_\u0076ersion":"1.2","resource_changes":[],"configuration":{}}"#,
            r#"[{"format_version":"1.2"},"resource_changes":[]]"#,
            r#"{}"#,
            r#"  { "format_version" : "1.2" , "resource_changes" : [ ] , "configuration" : { } }  "#,
        ] {
            same_as_whole(text);
        }
    }

    #[test]
    fn every_cut_of_a_plan_reads_the_same() {
        // cut at every comma: wherever the guesses fall, the result is serde's
        let commas: Vec<usize> = PLAN.match_indices(',').map(|(i, _)| i).collect();
        let whole: Plan<'_> = serde_json::from_str(PLAN).unwrap_or_default();
        for (i, a) in commas.iter().enumerate() {
            for b in &commas[i + 1..] {
                if let Some((p, s)) = in_pieces(PLAN, &[*a, *b]) {
                    assert_eq!(shape(&p), shape(&whole), "cuts at {a}, {b}");
                    assert_eq!(s, TextFacts::of(PLAN.as_bytes()), "cuts at {a}, {b}");
                }
            }
        }
        // the true cuts always read
        assert!(in_pieces(PLAN, &cuts(PLAN)).is_some());
    }

    /// A plan with every member the pieces read closely: outputs, nested modules, kept and
    /// let-go resources, escapes, numbers, nulls, a deposed object and a prior state.
    const RICH: &str = r#"{"format_version":"1.2","planned_values":{"outputs":{"o":{"sensitive":true,"value":"s3cr\u0065t"},"p":{"sensitive":false,"value":[1,-2.5e3,null]}},
"root_module":{"resources":[{"address":"aws_kms_key.k","mode":"managed","type":"aws_kms_key","values":{"policy":"{\"a\":1}"},"sensitive_values":{}},
{"address":"aws_instance.i","mode":"managed","type":"aws_instance","values":{"arn":"arn:aws:ec2:us-east-1:111122223333:instance/i-1","n":0.5},"sensitive_values":{"x":true}}],
"child_modules":[{"address":"module.m","resources":[{"address":"module.m.aws_s3_bucket.b","mode":"managed","type":"aws_s3_bucket","values":{"bucket":"b"},"sensitive_values":{}}],"child_modules":[]}]}},
"resource_changes":[{"address":"aws_kms_key.k","mode":"managed","type":"aws_kms_key","name":"k","change":{"actions":["create"],"before":null,"after":{"policy":"{}"},"after_unknown":{"arn":true},"before_sensitive":false,"after_sensitive":{}}},
{"address":"aws_s3_bucket.b","type":"aws_s3_bucket","change":{"actions":["no-op"],"before":{},"after":{}}},
{"address":"aws_secretsmanager_secret_version.v","mode":"managed","type":"aws_secretsmanager_\u0073ecret_version","deposed":"abc","change":{"actions":["delete","create"],"after_sensitive":{"secret_string":true}}}],
"prior_state":{"format_version":"1.0","values":{"root_module":{"resources":[{"address":"aws_kms_key.k","mode":"managed","type":"aws_kms_key","values":{"arn":"arn:aws:kms:us-east-1:111122223333:key/1"}}]}}},
"configuration":{"provider_config":{"aws":{"name":"aws","expressions":{"region":{"constant_value":"us-east-1"}}},"m:aws":{"name":"aw\u0073","module_address":"module.m"}},
"root_module":{"resources":[{"address":"aws_kms_key.k","mode":"managed","type":"aws_kms_key","provider_config_key":"aws","expressions":{"policy":{"references":["data.aws_iam_policy_document.d.json","data.aws_iam_policy_document.d"]}}},
{"address":"aws_s3_bucket.b","type":"aws_s3_bucket","expressions":{"bucket":{"constant_value":"b"}}},
{"address":"data.aws_iam_policy_document.d","type":"aws_iam_policy_document","expressions":{"statement":[{"actions":{"constant_value":["kms:*"]}}]}},
{"address":"aws_secretsmanager_secret_version.v","type":"aws_secretsmanager_secret_version","expressions":{"secret_string":{"constant_value":"x"}},"schema_version":0}],
"module_calls":{"m":{"source":"./m","expressions":{"n":{"constant_value":1}},"module":{"resources":[{"address":"aws_secretsmanager_secret.s","type":"aws_secretsmanager_secret","expressions":null}],"outputs":{"arn":{"expression":{"references":["aws_secretsmanager_secret.s.arn"]},"sensitive":true}},"variables":{"n":{"sensitive":false}}}},"e":{"source":null,"module":null}},
"outputs":{"o":{"expression":{"references":["aws_kms_key.k.arn"]}},"o":{"expression":null}},"variables":{"pw":{"sensitive":true,"description":"d"},"n":{}}}},"timestamp":"2026-01-01T00:00:00Z"}"#;

    #[test]
    fn a_wide_byte_or_a_newline_anywhere_is_learnt() {
        // one line of ASCII, then one byte past ASCII or one newline in each kind of place: a
        // long member's string or key, a short member serde reads, a member nothing reads, the
        // whitespace inside a long member, between members, before and after the plan
        let plain = r#"{"format_version":"1.2","variables":{"v":{"value":"x"}},"planned_values":{"root_module":{}},"resource_changes":[{"address":"a.b","type":"t1","change":{"after":{"d":"y"}}}],"timestamp":"z","configuration":{"root_module":{}}}"#;
        assert_eq!(
            crate::terraform::plan::read_plan(plain)
                .ok()
                .and_then(|(_, s)| s),
            Some(TextFacts::default())
        );
        same_as_whole(plain);
        let wide = [
            ("\"d\":\"y\"", "\"d\":\"é\""),
            ("\"d\":\"y\"", "\"dé\":\"y\""),
            ("\"value\":\"x\"", "\"value\":\"😀\""),
            ("\"timestamp\":\"z\"", "\"timestamp\":\"ж\""),
            ("\"timestamp\"", "\"tï\""),
            ("{\"root_module\":{}}}", "{\"root_module\":{\"m\":\"ü\"}}}"),
        ];
        let newline = [
            ("\"change\":{", "\"change\":\n{"),
            ("[{\"address\"", "[\n{\"address\""),
            (",\"timestamp\"", ",\n\"timestamp\""),
            (",\"configuration\"", "\n,\"configuration\""),
            ("{\"format_version\"", "\n{\"format_version\""),
            ("{}}}", "{}}}\n"),
            ("\"value\":\"x\"", "\"value\":\n\"x\""),
        ];
        for (from, to) in wide.iter().chain(&newline) {
            assert!(plain.contains(from), "{from}");
            let text = plain.replacen(from, to, 1);
            let learnt = crate::terraform::plan::read_plan(&text)
                .ok()
                .and_then(|(_, s)| s);
            assert_eq!(learnt, Some(TextFacts::of(text.as_bytes())), "{text}");
            assert_ne!(learnt, Some(TextFacts::default()), "{text}");
            same_as_whole(&text);
        }
    }

    #[test]
    fn the_long_members_read_as_serde_reads_them() {
        let cuts = cuts(RICH);
        assert_eq!(cuts.len(), 3);
        let pieces = in_pieces(RICH, &cuts).map(|(p, _)| shape(&p));
        let whole: Plan<'_> = serde_json::from_str(RICH).unwrap_or_default();
        assert_eq!(pieces.as_deref(), Some(shape(&whole).as_str()));
        assert_eq!(
            in_pieces(RICH, &[]).map(|(p, _)| shape(&p)).as_deref(),
            Some(shape(&whole).as_str())
        );
        // what is held: the modelled key, the secret version, the instance with an arn and a
        // mark; the bucket change and the bucket state are let go
        assert_eq!(ends(RICH), cuts);
        let rc = whole
            .resource_changes
            .as_ref()
            .map(|c| (c.count, c.kept.len()));
        assert_eq!(rc, Some((3, 2)));
    }

    #[test]
    fn a_plan_with_sorted_keys_is_read_in_two_pieces_side_by_side() {
        // written with its keys sorted (serde_json's map, `jq -S`): `configuration`,
        // `planned_values` and `prior_state` come before `resource_changes`, and the first
        // piece reads them all, beside the piece from `resource_changes` on
        let value: serde_json::Value = serde_json::from_str(RICH).unwrap_or_default();
        let sorted = value.to_string();
        assert!(sorted.find("\"configuration\"") < sorted.find("\"resource_changes\""));
        let cuts = cuts(&sorted);
        assert_eq!(cuts.len(), 1);
        assert_eq!(ends(&sorted), cuts);
        same_as_whole(&sorted);
    }

    #[test]
    fn deep_values_in_the_long_lists_are_read_as_serde_reads_them() {
        for depth in [90, 99, 100, 101, 150, 300] {
            let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let text = format!(
                r#"{{"format_version":"1.2","resource_changes":[{{"address":"a.b","type":"aws_kms_key","change":{{"after":{deep}}}}}],"planned_values":{{"outputs":{{"o":{{"value":{deep}}}}}}}}}"#
            );
            same_as_whole(&text);
            assert!(
                crate::terraform::plan::read_plan(&text).is_ok(),
                "depth {depth}"
            );
        }
    }

    #[test]
    // (the exhaustive run is asked for by the environment: the fuzz step of the test suite
    // sets GRANTCHECK_EXHAUSTIVE)
    #[allow(clippy::disallowed_methods)]
    fn a_damaged_plan_is_read_as_serde_reads_it_or_left_to_serde() {
        // every byte deleted, and each of these put before it and in its place: wherever the
        // damage falls, the pieces give serde's result or give up, never another result. By
        // default every deletion, and the puts at every seventh character, the sample moving
        // along the text with the put; all of them with GRANTCHECK_EXHAUSTIVE set.
        const PUT: &[&str] = &[
            "\"", "\\", ",", "]", "}", "{", "[", "0", "-", " ", "\u{1}", "n", ":",
        ];
        let stride = if std::env::var_os("GRANTCHECK_EXHAUSTIVE").is_some() {
            1
        } else {
            7
        };
        // the characters are spread over the pool's threads (with the `parallel` feature)
        let chars: Vec<(usize, (usize, char))> = RICH.char_indices().enumerate().collect();
        let variants: usize = crate::base::par::map(&chars, |&(i, (at, ch))| {
            let rest = &RICH[at + ch.len_utf8()..];
            let before = &RICH[..at];
            same_as_whole(&format!("{before}{rest}"));
            let mut variants = 0;
            for (k, put) in PUT.iter().enumerate() {
                if (i + k) % stride != 0 {
                    continue;
                }
                same_as_whole(&format!("{before}{put}{ch}{rest}"));
                same_as_whole(&format!("{before}{put}{rest}"));
                variants += 2;
            }
            variants
        })
        .into_iter()
        .sum();
        assert!(variants > 10_000 / stride);
    }

    #[test]
    // (a test reads the shared corpus from disk; the library itself does no IO)
    #[allow(clippy::disallowed_methods, clippy::disallowed_macros)]
    fn corpus_plans_read_in_pieces_as_whole() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
        if !root.exists() {
            eprintln!(
                "SKIPPED corpus_plans_read_in_pieces_as_whole: ../shared is not beside the repository; CI always has it"
            );
            return;
        }
        let mut stack = vec![root];
        let mut in_pieces_count = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "json")
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    same_as_whole(&text);
                    let cuts = cuts(&text);
                    if !cuts.is_empty() && in_pieces(&text, &cuts).is_some() {
                        in_pieces_count += 1;
                        // the guesses are where the pieces end: none is read for nothing,
                        // and none is read after the others, on its own
                        assert_eq!(ends(&text), cuts, "{}", path.display());
                    }
                }
            }
        }
        // the corpus holds plans of every format version: many of them are cut and read in pieces
        assert!(in_pieces_count > 20, "{in_pieces_count} read in pieces");
    }
}
