#include "zklora/field/fr.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "zklora/base/threads.h"

namespace zklora {
namespace {

constexpr std::array<uint64_t, 4> kModulus = {0xffffffff00000001ULL, 0x53bda402fffe5bfeULL,
                                              0x3339d80809a1d805ULL, 0x73eda753299d7d48ULL};

// a < b for little-endian limb vectors.
bool limbs_less(const std::array<uint64_t, 4>& a, const std::array<uint64_t, 4>& b) {
  for (int i = 3; i >= 0; --i) {
    if (a[i] != b[i]) return a[i] < b[i];
  }
  return false;
}

Fr from_canonical_unchecked(const std::array<uint64_t, 4>& limbs) {
  Fr f;
  blst_fr_from_uint64(&f.raw(), limbs.data());
  return f;
}

const Fr& one_value() {
  static const Fr one = from_canonical_unchecked({1, 0, 0, 0});
  return one;
}

}  // namespace

const std::array<uint64_t, 4>& fr_modulus() { return kModulus; }

Fr Fr::one() { return one_value(); }

Fr Fr::from_u64(uint64_t v) { return from_canonical_unchecked({v, 0, 0, 0}); }

Fr Fr::from_i64(int64_t v) {
  // |INT64_MIN| = 2^63 fits in uint64_t; negate in unsigned arithmetic to avoid overflow.
  const uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  const Fr f = from_u64(mag);
  return v < 0 ? -f : f;
}

Fr Fr::from_u128(u128 v) {
  return from_canonical_unchecked({static_cast<uint64_t>(v), static_cast<uint64_t>(v >> 64), 0, 0});
}

Fr Fr::from_i128(i128 v) {
  const u128 mag = v < 0 ? u128(0) - static_cast<u128>(v) : static_cast<u128>(v);
  const Fr f = from_u128(mag);
  return v < 0 ? -f : f;
}

std::array<uint64_t, 4> Fr::to_limbs() const {
  std::array<uint64_t, 4> out{};
  blst_uint64_from_fr(out.data(), &v_);
  return out;
}

Result<Fr> Fr::from_limbs(const std::array<uint64_t, 4>& limbs) {
  if (!limbs_less(limbs, kModulus)) {
    return make_error(ErrorCode::NON_CANONICAL_FIELD, "field element is not below the modulus r");
  }
  return from_canonical_unchecked(limbs);
}

Result<int64_t> Fr::to_i64() const {
  const auto a = to_limbs();
  if (a[1] == 0 && a[2] == 0 && a[3] == 0 && a[0] < (uint64_t{1} << 63)) return static_cast<int64_t>(a[0]);
  const auto n = (-*this).to_limbs();  // r - a
  if (n[1] == 0 && n[2] == 0 && n[3] == 0 && n[0] <= (uint64_t{1} << 63)) {
    return static_cast<int64_t>(0 - n[0]);  // two's complement of the magnitude
  }
  return make_error(ErrorCode::NOT_SMALL_INTEGER, "field element " + to_string() + " is not a signed 64-bit integer");
}

Result<i128> Fr::to_i128() const {
  const u128 top = u128{1} << 127;
  const auto a = to_limbs();
  if (a[2] == 0 && a[3] == 0) {
    const u128 v = (u128{a[1]} << 64) | a[0];
    if (v < top) return static_cast<i128>(v);
  }
  const auto n = (-*this).to_limbs();
  if (n[2] == 0 && n[3] == 0) {
    const u128 v = (u128{n[1]} << 64) | n[0];
    if (v <= top) return static_cast<i128>(u128{0} - v);
  }
  return make_error(ErrorCode::NOT_SMALL_INTEGER, "field element " + to_string() + " is not a signed 128-bit integer");
}

std::array<uint8_t, Fr::kBytes> Fr::to_bytes() const {
  std::array<uint8_t, kBytes> out{};
  blst_scalar s;
  blst_scalar_from_fr(&s, &v_);
  blst_lendian_from_scalar(out.data(), &s);
  return out;
}

Result<Fr> Fr::from_bytes(std::span<const uint8_t> bytes) {
  if (bytes.size() != kBytes) {
    return make_error(ErrorCode::BAD_LENGTH, "field element encoding has " + std::to_string(bytes.size()) +
                                                 " bytes, expected " + std::to_string(kBytes));
  }
  std::array<uint64_t, 4> limbs{};
  for (size_t i = 0; i < kBytes; ++i) limbs[i / 8] |= uint64_t{bytes[i]} << (8 * (i % 8));
  return from_limbs(limbs);
}

Fr Fr::from_wide_bytes(std::span<const uint8_t, kWideBytes> bytes) {
  blst_scalar s;
  (void)blst_scalar_from_le_bytes(&s, bytes.data(), bytes.size());  // reduces mod r; false only for zero
  Fr f;
  blst_fr_from_scalar(&f.v_, &s);
  return f;
}

Fr Fr::random() {
  std::array<uint8_t, kWideBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw ZkError(ErrorCode::IO, "the system's random number generator failed");
  }
  return from_wide_bytes(bytes);
}

