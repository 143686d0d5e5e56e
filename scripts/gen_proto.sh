#!/usr/bin/env bash
# Regenerates the protobuf-c code for Proto/icrl.proto and Proto/tensorboard.proto into Sources/ICRLWire.
# Usage: scripts/gen_proto.sh [OUTDIR]   (default: write into Sources/ICRLWire)
# With OUTDIR, the .c and .h land there instead (the staleness test uses this).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v protoc-c >/dev/null || {
  echo "protoc-c not found: install it with 'apt-get install protobuf-c-compiler' (Debian/Ubuntu) or 'brew install protobuf-c'." >&2
  exit 2
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
protos=(icrl tensorboard)
for proto in "${protos[@]}"; do
  (cd "$root/Proto" && protoc-c --c_out="$tmp" "$proto.proto")
done
for proto in "${protos[@]}"; do
  if [ $# -ge 1 ]; then
    mkdir -p "$1"
    cp "$tmp/$proto.pb-c.c" "$tmp/$proto.pb-c.h" "$1/"
  else
    cp "$tmp/$proto.pb-c.c" "$root/Sources/ICRLWire/$proto.pb-c.c"
    cp "$tmp/$proto.pb-c.h" "$root/Sources/ICRLWire/include/$proto.pb-c.h"
    echo "regenerated Sources/ICRLWire from Proto/$proto.proto ($(protoc-c --version 2>&1 | head -1))"
  fi
done
