// The commitments' files (io/commitment_files.h): the weight and data commitments' pairs of files round-trip and
// read back as they were written; the prover file is written first and refuses to pair with another public file;
// handcrafted bad prover files (bad magic, another version, cut short, bytes left over, missing) are refused, each
// with its error.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/random_model.h"
#include "support/temp_dir.h"
#include "zklora/base/files.h"
#include "zklora/fixed/format.h"
#include "zklora/io/commitment_files.h"

namespace zklora {
namespace {

namespace fs = std::filesystem;

DataProverCommitment some_data() {
  const ModelConfig c = testing::small_config();
  return commit_data(testing::random_sequences(3, 6, c.vocab_size, 4), 6, c);
}

struct SomeWeights {
  WeightCommitmentFile file;
  ProverCommitments with_blinds;
};

SomeWeights some_weights() {
  SomeWeights w;
  const std::vector<int64_t> norm{3, -1, 4, 1, -5, 9}, head{2, 7, -1, 8, 2, 8, -1, 8};
  w.with_blinds.emplace("final_norm", hyrax_commit_tensor(std::vector<uint64_t>{6}, std::span<const int64_t>(norm)));
  w.with_blinds.emplace("lm_head", hyrax_commit_tensor(std::vector<uint64_t>{2, 4}, std::span<const int64_t>(head)));
  w.file.format_version = kFixedFormatVersion;
  w.file.content_hash = "0123abcd";
  w.file.config_json = model_config_json(testing::small_config());
  w.file.tensors = public_commitments(w.with_blinds);
  w.file.weight_check = {1, 2, 3};
  return w;
}

std::vector<uint8_t> bytes_of(const fs::path& file) { return read_file(file).value(); }

void put(const fs::path& file, const std::vector<uint8_t>& bytes) {
  ASSERT_TRUE(write_file_atomically(file, bytes).ok());
}

// `read` (Status of reading the pair at a public file) refuses every damaged copy of the prover file beside `pub`,
// and a missing one; the prover file is put back as it was afterwards. The frame's errors name the file: a bad
// magic, another version, cut short in its header, a byte left over; cut short in its payload, the error says
// where it stopped.
template <class Read>
void bad_prover_files_refused(const fs::path& pub, Read read) {
  const fs::path prover = prover_file_path(pub);
  const std::vector<uint8_t> good = bytes_of(prover);
  const auto refused = [&](const std::vector<uint8_t>& b, ErrorCode code, const std::string& says, bool named) {
    put(prover, b);
    const Status s = read(pub);
    ASSERT_FALSE(s.ok()) << b.size() << " bytes";
    EXPECT_EQ(s.code(), code) << s.error().to_string();
    EXPECT_NE(s.error().message.find(says), std::string::npos) << s.error().message;
    if (named) {
      EXPECT_TRUE(s.error().message.starts_with(prover.string())) << s.error().message;
    }
  };
  std::vector<uint8_t> b = good;
  b[0] ^= 1;
  refused(b, ErrorCode::INVALID_ARGUMENT, "(bad magic)", true);
  b = good;
  b[8] = 2;
  refused(b, ErrorCode::INVALID_ARGUMENT, "unsupported version 2", true);
  constexpr size_t kHeader = 8 + 4 + 32;
  for (size_t n = 8; n < good.size(); n += n < kHeader ? 1 : 7) {
    refused(std::vector<uint8_t>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n)),
            ErrorCode::TRUNCATED_PROOF, "while reading", n < kHeader);
  }
  b = good;
  b.push_back(0);
  refused(b, ErrorCode::TRAILING_PROOF_BYTES, "", true);
  fs::remove(prover);
  const Status missing = read(pub);
  EXPECT_EQ(missing.code(), ErrorCode::IO);
  EXPECT_NE(missing.error().message.find(prover.string()), std::string::npos) << missing.error().message;
  put(prover, good);
  EXPECT_TRUE(read(pub).ok());
}

