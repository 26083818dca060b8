#include "zklora/fixed/kernels.h"

#include <algorithm>
#include <cstdlib>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/base/threads.h"
#include "zklora/fixed/arith.h"
#include "dot_i32.h"

namespace zklora {
namespace {

template <class T>
int64_t max_abs_impl(const Tensor<T>& x) {
  int64_t m = 0;
  for (const T v : x.data) m = std::max<int64_t>(m, v < 0 ? -static_cast<int64_t>(v) : static_cast<int64_t>(v));
  return m;
}

// True when sums of k products of magnitudes below a and b fit in int64 with room for the rounding offset.
bool fits_int64(int64_t a, int64_t b, int64_t k) {
  const long double bound = static_cast<long double>(a) * static_cast<long double>(b) * static_cast<long double>(k);
  return bound < 0x1p61L;
}

void check_2d(const std::vector<int64_t>& s, const char* what) {
  if (s.size() != 2) throw ZkError(ErrorCode::INVALID_ARGUMENT, std::string(what) + " must be a matrix");
}

template <class T>
std::vector<int32_t> to_i32(const Tensor<T>& x) {
  return std::vector<int32_t>(x.data.begin(), x.data.end());
}

constexpr int64_t kI32 = int64_t{1} << 31;

template <class T>
int64_t max_abs_span(std::span<const T> x) {
  int64_t m = 0;
  for (const T v : x) m = std::max<int64_t>(m, v < 0 ? -static_cast<int64_t>(v) : static_cast<int64_t>(v));
  return m;
}

// y (m, n) = round_shift(x w^T, shift) for row-major x (m, k) and w (n, k).
// Visits every entry of X W^T exactly: emit(i, j, v) with v an int64_t (when the sums provably fit) or an i128.
template <class TW, class Emit>
void matmul_nt_visit(std::span<const int64_t> x, int64_t m, int64_t k, std::span<const TW> w, int64_t n, Emit&& emit) {
  const int64_t ax = max_abs_span(x), aw = max_abs_span(w);
  if (ax < kI32 && aw < kI32 && fits_int64(ax, aw, k)) {
    // 32-bit operands: vectorized dot products over blocks of W rows that stay in cache while every row of X
    // passes by.
    const std::vector<int32_t> x32(x.begin(), x.end());
    std::vector<int32_t> w_copy;
    const int32_t* w32;
    if constexpr (std::is_same_v<TW, int32_t>) {
      w32 = w.data();
    } else {
      w_copy.assign(w.begin(), w.end());
      w32 = w_copy.data();
    }
    const int64_t block = std::max<int64_t>(1, (int64_t{1} << 18) / std::max<int64_t>(k, 1));  // ~1 MB of W
    const int64_t blocks = (n + block - 1) / block;
    parallel_for(
        static_cast<size_t>(blocks), 0, [&](size_t bi) {
      const int64_t j0 = static_cast<int64_t>(bi) * block, j1 = std::min(n, j0 + block);
      for (int64_t i = 0; i < m; ++i) {
        const int32_t* xr = x32.data() + i * k;
        int64_t j = j0;
        for (; j + 4 <= j1; j += 4) {
          const int32_t* rows[4] = {w32 + j * k, w32 + (j + 1) * k, w32 + (j + 2) * k, w32 + (j + 3) * k};
          int64_t out[4];
          detail::dot4_i32(xr, rows, k, out);
          for (int c = 0; c < 4; ++c) emit(i, j + c, out[c]);
        }
        for (; j < j1; ++j) emit(i, j, detail::dot_i32(xr, w32 + j * k, k));
      }
        },
        grain_for(static_cast<size_t>(block * m * k)));
    return;
  }
  const bool narrow = fits_int64(ax, aw, k);
  parallel_for(static_cast<size_t>(m), 0, [&](size_t iu) {
    const auto i = static_cast<int64_t>(iu);
    const int64_t* xr = x.data() + i * k;
    for (int64_t j = 0; j < n; ++j) {
      const TW* wr = w.data() + j * k;
      if (narrow) {
        int64_t acc = 0;
        for (int64_t t = 0; t < k; ++t) acc += xr[t] * static_cast<int64_t>(wr[t]);
        emit(i, j, acc);
      } else {
        i128 acc = 0;
        for (int64_t t = 0; t < k; ++t) acc += static_cast<i128>(xr[t]) * wr[t];
        emit(i, j, acc);
      }
    }
  }, grain_for(static_cast<size_t>(n * k)));
}

template <class TW>
ITensor matmul_nt_core(std::span<const int64_t> x, int64_t m, int64_t k, std::span<const TW> w, int64_t n,
                       unsigned shift) {
  ITensor y({m, n});
  matmul_nt_visit(x, m, k, w, n, [&](int64_t i, int64_t j, auto v) {
    if constexpr (std::is_same_v<decltype(v), int64_t>) {
      y.row(i)[j] = round_shift64(v, shift);
    } else {
      y.row(i)[j] = to_i64_checked(round_shift(v, shift), "matrix product");
    }
  });
  return y;
}

template <class TW>
std::vector<i128> matmul_nt_exact_core(const ITensor& x, const Tensor<TW>& wt) {
  const int64_t m = x.shape[0], k = x.shape[1], n = wt.shape[0];
  std::vector<i128> y(static_cast<size_t>(m * n));
  matmul_nt_visit(std::span<const int64_t>(x.data), m, k, std::span<const TW>(wt.data), n,
                  [&](int64_t i, int64_t j, auto v) { y[static_cast<size_t>(i * n + j)] = v; });
  return y;
}

template <class TW>
ITensor matmul_nt_impl(const ITensor& x, const Tensor<TW>& w, unsigned shift) {
  check_2d(x.shape, "matmul_nt lhs");
  check_2d(w.shape, "matmul_nt rhs");
  const int64_t m = x.shape[0], k = x.shape[1], n = w.shape[0];
  if (w.shape[1] != k) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "matmul_nt: " + shape_string(x.shape) + " times transposed " +
                                                   shape_string(w.shape));
  }
  return matmul_nt_core(std::span<const int64_t>(x.data), m, k, std::span<const TW>(w.data), n, shift);
}

