// What the viewer shows of a plan JSON itself, for presentation only: the resource list with the
// actions Terraform plans, and the values of policy attributes before and after the change. Who can
// read what, and every finding, come from the core's report; nothing here analyses a policy.

export const ACTIONS = ["create", "update", "replace", "delete", "read", "no-op"];

const TAG_KEYS = new Set(["tags", "tags_all"]);
/** Attributes whose value the viewer shows before and after: `policy` and others named `…_policy`. */
const POLICY_ATTRIBUTE = /(^|_)policy$/;

/** Is `value` a parsed `terraform show -json` plan? */
export function isPlan(value) {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    (Array.isArray(value.resource_changes) || "planned_values" in value || "format_version" in value)
  );
}

/** The viewer's name for a change's actions. */
export function actionOf(actions) {
  if (!Array.isArray(actions) || actions.length === 0) return "no-op";
  if (actions.length === 2 && actions.includes("create") && actions.includes("delete")) return "replace";
  const a = actions[0];
  return ACTIONS.includes(a) ? a : "no-op";
}

/** The module part of a resource address ("" for the root module). */
export function moduleOf(address) {
  let i = 0;
  let end = 0;
  while (address.startsWith("module.", i)) {
    let j = i + "module.".length;
    while (j < address.length && address[j] !== "." && address[j] !== "[") j++;
    if (address[j] === "[") {
      j = closingBracket(address, j);
      if (j < 0) break;
      j++;
    }
    if (address[j] !== ".") break;
    end = j;
    i = j + 1;
  }
  return address.slice(0, end);
}

function closingBracket(s, open) {
  let inString = false;
  for (let k = open + 1; k < s.length; k++) {
    const c = s[k];
    if (inString) {
      if (c === "\\") k++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "]") return k;
  }
  return -1;
}

/** An update that changes nothing but tags. */
export function isTagOnly(change) {
  if (actionOf(change?.actions) !== "update") return false;
  const before = objectOr(change.before);
  const after = objectOr(change.after);
  const unknown = objectOr(change.after_unknown);
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (TAG_KEYS.has(key)) continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) return false;
  }
  for (const [key, v] of Object.entries(unknown)) {
    if (!TAG_KEYS.has(key) && v === true) return false;
  }
  return true;
}

function objectOr(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? v : {};
}

/** The resources of a plan: [{address, module, type, action, tagOnly}] in plan order. */
export function planResources(plan) {
  const out = [];
  for (const rc of plan.resource_changes ?? []) {
    if (typeof rc?.address !== "string") continue;
    out.push({
      address: rc.address,
      module: typeof rc.module_address === "string" ? rc.module_address : moduleOf(rc.address),
      type: String(rc.type ?? ""),
      action: actionOf(rc.change?.actions),
      tagOnly: isTagOnly(rc.change),
    });
  }
  return out;
}

/** The plan's changes by resource address. */
export function changesByAddress(plan) {
  const out = new Map();
  for (const rc of plan.resource_changes ?? []) {
    if (typeof rc?.address === "string" && rc.change && typeof rc.change === "object") out.set(rc.address, rc);
  }
  return out;
}

/** Is `attr` marked sensitive in a plan's `before_sensitive` / `after_sensitive` value? */
function marked(sensitive, attr) {
  if (sensitive === true) return true;
  const v = objectOr(sensitive)[attr];
  // A nested marker (an object or list with entries) masks the whole value: fail closed.
  return v !== undefined && v !== false && !(v && typeof v === "object" && Object.keys(v).length === 0);
}

/**
 * A value as the viewer shows it: `{kind: "absent" | "unknown" | "sensitive" | "value", text}`. A
 * string holding JSON is pretty-printed; a value the plan marks sensitive has no text.
 */
function shown(values, hidden, unknown, attr) {
  if (hidden) return { kind: "sensitive", text: "" };
  if (unknown === true || objectOr(unknown)[attr] === true) return { kind: "unknown", text: "" };
  const v = objectOr(values)[attr];
  if (v === undefined || v === null || v === "") return { kind: "absent", text: "" };
  if (typeof v === "string") {
    try {
      return { kind: "value", text: JSON.stringify(JSON.parse(v), null, 2) };
    } catch {
      return { kind: "value", text: v };
    }
  }
  return { kind: "value", text: JSON.stringify(v, null, 2) };
}

/**
 * The policy attributes of a resource change, before and after: [{attribute, before, after}], each
 * side as `shown` gives it. Attributes absent on both sides are left out.
 */
export function policyValues(rc) {
  const c = rc?.change;
  if (!c) return [];
  const names = new Set(
    [...Object.keys(objectOr(c.before)), ...Object.keys(objectOr(c.after)), ...Object.keys(objectOr(c.after_unknown))].filter((k) =>
      POLICY_ATTRIBUTE.test(k),
    ),
  );
  // A policy is a document (a string or an object), not a flag such as block_public_policy.
  const scalar = (v) => v === undefined || v === null || typeof v === "boolean" || typeof v === "number";
  const out = [];
  for (const attribute of [...names].sort()) {
    if (scalar(objectOr(c.before)[attribute]) && scalar(objectOr(c.after)[attribute]) && objectOr(c.after_unknown)[attribute] !== true) continue;
    // A value marked sensitive on either side is masked on both: older plans have no before_sensitive.
    const hidden = marked(c.before_sensitive, attribute) || marked(c.after_sensitive, attribute);
    const before = c.before === null ? { kind: "absent", text: "" } : shown(c.before, hidden, undefined, attribute);
    const after = c.after === null ? { kind: "absent", text: "" } : shown(c.after, hidden, c.after_unknown, attribute);
    if (before.kind === "absent" && after.kind === "absent") continue;
    out.push({ attribute, before, after });
  }
  return out;
}

/**
 * A line diff of `a` and `b` (arrays of lines): for each side, whether each line is kept. Longer
 * inputs than `limit` lines a side are not compared (every line counts as changed).
 */
export function lineDiff(a, b, limit = 600) {
  const keptA = new Array(a.length).fill(false);
  const keptB = new Array(b.length).fill(false);
  if (a.length > limit || b.length > limit) return { keptA, keptB };
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      keptA[i++] = true;
      keptB[j++] = true;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) i++;
    else j++;
  }
  return { keptA, keptB };
}
