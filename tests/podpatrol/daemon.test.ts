// The daemon's reload refusals that need no API server: what a reload may not change (all
// namespaces against a list, a node watch the patrol was started without) is refused before
// anything is checked or applied. The kubeconfig points at a port nothing listens on.
import { afterEach, describe, expect, test } from "bun:test";
import type { KubeConfig } from "@kubernetes/client-node";
import { Registry } from "../../lib/metrics/prom.ts";
import { buildConfig, type PatrolFlags } from "../../lib/podpatrol/config.ts";
import { type Daemon, startDaemon } from "../../lib/podpatrol/daemon.ts";
import { defaultFlags } from "./fixtures.ts";
import { standInKubeConfig } from "./stand-in-kubeconfig.ts";
import { quietLog } from "./test-log.ts";

const nodeRules = ["node-lost", "unschedulable"];

/** Port 1 on loopback: nothing listens there. */
const unreachable = (): KubeConfig => standInKubeConfig(1);

const running: { daemon: Daemon; stop: AbortController }[] = [];
afterEach(async () => {
  for (const { daemon, stop } of running.splice(0)) {
    stop.abort();
    await daemon.done;
  }
});

function daemonWith(flags: PatrolFlags): Daemon {
  const stop = new AbortController();
  const daemon = startDaemon({
    kc: unreachable(),
    config: buildConfig(flags, {}),
    log: quietLog,
    registry: new Registry(),
    listen: undefined,
    leader: undefined,
    identity: "daemon-test",
    signal: stop.signal,
  });
  running.push({ daemon, stop });
  return daemon;
}

describe("reload refusals", () => {
  test("a namespaced patrol started without node rules: turning one on needs a restart", async () => {
    const flags = { ...defaultFlags, namespace: ["shop"], disableRule: nodeRules };
    const daemon = daemonWith(flags);
    const next = buildConfig({ ...flags, disableRule: ["unschedulable"] }, {});
    const refusal = daemon.reload(next);
    await expect(refusal).rejects.toThrow("started without a node watch");
    await expect(refusal).rejects.toThrow("--disable-rule node-lost");
    expect(daemon.engine.currentConfig.rules["node-lost"]?.enabled).toBe(false); // old one kept
  });

  test("node rules turned off by a reload may be turned on again: the node watch still runs", async () => {
    const flags = { ...defaultFlags, namespace: ["shop"] };
    const daemon = daemonWith(flags);
    await daemon.reload(buildConfig({ ...flags, disableRule: nodeRules }, {}));
    await daemon.reload(buildConfig(flags, {}));
    expect(daemon.engine.currentConfig.rules["node-lost"]?.enabled).toBe(true);
  });

  test("all namespaces against a list, either way, needs a restart", async () => {
    const all = daemonWith({ ...defaultFlags });
    await expect(
      all.reload(buildConfig({ ...defaultFlags, namespace: ["shop"] }, {})),
    ).rejects.toThrow("from all namespaces to a namespace list");
    const listed = daemonWith({ ...defaultFlags, namespace: ["shop"], disableRule: nodeRules });
    await expect(
      listed.reload(buildConfig({ ...defaultFlags, disableRule: nodeRules }, {})),
    ).rejects.toThrow("from a namespace list to all namespaces");
  });
});
