// The matrix-product reduction (matmul.h).
#include "zklora/piop/matmul.h"

#include <string>

#include "zklora/base/threads.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/weighted_sum.h"

namespace zklora {
namespace {

constexpr std::string_view kName = "matmul";

std::vector<uint64_t> with(std::vector<uint64_t> dims, std::initializer_list<uint64_t> tail) {
  dims.insert(dims.end(), tail.begin(), tail.end());
  return dims;
}

// The variable counts of the batch, m, n and k dimensions.
struct Vars {
  unsigned h, m, n, k;
};

Vars vars_of(const MatmulShape& s) {
  return {PaddedShape(s.batch).num_vars(), log2_ceil(s.m), log2_ceil(s.n), log2_ceil(s.k)};
}

std::vector<Fr> concat(std::initializer_list<std::span<const Fr>> parts) {
  std::vector<Fr> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

SumcheckShape sumcheck_shape(const MatmulShape& s, const Vars& v, std::span<const Fr> z_h) {
  SumcheckShape sc;
  sc.num_tables = 2;  // Xa, Wb
  sc.terms = {SumcheckTerm{Fr::one(), {0, 1}}};
  if (s.w_batched) {
    sc.num_vars = v.h + v.n;
    sc.eq_point.assign(z_h.begin(), z_h.end());
  } else {
    sc.num_vars = v.n;
  }
  return sc;
}

void absorb_shape(Transcript& t, const MatmulShape& s) {
  t.domain(kName);
  t.absorb_u64("batch-rank", s.batch.size());
  for (const uint64_t d : s.batch) t.absorb_u64("batch", d);
  t.absorb_u64("m", s.m);
  t.absorb_u64("n", s.n);
  t.absorb_u64("k", s.k);
  t.absorb_u64("layout", (s.x_transposed ? 1u : 0u) | (s.w_transposed ? 2u : 0u) | (s.w_batched ? 4u : 0u));
}

// The claims' points on X and W (stored order) from the sumcheck point (h*, j*) or (j*).
template <class Claim>
void set_points(const MatmulShape& s, const Vars& v, std::span<const Fr> z, std::span<const Fr> r, Claim& x,
                Claim& w) {
  const auto z_h = z.subspan(0, v.h), z_a = z.subspan(v.h, v.m), z_b = z.subspan(v.h + v.m, v.k);
  const auto h = s.w_batched ? r.subspan(0, v.h) : z_h;
  const auto j = s.w_batched ? r.subspan(v.h) : r;
  x.point = s.x_transposed ? concat({h, j, z_a}) : concat({h, z_a, j});
  const auto wh = s.w_batched ? h : std::span<const Fr>();
  w.point = s.w_transposed ? concat({wh, z_b, j}) : concat({wh, j, z_b});
}

}  // namespace

PaddedShape MatmulShape::y_shape() const { return PaddedShape(with(batch, {m, k})); }

PaddedShape MatmulShape::x_shape() const {
  return PaddedShape(x_transposed ? with(batch, {n, m}) : with(batch, {m, n}));
}

PaddedShape MatmulShape::w_shape() const {
  const std::vector<uint64_t> lead = w_batched ? batch : std::vector<uint64_t>{};
  return PaddedShape(w_transposed ? with(lead, {k, n}) : with(lead, {n, k}));
}

Status MatmulShape::validate() const {
  if (m == 0 || n == 0 || k == 0) return make_error(ErrorCode::INVALID_ARGUMENT, "matmul with a zero dimension");
  for (const uint64_t d : batch) {
    if (d == 0) return make_error(ErrorCode::INVALID_ARGUMENT, "matmul with a zero batch dimension");
  }
  try {
    const unsigned nv = std::max({y_shape().num_vars(), x_shape().num_vars(), w_shape().num_vars()});
    if (nv > 40) return make_error(ErrorCode::INVALID_ARGUMENT, "matmul tensor of more than 2^40 entries");
  } catch (const ZkError& e) {
    return e.error();
  }
  return {};
}

MatmulProverClaims matmul_prove(ProverChannel& ch, const MatmulShape& shape, TableView x, TableView w,
                                const ProverClaim& y, int threads) {
  if (Status s = shape.validate(); !s) throw ZkError(s.error());
  const Vars v = vars_of(shape);
  if (y.point.size() != v.h + v.m + v.k) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "matmul_prove: a claim on Y at a point of " +
                                                   std::to_string(y.point.size()) + " coordinates, Y has " +
                                                   std::to_string(v.h + v.m + v.k) + " variables");
  }
  const PaddedShape bshape(shape.batch);
  const uint64_t nb = bshape.numel(), m = shape.m, n = shape.n, k = shape.k;
  if (x.size() != nb * m * n || w.size() != (shape.w_batched ? nb : 1) * n * k) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "matmul_prove: operands of " + std::to_string(x.size()) + " and " +
                                                   std::to_string(w.size()) + " entries do not fit the shape");
  }
  const std::span<const Fr> z(y.point);
  const auto z_h = z.subspan(0, v.h), z_a = z.subspan(v.h, v.m), z_b = z.subspan(v.h + v.m, v.k);
  const std::vector<Fr> e_a = eq_table(z_a, Fr::one(), threads), e_b = eq_table(z_b, Fr::one(), threads);
  const std::vector<Fr> e_h = eq_table(z_h, Fr::one(), threads);
  // The padded batch index of every batch entry.
  std::vector<uint64_t> hp(nb);
  {
    std::vector<uint64_t> idx(shape.batch.size(), 0);
    for (uint64_t q = 0; q < nb; ++q) {
      hp[q] = bshape.padded_index(idx);
      for (size_t d = idx.size(); d-- > 0;) {
        if (++idx[d] < shape.batch[d]) break;
        idx[d] = 0;
      }
    }
  }
  const size_t np = size_t{1} << v.n;
  // Xa restricted to one batch entry q: the n-vector sum_a e_a[a] X[q][a][.] (times `scale`).
  auto fold_x = [&](uint64_t q, std::span<const Fr> weights) {
    const TableView xs = x.subview(q * m * n, m * n);
    return shape.x_transposed ? combine_cols(xs, m, weights, threads) : combine_rows(xs, n, weights, threads);
  };
  auto fold_w = [&](uint64_t q) {
    const TableView ws = w.subview(q * n * k, n * k);
    return shape.w_transposed ? combine_rows(ws, n, e_b, threads) : combine_cols(ws, k, e_b, threads);
  };
  std::vector<std::vector<Fr>> tables(2);
  if (shape.w_batched) {
    const size_t size = (size_t{1} << v.h) * np;
    tables[0].assign(size, Fr::zero());
    tables[1].assign(size, Fr::zero());
    for (uint64_t q = 0; q < nb; ++q) {
      const std::vector<Fr> xa = fold_x(q, e_a), wb = fold_w(q);
      std::copy(xa.begin(), xa.end(), tables[0].begin() + static_cast<ptrdiff_t>(hp[q] * np));
      std::copy(wb.begin(), wb.end(), tables[1].begin() + static_cast<ptrdiff_t>(hp[q] * np));
    }
  } else {
    tables[0].assign(np, Fr::zero());
    if (!shape.x_transposed) {
      // X's rows (q, a) weighted by e_h[hp[q]] e_a[a]: one weighted sum over all B m rows.
      std::vector<Fr> weights(nb * m);
      for (uint64_t q = 0; q < nb; ++q) {
        for (uint64_t a = 0; a < m; ++a) weights[q * m + a] = e_h[hp[q]] * e_a[a];
      }
      const std::vector<Fr> xa = combine_rows(x, n, weights, threads);
      std::copy(xa.begin(), xa.end(), tables[0].begin());
    } else {
      for (uint64_t q = 0; q < nb; ++q) {
        const std::vector<Fr> xa = fold_x(q, e_a);
        for (uint64_t j = 0; j < n; ++j) tables[0][j] += e_h[hp[q]] * xa[j];
      }
    }
    tables[1] = fold_w(0);
    tables[1].resize(np, Fr::zero());
  }
  absorb_shape(ch.transcript(), shape);
  const SumcheckShape sc = sumcheck_shape(shape, v, z_h);
  const SumcheckProverResult res = sumcheck_prove(ch, sc, std::move(tables), y.value, threads);
  const std::vector<ProverValue> evals = ch.send("matmul-evals", res.evaluations);
  sumcheck_prove_final(ch, sc, res.final_value, evals);
  MatmulProverClaims out;
  set_points(shape, v, z, res.point, out.x, out.w);
  out.x.value = evals[0];
  out.w.value = evals[1];
  return out;
}

Result<MatmulVerifierClaims> matmul_verify(VerifierChannel& ch, const MatmulShape& shape, const VerifierClaim& y) {
  if (Status s = shape.validate(); !s) return s.error();
  const Vars v = vars_of(shape);
  if (y.point.size() != v.h + v.m + v.k) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "matmul_verify: a claim on Y at a point of " +
                                                       std::to_string(y.point.size()) + " coordinates, Y has " +
                                                       std::to_string(v.h + v.m + v.k) + " variables");
  }
  const std::span<const Fr> z(y.point);
  absorb_shape(ch.transcript(), shape);
  const SumcheckShape sc = sumcheck_shape(shape, v, z.subspan(0, v.h));
  auto sub = sumcheck_verify(ch, sc, y.value);
  if (!sub) return sub.error();
  auto evals = ch.receive("matmul-evals", 2);
  if (!evals) return evals.error();
  if (Status s = sumcheck_verify_final(ch, sc, sub->expected, *evals); !s) return s.error();
  MatmulVerifierClaims out;
  set_points(shape, v, z, sub->point, out.x, out.w);
  out.x.value = (*evals)[0];
  out.w.value = (*evals)[1];
  return out;
}

}  // namespace zklora
