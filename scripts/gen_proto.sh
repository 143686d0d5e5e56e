#!/usr/bin/env bash
# Regenerates the protobuf-c code for Proto/icrl.proto into Sources/ICRLWire.
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
(cd "$root/Proto" && protoc-c --c_out="$tmp" icrl.proto)
if [ $# -ge 1 ]; then
  mkdir -p "$1"
  cp "$tmp/icrl.pb-c.c" "$tmp/icrl.pb-c.h" "$1/"
else
  cp "$tmp/icrl.pb-c.c" "$root/Sources/ICRLWire/icrl.pb-c.c"
  cp "$tmp/icrl.pb-c.h" "$root/Sources/ICRLWire/include/icrl.pb-c.h"
  echo "regenerated Sources/ICRLWire from Proto/icrl.proto ($(protoc-c --version 2>&1 | head -1))"
fi
