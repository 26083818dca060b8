// Claim combination (k claims on one tensor -> one) and settling claims on committed tensors, in both channel
// modes, ending in one end-to-end flow: a committed weight matrix, a matrix-product claim reduced to a claim on
// it, combined with another claim, opened against the commitment; claims at many points on tensors of two sizes
// moved to one point per size and to one column point before the opening, complete and sound (every false claim, a
// changed moved value).
#include <gtest/gtest.h>

#include "test_util.h"
#include "zklora/piop/claims.h"
#include "zklora/piop/matmul.h"
#include "zklora/piop/openings.h"
#include "zklora/poly/mle.h"

namespace zklora {
namespace {

using testing::random_frs;
using testing::random_ints;

class Claims : public ::testing::TestWithParam<ChannelMode> {};
INSTANTIATE_TEST_SUITE_P(Modes, Claims, ::testing::Values(ChannelMode::CLEAR, ChannelMode::ZERO_KNOWLEDGE),
                         [](const auto& info) { return std::string(testing::mode_name(info.param)); });

TEST_P(Claims, CombineClaims) {
  const ChannelMode mode = GetParam();
  std::mt19937_64 gen(101);
  const unsigned n = 7;
  const auto table = random_ints(gen, 100, 20);  // zero-padded to 2^7
  for (const size_t k : {1u, 2u, 5u}) {
    std::vector<std::vector<Fr>> points;
    std::vector<Fr> values;
    for (size_t i = 0; i < k; ++i) {
      points.push_back(random_frs(gen, n));
      values.push_back(mle_evaluate(table, points.back()));
    }
    Transcript tp("claims-test");
    auto pch = make_prover_channel(mode, tp);
    std::vector<ProverClaim> pc;
    for (size_t i = 0; i < k; ++i) pc.push_back({points[i], pch->send("v", values[i])});
    const ProverClaim out = combine_claims_prove(*pch, table, n, pc);
    EXPECT_EQ(out.value.value(), mle_evaluate(table, out.point));
    const auto proof = pch->take_proof();

    auto verify = [&](std::span<const uint8_t> p, size_t bad_claim) -> Result<VerifierClaim> {
      Transcript tv("claims-test");
      auto vch = make_verifier_channel(mode, tv, p);
      std::vector<VerifierClaim> vc;
      for (size_t i = 0; i < k; ++i) {
        auto v = vch->receive("v");
        if (!v) return v.error();
        vc.push_back({points[i], i == bad_claim ? *v + Fr::one() : *v});
      }
      auto r = combine_claims_verify(*vch, n, vc);
      if (!r) return r.error();
      if (Status s = vch->finish(); !s) return s.error();
      return r;
    };
    const auto ok = verify(proof, k);
    ASSERT_TRUE(ok.ok()) << ok.error().to_string();
    EXPECT_EQ(ok->point, out.point);
    if (k > 1) {
      for (size_t bad = 0; bad < k; ++bad) EXPECT_EQ(verify(proof, bad).code(), ErrorCode::SUMCHECK_FINAL_MISMATCH);
      auto tampered = proof;
      const size_t at = tampered.size() - (mode == ChannelMode::CLEAR ? 32 : 48 + 80);  // f(r), before its check
      if (mode == ChannelMode::CLEAR) {
        testing::bump_fr(tampered, at);
      } else {
        testing::bump_g1(tampered, at);
      }
      EXPECT_EQ(verify(tampered, k).code(), ErrorCode::SUMCHECK_FINAL_MISMATCH);
    }
  }
}

TEST_P(Claims, EndToEndMatmulCombineAndOpen) {
  const ChannelMode mode = GetParam();
  std::mt19937_64 gen(102);
  // Y = X W with W (out, in) stored transposed, as a linear layer's weight; W is committed.
  const MatmulShape s{{}, 6, 20, 12, false, true, false};
  const auto x = random_ints(gen, s.x_shape().numel(), 16);
  const auto w = random_ints(gen, s.w_shape().numel(), 8);
  const PaddedShape ws = s.w_shape();
  const std::vector<int64_t> w_padded = ws.pad(std::span<const int64_t>(w));
  const HyraxCommitted com = hyrax_commit(w_padded, HyraxParams::balanced(ws.num_vars()), 8);
  std::vector<Fr> y(s.m * s.k);
  for (uint64_t a = 0; a < s.m; ++a)
    for (uint64_t b = 0; b < s.k; ++b) {
      int64_t acc = 0;
      for (uint64_t j = 0; j < s.n; ++j) acc += x[a * s.n + j] * w[b * s.n + j];
      y[a * s.k + b] = Fr::from_i64(acc);
    }
  const auto z = random_frs(gen, s.y_shape().num_vars());
  const Fr yv = mle_evaluate(s.y_shape().pad(std::span<const Fr>(y)), z);
  const auto z2 = random_frs(gen, ws.num_vars());  // a second, unrelated claim on W
  const Fr w2 = mle_evaluate(w_padded, z2);

  Transcript tp("e2e");
  hyrax_absorb(tp, "W", com.commitment);
  auto pch = make_prover_channel(mode, tp);
  pch->sync("statement");
  const ProverClaim yc{z, pch->send("y", yv)};
  // Y's value is public here (in a real step it comes from Y's consumer): the prover shows the sent value is it.
  pch->prove_equal("y-public", yc.value, ProverValue::constant(yv));
  const MatmulProverClaims mc = matmul_prove(*pch, s, x, w, yc);
  const ProverClaim second{z2, pch->send("w2", w2)};
  const ProverClaim pw[] = {mc.w, second};
  const ProverClaim combined = combine_claims_prove(*pch, w_padded, ws.num_vars(), pw);
  const HyraxProverInput in{&com.commitment, &com.data, w_padded};
  const CommittedProverClaim open[] = {{0, combined}};
  prove_openings(*pch, std::span(&in, 1), open);
  const auto proof = pch->take_proof();

  auto verify = [&](const HyraxCommitment& c, const Fr& y_claim) -> Status {
    Transcript tv("e2e");
    hyrax_absorb(tv, "W", c);
    auto vch = make_verifier_channel(mode, tv, proof);
    if (Status st = vch->sync("statement"); !st) return st;
    auto yr = vch->receive("y");
    if (!yr) return yr.error();
    if (Status st = vch->check_equal("y-public", *yr, VerifierValue::constant(y_claim),
                                     ErrorCode::PROOF_REJECTED, "y");
        !st) {
      return st;
    }
    auto m = matmul_verify(*vch, s, VerifierClaim{z, *yr});
    if (!m) return m.error();
    auto w2r = vch->receive("w2");
    if (!w2r) return w2r.error();
    const VerifierClaim vw[] = {m->w, VerifierClaim{z2, *w2r}};
    auto comb = combine_claims_verify(*vch, ws.num_vars(), vw);
    if (!comb) return comb.error();
    const HyraxCommitment* cs[] = {&c};
    const CommittedVerifierClaim vo[] = {{0, *comb}};
    if (Status st = verify_openings(*vch, cs, vo); !st) return st;
    return vch->finish();
  };
  const Status ok = verify(com.commitment, yv);
  EXPECT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(verify(com.commitment, yv + Fr::one()).code(), ErrorCode::PROOF_REJECTED);
  // A commitment to another weight matrix: the statement differs.
  auto w_other = w_padded;
  w_other[3] += 1;
  const HyraxCommitted other = hyrax_commit(w_other, HyraxParams::balanced(ws.num_vars()), 8);
  EXPECT_EQ(verify(other.commitment, yv).code(), ErrorCode::TRANSCRIPT_MISMATCH);
}

TEST_P(Claims, OpeningAgainstAnotherTensorsCommitment) {
  // Without a statement binding the commitment, an opening of one tensor against another tensor's commitment
  // fails in the opening itself.
  const ChannelMode mode = GetParam();
  std::mt19937_64 gen(103);
  const auto t = random_ints(gen, 64, 10);
  auto t2 = t;
  t2[10] -= 1;
  const HyraxCommitted com = hyrax_commit(t, HyraxParams::balanced(6));
  const HyraxCommitted com2 = hyrax_commit(t2, HyraxParams::balanced(6));
  const auto z = random_frs(gen, 6);
  Transcript tp("open-test");
  auto pch = make_prover_channel(mode, tp);
  const ProverClaim pc{z, pch->send("v", mle_evaluate(t, z))};
  const HyraxProverInput in{&com.commitment, &com.data, t};
  const CommittedProverClaim open[] = {{0, pc}};
  prove_openings(*pch, std::span(&in, 1), open);
  const auto proof = pch->take_proof();
  for (const HyraxCommitment* c : {&com.commitment, &com2.commitment}) {
    Transcript tv("open-test");
    auto vch = make_verifier_channel(mode, tv, proof);
    const auto v = vch->receive("v");
    ASSERT_TRUE(v.ok());
    const HyraxCommitment* cs[] = {c};
    const CommittedVerifierClaim vo[] = {{0, VerifierClaim{z, *v}}};
    const Status s = verify_openings(*vch, cs, vo);
    if (c == &com.commitment) {
      EXPECT_TRUE(s.ok() && vch->finish().ok());
    } else {
      EXPECT_EQ(s.code(), ErrorCode::HYRAX_OPENING_MISMATCH);
    }
  }
}

// Tensors of 5, 6 and 6 variables, the first two claimed at two points each, the third at one: the claims of the
// first two move to one point per size (openings.h), the third's stays; then all of them, five column variables
// each, move to one column point, and Hyrax opens them with one inner-product argument. Returns the proof of the
// true values, or of values with claim `wrong` off by one.
struct BatchSetup {
  std::vector<std::vector<int64_t>> tables;
  std::vector<HyraxCommitted> coms;
  std::vector<std::pair<size_t, std::vector<Fr>>> claims;  // (tensor, point)
};

BatchSetup batch_setup() {
  std::mt19937_64 gen(104);
  BatchSetup b;
  for (const unsigned n : {5u, 6u, 6u}) {
    b.tables.push_back(random_ints(gen, size_t{1} << n, 12));
    b.coms.push_back(hyrax_commit(b.tables.back(), HyraxParams::balanced(n)));
  }
  for (const size_t k : {0u, 1u, 2u, 1u, 0u}) b.claims.push_back({k, random_frs(gen, k == 0 ? 5 : 6)});
  return b;
}

std::vector<uint8_t> prove_batch(ChannelMode mode, const BatchSetup& b, size_t wrong = SIZE_MAX,
                                 bool cheat = true) {
  Transcript tp("batch-test");
  auto pch = make_prover_channel(mode, tp);
  if (wrong != SIZE_MAX && cheat) pch->allow_false_relations();
  std::vector<HyraxProverInput> in;
  for (size_t k = 0; k < b.coms.size(); ++k) in.push_back({&b.coms[k].commitment, &b.coms[k].data, b.tables[k]});
  std::vector<CommittedProverClaim> open;
  for (size_t j = 0; j < b.claims.size(); ++j) {
    const auto& [k, z] = b.claims[j];
    const Fr v = mle_evaluate(b.tables[k], z) + (j == wrong ? Fr::one() : Fr::zero());
    open.push_back({k, {z, pch->send("v", v)}});
  }
  prove_openings(*pch, in, open);
  return pch->take_proof();
}

Status verify_batch(ChannelMode mode, const BatchSetup& b, std::span<const uint8_t> proof) {
  Transcript tv("batch-test");
  auto vch = make_verifier_channel(mode, tv, proof);
  std::vector<CommittedVerifierClaim> open;
  for (const auto& [k, z] : b.claims) {
    auto v = vch->receive("v");
    if (!v) return v.error();
    open.push_back({k, {z, *v}});
  }
  std::vector<const HyraxCommitment*> cs;
  for (const auto& c : b.coms) cs.push_back(&c.commitment);
  if (Status s = verify_openings(*vch, cs, open); !s) return s;
  return vch->finish();
}

TEST_P(Claims, ClaimsAtManyPointsMovedToOne) {
  const ChannelMode mode = GetParam();
  const BatchSetup b = batch_setup();
  const auto proof = prove_batch(mode, b);
  const Status ok = verify_batch(mode, b, proof);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  // Any one false claim: the honest prover refuses, a cheating prover's proof is rejected.
  EXPECT_THROW((void)prove_batch(mode, b, 2, false), ZkError);
  for (size_t j = 0; j < b.claims.size(); ++j) {
    const Status v = verify_batch(mode, b, prove_batch(mode, b, j));
    ASSERT_FALSE(v.ok()) << j;
    EXPECT_GE(static_cast<int>(v.code()), 100) << j << ": " << v.error().to_string();
    // The claim that does not move to its size's point meets the column batch (all three commitments have five
    // column variables, claimed at distinct column points): its sumcheck's final check.
    if (j == 2) {
      EXPECT_EQ(v.code(), ErrorCode::SUMCHECK_FINAL_MISMATCH) << v.error().to_string();
    }
  }
  if (mode == ChannelMode::CLEAR) {
    // The clear stream: five claim values, the 5-variable group's sumcheck (5 rounds of 3 coefficients), its one
    // moved value, ... A changed moved value fails the sumcheck's final check.
    auto bad = proof;
    testing::bump_fr(bad, (5 + 5 * 3) * Fr::kBytes);
    EXPECT_EQ(verify_batch(mode, b, bad).code(), ErrorCode::SUMCHECK_FINAL_MISMATCH);
  }
}

}  // namespace
}  // namespace zklora
