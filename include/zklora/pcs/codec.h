// ByteWriter / ByteReader: the canonical binary encoding of proof objects, and its bounded, validated decoding.
//
// Encoding: integers little-endian of fixed width; a field element as its 32-byte canonical encoding (fr.h);
// a G1 point as its 48-byte compressed encoding (g1.h). Objects are concatenations of these with no padding;
// every length is fixed by the statement the verifier already holds or written explicitly before the items, so
// each object has exactly one encoding.
//
// Decoding never reads past the end (TRUNCATED_PROOF), never allocates more than the bytes present justify, and
// validates every item: field elements must be canonical (NON_CANONICAL_FIELD), points must decode, lie on the
// curve and in the order-r subgroup (BAD_POINT_ENCODING, POINT_NOT_ON_CURVE, POINT_NOT_IN_SUBGROUP). Error
// messages carry the byte offset and the name of the item being read. finish() reports bytes left over
// (TRAILING_PROOF_BYTES).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/curve/g1.h"
#include "zklora/field/fr.h"

namespace zklora {

class ByteWriter {
 public:
  void u8(uint8_t v) { bytes_.push_back(v); }
  void u32(uint32_t v);
  void u64(uint64_t v);
  void fr(const Fr& v);
  void frs(std::span<const Fr> v);
  void g1(const G1& p);
  void g1(const G1Affine& p);
  void raw(std::span<const uint8_t> b) { bytes_.insert(bytes_.end(), b.begin(), b.end()); }
  // u32 length || bytes.
  void str(std::string_view s);

  size_t size() const { return bytes_.size(); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  std::vector<uint8_t> take() { return std::move(bytes_); }

 private:
  std::vector<uint8_t> bytes_;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  Result<uint8_t> u8(std::string_view what);
  Result<uint32_t> u32(std::string_view what);
  Result<uint64_t> u64(std::string_view what);
  Result<Fr> fr(std::string_view what);
  Result<std::vector<Fr>> frs(size_t n, std::string_view what);
  Result<G1> g1(std::string_view what);
  // A point of E(Fp), not subgroup checked (decode_g1_affine_on_curve).
  Result<G1Affine> g1_on_curve(std::string_view what);
  // n points decoded (and subgroup-checked) on up to `threads` threads.
  Result<std::vector<G1Affine>> g1_affines(size_t n, std::string_view what, int threads = 0);
  // n points of E(Fp), not subgroup checked (decode_g1_affine_on_curve): a quarter of the decoding's cost.
  Result<std::vector<G1Affine>> g1_affines_on_curve(size_t n, std::string_view what, int threads = 0);
  Result<std::span<const uint8_t>> raw(size_t n, std::string_view what);
  // A string written by ByteWriter::str (its length bounded by the bytes left).
  Result<std::string> str(std::string_view what);

  size_t offset() const { return offset_; }
  size_t remaining() const { return bytes_.size() - offset_; }
  // TRUNCATED_PROOF unless n items of `size` bytes remain (no product is formed, so any n is safe).
  Status need_items(size_t n, size_t size, std::string_view what) const;
  // Ok iff every byte was read.
  Status finish() const;

 private:
  Status need(size_t n, std::string_view what) const;
  Result<std::vector<G1Affine>> g1_affines_with(size_t n, std::string_view what, int threads,
                                                Result<G1Affine> (*decode)(std::span<const uint8_t>));
  std::span<const uint8_t> bytes_;
  size_t offset_ = 0;
};

// Decodes one compressed point to affine form with every check of G1::from_bytes.
Result<G1Affine> decode_g1_affine(std::span<const uint8_t> bytes);
// The same without the subgroup check: a point of E(Fp), for verifiers that multiply every equation such points
// enter by the cofactor (G1::mul_cofactor), which removes any component outside G1 (channel.h, hyrax.h).
Result<G1Affine> decode_g1_affine_on_curve(std::span<const uint8_t> bytes);

}  // namespace zklora
