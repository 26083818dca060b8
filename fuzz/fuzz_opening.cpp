// libFuzzer target: the tensor opening and commitment set readers (io/run_files.h). Anything they accept
// re-encodes to the same bytes; an accepted opening's commitments are computed or refused, never a crash.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "zklora/io/run_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  const std::vector<uint8_t> copy(bytes.begin(), bytes.end());
  if (auto o = zklora::decode_opening(bytes, "fuzz"); o.ok()) {
    if (zklora::encode_opening(o.value()) != copy) std::abort();
    uint64_t entries = 0;
    for (const auto& [name, t] : o->tensors) entries += t.data.size();
    if (entries <= (uint64_t{1} << 12)) (void)zklora::opening_commitments(o.value(), 1);
  }
  if (auto c = zklora::decode_commitment_set(bytes, "fuzz", 1); c.ok()) {
    if (zklora::encode_commitment_set(c.value()) != copy) std::abort();
  }
  return 0;
}
