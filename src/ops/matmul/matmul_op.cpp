// The exact product of a linear layer (matmul_op.h): a thin operation over piop/matmul.h.
#include "zklora/ops/matmul/matmul_op.h"

#include <type_traits>

#include "zklora/base/threads.h"
#include "zklora/fixed/kernels.h"

namespace zklora {

MatmulOp::MatmulOp(MatmulShape shape) : shape_(std::move(shape)) {
  if (Status s = shape_.validate(); !s) throw ZkError(s.error());
  if (shape_.x_transposed || shape_.w_batched) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "matmul operation: X is stored untransposed and W is shared");
  }
}

std::unique_ptr<MatmulOp> MatmulOp::linear(std::vector<uint64_t> rows, uint64_t in, uint64_t out) {
  MatmulShape s;
  s.m = rows.back();
  rows.pop_back();
  s.batch = std::move(rows);
  s.n = in;
  s.k = out;
  s.w_transposed = true;
  return std::make_unique<MatmulOp>(std::move(s));
}

std::unique_ptr<MatmulOp> MatmulOp::times(std::vector<uint64_t> rows, uint64_t n, uint64_t k) {
  MatmulShape s;
  s.m = rows.back();
  rows.pop_back();
  s.batch = std::move(rows);
  s.n = n;
  s.k = k;
  return std::make_unique<MatmulOp>(std::move(s));
}

std::vector<std::vector<uint64_t>> MatmulOp::input_dims() const {
  return {shape_.x_shape().dims(), shape_.w_shape().dims()};
}

std::vector<TensorDecl> MatmulOp::outputs() const { return {{"", shape_.y_shape().dims(), {}, false}}; }

void MatmulOp::absorb(Transcript& t) const {
  t.domain("op-matmul");
  absorb_dims(t, "batch", shape_.batch);
  absorb_dims(t, "shape", std::vector<uint64_t>{shape_.m, shape_.n, shape_.k, shape_.w_transposed ? 1u : 0u});
}

OpWitness MatmulOp::compute(std::span<const TableView> in, int threads) const {
  const auto rows = static_cast<int64_t>(shape_.x_shape().numel() / shape_.n);
  const auto n = static_cast<int64_t>(shape_.n), k = static_cast<int64_t>(shape_.k);
  const std::vector<int64_t> x = view_to_i64(in[0]);
  try {
    return compute_narrow(x, in[1], rows, n, k);
  } catch (const ZkError& e) {
    if (e.code() != ErrorCode::OUT_OF_RANGE) throw;
  }
  // An exact entry past 62 bits (a backward product, say): the sums in 128 bits, stored as field elements.
  const std::vector<int64_t> w = view_to_i64(in[1]);
  std::vector<i128> y(static_cast<size_t>(rows * k));
  parallel_for(static_cast<size_t>(rows), threads, [&](size_t i) {
    const int64_t* xr = x.data() + static_cast<int64_t>(i) * n;
    for (int64_t j = 0; j < k; ++j) {
      i128 acc = 0;
      for (int64_t t = 0; t < n; ++t) {
        const int64_t wv = shape_.w_transposed ? w[static_cast<size_t>(j * n + t)] : w[static_cast<size_t>(t * k + j)];
        acc += static_cast<i128>(xr[t]) * wv;
      }
      y[i * static_cast<size_t>(k) + static_cast<size_t>(j)] = acc;
    }
  }, grain_for(static_cast<size_t>(n * k)));
  OpWitness out;
  out.outputs.push_back(exact_table(y));
  return out;
}

OpWitness MatmulOp::compute_narrow(const std::vector<int64_t>& x, const TableView& wv, int64_t rows, int64_t n,
                                   int64_t k) const {
  ITensor y = wv.visit([&](const auto& w) -> ITensor {
    using T = std::decay_t<decltype(w[0])>;
    if constexpr (std::is_same_v<T, Fr>) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "matmul: a weight of field elements");
    } else if (shape_.w_transposed) {
      return matmul_nt_rows(x, rows, n, w, k, 0);
    } else {
      // W (n, k): the kernel reads its transpose.
      std::vector<T> wt(w.size());
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < k; ++j) wt[static_cast<size_t>(j * n + i)] = w[static_cast<size_t>(i * k + j)];
      return matmul_nt_rows(x, rows, n, std::span<const T>(wt), k, 0);
    }
  });
  OpWitness out;
  out.outputs.emplace_back(std::move(y.data));
  return out;
}

void MatmulOp::prove(OpProver& p) const {
  const std::optional<ProverClaim> y = p.combined_claim(TensorRef::output(0));
  if (!y) return;
  MatmulProverClaims c = matmul_prove(p.ch(), shape_, p.tensor(TensorRef::input(0)).data,
                                      p.tensor(TensorRef::input(1)).data, *y, p.threads());
  p.add_claim(TensorRef::input(0), std::move(c.x));
  p.add_claim(TensorRef::input(1), std::move(c.w));
}

Status MatmulOp::verify(OpVerifier& v) const {
  auto y = v.combined_claim(TensorRef::output(0));
  if (!y) return y.error();
  if (!y->has_value()) return {};
  auto c = matmul_verify(v.ch(), shape_, **y);
  if (!c) return c.error();
  v.add_claim(TensorRef::input(0), std::move(c.value().x));
  v.add_claim(TensorRef::input(1), std::move(c.value().w));
  return {};
}

}  // namespace zklora
