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
// Version 2 of the step file records the channel mode of its proof.
constexpr uint32_t kStepFileVersion = 2;
// Bounds a reader checks before it allocates (a hostile file cannot make it reserve more).
constexpr uint32_t kMaxDims = 8;

void write_magic(ByteWriter& w, const char (&magic)[8]) {
  for (const char ch : magic) w.u8(static_cast<uint8_t>(ch));
}

Status read_header(ByteReader& r, const char (&magic)[8], const std::string& where, const char* what,
                   uint32_t version = kFileVersion) {
  auto m = r.raw(8, "magic");
  if (!m || std::memcmp(m->data(), magic, 8) != 0) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": not a zklora " + what + " (bad magic)");
  }
  auto v = r.u32("version");
  if (!v) return Error{v.code(), where + ": " + v.error().message};
  if (v.value() != version) {
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

}  // namespace

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
    // One encoding per set: names strictly increasing (the order the writer uses).
    if (!out.empty() && !(out.rbegin()->first < name.value())) {
      return make_error(ErrorCode::INVALID_ARGUMENT, where + ": " + name.value() + " out of order or twice");
    }
    out.emplace(name.value(), std::move(c.value()));
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
    if (!o.tensors.empty() && !(o.tensors.rbegin()->first < name.value())) {
      return make_error(ErrorCode::INVALID_ARGUMENT, where + ": " + name.value() + " out of order or twice");
    }
    o.tensors.emplace(name.value(), std::move(t));
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
  w.u32(kStepFileVersion);
  w.u8(static_cast<uint8_t>(mode));
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
  if (Status s = read_header(r, kStepMagic, where, "step proof", kStepFileVersion); !s) return s.error();
  StepFile f;
  auto mode = r.u8("channel mode");
  if (!mode) return at(where, mode.error());
  if (mode.value() > static_cast<uint8_t>(ChannelMode::ZERO_KNOWLEDGE)) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": unknown channel mode " + std::to_string(mode.value()));
  }
  f.mode = static_cast<ChannelMode>(mode.value());
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
