// The zero-knowledge inner-product argument of Hyrax openings: Bulletproofs' folding (Bootle et al. 2016,
// Buenz et al. 2018) with blinded cross terms and a Schnorr-style last step, as in Hyrax's logarithmic proof of
// dot product (Wahby et al. 2018, appendix A), specialised to a public vector b = eq_table(z_b) (mle.h).
//
// Statement: generators G_0..G_{m-1} (m = 2^l), Q, H, the point z_b (l coordinates) and a point P.
// Witness:   a in Fr^m and rho with   P = <a, G> + <a, b> Q + rho H,   b = eq_table(z_b).
// Round j = 0..l-1 (split on the most significant index bit first, the MLE variable order):
//     P: l_j, r_j random;  L_j = <a_lo, G_hi> + <a_lo, b_hi> Q + l_j H,  R_j = <a_hi, G_lo> + <a_hi, b_lo> Q + r_j H
//     V: u_j = challenge after absorbing L_j, R_j
//     a <- u_j a_lo + u_j^-1 a_hi,  b <- u_j^-1 b_lo + u_j b_hi,  G <- u_j^-1 G_lo + u_j G_hi,
//     P <- P + u_j^2 L_j + u_j^-2 R_j,  rho <- rho + u_j^2 l_j + u_j^-2 r_j
// After l rounds P_f = a_f (G_f + b_f Q) + rho_f H with
//     G_f = sum_i s_i G_i,  b_f = sum_i s_i b_i = prod_j (u_j^-1 (1 - z_b[j]) + u_j z_b[j]),
//     s_i = prod_j (u_j if bit j of i, counted from the most significant, is 1, else u_j^-1),
// and the prover proves knowledge of (a_f, rho_f) in the base (B = G_f + b_f Q, H):
//     P: d, s random, A = d B + s H;  V: c = challenge;  P: z1 = d + c a_f, z2 = s + c rho_f
//     V: z1 B + z2 H == A + c P_f.
// The responses z1, z2 are absorbed after c, so every challenge a caller draws later depends on them: Hyrax
// weighs the equations of several arguments with challenges gamma drawn after all of them (hyrax.h), and a
// prover that knew the gammas before choosing its responses could make wrong equations cancel in the sum.
// The verifier never folds generators: the whole check is one multi-scalar multiplication over G_0..G_{m-1},
// Q, H, P, A, L_j, R_j (IpaCheck), which Hyrax merges with its own row combination and with other openings.
// Zero knowledge: L_j, R_j are blinded by l_j, r_j; A by s; z1, z2 are uniform given c.
// Proof: 2 l + 1 points and 2 scalars; read as points of E(Fp) (hyrax.h, Points: the check is cofactor-cleared).
//
// Prover cost: each round one MSM over half the current generators for L_j and for R_j, and the fold of the
// generators, computed as G' = u_j^-1 (G_lo + u_j^2 G_hi) with the factor u_j^-1 deferred into the scalars of
// later MSMs (one scalar multiplication per folded generator instead of two).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/curve/g1.h"
#include "zklora/field/fr.h"
#include "zklora/pcs/codec.h"
#include "zklora/transcript/transcript.h"

namespace zklora {

struct IpaProof {
  std::vector<G1> l, r;  // L_j, R_j
  G1 a;                  // A
  Fr z1, z2;

  size_t rounds() const { return l.size(); }
  static size_t byte_size(size_t rounds) { return (2 * rounds + 1) * G1::kBytes + 2 * Fr::kBytes; }
  void write(ByteWriter& w) const;
  static Result<IpaProof> read(ByteReader& r, size_t rounds);
};

// The verifier's equation  sum(all terms) == identity:
//   sum_i g_scalars[i] G_i + q_scalar Q + h_scalar H + p_scalar P + sum_k scalars[k] points[k].
struct IpaCheck {
  std::vector<Fr> g_scalars;
  Fr q_scalar, h_scalar, p_scalar;
  std::vector<G1> points;
  std::vector<Fr> scalars;
};

// g: exactly 2^|z_b| generators; a: 2^|z_b| entries. P (not an input) must equal <a, G> + <a, b> Q + rho H.
IpaProof ipa_prove(Transcript& t, std::span<const G1Affine> g, const G1& q, std::vector<Fr> a,
                   std::span<const Fr> z_b, const Fr& rho, int threads = 0);

// HYRAX_SHAPE_MISMATCH if the proof's number of rounds is not |z_b|.
Result<IpaCheck> ipa_verify_terms(Transcript& t, const IpaProof& proof, std::span<const Fr> z_b);

}  // namespace zklora
