// The commitment to a model's quantized base weights (DESIGN.md section 1: C_W, made once per model and reused
// by every proof): what it commits, what its public file holds, and what a step verifier accepts of it.
//
// Every tensor the step reads is committed with Hyrax (pcs/hyrax.h) over its MLE in the layout of poly/shape.h:
// "embed" (vocab, d), "lm_head" (vocab, d; not for a model whose LM head is its embedding), "final_norm" (d), and
// per layer l "layers.<l>.<module>" for the seven projections (out, in) and "layers.<l>.attn_norm",
// "layers.<l>.mlp_norm" (d): model_weight_tensors. Weights are the quantized
// integers of model/llama.h (weight scale), committed as short scalars.
//
// The step layer holds the commitment's content (WeightCommitmentFile: the public part; ProverCommitments: the
// same with the row blinds); the two files `zklora commit --model DIR` writes, their bytes and their pairing, are
// the io layer's (io/commitment_files.h).
//
// A step's soundness rests on the weight check (32-bit entries, zero padding). A step verifier therefore takes a
// WeightCommitment, made only by verifying the check (checked) or by the caller's explicit trust in whoever made
// the commitment (trusted, for `zklora commit --skip-weight-check`), and reports which it was.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/model/llama.h"
#include "zklora/step/statement.h"
#include "zklora/step/tensor_key.h"

namespace zklora {

// A base weight of a model's commitment.
struct WeightTensor {
  TensorKey key;  // EMBED, LM_HEAD, FINAL_NORM, PROJECTION, ATTN_NORM, MLP_NORM (tensor_key.h)
  std::vector<uint64_t> dims;
};
// Every base weight a model of this configuration commits, in the canonical order: "embed", "lm_head" (not when
// the model ties it to the embedding: its head then reads the embedding's own commitment), "final_norm", then per
// layer "attn_norm", "mlp_norm" and the seven projections.
std::vector<WeightTensor> model_weight_tensors(const ModelConfig& config);
// The quantized tensor of a weight key; a layer's is loaded through `layer` once (kept there while the caller
// needs the tensor: ModelWeights may stream its layers).
const WTensor& weight_tensor(const ModelWeights& weights, const TensorKey& key,
                             std::shared_ptr<const LayerWeights>& layer);

ProverCommitments commit_model_weights(const ModelWeights& weights, int threads = 0);
// One weight tensor, padded to its MLE layout (what commit_model_weights does for each).
HyraxCommitted commit_weight_tensor(const WTensor& w, int threads = 0);

// What the public file holds (io/commitment_files.h): everything a verifier reads of the commitment.
struct WeightCommitmentFile {
  uint32_t format_version = 0;
  std::string content_hash;
  std::string config_json;
  PublicCommitments tensors;
  std::vector<uint8_t> weight_check;  // prove_weight_check's proof (weight_check.h), or empty
};

// The configuration as canonical JSON: how the commitment names the model it was made for.
std::string model_config_json(const ModelConfig& config);

// The base-weight commitment as a step verifier accepts it.
class WeightCommitment {
 public:
  // Verifies the file's weight check against `config` (the sub-protocols' rejections; INVALID_ARGUMENT when
  // the file carries no check or was made for another configuration or fixed-point format).
  static Result<WeightCommitment> checked(const ModelConfig& config, const WeightCommitmentFile& file,
                                          int threads = 0);
  // The caller trusts whoever made the commitment (a model committed with --skip-weight-check).
  static WeightCommitment trusted(PublicCommitments tensors);

  bool is_checked() const { return checked_; }
  const PublicCommitments& tensors() const { return tensors_; }

 private:
  WeightCommitment(PublicCommitments tensors, bool checked) : tensors_(std::move(tensors)), checked_(checked) {}
  PublicCommitments tensors_;
  bool checked_ = false;
};

}  // namespace zklora
