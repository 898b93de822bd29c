/**
 * Builds nginxlog's WebAssembly scanner (lib/nginx/engine/scan.wasm, not in git) before the
 * tests import lib/nginx: a fresh clone has only its source until `npm run build`.
 */
import { ensureScanWasm } from "../../lib/nginx/engine/build-engine.ts";

await ensureScanWasm();
