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

/**
 * The module a tool's Workers start: the tool's own module when it is the program or runs from
 * source (self-spawning), else (inside the multi-call binary) the entry registered above. Call it
 * when the tool runs, with the tool module's import.meta.
 */
export function workerUrlFor(meta: ImportMeta): string | undefined {
  return meta.main || !meta.url.includes("/$bunfs/") ? meta.url : entryUrl;
}
