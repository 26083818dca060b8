// The run's file formats (io/run_files.h, io/run_statement.h) and the data commitment's (io/commitment_files.h)
// round-trip, and their readers survive anything: every truncation, a flipped byte anywhere, a wrong magic or
// version, a huge declared count or length, trailing bytes. Each gives an error naming the file; none crashes,
// throws or allocates by an unchecked length.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "io/format_samples.h"
#include "support/random_model.h"
#include "support/temp_dir.h"
#include "zklora/base/files.h"
#include "zklora/io/commitment_files.h"
#include "zklora/io/run_files.h"
#include "zklora/io/run_statement.h"
#include "zklora/pcs/hyrax.h"

namespace zklora {
namespace {

using namespace testing::samples;  // NOLINT

// Every prefix of `bytes` (and the bytes with one extra at the end) is refused by `read`.
template <class Read>
void every_truncation_refused(const std::vector<uint8_t>& bytes, Read read) {
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(read(std::span(bytes.data(), n))) << "prefix of " << n << " bytes";
  }
  std::vector<uint8_t> longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(read(std::span<const uint8_t>(longer))) << "a trailing byte";
}

// A byte flipped anywhere is refused or changes what is read (never a crash).
template <class Read>
void every_flip_survived(const std::vector<uint8_t>& bytes, Read read) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::vector<uint8_t> b = bytes;
    b[i] ^= 0x41;
    (void)read(std::span<const uint8_t>(b));
  }
}

TEST(RunFileFormats, StepFileRoundTripsAndRefusesDamage) {
  const StepFile f = some_step_file();
  const std::vector<uint8_t> bytes = f.to_bytes();
  const StepFile back = StepFile::from_bytes(bytes, "step").value();
  EXPECT_EQ(back.to_bytes(), bytes);
  EXPECT_EQ(back.head.indices, f.head.indices);
  EXPECT_EQ(back.head.loss_sum, f.head.loss_sum);
  ASSERT_EQ(back.parts.size(), 3u);
  EXPECT_EQ(back.parts[1].part, (PartId{PartKind::LAYER, 0}));
  EXPECT_EQ(back.parts[1].proof, f.parts[1].proof);
  const auto read = [](std::span<const uint8_t> b) { return StepFile::from_bytes(b, "step").ok(); };
  every_truncation_refused(bytes, read);
  every_flip_survived(bytes, read);
  // The magic, the version and a huge batch: errors naming the file, without the allocation.
  std::vector<uint8_t> b = bytes;
  b[0] = 'X';
  auto r = StepFile::from_bytes(b, "step-000003.proof");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("step-000003.proof: not a zklora step proof"), std::string::npos);
  b = bytes;
  b[8] = 9;
  EXPECT_NE(StepFile::from_bytes(b, "s").error().message.find("unsupported"), std::string::npos);
  const size_t head_at = 8 + 4 + 8;
  b = bytes;
  b[head_at] = 2;  // the channel mode: 0 clear, 1 zero knowledge
  EXPECT_NE(StepFile::from_bytes(b, "s").error().message.find("unknown channel mode 2"), std::string::npos);
  b = bytes;
  const size_t batch_at = head_at + 1 + 32 + 8;
  for (size_t k = 0; k < 8; ++k) b[batch_at + k] = 0xff;
  EXPECT_EQ(StepFile::from_bytes(b, "s").code(), ErrorCode::TRUNCATED_PROOF);
}

// The streaming writer and reader: the same bytes as the whole file's encoding, parts read one at a time; a writer
// that does not finish leaves nothing; a reader refuses a truncated file, a part longer than it accepts, an
// unknown part kind and trailing bytes.
TEST(RunFileFormats, StepFileStreamsPartByPart) {
  const test::TempDir dir;
  const std::filesystem::path file = dir.path() / "step-000003.proof";
  const StepFile f = some_step_file();
  {
    auto w = StepFileWriter::open(file, f.head, 3).value();
    ASSERT_TRUE(w.append(f.parts[0]).ok());
    ASSERT_TRUE(w.append(f.parts[1]).ok());
    EXPECT_FALSE(w.finish().ok());  // a part is missing: nothing is renamed
  }
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_FALSE(std::filesystem::exists(file.string() + ".tmp"));
  {
    auto w = StepFileWriter::open(file, f.head, 3).value();
    for (const PartRecord& p : f.parts) ASSERT_TRUE(w.append(p).ok());
    EXPECT_FALSE(w.append(f.parts[0]).ok());
    ASSERT_TRUE(w.finish().ok());
  }
  EXPECT_EQ(read_file(file).value(), f.to_bytes());
  auto r = StepFileReader::open(file, "step").value();
  EXPECT_EQ(r.head().step, 3);
  EXPECT_EQ(r.parts(), 3u);
  for (const PartRecord& want : f.parts) {
    auto p = r.next().value();
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->part, want.part);
    EXPECT_EQ(p->proof, want.proof);
  }
  EXPECT_FALSE(r.next().value().has_value());
  // Damage: every truncation is refused by the time the last part is read; a trailing byte after it; a part
  // longer than the reader accepts.
  const std::vector<uint8_t> bytes = f.to_bytes();
  const auto read_all = [&](std::span<const uint8_t> b, uint64_t max_part) -> Status {
    if (Status s = write_file_atomically(file, b); !s) return s;
    auto rd = StepFileReader::open(file, "step", 0, max_part);
    if (!rd) return rd.error();
    for (;;) {
      auto p = rd->next();
      if (!p) return p.error();
      if (!p->has_value()) return {};
    }
  };
  for (size_t n = 0; n < bytes.size(); n += 7) EXPECT_FALSE(read_all(std::span(bytes.data(), n), 1000).ok()) << n;
  std::vector<uint8_t> longer = bytes;
  longer.push_back(0);
  EXPECT_EQ(read_all(longer, 1000).code(), ErrorCode::TRAILING_PROOF_BYTES);
  EXPECT_EQ(read_all(bytes, 100).code(), ErrorCode::BAD_LENGTH);
  EXPECT_TRUE(read_all(bytes, 1000).ok());
}

