// RoPE with public tables and the half swap read from a flipped coordinate (rope_op.h).
#include "zklora/ops/rope/rope_op.h"

#include <bit>
#include <type_traits>

#include "zklora/base/threads.h"
#include "zklora/fixed/arith.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/nn.h"
#include "zklora/fixed/tables.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/shape.h"

namespace zklora {
namespace {

constexpr TensorRef kX = TensorRef::input(0), kCos = TensorRef::input(1), kSin = TensorRef::input(2);
constexpr TensorRef kY = TensorRef::output(0), kRem = TensorRef::helper(0);
constexpr unsigned kShift = kFixed.trig;

// sum over (s, i) of eq((z_s, z_i), (s, i)) [xf Cf + xr Sf], tables 0 xf, 1 xr, 2 Cf, 3 Sf.
SumcheckShape rope_shape(unsigned vars, std::vector<Fr> z) {
  SumcheckShape s;
  s.num_vars = vars;
  s.eq_point = std::move(z);
  s.num_tables = 4;
  s.terms = {{Fr::one(), {0, 2}}, {Fr::one(), {1, 3}}};
  return s;
}

// The point's parts: z = (z_b || z_s || z_h || z_i), z_i = (half || low).
struct Parts {
  std::span<const Fr> b, s, h, i;
};

Parts split(std::span<const Fr> z, unsigned vb, unsigned vs, unsigned vh) {
  return {z.subspan(0, vb), z.subspan(vb, vs), z.subspan(vb + vs, vh), z.subspan(vb + vs + vh)};
}

// i with its first (half) coordinate c replaced by 1 - c.
std::vector<Fr> flip_half(std::span<const Fr> i) {
  std::vector<Fr> out(i.begin(), i.end());
  out[0] = Fr::one() - out[0];
  return out;
}

}  // namespace

RopeTableTensor::RopeTableTensor(int64_t seq, int64_t head_dim, double theta, bool sine)
    : seq_(seq), head_dim_(head_dim), theta_(theta), sine_(sine) {
  if (seq_ < 1 || head_dim_ < 2 || head_dim_ % 2 != 0) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "rope table: need seq >= 1 and an even head_dim");
  }
}

std::vector<uint64_t> RopeTableTensor::dims() const {
  return {static_cast<uint64_t>(seq_), static_cast<uint64_t>(head_dim_ / 2)};
}

void RopeTableTensor::absorb(Transcript& t) const {
  t.domain(sine_ ? "public-rope-sin" : "public-rope-cos");
  t.absorb_u64("seq", static_cast<uint64_t>(seq_));
  t.absorb_u64("head-dim", static_cast<uint64_t>(head_dim_));
  t.absorb_u64("theta", std::bit_cast<uint64_t>(theta_));
}

std::vector<int64_t> RopeTableTensor::values() const {
  RopeTable t = make_rope_table(seq_, head_dim_, theta_);
  return sine_ ? std::move(t.sin) : std::move(t.cos);
}

RopeOp::RopeOp(uint64_t batch, uint64_t seq, uint64_t heads, uint64_t head_dim, bool backward)
    : batch_(batch), seq_(seq), heads_(heads), hd_(head_dim), backward_(backward) {
  if (batch_ == 0 || seq_ == 0 || heads_ == 0 || hd_ < 2 || !std::has_single_bit(hd_)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "rope: need batch, seq, heads >= 1 and a power-of-two head_dim >= 2");
  }
}

std::vector<std::vector<uint64_t>> RopeOp::input_dims() const { return {dims(), {seq_, hd_ / 2}, {seq_, hd_ / 2}}; }

std::vector<TensorDecl> RopeOp::outputs() const {
  return {{"", dims(), backward_ ? kGradientRange : kActivationRange, false}};
}

std::vector<TensorDecl> RopeOp::helpers() const { return {{"remainder", dims(), RangeSpec{kShift, false}, true}}; }

