// Matrix products: random shapes with odd (padded) dimensions, leading batch dimensions, shared or batched W,
// transposed operands, integer and field operands, both channel modes; the output claims against direct MLE
// evaluation of X and W; soundness (a wrong claim on Y, a tampered evaluation, another shape).
#include "zklora/piop/matmul.h"

#include <gtest/gtest.h>

#include "test_util.h"
#include "zklora/poly/mle.h"

namespace zklora {
namespace {

using testing::random_frs;
using testing::random_ints;

// Y = X W computed directly, in the stored layouts.
std::vector<Fr> reference_product(const MatmulShape& s, const std::vector<int64_t>& x, const std::vector<int64_t>& w) {
  const uint64_t nb = PaddedShape(s.batch).numel();
  std::vector<Fr> y(nb * s.m * s.k);
  for (uint64_t q = 0; q < nb; ++q) {
    const uint64_t wq = s.w_batched ? q : 0;
    for (uint64_t a = 0; a < s.m; ++a) {
      for (uint64_t b = 0; b < s.k; ++b) {
        i128 acc = 0;
        for (uint64_t j = 0; j < s.n; ++j) {
          const int64_t xv = s.x_transposed ? x[(q * s.n + j) * s.m + a] : x[(q * s.m + a) * s.n + j];
          const int64_t wv = s.w_transposed ? w[(wq * s.k + b) * s.n + j] : w[(wq * s.n + j) * s.k + b];
          acc += static_cast<i128>(xv) * wv;
        }
        y[(q * s.m + a) * s.k + b] = Fr::from_i128(acc);
      }
    }
  }
  return y;
}

struct Case {
  std::vector<uint64_t> batch;
  uint64_t m, n, k;
  bool xt, wt, wb;
};

class Matmul : public ::testing::TestWithParam<ChannelMode> {};
INSTANTIATE_TEST_SUITE_P(Modes, Matmul, ::testing::Values(ChannelMode::CLEAR, ChannelMode::ZERO_KNOWLEDGE),
                         [](const auto& info) { return std::string(testing::mode_name(info.param)); });

TEST_P(Matmul, ReducesToCorrectClaimsOnBothOperands) {
  const ChannelMode mode = GetParam();
  std::mt19937_64 gen(91);
  const std::vector<Case> cases = {
      {{}, 1, 1, 1, false, false, false},     {{}, 5, 7, 3, false, false, false},
      {{}, 5, 7, 3, true, false, false},      {{}, 5, 7, 3, false, true, false},
      {{}, 6, 9, 11, true, true, false},      {{3}, 5, 6, 7, false, false, false},
      {{3}, 5, 6, 7, true, true, false},      {{3}, 5, 6, 7, false, false, true},
      {{2, 3}, 3, 5, 2, true, false, true},   {{2, 3}, 4, 3, 5, false, true, true},
      {{5}, 1, 17, 1, false, false, true},    {{}, 33, 64, 9, false, true, false},
  };
  for (const Case& c : cases) {
    const MatmulShape s{c.batch, c.m, c.n, c.k, c.xt, c.wt, c.wb};
    ASSERT_TRUE(s.validate().ok());
    const auto x = random_ints(gen, s.x_shape().numel(), 16);
    const auto w = random_ints(gen, s.w_shape().numel(), 12);
    const auto y = reference_product(s, x, w);
    const PaddedShape ys = s.y_shape();
    const auto z = random_frs(gen, ys.num_vars());
    const Fr v = mle_evaluate(ys.pad(std::span<const Fr>(y)), z);
    // Integer operands, and the same operands as field elements (W narrowed to int32 as base weights are).
    std::vector<int32_t> w32(w.begin(), w.end());
    std::vector<Fr> xf(x.size());
    for (size_t i = 0; i < x.size(); ++i) xf[i] = Fr::from_i64(x[i]);
    for (const bool field : {false, true}) {
      if (field && mode == ChannelMode::ZERO_KNOWLEDGE) continue;
      Transcript tp("matmul-test");
      auto pch = make_prover_channel(mode, tp);
      const ProverClaim yc{z, pch->send("y", v)};
      const MatmulProverClaims pc = field ? matmul_prove(*pch, s, TableView(xf), TableView(w32), yc)
                                          : matmul_prove(*pch, s, TableView(x), TableView(w), yc);
      EXPECT_EQ(pc.x.value.value(), mle_evaluate(s.x_shape().pad(std::span<const int64_t>(x)), pc.x.point));
      EXPECT_EQ(pc.w.value.value(), mle_evaluate(s.w_shape().pad(std::span<const int64_t>(w)), pc.w.point));
      const auto proof = pch->take_proof();

      Transcript tv("matmul-test");
      auto vch = make_verifier_channel(mode, tv, proof);
      const auto yv = vch->receive("y");
      ASSERT_TRUE(yv.ok());
      const auto vc = matmul_verify(*vch, s, VerifierClaim{z, *yv});
      ASSERT_TRUE(vc.ok()) << vc.error().to_string();
      EXPECT_TRUE(vch->finish().ok());
      EXPECT_EQ(vc->x.point, pc.x.point);
      EXPECT_EQ(vc->w.point, pc.w.point);
      EXPECT_EQ(tp.digest(), tv.digest());

      // A wrong claim on Y.
      Transcript tb("matmul-test");
      auto bch = make_verifier_channel(mode, tb, proof);
      const auto yb = bch->receive("y");
      ASSERT_TRUE(yb.ok());
      // Caught by the final check (the rounds' relations hold by construction; deferred in zero knowledge).
      const auto wrong = matmul_verify(*bch, s, VerifierClaim{z, *yb + Fr::one()});
      EXPECT_EQ(wrong ? bch->flush().code() : wrong.code(), ErrorCode::SUMCHECK_FINAL_MISMATCH);
    }
  }
}

TEST(Matmul, TamperedEvaluationAndOtherShape) {
  std::mt19937_64 gen(92);
  const MatmulShape s{{2}, 3, 5, 4, false, true, true};
  const auto x = random_ints(gen, s.x_shape().numel(), 8);
  const auto w = random_ints(gen, s.w_shape().numel(), 8);
  const auto y = reference_product(s, x, w);
  const auto z = random_frs(gen, s.y_shape().num_vars());
  const Fr v = mle_evaluate(s.y_shape().pad(std::span<const Fr>(y)), z);
  Transcript tp("matmul-test");
  ValueProverChannel pch(tp);
  (void)matmul_prove(pch, s, x, w, ProverClaim{z, ProverValue::constant(v)});
  auto proof = pch.take_proof();
  auto run = [&](const MatmulShape& shape, std::span<const uint8_t> p) {
    Transcript tv("matmul-test");
    ValueVerifierChannel vch(tv, p);
    auto r = matmul_verify(vch, shape, VerifierClaim{z, VerifierValue::constant(v)});
    if (!r) return r.code();
    return vch.finish().ok() ? ErrorCode::INVALID_ARGUMENT : vch.finish().code();
  };
  EXPECT_EQ(run(s, proof), ErrorCode::INVALID_ARGUMENT);  // sentinel: everything verified
  auto bad = proof;
  testing::bump_fr(bad, bad.size() - 32);  // W's evaluation
  EXPECT_EQ(run(s, bad), ErrorCode::SUMCHECK_FINAL_MISMATCH);
  MatmulShape other = s;  // another layout: other challenges from round 1 on
  other.w_transposed = false;
  EXPECT_EQ(run(other, proof), ErrorCode::SUMCHECK_FINAL_MISMATCH);
  MatmulShape wrong_point = s;
  wrong_point.m = 17;  // Y gets more variables than the claim's point has
  EXPECT_EQ(run(wrong_point, proof), ErrorCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace zklora
