// Training data: a text file tokenized with the model's tokenizer.model (SentencePiece), one example per
// non-empty line with BOS prepended, or a JSONL file with one JSON list of token ids per line (no tokenizer).
// Token ids are checked against the vocabulary; errors name the file and line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/model/config.h"

namespace zklora {

using TokenSequence = std::vector<int32_t>;

// A ".jsonl" file is read as token ids; any other file as text, tokenized with `tokenizer_model`.
Result<std::vector<TokenSequence>> load_dataset(const std::filesystem::path& file,
                                                const std::filesystem::path& tokenizer_model,
                                                const ModelConfig& model);

}  // namespace zklora
