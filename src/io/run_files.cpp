// The files of a proven run (run_files.h).
#include "zklora/io/run_files.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>

#include "zklora/fixed/format.h"
#include "zklora/model/checkpoint.h"
#include "zklora/pcs/codec.h"
#include "zklora/pcs/hyrax.h"
#include "zklora/poly/shape.h"
#include "zklora/model/trainer.h"
#include "zklora/transcript/transcript.h"

namespace zklora {
namespace {

constexpr char kSetMagic[8] = {'Z', 'K', 'L', 'C', 'S', 'E', 'T', '1'};
constexpr char kOpeningMagic[8] = {'Z', 'K', 'L', 'O', 'P', 'E', 'N', '1'};
constexpr char kStepMagic[8] = {'Z', 'K', 'L', 'S', 'T', 'E', 'P', '1'};
constexpr uint32_t kFileVersion = 1;
// Bounds a reader checks before it allocates (a hostile file cannot make it reserve more).
constexpr uint32_t kMaxDims = 8;

void write_magic(ByteWriter& w, const char (&magic)[8]) {
  for (const char ch : magic) w.u8(static_cast<uint8_t>(ch));
}

Status read_header(ByteReader& r, const char (&magic)[8], const std::string& where, const char* what) {
  auto m = r.raw(8, "magic");
  if (!m || std::memcmp(m->data(), magic, 8) != 0) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": not a zklora " + what + " (bad magic)");
  }
  auto v = r.u32("version");
  if (!v) return Error{v.code(), where + ": " + v.error().message};
  if (v.value() != kFileVersion) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": unsupported " + std::string(what) + " version " +
                                                       std::to_string(v.value()));
  }
  return {};
}

Error at(const std::string& where, const Error& e) { return Error{e.code, where + ": " + e.message}; }

Result<Digest> read_digest(ByteReader& r, const char* what) {
  auto b = r.raw(32, what);
  if (!b) return b.error();
  Digest d;
  std::copy(b->begin(), b->end(), d.begin());
  return d;
}

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

std::string step_file_name(int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "step-%06lld.proof", static_cast<long long>(step));
  return buf;
}

std::string state_file_name(int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "state-%06lld.bin", static_cast<long long>(step));
  return buf;
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
    if (j.at("format") != "zklora-run") return bad("not a zklora run statement");
    if (j.at("version").get<uint32_t>() != kRunStatementVersion) return bad("unsupported run statement version");
    RunStatement s;
    s.format_version = j.at("fixed_point_format").get<uint32_t>();
    auto m = parse_model_config(j.at("model").dump(), where + " (model)");
    if (!m) return m.error();
    s.model = m.value();
    s.model_hash = j.at("model_content_hash").get<std::string>();
    const auto& l = j.at("lora");
    s.lora.rank = l.at("rank").get<int64_t>();
    s.lora.alpha = l.at("alpha").get<double>();
    s.lora.targets.clear();
    for (const auto& t : l.at("targets")) {
      auto p = parse_projection(t.get<std::string>());
      if (!p) return bad(p.error().message);
      s.lora.targets.push_back(p.value());
    }
    if (Status v = s.lora.validate(); !v) return bad(v.error().message);
    const auto& o = j.at("optimizer");
    auto kind = parse_optimizer(o.at("kind").get<std::string>());
    if (!kind) return bad(kind.error().message);
    s.optimizer.kind = kind.value();
    s.optimizer.lr = o.at("lr").get<double>();
    s.optimizer.momentum = o.at("momentum").get<double>();
    s.optimizer.weight_decay = o.at("weight_decay").get<double>();
    s.optimizer.beta1 = o.at("beta1").get<double>();
    s.optimizer.beta2 = o.at("beta2").get<double>();
    s.optimizer.eps = o.at("eps").get<double>();
    s.optimizer.clip_norm = o.at("clip_norm").get<double>();
    if (Status v = s.optimizer.validate(); !v) return bad(v.error().message);
    s.batch = j.at("batch").get<int64_t>();
    s.seq = j.at("seq").get<int64_t>();
    s.steps = j.at("steps").get<int64_t>();
    s.seed = j.at("seed").get<uint64_t>();
    s.zero_knowledge = j.at("zero_knowledge").get<bool>();
    const auto& w = j.at("weights_commitment");
    auto wd = digest_from_hex(w.at("sha256").get<std::string>());
    if (!wd) return bad("weights_commitment: " + wd.error().message);
    s.weights_digest = wd.value();
    s.weights_checked = w.at("checked").get<bool>();
    const auto& d = j.at("data_commitment");
    auto dd = digest_from_hex(d.at("digest").get<std::string>());
    if (!dd) return bad("data_commitment: " + dd.error().message);
    s.data_digest = dd.value();
    s.data_examples = d.at("examples").get<int64_t>();
    auto id = digest_from_hex(j.at("initial_adapter").at("sha256").get<std::string>());
    if (!id) return bad("initial_adapter: " + id.error().message);
    s.initial_digest = id.value();
    s.unproven = j.at("unproven").get<std::vector<std::string>>();
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

