// The files of a proven run (DESIGN.md section 6; docs/protocol.md section 18); statement.json is run_statement.h.
//
// A run directory RUN holds, public (what `zklora verify RUN` reads):
//   statement.json            RunStatement: the configuration, the digests of the three public files below, the
//                             unproven operations (none) and the number of steps
//   weights.commitment.bin    the base-weight commitment (io/commitment_files.h), as `zklora commit` made it
//   data.commitment.bin       the data-set commitment (io/commitment_files.h)
//   initial.commitments.bin   the commitments to the adapter before the first step (CommitmentSet)
//   step-000001.proof, ...    one per step (step_file.h)
//   adapter_config.json, adapter_model.safetensors   the adapter after the last step, PEFT's layout
//   adapter_opening.bin       TensorOpening of the adapter after the last step (its integers and blinds): with it
//                             anyone holding the adapter checks that it is the one the last step committed
//   report.json, report.svg   per step: the proven loss, tokens, times, proof size, memory
// and private, under RUN/prover/ (never needed by a verifier): the prover's state after the last proven step
// (TensorOpening "state-NNNNNN.bin": adapter and optimizer state with their blinds) from which --resume goes on,
// the data commitment's prover files when the run made them, and run.json (where the model and data are).
//
// Binary formats (little-endian; each read bounded and validated, errors naming the file and the item):
//   CommitmentSet:  magic "ZKLCSET1" || u32 version (1) || u32 count || count x (str name || Hyrax commitment)
//   TensorOpening:  magic "ZKLOPEN1" || u32 version (1) || u64 step || u32 count
//                   || count x (str name || u32 ndims || ndims x u64 dim || numel x i64 entry
//                   || u64 rows || rows x Fr blind)
// (str: u32 length || bytes.)
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/model/config.h"
#include "zklora/model/llama.h"
#include "zklora/model/optimizer.h"
#include "zklora/io/run_statement.h"
#include "zklora/piop/channel.h"
#include "zklora/step/statement.h"

namespace zklora {

// "step-000001.proof"; "state-000001.bin".
std::string step_file_name(int64_t step);
std::string state_file_name(int64_t step);

// A name -> commitment map in a file.
std::vector<uint8_t> encode_commitment_set(const PublicCommitments& c);
Result<PublicCommitments> decode_commitment_set(std::span<const uint8_t> bytes, const std::string& where,
                                                int threads = 0);
// The digest of a set of commitments (names and commitment digests, in name order).
Digest commitments_digest(const PublicCommitments& c);

// Named integer tensors with the blinds of their commitments.
struct OpenedTensor {
  std::vector<uint64_t> dims;
  std::vector<int64_t> data;
  std::vector<Fr> blinds;
};
struct TensorOpening {
  int64_t step = 0;
  std::map<std::string, OpenedTensor> tensors;
};
std::vector<uint8_t> encode_opening(const TensorOpening& o);
Result<TensorOpening> decode_opening(std::span<const uint8_t> bytes, const std::string& where);
// The commitment each tensor's integers and blinds make (Hyrax, the tensor's balanced shape); INVALID_ARGUMENT for
// a tensor whose blinds do not fit it.
Result<PublicCommitments> opening_commitments(const TensorOpening& o, int threads = 0);

// An adapter and optimizer state with the prover's commitments to them, as an opening ("adapter...",
// "optimizer.m...", "optimizer.v..." as a step statement names them), and back.
TensorOpening opening_of(int64_t step, const AdapterTensors& adapter, const OptimizerState* state,
                         const ProverCommitments& commitments);
Result<AdapterTensors> adapter_of(const TensorOpening& o, const ModelConfig& model, const LoraConfig& lora);
Result<OptimizerState> optimizer_state_of(const TensorOpening& o, const AdapterTensors& layout,
                                          const OptimizerConfig& config);
// The prover's commitments the opening holds (its tensors committed with its blinds).
Result<ProverCommitments> opening_prover_commitments(const TensorOpening& o, int threads = 0);

}  // namespace zklora
