// What the viewer reads from a plan JSON itself: the resource list with actions, and the links
// between secret policies, secrets, KMS keys and key policies for the access map. Findings come
// from the core's report; this module only describes the plan.

export const ACTIONS = ["create", "update", "replace", "delete", "read", "no-op"];

const AWS_MANAGED_KEY = /^(alias\/aws\/secretsmanager|arn:aws[a-z-]*:kms:[^:]*:\d{12}:alias\/aws\/secretsmanager)$/;
const TAG_KEYS = new Set(["tags", "tags_all"]);

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

/** The configuration's references of each resource, by address without instance keys. */
function configReferences(plan) {
  const refs = new Map();
  const walk = (mod, prefix) => {
    if (!mod || typeof mod !== "object") return;
    for (const r of mod.resources ?? []) {
      if (typeof r?.address !== "string") continue;
      const byAttr = {};
      for (const [attr, expr] of Object.entries(objectOr(r.expressions))) {
        if (Array.isArray(expr?.references)) byAttr[attr] = expr.references.filter((x) => typeof x === "string");
      }
      refs.set(prefix + r.address, byAttr);
    }
    for (const [name, call] of Object.entries(objectOr(mod.module_calls))) {
      walk(call?.module, `${prefix}module.${name}.`);
    }
  };
  walk(plan.configuration?.root_module, "");
  return refs;
}

/** The address without instance keys: module.a["x"].aws_s3_bucket.b[0] → module.a.aws_s3_bucket.b */
function configAddress(address) {
  let out = "";
  for (let i = 0; i < address.length; i++) {
    if (address[i] === "[") {
      const j = closingBracket(address, i);
      if (j < 0) break;
      i = j;
    } else out += address[i];
  }
  return out;
}

/** The accounts and `*` that an Allow statement's principal names (from a parsed policy). */
export function principalAccounts(policy) {
  const out = new Set();
  const statements = Array.isArray(policy?.Statement) ? policy.Statement : policy?.Statement ? [policy.Statement] : [];
  for (const st of statements) {
    if (st?.Effect !== "Allow") continue;
    const p = st.Principal;
    if (p === "*") {
      out.add("*");
      continue;
    }
    const aws = p && typeof p === "object" ? p.AWS : undefined;
    for (const v of Array.isArray(aws) ? aws : aws === undefined ? [] : [aws]) {
      const a = accountOf(v);
      if (a) out.add(a);
    }
  }
  return out;
}

function accountOf(v) {
  if (typeof v !== "string") return null;
  if (v === "*") return "*";
  if (/^\d{12}$/.test(v)) return v;
  const m = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(v);
  return m ? m[1] : null;
}

function parsePolicy(text) {
  if (typeof text !== "string") return null;
  try {
    const p = JSON.parse(text);
    return p && typeof p === "object" ? p : null;
  } catch {
    return null;
  }
}

/**
 * The access graph of a plan: secret policies with the accounts they name, the secret each one
 * governs, each secret's KMS key (a resource, the AWS managed key, or unresolved) and each key's
 * policy. Sensitive or unknown values are not read: a policy the plan marks sensitive names no
 * accounts here.
 */
