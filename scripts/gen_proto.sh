#!/usr/bin/env bash
# Regenerates the protobuf-c code for Proto/icrl.proto and Proto/tensorboard.proto into Sources/ICRLWire.
# and the Python protobuf code for Proto/icrl.proto into python/icrl_actor/icrl_pb2.py.
# Usage: scripts/gen_proto.sh [OUTDIR]   (default: write into Sources/ICRLWire and python/)
#        scripts/gen_proto.sh --check-python   (exit 1 if the committed Python code is stale)
# With OUTDIR, the .c and .h land there instead (the staleness test uses this).
# The Python code comes from grpcio-tools' protoc (pinned in scripts/install_deps.sh, so the
# generated file is the same everywhere): python3 -m pip install grpcio-tools==1.85.4
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python_protoc() { python3 -m grpc_tools.protoc -I"$root/Proto" --python_out="$1" "$root/Proto/icrl.proto"; }
if [ "${1:-}" = "--check-python" ]; then
  python3 -c 'import grpc_tools' 2>/dev/null || { echo "grpc_tools not found: python3 -m pip install grpcio-tools==1.85.4" >&2; exit 2; }
  check=$(mktemp -d)
  trap 'rm -rf "$check"' EXIT
  python_protoc "$check"
  if cmp -s "$check/icrl_pb2.py" "$root/python/icrl_actor/icrl_pb2.py"; then
    echo "python/icrl_actor/icrl_pb2.py is current"
  else
    echo "python/icrl_actor/icrl_pb2.py is stale: run make proto and commit it" >&2
    exit 1
  fi
  exit 0
fi
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
if [ $# -eq 0 ]; then
  if python3 -c 'import grpc_tools' 2>/dev/null; then
    python_protoc "$root/python/icrl_actor"
    echo "regenerated python/icrl_actor/icrl_pb2.py from Proto/icrl.proto ($(python3 -m grpc_tools.protoc --version))"
  else
    echo "grpc_tools not found: python/icrl_actor/icrl_pb2.py not regenerated (python3 -m pip install grpcio-tools==1.85.4)" >&2
    exit 2
  fi
fi
