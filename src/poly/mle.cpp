// Eq tables, evaluation and binding of MLEs in the variable order of mle.h; integer tables through small_mul.h.
#include "zklora/poly/mle.h"

#include <bit>
#include <string>
#include <type_traits>

#include "zklora/base/error.h"
#include "zklora/base/threads.h"
#include "zklora/poly/small_mul.h"
#include "zklora/poly/weighted_sum.h"

namespace zklora {
namespace {

// Below this many entries a loop runs on the calling thread: thread start-up costs more than the work.
constexpr size_t kParallelMin = size_t{1} << 12;

int threads_for(size_t n, int threads) { return n < kParallelMin ? 1 : resolve_threads(threads); }

// eq table built level by level on one thread: after level j the entries are scale * eq(bits, z_0..z_j),
// entry 2i + 1 extends entry i by x_j = 1 and entry 2i by x_j = 0 (x_j becomes the new least significant bit).
void eq_table_serial(std::span<const Fr> z, const Fr& scale, Fr* out) {
  out[0] = scale;
  size_t size = 1;
  for (const Fr& zj : z) {
    for (size_t i = size; i-- > 0;) {
      const Fr hi = out[i] * zj;
      out[2 * i] = out[i] - hi;
      out[2 * i + 1] = hi;
    }
    size *= 2;
  }
}

}  // namespace

unsigned log2_ceil(uint64_t size) {
  return size <= 1 ? 0 : static_cast<unsigned>(std::bit_width(size - 1));
}

std::vector<Fr> eq_table(std::span<const Fr> z, const Fr& scale, int threads) {
  const size_t n = z.size();
  if (n >= 48) throw ZkError(ErrorCode::INVALID_ARGUMENT, "eq_table: 2^" + std::to_string(n) + " entries");
  std::vector<Fr> out(size_t{1} << n);
  if (out.size() < kParallelMin) {
    eq_table_serial(z, scale, out.data());
    return out;
  }
  // eq(bits(i), z) = eq(hi bits, z_hi) * eq(lo bits, z_lo): two small tables, then one product per entry.
  const size_t lo = n / 2;
  std::vector<Fr> e_hi(size_t{1} << (n - lo)), e_lo(size_t{1} << lo);
  eq_table_serial(z.subspan(0, n - lo), scale, e_hi.data());
  eq_table_serial(z.subspan(n - lo), Fr::one(), e_lo.data());
  parallel_for(e_hi.size(), resolve_threads(threads), [&](size_t h) {
    Fr* row = out.data() + (h << lo);
    for (size_t l = 0; l < e_lo.size(); ++l) row[l] = e_hi[h] * e_lo[l];
  });
  return out;
}

std::vector<Fr> eq_sum_table(std::span<const std::vector<Fr>* const> points, std::span<const Fr> weights,
                             int threads) {
  if (points.empty() || points.size() != weights.size()) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "eq_sum_table: points and weights do not match");
  }
  std::vector<Fr> out = eq_table(*points[0], weights[0], threads);
  for (size_t k = 1; k < points.size(); ++k) {
    if (points[k]->size() != points[0]->size()) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "eq_sum_table: points of different lengths");
    }
    const std::vector<Fr> e = eq_table(*points[k], weights[k], threads);
    parallel_for(out.size(), resolve_threads(threads), [&](size_t i) { out[i] += e[i]; }, grain_for(64));
  }
  return out;
}

Fr eq_sum_eval(std::span<const std::vector<Fr>* const> points, std::span<const Fr> weights, std::span<const Fr> r) {
  Fr acc;
  for (size_t k = 0; k < points.size(); ++k) acc += weights[k] * eq_eval(*points[k], r);
  return acc;
}

Fr eq_eval(std::span<const Fr> a, std::span<const Fr> b) {
  if (a.size() != b.size()) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "eq_eval: points of lengths " + std::to_string(a.size()) + " and " +
                                                   std::to_string(b.size()));
  }
  Fr acc = Fr::one();
  const Fr one = Fr::one();
  for (size_t j = 0; j < a.size(); ++j) {
    const Fr ab = a[j] * b[j];
    acc *= ab + ab + one - a[j] - b[j];  // a b + (1 - a)(1 - b)
  }
  return acc;
}

