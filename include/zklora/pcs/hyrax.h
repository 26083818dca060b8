// Hyrax polynomial commitments (Wahby et al. 2018, section 6) for the MLE of a committed tensor (mle.h).
//
// Commitment. The table t (2^n entries, zero-padded) is a matrix T with 2^k rows of 2^(n-k) entries, row i
// being entries [i 2^(n-k), (i + 1) 2^(n-k)); by the variable order of mle.h the first k variables select the
// row and the last n - k the column. Each row is a Pedersen vector commitment with its own blinding factor:
//     C_i = <T_i, G> + beta_i H,   G = G_0..G_{2^(n-k)-1},   i < 2^k
// (short-scalar MSM for integer tables, full MSM for field tables). The prover keeps beta (HyraxProverData).
// k defaults to max(0, floor(n / 2) - 1): O(sqrt(2^n)) points, a quarter to an eighth as many rows as columns.
// The verifier pays per row a decoding (on the curve only: Points below) and an MSM point; per column only a
// share of one MSM over the generators that all openings with as many columns have in common (ipa.h), so fewer
// rows make a smaller proof and a faster verifier, for an inner-product argument two or three rounds longer.
//
// Opening at z = (z_r || z_c) (k and n - k coordinates) with claimed value y, committed as Y = y U + beta_y H
// (pedersen.h; a public y is Y = y U, beta_y = 0):
//     L = eq_table(z_r), R = eq_table(z_c);  t~(z) = L^T T R.
//     Both sides:  T_L = sum_i L_i C_i  (a commitment to the vector a = L^T T with blinding <L, beta>);
//     x = challenge, Q = x U,  P = T_L + x Y = <a, G> + x <a, R> U + (<L, beta> + x beta_y) H
//     exactly when y = <a, R>; the inner-product argument (ipa.h) proves it for b = R = eq_table(z_c).
//     The challenge x keeps a prover from hiding a multiple of U inside its row commitments (without it
//     C_i could carry u_i U and shift the proven value by sum_i L_i u_i).
//
// Batch. Claims (commitment c_k, point z_k, value Y_k) are grouped by (column variables, z_c): within a
// group the vectors a_k = L_k^T T_{c_k} share b = eq_table(z_c), so with challenges rho_k one argument proves
//     sum_k rho_k <a_k, R> = sum_k rho_k y_k   for   P = sum_k rho_k (T_{L,k} + x Y_k).
// Several commitments at one point form one group (homomorphism); one commitment at several points forms one
// group per distinct column point. The verifier checks all groups with ONE multi-scalar multiplication: each
// group's IPA equation weighted by a challenge gamma_g drawn after the whole proof, over the row commitments,
// G, U, H and the proof's points. The gammas must come after every group's final responses (z1, z2 of ipa.h)
// were absorbed: a prover that knew them first could choose responses for which wrong equations cancel in the
// weighted sum (with more groups than generators, even for a false claimed value).
//
// Points. The verifier decodes the row commitments and the IPA's points as points of E(Fp), without the subgroup
// check (three quarters of a decoding's cost), and multiplies its one MSM by the effective cofactor h_eff
// (G1::mul_cofactor) before comparing it with the identity. E(Fp) = G1 x E' with |E'| = h coprime to r, and h_eff
// annihilates E' and is invertible on G1: the check passes iff the G1 components of every point satisfy it. The
// transcript absorbs the encodings, so the challenges bind the whole points; a component in E' changes nothing a
// verifier accepts, and the binding of a commitment is that of its G1 components.
//
// Transcript: domain "hyrax-open"; the number of claims; per claim the commitment digest (SHA-256 over the
// commitment's encoding), the point, and the value (clear) or its commitment; per group the rho_k (groups of
// two or more claims), x, the IPA (ending with its responses); then the gammas.
//
// Encodings (codec.h): a commitment is  u8 n || u8 k || 2^k compressed points;  an opening is the groups' IPA
// proofs in group order (the verifier knows the number of groups and rounds from the claims). Decoding checks
// n <= kHyraxMaxVars, k <= n, the exact length and every point's encoding (on the curve).
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <variant>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/curve/g1.h"
#include "zklora/field/fr.h"
#include "zklora/pcs/codec.h"
#include "zklora/pcs/ipa.h"
#include "zklora/poly/table.h"
#include "zklora/transcript/transcript.h"

