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

MatmulShape product_shape(const std::vector<uint64_t>& rows, uint64_t v, uint64_t d) {
  MatmulShape s;
  s.batch.assign(rows.begin(), rows.end() - 1);
  s.m = rows.back();
  s.n = v;
  s.k = d;
  return s;
}

Fr weight_eval(uint64_t vocab, std::span<const Fr> r, const Fr& gamma) {
  const auto s = prefix_eq_sums(vocab, r);
  return s[0] + gamma * s[1];
}

constexpr TensorRef kE = TensorRef::input(0), kTok = TensorRef::input(1), kH = TensorRef::output(0),
                    kOh = TensorRef::output(1);

}  // namespace

EmbeddingOp::EmbeddingOp(std::vector<uint64_t> rows, uint64_t vocab, uint64_t d_model)
    : rows_(std::move(rows)), vocab_(vocab), d_(d_model) {
  if (rows_.empty() || vocab_ < 2 || d_ == 0) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "embedding: need row dimensions, vocab >= 2, d_model >= 1");
  }
  for (const uint64_t r : rows_) {
    if (r == 0) throw ZkError(ErrorCode::INVALID_ARGUMENT, "embedding: an empty row dimension");
  }
}

std::vector<uint64_t> EmbeddingOp::with(uint64_t last) const {
  std::vector<uint64_t> d = rows_;
  d.push_back(last);
  return d;
}

std::vector<std::vector<uint64_t>> EmbeddingOp::input_dims() const { return {{vocab_, d_}, rows_}; }

std::vector<TensorDecl> EmbeddingOp::outputs() const {
  return {{"", with(d_), {}, false}, {"one_hot", with(vocab_), {}, true}};
}

void EmbeddingOp::absorb(Transcript& t) const {
  t.domain("op-embedding");
  absorb_dims(t, "rows", rows_);
  absorb_dims(t, "shape", std::vector<uint64_t>{vocab_, d_});
}

OpWitness EmbeddingOp::compute(std::span<const TableView> in, int) const {
  const std::vector<int64_t> tok = view_to_i64(in[1]);
  std::vector<int64_t> oh = embedding_one_hot(tok, vocab_);
  const std::vector<int64_t> e = view_to_i64(in[0]);
  std::vector<int64_t> h(tok.size() * d_);
  for (size_t t = 0; t < tok.size(); ++t) {
    std::copy_n(e.begin() + static_cast<ptrdiff_t>(static_cast<uint64_t>(tok[t]) * d_), d_,
                h.begin() + static_cast<ptrdiff_t>(t * d_));
  }
  OpWitness out;
  out.outputs.emplace_back(std::move(h));
  out.outputs.emplace_back(std::move(oh));
  return out;
}

void EmbeddingOp::prove(OpProver& p) const {
  ProverChannel& ch = p.ch();
  const int threads = p.threads();
  const TensorData& oh = p.tensor(kOh);
  const std::optional<ProverClaim> h = p.combined_claim(kH);
  if (h) {
    MatmulProverClaims mc =
        matmul_prove(ch, product_shape(rows_, vocab_, d_), oh.data, p.tensor(kE).data, *h, threads);
    p.add_claim(kOh, std::move(mc.x));
    p.add_claim(kE, std::move(mc.w));
  }

  // (B)
  const unsigned n = tensor_vars(oh.dims);
  const SumcheckShape bs = boolean_shape(n, ch.challenges("embedding-bool-point", n));
  SumcheckProverResult b = sumcheck_prove(ch, bs, {to_field(oh.padded(), size_t{1} << n, threads)},
                                          ProverValue::constant(Fr::zero()), threads);
  const ProverValue be = ch.send("embedding-bool-eval", b.evaluations[0]);
  sumcheck_prove_final(ch, bs, b.final_value, std::span(&be, 1));
  p.add_claim(kOh, {b.point, be});

  // (T)
  const unsigned nt = tensor_vars(rows_), nv = log2_ceil(vocab_);
  const Fr gamma = ch.challenge("embedding-gamma");
  const std::vector<Fr> zt = ch.challenges("embedding-row-point", nt);
  const ProverValue tk = p.evaluate(kTok, zt, "embedding-token-eval");
  const ProverValue sum = tk * gamma + selector_eval(rows_, zt);
  std::vector<Fr> rows = combine_rows(oh.padded(), size_t{1} << nv, eq_table(zt, Fr::one(), threads), threads);
  std::vector<Fr> w(size_t{1} << nv, Fr::zero());
  for (uint64_t v = 0; v < vocab_; ++v) w[v] = Fr::one() + gamma * Fr::from_u64(v);
  const SumcheckShape rs = row_shape(nv);
  SumcheckProverResult r = sumcheck_prove(ch, rs, {std::move(rows), std::move(w)}, sum, threads);
  const ProverValue re = ch.send("embedding-row-eval", r.evaluations[0]);
  const ProverValue evals[2] = {re, ProverValue::constant(weight_eval(vocab_, r.point, gamma))};
  sumcheck_prove_final(ch, rs, r.final_value, evals);
  std::vector<Fr> point = zt;
  point.insert(point.end(), r.point.begin(), r.point.end());
  p.add_claim(kOh, {std::move(point), re});
}

Status EmbeddingOp::verify(OpVerifier& v) const {
  VerifierChannel& ch = v.ch();
  auto h = v.combined_claim(kH);
  if (!h) return h.error();
  if (h->has_value()) {
    auto mc = matmul_verify(ch, product_shape(rows_, vocab_, d_), **h);
    if (!mc) return mc.error();
    v.add_claim(kOh, std::move(mc.value().x));
    v.add_claim(kE, std::move(mc.value().w));
  }

  const unsigned n = tensor_vars(with(vocab_));
  const SumcheckShape bs = boolean_shape(n, ch.challenges("embedding-bool-point", n));
  auto b = sumcheck_verify(ch, bs, VerifierValue::constant(Fr::zero()));
  if (!b) return b.error();
  auto be = ch.receive("embedding-bool-eval");
  if (!be) return be.error();
  if (Status s = sumcheck_verify_final(ch, bs, b->expected, std::span(&be.value(), 1)); !s) return s.error();
  v.add_claim(kOh, {b->point, be.value()});

  const unsigned nt = tensor_vars(rows_), nv = log2_ceil(vocab_);
  const Fr gamma = ch.challenge("embedding-gamma");
  const std::vector<Fr> zt = ch.challenges("embedding-row-point", nt);
  auto tk = v.evaluate(kTok, zt, "embedding-token-eval");
  if (!tk) return tk.error();
  const VerifierValue sum = tk.value() * gamma + selector_eval(rows_, zt);
  const SumcheckShape rs = row_shape(nv);
  auto r = sumcheck_verify(ch, rs, sum);
  if (!r) return r.error();
  auto re = ch.receive("embedding-row-eval");
  if (!re) return re.error();
  const VerifierValue evals[2] = {re.value(), VerifierValue::constant(weight_eval(vocab_, r->point, gamma))};
  if (Status s = sumcheck_verify_final(ch, rs, r->expected, evals); !s) return s.error();
  std::vector<Fr> point = zt;
  point.insert(point.end(), r->point.begin(), r->point.end());
  v.add_claim(kOh, {std::move(point), re.value()});
  return {};
}

std::vector<int64_t> embedding_one_hot(std::span<const int64_t> tokens, uint64_t vocab) {
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
