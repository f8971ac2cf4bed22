// Builds the npm package into pkg/dist:
//   1. cargo builds crates/grantcheck-wasm for wasm32-unknown-unknown (release, LTO, opt-level 3, with
//      the simd128 feature: Node 16.4+, Chrome/Edge 91+, Firefox 89+, Safari 16.4+);
//   2. the wasm-bindgen CLI, at exactly the version the crate pins (installed with cargo when it is
//      missing or at another version), writes the glue for `--target web`, which index.js (Node,
//      synchronous) and web.js (browsers, `await init()`) both use;
//   3. wasm-opt -O3 from the npm `binaryen` package optimises the module when it is installed;
//   4. dist/version.js records the core's version for browsers that have not initialised yet;
//   5. dist/grantcheck_wasm_bytes.js holds the module as base64, so that the entries need no file
//      beside them: bundlers (esbuild, Vite, webpack) carry it like any other module;
//   6. dist/viewer.html is the plan viewer in one file that works opened from disk (viewer-html.mjs).
// Usage: node scripts/build.mjs   (npm run build)
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync, statSync, renameSync, rmSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const root = resolve(pkgDir, "..");
const crateToml = join(root, "crates", "grantcheck-wasm", "Cargo.toml");
const dist = join(pkgDir, "dist");
// Speed over size: opt-level 3 and wasm-opt -O3 check a 10.8 MB plan in Node some 20% faster than
// "s" and -Os, for a module 14% larger (1.29 MB, 521 KB gzipped before; 1.47 MB, 578 KB after).
const optLevel = process.env.GRANTCHECK_WASM_OPT_LEVEL ?? "3";
// Wasm SIMD: memchr and the compiler's loops use it.
const rustflags = ["-C", "target-feature=+simd128"];

function step(message) {
  console.log(`\n--> ${message}`);
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, ...options });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${r.status}`);
}

function pinnedBindgenVersion() {
  const toml = readFileSync(crateToml, "utf8");
  const m = toml.match(/^wasm-bindgen\s*=\s*"=(\d+\.\d+\.\d+)"/m);
  if (!m) throw new Error(`${crateToml}: expected a pinned dependency wasm-bindgen = "=X.Y.Z"`);
  return m[1];
}

function bindgenVersion(bin) {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  return r.stdout.trim().split(/\s+/)[1] ?? null;
}

/** The wasm-bindgen CLI at `version`: on PATH, in cargo's bin folder, or installed now. */
function wasmBindgen(version) {
  const cargoBin = join(process.env.CARGO_HOME ?? join(homedir(), ".cargo"), "bin", "wasm-bindgen");
  for (const bin of ["wasm-bindgen", cargoBin]) {
    if (bindgenVersion(bin) === version) return bin;
  }
  step(`installing wasm-bindgen-cli ${version} (takes a few minutes, once)`);
  run("cargo", ["install", "wasm-bindgen-cli", "--version", version]);
  if (bindgenVersion(cargoBin) !== version) {
    throw new Error(`wasm-bindgen ${version} is not at ${cargoBin} after cargo install`);
  }
  return cargoBin;
}

/** Lets the wrapper start a fresh instance after a trap (see lib/api.js). */
function addReset(gluePath) {
  let glue = readFileSync(gluePath, "utf8");
  for (const needle of ["let wasmModule, wasmInstance, wasm;", "let __wbg_init_promise;", "function initSync("]) {
    if (!glue.includes(needle)) {
      throw new Error(`${gluePath}: the wasm-bindgen glue changed shape (no \`${needle}\`); update scripts/build.mjs`);
    }
  }
  glue += `
/**
 * Forgets the current instance, so that the next initSync() starts a fresh one, and returns the
 * compiled module to instantiate it from.
 */
export function __grantcheck_reset() {
    const module = wasmModule;
    wasm = undefined;
    wasmInstance = undefined;
    __wbg_init_promise = undefined;
    return module;
}
`;
  writeFileSync(gluePath, glue);
}

/**
 * Removes the glue's default of fetching grantcheck_wasm_bg.wasm next to itself: the entries
 * always give the module (the embedded one unless init() is given another), and bundlers (Vite,
 * webpack) would otherwise copy the unused .wasm file into every bundle.
 */
