// Whole-file reads and atomic writes (files.h).
#include "zklora/base/files.h"

#include <algorithm>
#include <fstream>
#include <string>

namespace zklora {

Status write_file_atomically(const std::filesystem::path& file, std::span<const uint8_t> bytes) {
  const std::filesystem::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) return make_error(ErrorCode::IO, tmp.string() + ": cannot write");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) return make_error(ErrorCode::IO, file.string() + ": " + ec.message());
  return {};
}

Status write_file_atomically(const std::filesystem::path& file, std::string_view text) {
  return write_file_atomically(file, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

Result<std::vector<uint8_t>> read_file(const std::filesystem::path& file, uint64_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return make_error(ErrorCode::IO, file.string() + (std::filesystem::exists(file, ec) ? ": not a regular file"
                                                                                          : ": no such file"));
  }
  const uint64_t size = std::filesystem::file_size(file, ec);
  if (ec) return make_error(ErrorCode::IO, file.string() + ": " + ec.message());
  if (size > max_bytes) {
    return make_error(ErrorCode::BAD_LENGTH, file.string() + ": " + std::to_string(size) + " bytes, more than the " +
                                                 std::to_string(max_bytes) + " such a file can hold");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(ErrorCode::IO, file.string() + ": cannot open");
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<uint64_t>(in.gcount()) != size) return make_error(ErrorCode::IO, file.string() + ": cannot read");
  return bytes;
}

std::filesystem::path prover_file_path(const std::filesystem::path& public_file) {
  std::filesystem::path p = public_file;
  if (p.extension() == ".bin") return p.replace_extension(".prover.bin");
  return std::filesystem::path(p.string() + ".prover");
}

bool file_starts_with(const std::filesystem::path& file, std::span<const char> magic) {
  std::ifstream in(file, std::ios::binary);
  std::string got(magic.size(), '\0');
  return in.read(got.data(), static_cast<std::streamsize>(got.size())) &&
         std::equal(magic.begin(), magic.end(), got.begin());
}

}  // namespace zklora
