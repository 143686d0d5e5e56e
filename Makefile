# ICRL — the two commands a new user needs are `make demo` and `make test`.
# Both install missing system packages first (apt-get; root or sudo needed then).

SWIFT ?= swift
RELEASE_BIN := .build/release/icrl
DEMO_OUT ?= runs/demo
FUZZ_SECONDS ?= 60
# make test fuzzes each target for less, to stay within CI's budget.
TEST_FUZZ_SECONDS ?= 20
SOAK_MINUTES ?= 10
# Each step of make test, timed (scripts/timed.sh; the summary lists the slowest first).
TIMED := bash scripts/timed.sh

.PHONY: deps build release test test-python-actor test-swarm soak-swarm test-cluster test-faults test-slurm fuzz soak demo proto bench bench-cluster results data-quality time-to-quality bench-ranks test-mpi clean help

help:
	@echo "make demo    install deps, build release, run the main job on its default settings"
	@echo "make test    install deps, run every test suite CI runs"
	@echo "make bench   run the benchmarks (JSON lines on stdout)"
	@echo "make bench-ranks    the data-parallel learner: 1 rank x 2 threads against 2 ranks x 1 thread (JSON lines)"
	@echo "make test-mpi       the learner as MPI ranks: parity with one learner, training, resume, a rank killed"
	@echo "make bench-cluster  end-to-end env steps/s of the local cluster with 1, 2, 4 actors"
	@echo "make results        the paper's experiments on models/icrl-best.safetensors into results/"
	@echo "make time-to-quality  train 60 min (best, 2 actors), score the weights kept at 5/10/15/30/60 min on validation maps"
	@echo "make data-quality   three offline models from low/mid/high-quality data (~100 min)"
	@echo "make test-swarm     256 actor peers for 30 s, then 1,000 joins and leaves against one learner"
	@echo "make soak-swarm     64 actor peers for 10 minutes: learner RSS and open fds"
	@echo "make test-faults     kill -9 actors/learner, checkpoint under kills, CURVE admission"
	@echo "make fuzz    libFuzzer + ASan: wire decode/validate, and chunks -> replay -> tokens (FUZZ_SECONDS=60 each)"
	@echo "make soak    10 min, 4 actors restarted at random: RSS, fds, throughput (SOAK_MINUTES=10)"
	@echo "make test-python-actor  the Python actor (python/): parity with Swift, against real learners"
	@echo "make proto   regenerate Sources/ICRLWire and python/icrl_actor/icrl_pb2.py from Proto/icrl.proto"

deps:
	@bash scripts/install_deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test:
	@bash scripts/timed.sh --reset
	@$(TIMED) deps bash scripts/install_deps.sh
	python3 scripts/check_links.py
	@d=$$(mktemp -d) && printf '[gone](missing.md)\n' > $$d/x.md && ! python3 scripts/check_links.py $$d/x.md > /dev/null \
	  && echo "check_links: a broken link is caught" && rm -rf $$d
	$(TIMED) build-tests $(SWIFT) build --build-tests
	$(TIMED) swift-test $(SWIFT) test --skip-build
	$(TIMED) kernel-paths bash scripts/test_kernel_paths.sh
	$(TIMED) build-release $(SWIFT) build -c release
	$(TIMED) cluster bash scripts/test_cluster.sh $(RELEASE_BIN)
	$(TIMED) mpi bash scripts/test_mpi.sh $(RELEASE_BIN)
	$(TIMED) gym-traces bash scripts/test_gym_traces.sh $(RELEASE_BIN)
	$(TIMED) python-actor bash scripts/test_python_actor.sh $(RELEASE_BIN)
	$(TIMED) monitoring bash scripts/test_monitoring.sh $(RELEASE_BIN)
	$(TIMED) deploy bash scripts/test_deploy.sh $(RELEASE_BIN)
	$(TIMED) netns bash scripts/test_netns.sh $(RELEASE_BIN)
	$(TIMED) faults bash scripts/test_faults.sh $(RELEASE_BIN)
	$(TIMED) disk-full bash scripts/test_disk_full.sh $(RELEASE_BIN)
	$(TIMED) swarm bash scripts/test_swarm.sh $(RELEASE_BIN)
	$(TIMED) slurm bash scripts/test_slurm.sh $(RELEASE_BIN)
	$(TIMED) fuzz bash scripts/fuzz.sh $(TEST_FUZZ_SECONDS)
	@bash scripts/timed.sh --summary

