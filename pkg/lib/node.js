// The instance behind the Node entry: instantiated synchronously at import from the .wasm next to
// the glue, so Node users need no init() call.
import { readFileSync } from "node:fs";
import * as glue from "../dist/grantcheck_wasm.js";
import { createApi } from "./api.js";

glue.initSync({ module: readFileSync(new URL("../dist/grantcheck_wasm_bg.wasm", import.meta.url)) });

export const api = createApi({
  glue: () => glue,
  restart() {
    glue.initSync({ module: glue.__grantcheck_reset() });
  },
});
