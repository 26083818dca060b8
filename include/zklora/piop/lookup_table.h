// Lookup tables as the verifier knows them: given by a formula it evaluates itself, never committed
// (DESIGN.md section 4: "Table MLEs the verifier can evaluate itself are not committed").
//
// A table has 2^k entries, each a tuple of `arity` integers (T_0[i], ..., T_{w-1}[i]). A LogUp argument (logup.h)
// folds a tuple with a challenge gamma into one field element,
//     t_i = sum_{j < w} gamma^j T_j[i],
// and the verifier needs the MLE of the folded table at a point z (k coordinates, mle.h order):
//     T~(z, gamma) = sum_j gamma^j T_j~(z).
// Two kinds:
//   RangeTable [a, b), b - a <= 2^k, arity 1: T[i] = a + i for i < L = b - a, and T[i] = a for i >= L (the
//     padding repeats a value of the range, so the table holds exactly the range). Closed form in O(k):
//         T~(z) = a + sum_{i < L} i eq(i, z)                                                   (prefix_eq_sums)
//   FunctionTable, arity 2: entries (x_0 + i, y[i]) for i < |y| <= 2^k, padded with (x_0, y[0]). The verifier
//     evaluates T~(z, gamma) = sum_i eq(i, z) (x_i + gamma y_i) from the entries: one eq table, O(2^k)
//     (about a millisecond for 2^16 entries).
// A table absorbs its name and parameters (a function table: the SHA-256 of its values) into the transcript,
// so a proof made against one table does not verify against another.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zklora/field/fr.h"
#include "zklora/transcript/transcript.h"

namespace zklora {

class LookupTable {
 public:
  virtual ~LookupTable() = default;

  virtual std::string_view name() const = 0;
  virtual unsigned num_vars() const = 0;  // k
  virtual unsigned arity() const = 0;     // w
  size_t size() const { return size_t{1} << num_vars(); }

  // T_j[i], i < size(), j < arity().
  virtual int64_t entry(size_t i, unsigned j) const = 0;
  // An index i with (T_0[i], ..., T_{w-1}[i]) = tuple, or nothing (prover side: multiplicities).
  virtual std::optional<size_t> find(std::span<const int64_t> tuple) const = 0;
  // T~(z, gamma) = sum_j gamma^j T_j~(z) for |z| = num_vars() (ZkError INVALID_ARGUMENT otherwise).
  virtual Fr evaluate(std::span<const Fr> z, const Fr& gamma) const = 0;
  // Name and parameters, under the label "table".
  virtual void absorb(Transcript& t) const = 0;

  // The folded entries t_i = sum_j gamma^j T_j[i], all 2^k of them (prover side).
  std::vector<Fr> folded_entries(const Fr& gamma, int threads = 0) const;
};

// For L <= 2^|z|: (sum_{i < L} eq(i, z), sum_{i < L} i eq(i, z)) in O(|z|): {i < L} is a union of one block of
// consecutive indices per set bit of L (the indices agreeing with L above that bit and 0 at it).
std::array<Fr, 2> prefix_eq_sums(uint64_t length, std::span<const Fr> z);

class RangeTable final : public LookupTable {
 public:
  // [lo, hi) with 1 <= hi - lo <= 2^num_vars, num_vars <= 40 (ZkError INVALID_ARGUMENT otherwise).
  RangeTable(int64_t lo, int64_t hi, unsigned num_vars);
  // [0, 2^bits) in a table of 2^bits entries.
  static RangeTable unsigned_bits(unsigned bits) { return RangeTable(0, int64_t{1} << bits, bits); }
  // [-2^(bits-1), 2^(bits-1)) in a table of 2^bits entries.
  static RangeTable signed_bits(unsigned bits) {
    return RangeTable(-(int64_t{1} << (bits - 1)), int64_t{1} << (bits - 1), bits);
  }

  int64_t lo() const { return lo_; }
  int64_t hi() const { return hi_; }
  std::string_view name() const override { return "range"; }
  unsigned num_vars() const override { return k_; }
  unsigned arity() const override { return 1; }
  int64_t entry(size_t i, unsigned j) const override;
  std::optional<size_t> find(std::span<const int64_t> tuple) const override;
  Fr evaluate(std::span<const Fr> z, const Fr& gamma) const override;
  void absorb(Transcript& t) const override;

 private:
  int64_t lo_, hi_;
  unsigned k_;
};

// Several ranges [0, 2^b) in one table, each entry tagged with its width: pairs (b, v), v < 2^b, for each width b
// of `widths` (distinct, 1 to 16). The blocks are laid out widest first, each at an offset that is a multiple of
// its size (they are non-increasing powers of two), and the rest is padded with (w0, 0) for the first width w0:
// T~(z, gamma) is a sum over the blocks, each eq(offset's bits, z_high) (b + gamma sum_{v < 2^b} v eq(v, z_low)),
// O(k) per block. A range check looks its 16-bit limbs up with tag 16 and its top limb, of b' bits, with tag b'
// (piop/range_check.h): one argument, one point, no scaled copy of the top limb.
class TaggedRangeTable final : public LookupTable {
 public:
  // ZkError INVALID_ARGUMENT for an empty list, a width outside [1, 16] or twice the same width.
  explicit TaggedRangeTable(std::vector<unsigned> widths);

  std::span<const unsigned> widths() const { return widths_; }
  std::string_view name() const override { return "tagged-range"; }
  unsigned num_vars() const override { return k_; }
  unsigned arity() const override { return 2; }
  int64_t entry(size_t i, unsigned j) const override;
  std::optional<size_t> find(std::span<const int64_t> tuple) const override;
  Fr evaluate(std::span<const Fr> z, const Fr& gamma) const override;
  void absorb(Transcript& t) const override;

 private:
  std::vector<unsigned> widths_;    // non-increasing
  std::vector<uint64_t> offsets_;   // of each width's block
  uint64_t used_ = 0;               // entries before the padding
  unsigned k_ = 0;
};

class FunctionTable final : public LookupTable {
 public:
  // Entries (x0 + i, y[i]); 1 <= |y| <= 2^num_vars <= 2^24 (ZkError INVALID_ARGUMENT otherwise).
  FunctionTable(std::string name, int64_t x0, std::vector<int64_t> y, unsigned num_vars);

  int64_t x0() const { return x0_; }
  std::span<const int64_t> values() const { return {ys_.data(), count_}; }
  std::string_view name() const override { return name_; }
  unsigned num_vars() const override { return k_; }
  unsigned arity() const override { return 2; }
  int64_t entry(size_t i, unsigned j) const override;
  std::optional<size_t> find(std::span<const int64_t> tuple) const override;
  Fr evaluate(std::span<const Fr> z, const Fr& gamma) const override;
  void absorb(Transcript& t) const override;

 private:
  std::string name_;
  int64_t x0_;
  size_t count_;
  unsigned k_;
  std::vector<int64_t> xs_, ys_;  // padded to 2^k
  std::array<uint8_t, 32> digest_{};
};

}  // namespace zklora