void RopeOp::absorb(Transcript& t) const {
  t.domain(backward_ ? "op-rope-backward" : "op-rope");
  absorb_dims(t, "shape", std::vector<uint64_t>{batch_, seq_, heads_, hd_});
}

OpWitness RopeOp::compute(std::span<const TableView> in, int) const {
  const auto rows = static_cast<int64_t>(batch_ * seq_), width = static_cast<int64_t>(heads_ * hd_);
  ITensor x({rows, width});
  x.data = view_to_i64(in[0]);
  RopeTable table;
  table.max_seq = static_cast<int64_t>(seq_);
  table.half = static_cast<int64_t>(hd_ / 2);
  table.cos = view_to_i64(in[1]);
  table.sin = view_to_i64(in[2]);
  std::vector<int64_t> positions(static_cast<size_t>(rows));
  for (int64_t t = 0; t < rows; ++t) positions[static_cast<size_t>(t)] = t % static_cast<int64_t>(seq_);
  const ITensor y = backward_ ? rope_backward(x, static_cast<int64_t>(heads_), table, positions)
                              : rope_forward(x, static_cast<int64_t>(heads_), table, positions);
  std::vector<int64_t> rem(y.data.size());
  const int64_t h2 = table.half, hd = static_cast<int64_t>(hd_);
  for (int64_t t = 0; t < rows; ++t) {
    const int64_t pos = positions[static_cast<size_t>(t)];
    for (int64_t c = 0; c < width; ++c) {
      const int64_t i = c % hd, lo = i % h2;
      const i128 cs = table.cos[static_cast<size_t>(pos * h2 + lo)], sn = table.sin[static_cast<size_t>(pos * h2 + lo)];
      const i128 xv = x.at2(t, c), xr = x.at2(t, i < h2 ? c + h2 : c - h2);
      const i128 pre = xv * cs + xr * (i < h2 ? -sn : sn) * sin_sign();
      rem[static_cast<size_t>(t * width + c)] =
          static_cast<int64_t>(pre + (i128{1} << (kShift - 1)) - (static_cast<i128>(y.at2(t, c)) << kShift));
    }
  }
  OpWitness out;
  out.outputs.emplace_back(y.data);
  out.helpers.emplace_back(std::move(rem));
  return out;
}

