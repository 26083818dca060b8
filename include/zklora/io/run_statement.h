// statement.json of a proven run (run_files.h lists the run's files; docs/protocol.md section 18): the public
// configuration of every step, the digests of the run's public commitment files, and what the steps leave unproven
// (nothing). Canonical JSON: the same statement always writes the same bytes, whose digest is the run digest each
// step file names.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/model/config.h"
#include "zklora/model/optimizer.h"
#include "zklora/step/statement.h"

namespace zklora {

using Digest = std::array<uint8_t, 32>;
std::string to_hex(const Digest& d);
Result<Digest> digest_from_hex(const std::string& hex);

// SHA-256 of a file's bytes (through a transcript): how statement.json names the public files.
Digest file_digest(std::span<const uint8_t> bytes);

inline constexpr uint32_t kRunStatementVersion = 1;
// The files of a run directory (run_files.h).
inline constexpr const char* kRunStatementFile = "statement.json";
inline constexpr const char* kRunWeightsFile = "weights.commitment.bin";
inline constexpr const char* kRunDataFile = "data.commitment.bin";
inline constexpr const char* kRunInitialFile = "initial.commitments.bin";
inline constexpr const char* kRunOpeningFile = "adapter_opening.bin";
inline constexpr const char* kRunReportFile = "report.json";
inline constexpr const char* kRunPlotFile = "report.svg";
inline constexpr const char* kRunProverDir = "prover";


// statement.json: everything a verifier needs besides the public files it names by digest.
struct RunStatement {
  uint32_t format_version = 0;  // fixed point (kFixedFormatVersion)
  ModelConfig model;
  std::string model_hash;  // the checkpoint's content hash, as the weight commitment records it
  LoraConfig lora;
  OptimizerConfig optimizer;
  int64_t batch = 0, seq = 0, steps = 0;
  uint64_t seed = 0;  // the batch order (model/trainer.h, batch_indices)
  bool zero_knowledge = true;
  Digest weights_digest{};  // SHA-256 of weights.commitment.bin
  bool weights_checked = true;  // false: made with --skip-weight-check, trusted explicitly
  Digest data_digest{};     // data_digest of data.commitment.bin
  int64_t data_examples = 0;
  Digest initial_digest{};  // SHA-256 of initial.commitments.bin
  std::vector<std::string> unproven;

  // The statement of step t (1-based) before its public outputs (loss sum and count, from its step file); it
  // names this run (StepStatement::run, the digest below), which every sub-proof's transcript absorbs.
  StepStatement step(int64_t t) const;
  // What a step file names its run by: SHA-256 (through a transcript) of the canonical JSON.
  Digest digest() const;
  std::string to_json() const;
  static Result<RunStatement> from_json(const std::string& text, const std::string& where);
};

}  // namespace zklora
