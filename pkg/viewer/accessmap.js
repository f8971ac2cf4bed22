// The access map: the report's `access` section drawn as it is, one path per reader and secret —
// the principal, each link a read of the secret's value needs with its state, the secret — grouped
// by account or by module. Every state and verdict is the core's; this module decides none.

import { breakable, h, paged } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
/** Rows drawn at once in a group; the rest come with "Show more". */
const PAGE = 100;
/** Past this many paths, groups start closed. */
const OPEN_LIMIT = 200;

/** How a link state is shown: a mark and a word beside the colour and the line style. */
export const STATES = {
  holds: { mark: "✓", text: "holds" },
  broken: { mark: "✗", text: "broken" },
  unresolved: { mark: "?", text: "unresolved" },
};
export const VERDICTS = {
  reads: { mark: "✓", text: "reads" },
  "cannot-read": { mark: "✗", text: "cannot read" },
  unresolved: { mark: "?", text: "unresolved" },
};
const LINK_NAMES = {
  "secret-policy": "secret policy",
  key: "key",
  "key-policy": "key policy",
  "identity-policy": "identity policy",
};

/** The name shown for a link kind; kinds this viewer does not know are shown as the report names them. */
export function linkName(kind) {
  return LINK_NAMES[kind] ?? String(kind);
}

function stateOf(s) {
  return STATES[s] ?? { mark: "!", text: String(s) };
}

function verdictOf(v) {
  return VERDICTS[v] ?? { mark: "!", text: String(v) };
}

/** The paths of a report: one per (secret, reader) of its `access` section, in report order. */
export function pathsOf(report, moduleOf) {
  const out = [];
  for (const entry of report.access ?? []) {
    for (const r of entry.readers ?? []) {
      out.push({
        id: out.length,
        secret: String(entry.secret),
        module: moduleOf(String(entry.secret)),
        principal: String(r.principal),
        account: String(r.account),
        conditions: Array.isArray(r.conditions) ? r.conditions : [],
        verdict: String(r.verdict),
        brokenAt: r.broken_at ?? null,
        links: Array.isArray(r.links) ? r.links : [],
        search: `${r.principal}\n${r.account}\n${entry.secret}`.toLowerCase(),
      });
    }
  }
  return out;
}

function svg(name, attrs) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function counts(paths) {
  const c = { reads: 0, "cannot-read": 0, unresolved: 0 };
  for (const p of paths) c[p.verdict] = (c[p.verdict] ?? 0) + 1;
  return c;
}

