// TableView: a read-only view of the evaluation table of a multilinear extension, whose entries are either field
// elements or small signed integers (the witness engine's int64 activations and int32 weights).
//
// The proof machinery takes MLE tables through this view so that integer tensors are never converted to field
// elements wholesale: kernels visit the view and use the small-integer arithmetic of small_mul.h for integer
// entries (a product int x Fr costs a few 64-bit multiplications, not a field multiplication). A view never owns
// its entries; the caller keeps them alive.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "zklora/field/fr.h"

namespace zklora {

class TableView {
 public:
  TableView() : v_(std::span<const Fr>{}) {}
  TableView(std::span<const Fr> v) : v_(v) {}            // NOLINT: implicit by design
  TableView(std::span<const int64_t> v) : v_(v) {}       // NOLINT
  TableView(std::span<const int32_t> v) : v_(v) {}       // NOLINT
  TableView(const std::vector<Fr>& v) : v_(std::span<const Fr>(v)) {}            // NOLINT
  TableView(const std::vector<int64_t>& v) : v_(std::span<const int64_t>(v)) {}  // NOLINT
  TableView(const std::vector<int32_t>& v) : v_(std::span<const int32_t>(v)) {}  // NOLINT

  size_t size() const {
    return std::visit([](const auto& s) { return s.size(); }, v_);
  }
  bool is_field() const { return std::holds_alternative<std::span<const Fr>>(v_); }

  // Entries [offset, offset + count) (clamped to the end).
  TableView subview(size_t offset, size_t count) const {
    return std::visit(
        [&](const auto& s) -> TableView {
          const size_t b = std::min(offset, s.size());
          return TableView(s.subspan(b, std::min(count, s.size() - b)));
        },
        v_);
  }

  // Calls f with the underlying std::span<const T> (T = Fr, int64_t or int32_t).
  template <class F>
  decltype(auto) visit(F&& f) const {
    return std::visit(std::forward<F>(f), v_);
  }

  // Entry i as a field element (slow path: tests and single lookups).
  Fr at(size_t i) const {
    return std::visit(
        [&](const auto& s) -> Fr {
          using T = std::decay_t<decltype(s[0])>;
          if constexpr (std::is_same_v<T, Fr>) {
            return s[i];
          } else {
            return Fr::from_i64(static_cast<int64_t>(s[i]));
          }
        },
        v_);
  }

 private:
  std::variant<std::span<const Fr>, std::span<const int64_t>, std::span<const int32_t>> v_;
};

}  // namespace zklora
