// Weighted row and column sums (weighted_sum.h): cache-sized column blocks, one reduction per output entry.
#include "zklora/poly/weighted_sum.h"

#include <algorithm>
#include <string>
#include <type_traits>

#include "zklora/base/error.h"
#include "zklora/base/threads.h"
#include "zklora/poly/small_mul.h"

namespace zklora {
namespace {

// Columns per task of combine_rows: 256 accumulators of 48 bytes stay in the first-level cache while every row
// streams past them.
constexpr size_t kColBlock = 256;
// Entries below which the work stays on the calling thread.
constexpr size_t kParallelMin = size_t{1} << 13;

size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

std::vector<ScaledFr<4>> prepare(std::span<const Fr> w, size_t n, int threads) {
  std::vector<ScaledFr<4>> out(n);
  const int th = n < 1024 ? 1 : threads;
  parallel_for(n, th, [&](size_t i) { out[i] = ScaledFr<4>::from(w[i]); });
  return out;
}

// Sum over rows [r0, r1) and columns [c0, c1) of w[i] T[i][c], written to out[c - c0].
template <class T>
void rows_block(std::span<const T> s, size_t width, size_t r0, size_t r1, size_t c0, size_t c1,
                const std::vector<ScaledFr<4>>& sw, std::span<const Fr> w, Fr* out) {
  const size_t nc = c1 - c0;
  if constexpr (std::is_same_v<T, Fr>) {
    std::fill(out, out + nc, Fr::zero());
    for (size_t i = r0; i < r1; ++i) {
      const size_t base = i * width;
      const size_t end = std::min(c1, s.size() - base);
      for (size_t c = c0; c < end; ++c) out[c - c0] += w[i] * s[base + c];
    }
  } else {
    IntFrSum<4> acc[kColBlock];
    auto one_row = [&](size_t i, size_t from) {
      const size_t end = std::min(c1, s.size() - i * width);
      const T* row = s.data() + i * width;
      for (size_t c = from; c < end; ++c) acc[c - c0].add(static_cast<int64_t>(row[c]), sw[i]);
    };
    size_t i = r0;
    // Four rows per pass: each accumulator is loaded and stored once per four products.
    for (; i + 4 <= r1; i += 4) {
      const T* row = s.data() + i * width;
      const size_t end4 = std::min(c1, s.size() - (i + 3) * width);  // columns all four rows have
      for (size_t c = c0; c < end4; ++c) {
        IntFrSum<4> a = acc[c - c0];
        a.add(static_cast<int64_t>(row[c]), sw[i]);
        a.add(static_cast<int64_t>(row[width + c]), sw[i + 1]);
        a.add(static_cast<int64_t>(row[2 * width + c]), sw[i + 2]);
        a.add(static_cast<int64_t>(row[3 * width + c]), sw[i + 3]);
        acc[c - c0] = a;
      }
      for (size_t k = 0; k < 4; ++k) one_row(i + k, std::max(c0, end4));  // a short last row's tail
    }
    for (; i < r1; ++i) one_row(i, c0);
    for (size_t c = 0; c < nc; ++c) out[c] = acc[c].reduce();
  }
}

// Sum over columns [c0, c1) of row i: T[i][c] w[c].
template <class T>
Fr cols_range(std::span<const T> s, size_t width, size_t i, size_t c0, size_t c1, const std::vector<ScaledFr<4>>& sw,
              std::span<const Fr> w) {
  const size_t base = i * width;
  const size_t end = std::min(c1, s.size() - base);
  if constexpr (std::is_same_v<T, Fr>) {
    Fr acc;
    for (size_t c = c0; c < end; ++c) acc += s[base + c] * w[c];
    return acc;
  } else {
    IntFrSum<4> acc;
    const T* row = s.data() + base;
    for (size_t c = c0; c < end; ++c) acc.add(static_cast<int64_t>(row[c]), sw[c]);
    return acc.reduce();
  }
}

}  // namespace

std::vector<Fr> combine_rows(TableView table, size_t width, std::span<const Fr> weights, int threads) {
  if (width == 0) throw ZkError(ErrorCode::INVALID_ARGUMENT, "combine_rows: width 0");
  const size_t rows = ceil_div(table.size(), width);
  if (weights.size() < rows) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "combine_rows: " + std::to_string(weights.size()) +
                                                   " weights for " + std::to_string(rows) + " rows");
  }
  std::vector<Fr> out(width);
  if (rows == 0) return out;
  const int t = table.size() < kParallelMin ? 1 : resolve_threads(threads);
  // Tasks: (row chunk, column block). Wide tables split by columns only; narrow tall ones also by rows, and
  // the row chunks' partial sums are added at the end.
  const size_t col_blocks = ceil_div(width, kColBlock);
  const size_t want = static_cast<size_t>(t) * 4;
  const size_t row_chunks = col_blocks >= want ? 1 : std::min(rows, ceil_div(want, col_blocks));
  std::vector<Fr> partial(row_chunks > 1 ? row_chunks * width : 0);
  table.visit([&](const auto& s) {
    using T = std::decay_t<decltype(s[0])>;
    std::vector<ScaledFr<4>> sw;
    if constexpr (!std::is_same_v<T, Fr>) sw = prepare(weights, rows, t);
    parallel_chunks(row_chunks * col_blocks, row_chunks * col_blocks, t, [&](size_t task, size_t, size_t) {
      const size_t rc = task / col_blocks, cb = task % col_blocks;
      const ChunkRange rr = chunk_range(rows, row_chunks, rc);
      const size_t c0 = cb * kColBlock, c1 = std::min(width, c0 + kColBlock);
      Fr* dst = row_chunks > 1 ? partial.data() + rc * width + c0 : out.data() + c0;
      rows_block<T>(s, width, rr.begin, rr.end, c0, c1, sw, weights, dst);
    });
  });
  if (row_chunks > 1) {
    for (size_t rc = 0; rc < row_chunks; ++rc) {
      for (size_t c = 0; c < width; ++c) out[c] += partial[rc * width + c];
    }
  }
  return out;
}

