// Loading a KubeConfig from a kubeconfig file or from a pod's service account (in-cluster),
// with every path overridable so tests can point at their own files. Nothing here reads
// process.argv; the environment is a parameter (default process.env).
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/**
 * Environment variable naming another service-account folder (token, ca.crt, namespace), so the
 * compiled tools can run "in-cluster" outside a pod, e.g. tests against a local API server.
 */
export const SERVICE_ACCOUNT_DIR_ENV = "OPSCTL_K8S_SERVICEACCOUNT_DIR";

type Env = Record<string, string | undefined>;

export interface KubeconfigFileOptions {
  /** Context to use instead of the file's current-context. */
  context?: string;
}

/** Loads a kubeconfig file (relative cert/key/CA paths resolve against its folder). */
export function loadKubeconfigFile(path: string, options: KubeconfigFileOptions = {}): KubeConfig {
  if (!existsSync(path)) throw new Error(`kubeconfig ${path}: no such file`);
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (err) {
    throw new Error(`kubeconfig ${path}: ${(err as Error).message}`);
  }
  useTokenFiles(kc, path);
  useContext(kc, options.context, path);
  checkUsable(kc, path);
  return kc;
}

/**
 * What kubectl refuses before any request (clientcmd's ConfirmUsable, and its reading of the
 * files): a context naming a cluster or user the file lacks, a server that is no URL, a CA or
 * client certificate/key file that is not there. Found only at the first request, they looked
 * like an unreachable API server.
 */
function checkUsable(kc: KubeConfig, source: string): void {
  const problem = (text: string) => new Error(`kubeconfig ${source}: ${text}`);
  const name = kc.getCurrentContext();
  const context = kc.getContextObject(name);
  const cluster = kc.getCurrentCluster();
  if (context && !cluster)
    throw problem(`context "${name}" names cluster "${context.cluster}", which is not in the file`);
  if (context?.user && !kc.getCurrentUser())
    throw problem(`context "${name}" names user "${context.user}", which is not in the file`);
  if (!cluster) return;
  if (!/^https?:\/\/[^/]/.test(cluster.server) || !URL.canParse(cluster.server))
    throw problem(
      `cluster "${cluster.name}": server "${cluster.server}": not an https:// (or http://) URL`,
    );
  const missing = (key: string, file: string | undefined) =>
    file && !existsSync(file) ? `${key} ${file}: no such file` : undefined;
  const clusterFile = missing("certificate-authority", cluster.caFile);
  if (clusterFile) throw problem(`cluster "${cluster.name}": ${clusterFile}`);
  const user = kc.getCurrentUser();
  const userFile =
    user && (missing("client-certificate", user.certFile) ?? missing("client-key", user.keyFile));
  if (user && userFile) throw problem(`user "${user.name}": ${userFile}`);
}

/**
 * kubectl's `tokenFile` user field: client-node reads only its own `token-file` key (once), so
 * a kubeconfig with `tokenFile` sent no credentials at all. It goes to client-node's tokenFile
 * auth provider instead, which re-reads the file every minute as client-go does (a projected
 * token is refreshed on disk). `token` wins over it, as in kubectl; relative paths are taken
 * from the kubeconfig's folder.
 */
function useTokenFiles(kc: KubeConfig, path: string): void {
  let raw: { users?: { name?: unknown; user?: { token?: unknown; tokenFile?: unknown } }[] } | null;
  try {
    raw = Bun.YAML.parse(readFileSync(path, "utf8")) as typeof raw;
  } catch {
    return; // client-node read it; a YAML detail Bun's parser disagrees on must not fail the load
  }
  if (!Array.isArray(raw?.users)) return;
  for (const entry of raw.users) {
    const tokenFile = entry?.user?.tokenFile;
    if (typeof tokenFile !== "string" || tokenFile === "" || entry.user?.token) continue;
    const index = kc.users.findIndex((u) => u.name === entry.name);
    const user = kc.users[index];
    if (!user || user.authProvider || user.exec) continue;
    kc.users[index] = {
      ...user,
      authProvider: {
        name: "tokenFile",
        config: { tokenFile: resolve(dirname(path), tokenFile) },
      },
    };
  }
}

