// A public file and its prover file (file_pair.h).
#include "file_pair.h"

#include <cstring>

#include "file_codec.h"
#include "zklora/base/files.h"
#include "zklora/transcript/transcript.h"

namespace zklora::io {

std::array<uint8_t, 32> public_file_digest(std::string_view domain, std::span<const uint8_t> public_bytes) {
  Transcript t(domain);
  t.absorb_bytes("file", public_bytes);
  return t.digest();
}

ByteWriter start_prover_file(const ProverFileFormat& f, std::span<const uint8_t> public_bytes) {
  ByteWriter w;
  for (size_t i = 0; i < 8; ++i) w.u8(static_cast<uint8_t>(f.magic[i]));
  w.u32(f.version);
  write_digest(w, public_file_digest(f.domain, public_bytes));
  return w;
}

Status write_file_pair(const std::filesystem::path& public_file, std::span<const uint8_t> public_bytes,
                       std::span<const uint8_t> prover_bytes) {
  // The prover's file first: a public file never exists without the blinds that open it.
  if (Status s = write_file_atomically(prover_file_path(public_file), prover_bytes); !s) return s;
  return write_file_atomically(public_file, public_bytes);
}

Status read_prover_file(const ProverFileFormat& f, const std::filesystem::path& public_file,
                        std::span<const uint8_t> public_bytes,
                        const std::function<Status(ByteReader& payload, const std::string& where)>& payload) {
  const std::filesystem::path file = prover_file_path(public_file);
  auto bytes = read_file(file);
  if (!bytes) return bytes.error();
  const std::string where = file.string();
  ByteReader r(*bytes);
  auto magic = r.raw(8, "magic");
  if (!magic || std::memcmp(magic->data(), f.magic, 8) != 0) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": not a zklora " + f.what + " (bad magic)");
  }
  auto version = r.u32("version");
  if (!version) return at(where, version.error());
  if (version.value() != f.version) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": unsupported version " + std::to_string(version.value()));
  }
  auto digest = read_digest(r, "public file digest");
  if (!digest) return at(where, digest.error());
  if (digest.value() != public_file_digest(f.domain, public_bytes)) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": belongs to another " + f.public_what + " than " +
                                                       public_file.string());
  }
  if (Status s = payload(r, where); !s) return s;
  if (Status s = r.finish(); !s) return at(where, s.error());
  return {};
}

}  // namespace zklora::io
