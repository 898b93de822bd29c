/**
 * Which module a Worker should start. Tools with Workers (nginxlog, logclean, ffind) re-run the
 * binary's entry module (self-spawning); inside the multi-call opsctl that entry is opsctl, which
 * registers itself here. The Worker side is worker-serve.ts.
 */
let entryUrl: string | undefined;

export function setWorkerEntry(url: string): void {
  entryUrl = url;
}

export function workerEntry(): string | undefined {
  return entryUrl;
}