void RopeOp::prove(OpProver& p) const {
  const std::optional<ProverClaim> y = p.combined_claim(kY);
  if (!y) return;
  ProverChannel& ch = p.ch();
  const int threads = p.threads();
  const unsigned vb = log2_ceil(batch_), vs = log2_ceil(seq_), vh = log2_ceil(heads_), vi = log2_ceil(hd_);
  const Parts z = split(y->point, vb, vs, vh);
  const ProverValue rem = p.evaluate(kRem, y->point, "rope-remainder");
  const ProverValue sum = y->value * pow2_fr(kShift) - pow2_fr(kShift - 1) * selector_eval(dims(), y->point) + rem;

  // xf(s, i) = sum_{b, h} eq(z_b, b) eq(z_h, h) x[b][s][h][i] over the padded layout.
  const size_t nb = size_t{1} << vb, ns = size_t{1} << vs, nh = size_t{1} << vh, ni = size_t{1} << vi;
  const std::vector<Fr> eb = eq_table(z.b), eh = eq_table(z.h);
  std::vector<Fr> xf(ns * ni), xr(ns * ni), cf(ns * ni), sf(ns * ni);
  p.tensor(kX).padded().visit([&](const auto& xs) {
    if constexpr (std::is_same_v<std::decay_t<decltype(xs[0])>, Fr>) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "rope: x holds field elements");
    } else {
      parallel_for(ns, threads, [&](size_t s) {
        for (size_t b = 0; b < nb; ++b) {
          for (size_t h = 0; h < nh; ++h) {
            const Fr w = eb[b] * eh[h];
            const size_t base = ((b * ns + s) * nh + h) * ni;
            for (size_t i = 0; i < ni && base + i < xs.size(); ++i) {
              if (xs[base + i] != 0) xf[s * ni + i] += w * Fr::from_i64(static_cast<int64_t>(xs[base + i]));
            }
          }
        }
      });
    }
  });
  const size_t h2 = ni / 2;
  const std::vector<int64_t> cosv = view_to_i64(p.tensor(kCos).data), sinv = view_to_i64(p.tensor(kSin).data);
  for (size_t s = 0; s < ns; ++s) {
    for (size_t i = 0; i < ni; ++i) {
      xr[s * ni + i] = xf[s * ni + (i ^ h2)];
      if (s >= seq_) continue;
      cf[s * ni + i] = Fr::from_i64(cosv[s * h2 + i % h2]);
      const Fr sn = Fr::from_i64(sinv[s * h2 + i % h2]);
      sf[s * ni + i] = (i < h2) == !backward_ ? -sn : sn;
    }
  }
  const SumcheckShape shape = rope_shape(vs + vi, concat_points({z.s, z.i}));
  SumcheckProverResult r = sumcheck_prove(ch, shape, {std::move(xf), std::move(xr), std::move(cf), std::move(sf)},
                                          sum, threads);
  const auto rs = std::span<const Fr>(r.point).subspan(0, vs), ri = std::span<const Fr>(r.point).subspan(vs);
  const ProverValue xe = p.evaluate(kX, concat_points({z.b, rs, z.h, ri}), "rope-x-eval");
  const ProverValue xre = p.evaluate(kX, concat_points({z.b, rs, z.h, flip_half(ri)}), "rope-x-rotated-eval");
  const std::vector<Fr> table_point = concat_points({rs, ri.subspan(1)});
  const ProverValue ce = p.evaluate(kCos, table_point, "rope-cos-eval");
  const ProverValue se =
      p.evaluate(kSin, table_point, "rope-sin-eval") * ((ri[0] + ri[0] - Fr::one()) * Fr::from_i64(sin_sign()));
  const ProverValue ev[4] = {xe, xre, ce, se};
  sumcheck_prove_final(ch, shape, r.final_value, ev);
}

Status RopeOp::verify(OpVerifier& v) const {
  auto y = v.combined_claim(kY);
  if (!y) return y.error();
  if (!y->has_value()) return {};
  const VerifierClaim& yc = **y;
  VerifierChannel& ch = v.ch();
  const unsigned vb = log2_ceil(batch_), vs = log2_ceil(seq_), vh = log2_ceil(heads_), vi = log2_ceil(hd_);
  const Parts z = split(yc.point, vb, vs, vh);
  auto rem = v.evaluate(kRem, yc.point, "rope-remainder");
  if (!rem) return rem.error();
  const VerifierValue sum =
      yc.value * pow2_fr(kShift) - pow2_fr(kShift - 1) * selector_eval(dims(), yc.point) + rem.value();
  const SumcheckShape shape = rope_shape(vs + vi, concat_points({z.s, z.i}));
  auto r = sumcheck_verify(ch, shape, sum);
  if (!r) return r.error();
  const auto rs = std::span<const Fr>(r->point).subspan(0, vs), ri = std::span<const Fr>(r->point).subspan(vs);
  auto xe = v.evaluate(kX, concat_points({z.b, rs, z.h, ri}), "rope-x-eval");
  if (!xe) return xe.error();
  auto xre = v.evaluate(kX, concat_points({z.b, rs, z.h, flip_half(ri)}), "rope-x-rotated-eval");
  if (!xre) return xre.error();
  const std::vector<Fr> table_point = concat_points({rs, ri.subspan(1)});
  auto ce = v.evaluate(kCos, table_point, "rope-cos-eval");
  if (!ce) return ce.error();
  auto se = v.evaluate(kSin, table_point, "rope-sin-eval");
  if (!se) return se.error();
  const VerifierValue ev[4] = {xe.value(), xre.value(), ce.value(),
                               se.value() * ((ri[0] + ri[0] - Fr::one()) * Fr::from_i64(sin_sign()))};
  return sumcheck_verify_final(ch, shape, r->expected, ev);
}

}  // namespace zklora
