// LogUp lookups proven with a GKR over fractional sums (Haboeck, "Multivariate lookups based on logarithmic
// derivatives", 2022; Papini and Haboeck, "Improving logarithmic derivative lookups using GKR", 2023): the
// tuples of one or many columns lie in a table (lookup_table.h), with committed multiplicities m.
//
// Statement. Columns c < C, each a tensor shape (dims; padded layout of shape.h, a zero dimension: an empty
// column) holding w = arity tensors a_{c,0..w-1}; real entries are marked by the selector s_c (1 inside the
// shape, 0 in the padding). With challenges beta, gamma drawn after m's commitment:
//     f_c(x) = sum_j gamma^j a_{c,j}(x),   t(y) = sum_j gamma^j T_j(y)
//     sum_{c, x} s_c(x) / (beta - f_c(x))  =  sum_{y < 2^k} m(y) / (beta - t(y))                      (*)
// which holds for all but |columns| + 2^k values of beta iff every real tuple is in the table and m counts them.
//
// Trees. Column side, packed: sort the columns by n_c (column c's variables) descending, ties by index, and give
// each in turn the next block of 2^{n_c} leaves, [offset_c, offset_c + 2^{n_c}) (offset_c, the sum of the blocks
// before it, is a multiple of 2^{n_c}: the sizes are non-increasing powers of two). Leaves x in {0,1}^L with
// L = max(1, ceil(log2 sum_c 2^{n_c})): leaf offset_c + i is (p, q) = (s_c(i), beta - f_c(i)), and (0, beta)
// outside every block; an empty column has n_c = 0, one leaf, selector 0. Table side: leaves (m(y), beta - t(y)),
// k variables. A layer of 2^j pairs is the parent of the layer of 2^(j+1) made from its two HALVES (x_0, the most
// significant variable, picks the half):
//     p'(x) = p(0, x) q(1, x) + p(1, x) q(0, x),    q'(x) = q(0, x) q(1, x)
// Protocol (both trees):
//   1. Prover commits m (Hyrax, short scalars), writes and absorbs the commitment; beta, gamma = challenges.
//   2. It sends each tree's layer of two pairs, (p(0), p(1), q(0), q(1)); the verifier checks (*) on the roots,
//      P_f Q_t - P_t Q_f = 0 with P = p(0) q(1) + p(1) q(0), Q = q(0) q(1)  (LOOKUP_SUM_MISMATCH);
//      r = challenge; the claims p~(r) = p(0) + r (p(1) - p(0)), q~(r) likewise.
//   3. Layer by layer down to the leaves, a claim (z, v_p, v_q) on the layer of 2^j pairs: lambda = challenge,
//      v_p + lambda v_q = sum_x eq(z, x) [p0 q1 + p1 q0 + lambda q0 q1](x)   (p_b(x) = p(b, x), sumcheck.h)
//      as p0 q1 + q0 r over a fifth table r = p1 + lambda q1 (two products, not three; r is never sent);
//      the prover sends p0, p1, q0, q1 at the sumcheck's point rho (checked by sumcheck_verify_final);
//      r = challenge; the new claim is at (r || rho) with v_p = p0 + r (p1 - p0), v_q = q0 + r (q1 - q0).
//   4. Leaves. Column side, at z (L coordinates, z[0] the most significant): with h_c = L - n_c, column c's
//      leaves are those whose top h_c bits are b_c = offset_c >> n_c, so its own point is z[h_c .. L) and its
//      weight w_c = eq(z[0 .. h_c), b_c). The prover sends a_{c,j}~ at column c's point; the verifier checks
//      (LOOKUP_COLUMN_MISMATCH)
//          v_p = sum_c w_c s_c~,     v_q = beta - sum_c w_c sum_j gamma^j a_{c,j}~
//      (s_c~ in O(n_c): prefix_eq_sums per dimension). Table side, at z: v_q = beta - T~(z, gamma)
//      (LOOKUP_TABLE_MISMATCH), and v_p is the claim m~(z).
// Result: one claim per (column, tensor) to be settled by its owner (an opening if committed, the operation
// that produced it if derived), and one claim on m, settled by a (batched) Hyrax opening against the
// commitment this argument wrote. Nothing of size 2^L is committed: only m, small non-negative integers.
// Costs: the column tree has 2^L < 2 sum_c 2^{n_c} leaves (at most twice the columns' padded sizes, where one
// slot of 2^{max n_c} per column would cost C 2^{max n_c}). The prover builds both trees (3 multiplications per
// pair) and runs one degree-2 sumcheck per layer, O(2^L + 2^k) in all; the verifier O(L^2 + k^2 + C L) plus the
// table's evaluation. Soundness error about (2^L + 2^k) / |Fr| for beta plus (2 L^2 + 2 k^2) / |Fr| for the GKR.
// Limits: 2^36 entries per column, 2^40 leaves in all, 2 to 2^30 table entries.
// Transcript: domain "logup"; the table, C, w, every column's dims; the commitment; beta, gamma; "roots"; per
// layer lambda, the sumcheck, "layer-evals", r; "column-evals".
// Caveat: the columns must be bound by the transcript before this runs (committed, or determined by what is).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/pcs/hyrax.h"
#include "zklora/piop/channel.h"
#include "zklora/piop/claims.h"
#include "zklora/piop/lookup_table.h"
#include "zklora/poly/table.h"

