# The two commands of the README: `make demo` and `make test`. Each installs what it needs
# (Debian packages, idempotently), configures with CMake and Ninja, builds and runs.
BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
PREFIX ?= /usr/local
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build demo demo-stop demo-batch test test-fast test-asan test-slow install bench clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@test -f $(BUILD_DIR)/build.ninja || cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The golden query live on a local Kafka broker (kept running in the background) into
# demo-data/events_agg; Ctrl-C stops the query, `make demo-stop` the broker.
demo: build
	@bash scripts/demo.sh $(BUILD_DIR)

demo-stop:
	@bash scripts/demo-stop.sh

# The batch demo: the golden aggregation over a generated file of 1 M events.
demo-batch: build
	@bash scripts/demo-batch.sh $(BUILD_DIR)

# The default test run: unit, integration and the sanitizer pass; slow suites excluded.
test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -LE slow -j $(JOBS)
	@$(MAKE) --no-print-directory test-asan

test-fast: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -LE slow -j $(JOBS)

test-asan: deps
	@test -f $(ASAN_BUILD_DIR)/build.ninja || cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DWEIR_SANITIZE=ON -DWEIR_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	@cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)
	@cd $(ASAN_BUILD_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -LE slow -j $(JOBS)

test-slow: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -L slow

install: build
	@cmake --install $(BUILD_DIR) --prefix $(PREFIX)

# The benchmark suite of spec/benchmarks.md, ending with one results table (docs/benchmarks.md).
bench: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target weir_cli stream_bench baseline_bench batch_golden_bench \
	  oracle_diff bench_report kafka_floor_bench
	@bash scripts/bench.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR)
