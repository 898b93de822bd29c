/**
 * A real Kubernetes control plane for tests, on 127.0.0.1 only:
 * etcd + kube-apiserver (TLS with its own CA, RBAC) + kube-controller-manager + kube-scheduler
 * + kwok (fake nodes and kubelets: pods are scheduled and go Running without containers).
 * Binaries come from tests/env/k8s/build.sh (built from the Go module proxy, cached in
 * ~/.cache/opsctl/k8s-.../bin; run it once before the tests: .ci/run does).
 *
 *   import { startCluster } from "../env/k8s.ts";
 *   const cluster = await startCluster();   // memoized per process: every test file shares one
 *   cluster.kubeconfigToken   // kubeconfig file: bearer-token user "opsctl-token-user"
 *   cluster.kubeconfigCert    // kubeconfig file: client-certificate user "opsctl-cert-user"
 *                             //   (both in group system:masters, i.e. cluster admins; the cert
 *                             //   one embeds *-data fields, the token one points at caFile)
 *   cluster.server, cluster.caFile, cluster.caPem, cluster.token, cluster.certFile/keyFile
 *   await cluster.kubectl(["get", "ns"])    // same-version kubectl, admin kubeconfig by default
 *   await cluster.serviceAccountKubeconfig("ns", "sa")  // token (TokenRequest) + CA for an SA
 *   await cluster.stop()      // optional: when the process ends (bun test, failures, Ctrl-C,
 *                             // even SIGKILL) a pipe watchdog kills the components by pid and
 *                             // removes the temp dir; setpriv --pdeathsig backs it up
 *
 * Helpers (tests/env/k8s-helpers.ts): adminClients (lib/k8s CoreV1Api/AppsV1Api), createNamespace,
 * createFakeNode (pods need one), createPod, createDeployment, waitForRunningPods, waitForPod,
 * makeNodeNotReady, crashLoopPod, createUnschedulablePod, waitUntil, uniqueName.
 * Give beforeAll a timeout (bun's hook default is 5 s): beforeAll(async () => {...}, 180_000).
 * Fake nodes are those annotated kwok.x-k8s.io/node=fake; kwok runs upstream's default stages
 * (node-initialize, node-heartbeat-with-lease, pod-ready/complete/delete) and node-not-ready.
 *
 * Env: OPSCTL_K8S_BIN_DIR (use these binaries), OPSCTL_K8S_KEEP=1 (keep the temp dir and its
 * logs/ after exit). By hand: tests/env/k8s-up.sh (prints KUBECONFIG, Ctrl-C stops).
 */
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { makePki } from "./k8s-pki.ts";
import { freePort } from "./service.ts";

export interface KubectlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface TestCluster {
  /** https://127.0.0.1:<port> */
  server: string;
  caFile: string;
  caPem: string;
  /** Kubeconfig of the bearer-token user (cluster admin). */
  kubeconfigToken: string;
  /** Kubeconfig of the client-certificate user (cluster admin); the default for kubectl(). */
  kubeconfigCert: string;
  tokenUser: string;
  token: string;
  certUser: string;
  certFile: string;
  keyFile: string;
  /** Temp dir holding certs, kubeconfigs, etcd data and logs/<component>.log. */
  dir: string;
  binDir: string;
  logs: Record<Component, string>;
  kubectl(
    args: string[],
    options?: { kubeconfig?: string; stdin?: string },
  ): Promise<KubectlResult>;
  /** Kubeconfig (bearer token from the TokenRequest API) for a ServiceAccount, to test RBAC. */
  serviceAccountKubeconfig(namespace: string, name: string): Promise<string>;
  /**
   * Kills the kube-apiserver by pid (SIGTERM, SIGKILL after 10 s; or SIGKILL right away) and
   * starts it again with the same arguments and port, then waits for /readyz. etcd keeps the
   * state; the controller-manager, scheduler and kwok reconnect by themselves. Returns the new pid.
   */
  restartApiServer(options?: { signal?: "SIGTERM" | "SIGKILL" }): Promise<number>;
  /** Pid of the running kube-apiserver. */
  apiServerPid(): number;
  stop(): Promise<void>;
}

type Component = "etcd" | "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "kwok";

const repoRoot = join(import.meta.dir, "..", "..");
const TOKEN_USER = "opsctl-token-user";
const CERT_USER = "opsctl-cert-user";
export const FAKE_NODE_ANNOTATION = { key: "kwok.x-k8s.io/node", value: "fake" } as const;

