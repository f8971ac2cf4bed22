// The wasm module embedded in the package (dist/grantcheck_wasm_bytes.js, written by
// scripts/build.mjs): the entries instantiate it without reading or fetching a file, so that a
// bundle (esbuild, Vite, webpack) works wherever it is put.
import { wasmBase64 } from "../dist/grantcheck_wasm_bytes.js";

/** The module's bytes. */
export function wasmBytes() {
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(wasmBase64);
  if (typeof Buffer === "function") return Buffer.from(wasmBase64, "base64");
  const binary = atob(wasmBase64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
