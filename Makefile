# The two commands of the README. Both install what they need (scripts/setup.sh) and build in build/.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all setup build test demo fuzz fuzz-build clean

all: build

setup:
	@bash scripts/setup.sh

build: setup
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release --log-level=WARNING
	@cmake --build $(BUILD) -j $(JOBS)

# The tests, then every fuzz target for FUZZ_SMOKE_SECONDS each (a clang build with AddressSanitizer and UBSan in
# $(FUZZ_BUILD); `make test FUZZ_SMOKE_SECONDS=0` leaves the fuzzers out).
FUZZ_SMOKE_SECONDS ?= 4
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@if [ "$(FUZZ_SMOKE_SECONDS)" != 0 ]; then $(MAKE) --no-print-directory fuzz-build && \
	  bash scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS) -seed=1; fi

# The demo: `zklora demo` creates the tiny LLaMA-shaped model and the built-in corpus, commits both, fine-tunes a
# few LoRA steps with a zero-knowledge proof of each, verifies the run from its public files, and prints a table
# and where the adapter, the proofs and the plot are. Its files live in $(BUILD)/demo: the model is reused, the
# run replaced on rerun.
DEMO = $(BUILD)/demo
demo: build
	@$(BUILD)/zklora demo --out $(DEMO)

# The libFuzzer targets of fuzz/ (one per reader of a file from someone else), built with clang, AddressSanitizer
# and UBSan in $(FUZZ_BUILD), each run for FUZZ_SECONDS seconds from the golden files: `make fuzz FUZZ_SECONDS=3600`
# for a long run.
# -O1 without debug information: a third of RelWithDebInfo's build time, and the sanitizers' reports still name
# the functions.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 20
fuzz-build: setup
	@cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O1 -DCMAKE_C_FLAGS_RELEASE=-O1 -DZKLORA_BUILD_FUZZ=ON \
	  -DZKLORA_BUILD_TESTS=OFF -DZKLORA_BUILD_BENCH=OFF --log-level=WARNING
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets

fuzz: fuzz-build
	@bash scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

clean:
	@rm -rf $(BUILD) $(FUZZ_BUILD)
