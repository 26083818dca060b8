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

# Until the fine-tuning demo exists, the demo runs the benchmarks of the cryptographic core.
demo: build
	@$(BUILD)/zklora bench field
	@$(BUILD)/zklora bench msm

clean:
	@rm -rf $(BUILD)
