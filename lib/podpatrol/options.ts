/** podpatrol's flags: data only, so `podpatrol --version` and `--help` load no Kubernetes client. */
export const podpatrolOptions = {
  kubeconfig: {
    type: "string",
    description: "Kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)",
    valueHint: "FILE",
  },
  context: { type: "string", description: "Kubeconfig context to use", valueHint: "NAME" },
  listen: {
    type: "string",
    description: "Address for /metrics, /healthz, /readyz (port 0: any free port)",
    default: "0.0.0.0:8080",
    valueHint: "HOST:PORT",
  },
  dryRun: {
    type: "boolean",
    description: "Log (and count) exactly what would be done; change nothing, emit no Events",
    default: false,
  },
  namespace: {
    type: "list",
    description: "Only pods in this namespace (default: all)",
    valueHint: "NS",
  },
  excludeNamespace: {
    type: "list",
    description: "Never pods in this namespace",
    valueHint: "NS",
  },
  selector: {
    type: "string",
    description: "Only pods matching this label selector (app=web,tier!=db)",
    valueHint: "SELECTOR",
  },
  allowKubeSystem: {
    type: "boolean",
    description: "Also remediate pods in kube-system",
    default: false,
  },
  disableRule: {
    type: "list",
    description: "Turn a rule off: crashloop, unschedulable, stuck, failed, node-lost",
    valueHint: "RULE",
  },
  enableRule: {
    type: "list",
    description: "Turn a rule on that the config file turned off",
    valueHint: "RULE",
  },
  cooldown: {
    type: "duration",
    description: "Leave an owner (Deployment...) alone this long after remediating it",
    default: 600,
  },
  forceDeleteOnLostNode: {
    type: "boolean",
    description: "Force delete (grace 0) pods stuck Terminating on a lost node",
    default: false,
  },
  nodeLostUnhealthyThreshold: {
    type: "number",
    description:
      "node-lost acts on no node while at least this fraction of nodes is NotReady (default 0.55)",
    valueHint: "FRACTION",
  },
  leaderElect: {
    type: "boolean",
    description: "Elect one acting replica through a coordination.k8s.io Lease",
    default: true,
  },
  leaseNamespace: {
    type: "string",
    description: "Namespace of the Lease (default: $POD_NAMESPACE, else default)",
    valueHint: "NS",
  },
  leaseName: {
    type: "string",
    description: "Name of the Lease",
    default: "podpatrol",
    valueHint: "NAME",
  },
  leaseDuration: {
    type: "duration",
    description: "How long a silent leader keeps the Lease before another replica takes over",
    default: 15,
  },
  identity: {
    type: "string",
    description: "This replica's name in the Lease and Events (default: $POD_NAME, else host-pid)",
    valueHint: "NAME",
  },
} as const;
