// libFuzzer target: the step verifier (step/step_proof.h) over the bytes of a proof's sub-proofs. Before the first
// input, one training step of the micro model (two layers, SGD with momentum on q,v) is proven in the
// zero-knowledge channel. Each input is a list of edits of its sub-proofs, taken one after the other as one string
// of bytes, 5 bytes each: a u32 position (modulo the string's length) and a byte XORed into it, a zero byte
// truncating the sub-proof that holds the position there. The unedited proof must verify (checked once); any
// other byte string must be rejected with an error (a verifier that accepts an edited proof is malleable: abort),
// never a crash, a hang or an allocation its length did not bound.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "step/step_fixture.h"

namespace {

using namespace zklora;

struct Subject {
  testing::StepFixture fixture;
  StepStatement statement;
  PublicCommitments commitments;
  WeightCommitment weights;
  StepProofData proof;
};

Subject make_subject() {
  testing::StepFixture f = testing::make_step_fixture(testing::micro_config(), 1, 4, {Projection::Q, Projection::V});
  StepStatement s = f.statement(StepMode::STEP);
  s.optimizer.kind = OptimizerKind::SGD;
  s.optimizer.lr = 0.05;
  s.optimizer.momentum = 0.9;
  s.step_number = 1;
  StepProveOptions po;
  po.threads = 1;
  StepProof p = prove_step(s, {f.weights, f.adapter, f.batch}, f.commitments, ChannelMode::ZERO_KNOWLEDGE, po);
  PublicCommitments pub = f.public_part();
  pub.merge(public_commitments(p.outputs.commitments));
  WeightCommitment w = f.weights_trusted();
  return Subject{std::move(f), std::move(p.statement), std::move(pub), std::move(w), std::move(p.proof)};
}

const Subject& subject() {
  static const Subject s = [] {
    Subject x = make_subject();
    if (!verify_step(x.statement, x.weights, x.commitments, x.proof, ChannelMode::ZERO_KNOWLEDGE, 1).ok()) {
      std::abort();  // the honest proof must verify
    }
    return x;
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  subject();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Subject& s = subject();
  StepProofData proof = s.proof;
  for (size_t i = 0; i + 5 <= size; i += 5) {
    size_t total = 0;
    for (const std::vector<uint8_t>& part : proof.parts) total += part.size();
    if (total == 0) break;
    uint32_t pos;
    std::memcpy(&pos, data + i, 4);
    size_t at = pos % total, k = 0;
    while (at >= proof.parts[k].size()) at -= proof.parts[k++].size();
    if (data[i + 4] == 0) {
      proof.parts[k].resize(at);
    } else {
      proof.parts[k][at] ^= data[i + 4];
    }
  }
  if (proof.parts == s.proof.parts) return 0;  // verified once, before the first input
  if (verify_step(s.statement, s.weights, s.commitments, proof, ChannelMode::ZERO_KNOWLEDGE, 1).ok()) std::abort();
  return 0;
}
