// Prepares what the tests need, once per `npm test`:
//   - test/.consumer: a throw-away project with the packed package installed from its tarball, so
//     that tests import "grantcheck" exactly as a consumer does (exports map, `files` list and all);
//   - the native CLI (target/debug/grantcheck), for the parity tests.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { consumerDir, pkgDir, root } from "./helpers.js";

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited with ${r.status}`);
  return r.stdout;
}

if (!existsSync(join(pkgDir, "dist", "grantcheck_wasm_bg.wasm"))) {
  console.error("setup: pkg/dist is missing: run `npm run build` first");
  process.exit(1);
}

rmSync(consumerDir, { recursive: true, force: true });
mkdirSync(consumerDir, { recursive: true });
run("npm", ["pack", "--silent", "--pack-destination", consumerDir], pkgDir);
const tarball = readdirSync(consumerDir).find((f) => f.endsWith(".tgz"));
if (!tarball) throw new Error(`setup: npm pack wrote no tarball into ${consumerDir}`);
writeFileSync(
  join(consumerDir, "package.json"),
  JSON.stringify({ name: "grantcheck-consumer", private: true, type: "module" }, null, 2),
);
run("npm", ["install", "--no-audit", "--no-fund", "--no-save", "--prefer-offline", `./${tarball}`], consumerDir);
writeFileSync(
  join(consumerDir, "load.js"),
  [
    'export * from "grantcheck";',
    'export { default } from "grantcheck";',
    'export * as internal from "grantcheck/internal";',
    "",
  ].join("\n"),
);

run("cargo", ["build", "--quiet", "-p", "grantcheck-cli"], root);
console.log(`setup: installed ${tarball} into ${consumerDir}; native CLI built`);
