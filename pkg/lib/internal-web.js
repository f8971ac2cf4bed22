// Not part of the API: hooks for the package's own tests.
import { api } from "./web.js";

/** Makes the core panic, to prove that a panic reaches callers as an Error. */
export const panicForTesting = api.panicForTesting;
