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

# The demo: a tiny LLaMA-shaped model fine-tuned with LoRA on the built-in corpus (fixed point, without proofs
# for now), then the speed of the cryptographic core. The base weights have std 1/sqrt(d_model): with the usual
# 0.02 a random frozen 128-wide model cannot produce logits large enough for an adapter to learn much.
# Its files live in $(BUILD)/demo and are replaced on rerun.
DEMO = $(BUILD)/demo
demo: build
	@test -f $(DEMO)/model/config.json || $(BUILD)/zklora init-model --shape tiny --seed 1 --initializer-range 0.088 \
	  --out $(DEMO)/model
	@$(BUILD)/zklora train --model $(DEMO)/model --data data/corpus.txt --steps 30 --batch 16 --seq 64 \
	  --optimizer adamw --lr 5e-3 --targets q,k,v,o,gate,up,down --out $(DEMO)/run --no-prove --overwrite
	@echo "adapter and report: $(DEMO)/run"
	@$(BUILD)/zklora bench field
	@$(BUILD)/zklora bench msm --max-log2n 16

clean:
	@rm -rf $(BUILD)
