// grantcheck for Node: ready at import, no init() needed.
import { api } from "./lib/node.js";

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

/** Nothing to do in Node: the module is ready at import. Kept so that code written for browsers runs. */
export default async function init() {}

/** Nothing to do in Node (see init). */
export function initSync() {}
