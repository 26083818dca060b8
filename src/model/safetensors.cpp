// Reading and writing the safetensors format; the layout and the rules a valid file obeys are in safetensors.h.
// Every check names the file and, when there is one, the tensor, so that a corrupt checkpoint is a clear error
// and never a crash or an out-of-bounds read.
#include "zklora/model/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "zklora/base/types.h"

namespace zklora {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {

Error bad(const std::string& file, const std::string& what) {
  return make_error(ErrorCode::INVALID_ARGUMENT, file + ": " + what);
}

// Validates one tensor entry of the header (everything but its position relative to the other tensors).
Result<SafetensorsEntry> parse_entry(const std::string& file, const std::string& name, const nlohmann::json& v,
                                     uint64_t data_start, uint64_t data_size) {
  const std::string where = "tensor '" + name + "'";
  if (!v.is_object()) return bad(file, where + ": header entry is not a JSON object");
  SafetensorsEntry e;
  e.name = name;
  const auto dtype = v.find("dtype");
  if (dtype == v.end() || !dtype->is_string()) return bad(file, where + ": missing or non-string \"dtype\"");
  e.dtype = dtype->get<std::string>();
  const uint64_t elem = safetensors_dtype_size(e.dtype);
  if (elem == 0) return bad(file, where + ": unknown dtype \"" + e.dtype + "\"");

  const auto shape = v.find("shape");
  if (shape == v.end() || !shape->is_array()) return bad(file, where + ": missing or non-array \"shape\"");
  u128 numel = 1;
  for (const auto& d : *shape) {
    if (!d.is_number_unsigned()) return bad(file, where + ": shape entries must be non-negative integers");
    const uint64_t dim = d.get<uint64_t>();
    if (dim > (uint64_t{1} << 48)) return bad(file, where + ": shape entry " + std::to_string(dim) + " is too large");
    numel *= dim;
    if (numel > (u128{1} << 60)) return bad(file, where + ": shape has too many elements");
    e.shape.push_back(static_cast<int64_t>(dim));
  }

  const auto offsets = v.find("data_offsets");
  if (offsets == v.end() || !offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
      !(*offsets)[1].is_number_unsigned()) {
    return bad(file, where + ": \"data_offsets\" must be two non-negative integers");
  }
  const uint64_t begin = (*offsets)[0].get<uint64_t>();
  const uint64_t end = (*offsets)[1].get<uint64_t>();
  if (begin > end)
    return bad(file, where + ": data_offsets begin " + std::to_string(begin) + " > end " + std::to_string(end));
  const u128 need = numel * elem;
  if (u128{end - begin} != need) {
    return bad(file, where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + ") hold " +
                         std::to_string(end - begin) + " bytes but dtype " + e.dtype + " and shape " +
                         safetensors_shape_string(e.shape) + " need " + std::to_string(static_cast<uint64_t>(need)));
  }
  if (end > data_size) {
    return bad(file, where + ": data_offsets end " + std::to_string(end) + " lies beyond the data buffer (" +
                         std::to_string(data_size) + " bytes); the file is truncated or the offsets are wrong");
  }
  e.offset = data_start + begin;
  e.bytes = end - begin;
  return e;
}

std::string errno_text() { return std::strerror(errno); }

Status write_all(int fd, const uint8_t* p, size_t n, const std::string& file) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return make_error(ErrorCode::IO, file + ": write failed: " + errno_text());
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return {};
}

}  // namespace

uint64_t safetensors_dtype_bytes(SafetensorsDtype dtype) { return dtype == SafetensorsDtype::F32 ? 4 : 2; }

std::string safetensors_shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

const char* safetensors_dtype_name(SafetensorsDtype dtype) {
  switch (dtype) {
    case SafetensorsDtype::F32:
      return "F32";
    case SafetensorsDtype::F16:
      return "F16";
    case SafetensorsDtype::BF16:
      return "BF16";
  }
  return "?";
}

std::optional<SafetensorsDtype> parse_float_dtype(const std::string& name) {
  if (name == "F32") return SafetensorsDtype::F32;
  if (name == "F16") return SafetensorsDtype::F16;
  if (name == "BF16") return SafetensorsDtype::BF16;
  return std::nullopt;
}

uint64_t safetensors_dtype_size(const std::string& name) {
  static const std::map<std::string, uint64_t> kSizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
      {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},     {"F64", 8},     {"I64", 8}, {"U64", 8}};
  const auto it = kSizes.find(name);
  return it == kSizes.end() ? 0 : it->second;
}

