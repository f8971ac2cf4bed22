//! Text helpers: paths, JSON "views" of HCL strings that keep byte offsets, and values as text.

use crate::base::value::{Node, NodeKind};
pub use crate::base::value::{as_text, to_json_text};

/// Private-use character that marks where an interpolation sits in a JSON view.
pub const MARK: char = '\u{E000}';

/// The parts joined into one string, allocated once (cheaper than `format!` on hot paths).
pub fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

/// Normalises a `/`-separated path: drops `.` and folds `..`.
pub fn normalize(path: &str) -> String {
    if is_normal(path) {
        return path.to_string();
    }
    let path = path.replace('\\', "/");
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_string()
    } else {
        joined
    }
}

/// Is a path already in the form [`normalize`] gives: `/`-separated, without empty, `.` or `..`
/// parts (but for the root's leading `/`)?
fn is_normal(path: &str) -> bool {
    let b = path.as_bytes();
    if b.is_empty() || b == b"/" || b.last() == Some(&b'/') || memchr::memchr(b'\\', b).is_some() {
        return false;
    }
    // every part between slashes: not empty (but for a leading `/`), not `.` or `..`
    let first = usize::from(b[0] == b'/');
    let mut start = first;
    for end in memchr::memchr_iter(b'/', &b[first..])
        .map(|i| i + first)
        .chain(std::iter::once(b.len()))
    {
        if matches!(&b[start..end], b"" | b"." | b"..") {
            return false;
        }
        start = end + 1;
    }
    true
}

/// The directory part of a path (`.` for a bare name).
pub fn dir_of(path: &str) -> String {
    let p = path.replace('\\', "/");
    match p.rfind('/') {
        Some(0) => "/".to_string(),
        Some(i) => normalize(&p[..i]),
        None => ".".to_string(),
    }
}

pub fn join(dir: &str, rel: &str) -> String {
    if rel.starts_with('/') || dir == "." || dir.is_empty() {
        normalize(rel)
    } else {
        normalize(&format!("{dir}/{rel}"))
    }
}

/// Does the text look like a JSON document (object or array)?
pub fn looks_like_json(s: &str) -> bool {
    let t = s.trim_start();
    t.starts_with('{') || t.starts_with('[')
}

/// The content of a quoted HCL string holding JSON, rewritten so that every byte keeps its
/// offset: `\"` becomes a quote padded with a space outside the JSON string, `\n`/`\t`/`\r`
/// between tokens become spaces. `None` when an escape sits inside a JSON string.
pub fn quoted_json_view(raw: &str) -> Option<String> {
    let b = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut in_str = false;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            let next = *b.get(i + 1)?;
            match next {
                b'"' if !in_str => {
                    out.push_str(" \"");
                    in_str = true;
                }
                b'"' => {
                    out.push_str("\" ");
                    in_str = false;
                }
                b'n' | b't' | b'r' if !in_str => out.push_str("  "),
                _ => return None,
            }
            i += 2;
            continue;
        }
        let ch = raw[i..].chars().next()?;
        out.push(ch);
        i += ch.len_utf8();
    }
    (out.len() == raw.len()).then_some(out)
}

/// Spans of JSON read through [`quoted_json_view`] from `src`, widened to whole escapes: in the
/// view, a string's opening quote is the quote of its `\"` and its closing one the backslash,
/// so a string or key starts one byte into its opening escape and ends one byte into its
/// closing one. Spans of JSON written as it is (a heredoc) are left as they are: no JSON token
/// starts after a backslash or ends on one.
pub fn widen_to_escaped_quotes(n: &mut Node, src: &[u8]) {
    let widen = |span: &mut crate::base::source::Span| {
        let (s, e) = (span.start as usize, span.end as usize);
        if s > 0 && src.get(s - 1) == Some(&b'\\') && src.get(s) == Some(&b'"') {
            span.start -= 1;
        }
        if e > 0 && src.get(e - 1) == Some(&b'\\') && src.get(e) == Some(&b'"') {
            span.end += 1;
        }
    };
    match &mut n.kind {
        NodeKind::String(_) => widen(&mut n.span),
        NodeKind::Array(items) => items
            .iter_mut()
            .for_each(|x| widen_to_escaped_quotes(x, src)),
        NodeKind::Object(members) => {
            for (k, v) in members {
                widen(&mut k.span);
                widen_to_escaped_quotes(v, src);
            }
        }
        _ => {}
    }
}

/// A placeholder of exactly `len` bytes (at least 3) for an interpolation.
pub fn placeholder(len: usize) -> String {
    let mut s = String::with_capacity(len);
    s.push(MARK);
    while s.len() < len {
        s.push('~');
    }
    s
}

/// Replaces every top-level-line start of a blanked region with spaces, keeping newlines, so
/// that a file can be parsed again without a block that failed.
pub fn blank(text: &mut String, start: usize, end: usize) {
    let bytes: Vec<u8> = text
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            if i >= start && i < end && b != b'\n' {
                b' '
            } else {
                b
            }
        })
        .collect();
    // Only ASCII spaces replace whole characters when the region starts and ends on character
    // boundaries; otherwise keep the text as it was.
    if let Ok(s) = String::from_utf8(bytes) {
        *text = s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise() {
        assert_eq!(normalize("a/./b/../c"), "a/c");
        assert_eq!(join("w/tf", "./modules/x"), "w/tf/modules/x");
        assert_eq!(join("w/tf/modules/x", "../y"), "w/tf/modules/y");
        assert_eq!(dir_of("w/tf/main.tf"), "w/tf");
        assert_eq!(dir_of("main.tf"), ".");
        for p in [
            "",
            "/",
            ".",
            "..",
            "a",
            "/a",
            "a/",
            "a//b",
            "//a",
            "a/./b",
            "./a",
            "a/..",
            "../a",
            "a\\b",
            "/a/b/c.tf",
        ] {
            let slow = normalize(&format!("{p}/."));
            assert_eq!(
                normalize(p),
                if p.is_empty() { ".".into() } else { slow },
                "{p}"
            );
        }
    }

    #[test]
    fn quoted_json_view_keeps_offsets() {
        let raw = r#"{\"a\": [\"x\"]}"#;
        let v = quoted_json_view(raw).unwrap();
        assert_eq!(v.len(), raw.len());
        let parsed: serde_json::Value = serde_json::from_str(&v).unwrap();
        assert_eq!(parsed["a"][0], "x");
        assert_eq!(v.find("x"), raw.find("x"));
        assert!(quoted_json_view(r#"{\"a\": \"\\n\"}"#).is_none());
    }
}
