// The plan viewer: reads the chosen files in the page, checks them with the wasm core, and shows
// the findings, the resources by module and the access map. Nothing leaves the page.
import init, { check, toSarif, version } from "../web.js";
import * as glue from "../dist/grantcheck_wasm.js";
import { ACTIONS, accessGraph, isPlan, moduleOf, planResources } from "./plan.js";
import { buildMap, drawMap, kindName, mentions } from "./accessmap.js";

const $ = (id) => document.getElementById(id);
const CHUNK = 250;
const MASK = "(sensitive value)";
const SNIPPET_MAX = 1500;
const INPUT_NAME = /\.(json|tf|tfvars|hcl)$/i;

/** What is loaded: the files, the report, the resource list and the sensitive spans per file. */
let current = null;

function setStatus(text, error = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", error);
}

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

const nextFrame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));

// --- loading ---------------------------------------------------------------------------------

async function readFiles(list) {
  const files = [];
  for (const { file, path } of list) {
    if (!INPUT_NAME.test(file.name)) continue;
    files.push({ path, text: await file.text() });
  }
  return files;
}

function ownerAccounts() {
  const raw = $("accounts").value.trim();
  if (!raw) return [];
  const ids = raw.split(/[\s,]+/).filter(Boolean);
  const bad = ids.filter((a) => !/^\d{12}$/.test(a));
  if (bad.length) throw new Error(`not a 12-digit account id: ${bad.join(", ")}`);
  return ids;
}

async function load(list) {
  const t0 = performance.now();
  try {
    setStatus("Reading…");
    const files = await readFiles(list);
    if (files.length === 0) {
      setStatus("None of these files is a plan JSON or a Terraform file (.json, .tf, .tfvars).", true);
      return;
    }
    await run(files, t0);
  } catch (e) {
    setStatus(`Cannot check these files: ${e.message}`, true);
    document.body.dataset.state = "error";
  }
}

async function run(files, t0 = performance.now()) {
  document.body.dataset.state = "checking";
  const accounts = ownerAccounts();
  setStatus(`Checking ${files.length} file${files.length === 1 ? "" : "s"}…`);
  await nextFrame();
  const plans = [];
  for (const f of files) {
    if (!/\.json$/i.test(f.path) || /\.tf\.json$/i.test(f.path)) continue;
    try {
      const v = JSON.parse(f.text);
      if (isPlan(v)) plans.push(v);
    } catch {
      // Not JSON: the core reports it (GC002).
    }
  }
  const tRead = performance.now();
  const report = check(files, { accounts });
  const tCheck = performance.now();
  current = { files, report, plans, accounts, sensitive: sensitiveSpans(files), timings: {} };
  current.resources = resourceList(plans, report);
  renderSummary();
  renderFindings();
  renderFilters();
  renderResources();
  document.body.dataset.state = "checked";
  const tRender = performance.now();
  current.timings = { read: tRead - t0, check: tCheck - tRead, render: tRender - tCheck, total: tRender - t0 };
  document.body.dataset.firstRenderMs = String(Math.round(tRender - t0));
  $("recheck").disabled = false;
  setStatus(
    `Checked ${files.length} file${files.length === 1 ? "" : "s"} in ${Math.round(tRender - t0)} ms: ` +
      `${report.findings.length} finding${report.findings.length === 1 ? "" : "s"}, ${current.resources.length} resources.`,
  );
  const drawLater = window.requestIdleCallback ?? ((cb) => setTimeout(cb, 0));
  drawLater(() => renderMap(), { timeout: 500 });
}

/** The spans each file marks sensitive (UTF-16), or null when the core cannot say: then no snippets. */
function sensitiveSpans(files) {
  if (typeof glue.sensitiveJson !== "function") return null;
  try {
    const byFile = new Map(files.map((f) => [f.path, []]));
    for (const s of JSON.parse(glue.sensitiveJson(files))) byFile.get(s.file)?.push(s);
    return byFile;
  } catch {
    return null;
  }
}

