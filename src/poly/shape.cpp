// Per-dimension padding of tensors into MLE tables (shape.h).
#include "zklora/poly/shape.h"

#include <string>

#include "zklora/base/error.h"
#include "zklora/poly/mle.h"

namespace zklora {

PaddedShape::PaddedShape(std::vector<uint64_t> dims) : dims_(std::move(dims)) {
  vars_.reserve(dims_.size());
  offsets_.reserve(dims_.size());
  for (size_t j = 0; j < dims_.size(); ++j) {
    if (dims_[j] == 0) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "PaddedShape: dimension " + std::to_string(j) + " is zero");
    }
    const unsigned v = log2_ceil(dims_[j]);
    offsets_.push_back(num_vars_);
    vars_.push_back(v);
    num_vars_ += v;
    if (num_vars_ >= 48) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "PaddedShape: padded size 2^" + std::to_string(num_vars_) +
                                                     " is 2^48 or more");
    }
  }
}

uint64_t PaddedShape::numel() const {
  uint64_t n = 1;
  for (const uint64_t d : dims_) n *= d;
  return n;
}

uint64_t PaddedShape::padded_index(std::span<const uint64_t> index) const {
  if (index.size() != dims_.size()) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "PaddedShape::padded_index: index of rank " +
                                                   std::to_string(index.size()) + " for a tensor of rank " +
                                                   std::to_string(dims_.size()));
  }
  uint64_t p = 0;
  for (size_t j = 0; j < dims_.size(); ++j) {
    if (index[j] >= dims_[j]) throw ZkError(ErrorCode::OUT_OF_RANGE, "PaddedShape::padded_index: index out of range");
    p = (p << vars_[j]) | index[j];
  }
  return p;
}

template <class T>
std::vector<T> PaddedShape::pad(std::span<const T> data) const {
  if (data.size() != numel()) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "PaddedShape::pad: " + std::to_string(data.size()) +
                                                   " entries for a tensor of " + std::to_string(numel()));
  }
  std::vector<T> out(padded_size(), T{});
  if (dims_.empty()) {
    out[0] = data[0];
    return out;
  }
  // Copy the last dimension's runs: the unpadded run of d_{k-1} entries starts at the padded index of
  // (i_0, ..., i_{k-2}, 0).
  const uint64_t run = dims_.back();
  const uint64_t runs = numel() / run;
  std::vector<uint64_t> idx(dims_.size(), 0);
  for (uint64_t q = 0; q < runs; ++q) {
    const uint64_t dst = padded_index(idx);
    for (uint64_t c = 0; c < run; ++c) out[dst + c] = data[q * run + c];
    for (size_t j = dims_.size() - 1; j-- > 0;) {  // next multi-index over the leading dimensions
      if (++idx[j] < dims_[j]) break;
      idx[j] = 0;
    }
  }
  return out;
}

template std::vector<Fr> PaddedShape::pad(std::span<const Fr>) const;
template std::vector<int64_t> PaddedShape::pad(std::span<const int64_t>) const;
template std::vector<int32_t> PaddedShape::pad(std::span<const int32_t>) const;

}  // namespace zklora
