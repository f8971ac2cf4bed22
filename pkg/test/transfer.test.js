// How texts cross into WebAssembly (UTF-8 written straight into wasm memory, growing the buffer when
// a text is not ASCII) and how the report comes back (JSON in ASCII, characters past it escaped):
// whatever the characters, the report's strings and positions are those of the text as given.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { examplePlan, load } from "./helpers.js";

const gc = await load();
const planText = readFileSync(examplePlan, "utf8");

/** Every located finding about `path` slices the same text by UTF-16 offsets as by UTF-8 bytes. */
function assertPositions(report, path, text) {
  const bytes = Buffer.from(text, "utf8"); // a lone surrogate becomes U+FFFD here too
  const located = report.findings.filter((f) => f.location?.file === path);
  assert.ok(located.length > 0, `${path}: findings with a location`);
  for (const { location } of located) {
    const { start, end } = location;
    assert.equal(text.slice(start.utf16, end.utf16), bytes.subarray(start.offset, end.offset).toString("utf8"));
  }
  return located;
}

const cases = [
  ["ASCII", (s) => s],
  ["two-byte characters first", (s) => s.replace("{", `{"d": "${"é".repeat(5000)}",`)],
  ["three-byte characters only, past the one byte per unit first tried", (s) => s.replace("{", `{"d": "${"秘".repeat(40000)}",`)],
  ["characters outside the BMP", (s) => s.replace("{", `{"d": "${"🔐".repeat(3000)}x${"😀".repeat(3000)}",`)],
  ["non-ASCII near the end only", (s) => `${s.trimEnd().replace(/}$/, "")}, "z": "${"ü".repeat(10)}"}\n`],
  ["lone surrogates", (s) => s.replace("{", '{"d": "\ud800 a \udfff", "e": "x\ud83d",')],
];

for (const [name, edit] of cases) {
  test(`texts cross into wasm as UTF-8: ${name}`, () => {
    const text = edit(planText);
    const path = "plan.json";
    const report = gc.check([{ path, text }], { accounts: ["111122223333"] });
    assertPositions(report, path, text);
  });
}

test("report strings past ASCII come back as they were given", () => {
  const path = "plän/🔐 秘密/plan.json";
  const report = gc.check([{ path, text: planText }], { accounts: ["111122223333"] });
  const located = assertPositions(report, path, planText);
  for (const f of located) assert.equal(f.location.file, path);
  const sarif = gc.toSarif(report);
  assert.ok(JSON.stringify(sarif).includes(encodeURI(path)), "the SARIF log names the file as given (a URI)");
  const broken = gc.check([{ path: "ünïcödé.json", text: "{" }]);
  assert.ok(broken.findings.some((f) => f.rule === "GC002" && (f.location?.file === "ünïcödé.json" || f.message.includes("ünïcödé.json"))));
});
