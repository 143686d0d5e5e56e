# ICRL — the two commands a new user needs are `make demo` and `make test`.
# Both install missing system packages first (apt-get; root or sudo needed then).

SWIFT ?= swift
RELEASE_BIN := .build/release/icrl
DEMO_OUT ?= runs/demo

.PHONY: deps build release test demo proto bench bench-cluster clean help

help:
	@echo "make demo    install deps, build release, run the main job on its default settings"
	@echo "make test    install deps, run every test suite CI runs"
	@echo "make bench   run the benchmarks (JSON lines on stdout)"
	@echo "make proto   regenerate Sources/ICRLWire from Proto/icrl.proto (needs protoc-c)"

deps:
	@bash scripts/install_deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test
	$(SWIFT) build -c release
	bash scripts/test_cluster.sh $(RELEASE_BIN)

demo: release
	@bash scripts/demo.sh $(RELEASE_BIN) $(DEMO_OUT)

bench: release
	$(RELEASE_BIN) bench env --json
	$(RELEASE_BIN) bench transport --json
	$(RELEASE_BIN) bench ingest --json
	$(RELEASE_BIN) bench learner --json
	$(RELEASE_BIN) bench actor --json

# End-to-end env steps/s of the local cluster with 1, 2 and 4 actors (about 3 minutes).
bench-cluster: release
	bash scripts/bench_cluster.sh $(RELEASE_BIN) 60 20

proto:
	@bash scripts/gen_proto.sh

clean:
	rm -rf .build
