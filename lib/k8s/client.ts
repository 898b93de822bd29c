// API clients for client-node's generated APIs (CoreV1Api, AppsV1Api, ...) that work under Bun
// with TLS client certificates and custom CAs: the drop-in for KubeConfig.makeApiClient.
import {
  type ApiConstructor,
  type ApiType,
  createConfiguration,
  type KubeConfig,
  ServerConfiguration,
  setHeaderMiddleware,
} from "@kubernetes/client-node";
import { bunFetchHttpLibrary } from "./http.ts";

export interface ApiClientOptions {
  /** Sent as User-Agent; defaults to "opsctl". */
  userAgent?: string;
}

/** Like kc.makeApiClient(Api), but requests go through Bun's fetch with the kubeconfig's TLS. */
export function makeApiClient<T extends ApiType>(
  kc: KubeConfig,
  apiClientType: ApiConstructor<T>,
  options: ApiClientOptions = {},
): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`kubeconfig: context "${kc.getCurrentContext()}" has no cluster`);
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    httpApi: bunFetchHttpLibrary(kc),
    middleware: [setHeaderMiddleware("User-Agent", options.userAgent ?? "opsctl")],
  });
  return new apiClientType(configuration);
}
