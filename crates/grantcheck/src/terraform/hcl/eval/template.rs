//! Strings and templates: quoted strings, heredocs, interpolations, `%{if}` / `%{for}`
//! directives, JSON written in a template (kept with exact spans, its interpolations filled in as
//! holes), and the strings of `.tf.json` files evaluated from their decoded text.

use std::ops::Range;
use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::template::{Directive, Element, Template};

use super::nodes::{collection_entries, combine_unknown, invalid, is_known, str_node, unknown};
use super::offsets::{Output, collapse_into, place, place_through};
use super::{Evaluator, MAX_COUNT, MAX_DEPTH, Scope};
use crate::base::json::{self, Placement};
use crate::base::source::{FileId, Span};
use crate::base::value::{Node, NodeKind, StrValue, TextMap};
use crate::terraform::hcl::text::{self, MARK, as_text, looks_like_json, placeholder};

/// Where a template is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TplKind {
    Quoted,
    Heredoc,
    /// `<<-`: indentation is removed from the value, kept in the JSON view.
    IndentedHeredoc,
    /// A file read by `templatefile`.
    File,
}

pub(super) fn is_known_keys_or_list(coll: &Node) -> bool {
    matches!(
        coll.kind,
        NodeKind::Array(_) | NodeKind::Object(_) | NodeKind::Null
    )
}

pub(super) fn directive_span(d: &Directive) -> Option<Range<usize>> {
    match d {
        Directive::If(i) => i.span(),
        Directive::For(f) => f.span(),
    }
}

/// Fills the placeholders of a JSON view: strings holding one get the interpolated text, or
/// become unknown when a part is unknown.
pub(super) fn fill_holes(
    node: &mut Node,
    values: &[(Range<usize>, Node)],
    src: &str,
) -> Option<()> {
    match &mut node.kind {
        NodeKind::String(s) if s.value.contains(MARK) => {
            let span = node.span;
            let inside: Vec<&(Range<usize>, Node)> = values
                .iter()
                .filter(|(r, _)| r.start >= span.start as usize && r.end <= span.end as usize)
                .collect();
            let mut out = String::new();
            let mut template = String::new();
            let mut unknown_parts: Vec<&Node> = vec![];
            let mut rest = s.value.as_str();
            let mut it = inside.iter();
            while let Some(p) = rest.find(MARK) {
                out.push_str(&rest[..p]);
                template.push_str(&rest[..p]);
                let (r, v) = it.next()?;
                let len = r.len();
                rest = rest.get(p + len..)?;
                match as_text(v).filter(|_| is_known(v)) {
                    Some(t) => {
                        out.push_str(&t);
                        template.push_str(&t);
                    }
                    None => {
                        template.push_str(src.get(r.clone()).unwrap_or("${...}"));
                        unknown_parts.push(v);
                    }
                }
            }
            out.push_str(rest);
            template.push_str(rest);
            if unknown_parts.is_empty() {
                *s = StrValue {
                    value: out.into(),
                    map: TextMap::Collapsed,
                };
            } else {
                let mut u = combine_unknown(&unknown_parts, span);
                if let NodeKind::Unknown(x) = &mut u.kind {
                    Arc::make_mut(x).template = Some(template);
                }
                *node = u;
            }
        }
        NodeKind::String(_) => {}
        NodeKind::Array(a) => {
            for x in a.iter_mut() {
                fill_holes(x, values, src)?;
            }
        }
        NodeKind::Object(o) => {
            for (k, v) in o.iter_mut() {
                if k.name.contains(MARK) {
                    return None;
                }
                fill_holes(v, values, src)?;
            }
        }
        _ => {}
    }
    Some(())
}

