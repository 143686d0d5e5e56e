#!/usr/bin/env bash
# Installs what ICRL needs to build and test, only where it is missing:
#   system: libzmq, OpenBLAS, protobuf-c, Open MPI (found through pkg-config), protoc-c, mpirun, pkg-config
#   python: numpy (parity checks against our checkpoints), gymnasium (trace replay),
#           pyzmq + protobuf (the Python actor, python/), grpcio-tools (its generated code's
#           check), torch CPU (its PyTorch loader's test)
#   tests:  promtool (Debian's prometheus), tmux, kubernetes-validate, tensorboard,
#           iptables (packet loss in the network-namespace test)
# Debian/Ubuntu use apt-get, which needs root: run as root, or have sudo.
# Prints one line per group of packages; a failing step prints its whole output.
set -euo pipefail

# quietly LABEL COMMAND...: runs COMMAND with its output in a temporary file; prints one
# line, or on failure the line and everything COMMAND printed, and fails.
quietly() {
  local label=$1; shift
  local log; log=$(mktemp)
  local t0=$SECONDS
  if "$@" > "$log" 2>&1; then
    echo "install_deps: $label: done ($((SECONDS - t0)) s)"
    rm -f "$log"
  else
    local status=$?
    echo "install_deps: $label: FAILED (exit $status); its output:" >&2
    cat "$log" >&2
    rm -f "$log"
    return "$status"
  fi
}
# pip_install LABEL PACKAGE...: also on Debian's externally managed Python.
pip_install() {
  local label=$1; shift
  # Debian's own Python refuses plain installs (externally managed); pyenv's takes them.
  if python3 -m pip install --quiet "$@" > /dev/null 2>&1; then
    echo "install_deps: $label: done"
  else
    quietly "$label" python3 -m pip install --quiet --break-system-packages "$@"
  fi
}

need_apt=()
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if command -v pkg-config >/dev/null 2>&1; then
  pkg-config --exists libzmq        || need_apt+=(libzmq3-dev)
  pkg-config --exists openblas      || need_apt+=(libopenblas-dev)
  pkg-config --exists libprotobuf-c || need_apt+=(libprotobuf-c-dev)
  pkg-config --exists ompi-c        || need_apt+=(libopenmpi-dev)
else
  need_apt+=(libzmq3-dev libopenblas-dev libprotobuf-c-dev libopenmpi-dev)
fi
command -v mpirun >/dev/null 2>&1 || need_apt+=(openmpi-bin)
command -v protoc-c >/dev/null 2>&1 || need_apt+=(protobuf-c-compiler)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3 python3-pip)
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
command -v tmux >/dev/null 2>&1 || need_apt+=(tmux)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v iptables >/dev/null 2>&1 || need_apt+=(iptables)

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "install_deps: missing system packages: ${need_apt[*]}"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_deps: no apt-get here. Install them yourself, e.g. on macOS:" >&2
    echo "  brew install zeromq openblas protobuf-c open-mpi pkg-config" >&2
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
  quietly "apt-get update" "${sudo[@]}" apt-get update
  quietly "apt-get install ${need_apt[*]}" env DEBIAN_FRONTEND=noninteractive "${sudo[@]}" \
    apt-get install -y --no-install-recommends "${need_apt[@]}"
fi

if ! python3 -c 'import numpy' >/dev/null 2>&1; then
  pip_install "pip install numpy (parity checks)" numpy
fi

if ! python3 -c 'import gymnasium' >/dev/null 2>&1; then
  pip_install "pip install gymnasium (Gymnasium replays our traces)" gymnasium
fi

if ! python3 -c 'import zmq, google.protobuf' >/dev/null 2>&1; then
  pip_install "pip install pyzmq protobuf (the Python actor)" pyzmq "protobuf>=7.35"
fi

# Pinned: the generated python/icrl_actor/icrl_pb2.py names its protoc version.
if ! python3 -c 'import grpc_tools, importlib.metadata as m; assert m.version("grpcio-tools") == "1.85.4"' >/dev/null 2>&1; then
  pip_install "pip install grpcio-tools==1.85.4 (checks the Python actor's generated code)" grpcio-tools==1.85.4
fi

if ! python3 -c 'import torch' >/dev/null 2>&1; then
  # The CPU build only: PyPI's default wheel pulls gigabytes of CUDA libraries.
  if ls /opt/wheels/torch-*.whl >/dev/null 2>&1; then
    pip_install "pip install torch (local CPU wheel; the PyTorch loader's test)" /opt/wheels/torch-*.whl
  else
    pip_install "pip install torch (CPU; the PyTorch loader's test)" torch --index-url https://download.pytorch.org/whl/cpu
  fi
fi

if ! command -v kubernetes-validate >/dev/null 2>&1 && ! python3 -c 'import kubernetes_validate' >/dev/null 2>&1; then
  pip_install "pip install kubernetes-validate (deployment manifests' test)" kubernetes-validate \
    || echo "install_deps: could not install kubernetes-validate; scripts/test_deploy.sh will say so"
fi

if ! python3 -c 'import tensorboard' >/dev/null 2>&1; then
  pip_install "pip install tensorboard (its reader checks our event files)" tensorboard \
    || echo "install_deps: could not install tensorboard; scripts/check_tensorboard.py will fail"
fi

for lib in libzmq openblas libprotobuf-c ompi-c; do
  printf 'install_deps: %-14s %s\n' "$lib" "$(pkg-config --modversion "$lib")"
done
