// The public statement of a step proof and its commitments (statement.h).
#include "zklora/step/statement.h"

#include <bit>
#include <string>

#include "zklora/fixed/format.h"

namespace zklora {
namespace {

uint64_t u(int64_t x) { return static_cast<uint64_t>(x); }

bool is_pow2(int64_t x) { return x > 0 && (x & (x - 1)) == 0; }

void absorb_f64(Transcript& t, std::string_view label, double x) { t.absorb_u64(label, std::bit_cast<uint64_t>(x)); }

// The bounds of MeanGradientOp's divisor.
constexpr int64_t kMaxCount = int64_t{1} << 40;

Status validate_update(const StepStatement& s) {
  const auto bad = [](const std::string& m) { return make_error(ErrorCode::INVALID_ARGUMENT, "statement: " + m); };
  if (Status st = s.optimizer.validate(); !st) return bad(st.error().message);
  if (s.step_number < 1 || s.step_number >= (int64_t{1} << 32)) {
    return bad("step number " + std::to_string(s.step_number) + " outside [1, 2^32)");
  }
  if (s.count < 1 || s.count > s.batch * s.seq || s.count >= kMaxCount) {
    return bad("number of targets " + std::to_string(s.count) + " outside [1, batch x seq]");
  }
  return {};
}

}  // namespace

bool StepStatement::has_first_moment() const {
  return updates() && (optimizer.kind == OptimizerKind::ADAMW || optimizer_integers(optimizer).mu != 0);
}

std::vector<std::string> StepStatement::unproven() const {
  std::vector<std::string> out;
  if (mode == StepMode::LINEAR_BACKBONE) out = {"rmsnorm", "rope", "attention", "swiglu", "cross-entropy"};
  return out;
}

Status StepStatement::validate() const {
  if (Status st = model.validate(); !st) return st;
  if (Status st = lora.validate(); !st) return st;
  if (format_version != kFixedFormatVersion) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "statement: fixed-point format version " +
                                                       std::to_string(format_version) + " is not supported");
  }
  if (batch < 1 || seq < 1 || seq > model.max_seq || batch > (int64_t{1} << 24) / seq) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "statement: bad batch shape (" + std::to_string(batch) + " x " +
                                                       std::to_string(seq) + ")");
  }
  if (mode != StepMode::FORWARD && mode != StepMode::LINEAR_BACKBONE && mode != StepMode::STEP) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "statement: unknown mode");
  }
  if (lora_scale_fixed(lora) == 0) return make_error(ErrorCode::INVALID_ARGUMENT, "statement: LoRA scale is zero");
  // Attention is proven over the index bits of heads and head dimensions (ops/attention): a head's width and the
  // number of query heads sharing a key head must be powers of two.
  if (!is_pow2(model.head_dim())) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "statement: proofs need a power-of-two head_dim, not " +
                                                       std::to_string(model.head_dim()));
  }
  if (!is_pow2(model.n_heads / model.n_kv_heads)) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "statement: proofs need a power-of-two number of query heads per key-value head, not " +
                          std::to_string(model.n_heads / model.n_kv_heads));
  }
  if (has_loss() && seq < 2) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "statement: the loss needs sequences of at least 2 tokens");
  }
  if (!has_loss() && loss_sum != 0) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "statement: a loss for a proof without one");
  }
  if (on_data()) {
    if (static_cast<int64_t>(batch_indices.size()) != batch) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "statement: " + std::to_string(batch_indices.size()) +
                                                         " batch indices for a batch of " + std::to_string(batch));
    }
    for (const int64_t i : batch_indices) {
      if (i < 0 || i >= data_examples) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "statement: batch index " + std::to_string(i) +
                                                           " outside the data set of " +
                                                           std::to_string(data_examples) + " examples");
      }
    }
  } else if (data_examples != 0) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "statement: a data set without batch indices");
  }
  if (updates()) return validate_update(*this);
  if (step_number != 0 || count != 0) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "statement: a step number or a count for a proof without update");
  }
  return {};
}

