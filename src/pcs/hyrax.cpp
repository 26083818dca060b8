// Hyrax commitments, batched openings and their single-MSM verification (hyrax.h).
#include "zklora/pcs/hyrax.h"

#include <algorithm>
#include <bit>
#include <string>
#include <type_traits>

#include "zklora/base/threads.h"
#include "zklora/curve/generators.h"
#include "zklora/curve/msm.h"
#include "zklora/pcs/pedersen.h"
#include "zklora/poly/shape.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/weighted_sum.h"

namespace zklora {
namespace {

constexpr std::string_view kOpenName = "hyrax-open";

Status check_params(const HyraxParams& p) {
  if (p.num_vars > kHyraxMaxVars || p.row_vars > p.num_vars) {
    return make_error(ErrorCode::HYRAX_SHAPE_MISMATCH, "Hyrax parameters n = " + std::to_string(p.num_vars) +
                                                           ", k = " + std::to_string(p.row_vars) +
                                                           " (need k <= n <= " + std::to_string(kHyraxMaxVars) + ")");
  }
  return {};
}

template <class Int>
unsigned bit_width_of(std::span<const Int> values) {
  unsigned bits = 1;
  for (const Int v : values) {
    const int64_t x = static_cast<int64_t>(v);
    const uint64_t m = x < 0 ? ~static_cast<uint64_t>(x) : static_cast<uint64_t>(x);
    bits = std::max(bits, static_cast<unsigned>(std::bit_width(m)) + 1);
  }
  return std::min(bits, 64u);
}

// Claims grouped by (column variables, column point), in order of first appearance.
std::vector<std::vector<size_t>> group_claims(std::span<const unsigned> col_vars,
                                              std::span<const std::vector<Fr>* const> points) {
  std::vector<std::vector<size_t>> groups;
  for (size_t k = 0; k < points.size(); ++k) {
    const auto zc = [&](size_t i) {
      const auto& p = *points[i];
      return std::span<const Fr>(p).subspan(p.size() - col_vars[i]);
    };
    bool placed = false;
    for (auto& g : groups) {
      const size_t f = g.front();
      if (col_vars[f] == col_vars[k] && std::ranges::equal(zc(f), zc(k))) {
        g.push_back(k);
        placed = true;
        break;
      }
    }
    if (!placed) groups.push_back({k});
  }
  return groups;
}

std::span<const Fr> row_point(const std::vector<Fr>& z, const HyraxParams& p) {
  return std::span<const Fr>(z).subspan(0, p.row_vars);
}
std::span<const Fr> col_point(const std::vector<Fr>& z, const HyraxParams& p) {
  return std::span<const Fr>(z).subspan(p.row_vars);
}

void absorb_claim_header(Transcript& t, const HyraxCommitment& c, std::span<const Fr> point) {
  t.absorb_bytes("commitment", c.digest());
  t.absorb_frs("point", point);
}

}  // namespace

// ---- Commitments -----------------------------------------------------------------------------------------------

HyraxCommitment::HyraxCommitment(HyraxParams params, std::vector<G1Affine> rows)
    : params_(params), rows_(std::move(rows)) {
  if (Status s = check_params(params_); !s) throw ZkError(ErrorCode::INVALID_ARGUMENT, s.error().message);
  if (rows_.size() != params_.rows()) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "HyraxCommitment: " + std::to_string(rows_.size()) + " rows, expected " +
                                                   std::to_string(params_.rows()));
  }
  Transcript t("hyrax-commitment");
  t.absorb_bytes("encoding", to_bytes());
  digest_ = t.digest();
}

void HyraxCommitment::write(ByteWriter& w) const {
  w.u8(static_cast<uint8_t>(params_.num_vars));
  w.u8(static_cast<uint8_t>(params_.row_vars));
  for (const G1Affine& p : rows_) w.g1(p);
}

std::vector<uint8_t> HyraxCommitment::to_bytes() const {
  ByteWriter w;
  write(w);
  return w.take();
}

