// Helpers shared by the operations (operation.h).
#include "zklora/ops/operation.h"

#include <vector>

#include "zklora/piop/logup.h"
#include "zklora/poly/shape.h"

namespace zklora {

Fr selector_eval(std::span<const uint64_t> dims, std::span<const Fr> z) { return lookup_selector_eval(dims, z); }

unsigned tensor_vars(std::span<const uint64_t> dims) {
  return PaddedShape(std::vector<uint64_t>(dims.begin(), dims.end())).num_vars();
}

void absorb_dims(Transcript& t, std::string_view label, std::span<const uint64_t> dims) {
  std::vector<uint8_t> bytes;
  for (const uint64_t d : dims) {
    for (unsigned i = 0; i < 8; ++i) bytes.push_back(static_cast<uint8_t>(d >> (8 * i)));
  }
  t.absorb_bytes(label, bytes);
}

}  // namespace zklora