export interface InClusterOptions {
  /**
   * Folder with token, ca.crt and namespace; default $OPSCTL_K8S_SERVICEACCOUNT_DIR, else
   * /var/run/secrets/kubernetes.io/serviceaccount.
   */
  serviceAccountDir?: string;
  /** API server host and port; default KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT. */
  host?: string;
  port?: string | number;
  env?: Env;
}

/**
 * The in-cluster config a pod gets: bearer token from the (rotating) token file, re-read by
 * client-node's tokenFile auth provider, the cluster CA from ca.crt, namespace from the file.
 */
export function loadInClusterConfig(options: InClusterOptions = {}): KubeConfig {
  const env = options.env ?? process.env;
  const dir = serviceAccountDir(options, env);
  const host = options.host ?? env.KUBERNETES_SERVICE_HOST;
  const port = String(options.port ?? env.KUBERNETES_SERVICE_PORT ?? "");
  if (!host || !port) {
    throw new Error("in-cluster config: KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT not set");
  }
  const tokenFile = join(dir, "token");
  const caFile = join(dir, "ca.crt");
  for (const file of [tokenFile, caFile]) {
    if (!existsSync(file)) throw new Error(`in-cluster config: ${file}: no such file`);
  }
  const namespaceFile = join(dir, "namespace");
  const namespace = existsSync(namespaceFile)
    ? readFileSync(namespaceFile, "utf8").trim()
    : undefined;
  const server = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;

  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "in-cluster", server, caFile, skipTLSVerify: false }],
    users: [{ name: "in-cluster", authProvider: { name: "tokenFile", config: { tokenFile } } }],
    contexts: [{ name: "in-cluster", cluster: "in-cluster", user: "in-cluster", namespace }],
    currentContext: "in-cluster",
  });
  return kc;
}

function serviceAccountDir(options: InClusterOptions, env: Env): string {
  return options.serviceAccountDir ?? (env[SERVICE_ACCOUNT_DIR_ENV] || SERVICE_ACCOUNT_DIR);
}

export interface LoadKubeConfigOptions extends InClusterOptions {
  /** Explicit kubeconfig file (a --kubeconfig flag); wins over everything else. */
  kubeconfig?: string;
  context?: string;
}

/**
 * kubectl's order: an explicit file, then $KUBECONFIG (first file), then in-cluster when
 * running in a pod, then ~/.kube/config. Throws naming what was tried when nothing fits.
 */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): KubeConfig {
  const env = options.env ?? process.env;
  const fileOptions = { context: options.context };
  if (options.kubeconfig) return loadKubeconfigFile(options.kubeconfig, fileOptions);
  const fromEnv = env.KUBECONFIG?.split(delimiter).find(Boolean);
  if (fromEnv) return loadKubeconfigFile(fromEnv, fileOptions);
  const dir = serviceAccountDir(options, env);
  if ((options.host ?? env.KUBERNETES_SERVICE_HOST) && existsSync(join(dir, "token"))) {
    return loadInClusterConfig({ ...options, env });
  }
  const home = env.HOME ?? homedir();
  const fallback = join(home, ".kube", "config");
  if (existsSync(fallback)) return loadKubeconfigFile(fallback, fileOptions);
  throw new Error(
    `no Kubernetes config: no --kubeconfig, no $KUBECONFIG, not in a pod (${dir}/token), no ${fallback}`,
  );
}

function useContext(kc: KubeConfig, context: string | undefined, source: string): void {
  if (!context) {
    if (!kc.getCurrentContext()) throw new Error(`kubeconfig ${source}: no current-context`);
    return;
  }
  if (!kc.getContextObject(context)) {
    throw new Error(`kubeconfig ${source}: no context named "${context}"`);
  }
  kc.setCurrentContext(context);
}
