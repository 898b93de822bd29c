#!/usr/bin/env bash
# Builds the test OpenTelemetry Collector (tests/env/otelcol/manifest.yaml) with the Collector's own
# builder, from the Go module proxy, once per version and manifest:
#   ${OPSCTL_CACHE:-~/.cache/opsctl}/otelcol-<version>-<manifest hash>/otelcol-opsctl
# Reused when present. Prints the binary path on stdout.
#   build.sh          build if missing
#   build.sh --path   only print where the binary is (or would be)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BUILDER_VERSION=v0.165.0
manifest_hash=$( (echo "$BUILDER_VERSION"; cat "$here/manifest.yaml") | sha256sum | cut -c1-10)
cache_root=${OPSCTL_CACHE:-$HOME/.cache/opsctl}
out_dir="$cache_root/otelcol-${BUILDER_VERSION#v}-$manifest_hash"
binary="$out_dir/otelcol-opsctl"

if [[ "${1:-}" == "--path" ]]; then echo "$binary"; exit 0; fi
if [[ -x "$binary" ]]; then echo "otelcol build: cached at $binary" >&2; echo "$binary"; exit 0; fi

export GOTOOLCHAIN=local CGO_ENABLED=0
started=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/otelcol-build.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "otelcol build: installing builder $BUILDER_VERSION ..." >&2
GOBIN="$work/bin" go install "go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION"

# The builder writes sources and the binary next to output_path; point it into the temp dir.
sed "s|output_path: ./_build|output_path: $work/src|" "$here/manifest.yaml" >"$work/manifest.yaml"

# `go mod tidy` also resolves the imports of the components' own tests; fileexporter's tests import
# otlpencodingextension, which the module proxy refuses to serve (403). Nothing in the collector
# binary imports it, so an empty local module stands in for it.
stub_module=github.com/open-telemetry/opentelemetry-collector-contrib/extension/encoding/otlpencodingextension
mkdir -p "$work/stub"
printf 'module %s\n\ngo 1.25\n' "$stub_module" >"$work/stub/go.mod"
printf 'package otlpencodingextension\n' >"$work/stub/doc.go"
printf '\nreplaces:\n  - %s => %s\n' "$stub_module" "$work/stub" >>"$work/manifest.yaml"
echo "otelcol build: building the collector (slow on 2 cores) ..." >&2
"$work/bin/builder" --config "$work/manifest.yaml" --ldflags="-s -w" >&2

# Rename into place last, so an interrupted build never looks cached.
mkdir -p "$out_dir"
cp "$work/src/otelcol-opsctl" "$out_dir/.otelcol-opsctl.tmp"
mv -f "$out_dir/.otelcol-opsctl.tmp" "$binary"
echo "otelcol build: built in $((SECONDS - started)) s" >&2
echo "$binary"
