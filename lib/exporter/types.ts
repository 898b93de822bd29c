import type { Logger } from "../cli/log.ts";

/** A validated check (scheduled mode) or module (probe mode, target supplied per request). */
export interface CheckSpec {
  name: string;
  kind: string;
  /** URL, host:port, DNS server, path, pidfile... — its meaning belongs to the kind. */
  target: string;
  /** Seconds between runs (scheduled mode only). */
  interval: number;
  /** Seconds a run may take before it is abandoned and counted as failed. */
  timeout: number;
  /** Extra labels on every series of the check. */
  labels: Record<string, string>;
  /** The kind's own settings, already validated by its parse(). */
  settings: unknown;
  /** The check's configuration as written: equal fingerprints keep results across reloads. */
  fingerprint: string;
}

/** One sample of a detail metric declared by the kind (name without the mode's prefix). */
export interface DetailSample {
  name: string;
  value: number;
  labels?: Record<string, string>;
}

/** A metric family a check exposes as-is (command output, script_exporter style). */
export interface ExposedFamily {
  name: string;
  help: string;
  type: "gauge" | "counter" | "untyped" | "histogram" | "summary";
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

/** Where a check writes what it measured. */
export interface ResultSink {
  /** A detail metric declared in the kind's `metrics` table. */
  set(name: string, value: number, labels?: Record<string, string>): void;
  /** Families passed through unchanged (already validated). */
  expose(family: ExposedFamily): void;
  /** Why the check failed, for logs and /checks. The first reason wins. */
  fail(reason: string): false;
}

export interface CheckContext<S> {
  target: string;
  settings: S;
  result: ResultSink;
  /** Aborted on timeout, reload or shutdown: close sockets, kill children, return. */
  signal: AbortSignal;
  /** Seconds the run may take (already bounded by the scrape timeout in probe mode). */
  timeout: number;
  log: Logger;
}

export interface DetailMetric {
  help: string;
  type: "gauge" | "counter";
}

/** One check kind: a module under checks/, registered in checks/index.ts. */
export interface CheckKind<S = unknown> {
  kind: string;
  description: string;
  /** Validates the kind's settings; throws an Error naming the bad key. */
  parse(raw: Record<string, unknown>, where: string): S;
  /** Optional check of the target (URL, host:port...) at config time. */
  validateTarget?(target: string, settings: S): string | undefined;
  /** The detail metrics the kind may set, name -> help/type. */
  metrics: Record<string, DetailMetric>;
  /**
   * Label names the settings give the kind's detail samples (tcp expect labels), each with its
   * key under the settings: a check label of the same name would be replaced by it.
   */
  detailLabels?(settings: S): { name: string; key: string }[];
  run(ctx: CheckContext<S>): Promise<boolean>;
}

/** The outcome of one run, cached until the next one. */
export interface CheckResult {
  success: boolean;
  durationSeconds: number;
  /** Unix seconds at the end of the run. */
  timestamp: number;
  error: string | undefined;
  details: DetailSample[];
  exposed: ExposedFamily[];
}
