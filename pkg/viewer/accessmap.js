// The access map: foreign accounts (and "*") → secret policies → secrets → KMS keys → key
// policies, drawn as SVG. Grants are coloured by what the report says about them: they work, the
// key blocks them (XA003), the secret uses the AWS managed key (XA002), or it cannot be decided.

const SVG = "http://www.w3.org/2000/svg";
export const STATES = {
  works: "works",
  blocked: "blocked by the key",
  "aws-managed": "AWS managed key",
  unresolved: "unresolved",
};
const WORST = ["aws-managed", "blocked", "unresolved", "works"];
const COLUMNS = ["Accounts", "Secret policies", "Secrets", "KMS keys", "Key policies"];
const ROW = 24;
const NODE_H = 18;
const NODE_W = 210;
const GAP = 40;
const TOP = 34;

function worst(states) {
  for (const s of WORST) if (states.includes(s)) return s;
  return "works";
}

/** Does a finding's message speak of `account` ("*" is "everyone")? */
export function mentions(message, account) {
  if (account === "*") return /everyone|"\*"/.test(message);
  return message.includes(account);
}

/**
 * The map's nodes and edges from the plan's access graph (plan.js) and the report's findings.
 * `owners`: the accounts that own the resources; every other account a policy names is foreign.
 */
export function buildMap(graph, findings, owners) {
  const bySecret = new Map();
  for (const f of findings) {
    if (!f.resource) continue;
    if (!bySecret.has(f.resource)) bySecret.set(f.resource, []);
    bySecret.get(f.resource).push(f);
  }
  const grantState = (secret, account) => {
    const s = secret ? graph.secrets.get(secret) : null;
    if (!s) return "unresolved";
    const fs = (bySecret.get(secret) ?? []).filter((f) => f.change !== "fixed" && mentions(f.message, account));
    if (fs.some((f) => f.rule === "XA002")) return "aws-managed";
    if (fs.some((f) => f.rule === "XA003")) return "blocked";
    if (fs.some((f) => f.rule === "GC001")) return "unresolved";
    if (s.keyState === "aws-managed") return "aws-managed";
    if (s.keyState === "unresolved") return "unresolved";
    return "works";
  };

  const nodes = new Map();
  const edges = [];
  const node = (id, kind, label, address) => {
    if (!nodes.has(id)) nodes.set(id, { id, kind, label, address, rows: [] });
    return nodes.get(id);
  };
  const policies = graph.policies
    .map((p) => ({ ...p, foreign: p.accounts.filter((a) => !owners.has(a)) }))
    .filter((p) => p.foreign.length > 0)
    .sort((a, b) => (a.secret ?? "~").localeCompare(b.secret ?? "~") || a.address.localeCompare(b.address));
  policies.forEach((p, row) => {
    const pn = node(`policy:${p.address}`, "policy", p.inline ? `${p.address} (policy)` : p.address, p.address);
    pn.rows.push(row);
    const states = [];
    for (const a of p.foreign) {
      const an = node(`account:${a}`, "account", a === "*" ? "* (everyone)" : a, null);
      an.account = a;
      an.rows.push(row);
      const st = grantState(p.secret, a);
      states.push(st);
      edges.push({ from: an.id, to: pn.id, state: st });
    }
    if (!p.secret) return;
    const sn = node(`secret:${p.secret}`, "secret", p.secret, p.secret);
    sn.rows.push(row);
    const st = worst(states);
    edges.push({ from: pn.id, to: sn.id, state: st });
    const s = graph.secrets.get(p.secret);
    let kn;
    if (s?.keyState === "key" && s.key) kn = node(`key:${s.key}`, "key", s.key, s.key);
    else if (s?.keyState === "aws-managed") kn = node("key:aws-managed", "key", "AWS managed key (aws/secretsmanager)", null);
    else kn = node("key:unresolved", "key", "key not in the plan or unknown", null);
    kn.rows.push(row);
    edges.push({ from: sn.id, to: kn.id, state: s?.keyState === "aws-managed" ? "aws-managed" : st });
    const k = s?.key ? graph.keys.get(s.key) : null;
    if (k?.policy) {
      const kp = node(`keypolicy:${k.policy}`, "keypolicy", k.policy, k.policy.endsWith(" (key policy)") ? k.address : k.policy);
      kp.rows.push(row);
      edges.push({ from: kn.id, to: kp.id, state: st });
    }
  });
  // One edge per pair, keeping the worst state.
  const merged = new Map();
  for (const e of edges) {
    const k = `${e.from}\u0000${e.to}`;
    const prev = merged.get(k);
    merged.set(k, prev ? { ...e, state: worst([prev.state, e.state]) } : e);
  }
  return { nodes: [...nodes.values()], edges: [...merged.values()], rows: policies.length };
}

