// A step's sub-proofs and its header (parts.h).
#include "zklora/step/parts.h"

#include <string>

#include "zklora/ops/operation.h"

namespace zklora {
namespace {

constexpr std::string_view kProtocol = "zklora-step";

uint64_t u(int64_t x) { return static_cast<uint64_t>(x); }

}  // namespace

std::string PartId::name() const {
  switch (kind) {
    case PartKind::EMBEDDING: return "embedding";
    case PartKind::LAYER: return "layer " + std::to_string(index);
    case PartKind::HEAD: return "head";
    case PartKind::UPDATE: return "update";
  }
  return "part " + std::to_string(static_cast<int>(kind));
}

uint64_t PartId::code() const { return uint64_t{static_cast<uint8_t>(kind)} << 32 | u(index); }

StepPlan step_plan(const StepStatement& s) {
  if (Status st = s.validate(); !st) throw ZkError(st.error());
  const ModelConfig& m = s.model;
  const std::vector<uint64_t> act{u(s.batch), u(s.seq), u(m.d_model)};
  StepPlan p;
  p.parts.push_back({PartKind::EMBEDDING, 0});
  for (int64_t l = 0; l < m.n_layers; ++l) p.parts.push_back({PartKind::LAYER, l});
  p.parts.push_back({PartKind::HEAD, 0});
  if (s.updates()) p.parts.push_back({PartKind::UPDATE, 0});

  for (int64_t l = 0; l <= m.n_layers; ++l) p.cuts.push_back({TensorKey::residual(l), act});
  if (s.has_loss()) p.cuts.push_back({TensorKey::of(TensorKind::ONE_HOT), {u(s.batch), u(s.seq), u(m.vocab_size)}});
  if (!s.updates()) return p;
  for (int64_t l = 1; l <= m.n_layers; ++l) p.cuts.push_back({TensorKey::residual_grad(l), act});
  const uint64_t r = u(s.lora.rank);
  for (int64_t l = 0; l < m.n_layers; ++l) {
    for (const Projection pr : s.lora.targets) {
      const auto [out, in] = projection_shape(m, pr);
      p.cuts.push_back({TensorKey::adapter(TensorKind::ADAPTER_GRAD, l, pr, true), {r, u(in)}});
      p.cuts.push_back({TensorKey::adapter(TensorKind::ADAPTER_GRAD, l, pr, false), {u(out), r}});
    }
  }
  return p;
}

double part_cost_estimate(const StepStatement& s, PartId part) {
  const ModelConfig& m = s.model;
  const double T = static_cast<double>(s.batch * s.seq);
  const double passes = s.updates() ? 3.0 : 1.0;  // a backward pass costs about twice the forward pass
  switch (part.kind) {
    case PartKind::EMBEDDING:
      return static_cast<double>(m.vocab_size) * (static_cast<double>(m.d_model) + 4 * T);
    case PartKind::LAYER: {
      double weights = 0;
      for (const Projection p : kAllProjections) {
        const auto [out, in] = projection_shape(m, p);
        weights += static_cast<double>(out) * static_cast<double>(in);
      }
      const double activations = 64 * T * static_cast<double>(m.d_model + m.d_ffn);
      const double attention = 8 * static_cast<double>(s.batch * m.n_heads) * static_cast<double>(s.seq * s.seq);
      return passes * (weights + activations + attention);
    }
    case PartKind::HEAD:
      return passes * static_cast<double>(m.vocab_size) * (static_cast<double>(m.d_model) + 64 * T);
    case PartKind::UPDATE: {
      double entries = 0;
      for (const Projection p : s.lora.targets) {
        const auto [out, in] = projection_shape(m, p);
        entries += static_cast<double>(s.lora.rank) * static_cast<double>(out + in);
      }
      return 64 * entries * static_cast<double>(m.n_layers);
    }
  }
  return 1;
}

Result<Transcript> step_transcript(const StepStatement& s, const StepPlan& plan,
                                   std::span<const NamedCommitment> header) {
  if (header.size() != plan.cuts.size()) {
    return make_error(ErrorCode::SUBPROOF_MISMATCH, "step header: " + std::to_string(header.size()) +
                                                       " cut commitments for a statement with " +
                                                       std::to_string(plan.cuts.size()));
  }
  Transcript t(kProtocol);
  s.absorb(t);
  t.absorb_u64("cuts", header.size());
  for (size_t i = 0; i < header.size(); ++i) {
    const CutSpec& c = plan.cuts[i];
    const std::string name = c.key.name();
    if (header[i].first != name) {
      return make_error(ErrorCode::SUBPROOF_MISMATCH, "step header: cut " + std::to_string(i) + " is " +
                                                         header[i].first + ", the statement's is " + name);
    }
    if (!(header[i].second.params() == HyraxParams::balanced(tensor_vars(c.dims)))) {
      return make_error(ErrorCode::HYRAX_SHAPE_MISMATCH, "step header: the commitment of " + name +
                                                             " does not have the tensor's shape");
    }
    hyrax_absorb(t, name, header[i].second);
  }
  return t;
}

Transcript part_transcript(const Transcript& step, PartId part) { return step.fork("part", part.code()); }

}  // namespace zklora
