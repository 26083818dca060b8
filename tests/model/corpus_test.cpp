// The built-in corpus: reproducible, within its size budget, plain ASCII, and identical to the committed copies in
// data/ (corpus.txt, and corpus_sample.jsonl: its first lines tokenized by the tiny model's tokenizer).
#include "zklora/model/corpus.h"

#include <gtest/gtest.h>
#include <sentencepiece_processor.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>

#include "support/temp_dir.h"
#include "zklora/model/dataset.h"
#include "zklora/model/init_model.h"

namespace zklora {
namespace {

const std::filesystem::path kDataDir =
    std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "data";
constexpr size_t kSampleLines = 64;
constexpr const char* kRegenerate =
    "regenerate with: ZKLORA_UPDATE_GOLDEN=1 build/tests/zklora_model_tests --gtest_filter='Corpus.*'";

bool update_golden() {
  const char* v = std::getenv("ZKLORA_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

std::string sample_jsonl(const std::string& corpus, const std::string& tokenizer) {
  sentencepiece::SentencePieceProcessor sp;
  EXPECT_TRUE(sp.LoadFromSerializedProto(tokenizer).ok());
  std::istringstream in(corpus);
  std::string line, out;
  for (size_t i = 0; i < kSampleLines && std::getline(in, line); ++i) {
    out += "[" + std::to_string(tiny_model_config().bos_token_id);
    for (const int id : sp.EncodeAsIds(line)) out += ", " + std::to_string(id);
    out += "]\n";
  }
  return out;
}

TEST(Corpus, IsReproducibleAsciiWithinBudget) {
  const std::string c = builtin_corpus();
  EXPECT_EQ(c, builtin_corpus());
  EXPECT_GE(c.size(), 50'000u);
  EXPECT_LE(c.size(), 200'000u);
  ASSERT_EQ(c.back(), '\n');
  size_t lines = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    const char ch = c[i];
    ASSERT_TRUE(ch == '\n' || (ch >= 0x20 && ch < 0x7F)) << "byte " << i;
    if (ch == '\n') {
      ASSERT_TRUE(i > 0 && c[i - 1] != '\n') << "empty line before byte " << i;
      ++lines;
    }
  }
  EXPECT_GT(lines, 1000u);
  // Regular but not trivial: many distinct lines, each repeated template visible.
  std::set<std::string> distinct;
  std::istringstream in(c);
  for (std::string line; std::getline(in, line);) distinct.insert(line);
  EXPECT_GT(distinct.size(), lines / 3);
  EXPECT_NE(c.find("After Monday comes Tuesday."), std::string::npos);
}

TEST(Corpus, CommittedCopyMatchesGenerator) {
  const std::string c = builtin_corpus();
  if (update_golden()) test::write_file(kDataDir / "corpus.txt", c);
  EXPECT_TRUE(test::read_file(kDataDir / "corpus.txt") == c) << "data/corpus.txt is stale; " << kRegenerate;
}

TEST(Corpus, CommittedTokenizedSampleMatchesTokenizer) {
  const Result<std::string> tokenizer = train_builtin_tokenizer(tiny_model_config());
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.error().to_string();
  const std::string sample = sample_jsonl(builtin_corpus(), *tokenizer);
  if (update_golden()) test::write_file(kDataDir / "corpus_sample.jsonl", sample);
  EXPECT_TRUE(test::read_file(kDataDir / "corpus_sample.jsonl") == sample)
      << "data/corpus_sample.jsonl is stale; " << kRegenerate;

  // The same sequences as load_dataset gives for the text itself.
  test::TempDir dir;
  test::write_file(dir / "tokenizer.model", *tokenizer);
  std::istringstream in(builtin_corpus());
  std::string text, line;
  for (size_t i = 0; i < kSampleLines && std::getline(in, line); ++i) text += line + "\n";
  test::write_file(dir / "sample.txt", text);
  const auto from_text = load_dataset(dir / "sample.txt", dir / "tokenizer.model", tiny_model_config());
  const auto from_ids = load_dataset(kDataDir / "corpus_sample.jsonl", "", tiny_model_config());
  ASSERT_TRUE(from_text.ok()) << from_text.error().to_string();
  ASSERT_TRUE(from_ids.ok()) << from_ids.error().to_string();
  EXPECT_EQ(*from_text, *from_ids);
  EXPECT_EQ(from_ids->size(), kSampleLines);
}

}  // namespace
}  // namespace zklora