// ---- commitment sets ------------------------------------------------------------------------------------------

std::vector<uint8_t> encode_commitment_set(const PublicCommitments& c) {
  ByteWriter w;
  write_magic(w, kSetMagic);
  w.u32(kFileVersion);
  w.u32(static_cast<uint32_t>(c.size()));
  for (const auto& [name, x] : c) {
    w.str(name);
    x.write(w);
  }
  return w.take();
}

namespace {

Result<PublicCommitments> read_named_commitments(ByteReader& r, uint32_t count, const std::string& where,
                                                 int threads) {
  PublicCommitments out;
  for (uint32_t i = 0; i < count; ++i) {
    auto name = r.str("commitment name");
    if (!name) return at(where, name.error());
    auto c = HyraxCommitment::read(r, threads);
    if (!c) return at(where, Error{c.code(), name.value() + ": " + c.error().message});
    if (!out.emplace(name.value(), std::move(c.value())).second) {
      return make_error(ErrorCode::INVALID_ARGUMENT, where + ": " + name.value() + " twice");
    }
  }
  return out;
}

}  // namespace

Result<PublicCommitments> decode_commitment_set(std::span<const uint8_t> bytes, const std::string& where,
                                                int threads) {
  ByteReader r(bytes);
  if (Status s = read_header(r, kSetMagic, where, "commitment set"); !s) return s.error();
  auto count = r.u32("count");
  if (!count) return at(where, count.error());
  if (count.value() > r.remaining() / 6) return make_error(ErrorCode::BAD_LENGTH, where + ": count too large");
  auto out = read_named_commitments(r, count.value(), where, threads);
  if (!out) return out.error();
  if (Status s = r.finish(); !s) return at(where, s.error());
  return out;
}

Digest commitments_digest(const PublicCommitments& c) {
  Transcript t("zklora-commitments");
  t.absorb_u64("count", c.size());
  for (const auto& [name, x] : c) {
    t.absorb_bytes("name", std::span(reinterpret_cast<const uint8_t*>(name.data()), name.size()));
    t.absorb_bytes("commitment", x.digest());
  }
  return t.digest();
}

// ---- openings -------------------------------------------------------------------------------------------------

std::vector<uint8_t> encode_opening(const TensorOpening& o) {
  ByteWriter w;
  write_magic(w, kOpeningMagic);
  w.u32(kFileVersion);
  w.u64(static_cast<uint64_t>(o.step));
  w.u32(static_cast<uint32_t>(o.tensors.size()));
  for (const auto& [name, t] : o.tensors) {
    w.str(name);
    w.u32(static_cast<uint32_t>(t.dims.size()));
    for (const uint64_t d : t.dims) w.u64(d);
    for (const int64_t x : t.data) w.u64(static_cast<uint64_t>(x));
    w.u64(t.blinds.size());
    w.frs(t.blinds);
  }
  return w.take();
}

Result<TensorOpening> decode_opening(std::span<const uint8_t> bytes, const std::string& where) {
  ByteReader r(bytes);
  if (Status s = read_header(r, kOpeningMagic, where, "opening"); !s) return s.error();
  TensorOpening o;
  auto step = r.u64("step");
  if (!step) return at(where, step.error());
  if (step.value() > (uint64_t{1} << 32)) return make_error(ErrorCode::INVALID_ARGUMENT, where + ": step number");
  o.step = static_cast<int64_t>(step.value());
  auto count = r.u32("count");
  if (!count) return at(where, count.error());
  if (count.value() > r.remaining() / 4) return make_error(ErrorCode::BAD_LENGTH, where + ": count too large");
  for (uint32_t i = 0; i < count.value(); ++i) {
    auto name = r.str("tensor name");
    if (!name) return at(where, name.error());
    OpenedTensor t;
    auto nd = r.u32("dimensions");
    if (!nd) return at(where, nd.error());
    if (nd.value() == 0 || nd.value() > kMaxDims) {
      return make_error(ErrorCode::INVALID_ARGUMENT, where + ": " + name.value() + ": bad number of dimensions");
    }
    uint64_t numel = 1;
    for (uint32_t k = 0; k < nd.value(); ++k) {
      auto d = r.u64("dimension");
      if (!d) return at(where, d.error());
      if (d.value() == 0 || d.value() > r.remaining() || numel > r.remaining() / d.value()) {
        return make_error(ErrorCode::BAD_LENGTH, where + ": " + name.value() + ": dimensions larger than the file");
      }
      numel *= d.value();
      t.dims.push_back(d.value());
    }
    if (Status s = r.need_items(numel, 8, "entries"); !s) return at(where, s.error());
    t.data.resize(numel);
    for (int64_t& x : t.data) x = static_cast<int64_t>(r.u64("entry").value());
    auto rows = r.u64("blind count");
    if (!rows) return at(where, rows.error());
    auto blinds = r.frs(rows.value(), "blinds");
    if (!blinds) return at(where, blinds.error());
    t.blinds = std::move(blinds.value());
    if (!o.tensors.emplace(name.value(), std::move(t)).second) {
      return make_error(ErrorCode::INVALID_ARGUMENT, where + ": " + name.value() + " twice");
    }
  }
  if (Status s = r.finish(); !s) return at(where, s.error());
  return o;
}

