// The base-weight commitment of a model directory, made once and reused (`zklora commit --model`, and
// `zklora train` when the model has none yet): step/weight_commitment.h holds the format.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "zklora/base/error.h"
#include "zklora/step/weight_commitment.h"

namespace zklora {

struct ModelCommitment {
  std::filesystem::path file;  // the public file
  WeightCommitmentFile public_file;
  ProverCommitments prover;    // with the blinds
  bool made = false;           // false: an up-to-date pair of files was found and read
  double commit_s = 0, check_s = 0;
};

// The commitment in `file` (default MODEL/zklora-commitment.bin) and its prover file when both exist and were made
// for the checkpoint's contents, configuration and fixed-point format (and carry the weight check unless
// `skip_check`); otherwise commits the model now and writes both files. INVALID_ARGUMENT, leaving the file alone,
// when a file by that name exists that is not a zklora commitment. `log` receives one-line progress messages.
Result<ModelCommitment> ensure_model_commitment(const std::filesystem::path& model_dir, std::filesystem::path file,
                                                bool skip_check, int threads,
                                                const std::function<void(const std::string&)>& log = {});

}  // namespace zklora
