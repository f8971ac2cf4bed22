// The plan viewer: reads the chosen files in the page, checks them with the wasm core, and shows
// the report: input errors, who can read each secret (the report's access section), the findings
// and the resources by module. Every decision is the core's. Nothing leaves the page.
import init, { check, toSarif, version } from "../web.js";
import * as glue from "../dist/grantcheck_wasm.js";
import { ACTIONS, changesByAddress, isPlan, lineDiff, moduleOf, planResources, policyValues } from "./plan.js";
import { createAccessMap, linkName, STATES } from "./accessmap.js";
import { h, paged } from "./dom.js";

const $ = (id) => document.getElementById(id);
const CHUNK = 250;
const MASK = "(sensitive value)";
const SNIPPET_MAX = 1500;
/** Characters of context shown on each side of a location (plan JSON is often one long line). */
const CONTEXT = 240;
const FINDINGS_PAGE = 100;
/** The rule of input errors: a file that could not be read. */
const INPUT_ERROR = "GC002";
const INPUT_NAME = /\.(json|tf|tfvars|hcl)$/i;

/** What is loaded: the files, the report, the resource list and the sensitive spans per file. */
let current = null;

function setStatus(text, error = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", error);
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
  // The core checks that each is an account id.
  return raw.split(/[\s,]+/).filter(Boolean);
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
  delete document.body.dataset.map;
  const accounts = ownerAccounts();
  setStatus(`Checking ${files.length} file${files.length === 1 ? "" : "s"}…`);
  await nextFrame();
  const plans = [];
  for (const f of files) {
    if (!/\.json$/i.test(f.path) || /\.tf\.json$/i.test(f.path)) continue;
    try {
      const v = JSON.parse(f.text);
      if (isPlan(v)) plans.push({ path: f.path, changes: changesByAddress(v), resources: planResources(v) });
    } catch {
      // Not JSON: the core reports it (GC002).
    }
  }
  const tRead = performance.now();
  const report = check(files, { accounts });
  const tCheck = performance.now();
  current = { files, report, plans, accounts, sensitive: sensitiveSpans(files), timings: {} };
  current.resources = resourceList(plans, report);
  const inputErrors = report.findings.filter((f) => f.rule === INPUT_ERROR);
  renderSummary();
  renderInputErrors(inputErrors);
  renderFindings();
  renderFilters();
  renderResources();
  document.body.dataset.state = "checked";
  document.body.dataset.inputErrors = String(inputErrors.length);
  const tRender = performance.now();
  current.timings = { read: tRead - t0, check: tCheck - tRead, render: tRender - tCheck, total: tRender - t0 };
  document.body.dataset.firstRenderMs = String(Math.round(tRender - t0));
  $("recheck").disabled = false;
  const checked = `${files.length} file${files.length === 1 ? "" : "s"}`;
  const counts = `${report.findings.length} finding${report.findings.length === 1 ? "" : "s"}, ${current.resources.length} resources`;
  if (inputErrors.length) {
    const unread = new Set(inputErrors.map((f) => f.location?.file).filter(Boolean));
    setStatus(
      `Input error: ${inputErrors.length} problem${inputErrors.length === 1 ? "" : "s"} reading ` +
        `${unread.size || "the"} file${unread.size === 1 ? "" : "s"} (see "Input errors"); what could not be read is not checked. ` +
        `Checked ${checked}: ${counts}.`,
      true,
    );
  } else {
    setStatus(`Checked ${checked} in ${Math.round(tRender - t0)} ms: ${counts}.`);
  }
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
  const list = plans.flatMap((p) => p.resources);
  const known = new Set(list.map((r) => r.address));
  const named = [
    ...report.findings.flatMap((f) => [f.resource, ...(f.related ?? [])]),
    ...(report.access ?? []).map((a) => a.secret),
  ];
  for (const a of named) {
    if (a && !known.has(a)) {
      known.add(a);
      list.push({ address: a, module: moduleOf(a), type: "", action: plans.length ? "no-op" : "config", tagOnly: false });
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

function renderInputErrors(errors) {
  $("input-errors").replaceChildren(
    ...errors.map((f) =>
      h(
        "li",
        { "data-rule": f.rule },
        f.location ? h("code", {}, `${f.location.file}:${f.location.start.line}:${f.location.start.column}`) : null,
        f.location ? " " : null,
        f.message,
      ),
    ),
  );
  $("errors-section").hidden = errors.length === 0;
}

// --- source excerpts -------------------------------------------------------------------------

const lineStart = (text, pos) => text.lastIndexOf("\n", pos - 1) + 1;
const lineEnd = (text, pos) => {
  const i = text.indexOf("\n", pos);
  return i < 0 ? text.length : i;
};

/**
 * The source at `location` with two lines of context on each side (at most CONTEXT characters),
 * the located span highlighted and the spans the input marks sensitive masked.
 */
function excerpt(location) {
  const file = current.files.find((f) => f.path === location.file);
  if (!file) return h("pre", {}, "(the file is not loaded)");
  if (!current.sensitive) return h("pre", {}, "(excerpts are unavailable: this build cannot say which values are sensitive)");
  const text = file.text;
  const start = Math.min(location.start.utf16, text.length);
  const spanEnd = Math.min(location.end.utf16, start + SNIPPET_MAX, text.length);
  let from = lineStart(text, start);
  for (let n = 0; n < 2 && from > 0; n++) from = lineStart(text, from - 1);
  from = Math.max(from, start - CONTEXT);
  let to = lineEnd(text, spanEnd);
  for (let n = 0; n < 2 && to < text.length; n++) to = lineEnd(text, to + 1);
  to = Math.min(to, spanEnd + CONTEXT);
  const spans = current.sensitive.get(file.path) ?? [];
  const json = /\.json$/i.test(file.path);
  const code = h("code", {});
  if (from > lineStart(text, from)) code.append("…");
  appendMasked(code, text, spans, from, start, json);
  const mark = h("span", { class: "span" });
  appendMasked(mark, text, spans, start, spanEnd, json);
  code.append(mark);
  if (spanEnd < location.end.utf16) code.append(" …");
  appendMasked(code, text, spans, spanEnd, to, json);
  if (to < lineEnd(text, to)) code.append("…");
  return h("pre", { class: "excerpt" }, code);
}

/** Appends text[from, to) to `parent`, each sensitive span replaced by a mask. */
function appendMasked(parent, text, spans, from, to, json) {
  if (to <= from) return;
  // In a plan, a policy is a JSON string inside the JSON: shown unescaped where the piece allows.
  const plain = (s) => {
    if (!json) return s;
    for (const literal of [`"${s}"`, s]) {
      try {
        const v = JSON.parse(literal);
        if (typeof v === "string") return v;
      } catch {
        // not a string's content
      }
    }
    return s;
  };
  // First span that ends after `from` (spans are sorted and merged).
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid].end <= from) lo = mid + 1;
    else hi = mid;
  }
  let pos = from;
  for (let i = lo; i < spans.length && spans[i].start < to; i++) {
    const s = Math.max(spans[i].start, from);
    if (s > pos) parent.append(plain(text.slice(pos, s)));
    parent.append(h("mark", { title: "masked: the input marks this value sensitive" }, MASK));
    pos = Math.max(pos, Math.min(spans[i].end, to));
  }
  if (pos < to) parent.append(plain(text.slice(pos, to)));
}

