import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { registerProcessMetrics } from "../../lib/metrics/process-metrics.ts";
import { serveMetrics } from "../../lib/metrics/server.ts";
import { ToolMetrics } from "../../lib/metrics/tool-metrics.ts";
import { type Pushgateway, startPushgateway } from "../env/pushgateway.ts";
import { compiledTool, run } from "../helpers/compiled.ts";

/** The Pushgateway's /api/v1/metrics shape, as far as these tests read it. */
type PushGroup = { labels: Record<string, string> } & Record<string, Series>;
type Series = { metrics?: { value: string; labels: Record<string, string> }[] };

let gateway: Pushgateway;
let binary: string;

beforeAll(async () => {
  [gateway, binary] = await Promise.all([
    startPushgateway(),
    compiledTool("demo", "tests/fixtures/demo-tool.ts"),
  ]);
}, 300_000);
afterAll(async () => {
  await gateway.service.stop();
});

/** The logclean group's exit code and last success as the Pushgateway holds them. */
async function pushedSamples(): Promise<{ exitCode?: string; lastSuccess?: string }> {
  const body = (await (await fetch(`${gateway.url}/api/v1/metrics`)).json()) as {
    data: PushGroup[];
  };
  const group = body.data.find(
    (g) => g.labels.job === "logclean" && g.labels.instance === hostname(),
  );
  return {
    exitCode: group?.opsctl_last_exit_code?.metrics?.[0]?.value,
    lastSuccess: group?.opsctl_last_success_timestamp_seconds?.metrics?.[0]?.value,
  };
}

/** promtool (Debian package prometheus) must accept every exposition we write. */
function promtoolCheck(text: string): { exitCode: number; output: string } {
  const result = Bun.spawnSync(["promtool", "check", "metrics"], { stdin: new Blob([text]) });
  return { exitCode: result.exitCode, output: result.stdout.toString() + result.stderr.toString() };
}

describe("--metrics-push URL", () => {
  test("a password in the URL is never shown: a failed push names the URL with xxxxx for it", async () => {
    // Port 1 on loopback: nothing listens, the push fails after the run.
    const result = await run([binary, "--metrics-push", "http://ops:s3cr3t@127.0.0.1:1/"], {
      env: { PATH: process.env.PATH },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("pushing metrics to http://ops:xxxxx@127.0.0.1:1/");
    expect(result.stderr + result.stdout).not.toContain("s3cr3t");
  });

  test("a value that is not an http(s) URL is a usage error before any work (exit 2)", async () => {
    for (const [value, why] of [
      ["notaurl", '--metrics-push "notaurl": not a URL'],
      [
        "ftp://u:pw@127.0.0.1/",
        '--metrics-push "ftp://u:xxxxx@127.0.0.1/": not an http or https URL',
      ],
    ] as const) {
      const result = await run([binary, "a", "--metrics-push", value], {
        env: { PATH: process.env.PATH },
      });
      expect([value, result.exitCode, result.stdout]).toEqual([value, 2, ""]);
      expect(result.stderr).toContain(why);
    }
  });
});

describe("Pushgateway (real)", () => {
  test("a compiled tool pushes its run metrics under job=<tool>, instance=<host>", async () => {
    const result = await run([binary, "a", "b", "c", "--metrics-push", gateway.url], {
      env: { PATH: process.env.PATH },
    });
    expect(result.exitCode).toBe(0);
    const response = await fetch(`${gateway.url}/api/v1/metrics`);
    const body = (await response.json()) as { data: PushGroup[] };
    const group = body.data.find(
      (g) => g.labels.job === "logclean" && g.labels.instance === hostname(),
    );
    expect(group).toBeDefined();
    const items = group?.opsctl_items_processed_total?.metrics?.[0];
    if (!items) throw new Error("no opsctl_items_processed_total in the group");
    expect(Number(items.value)).toBe(3);
    expect(items.labels.tool).toBe("logclean");
    const lastSuccess = Number(group?.opsctl_last_success_timestamp_seconds?.metrics?.[0]?.value);
    expect(Math.abs(lastSuccess - Date.now() / 1000)).toBeLessThan(120);
    expect(Number(group?.opsctl_last_exit_code?.metrics?.[0]?.value)).toBe(0);
  });

  test("a failing run pushes its exit code and error count", async () => {
    const result = await run([binary, "--fail", "error", "--metrics-push", gateway.url], {
      env: { PATH: process.env.PATH },
    });
    expect(result.exitCode).toBe(1);
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(text).toMatch(/opsctl_last_exit_code\{[^}]*job="logclean"[^}]*\} 1/);
    expect(text).toMatch(/opsctl_errors_total\{[^}]*job="logclean"[^}]*\} 1/);
  });

  test("a failed run keeps the group's last success (a 0 reads as 1970 to an alert)", async () => {
    const ok = await run([binary, "--metrics-push", gateway.url], {
      env: { PATH: process.env.PATH },
    });
    expect(ok.exitCode).toBe(0);
    const before = await pushedSamples();
    expect(Number(before.lastSuccess)).toBeGreaterThan(0);
    const failed = await run([binary, "--fail", "error", "--metrics-push", gateway.url], {
      env: { PATH: process.env.PATH },
    });
    expect(failed.exitCode).toBe(1);
    const after = await pushedSamples();
    expect(after.exitCode).toBe("1");
    expect(after.lastSuccess).toBe(before.lastSuccess);
  });

  test("a failed run of a job that never succeeded pushes no last success", async () => {
    const group = `${gateway.url}/metrics/job/logclean/instance/${encodeURIComponent(hostname())}`;
    expect((await fetch(group, { method: "DELETE" })).ok).toBe(true);
    const failed = await run([binary, "--fail", "error", "--metrics-push", gateway.url], {
      env: { PATH: process.env.PATH },
    });
    expect(failed.exitCode).toBe(1);
    const after = await pushedSamples();
    expect(after.exitCode).toBe("1");
    expect(after.lastSuccess).toBeUndefined();
  });

  test("an unreachable Pushgateway is reported and turns exit 0 into 1", async () => {
    const result = await run([binary, "--metrics-push", "http://127.0.0.1:1"], {
      env: { PATH: process.env.PATH },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("pushing metrics to http://127.0.0.1:1");
  });
});

