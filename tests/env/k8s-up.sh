#!/usr/bin/env bash
# Starts the test control plane by hand (builds it first if needed, ~30 min the first time),
# prints the kubeconfigs, and keeps it running until Ctrl-C. See tests/env/k8s.ts.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export OPSCTL_K8S_BIN_DIR=${OPSCTL_K8S_BIN_DIR:-$(bash "$root/tests/env/k8s/build.sh" | tail -1)}
exec "$root/node_modules/.bin/bun" "$root/tests/env/k8s.ts"
