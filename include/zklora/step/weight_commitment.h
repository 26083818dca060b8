// The commitment to a model's quantized base weights (DESIGN.md section 1: C_W, made once per model and reused
// by every proof), and its file.
//
// Every tensor the step reads is committed with Hyrax (pcs/hyrax.h) over its MLE in the layout of poly/shape.h:
// "embed" (vocab, d), "lm_head" (vocab, d), "final_norm" (d), and per layer l "layers.<l>.<module>" for the
// seven projections (out, in) and "layers.<l>.attn_norm", "layers.<l>.mlp_norm" (d). Weights are the quantized
// integers of model/llama.h (weight scale), committed as short scalars.
//
// File (little-endian; `zklora commit --model DIR` writes DIR/zklora-commitment.bin):
//     magic "ZKLWCMT1" (8 bytes) || u32 version (1) || u32 fixed-point format version
//     || u32 |hash| || hash (the checkpoint's content hash, hex) || u32 |config| || config (canonical JSON)
//     || u32 count || count x (u32 |name| || name || Hyrax commitment (pcs/hyrax.h encoding))
//     || u64 |check| || check  (the well-formedness proof of weight_check.h; empty when it was not made)
//     || u8 has_blinds || [count x (u64 rows || rows x Fr)]        (the prover's blinding factors)
// Version 2 added the check. The public part ends before has_blinds; a copy for verifiers carries has_blinds = 0. Reading is bounded and
// validated: a bad magic, version, length, point or field element is an error naming what is wrong.
// Caveat: the blinds are the prover's secret; the file beside the model must stay with the prover.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "zklora/base/error.h"
#include "zklora/model/llama.h"
#include "zklora/step/linear_step.h"

namespace zklora {

inline constexpr char kWeightCommitmentMagic[8] = {'Z', 'K', 'L', 'W', 'C', 'M', 'T', '1'};
inline constexpr uint32_t kWeightCommitmentVersion = 2;
inline constexpr const char* kWeightCommitmentFile = "zklora-commitment.bin";

ProverCommitments commit_model_weights(const ModelWeights& weights, int threads = 0);
// One weight tensor, padded to its MLE layout (what commit_model_weights does for each).
HyraxCommitted commit_weight_tensor(const WTensor& w, int threads = 0);

struct WeightCommitmentFile {
  uint32_t format_version = 0;
  std::string content_hash;
  std::string config_json;
  ProverCommitments tensors;  // blinds empty when the file carries none
  std::vector<uint8_t> weight_check;  // prove_weight_check's proof (weight_check.h), or empty
  bool has_blinds = false;

  PublicCommitments public_part() const { return public_commitments(tensors); }
};

std::string model_config_json(const ModelConfig& config);

// Whether the file starts with the commitment magic (a file `zklora commit` may replace when it is stale).
bool is_weight_commitment_file(const std::filesystem::path& file);

Status write_weight_commitment(const std::filesystem::path& file, const WeightCommitmentFile& c);
Result<WeightCommitmentFile> read_weight_commitment(const std::filesystem::path& file, int threads = 0);

}  // namespace zklora