/** Plan resources with their actions; for configuration input, the resources the report names. */
function resourceList(plans, report) {
  const list = plans.flatMap(planResources);
  const known = new Set(list.map((r) => r.address));
  for (const f of report.findings) {
    for (const a of [f.resource, ...(f.related ?? [])]) {
      if (a && !known.has(a)) {
        known.add(a);
        list.push({ address: a, module: moduleOf(a), type: "", action: plans.length ? "no-op" : "config", tagOnly: false });
      }
    }
  }
  const findings = new Map();
  for (const f of report.findings) {
    if (!f.resource) continue;
    if (!findings.has(f.resource)) findings.set(f.resource, []);
    findings.get(f.resource).push(f);
  }
  for (const r of list) r.findings = findings.get(r.address) ?? [];
  list.sort((a, b) => a.module.localeCompare(b.module));
  return list;
}

// --- findings --------------------------------------------------------------------------------

function findingElement(f, { snippetOpen }) {
  const where = f.location ? `${f.location.file}:${f.location.start.line}:${f.location.start.column}` : "";
  const art = h(
    "article",
    { class: `finding sev-${f.severity}`, "data-rule": f.rule, "data-resource": f.resource, "data-severity": f.severity },
    h(
      "div",
      { class: "head" },
      h("span", { class: "sev" }, f.severity),
      h("span", { class: "rule" }, `${f.rule} ${f.name}`),
      f.resource ? h("code", { class: "where" }, f.resource) : null,
      f.change ? h("span", { class: "change" }, f.change) : null,
    ),
    h("p", { class: "message" }, f.message),
    f.help ? h("p", { class: "help" }, `Fix: ${f.help}`) : null,
  );
  const places = [];
  if (f.location) places.push({ label: `${where}${f.policy_path ? ` (${f.policy_path})` : ""}`, location: f.location });
  for (const r of f.related_locations ?? []) places.push({ label: r.message, location: r.location });
  if (places.length === 0) return art;
  const fill = (box) => {
    for (const p of places) box.append(h("div", { class: "where" }, p.label), snippet(p.location));
  };
  if (snippetOpen) {
    fill(art);
  } else {
    const d = h("details", {}, h("summary", {}, "Policy snippet"));
    d.addEventListener("toggle", () => d.open && d.childElementCount === 1 && fill(d), { once: false });
    art.append(d);
  }
  return art;
}

/** The text at `location`, with the spans the input marks sensitive masked. */
function snippet(location) {
  const file = current.files.find((f) => f.path === location.file);
  if (!file) return h("pre", {}, "(the file is not loaded)");
  if (!current.sensitive) return h("pre", {}, "(snippets are unavailable: this build cannot say which values are sensitive)");
  const start = location.start.utf16;
  const end = Math.min(location.end.utf16, start + SNIPPET_MAX);
  const spans = current.sensitive.get(file.path) ?? [];
  const pre = h("pre", {});
  const code = h("code", {});
  pre.append(code);
  const inString = /\.json$/i.test(file.path);
  const plain = (text) => {
    if (!inString) return text;
    try {
      return JSON.parse(`"${text}"`);
    } catch {
      return text;
    }
  };
  // First span that ends after `start` (spans are sorted and merged).
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid].end <= start) lo = mid + 1;
    else hi = mid;
  }
  let pos = start;
  for (let i = lo; i < spans.length && spans[i].start < end; i++) {
    const s = Math.max(spans[i].start, start);
    if (s > pos) code.append(plain(file.text.slice(pos, s)));
    code.append(h("mark", { title: "masked: the input marks this value sensitive" }, MASK));
    pos = Math.max(pos, Math.min(spans[i].end, end));
  }
  if (pos < end) code.append(plain(file.text.slice(pos, end)));
  if (end < location.end.utf16) code.append(" …");
  return pre;
}

function renderFindings() {
  const list = $("findings");
  const frag = document.createDocumentFragment();
  for (const f of current.report.findings) frag.append(h("li", {}, findingElement(f, { snippetOpen: false })));
  list.replaceChildren(frag);
  $("findings-title").textContent = `Findings (${current.report.findings.length})`;
  $("findings-section").hidden = false;
}