namespace zklora {

inline constexpr unsigned kHyraxMaxVars = 40;

struct HyraxParams {
  unsigned num_vars = 0;  // n
  unsigned row_vars = 0;  // k

  // The shape every commitment of the project uses. A commitment is 2^k points and an opening's inner-product
  // argument runs over 2^(n - k) columns: tables up to 2^18 entries (the many small tensors of a step, whose
  // commitments dominate a proof's size) take k = n/2 - 2, larger ones (weights, wide activations, whose openings
  // dominate the prover's time) k = n/2 - 1.
  static HyraxParams balanced(unsigned num_vars) {
    const unsigned below = num_vars <= kHyraxNarrowVars ? 2 : 1;
    return {num_vars, num_vars / 2 >= below ? num_vars / 2 - below : 0};
  }
  static constexpr unsigned kHyraxNarrowVars = 18;
  unsigned col_vars() const { return num_vars - row_vars; }
  size_t rows() const { return size_t{1} << row_vars; }
  size_t cols() const { return size_t{1} << col_vars(); }
  bool operator==(const HyraxParams&) const = default;
};

class HyraxCommitment {
 public:
  // ZkError INVALID_ARGUMENT unless rows.size() == 2^row_vars and row_vars <= num_vars <= kHyraxMaxVars.
  HyraxCommitment(HyraxParams params, std::vector<G1Affine> rows);

  const HyraxParams& params() const { return params_; }
  std::span<const G1Affine> rows() const { return rows_; }
  // SHA-256 (through a transcript) of the encoding: what openings absorb to name the commitment.
  const std::array<uint8_t, 32>& digest() const { return digest_; }

  size_t byte_size() const { return 2 + rows_.size() * G1::kBytes; }
  void write(ByteWriter& w) const;
  std::vector<uint8_t> to_bytes() const;
  static Result<HyraxCommitment> read(ByteReader& r, int threads = 0);
  // The whole span must be one commitment (TRAILING_PROOF_BYTES otherwise).
  static Result<HyraxCommitment> from_bytes(std::span<const uint8_t> bytes, int threads = 0);

  bool operator==(const HyraxCommitment& o) const { return params_ == o.params_ && digest_ == o.digest_; }

