// The package bundled as consumers bundle it: a tiny script importing "grantcheck" (installed in
// the consumer project) bundled with esbuild and webpack for Node, run with node from a folder of
// its own; and with esbuild, webpack and Vite for browsers, loaded in headless Chromium from
// 127.0.0.1. Each must check a plan and find what the Node API finds, with no file beside the
// bundle to read and no request leaving 127.0.0.1.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { after, before, test } from "node:test";
import { consumerDir, examplePlan, launchChromium, load, pkgDir, serveStatic } from "./helpers.js";

const bins = join(pkgDir, "node_modules", ".bin");
const apps = join(consumerDir, "bundlers");
const work = mkdtempSync(join(tmpdir(), "grantcheck-bundlers-"));
const planText = readFileSync(examplePlan, "utf8");
const OWNER = "111122223333";

const api = await load();
const expected = {
  version: api.version,
  findings: api.check([{ path: "plan.json", text: planText }], { accounts: [OWNER] }).findings.map((f) => [f.rule, f.resource]),
};

const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
let playwright = null;
try {
  playwright = await import("playwright-core");
} catch {
  playwright = null;
}
const browserSkip = !existsSync(chromiumPath)
  ? `${chromiumPath} is absent (scripts/test.sh installs Debian's chromium)`
  : playwright === null
    ? "playwright-core is not installed (npm ci in pkg/)"
    : false;
if (browserSkip) console.warn(`\n*** SKIPPING the browser bundles: ${browserSkip} ***\n`);

const check = `const planText = ${JSON.stringify(planText)};
function result(m) {
  const report = m.check([{ path: "plan.json", text: planText }], { accounts: [${JSON.stringify(OWNER)}] });
  return { version: m.version, findings: report.findings.map((f) => [f.rule, f.resource]) };
}
`;
const nodeApp = `import * as grantcheck from "grantcheck";
${check}
console.log(JSON.stringify(result(grantcheck)));
`;
const webApp = `import init, * as grantcheck from "grantcheck";
${check}
init()
  .then(() => {
    window.__grantcheck = result(grantcheck);
    document.body.dataset.state = "done";
  })
  .catch((e) => {
    window.__grantcheck = { error: String(e && e.stack || e) };
    document.body.dataset.state = "error";
  });
`;

/** Writes an app folder under the consumer project, so that "grantcheck" resolves as installed. */
function app(name, files) {
  const dir = join(apps, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} exited with ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Runs a Node bundle from a folder holding nothing else, and returns what it printed. */
function runNodeBundle(name, bundle) {
  const alone = join(work, name);
  mkdirSync(alone, { recursive: true });
  const file = join(alone, `bundle${extname(bundle)}`);
  cpSync(bundle, file);
  return JSON.parse(run(process.execPath, [file], alone));
}

const webpackConfig = (target) => `module.exports = {
  mode: "production",
  target: ${JSON.stringify(target)},
  entry: "./app.mjs",
  output: { path: __dirname + "/out", filename: "main.js", clean: true },
  performance: { hints: false },
};
`;

test("esbuild --bundle --platform=node: the bundle runs alone", () => {
  const dir = app("esbuild-node", { "app.mjs": nodeApp });
  run(join(bins, "esbuild"), ["app.mjs", "--bundle", "--platform=node", "--log-level=error", "--outfile=out/bundle.cjs"], dir);
  assert.deepEqual(runNodeBundle("esbuild-node", join(dir, "out", "bundle.cjs")), expected);
});

test("esbuild --bundle --platform=node --format=esm: the bundle runs alone", () => {
  const dir = app("esbuild-node-esm", { "app.mjs": nodeApp });
  run(join(bins, "esbuild"), ["app.mjs", "--bundle", "--platform=node", "--format=esm", "--log-level=error", "--outfile=out/bundle.mjs"], dir);
  assert.deepEqual(runNodeBundle("esbuild-node-esm", join(dir, "out", "bundle.mjs")), expected);
});

test("webpack --target node: the bundle runs alone", () => {
  const dir = app("webpack-node", { "app.mjs": nodeApp, "webpack.config.cjs": webpackConfig("node") });
  run(join(bins, "webpack"), ["--config", "webpack.config.cjs"], dir);
  assert.deepEqual(runNodeBundle("webpack-node", join(dir, "out", "main.js")), expected);
});

// --- browsers ---------------------------------------------------------------------------------

let server;
let origin;
let context;
const requests = [];

before(async () => {
  if (browserSkip) return;
  server = await serveStatic(apps);
  origin = `http://127.0.0.1:${server.address().port}`;
  context = await launchChromium(playwright, chromiumPath, join(work, "profile"));
});

after(async () => {
  await context?.close();
  server?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Opens a page served from `apps` and returns what the bundled script found. */
async function inBrowser(path) {
  const page = await context.newPage();
  page.on("request", (r) => requests.push(r.url()));
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("response", (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
  try {
    await page.goto(`${origin}/${path}`);
    await page.waitForSelector("body[data-state]", { state: "attached", timeout: 60_000 });
    const result = await page.evaluate(() => window.__grantcheck);
    assert.deepEqual(errors, [], "no page error and no failed request");
    return result;
  } finally {
    await page.close();
  }
}

const page = (script, module) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>grantcheck bundle</title></head><body>` +
  `<script ${module ? 'type="module" ' : ""}src="${script}"></script></body></html>\n`;

test("esbuild --bundle --platform=browser: the bundle checks a plan in Chromium", { skip: browserSkip, timeout: 120_000 }, async () => {
  const dir = app("esbuild-web", { "app.mjs": webApp, "index.html": page("out/bundle.js", false) });
  run(join(bins, "esbuild"), ["app.mjs", "--bundle", "--platform=browser", "--log-level=error", "--outfile=out/bundle.js"], dir);
  assert.deepEqual(await inBrowser("esbuild-web/index.html"), expected);
});

test("webpack --target web: the bundle checks a plan in Chromium", { skip: browserSkip, timeout: 120_000 }, async () => {
  const dir = app("webpack-web", { "app.mjs": webApp, "webpack.config.cjs": webpackConfig("web") });
  run(join(bins, "webpack"), ["--config", "webpack.config.cjs"], dir);
  writeFileSync(join(dir, "out", "index.html"), page("main.js", false));
  assert.deepEqual(await inBrowser("webpack-web/out/index.html"), expected);
});

test("vite build: the bundle checks a plan in Chromium", { skip: browserSkip, timeout: 120_000 }, async () => {
  const dir = app("vite", { "app.mjs": webApp, "index.html": page("./app.mjs", true) });
  run(join(bins, "vite"), ["build", "--logLevel", "error", "--base", "./", "--outDir", "out"], dir);
  assert.deepEqual(await inBrowser("vite/out/index.html"), expected);
});

test("no request of the bundles left 127.0.0.1", { skip: browserSkip }, () => {
  assert.ok(requests.length > 0);
  const outside = requests.filter((u) => !u.startsWith(`${origin}/`));
  assert.deepEqual(outside, [], "no request left 127.0.0.1");
});
