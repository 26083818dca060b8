// Range and function tables for LogUp (lookup_table.h).
#include "zklora/piop/lookup_table.h"

#include <algorithm>
#include <functional>
#include <string>

#include "zklora/base/error.h"
#include "zklora/base/threads.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/weighted_sum.h"

namespace zklora {

std::vector<Fr> LookupTable::folded_entries(const Fr& gamma, int threads) const {
  std::vector<Fr> out(size());
  const unsigned w = arity();
  std::vector<Fr> powers(w, Fr::one());
  for (unsigned j = 1; j < w; ++j) powers[j] = powers[j - 1] * gamma;
  parallel_for(out.size(), threads, [&](size_t i) {
    Fr acc = Fr::from_i64(entry(i, 0));
    for (unsigned j = 1; j < w; ++j) acc += powers[j] * Fr::from_i64(entry(i, j));
    out[i] = acc;
  }, grain_for(64));
  return out;
}

std::array<Fr, 2> prefix_eq_sums(uint64_t length, std::span<const Fr> z) {
  const size_t v = z.size();
  if (v > 63 || length > (uint64_t{1} << v)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "prefix_eq_sums: a prefix longer than the hypercube");
  }
  // s[j] = sum_{t >= j} 2^(v-1-t) z_t: the sum of i eq(i, z) over the free low variables from j on.
  std::vector<Fr> s(v + 1);
  for (size_t t = v; t-- > 0;) s[t] = s[t + 1] + Fr::from_u64(uint64_t{1} << (v - 1 - t)) * z[t];
  if (length == (uint64_t{1} << v)) return {Fr::one(), s[0]};
  Fr count, weighted, eqp = Fr::one();
  uint64_t high = 0;  // the bits of L above position j, as an integer
  for (size_t j = 0; j < v; ++j) {
    const uint64_t bit = (length >> (v - 1 - j)) & 1;
    if (bit) {
      // Block: indices agreeing with L on bits above j, 0 at j, anything below.
      const Fr e = eqp * (Fr::one() - z[j]);
      count += e;
      weighted += e * (Fr::from_u64(high << (v - j)) + s[j + 1]);
      eqp *= z[j];
    } else {
      eqp *= Fr::one() - z[j];
    }
    high = 2 * high + bit;
  }
  return {count, weighted};
}

// ---- RangeTable -----------------------------------------------------------------------------------------------

RangeTable::RangeTable(int64_t lo, int64_t hi, unsigned num_vars) : lo_(lo), hi_(hi), k_(num_vars) {
  if (num_vars > 40 || hi <= lo || static_cast<uint64_t>(hi - lo) > (uint64_t{1} << num_vars)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "range table [" + std::to_string(lo) + ", " + std::to_string(hi) +
                                                   ") does not fit 2^" + std::to_string(num_vars) + " entries");
  }
}

int64_t RangeTable::entry(size_t i, unsigned) const {
  return static_cast<uint64_t>(i) < static_cast<uint64_t>(hi_ - lo_) ? lo_ + static_cast<int64_t>(i) : lo_;
}

std::optional<size_t> RangeTable::find(std::span<const int64_t> tuple) const {
  if (tuple.size() != 1 || tuple[0] < lo_ || tuple[0] >= hi_) return std::nullopt;
  return static_cast<size_t>(tuple[0] - lo_);
}

Fr RangeTable::evaluate(std::span<const Fr> z, const Fr&) const {
  if (z.size() != k_) throw ZkError(ErrorCode::INVALID_ARGUMENT, "range table evaluated at a point of wrong size");
  // T~(z) = lo sum_i eq(i, z) + sum_{i < L} i eq(i, z), and sum_i eq(i, z) = 1.
  return Fr::from_i64(lo_) + prefix_eq_sums(static_cast<uint64_t>(hi_ - lo_), z)[1];
}

void RangeTable::absorb(Transcript& t) const {
  t.absorb_bytes("table", std::span(reinterpret_cast<const uint8_t*>("range"), 5));
  t.absorb_fr("lo", Fr::from_i64(lo_));
  t.absorb_fr("hi", Fr::from_i64(hi_));
  t.absorb_u64("num-vars", k_);
}

// ---- TaggedRangeTable -----------------------------------------------------------------------------------------

TaggedRangeTable::TaggedRangeTable(std::vector<unsigned> widths) : widths_(std::move(widths)) {
  std::sort(widths_.begin(), widths_.end(), std::greater<>());
  if (widths_.empty() || widths_.front() > 16 || widths_.back() < 1 ||
      std::adjacent_find(widths_.begin(), widths_.end()) != widths_.end()) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "tagged range table: widths must be distinct, in [1, 16]");
  }
  for (const unsigned b : widths_) {
    offsets_.push_back(used_);
    used_ += uint64_t{1} << b;
  }
  k_ = std::max(1u, log2_ceil(used_));
}

