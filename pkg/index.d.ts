// Types of the npm package `grantcheck`: the same API in Node (ready at import) and in browsers
// (`await init()` first). The report is the JSON report of `grantcheck check --format json`, with
// UTF-16 offsets added to every position.

/** How serious a finding is. */
export type Severity = "error" | "warning" | "note";

/** A place in a file. */
export interface Position {
  /** 1-based line. */
  line: number;
  /** 1-based column, in Unicode code points. */
  column: number;
  /** Byte offset (UTF-8) from the start of the file. */
  offset: number;
  /** Offset in UTF-16 code units from the start of the file: `text.slice(start.utf16, end.utf16)`. */
  utf16: number;
}

/** A range in one of the checked files. */
export interface Location {
  /** The `path` the file was given with. */
  file: string;
  start: Position;
  end: Position;
}

/** A second place that explains a finding ("shared with account 444455556666 here"). */
export interface RelatedLocation {
  message: string;
  location: Location;
}

/** One finding. */
export interface Finding {
  /** The rule's stable code, e.g. "XA002". */
  rule: string;
  /** The rule's stable name, e.g. "shared-secret-aws-managed-key". */
  name: string;
  severity: Severity;
  message: string;
  /** How to fix it; may be empty. */
  help: string;
  /** The Terraform address of the resource the finding is about; empty for input errors. */
  resource: string;
  /** Addresses of the other resources involved. */
  related: string[];
  /** Where, when the finding has a place in the input. */
  location: Location | null;
  /** JSON Pointer into the policy document, e.g. "/Statement/0/Principal/AWS". */
  policy_path?: string;
  related_locations?: RelatedLocation[];
  /** GC001 only: the code of the rule that could not be decided. */
  check?: string;
  /** Plan input: whether the plan introduces the problem, keeps it, or fixes it. */
  change?: "introduced" | "existing" | "fixed";
  /** XA001, XA002, XA003, XA008, XA010, XA011, PA001: the account IDs the finding concerns ("*" for everyone; for XA010 and XA011, the reader's). */
  accounts?: string[];
}

/** A link a read of a secret's value needs, in the order a read meets them. */
export type AccessLinkKind = "secret-policy" | "key" | "key-policy" | "identity-policy";

/** One link of a reader. */
export interface AccessLink {
  link: AccessLinkKind;
  /** `unresolved`: a value not known before apply decides it (the message says which). */
  state: "holds" | "broken" | "unresolved";
  /** One line: what decides the state. Never a value the input marks sensitive. */
  message: string;
  /** Where it is decided, when that has a place in the input. */
  location: Location | null;
}

/** A principal outside the owner account that a secret's policy grants something, or a role or user of the input whose identity policy names the secret. */
export interface Reader {
  /** The principal as the policy writes it; "*" for everyone (and for a NotPrincipal grant); a role or user of the input: its ARN (else its address). */
  principal: string;
  /** Its account ID, or "*". */
  account: string;
  /** The Terraform address of the role or user, when the input manages it: its identity policies then decide the `identity-policy` link. */
  resource?: string;
  /** The conditions of the statement that allows the read, e.g. `aws:PrincipalOrgID StringEquals "o-abc123def4"`. */
  conditions?: string[];
  /** `reads`: every link holds; `cannot-read`: a link is broken; `unresolved`: none is, one is unresolved. */
  verdict: "reads" | "cannot-read" | "unresolved";
  /** For `cannot-read`: the first broken link. */
  broken_at?: AccessLinkKind;
  /** secret-policy, then (for a grant that reads or writes the value) key, then (for a customer managed key) key-policy, then (for a role or user of the input) identity-policy. */
  links: AccessLink[];
}

/** Who can read one secret after apply. */
export interface SecretAccess {
  /** The secret's Terraform address. */
  secret: string;
  readers: Reader[];
}

/** Plan input: for one secret, the foreign accounts that gain or lose access. */
export interface AccessChange {
  /** The secret's Terraform address. */
  secret: string;
  gained: string[];
  lost: string[];
}

/** Counts over the run. */
export interface Summary {
  files: number;
  resources: number;
  policies: number;
  errors: number;
  warnings: number;
  notes: number;
  /** The root modules checked, each a configuration of its own (their directories). */
  roots?: string[];
  /** The plans checked, each on its own. */
  plans?: string[];
  /** Files found beside the configuration that were not checked (only read by file()). */
  skipped?: number;
  /** Secrets whose cross-account checks were not decided because no owner account is known. */
  owner_unknown_secrets?: number;
  /** Plan input, when access changes: per secret, who gains or loses it. */
  access_changes?: AccessChange[];
  /** The configuration file (grantcheck.toml) the run used (command line only). */
  config?: string;
  /** Findings the configuration suppressed: its [[ignore]] entries and `enabled = false`. */
  suppressed_by_config?: number;
  /** Findings inline `# grantcheck:ignore` comments suppressed. */
  suppressed_inline?: number;
}

