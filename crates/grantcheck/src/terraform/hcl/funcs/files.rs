//! File functions: `file`, `templatefile`, and `data "template_file"` (rendered as
//! `templatefile` renders a file).

use hcl_edit::expr::Expression;

use super::Call;
use crate::base::source::Span;
use crate::base::value::{Node, NodeKind, TextMap};
use crate::terraform::hcl::eval::{
    Evaluator, Scope, TplKind, combine_unknown, is_known, str_node, unknown,
};
use crate::terraform::hcl::text::as_text;

pub(super) fn file(c: &mut Call<'_, '_>, vals: Vec<Node>) -> Node {
    let span = c.span;
    let Some(p) = vals.first() else {
        return unknown("file() without an argument", vec![], span);
    };
    let Some(path) = as_text(p).filter(|_| is_known(p)) else {
        return c.unknown_result(&vals);
    };
    let secret_path = p.any_sensitive();
    match c.ev.find_file(c.sc, &path) {
        // a path that is sensitive is never shown, nor is what it names: the content
        // is placed at the call, and sensitive
        Some(f) if secret_path => hidden(f.text.as_str().into(), span),
        Some(f) => Node::string(
            f.text.clone(),
            Span::new(f.id, 0, f.text.len()),
            TextMap::Exact { base: 0 },
        ),
        None => not_given("file", &path, secret_path, span),
    }
}

/// The unknown a function reading a file gives when the file was not among the inputs (a path
/// that is sensitive is not shown).
fn not_given(function: &str, path: &str, secret_path: bool, span: Span) -> Node {
    unknown(
        format!(
            "{function}(\"{}\") was not given to grantcheck (give the directory that holds it)",
            if secret_path {
                "(sensitive value)"
            } else {
                path
            }
        ),
        vec![],
        span,
    )
}

pub(super) fn templatefile(c: &mut Call<'_, '_>, args: &[&Expression]) -> Node {
    render_file(c.ev, c.sc, args, c.span)
}

/// `templatefile(PATH, VARS)` from its argument expressions.
fn render_file(ev: &mut Evaluator<'_>, sc: &Scope, args: &[&Expression], span: Span) -> Node {
    let vals: Vec<Node> = args.iter().map(|a| ev.eval(sc, a)).collect();
    let Some(p) = vals.first() else {
        return unknown("templatefile() without arguments", vec![], span);
    };
    let Some(path) = as_text(p).filter(|_| is_known(p)) else {
        return combine_unknown(&[p], span);
    };
    let secret_path = p.any_sensitive();
    let Some(file) = ev.find_file(sc, &path) else {
        return not_given("templatefile", &path, secret_path, span);
    };
    let tpl = match hcl_edit::parser::parse_template(&file.text) {
        Ok(t) => t,
        Err(e) => {
            return unknown(
                format!("invalid: template {path}: {}", e.message()),
                vec![],
                span,
            );
        }
    };
    let mut bind = vec![];
    match vals.get(1).map(|v| &v.kind) {
        Some(NodeKind::Object(o)) => {
            for (k, v) in o {
                bind.push((k.name.to_string(), v.clone()));
            }
        }
        Some(NodeKind::Unknown(_)) => return combine_unknown(&[&vals[1]], span),
        _ => {}
    }
    let inner = Scope {
        inst: sc.inst,
        file: file.id,
        bind,
    };
    ev.texts.entry(file.id).or_insert(file.text.as_str());
    let whole = Span::new(file.id, 0, file.text.len());
    let v = ev.template(&inner, &tpl, whole, TplKind::File);
    if secret_path {
        // (neither the path nor the file's content is shown)
        return match as_text(&v).filter(|_| is_known(&v)) {
            Some(t) => hidden(t.into(), span),
            None => {
                let mut u = combine_unknown(&[&v], span);
                u.mark_sensitive();
                u
            }
        };
    }
    v
}

/// A text read through a sensitive value: placed at `span` (the call), and sensitive.
fn hidden(text: compact_str::CompactString, span: Span) -> Node {
    let mut n = Node::string(text, span, TextMap::Collapsed);
    n.mark_sensitive();
    n
}