impl<'a> Evaluator<'a> {
    /// A `.tf.json` string evaluated from its decoded text, with every value it writes placed
    /// where it is written in the JSON string, through the string's escapes.
    pub(super) fn json_string(&mut self, sc: &Scope, span: Span) -> Option<Node> {
        let (tpl, id, text) = self
            .json_strings
            .get(&(sc.file, span.start as usize))?
            .clone();
        let mut v = match tpl {
            Ok(t) => {
                let inner = Scope {
                    inst: sc.inst,
                    file: id,
                    bind: sc.bind.clone(),
                };
                let whole = Span::new(id, 0, self.texts.get(&id).map_or(0, |t| t.len()));
                self.template(&inner, &t, whole, TplKind::File)
            }
            Err(m) => invalid(format!("this string is not a valid template: {m}"), span),
        };
        let decoded_len = self.texts.get(&id).map_or(0, |t| t.len());
        // (the string as written, between its quotes)
        let written = text.get(span.start as usize + 1..(span.end as usize).saturating_sub(1));
        match written.and_then(|w| json::Escapes::read(w, span.start + 1, decoded_len)) {
            Some(mut escapes) => place_through(&mut v, id, decoded_len, span, &mut escapes),
            None => collapse_into(&mut v, id, span),
        }
        Some(v)
    }

    /// A quoted string literal: exact mapping when it has no escapes; JSON in a string keeps its
    /// offsets through a view of the same length.
    pub(super) fn quoted_string(&self, file: FileId, value: &str, span: Span) -> Node {
        let src = self.texts.get(&file).copied().unwrap_or("");
        let inner_start = span.start as usize + 1;
        let inner_end = (span.end as usize).saturating_sub(1);
        let raw = src.get(inner_start..inner_end).unwrap_or("");
        if raw == value {
            return Node::string(
                value,
                span,
                TextMap::Exact {
                    base: span.start + 1,
                },
            );
        }
        if looks_like_json(value)
            && let Some(view) = text::quoted_json_view(raw)
        {
            return Node::string(
                view,
                span,
                TextMap::Exact {
                    base: span.start + 1,
                },
            );
        }
        Node::string(value, span, TextMap::Collapsed)
    }

