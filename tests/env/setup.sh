#!/usr/bin/env bash
# Everything the tests need on this machine, installed once: `npm test` runs it first (pretest).
# - Debian packages for the real services (as root; otherwise it names what is missing).
# - Go 1.26 for the cached builds, from the Go module proxy's toolchain module when the machine
#   has no Go or an older one.
# - The slow test binaries (Kubernetes control plane, OpenTelemetry Collector, actionlint) built
#   from the Go module proxy into $OPSCTL_CACHE (default ~/.cache/opsctl), keyed by version.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive
export OPSCTL_CACHE="${OPSCTL_CACHE:-$HOME/.cache/opsctl}"
mkdir -p "$OPSCTL_CACHE"
say() { printf '== setup: %s\n' "$*" >&2; }

APT_PACKAGES=(
  ca-certificates curl git openssl zip unzip xz-utils procps iproute2 file
  prometheus prometheus-pushgateway
  openssh-server openssh-client
  nginx chromium
  dnsmasq-base systemd
  util-linux mount e2fsprogs
  qemu-user-static libc6-arm64-cross
  # python3: a dynamic inventory test runs a Python script, as most real ones are
  python3
  # strace injects delays and errors into system calls (races, EIO); gcc builds a malloc that fails
  strace gcc libc6-dev
)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  say "installing ${missing[*]}"
  # Packages must not start their system services (port 80, 9090...): tests start their own on 127.0.0.1.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
  trap - EXIT
fi

GO_VERSION=1.26.8
export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin"
go_ok() { command -v go >/dev/null && go version | grep -Eq 'go1\.(2[6-9]|[3-9][0-9])'; }
if ! go_ok; then
  goroot="$OPSCTL_CACHE/go-$GO_VERSION"
  if [ ! -x "$goroot/bin/go" ]; then
    say "fetching Go $GO_VERSION from the Go module proxy"
    arch=$(uname -m); case "$arch" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; esac
    zip="$OPSCTL_CACHE/go-$GO_VERSION.zip"
    curl -fsSL -o "$zip" "${GOPROXY_URL:-https://proxy.golang.org}/golang.org/toolchain/@v/v0.0.1-go$GO_VERSION.linux-$arch.zip"
    rm -rf "$goroot.tmp" && mkdir -p "$goroot.tmp"
    unzip -q "$zip" -d "$goroot.tmp"
    mv "$goroot.tmp/golang.org/toolchain@v0.0.1-go$GO_VERSION.linux-$arch" "$goroot"
    rm -rf "$goroot.tmp" "$zip"
    chmod +x "$goroot"/bin/* "$goroot"/pkg/tool/*/*
  fi
  export PATH="$goroot/bin:$PATH"
fi

for builder in tests/env/*/build.sh; do
  [ -f "$builder" ] || continue
  bash "$builder" >/dev/null
done
ACTIONLINT_VERSION=v1.7.12 # also named in .ci/run
actionlint="$OPSCTL_CACHE/actionlint-$ACTIONLINT_VERSION/actionlint"
[ -x "$actionlint" ] || GOBIN="$(dirname "$actionlint")" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
say "ready (cache: $OPSCTL_CACHE)"
