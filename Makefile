# miniredis: `make run` starts the server, `make test` runs every test.
GO        ?= go
BIN       := bin/miniredis
ARGS      ?=
FUZZTIME  ?= 30s
BENCH     ?= .
BENCHTIME ?= 1s
COUNT     ?= 1
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run build test test-short bench bench-compare scale-compare syscall-compare persist-compare cluster-compare fuzz lint help

run: build ## start the server on 127.0.0.1:6379 (pass flags with ARGS="--port 7000 --compat redis")
	./$(BIN) $(ARGS)

build: ## build bin/miniredis
	$(GO) build -o $(BIN) ./cmd/miniredis

test: lint ## gofmt, vet, staticcheck, then every test with the race detector (replays the fuzz corpora), the server's on both network layers
	$(GO) test -race -count=1 -timeout 10m ./...
	MINIREDIS_TEST_NET=eventloop $(GO) test -race -count=1 -timeout 10m ./server/

test-short: ## the fast tests only, without the race detector
	$(GO) test -short ./...

bench: ## the Go benchmarks in benchmarks/ (BENCH=regexp BENCHTIME=1s COUNT=1)
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) -count $(COUNT) ./benchmarks/

bench-compare: build ## redis-benchmark against miniredis and redis-server side by side; results in benchmarks/results/
	./benchmarks/compare.sh

scale-compare: build ## redis-server and miniredis one after the other at KEYS="1000000 10000000" keys: load, RSS per key, overwrite latency; benchmarks/results/scale.*
	./benchmarks/scale-compare.sh

syscall-compare: build ## system calls, context switches and CPU per pipeline-1 request, redis-server beside miniredis (needs perf); benchmarks/results/syscalls.md
	./benchmarks/syscall-compare.sh
persist-compare: build ## SAVE and load time, and memory and SET/s during BGSAVE under writes, redis-server (fork) vs miniredis (KEYS=1000000); benchmarks/results/persist.md
	./benchmarks/persist-compare.sh
cluster-compare: build ## redis-benchmark --cluster, 3 miniredis nodes vs 3 redis-server nodes, alternating (ROUNDS=5 N=1000000 -c 50 -P 16); benchmarks/results/cluster.md
	./benchmarks/cluster-compare.sh

fuzz: ## run every fuzz target for FUZZTIME each (default 30s); scripts/fuzz.sh tells a finding from Go 1.26's fuzztime deadline race
	FUZZTIME=$(FUZZTIME) GO=$(GO) ./scripts/fuzz.sh

lint: ## gofmt, go vet and staticcheck must be clean
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-14s %s\n", $$1, $$2}'
