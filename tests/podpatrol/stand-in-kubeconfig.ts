// A kubeconfig for a stand-in API server on loopback (plain HTTP, a bearer token), for tests
// that answer as an API server would without starting the real one.
import { KubeConfig } from "@kubernetes/client-node";

/** `port` as Bun.serve gives it (typed number | undefined; a listening server has one). */
export function standInKubeConfig(port: number | undefined): KubeConfig {
  if (port === undefined) throw new Error("the stand-in API server has no port");
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}
