/** Runs one check under its timeout and turns whatever happens into a CheckResult. */
import type { Logger } from "../cli/log.ts";
import { withSpan } from "../telemetry/span.ts";
import { checkKinds } from "./checks/index.ts";
import { shownTarget } from "./target-text.ts";
import type { CheckResult, CheckSpec, DetailSample, ExposedFamily, ResultSink } from "./types.ts";

class CollectingSink implements ResultSink {
  readonly details: DetailSample[] = [];
  readonly exposed: ExposedFamily[] = [];
  reason: string | undefined;

  constructor(
    private readonly declared: Record<string, unknown>,
    private readonly kind: string,
  ) {}

  set(name: string, value: number, labels?: Record<string, string>): void {
    if (!Object.hasOwn(this.declared, name))
      throw new Error(`check kind ${this.kind} set undeclared metric ${name}`);
    const existing = this.details.findIndex(
      (sample) => sample.name === name && JSON.stringify(sample.labels) === JSON.stringify(labels),
    );
    const sample = labels ? { name, value, labels } : { name, value };
    if (existing >= 0) this.details[existing] = sample;
    else this.details.push(sample);
  }

  expose(family: ExposedFamily): void {
    this.exposed.push(family);
  }

  fail(reason: string): false {
    this.reason ??= reason;
    return false;
  }
}

export interface RunOptions {
  /** Seconds; defaults to the spec's timeout. */
  timeout?: number;
  /** Reload or shutdown. */
  signal?: AbortSignal;
  log: Logger;
}

/** One span per check run (a no-op without OTLP); failures are recorded with their reason. */
export function runCheck(
  spec: CheckSpec,
  target: string,
  options: RunOptions,
): Promise<CheckResult> {
  return withSpan(
    `check ${spec.kind}`,
    {
      "opsctl.check.name": spec.name,
      "opsctl.check.kind": spec.kind,
      "opsctl.check.target": shownTarget(target),
    },
    async (span) => {
      const result = await runCheckUntraced(spec, target, options);
      span.setAttributes({
        "opsctl.check.success": result.success,
        "opsctl.check.duration_seconds": result.durationSeconds,
      });
      if (!result.success) span.fail(result.error ?? "check failed");
      return result;
    },
  );
}

async function runCheckUntraced(
  spec: CheckSpec,
  target: string,
  options: RunOptions,
): Promise<CheckResult> {
  const kind = checkKinds[spec.kind];
  if (!kind) throw new Error(`unknown check kind ${spec.kind}`);
  const timeout = options.timeout ?? spec.timeout;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`timed out after ${timeout}s`)),
    Math.max(1, timeout * 1000),
  );
  const onParentAbort = () => controller.abort(options.signal?.reason ?? new Error("stopped"));
  options.signal?.addEventListener("abort", onParentAbort, { once: true });
  if (options.signal?.aborted) onParentAbort();
  const sink = new CollectingSink(kind.metrics, kind.kind);
  const started = performance.now();
  let success = false;
  try {
    // The race guarantees a check that ignores its signal still cannot hold up the scheduler.
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener("abort", () => reject(controller.signal.reason), {
        once: true,
      });
    });
    aborted.catch(() => {});
    const running = kind.run({
      target,
      settings: spec.settings,
      result: sink,
      signal: controller.signal,
      timeout,
      log: options.log,
    });
    running.catch(() => {}); // a late rejection after the timeout won the race is expected
    success = await Promise.race([running, aborted]);
  } catch (error) {
    success = false;
    sink.fail((error as Error).message ?? String(error));
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onParentAbort);
    // Anything still open (sockets, children) is told to stop now.
    if (!controller.signal.aborted) controller.abort(new Error("check finished"));
  }
  if (!success && sink.reason === undefined) sink.fail("check failed");
  return {
    success,
    durationSeconds: (performance.now() - started) / 1000,
    timestamp: Date.now() / 1000,
    error: success ? undefined : sink.reason,
    details: sink.details,
    exposed: sink.exposed,
  };
}