namespace zklora {

// The number of MLE variables of a column of these dimensions (a zero dimension owns none).
unsigned lookup_column_vars(std::span<const uint64_t> dims);

// The packed column tree (Trees above): column c's leaves are [offsets[c], offsets[c] + 2^column_vars[c]) of the
// 2^vars leaves.
struct LogupColumnLayout {
  unsigned vars = 1;                  // L
  std::vector<unsigned> column_vars;  // n_c
  std::vector<uint64_t> offsets;      // offset_c
};
// ZkError INVALID_ARGUMENT past 2^40 leaves.
LogupColumnLayout logup_column_layout(std::span<const std::vector<uint64_t>> dims);
// s~(z): the MLE of the column's selector (1 on real entries, 0 in the padding), in O(|z|).
Fr lookup_selector_eval(std::span<const uint64_t> dims, std::span<const Fr> z);

// Whether entry i of a column of these dims (padded layout: row-major, each dimension padded to a power of two) is
// a real entry, entry by entry without a table: every coordinate below its dimension.
class LookupRealEntries {
 public:
  explicit LookupRealEntries(std::span<const uint64_t> dims);
  bool operator()(size_t i) const {
    for (const Limit& l : limits_) {
      if (((i >> l.shift) & l.mask) >= l.dim) return false;
    }
    return true;
  }

 private:
  struct Limit {
    unsigned shift;
    uint64_t mask, dim;
  };
  std::vector<Limit> limits_;  // the dimensions that are not powers of two (a zero one: no entry is real)
};

// The selector as a table: 1 on real entries, 0 in the padding (2^lookup_column_vars(dims) entries).
std::vector<uint8_t> lookup_selector_table(std::span<const uint64_t> dims);
// The same as field elements, zero-extended (or cut) to n entries: a sumcheck's table of the selector.
std::vector<Fr> lookup_selector_field(std::span<const uint64_t> dims, size_t n);

// One column on the prover side: dims, and `arity` integer tensors in the padded layout (zero-padded; at most
// 2^lookup_column_vars(dims) entries). A part may instead be a public constant (constants[j] set; parts[j] is
// then ignored): the same value on every entry of the column's block, so its MLE is that constant and nothing is
// sent for it (a range check's tag, piop/range_check.h).
struct LookupColumn {
  std::vector<uint64_t> dims;
  std::vector<TableView> parts;
  std::vector<std::optional<int64_t>> constants;  // empty, or one per part
};

// A column as the verifier knows it: dims and the constant parts.
struct LookupColumnShape {
  std::vector<uint64_t> dims;
  std::vector<std::optional<int64_t>> constants;  // empty, or one per part
};

// m: how often each table entry is looked up by the columns' real tuples (the first matching index). ZkError
// OUT_OF_RANGE for a tuple that is not in the table, unless skip_missing (a cheating prover in soundness tests:
// such a tuple is counted nowhere, and the verifier must reject the sums).
std::vector<int64_t> logup_multiplicities(const LookupTable& table, std::span<const LookupColumn> columns,
                                          int threads = 0, bool skip_missing = false);

struct LogupProverResult {
  HyraxCommitted multiplicity_commitment;        // written to the proof; the prover keeps the blinds
  std::vector<int64_t> multiplicities;           // m (2^k entries)
  ProverClaim multiplicity_claim;                // m~(z)
  std::vector<std::vector<ProverClaim>> column_claims;  // [c][j]: a_{c,j}~ at column c's point
};

// multiplicities: 2^k non-negative entries (normally logup_multiplicities's).
LogupProverResult logup_prove(ProverChannel& ch, const LookupTable& table, std::span<const LookupColumn> columns,
                              std::vector<int64_t> multiplicities, int threads = 0);

struct LogupVerifierResult {
  HyraxCommitment multiplicity_commitment;
  VerifierClaim multiplicity_claim;
  std::vector<std::vector<VerifierClaim>> column_claims;
};

// columns: every column's dims and constant parts (the public shape of the statement). column_claims holds a
// constant part's value as a constant claim.
Result<LogupVerifierResult> logup_verify(VerifierChannel& ch, const LookupTable& table,
                                         std::span<const LookupColumnShape> columns, int threads = 0);
// The same for columns without constant parts.
Result<LogupVerifierResult> logup_verify(VerifierChannel& ch, const LookupTable& table,
                                         std::span<const std::vector<uint64_t>> column_dims, int threads = 0);

}  // namespace zklora