float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1F;
  const uint32_t mant = h & 0x3FF;
  if (exp == 0) {  // zero or subnormal: mant * 2^-24, exact in float32
    const float v = static_cast<float>(mant) * 0x1p-24f;
    return sign ? -v : v;
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7F800000u | (mant << 13));
  return std::bit_cast<float>(sign | ((exp + 112) << 23) | (mant << 13));
}

float bf16_to_f32(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

uint16_t f32_to_f16(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  const uint32_t x = bits & 0x7FFFFFFF;
  if (x >= 0x7F800000) {  // infinity or NaN (kept a quiet NaN)
    return static_cast<uint16_t>(sign | 0x7C00 | (x > 0x7F800000 ? 0x200 | ((x >> 13) & 0x3FF) : 0));
  }
  if (x >= 0x477FF000) return static_cast<uint16_t>(sign | 0x7C00);  // >= 65520 rounds to infinity
  const uint32_t e = x >> 23;
  if (e < 113) {               // below 2^-14: a subnormal half, in units of 2^-24
    if (e < 102) return sign;  // below 2^-25: rounds to zero
    const uint32_t m = (x & 0x7FFFFF) | 0x800000;
    const uint32_t shift = 126 - e;
    uint32_t r = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1))) ++r;
    return static_cast<uint16_t>(sign | r);
  }
  uint32_t h = ((e - 112) << 10) | ((x >> 13) & 0x3FF);
  const uint32_t rem = x & 0x1FFF;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h;
  return static_cast<uint16_t>(sign | h);
}

uint16_t f32_to_bf16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7FFFFFFF) > 0x7F800000) return static_cast<uint16_t>((x >> 16) | 0x40);  // quiet NaN
  return static_cast<uint16_t>((x + 0x7FFF + ((x >> 16) & 1)) >> 16);
}

void encode_floats(SafetensorsDtype dtype, const float* in, size_t n, uint8_t* out) {
  switch (dtype) {
    case SafetensorsDtype::F32:
      std::memcpy(out, in, n * 4);
      return;
    case SafetensorsDtype::F16:
      for (size_t i = 0; i < n; ++i) {
        const uint16_t h = f32_to_f16(in[i]);
        std::memcpy(out + 2 * i, &h, 2);
      }
      return;
    case SafetensorsDtype::BF16:
      for (size_t i = 0; i < n; ++i) {
        const uint16_t h = f32_to_bf16(in[i]);
        std::memcpy(out + 2 * i, &h, 2);
      }
      return;
  }
}

void decode_floats(SafetensorsDtype dtype, const uint8_t* in, size_t n, float* out) {
  switch (dtype) {
    case SafetensorsDtype::F32:
      std::memcpy(out, in, n * 4);
      return;
    case SafetensorsDtype::F16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, in + 2 * i, 2);
        out[i] = f16_to_f32(h);
      }
      return;
    case SafetensorsDtype::BF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, in + 2 * i, 2);
        out[i] = bf16_to_f32(h);
      }
      return;
  }
}

