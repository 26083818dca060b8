// The public statement of a step proof and its commitments (statement.h).
#include "zklora/step/statement.h"

#include <bit>
#include <string>

#include "zklora/fixed/format.h"

namespace zklora {
namespace {

uint64_t u(int64_t x) { return static_cast<uint64_t>(x); }

bool is_pow2(int64_t x) { return x > 0 && (x & (x - 1)) == 0; }

}  // namespace

std::vector<std::string> StepStatement::unproven() const {
  std::vector<std::string> out;
  if (mode == StepMode::LINEAR_BACKBONE) out = {"rmsnorm", "rope", "attention", "swiglu"};
  if (layers_only) {
    out.push_back("embedding");
    out.push_back("lm-head");
    out.push_back("cross-entropy");
  } else if (mode == StepMode::LINEAR_BACKBONE) {
    out.push_back("cross-entropy");
  }
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
  if (mode != StepMode::FORWARD && mode != StepMode::LINEAR_BACKBONE) {
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
  t.absorb_u64("layers-only", layers_only ? 1 : 0);
  const std::vector<std::string> open = unproven();
  t.absorb_u64("unproven", open.size());
  for (const std::string& op : open) {
    t.absorb_bytes("unproven-op", std::span(reinterpret_cast<const uint8_t*>(op.data()), op.size()));
  }
  if (has_loss()) t.absorb_fr("loss-sum", Fr::from_i64(loss_sum));
}

ProverCommitments commit_adapter(const AdapterTensors& adapter, int threads) {
  ProverCommitments out;
  for (int64_t l = 0; l < adapter.n_layers; ++l) {
    for (const Projection pr : kAllProjections) {
      const ITensor& a = adapter.a_of(l, pr);
      if (a.numel() == 0) continue;
      const ITensor& b = adapter.b_of(l, pr);
      const std::string n = "adapter." + std::to_string(l) + "." + projection_module(pr);
      for (const auto& [suffix, x] : {std::pair{".A", &a}, std::pair{".B", &b}}) {
        const std::vector<uint64_t> dims{u(x->dim(0)), u(x->dim(1))};
        out.emplace(n + suffix, hyrax_commit_tensor(dims, std::span<const int64_t>(x->data), threads));
      }
    }
  }
  return out;
}

std::vector<int64_t> batch_tokens(const Batch& batch) { return {batch.tokens.begin(), batch.tokens.end()}; }

std::vector<int64_t> batch_mask(const Batch& batch) {
  std::vector<int64_t> m(batch.targets.size());
  for (size_t i = 0; i < m.size(); ++i) m[i] = batch.targets[i] >= 0 ? 1 : 0;
  return m;
}

ProverCommitments commit_batch(const Batch& batch, int threads) {
  const std::vector<uint64_t> dims{u(batch.batch), u(batch.seq)};
  ProverCommitments out;
  out.emplace("batch.tokens", hyrax_commit_tensor(dims, std::span<const int64_t>(batch_tokens(batch)), threads));
  out.emplace("batch.mask", hyrax_commit_tensor(dims, std::span<const int64_t>(batch_mask(batch)), threads));
  return out;
}

PublicCommitments public_commitments(const ProverCommitments& c) {
  PublicCommitments out;
  for (const auto& [name, x] : c) out.emplace(name, x.commitment);
  return out;
}

}  // namespace zklora
