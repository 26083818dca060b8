// libFuzzer target: a JSONL training data file (model/dataset.h), as `zklora train` and `zklora commit --data`
// read it for the micro model: it is read, every token id checked against the vocabulary, or refused with the
// line named; never a crash.
#include <cstdint>
#include <cstdlib>

#include "fuzz_temp.h"
#include "support/random_model.h"
#include "zklora/model/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const zklora::ModelConfig m = zklora::testing::micro_config();
  auto examples = zklora::load_dataset(zklora::fuzz::scratch_file("data.jsonl", data, size), {}, m);
  if (!examples.ok()) return 0;
  for (const auto& e : examples.value()) {
    for (const int32_t t : e) {
      if (t < 0 || t >= m.vocab_size) std::abort();
    }
  }
  return 0;
}
