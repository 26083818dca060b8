// The generic sumcheck: completeness for degrees 1 to 4 and sizes 2^0 to 2^16, with a full, partial or no eq
// factor, several terms, repeated factors, in both channel modes; the sub-claim against direct evaluation;
// soundness: a wrong claimed sum, a tampered round message, a wrong final evaluation, another transcript,
// truncated, extended and garbled proofs, each with its code; zero knowledge by the standard simulator.
#include "zklora/piop/sumcheck.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "test_util.h"
#include "zklora/poly/mle.h"

namespace zklora {
namespace {

using testing::random_frs;

struct Instance {
  SumcheckShape shape;
  std::vector<std::vector<Fr>> tables;
  Fr sum;
};

// Terms of degree d, d - 1 and a repeated factor, over m = d + 1 tables; eq on the first zlen variables.
Instance make_instance(std::mt19937_64& gen, uint32_t n, uint32_t d, uint32_t zlen) {
  Instance in;
  in.shape.num_vars = n;
  in.shape.eq_point = random_frs(gen, zlen);
  in.shape.num_tables = d + 1;
  SumcheckTerm top{Fr::one(), {}};
  for (uint32_t j = 0; j < d; ++j) top.factors.push_back(j);
  in.shape.terms.push_back(top);
  if (d >= 2) in.shape.terms.push_back({Fr::random(gen), {d, 0}});
  if (d >= 3) in.shape.terms.push_back({Fr::random(gen), {d, d, 1}});
  in.shape.terms.push_back({Fr::from_u64(3), {d}});
  for (uint32_t j = 0; j <= d; ++j) in.tables.push_back(random_frs(gen, size_t{1} << n));
  const auto w = eq_table(in.shape.eq_point);
  for (size_t x = 0; x < (size_t{1} << n); ++x) {
    Fr p;
    for (const auto& t : in.shape.terms) {
      Fr prod = t.coeff;
      for (const uint32_t j : t.factors) prod *= in.tables[j][x];
      p += prod;
    }
    in.sum += w[x >> (n - zlen)] * p;
  }
  return in;
}

struct Proved {
  std::vector<uint8_t> proof;
  SumcheckProverResult result;
};

Proved prove(ChannelMode mode, const Instance& in, const Fr& claim) {
  Transcript t("sumcheck-test");
  auto ch = make_prover_channel(mode, t);
  ch->sync("start");
  const ProverValue c = ch->send("claim", claim);
  Proved run;
  run.result = sumcheck_prove(*ch, in.shape, in.tables, c);
  const auto evals = ch->send("evals", run.result.evaluations);
  sumcheck_prove_final(*ch, in.shape, run.result.final_value, evals);
  run.proof = ch->take_proof();
  return run;
}

Result<SubClaim> verify(ChannelMode mode, const SumcheckShape& shape, std::span<const uint8_t> proof,
                        std::string_view protocol = "sumcheck-test") {
  Transcript t(protocol);
  auto ch = make_verifier_channel(mode, t, proof);
  if (Status s = ch->sync("start"); !s) return s.error();
  auto c = ch->receive("claim");
  if (!c) return c.error();
  auto sub = sumcheck_verify(*ch, shape, *c);
  if (!sub) return sub.error();
  auto evals = ch->receive("evals", shape.num_tables);
  if (!evals) return evals.error();
  if (Status s = sumcheck_verify_final(*ch, shape, sub->expected, *evals); !s) return s.error();
  if (Status s = ch->finish(); !s) return s.error();
  return sub;
}

TEST(Sumcheck, CompleteForDegreesOneToFourAndSizesUpTo2To16) {
  std::mt19937_64 gen(81);
  for (const uint32_t n : {0u, 1u, 3u, 8u, 16u}) {
    for (const uint32_t d : {1u, 2u, 3u, 4u}) {
      for (const uint32_t zlen : {n, n / 2, 0u}) {
        if (n == 16 && zlen != n) continue;  // the large size once per degree
        const Instance in = make_instance(gen, n, d, zlen);
        const Proved run = prove(ChannelMode::CLEAR, in, in.sum);
        const auto sub = verify(ChannelMode::CLEAR, in.shape, run.proof);
        ASSERT_TRUE(sub.ok()) << "n " << n << " d " << d << " |z| " << zlen << ": " << sub.error().to_string();
        EXPECT_EQ(sub->point, run.result.point);
        for (uint32_t j = 0; j <= d; ++j) {
          EXPECT_EQ(run.result.evaluations[j], mle_evaluate(in.tables[j], sub->point)) << "table " << j;
        }
        // Proof size: the sync, d coefficients per round (the round's relation fixes one), the claim and the
        // evaluations.
        EXPECT_EQ(run.proof.size(), 32 + 16 + n * d * 32 + (d + 1) * 32);
      }
    }
  }
}

TEST(Sumcheck, CompleteInZeroKnowledge) {
  std::mt19937_64 gen(82);
  for (const uint32_t d : {1u, 2u, 3u}) {
    const Instance in = make_instance(gen, 5, d, 3);
    const Proved run = prove(ChannelMode::ZERO_KNOWLEDGE, in, in.sum);
    const auto sub = verify(ChannelMode::ZERO_KNOWLEDGE, in.shape, run.proof);
    ASSERT_TRUE(sub.ok()) << sub.error().to_string();
    EXPECT_EQ(sub->point, run.result.point);
  }
}

// Zero knowledge of the sumcheck, by its standard simulator (Hyrax, section 4): knowing only the shape, the
// simulator runs the prover on all-zero tables with a committed claim of zero. Every message the verifier sees is a
// Pedersen commitment (uniform, whatever it commits to) or a Sigma proof about such commitments (uniform given
// them), so the simulated transcript is distributed as a real one; and it passes the verifier, which holds the
// claim only as a commitment. The two transcripts have the same length and share no 32-byte string.
TEST(Sumcheck, SimulatedTranscriptWithoutTheWitnessPassesTheVerifier) {
  std::mt19937_64 gen(84);
  for (const uint32_t d : {1u, 2u, 3u}) {
    const Instance real = make_instance(gen, 6, d, 4);
    Instance simulated;
    simulated.shape = real.shape;
    simulated.tables.assign(real.tables.size(), std::vector<Fr>(real.tables[0].size(), Fr::zero()));
    const Proved a = prove(ChannelMode::ZERO_KNOWLEDGE, real, real.sum);
    const Proved b = prove(ChannelMode::ZERO_KNOWLEDGE, simulated, Fr::zero());
    const auto sub = verify(ChannelMode::ZERO_KNOWLEDGE, real.shape, b.proof);
    ASSERT_TRUE(sub.ok()) << "degree " << d << ": " << sub.error().to_string();
    EXPECT_TRUE(verify(ChannelMode::ZERO_KNOWLEDGE, real.shape, a.proof).ok());
    ASSERT_EQ(a.proof.size(), b.proof.size());
    size_t shared = 0;
    for (size_t i = 16; i + 32 <= a.proof.size(); i += 16) {
      for (size_t j = 16; j + 32 <= b.proof.size(); j += 16) {
        shared += std::equal(a.proof.begin() + static_cast<std::ptrdiff_t>(i),
                             a.proof.begin() + static_cast<std::ptrdiff_t>(i + 32),
                             b.proof.begin() + static_cast<std::ptrdiff_t>(j));
      }
    }
    EXPECT_EQ(shared, 0u) << "degree " << d;
  }
}

TEST(Sumcheck, BooleanEqPointsAndThreads) {
  // An eq point with 0 and 1 coordinates (the derived evaluation switches nodes), on 1 and 2 threads.
  std::mt19937_64 gen(83);
  Instance in = make_instance(gen, 14, 2, 14);
  for (size_t i = 0; i < 14; i += 3) in.shape.eq_point[i] = Fr::zero();
  for (size_t i = 1; i < 14; i += 3) in.shape.eq_point[i] = Fr::one();
  const auto w = eq_table(in.shape.eq_point);
  in.sum = Fr::zero();
  for (size_t x = 0; x < w.size(); ++x) {
    Fr p;
    for (const auto& t : in.shape.terms) {
      Fr prod = t.coeff;
      for (const uint32_t j : t.factors) prod *= in.tables[j][x];
      p += prod;
    }
    in.sum += w[x] * p;
  }
  for (const int threads : {1, 2}) {
    Transcript t("sumcheck-test");
    ValueProverChannel ch(t);
    ch.sync("start");
    const ProverValue c = ch.send("claim", in.sum);
    const auto res = sumcheck_prove(ch, in.shape, in.tables, c, threads);
    const auto evals = ch.send("evals", res.evaluations);
    sumcheck_prove_final(ch, in.shape, res.final_value, evals);
    EXPECT_TRUE(verify(ChannelMode::CLEAR, in.shape, ch.proof()).ok()) << threads;
  }
}

class SumcheckSoundness : public ::testing::TestWithParam<ChannelMode> {};
INSTANTIATE_TEST_SUITE_P(Modes, SumcheckSoundness,
                         ::testing::Values(ChannelMode::CLEAR, ChannelMode::ZERO_KNOWLEDGE),
                         [](const auto& info) { return std::string(testing::mode_name(info.param)); });

TEST_P(SumcheckSoundness, EachFailureHasItsCode) {
  const ChannelMode mode = GetParam();
  const bool zk = mode == ChannelMode::ZERO_KNOWLEDGE;
  std::mt19937_64 gen(84);
  const uint32_t n = 6, d = 3;
  const Instance in = make_instance(gen, n, d, 4);
  const Proved run = prove(mode, in, in.sum);
  ASSERT_TRUE(verify(mode, in.shape, run.proof).ok());
  const size_t value = zk ? G1::kBytes : Fr::kBytes;       // one sent value
  const size_t round = d * value;                           // the coefficients but the derived one
  const size_t first_round = 16 + value;                    // after the sync and the claim
  auto bump = [&](std::vector<uint8_t>& b, size_t at) {
    if (zk) {
      testing::bump_g1(b, at);
    } else {
      testing::bump_fr(b, at);
    }
  };

  // A wrong claimed sum: the prover's honest proof checked against another claim. The round relation holds by
  // construction (the derived coefficient), so the wrong sum surfaces at the final check.
  {
    auto bad = run.proof;
    bump(bad, 16);
    EXPECT_EQ(verify(mode, in.shape, bad).code(), ErrorCode::SUMCHECK_FINAL_MISMATCH);
  }
  // A tampered round message, in every round and every sent coefficient.
  for (uint32_t i = 0; i < n; ++i) {
    for (uint32_t j = 0; j < d; ++j) {
      auto bad = run.proof;
      bump(bad, first_round + i * round + j * value);
      EXPECT_EQ(verify(mode, in.shape, bad).code(), ErrorCode::SUMCHECK_FINAL_MISMATCH) << i << " " << j;
    }
  }
  // A wrong final evaluation.
  {
    auto bad = run.proof;
    bump(bad, first_round + n * round + value);
    EXPECT_EQ(verify(mode, in.shape, bad).code(), ErrorCode::SUMCHECK_FINAL_MISMATCH);
  }
  // Another transcript (caught by the proof's opening sync); another statement: an eq point or a coefficient
  // changes the derived polynomials and the challenges.
  EXPECT_EQ(verify(mode, in.shape, run.proof, "other").code(), ErrorCode::TRANSCRIPT_MISMATCH);
  {
    SumcheckShape other = in.shape;
    other.eq_point[0] += Fr::one();
    EXPECT_EQ(verify(mode, other, run.proof).code(), ErrorCode::SUMCHECK_FINAL_MISMATCH);
    other = in.shape;
    other.terms[1].coeff += Fr::one();
    EXPECT_EQ(verify(mode, other, run.proof).code(), ErrorCode::SUMCHECK_FINAL_MISMATCH);
  }
  // Truncated, extended, garbled.
  for (const size_t cut : {size_t{0}, size_t{20}, first_round - 1, first_round + round / 2, run.proof.size() - 1}) {
    EXPECT_EQ(verify(mode, in.shape, std::span(run.proof).first(cut)).code(), ErrorCode::TRUNCATED_PROOF) << cut;
  }
  auto longer = run.proof;
  longer.push_back(1);
  EXPECT_EQ(verify(mode, in.shape, longer).code(), ErrorCode::TRAILING_PROOF_BYTES);
  auto garbled = run.proof;
  for (size_t i = 0; i < garbled.size(); i += zk ? 41 : 13) {
    garbled[i] ^= 0x21;
    EXPECT_FALSE(verify(mode, in.shape, garbled).ok()) << "byte " << i;
    garbled[i] ^= 0x21;
  }
}

TEST(Sumcheck, ProverRefusesAWrongClaim) {
  std::mt19937_64 gen(85);
  const Instance in = make_instance(gen, 4, 2, 2);
  EXPECT_THROW((void)prove(ChannelMode::CLEAR, in, in.sum + Fr::one()), ZkError);
}

TEST(Sumcheck, RejectsMalformedShapes) {
  SumcheckShape s;
  s.num_vars = 2;
  s.num_tables = 1;
  EXPECT_EQ(s.validate().code(), ErrorCode::INVALID_ARGUMENT);  // no terms
  s.terms = {{Fr::one(), {1}}};
  EXPECT_EQ(s.validate().code(), ErrorCode::INVALID_ARGUMENT);  // factor 1 of 1 table
  s.terms = {{Fr::one(), {0}}};
  s.eq_point.resize(3);
  EXPECT_EQ(s.validate().code(), ErrorCode::INVALID_ARGUMENT);  // |z| > n
  s.eq_point.resize(2);
  EXPECT_TRUE(s.validate().ok());
  Transcript t("x");
  ValueVerifierChannel ch(t, {});
  s.eq_point.resize(3);
  EXPECT_EQ(sumcheck_verify(ch, s, VerifierValue::constant(Fr::zero())).code(), ErrorCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace zklora

namespace zklora {
namespace {

std::string hex(std::span<const uint8_t> b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (const uint8_t x : b) {
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}

TEST(Sumcheck, ClearProofFormatIsPinned) {
  // A clear-mode proof is deterministic: its bytes pin the transcript layout, the message order and the
  // encodings. If a format change is intended, update the value below to the one printed by the failure.
  std::mt19937_64 gen(2024);
  const Instance in = make_instance(gen, 4, 3, 2);
  const auto proof = prove(ChannelMode::CLEAR, in, in.sum).proof;
  ASSERT_EQ(proof.size(), 32 + 16 + 4 * 3 * 32 + 4 * 32u);
  Transcript t("golden");
  t.absorb_bytes("proof", proof);
  EXPECT_EQ(hex(t.digest()), "c721d24d02af39456b70d5464b7187d02d4c23a567ba5d382244e5bb763cc14d") << "regenerate: copy this digest if the proof format changed on purpose";
}

}  // namespace
}  // namespace zklora
