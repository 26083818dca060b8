// statement.json of a proven run (run_statement.h).
#include "zklora/io/run_statement.h"

#include <nlohmann/json.hpp>

#include <cstdio>

#include "zklora/model/checkpoint.h"
#include "zklora/model/trainer.h"
#include "zklora/transcript/transcript.h"

namespace zklora {
namespace {

const char* optimizer_name(OptimizerKind k) { return k == OptimizerKind::SGD ? "sgd" : "adamw"; }

nlohmann::json model_json(const ModelConfig& m) {
  return {{"vocab_size", m.vocab_size},       {"hidden_size", m.d_model},
          {"num_hidden_layers", m.n_layers},  {"num_attention_heads", m.n_heads},
          {"num_key_value_heads", m.n_kv_heads}, {"intermediate_size", m.d_ffn},
          {"max_position_embeddings", m.max_seq}, {"rope_theta", m.rope_theta},
          {"rms_norm_eps", m.rms_eps},        {"tie_word_embeddings", m.tie_embeddings},
          {"bos_token_id", m.bos_token_id},   {"eos_token_id", m.eos_token_id},
          {"pad_token_id", m.pad_token_id}};
}


// Typed reads of a JSON member: nlohmann's get<> converts between number types (a real into an integer field,
// undefined behaviour when it does not fit), so every type is checked first.
struct Field {
  const nlohmann::json& j;
  const char* key;
  const nlohmann::json& at() const {
    if (!j.is_object() || !j.contains(key)) throw nlohmann::json::other_error::create(501, std::string("no \"") + key + "\"", &j);
    return j.at(key);
  }
  void need(bool ok, const char* what) const {
    if (!ok) throw nlohmann::json::other_error::create(502, std::string("\"") + key + "\" is not " + what, &j);
  }
  int64_t i64() const {
    need(at().is_number_integer() && !(at().is_number_unsigned() && at().get<uint64_t>() > INT64_MAX), "an integer");
    return at().get<int64_t>();
  }
  uint64_t u64() const {
    need(at().is_number_unsigned() || (at().is_number_integer() && at().get<int64_t>() >= 0), "a non-negative integer");
    return at().get<uint64_t>();
  }
  double real() const {
    need(at().is_number(), "a number");
    return at().get<double>();
  }
  bool boolean() const {
    need(at().is_boolean(), "true or false");
    return at().get<bool>();
  }
  std::string text() const {
    need(at().is_string(), "a string");
    return at().get<std::string>();
  }
};

}  // namespace

std::string to_hex(const Digest& d) {
  std::string out;
  char buf[3];
  for (const uint8_t b : d) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    out += buf;
  }
  return out;
}

Result<Digest> digest_from_hex(const std::string& hex) {
  if (hex.size() != 64) return make_error(ErrorCode::INVALID_ARGUMENT, "a digest is 64 hex digits");
  Digest d;
  for (size_t i = 0; i < 32; ++i) {
    unsigned v = 0;
    for (size_t k = 0; k < 2; ++k) {
      const char c = hex[2 * i + k];
      const int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (x < 0) return make_error(ErrorCode::INVALID_ARGUMENT, "a digest is 64 lower-case hex digits");
      v = v * 16 + static_cast<unsigned>(x);
    }
    d[i] = static_cast<uint8_t>(v);
  }
  return d;
}


Digest file_digest(std::span<const uint8_t> bytes) {
  Transcript t("zklora-run-file");
  t.absorb_bytes("file", bytes);
  return t.digest();
}


// ---- statement.json -------------------------------------------------------------------------------------------

StepStatement RunStatement::step(int64_t t) const {
  StepStatement s;
  s.model = model;
  s.lora = lora;
  s.format_version = format_version;
  s.batch = batch;
  s.seq = seq;
  s.mode = StepMode::STEP;
  s.optimizer = optimizer;
  s.step_number = t;
  s.data_digest = data_digest;
  s.data_examples = data_examples;
  s.batch_indices = batch_indices(data_examples, batch, seed, t - 1);
  s.run = digest();
  return s;
}

std::string RunStatement::to_json() const {
  nlohmann::json targets = nlohmann::json::array();
  for (const Projection p : lora.targets) targets.push_back(projection_module(p));
  nlohmann::json j = {
      {"format", "zklora-run"},
      {"version", kRunStatementVersion},
      {"fixed_point_format", format_version},
      {"model", model_json(model)},
      {"model_content_hash", model_hash},
      {"lora", {{"rank", lora.rank}, {"alpha", lora.alpha}, {"targets", targets}}},
      {"optimizer",
       {{"kind", optimizer_name(optimizer.kind)},
        {"lr", optimizer.lr},
        {"momentum", optimizer.momentum},
        {"weight_decay", optimizer.weight_decay},
        {"beta1", optimizer.beta1},
        {"beta2", optimizer.beta2},
        {"eps", optimizer.eps},
        {"clip_norm", optimizer.clip_norm}}},
      {"batch", batch},
      {"seq", seq},
      {"steps", steps},
      {"seed", seed},
      {"zero_knowledge", zero_knowledge},
      {"weights_commitment", {{"file", kRunWeightsFile}, {"sha256", to_hex(weights_digest)}, {"checked", weights_checked}}},
      {"data_commitment", {{"file", kRunDataFile}, {"digest", to_hex(data_digest)}, {"examples", data_examples}}},
      {"initial_adapter", {{"file", kRunInitialFile}, {"sha256", to_hex(initial_digest)}}},
      {"unproven", unproven},
  };
  return j.dump(1) + "\n";
}