Result<HyraxCommitment> HyraxCommitment::read(ByteReader& r, int threads) {
  auto n = r.u8("Hyrax commitment variables");
  if (!n) return n.error();
  auto k = r.u8("Hyrax commitment row variables");
  if (!k) return k.error();
  const HyraxParams p{*n, *k};
  if (Status s = check_params(p); !s) return s.error();
  auto rows = r.g1_affines_on_curve(p.rows(), "Hyrax commitment row", threads);
  if (!rows) return rows.error();
  return HyraxCommitment(p, std::move(*rows));
}

Result<HyraxCommitment> HyraxCommitment::from_bytes(std::span<const uint8_t> bytes, int threads) {
  ByteReader r(bytes);
  auto c = read(r, threads);
  if (!c) return c.error();
  if (Status s = r.finish(); !s) return s.error();
  return c;
}

namespace {

template <class T>
HyraxCommitted commit_tensor(std::span<const uint64_t> dims, std::span<const T> data, int threads) {
  const PaddedShape shape(std::vector<uint64_t>(dims.begin(), dims.end()));
  const std::vector<T> padded = shape.pad(data);
  return hyrax_commit(TableView(padded), HyraxParams::balanced(shape.num_vars()), 0, threads);
}

}  // namespace

HyraxCommitted hyrax_commit_tensor(std::span<const uint64_t> dims, std::span<const int64_t> data, int threads) {
  return commit_tensor(dims, data, threads);
}

HyraxCommitted hyrax_commit_tensor(std::span<const uint64_t> dims, std::span<const int32_t> data, int threads) {
  return commit_tensor(dims, data, threads);
}

HyraxCommitted hyrax_commit(TableView table, const HyraxParams& params, unsigned bits, int threads) {
  if (Status s = check_params(params); !s) throw ZkError(ErrorCode::INVALID_ARGUMENT, s.error().message);
  HyraxProverData data;
  data.row_blinds.resize(params.rows());
  for (Fr& b : data.row_blinds) b = Fr::random();
  HyraxCommitment c = hyrax_commit_with_blinds(table, params, data.row_blinds, bits, threads);
  return {std::move(c), std::move(data)};
}

HyraxCommitment hyrax_commit_with_blinds(TableView table, const HyraxParams& params, std::span<const Fr> blinds,
                                         unsigned bits, int threads) {
  if (Status s = check_params(params); !s) throw ZkError(ErrorCode::INVALID_ARGUMENT, s.error().message);
  if (blinds.size() != params.rows()) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "hyrax_commit: " + std::to_string(blinds.size()) +
                                                   " blinding factors for " + std::to_string(params.rows()) + " rows");
  }
  if (table.size() > (uint64_t{1} << params.num_vars)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "hyrax_commit: " + std::to_string(table.size()) +
                                                   " entries for 2^" + std::to_string(params.num_vars));
  }
  const size_t rows = params.rows(), cols = params.cols();
  const auto gens = generators(cols);
  const G1& h = pedersen_blinding_generator();
  std::vector<G1> points(rows);
  const int t = resolve_threads(threads);
  const size_t present = (table.size() + cols - 1) / cols;
  // Many rows: one row per task on one thread each; few rows: the MSM of each row on every thread.
  const bool by_rows = present >= static_cast<size_t>(2 * t);
  const int inner = by_rows ? 1 : t;
  table.visit([&](const auto& s) {
    using T = std::decay_t<decltype(s[0])>;
    unsigned b = bits;
    if constexpr (!std::is_same_v<T, Fr>) {
      if (b == 0) b = bit_width_of(s);
    }
    auto row = [&](size_t i) {
      G1 acc;
      if (i < present) {
        const size_t begin = i * cols, len = std::min(cols, s.size() - begin);
        const auto values = s.subspan(begin, len);
        const auto pts = gens->points().subspan(0, len);
        if constexpr (std::is_same_v<T, Fr>) {
          acc = msm(pts, values, inner);
        } else {
          acc = msm_small(pts, values, b, inner, len == cols ? &gens->sum() : nullptr);
        }
      }
      points[i] = acc + h * blinds[i];
    };
    if (by_rows) {
      // Range errors of msm_small surface as ZkError; parallel_for's tasks must not throw, so check first.
      if constexpr (!std::is_same_v<T, Fr>) {
        if (b < 64 && bit_width_of(s) > b) {
          throw ZkError(ErrorCode::OUT_OF_RANGE, "hyrax_commit: an entry lies outside the signed " +
                                                     std::to_string(b) + "-bit range");
        }
      }
      parallel_for(rows, t, row);
    } else {
      for (size_t i = 0; i < rows; ++i) row(i);
    }
  });
  return HyraxCommitment(params, batch_to_affine(points, t));
}

