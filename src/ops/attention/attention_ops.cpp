// The scores and context products of grouped-query attention (attention_ops.h).
#include "zklora/ops/attention/attention_ops.h"

#include <bit>
#include <type_traits>

#include "zklora/base/threads.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/weighted_sum.h"
#include "head_layout.h"

namespace zklora {

using namespace head_layout;  // Layout, fold_middle, part (head_layout.h)

namespace {

constexpr TensorRef kIn0 = TensorRef::input(0), kIn1 = TensorRef::input(1), kOut = TensorRef::output(0);

}  // namespace

void HeadShape::validate() const {
  if (batch == 0 || seq == 0 || heads == 0 || kv_heads == 0 || head_dim == 0 || heads % kv_heads != 0 ||
      !std::has_single_bit(head_dim) || !std::has_single_bit(heads / kv_heads)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT,
                  "attention: need sizes >= 1, kv heads dividing heads, power-of-two head_dim and group");
  }
}

// ---- Scores ---------------------------------------------------------------------------------------------------

AttentionScoresOp::AttentionScoresOp(HeadShape shape) : s_(shape) { s_.validate(); }

std::vector<std::vector<uint64_t>> AttentionScoresOp::input_dims() const {
  return {{s_.batch, s_.seq, s_.heads * s_.head_dim}, {s_.batch, s_.seq, s_.kv_heads * s_.head_dim}};
}

std::vector<TensorDecl> AttentionScoresOp::outputs() const {
  return {{"", {s_.batch, s_.heads, s_.seq, s_.seq}, {}, false}};
}

void AttentionScoresOp::absorb(Transcript& t) const {
  t.domain("op-attention-scores");
  absorb_dims(t, "shape", std::vector<uint64_t>{s_.batch, s_.seq, s_.heads, s_.kv_heads, s_.head_dim});
}

OpWitness AttentionScoresOp::compute(std::span<const TableView> in, int threads) const {
  const std::vector<int64_t> q = view_to_i64(in[0]), k = view_to_i64(in[1]);
  const size_t B = s_.batch, S = s_.seq, H = s_.heads, G = s_.kv_heads, hd = s_.head_dim, R = s_.group();
  std::vector<i128> a(B * H * S * S);
  parallel_for(B * H, threads, [&](size_t bh) {
    const size_t b = bh / H, h = bh % H, g = h / R;
    for (size_t t = 0; t < S; ++t) {
      const int64_t* qr = q.data() + ((b * S + t) * H + h) * hd;
      for (size_t u = 0; u < S; ++u) {
        const int64_t* kr = k.data() + ((b * S + u) * G + g) * hd;
        i128 dot = 0;
        for (size_t i = 0; i < hd; ++i) dot += static_cast<i128>(qr[i]) * kr[i];
        a[((b * H + h) * S + t) * S + u] = dot;
      }
    }
  });
  OpWitness out;
  out.outputs.push_back(exact_table(a));
  return out;
}

void AttentionScoresOp::prove(OpProver& p) const {
  const std::optional<ProverClaim> y = p.combined_claim(kOut);
  if (!y) return;
  const Layout L(s_);
  const int threads = p.threads();
  const std::span<const Fr> z = y->point;
  const auto zb = part(z, 0, L.vb), zh = part(z, L.vb, L.vh), zt = part(z, L.vb + L.vh, L.vs),
             zu = part(z, L.vb + L.vh + L.vs, L.vs);
  std::vector<Fr> qf = fold_middle(p.tensor(kIn0).padded(), L.b, L.s, L.h * L.i, eq_table(zt), threads);
  const std::vector<Fr> kf = fold_middle(p.tensor(kIn1).padded(), L.b, L.s, L.g * L.i, eq_table(zu), threads);
  std::vector<Fr> ke(qf.size());
  parallel_for(L.b * L.h, threads, [&](size_t bh) {
    const size_t b = bh / L.h, h = bh % L.h;
    for (size_t i = 0; i < L.i; ++i) ke[bh * L.i + i] = kf[(b * L.g + h / L.r) * L.i + i];
  });
  const SumcheckShape sh = SumcheckShape::product(L.vb + L.vh + L.vi, concat_points({zb, zh}));
  SumcheckProverResult r = sumcheck_prove(p.ch(), sh, {std::move(qf), std::move(ke)}, y->value, threads);
  const std::span<const Fr> rp = r.point;
  const auto rb = part(rp, 0, L.vb), rh = part(rp, L.vb, L.vh), rg = part(rp, L.vb, L.vg),
             ri = part(rp, L.vb + L.vh, L.vi);
  const ProverValue evs[2] = {p.evaluate(kIn0, concat_points({rb, zt, rh, ri}), "attention-q-eval"),
                              p.evaluate(kIn1, concat_points({rb, zu, rg, ri}), "attention-k-eval")};
  sumcheck_prove_final(p.ch(), sh, r.final_value, evs);
}

