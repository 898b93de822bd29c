import type * as Ssh2 from "ssh2";

let loaded: typeof Ssh2 | undefined;

/**
 * ssh2, loaded on first use rather than at import: evaluating it costs a compiled tool about
 * 20 MB of RSS, which `sshping --version` and an exporter without ssh checks should not pay.
 */
export function ssh2(): typeof Ssh2 {
  loaded ??= require("ssh2") as typeof Ssh2;
  return loaded;
}
