/**
 * Which module a Worker should start. nginxlog's Workers re-run the binary's entry module
 * (self-spawning); inside the multi-call opsctl that entry is opsctl, which registers itself here.
 */
let entryUrl: string | undefined;

export function setWorkerEntry(url: string): void {
  entryUrl = url;
}

export function workerEntry(): string | undefined {
  return entryUrl;
}
