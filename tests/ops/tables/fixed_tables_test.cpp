// The fixed-point tables bound to LogUp (ops/tables/fixed_tables.h): every entry is the engine's (fixed/tables.h),
// the engine's composed functions only ever look up pairs that are in the tables, and a lookup of SIGMOID pairs
// proves in both channel modes while a wrong output is refused by the prover and rejected by the verifier.
#include <gtest/gtest.h>

#include <random>

#include "piop/test_util.h"
#include "zklora/fixed/arith.h"
#include "zklora/fixed/tables.h"
#include "zklora/ops/tables/fixed_tables.h"
#include "zklora/piop/logup.h"
#include "zklora/poly/mle.h"

namespace zklora {
namespace {

TEST(FixedLookupTables, EntriesAreTheEngines) {
  const struct {
    const FunctionTable* t;
    std::span<const int64_t> y;
    int64_t x0;
  } cases[] = {{&exp_lo_lookup_table(), exp_lo_table(), 0},
               {&exp_hi_lookup_table(), exp_hi_table(), 0},
               {&sigmoid_lookup_table(), sigmoid_table(), kSigmoidMin},
               {&log_lookup_table(), log_table(), kLogMin}};
  for (const auto& c : cases) {
    ASSERT_EQ(c.t->num_vars(), 16u) << c.t->name();
    ASSERT_EQ(c.t->values().size(), c.y.size());
    for (size_t i = 0; i < c.y.size(); ++i) {
      ASSERT_EQ(c.t->entry(i, 0), c.x0 + static_cast<int64_t>(i));
      ASSERT_EQ(c.t->entry(i, 1), c.y[i]);
    }
  }
  EXPECT_EQ(range_table_16().lo(), 0);
  EXPECT_EQ(range_table_16().hi(), int64_t{1} << 16);
  // The engine's sigmoid is a lookup at the clamped, rounded input.
  std::mt19937_64 gen(21);
  for (int i = 0; i < 1000; ++i) {
    const int64_t x = static_cast<int64_t>(gen() % (1u << 22)) - (1 << 21);
    const int64_t j = std::clamp<int64_t>(round_shift64(x, kSigmoidShift), kSigmoidMin, -kSigmoidMin - 1);
    EXPECT_TRUE(sigmoid_lookup_table().find(std::vector<int64_t>{j, sigmoid_fixed(x)}).has_value());
  }
  // The verifier's MLE of a 2^16 table matches the entries' MLE.
  const auto z = testing::random_frs(gen, 16);
  const Fr gamma = Fr::random(gen);
  EXPECT_EQ(log_lookup_table().evaluate(z, gamma), mle_evaluate(log_lookup_table().folded_entries(gamma), z));
}

class FixedLookup : public ::testing::TestWithParam<ChannelMode> {};
INSTANTIATE_TEST_SUITE_P(Modes, FixedLookup, ::testing::Values(ChannelMode::CLEAR, ChannelMode::ZERO_KNOWLEDGE),
                         [](const auto& info) { return std::string(testing::mode_name(info.param)); });

TEST_P(FixedLookup, SigmoidPairs) {
  const ChannelMode mode = GetParam();
  std::mt19937_64 gen(22);
  const FunctionTable& t = sigmoid_lookup_table();
  std::vector<int64_t> x(500), y(500);
  for (size_t i = 0; i < x.size(); ++i) {
    const int64_t xi = static_cast<int64_t>(gen() % (1u << 21)) - (1 << 20);
    x[i] = std::clamp<int64_t>(round_shift64(xi, kSigmoidShift), kSigmoidMin, -kSigmoidMin - 1);
    y[i] = sigmoid_fixed(xi);
  }
  const std::vector<std::vector<uint64_t>> dims = {{500}};
  auto run = [&](const std::vector<int64_t>& ys) -> Result<LogupVerifierResult> {
    const LookupColumn col{dims[0], {TableView(x), TableView(ys)}, {}};
    Transcript tp("fixed-lookup");
    auto pch = make_prover_channel(mode, tp);
    (void)logup_prove(*pch, t, std::span(&col, 1), logup_multiplicities(t, std::span(&col, 1)));
    Transcript tv("fixed-lookup");
    auto vch = make_verifier_channel(mode, tv, pch->proof());
    auto r = logup_verify(*vch, t, dims);
    if (r) {
      if (Status f = vch->flush(); !f) return Result<LogupVerifierResult>(f.error());
    }
    return r;
  };
  const auto ok = run(y);
  EXPECT_TRUE(ok.ok()) << ok.error().to_string();
  auto wrong = y;
  wrong[9] += 1;
  EXPECT_THROW((void)run(wrong), ZkError);  // the honest prover finds no entry (x, wrong y)
  // The proof of the true pairs does not verify against another table of the same shape.
  const LookupColumn col{dims[0], {TableView(x), TableView(y)}, {}};
  Transcript tp("fixed-lookup");
  auto pch = make_prover_channel(mode, tp);
  (void)logup_prove(*pch, t, std::span(&col, 1), logup_multiplicities(t, std::span(&col, 1)));
  Transcript tv("fixed-lookup");
  auto vch = make_verifier_channel(mode, tv, pch->proof());
  EXPECT_FALSE(logup_verify(*vch, exp_lo_lookup_table(), dims).ok() && vch->flush().ok());
}

}  // namespace
}  // namespace zklora
