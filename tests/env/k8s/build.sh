#!/usr/bin/env bash
# Builds the test control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, kwok) from the Go module proxy into a cache outside the repo, once per version set:
#   ${OPSCTL_CACHE:-~/.cache/opsctl}/k8s-<kube>-etcd-<etcd>-kwok-<kwok>-<hash of the wrapper sources>/bin/
# plus kwok's stock Stage files (from its module) in ../kwok-stages/ for the harness.
# Binaries already there are reused; the first build takes a long while on 2 cores.
#   build.sh            build what is missing, print the bin dir on stdout
#   build.sh --bin-dir  only print the bin dir (no build)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

source_hash=$(cd "$here" && cat versions.env kube/go.mod kube/go.sum kube/main.go \
  etcd/go.mod etcd/go.sum etcd/main.go kwok/go.mod kwok/go.sum | sha256sum | cut -c1-10)
cache_root=${OPSCTL_CACHE:-$HOME/.cache/opsctl} # .ci/run exports OPSCTL_CACHE
bin_dir="$cache_root/k8s-$KUBE_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION-$source_hash/bin"

if [[ "${1:-}" == "--bin-dir" ]]; then echo "$bin_dir"; exit 0; fi

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly -trimpath"
mkdir -p "$bin_dir"

# build <name> <module dir> <package> [extra ldflags]: builds into a temp name, then renames,
# so an interrupted build never leaves a half-written binary that looks cached.
build() {
  local name=$1 dir=$2 pkg=$3 ldflags="-s -w ${4:-}"
  if [[ -x "$bin_dir/$name" ]]; then echo "k8s build: $name cached" >&2; return; fi
  echo "k8s build: building $name ($pkg) ..." >&2
  local started=$SECONDS
  local tmp="$bin_dir/.$name.$$.tmp" # per process: two concurrent builds never share a file
  (cd "$here/$dir" && go build -ldflags="$ldflags" -o "$tmp" "$pkg")
  mv -f "$tmp" "$bin_dir/$name"
  echo "k8s build: $name built in $((SECONDS - started)) s" >&2
}

minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
v=k8s.io/component-base/version
kube_version_flags="-X $v.gitVersion=$KUBE_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean"

build etcd etcd .
build kube kube . "$kube_version_flags"
build kwok kwok sigs.k8s.io/kwok/cmd/kwok
# kwok's standalone binary runs only the Stages it is given: keep upstream's default ones
# (kwokctl's set) next to the binaries, copied from the pinned module.
stages_dir="$(dirname "$bin_dir")/kwok-stages"
if [[ ! -f "$stages_dir/.complete" ]]; then
  kwok_dir=$(cd "$here/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  mkdir -p "$stages_dir"
  for stage in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
    node/chaos/node-not-ready pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
    cp "$kwok_dir/kustomize/stage/$stage.yaml" "$stages_dir/"
  done
  touch "$stages_dir/.complete"
fi
for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  ln -sfn kube "$bin_dir/$cmd"
done
echo "$bin_dir"