/** Where build.sh puts (or put) the binaries; OPSCTL_K8S_BIN_DIR overrides. */
export function k8sBinDir(): string {
  const fromEnv = process.env.OPSCTL_K8S_BIN_DIR;
  if (fromEnv) return fromEnv;
  const result = Bun.spawnSync(["bash", join(repoRoot, "tests/env/k8s/build.sh"), "--bin-dir"]);
  if (result.exitCode !== 0) throw new Error(`k8s build.sh --bin-dir: ${result.stderr}`);
  return result.stdout.toString().trim();
}

// --- process bookkeeping: everything started is killed by pid at exit -----------------------

const children = new Map<number, Bun.Subprocess>();
const tempDirs = new Set<string>();

function cleanupSync(): void {
  for (const [pid] of children) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  children.clear();
  if (process.env.OPSCTL_K8S_KEEP !== "1") {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  }
  tempDirs.clear();
}

const DIR_PREFIX = "opsctl-k8s-";

/** Removes temp dirs left by runs that were SIGKILLed (their owner.pid is no longer alive). */
function removeStaleDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number.parseInt(readFileSync(join(dir, "owner.pid"), "utf8"), 10);
    } catch {
      continue; // not ours to judge
    }
    try {
      process.kill(owner, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ESRCH")
        rmSync(dir, { recursive: true, force: true });
    }
  }
}

let hooksInstalled = false;
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", cleanupSync);
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.once(signal, () => {
      cleanupSync();
      process.exit(code);
    });
  }
}

/**
 * bun test runs no 'exit' hooks, so each cluster also gets a watchdog: a small sh holding a pipe
 * from this process. When the pipe closes (this process ended in any way) it kills the pids
 * listed in <dir>/pids that still run from <dir>, and removes <dir>. Unref'd.
 */
function spawnWatchdog(dir: string): Bun.Subprocess<"pipe", "ignore", "ignore"> {
  const script =
    'read -r _ignored; for p in $(cat "$DIR/pids" 2>/dev/null); do grep -qa "$DIR" /proc/$p/cmdline 2>/dev/null && kill -9 $p; done; [ "$KEEP" = 1 ] || rm -rf "$DIR"';
  const watchdog = Bun.spawn(["/bin/sh", "-c", script], {
    stdin: "pipe",
    stdout: "ignore",
    stderr: "ignore",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      DIR: dir,
      KEEP: process.env.OPSCTL_K8S_KEEP ?? "",
    },
  });
  watchdog.unref();
  return watchdog;
}

function spawnComponent(
  dir: string,
  binDir: string,
  name: Component,
  args: string[],
  logFile: string,
) {
  const bin = join(binDir, name);
  // setpriv --pdeathsig: the child gets SIGKILL if this process dies without running hooks.
  const log = openSync(logFile, "a"); // one O_APPEND fd for both streams: lines interleave, never clobber
  const proc = Bun.spawn(["setpriv", "--pdeathsig", "KILL", "--", bin, ...args], {
    stdin: "ignore",
    stdout: log,
    stderr: log,
  });
  closeSync(log);
  children.set(proc.pid, proc);
  appendFileSync(join(dir, "pids"), `${proc.pid}\n`);
  void proc.exited.then(() => children.delete(proc.pid));
  return proc;
}

function logTail(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Polls `check` until it returns true; fails early (with the log) if `proc` exits. */
async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  proc: Bun.Subprocess | undefined,
  logFile: string | undefined,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && proc.exitCode !== null) {
      throw new Error(
        `${what}: process exited with ${proc.exitCode}\n${logFile ? logTail(logFile) : ""}`,
      );
    }
    if (await check().catch(() => false)) return;
    await Bun.sleep(200);
  }
  throw new Error(
    `${what}: not ready after ${timeoutMs / 1000} s\n${logFile ? logTail(logFile) : ""}`,
  );
}

// --- kubeconfigs -----------------------------------------------------------------------------

interface KubeconfigUser {
  token?: string;
  "client-certificate"?: string;
  "client-key"?: string;
  "client-certificate-data"?: string;
  "client-key-data"?: string;
}

function writeKubeconfig(
  file: string,
  server: string,
  cluster: { "certificate-authority"?: string; "certificate-authority-data"?: string },
  userName: string,
  user: KubeconfigUser,
): string {
  // JSON is YAML: kubectl, client-go and client-node all read it.
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "opsctl-test", cluster: { server, ...cluster } }],
    users: [{ name: userName, user }],
    contexts: [{ name: userName, context: { cluster: "opsctl-test", user: userName } }],
    "current-context": userName,
  };
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return file;
}