function dropDefaultUrl(gluePath) {
  const needle = "module_or_path = new URL('grantcheck_wasm_bg.wasm', import.meta.url);";
  const glue = readFileSync(gluePath, "utf8");
  if (!glue.includes(needle)) {
    throw new Error(`${gluePath}: the wasm-bindgen glue changed shape (no \`${needle}\`); update scripts/build.mjs`);
  }
  writeFileSync(
    gluePath,
    glue.replace(needle, 'throw new Error("grantcheck: init() of the glue needs the module (lib/web.js gives it)");'),
  );
}

function wasmOpt(wasmPath) {
  const bin = join(pkgDir, "node_modules", ".bin", "wasm-opt");
  if (!existsSync(bin)) {
    console.log("wasm-opt: the npm package binaryen is not installed (npm install); keeping the unoptimised module");
    return;
  }
  const out = `${wasmPath}.opt`;
  const features = [
    "--enable-bulk-memory",
    "--enable-multivalue",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-sign-ext",
    "--enable-simd",
  ];
  run(bin, ["-O3", ...features, wasmPath, "-o", out]);
  renameSync(out, wasmPath);
}

function sizes(wasmPath) {
  const bytes = readFileSync(wasmPath);
  const gz = gzipSync(bytes, { level: 9 }).length;
  return `${bytes.length} bytes, ${gz} bytes gzipped`;
}

const version = pinnedBindgenVersion();
const bindgen = wasmBindgen(version);

step(`cargo build (wasm32-unknown-unknown, release, opt-level ${optLevel}, ${rustflags.join(" ")})`);
run("rustup", ["target", "add", "wasm32-unknown-unknown"], { stdio: ["ignore", "ignore", "inherit"] });
run("cargo", [
  "build",
  "--target",
  "wasm32-unknown-unknown",
  "--release",
  "-p",
  "grantcheck-wasm",
  "--config",
  `profile.release.opt-level=${/^\d$/.test(optLevel) ? optLevel : JSON.stringify(optLevel)}`,
  "--config",
  `target.wasm32-unknown-unknown.rustflags=${JSON.stringify(rustflags)}`,
]);
const built = join(root, "target", "wasm32-unknown-unknown", "release", "grantcheck_wasm.wasm");
console.log(`cargo: ${sizes(built)}`);

step(`wasm-bindgen ${version} --target web`);
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
run(bindgen, ["--target", "web", "--no-typescript", "--out-dir", dist, built]);
const glue = join(dist, "grantcheck_wasm.js");
const wasmFile = join(dist, "grantcheck_wasm_bg.wasm");
addReset(glue);
dropDefaultUrl(glue);
console.log(`wasm-bindgen: ${sizes(wasmFile)}`);

step("wasm-opt");
wasmOpt(wasmFile);
console.log(`package module: ${sizes(wasmFile)}`);

step("dist/version.js");
const mod = await import(pathToFileURL(glue).href);
mod.initSync({ module: readFileSync(wasmFile) });
const coreVersion = mod.version();
const pkgVersion = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).version;
if (coreVersion !== pkgVersion) {
  throw new Error(`package.json version ${pkgVersion} differs from the core's ${coreVersion}`);
}
writeFileSync(
  join(dist, "version.js"),
  `// Written by scripts/build.mjs: the version of the grantcheck core in this package.\nexport const version = ${JSON.stringify(coreVersion)};\n`,
);
step("dist/grantcheck_wasm_bytes.js");
writeFileSync(
  join(dist, "grantcheck_wasm_bytes.js"),
  `// Written by scripts/build.mjs: grantcheck_wasm_bg.wasm as base64, embedded so that the entries\n// load it without reading or fetching a file (bundles carry it as any other module).\nexport const wasmBase64 = ${JSON.stringify(readFileSync(wasmFile).toString("base64"))};\n`,
);
console.log(`grantcheck ${coreVersion}, ${statSync(wasmFile).size} byte module in ${dist}`);

step("dist/viewer.html");
await import("./viewer-html.mjs");
