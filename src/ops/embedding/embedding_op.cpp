// Token embedding by a committed one-hot matrix (embedding_op.h).
#include "zklora/ops/embedding/embedding_op.h"

#include <string>

#include "zklora/piop/lookup_table.h"
#include "zklora/piop/matmul.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/weighted_sum.h"

namespace zklora {
namespace {

// (B): sum_x eq(r_b, x) (OH^2 - OH) = 0.
SumcheckShape boolean_shape(unsigned n, std::vector<Fr> point) {
  SumcheckShape s;
  s.num_vars = n;
  s.eq_point = std::move(point);
  s.num_tables = 1;
  s.terms = {{Fr::one(), {0, 0}}, {-Fr::one(), {0}}};
  return s;
}

// (T): sum_v OH~(z_t, v) w(v).
SumcheckShape row_shape(unsigned n) {
  SumcheckShape s;
  s.num_vars = n;
  s.num_tables = 2;
  s.terms = {{Fr::one(), {0, 1}}};
  return s;
}

MatmulShape product_shape(uint64_t t, uint64_t v, uint64_t d) {
  MatmulShape s;
  s.m = t;
  s.n = v;
  s.k = d;
  return s;
}

Fr weight_eval(uint64_t vocab, std::span<const Fr> r, const Fr& gamma) {
  const auto s = prefix_eq_sums(vocab, r);
  return s[0] + gamma * s[1];
}

}  // namespace

EmbeddingOp::EmbeddingOp(uint64_t tokens, uint64_t vocab, uint64_t d_model) : tokens_(tokens), vocab_(vocab), d_(d_model) {
  if (tokens_ == 0 || vocab_ < 2 || d_ == 0) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "embedding: need tokens >= 1, vocab >= 2, d_model >= 1");
  }
}

std::vector<std::vector<uint64_t>> EmbeddingOp::input_dims() const {
  return {{tokens_, vocab_}, {vocab_, d_}, {tokens_}};
}

void EmbeddingOp::absorb(Transcript& t) const {
  t.domain("op-embedding");
  absorb_dims(t, "shape", std::vector<uint64_t>{tokens_, vocab_, d_});
}

std::vector<InputProverClaim> EmbeddingOp::prove(ProverChannel& ch, std::span<const TensorData> inputs,
                                                 const TensorData& /*output*/, const ProverClaim& h,
                                                 int threads) const {
  const TensorData& oh = inputs[0];
  const TensorData& tok = inputs[2];
  std::vector<InputProverClaim> out;
  MatmulProverClaims mc = matmul_prove(ch, product_shape(tokens_, vocab_, d_), oh.data, inputs[1].data, h, threads);
  out.push_back({0, std::move(mc.x)});
  out.push_back({1, std::move(mc.w)});

  // (B)
  const unsigned n = tensor_vars(oh.dims);
  const SumcheckShape bs = boolean_shape(n, ch.challenges("embedding-bool-point", n));
  SumcheckProverResult b = sumcheck_prove(ch, bs, {to_field(oh.padded(), size_t{1} << n, threads)},
                                          ProverValue::constant(Fr::zero()), threads);
  const ProverValue be = ch.send("embedding-bool-eval", b.evaluations[0]);
  sumcheck_prove_final(ch, bs, b.final_value, std::span(&be, 1));
  out.push_back({0, {b.point, be}});

  // (T)
  const unsigned nt = tensor_vars(tok.dims), nv = log2_ceil(vocab_);
  const Fr gamma = ch.challenge("embedding-gamma");
  const std::vector<Fr> zt = ch.challenges("embedding-row-point", nt);
  const ProverValue tk = ch.send("embedding-token-eval", mle_evaluate(tok.padded(), zt, threads));
  const ProverValue sum = tk * gamma + selector_eval(tok.dims, zt);
  std::vector<Fr> rows = combine_rows(oh.data, vocab_, eq_table(zt, Fr::one(), threads), threads);
  rows.resize(size_t{1} << nv, Fr::zero());
  std::vector<Fr> w(size_t{1} << nv, Fr::zero());
  for (uint64_t v = 0; v < vocab_; ++v) w[v] = Fr::one() + gamma * Fr::from_u64(v);
  const SumcheckShape rs = row_shape(nv);
  SumcheckProverResult r = sumcheck_prove(ch, rs, {std::move(rows), std::move(w)}, sum, threads);
  const ProverValue re = ch.send("embedding-row-eval", r.evaluations[0]);
  const ProverValue evals[2] = {re, ProverValue::constant(weight_eval(vocab_, r.point, gamma))};
  sumcheck_prove_final(ch, rs, r.final_value, evals);
  std::vector<Fr> point = zt;
  point.insert(point.end(), r.point.begin(), r.point.end());
  out.push_back({0, {std::move(point), re}});
  out.push_back({2, {zt, tk}});
  return out;
}

Result<std::vector<InputVerifierClaim>> EmbeddingOp::verify(VerifierChannel& ch, const VerifierClaim& h) const {
  std::vector<InputVerifierClaim> out;
  auto mc = matmul_verify(ch, product_shape(tokens_, vocab_, d_), h);
  if (!mc) return mc.error();
  out.push_back({0, std::move(mc.value().x)});
  out.push_back({1, std::move(mc.value().w)});

  const std::vector<uint64_t> oh_dims{tokens_, vocab_}, tok_dims{tokens_};
  const unsigned n = tensor_vars(oh_dims);
  const SumcheckShape bs = boolean_shape(n, ch.challenges("embedding-bool-point", n));
  auto b = sumcheck_verify(ch, bs, VerifierValue::constant(Fr::zero()));
  if (!b) return b.error();
  auto be = ch.receive("embedding-bool-eval");
  if (!be) return be.error();
  if (Status s = sumcheck_verify_final(ch, bs, b->expected, std::span(&be.value(), 1)); !s) return s.error();
  out.push_back({0, {b->point, be.value()}});

  const unsigned nt = tensor_vars(tok_dims), nv = log2_ceil(vocab_);
  const Fr gamma = ch.challenge("embedding-gamma");
  const std::vector<Fr> zt = ch.challenges("embedding-row-point", nt);
  auto tk = ch.receive("embedding-token-eval");
  if (!tk) return tk.error();
  const VerifierValue sum = tk.value() * gamma + selector_eval(tok_dims, zt);
  const SumcheckShape rs = row_shape(nv);
  auto r = sumcheck_verify(ch, rs, sum);
  if (!r) return r.error();
  auto re = ch.receive("embedding-row-eval");
  if (!re) return re.error();
  const VerifierValue evals[2] = {re.value(), VerifierValue::constant(weight_eval(vocab_, r->point, gamma))};
  if (Status s = sumcheck_verify_final(ch, rs, r->expected, evals); !s) return s.error();
  std::vector<Fr> point = zt;
  point.insert(point.end(), r->point.begin(), r->point.end());
  out.push_back({0, {std::move(point), re.value()}});
  out.push_back({2, {zt, tk.value()}});
  return out;
}

std::vector<int64_t> embedding_one_hot(std::span<const int32_t> tokens, uint64_t vocab) {
  std::vector<int64_t> oh(tokens.size() * vocab, 0);
  for (size_t t = 0; t < tokens.size(); ++t) {
    if (tokens[t] < 0 || static_cast<uint64_t>(tokens[t]) >= vocab) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "token id " + std::to_string(tokens[t]) + " outside the vocabulary");
    }
    oh[t * vocab + static_cast<uint64_t>(tokens[t])] = 1;
  }
  return oh;
}

}  // namespace zklora