Result<RunStatement> RunStatement::from_json(const std::string& text, const std::string& where) {
  const auto bad = [&](const std::string& m) { return make_error(ErrorCode::INVALID_ARGUMENT, where + ": " + m); };
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("not JSON");
  try {
    if (!j.contains("format") || j.at("format") != "zklora-run") return bad("not a zklora run statement");
    if (Field{j, "version"}.u64() != kRunStatementVersion) return bad("unsupported run statement version");
    RunStatement s;
    s.format_version = static_cast<uint32_t>(Field{j, "fixed_point_format"}.u64());
    auto m = parse_model_config(j.at("model").dump(), where + " (model)");
    if (!m) return m.error();
    s.model = m.value();
    s.model_hash = Field{j, "model_content_hash"}.text();
    const auto& l = j.at("lora");
    s.lora.rank = Field{l, "rank"}.i64();
    s.lora.alpha = Field{l, "alpha"}.real();
    s.lora.targets.clear();
    for (const auto& t : l.at("targets")) {
      if (!t.is_string()) return bad("lora targets must be strings");
      auto p = parse_projection(t.get<std::string>());
      if (!p) return bad(p.error().message);
      s.lora.targets.push_back(p.value());
    }
    if (Status v = s.lora.validate(); !v) return bad(v.error().message);
    const auto& o = j.at("optimizer");
    auto kind = parse_optimizer(Field{o, "kind"}.text());
    if (!kind) return bad(kind.error().message);
    s.optimizer.kind = kind.value();
    s.optimizer.lr = Field{o, "lr"}.real();
    s.optimizer.momentum = Field{o, "momentum"}.real();
    s.optimizer.weight_decay = Field{o, "weight_decay"}.real();
    s.optimizer.beta1 = Field{o, "beta1"}.real();
    s.optimizer.beta2 = Field{o, "beta2"}.real();
    s.optimizer.eps = Field{o, "eps"}.real();
    s.optimizer.clip_norm = Field{o, "clip_norm"}.real();
    if (Status v = s.optimizer.validate(); !v) return bad(v.error().message);
    s.batch = Field{j, "batch"}.i64();
    s.seq = Field{j, "seq"}.i64();
    s.steps = Field{j, "steps"}.i64();
    s.seed = Field{j, "seed"}.u64();
    s.zero_knowledge = Field{j, "zero_knowledge"}.boolean();
    const auto& w = j.at("weights_commitment");
    auto wd = digest_from_hex(Field{w, "sha256"}.text());
    if (!wd) return bad("weights_commitment: " + wd.error().message);
    s.weights_digest = wd.value();
    s.weights_checked = Field{w, "checked"}.boolean();
    const auto& d = j.at("data_commitment");
    auto dd = digest_from_hex(Field{d, "digest"}.text());
    if (!dd) return bad("data_commitment: " + dd.error().message);
    s.data_digest = dd.value();
    s.data_examples = Field{d, "examples"}.i64();
    auto id = digest_from_hex(Field{j.at("initial_adapter"), "sha256"}.text());
    if (!id) return bad("initial_adapter: " + id.error().message);
    s.initial_digest = id.value();
    const nlohmann::json& unproven = j.at("unproven");
    if (!unproven.is_array()) return bad("\"unproven\" is not a list");
    for (const auto& u : unproven) {
      if (!u.is_string()) return bad("\"unproven\" holds a non-string");
      s.unproven.push_back(u.get<std::string>());
    }
    if (s.batch < 1 || s.seq < 2 || s.steps < 1 || s.steps > (int64_t{1} << 32) || s.data_examples < s.batch) {
      return bad("batch " + std::to_string(s.batch) + ", seq " + std::to_string(s.seq) + ", steps " +
                 std::to_string(s.steps) + " and " + std::to_string(s.data_examples) +
                 " examples do not make a run");
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    return bad(std::string("malformed: ") + e.what());
  }
}

Digest RunStatement::digest() const {
  Transcript t("zklora-run-statement");
  const std::string text = to_json();
  t.absorb_bytes("json", std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  return t.digest();
}


}  // namespace zklora
