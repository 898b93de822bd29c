// Events go through a stand-in API server on loopback that fails as a real one can: a POST
// answered 5xx or 429 is sent again, one refused for good (403) is not, and none is lost quietly.
import { afterAll, expect, test } from "bun:test";
import { EventRecorder } from "../../lib/podpatrol/kube/events.ts";
import { KubeRest } from "../../lib/podpatrol/kube/rest.ts";
import { waitUntil } from "../helpers/wait-until.ts";
import { standInKubeConfig } from "./stand-in-kubeconfig.ts";
import { capturedLog } from "./test-log.ts";

/** Answers for the next POSTs, in order; after them, 201. */
let answers: number[] = [];
const received: { reason: string; name: string }[] = [];
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    const body = (await request.json()) as { reason: string; involvedObject: { name: string } };
    received.push({ reason: body.reason, name: body.involvedObject.name });
    const status = answers.shift() ?? 201;
    return Response.json(
      status === 201 ? body : { kind: "Status", message: `answer ${status}`, code: status },
      { status },
    );
  },
});
afterAll(() => server.stop(true));

function recorder(retryDelaysMs: number[]) {
  const { log, lines } = capturedLog();
  const rest = new KubeRest(standInKubeConfig(server.port));
  return { events: new EventRecorder(rest, "me", log, 200, retryDelaysMs), lines };
}

const pod = { kind: "Pod", name: "web-1", namespace: "shop" };

test("a POST answered 500, then 429, is sent again until it is recorded", async () => {
  received.length = 0;
  answers = [500, 429];
  const { events, lines } = recorder([5, 5, 5]);
  events.emit(pod, "Warning", "PatrolSkipped", "pdb");
  await waitUntil("three POSTs", () => received.length === 3);
  await Bun.sleep(50);
  expect(received).toEqual([
    { reason: "PatrolSkipped", name: "web-1" },
    { reason: "PatrolSkipped", name: "web-1" },
    { reason: "PatrolSkipped", name: "web-1" },
  ]);
  expect(lines.filter((l) => String(l.msg).includes("event not recorded"))).toEqual([]);
});

test("a POST refused with 403 is not sent again, and the loss is logged with the reason", async () => {
  received.length = 0;
  answers = [403];
  const { events, lines } = recorder([5, 5, 5]);
  events.emit(pod, "Normal", "PatrolEvicted", "crashloop");
  await waitUntil("the warning", () => lines.some((l) => l.level === "warn"));
  await Bun.sleep(50);
  expect(received).toHaveLength(1);
  const warning = lines.find((l) => l.level === "warn");
  expect(String(warning?.msg)).toContain("event not recorded");
  expect(String(warning?.msg)).toContain("403");
  expect(warning?.reason).toBe("PatrolEvicted");
});

test("a server failing every try gets the POST once plus one per retry delay, then a warning", async () => {
  received.length = 0;
  answers = [503, 503, 503, 503, 503];
  const { events, lines } = recorder([5, 5]);
  events.emit(pod, "Warning", "PatrolSkipped", "breaker");
  await waitUntil("the warning", () => lines.some((l) => l.level === "warn"));
  await Bun.sleep(50);
  expect(received).toHaveLength(3);
  expect(String(lines.find((l) => l.level === "warn")?.msg)).toContain("503");
  answers = [];
});