 private:
  HyraxParams params_;
  std::vector<G1Affine> rows_;
  std::array<uint8_t, 32> digest_{};
};

// What the prover keeps: the row blinding factors beta_i.
struct HyraxProverData {
  std::vector<Fr> row_blinds;
};

struct HyraxCommitted {
  HyraxCommitment commitment;
  HyraxProverData data;
};

// Commits to the table (at most 2^num_vars entries; the rest are zero). Integer tables use bits-bit signed
// scalars: every entry must lie in [-2^(bits-1), 2^(bits-1)) (ZkError OUT_OF_RANGE otherwise); bits = 0 takes
// the smallest width that fits the table. Field tables ignore bits.
HyraxCommitted hyrax_commit(TableView table, const HyraxParams& params, unsigned bits = 0, int threads = 0);
// The same with the row blinding factors given (2^row_vars of them; ZkError INVALID_ARGUMENT otherwise): how the
// holder of an opening (a table and its blinds) recomputes the commitment it claims to open.
HyraxCommitment hyrax_commit_with_blinds(TableView table, const HyraxParams& params, std::span<const Fr> blinds,
                                         unsigned bits = 0, int threads = 0);

// A tensor of these dims, its entries row-major and unpadded, zero-padded to its MLE layout (poly/shape.h) and
// committed at the default k: how every tensor of a step is committed.
HyraxCommitted hyrax_commit_tensor(std::span<const uint64_t> dims, std::span<const int64_t> data, int threads = 0);
HyraxCommitted hyrax_commit_tensor(std::span<const uint64_t> dims, std::span<const int32_t> data, int threads = 0);

// Absorbs a commitment into a transcript (its digest, labelled): how a statement binds its commitments.
void hyrax_absorb(Transcript& t, std::string_view label, const HyraxCommitment& c);

// ---- Openings --------------------------------------------------------------------------------------------------

// A claimed value as the verifier holds it: in the clear, or as a Pedersen scalar commitment y U + beta_y H.
using HyraxValue = std::variant<Fr, G1>;

struct HyraxProverClaim {
  size_t commitment;       // index into the prover's inputs
  std::vector<Fr> point;   // n coordinates
  Fr value;                // y = t~(point)
  Fr value_blind;          // beta_y (zero for a value the verifier holds in the clear)
  bool value_is_clear = true;
  // eq(z_r)^T T, the table's rows folded at the point's row part, when the caller has it already (a sumcheck over
  // the column variables made it, piop/openings.h): used instead of a pass over the table.
  std::shared_ptr<const std::vector<Fr>> row_fold = nullptr;
};

struct HyraxVerifierClaim {
  size_t commitment;
  std::vector<Fr> point;
  HyraxValue value;
};

struct HyraxProverInput {
  const HyraxCommitment* commitment;
  const HyraxProverData* data;
  TableView table;
};

struct HyraxOpening {
  std::vector<IpaProof> groups;

  size_t byte_size() const;
  void write(ByteWriter& w) const;
  // `rounds`: the number of IPA rounds of each group (hyrax_opening_rounds).
  static Result<HyraxOpening> read(ByteReader& r, std::span<const size_t> rounds);
};

// The IPA rounds of each group the claims form (the shape of their opening), or HYRAX_SHAPE_MISMATCH /
// INVALID_ARGUMENT if a claim does not fit its commitment.
Result<std::vector<size_t>> hyrax_opening_rounds(std::span<const HyraxCommitment* const> commitments,
                                                 std::span<const HyraxVerifierClaim> claims);

// ZkError INVALID_ARGUMENT if a claimed value is not the table's evaluation, unless `allow_false` (a cheating
// prover in tests: the opening is made anyway, and the verifier must reject it).
HyraxOpening hyrax_open(Transcript& t, std::span<const HyraxProverInput> inputs,
                        std::span<const HyraxProverClaim> claims, int threads = 0, bool allow_false = false);

// The verifier's work before its one MSM: per group its claims, batching weights rho, challenge x and the IPA's
// equation terms; then the gammas, drawn after everything the proof holds was absorbed. hyrax_verify is this
// followed by hyrax_batch_check; tests use the two halves to build cheating proofs.
struct HyraxGroupTerms {
  std::vector<size_t> claims;  // indices into the claims
  std::vector<Fr> rho;
  Fr x;
  IpaCheck check;
};
struct HyraxBatchTerms {
  std::vector<HyraxGroupTerms> groups;
  std::vector<Fr> gamma;
};
Result<HyraxBatchTerms> hyrax_batch_terms(Transcript& t, std::span<const HyraxCommitment* const> commitments,
                                          std::span<const HyraxVerifierClaim> claims, const HyraxOpening& opening);
// sum_g gamma_g (equation of group g) == identity, as one MSM.
bool hyrax_batch_check(std::span<const HyraxCommitment* const> commitments,
                       std::span<const HyraxVerifierClaim> claims, const HyraxBatchTerms& terms, int threads = 0);

// Ok iff every claim holds (HYRAX_OPENING_MISMATCH otherwise; HYRAX_SHAPE_MISMATCH for a proof or a point of the
// wrong size; INVALID_ARGUMENT for a claim naming no commitment).
Status hyrax_verify(Transcript& t, std::span<const HyraxCommitment* const> commitments,
                    std::span<const HyraxVerifierClaim> claims, const HyraxOpening& opening, int threads = 0);

}  // namespace zklora
