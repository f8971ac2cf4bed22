//! Reads a plan's text into [`Plan`], its large top-level members in parallel where that pays.
//!
//! `terraform show -json` writes `planned_values`, `resource_changes`, `prior_state` and
//! `configuration` one after the other at the top level; each is a large share of the plan.
//! Where a member of that name seems to start, the text is cut, and the pieces are read at the
//! same time, each into the members it holds. A cut is only *guessed* from the text (a value
//! may hold the same characters): it is trusted once the piece before it, read from a place
//! known to be the start of a member, ends exactly there. A piece that runs past its cut reads
//! on to the end of the plan, and what was read from that cut on is dropped. Whatever the
//! pieces cannot read (invalid JSON, a repeated member, an escaped key) is read again whole
//! by serde, which gives the same result and the same errors as reading it whole always did.

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::Plan;

/// Reads the plan, in pieces when there is more than one thread to read them.
pub(crate) fn plan(text: &str) -> Result<Plan<'_>, serde_json::Error> {
    if crate::par::PARALLEL && text.len() >= MIN_SPLIT_BYTES {
        let cuts = cuts(text);
        if !cuts.is_empty()
            && let Some(plan) = in_pieces(text, &cuts)
        {
            return Ok(plan);
        }
    }
    serde_json::from_str(text)
}

/// Below this size one thread reads the plan faster than several start on it.
const MIN_SPLIT_BYTES: usize = 256 * 1024;

/// Top-level members worth a piece of their own, in the order Terraform writes them, with
/// the first character their value starts with.
const CUT_BEFORE: &[(&str, u8)] = &[
    ("resource_changes", b'['),
    ("prior_state", b'{'),
    ("configuration", b'{'),
];

/// Offsets of the commas that seem to end one top-level member and start the next, in order.
fn cuts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut out: Vec<usize> = Vec::new();
    let mut from = 0;
    for (name, opens) in CUT_BEFORE {
        let quoted = format!("\"{name}\"");
        let finder = memchr::memmem::Finder::new(quoted.as_bytes());
        let mut at = from;
        while let Some(found) = finder.find(&bytes[at..]) {
            let key = at + found;
            at = key + quoted.len();
            if let Some(comma) = comma_before(bytes, key)
                && starts_value(bytes, key + quoted.len(), *opens)
            {
                out.push(comma);
                from = at;
                break;
            }
        }
    }
    out
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
    /// At the comma it was cut at.
    Cut,
    /// At the end of the plan's object, with only whitespace after it.
    Close,
}

/// Reads the plan in pieces; `None` when a piece cannot be read, so that serde reads it whole.
fn in_pieces<'a>(text: &'a str, cuts: &[usize]) -> Option<Plan<'a>> {
    let mut starts = vec![0];
    starts.extend(cuts.iter().map(|c| c + 1));
    let pieces = crate::par::map(&starts, |&start| {
        let first = start == 0;
        let stop = cuts
            .iter()
            .copied()
            .find(|&c| c >= start)
            .unwrap_or(usize::MAX);
        let mut piece = Piece::default();
        let end = piece.read(text, start, first, stop)?;
        Some((piece, end))
    });
    let mut whole = Piece::default();
    for piece in pieces {
        // each piece read here starts where a member is known to start
        let (piece, end) = piece?;
        whole.merge(piece)?;
        if let End::Close = end {
            return Some(whole.plan);
        }
    }
    None
}

/// What one piece read: the members it met, and which.
#[derive(Default)]
struct Piece<'a> {
    plan: Plan<'a>,
    seen: u16,
}

impl<'a> Piece<'a> {
    /// Reads members from `at` (the plan's `{` when `first`, else a member's key) until the
    /// comma at `stop` or the end of the plan.
    fn read(&mut self, text: &'a str, mut at: usize, first: bool, stop: usize) -> Option<End> {
        let bytes = text.as_bytes();
        if first {
            at = skip_space(bytes, at);
            if bytes.get(at) != Some(&b'{') {
                return None;
            }
            at = skip_space(bytes, at + 1);
            if bytes.get(at) == Some(&b'}') {
                return close(bytes, at);
            }
        }
        loop {
            at = skip_space(bytes, at);
            if bytes.get(at) != Some(&b'"') {
                return None;
            }
            let len = memchr::memchr2(b'"', b'\\', bytes.get(at + 1..)?)?;
            if bytes[at + 1 + len] != b'"' {
                return None;
            }
            let key = text.get(at + 1..at + 1 + len)?;
            at = skip_space(bytes, at + len + 2);
            if bytes.get(at) != Some(&b':') {
                return None;
            }
            at += 1;
            at += self.member(key, text.get(at..)?)?;
            at = skip_space(bytes, at);
            match bytes.get(at) {
                Some(b',') if at == stop => return Some(End::Cut),
                Some(b',') => at += 1,
                Some(b'}') => return close(bytes, at),
                _ => return None,
            }
        }
    }

