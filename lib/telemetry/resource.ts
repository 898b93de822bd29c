/**
 * Who is sending: service.name (the tool), version, host, process, and the pod the daemon runs
 * in when the Kubernetes downward API puts it in the environment. OTEL_RESOURCE_ATTRIBUTES and
 * OTEL_SERVICE_NAME override what is detected, as the spec says.
 */

import { hostname } from "node:os";
import type { BuildInfo } from "../cli/version.ts";
import type { TelemetryConfig } from "./config.ts";

/** Downward-API variables (deploy/ sets them with fieldRef) -> semantic-convention keys. */
const kubernetesVariables: Record<string, string> = {
  K8S_POD_NAME: "k8s.pod.name",
  K8S_POD_UID: "k8s.pod.uid",
  K8S_NAMESPACE_NAME: "k8s.namespace.name",
  K8S_NODE_NAME: "k8s.node.name",
  K8S_CONTAINER_NAME: "k8s.container.name",
  K8S_DEPLOYMENT_NAME: "k8s.deployment.name",
  K8S_CLUSTER_NAME: "k8s.cluster.name",
};

/** The names many manifests (ours for podpatrol's leader election) already use. */
const shortNames: Record<string, string> = {
  K8S_POD_NAME: "POD_NAME",
  K8S_NAMESPACE_NAME: "POD_NAMESPACE",
  K8S_NODE_NAME: "NODE_NAME",
};

export function resourceAttributes(
  tool: string,
  build: BuildInfo,
  config: TelemetryConfig,
  env: Record<string, string | undefined>,
): Record<string, string | number> {
  const attributes: Record<string, string | number> = {
    "service.name": tool,
    "service.namespace": "opsctl",
    "service.version": build.version,
    "host.name": hostname(),
    "host.arch": process.arch,
    "os.type": process.platform,
    "process.pid": process.pid,
    "process.runtime.name": "bun",
    "process.runtime.version": Bun.version,
    "vcs.ref.head.revision": build.commit,
  };
  for (const [variable, key] of Object.entries(kubernetesVariables)) {
    const value = (env[variable] ?? env[shortNames[variable] ?? ""])?.trim();
    if (value) attributes[key] = value;
  }
  Object.assign(attributes, config.resourceAttributes);
  attributes["service.name"] = config.serviceName ?? tool;
  return attributes;
}