Fr mle_evaluate(TableView table, std::span<const Fr> z, int threads) {
  const size_t n = z.size();
  if (n >= 64 || table.size() > (uint64_t{1} << n)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "mle_evaluate: a table of " + std::to_string(table.size()) +
                                                   " entries at a point of " + std::to_string(n) + " variables");
  }
  if (table.size() == 0) return Fr::zero();
  // t~(z) = eq(z_hi)^T T eq(z_lo) for the table as a matrix of rows of 2^lo entries.
  const size_t lo = n / 2;
  const std::vector<Fr> e_lo = eq_table(z.subspan(n - lo), Fr::one(), threads);
  const std::vector<Fr> col = combine_cols(table, e_lo.size(), e_lo, threads);
  const std::vector<Fr> e_hi = eq_table(z.subspan(0, n - lo), Fr::one(), threads);
  Fr acc;
  for (size_t i = 0; i < col.size(); ++i) acc += col[i] * e_hi[i];
  return acc;
}

void mle_fold(std::vector<Fr>& table, const Fr& r, int threads) {
  const size_t n = table.size();
  if (n < 2 || !std::has_single_bit(n)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "mle_fold: a table of " + std::to_string(n) + " entries");
  }
  const size_t half = n / 2;
  Fr* t = table.data();
  const int th = threads_for(half, threads);
  parallel_chunks(half, static_cast<size_t>(th), th, [&](size_t b, size_t e, size_t) {
    for (size_t i = b; i < e; ++i) t[i] += r * (t[i + half] - t[i]);
  });
  table.resize(half);
}

std::vector<Fr> mle_fold(TableView table, unsigned num_vars, const Fr& r, int threads) {
  if (num_vars < 1 || num_vars >= 48 || table.size() > (uint64_t{1} << num_vars)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "mle_fold: a table of " + std::to_string(table.size()) +
                                                   " entries with " + std::to_string(num_vars) + " variables");
  }
  const size_t half = size_t{1} << (num_vars - 1);
  std::vector<Fr> out(half);
  const int th = threads_for(half, threads);
  table.visit([&](const auto& s) {
    using T = std::decay_t<decltype(s[0])>;
    const size_t size = s.size();
    if constexpr (std::is_same_v<T, Fr>) {
      parallel_chunks(half, static_cast<size_t>(th), th, [&](size_t b, size_t e, size_t) {
        for (size_t i = b; i < e; ++i) {
          const Fr lo = i < size ? s[i] : Fr::zero();
          const Fr hi = i + half < size ? s[i + half] : Fr::zero();
          out[i] = lo + r * (hi - lo);
        }
      });
    } else {
      // (1 - r) lo + r hi with two small-integer products and one word of reduction.
      const ScaledFr<1> w0 = ScaledFr<1>::from(Fr::one() - r), w1 = ScaledFr<1>::from(r);
      parallel_chunks(half, static_cast<size_t>(th), th, [&](size_t b, size_t e, size_t) {
        for (size_t i = b; i < e; ++i) {
          const int64_t lo = i < size ? static_cast<int64_t>(s[i]) : 0;
          const int64_t hi = i + half < size ? static_cast<int64_t>(s[i + half]) : 0;
          out[i] = int_lincomb2(lo, w0, hi, w1);
        }
      });
    }
  });
  return out;
}

std::vector<Fr> to_field(TableView table, size_t size, int threads) {
  if (size < table.size()) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "to_field: padding " + std::to_string(table.size()) + " entries to " +
                                                   std::to_string(size));
  }
  std::vector<Fr> out(size);
  const int th = threads_for(table.size(), threads);
  table.visit([&](const auto& s) {
    using T = std::decay_t<decltype(s[0])>;
    parallel_chunks(s.size(), static_cast<size_t>(th), th, [&](size_t b, size_t e, size_t) {
      for (size_t i = b; i < e; ++i) {
        if constexpr (std::is_same_v<T, Fr>) {
          out[i] = s[i];
        } else {
          out[i] = int_to_fr(static_cast<int64_t>(s[i]));
        }
      }
    });
  });
  return out;
}

}  // namespace zklora