Result<SafetensorsHeader> parse_safetensors_header(std::span<const uint8_t> file, const std::string& file_name) {
  if (file.size() < 8) {
    return bad(file_name, "only " + std::to_string(file.size()) + " bytes, too short for the 8-byte header length");
  }
  uint64_t n = 0;
  std::memcpy(&n, file.data(), 8);
  if (n > kSafetensorsMaxHeader) {
    return bad(file_name, "header length " + std::to_string(n) + " exceeds the limit of " +
                              std::to_string(kSafetensorsMaxHeader) + " bytes");
  }
  if (n > file.size() - 8) {
    return bad(file_name, "header length " + std::to_string(n) + " is larger than the file (" +
                              std::to_string(file.size()) + " bytes)");
  }
  if (n < 2 || file[8] != '{') return bad(file_name, "header is not a JSON object (it must start with '{')");

  // Duplicate keys would silently replace each other in the parsed object: catch them while parsing.
  std::set<std::string> keys;
  std::string duplicate;
  const nlohmann::json::parser_callback_t on_key = [&](int depth, nlohmann::json::parse_event_t event,
                                                       nlohmann::json& parsed) {
    if (depth == 1 && event == nlohmann::json::parse_event_t::key && parsed.is_string()) {
      if (!keys.insert(parsed.get<std::string>()).second && duplicate.empty()) duplicate = parsed.get<std::string>();
    }
    return true;
  };
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(file.begin() + 8, file.begin() + 8 + static_cast<ptrdiff_t>(n), on_key);
  } catch (const nlohmann::json::exception& e) {
    return bad(file_name, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) return bad(file_name, "header is not a JSON object");
  if (!duplicate.empty()) return bad(file_name, "tensor '" + duplicate + "' appears twice in the header");

  SafetensorsHeader out;
  out.header_bytes = n;
  const uint64_t data_start = 8 + n;
  const uint64_t data_size = file.size() - data_start;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) return bad(file_name, "\"__metadata__\" is not a JSON object");
      for (const auto& [mk, mv] : value.items()) {
        if (!mv.is_string()) return bad(file_name, "\"__metadata__\" value of '" + mk + "' is not a string");
        out.metadata[mk] = mv.get<std::string>();
      }
      continue;
    }
    Result<SafetensorsEntry> e = parse_entry(file_name, key, value, data_start, data_size);
    if (!e) return e.error();
    out.entries.push_back(std::move(e).value());
  }

  // The tensors must tile the data buffer: sorted by position, each starts where the previous one ended.
  std::vector<const SafetensorsEntry*> by_offset;
  for (const SafetensorsEntry& e : out.entries) by_offset.push_back(&e);
  std::stable_sort(by_offset.begin(), by_offset.end(), [](const SafetensorsEntry* a, const SafetensorsEntry* b) {
    return a->offset != b->offset ? a->offset < b->offset : a->bytes < b->bytes;
  });
  uint64_t pos = data_start;
  const SafetensorsEntry* prev = nullptr;
  for (const SafetensorsEntry* e : by_offset) {
    if (e->offset < pos) {
      return bad(file_name, "tensor '" + e->name + "' overlaps tensor '" + prev->name + "' in the data buffer");
    }
    if (e->offset > pos) {
      return bad(file_name, "the data buffer has a hole of " + std::to_string(e->offset - pos) +
                                " bytes before tensor '" + e->name + "'");
    }
    pos = e->offset + e->bytes;
    prev = e;
  }
  if (pos != file.size()) {
    return bad(file_name, std::to_string(file.size() - pos) + " bytes after the last tensor are not part of any");
  }
  // nlohmann's object iterates in key order, so entries are already sorted by name.
  return out;
}

