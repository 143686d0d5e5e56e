#!/usr/bin/env bash
# Deployment files: the Kubernetes manifests validate against the Kubernetes schemas
# (kubernetes-validate, strict), the ConfigMap holds exactly the `best` preset (so it
# cannot go stale), and the Slurm script and Dockerfile parse.
#   bash scripts/test_deploy.sh [ICRL_BINARY]
set -euo pipefail
bin=${1:-.build/release/icrl}
fail() { echo "test_deploy: FAIL: $*" >&2; exit 1; }

validate=(kubernetes-validate)
command -v kubernetes-validate >/dev/null 2>&1 || validate=(python3 -m kubernetes_validate)
"${validate[@]}" --version >/dev/null 2>&1 || fail "kubernetes-validate is not installed (pip install kubernetes-validate)"
"${validate[@]}" --strict deploy/k8s/configmap.yaml deploy/k8s/learner.yaml deploy/k8s/actors.yaml \
  || fail "a manifest does not validate"
echo "test_deploy: manifests validate (kubernetes-validate --strict)"

# A manifest that breaks the schema must fail, or the check above proves nothing.
broken=$(mktemp --suffix .yaml)
trap 'rm -f "$broken"' EXIT
sed 's/replicas: 4/replicas: "four"/' deploy/k8s/actors.yaml > "$broken"
if "${validate[@]}" --strict "$broken" >/dev/null 2>&1; then fail "kubernetes-validate accepted replicas: \"four\""; fi
echo "test_deploy: a broken manifest is refused"

python3 - "$bin" <<'PY'
import json, subprocess, sys, yaml
docs = list(yaml.safe_load_all(open("deploy/k8s/configmap.yaml")))
shipped = json.loads(docs[0]["data"]["config.json"])
preset = json.loads(subprocess.check_output([sys.argv[1], "config", "--preset", "best"]))
if shipped != preset:
    diff = {k: (shipped.get(k), preset.get(k)) for k in set(shipped) | set(preset) if shipped.get(k) != preset.get(k)}
    sys.exit(f"test_deploy: FAIL: deploy/k8s/configmap.yaml differs from `icrl config --preset best`: {diff}")
print("test_deploy: the ConfigMap holds the best preset")
PY

bash -n deploy/slurm/icrl.sbatch || fail "deploy/slurm/icrl.sbatch does not parse"
grep -q '^#SBATCH --requeue' deploy/slurm/icrl.sbatch || fail "the sbatch script must requeue"
grep -q '^FROM .* AS build' deploy/docker/Dockerfile && grep -q '^FROM debian:bookworm-slim' deploy/docker/Dockerfile \
  || fail "the Dockerfile must be multi-stage (Swift build, slim Debian runtime)"
echo "test_deploy: sbatch script and Dockerfile parse"
