// The files of the commitments made once and reused: the base weights' (step/weight_commitment.h, written by
// `zklora commit --model DIR`) and a data set's (step/data_commitment.h, `zklora commit --data FILE`). The step
// layer holds what the proofs read; this header, their bytes on disk.
//
// Each commitment is a pair of files (little-endian; pcs/codec.h encodings): a public file, everything a verifier
// reads, and a prover file beside it (base/files.h prover_file_path: "x.bin" -> "x.prover.bin") with the blinding
// factors, which stay with the prover. A prover file starts with its magic, its version and the digest of the
// public file it belongs to (SHA-256 through a transcript of the public file's bytes, domain
// "zklora-weight-commitment-file" or "zklora-data-commitment-file"); reading the pair checks that they match. The
// prover file is written first and both atomically (a temporary file renamed): a public file never exists without
// the blinds that open it, and a reader never sees a partial file.
//
// Base weights:
//   public, DIR/zklora-commitment.bin:
//     magic "ZKLWCMT1" (8 bytes) || u32 version (3) || u32 fixed-point format version
//     || u32 |hash| || hash (the checkpoint's content hash, hex) || u32 |config| || config (canonical JSON)
//     || u32 count || count x (u32 |name| || name || Hyrax commitment (pcs/hyrax.h encoding))
//     || u64 |check| || check  (the well-formedness proof of step/weight_check.h; empty when it was not made)
//   prover, DIR/zklora-commitment.prover.bin, the row blinding factors:
//     magic "ZKLWPRV1" || u32 version (1) || 32 bytes: digest of the public file || u32 count
//     || count x (u32 |name| || name || u64 rows || rows x Fr)
// Version 2 held both parts in one file; version 3 split them.
//
// Data set (S the sequence length, n the number of examples; T_i, C_i and their blinds tau_i, gamma_i as in
// step/data_commitment.h):
//   public, FILE.commitment.bin by default:
//     magic "ZKLDCMT1" || u32 version (2) || u32 fixed-point format version || u64 S || u64 vocab
//     || u64 pad token || u64 n || n x (T_i || C_i) (compressed points)
//   prover, beside it:
//     magic "ZKLDPRV1" || u32 version (1) || 32 bytes: digest of the public file || 32 bytes: the content hash
//     || u64 n || n x (tau_i || gamma_i)
// Version 1 committed each example's target mask (M_i) instead of its number of targets.
//
// Reading is bounded and validated: a bad magic, version, length, point or field element, or bytes left over, is
// an error naming the file and what is wrong, never a crash.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/step/data_commitment.h"
#include "zklora/step/statement.h"
#include "zklora/step/weight_commitment.h"

namespace zklora {

// ---- base weights ----

inline constexpr char kWeightCommitmentMagic[8] = {'Z', 'K', 'L', 'W', 'C', 'M', 'T', '1'};
inline constexpr uint32_t kWeightCommitmentVersion = 3;
inline constexpr char kWeightBlindsMagic[8] = {'Z', 'K', 'L', 'W', 'P', 'R', 'V', '1'};
inline constexpr uint32_t kWeightBlindsVersion = 1;
inline constexpr const char* kWeightCommitmentFile = "zklora-commitment.bin";

// The prover's file beside a public one (prover_file_path).
std::filesystem::path weight_blinds_path(const std::filesystem::path& public_file);

// Whether the file starts with the commitment magic (a file `zklora commit` may replace when it is stale).
bool is_weight_commitment_file(const std::filesystem::path& file);
bool is_weight_blinds_file(const std::filesystem::path& file);

// The public file's bytes (what write_weight_commitment writes), and the same read from them (errors name
// `where`).
std::vector<uint8_t> encode_weight_commitment(const WeightCommitmentFile& file);
Result<WeightCommitmentFile> parse_weight_commitment(std::span<const uint8_t> bytes, const std::string& where,
                                                     int threads = 0);

// Both files (INVALID_ARGUMENT, writing nothing, when `with_blinds` holds a tensor the public file does not).
Status write_weight_commitment(const std::filesystem::path& public_file, const WeightCommitmentFile& file,
                               const ProverCommitments& with_blinds);
Result<WeightCommitmentFile> read_weight_commitment(const std::filesystem::path& public_file, int threads = 0);
// The commitments with the prover's blinds: the public file and its prover file, which must name it.
Result<ProverCommitments> read_weight_prover_commitments(const std::filesystem::path& public_file, int threads = 0);

// ---- data set ----

inline constexpr char kDataCommitmentMagic[8] = {'Z', 'K', 'L', 'D', 'C', 'M', 'T', '1'};
inline constexpr uint32_t kDataCommitmentVersion = 2;
inline constexpr char kDataBlindsMagic[8] = {'Z', 'K', 'L', 'D', 'P', 'R', 'V', '1'};
inline constexpr uint32_t kDataBlindsVersion = 1;

bool is_data_commitment_file(const std::filesystem::path& file);
bool is_data_blinds_file(const std::filesystem::path& file);

// The public file's bytes, and the same read from them: the whole span must be one public data commitment;
// errors name `where`.
std::vector<uint8_t> encode_data_commitment(const DataCommitment& c);
Result<DataCommitment> parse_data_commitment(std::span<const uint8_t> bytes, const std::string& where,
                                             int threads = 0);

// Both files, the prover's beside the public one (prover_file_path).
Status write_data_commitment(const std::filesystem::path& public_file, const DataProverCommitment& c);
Result<DataCommitment> read_data_commitment(const std::filesystem::path& public_file, int threads = 0);
// The public file and the prover's file beside it, which must name it.
Result<DataProverCommitment> read_data_prover_commitment(const std::filesystem::path& public_file, int threads = 0);

}  // namespace zklora
