// Private to the io layer: a public file and its prover file, the pair every commitment made once and reused is
// stored as (commitment_files.h). The public file is what a verifier reads; the prover file beside it
// (base/files.h prover_file_path: "x.bin" -> "x.prover.bin") holds the blinding factors that open it and stays
// with the prover:
//     magic (8 bytes) || u32 version || 32 bytes: digest of the public file || payload (the format's)
// The digest is SHA-256 through a transcript, under the format's own domain, of the public file's bytes: a prover
// file is read only beside the public file it was written for. The prover file is written first, both through a
// temporary file renamed (base/files.h): a public file never exists without the blinds that open it, and a reader
// never sees a partial file.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/pcs/codec.h"

namespace zklora::io {

// What tells one format's prover file from another's, and how its errors name it.
struct ProverFileFormat {
  std::string_view domain;  // the transcript domain of the public file's digest
  const char* magic;        // 8 bytes
  uint32_t version;
  const char* what;         // "prover commitment file": "<path>: not a zklora <what> (bad magic)"
  const char* public_what;  // "public commitment file": "<path>: belongs to another <public_what> than <public>"
};

std::array<uint8_t, 32> public_file_digest(std::string_view domain, std::span<const uint8_t> public_bytes);

// A writer holding the prover file's header for `public_bytes`; the format appends its payload.
ByteWriter start_prover_file(const ProverFileFormat& format, std::span<const uint8_t> public_bytes);

// The prover file beside `public_file`, then the public file, each atomically (IO error naming the file).
Status write_file_pair(const std::filesystem::path& public_file, std::span<const uint8_t> public_bytes,
                       std::span<const uint8_t> prover_bytes);

// The prover file beside `public_file`, whose bytes are `public_bytes` (read, and parsed by the format, first: a
// bad public file is reported as such, not as a mismatch): its magic, version and digest checked, then `payload`
// reads the rest from the same reader (offsets in errors are the file's), `where` being the prover file's path;
// bytes left over after it are an error. INVALID_ARGUMENT for a bad magic, another version or another public file.
Status read_prover_file(const ProverFileFormat& format, const std::filesystem::path& public_file,
                        std::span<const uint8_t> public_bytes,
                        const std::function<Status(ByteReader& payload, const std::string& where)>& payload);

}  // namespace zklora::io