void hyrax_absorb(Transcript& t, std::string_view label, const HyraxCommitment& c) {
  t.absorb_bytes(label, c.digest());
}

// ---- Openings --------------------------------------------------------------------------------------------------

size_t HyraxOpening::byte_size() const {
  size_t n = 0;
  for (const IpaProof& g : groups) n += IpaProof::byte_size(g.rounds());
  return n;
}

void HyraxOpening::write(ByteWriter& w) const {
  for (const IpaProof& g : groups) g.write(w);
}

Result<HyraxOpening> HyraxOpening::read(ByteReader& r, std::span<const size_t> rounds) {
  HyraxOpening o;
  o.groups.reserve(rounds.size());
  for (const size_t n : rounds) {
    auto g = IpaProof::read(r, n);
    if (!g) return g.error();
    o.groups.push_back(std::move(*g));
  }
  return o;
}

Result<std::vector<size_t>> hyrax_opening_rounds(std::span<const HyraxCommitment* const> commitments,
                                                 std::span<const HyraxVerifierClaim> claims) {
  std::vector<unsigned> col_vars;
  std::vector<const std::vector<Fr>*> points;
  for (const HyraxVerifierClaim& c : claims) {
    if (c.commitment >= commitments.size() || commitments[c.commitment] == nullptr) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "a Hyrax claim names commitment " +
                                                         std::to_string(c.commitment) + " of " +
                                                         std::to_string(commitments.size()));
    }
    const HyraxParams& p = commitments[c.commitment]->params();
    if (c.point.size() != p.num_vars) {
      return make_error(ErrorCode::HYRAX_SHAPE_MISMATCH, "a point of " + std::to_string(c.point.size()) +
                                                             " coordinates for a commitment to 2^" +
                                                             std::to_string(p.num_vars) + " entries");
    }
    col_vars.push_back(p.col_vars());
    points.push_back(&c.point);
  }
  std::vector<size_t> rounds;
  for (const auto& g : group_claims(col_vars, points)) rounds.push_back(col_vars[g.front()]);
  return rounds;
}