const b64 = (file: string) => readFileSync(file).toString("base64");

// --- the cluster -----------------------------------------------------------------------------

let current: Promise<TestCluster> | undefined;

/** Starts the control plane once per process and returns it (later calls share it). */
export function startCluster(): Promise<TestCluster> {
  current ??= boot().catch((err) => {
    current = undefined;
    throw err;
  });
  return current;
}

async function boot(): Promise<TestCluster> {
  installExitHooks();
  const binDir = k8sBinDir();
  for (const bin of ["etcd", "kube", "kwok"]) {
    if (!(await Bun.file(join(binDir, bin)).exists())) {
      throw new Error(
        `k8s test binaries missing in ${binDir}: run \`bash tests/env/k8s/build.sh\` first (the first build takes ~30 min on 2 cores)`,
      );
    }
  }
  const stagesDir = join(dirname(binDir), "kwok-stages");

  removeStaleDirs();
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  tempDirs.add(dir);
  writeFileSync(join(dir, "owner.pid"), `${process.pid}\n`);
  const watchdog = spawnWatchdog(dir);
  const pkiDir = join(dir, "pki");
  const logDir = join(dir, "logs");
  mkdirSync(pkiDir);
  mkdirSync(logDir);
  const logs = Object.fromEntries(
    ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"].map((c) => [
      c,
      join(logDir, `${c}.log`),
    ]),
  ) as Record<Component, string>;

  const pki = makePki(pkiDir);
  const [etcdPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const server = `https://127.0.0.1:${apiPort}`;
  const caPem = readFileSync(pki.ca.certFile, "utf8");

  const token = crypto.randomUUID().replaceAll("-", "");
  const tokenFile = join(pkiDir, "tokens.csv");
  writeFileSync(tokenFile, `${token},${TOKEN_USER},${TOKEN_USER},"system:masters"\n`, {
    mode: 0o600,
  });
  const certUser = pki.clientCert("cert-user", CERT_USER, ["system:masters"]);
  const caRef = { "certificate-authority": pki.ca.certFile };
  const certKubeconfig = (name: string, user: string, groups: string[]) => {
    const pair = pki.clientCert(name, user, groups);
    return writeKubeconfig(join(dir, `${name}.kubeconfig`), server, caRef, user, {
      "client-certificate": pair.certFile,
      "client-key": pair.keyFile,
    });
  };
  const kubeconfigToken = writeKubeconfig(
    join(dir, "token-user.kubeconfig"),
    server,
    caRef,
    TOKEN_USER,
    {
      token,
    },
  );
  const kubeconfigCert = writeKubeconfig(
    join(dir, "cert-user.kubeconfig"),
    server,
    { "certificate-authority-data": b64(pki.ca.certFile) },
    CERT_USER,
    { "client-certificate-data": b64(certUser.certFile), "client-key-data": b64(certUser.keyFile) },
  );
  const controllerManagerKubeconfig = certKubeconfig(
    "controller-manager",
    "system:kube-controller-manager",
    [],
  );
  const schedulerKubeconfig = certKubeconfig("scheduler", "system:kube-scheduler", []);
  const kwokKubeconfig = certKubeconfig("kwok", "kwok-controller", ["system:masters"]);

  // etcd: loopback only, no fsync (test data).
  const etcd = spawnComponent(
    dir,
    binDir,
    "etcd",
    [
      "--name=opsctl-test",
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=opsctl-test=http://127.0.0.1:${etcdPeerPort}`,
      "--unsafe-no-fsync",
      "--log-level=warn",
    ],
    logs.etcd,
  );
  await waitFor(
    "etcd",
    async () => (await fetch(`http://127.0.0.1:${etcdPort}/health`)).ok,
    etcd,
    logs.etcd,
    30_000,
  );

  const apiserverArgs = [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    "--endpoint-reconciler-type=none", // the reconciler refuses loopback addresses
    `--secure-port=${apiPort}`,
    `--cert-dir=${join(dir, "apiserver")}`,
    `--tls-cert-file=${pki.apiserver.certFile}`,
    `--tls-private-key-file=${pki.apiserver.keyFile}`,
    `--client-ca-file=${pki.ca.certFile}`,
    `--token-auth-file=${tokenFile}`,
    // Request-header (front-proxy) CA: the controller-manager and scheduler's delegated
    // authentication expects one. No front-proxy-client certificate is ever issued.
    `--requestheader-client-ca-file=${pki.ca.certFile}`,
    "--requestheader-allowed-names=front-proxy-client",
    "--requestheader-username-headers=X-Remote-User",
    "--requestheader-group-headers=X-Remote-Group",
    "--requestheader-extra-headers-prefix=X-Remote-Extra-",
    "--authorization-mode=Node,RBAC",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    "--service-cluster-ip-range=10.96.0.0/16",
    "--allow-privileged=true",
    "--profiling=false",
  ];
  let apiserver = spawnComponent(
    dir,
    binDir,
    "kube-apiserver",
    apiserverArgs,
    logs["kube-apiserver"],
  );
  const tls = { ca: caPem };
  const auth = { Authorization: `Bearer ${token}` };
  const waitApiServerReady = (timeoutMs: number) =>
    waitFor(
      "kube-apiserver /readyz",
      async () => (await fetch(`${server}/readyz`, { tls, headers: auth })).ok,
      apiserver,
      logs["kube-apiserver"],
      timeoutMs,
    );
  await waitApiServerReady(90_000);

  const controllerManager = spawnComponent(
    dir,
    binDir,
    "kube-controller-manager",
    [
      `--kubeconfig=${controllerManagerKubeconfig}`,
      `--authentication-kubeconfig=${controllerManagerKubeconfig}`,
      `--authorization-kubeconfig=${controllerManagerKubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${await freePort()}`,
      `--cert-dir=${join(dir, "controller-manager")}`,
      "--leader-elect=false",
      "--use-service-account-credentials=true",
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.ca.certFile}`,
      `--cluster-signing-cert-file=${pki.ca.certFile}`,
      `--cluster-signing-key-file=${pki.ca.keyFile}`,
    ],
    logs["kube-controller-manager"],
  );
  const scheduler = spawnComponent(
    dir,
    binDir,
    "kube-scheduler",
    [
      `--kubeconfig=${schedulerKubeconfig}`,
      `--authentication-kubeconfig=${schedulerKubeconfig}`,
      `--authorization-kubeconfig=${schedulerKubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${await freePort()}`,
      `--cert-dir=${join(dir, "scheduler")}`,
      "--leader-elect=false",
    ],
    logs["kube-scheduler"],
  );

  const kwokConfig = join(dir, "kwok.yaml");
  const stageFiles = Array.from(new Bun.Glob("*.yaml").scanSync(stagesDir)).sort();
  if (stageFiles.length === 0) throw new Error(`no kwok stages in ${stagesDir}: rerun build.sh`);
  writeFileSync(
    kwokConfig,
    stageFiles.map((f) => readFileSync(join(stagesDir, f), "utf8").trim()).join("\n---\n"),
  );
  const kwok = spawnComponent(
    dir,
    binDir,
    "kwok",
    [
      `--kubeconfig=${kwokKubeconfig}`,
      `--config=${kwokConfig}`,
      "--manage-all-nodes=false",
      `--manage-nodes-with-annotation-selector=${FAKE_NODE_ANNOTATION.key}=${FAKE_NODE_ANNOTATION.value}`,
      "--node-lease-duration-seconds=40",
      "--cidr=10.244.0.0/16",
    ],
    logs.kwok,
  );

  const kubectl = async (
    args: string[],
    options: { kubeconfig?: string; stdin?: string } = {},
  ): Promise<KubectlResult> => {
    const proc = Bun.spawn(
      [join(binDir, "kubectl"), `--kubeconfig=${options.kubeconfig ?? kubeconfigCert}`, ...args],
      {
        stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { exitCode, stdout, stderr };
  };

  // The controller-manager is working once it has created the default ServiceAccount, which
  // pods need before the ServiceAccount admission plugin lets them in.
  await waitFor(
    "kube-controller-manager (default ServiceAccount)",
    async () =>
      (
        await fetch(`${server}/api/v1/namespaces/default/serviceaccounts/default`, {
          tls,
          headers: auth,
        })
      ).ok,
    controllerManager,
    logs["kube-controller-manager"],
    60_000,
  );
  for (const [name, proc] of [
    ["kube-scheduler", scheduler],
    ["kwok", kwok],
  ] as const) {
    if (proc.exitCode !== null) {
      throw new Error(`${name} exited with ${proc.exitCode}\n${logTail(logs[name])}`);
    }
  }

  const started = [etcd, apiserver, controllerManager, scheduler, kwok];
  const restartApiServer = async (
    options: { signal?: "SIGTERM" | "SIGKILL" } = {},
  ): Promise<number> => {
    const old = apiserver;
    if (old.exitCode === null) old.kill(options.signal ?? "SIGTERM");
    const stopped = await Promise.race([
      old.exited.then(() => true),
      Bun.sleep(10_000).then(() => false),
    ]);
    if (!stopped) old.kill("SIGKILL");
    await old.exited;
    appendFileSync(
      logs["kube-apiserver"],
      `--- opsctl test harness: restart (pid ${old.pid}) ---\n`,
    );
    // spawnComponent registers the new pid for the exit hooks and the watchdog's pids file.
    apiserver = spawnComponent(
      dir,
      binDir,
      "kube-apiserver",
      apiserverArgs,
      logs["kube-apiserver"],
    );
    started[started.indexOf(old)] = apiserver;
    await waitApiServerReady(90_000);
    // The same check boot() ends with, and the other components must have survived the outage.
    await waitFor(
      "kube-apiserver after restart (default ServiceAccount)",
      async () =>
        (
          await fetch(`${server}/api/v1/namespaces/default/serviceaccounts/default`, {
            tls,
            headers: auth,
          })
        ).ok,
      apiserver,
      logs["kube-apiserver"],
      30_000,
    );
    for (const [name, proc] of [
      ["etcd", etcd],
      ["kube-controller-manager", controllerManager],
      ["kube-scheduler", scheduler],
      ["kwok", kwok],
    ] as const) {
      if (proc.exitCode !== null) {
        throw new Error(
          `${name} exited with ${proc.exitCode} during the API server restart\n${logTail(logs[name])}`,
        );
      }
    }
    return apiserver.pid;
  };
  const serviceAccountKubeconfig = async (namespace: string, name: string): Promise<string> => {
    const response = await fetch(
      `${server}/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
      {
        method: "POST",
        tls,
        headers: { ...auth, "Content-Type": "application/json" },
        body: JSON.stringify({
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenRequest",
          spec: {},
        }),
      },
    );
    if (!response.ok) {
      throw new Error(
        `TokenRequest ${namespace}/${name}: ${response.status} ${await response.text()}`,
      );
    }
    const { status } = (await response.json()) as { status: { token: string } };
    return writeKubeconfig(
      join(dir, `sa-${namespace}-${name}.kubeconfig`),
      server,
      caRef,
      `system:serviceaccount:${namespace}:${name}`,
      { token: status.token },
    );
  };

  return {
    server,
    caFile: pki.ca.certFile,
    caPem,
    kubeconfigToken,
    kubeconfigCert,
    tokenUser: TOKEN_USER,
    token,
    certUser: CERT_USER,
    certFile: certUser.certFile,
    keyFile: certUser.keyFile,
    dir,
    binDir,
    logs,
    kubectl,
    serviceAccountKubeconfig,
    restartApiServer,
    apiServerPid: () => apiserver.pid,
    async stop() {
      for (const proc of started.reverse()) {
        if (proc.exitCode === null) proc.kill("SIGTERM");
        const stopped = await Promise.race([
          proc.exited.then(() => true),
          Bun.sleep(10_000).then(() => false),
        ]);
        if (!stopped) proc.kill("SIGKILL");
        await proc.exited;
      }
      if (process.env.OPSCTL_K8S_KEEP !== "1") rmSync(dir, { recursive: true, force: true });
      tempDirs.delete(dir);
      watchdog.stdin.end(); // nothing left for it to do
      current = undefined;
    },
  };
}

// `bun tests/env/k8s.ts`: start by hand (tests/env/k8s-up.sh), print how to use it, wait.
if (import.meta.main) {
  const started = Date.now();
  const cluster = await startCluster();
  console.log(`# control plane ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(
    `export KUBECONFIG=${cluster.kubeconfigCert}   # client-cert user ${cluster.certUser}`,
  );
  console.log(`# token user ${cluster.tokenUser}: KUBECONFIG=${cluster.kubeconfigToken}`);
  console.log(`# kubectl: ${join(cluster.binDir, "kubectl")}   logs: ${join(cluster.dir, "logs")}`);
  console.log("# Ctrl-C stops everything and removes the temp dir");
  await new Promise(() => {});
}
