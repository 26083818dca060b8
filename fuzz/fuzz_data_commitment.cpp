// libFuzzer target: the data commitment reader (io/commitment_files.h). Anything it accepts re-encodes to the
// same bytes, and batches assembled from it at in-range indices are well formed.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "zklora/io/commitment_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  auto d = zklora::parse_data_commitment(bytes, "fuzz", 1);
  if (!d.ok()) return 0;
  if (zklora::encode_data_commitment(d.value()) != std::vector<uint8_t>(bytes.begin(), bytes.end())) std::abort();
  const std::vector<int64_t> indices{0, d->examples() - 1, d->examples()};
  if (!zklora::data_batch_commitments(d.value(), std::span(indices).first(2)).ok()) std::abort();
  if (zklora::data_batch_commitments(d.value(), indices).ok()) std::abort();  // an index outside the data set
  return 0;
}