void StepStatement::absorb(Transcript& t) const {
  const ModelConfig& m = model;
  t.domain("step-statement");
  for (const int64_t v : {m.vocab_size, m.d_model, m.n_layers, m.n_heads, m.n_kv_heads, m.d_ffn, m.max_seq,
                          m.bos_token_id, m.eos_token_id, m.pad_token_id}) {
    t.absorb_u64("model", u(v));
  }
  t.absorb_u64("model-rope-theta", std::bit_cast<uint64_t>(m.rope_theta));
  t.absorb_u64("model-rms-eps", std::bit_cast<uint64_t>(m.rms_eps));
  t.absorb_u64("model-tied", m.tie_embeddings ? 1 : 0);
  t.absorb_u64("lora-rank", u(lora.rank));
  t.absorb_u64("lora-alpha", std::bit_cast<uint64_t>(lora.alpha));
  for (const Projection pr : lora.targets) t.absorb_u64("lora-target", static_cast<uint64_t>(pr));
  t.absorb_u64("format-version", format_version);
  t.absorb_u64("batch", u(batch));
  t.absorb_u64("seq", u(seq));
  t.absorb_u64("mode", static_cast<uint64_t>(mode));
  t.absorb_bytes("run", run);
  const std::vector<std::string> open = unproven();
  t.absorb_u64("unproven", open.size());
  for (const std::string& op : open) {
    t.absorb_bytes("unproven-op", std::span(reinterpret_cast<const uint8_t*>(op.data()), op.size()));
  }
  t.absorb_u64("data", on_data() ? 1 : 0);
  if (on_data()) {
    t.absorb_bytes("data-digest", data_digest);
    t.absorb_u64("data-examples", u(data_examples));
    for (const int64_t i : batch_indices) t.absorb_u64("batch-index", u(i));
  }
  if (has_loss()) t.absorb_fr("loss-sum", Fr::from_i64(loss_sum));
  if (!updates()) return;
  const OptimizerConfig& o = optimizer;
  t.absorb_u64("optimizer", o.kind == OptimizerKind::SGD ? 1 : 2);
  absorb_f64(t, "lr", o.lr);
  absorb_f64(t, "momentum", o.momentum);
  absorb_f64(t, "weight-decay", o.weight_decay);
  absorb_f64(t, "beta1", o.beta1);
  absorb_f64(t, "beta2", o.beta2);
  absorb_f64(t, "eps", o.eps);
  absorb_f64(t, "clip-norm", o.clip_norm);
  t.absorb_u64("step-number", u(step_number));
  t.absorb_u64("count", u(count));
}

std::string adapter_tensor_name(int64_t layer, Projection p, bool is_a) {
  return "adapter." + std::to_string(layer) + "." + projection_module(p) + (is_a ? ".A" : ".B");
}

namespace {

// Every matrix of an adapter-shaped set of tensors, under its adapter name with a prefix.
void commit_adapter_like(const AdapterTensors& t, const std::string& prefix, int threads, ProverCommitments& out) {
  for (int64_t l = 0; l < t.n_layers; ++l) {
    for (const Projection pr : kAllProjections) {
      if (t.a_of(l, pr).numel() == 0) continue;
      for (const bool is_a : {true, false}) {
        const ITensor& x = is_a ? t.a_of(l, pr) : t.b_of(l, pr);
        const std::vector<uint64_t> dims{u(x.dim(0)), u(x.dim(1))};
        out.emplace(prefix + adapter_tensor_name(l, pr, is_a),
                    hyrax_commit_tensor(dims, std::span<const int64_t>(x.data), threads));
      }
    }
  }
}

template <class Map>
Map strip_next(const Map& outputs) {
  Map out;
  for (const auto& [name, c] : outputs) {
    if (name.starts_with(kNextPrefix)) out.emplace(name.substr(kNextPrefix.size()), c);
  }
  return out;
}

}  // namespace

ProverCommitments commit_adapter(const AdapterTensors& adapter, int threads) {
  ProverCommitments out;
  commit_adapter_like(adapter, "", threads, out);
  return out;
}

ProverCommitments commit_optimizer_state(const StepStatement& s, const OptimizerState& state, int threads) {
  ProverCommitments out;
  if (s.step_number <= 1) return out;
  if (s.has_first_moment()) commit_adapter_like(state.m, "optimizer.m.", threads, out);
  if (s.has_second_moment()) commit_adapter_like(state.v, "optimizer.v.", threads, out);
  return out;
}

ProverCommitments next_step_inputs(const ProverCommitments& outputs) { return strip_next(outputs); }
PublicCommitments next_step_inputs(const PublicCommitments& outputs) { return strip_next(outputs); }

std::vector<int64_t> batch_tokens(const Batch& batch) { return {batch.tokens.begin(), batch.tokens.end()}; }

std::vector<int64_t> batch_targets(const Batch& batch) {
  std::vector<int64_t> n(static_cast<size_t>(batch.batch), 0);
  for (size_t i = 0; i < batch.targets.size(); ++i) n[i / static_cast<size_t>(batch.seq)] += batch.targets[i] >= 0;
  return n;
}

ProverCommitments commit_batch(const Batch& batch, int threads) {
  const std::vector<uint64_t> dims{u(batch.batch), u(batch.seq)};
  ProverCommitments out;
  out.emplace("batch.tokens", hyrax_commit_tensor(dims, std::span<const int64_t>(batch_tokens(batch)), threads));
  out.emplace("batch.targets", hyrax_commit_tensor(std::vector<uint64_t>{u(batch.batch)},
                                                   std::span<const int64_t>(batch_targets(batch)), threads));
  return out;
}

PublicCommitments public_commitments(const ProverCommitments& c) {
  PublicCommitments out;
  for (const auto& [name, x] : c) out.emplace(name, x.commitment);
  return out;
}

}  // namespace zklora