describe("textfile collector output", () => {
  test("written atomically and accepted by promtool check metrics", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opsctl-textfile-"));
    const path = join(dir, "logclean.prom");
    const result = await run([binary, "x", "--metrics-textfile", path], {
      env: { PATH: process.env.PATH },
    });
    expect(result.exitCode).toBe(0);
    expect(readdirSync(dir)).toEqual(["logclean.prom"]); // no temp file left behind
    const text = readFileSync(path, "utf8");
    expect(text).toContain('opsctl_items_processed_total{tool="logclean"} 1');
    const check = promtoolCheck(text);
    expect(check.output).toBe("");
    expect(check.exitCode).toBe(0);
  });

  test("promtool would catch a bad exposition (the check can fail)", () => {
    expect(promtoolCheck("# TYPE foo counter\nfoo 1\n").output).toContain(
      "counter metrics should have",
    );
  });

  test("a failed run carries the last success forward; with none before, there is none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opsctl-textfile-"));
    const path = join(dir, "logclean.prom");
    const env = { PATH: process.env.PATH };
    const lastSuccess = () =>
      readFileSync(path, "utf8")
        .split("\n")
        .filter((line) => line.startsWith("opsctl_last_success_timestamp_seconds"));
    const exitCodeLine = () =>
      readFileSync(path, "utf8")
        .split("\n")
        .find((line) => line.startsWith("opsctl_last_exit_code"));

    expect(
      (await run([binary, "--fail", "error", "--metrics-textfile", path], { env })).exitCode,
    ).toBe(1);
    expect(lastSuccess()).toEqual([]);
    expect(readFileSync(path, "utf8")).not.toContain("opsctl_last_success_timestamp_seconds");
    expect(promtoolCheck(readFileSync(path, "utf8")).output).toBe("");

    expect((await run([binary, "--metrics-textfile", path], { env })).exitCode).toBe(0);
    const good = lastSuccess();
    expect(good).toHaveLength(1);
    expect(Number(good[0]?.split(" ").pop())).toBeGreaterThan(0);

    expect(
      (await run([binary, "--fail", "error", "--metrics-textfile", path], { env })).exitCode,
    ).toBe(1);
    expect(exitCodeLine()).toBe('opsctl_last_exit_code{tool="logclean"} 1');
    expect(lastSuccess()).toEqual(good);
    const check = promtoolCheck(readFileSync(path, "utf8"));
    expect(check.output).toBe("");
    expect(check.exitCode).toBe(0);
    expect(readdirSync(dir)).toEqual(["logclean.prom"]);
  });

  test("an unwritable path fails the run with the path in the error", async () => {
    const result = await run([binary, "--metrics-textfile", "/nonexistent/dir/x.prom"], {
      env: { PATH: process.env.PATH },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("--metrics-textfile /nonexistent/dir/x.prom");
  });
});

describe("daemon endpoints", () => {
  test("/metrics, /healthz and /readyz on Bun.serve; process metrics without heap walkers", async () => {
    const metrics = new ToolMetrics("exporter");
    registerProcessMetrics(metrics.registry);
    let ready = false;
    const server = serveMetrics({
      registry: metrics.registry,
      hostname: "127.0.0.1",
      port: 0,
      ready: () => ready,
    });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      ready = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toContain("process_resident_memory_bytes");
      expect(text).toContain("process_cpu_seconds_total");
      expect(text).not.toContain("nodejs_heap_space_size");
      const check = promtoolCheck(text);
      expect(check.output).toBe("");
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      server.stop(true);
    }
  });
});
