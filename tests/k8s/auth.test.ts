// The control plane's two users over TLS with the harness CA, through kubectl and through
// @kubernetes/client-node under Bun: stock client-node drops the CA and client certificate
// (its undici dispatcher is ignored by Bun), lib/k8s makes them work.
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { AuthenticationV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { loadKubeconfigFile, makeApiClient } from "../../lib/k8s/index.ts";
import { startCluster, type TestCluster } from "../env/k8s.ts";

// Real API round trips and kubectl runs (fresh discovery per cluster port) on a shared 2-core box.
setDefaultTimeout(120_000);

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster();
}, 180_000); // a cold control plane start (shared by every test file in the run)

async function whoAmI(kubeconfig: string): Promise<string | undefined> {
  const api = makeApiClient(loadKubeconfigFile(kubeconfig), AuthenticationV1Api);
  const review = await api.createSelfSubjectReview({
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  });
  return review.status?.userInfo?.username;
}

describe("kubectl", () => {
  for (const user of ["token", "cert"] as const) {
    test(`lists namespaces as the ${user} user`, async () => {
      const kubeconfig = user === "token" ? cluster.kubeconfigToken : cluster.kubeconfigCert;
      const result = await cluster.kubectl(["get", "namespaces", "-o", "name"], { kubeconfig });
      expect(result.stderr).toBe("");
      expect(result.exitCode).toBe(0);
      expect(result.stdout.split("\n")).toContain("namespace/kube-system");
      const whoami = await cluster.kubectl(
        ["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"],
        {
          kubeconfig,
        },
      );
      expect(whoami.stdout).toBe(user === "token" ? cluster.tokenUser : cluster.certUser);
    });
  }

  test("is refused without credentials the server trusts", async () => {
    const result = await cluster.kubectl(
      ["get", "namespaces", `--server=${cluster.server}`, "--token=wrong"],
      {
        kubeconfig: cluster.kubeconfigToken,
      },
    );
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("Unauthorized");
  });
});

describe("client-node under Bun", () => {
  test("stock makeApiClient drops the kubeconfig's CA under Bun (the bug lib/k8s fixes)", async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigCert);
    await expect(kc.makeApiClient(CoreV1Api).listNamespace()).rejects.toThrow(/verify/);
  });

  test("stock makeApiClient drops the client certificate too: the server sees an anonymous user", async () => {
    // With verification off (child process only), the request gets through, without the cert.
    const script = `
      import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
      const kc = new KubeConfig();
      kc.loadFromFile(process.env.STOCK_KUBECONFIG);
      try { await kc.makeApiClient(CoreV1Api).listNamespace(); console.log("listed"); }
      catch (err) { console.log(String(err.body ?? err)); }`;
    const proc = Bun.spawn([process.execPath, "-e", script], {
      cwd: join(import.meta.dir, "..", ".."),
      env: {
        ...process.env,
        NODE_TLS_REJECT_UNAUTHORIZED: "0",
        STOCK_KUBECONFIG: cluster.kubeconfigCert,
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    const output = await new Response(proc.stdout).text();
    await proc.exited;
    expect(output).toContain("system:anonymous");
    expect(output).not.toContain("listed");
  });

  for (const user of ["token", "cert"] as const) {
    test(`lib/k8s lists namespaces as the ${user} user over TLS`, async () => {
      const kubeconfig = user === "token" ? cluster.kubeconfigToken : cluster.kubeconfigCert;
      const core = makeApiClient(loadKubeconfigFile(kubeconfig), CoreV1Api);
      const namespaces = await core.listNamespace();
      expect(namespaces.items.map((ns) => ns.metadata?.name)).toContain("kube-system");
      // The server saw the identity the kubeconfig carries: the cert (or token) was really sent.
      expect(await whoAmI(kubeconfig)).toBe(
        user === "token" ? cluster.tokenUser : cluster.certUser,
      );
    });
  }

  test("lib/k8s rejects a server certificate from another CA", async () => {
    const kc = loadKubeconfigFile(cluster.kubeconfigCert);
    const cluster0 = kc.getCurrentCluster();
    if (!cluster0) throw new Error("no cluster");
    // Replace the CA with an unrelated one (the client cert itself): verification must fail.
    const foreign = new KubeConfig();
    foreign.loadFromOptions({
      clusters: [{ ...cluster0, caData: undefined, caFile: cluster.certFile }],
      users: kc.getUsers(),
      contexts: kc.getContexts(),
      currentContext: kc.getCurrentContext(),
    });
    await expect(makeApiClient(foreign, CoreV1Api).listNamespace()).rejects.toThrow();
  });
});