const placeOf = (location) => `${location.file}:${location.start.line}:${location.start.column}`;

// --- findings --------------------------------------------------------------------------------

function findingElement(f, { sourceOpen = false } = {}) {
  const art = h(
    "article",
    {
      class: `finding sev-${f.severity}`,
      "data-rule": f.rule,
      "data-resource": f.resource,
      "data-severity": f.severity,
    },
    h(
      "div",
      { class: "head" },
      h("span", { class: "sev" }, f.severity),
      h("span", { class: "rule" }, `${f.rule} ${f.name}`),
      f.resource ? h("code", { class: "where" }, f.resource) : null,
      f.change ? h("span", { class: "change" }, f.change) : null,
      f.accounts?.length ? h("span", { class: "accounts" }, `accounts: ${f.accounts.join(", ")}`) : null,
    ),
    h("p", { class: "message" }, f.message),
    f.help ? h("p", { class: "help" }, `Fix: ${f.help}`) : null,
  );
  const places = [];
  if (f.location) places.push({ label: `${placeOf(f.location)}${f.policy_path ? ` (${f.policy_path})` : ""}`, location: f.location });
  for (const r of f.related_locations ?? []) places.push({ label: `${r.message}: ${placeOf(r.location)}`, location: r.location });
  if (places.length) {
    const d = h("details", { class: "source" }, h("summary", {}, "Source"));
    d.addEventListener("toggle", () => {
      if (d.open && d.childElementCount === 1) for (const p of places) d.append(h("div", { class: "where" }, p.label), excerpt(p.location));
    });
    art.append(d);
    if (sourceOpen) d.open = true;
  }
  const values = policyChanges(f);
  if (values.length) {
    const d = h("details", { class: "policy-change" }, h("summary", {}, "Policy before and after"));
    d.addEventListener("toggle", () => {
      if (d.open && d.childElementCount === 1) for (const v of values) d.append(beforeAfter(v));
    });
    art.append(d);
  }
  return art;
}

