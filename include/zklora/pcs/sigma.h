// Sigma protocols on Pedersen scalar commitments (Com(v; rho) = v U + rho H, pedersen.h), made non-interactive
// with the transcript: the checks the zero-knowledge channel cannot do by homomorphism (Hyrax, Wahby et al.
// 2018, section 4 and appendix A: proof of opening to zero and proof of product).
//
// Proof of zero: C = 0 U + rho H, i.e. the prover knows rho with C = rho H (Schnorr in base H).
//     P: k random, A = k H                       V: e = challenge
//     P: z = k + e rho                           V: z H == A + e C
//   Binding: an opening of C to v != 0 and a discrete logarithm of C in base H would give log_H U.
//
// Proof of product: C_a, C_b, C_c commit to a, b, c with c = a b. Since C_c = b C_a + (rho_c - b rho_a) H,
// the prover shows it knows openings (a, rho_a) of C_a, (b, rho_b) of C_b and (b, rho_c - b rho_a) of C_c in
// the base (C_a, H), with the same b:
//     P: b1..b5 random; alpha = b1 U + b2 H, beta = b3 U + b4 H, delta = b3 C_a + b5 H      V: e = challenge
//     P: z1 = b1 + e a, z2 = b2 + e rho_a, z3 = b3 + e b, z4 = b4 + e rho_b, z5 = b5 + e (rho_c - b rho_a)
//     V: alpha + e C_a == z1 U + z2 H;  beta + e C_b == z3 U + z4 H;  delta + e C_c == z3 C_a + z5 H
// Both are special-sound and honest-verifier zero knowledge (responses are uniform given the challenge).
// Points. A proof's points are decoded on the curve only, without the subgroup check (three quarters of a
// decoding's cost), and every check is made on the difference of its sides times the effective cofactor, as the
// batched checks of the channel and of Hyrax are (hyrax.h, Points): only the points' G1 components take part.
// Transcript: each absorbs its protocol name and its first message, draws the challenge, then absorbs its
// responses (so that whatever is drawn later depends on them). The commitments a proof is about are not absorbed
// here: the caller binds them (they are part of an absorbed statement, or linear combinations of messages the
// transcript holds, as in the zero-knowledge channel of piop/channel.h).
// The caller chooses the ErrorCode a failed check reports, so a relation keeps its own name in both the clear
// and the zero-knowledge channel. *_challenge runs the verifier's transcript steps without the check, for
// verifiers that batch the equations (channel.h):
//     zero:     z H - A - c C = 0
//     product:  alpha + c C_a - z1 U - z2 H = 0,  beta + c C_b - z3 U - z4 H = 0,  delta + c C_c - z3 C_a - z5 H = 0
#pragma once

#include <array>

#include "zklora/base/error.h"
#include "zklora/curve/g1.h"
#include "zklora/field/fr.h"
#include "zklora/pcs/codec.h"
#include "zklora/transcript/transcript.h"

namespace zklora {

struct ZeroProof {
  G1 a;
  Fr z;

  static constexpr size_t kBytes = G1::kBytes + Fr::kBytes;
  void write(ByteWriter& w) const;
  static Result<ZeroProof> read(ByteReader& r);
};

struct ProductProof {
  G1 alpha, beta, delta;
  Fr z1, z2, z3, z4, z5;

  static constexpr size_t kBytes = 3 * G1::kBytes + 5 * Fr::kBytes;
  void write(ByteWriter& w) const;
  static Result<ProductProof> read(ByteReader& r);
};

// The proofs as read before their points are decoded (the zero-knowledge channel decodes the points of a whole
// proof at once, in parallel: channel.h): the points' encodings, the same bytes and the same transcript steps.
using G1Encoding = std::array<uint8_t, G1::kBytes>;

struct ZeroProofEncoding {
  G1Encoding a;
  Fr z;
  static Result<ZeroProofEncoding> read(ByteReader& r);
};

struct ProductProofEncoding {
  G1Encoding alpha, beta, delta;
  Fr z1, z2, z3, z4, z5;
  static Result<ProductProofEncoding> read(ByteReader& r);
};

// For C = rho H (a wrong rho gives a rejected proof).
ZeroProof zero_prove(Transcript& t, const Fr& rho);
Fr zero_challenge(Transcript& t, const ZeroProof& proof);
Fr zero_challenge(Transcript& t, const ZeroProofEncoding& proof);
Status zero_verify(Transcript& t, const G1& c, const ZeroProof& proof, ErrorCode code);

// For C_a = a U + rho_a H, C_b = b U + rho_b H, C_c = a b U + rho_c H.
ProductProof product_prove(Transcript& t, const G1& ca, const Fr& a, const Fr& rho_a, const Fr& b, const Fr& rho_b,
                           const Fr& rho_c);
Fr product_challenge(Transcript& t, const ProductProof& proof);
Fr product_challenge(Transcript& t, const ProductProofEncoding& proof);
Status product_verify(Transcript& t, const G1& ca, const G1& cb, const G1& cc, const ProductProof& proof,
                      ErrorCode code);

}  // namespace zklora
