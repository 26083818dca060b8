// The commitment to a model's quantized base weights (DESIGN.md section 1: C_W, made once per model and reused
// by every proof), its two files, and what a step verifier accepts of it.
//
// Every tensor the step reads is committed with Hyrax (pcs/hyrax.h) over its MLE in the layout of poly/shape.h:
// "embed" (vocab, d), "lm_head" (vocab, d; not for a model whose LM head is its embedding), "final_norm" (d), and
// per layer l "layers.<l>.<module>" for the seven projections (out, in) and "layers.<l>.attn_norm",
// "layers.<l>.mlp_norm" (d): model_weight_tensors. Weights are the quantized
// integers of model/llama.h (weight scale), committed as short scalars.
//
// Two files (little-endian; `zklora commit --model DIR` writes both beside the model):
//   public, DIR/zklora-commitment.bin, everything a verifier reads:
//     magic "ZKLWCMT1" (8 bytes) || u32 version (3) || u32 fixed-point format version
//     || u32 |hash| || hash (the checkpoint's content hash, hex) || u32 |config| || config (canonical JSON)
//     || u32 count || count x (u32 |name| || name || Hyrax commitment (pcs/hyrax.h encoding))
//     || u64 |check| || check  (the well-formedness proof of weight_check.h; empty when it was not made)
//   prover, DIR/zklora-commitment.prover.bin, the row blinding factors, which stay with the prover:
//     magic "ZKLWPRV1" || u32 version (1) || 32 bytes: SHA-256 of the public file || u32 count
//     || count x (u32 |name| || name || u64 rows || rows x Fr)
// The prover file names the public file it belongs to by its digest; reading the pair checks that they match.
// Version 2 held both parts in one file; version 3 split them. Reading is bounded and validated: a bad magic,
// version, length, point or field element is an error naming what is wrong.
//
// A step's soundness rests on the weight check (32-bit entries, zero padding). A step verifier therefore takes a
// WeightCommitment, made only by verifying the check (checked) or by the caller's explicit trust in whoever made
// the commitment (trusted, for `zklora commit --skip-weight-check`), and reports which it was.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/model/llama.h"
#include "zklora/step/statement.h"
#include "zklora/step/tensor_key.h"

namespace zklora {

inline constexpr char kWeightCommitmentMagic[8] = {'Z', 'K', 'L', 'W', 'C', 'M', 'T', '1'};
inline constexpr uint32_t kWeightCommitmentVersion = 3;
inline constexpr char kWeightBlindsMagic[8] = {'Z', 'K', 'L', 'W', 'P', 'R', 'V', '1'};
inline constexpr uint32_t kWeightBlindsVersion = 1;
inline constexpr const char* kWeightCommitmentFile = "zklora-commitment.bin";

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

// The public file.
struct WeightCommitmentFile {
  uint32_t format_version = 0;
  std::string content_hash;
  std::string config_json;
  PublicCommitments tensors;
  std::vector<uint8_t> weight_check;  // prove_weight_check's proof (weight_check.h), or empty
};

std::string model_config_json(const ModelConfig& config);

// The prover's file beside a public one: "<public>.prover" with ".bin" kept last ("x.bin" -> "x.prover.bin").
std::filesystem::path weight_blinds_path(const std::filesystem::path& public_file);

// Whether the file starts with the commitment magic (a file `zklora commit` may replace when it is stale).
bool is_weight_commitment_file(const std::filesystem::path& file);
bool is_weight_blinds_file(const std::filesystem::path& file);

// Both files, each written atomically (a temporary file renamed).
Status write_weight_commitment(const std::filesystem::path& public_file, const WeightCommitmentFile& file,
                               const ProverCommitments& with_blinds);
Result<WeightCommitmentFile> read_weight_commitment(const std::filesystem::path& public_file, int threads = 0);
// The public file's bytes (what write_weight_commitment writes), and the same read from them (errors name
// `where`).
std::vector<uint8_t> encode_weight_commitment(const WeightCommitmentFile& file);
Result<WeightCommitmentFile> parse_weight_commitment(std::span<const uint8_t> bytes, const std::string& where,
                                                     int threads = 0);
// The commitments with the prover's blinds: the public file and its prover file, which must name it.
Result<ProverCommitments> read_weight_prover_commitments(const std::filesystem::path& public_file, int threads = 0);

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