/** The report that check() returns. */
export interface Report {
  version: 1;
  tool: { name: "grantcheck"; version: string };
  findings: Finding[];
  summary: Summary;
  /** Who can read each secret after apply: one entry per secret with a reader outside the owner account; absent when there is none. */
  access?: SecretAccess[];
}

/**
 * Who can read each secret after apply, as access() returns it and `grantcheck access --format json`
 * writes it: the report's `access` section, what the plan changes, and what could not be read or
 * decided, so that an empty `access` list is never taken for "no one can read".
 */
export interface AccessReport {
  version: 1;
  tool: { name: "grantcheck"; version: string };
  /** One entry per secret with a reader outside the owner account (present even when empty). */
  access: SecretAccess[];
  /** Plan input: per secret, the foreign accounts that gain or lose access. */
  access_changes?: AccessChange[];
  /** Secrets whose readers were not worked out because no owner account is known. */
  owner_unknown_secrets?: number;
  /** GC001 findings: what a value known only after apply (or not in the input) left undecided. */
  unresolved: Finding[];
  /** GC002 findings: inputs that could not be read; their secrets are missing from `access`. */
  errors: Finding[];
}

/** Options of markdown(): those of check(), and how the comment is written. */
export interface MarkdownOptions extends CheckOptions {
  /** Where the files are seen on the web, e.g. "https://github.com/o/r/blob/SHA/" (`--link-base`). */
  linkBase?: string;
  /** The severity at which the headline says the check fails (`--fail-on`); "error" by default. */
  failOn?: "error" | "warning" | "note" | "never";
}

/** A file to check: a plan JSON (`terraform show -json PLANFILE`) or a Terraform configuration file. */
export interface SourceInput {
  /** Shown in findings as `location.file`; `.tf`/`.tf.json` names mark configuration files. */
  path: string;
  text: string;
}

export interface CheckOptions {
  /** Accounts (12-digit ids) that own the checked resources; grants to other accounts are cross-account. */
  accounts?: string[];
}

/** A rule of the catalogue. */
export interface RuleInfo {
  code: string;
  name: string;
  /** The default severity. */
  severity: Severity;
  /** One line: what it flags. */
  summary: string;
  /** The documentation, in Markdown. */
  doc: string;
}

/** A SARIF 2.1.0 log (the parts grantcheck writes; see the SARIF specification for the rest). */
export interface SarifLog {
  $schema: string;
  version: "2.1.0";
  runs: Array<{
    tool: { driver: { name: string; version?: string; rules?: unknown[]; [key: string]: unknown } };
    results: Array<{ ruleId: string; level: string; message: { text: string }; [key: string]: unknown }>;
    [key: string]: unknown;
  }>;
}

/**
 * Checks the files and returns the report. Files that cannot be read as plan JSON or Terraform give
 * GC002 findings; arguments of the wrong shape throw an `Error`.
 */
export function check(files: readonly SourceInput[], options?: CheckOptions | null): Report;

/**
 * Checks the files and returns who can read each secret after apply, and through which links (the
 * same as `grantcheck access --format json`). Inputs that cannot be read are in `errors`.
 */
export function access(files: readonly SourceInput[], options?: CheckOptions | null): AccessReport;

/**
 * Checks the files and writes the report as a pull-request comment in Markdown (the same as
 * `grantcheck check --format markdown`): a headline verdict, who gains or loses access, the findings
 * by rule and resource, details folded, sensitive values masked, at most 60,000 characters.
 */
export function markdown(files: readonly SourceInput[], options?: MarkdownOptions | null): string;

/** The rule catalogue, in catalogue order. */
export function rules(): RuleInfo[];

/** Renders a report from check() as a SARIF 2.1.0 log (for GitHub code scanning and other viewers). */
export function toSarif(report: Report): SarifLog;

/** The version of grantcheck. */
export const version: string;

/**
 * What init() can load the module from: a URL (string or `URL`), a fetch `Response`, the module's
 * bytes (`ArrayBuffer`, typed array) or a compiled `WebAssembly.Module`. By default, the copy of the
 * module the package embeds (so that bundlers need no asset); give the URL of the .wasm file to
 * stream it instead. (Written without DOM types, so that Node-only projects compile.)
 */
export type InitInput = string | ArrayBuffer | ArrayBufferView | object;

/** Browsers and bundlers: loads the module; await it before the first call. In Node it does nothing. */
export default function init(input?: InitInput | Promise<InitInput>): Promise<void>;

/** Loads the module synchronously from its bytes or a compiled `WebAssembly.Module` (workers). In Node it does nothing. */
export function initSync(input?: ArrayBuffer | ArrayBufferView | object): void;
