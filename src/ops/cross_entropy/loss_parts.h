// The parts of the cross-entropy operation's proof shared by the loss (cross_entropy_op.cpp) and its gradient
// (loss_gradient.cpp): the operation's tensors, its variables, and the shift of a tensor by one row.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "../softmax/row_division.h"
#include "zklora/fixed/format.h"
#include "zklora/ops/operation.h"
#include "zklora/piop/sumcheck.h"

namespace zklora::loss_detail {

inline constexpr TensorRef kZ = TensorRef::input(0), kOh = TensorRef::input(1), kMask = TensorRef::input(2);
inline constexpr TensorRef kLoss = TensorRef::output(0), kGrad = TensorRef::output(1), kCount = TensorRef::output(2);
inline constexpr TensorRef kMax = TensorRef::helper(0), kArg = TensorRef::helper(1), kLo = TensorRef::helper(2),
                           kHi = TensorRef::helper(3), kElo = TensorRef::helper(4), kEhi = TensorRef::helper(5),
                           kRemE = TensorRef::helper(6), kMant = TensorRef::helper(7), kLog = TensorRef::helper(8),
                           kK = TensorRef::helper(9), kPow = TensorRef::helper(10), kRemL = TensorRef::helper(11),
                           kE = TensorRef::helper(12), kSlack = TensorRef::helper(13);
// The gradient's: the probabilities (committed) and the division's remainder and slack (derived).
inline constexpr TensorRef kProb = TensorRef::helper(14), kRho = TensorRef::helper(15),
                           kSigma = TensorRef::helper(16);
inline constexpr unsigned kExp = kFixed.exp;    // 20
inline constexpr unsigned kProbBits = kFixed.prob;  // 16
// dz = (p - 2^prob [v = y]) 2^(grad - prob)
inline constexpr unsigned kGradShift = kFixed.grad - kFixed.prob;  // 8

using row_division::with_halves;

struct Vars {
  unsigned b, s, v;
  unsigned rows() const { return b + s; }
  unsigned all() const { return b + s + v; }
};

// A claim shift(X)~(rho_b, rho_s, rho_rest) = value for X (b, s, rest) reduces to X at (rho_b, sigma, rho_rest):
// sum over s' of N(rho_s, s') X~(rho_b, s', rho_rest), one sumcheck over s'.
void prove_shift(OpProver& p, TensorRef x, uint64_t seq, const Vars& v, unsigned rest_vars,
                 std::span<const Fr> point, const ProverValue& value);
Status verify_shift(OpVerifier& vv, TensorRef x, uint64_t seq, const Vars& v, std::span<const Fr> point,
                    const VerifierValue& value);

// The gradient's relations (loss_gradient.cpp), run before the row sums' claims become claims on e:
//   dz = 2^8 mask (p - 2^16 shift(OH))                      (claims on dz: one sumcheck over rows, then the shift's)
//   sigma = 2 Sb - sel - rho,  rho = 2^17 e + Sb - 2 p Sb   (softmax/row_division.h, as the causal softmax's)
// `sums` is S over rows; the row sums and e it needs are appended to s_claims and e_claims.
void prove_loss_gradient(OpProver& p, uint64_t batch, uint64_t seq, uint64_t vocab, const Vars& v,
                         const std::vector<Fr>& sums, std::vector<ProverClaim>& s_claims,
                         std::vector<ProverClaim>& e_claims);
Status verify_loss_gradient(OpVerifier& vv, uint64_t batch, uint64_t seq, uint64_t vocab, const Vars& v,
                            std::vector<VerifierClaim>& s_claims, std::vector<VerifierClaim>& e_claims);

}  // namespace zklora::loss_detail
