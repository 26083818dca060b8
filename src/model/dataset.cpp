// Loading training data (dataset.h): token ids from JSONL, or text through the model's SentencePiece tokenizer.
// Every example is checked against the model's vocabulary here, so the trainer never sees an id it cannot embed.
#include "zklora/model/dataset.h"

#include <sentencepiece_processor.h>

#include <fstream>
#include <nlohmann/json.hpp>

namespace zklora {
namespace {

Error at_line(const std::filesystem::path& file, size_t line, const std::string& what) {
  return make_error(ErrorCode::INVALID_ARGUMENT, file.string() + ":" + std::to_string(line) + ": " + what);
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n\v\f") == std::string::npos; }

Result<std::vector<TokenSequence>> load_jsonl(const std::filesystem::path& file, std::ifstream& in,
                                              const ModelConfig& model) {
  std::vector<TokenSequence> out;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (blank(line)) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      return at_line(file, number, std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_array())
      return at_line(file, number, "expected a JSON list of token ids, got " + std::string(j.type_name()));
    if (j.empty()) return at_line(file, number, "empty list of token ids");
    TokenSequence seq;
    seq.reserve(j.size());
    for (size_t k = 0; k < j.size(); ++k) {
      const nlohmann::json& v = j[k];
      if (!v.is_number_integer()) {
        return at_line(file, number, "token " + std::to_string(k) + " is " + v.dump() + ", not an integer id");
      }
      const int64_t id = v.get<int64_t>();
      if (id < 0 || id >= model.vocab_size) {
        return at_line(file, number,
                       "token id " + std::to_string(id) + " (position " + std::to_string(k) +
                           ") is outside the vocabulary [0, " + std::to_string(model.vocab_size) + ")");
      }
      seq.push_back(static_cast<int32_t>(id));
    }
    out.push_back(std::move(seq));
  }
  if (in.bad()) return make_error(ErrorCode::IO, file.string() + ": read failed");
  return out;
}

Result<std::vector<TokenSequence>> load_text(const std::filesystem::path& file, std::ifstream& in,
                                             const std::filesystem::path& tokenizer_model, const ModelConfig& model) {
  sentencepiece::SentencePieceProcessor sp;
  if (const auto s = sp.Load(tokenizer_model.string()); !s.ok()) {
    return make_error(ErrorCode::IO,
                      tokenizer_model.string() + ": cannot load the SentencePiece model: " + s.ToString());
  }
  if (sp.bos_id() >= 0 && sp.bos_id() != model.bos_token_id) {
    return make_error(ErrorCode::INVALID_ARGUMENT, tokenizer_model.string() + ": the tokenizer's BOS id " +
                                                       std::to_string(sp.bos_id()) + " differs from bos_token_id " +
                                                       std::to_string(model.bos_token_id) + " in config.json");
  }
  std::vector<TokenSequence> out;
  std::string line;
  size_t number = 0;
  std::vector<int> ids;
  while (std::getline(in, line)) {
    ++number;
    if (blank(line)) continue;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (const auto s = sp.Encode(line, &ids); !s.ok()) {
      return at_line(file, number, "cannot tokenize: " + s.ToString());
    }
    TokenSequence seq;
    seq.reserve(ids.size() + 1);
    seq.push_back(static_cast<int32_t>(model.bos_token_id));
    for (const int id : ids) {
      if (id < 0 || id >= model.vocab_size) {
        return at_line(file, number,
                       "the tokenizer produced id " + std::to_string(id) + ", outside the model's vocabulary [0, " +
                           std::to_string(model.vocab_size) + ")");
      }
      seq.push_back(static_cast<int32_t>(id));
    }
    out.push_back(std::move(seq));
  }
  if (in.bad()) return make_error(ErrorCode::IO, file.string() + ": read failed");
  return out;
}

}  // namespace

Result<std::vector<TokenSequence>> load_dataset(const std::filesystem::path& file,
                                                const std::filesystem::path& tokenizer_model,
                                                const ModelConfig& model) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(ErrorCode::IO, file.string() + ": cannot open");
  Result<std::vector<TokenSequence>> data =
      file.extension() == ".jsonl" ? load_jsonl(file, in, model) : load_text(file, in, tokenizer_model, model);
  if (data && data->empty()) return make_error(ErrorCode::INVALID_ARGUMENT, file.string() + ": no examples");
  return data;
}

}  // namespace zklora