int64_t TaggedRangeTable::entry(size_t i, unsigned j) const {
  for (size_t w = widths_.size(); w-- > 0;) {
    if (i >= offsets_[w] && i < offsets_[w] + (uint64_t{1} << widths_[w])) {
      return j == 0 ? static_cast<int64_t>(widths_[w]) : static_cast<int64_t>(i - offsets_[w]);
    }
  }
  return j == 0 ? static_cast<int64_t>(widths_[0]) : 0;
}

std::optional<size_t> TaggedRangeTable::find(std::span<const int64_t> tuple) const {
  if (tuple.size() != 2) return std::nullopt;
  for (size_t w = 0; w < widths_.size(); ++w) {
    if (tuple[0] != static_cast<int64_t>(widths_[w])) continue;
    if (tuple[1] < 0 || tuple[1] >= (int64_t{1} << widths_[w])) return std::nullopt;
    return static_cast<size_t>(offsets_[w] + static_cast<uint64_t>(tuple[1]));
  }
  return std::nullopt;
}

Fr TaggedRangeTable::evaluate(std::span<const Fr> z, const Fr& gamma) const {
  if (z.size() != k_) throw ZkError(ErrorCode::INVALID_ARGUMENT, "tagged range table evaluated at a point of wrong size");
  Fr out;
  for (size_t w = 0; w < widths_.size(); ++w) {
    const unsigned b = widths_[w], high = k_ - b;
    // The block's indices: offset's top k - b bits, anything below.
    Fr e = Fr::one();
    for (unsigned i = 0; i < high; ++i) e *= ((offsets_[w] >> (k_ - 1 - i)) & 1) ? z[i] : Fr::one() - z[i];
    out += e * (Fr::from_u64(b) + gamma * prefix_eq_sums(uint64_t{1} << b, z.subspan(high))[1]);
  }
  // The padding: (w0, 0) on [used, 2^k); sum_i eq(i, z) = 1.
  out += Fr::from_u64(widths_[0]) * (Fr::one() - prefix_eq_sums(used_, z)[0]);
  return out;
}

void TaggedRangeTable::absorb(Transcript& t) const {
  t.absorb_bytes("table", std::span(reinterpret_cast<const uint8_t*>("tagged-range"), 12));
  t.absorb_u64("widths", widths_.size());
  for (const unsigned b : widths_) t.absorb_u64("width", b);
}

// ---- FunctionTable --------------------------------------------------------------------------------------------

FunctionTable::FunctionTable(std::string name, int64_t x0, std::vector<int64_t> y, unsigned num_vars)
    : name_(std::move(name)), x0_(x0), count_(y.size()), k_(num_vars) {
  if (num_vars > 24 || y.empty() || y.size() > (size_t{1} << num_vars)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "function table '" + name_ + "' of " + std::to_string(y.size()) +
                                                   " entries does not fit 2^" + std::to_string(num_vars));
  }
  const size_t n = size_t{1} << num_vars;
  xs_.resize(n, x0);
  ys_ = std::move(y);
  ys_.resize(n, ys_[0]);
  for (size_t i = 0; i < count_; ++i) xs_[i] = x0 + static_cast<int64_t>(i);
  Transcript d("function-table-values");
  d.absorb_bytes("y", std::span(reinterpret_cast<const uint8_t*>(ys_.data()), count_ * sizeof(int64_t)));
  digest_ = d.digest();
}

int64_t FunctionTable::entry(size_t i, unsigned j) const { return j == 0 ? xs_[i] : ys_[i]; }

std::optional<size_t> FunctionTable::find(std::span<const int64_t> tuple) const {
  if (tuple.size() != 2 || tuple[0] < x0_) return std::nullopt;
  const uint64_t i = static_cast<uint64_t>(tuple[0] - x0_);
  if (i >= count_ || ys_[i] != tuple[1]) return std::nullopt;
  return static_cast<size_t>(i);
}

Fr FunctionTable::evaluate(std::span<const Fr> z, const Fr& gamma) const {
  if (z.size() != k_) throw ZkError(ErrorCode::INVALID_ARGUMENT, "function table evaluated at a point of wrong size");
  const std::vector<Fr> e = eq_table(z, Fr::one(), 1);
  return inner_product(TableView(xs_), e, 1) + gamma * inner_product(TableView(ys_), e, 1);
}

void FunctionTable::absorb(Transcript& t) const {
  t.absorb_bytes("table", std::span(reinterpret_cast<const uint8_t*>(name_.data()), name_.size()));
  t.absorb_fr("x0", Fr::from_i64(x0_));
  t.absorb_u64("count", count_);
  t.absorb_u64("num-vars", k_);
  t.absorb_bytes("values-digest", digest_);
}

}  // namespace zklora
