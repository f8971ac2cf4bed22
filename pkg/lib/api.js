// The API over one wasm instance, shared by the Node entry (index.js) and the browser entry (web.js).
//
// A Rust panic cannot be caught inside wasm32-unknown-unknown: it runs the panic hook (which records
// the message) and then traps, leaving the instance in an unknown state. Every call therefore goes
// through `call`, which turns a trap into an `Error` that carries the panic message, and asks the
// loader for a fresh instance so that the next call starts clean.

/**
 * @param {{ glue: () => any, restart: () => void }} loader
 *   `glue()` gives the initialised wasm-bindgen module (or throws an Error saying why not);
 *   `restart()` replaces the instance after a trap.
 */
export function createApi(loader) {
  function call(fn) {
    const glue = loader.glue();
    try {
      return fn(glue);
    } catch (e) {
      if (!isTrap(e)) throw e;
      let panic;
      try {
        panic = glue.takePanic();
      } catch {
        panic = undefined;
      }
      loader.restart();
      const what = panic ?? `${e.name}: ${e.message}`;
      throw new Error(`grantcheck: internal error: ${what}`, { cause: e });
    }
  }

  function check(files, options) {
    return JSON.parse(call((g) => g.checkJson(files, options)));
  }

  function rules() {
    return JSON.parse(call((g) => g.rulesJson()));
  }

  function toSarif(report) {
    if (report === null || typeof report !== "object" || Array.isArray(report)) {
      throw new TypeError(`toSarif(report): \`report\` must be the object check() returned, got ${describe(report)}`);
    }
    let json;
    try {
      json = JSON.stringify(report);
    } catch (e) {
      throw new TypeError(`toSarif(report): \`report\` cannot be written as JSON: ${e.message}`, { cause: e });
    }
    return JSON.parse(call((g) => g.toSarifJson(json)));
  }

  function panicForTesting(message) {
    return call((g) => g.panicForTesting(String(message)));
  }

  return { check, rules, toSarif, panicForTesting };
}

/** A trap or a wasm stack overflow: the instance cannot be trusted afterwards. */
function isTrap(e) {
  return (
    (typeof WebAssembly !== "undefined" && e instanceof WebAssembly.RuntimeError) ||
    (e instanceof RangeError && /call stack/i.test(e.message))
  );
}

function describe(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}
