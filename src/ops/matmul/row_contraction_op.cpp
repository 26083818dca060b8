// The contraction of two tensors over their rows (row_contraction_op.h).
#include "zklora/ops/matmul/row_contraction_op.h"

#include "zklora/base/threads.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/shape.h"
#include "zklora/poly/weighted_sum.h"

namespace zklora {
namespace {

constexpr TensorRef kX = TensorRef::input(0), kZ = TensorRef::input(1), kP = TensorRef::output(0);

}  // namespace

RowContractionOp::RowContractionOp(std::vector<uint64_t> rows, uint64_t m, uint64_t k)
    : rows_(std::move(rows)), m_(m), k_(k) {
  bool ok = !rows_.empty() && m_ > 0 && k_ > 0;
  for (const uint64_t d : rows_) ok = ok && d > 0;
  if (!ok) throw ZkError(ErrorCode::INVALID_ARGUMENT, "row contraction: need rows and non-zero sizes");
}

std::vector<uint64_t> RowContractionOp::with(uint64_t last) const {
  std::vector<uint64_t> d = rows_;
  d.push_back(last);
  return d;
}

std::vector<std::vector<uint64_t>> RowContractionOp::input_dims() const { return {with(m_), with(k_)}; }

std::vector<TensorDecl> RowContractionOp::outputs() const { return {{"", {m_, k_}, {}, false}}; }

void RowContractionOp::absorb(Transcript& t) const {
  t.domain("op-row-contraction");
  absorb_dims(t, "rows", rows_);
  absorb_dims(t, "shape", std::vector<uint64_t>{m_, k_});
}

OpWitness RowContractionOp::compute(std::span<const TableView> in, int threads) const {
  const std::vector<int64_t> x = view_to_i64(in[0]), z = view_to_i64(in[1]);
  const size_t rows = PaddedShape(rows_).numel(), m = m_, k = k_;
  std::vector<i128> p(m * k);
  parallel_for(m, threads, [&](size_t o) {
    for (size_t r = 0; r < rows; ++r) {
      const i128 xv = x[r * m + o];
      if (xv == 0) continue;
      for (size_t j = 0; j < k; ++j) p[o * k + j] += xv * z[r * k + j];
    }
  }, grain_for(rows * k));
  OpWitness out;
  out.outputs.push_back(exact_table(p));
  return out;
}

void RowContractionOp::prove(OpProver& p) const {
  const std::optional<ProverClaim> y = p.combined_claim(kP);
  if (!y) return;
  const int threads = p.threads();
  const unsigned vr = tensor_vars(rows_), vm = log2_ceil(m_);
  const size_t nr = size_t{1} << vr;
  const std::span<const Fr> zo = std::span<const Fr>(y->point).subspan(0, vm), zj = std::span<const Fr>(y->point).subspan(vm);
  std::vector<Fr> xf = combine_cols(p.tensor(kX).padded(), size_t{1} << vm, eq_table(zo, Fr::one(), threads), threads);
  std::vector<Fr> zf = combine_cols(p.tensor(kZ).padded(), size_t{1} << zj.size(), eq_table(zj, Fr::one(), threads),
                                    threads);
  xf.resize(nr, Fr::zero());
  zf.resize(nr, Fr::zero());
  const SumcheckShape sh = SumcheckShape::product(vr, {});
  SumcheckProverResult r = sumcheck_prove(p.ch(), sh, {std::move(xf), std::move(zf)}, y->value, threads);
  const ProverValue evs[2] = {p.evaluate(kX, concat_points({r.point, zo}), "row-contraction-x-eval"),
                              p.evaluate(kZ, concat_points({r.point, zj}), "row-contraction-z-eval")};
  sumcheck_prove_final(p.ch(), sh, r.final_value, evs);
}

Status RowContractionOp::verify(OpVerifier& v) const {
  auto y = v.combined_claim(kP);
  if (!y) return y.error();
  if (!y->has_value()) return {};
  const unsigned vr = tensor_vars(rows_), vm = log2_ceil(m_);
  const std::span<const Fr> pt = (*y)->point;
  const std::span<const Fr> zo = pt.subspan(0, vm), zj = pt.subspan(vm);
  const SumcheckShape sh = SumcheckShape::product(vr, {});
  auto r = sumcheck_verify(v.ch(), sh, (*y)->value);
  if (!r) return r.error();
  auto xe = v.evaluate(kX, concat_points({r->point, zo}), "row-contraction-x-eval");
  if (!xe) return xe.error();
  auto ze = v.evaluate(kZ, concat_points({r->point, zj}), "row-contraction-z-eval");
  if (!ze) return ze.error();
  const VerifierValue evs[2] = {xe.value(), ze.value()};
  return sumcheck_verify_final(v.ch(), sh, r->expected, evs);
}

}  // namespace zklora
