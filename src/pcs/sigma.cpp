// Proofs of zero and of product on Pedersen scalar commitments (sigma.h), with their encodings.
#include "zklora/pcs/sigma.h"

#include "zklora/pcs/pedersen.h"

namespace zklora {

void ZeroProof::write(ByteWriter& w) const {
  w.g1(a);
  w.fr(z);
}

Result<ZeroProof> ZeroProof::read(ByteReader& r) {
  auto a = r.g1("zero-proof commitment");
  if (!a) return a.error();
  auto z = r.fr("zero-proof response");
  if (!z) return z.error();
  return ZeroProof{*a, *z};
}

void ProductProof::write(ByteWriter& w) const {
  w.g1(alpha);
  w.g1(beta);
  w.g1(delta);
  for (const Fr* z : {&z1, &z2, &z3, &z4, &z5}) w.fr(*z);
}

Result<ProductProof> ProductProof::read(ByteReader& r) {
  ProductProof p;
  for (G1* g : {&p.alpha, &p.beta, &p.delta}) {
    auto x = r.g1("product-proof commitment");
    if (!x) return x.error();
    *g = *x;
  }
  for (Fr* z : {&p.z1, &p.z2, &p.z3, &p.z4, &p.z5}) {
    auto x = r.fr("product-proof response");
    if (!x) return x.error();
    *z = *x;
  }
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
  t.domain("zero-proof");
  t.absorb_g1("a", proof.a);
  const Fr e = t.challenge_fr("e");
  t.absorb_fr("z", proof.z);
  return e;
}

Status zero_verify(Transcript& t, const G1& c, const ZeroProof& proof, ErrorCode code) {
  const Fr e = zero_challenge(t, proof);
  if (pedersen_blinding_generator() * proof.z != proof.a + c * e) {
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
  t.domain("product-proof");
  t.absorb_g1("alpha", p.alpha);
  t.absorb_g1("beta", p.beta);
  t.absorb_g1("delta", p.delta);
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
  const bool ok = p.alpha + ca * e == u * p.z1 + h * p.z2 && p.beta + cb * e == u * p.z3 + h * p.z4 &&
                  p.delta + cc * e == ca * p.z3 + h * p.z5;
  if (!ok) return make_error(code, "the committed values are not a product (proof of product fails)");
  return {};
}

}  // namespace zklora
