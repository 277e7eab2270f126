# The README's two commands: `make run` (the main job) and `make test` (the whole suite).
# Each installs the Debian packages it needs when missing, configures, builds and runs.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
OUT ?= out

.PHONY: all deps run test test-fast bench fuzz clean format

all: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DIONSIM_TESTS=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target programs

deps:
	@scripts/setup-deps.sh build

run: all
	@scripts/run-main.sh $(BUILD)/ionsim $(OUT)

test: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DIONSIM_TESTS=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIONSIM_SANITIZE=ON -DIONSIM_TESTS=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS) --target ionsim_unit_tests ionsim
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS) -L unit

bench:
	@scripts/setup-deps.sh bench
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DIONSIM_BENCH=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@bench/run-benchmarks.sh $(BUILD)

# libFuzzer targets (clang-14), each run FUZZ_SECONDS on its corpus in tests/fuzz
# (docs/dev/fuzzing.md); `make test` replays the corpora without clang.
fuzz:
	@scripts/setup-deps.sh fuzz
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DIONSIM_FUZZ=ON -DIONSIM_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers
	@scripts/run-fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(OUT)
