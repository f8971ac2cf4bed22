// The browser entry (web.js), run under Node: what a page or a bundler gets.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { consumerDir, examplePlan, load } from "./helpers.js";

const installed = join(consumerDir, "node_modules", "grantcheck");
const web = await import(pathToFileURL(join(installed, "web.js")).href);
const node = await load();
const files = [{ path: "plan.json", text: readFileSync(examplePlan, "utf8") }];

test("the browser entry is selected by the `default` export condition", () => {
  const pkg = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
  assert.equal(pkg.exports["."].default, "./web.js");
  assert.equal(pkg.exports["."].node, "./index.js");
});

test("before init() the browser entry throws an Error that says to await init()", () => {
  assert.equal(web.version, node.version, "version is known before init()");
  assert.throws(() => web.check(files), /await init\(\)/);
});

test("after await init() the browser entry gives the same reports as Node", async () => {
  const bytes = readFileSync(join(installed, "dist", "grantcheck_wasm_bg.wasm"));
  await web.default(bytes);
  await web.default(bytes); // a second init() is a no-op
  assert.deepEqual(web.check(files, { accounts: ["111122223333"] }), node.check(files, { accounts: ["111122223333"] }));
  assert.deepEqual(web.rules(), node.rules());
  const report = web.check(files);
  assert.deepEqual(web.toSarif(report), node.toSarif(report));
  assert.throws(() => web.check([{ path: 1 }]), /files\[0\]\.path must be a string/);
});