    /// Evaluates a template. JSON written in it keeps exact spans: interpolations inside JSON
    /// strings are substituted (or make that string unknown), and the result is the parsed JSON.
    pub fn template(&mut self, sc: &Scope, tpl: &Template, span: Span, kind: TplKind) -> Node {
        let strip = kind == TplKind::IndentedHeredoc;
        enum Part<'t> {
            Lit(&'t str, Option<Range<usize>>),
            Interp(&'t Expression, Option<Range<usize>>),
            Directive(Option<Range<usize>>),
        }
        let mut parts = vec![];
        for el in tpl.iter() {
            match el {
                Element::Literal(l) => parts.push(Part::Lit(l.value().as_str(), l.span())),
                Element::Interpolation(i) => parts.push(Part::Interp(&i.expr, i.span())),
                Element::Directive(d) => parts.push(Part::Directive(directive_span(d))),
            }
        }
        if parts.iter().any(|p| matches!(p, Part::Directive(_))) {
            return self.template_with_directives(sc, tpl, span);
        }
        let nonempty_lits = parts
            .iter()
            .filter(|p| matches!(p, Part::Lit(s, _) if !s.is_empty()))
            .count();
        let interps = parts.iter().filter(|p| !matches!(p, Part::Lit(..))).count();
        if interps == 1
            && nonempty_lits == 0
            && let Some(Part::Interp(e, _)) = parts.iter().find(|p| matches!(p, Part::Interp(..)))
        {
            return self.eval(sc, e);
        }
        let src = self.texts.get(&sc.file).copied().unwrap_or("");
        // the raw range the template's elements cover
        let range = parts
            .iter()
            .filter_map(|p| match p {
                Part::Lit(_, r) | Part::Interp(_, r) | Part::Directive(r) => r.clone(),
            })
            .fold(None::<Range<usize>>, |acc, r| match acc {
                None => Some(r),
                Some(a) => Some(a.start.min(r.start)..a.end.max(r.end)),
            });
        let lit_text: String = parts
            .iter()
            .filter_map(|p| match p {
                Part::Lit(s, _) => Some(*s),
                _ => None,
            })
            .collect();
        let quoted = kind == TplKind::Quoted;
        if interps == 0 {
            if let Some(r) = &range
                && let Some(raw) = src.get(r.clone())
            {
                if raw == lit_text {
                    return Node::string(
                        lit_text,
                        span,
                        TextMap::Exact {
                            base: r.start as u32,
                        },
                    );
                }
                if looks_like_json(&lit_text) && (strip || !quoted) && !raw.contains("$${") {
                    return Node::string(
                        raw,
                        span,
                        TextMap::Exact {
                            base: r.start as u32,
                        },
                    );
                }
            }
            return Node::string(lit_text, span, TextMap::Collapsed);
        }
        // evaluate the interpolations
        let mut values: Vec<(Range<usize>, Node)> = vec![];
        let mut all_known = true;
        let mut text_out = String::new();
        let mut template_text = String::new();
        let mut unknown_parts: Vec<Node> = vec![];
        for p in &parts {
            match p {
                Part::Lit(s, _) => {
                    text_out.push_str(s);
                    template_text.push_str(s);
                }
                Part::Interp(e, r) => {
                    let v = self.eval(sc, e);
                    let raw = r
                        .clone()
                        .and_then(|r| src.get(r))
                        .unwrap_or("${...}")
                        .to_string();
                    match as_text(&v).filter(|_| is_known(&v)) {
                        Some(t) => {
                            text_out.push_str(&t);
                            template_text.push_str(&t);
                        }
                        None => {
                            all_known = false;
                            template_text.push_str(&raw);
                            unknown_parts.push(v.clone());
                        }
                    }
                    if let Some(r) = r {
                        values.push((r.clone(), v));
                    }
                }
                Part::Directive(r) => {
                    all_known = false;
                    let raw = r
                        .clone()
                        .and_then(|r| src.get(r))
                        .unwrap_or("%{...}")
                        .to_string();
                    template_text.push_str(&raw);
                    unknown_parts.push(unknown(
                        "template directives (%{...}) are not evaluated",
                        vec![],
                        span,
                    ));
                    if let Some(r) = r {
                        values.push((
                            r.clone(),
                            unknown(
                                "template directives (%{...}) are not evaluated",
                                vec![],
                                span,
                            ),
                        ));
                    }
                }
            }
        }
        if looks_like_json(&lit_text)
            && let Some(r) = &range
            && let Some(n) = self.json_with_holes(sc.file, src, r.clone(), &values, quoted)
        {
            return n;
        }
        if all_known {
            return str_node(text_out, span);
        }
        let refs_from: Vec<&Node> = unknown_parts.iter().collect();
        let mut u = combine_unknown(&refs_from, span);
        if let NodeKind::Unknown(x) = &mut u.kind {
            Arc::make_mut(x).template = Some(template_text);
        }
        u
    }

    /// A template with `%{if}` / `%{for}` directives: evaluated when their conditions and
    /// collections are known (unknown, with their origin, when not). JSON in the result keeps
    /// the place of every part written in one run of the source; a part made of pieces from
    /// different places (two iterations, a stripped space) is placed at the whole template.
    pub(super) fn template_with_directives(
        &mut self,
        sc: &Scope,
        tpl: &Template,
        span: Span,
    ) -> Node {
        let src = self.texts.get(&sc.file).copied().unwrap_or("");
        let mut out = Output::default();
        if let Err(u) = self.flatten(sc, tpl, src, &mut out) {
            return u;
        }
        let unknown_vals: Vec<&Node> = out.values.iter().filter(|v| !is_known(v)).collect();
        if !unknown_vals.is_empty() {
            return combine_unknown(&unknown_vals, span);
        }
        let text: String = out.pieces.iter().map(|p| p.text.as_str()).collect();
        if looks_like_json(&text)
            && let Ok(mut node) = json::parse(&text, Placement::exact(sc.file, 0, text.len()))
        {
            let map = out.offsets();
            place(&mut node, &map, span);
            return node;
        }
        str_node(text, span)
    }

    /// Appends the output of a template's elements, directives evaluated.
    pub(super) fn flatten(
        &mut self,
        sc: &Scope,
        tpl: &Template,
        src: &str,
        out: &mut Output,
    ) -> Result<(), Node> {
        if self.depth > MAX_DEPTH || out.pieces.len() > MAX_COUNT {
            return Err(invalid(
                "the template nests too deeply or repeats too often",
                self.span(sc.file, None),
            ));
        }
        self.depth += 1;
        let r = self.flatten_inner(sc, tpl, src, out);
        self.depth -= 1;
        r
    }

    pub(super) fn flatten_inner(
        &mut self,
        sc: &Scope,
        tpl: &Template,
        src: &str,
        out: &mut Output,
    ) -> Result<(), Node> {
        for el in tpl.iter() {
            match el {
                Element::Directive(d) => self.directive(sc, d, src, out)?,
                Element::Literal(l) => {
                    let raw = l
                        .span()
                        .and_then(|r| src.get(r.clone()).map(|t| (r.start, t)));
                    out.literal(l.value(), raw);
                }
                Element::Interpolation(i) => {
                    if i.strip.strip_start() {
                        out.trim_last();
                    }
                    let v = self.eval(sc, &i.expr);
                    let text = as_text(&v).filter(|_| is_known(&v)).unwrap_or_default();
                    out.value(text, i.span(), v);
                    out.strip_next = i.strip.strip_end();
                }
            }
        }
        Ok(())
    }

    pub(super) fn directive(
        &mut self,
        sc: &Scope,
        d: &Directive,
        src: &str,
        out: &mut Output,
    ) -> Result<(), Node> {
        match d {
            Directive::If(d) => {
                if d.if_expr.strip.strip_start() {
                    out.trim_last();
                }
                let cond = self.eval(sc, &d.if_expr.cond_expr);
                let dspan = self.span(sc.file, d.span());
                match cond.as_bool() {
                    Some(true) => {
                        out.strip_next = d.if_expr.strip.strip_end();
                        self.flatten(sc, &d.if_expr.template, src, out)?;
                        let close = match &d.else_expr {
                            Some(e) => e.strip,
                            None => d.endif_expr.strip,
                        };
                        if close.strip_start() {
                            out.trim_last();
                        }
                    }
                    Some(false) => {
                        if let Some(e) = &d.else_expr {
                            out.strip_next = e.strip.strip_end();
                            self.flatten(sc, &e.template, src, out)?;
                            if d.endif_expr.strip.strip_start() {
                                out.trim_last();
                            }
                        }
                    }
                    None if !is_known(&cond) => return Err(combine_unknown(&[&cond], dspan)),
                    None => return Err(invalid("the condition of %{if} is not a boolean", dspan)),
                }
                out.strip_next = d.endif_expr.strip.strip_end();
            }
            Directive::For(d) => {
                let f = &d.for_expr;
                if f.strip.strip_start() {
                    out.trim_last();
                }
                let dspan = self.span(sc.file, d.span());
                let coll = self.eval(sc, &f.collection_expr);
                let Some(entries) =
                    collection_entries(&coll).filter(|_| is_known_keys_or_list(&coll))
                else {
                    return Err(if is_known(&coll) {
                        invalid("%{for} needs a list, set or map", dspan)
                    } else {
                        combine_unknown(&[&coll], dspan)
                    });
                };
                for (k, v) in entries {
                    let mut inner = sc.clone();
                    if let Some(kv) = &f.key_var {
                        inner.bind.push((kv.as_str().to_string(), k));
                    }
                    inner.bind.push((f.value_var.as_str().to_string(), v));
                    out.strip_next = f.strip.strip_end();
                    self.flatten(&inner, &f.template, src, out)?;
                    if d.endfor_expr.strip.strip_start() {
                        out.trim_last();
                    }
                }
                out.strip_next = d.endfor_expr.strip.strip_end();
            }
        }
        Ok(())
    }

    /// Parses JSON written in a template whose interpolations sit inside JSON strings: each
    /// interpolation is replaced by a placeholder of the same length, so that every node keeps
    /// its exact place, then the placeholders are filled in.
    pub(super) fn json_with_holes(
        &self,
        file: FileId,
        src: &str,
        range: Range<usize>,
        values: &[(Range<usize>, Node)],
        quoted: bool,
    ) -> Option<Node> {
        let mut view = String::with_capacity(range.len());
        let mut pos = range.start;
        for (r, _) in values {
            if r.start < pos || r.end > range.end || r.len() < 3 {
                return None;
            }
            view.push_str(src.get(pos..r.start)?);
            view.push_str(&placeholder(r.len()));
            pos = r.end;
        }
        view.push_str(src.get(pos..range.end)?);
        if quoted {
            view = text::quoted_json_view(&view)?;
        }
        if view.len() != range.len() {
            return None;
        }
        let mut node = json::parse(
            &view,
            Placement::exact(file, range.start as u32, view.len()),
        )
        .ok()?;
        if quoted {
            text::widen_to_escaped_quotes(&mut node, src.as_bytes());
        }
        fill_holes(&mut node, values, src)?;
        Some(node)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::base::value::{NodeKind, TextMap};
    use serde_json::json;

    #[test]
    fn a_quoted_string_without_escapes_maps_byte_for_byte() {
        let (v, text) = value_and_text("\"arn:aws:iam::111122223333:root\"", "");
        let NodeKind::String(s) = &v.kind else {
            panic!("not a string")
        };
        let base = text.find("arn:").unwrap() as u32;
        assert_eq!(s.map, TextMap::Exact { base });
        assert_eq!(spanned(&text, &v), "\"arn:aws:iam::111122223333:root\"");
    }

    #[test]
    fn json_in_a_heredoc_is_parsed_with_the_places_of_its_parts_and_interpolations_filled() {
        let (v, text) = value_and_text(
            "<<EOF\n{\"Principal\": {\"AWS\": \"arn:aws:iam::${local.account}:root\"}, \"Sid\": \"s\"}\nEOF",
            "locals {\n  account = \"444455556666\"\n}\n",
        );
        assert_eq!(
            json(&v),
            json!({"Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Sid": "s"})
        );
        let sid = v.get("Sid").unwrap();
        assert_eq!(spanned(&text, sid), "\"s\"");
        let aws = v.get("Principal").unwrap().get("AWS").unwrap();
        assert_eq!(
            spanned(&text, aws),
            "\"arn:aws:iam::${local.account}:root\""
        );
    }

    #[test]
    fn an_unknown_interpolation_makes_only_its_json_string_unknown() {
        let (v, text) = value_and_text(
            "<<EOF\n{\"a\": \"${var.missing}\", \"b\": \"known\"}\nEOF",
            "variable \"missing\" {}\n",
        );
        assert_eq!(json(v.get("b").unwrap()), json!("known"));
        let a = v.get("a").unwrap();
        assert!(origin(a).starts_with("var.missing has no value"));
        assert_eq!(
            a.as_unknown().unwrap().template.as_deref(),
            Some("${var.missing}")
        );
        assert_eq!(spanned(&text, a), "\"${var.missing}\"");
    }

    #[test]
    fn directives_are_evaluated_when_their_conditions_and_collections_are_known() {
        assert_eq!(
            json(&value("\"%{ for x in [\"a\", \"b\"] }${x},%{ endfor }\"")),
            json!("a,b,")
        );
        assert_eq!(
            json(&value("\"%{ if 1 > 2 }yes%{ else }no%{ endif }\"")),
            json!("no")
        );
        // strip markers drop the space next to them
        assert_eq!(
            json(&value(
                "<<EOF\n%{ for x in [\"a\", \"b\"] ~}\n${x}\n%{ endfor ~}\nEOF"
            )),
            json!("a\nb\n")
        );
        let v = value_in(
            "\"%{ if var.missing }x%{ endif }\"",
            "variable \"missing\" {}\n",
        );
        assert!(origin(&v).starts_with("var.missing has no value"));
    }

    #[test]
    fn a_string_of_a_tf_json_file_is_evaluated_from_its_decoded_text() {
        let text = r#"{"resource": {"aws_iam_role": {"t": {"v": "pre-${local.x}", "w": "{\"k\": \"${local.x}\"}"}}},
 "locals": {"x": "val"}}"#;
        let s = load_files(&[("main.tf.json", text)]);
        assert_eq!(json(&attr(&s, "aws_iam_role.t", "v")), json!("pre-val"));
        let w = attr(&s, "aws_iam_role.t", "w");
        assert_eq!(json(&w), json!({"k": "val"}));
        // the key is placed where it is written, through the escapes of the JSON string
        let (k, _) = &w.as_object().unwrap()[0];
        assert_eq!(
            &text[k.span.start as usize..k.span.end as usize],
            "\\\"k\\\""
        );
    }
}
