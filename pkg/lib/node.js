// The instance behind the Node entry: instantiated synchronously at import from the embedded
// module (no file is read, so a bundle of it runs anywhere), so Node users need no init() call.
import * as glue from "../dist/grantcheck_wasm.js";
import { createApi } from "./api.js";
import { wasmBytes } from "./embedded.js";

glue.initSync({ module: wasmBytes() });

export const api = createApi({
  glue: () => glue,
  restart() {
    glue.initSync({ module: glue.__grantcheck_reset() });
  },
});
