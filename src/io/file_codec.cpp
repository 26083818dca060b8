// The pieces of a run's binary files (file_codec.h).
#include "file_codec.h"

#include <algorithm>
#include <cstring>

namespace zklora::io {

void write_magic(ByteWriter& w, const char (&magic)[8]) {
  for (const char ch : magic) w.u8(static_cast<uint8_t>(ch));
}

Status read_magic(ByteReader& r, const char (&magic)[8], const std::string& where, const char* what,
                  uint32_t version) {
  auto m = r.raw(8, "magic");
  if (!m || std::memcmp(m->data(), magic, 8) != 0) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": not a zklora " + what + " (bad magic)");
  }
  auto v = r.u32("version");
  if (!v) return Error{v.code(), where + ": " + v.error().message};
  if (v.value() != version) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": unsupported " + std::string(what) + " version " +
                                                       std::to_string(v.value()));
  }
  return {};
}

Error at(const std::string& where, const Error& e) { return Error{e.code, where + ": " + e.message}; }

void write_digest(ByteWriter& w, const Digest& d) { w.raw(d); }

Result<Digest> read_digest(ByteReader& r, const char* what) {
  auto b = r.raw(32, what);
  if (!b) return b.error();
  Digest d;
  std::copy(b->begin(), b->end(), d.begin());
  return d;
}

void write_named_commitments(ByteWriter& w, const PublicCommitments& c) {
  w.u32(static_cast<uint32_t>(c.size()));
  for (const auto& [name, x] : c) {
    w.str(name);
    x.write(w);
  }
}

namespace {

// count x (str name || commitment), at least 6 bytes each.
template <class Add>
Status read_commitments(ByteReader& r, const std::string& where, int threads, Add add) {
  auto count = r.u32("commitment count");
  if (!count) return at(where, count.error());
  if (count.value() > r.remaining() / 6) return make_error(ErrorCode::BAD_LENGTH, where + ": commitment count too large");
  for (uint32_t i = 0; i < count.value(); ++i) {
    auto name = r.str("commitment name");
    if (!name) return at(where, name.error());
    auto c = HyraxCommitment::read(r, threads);
    if (!c) return at(where, Error{c.code(), name.value() + ": " + c.error().message});
    if (Status s = add(std::move(name.value()), std::move(c.value())); !s) return s;
  }
  return {};
}

}  // namespace

Result<PublicCommitments> read_named_commitments(ByteReader& r, const std::string& where, int threads) {
  PublicCommitments out;
  const Status s = read_commitments(r, where, threads, [&](std::string name, HyraxCommitment c) -> Status {
    // One encoding per map: names strictly increasing (the order the writer uses).
    if (!out.empty() && !(out.rbegin()->first < name)) {
      return make_error(ErrorCode::INVALID_ARGUMENT, where + ": " + name + " out of order or twice");
    }
    out.emplace(std::move(name), std::move(c));
    return {};
  });
  if (!s) return s.error();
  return out;
}

void write_commitment_list(ByteWriter& w, std::span<const NamedCommitment> c) {
  w.u32(static_cast<uint32_t>(c.size()));
  for (const auto& [name, x] : c) {
    w.str(name);
    x.write(w);
  }
}

Result<std::vector<NamedCommitment>> read_commitment_list(ByteReader& r, const std::string& where, int threads) {
  std::vector<NamedCommitment> out;
  const Status s = read_commitments(r, where, threads, [&](std::string name, HyraxCommitment c) -> Status {
    out.emplace_back(std::move(name), std::move(c));
    return {};
  });
  if (!s) return s.error();
  return out;
}

}  // namespace zklora::io
