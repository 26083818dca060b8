// Proofs of zero and of product on Pedersen scalar commitments (sigma.h), with their encodings.
#include "zklora/pcs/sigma.h"

#include <algorithm>
#include <string>

#include "zklora/pcs/pedersen.h"

namespace zklora {

void ZeroProof::write(ByteWriter& w) const {
  w.g1(a);
  w.fr(z);
}

Result<ZeroProofEncoding> ZeroProofEncoding::read(ByteReader& r) {
  ZeroProofEncoding p;
  auto a = r.raw(G1::kBytes, "zero-proof commitment");
  if (!a) return a.error();
  std::copy(a->begin(), a->end(), p.a.begin());
  auto z = r.fr("zero-proof response");
  if (!z) return z.error();
  p.z = *z;
  return p;
}

Result<ZeroProof> ZeroProof::read(ByteReader& r) {
  const size_t at = r.offset();
  auto e = ZeroProofEncoding::read(r);
  if (!e) return e.error();
  auto a = decode_g1_affine_on_curve(e->a);
  if (!a) return make_error(a.code(), "zero-proof commitment at byte " + std::to_string(at) + ": " + a.error().message);
  return ZeroProof{G1::from_affine(*a), e->z};
}

void ProductProof::write(ByteWriter& w) const {
  w.g1(alpha);
  w.g1(beta);
  w.g1(delta);
  for (const Fr* z : {&z1, &z2, &z3, &z4, &z5}) w.fr(*z);
}

Result<ProductProofEncoding> ProductProofEncoding::read(ByteReader& r) {
  ProductProofEncoding p;
  for (G1Encoding* g : {&p.alpha, &p.beta, &p.delta}) {
    auto x = r.raw(G1::kBytes, "product-proof commitment");
    if (!x) return x.error();
    std::copy(x->begin(), x->end(), g->begin());
  }
  for (Fr* z : {&p.z1, &p.z2, &p.z3, &p.z4, &p.z5}) {
    auto x = r.fr("product-proof response");
    if (!x) return x.error();
    *z = *x;
  }
  return p;
}

Result<ProductProof> ProductProof::read(ByteReader& r) {
  const size_t at = r.offset();
  auto e = ProductProofEncoding::read(r);
  if (!e) return e.error();
  ProductProof p;
  const G1Encoding* enc[3] = {&e->alpha, &e->beta, &e->delta};
  G1* out[3] = {&p.alpha, &p.beta, &p.delta};
  for (size_t k = 0; k < 3; ++k) {
    auto x = decode_g1_affine_on_curve(*enc[k]);
    if (!x) {
      return make_error(x.code(), "product-proof commitment at byte " + std::to_string(at + k * G1::kBytes) + ": " +
                                      x.error().message);
    }
    *out[k] = G1::from_affine(*x);
  }
  p.z1 = e->z1, p.z2 = e->z2, p.z3 = e->z3, p.z4 = e->z4, p.z5 = e->z5;
  return p;
}

ZeroProof zero_prove(Transcript& t, const Fr& rho) {
  t.domain("zero-proof");
  const Fr k = Fr::random();
  ZeroProof p;
  p.a = pedersen_commit_scalar(Fr::zero(), k);  // k H
  t.absorb_g1("a", p.a);
  const Fr e = t.challenge_fr("e");
  p.z = k + e * rho;
  t.absorb_fr("z", p.z);
  return p;
}

Fr zero_challenge(Transcript& t, const ZeroProof& proof) {
  return zero_challenge(t, ZeroProofEncoding{proof.a.to_bytes(), proof.z});
}

Fr zero_challenge(Transcript& t, const ZeroProofEncoding& proof) {
  t.domain("zero-proof");
  t.absorb_bytes("a", proof.a);
  const Fr e = t.challenge_fr("e");
  t.absorb_fr("z", proof.z);
  return e;
}

Status zero_verify(Transcript& t, const G1& c, const ZeroProof& proof, ErrorCode code) {
  const Fr e = zero_challenge(t, proof);
  if (!(pedersen_blinding_generator() * proof.z - proof.a - c * e).mul_cofactor().is_identity()) {
    return make_error(code, "the committed value is not zero (proof of zero fails)");
  }
  return {};
}

ProductProof product_prove(Transcript& t, const G1& ca, const Fr& a, const Fr& rho_a, const Fr& b, const Fr& rho_b,
                           const Fr& rho_c) {
  t.domain("product-proof");
  const Fr b1 = Fr::random(), b2 = Fr::random(), b3 = Fr::random(), b4 = Fr::random(), b5 = Fr::random();
  ProductProof p;
  p.alpha = pedersen_commit_scalar(b1, b2);  // b1 U + b2 H
  p.beta = pedersen_commit_scalar(b3, b4);
  p.delta = ca * b3 + pedersen_commit_scalar(Fr::zero(), b5);
  t.absorb_g1("alpha", p.alpha);
  t.absorb_g1("beta", p.beta);
  t.absorb_g1("delta", p.delta);
  const Fr e = t.challenge_fr("e");
  p.z1 = b1 + e * a;
  p.z2 = b2 + e * rho_a;
  p.z3 = b3 + e * b;
  p.z4 = b4 + e * rho_b;
  p.z5 = b5 + e * (rho_c - b * rho_a);
  const Fr zs[5] = {p.z1, p.z2, p.z3, p.z4, p.z5};
  t.absorb_frs("z", zs);
  return p;
}

Fr product_challenge(Transcript& t, const ProductProof& p) {
  return product_challenge(t, ProductProofEncoding{p.alpha.to_bytes(), p.beta.to_bytes(), p.delta.to_bytes(), p.z1,
                                                   p.z2, p.z3, p.z4, p.z5});
}

Fr product_challenge(Transcript& t, const ProductProofEncoding& p) {
  t.domain("product-proof");
  t.absorb_bytes("alpha", p.alpha);
  t.absorb_bytes("beta", p.beta);
  t.absorb_bytes("delta", p.delta);
  const Fr e = t.challenge_fr("e");
  const Fr zs[5] = {p.z1, p.z2, p.z3, p.z4, p.z5};
  t.absorb_frs("z", zs);
  return e;
}

Status product_verify(Transcript& t, const G1& ca, const G1& cb, const G1& cc, const ProductProof& p,
                      ErrorCode code) {
  const G1& u = pedersen_value_generator();
  const G1& h = pedersen_blinding_generator();
  const Fr e = product_challenge(t, p);
  // Times the cofactor: the proof's points are decoded on the curve only (sigma.h).
  const auto holds = [](const G1& x) { return x.mul_cofactor().is_identity(); };
  const bool ok = holds(p.alpha + ca * e - u * p.z1 - h * p.z2) && holds(p.beta + cb * e - u * p.z3 - h * p.z4) &&
                  holds(p.delta + cc * e - ca * p.z3 - h * p.z5);
  if (!ok) return make_error(code, "the committed values are not a product (proof of product fails)");
  return {};
}

}  // namespace zklora
