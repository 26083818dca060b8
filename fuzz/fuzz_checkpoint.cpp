// libFuzzer target: a model checkpoint's weights file, read as `zklora commit` and `zklora train` read a user's
// model (model/checkpoint.h, model/llama.h). Each input is model.safetensors beside the micro model's config.json
// (tests/golden/model): the checkpoint opens or is refused, and an opened one is hashed and quantized to the
// fixed-point weights or refused (NaN, out of range), never a crash.
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "fuzz_temp.h"
#include "support/random_model.h"
#include "zklora/model/checkpoint.h"
#include "zklora/model/llama.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!zklora::write_model_config(zklora::testing::micro_config(), zklora::fuzz::scratch_dir() / "config.json").ok()) {
    std::abort();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  zklora::fuzz::scratch_file("model.safetensors", data, size);
  auto c = zklora::Checkpoint::open(zklora::fuzz::scratch_dir());
  if (!c.ok()) return 0;
  (void)c->content_hash();
  auto shared = std::make_shared<const zklora::Checkpoint>(std::move(c.value()));
  (void)zklora::ModelWeights::from_checkpoint(shared, false);
  return 0;
}