demo: release
	@bash scripts/demo.sh $(RELEASE_BIN) $(DEMO_OUT)

bench: release
	$(RELEASE_BIN) bench env --json
	$(RELEASE_BIN) bench transport --json
	$(RELEASE_BIN) bench ingest --json
	$(RELEASE_BIN) bench learner --json
	$(RELEASE_BIN) bench actor --json

# The paper's experiments on the shipped model: tables and plots into results/.
results: release
	ICRL=$(RELEASE_BIN) bash scripts/results.sh models/icrl-best.safetensors results 200

# Data quality: three offline models (low/mid/high-quality datasets), about 100 minutes.
data-quality: release
	ICRL=$(RELEASE_BIN) REPORT=results EVAL_MAPS=2000 bash scripts/data_quality.sh 30 1000000 runs/data-quality

# Time to quality: one 60-minute run of the best preset with 2 actors, the weights kept at
# 5, 10, 15, 30 and 60 minutes, each scored on 200 validation maps (results/time-to-quality*).
time-to-quality: release
	ICRL=$(RELEASE_BIN) REPORT=results bash scripts/time_to_quality.sh 60 runs/time-to-quality 5,10,15,30,60

# The Python actor package: install, parity with the Swift actor, real learners.
test-python-actor: release
	bash scripts/test_python_actor.sh $(RELEASE_BIN)

# Multi-host test: learner and two actors in separate network namespaces (needs root).
test-cluster: release
	bash scripts/test_netns.sh $(RELEASE_BIN)

# The learner under load: 256 swarm peers for 30 s, then 1,000 churn events (about 3 minutes).
test-swarm: release
	STRICT=1 bash scripts/test_swarm.sh $(RELEASE_BIN)

# Soak under a swarm: 64 peers for 10 minutes; learner RSS and open fds must stay flat.
soak-swarm: release
	$(RELEASE_BIN) bench swarm --actors 64 --seconds 600 --baseline-actors 0 --json

# Fault tests: kill -9 actors and learners, resume, checkpoints under kills.
test-faults: release
	bash scripts/test_faults.sh $(RELEASE_BIN)

# libFuzzer (+ASan): the wire decode-and-validate path, and the stateful chunks -> replay ->
# tokens path; FUZZ_SECONDS bounds each (make test: TEST_FUZZ_SECONDS).
fuzz: deps
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

# 10 minutes, 4 actors killed and restarted at random: RSS, fds, throughput (results/soak.json).
soak: release
	bash scripts/soak.sh $(RELEASE_BIN) $(SOAK_MINUTES) 4

# A real single-node Slurm cluster running deploy/slurm/icrl.sbatch (needs root; installs slurm-wlm).
test-slurm: release
	bash scripts/test_slurm.sh $(RELEASE_BIN)

# The learner as 2 MPI ranks on loopback: parity, training, resume, kill -9 of a rank.
test-mpi: release
	bash scripts/test_mpi.sh $(RELEASE_BIN)

# 1 rank x 2 threads against 2 ranks x 1 thread, offline from one dataset (a few minutes).
bench-ranks: release
	ICRL=$(RELEASE_BIN) bash scripts/bench_ranks.sh 300

# End-to-end env steps/s of the local cluster with 1, 2 and 4 actors (about 3 minutes).
bench-cluster: release
	bash scripts/bench_cluster.sh $(RELEASE_BIN) 60 20

proto:
	@bash scripts/gen_proto.sh

clean:
	rm -rf .build .build-fuzz
