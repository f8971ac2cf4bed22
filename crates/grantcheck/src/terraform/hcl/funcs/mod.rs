//! The Terraform functions policies are written with: one table from name to implementation,
//! one small function per Terraform function, grouped by family. Unknown arguments give
//! unknown results that keep the references they come from.
//!
//! Adding a function is one entry in [`FUNCTIONS`] and one function in its family's file.

mod collections;
mod encoding;
mod errors;
mod files;
mod numbers;
mod strings;

use hcl_edit::expr::Expression;

use super::eval::{Evaluator, Scope, combine_unknown, refs_in, unknown};
use crate::base::source::Span;
use crate::base::value::Node;

pub use files::template_file;

/// A call being evaluated: the evaluator, the scope of the call and where it is written.
pub struct Call<'c, 'a> {
    pub ev: &'c mut Evaluator<'a>,
    pub sc: &'c Scope,
    pub span: Span,
}

impl Call<'_, '_> {
    /// The unknown a call gives when its arguments are not known: their references, and the
    /// origin of the first unknown among them.
    fn unknown_result(&self, vals: &[Node]) -> Node {
        let refs: Vec<&Node> = vals.iter().collect();
        combine_unknown(&refs, self.span)
    }

    /// Evaluates the argument expressions, in order.
    fn eval_all(&mut self, args: &[&Expression]) -> Vec<Node> {
        args.iter().map(|a| self.ev.eval(self.sc, a)).collect()
    }
}

/// How a function is called.
#[derive(Clone, Copy)]
enum Function {
    /// With its argument expressions: it evaluates what it needs (`try`, `can`, …).
    Lazy(fn(&mut Call<'_, '_>, &[&Expression]) -> Node),
    /// With the values of its arguments, only when all of them are known: an unknown argument
    /// makes the result unknown.
    Known(fn(&mut Call<'_, '_>, Vec<Node>) -> Node),
    /// With the values of its arguments, known or not: some of its result may be known
    /// anyway (how many elements, which keys, the parts of a document).
    Partial(fn(&mut Call<'_, '_>, Vec<Node>) -> Node),
}

use Function::{Known, Lazy, Partial};

/// Every function grantcheck evaluates, sorted by name.
static FUNCTIONS: &[(&str, Function)] = &[
    ("alltrue", Known(collections::alltrue)),
    ("anytrue", Known(collections::anytrue)),
    ("can", Lazy(errors::can)),
    ("chomp", Known(strings::chomp)),
    ("coalesce", Partial(collections::coalesce)),
    ("coalescelist", Known(collections::coalescelist)),
    ("compact", Known(collections::compact)),
    ("concat", Partial(collections::concat)),
    ("contains", Known(collections::contains)),
    ("distinct", Partial(collections::distinct)),
    ("element", Known(collections::element)),
    ("endswith", Known(strings::endswith)),
    ("file", Partial(files::file)),
    ("flatten", Partial(collections::flatten)),
    ("format", Known(strings::format)),
    ("join", Known(strings::join)),
    ("jsondecode", Partial(encoding::jsondecode)),
    ("jsonencode", Lazy(encoding::jsonencode_call)),
    ("keys", Partial(collections::keys)),
    ("length", Partial(collections::length)),
    ("lookup", Partial(collections::lookup)),
    ("lower", Known(strings::lower)),
    ("max", Known(numbers::max)),
    ("merge", Partial(collections::merge)),
    ("min", Known(numbers::min)),
    ("one", Known(collections::one)),
    ("range", Known(numbers::range)),
    ("replace", Known(strings::replace)),
    ("sort", Known(collections::sort)),
    ("split", Known(strings::split)),
    ("startswith", Known(strings::startswith)),
    ("templatefile", Lazy(files::templatefile)),
    ("tolist", Partial(collections::tolist)),
    ("tomap", Partial(collections::tomap)),
    ("toset", Partial(collections::toset)),
    ("tostring", Known(strings::tostring)),
    ("trimprefix", Known(strings::trimprefix)),
    ("trimspace", Known(strings::trimspace)),
    ("trimsuffix", Known(strings::trimsuffix)),
    ("try", Lazy(errors::r#try)),
    ("upper", Known(strings::upper)),
    ("values", Known(collections::values)),
];

fn find(name: &str) -> Option<Function> {
    FUNCTIONS
        .binary_search_by(|(n, _)| (*n).cmp(name))
        .ok()
        .map(|i| FUNCTIONS[i].1)
}

pub fn call(
    ev: &mut Evaluator<'_>,
    sc: &Scope,
    name: &str,
    args: &[&Expression],
    span: Span,
) -> Node {
    let mut c = Call { ev, sc, span };
    let f = find(name);
    if let Some(Lazy(f)) = f {
        return f(&mut c, args);
    }
    let vals = c.eval_all(args);
    let all_known = vals.iter().all(super::eval::is_known);
    match f {
        Some(Partial(f)) => f(&mut c, vals),
        _ if !all_known => c.unknown_result(&vals),
        Some(Known(f)) => f(&mut c, vals),
        _ => not_evaluated(name, &vals, span),
    }
}

/// A function grantcheck does not evaluate: unknown, with the references of its arguments.
fn not_evaluated(name: &str, vals: &[Node], span: Span) -> Node {
    unknown(
        format!("function {name}() is not evaluated by grantcheck"),
        {
            let mut refs = vec![];
            for v in vals {
                refs_in(v, &mut refs);
            }
            refs
        },
        span,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::hcl::eval::testing::{json, origin, value, value_in};
    use serde_json::json;

    #[test]
    fn the_table_is_sorted_and_names_each_function_once() {
        for pair in FUNCTIONS.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
        for (name, _) in FUNCTIONS {
            assert!(find(name).is_some(), "{name}");
        }
        assert!(find("nosuchfunction").is_none());
    }

    #[test]
    fn unknown_arguments_give_unknowns_except_where_the_result_is_known_anyway() {
        let rest = "variable \"id\" {}\n";
        // how many elements is known when an element is not
        assert_eq!(json(&value_in("length([var.id, 2])", rest)), json!(2));
        assert_eq!(json(&value_in("keys({ a = var.id })", rest)), json!(["a"]));
        let v = value_in("upper(var.id)", rest);
        assert!(origin(&v).starts_with("var.id has no value"));
        assert_eq!(v.as_unknown().unwrap().refs[0].address, "var.id");
        // a function grantcheck does not evaluate says so
        assert_eq!(
            origin(&value("cidrsubnet(\"10.0.0.0/8\", 8, 1)")),
            "function cidrsubnet() is not evaluated by grantcheck"
        );
    }
}
