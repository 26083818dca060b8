// Dense multilinear extensions (MLEs) over Fr: the variable order, eq tables, binding a variable, evaluation.
//
// ---- The variable order (the one place it is defined) -------------------------------------------------------
// A table t of 2^n entries defines the multilinear polynomial
//     t~(x_0, ..., x_{n-1}) = sum_{i < 2^n} t[i] * eq(bits(i), x),    bits(i) = (i_{n-1}, ..., i_1, i_0),
//     eq(a, x) = prod_j (a_j x_j + (1 - a_j)(1 - x_j)),
// where i_k is bit k of i: variable x_0 is the MOST significant bit of the index, x_{n-1} the least.
// A tensor of shape (d_0, ..., d_{k-1}) is laid out with every dimension padded with zeros to a power of two
// (shape.h) and flattened row-major; its MLE's point is then the concatenation of one sub-point per dimension,
// in dimension order, each most significant bit first:  z = (z^(0) || z^(1) || ... || z^(k-1)).
// For a matrix with 2^a rows and 2^b columns: z = (row point: a variables || column point: b variables), and
// t~(z) = eq(z_row)^T  T  eq(z_col), which Hyrax (pcs/) and the matrix-product reduction (piop/) rely on.
// A table shorter than 2^n is implicitly padded with zeros at the end.
//
// Binding x_0 := r (mle_fold) maps t to t'[i] = t[i] + r (t[i + 2^(n-1)] - t[i]): the two halves of the table,
// one streaming pass, in place. The sumcheck binds x_0, x_1, ... in this order, so its point is in MLE order.
//
// Costs: eq_table(z) is one multiplication per entry; mle_fold one per output entry; mle_evaluate of a table
// with 2^n entries about 2^n multiplications for field tables and 2^n small-integer products (small_mul.h) plus
// O(2^(n/2)) multiplications for integer tables.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "zklora/field/fr.h"
#include "zklora/poly/table.h"

namespace zklora {

// 2^|z| entries: eq_table(z)[i] = scale * eq(bits(i), z). threads = 0: default.
std::vector<Fr> eq_table(std::span<const Fr> z, const Fr& scale = Fr::one(), int threads = 0);

// eq(a, b) = prod_j (a_j b_j + (1 - a_j)(1 - b_j)); a and b must have equal length (ZkError otherwise).
Fr eq_eval(std::span<const Fr> a, std::span<const Fr> b);

// sum_k weights[k] eq(x, points[k]) over x in {0,1}^n (n = |points[k]| for all k): the weights of a random
// combination of claims at several points, and its value at one point r.
std::vector<Fr> eq_sum_table(std::span<const std::vector<Fr>* const> points, std::span<const Fr> weights,
                             int threads = 0);
Fr eq_sum_eval(std::span<const std::vector<Fr>* const> points, std::span<const Fr> weights, std::span<const Fr> r);

// t~(z) for a table of at most 2^|z| entries (ZkError INVALID_ARGUMENT if longer).
Fr mle_evaluate(TableView table, std::span<const Fr> z, int threads = 0);

// Binds x_0 := r in place: table.size() must be a power of two >= 2; the size halves.
void mle_fold(std::vector<Fr>& table, const Fr& r, int threads = 0);

// Binds x_0 := r of the table zero-padded to 2^num_vars entries (num_vars >= 1), returning 2^(num_vars - 1)
// field elements. Integer entries cost two small-integer products each, no field multiplication.
std::vector<Fr> mle_fold(TableView table, unsigned num_vars, const Fr& r, int threads = 0);

// The table as field elements, zero-padded to `size` entries (size >= table.size()).
std::vector<Fr> to_field(TableView table, size_t size, int threads = 0);

// The smallest n with 2^n >= size (0 for size <= 1).
unsigned log2_ceil(uint64_t size);

}  // namespace zklora
