// Range checks of up to 64 bits (DESIGN.md section 4: every free integer witness the relation relies on is
// range checked), by decomposition into committed 16-bit limbs looked up in a tagged range table by LogUp
// (logup.h): one argument per run of columns whose limbs fill at most 2^24 leaves (a column needing more is a run
// of its own; columns go into runs first-fit decreasing by size, so runs come out nearly full and their padding to a
// power of two costs little), so the LogUp trees the prover holds are a run's (about 3 GB), not the step's; the
// limbs themselves, one int64 per limb entry, are kept for the whole argument.
//
// A column v (a tensor of dims, padded layout) with spec (b bits, signed or not) must satisfy, on its real entries,
//     v in [0, 2^b)                (unsigned, b <= 63)       or     v in [-2^(b-1), 2^(b-1))   (signed, b <= 64).
// With u = v + o s (o = 2^(b-1) if signed, else 0; s the column's selector), L = ceil(b / 16) limbs
//     u = sum_{l < L} 2^(16 l) d_l,    d_l in [0, 2^16)  (looked up),
// the lower limbs as pairs (16, d_l) and the top limb, of b' = b - 16 (L - 1) bits, as (b', d_{L-1}) in the
// TaggedRangeTable (lookup_table.h) holding [0, 2^16) and [0, 2^b') for every top width b' of the run: the tag
// is a public constant of the column, so one lookup per limb bounds every limb to its width (no scaled copy of
// the top limb). The prover commits the lower L - 1 limbs (Hyrax, short scalars; zero in the padding), writes and
// absorbs the commitments; the top limb is not committed: it is the function
//     d_{L-1} = (u - sum_{l < L-1} 2^(16 l) d_l) / 2^(16 (L-1))
// of v and the committed limbs, all fixed before LogUp's challenges, and its evaluation (sent by LogUp) enters the
// claim on v below, which v's owner checks, instead of an opening. A column of 16 bits or less commits nothing.
// Then, run by run, LogUp over the columns (tag_l, d_l) of every v (a column's limbs share their run's LogUp and its
// point). At LogUp's point z_c of column c the verifier derives the claim on v, a linear relation:
//     v~(z_c) = sum_l 2^(16 l) d_l~(z_c) - o s~(z_c).
// Results: the claim on each v (for its owner: an opening, or the operation that produced it), and claims on the
// committed limbs and on the multiplicities: range_check_open settles them with one batched Hyrax opening.
// Soundness: LogUp's, plus Schwartz-Zippel on the recomposition (it holds at a random point only if it holds on
// every entry, and 2^b < |Fr| / 2 keeps the limbs' sum from wrapping).
// Transcript: domain "range-check"; every column's dims and spec; the limb commitments; then each run's LogUp.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/pcs/hyrax.h"
#include "zklora/piop/channel.h"
#include "zklora/piop/claims.h"
#include "zklora/piop/logup.h"
#include "zklora/piop/openings.h"

namespace zklora {

struct RangeSpec {
  unsigned bits = 16;
  bool is_signed = false;
  unsigned limbs() const { return (bits + 15) / 16; }
  unsigned top_bits() const { return bits - 16 * (limbs() - 1); }
};

struct RangeCheckShape {
  std::vector<uint64_t> dims;
  RangeSpec spec;
};

struct RangeCheckColumn {
  RangeCheckShape shape;
  std::span<const int64_t> values;  // padded layout (zero-padded)
};

struct RangeCheckProverResult {
  std::vector<std::vector<int64_t>> limbs;      // the committed limbs: column c's lower L - 1, in column order
  std::vector<HyraxCommitted> limb_commitments; // same order
  std::vector<LogupProverResult> logups;          // one per run of columns
  std::vector<ProverClaim> value_claims;         // per column: v~(z_c)
  std::vector<CommittedProverClaim> limb_claims; // d_l~(z_c), indices into limb_commitments
};

struct RangeCheckVerifierResult {
  std::vector<HyraxCommitment> limb_commitments;
  std::vector<LogupVerifierResult> logups;
  std::vector<VerifierClaim> value_claims;
  std::vector<CommittedVerifierClaim> limb_claims;
};

// The leaves of one LogUp run (a public parameter: both sides must use the same; tests use small runs).
constexpr uint64_t kRangeRunLeaves = uint64_t{1} << 24;

// ZkError OUT_OF_RANGE if a real value is outside its range; INVALID_ARGUMENT for a bad spec.
RangeCheckProverResult range_check_prove(ProverChannel& ch, std::span<const RangeCheckColumn> columns,
                                         int threads = 0, uint64_t max_run_leaves = kRangeRunLeaves);
Result<RangeCheckVerifierResult> range_check_verify(VerifierChannel& ch, std::span<const RangeCheckShape> shapes,
                                                    int threads = 0, uint64_t max_run_leaves = kRangeRunLeaves);

// One batched opening of the limbs' and the multiplicities' claims.
void range_check_open(ProverChannel& ch, const RangeCheckProverResult& r, int threads = 0);
Status range_check_verify_open(VerifierChannel& ch, const RangeCheckVerifierResult& r, int threads = 0);

}  // namespace zklora
