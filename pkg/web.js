// grantcheck for browsers and bundlers: `await init()` once, then call check(), access(), markdown(), rules(), toSarif().
import { api, init, initSync } from "./lib/web.js";

export { version } from "./dist/version.js";

/** Checks `files` ([{path, text}]) and returns the report. */
export const check = api.check;
/** Who can read each secret after apply: what `grantcheck access --format json` writes. */
export const access = api.access;
/** Checks `files` and writes the report as a pull-request comment in Markdown. */
export const markdown = api.markdown;
/** The rule catalogue. */
export const rules = api.rules;
/** Renders a report from check() as a SARIF 2.1.0 log. */
export const toSarif = api.toSarif;

export { init as default, initSync };