/** The policy values, before and after the plan, of the resources a finding names. */
function policyChanges(f) {
  const plan = current.plans.find((p) => p.path === f.location?.file) ?? (current.plans.length === 1 ? current.plans[0] : null);
  if (!plan) return [];
  const out = [];
  for (const address of new Set([f.resource, ...(f.related ?? [])])) {
    const rc = address ? plan.changes.get(address) : null;
    for (const v of rc ? policyValues(rc) : []) out.push({ address, ...v });
  }
  return out;
}

const NOT_SHOWN = {
  absent: "(none)",
  unknown: "(known after apply)",
  sensitive: MASK,
};

function beforeAfter(v) {
  const a = v.before.kind === "value" ? v.before.text.split("\n") : [];
  const b = v.after.kind === "value" ? v.after.text.split("\n") : [];
  const { keptA, keptB } = lineDiff(a, b);
  const side = (title, value, lines, kept, sign) => {
    const code = h("code", {});
    if (value.kind !== "value") code.append(h(value.kind === "sensitive" ? "mark" : "span", { class: "none" }, NOT_SHOWN[value.kind]));
    lines.forEach((line, i) => {
      code.append(
        kept[i]
          ? h("span", { class: "line" }, `  ${line}\n`)
          : h(sign === "-" ? "del" : "ins", { class: "line" }, `${sign} ${line}\n`),
      );
    });
    return h("div", { class: `side ${title.toLowerCase()}` }, h("div", { class: "side-title" }, title), h("pre", {}, code));
  };
  return h(
    "div",
    { class: "before-after", "data-address": v.address, "data-attribute": v.attribute },
    h("div", { class: "where" }, `${v.address}: ${v.attribute}`),
    h("div", { class: "sides" }, side("Before", v.before, a, keptA, "-"), side("After", v.after, b, keptB, "+")),
  );
}

function findingFilters() {
  const q = $("findings-search").value.trim().toLowerCase();
  const severities = new Set([...$("findings-severity").querySelectorAll("input:checked")].map((i) => i.value));
  const group = $("findings-group").querySelector("input:checked")?.value ?? "rule";
  return { q, severities, group };
}

function findingText(f) {
  return [f.rule, f.name, f.resource, ...(f.related ?? []), f.message, ...(f.accounts ?? []), f.location?.file ?? ""]
    .join("\n")
    .toLowerCase();
}

/** A list of findings drawn FINDINGS_PAGE at a time. */
function pagedFindings(fs) {
  const ol = h("ol", { class: "findings" });
  const box = h("div", {}, ol);
  const list = paged(ol, fs, (f) => h("li", {}, findingElement(f)), FINDINGS_PAGE);
  return { box, draw: list.draw, started: list.started };
}