function countText(c) {
  return Object.entries(c)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${verdictOf(v).mark} ${n} ${verdictOf(v).text}`)
    .join(" · ");
}

/**
 * The access map in `els` (see index.html: map, index, selection, search, group, verdict inputs,
 * zoom). `onLink(path, link, row, button)` opens a link's detail below its row; `onFindings(text)`, when
 * given, shows the findings that name the chosen account, module or secret.
 */
export function createAccessMap(els, { onLink, onFindings = null }) {
  let paths = [];
  /** {kind: "account" | "secret" | "module", value} or null */
  let selection = null;
  let zoom = 1;
  /** Each group's function that draws its first rows. */
  const drawers = new WeakMap();

  function filters() {
    const q = els.search.value.trim().toLowerCase();
    const verdicts = new Set([...els.verdicts.querySelectorAll("input:checked")].map((i) => i.value));
    const group = els.group.querySelector("input:checked")?.value ?? "account";
    return { q, verdicts, group };
  }

  function visible() {
    const { q, verdicts } = filters();
    return paths.filter(
      (p) =>
        (!selection || p[selection.kind] === selection.value) &&
        (verdicts.has(p.verdict) || !(p.verdict in VERDICTS)) &&
        (!q || p.search.includes(q)),
    );
  }

  function select(kind, value) {
    selection = kind ? { kind, value } : null;
    render();
    els.map.focus({ preventScroll: false });
  }

  function renderSelection(shown) {
    const box = els.selection;
    box.replaceChildren();
    if (!selection) {
      box.append(h("span", {}, `${shown} of ${paths.length} paths shown. Choose an account, a module or a secret to see only its paths.`));
      return;
    }
    const what = { account: "account", secret: "secret", module: "module" }[selection.kind];
    const clear = h("button", { type: "button", class: "clear" }, "Show all");
    clear.addEventListener("click", () => select(null));
    box.append(
      h("span", {}, `Only the paths of ${what} `, h("code", {}, selection.value || "(root module)"), `: ${shown} shown. `),
      clear,
    );
    if (onFindings && selection.value) {
      const value = selection.value;
      const findings = h("button", { type: "button", class: "to-findings" }, `Its findings`);
      findings.addEventListener("click", () => onFindings(value));
      box.append(" ", findings);
    }
  }

  function renderIndex() {
    const byAccount = new Map();
    const byModule = new Map();
    for (const p of paths) {
      if (!byAccount.has(p.account)) byAccount.set(p.account, []);
      byAccount.get(p.account).push(p);
      if (!byModule.has(p.module)) byModule.set(p.module, []);
      byModule.get(p.module).push(p);
    }
    const list = (kind, groups, label) =>
      h(
        "ul",
        {},
        ...[...groups]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([value, ps]) => {
            const b = h(
              "button",
              {
                type: "button",
                class: "pick",
                "data-pick": kind,
                "data-value": value,
                "aria-pressed": selection?.kind === kind && selection.value === value ? "true" : "false",
              },
              h("span", { class: "name" }, label(value)),
              h("span", { class: "counts" }, countText(counts(ps))),
            );
            b.addEventListener("click", () =>
              selection?.kind === kind && selection.value === value ? select(null) : select(kind, value),
            );
            return h("li", {}, b);
          }),
      );
    els.index.replaceChildren(
      h("h3", {}, `Accounts (${byAccount.size})`),
      list("account", byAccount, (a) => (a === "*" ? "* (everyone)" : a)),
      h("h3", {}, `Modules (${byModule.size})`),
      list("module", byModule, (m) => m || "root module"),
    );
  }

  function groupKey(p, group) {
    return group === "module" ? p.module : p.account;
  }

  function groupLabel(key, group) {
    if (group === "module") return key ? `Module ${key}` : "Root module";
    return key === "*" ? "Everyone (*)" : `Account ${key}`;
  }

  function render() {
    const shown = visible();
    const { group } = filters();
    const groups = new Map();
    // What cannot be read first, then what is unresolved, then what reads; else in report order.
    const rank = { "cannot-read": 0, unresolved: 1, reads: 2 };
    shown.sort((a, b) => (rank[a.verdict] ?? -1) - (rank[b.verdict] ?? -1) || a.id - b.id);
    for (const p of shown) {
      const k = groupKey(p, group);
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(p);
    }
    const open = shown.length <= OPEN_LIMIT || groups.size === 1;
    const frag = document.createDocumentFragment();
    for (const [key, ps] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      frag.append(groupElement(key, ps, group, open));
    }
    els.map.replaceChildren(frag);
    els.map.dataset.shown = String(shown.length);
    els.empty.hidden = shown.length > 0;
    els.empty.textContent = paths.length
      ? "No path matches the search and filters."
      : "No secret policy in this input grants a principal outside the owner account.";
    renderSelection(shown.length);
    renderIndex();
  }

  function groupElement(key, ps, group, open) {
    const d = h(
      "details",
      { class: "group", "data-group": key, "data-count": ps.length },
      h(
        "summary",
        {},
        h("span", { class: "group-name" }, groupLabel(key, group)),
        h("span", { class: "group-counts" }, `${ps.length} path${ps.length === 1 ? "" : "s"}: ${countText(counts(ps))}`),
      ),
    );
    const rows = h("div", { class: "rows", role: "list" });
    d.append(rows);
    const list = paged(rows, ps, rowElement, PAGE);
    const first = () => !list.started() && list.draw();
    drawers.set(d, first);
    d.addEventListener("toggle", () => d.open && first());
    if (open) {
      d.open = true;
      first();
    }
    return d;
  }

  function rowElement(p) {
    const v = verdictOf(p.verdict);
    const row = h("div", {
      class: `path verdict-${p.verdict}`,
      role: "listitem",
      "data-secret": p.secret,
      "data-principal": p.principal,
      "data-account": p.account,
      "data-verdict": p.verdict,
    });
    const principal = h(
      "button",
      { type: "button", class: "node principal", title: `${p.principal} (account ${p.account}): show only this account's paths` },
      h("span", { class: "kind" }, "reader"),
      h("span", { class: "name" }, breakable(p.principal)),
      p.principal !== p.account ? h("span", { class: "sub" }, p.account === "*" ? "everyone" : `account ${p.account}`) : null,
      ...p.conditions.map((c) => h("span", { class: "sub cond" }, `if ${c}`)),
    );
    principal.addEventListener("click", () => select("account", p.account));
    const links = h("ol", { class: "links", "aria-label": "links of this read" });
    for (const link of p.links) links.append(h("li", {}, linkElement(p, link, row)));
    const secret = h(
      "button",
      { type: "button", class: "node secret", title: `${p.secret}: show only this secret's readers` },
      h("span", { class: "kind" }, "secret"),
      h("span", { class: "name" }, breakable(p.secret)),
    );
    secret.addEventListener("click", () => select("secret", p.secret));
    const verdict = h(
      "span",
      { class: "verdict" },
      h("span", { class: "mark", "aria-hidden": "true" }, v.mark),
      ` ${v.text}`,
      p.brokenAt ? h("span", { class: "sub", "data-link": p.brokenAt }, `at ${linkName(p.brokenAt)}`) : null,
    );
    row.append(principal, links, secret, verdict);
    return row;
  }

  function linkElement(p, link, row) {
    const s = stateOf(link.state);
    const b = h(
      "button",
      {
        type: "button",
        class: `link state-${link.state}`,
        "data-link": link.link,
        "data-state": link.state,
        title: link.message,
        "aria-label": `${linkName(link.link)}: ${s.text}. ${link.message}`,
        "aria-expanded": "false",
      },
      h("span", { class: "label" }, h("span", { class: "mark", "aria-hidden": "true" }, s.mark), ` ${linkName(link.link)}`),
      wire(),
      h("span", { class: "state" }, s.text),
    );
    b.addEventListener("click", () => onLink(p, link, row, b));
    return b;
  }

  function wire() {
    const e = svg("svg", { class: "wire", viewBox: "0 0 100 10", preserveAspectRatio: "none", "aria-hidden": "true" });
    e.append(svg("line", { x1: 0, y1: 5, x2: 94, y2: 5 }), svg("path", { d: "M92,1 L100,5 L92,9 Z" }));
    return e;
  }

  function setZoom(z) {
    zoom = Math.min(2, Math.max(0.5, Math.round(z * 10) / 10));
    els.map.style.setProperty("--zoom", String(zoom));
    els.zoomLevel.textContent = `${Math.round(zoom * 100)}%`;
  }

  let pending = null;
  els.search.addEventListener("input", () => {
    clearTimeout(pending);
    pending = setTimeout(render, 120);
  });
  els.search.addEventListener("keydown", (ev) => ev.key === "Enter" && (clearTimeout(pending), render()));
  els.verdicts.addEventListener("change", render);
  els.group.addEventListener("change", render);
  els.expand.addEventListener("click", () =>
    els.map.querySelectorAll("details.group").forEach((d) => {
      d.open = true;
      drawers.get(d)?.();
    }),
  );
  els.collapse.addEventListener("click", () => els.map.querySelectorAll("details.group").forEach((d) => (d.open = false)));
  els.zoomIn.addEventListener("click", () => setZoom(zoom + 0.1));
  els.zoomOut.addEventListener("click", () => setZoom(zoom - 0.1));
  els.zoomReset.addEventListener("click", () => setZoom(1));
  setZoom(1);

  return {
    show(report, moduleOf) {
      paths = pathsOf(report, moduleOf);
      selection = null;
      render();
      return paths.length;
    },
    select,
  };
}
