// Deterministic random-weight checkpoints in Hugging Face's layout, for tests, the demo and shape-exact
// benchmarks of real model sizes (`zklora init-model`).
//
// A checkpoint directory gets config.json (LlamaConfig), tokenizer.model (SentencePiece) and the weights:
// model.safetensors, or, when the weights exceed max_shard_bytes, model-0000i-of-0000n.safetensors shards with
// model.safetensors.index.json as transformers writes them. Weights are written tensor by tensor in bounded
// chunks, so a 13B-shaped model never needs more than a few tens of MB of memory.
//
// Weights follow transformers' LlamaPreTrainedModel initialization: projections, embeddings and lm_head drawn
// from normal(0, initializer_range), the padding row of embed_tokens zero, RMSNorm weights 1. The normal
// deviates come from deterministic_rng.h (normal_fill keyed by the seed and the tensor name), so a seed gives
// byte-identical files on every machine and every thread count.
//
// initializer_range is transformers' 0.02 unless a config file or the caller sets another. A caveat for LoRA-only
// training of "tiny": with the base frozen at std 0.02 and RMSNorm weights 1, no logit of a d_model = 128 model
// exceeds about 0.02 * 128 = 2.6, which bounds the loss any adapter can reach (measured in float on the built-in
// corpus, 40 AdamW steps on all seven projections: an 8% drop at std 0.02, 60% at 1 / sqrt(d_model) = 0.088, and
// 37% when every weight trains at 0.02). The value used is written to config.json.
//
// Shapes: "tiny" (tiny_model_config(): about 1.1M parameters, grouped-query attention), "llama-2-7b" and
// "llama-2-13b" (the real shapes, stored as BF16), or the path of a config.json.
//
// Token ids: <unk> = 0, <s> = bos = 1, </s> = eos = 2, and a dedicated <pad> = 3 that never occurs in tokenized
// text (LLaMA's own tokenizer has no pad piece; using 0 = <unk> would confuse padding with unknown text). For a
// custom config.json, the tokenizer takes bos, eos and pad from it (pad only if it differs from both) and <unk>
// takes the lowest free id.
//
// The tokenizer is a SentencePiece BPE model trained by libsentencepiece_train on builtin_corpus() (corpus.h)
// with one thread and no sampling, so it is byte-identical across runs with the same libsentencepiece version
// (0.1.97 in Debian 12). Its vocabulary is min(vocab_size, 512) pieces: the built-in corpus has no more than that
// to teach, so the llama-2 shapes get the same 512-piece tokenizer and their ids 512 and above never occur in
// text. A vocabulary under 128, or special ids beyond the tokenizer's size, get no tokenizer.model (the report
// says why); such models train on JSONL token ids.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/model/checkpoint.h"
#include "zklora/model/config.h"

namespace zklora {

inline constexpr int64_t kBuiltinTokenizerMaxVocab = 512;
inline constexpr int64_t kBuiltinTokenizerMinVocab = 128;
// transformers' default initializer_range.
inline constexpr double kInitializerRange = 0.02;

// vocab 512, d_model 128, 4 layers, 4 heads, 2 KV heads, d_ffn 512, 256 positions, rope_theta 1e4,
// rms_norm_eps 1e-5, untied embeddings, bos 1, eos 2, pad 3.
ModelConfig tiny_model_config();

// The configuration named by a --shape argument: "tiny", "llama-2-7b", "llama-2-13b", or a config.json path.
Result<ModelConfig> model_shape(const std::string& shape);
// The standard deviation of the weights of a --shape: a config file's "initializer_range" when it has a positive
// one, else 0.02.
double shape_initializer_range(const std::string& shape);

// The tokenizer of a model of this configuration, as a serialized SentencePiece ModelProto (the bytes of
// tokenizer.model); INVALID_ARGUMENT with the reason when the configuration cannot have one (see above).
Result<std::string> train_builtin_tokenizer(const ModelConfig& m);

struct InitModelProgress {
  const char* phase;  // "tokenizer" or "weights"
  uint64_t done;      // bytes of tensor data written so far
  uint64_t total;
};

struct InitModelOptions {
  // Standard deviation of the random weights; by default shape_initializer_range(shape).
  std::optional<double> initializer_range;
  // Storage dtype; by default BF16 for the llama-2 shapes, a config file's "torch_dtype" when it is float32,
  // float16 or bfloat16, and F32 otherwise.
  std::optional<SafetensorsDtype> dtype;
  // Tensor data per file before a new shard starts (a single larger tensor gets a file of its own); 5 GB as in
  // transformers' save_pretrained.
  uint64_t max_shard_bytes = 5'000'000'000;
  int threads = 0;  // 0: the process default
  // Called from the calling thread after each chunk of weights.
  std::function<void(const InitModelProgress&)> progress;
  // When set and true (a signal handler may set it), the next chunk boundary stops the work, removes what was
  // written and returns an IO error saying so.
  const std::atomic<bool>* cancel = nullptr;
};

struct InitModelReport {
  ModelConfig config;
  SafetensorsDtype dtype = SafetensorsDtype::F32;
  double initializer_range = kInitializerRange;
  int64_t parameters = 0;
  uint64_t bytes = 0;              // all files written
  std::vector<std::string> files;  // names inside the output directory
  bool tokenizer = false;          // tokenizer.model was written
  std::string tokenizer_note;      // why not, when not
  double seconds = 0.0;
};

// Writes the checkpoint of `shape` with weights from `seed` into out_dir, which must not exist or be empty
// (an existing file or non-empty directory is an IO error: nothing is ever overwritten). Everything is written
// into a temporary directory beside out_dir and moved into place at the end, so a failure leaves nothing.
Result<InitModelReport> init_model(const std::string& shape, uint64_t seed, const std::filesystem::path& out_dir,
                                   const InitModelOptions& options = {});

}  // namespace zklora