Status AttentionScoresOp::verify(OpVerifier& v) const {
  auto y = v.combined_claim(kOut);
  if (!y) return y.error();
  if (!y->has_value()) return {};
  const Layout L(s_);
  const std::span<const Fr> z = (*y)->point;
  const auto zb = part(z, 0, L.vb), zh = part(z, L.vb, L.vh), zt = part(z, L.vb + L.vh, L.vs),
             zu = part(z, L.vb + L.vh + L.vs, L.vs);
  const SumcheckShape sh = SumcheckShape::product(L.vb + L.vh + L.vi, concat_points({zb, zh}));
  auto r = sumcheck_verify(v.ch(), sh, (*y)->value);
  if (!r) return r.error();
  const std::span<const Fr> rp = r->point;
  const auto rb = part(rp, 0, L.vb), rh = part(rp, L.vb, L.vh), rg = part(rp, L.vb, L.vg),
             ri = part(rp, L.vb + L.vh, L.vi);
  auto qe = v.evaluate(kIn0, concat_points({rb, zt, rh, ri}), "attention-q-eval");
  if (!qe) return qe.error();
  auto ke = v.evaluate(kIn1, concat_points({rb, zu, rg, ri}), "attention-k-eval");
  if (!ke) return ke.error();
  const VerifierValue evs[2] = {qe.value(), ke.value()};
  return sumcheck_verify_final(v.ch(), sh, r->expected, evs);
}

// ---- Context --------------------------------------------------------------------------------------------------

AttentionContextOp::AttentionContextOp(HeadShape shape) : s_(shape) { s_.validate(); }

std::vector<std::vector<uint64_t>> AttentionContextOp::input_dims() const {
  return {{s_.batch, s_.heads, s_.seq, s_.seq}, {s_.batch, s_.seq, s_.kv_heads * s_.head_dim}};
}

std::vector<TensorDecl> AttentionContextOp::outputs() const {
  return {{"", {s_.batch, s_.seq, s_.heads * s_.head_dim}, {}, false}};
}

void AttentionContextOp::absorb(Transcript& t) const {
  t.domain("op-attention-context");
  absorb_dims(t, "shape", std::vector<uint64_t>{s_.batch, s_.seq, s_.heads, s_.kv_heads, s_.head_dim});
}

OpWitness AttentionContextOp::compute(std::span<const TableView> in, int threads) const {
  const std::vector<int64_t> pr = view_to_i64(in[0]), v = view_to_i64(in[1]);
  const size_t B = s_.batch, S = s_.seq, H = s_.heads, G = s_.kv_heads, hd = s_.head_dim, R = s_.group();
  std::vector<i128> o(B * S * H * hd);
  parallel_for(B * H, threads, [&](size_t bh) {
    const size_t b = bh / H, h = bh % H, g = h / R;
    for (size_t t = 0; t < S; ++t) {
      const int64_t* prow = pr.data() + ((b * H + h) * S + t) * S;
      i128* orow = o.data() + ((b * S + t) * H + h) * hd;
      for (size_t u = 0; u < S; ++u) {
        if (prow[u] == 0) continue;
        const int64_t* vr = v.data() + ((b * S + u) * G + g) * hd;
        for (size_t i = 0; i < hd; ++i) orow[i] += static_cast<i128>(prow[u]) * vr[i];
      }
    }
  });
  OpWitness out;
  out.outputs.push_back(exact_table(o));
  return out;
}