/// `data "template_file"` (the deprecated template provider): its `rendered` text, the
/// `template` rendered with `vars` as `templatefile()` renders a file.
pub fn template_file(
    ev: &mut Evaluator<'_>,
    sc: &Scope,
    block: &hcl_edit::structure::Block,
    span: Span,
) -> Node {
    let Some(t) = block.body.get_attribute("template") else {
        return unknown("data \"template_file\" without a template", vec![], span);
    };
    let vars = block.body.get_attribute("vars");
    // `template = file(PATH)`: the file itself is the template, with the places it holds
    if let Expression::FuncCall(f) = &t.value
        && f.name.name.as_str() == "file"
        && f.args.len() == 1
    {
        let mut args: Vec<&Expression> = f.args.iter().collect();
        if let Some(v) = vars {
            args.push(&v.value);
        }
        return render_file(ev, sc, &args, span);
    }
    let text = ev.eval(sc, &t.value);
    let Some(s) = as_text(&text).filter(|_| is_known(&text)) else {
        return combine_unknown(&[&text], span);
    };
    let tpl = match hcl_edit::parser::parse_template(&s) {
        Ok(t) => t,
        Err(e) => {
            return unknown(
                format!(
                    "invalid: the template of data \"template_file\": {}",
                    e.message()
                ),
                vec![],
                span,
            );
        }
    };
    let mut bind: Vec<(String, Node)> = vec![];
    if let Some(v) = vars {
        let vals = ev.eval(sc, &v.value);
        match &vals.kind {
            NodeKind::Object(o) => {
                for (k, v) in o {
                    bind.push((k.name.to_string(), v.clone()));
                }
            }
            NodeKind::Unknown(_) => return combine_unknown(&[&vals], span),
            _ => {}
        }
    }
    // (a template written in the configuration is rendered from its text, so what it renders
    // is placed at the template argument; its interpolations name `vars`)
    use hcl_edit::template::Element;
    let mut out = String::new();
    let mut sensitive = text.sensitive;
    for el in tpl.iter() {
        match el {
            Element::Literal(l) => out.push_str(l.value()),
            Element::Interpolation(i) => {
                let name = match &i.expr {
                    Expression::Variable(v) => Some(v.as_str()),
                    _ => None,
                };
                let Some(v) = name.and_then(|n| bind.iter().find(|(b, _)| b == n).map(|(_, v)| v))
                else {
                    return unknown(
                        "the template of data \"template_file\" uses more than the names of its vars, which grantcheck does not evaluate",
                        vec![],
                        text.span,
                    );
                };
                match as_text(v).filter(|_| is_known(v)) {
                    Some(t) => out.push_str(&t),
                    None => return combine_unknown(&[v], text.span),
                }
                sensitive |= v.any_sensitive();
            }
            Element::Directive(_) => {
                return unknown(
                    "template directives (%{...}) in data \"template_file\" are not evaluated",
                    vec![],
                    text.span,
                );
            }
        }
    }
    let mut n = str_node(out, text.span);
    n.sensitive = sensitive;
    n
}

#[cfg(test)]
mod tests {
    use crate::terraform::hcl::eval::testing::{attr, json, load_files, origin, with_value};
    use serde_json::json;

    #[test]
    fn file_reads_an_input_file_with_the_places_of_its_text() {
        let text = with_value("jsondecode(file(\"${path.module}/p.json\"))", "");
        let s = load_files(&[("main.tf", &text), ("p.json", "{\"Sid\": \"x\"}")]);
        let v = attr(&s, "aws_iam_role.t", "v");
        assert_eq!(json(&v), json!({"Sid": "x"}));
        // the value points into the file it was read from
        assert_eq!(v.get("Sid").unwrap().span.file, 1);
        let missing = with_value("file(\"nope.json\")", "");
        let s = load_files(&[("main.tf", &missing)]);
        assert_eq!(
            origin(&attr(&s, "aws_iam_role.t", "v")),
            "file(\"nope.json\") was not given to grantcheck (give the directory that holds it)"
        );
    }

    #[test]
    fn templatefile_renders_a_file_with_its_vars_and_hides_a_sensitive_path() {
        let text = with_value("templatefile(\"t.tpl\", { who = \"x\" })", "");
        let s = load_files(&[("main.tf", &text), ("t.tpl", "hello ${who}")]);
        assert_eq!(json(&attr(&s, "aws_iam_role.t", "v")), json!("hello x"));
        let secret = with_value(
            "templatefile(var.p, {})",
            "variable \"p\" {\n  default = \"nope.tpl\"\n  sensitive = true\n}\n",
        );
        let s = load_files(&[("main.tf", &secret)]);
        let v = attr(&s, "aws_iam_role.t", "v");
        assert!(origin(&v).starts_with("templatefile(\"(sensitive value)\") was not given"));
    }
}
