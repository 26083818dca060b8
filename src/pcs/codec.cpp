// Canonical encodings and their bounded, validated decoding (codec.h).
#include "zklora/pcs/codec.h"

#include <atomic>
#include <mutex>
#include <string>

#include "zklora/base/threads.h"

namespace zklora {
namespace {

Error at_offset(const Error& e, size_t offset, std::string_view what) {
  return make_error(e.code, std::string(what) + " at byte " + std::to_string(offset) + ": " + e.message);
}

}  // namespace

void ByteWriter::u32(uint32_t v) {
  for (size_t i = 0; i < 4; ++i) bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void ByteWriter::u64(uint64_t v) {
  for (size_t i = 0; i < 8; ++i) bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void ByteWriter::fr(const Fr& v) {
  const auto b = v.to_bytes();
  raw(b);
}

void ByteWriter::frs(std::span<const Fr> v) {
  for (const Fr& x : v) fr(x);
}

void ByteWriter::g1(const G1& p) {
  const auto b = p.to_bytes();
  raw(b);
}

void ByteWriter::g1(const G1Affine& p) {
  uint8_t b[G1::kBytes];
  blst_p1_affine_compress(b, &p.p);
  raw(b);
}

Status ByteReader::need_items(size_t n, size_t size, std::string_view what) const {
  if (n <= remaining() / size) return {};
  return make_error(ErrorCode::TRUNCATED_PROOF, "proof ends at byte " + std::to_string(bytes_.size()) +
                                                    " while reading " + std::string(what) + " (" + std::to_string(n) +
                                                    " items of " + std::to_string(size) + " bytes at byte " +
                                                    std::to_string(offset_) + ")");
}

Status ByteReader::need(size_t n, std::string_view what) const {
  if (remaining() < n) {
    return make_error(ErrorCode::TRUNCATED_PROOF, "proof ends at byte " + std::to_string(bytes_.size()) +
                                                      " while reading " + std::string(what) + " (" +
                                                      std::to_string(n) + " bytes at byte " +
                                                      std::to_string(offset_) + ")");
  }
  return {};
}

Result<std::span<const uint8_t>> ByteReader::raw(size_t n, std::string_view what) {
  if (Status s = need(n, what); !s) return s.error();
  const auto out = bytes_.subspan(offset_, n);
  offset_ += n;
  return out;
}

void ByteWriter::str(std::string_view s) {
  u32(static_cast<uint32_t>(s.size()));
  bytes_.insert(bytes_.end(), s.begin(), s.end());
}

Result<std::string> ByteReader::str(std::string_view what) {
  auto n = u32(what);
  if (!n) return n.error();
  auto b = raw(n.value(), what);
  if (!b) return b.error();
  return std::string(b->begin(), b->end());
}

Result<uint8_t> ByteReader::u8(std::string_view what) {
  auto b = raw(1, what);
  if (!b) return b.error();
  return (*b)[0];
}

Result<uint32_t> ByteReader::u32(std::string_view what) {
  auto b = raw(4, what);
  if (!b) return b.error();
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v |= uint32_t{(*b)[i]} << (8 * i);
  return v;
}

Result<uint64_t> ByteReader::u64(std::string_view what) {
  auto b = raw(8, what);
  if (!b) return b.error();
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v |= uint64_t{(*b)[i]} << (8 * i);
  return v;
}

Result<Fr> ByteReader::fr(std::string_view what) {
  const size_t at = offset_;
  auto b = raw(Fr::kBytes, what);
  if (!b) return b.error();
  auto f = Fr::from_bytes(*b);
  if (!f) return at_offset(f.error(), at, what);
  return *f;
}

Result<std::vector<Fr>> ByteReader::frs(size_t n, std::string_view what) {
  if (Status s = need_items(n, Fr::kBytes, what); !s) return s.error();
  std::vector<Fr> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    auto f = fr(what);
    if (!f) return f.error();
    out.push_back(*f);
  }
  return out;
}

Result<G1Affine> decode_g1_affine(std::span<const uint8_t> bytes) {
  auto a = decode_g1_affine_on_curve(bytes);
  if (!a) return a;
  if (!blst_p1_affine_in_g1(&a->p)) {
    return make_error(ErrorCode::POINT_NOT_IN_SUBGROUP, "G1 point is on the curve but not in the order-r subgroup");
  }
  return a;
}

Result<G1Affine> decode_g1_affine_on_curve(std::span<const uint8_t> bytes) {
  if (bytes.size() != G1::kBytes) {
    return make_error(ErrorCode::BAD_LENGTH,
                      "G1 point encoding has " + std::to_string(bytes.size()) + " bytes, expected 48");
  }
  if ((bytes[0] & 0x80) == 0) {
    return make_error(ErrorCode::BAD_POINT_ENCODING, "G1 point encoding lacks the compression flag");
  }
  G1Affine a;
  switch (blst_p1_uncompress(&a.p, bytes.data())) {
    case BLST_SUCCESS: break;
    case BLST_POINT_NOT_ON_CURVE:
      return make_error(ErrorCode::POINT_NOT_ON_CURVE, "G1 point encoding is not a point of the curve");
    default:
      return make_error(ErrorCode::BAD_POINT_ENCODING,
                        "G1 point encoding is malformed (flag bits or x coordinate not canonical)");
  }
  return a;
}

Result<G1Affine> ByteReader::g1_on_curve(std::string_view what) {
  const size_t at = offset_;
  auto b = raw(G1::kBytes, what);
  if (!b) return b.error();
  auto a = decode_g1_affine_on_curve(*b);
  if (!a) return at_offset(a.error(), at, what);
  return *a;
}

Result<G1> ByteReader::g1(std::string_view what) {
  const size_t at = offset_;
  auto b = raw(G1::kBytes, what);
  if (!b) return b.error();
  auto a = decode_g1_affine(*b);
  if (!a) return at_offset(a.error(), at, what);
  return G1::from_affine(*a);
}

Result<std::vector<G1Affine>> ByteReader::g1_affines(size_t n, std::string_view what, int threads) {
  return g1_affines_with(n, what, threads, decode_g1_affine);
}

Result<std::vector<G1Affine>> ByteReader::g1_affines_on_curve(size_t n, std::string_view what, int threads) {
  return g1_affines_with(n, what, threads, decode_g1_affine_on_curve);
}

Result<std::vector<G1Affine>> ByteReader::g1_affines_with(size_t n, std::string_view what, int threads,
                                                          Result<G1Affine> (*decode)(std::span<const uint8_t>)) {
  if (Status s = need_items(n, G1::kBytes, what); !s) return s.error();
  const size_t start = offset_;
  std::vector<G1Affine> out(n);
  // Decode in parallel; report the first failing point (lowest index) so the error is deterministic.
  std::atomic<size_t> first_bad{n};
  std::vector<Error> errors(n > 0 ? 1 : 0, Error{ErrorCode::INVALID_ARGUMENT, {}});
  std::mutex mu;
  parallel_for(n, n < 4 ? 1 : threads, [&](size_t i) {
    auto a = decode(bytes_.subspan(start + i * G1::kBytes, G1::kBytes));
    if (a) {
      out[i] = *a;
      return;
    }
    std::lock_guard<std::mutex> lock(mu);
    if (i < first_bad.load()) {
      first_bad.store(i);
      errors[0] = at_offset(a.error(), start + i * G1::kBytes, what);
    }
  });
  if (first_bad.load() < n) return errors[0];
  offset_ += n * G1::kBytes;
  return out;
}

Status ByteReader::finish() const {
  if (remaining() != 0) {
    return make_error(ErrorCode::TRAILING_PROOF_BYTES, std::to_string(remaining()) +
                                                           " bytes after the end of the proof (at byte " +
                                                           std::to_string(offset_) + ")");
  }
  return {};
}

}  // namespace zklora