Result<MappedFile> MappedFile::open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::IO, path.string() + ": cannot open: " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::IO, path.string() + ": not a regular file");
  }
  MappedFile m;
  m.path_ = path;
  m.size_ = static_cast<size_t>(st.st_size);
  if (m.size_ > 0) {
    void* p = ::mmap(nullptr, m.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const std::string why = errno_text();
      ::close(fd);
      return make_error(ErrorCode::IO, path.string() + ": cannot map: " + why);
    }
    m.data_ = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
  return m;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : path_(std::move(other.path_)), data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
    path_ = std::move(other.path_);
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

void MappedFile::release(uint64_t offset, uint64_t length) const {
  if (!data_ || offset >= size_) return;
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t begin = (offset + page - 1) / page * page;
  const uint64_t end = std::min<uint64_t>(offset + length, size_) / page * page;
  if (end > begin) ::madvise(const_cast<uint8_t*>(data_) + begin, end - begin, MADV_DONTNEED);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

Result<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  Result<MappedFile> m = MappedFile::open(path);
  if (!m) return m.error();
  Result<SafetensorsHeader> h = parse_safetensors_header(m->bytes(), path.string());
  if (!h) return h.error();
  return SafetensorsFile(std::move(m).value(), std::move(h).value());
}

const SafetensorsEntry* SafetensorsFile::find(const std::string& name) const {
  const auto& entries = header_.entries;
  const auto it = std::lower_bound(entries.begin(), entries.end(), name,
                                   [](const SafetensorsEntry& e, const std::string& n) { return e.name < n; });
  return it != entries.end() && it->name == name ? &*it : nullptr;
}

std::span<const uint8_t> SafetensorsFile::bytes(const SafetensorsEntry& entry) const {
  return file_.bytes().subspan(entry.offset, entry.bytes);
}

Result<FloatTensor> SafetensorsFile::read(const std::string& name) const {
  const SafetensorsEntry* e = find(name);
  if (!e) return bad(path().string(), "no tensor '" + name + "'");
  const std::optional<SafetensorsDtype> dtype = parse_float_dtype(e->dtype);
  if (!dtype) return bad(path().string(), "tensor '" + name + "' has dtype " + e->dtype + ", not F32, F16 or BF16");
  FloatTensor t;
  t.shape = e->shape;
  t.data.resize(static_cast<size_t>(e->numel()));
  decode_floats(*dtype, bytes(*e).data(), t.data.size(), t.data.data());
  release(*e);
  return t;
}

// ---- writing -------------------------------------------------------------------------------------------------

namespace {

// The header SafetensorsWriter writes for these tensors, padded to a multiple of 8.
std::string header_json(const std::vector<SafetensorsTensorSpec>& tensors, SafetensorsDtype dtype,
                        const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json h = nlohmann::ordered_json::object();
  if (!metadata.empty()) h["__metadata__"] = metadata;
  uint64_t pos = 0;
  for (const SafetensorsTensorSpec& t : tensors) {
    uint64_t numel = 1;
    for (const int64_t d : t.shape) numel *= static_cast<uint64_t>(d);
    const uint64_t end = pos + numel * safetensors_dtype_bytes(dtype);
    h[t.name] = {{"dtype", safetensors_dtype_name(dtype)}, {"shape", t.shape}, {"data_offsets", {pos, end}}};
    pos = end;
  }
  std::string s = h.dump();
  s.append((8 - s.size() % 8) % 8, ' ');
  return s;
}

}  // namespace

struct SafetensorsWriter::Impl {
  std::filesystem::path file;
  std::filesystem::path temp;
  int fd = -1;
  bool overwrite = false;
  bool finished = false;
  SafetensorsDtype dtype = SafetensorsDtype::F32;
  std::vector<SafetensorsTensorSpec> tensors;
  std::vector<uint64_t> numels;
  size_t current = 0;        // tensor being filled
  uint64_t filled = 0;       // elements of it written so far
  std::vector<uint8_t> buffer;

  ~Impl() {
    if (fd >= 0) ::close(fd);
    if (!finished && !temp.empty()) ::unlink(temp.c_str());
  }
};

SafetensorsWriter::SafetensorsWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SafetensorsWriter::SafetensorsWriter(SafetensorsWriter&&) noexcept = default;
SafetensorsWriter& SafetensorsWriter::operator=(SafetensorsWriter&&) noexcept = default;
SafetensorsWriter::~SafetensorsWriter() = default;

Result<SafetensorsWriter> SafetensorsWriter::create(const std::filesystem::path& file,
                                                    std::vector<SafetensorsTensorSpec> tensors, SafetensorsDtype dtype,
                                                    const std::map<std::string, std::string>& metadata,
                                                    bool overwrite) {
  const std::string name = file.string();
  std::error_code ec;
  if (!overwrite && std::filesystem::exists(file, ec)) {
    return make_error(ErrorCode::IO, name + ": already exists (refusing to overwrite it)");
  }
  auto impl = std::make_unique<Impl>();
  std::set<std::string> seen;
  for (const SafetensorsTensorSpec& t : tensors) {
    if (t.name == "__metadata__") return bad(name, "'__metadata__' cannot name a tensor");
    if (!seen.insert(t.name).second) return bad(name, "tensor '" + t.name + "' is given twice");
    u128 numel = 1;
    for (const int64_t d : t.shape) {
      if (d < 0) return bad(name, "tensor '" + t.name + "' has a negative dimension");
      numel *= static_cast<uint64_t>(d);
      if (numel > (u128{1} << 60)) return bad(name, "tensor '" + t.name + "' is too large");
    }
    impl->numels.push_back(static_cast<uint64_t>(numel));
  }
  const std::string header = header_json(tensors, dtype, metadata);
  if (header.size() > kSafetensorsMaxHeader) return bad(name, "header would exceed the format's limit");

  static std::atomic<uint64_t> counter{0};
  impl->file = file;
  impl->temp = file.parent_path() / ("." + file.filename().string() + ".partial-" + std::to_string(::getpid()) + "-" +
                                     std::to_string(counter.fetch_add(1)));
  impl->fd = ::open(impl->temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (impl->fd < 0) return make_error(ErrorCode::IO, name + ": cannot create: " + errno_text());
  impl->overwrite = overwrite;
  impl->dtype = dtype;
  impl->tensors = std::move(tensors);

  const uint64_t n = header.size();
  uint8_t len[8];
  std::memcpy(len, &n, 8);
  if (Status s = write_all(impl->fd, len, 8, name); !s) return s.error();
  if (Status s = write_all(impl->fd, reinterpret_cast<const uint8_t*>(header.data()), header.size(), name); !s) {
    return s.error();
  }
  while (impl->current < impl->numels.size() && impl->numels[impl->current] == 0) ++impl->current;
  return SafetensorsWriter(std::move(impl));
}

Status SafetensorsWriter::write(std::span<const float> values) {
  Impl& m = *impl_;
  const std::string name = m.file.string();
  if (m.finished) return make_error(ErrorCode::INVALID_ARGUMENT, name + ": write after finish");
  const uint64_t elem = safetensors_dtype_bytes(m.dtype);
  size_t done = 0;
  while (done < values.size()) {
    if (m.current >= m.numels.size()) {
      return bad(name, std::to_string(values.size() - done) + " values more than the tensors hold");
    }
    const uint64_t room = m.numels[m.current] - m.filled;
    const size_t n = static_cast<size_t>(std::min<uint64_t>({room, values.size() - done, uint64_t{1} << 20}));
    m.buffer.resize(n * elem);
    encode_floats(m.dtype, values.data() + done, n, m.buffer.data());
    if (Status s = write_all(m.fd, m.buffer.data(), m.buffer.size(), name); !s) return s;
    done += n;
    m.filled += n;
    if (m.filled == m.numels[m.current]) {
      m.filled = 0;
      ++m.current;
      while (m.current < m.numels.size() && m.numels[m.current] == 0) ++m.current;
    }
  }
  return {};
}

Status SafetensorsWriter::finish() {
  Impl& m = *impl_;
  const std::string name = m.file.string();
  if (m.finished) return make_error(ErrorCode::INVALID_ARGUMENT, name + ": finished twice");
  if (m.current < m.numels.size()) {
    return bad(name, "tensor '" + m.tensors[m.current].name + "' has " + std::to_string(m.filled) + " of its " +
                         std::to_string(m.numels[m.current]) + " values");
  }
  if (::close(m.fd) != 0) {
    m.fd = -1;
    return make_error(ErrorCode::IO, name + ": close failed: " + errno_text());
  }
  m.fd = -1;
  if (m.overwrite) {
    if (::rename(m.temp.c_str(), m.file.c_str()) != 0) {
      return make_error(ErrorCode::IO, name + ": cannot move into place: " + errno_text());
    }
  } else {
    // link() refuses an existing target, so a file created meanwhile is never replaced. Filesystems without
    // hard links fall back to a check and a rename.
    if (::link(m.temp.c_str(), m.file.c_str()) == 0) {
      ::unlink(m.temp.c_str());
    } else if (errno == EEXIST) {
      return make_error(ErrorCode::IO, name + ": already exists (refusing to overwrite it)");
    } else {
      std::error_code ec;
      if (std::filesystem::exists(m.file, ec)) {
        return make_error(ErrorCode::IO, name + ": already exists (refusing to overwrite it)");
      }
      if (::rename(m.temp.c_str(), m.file.c_str()) != 0) {
        return make_error(ErrorCode::IO, name + ": cannot move into place: " + errno_text());
      }
    }
  }
  m.finished = true;
  return {};
}


Status write_safetensors(const std::filesystem::path& file, const std::map<std::string, FloatTensor>& tensors,
                         SafetensorsDtype dtype, const std::map<std::string, std::string>& metadata, bool overwrite) {
  std::vector<SafetensorsTensorSpec> specs;
  for (const auto& [name, t] : tensors) {
    for (const int64_t d : t.shape) {
      if (d < 0) return bad(file.string(), "tensor '" + name + "' has a negative dimension");
    }
    if (static_cast<int64_t>(t.data.size()) != t.numel()) {
      return bad(file.string(), "tensor '" + name + "' has " + std::to_string(t.data.size()) + " values but shape " +
                                    safetensors_shape_string(t.shape) + " needs " + std::to_string(t.numel()));
    }
    specs.push_back({name, t.shape});
  }
  Result<SafetensorsWriter> created = SafetensorsWriter::create(file, std::move(specs), dtype, metadata, overwrite);
  if (!created) return created.error();
  SafetensorsWriter& w = created.value();
  for (const auto& [name, t] : tensors) {
    if (Status s = w.write(t.data); !s) return s;
  }
  return w.finish();
}

}  // namespace zklora