    /// Reads one member's value from the start of `rest`; the length of text it took.
    fn member(&mut self, key: &str, rest: &'a str) -> Option<usize> {
        let Some(bit) = MEMBERS.iter().position(|m| *m == key) else {
            return value(rest, &mut IgnoredAny);
        };
        // serde refuses a repeated member: leave it to serde to say so
        if self.seen & (1 << bit) != 0 {
            return None;
        }
        self.seen |= 1 << bit;
        let p = &mut self.plan;
        match key {
            "format_version" => value(rest, &mut p.format_version),
            "resource_changes" => value(rest, &mut p.resource_changes),
            "resource_drift" => value(rest, &mut p.resource_drift),
            "output_changes" => value(rest, &mut p.output_changes),
            "planned_values" => value(rest, &mut p.planned_values),
            "prior_state" => value(rest, &mut p.prior_state),
            "configuration" => value(rest, &mut p.configuration),
            "variables" => value(rest, &mut p.variables),
            "values" => value(rest, &mut p.values),
            "version" => value(rest, &mut p.version),
            "lineage" => value(rest, &mut p.lineage),
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

    /// The members as serde reads them whole, to compare with what the pieces read.
    fn shape(p: &Plan<'_>) -> String {
        format!(
            "fv={:?} rc={:?} drift={} oc={:?} pv={} prior={} cfg={} vars={:?} values={} version={} lineage={}",
            p.format_version,
            p.resource_changes.as_ref().map(|v| (
                v.count,
                v.kept
                    .iter()
                    .map(|r| r.rtype.as_deref().unwrap_or("").to_string())
                    .collect::<Vec<_>>()
            )),
            p.resource_drift.len(),
            p.output_changes.keys().collect::<Vec<_>>(),
            p.planned_values.is_some(),
            p.prior_state.is_some(),
            p.configuration.is_some(),
            p.variables.keys().collect::<Vec<_>>(),
            p.values.is_some(),
            p.version.is_some(),
            p.lineage.is_some(),
        )
    }

    fn same_as_whole(text: &str) {
        let whole: Result<Plan<'_>, _> = serde_json::from_str(text);
        let cuts = cuts(text);
        let pieces = in_pieces(text, &cuts);
        match (&whole, &pieces) {
            (Ok(w), Some(p)) => assert_eq!(shape(w), shape(p), "{text}"),
            // the pieces may give up on what serde reads; never the other way round
            (Ok(_), None) | (Err(_), None) => {}
            (Err(e), Some(_)) => panic!("pieces read what serde refuses ({e}): {text}"),
        }
        let read = plan(text);
        assert_eq!(read.is_ok(), whole.is_ok());
        if let (Ok(r), Ok(w)) = (&read, &whole) {
            assert_eq!(shape(r), shape(w));
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

    #[test]
    fn finds_the_cuts_terraform_writes() {
        let cuts = cuts(PLAN);
        assert_eq!(cuts.len(), 3);
        for c in &cuts {
            assert_eq!(PLAN.as_bytes()[*c], b',');
        }
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
        let p = in_pieces(text, &cuts).map(|p| shape(&p));
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
                if let Some(p) = in_pieces(PLAN, &[*a, *b]) {
                    assert_eq!(shape(&p), shape(&whole), "cuts at {a}, {b}");
                }
            }
        }
        // the true cuts always read
        assert!(in_pieces(PLAN, &cuts(PLAN)).is_some());
    }

    #[test]
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
                    }
                }
            }
        }
        // the corpus holds plans of every format version: many of them are cut and read in pieces
        assert!(in_pieces_count > 20, "{in_pieces_count} read in pieces");
    }
}
