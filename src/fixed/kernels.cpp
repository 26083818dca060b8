#include "zklora/fixed/kernels.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "zklora/base/error.h"
#include "zklora/base/threads.h"
#include "zklora/fixed/arith.h"

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

template <class TW>
ITensor matmul_nt_impl(const ITensor& x, const Tensor<TW>& w, unsigned shift) {
  check_2d(x.shape, "matmul_nt lhs");
  check_2d(w.shape, "matmul_nt rhs");
  const int64_t m = x.shape[0], k = x.shape[1], n = w.shape[0];
  if (w.shape[1] != k) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "matmul_nt: " + shape_string(x.shape) + " times transposed " +
                                                   shape_string(w.shape));
  }
  ITensor y({m, n});
  const bool narrow = fits_int64(max_abs(x), max_abs_impl(w), k);
  parallel_for(static_cast<size_t>(m), 0, [&](size_t i) {
    const int64_t* xr = x.row(static_cast<int64_t>(i));
    int64_t* yr = y.row(static_cast<int64_t>(i));
    for (int64_t j = 0; j < n; ++j) {
      const TW* wr = w.data.data() + j * k;
      if (narrow) {
        int64_t acc = 0;
        for (int64_t t = 0; t < k; ++t) acc += xr[t] * static_cast<int64_t>(wr[t]);
        yr[j] = round_shift64(acc, shift);
      } else {
        i128 acc = 0;
        for (int64_t t = 0; t < k; ++t) acc += static_cast<i128>(xr[t]) * wr[t];
        yr[j] = to_i64_checked(round_shift(acc, shift), "matrix product");
      }
    }
  });
  return y;
}

template <class TW>
ITensor matmul_nn_impl(const ITensor& x, const Tensor<TW>& w, unsigned shift) {
  check_2d(x.shape, "matmul_nn lhs");
  check_2d(w.shape, "matmul_nn rhs");
  const int64_t m = x.shape[0], k = x.shape[1], n = w.shape[1];
  if (w.shape[0] != k) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "matmul_nn: " + shape_string(x.shape) + " times " + shape_string(w.shape));
  }
  ITensor y({m, n});
  const bool narrow = fits_int64(max_abs(x), max_abs_impl(w), k);
  parallel_for(static_cast<size_t>(m), 0, [&](size_t i) {
    const int64_t* xr = x.row(static_cast<int64_t>(i));
    int64_t* yr = y.row(static_cast<int64_t>(i));
    if (narrow) {
      std::vector<int64_t> acc(static_cast<size_t>(n), 0);
      for (int64_t t = 0; t < k; ++t) {
        const int64_t a = xr[t];
        if (a == 0) continue;
        const TW* wr = w.data.data() + t * n;
        for (int64_t j = 0; j < n; ++j) acc[static_cast<size_t>(j)] += a * static_cast<int64_t>(wr[j]);
      }
      for (int64_t j = 0; j < n; ++j) yr[j] = round_shift64(acc[static_cast<size_t>(j)], shift);
    } else {
      std::vector<i128> acc(static_cast<size_t>(n), 0);
      for (int64_t t = 0; t < k; ++t) {
        const int64_t a = xr[t];
        if (a == 0) continue;
        const TW* wr = w.data.data() + t * n;
        for (int64_t j = 0; j < n; ++j) acc[static_cast<size_t>(j)] += static_cast<i128>(a) * wr[j];
      }
      for (int64_t j = 0; j < n; ++j) yr[j] = to_i64_checked(round_shift(acc[static_cast<size_t>(j)], shift), "matrix product");
    }
  });
  return y;
}

ITensor transpose(const ITensor& x) {
  const int64_t r = x.shape[0], c = x.shape[1];
  ITensor t({c, r});
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j) t.at2(j, i) = x.at2(i, j);
  return t;
}

}  // namespace

int64_t max_abs(const ITensor& x) { return max_abs_impl(x); }
int64_t max_abs(const WTensor& x) { return max_abs_impl(x); }

ITensor matmul_nt(const ITensor& x, const ITensor& w, unsigned shift) { return matmul_nt_impl(x, w, shift); }
ITensor matmul_nt(const ITensor& x, const WTensor& w, unsigned shift) { return matmul_nt_impl(x, w, shift); }
ITensor matmul_nn(const ITensor& x, const ITensor& w, unsigned shift) { return matmul_nn_impl(x, w, shift); }
ITensor matmul_nn(const ITensor& x, const WTensor& w, unsigned shift) { return matmul_nn_impl(x, w, shift); }

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
