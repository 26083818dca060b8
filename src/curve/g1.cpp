#include "zklora/curve/g1.h"

#include <string>
#include <vector>

#include "zklora/base/threads.h"

namespace zklora {

static_assert(sizeof(G1) == sizeof(blst_p1), "G1 arrays are passed to blst as blst_p1 arrays");
static_assert(sizeof(G1Affine) == sizeof(blst_p1_affine), "G1Affine arrays are passed as blst_p1_affine arrays");

G1 G1::generator() {
  G1 g;
  g.p_ = *blst_p1_generator();
  return g;
}

G1 G1::from_affine(const G1Affine& a) {
  G1 g;
  blst_p1_from_affine(&g.p_, &a.p);
  return g;
}

G1 G1::hash_to_curve(std::span<const uint8_t> msg, std::string_view dst) {
  G1 g;
  blst_hash_to_g1(&g.p_, msg.data(), msg.size(), reinterpret_cast<const byte*>(dst.data()), dst.size(), nullptr, 0);
  return g;
}

G1 G1::operator+(const G1& o) const {
  G1 r;
  blst_p1_add_or_double(&r.p_, &p_, &o.p_);
  return r;
}

G1 G1::operator-(const G1& o) const { return *this + (-o); }

G1 G1::operator-() const {
  G1 r = *this;
  blst_p1_cneg(&r.p_, true);
  return r;
}

G1& G1::operator+=(const G1& o) {
  blst_p1_add_or_double(&p_, &p_, &o.p_);
  return *this;
}

G1& G1::operator-=(const G1& o) { return *this += -o; }

G1 G1::operator+(const G1Affine& o) const {
  G1 r;
  blst_p1_add_or_double_affine(&r.p_, &p_, &o.p);
  return r;
}

G1 G1::dbl() const {
  G1 r;
  blst_p1_double(&r.p_, &p_);
  return r;
}

G1 G1::operator*(const Fr& s) const {
  blst_scalar k;
  blst_scalar_from_fr(&k, &s.raw());
  G1 r;
  blst_p1_mult(&r.p_, &p_, k.b, Fr::kBits);
  return r;
}

G1 G1::mul_cofactor() const {
  static constexpr uint8_t kHeff[8] = {0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0xd2};  // little-endian
  G1 r;
  blst_p1_mult(&r.p_, &p_, kHeff, 64);
  return r;
}

G1 G1::mul_pow2(unsigned k) const {
  G1 r = *this;
  for (unsigned i = 0; i < k; ++i) blst_p1_double(&r.p_, &r.p_);
  return r;
}

bool G1::operator==(const G1& o) const { return blst_p1_is_equal(&p_, &o.p_); }

bool G1::is_identity() const { return blst_p1_is_inf(&p_); }

bool G1::on_curve() const { return blst_p1_on_curve(&p_); }

bool G1::in_subgroup() const { return blst_p1_in_g1(&p_); }

G1Affine G1::to_affine() const {
  G1Affine a;
  blst_p1_to_affine(&a.p, &p_);
  return a;
}

std::array<uint8_t, G1::kBytes> G1::to_bytes() const {
  std::array<uint8_t, kBytes> out{};
  blst_p1_compress(out.data(), &p_);
  return out;
}

Result<G1> G1::from_bytes(std::span<const uint8_t> bytes) {
  if (bytes.size() != kBytes) {
    return make_error(ErrorCode::BAD_LENGTH,
                      "G1 point encoding has " + std::to_string(bytes.size()) + " bytes, expected 48");
  }
  if ((bytes[0] & 0x80) == 0) {
    return make_error(ErrorCode::BAD_POINT_ENCODING, "G1 point encoding lacks the compression flag");
  }
  blst_p1_affine a;
  switch (blst_p1_uncompress(&a, bytes.data())) {
    case BLST_SUCCESS: break;
    case BLST_POINT_NOT_ON_CURVE:
      return make_error(ErrorCode::POINT_NOT_ON_CURVE, "G1 point encoding is not a point of the curve");
    default:
      return make_error(ErrorCode::BAD_POINT_ENCODING,
                        "G1 point encoding is malformed (flag bits or x coordinate not canonical)");
  }
  if (!blst_p1_affine_in_g1(&a)) {
    return make_error(ErrorCode::POINT_NOT_IN_SUBGROUP, "G1 point is on the curve but not in the order-r subgroup");
  }
  G1 g;
  blst_p1_from_affine(&g.p_, &a);
  return g;
}

std::vector<G1Affine> batch_to_affine(std::span<const G1> points, int threads) {
  std::vector<G1Affine> out(points.size());
  constexpr size_t kMinChunk = 4096;
  const int t = resolve_threads(threads);
  const size_t chunks = std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(t), points.size() / kMinChunk));
  parallel_chunks(points.size(), chunks, t, [&](size_t begin, size_t end, size_t) {
    if (begin == end) return;
    // blst's batch conversion shares one inversion of the product of all Z, so a single identity (Z = 0)
    // would zero the whole chunk: it converts the generator in its place and the identity is restored after.
    std::vector<const blst_p1*> ptrs(end - begin);
    bool any_identity = false;
    for (size_t i = begin; i < end; ++i) {
      const bool inf = points[i].is_identity();
      any_identity |= inf;
      ptrs[i - begin] = inf ? blst_p1_generator() : &points[i].raw();
    }
    blst_p1s_to_affine(&out[begin].p, ptrs.data(), end - begin);
    if (any_identity) {
      for (size_t i = begin; i < end; ++i) {
        if (points[i].is_identity()) out[i] = G1Affine{};
      }
    }
  });
  return out;
}

}  // namespace zklora

