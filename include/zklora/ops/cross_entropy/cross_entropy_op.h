// The summed cross-entropy loss (docs/fixed_point.md section 5) over logits z (batch, seq, V), a public scalar:
//
//     m_t = max_v z_tv;  e_tv = exp_neg(m_t - z_tv);  S_t = sum_v e_tv
//     L = sum_t mask_t (m_t + log_fixed(S_t) - z_t,y_t),   y_t = the token of row t + 1 (its one-hot row OH[t + 1])
//     log_fixed(S) = LOG[mant] + (k + 15 - 20) LN2,        S = mant 2^k + rem_l,  mant in [2^15, 2^16),  rem_l < 2^k
//
// mask is 1 on the rows with a target, committed by its producer (target_mask_op.h), which pins it to the rows'
// numbers of targets: boolean, a run of ones from each sequence's start, zero on its last row, as the engine's rules
// for padding and the last row make it. The targets are the batch's own tokens, shifted by one row: OH is the
// embedding's committed one-hot matrix, and shift(OH)[b][s] = OH[b][s + 1] is a linear map whose MLE is a sum over
// s' with the public weights N(a, s') = eq(a, s' - 1) (1 <= s' < seq): one small sumcheck over s'.
//
// Committed helpers: m (signed 48), the argmax one-hot, the gap digits lo, hi with ELO, EHI (EXP_LO, EXP_HI), rem_e
// (unsigned 20), the mantissa with its LOG value (LOG), k with 2^k (POW2), rem_l (unsigned 48). Derived, range
// checked: e = (ELO EHI + 2^19 sel - rem_e) / 2^20 (unsigned 21) and the slack 2^k - 1 - rem_l (unsigned 48).
// Relations: lo + 2^16 hi = m - z on every entry (linear: one random point); one gap zero per row (argmax: boolean,
// one 1 per real row, sum argmax gap = 0); S_t = sum_v e_tv (a claim on e at (row, 1/2, ..., 1/2)); S = mant 2^k +
// rem_l (a zero-check over rows); the loss L = L1 - L2 with L1 = sum_t mask (m + LOG + (k - 5) LN2) (a sumcheck
// over rows; the prover sends L1) and L2 = sum mask shift(OH) z (a degree-3 sumcheck, then the shift's).
// Why nothing wraps: |z| < 2^47, the digits and table values are below 2^21, S < 2^60, L below 2^80.
// Witness: softmax_row and log_fixed_parts of fixed/ (the engine's), the loss by cross_entropy itself.
// Inputs: 0 = z, 1 = OH (the embedding's one-hot), 2 = mask. Output: the summed loss (dims {1}).
//
// With the gradient (a training step), a second output dz, the gradient of the summed loss at grad scale:
//     p_tv = div_round(e_tv 2^16, S_t),   dz_tv = mask_t (p_tv - 2^16 OH[t + 1]_v) 2^8
// Committed helper p (unsigned 17); derived, range checked in quotient_bits() (22 + log2 vocab, above 2S):
// rho = 2^17 e + Sb - 2 p Sb in [0, 2S) and sigma = 2 Sb - sel - rho (Sb: S on the real vocabulary entries), so
// p is the rounded quotient. dz is derived, not committed: a claim on it is a sumcheck over rows of
// 2^8 mask (p - 2^16 shift(OH)) folded over the vocabulary at the claim's point, then the shift's. Why nothing
// wraps: rho < 2^(21 + log2 vocab), 2 p S < 2^(38 + log2 vocab), |dz| <= 2^24. A third output, public: the number
// of targets N = sum_t mask_t (the optimizer's divisor), a claim on the mask at (1/2, ..., 1/2) times 2^rows.
#pragma once

#include <cstdint>
#include <vector>

#include "zklora/ops/operation.h"

namespace zklora {

class CrossEntropyOp final : public Operation {
 public:
  // ZkError INVALID_ARGUMENT for seq < 2 (no row would have a target) or vocab < 2. gradient: dz as a second
  // output.
  CrossEntropyOp(uint64_t batch, uint64_t seq, uint64_t vocab, bool gradient = false);

  std::string_view kind() const override { return "cross-entropy"; }
  std::vector<std::vector<uint64_t>> input_dims() const override;
  std::vector<TensorDecl> outputs() const override;
  std::vector<TensorDecl> helpers() const override;
  std::vector<LookupDecl> lookups() const override;
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  uint64_t batch_, seq_, vocab_;
  bool gradient_;
  unsigned quotient_bits() const;
  std::vector<uint64_t> rows() const { return {batch_, seq_}; }
  std::vector<uint64_t> dims() const { return {batch_, seq_, vocab_}; }
};

// N~(a, c) = sum_{1 <= s' < seq} eq(a, s' - 1) eq(c, s'): the weights of the shift by one row along a sequence,
// and their table over s' for a fixed a (2^|a| entries).
Fr shift_weight_eval(uint64_t seq, std::span<const Fr> a, std::span<const Fr> c);
std::vector<Fr> shift_weight_table(uint64_t seq, std::span<const Fr> a);

}  // namespace zklora
