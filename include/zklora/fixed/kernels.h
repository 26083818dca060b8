// Matrix kernels of the engine, exact in integers: every product is accumulated without loss (in int64 when
// max|a| * max|b| * k < 2^62 proves it cannot overflow, else in int128; the result is the same integer) and
// then rounded once with round_shift. Rows run in parallel on the process's threads.
//
//   matmul_nt(X (m,k), W (n,k), s) = round_shift(X W^T, s)   forward projections (W in (out, in) layout)
//   matmul_nn(X (m,k), W (k,n), s) = round_shift(X W, s)     input gradients dX = dY W
//   matmul_tn(X (k,m), Y (k,n), s) = round_shift(X^T Y, s)   weight gradients, summed over tokens
#pragma once

#include <cstdint>
#include <span>

#include "zklora/fixed/arith.h"
#include "zklora/fixed/tensor.h"

namespace zklora {

ITensor matmul_nt(const ITensor& x, const ITensor& w, unsigned shift);
ITensor matmul_nt(const ITensor& x, const WTensor& w, unsigned shift);
ITensor matmul_nn(const ITensor& x, const ITensor& w, unsigned shift);
ITensor matmul_nn(const ITensor& x, const WTensor& w, unsigned shift);
ITensor matmul_tn(const ITensor& x, const ITensor& y, unsigned shift);
// matmul_nt over row-major views: x (m, k), w (n, k) (the step graph's tensors, without copying a weight).
ITensor matmul_nt_rows(std::span<const int64_t> x, int64_t m, int64_t k, std::span<const int32_t> w, int64_t n,
                       unsigned shift);
ITensor matmul_nt_rows(std::span<const int64_t> x, int64_t m, int64_t k, std::span<const int64_t> w, int64_t n,
                       unsigned shift);

// The exact products X W and X^T Y, (m, n) row-major in 128 bits: parts of a sum rounded once (nn.h's
// InputGradient, the LoRA branch's scaled products).
std::vector<i128> matmul_nn_exact(const ITensor& x, const WTensor& w);
std::vector<i128> matmul_nn_exact(const ITensor& x, const ITensor& w);
std::vector<i128> matmul_tn_exact(const ITensor& x, const ITensor& y);
// round_shift(acc_i, shift) entry by entry as an (m, n) tensor; OUT_OF_RANGE past int64, naming `what`.
ITensor round_exact(std::span<const i128> acc, int64_t m, int64_t n, unsigned shift, const char* what);

// max |x_i| over the tensor (0 for an empty one).
int64_t max_abs(const ITensor& x);
int64_t max_abs(const WTensor& x);

}  // namespace zklora
