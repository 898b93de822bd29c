// lib/k8s inside a `bun build --compile` binary (as the tools ship) against the real API server.
import { beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { startCluster, type TestCluster } from "../env/k8s.ts";
import { compiledTool, run } from "../helpers/compiled.ts";

// Real API round trips and kubectl runs (fresh discovery per cluster port) on a shared 2-core box.
setDefaultTimeout(120_000);

let cluster: TestCluster;
let binary: string;
beforeAll(async () => {
  [cluster, binary] = await Promise.all([
    startCluster(),
    compiledTool("k8s-whoami", "tests/fixtures/k8s-whoami.ts"),
  ]);
}, 300_000); // a cold control plane start and a compile

for (const user of ["cert", "token"] as const) {
  test(`a compiled binary authenticates as the ${user} user, lists and watches`, async () => {
    const kubeconfig = user === "cert" ? cluster.kubeconfigCert : cluster.kubeconfigToken;
    const result = await run([binary, kubeconfig]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.user).toBe(user === "cert" ? cluster.certUser : cluster.tokenUser);
    expect(out.namespaces).toBeGreaterThanOrEqual(4);
    expect(out.watched).toBe("ADDED");
  });
}
