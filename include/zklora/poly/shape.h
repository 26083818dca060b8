// PaddedShape: how a tensor of shape (d_0, ..., d_{k-1}) becomes an MLE table (mle.h): every dimension padded
// with zeros to the next power of two 2^(v_j), then flattened row-major, so the MLE has n = sum_j v_j variables
// and dimension j owns the v_j consecutive variables starting at var_offset(j) (most significant first).
//
// Padding each dimension (rather than only the flattened length) keeps the index bits of each dimension
// separate, which is what lets the matrix-product reduction and Hyrax split a point into per-dimension parts.
// A dimension of size 1 owns no variable. Dimensions must be >= 1 and the padded size below 2^48.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "zklora/field/fr.h"

namespace zklora {

class PaddedShape {
 public:
  PaddedShape() = default;
  // ZkError INVALID_ARGUMENT for a zero dimension or a padded size of 2^48 or more.
  explicit PaddedShape(std::vector<uint64_t> dims);

  const std::vector<uint64_t>& dims() const { return dims_; }
  size_t rank() const { return dims_.size(); }
  unsigned dim_vars(size_t j) const { return vars_[j]; }
  unsigned var_offset(size_t j) const { return offsets_[j]; }
  unsigned num_vars() const { return num_vars_; }
  uint64_t numel() const;
  uint64_t padded_size() const { return uint64_t{1} << num_vars_; }

  // Position in the padded table of the entry with the given (unpadded) multi-index.
  uint64_t padded_index(std::span<const uint64_t> index) const;

  // The row-major entries of the unpadded tensor (numel() of them) laid out in the padded table.
  template <class T>
  std::vector<T> pad(std::span<const T> data) const;

 private:
  std::vector<uint64_t> dims_;
  std::vector<unsigned> vars_;
  std::vector<unsigned> offsets_;
  unsigned num_vars_ = 0;
};

extern template std::vector<Fr> PaddedShape::pad(std::span<const Fr>) const;
extern template std::vector<int64_t> PaddedShape::pad(std::span<const int64_t>) const;
extern template std::vector<int32_t> PaddedShape::pad(std::span<const int32_t>) const;

}  // namespace zklora