namespace {

HyraxParams opening_params(const OpenedTensor& t) {
  return HyraxParams::balanced(PaddedShape(t.dims).num_vars());
}

}  // namespace

Result<PublicCommitments> opening_commitments(const TensorOpening& o, int threads) {
  PublicCommitments out;
  for (const auto& [name, t] : o.tensors) {
    const PaddedShape shape(t.dims);
    const HyraxParams params = opening_params(t);
    if (t.blinds.size() != params.rows()) {
      return make_error(ErrorCode::INVALID_ARGUMENT, name + ": " + std::to_string(t.blinds.size()) +
                                                         " blinds for a commitment of " +
                                                         std::to_string(params.rows()) + " rows");
    }
    const std::vector<int64_t> padded = shape.pad(std::span<const int64_t>(t.data));
    out.emplace(name, hyrax_commit_with_blinds(TableView(padded), params, t.blinds, 0, threads));
  }
  return out;
}

Result<ProverCommitments> opening_prover_commitments(const TensorOpening& o, int threads) {
  auto pub = opening_commitments(o, threads);
  if (!pub) return pub.error();
  ProverCommitments out;
  for (auto& [name, c] : pub.value()) {
    out.emplace(name, HyraxCommitted{std::move(c), HyraxProverData{o.tensors.at(name).blinds}});
  }
  return out;
}

TensorOpening opening_of(int64_t step, const AdapterTensors& adapter, const OptimizerState* state,
                         const ProverCommitments& commitments) {
  TensorOpening o;
  o.step = step;
  const auto put = [&](const std::string& name, const ITensor& x) {
    OpenedTensor t;
    for (const int64_t d : x.shape) t.dims.push_back(static_cast<uint64_t>(d));
    t.data = x.data;
    t.blinds = commitments.at(name).data.row_blinds;
    o.tensors.emplace(name, std::move(t));
  };
  for (int64_t l = 0; l < adapter.n_layers; ++l) {
    for (const Projection p : kAllProjections) {
      if (adapter.a_of(l, p).numel() == 0) continue;
      for (const bool is_a : {true, false}) {
        const std::string n = adapter_tensor_name(l, p, is_a);
        const auto pick = [&](const AdapterTensors& a) -> const ITensor& { return is_a ? a.a_of(l, p) : a.b_of(l, p); };
        put(n, pick(adapter));
        if (state == nullptr) continue;
        if (commitments.count("optimizer.m." + n)) put("optimizer.m." + n, pick(state->m));
        if (commitments.count("optimizer.v." + n)) put("optimizer.v." + n, pick(state->v));
      }
    }
  }
  return o;
}

namespace {

Status take_tensor(const TensorOpening& o, const std::string& name, ITensor& into) {
  const auto it = o.tensors.find(name);
  if (it == o.tensors.end()) return make_error(ErrorCode::INVALID_ARGUMENT, "the opening lacks " + name);
  std::vector<int64_t> shape;
  for (const uint64_t d : it->second.dims) shape.push_back(static_cast<int64_t>(d));
  if (shape != into.shape) {
    return make_error(ErrorCode::INVALID_ARGUMENT, name + " has the shape " + shape_string(shape) + ", not " +
                                                       shape_string(into.shape));
  }
  into.data = it->second.data;
  return {};
}

}  // namespace

Result<AdapterTensors> adapter_of(const TensorOpening& o, const ModelConfig& model, const LoraConfig& lora) {
  AdapterTensors a = init_adapter(model, lora, 0);
  size_t used = 0;
  for (int64_t l = 0; l < model.n_layers; ++l) {
    for (const Projection p : lora.targets) {
      if (Status s = take_tensor(o, adapter_tensor_name(l, p, true), a.a_of(l, p)); !s) return s.error();
      if (Status s = take_tensor(o, adapter_tensor_name(l, p, false), a.b_of(l, p)); !s) return s.error();
      used += 2;
    }
  }
  size_t adapters = 0;
  for (const auto& [name, t] : o.tensors) adapters += name.starts_with("adapter.");
  if (adapters != used) return make_error(ErrorCode::INVALID_ARGUMENT, "the opening holds other adapter tensors");
  return a;
}

