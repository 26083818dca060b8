// The padded head layout of grouped-query attention and the folds its products share (attention_ops.cpp,
// attention_backward_ops.cpp).
#pragma once

#include <span>
#include <type_traits>
#include <vector>

#include "zklora/base/threads.h"
#include "zklora/ops/attention/attention_ops.h"
#include "zklora/poly/mle.h"

namespace zklora::head_layout {

// Padded sizes and variable counts of the head layout.
struct Layout {
  size_t b, s, g, r, h, i;      // B', S', G', R, H' = G' R, hd
  unsigned vb, vs, vg, vr, vh, vi;
  explicit Layout(const HeadShape& sh)
      : b(size_t{1} << log2_ceil(sh.batch)), s(size_t{1} << log2_ceil(sh.seq)), g(size_t{1} << log2_ceil(sh.kv_heads)),
        r(sh.group()), h(g * r), i(sh.head_dim), vb(log2_ceil(sh.batch)), vs(log2_ceil(sh.seq)),
        vg(log2_ceil(sh.kv_heads)), vr(log2_ceil(sh.group())), vh(vg + vr), vi(log2_ceil(sh.head_dim)) {}
};

// out[a][c] = sum_j w[j] T[a][j][c] for a table of n0 x n1 x n2 entries (integer or field).
inline std::vector<Fr> fold_middle(TableView t, size_t n0, size_t n1, size_t n2, const std::vector<Fr>& w, int threads) {
  std::vector<Fr> out(n0 * n2);
  t.visit([&](const auto& s) {
    parallel_for(n0, threads, [&](size_t a) {
      for (size_t j = 0; j < n1; ++j) {
        const size_t base = (a * n1 + j) * n2;
        for (size_t c = 0; c < n2 && base + c < s.size(); ++c) {
          using T = std::decay_t<decltype(s[0])>;
          if constexpr (std::is_same_v<T, Fr>) {
            out[a * n2 + c] += w[j] * s[base + c];
          } else {
            if (s[base + c] != 0) out[a * n2 + c] += w[j] * Fr::from_i64(static_cast<int64_t>(s[base + c]));
          }
        }
      }
    }, grain_for(n1 * n2));
  });
  return out;
}

inline std::span<const Fr> part(std::span<const Fr> z, size_t from, size_t n) { return z.subspan(from, n); }

}  // namespace zklora::head_layout