TEST(RunFileFormats, CommitmentSetAndOpeningRoundTripAndRefuseDamage) {
  const PublicCommitments c = some_commitments();
  const std::vector<uint8_t> set = encode_commitment_set(c);
  EXPECT_EQ(commitments_digest(decode_commitment_set(set, "set").value()), commitments_digest(c));
  every_truncation_refused(set, [](std::span<const uint8_t> b) { return decode_commitment_set(b, "set").ok(); });
  every_flip_survived(set, [](std::span<const uint8_t> b) { return decode_commitment_set(b, "set").ok(); });

  const TensorOpening o = some_opening();
  const std::vector<uint8_t> bytes = encode_opening(o);
  const TensorOpening back = decode_opening(bytes, "opening").value();
  EXPECT_EQ(encode_opening(back), bytes);
  const auto read = [](std::span<const uint8_t> b) { return decode_opening(b, "opening").ok(); };
  every_truncation_refused(bytes, read);
  every_flip_survived(bytes, read);
  // Blinds that do not fit the tensor's commitment.
  TensorOpening wrong = o;
  wrong.tensors.begin()->second.blinds.push_back(Fr::one());
  EXPECT_EQ(opening_commitments(wrong).code(), ErrorCode::INVALID_ARGUMENT);
  // The opening's commitment is the commitment made with its blinds.
  const std::vector<int64_t> a = o.tensors.begin()->second.data;
  const HyraxCommitment made = hyrax_commit_with_blinds(TableView(a), HyraxParams::balanced(3), o.tensors.begin()->second.blinds);
  EXPECT_EQ(opening_commitments(o).value().begin()->second, made);
}

TEST(RunFileFormats, StatementRoundTripsExactlyAndRefusesDamage) {
  const RunStatement s = some_statement();
  const std::string json = s.to_json();
  const RunStatement back = RunStatement::from_json(json, "statement.json").value();
  EXPECT_EQ(back.to_json(), json);
  EXPECT_EQ(back.digest(), s.digest());
  EXPECT_EQ(back.optimizer.lr, s.optimizer.lr);
  EXPECT_EQ(back.optimizer.weight_decay, s.optimizer.weight_decay);
  EXPECT_EQ(back.seed, s.seed);
  EXPECT_EQ(back.step(2).batch_indices, s.step(2).batch_indices);
  for (size_t n = 0; n < json.size(); n += 7) {
    EXPECT_FALSE(RunStatement::from_json(json.substr(0, n), "statement.json").ok()) << n;
  }
  const auto refused = [&](const std::string& from, const std::string& to, const std::string& says) {
    std::string j = json;
    const size_t at = j.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    j.replace(at, from.size(), to);
    auto r = RunStatement::from_json(j, "statement.json");
    ASSERT_FALSE(r.ok()) << to;
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
  };
  refused("\"zklora-run\"", "\"other\"", "not a zklora run statement");
  refused("\"steps\": 3", "\"steps\": \"3\"", "malformed");
  refused("\"batch\": 2", "\"batch\": 100", "do not make a run");
  refused("\"kind\": \"adamw\"", "\"kind\": \"adam\"", "adam");
  refused("\"sha256\": \"0101", "\"sha256\": \"zz01", "digest");
  EXPECT_FALSE(RunStatement::from_json("[]", "statement.json").ok());
}

TEST(RunFileFormats, DataCommitmentRefusesDamage) {
  const ModelConfig c = testing::small_config();
  const DataProverCommitment d = commit_data(testing::random_sequences(3, 6, c.vocab_size, 4), 6, c);
  const std::vector<uint8_t> bytes = encode_data_commitment(d.commitment);
  EXPECT_EQ(data_digest(parse_data_commitment(bytes, "data").value()), data_digest(d.commitment));
  const auto read = [](std::span<const uint8_t> b) { return parse_data_commitment(b, "data").ok(); };
  every_truncation_refused(bytes, read);
  every_flip_survived(bytes, read);
  // A huge example count: refused before any allocation.
  std::vector<uint8_t> b = bytes;
  const size_t count_at = 8 + 4 + 4 + 8 + 8 + 8;
  for (size_t k = 0; k < 8; ++k) b[count_at + k] = 0xff;
  EXPECT_EQ(parse_data_commitment(b, "data").code(), ErrorCode::TRUNCATED_PROOF);
}

}  // namespace
}  // namespace zklora
