// The safetensors format (Hugging Face), read through a memory mapping and written streaming.
//
// File layout, all integers little-endian:
//   bytes [0, 8)        N, the length of the header (u64)
//   bytes [8, 8 + N)    the header: a UTF-8 JSON object, possibly padded at the end with spaces;
//                       {"__metadata__": {string: string}, NAME: {"dtype": D, "shape": [..], "data_offsets": [b, e]}}
//   bytes [8 + N, end)  the data buffer; tensor NAME occupies [8 + N + b, 8 + N + e), row-major, little-endian.
// A valid file (as the reference implementation requires) has a header no larger than 100 MB that starts with
// '{', known dtypes, e - b = numel * dtype size, and tensors that tile the data buffer exactly: no overlap, no
// hole, nothing after the last one. The writer pads the header with spaces to a multiple of 8 bytes, as the
// reference writer does, so that every tensor starts 8-byte aligned.
//
// Caveats: only F32, F16 and BF16 convert to float32; other dtypes are accepted in headers and skipped by the
// checkpoint loader. The host is assumed little-endian (static_assert).
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/model/checkpoint.h"

namespace zklora {

inline constexpr uint64_t kSafetensorsMaxHeader = 100'000'000;

// "F32", "F16", "BF16".
const char* safetensors_dtype_name(SafetensorsDtype dtype);
// Bytes per element: 4 for F32, 2 for F16 and BF16.
uint64_t safetensors_dtype_bytes(SafetensorsDtype dtype);
// A shape as the header writes it, "[8, 12]" (for messages).
std::string safetensors_shape_string(const std::vector<int64_t>& shape);
// F32, F16 or BF16 from the header's spelling; nullopt for any other string.
std::optional<SafetensorsDtype> parse_float_dtype(const std::string& name);
// Bytes per element of any dtype of the format (BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32,
// F32, F64, I64, U64); 0 for a string that is not one.
uint64_t safetensors_dtype_size(const std::string& name);

// IEEE binary16 and bfloat16 <-> binary32. Narrowing rounds to nearest even, keeps NaN a NaN and overflows to
// infinity; widening is exact.
float f16_to_f32(uint16_t h);
float bf16_to_f32(uint16_t b);
uint16_t f32_to_f16(float f);
uint16_t f32_to_bf16(float f);
// Encodes n floats as `dtype` (little-endian) into out (n * size bytes) / decodes them back.
void encode_floats(SafetensorsDtype dtype, const float* in, size_t n, uint8_t* out);
void decode_floats(SafetensorsDtype dtype, const uint8_t* in, size_t n, float* out);

struct SafetensorsEntry {
  std::string name;
  std::string dtype;  // as in the header
  std::vector<int64_t> shape;
  uint64_t offset = 0;  // absolute position of the first byte in the file
  uint64_t bytes = 0;
  int64_t numel() const {
    int64_t n = 1;
    for (const int64_t d : shape) n *= d;
    return n;
  }
};

struct SafetensorsHeader {
  uint64_t header_bytes = 0;  // N
  std::map<std::string, std::string> metadata;
  std::vector<SafetensorsEntry> entries;  // sorted by name
};

// Parses and validates the header of a whole file held in `file`; `file_name` is only used in messages.
// INVALID_ARGUMENT names the file, the tensor and the rule broken.
Result<SafetensorsHeader> parse_safetensors_header(std::span<const uint8_t> file, const std::string& file_name);

// A read-only memory mapping of a whole file (empty files map to an empty span).
class MappedFile {
 public:
  static Result<MappedFile> open(const std::filesystem::path& path);
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::filesystem::path& path() const { return path_; }
  // Drops the pages wholly inside [offset, offset + length) from this process (they stay in the page cache and
  // are read again on the next access), so that reading a large model tensor by tensor does not accumulate its
  // whole size in the resident set.
  void release(uint64_t offset, uint64_t length) const;

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

 private:
  MappedFile() = default;
  std::filesystem::path path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// One mapped, validated .safetensors file.
class SafetensorsFile {
 public:
  static Result<SafetensorsFile> open(const std::filesystem::path& path);
  const std::filesystem::path& path() const { return file_.path(); }
  const SafetensorsHeader& header() const { return header_; }
  const SafetensorsEntry* find(const std::string& name) const;
  // The raw bytes of a tensor.
  std::span<const uint8_t> bytes(const SafetensorsEntry& entry) const;
  // The tensor converted to float32; INVALID_ARGUMENT for a dtype other than F32, F16, BF16. The mapped pages
  // are released afterwards (MappedFile::release).
  Result<FloatTensor> read(const std::string& name) const;
  // Releases the mapped pages of bytes [begin, begin + length) of an entry once the caller is done with them.
  void release(const SafetensorsEntry& entry, uint64_t begin = 0, uint64_t length = ~uint64_t{0}) const {
    if (begin < entry.bytes) file_.release(entry.offset + begin, std::min(length, entry.bytes - begin));
  }

 private:
  SafetensorsFile(MappedFile file, SafetensorsHeader header) : file_(std::move(file)), header_(std::move(header)) {}
  MappedFile file_;
  SafetensorsHeader header_;
};

struct SafetensorsTensorSpec {
  std::string name;
  std::vector<int64_t> shape;
};

// Writes one .safetensors file tensor by tensor, so that nothing larger than the caller's chunk is ever held in
// memory: the header is computed from the specs up front, then values are appended in spec order. The file is
// written under a temporary name and moved into place by finish(), so a failed or abandoned writer leaves no
// half-written file behind.
class SafetensorsWriter {
 public:
  static Result<SafetensorsWriter> create(const std::filesystem::path& file, std::vector<SafetensorsTensorSpec> tensors,
                                          SafetensorsDtype dtype,
                                          const std::map<std::string, std::string>& metadata = {},
                                          bool overwrite = false);
  // Appends the next values: they continue the current tensor and spill into the following ones.
  Status write(std::span<const float> values);
  // Checks that every tensor is complete, then flushes and moves the file into place.
  Status finish();

  SafetensorsWriter(SafetensorsWriter&&) noexcept;
  SafetensorsWriter& operator=(SafetensorsWriter&&) noexcept;
  ~SafetensorsWriter();

 private:
  struct Impl;
  explicit SafetensorsWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zklora