bool Fr::is_one() const { return *this == one_value(); }

Fr Fr::operator+(const Fr& o) const {
  Fr r;
  blst_fr_add(&r.v_, &v_, &o.v_);
  return r;
}

Fr Fr::operator-(const Fr& o) const {
  Fr r;
  blst_fr_sub(&r.v_, &v_, &o.v_);
  return r;
}

Fr Fr::operator*(const Fr& o) const {
  Fr r;
  blst_fr_mul(&r.v_, &v_, &o.v_);
  return r;
}

Fr Fr::operator-() const {
  Fr r;
  blst_fr_cneg(&r.v_, &v_, true);
  return r;
}

Fr& Fr::operator+=(const Fr& o) {
  blst_fr_add(&v_, &v_, &o.v_);
  return *this;
}

Fr& Fr::operator-=(const Fr& o) {
  blst_fr_sub(&v_, &v_, &o.v_);
  return *this;
}

Fr& Fr::operator*=(const Fr& o) {
  blst_fr_mul(&v_, &v_, &o.v_);
  return *this;
}

bool Fr::operator==(const Fr& o) const { return std::memcmp(v_.l, o.v_.l, sizeof(v_.l)) == 0; }

Fr Fr::square() const {
  Fr r;
  blst_fr_sqr(&r.v_, &v_);
  return r;
}

Fr Fr::dbl() const { return *this + *this; }

Fr Fr::inverse() const {
  Fr r;
  blst_fr_eucl_inverse(&r.v_, &v_);  // zero maps to zero
  return r;
}

Fr Fr::pow(uint64_t e) const { return pow(std::array<uint64_t, 4>{e, 0, 0, 0}); }

Fr Fr::pow(const std::array<uint64_t, 4>& e) const {
  Fr acc = one_value();
  for (int limb = 3; limb >= 0; --limb) {
    for (int bit = 63; bit >= 0; --bit) {
      acc = acc.square();
      if ((e[limb] >> bit) & 1) acc *= *this;
    }
  }
  return acc;
}

std::string Fr::to_string() const {
  auto limbs = to_limbs();
  // Repeated division by 10^19 (the largest power of ten below 2^64).
  constexpr uint64_t kChunk = 10000000000000000000ULL;
  std::vector<uint64_t> parts;
  while ((limbs[0] | limbs[1] | limbs[2] | limbs[3]) != 0) {
    u128 rem = 0;
    for (int i = 3; i >= 0; --i) {
      const u128 cur = (rem << 64) | limbs[i];
      limbs[i] = static_cast<uint64_t>(cur / kChunk);
      rem = cur % kChunk;
    }
    parts.push_back(static_cast<uint64_t>(rem));
  }
  if (parts.empty()) return "0";
  std::string s = std::to_string(parts.back());
  for (size_t i = parts.size() - 1; i-- > 0;) {
    std::string p = std::to_string(parts[i]);
    s += std::string(19 - p.size(), '0') + p;
  }
  return s;
}

void batch_inverse(std::span<Fr> xs, int threads) {
  constexpr size_t kMinChunk = 1024;
  const int t = resolve_threads(threads);
  const size_t chunks = std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(t), xs.size() / kMinChunk));
  parallel_chunks(xs.size(), chunks, t, [&](size_t begin, size_t end, size_t) {
    // prefix[i] = product of the non-zero xs[begin..i); one inversion of the total, then walk back.
    std::vector<Fr> prefix(end - begin);
    Fr acc = Fr::one();
    for (size_t i = begin; i < end; ++i) {
      prefix[i - begin] = acc;
      if (!xs[i].is_zero()) acc *= xs[i];
    }
    Fr inv = acc.inverse();
    for (size_t i = end; i-- > begin;) {
      if (xs[i].is_zero()) continue;
      const Fr x = xs[i];
      xs[i] = inv * prefix[i - begin];
      inv *= x;
    }
  });
}

}  // namespace zklora
