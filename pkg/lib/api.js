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

  // who can read each secret: what `grantcheck access --format json` writes
  function access(files, options) {
    return JSON.parse(call((g) => g.accessJson(files, options)));
  }

  // the pull-request comment `grantcheck check --format markdown` writes
  function markdown(files, options) {
    const { linkBase, failOn, ...checkOptions } = options ?? {};
    if (linkBase !== undefined && linkBase !== null && typeof linkBase !== "string") {
      throw new TypeError(`markdown(files, options): options.linkBase must be a string, got ${describe(linkBase)}`);
    }
    if (failOn !== undefined && failOn !== null && typeof failOn !== "string") {
      throw new TypeError(`markdown(files, options): options.failOn must be a string, got ${describe(failOn)}`);
    }
    return call((g) => g.markdownText(files, options == null ? options : checkOptions, linkBase ?? undefined, failOn ?? "error"));
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

  // The `grantcheck` command (bin/grantcheck.js): the native command line's code in the core.
  const cli = {
    check: (files, request) => JSON.parse(call((g) => g.cliCheckJson(files, JSON.stringify(request)))),
    rules: (format) => call((g) => g.cliRules(format)),
    explain: (code) => call((g) => g.cliExplain(code)),
    noRule: (code) => call((g) => g.cliNoRule(code)),
    sniff: (bytes) => call((g) => g.cliSniff(bytes)),
    isPlan: (path, text) => call((g) => g.cliIsPlan(path, text)),
    maxInputBytes: () => call((g) => g.cliMaxInputBytes()),
    normalize: (path) => call((g) => g.cliNormalize(path)),
    dirOf: (path) => call((g) => g.cliDirOf(path)),
  };

  return { check, access, markdown, rules, toSarif, panicForTesting, cli };
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
