// Building DOM elements: h("p", {class: "x"}, "text", child) — attributes set with setAttribute
// (false, null and undefined leave one out), children appended (null, undefined and false skipped).

export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/**
 * Draws `items` into `container` `size` at a time (`render(item)` gives each one's element), with a
 * "Show more" button after the container while some are not drawn. `container` must be in a parent.
 */
export function paged(container, items, render, size) {
  let drawn = 0;
  const more = h("button", { type: "button", class: "more" });
  const draw = () => {
    const frag = document.createDocumentFragment();
    const stop = Math.min(items.length, drawn + size);
    for (; drawn < stop; drawn++) frag.append(render(items[drawn]));
    container.append(frag);
    more.remove();
    if (drawn < items.length) {
      more.textContent = `Show ${Math.min(size, items.length - drawn)} more (${items.length - drawn} not shown)`;
      container.after(more);
    }
  };
  more.addEventListener("click", draw);
  return { draw, started: () => drawn > 0 };
}

/** `text` with line-break opportunities after the separators of addresses and ARNs (. _ / : -). */
export function breakable(text) {
  const frag = document.createDocumentFragment();
  for (const part of String(text).split(/(?<=[._/:-])/)) frag.append(part, document.createElement("wbr"));
  return frag;
}