HyraxOpening hyrax_open(Transcript& t, std::span<const HyraxProverInput> inputs,
                        std::span<const HyraxProverClaim> claims, int threads, bool allow_false) {
  std::vector<unsigned> col_vars;
  std::vector<const std::vector<Fr>*> points;
  for (const HyraxProverClaim& c : claims) {
    if (c.commitment >= inputs.size()) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "hyrax_open: a claim names input " + std::to_string(c.commitment));
    }
    const HyraxParams& p = inputs[c.commitment].commitment->params();
    if (c.point.size() != p.num_vars) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "hyrax_open: a point of " + std::to_string(c.point.size()) +
                                                     " coordinates for 2^" + std::to_string(p.num_vars) + " entries");
    }
    col_vars.push_back(p.col_vars());
    points.push_back(&c.point);
  }
  const G1& u = pedersen_value_generator();
  t.domain(kOpenName);
  t.absorb_u64("claims", claims.size());
  for (const HyraxProverClaim& c : claims) {
    absorb_claim_header(t, *inputs[c.commitment].commitment, c.point);
    if (c.value_is_clear) {
      t.absorb_fr("value", c.value);
    } else {
      t.absorb_g1("value-commitment", pedersen_commit_scalar(c.value, c.value_blind));
    }
  }
  HyraxOpening opening;
  const auto groups = group_claims(col_vars, points);
  for (const auto& group : groups) {
    std::vector<Fr> rho(group.size(), Fr::one());
    if (group.size() > 1) {
      for (Fr& x : rho) x = t.challenge_fr("rho");
    }
    const HyraxParams& p0 = inputs[claims[group.front()].commitment].commitment->params();
    const size_t cols = p0.cols();
    std::vector<Fr> a(cols);
    Fr a_blind, y, y_blind;
    for (size_t j = 0; j < group.size(); ++j) {
      const HyraxProverClaim& c = claims[group[j]];
      const HyraxProverInput& in = inputs[c.commitment];
      const HyraxParams& p = in.commitment->params();
      const std::vector<Fr> l = eq_table(row_point(c.point, p), rho[j], threads);
      if (c.row_fold) {
        if (c.row_fold->size() != cols) {
          throw ZkError(ErrorCode::INVALID_ARGUMENT, "hyrax_open: a row fold of the wrong length");
        }
        const std::vector<Fr>& f = *c.row_fold;
        parallel_for(cols, threads, [&](size_t i) { a[i] += rho[j] * f[i]; }, grain_for(4));
      } else {
        const std::vector<Fr> row_sum = combine_rows(in.table, cols, l, threads);
        for (size_t i = 0; i < cols; ++i) a[i] += row_sum[i];
      }
      for (size_t i = 0; i < l.size(); ++i) a_blind += l[i] * in.data->row_blinds[i];
      y += rho[j] * c.value;
      y_blind += rho[j] * c.value_blind;
    }
    const std::vector<Fr> r = eq_table(col_point(*points[group.front()], p0), Fr::one(), threads);
    Fr ar;
    for (size_t i = 0; i < cols; ++i) ar += a[i] * r[i];
    if (ar != y && !allow_false) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "hyrax_open: a claimed value is not the table's evaluation");
    }
    const Fr x = t.challenge_fr("x");
    const auto gens = generators(cols);
    opening.groups.push_back(ipa_prove(t, gens->points(), u * x, std::move(a), col_point(*points[group.front()], p0),
                                       a_blind + x * y_blind, threads));
  }
  for (size_t g = 1; g < groups.size(); ++g) (void)t.challenge_fr("gamma");
  return opening;
}

Result<HyraxBatchTerms> hyrax_batch_terms(Transcript& t, std::span<const HyraxCommitment* const> commitments,
                                          std::span<const HyraxVerifierClaim> claims, const HyraxOpening& opening) {
  auto rounds = hyrax_opening_rounds(commitments, claims);
  if (!rounds) return rounds.error();
  if (rounds->size() != opening.groups.size()) {
    return make_error(ErrorCode::HYRAX_SHAPE_MISMATCH, "the opening has " + std::to_string(opening.groups.size()) +
                                                           " inner-product proofs, the claims need " +
                                                           std::to_string(rounds->size()));
  }
  std::vector<unsigned> col_vars;
  std::vector<const std::vector<Fr>*> points;
  for (const HyraxVerifierClaim& c : claims) {
    col_vars.push_back(commitments[c.commitment]->params().col_vars());
    points.push_back(&c.point);
  }
  t.domain(kOpenName);
  t.absorb_u64("claims", claims.size());
  for (const HyraxVerifierClaim& c : claims) {
    absorb_claim_header(t, *commitments[c.commitment], c.point);
    if (const Fr* v = std::get_if<Fr>(&c.value)) {
      t.absorb_fr("value", *v);
    } else {
      t.absorb_g1("value-commitment", std::get<G1>(c.value));
    }
  }
  HyraxBatchTerms out;
  for (std::vector<size_t>& group : group_claims(col_vars, points)) {
    HyraxGroupTerms gt;
    gt.claims = std::move(group);
    gt.rho.assign(gt.claims.size(), Fr::one());
    if (gt.claims.size() > 1) {
      for (Fr& x : gt.rho) x = t.challenge_fr("rho");
    }
    gt.x = t.challenge_fr("x");
    const HyraxVerifierClaim& c0 = claims[gt.claims.front()];
    auto check = ipa_verify_terms(t, opening.groups[out.groups.size()],
                                  col_point(c0.point, commitments[c0.commitment]->params()));
    if (!check) return check.error();
    gt.check = std::move(*check);
    out.groups.push_back(std::move(gt));
  }
  // Drawn after every group's responses were absorbed (ipa.h): a prover cannot choose them knowing the gammas.
  out.gamma.assign(out.groups.size(), Fr::one());
  for (size_t g = 1; g < out.groups.size(); ++g) out.gamma[g] = t.challenge_fr("gamma");
  return out;
}

