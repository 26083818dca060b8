// Steps over a committed data set (step/data_commitment.h): the commitment's digest names every field of its public
// part; a batch assembled from the data rows proves and verifies; the verifier rejects another batch index, another
// data commitment, the statement without its data, and rows that are not the data's. The commitment's files are
// tested with the io layer (tests/io/commitment_files_test.cpp).
#include <gtest/gtest.h>

#include <utility>

#include "step/step_fixture.h"
#include "zklora/step/data_commitment.h"

namespace zklora {
namespace {

struct DataFixture {
  testing::StepFixture f;
  std::vector<TokenSequence> examples;
  DataProverCommitment data;
  std::vector<int64_t> indices{3, 0};
};

const DataFixture& fixture() {
  static const DataFixture d = [] {
    DataFixture x{testing::make_step_fixture(testing::small_config(), 2, 6, {Projection::Q, Projection::V}), {}, {}};
    x.examples = testing::random_sequences(5, 8, x.f.config.vocab_size, 11);
    x.examples[1].resize(1);  // an example shorter than two tokens: no target
    x.data = commit_data(x.examples, 6, x.f.config);
    x.f.batch = data_batch(x.examples, x.indices, 6, x.f.config);
    return x;
  }();
  return d;
}

StepStatement forward_on_data(const DataFixture& d) {
  StepStatement s = d.f.statement(StepMode::FORWARD);
  s.data_digest = data_digest(d.data.commitment);
  s.data_examples = d.data.commitment.examples();
  s.batch_indices = d.indices;
  return s;
}

// The fixture's commitments with the batch's assembled from the data rows.
ProverCommitments on_data(const DataFixture& d, std::span<const int64_t> indices) {
  ProverCommitments c;
  for (const auto& [n, x] : d.f.commitments) {
    if (!n.starts_with("batch.")) c.emplace(n, x);
  }
  c.merge(data_batch_prover_commitments(d.data, indices).value());
  return c;
}

// What a statement names the data set by: a function of the public part, which changes with any of its fields.
TEST(DataCommitment, DigestNamesEveryField) {
  const DataCommitment& c = fixture().data.commitment;
  const auto digest = data_digest(c);
  EXPECT_EQ(data_digest(DataCommitment(c)), digest);
  const auto changed = [&](auto change) {
    DataCommitment x = c;
    change(x);
    return data_digest(x) != digest;
  };
  EXPECT_TRUE(changed([](DataCommitment& x) { x.format_version += 1; }));
  EXPECT_TRUE(changed([](DataCommitment& x) { x.seq += 1; }));
  EXPECT_TRUE(changed([](DataCommitment& x) { x.vocab += 1; }));
  EXPECT_TRUE(changed([](DataCommitment& x) { x.pad_token += 1; }));
  EXPECT_TRUE(changed([](DataCommitment& x) { std::swap(x.tokens[0], x.tokens[1]); }));
  EXPECT_TRUE(changed([](DataCommitment& x) { std::swap(x.tokens[2], x.targets[2]); }));
  EXPECT_TRUE(changed([](DataCommitment& x) { x.targets[4] = G1Affine{}; }));
  EXPECT_TRUE(changed([](DataCommitment& x) {
    x.tokens.pop_back();
    x.targets.pop_back();
  }));
  // The first count's commitment moved to the end of the token list: the same points in the same order, told
  // apart by the lists' lengths.
  EXPECT_TRUE(changed([](DataCommitment& x) {
    x.tokens.push_back(x.targets.front());
    x.targets.erase(x.targets.begin());
  }));
}

TEST(DataCommitment, StepOnDataRowsVerifiesAndIsBoundToThem) {
  const DataFixture& d = fixture();
  const StepStatement s = forward_on_data(d);
  const StepProof p = prove_step(s, {d.f.weights, d.f.adapter, d.f.batch}, on_data(d, d.indices),
                                 ChannelMode::ZERO_KNOWLEDGE);
  const WeightCommitment w = d.f.weights_trusted();
  const PublicCommitments adapter = d.f.public_part();
  const auto verify = [&](const StepStatement& st, const DataCommitment& data) {
    return verify_step(st, w, data, adapter, p.proof, ChannelMode::ZERO_KNOWLEDGE);
  };
  const Status ok = verify(p.statement, d.data.commitment);
  EXPECT_TRUE(ok.ok()) << ok.error().to_string();

  // Another batch index in the statement (a valid row of the data set).
  StepStatement moved = p.statement;
  moved.batch_indices[0] = 2;
  EXPECT_EQ(verify(moved, d.data.commitment).code(), ErrorCode::TRANSCRIPT_MISMATCH);
  // The same data under another commitment: not the one the statement names.
  const DataProverCommitment other = commit_data(d.examples, 6, d.f.config);
  EXPECT_EQ(verify(p.statement, other.commitment).code(), ErrorCode::INVALID_ARGUMENT);
  // That other commitment named by the statement: the proof was made against the first one's rows.
  StepStatement renamed = p.statement;
  renamed.data_digest = data_digest(other.commitment);
  EXPECT_EQ(verify(renamed, other.commitment).code(), ErrorCode::TRANSCRIPT_MISMATCH);
  // A statement over data is never verified against free batch commitments.
  EXPECT_EQ(verify_step(p.statement, w, d.f.public_part(), p.proof, ChannelMode::ZERO_KNOWLEDGE).code(),
            ErrorCode::INVALID_ARGUMENT);
  // An index outside the data set.
  StepStatement outside = p.statement;
  outside.batch_indices[1] = 5;
  EXPECT_EQ(verify(outside, d.data.commitment).code(), ErrorCode::INVALID_ARGUMENT);
}

// A prover whose witness batch is not the rows it names (row 2's tokens under the indices {3, 0}): its opening
// of the assembled commitments fails.
TEST(DataCommitment, BatchThatIsNotTheNamedRowsIsRejected) {
  const DataFixture& d = fixture();
  const StepStatement s = forward_on_data(d);
  const std::vector<int64_t> wrong{2, 0};
  const Batch other = data_batch(d.examples, wrong, 6, d.f.config);
  StepProveOptions cheat;
  cheat.allow_false_relations = true;
  const StepProof p = prove_step(s, {d.f.weights, d.f.adapter, other}, on_data(d, d.indices),
                                 ChannelMode::CLEAR, cheat);
  const Status v = verify_step(p.statement, d.f.weights_trusted(), d.data.commitment, d.f.public_part(), p.proof,
                               ChannelMode::CLEAR);
  EXPECT_EQ(v.code(), ErrorCode::HYRAX_OPENING_MISMATCH) << (v.ok() ? "" : v.error().to_string());
}

}  // namespace
}  // namespace zklora
