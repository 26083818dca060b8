// Zero knowledge, shown on whole step proofs: two zero-knowledge proofs of the same step, with the same witness and
// fresh prover randomness, share no 32-byte string (a field element, or the greater part of a point) anywhere in
// their bytes, while two clear proofs of it share thousands. Everything a zero-knowledge proof sends is a
// fresh commitment, a masked response or a value the statement fixes; the statement's commitments are not part of
// the proof bytes. (The header's cut commitments are fresh Pedersen commitments too, with fresh blinds.)
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <unordered_set>

#include "step/step_fixture.h"

namespace zklora {
namespace {

// The number of 32-byte windows of b (at every offset) that also occur somewhere in a.
size_t shared_windows(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  constexpr size_t kW = 32;
  std::unordered_set<std::string_view> in_a;
  const std::string_view sa(reinterpret_cast<const char*>(a.data()), a.size());
  const std::string_view sb(reinterpret_cast<const char*>(b.data()), b.size());
  for (size_t i = 0; i + kW <= sa.size(); ++i) in_a.insert(sa.substr(i, kW));
  size_t shared = 0;
  for (size_t i = 0; i + kW <= sb.size(); ++i) shared += in_a.count(sb.substr(i, kW));
  return shared;
}

// Every sub-proof's bytes, one after the other.
std::vector<uint8_t> all_bytes(const StepProof& p) {
  std::vector<uint8_t> out;
  for (const std::vector<uint8_t>& part : p.proof.parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

TEST(ZeroKnowledge, TwoProofsOfOneStepShareNoElement) {
  ModelConfig cfg = testing::small_config();
  cfg.n_layers = 1;
  const testing::StepFixture f = testing::make_step_fixture(cfg, 2, 6, {Projection::Q, Projection::V});
  StepStatement s = f.statement(StepMode::STEP);
  s.optimizer.kind = OptimizerKind::ADAMW;
  s.step_number = 1;
  const StepInputs in{f.weights, f.adapter, f.batch};
  const StepProof a = prove_step(s, in, f.commitments, ChannelMode::ZERO_KNOWLEDGE);
  const StepProof b = prove_step(s, in, f.commitments, ChannelMode::ZERO_KNOWLEDGE);
  ASSERT_EQ(a.statement.loss_sum, b.statement.loss_sum);
  EXPECT_GT(all_bytes(a).size(), size_t{100000});
  EXPECT_EQ(shared_windows(all_bytes(a), all_bytes(b)), 0u);
  // The comparison can see: two clear proofs of the same witness share the values sent before the first
  // commitment's random blinds reach the transcript's challenges (thousands of windows).
  const StepProof c = prove_step(s, in, f.commitments, ChannelMode::CLEAR);
  const StepProof d = prove_step(s, in, f.commitments, ChannelMode::CLEAR);
  EXPECT_GT(shared_windows(all_bytes(c), all_bytes(d)), size_t{1000});
}

}  // namespace
}  // namespace zklora