function renderSummary() {
  const s = current.report.summary;
  const items = [
    ["files", s.files],
    ["resources", s.resources],
    ["policies", s.policies],
    ["errors", s.errors],
    ["warnings", s.warnings],
    ["notes", s.notes],
    ["grantcheck", version],
  ];
  $("summary").replaceChildren(...items.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, String(v)))));
  const changes = s.access_changes ?? [];
  const box = $("changes");
  box.replaceChildren();
  if (changes.length) {
    const gained = new Set(changes.flatMap((c) => c.gained));
    const lost = new Set(changes.flatMap((c) => c.lost));
    box.append(
      h(
        "p",
        {},
        `This plan changes who can reach ${changes.length} secret${changes.length === 1 ? "" : "s"}. ` +
          `Gaining access: ${[...gained].sort().join(", ") || "none"}. Losing access: ${[...lost].sort().join(", ") || "none"}.`,
      ),
    );
  }
  $("summary-section").hidden = false;
}

// --- resources -------------------------------------------------------------------------------

function renderFilters() {
  const present = new Set(current.resources.map((r) => r.action));
  const box = $("action-filters");
  const kept = new Map([...box.querySelectorAll("input")].map((i) => [i.value, i.checked]));
  box.replaceChildren(
    ...[...ACTIONS, "config"]
      .filter((a) => present.has(a))
      .map((a) => {
        const n = current.resources.filter((r) => r.action === a).length;
        return h(
          "label",
          {},
          h("input", { type: "checkbox", name: "action", value: a, checked: kept.get(a) ?? true }),
          ` ${a === "config" ? "configuration" : a} (${n})`,
        );
      }),
  );
}

function filtered() {
  const form = $("filters");
  const actions = new Set([...form.querySelectorAll("input[name=action]:checked")].map((i) => i.value));
  const severities = new Set([...form.querySelectorAll("input[name=severity]:checked")].map((i) => i.value));
  const hideTags = $("hide-tags").checked;
  return current.resources.filter((r) => {
    if (!actions.has(r.action)) return false;
    if (hideTags && r.tagOnly) return false;
    if (r.findings.length === 0) return severities.has("none");
    return r.findings.some((f) => severities.has(f.severity));
  });
}

let observer = null;

function renderResources() {
  const rows = filtered();
  const box = $("resources");
  box.replaceChildren();
  $("resource-count").textContent = `${rows.length} of ${current.resources.length} resources shown`;
  $("resources-section").hidden = false;
  let shown = 0;
  let lastModule = null;
  const more = () => {
    const frag = document.createDocumentFragment();
    const stop = Math.min(rows.length, shown + CHUNK);
    for (; shown < stop; shown++) {
      const r = rows[shown];
      if (r.module !== lastModule) {
        lastModule = r.module;
        frag.append(h("h3", { class: "module" }, r.module || "root module"));
      }
      frag.append(resourceElement(r));
    }
    box.append(frag);
    if (shown >= rows.length) observer?.disconnect();
  };
  observer?.disconnect();
  observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && more(), { rootMargin: "800px" });
  more();
  if (shown < rows.length) observer.observe($("more"));
  applySeverityToFindings();
}

function resourceElement(r) {
  const div = h(
    "div",
    { class: "resource", "data-address": r.address, "data-action": r.action },
    h(
      "div",
      { class: "head" },
      h("span", { class: `action ${r.action}` }, r.action === "config" ? "config" : r.action),
      h("span", { class: "address" }, r.address),
      r.tagOnly ? h("span", { class: "tag-only" }, "tags only") : null,
      ...["error", "warning", "note"].map((s) => {
        const n = r.findings.filter((f) => f.severity === s).length;
        return n ? h("span", { class: `sev ${s}` }, `${n} ${s}${n === 1 ? "" : "s"}`) : null;
      }),
    ),
  );
  for (const f of r.findings) div.append(findingElement(f, { snippetOpen: true }));
  return div;
}

function applySeverityToFindings() {
  const severities = new Set([...$("filters").querySelectorAll("input[name=severity]:checked")].map((i) => i.value));
  for (const art of $("findings").querySelectorAll(".finding")) {
    art.parentElement.hidden = !severities.has(art.dataset.severity);
  }
}

// --- access map ------------------------------------------------------------------------------

