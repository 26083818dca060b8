// Integer tensors of the fixed-point engine: a shape and row-major data. Values are integers in the scale of
// their kind (format.h); the scale is not stored, it is fixed by where the tensor sits in the step.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace zklora {

template <class T>
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<T> data;

  Tensor() = default;
  explicit Tensor(std::vector<int64_t> s) : shape(std::move(s)), data(static_cast<size_t>(count(shape)), T{}) {}

  static int64_t count(const std::vector<int64_t>& s) {
    int64_t n = 1;
    for (const int64_t d : s) n *= d;
    return n;
  }
  int64_t numel() const { return static_cast<int64_t>(data.size()); }
  int64_t dim(size_t i) const { return shape[i]; }
  T* row(int64_t r) { return data.data() + r * shape.back(); }
  const T* row(int64_t r) const { return data.data() + r * shape.back(); }
  T& operator[](int64_t i) { return data[static_cast<size_t>(i)]; }
  const T& operator[](int64_t i) const { return data[static_cast<size_t>(i)]; }
  bool operator==(const Tensor& o) const { return shape == o.shape && data == o.data; }
  T& at2(int64_t r, int64_t c) { return data[static_cast<size_t>(r * shape[1] + c)]; }
  const T& at2(int64_t r, int64_t c) const { return data[static_cast<size_t>(r * shape[1] + c)]; }
};

using ITensor = Tensor<int64_t>;   // activations, gradients, adapter matrices, optimizer state
using WTensor = Tensor<int32_t>;   // base weights (|w| < 2^31 at the weight scale)

std::string shape_string(const std::vector<int64_t>& shape);

}  // namespace zklora
