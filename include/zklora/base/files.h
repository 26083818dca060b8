// Whole-file reads and atomic writes, for every file the project writes (commitments, proofs, runs).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "zklora/base/error.h"

namespace zklora {

// Writes `bytes` to `file` through a temporary file beside it ("<file>.tmp") renamed over it, so that a reader
// (or an interrupted writer) never sees a partial file. IO error naming the file.
Status write_file_atomically(const std::filesystem::path& file, std::span<const uint8_t> bytes);
Status write_file_atomically(const std::filesystem::path& file, std::string_view text);

// The whole file; IO error naming it if it cannot be opened or read, BAD_LENGTH if it holds more than `max_bytes`.
Result<std::vector<uint8_t>> read_file(const std::filesystem::path& file, uint64_t max_bytes = UINT64_MAX);

// The prover's file beside a public one (the blinding factors of a commitment): "x.bin" -> "x.prover.bin", any
// other name gets ".prover" appended.
std::filesystem::path prover_file_path(const std::filesystem::path& public_file);

// Whether the file exists and starts with these bytes.
bool file_starts_with(const std::filesystem::path& file, std::span<const char> magic);

}  // namespace zklora
