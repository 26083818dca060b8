// Writing deterministic random-weight checkpoints (init_model.h): plan the files from the shapes, then stream
// every tensor through a SafetensorsWriter in chunks of kChunkBlocks normal blocks generated in parallel.
#include "zklora/model/init_model.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "zklora/base/threads.h"
#include "zklora/base/timer.h"
#include "zklora/model/deterministic_rng.h"
#include "zklora/model/safetensors.h"

namespace zklora {
namespace {

// Blocks of kNormalBlock values generated per chunk: 4M values, 16 MB of float32.
constexpr uint64_t kChunkBlocks = 64;

ModelConfig llama2_config(int64_t d_model, int64_t n_layers, int64_t n_heads, int64_t d_ffn) {
  ModelConfig m;
  m.vocab_size = 32000;
  m.d_model = d_model;
  m.n_layers = n_layers;
  m.n_heads = n_heads;
  m.n_kv_heads = n_heads;
  m.d_ffn = d_ffn;
  m.max_seq = 4096;
  m.rope_theta = 10000.0;
  m.rms_eps = 1e-5;
  m.tie_embeddings = false;
  m.bos_token_id = 1;
  m.eos_token_id = 2;
  m.pad_token_id = 3;
  return m;
}

const char* torch_dtype_name(SafetensorsDtype d) {
  switch (d) {
    case SafetensorsDtype::F32:
      return "float32";
    case SafetensorsDtype::F16:
      return "float16";
    case SafetensorsDtype::BF16:
      return "bfloat16";
  }
  return "float32";
}

// The "torch_dtype" of a config.json when it names one of the three float dtypes; float32 otherwise.
SafetensorsDtype config_file_dtype(const std::string& shape) {
  std::ifstream in(shape, std::ios::binary);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  const auto it = j.is_object() ? j.find("torch_dtype") : j.end();
  if (it != j.end() && *it == "bfloat16") return SafetensorsDtype::BF16;
  if (it != j.end() && *it == "float16") return SafetensorsDtype::F16;
  return SafetensorsDtype::F32;
}

struct Shard {
  std::string file;
  std::vector<size_t> tensors;  // indices into llama_tensors
};

// transformers' sharding: tensors in state_dict order, a new file when the next tensor would overflow this one.
std::vector<Shard> plan_shards(const std::vector<LlamaTensor>& tensors, uint64_t elem, uint64_t max_bytes) {
  std::vector<Shard> shards(1);
  uint64_t used = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    uint64_t bytes = elem;
    for (const int64_t d : tensors[i].shape) bytes *= static_cast<uint64_t>(d);
    if (!shards.back().tensors.empty() && used + bytes > max_bytes) {
      shards.emplace_back();
      used = 0;
    }
    shards.back().tensors.push_back(i);
    used += bytes;
  }
  if (shards.size() == 1) {
    shards[0].file = "model.safetensors";
  } else {
    char name[64];
    for (size_t s = 0; s < shards.size(); ++s) {
      std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", s + 1, shards.size());
      shards[s].file = name;
    }
  }
  return shards;
}

struct Streamer {
  uint64_t seed;
  double stddev;
  int threads;
  const ModelConfig& config;
  const std::function<void(const InitModelProgress&)>& progress;
  const std::atomic<bool>* cancel;
  uint64_t done = 0;
  uint64_t total = 0;
  uint64_t elem = 4;
  std::vector<float> buffer;

  // Fills [first, first + out.size()) of tensor t.
  void fill(const LlamaTensor& t, uint64_t first, std::span<float> out) {
    if (t.is_norm) {
      std::fill(out.begin(), out.end(), 1.0f);
      return;
    }
    const uint64_t n = out.size();
    const uint64_t blocks = (n + kNormalBlock - 1) / kNormalBlock;
    parallel_chunks(blocks, blocks, threads, [&](size_t b, size_t, size_t) {
      const uint64_t lo = b * kNormalBlock;
      const uint64_t hi = std::min<uint64_t>(n, lo + kNormalBlock);
      normal_fill(seed, t.name, first + lo, out.subspan(lo, hi - lo), stddev);
    });
    if (t.name == "model.embed_tokens.weight") {  // the padding row is zero, as nn.Embedding(padding_idx) leaves it
      const uint64_t row_lo = static_cast<uint64_t>(config.pad_token_id * config.d_model);
      const uint64_t row_hi = row_lo + static_cast<uint64_t>(config.d_model);
      for (uint64_t i = std::max(row_lo, first); i < std::min(row_hi, first + n); ++i) out[i - first] = 0.0f;
    }
  }

