// Weighted sums of the rows or the columns of a table viewed as a matrix: the partial evaluations of an MLE at
// the leading or trailing variables, in O(entries) small-integer products and no field multiplication per entry.
//
// The table is a matrix with rows of `width` entries: row i holds entries [i width, (i + 1) width), the last row
// may be short and missing entries are zero (the padding of mle.h), so rows = ceil(size / width).
//   combine_rows:  out[c] = sum_i w[i] T[i][c]     (c < width)   = t~(z_row, c) for w = eq_table(z_row)
//   combine_cols:  out[i] = sum_c T[i][c] w[c]     (i < rows)    = t~(i, z_col) for w = eq_table(z_col)
// These are the two halves of every matrix-shaped reduction: Hyrax's opening folds the committed matrix by the
// row eq vector; the matrix-product reduction folds X by the eq vector of Y's row point and W by that of Y's
// column point, and a transposed operand swaps combine_rows and combine_cols instead of being transposed.
//
// Integer entries are accumulated with IntFrSum<4> against weights prepared once (one field multiplication per
// weight, ScaledFr<4>), and reduced once per output entry. Field entries cost one multiplication each.
// Work is split across threads by column blocks (combine_rows) or rows (combine_cols).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "zklora/field/fr.h"
#include "zklora/poly/table.h"

namespace zklora {

// width >= 1; weights.size() >= rows (ZkError INVALID_ARGUMENT otherwise). Returns `width` entries.
std::vector<Fr> combine_rows(TableView table, size_t width, std::span<const Fr> weights, int threads = 0);

// width >= 1; weights.size() >= width. Returns ceil(table.size() / width) entries.
std::vector<Fr> combine_cols(TableView table, size_t width, std::span<const Fr> weights, int threads = 0);

// sum_i table[i] w[i] over the table's entries (w.size() >= table.size()).
Fr inner_product(TableView table, std::span<const Fr> w, int threads = 0);

}  // namespace zklora
