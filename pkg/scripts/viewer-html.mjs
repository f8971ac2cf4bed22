// Writes dist/viewer.html: the plan viewer as one self-contained file that works opened from disk
// (file://), where a page cannot load its modules or the .wasm file beside it. viewer/viewer.js and
// everything it imports, the embedded module included (dist/grantcheck_wasm_bytes.js), are bundled
// into one inline module script with esbuild; viewer.css is inlined; the favicon becomes a data: URL.
// Its Content-Security-Policy allows that script and that style by hash, WebAssembly compilation,
// and nothing else: no request leaves the page.
// Usage: node scripts/viewer-html.mjs   (run by scripts/build.mjs after dist/ is written)
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const viewerDir = join(pkgDir, "viewer");
const out = join(pkgDir, "dist", "viewer.html");

if (!existsSync(join(pkgDir, "dist", "grantcheck_wasm_bytes.js"))) {
  throw new Error("dist/grantcheck_wasm_bytes.js is missing: run `npm run build` first");
}
let esbuild;
try {
  esbuild = await import("esbuild");
} catch (e) {
  throw new Error(`dist/viewer.html needs esbuild (a devDependency: npm ci): ${e.message}`);
}

const bundle = await esbuild.build({
  entryPoints: [join(viewerDir, "viewer.js")],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "none",
  write: false,
});
// In an inline script, "</script" would end it early ("<\/script" means the same in JavaScript's
// strings, templates and regular expressions), and "<!--" could change how it is parsed.
const script = bundle.outputFiles[0].text.replace(/<\/(script)/gi, "<\\/$1");
if (script.includes("<!--")) throw new Error("the viewer's bundle holds <!--, which an inline script cannot");
const style = readFileSync(join(viewerDir, "viewer.css"), "utf8");
if (/<\/style/i.test(style)) throw new Error("viewer.css holds </style");
const icon = `data:image/svg+xml;base64,${readFileSync(join(viewerDir, "favicon.svg")).toString("base64")}`;
const hash = (text) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
const csp = [
  "default-src 'none'",
  `script-src ${hash(script)} 'wasm-unsafe-eval'`,
  `style-src ${hash(style)}`,
  "img-src data:",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

let html = readFileSync(join(viewerDir, "index.html"), "utf8");
const replace = (pattern, text) => {
  if (!pattern.test(html)) throw new Error(`viewer/index.html changed shape (no ${pattern}); update scripts/viewer-html.mjs`);
  html = html.replace(pattern, () => text);
};
replace(/<meta http-equiv="Content-Security-Policy" content="[^"]*">/, `<meta http-equiv="Content-Security-Policy" content="${csp}">`);
replace(/<link rel="icon" href="favicon.svg"[^>]*>/, `<link rel="icon" href="${icon}" type="image/svg+xml">`);
replace(/<link rel="stylesheet" href="viewer.css">/, `<style>${style}</style>`);
// This file starts from disk: the hint about opening viewer/index.html from disk does not apply.
replace(/\n *<p id="file-hint"[^\n]*<\/p>/, "");
replace(/<script type="module" src="viewer.js"><\/script>/, `<script type="module">${script}</script>`);
writeFileSync(out, html);
console.log(`dist/viewer.html: ${html.length} bytes, self-contained`);