bool hyrax_batch_check(std::span<const HyraxCommitment* const> commitments,
                       std::span<const HyraxVerifierClaim> claims, const HyraxBatchTerms& terms, int threads) {
  // One MSM: sum_g gamma_g (IPA equation of group g) with P_g = sum_k rho_k (sum_i L_k[i] C_{c_k,i} + x_g Y_k).
  const auto& gamma = terms.gamma;
  size_t max_cols = 0;
  for (const auto& gt : terms.groups) max_cols = std::max(max_cols, gt.check.g_scalars.size());
  std::vector<Fr> g_scalars(max_cols);
  std::vector<std::vector<Fr>> row_scalars(commitments.size());
  Fr u_scalar, h_scalar;
  std::vector<G1> extra_points;
  std::vector<Fr> extra_scalars;
  for (size_t g = 0; g < terms.groups.size(); ++g) {
    const HyraxGroupTerms& gt = terms.groups[g];
    for (size_t i = 0; i < gt.check.g_scalars.size(); ++i) g_scalars[i] += gamma[g] * gt.check.g_scalars[i];
    u_scalar += gamma[g] * gt.check.q_scalar * gt.x;
    h_scalar += gamma[g] * gt.check.h_scalar;
    for (size_t k = 0; k < gt.check.points.size(); ++k) {
      extra_points.push_back(gt.check.points[k]);
      extra_scalars.push_back(gamma[g] * gt.check.scalars[k]);
    }
    const Fr ps = gamma[g] * gt.check.p_scalar;
    for (size_t j = 0; j < gt.claims.size(); ++j) {
      const HyraxVerifierClaim& c = claims[gt.claims[j]];
      const HyraxParams& p = commitments[c.commitment]->params();
      const Fr w = ps * gt.rho[j];
      const std::vector<Fr> l = eq_table(row_point(c.point, p), w, threads);
      auto& rs = row_scalars[c.commitment];
      if (rs.empty()) rs.assign(p.rows(), Fr::zero());
      for (size_t i = 0; i < l.size(); ++i) rs[i] += l[i];
      if (const Fr* v = std::get_if<Fr>(&c.value)) {
        u_scalar += w * gt.x * *v;
      } else {
        extra_points.push_back(std::get<G1>(c.value));
        extra_scalars.push_back(w * gt.x);
      }
    }
  }
  const auto gens = generators(max_cols);
  std::vector<G1Affine> msm_points(gens->points().begin(), gens->points().end());
  std::vector<Fr> msm_scalars = std::move(g_scalars);
  extra_points.push_back(pedersen_value_generator());
  extra_scalars.push_back(u_scalar);
  extra_points.push_back(pedersen_blinding_generator());
  extra_scalars.push_back(h_scalar);
  for (size_t c = 0; c < commitments.size(); ++c) {
    if (row_scalars[c].empty()) continue;
    const auto rows = commitments[c]->rows();
    msm_points.insert(msm_points.end(), rows.begin(), rows.end());
    msm_scalars.insert(msm_scalars.end(), row_scalars[c].begin(), row_scalars[c].end());
  }
  const std::vector<G1Affine> extra_affine = batch_to_affine(extra_points, threads);
  msm_points.insert(msm_points.end(), extra_affine.begin(), extra_affine.end());
  msm_scalars.insert(msm_scalars.end(), extra_scalars.begin(), extra_scalars.end());
  // Times the cofactor: the rows and the proof's points are only on the curve (the header's Points).
  return msm(msm_points, msm_scalars, threads).mul_cofactor().is_identity();
}

Status hyrax_verify(Transcript& t, std::span<const HyraxCommitment* const> commitments,
                    std::span<const HyraxVerifierClaim> claims, const HyraxOpening& opening, int threads) {
  auto terms = hyrax_batch_terms(t, commitments, claims, opening);
  if (!terms) return terms.error();
  if (!hyrax_batch_check(commitments, claims, *terms, threads)) {
    return make_error(ErrorCode::HYRAX_OPENING_MISMATCH,
                      "the opening does not verify: the claimed value, the inner-product messages or the "
                      "commitment are inconsistent");
  }
  return {};
}

}  // namespace zklora
