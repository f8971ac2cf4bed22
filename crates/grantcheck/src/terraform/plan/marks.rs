//! `after_unknown` / `before_sensitive` / `after_sensitive`: trees of `true` marks shaped like the
//! values they mark, read borrowed from the plan text (keys are attribute names, almost never
//! escaped) by the plan's skim, without building a `serde_json::Value` per resource.

use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

use memchr::memmem;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::fast::Skim;

/// A mark tree: `true` marks the value (and everything in it); objects and arrays mark parts.
#[derive(Debug, Default, PartialEq)]
pub(crate) enum Marks<'a> {
    True,
    Object(Vec<(Cow<'a, str>, Marks<'a>)>),
    Array(Vec<Marks<'a>>),
    /// `false`, `null` or anything else: nothing marked.
    #[default]
    Nothing,
}

impl<'a> Marks<'a> {
    /// Reads marks; text that is not a mark tree marks nothing.
    pub(crate) fn read(text: &'a str) -> Self {
        if !can_mark(text) {
            return Marks::Nothing;
        }
        // read straight from the text; an escaped key (or anything else the skim leaves to
        // serde) is read by serde, with the same result
        let mut skim = Skim::new(text, 0);
        match skim.marks() {
            Some(marks) if skim.at_end() => marks,
            _ => serde_json::from_str(text).unwrap_or_default(),
        }
    }

    /// An object's members, as a JSON object map holds them: in key order, the last of
    /// repeated keys winning.
    pub(super) fn object(mut members: Vec<(Cow<'a, str>, Marks<'a>)>) -> Self {
        // Terraform writes the keys of an object sorted: nothing to do then
        if members.windows(2).all(|w| w[0].0 < w[1].0) {
            return Marks::Object(members);
        }
        members.reverse();
        members.sort_by(|a, b| a.0.cmp(&b.0));
        members.dedup_by(|later, kept| later.0 == kept.0);
        Marks::Object(members)
    }

    /// Does this mark anything at all?
    pub(crate) fn any(&self) -> bool {
        match self {
            Marks::True => true,
            Marks::Object(m) => !m.is_empty(),
            Marks::Array(_) | Marks::Nothing => false,
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Marks<'a>> {
        match self {
            Marks::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

static TRUE: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(b"true"));

/// Can this mark tree mark anything: does its text hold a `true`? Most resources' marks are
/// `{}` or objects of empty objects and `false`, which mark nothing and need not be read.
pub(crate) fn can_mark(text: &str) -> bool {
    TRUE.find(text.as_bytes()).is_some()
}

impl<'de> Deserialize<'de> for Marks<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MarksVisitor)
    }
}

struct MarksVisitor;

impl<'de> Visitor<'de> for MarksVisitor {
    type Value = Marks<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a tree of marks")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(if v { Marks::True } else { Marks::Nothing })
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Marks::Nothing)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Marks::Nothing)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Marks::Nothing)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Marks::Nothing)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Marks::Nothing)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(m) = seq.next_element()? {
            items.push(m);
        }
        Ok(Marks::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(super::Text(k)) = map.next_key()? {
            members.push((k, map.next_value()?));
        }
        Ok(Marks::object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_marks_with_plain_and_escaped_keys() {
        let m = Marks::read(
            r#"{"tags": {"a\u0062": true}, "arn": false, "list": [false, true], "n": 1, "arn": true}"#,
        );
        let Marks::Object(members) = &m else {
            panic!("an object")
        };
        let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(keys, ["arn", "list", "n", "tags"]);
        assert_eq!(m.get("arn"), Some(&Marks::True));
        assert!(matches!(m.get("arn"), Some(Marks::True)));
        assert_eq!(m.get("tags").and_then(|t| t.get("ab")), Some(&Marks::True));
        assert_eq!(
            m.get("list"),
            Some(&Marks::Array(vec![Marks::Nothing, Marks::True]))
        );
        assert_eq!(m.get("n"), Some(&Marks::Nothing));
        assert!(m.any());
        assert!(!Marks::read("{}").any());
        assert!(!Marks::read("false").any());
        assert!(Marks::read("true").any());
        assert_eq!(Marks::read("not json"), Marks::Nothing);
        // marks without a `true` mark nothing, however they are shaped
        assert!(!Marks::read(r#"{"tags": {}, "arn": false, "list": [false]}"#).any());
        assert!(!can_mark(r#"{"tags": {}}"#));
        assert!(can_mark(r#"{"tags": {"k": true}}"#));
    }

    #[test]
    fn the_skim_and_serde_read_marks_alike() {
        // without escapes (read by the skim) and with one (left to serde)
        for key in ["b", r"\u0062"] {
            let text = format!(
                r#"{{"z": [true, {{"x": true}}, false], "{key}": true, "a": 1, "b": false, "c": null}}"#
            );
            let m = Marks::read(&text);
            let Marks::Object(members) = &m else {
                panic!("an object")
            };
            let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_ref()).collect();
            assert_eq!(keys, ["a", "b", "c", "z"], "{text}");
            // the later `b` wins
            assert_eq!(m.get("b"), Some(&Marks::Nothing), "{text}");
            assert_eq!(
                m.get("z"),
                Some(&Marks::Array(vec![
                    Marks::True,
                    Marks::Object(vec![("x".into(), Marks::True)]),
                    Marks::Nothing
                ]))
            );
        }
        // the other way round, the escaped key later
        let m = Marks::read(r#"{"b": false, "\u0062": true}"#);
        assert_eq!(m.get("b"), Some(&Marks::True));
    }
}
