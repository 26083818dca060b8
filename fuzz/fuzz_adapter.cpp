// libFuzzer target: a PEFT adapter a user gives `zklora train --init-adapter` (model/adapter_io.h). Each input is
// adapter_model.safetensors beside a valid adapter_config.json for the micro model (rank 4 on q and v, as
// tests/golden/adapter): it is read, every tensor checked against the model's shapes, or refused; never a crash.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_temp.h"
#include "support/random_model.h"
#include "zklora/base/files.h"
#include "zklora/model/adapter_io.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const std::string config =
      R"({"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj", )"
      R"("v_proj"], "bias": "none", "base_model_name_or_path": "micro"})";
  if (!zklora::write_file_atomically(zklora::fuzz::scratch_dir() / "adapter_config.json", config).ok()) std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  zklora::fuzz::scratch_file("adapter_model.safetensors", data, size);
  (void)zklora::read_peft_adapter(zklora::fuzz::scratch_dir(), zklora::testing::micro_config());
  return 0;
}
