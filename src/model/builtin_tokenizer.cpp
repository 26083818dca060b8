// The SentencePiece tokenizer of generated checkpoints, trained on the built-in corpus (init_model.h says which
// ids it uses and why it is reproducible). Training runs in memory: the corpus is fed through a sentence
// iterator and the model comes back serialized, so no file but tokenizer.model is ever written.
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "zklora/model/corpus.h"
#include "zklora/model/init_model.h"

namespace zklora {
namespace {

class LineIterator : public sentencepiece::SentenceIterator {
 public:
  explicit LineIterator(const std::string& text) {
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      if (end > start) lines_.push_back(text.substr(start, end - start));
      start = end + 1;
    }
  }
  bool done() const override { return next_ >= lines_.size(); }
  void Next() override { ++next_; }
  const std::string& value() const override { return lines_[next_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  std::vector<std::string> lines_;
  size_t next_ = 0;
};

}  // namespace

Result<std::string> train_builtin_tokenizer(const ModelConfig& m) {
  const int64_t size = std::min(m.vocab_size, kBuiltinTokenizerMaxVocab);
  if (size < kBuiltinTokenizerMinVocab) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "vocab_size " + std::to_string(m.vocab_size) +
                                                       " is below the built-in tokenizer's minimum of " +
                                                       std::to_string(kBuiltinTokenizerMinVocab) + " pieces");
  }
  if (m.bos_token_id == m.eos_token_id) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "bos_token_id and eos_token_id are both " +
                                                       std::to_string(m.bos_token_id) +
                                                       "; a SentencePiece tokenizer needs distinct ids");
  }
  std::set<int64_t> used = {m.bos_token_id, m.eos_token_id};
  const bool has_pad = !used.count(m.pad_token_id);
  if (has_pad) used.insert(m.pad_token_id);
  int64_t unk = 0;
  while (used.count(unk)) ++unk;
  for (const int64_t id : used) {
    if (id >= size) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "special token id " + std::to_string(id) +
                                                         " does not fit the built-in tokenizer's " +
                                                         std::to_string(size) + " pieces");
    }
  }

  const std::unordered_map<std::string, std::string> args = {
      {"model_type", "bpe"},
      {"vocab_size", std::to_string(size)},
      {"character_coverage", "1.0"},
      {"byte_fallback", "false"},
      {"normalization_rule_name", "identity"},
      {"remove_extra_whitespaces", "false"},
      {"add_dummy_prefix", "true"},
      {"split_digits", "true"},
      {"unk_id", std::to_string(unk)},
      {"bos_id", std::to_string(m.bos_token_id)},
      {"eos_id", std::to_string(m.eos_token_id)},
      {"pad_id", has_pad ? std::to_string(m.pad_token_id) : "-1"},
      {"num_threads", "1"},
      {"input_sentence_size", "0"},
      {"shuffle_input_sentence", "false"},
      {"minloglevel", "2"},
  };
  LineIterator lines(builtin_corpus());
  std::string model;
  const sentencepiece::util::Status s = sentencepiece::SentencePieceTrainer::Train(args, &lines, &model);
  if (!s.ok()) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "training the built-in tokenizer failed: " + s.ToString());
  }
  return model;
}

}  // namespace zklora
