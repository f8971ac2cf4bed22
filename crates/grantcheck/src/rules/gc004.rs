use super::declare_rule;

declare_rule! {
    /// ## What it flags
    /// A suppression — an inline `# grantcheck:ignore CODE reason` comment or an `[[ignore]]`
    /// in `grantcheck.toml` — that matches no finding.
    ///
    /// ## Why
    /// The finding it was written for is gone (fixed, or the resource renamed). A stale
    /// suppression would silently hide the next finding of that rule there.
    ///
    /// ## How to fix
    /// Remove the suppression, or correct its rule code or resource address.
    ///
    /// ## Flagged
    /// ```hcl
    /// # grantcheck:ignore XA001 the partner role is never replaced
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
    pub struct UnusedSuppression {
        code: GC004,
        name: "unused-suppression",
        severity: Note,
        summary: "a grantcheck:ignore comment or [[ignore]] entry that matches no finding",
    }
}
