// Named cheating provers against the forward pass's operations, each a witness kept consistent everywhere but in
// the one relation it breaks, proven by a prover that keeps going past false relations, and rejected with its
// exact error: a row maximum that is not the maximum; a masked score that leaks into a row sum; one exp output
// changed; a remainder outside its range; one SiLU output changed; a wrong target token. Each in both channels.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "step/op_harness.h"
#include "zklora/fixed/arith.h"
#include "zklora/fixed/tables.h"

namespace zklora::testing {
namespace {

const OpCase& case_named(const std::string& name) {
  for (const OpCase& c : op_cases()) {
    if (c.name == name) return c;
  }
  throw std::runtime_error("no case " + name);
}

// The witness of the operation's tensor "op.<name>" ("op" for the first output).
struct Tensors {
  HarnessRun& r;
  size_t id(const std::string& name) const { return r.graph.find(name.empty() ? "op" : "op." + name); }
  std::vector<int64_t> get(const std::string& name) const { return view_to_i64(r.witness.data(id(name))); }
  void set(const std::string& name, std::vector<int64_t> v) { r.witness.set(id(name), std::move(v)); }
};

// The cheating prover's proof in the clear channel, and in the zero-knowledge channel, which must reject it with
// the same code; the clear verdict is returned.
Status prove_and_verify(const OpCase& c, const HarnessRun& r) {
  const auto proof = harness_prove(r, ChannelMode::CLEAR, nullptr, true);
  const Status clear = harness_verify(c, proof, ChannelMode::CLEAR, r.public_values);
  const auto zproof = harness_prove(r, ChannelMode::ZERO_KNOWLEDGE, nullptr, true);
  const Status zk = harness_verify(c, zproof, ChannelMode::ZERO_KNOWLEDGE, r.public_values);
  EXPECT_EQ(zk.ok(), clear.ok()) << c.name << ": the channels disagree";
  if (!zk.ok() && !clear.ok()) {
    EXPECT_EQ(zk.code(), clear.code()) << c.name << ": " << zk.error().to_string();
  }
  return clear;
}

// The softmax case: (batch 2, heads 2, seq 3) rows of 3 entries.
constexpr size_t kSeq = 3;

// Rewrites one causal row (entries of row index `row`, t = row % seq) of the softmax witness from new gaps,
// keeping the digits, table outputs, exps, remainders, the division and its slack consistent with them.
void rewrite_row(Tensors& w, size_t row, const std::vector<int64_t>& gaps, const std::vector<bool>& counted) {
  auto lo = w.get("gap_lo"), hi = w.get("gap_hi"), elo = w.get("exp_lo"), ehi = w.get("exp_hi"),
       rem_e = w.get("exp_remainder"), e = w.get("exp"), p = w.get(""), rho = w.get("div_remainder"),
       sigma = w.get("div_slack");
  int64_t sum = 0;
  for (size_t u = 0; u < kSeq; ++u) {
    const size_t at = row * kSeq + u;
    if (!counted[u]) continue;
    lo[at] = gaps[u] & 0xffff;
    hi[at] = gaps[u] >> 16;
    elo[at] = exp_lo_table()[static_cast<size_t>(lo[at])];
    ehi[at] = exp_hi_table()[static_cast<size_t>(hi[at])];
    const i128 prod = static_cast<i128>(elo[at]) * ehi[at];
    e[at] = static_cast<int64_t>(round_shift(prod, 20));
    rem_e[at] = static_cast<int64_t>(prod + (i128{1} << 19) - (static_cast<i128>(e[at]) << 20));
    sum += e[at];
  }
  for (size_t u = 0; u < kSeq; ++u) {
    const size_t at = row * kSeq + u;
    p[at] = counted[u] ? static_cast<int64_t>(div_round(static_cast<i128>(e[at]) << 16, sum)) : 0;
    rho[at] = (e[at] << 17) + sum - 2 * p[at] * sum;
    sigma[at] = 2 * sum - 1 - rho[at];
  }
  w.set("gap_lo", lo);
  w.set("gap_hi", hi);
  w.set("exp_lo", elo);
  w.set("exp_hi", ehi);
  w.set("exp_remainder", rem_e);
  w.set("exp", e);
  w.set("", p);
  w.set("div_remainder", rho);
  w.set("div_slack", sigma);
}

TEST(Cheating, RowMaximumThatIsNotTheMaximum) {
  // Row t = 2 of the first head: the claimed maximum is one more than the true one, every gap one more, all of
  // the row's values consistent with that. No gap is zero any more: sum argmax gap = 1.
  const OpCase& c = case_named("causal_softmax");
  HarnessRun r = harness_build(c);
  Tensors w{r};
  const size_t row = 2;
  auto mx = w.get("max");
  mx[row] += 1;
  w.set("max", mx);
  const auto lo = w.get("gap_lo"), hi = w.get("gap_hi");
  std::vector<int64_t> gaps(kSeq);
  for (size_t u = 0; u < kSeq; ++u) gaps[u] = lo[row * kSeq + u] + (hi[row * kSeq + u] << 16) + 1;
  rewrite_row(w, row, gaps, {true, true, true});
  const Status v = prove_and_verify(c, r);
  EXPECT_EQ(v.code(), ErrorCode::SUMCHECK_FINAL_MISMATCH) << v.error().to_string();
  EXPECT_NE(v.error().message.find("causal-softmax"), std::string::npos) << v.error().to_string();
}

TEST(Cheating, MaskedScoreLeaksIntoTheRowSum) {
  // Row t = 0 of the first head: the masked entries u = 1, 2 get digits as if they were scores of their own, and
  // their exps count in the row sum and the probabilities. Their score remainder would then be 2^32 gap, outside
  // its 32 bits: the range argument rejects it before any operation.
  const OpCase& c = case_named("causal_softmax");
  HarnessRun r = harness_build(c);
  Tensors w{r};
  const size_t row = 0;
  std::vector<int64_t> gaps = {0, 3 << 16, 1 << 15};
  rewrite_row(w, row, gaps, {true, true, true});
  auto rem_s = w.get("score_remainder");
  for (size_t u = 1; u < kSeq; ++u) rem_s[row * kSeq + u] = gaps[u] << 32;
  w.set("score_remainder", rem_s);
  const Status v = prove_and_verify(c, r);
  EXPECT_EQ(v.code(), ErrorCode::LOOKUP_SUM_MISMATCH) << v.error().to_string();
  EXPECT_NE(v.error().message.find("range argument"), std::string::npos) << v.error().to_string();
  // The same leak with the score remainders left at zero: the exps then break their own relation (masked,
  // e = -rem_e / 2^20), which the exps' reduction finds.
  HarnessRun r2 = harness_build(c);
  Tensors w2{r2};
  rewrite_row(w2, row, gaps, {true, true, true});
  const Status v2 = prove_and_verify(c, r2);
  EXPECT_EQ(v2.code(), ErrorCode::SUMCHECK_FINAL_MISMATCH) << v2.error().to_string();
}

TEST(Cheating, OneExpOutputChanged) {
  const OpCase& c = case_named("causal_softmax");
  HarnessRun r = harness_build(c);
  Tensors w{r};
  auto e = w.get("exp");
  e[4] -= 1;  // row 1, u = 1: unmasked
  w.set("exp", e);
  const Status v = prove_and_verify(c, r);
  EXPECT_EQ(v.code(), ErrorCode::SUMCHECK_FINAL_MISMATCH) << v.error().to_string();
}

TEST(Cheating, RemainderOutsideItsRange) {
  // A rescaling with its remainder one full step too large and its quotient one less: the rounding relation
  // still holds, the remainder's 16-bit range does not.
  const OpCase& c = case_named("rescale");
  HarnessRun r = harness_build(c);
  Tensors w{r};
  auto y = w.get(""), rem = w.get("remainder");
  y[2] -= 1;
  rem[2] += int64_t{1} << 16;
  w.set("", y);
  w.set("remainder", rem);
  const Status v = prove_and_verify(c, r);
  EXPECT_EQ(v.code(), ErrorCode::LOOKUP_SUM_MISMATCH) << v.error().to_string();
  EXPECT_NE(v.error().message.find("range argument"), std::string::npos) << v.error().to_string();
}

TEST(Cheating, OneSwigluOutputChanged) {
  const OpCase& c = case_named("swiglu");
  HarnessRun r = harness_build(c);
  Tensors w{r};
  auto h = w.get("");
  h[7] += 1;
  w.set("", h);
  const Status v = prove_and_verify(c, r);
  EXPECT_EQ(v.code(), ErrorCode::SUMCHECK_FINAL_MISMATCH) << v.error().to_string();
  EXPECT_NE(v.error().message.find("swiglu"), std::string::npos) << v.error().to_string();
}

TEST(Cheating, WrongTargetToken) {
  // The loss of row 0 computed with another target than the next row's token (the one-hot row the batch
  // commits): the claimed loss differs by the difference of the two logits.
  const OpCase& c = case_named("cross_entropy");
  HarnessRun r = harness_build(c);
  const std::vector<int64_t> logits = view_to_i64(r.witness.data(r.graph.find("in.logits")));
  const std::vector<int64_t> oh = view_to_i64(r.witness.data(r.graph.find("in.one_hot")));
  const size_t vocab = 7;
  const size_t target = static_cast<size_t>(std::find(oh.begin() + vocab, oh.begin() + 2 * vocab, 1) - oh.begin()) - vocab;
  const size_t other = (target + 1) % vocab;
  r.public_values[0] += Fr::from_i64(logits[target] - logits[other]);
  const Status v = prove_and_verify(c, r);
  EXPECT_EQ(v.code(), ErrorCode::SUMCHECK_FINAL_MISMATCH) << v.error().to_string();
  EXPECT_NE(v.error().message.find("cross-entropy"), std::string::npos) << v.error().to_string();
}

}  // namespace
}  // namespace zklora::testing
