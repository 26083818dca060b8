// `zklora inspect FILE|RUN`: what a run directory or one of the project's files holds, as JSON (the command prints
// it as text, or as JSON with --json). Files are recognized by their magic (or as a run statement by their JSON):
// a step proof, a weight commitment and its prover file, a data commitment and its prover file, a commitment set,
// a tensor opening, statement.json. Every read is the validating reader of the format; a file it refuses is an
// error naming the file and what is wrong. Prover files are described without their secrets (counts only).
//
// For a run: the statement's public values, its public files with their sizes and digests, and per step the
// indices, the proven loss, N and the sizes; with `parts`, every step is verified (io/run_verifier.h) and its
// proof's bytes are broken down by part (commitments, zero padding, range argument, lookups, operations,
// openings) with the verifier's time, and the verdict is included.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>

#include "zklora/base/error.h"

namespace zklora {

Result<nlohmann::json> inspect_path(const std::filesystem::path& path, bool parts = false, int threads = 0);

}  // namespace zklora