void AttentionContextOp::prove(OpProver& p) const {
  const std::optional<ProverClaim> y = p.combined_claim(kOut);
  if (!y) return;
  const Layout L(s_);
  const int threads = p.threads();
  const std::span<const Fr> z = y->point;
  const auto zb = part(z, 0, L.vb), zt = part(z, L.vb, L.vs), zh = part(z, L.vb + L.vs, L.vh),
             zi = part(z, L.vb + L.vs + L.vh, L.vi);
  std::vector<Fr> pf = fold_middle(p.tensor(kIn0).padded(), L.b * L.h, L.s, L.s, eq_table(zt), threads);
  // v (b, u, g, i) folded over i: (b, u, g); spread over the heads of each group: (b, h, u).
  const std::vector<Fr> vf = combine_cols(p.tensor(kIn1).padded(), L.i, eq_table(zi), threads);
  std::vector<Fr> ve(pf.size());
  parallel_for(L.b * L.h, threads, [&](size_t bh) {
    const size_t b = bh / L.h, g = (bh % L.h) / L.r;
    for (size_t u = 0; u < L.s; ++u) {
      const size_t at = (b * L.s + u) * L.g + g;
      ve[bh * L.s + u] = at < vf.size() ? vf[at] : Fr::zero();
    }
  });
  const SumcheckShape sh = SumcheckShape::product(L.vb + L.vh + L.vs, concat_points({zb, zh}));
  SumcheckProverResult r = sumcheck_prove(p.ch(), sh, {std::move(pf), std::move(ve)}, y->value, threads);
  const std::span<const Fr> rp = r.point;
  const auto rb = part(rp, 0, L.vb), rh = part(rp, L.vb, L.vh), rg = part(rp, L.vb, L.vg),
             ru = part(rp, L.vb + L.vh, L.vs);
  const ProverValue evs[2] = {p.evaluate(kIn0, concat_points({rb, rh, zt, ru}), "attention-p-eval"),
                              p.evaluate(kIn1, concat_points({rb, ru, rg, zi}), "attention-v-eval")};
  sumcheck_prove_final(p.ch(), sh, r.final_value, evs);
}

Status AttentionContextOp::verify(OpVerifier& v) const {
  auto y = v.combined_claim(kOut);
  if (!y) return y.error();
  if (!y->has_value()) return {};
  const Layout L(s_);
  const std::span<const Fr> z = (*y)->point;
  const auto zb = part(z, 0, L.vb), zt = part(z, L.vb, L.vs), zh = part(z, L.vb + L.vs, L.vh),
             zi = part(z, L.vb + L.vs + L.vh, L.vi);
  const SumcheckShape sh = SumcheckShape::product(L.vb + L.vh + L.vs, concat_points({zb, zh}));
  auto r = sumcheck_verify(v.ch(), sh, (*y)->value);
  if (!r) return r.error();
  const std::span<const Fr> rp = r->point;
  const auto rb = part(rp, 0, L.vb), rh = part(rp, L.vb, L.vh), rg = part(rp, L.vb, L.vg),
             ru = part(rp, L.vb + L.vh, L.vs);
  auto pe = v.evaluate(kIn0, concat_points({rb, rh, zt, ru}), "attention-p-eval");
  if (!pe) return pe.error();
  auto ve = v.evaluate(kIn1, concat_points({rb, ru, rg, zi}), "attention-v-eval");
  if (!ve) return ve.error();
  const VerifierValue evs[2] = {pe.value(), ve.value()};
  return sumcheck_verify_final(v.ch(), sh, r->expected, evs);
}

}  // namespace zklora
