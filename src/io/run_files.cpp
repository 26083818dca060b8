// The files of a proven run (run_files.h).
#include "zklora/io/run_files.h"

#include "file_codec.h"

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
constexpr uint32_t kFileVersion = 1;
// Bounds a reader checks before it allocates (a hostile file cannot make it reserve more).
constexpr uint32_t kMaxDims = 8;

using io::at;
using io::read_digest;
using io::write_magic;

Status read_header(ByteReader& r, const char (&magic)[8], const std::string& where, const char* what,
                   uint32_t version = kFileVersion) {
  return io::read_magic(r, magic, where, what, version);
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
  io::write_named_commitments(w, c);
  return w.take();
}


Result<PublicCommitments> decode_commitment_set(std::span<const uint8_t> bytes, const std::string& where,
                                                int threads) {
  ByteReader r(bytes);
  if (Status s = read_header(r, kSetMagic, where, "commitment set"); !s) return s.error();
  auto out = io::read_named_commitments(r, where, threads);
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

}  // namespace zklora
