// The causal softmax of attention (docs/fixed_point.md section 4) over the exact products A = Q K^T of every
// (sequence b, head h), rows t and columns u, with the public causal mask M[b][h][t][u] = [u <= t]:
//
//     s_tu = round_shift(c A_tu, 32)            m_t = max_{u <= t} s_tu        (c = round(2^16 / sqrt(hd)))
//     e_tu = exp_neg(m_t - s_tu) (u <= t)       S_t = sum_u e_tu               p_tu = div_round(e_tu 2^16, S_t)
//
// Committed: p (the output, unsigned 17 bits); the row maximum m (signed 48); the argmax one-hot OH; the gap's
// digits lo, hi and the table outputs ELO = EXP_LO[lo], EHI = EXP_HI[hi] (LogUp: (lo, ELO) in EXP_LO and
// (hi, EHI) in EXP_HI, which also bound lo and hi to [0, 2^16)); rem_e (unsigned 20). Derived, range checked:
//     rem_s = M (c A + 2^31 - 2^32 m) + 2^32 (lo + 2^16 hi)         in [0, 2^32)
//     e     = (M (ELO EHI + 2^19) - rem_e) / 2^20                     in [0, 2^21)
//     rho   = 2^17 e + Sb - 2 p Sb                                    in [0, 2^b)      (Sb: S broadcast over u)
//     sigma = 2 Sb - sel - rho                                        in [0, 2^b)      (b = 22 + log2 seq)
// with S = the row sums of e. Unmasked, rem_s in range says 2^32 (m - gap) is the rounding of c A, so the score
// is s = m - gap with gap = lo + 2^16 hi in [0, 2^32): every gap is non-negative; e in range says rem_e is
// e's remainder, so e = exp_neg(gap); rho and sigma say 0 <= 2^17 e + S - 2 p S < 2 S, so p = div_round. Masked
// (M = 0) entries are not the prover's choice: rem_s = 2^32 gap in range forces the digits to 0, e = -rem_e / 2^20
// in range forces rem_e = e = 0, then rho = S (1 - 2p) and sigma >= 0 force p = 0: they contribute nothing.
// One gap is zero in each row: OH is boolean, its real rows hold one 1, inside the mask (sum_u OH (1 + gamma M)
// = (1 + gamma) sel), and sum OH gap = 0 (non-negative terms). Nothing wraps: |A| < 2^100 (products of 48-bit
// activations over at most 2^12 columns), c < 2^16, m < 2^47: every relation is far below |Fr| / 2.
//
// Reductions: sigma's claims give claims on S and rho (linear); rho's (combined) a sumcheck over rows for p Sb
// (p folded over u) and claims on e and S; each claim on S is a claim on e at (row, 1/2, ..., 1/2) times 2^vu
// (a sum over u of a multilinear table); e's claims (combined) a degree-3 sumcheck for M ELO EHI; rem_s's a
// degree-2 sumcheck for M (c A - 2^32 m); and three for the maximum (OH gap = 0, OH boolean, the rows of OH).
// M~ is the verifier's own (CausalMaskTensor, O(seq)).
// Witness: attention_score and softmax_row of fixed/nn.h (the engine's), the digits of exp_neg's definition.
// Inputs: 0 = A (batch, heads, seq, seq) exact, 1 = M. Output: p. Helpers: see helpers().
#pragma once

#include <cstdint>
#include <vector>

#include "zklora/ops/operation.h"

namespace zklora {

// [u <= t] over (batch, heads, seq, seq): a public tensor whose MLE factors into the batch's and heads' selectors
// and the lower triangle's, evaluated in O(seq).
class CausalMaskTensor final : public PublicTensor {
 public:
  CausalMaskTensor(uint64_t batch, uint64_t heads, uint64_t seq);
  std::string_view kind() const override { return "causal-mask"; }
  std::vector<uint64_t> dims() const override { return {batch_, heads_, seq_, seq_}; }
  void absorb(Transcript& t) const override;
  std::vector<int64_t> values() const override;
  Fr evaluate(std::span<const Fr> point) const override;

 private:
  uint64_t batch_, heads_, seq_;
};

class CausalSoftmaxOp final : public Operation {
 public:
  // c: the score scale round(2^16 / sqrt(hd)).
  CausalSoftmaxOp(uint64_t batch, uint64_t heads, uint64_t seq, int64_t c);

  std::string_view kind() const override { return "causal-softmax"; }
  std::vector<std::vector<uint64_t>> input_dims() const override { return {dims(), dims()}; }
  std::vector<TensorDecl> outputs() const override;
  std::vector<TensorDecl> helpers() const override;
  std::vector<LookupDecl> lookups() const override;
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  uint64_t batch_, heads_, seq_;
  int64_t c_;
  std::vector<uint64_t> dims() const { return {batch_, heads_, seq_, seq_}; }
  std::vector<uint64_t> rows() const { return {batch_, heads_, seq_}; }
  unsigned quotient_bits() const;
};

}  // namespace zklora