export function accessGraph(plan) {
  const rcs = (plan.resource_changes ?? []).filter((rc) => typeof rc?.address === "string" && rc.mode !== "data");
  const byAddress = new Map(rcs.map((rc) => [rc.address, rc]));
  const byArn = new Map();
  for (const rc of rcs) {
    const arn = rc.change?.after?.arn ?? rc.change?.before?.arn;
    if (typeof arn === "string") byArn.set(arn, rc.address);
  }
  const refs = configReferences(plan);
  const allowedAccounts = new Set();
  for (const p of Object.values(objectOr(plan.configuration?.provider_config))) {
    const ids = p?.expressions?.allowed_account_ids?.constant_value;
    if (Array.isArray(ids)) ids.filter((x) => typeof x === "string").forEach((x) => allowedAccounts.add(x));
  }

  /** The resource of type `type` that `rc`'s attribute `attr` points at, by ARN or by reference. */
  const target = (rc, attr, types) => {
    const value = rc.change?.after?.[attr] ?? rc.change?.before?.[attr];
    if (typeof value === "string" && byArn.has(value)) return byArn.get(value);
    if (typeof value === "string" && byAddress.has(value)) return value;
    const mine = refs.get(configAddress(rc.address))?.[attr] ?? [];
    const prefix = typeof rc.module_address === "string" && rc.module_address ? `${rc.module_address}.` : "";
    const index = rc.address.endsWith("]") ? rc.address.slice(rc.address.lastIndexOf("[")) : "";
    for (const ref of mine) {
      const parts = ref.split(".");
      if (parts.length < 2 || !types.includes(parts[0])) continue;
      const base = `${prefix}${parts[0]}.${parts[1].replace(/\[.*$/, "")}`;
      for (const candidate of [base, base + index]) {
        if (byAddress.has(candidate)) return candidate;
      }
    }
    return null;
  };

  const sensitive = (rc, attr) => {
    const s = rc.change?.after_sensitive;
    return s === true || (s && typeof s === "object" && s[attr] !== undefined && s[attr] !== false);
  };

  const secrets = new Map();
  const secretOf = (address) => {
    if (!secrets.has(address)) secrets.set(address, { address, key: null, keyState: "unresolved" });
    return secrets.get(address);
  };
  const policies = [];
  for (const rc of rcs) {
    if (rc.type === "aws_secretsmanager_secret_policy") {
      const policy = sensitive(rc, "policy") ? null : parsePolicy(rc.change?.after?.policy);
      const secret = target(rc, "secret_arn", ["aws_secretsmanager_secret"]);
      policies.push({ address: rc.address, secret, accounts: policy ? [...principalAccounts(policy)] : [] });
      if (secret) secretOf(secret);
    } else if (rc.type === "aws_secretsmanager_secret" && typeof rc.change?.after?.policy === "string") {
      const policy = sensitive(rc, "policy") ? null : parsePolicy(rc.change.after.policy);
      if (policy) policies.push({ address: rc.address, secret: rc.address, accounts: [...principalAccounts(policy)], inline: true });
    }
  }
  const keyPolicies = new Map();
  for (const rc of rcs) {
    if (rc.type === "aws_kms_key_policy") {
      const key = target(rc, "key_id", ["aws_kms_key"]);
      if (key) keyPolicies.set(key, rc.address);
    }
  }
  for (const rc of rcs) {
    if (rc.type !== "aws_secretsmanager_secret") continue;
    const s = secretOf(rc.address);
    const after = rc.change?.after;
    const unknown = rc.change?.after_unknown?.kms_key_id === true;
    const kms = after?.kms_key_id;
    const key = target(rc, "kms_key_id", ["aws_kms_key", "aws_kms_alias"]);
    if (key) {
      const keyRc = byAddress.get(key);
      s.key = keyRc?.type === "aws_kms_alias" ? (target(keyRc, "target_key_id", ["aws_kms_key"]) ?? key) : key;
      s.keyState = "key";
    } else if (!unknown && (kms === null || kms === undefined || kms === "" || AWS_MANAGED_KEY.test(kms))) {
      s.keyState = "aws-managed";
    }
  }
  const keys = new Map();
  for (const s of secrets.values()) {
    if (s.key && !keys.has(s.key)) {
      const rc = byAddress.get(s.key);
      const inline = typeof rc?.change?.after?.policy === "string" || rc?.change?.after_unknown?.policy === true;
      keys.set(s.key, { address: s.key, policy: keyPolicies.get(s.key) ?? (inline ? `${s.key} (key policy)` : null) });
    }
  }
  return { policies, secrets, keys, allowedAccounts: [...allowedAccounts] };
}
