/**
 * Builds nginxlog's WebAssembly scanner (scan.wasm, not in git) before anything imports
 * lib/nginx: a fresh clone has only its source until `npm run build`. bunfig.toml preloads it
 * for `bun run scripts/nginxlog.ts` and for the tests; it costs a few stat calls when the file
 * is up to date, and compiled binaries never load it (they embed scan.wasm).
 */
import { ensureScanWasm } from "./build-engine.ts";

await ensureScanWasm();
