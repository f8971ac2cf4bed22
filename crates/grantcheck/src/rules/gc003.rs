use super::declare_rule;

declare_rule! {
    /// ## What it flags
    /// An inline suppression comment, `# grantcheck:ignore CODE reason`, that names no rule, an
    /// unknown rule, or gives no reason. It suppresses nothing.
    ///
    /// ## Why
    /// A suppression is a decision to accept a risk; the reason is what the next reader needs
    /// to judge whether it still holds.
    ///
    /// ## How to fix
    /// Name the rule codes and say why: `# grantcheck:ignore XA001 the partner role is never
    /// replaced`.
    ///
    /// ## Flagged
    /// ```hcl
    /// # grantcheck:ignore XA001
    /// resource "aws_secretsmanager_secret" "s" {
    ///   name = "app/db"
    /// }
    /// ```
    ///
    /// ## Accepted
    /// ```hcl
    /// resource "aws_secretsmanager_secret" "s" {
    ///   name = "app/db"
    /// }
    /// ```
    pub struct InvalidSuppression {
        code: GC003,
        name: "invalid-suppression",
        severity: Warning,
        summary: "an inline grantcheck:ignore comment without rule codes or without a reason",
    }
}