/** Draws the map into `svg`; `onSelect(node)` runs when a node is clicked or activated by key. */
export function drawMap(svg, map, onSelect) {
  svg.replaceChildren();
  const column = { account: 0, policy: 1, secret: 2, key: 3, keypolicy: 4 };
  const pos = new Map();
  for (let c = 0; c < COLUMNS.length; c++) {
    const inColumn = map.nodes
      .filter((n) => column[n.kind] === c)
      .map((n) => ({ n, want: c === 0 ? TOP : TOP + (n.rows.reduce((a, b) => a + b, 0) / n.rows.length) * ROW }))
      .sort((a, b) => a.want - b.want);
    let next = TOP;
    for (const { n, want } of inColumn) {
      const y = Math.max(want, next);
      pos.set(n.id, { x: 10 + c * (NODE_W + GAP), y });
      next = y + ROW;
    }
  }
  let height = TOP + ROW;
  for (const p of pos.values()) height = Math.max(height, p.y + ROW);
  const width = 10 + COLUMNS.length * (NODE_W + GAP) - GAP + 10;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));

  const frag = document.createDocumentFragment();
  COLUMNS.forEach((name, c) => {
    const t = el("text", { x: 10 + c * (NODE_W + GAP), y: 18, class: "col-title" });
    t.textContent = name;
    frag.append(t);
  });
  const edgeLayer = el("g", { class: "edges" });
  for (const e of map.edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x;
    const y2 = b.y + NODE_H / 2;
    const mid = (x1 + x2) / 2;
    const path = el("path", {
      d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`,
      class: `edge state-${e.state}`,
      "data-state": e.state,
    });
    const title = el("title", {});
    title.textContent = STATES[e.state];
    path.append(title);
    edgeLayer.append(path);
  }
  frag.append(edgeLayer);
  const nodeLayer = el("g", { class: "nodes" });
  for (const n of map.nodes) {
    const p = pos.get(n.id);
    const attrs = {
      class: `node kind-${n.kind}`,
      "data-node": n.id,
      "data-kind": n.kind,
      tabindex: "0",
      role: "button",
      "aria-label": `${kindName(n.kind)} ${n.label}: show its findings`,
      transform: `translate(${p.x},${p.y})`,
    };
    if (n.kind === "account") attrs["data-account"] = n.account;
    const g = el("g", attrs);
    g.append(el("rect", { width: NODE_W, height: NODE_H, rx: 4 }));
    const text = el("text", { x: 6, y: 13 });
    const short = shortLabel(n);
    text.textContent = short.length > 31 ? `…${short.slice(-30)}` : short;
    const title = el("title", {});
    title.textContent = n.label;
    g.append(title, text);
    g.addEventListener("click", () => onSelect(n, g));
    g.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        onSelect(n, g);
      }
    });
    nodeLayer.append(g);
  }
  frag.append(nodeLayer);
  svg.append(frag);
}

/** The label without the resource type, which the column already says: module.a.s1 */
function shortLabel(n) {
  if (n.kind === "keypolicy" && n.label.endsWith(" (key policy)")) {
    return `${shortLabel({ address: n.address, label: n.address })} policy`;
  }
  if (!n.address || n.label !== n.address) return n.label;
  const m = /^(.*?)(?:aws_[a-z0-9_]+)\.([^.]+)$/.exec(n.address);
  return m ? `${m[1]}${m[2]}` : n.label;
}

export function kindName(kind) {
  return { account: "Account", policy: "Secret policy", secret: "Secret", key: "KMS key", keypolicy: "Key policy" }[kind];
}

function el(name, attrs) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}
