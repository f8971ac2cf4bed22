import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { examplePlan, load } from "./helpers.js";

const gc = await load();
const files = [{ path: "plan.json", text: readFileSync(examplePlan, "utf8") }];

test("a panic in the core reaches the caller as an Error with the panic message", () => {
  const before = gc.check(files);
  assert.throws(
    () => gc.internal.panicForTesting("the sky fell"),
    (e) => {
      assert.ok(e instanceof Error);
      assert.ok(!(e instanceof WebAssembly.RuntimeError), "not an opaque trap");
      assert.match(e.message, /^grantcheck: internal error: panicked at .*lib\.rs:\d+:\d+:\nthe sky fell$/s);
      assert.ok(e.cause instanceof WebAssembly.RuntimeError, "the trap is kept as the cause");
      return true;
    },
  );
  // A fresh instance serves the next calls: same answers as before the panic.
  assert.deepEqual(gc.check(files), before);
  assert.ok(gc.rules().length > 0);
});

test("every panic is reported, not only the first one", () => {
  // After a trap the old instance's panic state is left half-way; only a new instance reports a
  // second panic with its message.
  for (const word of ["one", "two", "three"]) {
    assert.throws(() => gc.internal.panicForTesting(word), new RegExp(`\\n${word}$`));
    assert.equal(gc.check([]).summary.files, 0);
  }
});