template <class T>
Tensor<T> transpose(const Tensor<T>& x) {
  const int64_t r = x.shape[0], c = x.shape[1];
  Tensor<T> t({c, r});
  constexpr int64_t kTile = 64;
  parallel_for(static_cast<size_t>((r + kTile - 1) / kTile), 0, [&](size_t bi) {
    const int64_t i0 = static_cast<int64_t>(bi) * kTile, i1 = std::min(r, i0 + kTile);
    for (int64_t j0 = 0; j0 < c; j0 += kTile) {
      const int64_t j1 = std::min(c, j0 + kTile);
      for (int64_t i = i0; i < i1; ++i)
        for (int64_t j = j0; j < j1; ++j) t.data[static_cast<size_t>(j * r + i)] = x.data[static_cast<size_t>(i * c + j)];
    }
  }, grain_for(static_cast<size_t>(kTile * c)));
  return t;
}

template <class TW>
ITensor matmul_nn_impl(const ITensor& x, const Tensor<TW>& w, unsigned shift) {
  check_2d(x.shape, "matmul_nn lhs");
  check_2d(w.shape, "matmul_nn rhs");
  if (w.shape[0] != x.shape[1]) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "matmul_nn: " + shape_string(x.shape) + " times " + shape_string(w.shape));
  }
  return matmul_nt_impl(x, transpose(w), shift);
}

template <class TW>
std::vector<i128> matmul_nn_exact_impl(const ITensor& x, const Tensor<TW>& w) {
  check_2d(x.shape, "matmul_nn_exact lhs");
  check_2d(w.shape, "matmul_nn_exact rhs");
  if (w.shape[0] != x.shape[1]) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT,
                  "matmul_nn_exact: " + shape_string(x.shape) + " times " + shape_string(w.shape));
  }
  return matmul_nt_exact_core(x, transpose(w));
}

}  // namespace

int64_t max_abs(const ITensor& x) { return max_abs_impl(x); }
int64_t max_abs(const WTensor& x) { return max_abs_impl(x); }

ITensor matmul_nt(const ITensor& x, const ITensor& w, unsigned shift) { return matmul_nt_impl(x, w, shift); }
ITensor matmul_nt(const ITensor& x, const WTensor& w, unsigned shift) { return matmul_nt_impl(x, w, shift); }
ITensor matmul_nn(const ITensor& x, const ITensor& w, unsigned shift) { return matmul_nn_impl(x, w, shift); }
ITensor matmul_nn(const ITensor& x, const WTensor& w, unsigned shift) { return matmul_nn_impl(x, w, shift); }

ITensor matmul_nt_rows(std::span<const int64_t> x, int64_t m, int64_t k, std::span<const int32_t> w, int64_t n,
                       unsigned shift) {
  if (x.size() != static_cast<size_t>(m * k) || w.size() != static_cast<size_t>(n * k)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "matmul_nt_rows: operands of the wrong size");
  }
  return matmul_nt_core(x, m, k, w, n, shift);
}

ITensor matmul_nt_rows(std::span<const int64_t> x, int64_t m, int64_t k, std::span<const int64_t> w, int64_t n,
                       unsigned shift) {
  if (x.size() != static_cast<size_t>(m * k) || w.size() != static_cast<size_t>(n * k)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "matmul_nt_rows: operands of the wrong size");
  }
  return matmul_nt_core(x, m, k, w, n, shift);
}

std::vector<i128> matmul_nn_exact(const ITensor& x, const WTensor& w) { return matmul_nn_exact_impl(x, w); }
std::vector<i128> matmul_nn_exact(const ITensor& x, const ITensor& w) { return matmul_nn_exact_impl(x, w); }

std::vector<i128> matmul_tn_exact(const ITensor& x, const ITensor& y) {
  check_2d(x.shape, "matmul_tn_exact lhs");
  check_2d(y.shape, "matmul_tn_exact rhs");
  if (x.shape[0] != y.shape[0]) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "matmul_tn_exact: transposed " + shape_string(x.shape) + " times " +
                                                   shape_string(y.shape));
  }
  return matmul_nt_exact_core(transpose(x), transpose(y));
}

ITensor round_exact(std::span<const i128> acc, int64_t m, int64_t n, unsigned shift, const char* what) {
  if (acc.size() != static_cast<size_t>(m * n)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, std::string(what) + ": " + std::to_string(acc.size()) +
                                                   " entries for " + shape_string({m, n}));
  }
  ITensor y({m, n});
  parallel_for(acc.size(), 0, [&](size_t i) { y.data[i] = to_i64_checked(round_shift(acc[i], shift), what); },
               grain_for(4));
  return y;
}

ITensor matmul_tn(const ITensor& x, const ITensor& y, unsigned shift) {
  check_2d(x.shape, "matmul_tn lhs");
  check_2d(y.shape, "matmul_tn rhs");
  if (x.shape[0] != y.shape[0]) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "matmul_tn: transposed " + shape_string(x.shape) + " times " +
                                                   shape_string(y.shape));
  }
  return matmul_nt_impl(transpose(x), transpose(y), shift);
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + ")";
}

}  // namespace zklora
