/** Readiness (lib/podpatrol/readiness.ts): /readyz's answer, and the log lines when it changes. */
import { expect, test } from "bun:test";
import { Readiness } from "../../lib/podpatrol/readiness.ts";
import { waitUntil } from "../env/k8s-helpers.ts";
import { capturedLog } from "./test-log.ts";

test("warns once when a ready patrol goes blind, naming the watches; says when it is ready again", () => {
  const { log, lines } = capturedLog();
  let down = ["/api/v1/pods"];
  const readiness = new Readiness(() => down, log, 120);
  try {
    expect(readiness.ready()).toBe(false); // starting: caches not synced, nothing to say yet
    expect(lines).toEqual([]);
    down = [];
    expect(readiness.ready()).toBe(true);
    expect(lines).toEqual([]);
    down = ["/api/v1/namespaces/a/pods", "/api/v1/nodes"];
    expect(readiness.ready()).toBe(false);
    expect(readiness.ready()).toBe(false); // still down: not said again
    expect(lines).toEqual([
      expect.objectContaining({
        level: "warn",
        msg: expect.stringContaining("not ready"),
        watches: ["/api/v1/namespaces/a/pods", "/api/v1/nodes"],
        idleSeconds: 120,
      }),
    ]);
    down = [];
    expect(readiness.ready()).toBe(true);
    expect(readiness.ready()).toBe(true);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ["warn", expect.stringContaining("not ready")],
      ["info", "ready again: every watch works"],
    ]);
  } finally {
    readiness.stop();
  }
});

test("checks on its own, without /readyz being asked", async () => {
  const { log, lines } = capturedLog();
  let down: string[] = [];
  const readiness = new Readiness(() => down, log, 120);
  try {
    readiness.ready();
    down = ["/api/v1/pods"];
    await waitUntil("a log line", async () => lines.length > 0, 5000);
    expect(JSON.stringify(lines)).toContain("not ready");
  } finally {
    readiness.stop();
  }
});
