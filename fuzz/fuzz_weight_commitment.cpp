// libFuzzer target: the public weight commitment reader (io/commitment_files.h), what `zklora verify` reads
// from a run. Anything it accepts re-encodes to the same bytes; when its configuration parses and is small, the
// verifier's check of the commitment (WeightCommitment::checked: shapes and the weight check's proof) answers
// with an error or success, never a crash.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "zklora/model/checkpoint.h"
#include "zklora/io/commitment_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  auto w = zklora::parse_weight_commitment(bytes, "fuzz", 1);
  if (!w.ok()) return 0;
  if (zklora::encode_weight_commitment(w.value()) != std::vector<uint8_t>(bytes.begin(), bytes.end())) std::abort();
  auto config = zklora::parse_model_config(w->config_json, "fuzz");
  if (!config.ok()) return 0;
  const zklora::ModelConfig& m = config.value();
  // A checked commitment verifies a proof over every weight: bound the work to models of the golden file's size.
  if (m.n_layers > 4 || m.vocab_size * m.d_model > 4096 || m.d_ffn * m.d_model > 4096) return 0;
  (void)zklora::WeightCommitment::checked(m, w.value(), 1);
  return 0;
}
