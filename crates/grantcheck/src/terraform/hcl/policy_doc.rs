//! `data "aws_iam_policy_document"` in a configuration: its blocks, evaluated as
//! [`crate::policy::document`] reads them (with `dynamic` blocks expanded), rendered there as the
//! provider renders them.

use std::marker::PhantomData;

use hcl_edit::structure::{Block, Body};

use super::eval::{Evaluator, Scope};
use crate::policy::document::{self, Blocks, Rendering};
use crate::source::Span;
use crate::value::Node;

/// Renders the document; unknown when its structure depends on values not known before apply.
pub fn render(ev: &mut Evaluator<'_>, sc: &Scope, block: &Block, span: Span) -> Node {
    let data = (sc.clone(), &block.body, span);
    match document::render(
        &mut Evaluated {
            ev,
            body: PhantomData,
        },
        &data,
    ) {
        Ok(doc) => doc.into_node(span),
        Err(u) => u,
    }
}

/// The blocks of a configuration, evaluated by `ev`. A block is the scope its content sees,
/// its body and where it is written.
struct Evaluated<'e, 'a, 'b> {
    ev: &'e mut Evaluator<'a>,
    body: PhantomData<&'b Body>,
}

impl<'b> Blocks for Evaluated<'_, '_, 'b> {
    type Block = (Scope, &'b Body, Span);
    const RENDERING: Rendering = Rendering::Provider;

    fn value(&mut self, (sc, body, _): &Self::Block, name: &str) -> Option<Node> {
        let a = body.get_attribute(name)?;
        Some(self.ev.eval(sc, &a.value))
    }

    /// The blocks named `name`, with `dynamic` ones expanded, each with the scope its content
    /// sees.
    fn blocks(
        &mut self,
        (sc, body, span): &Self::Block,
        name: &str,
    ) -> Result<Option<(Vec<Self::Block>, Span)>, Node> {
        let body: &'b Body = body;
        let mut out = vec![];
        for b in body.blocks() {
            let bspan = self.ev.block_span(sc.file, b);
            if b.ident.as_str() == name {
                out.push((sc.clone(), &b.body, bspan));
                continue;
            }
            if b.ident.as_str() != "dynamic" || b.labels.first().map(|l| l.as_str()) != Some(name) {
                continue;
            }
            if let Some((scopes, content, cspan)) = self.ev.dynamic_scopes(sc, b, name)? {
                out.extend(scopes.into_iter().map(|inner| (inner, content, cspan)));
            }
        }
        Ok((!out.is_empty()).then_some((out, *span)))
    }

    fn span(&self, (_, _, span): &Self::Block) -> Span {
        *span
    }
}
