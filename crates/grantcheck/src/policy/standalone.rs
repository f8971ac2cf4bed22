//! Checking one policy document on its own, outside any configuration: the text is taken as the
//! policy of a secret (or of a KMS key) that nothing else is known about.

use crate::base::source::{SourceFile, Span};
use crate::base::value::{Key, Node, NodeKind, TextMap};
use crate::model::PolicyKind;
use crate::model::{Action, Infrastructure, Mode, Resource};

/// The address findings of a standalone policy are reported against.
pub fn holder_address(kind: PolicyKind) -> &'static str {
    match kind {
        PolicyKind::Secret => "aws_secretsmanager_secret_policy.policy",
        PolicyKind::Key => "aws_kms_key.key",
    }
}

/// An infrastructure holding one resource whose `policy` is the text of `src`, with spans
/// pointing into that text.
pub fn infrastructure(src: &SourceFile, kind: PolicyKind) -> Infrastructure {
    let whole = Span::new(src.id, 0, src.text.len());
    let policy = Node::string(src.text.clone(), whole, TextMap::Exact { base: 0 });
    let key = |name: &str| Key {
        name: name.into(),
        span: whole,
    };
    let after = Node::new(NodeKind::Object(vec![(key("policy"), policy)]), whole);
    let (rtype, name) = holder_address(kind)
        .split_once('.')
        .unwrap_or(("aws_kms_key", "key"));
    let mut infra = Infrastructure::default();
    infra.add(Resource {
        address: holder_address(kind).to_string(),
        base_address: holder_address(kind).to_string(),
        module: String::new(),
        mode: Mode::Managed,
        rtype: rtype.to_string(),
        name: name.into(),
        span: whole,
        action: Action::Configured,
        provider_key: None,
        after: Some(after),
        before: None,
        configured: vec!["policy".to_string()],
    });
    infra
}
