//! Strings of the plan, borrowed from its text when they have no escapes (nearly all do not).
//! serde borrows a `Cow<str>` only when it is a field's whole type; inside `Option`, `Vec` or
//! a map it makes a `String` of every one.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::ops::Deref;

use serde::de::{self, Deserialize, Deserializer, Visitor};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text<'a>(pub Cow<'a, str>);

impl Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Text<'_> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(TextVisitor(std::marker::PhantomData))
    }
}

/// A value of the plan as its JSON text, read past but not into: a borrowed slice of the plan
/// that is known to be one valid JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Raw<'a>(&'a str);

impl<'a> Raw<'a> {
    /// The value's JSON text.
    pub fn get(&self) -> &'a str {
        self.0
    }

    /// The value as a string, if it is one: borrowed unless it holds escapes.
    pub fn string(&self) -> Option<Cow<'a, str>> {
        let inner = self.0.strip_prefix('"')?.strip_suffix('"')?;
        if !inner.contains('\\') {
            return Some(Cow::Borrowed(inner));
        }
        serde_json::from_str::<String>(self.0).ok().map(Cow::Owned)
    }

    /// A slice the plan reader has checked to be one JSON value (no surrounding whitespace).
    pub(crate) fn checked(json: &'a str) -> Self {
        Raw(json)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Raw<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'de serde_json::value::RawValue>::deserialize(d).map(|r| Raw(r.get()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_strings_are_borrowed_unless_escaped() {
        let raw = |s: &'static str| Raw::checked(s).string();
        assert_eq!(
            raw(r#""aws_kms_key.k""#),
            Some(Cow::Borrowed("aws_kms_key.k"))
        );
        assert!(matches!(raw(r#""a[\"k\"]""#), Some(Cow::Owned(s)) if s == r#"a["k"]"#));
        assert_eq!(raw("null"), None);
        assert_eq!(raw("12"), None);
    }

    #[test]
    fn borrows_plain_strings_and_decodes_escaped_ones() {
        let v: Vec<Text<'_>> =
            serde_json::from_str(r#"["create", "a\u0062c"]"#).unwrap_or_default();
        assert!(matches!(v[0].0, Cow::Borrowed("create")));
        assert!(matches!(&v[1].0, Cow::Owned(s) if s == "abc"));
        assert!(serde_json::from_str::<Text<'_>>("1").is_err());
    }
}
