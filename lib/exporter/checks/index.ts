/** Every check kind, by name: adding a kind is adding a module and a line here. */
import type { CheckKind } from "../types.ts";
import { certCheck } from "./cert.ts";
import { commandCheck } from "./command.ts";
import { dnsCheck } from "./dns.ts";
import { fileCheck } from "./file.ts";
import { httpCheck } from "./http.ts";
import { processCheck } from "./process.ts";
import { sshCheck } from "./ssh.ts";
import { tcpCheck } from "./tcp.ts";

export const checkKinds: Record<string, CheckKind<unknown>> = {
  http: httpCheck as CheckKind<unknown>,
  tcp: tcpCheck as CheckKind<unknown>,
  dns: dnsCheck as CheckKind<unknown>,
  cert: certCheck as CheckKind<unknown>,
  file: fileCheck as CheckKind<unknown>,
  command: commandCheck as CheckKind<unknown>,
  process: processCheck as CheckKind<unknown>,
  ssh: sshCheck as CheckKind<unknown>,
};

/** Names accepted for a kind besides its own (blackbox's "tls" users expect). */
export const kindAliases: Record<string, string> = { tls: "cert" };
