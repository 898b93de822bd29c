import type { BaseAgent, IdentityCallback, ParsedKey } from "ssh2";
import { ssh2 } from "./ssh2.ts";

/**
 * The agent at `socket`, showing only the keys whose public half is in `allowed`: OpenSSH's
 * IdentitiesOnly, which still signs with the agent for the IdentityFile keys it holds (an
 * encrypted key loaded with ssh-add), never with its other keys.
 */
export function identitiesOnlyAgent(socket: string, allowed: readonly Buffer[]): BaseAgent {
  class IdentitiesOnlyAgent extends ssh2().OpenSSHAgent {
    override getIdentities(cb: IdentityCallback<ParsedKey>): void {
      super.getIdentities((error, keys) => {
        if (error || !keys) return cb(error, keys);
        cb(
          error,
          keys.filter((key) => {
            const blob = (key as Partial<ParsedKey>).getPublicSSH?.();
            return blob !== undefined && allowed.some((pub) => pub.equals(blob));
          }),
        );
      });
    }
  }
  return new IdentitiesOnlyAgent(socket);
}
