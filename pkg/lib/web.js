// The instance behind the browser entry: `await init()` fetches and instantiates the module.
import * as glue from "../dist/grantcheck_wasm.js";
import { createApi } from "./api.js";

let ready = false;
let pending;

/**
 * Loads the module. Without an argument it fetches dist/grantcheck_wasm_bg.wasm next to the glue;
 * give a URL, a Response, bytes or a WebAssembly.Module to load it from elsewhere.
 */
export async function init(input) {
  if (ready) return;
  pending ??= glue
    .default(input === undefined ? undefined : { module_or_path: input })
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
