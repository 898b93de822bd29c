// lib/k8s: @kubernetes/client-node made to work under Bun (and in compiled binaries) with the
// kubeconfig's CA, client certificate/key and token. Import from here; nothing runs on import.
export { type ApiClientOptions, makeApiClient } from "./client.ts";
export {
  type InClusterOptions,
  type KubeconfigFileOptions,
  type LoadKubeConfigOptions,
  loadInClusterConfig,
  loadKubeConfig,
  loadKubeconfigFile,
  SERVICE_ACCOUNT_DIR,
  SERVICE_ACCOUNT_DIR_ENV,
} from "./config.ts";
export { bunFetchHttpLibrary } from "./http.ts";
export { type InformerOptions, makeInformer } from "./informer.ts";
export { type KubeRequestOptions, type KubeTlsOptions, kubeRequestOptions } from "./tls.ts";
export { BunWatch } from "./watch.ts";
