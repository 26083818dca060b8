// A step's proof file (run_files.h lists the run's files; docs/proof_format.md): the step's public outputs and
// commitments, its header (the cut commitments), and its sub-proofs (step/parts.h), one after the other, so a
// prover appends each sub-proof as it is made and a verifier reads and checks one at a time, in bounded memory.
//
//   StepFile: magic "ZKLSTEP1" || u32 version (3) || u64 |head| || head || u32 parts
//             || parts x (u8 kind || u32 index || u64 |proof| || proof)
//   head:     u8 channel mode (0 clear, 1 zero knowledge) || 32 bytes run digest || u64 step || u64 batch
//             || batch x u64 index || i64 loss sum || u64 count || 32 bytes input digest
//             || u32 outputs || outputs x (str name || Hyrax commitment)      the "next.*" commitments, by name
//             || u32 cuts || cuts x (str name || Hyrax commitment)            the header, in the plan's order
// (str: u32 length || bytes; little-endian.) The run digest is RunStatement::digest(); the input digest names the
// commitments the step started from (run_files.h, commitments_digest). Which parts a step has, in which order,
// and which cuts its header holds follow from the statement (step/parts.h, step_plan): the verifier checks the
// file against them, a part's (kind, index) included. Version 2 held one proof of the whole step.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/io/run_statement.h"
#include "zklora/piop/channel.h"
#include "zklora/step/parts.h"
#include "zklora/step/statement.h"

namespace zklora {

inline constexpr char kStepFileMagic[8] = {'Z', 'K', 'L', 'S', 'T', 'E', 'P', '1'};
inline constexpr uint32_t kStepFileVersion = 3;

// Everything before the sub-proofs.
struct StepFileHead {
  ChannelMode mode = ChannelMode::ZERO_KNOWLEDGE;  // of the proof: the clear channel only with --no-zk
  Digest run{};
  int64_t step = 0;
  std::vector<int64_t> indices;
  int64_t loss_sum = 0;
  int64_t count = 0;
  Digest input{};                     // commitments_digest of the commitments the step started from
  PublicCommitments outputs;          // "next.*"
  std::vector<NamedCommitment> cuts;  // the step's header

  std::vector<uint8_t> to_bytes() const;
  static Result<StepFileHead> from_bytes(std::span<const uint8_t> bytes, const std::string& where, int threads = 0);
};

struct PartRecord {
  PartId part;
  std::vector<uint8_t> proof;
};

// A whole step file in memory (small steps, tests, the fuzzer).
struct StepFile {
  StepFileHead head;
  std::vector<PartRecord> parts;

  uint64_t proof_bytes() const;  // the header's commitments and the sub-proofs
  std::vector<uint8_t> to_bytes() const;
  static Result<StepFile> from_bytes(std::span<const uint8_t> bytes, const std::string& where, int threads = 0);
};

// Writes a step file part by part into "<file>.tmp", renamed to `file` by finish() once every part announced is
// written; a writer destroyed before that removes the temporary file, so no partial step file is ever left.
class StepFileWriter {
 public:
  // IO error naming the file.
  static Result<StepFileWriter> open(const std::filesystem::path& file, const StepFileHead& head, uint32_t parts);
  StepFileWriter(StepFileWriter&&) noexcept;
  StepFileWriter& operator=(StepFileWriter&&) = delete;
  ~StepFileWriter();

  Status append(const PartRecord& part);
  Status finish();
  uint64_t bytes() const { return bytes_; }

 private:
  StepFileWriter() = default;
  std::filesystem::path file_, tmp_;
  std::unique_ptr<std::ofstream> out_;
  uint32_t parts_ = 0, written_ = 0;
  uint64_t bytes_ = 0;
  bool done_ = false;
};

// Reads a step file: its head at once, then its parts one at a time; no read is larger than the file says and
// the file holds (TRUNCATED_PROOF, BAD_LENGTH), errors name `where`.
class StepFileReader {
 public:
  // max_part: the largest sub-proof the caller accepts (BAD_LENGTH above it).
  static Result<StepFileReader> open(const std::filesystem::path& file, const std::string& where, int threads = 0,
                                     uint64_t max_part = uint64_t{1} << 34);
  StepFileReader(StepFileReader&&) noexcept = default;

  const StepFileHead& head() const { return head_; }
  uint32_t parts() const { return parts_; }
  uint64_t file_bytes() const { return size_; }
  // The next part, or nothing after the last (TRAILING_PROOF_BYTES when the file goes on).
  Result<std::optional<PartRecord>> next();
  // The next part's id and size, its proof skipped.
  Result<std::optional<std::pair<PartId, uint64_t>>> skip();

 private:
  StepFileReader() = default;
  Result<std::optional<std::pair<PartId, uint64_t>>> next_header();
  std::string where_;
  std::unique_ptr<std::ifstream> in_;
  StepFileHead head_;
  uint64_t size_ = 0, offset_ = 0, max_part_ = 0;
  uint32_t parts_ = 0, read_ = 0;
};

}  // namespace zklora
