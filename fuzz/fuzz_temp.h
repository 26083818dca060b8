// Fuzz target support: one scratch directory per fuzzing process, made on first use and removed at exit, for the
// readers that take a path (a user's model, adapter or data file).
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace zklora::fuzz {

inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "zklora-fuzz-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) std::abort();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir(), ec);
    });
    return std::filesystem::path(pattern);
  }();
  return dir;
}

// Writes the input to `file` in the scratch directory (replacing it) and returns its path.
inline std::filesystem::path scratch_file(const char* file, const uint8_t* data, size_t size) {
  const std::filesystem::path path = scratch_dir() / file;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

}  // namespace zklora::fuzz