std::vector<Fr> combine_cols(TableView table, size_t width, std::span<const Fr> weights, int threads) {
  if (width == 0) throw ZkError(ErrorCode::INVALID_ARGUMENT, "combine_cols: width 0");
  if (weights.size() < width && table.size() > 0) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "combine_cols: " + std::to_string(weights.size()) +
                                                   " weights for rows of " + std::to_string(width));
  }
  const size_t rows = ceil_div(table.size(), width);
  std::vector<Fr> out(rows);
  if (rows == 0) return out;
  const int t = table.size() < kParallelMin ? 1 : resolve_threads(threads);
  const size_t used = std::min(width, table.size());
  table.visit([&](const auto& s) {
    using T = std::decay_t<decltype(s[0])>;
    std::vector<ScaledFr<4>> sw;
    if constexpr (!std::is_same_v<T, Fr>) sw = prepare(weights, used, t);
    if (rows >= static_cast<size_t>(t) * 2) {
      parallel_for(rows, t, [&](size_t i) { out[i] = cols_range<T>(s, width, i, 0, width, sw, weights); });
      return;
    }
    // Few long rows: split each row into column chunks and add the partial sums.
    const size_t chunks = static_cast<size_t>(t) * 2;
    std::vector<Fr> partial(rows * chunks);
    parallel_chunks(rows * chunks, rows * chunks, t, [&](size_t task, size_t, size_t) {
      const size_t i = task / chunks;
      const ChunkRange cr = chunk_range(width, chunks, task % chunks);
      partial[task] = cols_range<T>(s, width, i, cr.begin, cr.end, sw, weights);
    });
    for (size_t i = 0; i < rows; ++i) {
      for (size_t c = 0; c < chunks; ++c) out[i] += partial[i * chunks + c];
    }
  });
  return out;
}

Fr inner_product(TableView table, std::span<const Fr> w, int threads) {
  if (table.size() == 0) return Fr::zero();
  return combine_cols(table, table.size(), w, threads)[0];
}

}  // namespace zklora
