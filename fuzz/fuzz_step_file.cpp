// libFuzzer target: the step file reader (io/step_file.h). Anything it accepts re-encodes to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <span>

#include <vector>

#include "zklora/io/step_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  auto f = zklora::StepFile::from_bytes(bytes, "fuzz", 1);
  if (f.ok() && f->to_bytes() != std::vector<uint8_t>(bytes.begin(), bytes.end())) std::abort();
  return 0;
}
