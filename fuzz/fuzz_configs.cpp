// libFuzzer target: the JSON configurations a user gives: a model's config.json (model/checkpoint.h) and an
// adapter's adapter_config.json (model/adapter_io.h). Each input goes through both parsers; a configuration
// either parser accepts is valid (its own validate() agrees), never a crash.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "zklora/model/adapter_io.h"
#include "zklora/model/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (auto m = zklora::parse_model_config(text, "fuzz"); m.ok() && !m->validate().ok()) std::abort();
  if (auto a = zklora::parse_adapter_config(text, "fuzz"); a.ok() && !a->validate().ok()) std::abort();
  return 0;
}
