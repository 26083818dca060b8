// Training data: JSONL token ids and text through the tokenizer, with errors that name the file and the line.
#include "zklora/model/dataset.h"

#include <gtest/gtest.h>
#include <sentencepiece_processor.h>

#include "support/temp_dir.h"
#include "zklora/model/init_model.h"

namespace zklora {
namespace {

std::string load_error(const std::filesystem::path& file, const std::filesystem::path& tokenizer,
                       const ModelConfig& m) {
  const auto r = load_dataset(file, tokenizer, m);
  if (r.ok()) return "";
  EXPECT_EQ(r.code(), ErrorCode::INVALID_ARGUMENT);
  return r.error().message;
}

TEST(Dataset, JsonlTokenIds) {
  test::TempDir dir;
  test::write_file(dir / "d.jsonl", "[1, 5, 7]\n\n   \n[1,511]\r\n[0]");
  const auto r = load_dataset(dir / "d.jsonl", "", tiny_model_config());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0], (TokenSequence{1, 5, 7}));
  EXPECT_EQ((*r)[1], (TokenSequence{1, 511}));
  EXPECT_EQ((*r)[2], (TokenSequence{0}));
}

TEST(Dataset, JsonlBadLinesNameFileAndLine) {
  test::TempDir dir;
  const ModelConfig m = tiny_model_config();
  const std::pair<const char*, const char*> cases[] = {
      {"[1, 2]\n[1, 512]\n", ":2: token id 512"},
      {"[1, 2]\n\n[1, -1]\n", ":3: token id -1"},
      {"[1, 2\n", ":1: not valid JSON"},
      {"[1, 2]\n{\"input_ids\": [1]}\n", ":2: expected a JSON list"},
      {"[1, 2.5]\n", ":1: token 1 is 2.5"},
      {"[1, \"a\"]\n", ":1: token 1 is \"a\""},
      {"[]\n", ":1: empty list"},
      {"\n\n", "no examples"},
  };
  for (const auto& [text, expect] : cases) {
    test::write_file(dir / "d.jsonl", text);
    const std::string e = load_error(dir / "d.jsonl", "", m);
    EXPECT_NE(e.find("d.jsonl"), std::string::npos) << e;
    EXPECT_NE(e.find(expect), std::string::npos) << "'" << expect << "' not in: " << e;
  }
}

TEST(Dataset, MissingFileIsIoError) {
  const auto r = load_dataset("/nonexistent/d.jsonl", "", tiny_model_config());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), ErrorCode::IO);
}

class TextDataset : public ::testing::Test {
 protected:
  void SetUp() override {
    const Result<std::string> t = train_builtin_tokenizer(tiny_model_config());
    ASSERT_TRUE(t.ok()) << t.error().to_string();
    test::write_file(dir_ / "tokenizer.model", *t);
    ASSERT_TRUE(sp_.LoadFromSerializedProto(*t).ok());
  }
  test::TempDir dir_;
  sentencepiece::SentencePieceProcessor sp_;
};

TEST_F(TextDataset, OneExamplePerNonEmptyLineWithBos) {
  test::write_file(dir_ / "d.txt",
                   "The small cat sees the red ball.\n\n  \t\nAfter Monday comes Tuesday.\r\nOne, two.");
  const auto r = load_dataset(dir_ / "d.txt", dir_ / "tokenizer.model", tiny_model_config());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 3u);
  const char* lines[] = {"The small cat sees the red ball.", "After Monday comes Tuesday.", "One, two."};
  for (size_t i = 0; i < 3; ++i) {
    std::vector<int> ids = sp_.EncodeAsIds(lines[i]);
    TokenSequence expect = {1};
    expect.insert(expect.end(), ids.begin(), ids.end());
    EXPECT_EQ((*r)[i], expect) << lines[i];
    EXPECT_EQ(sp_.DecodeIds(std::vector<int>((*r)[i].begin() + 1, (*r)[i].end())), lines[i]);
  }
  // Words of the corpus are whole pieces.
  EXPECT_LE((*r)[1].size(), 7u);
}

TEST_F(TextDataset, TokenizerLargerThanTheModel) {
  test::write_file(dir_ / "d.txt", "\nThe small cat sees the red ball.\n");
  ModelConfig small = tiny_model_config();
  small.vocab_size = 40;
  const std::string e = load_error(dir_ / "d.txt", dir_ / "tokenizer.model", small);
  EXPECT_NE(e.find("d.txt:2: the tokenizer produced id"), std::string::npos) << e;
}

TEST_F(TextDataset, TokenizerDisagreeingWithConfig) {
  test::write_file(dir_ / "d.txt", "The cat.\n");
  ModelConfig other = tiny_model_config();
  other.bos_token_id = 5;
  const std::string e = load_error(dir_ / "d.txt", dir_ / "tokenizer.model", other);
  EXPECT_NE(e.find("BOS id 1 differs from bos_token_id 5"), std::string::npos) << e;
}

TEST_F(TextDataset, UnreadableTokenizerIsIoError) {
  test::write_file(dir_ / "d.txt", "The cat.\n");
  test::write_file(dir_ / "broken.model", "not a model");
  for (const char* t : {"broken.model", "absent.model"}) {
    const auto r = load_dataset(dir_ / "d.txt", dir_ / t, tiny_model_config());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), ErrorCode::IO);
    EXPECT_NE(r.error().message.find(t), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace zklora
