// The zero-knowledge inner-product argument of ipa.h: prover with deferred generator scaling, verifier as MSM terms.
#include "zklora/pcs/ipa.h"

#include <string>

#include "zklora/base/threads.h"
#include "zklora/curve/msm.h"
#include "zklora/pcs/pedersen.h"
#include "zklora/poly/mle.h"

namespace zklora {
namespace {

constexpr std::string_view kName = "ipa";

Fr dot(std::span<const Fr> x, std::span<const Fr> y) {
  Fr acc;
  for (size_t i = 0; i < x.size(); ++i) acc += x[i] * y[i];
  return acc;
}

}  // namespace

void IpaProof::write(ByteWriter& w) const {
  for (size_t j = 0; j < l.size(); ++j) {
    w.g1(l[j]);
    w.g1(r[j]);
  }
  w.g1(a);
  w.fr(z1);
  w.fr(z2);
}

Result<IpaProof> IpaProof::read(ByteReader& rd, size_t rounds) {
  if (rounds > 64) return make_error(ErrorCode::HYRAX_SHAPE_MISMATCH, "inner-product proof of more than 64 rounds");
  IpaProof p;
  for (size_t j = 0; j < rounds; ++j) {
    auto l = rd.g1_on_curve("inner-product L");
    if (!l) return l.error();
    auto r = rd.g1_on_curve("inner-product R");
    if (!r) return r.error();
    p.l.push_back(G1::from_affine(*l));
    p.r.push_back(G1::from_affine(*r));
  }
  auto a = rd.g1_on_curve("inner-product A");
  if (!a) return a.error();
  auto z1 = rd.fr("inner-product z1");
  if (!z1) return z1.error();
  auto z2 = rd.fr("inner-product z2");
  if (!z2) return z2.error();
  p.a = G1::from_affine(*a);
  p.z1 = *z1;
  p.z2 = *z2;
  return p;
}

IpaProof ipa_prove(Transcript& t, std::span<const G1Affine> g, const G1& q, std::vector<Fr> a,
                   std::span<const Fr> z_b, const Fr& rho_in, int threads) {
  const size_t rounds = z_b.size();
  const size_t m = size_t{1} << rounds;
  if (g.size() != m || a.size() != m) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "ipa_prove: " + std::to_string(g.size()) + " generators and " +
                                                   std::to_string(a.size()) + " entries for " +
                                                   std::to_string(rounds) + " rounds");
  }
  const G1& h = pedersen_blinding_generator();
  std::vector<Fr> b = eq_table(z_b, Fr::one(), threads);
  // The current generators are sigma * g_hat (g_hat in affine form for the MSMs).
  std::vector<G1Affine> g_hat(g.begin(), g.end());
  Fr sigma = Fr::one();
  Fr rho = rho_in;
  t.domain(kName);
  t.absorb_u64("rounds", rounds);
  IpaProof proof;
  std::vector<Fr> scaled;
  for (size_t size = m; size > 1; size /= 2) {
    const size_t half = size / 2;
    const std::span<const Fr> a_lo(a.data(), half), a_hi(a.data() + half, half);
    const std::span<const Fr> b_lo(b.data(), half), b_hi(b.data() + half, half);
    const std::span<const G1Affine> g_lo(g_hat.data(), half), g_hi(g_hat.data() + half, half);
    const Fr l_blind = Fr::random(), r_blind = Fr::random();
    scaled.resize(half);
    parallel_for(half, half < 256 ? 1 : threads, [&](size_t i) { scaled[i] = sigma * a_lo[i]; });
    const G1 l = msm(g_hi, scaled, threads) + q * dot(a_lo, b_hi) + h * l_blind;
    parallel_for(half, half < 256 ? 1 : threads, [&](size_t i) { scaled[i] = sigma * a_hi[i]; });
    const G1 r = msm(g_lo, scaled, threads) + q * dot(a_hi, b_lo) + h * r_blind;
    t.absorb_g1("L", l);
    t.absorb_g1("R", r);
    const Fr u = t.challenge_fr("u");
    const Fr u_inv = u.inverse();
    const Fr u2 = u.square(), u_inv2 = u_inv.square();
    proof.l.push_back(l);
    proof.r.push_back(r);

    std::vector<G1> folded(half);
    parallel_for(half, half < 16 ? 1 : threads, [&](size_t i) {
      a[i] = u * a[i] + u_inv * a[i + half];
      b[i] = u_inv * b[i] + u * b[i + half];
      folded[i] = G1::from_affine(g_hat[i]) + G1::from_affine(g_hat[i + half]) * u2;
    });
    a.resize(half);
    b.resize(half);
    g_hat = batch_to_affine(folded, threads);
    sigma *= u_inv;
    rho += u2 * l_blind + u_inv2 * r_blind;
  }
  // P_f = a_f B + rho H with B = G_f + b_f Q: a proof of knowledge of (a_f, rho) in the base (B, H).
  const G1 base = G1::from_affine(g_hat[0]) * sigma + q * b[0];
  const Fr d = Fr::random(), s = Fr::random();
  proof.a = base * d + h * s;
  t.absorb_g1("A", proof.a);
  const Fr c = t.challenge_fr("c");
  proof.z1 = d + c * a[0];
  proof.z2 = s + c * rho;
  // The responses are absorbed too: whatever a caller draws next (Hyrax's batch weights gamma) depends on them.
  t.absorb_fr("z1", proof.z1);
  t.absorb_fr("z2", proof.z2);
  return proof;
}

