// grantcheck for browsers and bundlers: `await init()` once, then call check(), rules(), toSarif().
import { api, init, initSync } from "./lib/web.js";

export { version } from "./dist/version.js";

/** Checks `files` ([{path, text}]) and returns the report. */
export const check = api.check;
/** The rule catalogue. */
export const rules = api.rules;
/** Renders a report from check() as a SARIF 2.1.0 log. */
export const toSarif = api.toSarif;

export { init as default, initSync };