  Status write_tensor(const LlamaTensor& t, SafetensorsWriter& w) {
    uint64_t numel = 1;
    for (const int64_t d : t.shape) numel *= static_cast<uint64_t>(d);
    const uint64_t chunk = kChunkBlocks * kNormalBlock;
    for (uint64_t first = 0; first < numel; first += chunk) {
      if (cancel && cancel->load()) return make_error(ErrorCode::IO, "interrupted; nothing was written");
      const uint64_t n = std::min(chunk, numel - first);
      buffer.resize(n);
      fill(t, first, buffer);
      if (Status s = w.write(buffer); !s) return s;
      done += n * elem;
      if (progress) progress({"weights", done, total});
    }
    return {};
  }
};

Status write_bytes(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) return make_error(ErrorCode::IO, file.string() + ": cannot create");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return make_error(ErrorCode::IO, file.string() + ": write failed");
  return {};
}

Status write_checkpoint(const ModelConfig& config, uint64_t seed, const std::filesystem::path& dir,
                        const InitModelOptions& options, InitModelReport& report) {
  const SafetensorsDtype dtype = report.dtype;
  if (Status s = write_model_config(config, dir / "config.json", torch_dtype_name(dtype), report.initializer_range);
      !s) {
    return s;
  }
  report.files.push_back("config.json");

  if (options.progress) options.progress({"tokenizer", 0, 0});
  Result<std::string> tokenizer = train_builtin_tokenizer(config);
  if (tokenizer) {
    if (Status s = write_bytes(dir / "tokenizer.model", *tokenizer); !s) return s;
    report.files.push_back("tokenizer.model");
    report.tokenizer = true;
  } else {
    report.tokenizer_note = tokenizer.error().message;
  }

  const std::vector<LlamaTensor> tensors = llama_tensors(config);
  const uint64_t elem = safetensors_dtype_bytes(dtype);
  const std::vector<Shard> shards = plan_shards(tensors, elem, options.max_shard_bytes);
  Streamer streamer{.seed = seed,
                    .stddev = report.initializer_range,
                    .threads = options.threads,
                    .config = config,
                    .progress = options.progress,
                    .cancel = options.cancel,
                    .elem = elem,
                    .buffer = {}};
  for (const LlamaTensor& t : tensors) {
    uint64_t bytes = elem;
    for (const int64_t d : t.shape) bytes *= static_cast<uint64_t>(d);
    streamer.total += bytes;
  }
  nlohmann::json weight_map = nlohmann::json::object();
  for (const Shard& shard : shards) {
    std::vector<SafetensorsTensorSpec> specs;
    for (const size_t i : shard.tensors) {
      specs.push_back({tensors[i].name, tensors[i].shape});
      weight_map[tensors[i].name] = shard.file;
    }
    Result<SafetensorsWriter> writer =
        SafetensorsWriter::create(dir / shard.file, std::move(specs), dtype, {{"format", "pt"}});
    if (!writer) return writer.error();
    for (const size_t i : shard.tensors) {
      if (Status s = streamer.write_tensor(tensors[i], writer.value()); !s) return s;
    }
    if (Status s = writer.value().finish(); !s) return s;
    report.files.push_back(shard.file);
  }
  if (shards.size() > 1) {
    const nlohmann::json index = {{"metadata", {{"total_size", streamer.total}}}, {"weight_map", weight_map}};
    if (Status s = write_bytes(dir / "model.safetensors.index.json", index.dump(2) + "\n"); !s) return s;
    report.files.push_back("model.safetensors.index.json");
  }
  return {};
}

}  // namespace

ModelConfig tiny_model_config() {
  ModelConfig m = llama2_config(128, 4, 4, 512);  // the llama-2 conventions at a small size
  m.vocab_size = 512;
  m.n_kv_heads = 2;
  m.max_seq = 256;
  return m;
}