Result<OptimizerState> optimizer_state_of(const TensorOpening& o, const AdapterTensors& layout,
                                          const OptimizerConfig& config) {
  OptimizerState st = OptimizerState::zeros_for(layout, config);
  st.step = o.step;
  for (int64_t l = 0; l < layout.n_layers; ++l) {
    for (const Projection p : kAllProjections) {
      if (layout.a_of(l, p).numel() == 0) continue;
      for (const bool is_a : {true, false}) {
        const std::string n = adapter_tensor_name(l, p, is_a);
        for (const auto& [prefix, into] : {std::pair{"optimizer.m.", &st.m}, std::pair{"optimizer.v.", &st.v}}) {
          if (!o.tensors.count(prefix + n)) continue;
          ITensor& t = is_a ? into->a_of(l, p) : into->b_of(l, p);
          if (Status s = take_tensor(o, prefix + n, t); !s) return s.error();
        }
      }
    }
  }
  return st;
}

// ---- step files -----------------------------------------------------------------------------------------------

std::vector<uint8_t> StepFile::to_bytes() const {
  ByteWriter w;
  write_magic(w, kStepMagic);
  w.u32(kFileVersion);
  w.raw(run);
  w.u64(static_cast<uint64_t>(step));
  w.u64(indices.size());
  for (const int64_t i : indices) w.u64(static_cast<uint64_t>(i));
  w.u64(static_cast<uint64_t>(loss_sum));
  w.u64(static_cast<uint64_t>(count));
  w.raw(input);
  w.u32(static_cast<uint32_t>(outputs.size()));
  for (const auto& [name, c] : outputs) {
    w.str(name);
    c.write(w);
  }
  w.u64(proof.size());
  w.raw(proof);
  return w.take();
}

Result<StepFile> StepFile::from_bytes(std::span<const uint8_t> bytes, const std::string& where, int threads) {
  ByteReader r(bytes);
  if (Status s = read_header(r, kStepMagic, where, "step proof"); !s) return s.error();
  StepFile f;
  auto run = read_digest(r, "run digest");
  if (!run) return at(where, run.error());
  f.run = run.value();
  auto step = r.u64("step");
  if (!step) return at(where, step.error());
  if (step.value() == 0 || step.value() > (uint64_t{1} << 32)) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": step number " + std::to_string(step.value()));
  }
  f.step = static_cast<int64_t>(step.value());
  auto batch = r.u64("batch");
  if (!batch) return at(where, batch.error());
  if (Status s = r.need_items(batch.value(), 8, "batch indices"); !s) return at(where, s.error());
  for (uint64_t i = 0; i < batch.value(); ++i) {
    const uint64_t x = r.u64("batch index").value();
    if (x > (uint64_t{1} << 40)) return make_error(ErrorCode::INVALID_ARGUMENT, where + ": batch index too large");
    f.indices.push_back(static_cast<int64_t>(x));
  }
  auto loss = r.u64("loss sum");
  if (!loss) return at(where, loss.error());
  f.loss_sum = static_cast<int64_t>(loss.value());
  auto count = r.u64("count");
  if (!count) return at(where, count.error());
  if (count.value() > (uint64_t{1} << 40)) return make_error(ErrorCode::INVALID_ARGUMENT, where + ": count too large");
  f.count = static_cast<int64_t>(count.value());
  auto input = read_digest(r, "input digest");
  if (!input) return at(where, input.error());
  f.input = input.value();
  auto outputs = r.u32("output count");
  if (!outputs) return at(where, outputs.error());
  if (outputs.value() > r.remaining() / 6) return make_error(ErrorCode::BAD_LENGTH, where + ": output count too large");
  auto outs = read_named_commitments(r, outputs.value(), where, threads);
  if (!outs) return outs.error();
  f.outputs = std::move(outs.value());
  auto len = r.u64("proof length");
  if (!len) return at(where, len.error());
  if (len.value() != r.remaining()) {
    return make_error(ErrorCode::BAD_LENGTH, where + ": the proof's length says " + std::to_string(len.value()) +
                                                 " bytes, the file holds " + std::to_string(r.remaining()));
  }
  auto proof = r.raw(static_cast<size_t>(len.value()), "proof");
  if (!proof) return at(where, proof.error());
  f.proof.assign(proof->begin(), proof->end());
  return f;
}

}  // namespace zklora