function renderMap() {
  if (!current) return;
  const owners = new Set(current.accounts);
  const graphs = current.plans.map(accessGraph);
  for (const g of graphs) if (current.accounts.length === 0) g.allowedAccounts.forEach((a) => owners.add(a));
  const merged = {
    policies: graphs.flatMap((g) => g.policies),
    secrets: new Map(graphs.flatMap((g) => [...g.secrets])),
    keys: new Map(graphs.flatMap((g) => [...g.keys])),
  };
  const map = buildMap(merged, current.report.findings, owners);
  $("map-section").hidden = false;
  $("map-empty").hidden = map.nodes.length > 0;
  if (current.plans.length === 0) {
    $("map-empty").textContent = "The access map is drawn from a plan JSON; load one to see it.";
    $("map-empty").hidden = false;
  }
  drawMap($("map"), map, showNode);
  $("node-findings").replaceChildren();
  document.body.dataset.map = "ready";
}

function showNode(n, g) {
  for (const s of $("map").querySelectorAll(".node.selected")) s.classList.remove("selected");
  g.classList.add("selected");
  const fs = current.report.findings.filter((f) =>
    n.kind === "account"
      ? mentions(f.message, n.account)
      : n.address
        ? f.resource === n.address || (f.related ?? []).includes(n.address)
        : n.id === "key:aws-managed"
          ? f.rule === "XA002"
          : false,
  );
  const box = $("node-findings");
  box.replaceChildren(
    h("h3", {}, `${kindName(n.kind)} ${n.label}: ${fs.length} finding${fs.length === 1 ? "" : "s"}`),
    h("ol", { class: "findings" }, ...fs.map((f) => h("li", {}, findingElement(f, { snippetOpen: false })))),
  );
  box.focus({ preventScroll: true });
}

// --- downloads -------------------------------------------------------------------------------

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// --- drag and drop ---------------------------------------------------------------------------

async function entryFiles(entry, out) {
  if (entry.isFile) {
    const file = await new Promise((res, rej) => entry.file(res, rej));
    out.push({ file, path: entry.fullPath.replace(/^\//, "") });
  } else if (entry.isDirectory && entry.name !== ".terraform" && entry.name !== ".git") {
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
      if (batch.length === 0) break;
      for (const e of batch) await entryFiles(e, out);
    }
  }
  return out;
}

async function dropped(ev) {
  const items = [...(ev.dataTransfer?.items ?? [])];
  const entries = items.map((i) => i.webkitGetAsEntry?.()).filter(Boolean);
  if (entries.length) {
    const out = [];
    for (const e of entries) await entryFiles(e, out);
    return out;
  }
  return [...(ev.dataTransfer?.files ?? [])].map((file) => ({ file, path: file.name }));
}

// --- start -----------------------------------------------------------------------------------

function wire() {
  $("files").addEventListener("change", () => load([...$("files").files].map((file) => ({ file, path: file.name }))));
  $("folder").addEventListener("change", () =>
    load(
      [...$("folder").files]
        .filter((file) => !/(^|\/)\.(terraform|git)\//.test(file.webkitRelativePath))
        .map((file) => ({ file, path: file.webkitRelativePath || file.name })),
    ),
  );
  const drop = $("drop");
  document.addEventListener("dragover", (ev) => {
    ev.preventDefault();
    drop.classList.add("over");
  });
  document.addEventListener("dragleave", (ev) => {
    if (ev.relatedTarget === null) drop.classList.remove("over");
  });
  document.addEventListener("drop", async (ev) => {
    ev.preventDefault();
    drop.classList.remove("over");
    load(await dropped(ev));
  });
  $("recheck").addEventListener("click", () => {
    if (!current) return;
    run(current.files).catch((e) => setStatus(`Cannot check these files: ${e.message}`, true));
  });
  $("filters").addEventListener("change", () => current && renderResources());
  $("filters").addEventListener("submit", (ev) => ev.preventDefault());
  $("download-json").addEventListener("click", () =>
    download("grantcheck-report.json", `${JSON.stringify(current.report, null, 2)}\n`, "application/json"),
  );
  $("download-sarif").addEventListener("click", () =>
    download("grantcheck.sarif", `${JSON.stringify(toSarif(current.report), null, 2)}\n`, "application/sarif+json"),
  );
}

wire();
try {
  await init();
  $("files").disabled = false;
  $("folder").disabled = false;
  setStatus(`Ready (grantcheck ${version}). Choose or drop a plan JSON or Terraform files.`);
  document.body.dataset.state = "ready";
} catch (e) {
  setStatus(`The checker could not be loaded: ${e.message}`, true);
  document.body.dataset.state = "error";
}
