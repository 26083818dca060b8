// The commitments made once and reused: the base weights of a model directory (`zklora commit --model`, and
// `zklora train` when the model has none yet), and a data set (`zklora commit --data`, `zklora demo`); their files
// are io/commitment_files.h's.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "zklora/base/error.h"
#include "zklora/io/commitment_files.h"

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

struct DataSetCommitment {
  std::filesystem::path file;  // the public file (the prover's beside it, base/files.h prover_file_path)
  int64_t examples = 0;
  bool made = false;           // false: an up-to-date pair of files was found
  double commit_s = 0;
};

// The data set in `data_file` tokenized as training reads it (MODEL/tokenizer.model, or .jsonl ids) and committed
// for sequences of `seq` tokens into `file` (default: the data file with the extension .commitment.bin), unless
// that file and its prover file already commit this data set for this sequence length, vocabulary and format.
// INVALID_ARGUMENT for a sequence length outside [2, max_position_embeddings] or a file by that name that is not
// a zklora data commitment (left alone).
Result<DataSetCommitment> ensure_data_commitment(const std::filesystem::path& data_file,
                                                 const std::filesystem::path& model_dir, int64_t seq,
                                                 std::filesystem::path file, int threads);

}  // namespace zklora
