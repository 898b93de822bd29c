// lib/k8s config loading: errors name the input and what is wrong (no cluster needed).
import { afterAll, describe, expect, setSystemTime, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  kubeRequestOptions,
  loadInClusterConfig,
  loadKubeConfig,
  loadKubeconfigFile,
} from "../../lib/k8s/index.ts";

const dir = mkdtempSync(join(tmpdir(), "opsctl-k8s-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(name: string, contexts: string[], extra: Record<string, unknown> = {}): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "c",
          cluster: {
            server: "https://127.0.0.1:6443",
            "certificate-authority-data": Buffer.from("CA PEM").toString("base64"),
          },
        },
      ],
      users: [{ name: "u", user: { token: "secret-token" } }],
      contexts: contexts.map((ctx) => ({ name: ctx, context: { cluster: "c", user: "u" } })),
      "current-context": contexts[0],
      ...extra,
    }),
  );
  return file;
}

test("a missing kubeconfig file is named in the error", () => {
  expect(() => loadKubeconfigFile(join(dir, "nope"))).toThrow(
    `kubeconfig ${join(dir, "nope")}: no such file`,
  );
});

test("an unknown context is named in the error", () => {
  const file = kubeconfig("two.json", ["a", "b"]);
  expect(loadKubeconfigFile(file, { context: "b" }).getCurrentContext()).toBe("b");
  expect(() => loadKubeconfigFile(file, { context: "zzz" })).toThrow(
    `kubeconfig ${file}: no context named "zzz"`,
  );
});

test("kubeRequestOptions carries CA data and the bearer token", async () => {
  const kc = loadKubeconfigFile(kubeconfig("one.json", ["a"]));
  const { tls, headers } = await kubeRequestOptions(kc);
  expect(tls.ca?.toString()).toBe("CA PEM");
  expect(headers.Authorization).toBe("Bearer secret-token");
});

test("kubectl's tokenFile (relative to the kubeconfig) is the bearer token, re-read as it rotates", async () => {
  const tokenFile = join(dir, "rotating-token");
  writeFileSync(tokenFile, "token-one");
  const file = kubeconfig("token-file.json", ["a"], {
    users: [{ name: "u", user: { tokenFile: "rotating-token" } }],
  });
  const kc = loadKubeconfigFile(file);
  expect((await kubeRequestOptions(kc)).headers.Authorization).toBe("Bearer token-one");
  // The kubelet refreshes a projected token on disk; client-go re-reads the file every minute.
  writeFileSync(tokenFile, "token-two");
  try {
    setSystemTime(new Date(Date.now() + 61_000));
    expect((await kubeRequestOptions(kc)).headers.Authorization).toBe("Bearer token-two");
  } finally {
    setSystemTime();
  }
});

test("token wins over tokenFile, as in kubectl", async () => {
  writeFileSync(join(dir, "other-token"), "from-file");
  const file = kubeconfig("both.json", ["a"], {
    users: [{ name: "u", user: { token: "inline", tokenFile: "other-token" } }],
  });
  const { headers } = await kubeRequestOptions(loadKubeconfigFile(file));
  expect(headers.Authorization).toBe("Bearer inline");
});

test("in-cluster config without the service env or token file says what is missing", () => {
  expect(() => loadInClusterConfig({ serviceAccountDir: dir, env: {} })).toThrow(
    /KUBERNETES_SERVICE_HOST/,
  );
  expect(() =>
    loadInClusterConfig({
      serviceAccountDir: dir,
      env: { KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: "443" },
    }),
  ).toThrow(`in-cluster config: ${join(dir, "token")}: no such file`);
});

