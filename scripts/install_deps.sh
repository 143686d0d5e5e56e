#!/usr/bin/env bash
# Installs what ICRL needs to build and test, only where it is missing:
#   system: libzmq, OpenBLAS, protobuf-c (found through pkg-config), protoc-c, pkg-config
#   python: numpy (parity checks against our checkpoints)
# Debian/Ubuntu use apt-get, which needs root: run as root, or have sudo.
set -euo pipefail

need_apt=()
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if command -v pkg-config >/dev/null 2>&1; then
  pkg-config --exists libzmq        || need_apt+=(libzmq3-dev)
  pkg-config --exists openblas      || need_apt+=(libopenblas-dev)
  pkg-config --exists libprotobuf-c || need_apt+=(libprotobuf-c-dev)
else
  need_apt+=(libzmq3-dev libopenblas-dev libprotobuf-c-dev)
fi
command -v protoc-c >/dev/null 2>&1 || need_apt+=(protobuf-c-compiler)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3 python3-pip)

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "install_deps: missing system packages: ${need_apt[*]}"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_deps: no apt-get here. Install them yourself, e.g. on macOS:" >&2
    echo "  brew install zeromq openblas protobuf-c pkg-config" >&2
    exit 1
  fi
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    echo "install_deps: apt-get needs root; using sudo (you may be asked for your password)."
    sudo=(sudo)
  else
    echo "install_deps: apt-get needs root and sudo is not available." >&2
    echo "  As root, run: apt-get update && apt-get install -y ${need_apt[*]}" >&2
    exit 1
  fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need_apt[@]}"
fi

if ! python3 -c 'import numpy' >/dev/null 2>&1; then
  echo "install_deps: installing numpy for the parity checks"
  python3 -m pip install --quiet numpy 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages numpy
fi

if ! command -v kubernetes-validate >/dev/null 2>&1 && ! python3 -c 'import kubernetes_validate' >/dev/null 2>&1; then
  echo "install_deps: installing kubernetes-validate for the deployment manifests' test"
  python3 -m pip install --quiet kubernetes-validate 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages kubernetes-validate \
    || echo "install_deps: could not install kubernetes-validate; scripts/test_deploy.sh will say so"
fi

if ! python3 -c 'import tensorboard' >/dev/null 2>&1; then
  echo "install_deps: installing tensorboard (its reader checks the event files we write)"
  python3 -m pip install --quiet tensorboard 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages tensorboard \
    || echo "install_deps: could not install tensorboard; scripts/check_tensorboard.py will fail"
fi

for lib in libzmq openblas libprotobuf-c; do
  printf 'install_deps: %-14s %s\n' "$lib" "$(pkg-config --modversion "$lib")"
done
