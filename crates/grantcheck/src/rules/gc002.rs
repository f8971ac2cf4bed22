use super::declare_rule;

declare_rule! {
    /// ## What it flags
    /// A file that could not be read as a Terraform configuration or plan JSON: malformed JSON
    /// or HCL, a binary plan file, an unsupported `format_version`, a state file given as a plan,
    /// input too large or too deeply nested.
    ///
    /// ## Why
    /// A validator must never pass what it could not read. The run goes on with the other
    /// files, and the command exits with status 2.
    ///
    /// ## How to fix
    /// For plans, give the JSON form: `terraform show -json tfplan > plan.json` (or
    /// `tofu show -json`). For configurations, fix the syntax error at the reported place.
    pub struct InputError {
        code: GC002,
        name: "input-error",
        severity: Error,
        summary: "a file could not be read as HCL or plan JSON (the run goes on with the other files)",
    }
}