TEST(CommitmentFiles, WeightFilesRoundTripAndPairUp) {
  const test::TempDir dir;
  const SomeWeights w = some_weights();
  const fs::path pub = dir / "weights.bin";
  ASSERT_TRUE(write_weight_commitment(pub, w.file, w.with_blinds).ok());
  EXPECT_TRUE(is_weight_commitment_file(pub));
  EXPECT_TRUE(is_weight_blinds_file(weight_blinds_path(pub)));
  EXPECT_EQ(weight_blinds_path(pub), dir / "weights.prover.bin");
  EXPECT_EQ(bytes_of(pub), encode_weight_commitment(w.file));
  auto back = read_weight_commitment(pub);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->content_hash, w.file.content_hash);
  EXPECT_EQ(back->config_json, w.file.config_json);
  EXPECT_EQ(back->weight_check, w.file.weight_check);
  EXPECT_EQ(encode_weight_commitment(back.value()), bytes_of(pub));
  auto blinds = read_weight_prover_commitments(pub);
  ASSERT_TRUE(blinds.ok()) << blinds.error().to_string();
  ASSERT_EQ(blinds->size(), 2u);
  for (const auto& [name, x] : w.with_blinds) {
    EXPECT_TRUE(blinds->at(name).commitment == x.commitment) << name;
    EXPECT_EQ(blinds->at(name).data.row_blinds, x.data.row_blinds) << name;
  }

  // Another public file beside these blinds: the prover file names the one it belongs to.
  SomeWeights other = w;
  other.file.content_hash = "4567";
  put(pub, encode_weight_commitment(other.file));
  const auto mismatch = read_weight_prover_commitments(pub);
  EXPECT_EQ(mismatch.code(), ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(mismatch.error().message.find("belongs to another public commitment file"), std::string::npos);
  EXPECT_TRUE(read_weight_commitment(pub).ok());  // the public file alone is whole

  ASSERT_TRUE(write_weight_commitment(pub, w.file, w.with_blinds).ok());
  bad_prover_files_refused(pub, [](const fs::path& p) -> Status {
    auto r = read_weight_prover_commitments(p);
    if (!r) return r.error();
    return {};
  });
}

TEST(CommitmentFiles, WeightBlindsOfAnotherTensorAreNotWritten) {
  const test::TempDir dir;
  SomeWeights w = some_weights();
  w.file.tensors.erase("lm_head");
  const fs::path pub = dir / "weights.bin";
  const Status s = write_weight_commitment(pub, w.file, w.with_blinds);
  EXPECT_EQ(s.code(), ErrorCode::INVALID_ARGUMENT);
  EXPECT_FALSE(fs::exists(pub));
  EXPECT_FALSE(fs::exists(weight_blinds_path(pub)));
}

TEST(CommitmentFiles, DataFilesRoundTripAndPairUp) {
  const test::TempDir dir;
  const DataProverCommitment d = some_data();
  const fs::path pub = dir / "data.bin";
  ASSERT_TRUE(write_data_commitment(pub, d).ok());
  EXPECT_TRUE(is_data_commitment_file(pub));
  EXPECT_TRUE(is_data_blinds_file(prover_file_path(pub)));
  EXPECT_EQ(bytes_of(pub), encode_data_commitment(d.commitment));
  auto pub_back = read_data_commitment(pub);
  ASSERT_TRUE(pub_back.ok()) << pub_back.error().to_string();
  EXPECT_EQ(encode_data_commitment(pub_back.value()), bytes_of(pub));
  auto back = read_data_prover_commitment(pub);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(data_digest(back->commitment), data_digest(d.commitment));
  EXPECT_EQ(back->content, d.content);
  EXPECT_EQ(back->token_blinds, d.token_blinds);
  EXPECT_EQ(back->target_blinds, d.target_blinds);

  // Another commitment's public file beside these blinds: refused.
  const DataProverCommitment other = some_data();
  put(pub, encode_data_commitment(other.commitment));
  const auto mismatch = read_data_prover_commitment(pub);
  EXPECT_EQ(mismatch.code(), ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(mismatch.error().message.find("belongs to another public data commitment"), std::string::npos);
  // A truncated public file: a clear error naming it, never a crash, before the prover file is looked at.
  std::vector<uint8_t> cut = encode_data_commitment(other.commitment);
  cut.resize(cut.size() - 7);
  put(pub, cut);
  const auto truncated = read_data_prover_commitment(pub);
  EXPECT_EQ(truncated.code(), ErrorCode::TRUNCATED_PROOF);
  EXPECT_TRUE(truncated.error().message.starts_with(pub.string())) << truncated.error().message;

  ASSERT_TRUE(write_data_commitment(pub, d).ok());
  bad_prover_files_refused(pub, [](const fs::path& p) -> Status {
    auto r = read_data_prover_commitment(p);
    if (!r) return r.error();
    return {};
  });
}

// The prover's file is written first: when it cannot be, the public file is not written either.
TEST(CommitmentFiles, NoPublicFileWithoutItsProverFile) {
  const test::TempDir dir;
  const fs::path pub = dir / "data.bin";
  fs::create_directories(prover_file_path(pub) / "in-the-way");
  EXPECT_EQ(write_data_commitment(pub, some_data()).code(), ErrorCode::IO);
  EXPECT_FALSE(fs::exists(pub));
  const SomeWeights w = some_weights();
  EXPECT_EQ(write_weight_commitment(dir / "data.bin", w.file, w.with_blinds).code(), ErrorCode::IO);
  EXPECT_FALSE(fs::exists(pub));
}

}  // namespace
}  // namespace zklora