test("OPSCTL_K8S_SERVICEACCOUNT_DIR points the in-cluster config at another folder", () => {
  const saDir = mkdtempSync(join(dir, "sa-"));
  const env = {
    OPSCTL_K8S_SERVICEACCOUNT_DIR: saDir,
    KUBERNETES_SERVICE_HOST: "127.0.0.1",
    KUBERNETES_SERVICE_PORT: "6443",
    HOME: dir,
  };
  expect(() => loadInClusterConfig({ env })).toThrow(`${join(saDir, "token")}: no such file`);
  writeFileSync(join(saDir, "token"), "sa-token");
  writeFileSync(join(saDir, "ca.crt"), "CA PEM");
  writeFileSync(join(saDir, "namespace"), "from-sa-dir");
  const kc = loadKubeConfig({ env }); // no kubeconfig anywhere: in-cluster from the env's folder
  expect(kc.getCurrentCluster()?.server).toBe("https://127.0.0.1:6443");
  expect(kc.getCurrentCluster()?.caFile).toBe(join(saDir, "ca.crt"));
  expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe("from-sa-dir");
  // An explicit option still wins over the environment.
  expect(() => loadInClusterConfig({ env, serviceAccountDir: join(dir, "none") })).toThrow(
    `${join(dir, "none", "token")}: no such file`,
  );
});

test("loadKubeConfig with nothing to load lists what it tried", () => {
  expect(() => loadKubeConfig({ serviceAccountDir: dir, env: { HOME: dir } })).toThrow(
    /no Kubernetes config/,
  );
});

test("loadKubeConfig takes the first $KUBECONFIG file", () => {
  const file = kubeconfig("env.json", ["from-env"]);
  expect(
    loadKubeConfig({ env: { KUBECONFIG: `${file}:${join(dir, "other")}` } }).getCurrentContext(),
  ).toBe("from-env");
});

describe("a kubeconfig that cannot work is refused at load, naming the file and the key", () => {
  // Before, these passed the load: a missing cluster was a plain error (podpatrol exit 1), a
  // server without a scheme and missing CA/certificate files surfaced at the first request as
  // "API server ... unreachable" (podpatrol exit 4, as if the network were down).
  const cases: [string, Record<string, unknown>, string][] = [
    [
      "a context naming a cluster the file lacks",
      { contexts: [{ name: "a", context: { cluster: "gone", user: "u" } }] },
      'context "a" names cluster "gone", which is not in the file',
    ],
    [
      "a context naming a user the file lacks",
      { contexts: [{ name: "a", context: { cluster: "c", user: "nobody" } }] },
      'context "a" names user "nobody", which is not in the file',
    ],
    [
      "a server that is not an http(s) URL",
      { clusters: [{ name: "c", cluster: { server: "127.0.0.1:6443" } }] },
      'cluster "c": server "127.0.0.1:6443": not an https:// (or http://) URL',
    ],
    [
      "a certificate-authority file that does not exist",
      {
        clusters: [
          {
            name: "c",
            cluster: { server: "https://127.0.0.1:6443", "certificate-authority": "no-ca.crt" },
          },
        ],
      },
      `cluster "c": certificate-authority ${join(dir, "no-ca.crt")}: no such file`,
    ],
    [
      "a client-certificate file that does not exist",
      {
        users: [
          {
            name: "u",
            user: { "client-certificate": "/nonexistent/c.pem", "client-key-data": "eA==" },
          },
        ],
      },
      'user "u": client-certificate /nonexistent/c.pem: no such file',
    ],
    [
      "a client-key file that does not exist",
      {
        users: [
          {
            name: "u",
            user: { "client-certificate-data": "eA==", "client-key": "/nonexistent/k.pem" },
          },
        ],
      },
      'user "u": client-key /nonexistent/k.pem: no such file',
    ],
  ];
  for (const [what, extra, message] of cases) {
    test(what, () => {
      const file = kubeconfig(`unusable-${what.replaceAll(" ", "-")}.json`, ["a"], extra);
      expect(() => loadKubeconfigFile(file)).toThrow(`kubeconfig ${file}: ${message}`);
    });
  }

  test("files that exist, and http:// servers, still load", () => {
    writeFileSync(join(dir, "here-ca.crt"), "CA PEM");
    const file = kubeconfig("usable.json", ["a"], {
      clusters: [
        {
          name: "c",
          cluster: { server: "http://127.0.0.1:8080", "certificate-authority": "here-ca.crt" },
        },
      ],
    });
    expect(loadKubeconfigFile(file).getCurrentCluster()?.caFile).toBe(join(dir, "here-ca.crt"));
  });
});