Result<ModelConfig> model_shape(const std::string& shape) {
  if (shape == "tiny") return tiny_model_config();
  if (shape == "llama-2-7b") return llama2_config(4096, 32, 32, 11008);
  if (shape == "llama-2-13b") return llama2_config(5120, 40, 40, 13824);
  std::error_code ec;
  if (std::filesystem::is_regular_file(shape, ec)) return read_model_config(shape);
  if (shape.find('/') != std::string::npos || shape.ends_with(".json")) {
    return make_error(ErrorCode::IO, shape + ": no such config file");
  }
  return make_error(ErrorCode::INVALID_ARGUMENT, "unknown shape '" + shape +
                                                     "' (tiny, llama-2-7b, llama-2-13b, or the path of a "
                                                     "config.json)");
}

double shape_initializer_range(const std::string& shape) {
  if (shape == "tiny" || shape == "llama-2-7b" || shape == "llama-2-13b") return kInitializerRange;
  std::ifstream in(shape, std::ios::binary);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  const auto it = j.is_object() ? j.find("initializer_range") : j.end();
  if (it != j.end() && it->is_number() && it->get<double>() > 0.0) return it->get<double>();
  return kInitializerRange;
}

Result<InitModelReport> init_model(const std::string& shape, uint64_t seed, const std::filesystem::path& out_dir,
                                   const InitModelOptions& options) {
  const Stopwatch clock;
  Result<ModelConfig> config = model_shape(shape);
  if (!config) return config.error();
  if (options.max_shard_bytes == 0) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "the maximum shard size must be positive");
  }
  const bool big = shape == "llama-2-7b" || shape == "llama-2-13b";
  InitModelReport report;
  report.config = *config;
  report.dtype = options.dtype.value_or(big               ? SafetensorsDtype::BF16
                                        : shape == "tiny" ? SafetensorsDtype::F32
                                                          : config_file_dtype(shape));
  report.initializer_range = options.initializer_range.value_or(shape_initializer_range(shape));
  if (!std::isfinite(report.initializer_range) || report.initializer_range <= 0.0 || report.initializer_range > 1.0) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "initializer_range must be in (0, 1], got " + std::to_string(report.initializer_range));
  }
  report.parameters = llama_parameter_count(*config);

  std::error_code ec;
  const std::filesystem::path out = std::filesystem::absolute(out_dir, ec);
  if (ec || out.filename().empty()) return make_error(ErrorCode::IO, out_dir.string() + ": not a usable path");
  if (std::filesystem::exists(out, ec)) {
    if (!std::filesystem::is_directory(out, ec)) {
      return make_error(ErrorCode::IO, out_dir.string() + ": exists and is not a directory");
    }
    if (!std::filesystem::is_empty(out, ec)) {
      return make_error(ErrorCode::IO, out_dir.string() + ": exists and is not empty (nothing is overwritten)");
    }
  }
  std::filesystem::create_directories(out.parent_path(), ec);
  if (ec) return make_error(ErrorCode::IO, out.parent_path().string() + ": cannot create: " + ec.message());
  const std::filesystem::path temp =
      out.parent_path() / ("." + out.filename().string() + ".partial-" + std::to_string(::getpid()));
  std::filesystem::remove_all(temp, ec);
  if (!std::filesystem::create_directory(temp, ec)) {
    return make_error(ErrorCode::IO, temp.string() + ": cannot create: " + ec.message());
  }

  Status s = write_checkpoint(*config, seed, temp, options, report);
  if (s) {
    // rename(2) replaces an empty directory and fails on a non-empty one, so nothing written meanwhile is lost.
    std::filesystem::rename(temp, out, ec);
    if (ec) {
      s = make_error(ErrorCode::IO, out_dir.string() + ": cannot move the checkpoint into place: " + ec.message());
    }
  }
  if (!s) {
    std::filesystem::remove_all(temp, ec);
    return s.error();
  }
  for (const std::string& f : report.files) report.bytes += std::filesystem::file_size(out / f, ec);
  report.seconds = clock.seconds();
  return report;
}

}  // namespace zklora
