// Shared by the tests: where things are, the package as a consumer imports it, the native CLI.
import { spawnSync } from "node:child_process";
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const root = resolve(pkgDir, "..");
export const consumerDir = join(pkgDir, "test", ".consumer");
export const shared = resolve(root, "..", "shared");
export const examplePlan = join(root, "examples", "cross-account", "plan.json");
export const cli = join(root, "target", "debug", process.platform === "win32" ? "grantcheck.exe" : "grantcheck");

/** The package, imported through `import ... from "grantcheck"` in the consumer project. */
export async function load() {
  const entry = join(consumerDir, "load.js");
  if (!existsSync(entry)) throw new Error("the consumer project is missing: run `npm test` (test/setup.mjs) first");
  return import(pathToFileURL(entry).href);
}

/** Runs the native CLI in `cwd`; returns its stdout (exit 0, 1 and 2 are all reports). */
export function native(args, cwd = root) {
  const r = spawnSync(cli, args, { cwd, encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.error) throw new Error(`${cli}: ${r.error.message} (npm test builds it in test/setup.mjs)`);
  if (r.status > 2 || r.status === null) throw new Error(`grantcheck ${args.join(" ")}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

/**
 * The native JSON report of `files` (paths relative to `cwd`), as check() gives it: of those files
 * alone, a plan's findings where they are in the plan (not in a configuration beside it).
 */
export function nativeReport(files, cwd, accounts = []) {
  const args = ["check", "--format", "json", "--no-config-dir", ...accounts.flatMap((a) => ["--account", a]), ...files];
  return JSON.parse(native(args, cwd));
}

/** A JS report without what only the JS API gives (UTF-16 offsets). */
export function withoutUtf16(report) {
  return JSON.parse(JSON.stringify(report, (key, value) => (key === "utf16" ? undefined : value)));
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
};

/** Serves `dir` as static files on 127.0.0.1 (no directory listings, nothing outside `dir`). */
export function serveStatic(dir) {
  return new Promise((resolve) => {
    const s = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
      const file = normalize(join(dir, path));
      if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
        res.writeHead(404).end("not found");
        return;
      }
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      createReadStream(file).pipe(res);
    });
    s.listen(0, "127.0.0.1", () => resolve(s));
  });
}

/** Headless Chromium (`chromiumPath`) through playwright-core, with a profile in `profileDir`. */
export function launchChromium(playwright, chromiumPath, profileDir, options = {}) {
  return playwright.chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    ...options,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
