# The two commands of the README. Both install what they need (scripts/setup.sh) and build in build/.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all setup build test demo clean

all: build

setup:
	@bash scripts/setup.sh

build: setup
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release --log-level=WARNING
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The demo: `zklora demo` creates the tiny LLaMA-shaped model and the built-in corpus, commits both, fine-tunes a
# few LoRA steps with a zero-knowledge proof of each, verifies the run from its public files, and prints a table
# and where the adapter, the proofs and the plot are. Its files live in $(BUILD)/demo: the model is reused, the
# run replaced on rerun.
DEMO = $(BUILD)/demo
demo: build
	@$(BUILD)/zklora demo --out $(DEMO)

clean:
	@rm -rf $(BUILD)