function renderFindings() {
  const all = current.report.findings;
  current.findingText ??= new Map(all.map((f) => [f, findingText(f)]));
  for (const s of ["error", "warning", "note"]) {
    const n = all.filter((f) => f.severity === s).length;
    $("findings-severity").querySelector(`[data-n=${s}]`).textContent = `(${n})`;
  }
  const { q, severities, group } = findingFilters();
  const fs = all.filter((f) => severities.has(f.severity) && (!q || current.findingText.get(f).includes(q)));
  const box = $("findings");
  box.dataset.shown = String(fs.length);
  if (group === "none") {
    const list = pagedFindings(fs);
    list.draw();
    box.replaceChildren(list.box);
  } else {
    const groups = new Map();
    for (const f of fs) {
      const k = group === "rule" ? `${f.rule} ${f.name}` : f.resource || "(no resource)";
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(f);
    }
    const open = groups.size === 1 || fs.length <= 30;
    const frag = document.createDocumentFragment();
    for (const [k, members] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      const bySeverity = ["error", "warning", "note"]
        .map((s) => [s, members.filter((f) => f.severity === s).length])
        .filter(([, n]) => n > 0)
        .map(([s, n]) => h("span", { class: `sev ${s}` }, `${n} ${s}${n === 1 ? "" : "s"}`));
      const d = h(
        "details",
        { class: "group", "data-group": k, "data-count": members.length },
        h("summary", {}, h("span", { class: "group-name" }, k), h("span", { class: "group-counts" }, `${members.length}`), ...bySeverity),
      );
      const list = pagedFindings(members);
      d.append(list.box);
      const first = () => !list.started() && list.draw();
      d.addEventListener("toggle", () => d.open && first());
      if (open) {
        d.open = true;
        first();
      }
      frag.append(d);
    }
    box.replaceChildren(frag);
  }
  $("findings-count").textContent =
    fs.length === all.length ? `${all.length} finding${all.length === 1 ? "" : "s"}` : `${fs.length} of ${all.length} findings shown`;
  $("findings-title").textContent = `Findings (${all.length})`;
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
  for (const f of r.findings) div.append(findingElement(f, { sourceOpen: true }));
  return div;
}

// --- access map ------------------------------------------------------------------------------

let accessMap = null;

function renderMap() {
  if (!current) return;
  accessMap ??= createAccessMap(
    {
      map: $("map"),
      index: $("map-index"),
      selection: $("map-selection"),
      empty: $("map-empty"),
      search: $("map-search"),
      group: $("map-group"),
      verdicts: $("map-verdicts"),
      expand: $("map-expand"),
      collapse: $("map-collapse"),
      zoomIn: $("zoom-in"),
      zoomOut: $("zoom-out"),
      zoomReset: $("zoom-reset"),
      zoomLevel: $("zoom-level"),
    },
    {
      onLink: showLink,
      onFindings: (text) => {
        $("findings-search").value = text;
        renderFindings();
        $("findings-section").scrollIntoView();
      },
    },
  );
  $("map-section").hidden = false;
  accessMap.show(current.report, moduleOf);
  document.body.dataset.map = "ready";
}

/** A link's detail below its row: its state, what decides it, and the source where it is decided. */
function showLink(path, link, row, button) {
  const next = row.nextElementSibling;
  const wasOpen = next?.classList.contains("link-detail") && next.dataset.for === `${link.link}`;
  if (next?.classList.contains("link-detail")) next.remove();
  for (const b of row.querySelectorAll(".link[aria-expanded=true]")) b.setAttribute("aria-expanded", "false");
  if (wasOpen) return;
  button.setAttribute("aria-expanded", "true");
  const s = STATES[link.state] ?? { mark: "!", text: String(link.state) };
  const box = h(
    "div",
    { class: `link-detail state-${link.state}`, "data-for": link.link, role: "region", tabindex: "-1", "aria-label": `${linkName(link.link)} link` },
    h(
      "p",
      {},
      h("strong", {}, `${s.mark} ${linkName(link.link)}: ${s.text}. `),
      link.message,
    ),
    link.location ? h("div", { class: "where" }, `Decided at ${placeOf(link.location)}`) : h("div", { class: "where" }, "No place in the input decides it."),
    link.location ? excerpt(link.location) : null,
  );
  row.after(box);
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
  let typing = null;
  $("findings-search").addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => current && renderFindings(), 120);
  });
  $("findings-search").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && current) {
      clearTimeout(typing);
      renderFindings();
    }
  });
  for (const id of ["findings-group", "findings-severity"]) $(id).addEventListener("change", () => current && renderFindings());
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
