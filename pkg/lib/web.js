// The instance behind the browser entry: `await init()` fetches and instantiates the module.
import * as glue from "../dist/grantcheck_wasm.js";
import { createApi } from "./api.js";

let ready = false;
let pending;

/**
 * Loads the module. Without an argument it instantiates the module embedded in the package (loaded
 * with a dynamic import, so bundlers that split code put it in a chunk of its own); give a URL
 * (such as that of grantcheck/grantcheck_wasm_bg.wasm), a Response, bytes or a WebAssembly.Module
 * to load it from there instead.
 */
export async function init(input) {
  if (ready) return;
  pending ??= (input === undefined ? import("./embedded.js").then((m) => m.wasmBytes()) : Promise.resolve(input))
    .then((module) => glue.default({ module_or_path: module }))
    .then(() => {
      ready = true;
    })
    .catch((e) => {
      pending = undefined;
      throw e;
    });
  await pending;
}

/** Instantiates synchronously from bytes or a WebAssembly.Module (workers, tests). */
export function initSync(input) {
  if (ready) return;
  glue.initSync({ module: input });
  ready = true;
}

export const api = createApi({
  glue() {
    if (!ready) {
      throw new Error("grantcheck: the module is not loaded yet: `await init()` before calling check(), rules() or toSarif()");
    }
    return glue;
  },
  restart() {
    glue.initSync({ module: glue.__grantcheck_reset() });
  },
});