Result<IpaCheck> ipa_verify_terms(Transcript& t, const IpaProof& proof, std::span<const Fr> z_b) {
  const size_t rounds = z_b.size();
  if (proof.l.size() != rounds || proof.r.size() != rounds) {
    return make_error(ErrorCode::HYRAX_SHAPE_MISMATCH, "inner-product proof has " + std::to_string(proof.l.size()) +
                                                           " rounds, the opening needs " + std::to_string(rounds));
  }
  t.domain(kName);
  t.absorb_u64("rounds", rounds);
  std::vector<Fr> u(rounds), u_inv(rounds);
  for (size_t j = 0; j < rounds; ++j) {
    t.absorb_g1("L", proof.l[j]);
    t.absorb_g1("R", proof.r[j]);
    u[j] = t.challenge_fr("u");
    u_inv[j] = u[j].inverse();
  }
  t.absorb_g1("A", proof.a);
  const Fr c = t.challenge_fr("c");
  t.absorb_fr("z1", proof.z1);
  t.absorb_fr("z2", proof.z2);

  IpaCheck check;
  // s_i, built like an eq table: the round-0 factor ends up on the most significant bit.
  std::vector<Fr>& s = check.g_scalars;
  s.assign(size_t{1} << rounds, Fr::zero());
  s[0] = proof.z1;
  for (size_t j = 0, size = 1; j < rounds; ++j, size *= 2) {
    for (size_t i = size; i-- > 0;) {
      s[2 * i + 1] = s[i] * u[j];
      s[2 * i] = s[i] * u_inv[j];
    }
  }
  Fr b_f = Fr::one();
  for (size_t j = 0; j < rounds; ++j) b_f *= u_inv[j] * (Fr::one() - z_b[j]) + u[j] * z_b[j];
  check.q_scalar = proof.z1 * b_f;
  check.h_scalar = proof.z2;
  check.p_scalar = -c;
  check.points.reserve(2 * rounds + 1);
  check.scalars.reserve(2 * rounds + 1);
  check.points.push_back(proof.a);
  check.scalars.push_back(-Fr::one());
  for (size_t j = 0; j < rounds; ++j) {
    check.points.push_back(proof.l[j]);
    check.scalars.push_back(-(c * u[j].square()));
    check.points.push_back(proof.r[j]);
    check.scalars.push_back(-(c * u_inv[j].square()));
  }
  return check;
}

}  // namespace zklora
