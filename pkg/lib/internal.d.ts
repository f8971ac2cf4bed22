// Not part of the API: hooks for the package's own tests.

/** Makes the core panic with `message`; throws an Error carrying it. */
export function panicForTesting(message: string): never;
