// The contract every operation of the step graph fulfils (DESIGN.md section 4, "The operation contract"): an
// operation owns its public specification, its witness and its helper tensors, and proves its relation by turning
// claims on what it produces into claims on what it reads.
//
//   specification   input dims; outputs and helpers (TensorDecl: dims, range, committed or derived); lookups
//                   of tuples of its tensors into fixed tables; absorb() of every constant
//   witness         compute(inputs) -> outputs and helpers, by the fixed/ functions the training engine runs
//   prove / verify  the claims on its DERIVED outputs and helpers (from consumers, range checks, lookups) in,
//                   claims on its inputs and on its COMMITTED outputs and helpers out; the same channel calls on
//                   both sides (channel.h), so an operation is written once for the clear and the
//                   zero-knowledge channel
//
// Tensors an operation produces:
//   - a DERIVED tensor is never committed: every claim on it (its consumers', its range check's, its lookups')
//     reaches the operation, which reduces them to claims on what it reads;
//   - a COMMITTED tensor (a remainder, a digit, a maximum, a lookup output) is committed in the proof by the
//     graph, proven zero in its padding, range checked or looked up as declared; its claims are settled by an
//     opening, and the operation proves the relation that ties it to the inputs (usually a zero-check at a random
//     point, drawn after every commitment of the step).
// Outputs are what other operations may read; helpers are the operation's own. Every free integer an operation
// commits must be pinned down by a range check, a lookup or its relation: the header of each operation says how.
// Public tensors (the causal mask, RoPE's tables) are inputs the verifier evaluates itself (PublicTensor).
//
// The verifier side never holds a tensor: only dims, the channel's values and the public tensors' formulas.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/base/types.h"
#include "zklora/fixed/format.h"
#include "zklora/piop/channel.h"
#include "zklora/piop/claims.h"
#include "zklora/piop/range_check.h"
#include "zklora/poly/table.h"
#include "zklora/transcript/transcript.h"

namespace zklora {

// The fixed tables an operation may look tuples up in (ops/tables/fixed_tables.h binds each to its LookupTable).
enum class LookupTableId : uint8_t { EXP_LO = 1, EXP_HI = 2, SIGMOID = 3, LOG = 4, POW2 = 5 };

// The range of rounded activations: signed 48 bits, past the engine's bound |x| < 2^40, far below |Fr| / 2 for
// every product of the graph.
inline constexpr RangeSpec kActivationRange{48, true};
// The range of gradients flowing backward: signed 48 bits (three limbs), the engine's bound |dx| < 2^47 exactly.
inline constexpr RangeSpec kGradientRange{kFixed.grad_bits + 1, true};

// An output or helper of an operation.
struct TensorDecl {
  std::string name;  // appended to the operation's instance name: "<instance>.<name>" ("" for the instance name)
  std::vector<uint64_t> dims;
  std::optional<RangeSpec> range;
  bool committed = false;
};

// One of an operation's tensors, by role and position.
struct TensorRef {
  enum class Role : uint8_t { INPUT = 0, OUTPUT = 1, HELPER = 2 };
  Role role = Role::INPUT;
  uint32_t index = 0;

  static constexpr TensorRef input(uint32_t i) { return {Role::INPUT, i}; }
  static constexpr TensorRef output(uint32_t i) { return {Role::OUTPUT, i}; }
  static constexpr TensorRef helper(uint32_t i) { return {Role::HELPER, i}; }
  bool operator==(const TensorRef&) const = default;
};

// A tuple of the operation's tensors (all of one shape) whose real entries lie in a table.
struct LookupDecl {
  LookupTableId table;
  std::vector<TensorRef> tuple;
};

// A witness table an operation computed: integers, or field elements where an exact value may not fit 64 bits.
struct OwnedTable {
  std::vector<int64_t> ints;
  std::vector<Fr> field;
  bool is_field = false;

  OwnedTable() = default;
  OwnedTable(std::vector<int64_t> v) : ints(std::move(v)) {}  // NOLINT: implicit by design
  static OwnedTable of_field(std::vector<Fr> v) {
    OwnedTable t;
    t.field = std::move(v);
    t.is_field = true;
    return t;
  }
  TableView view() const { return is_field ? TableView(field) : TableView(ints); }
  size_t size() const { return is_field ? field.size() : ints.size(); }
};

struct OpWitness {
  std::vector<OwnedTable> outputs;
  std::vector<OwnedTable> helpers;
};

// A tensor of the witness: its dims, its entries row-major unpadded, and the same zero-padded to the MLE layout
// of poly/shape.h (what claims are about), made when first asked for.
struct TensorData {
  std::vector<uint64_t> dims;
  TableView data;
  std::function<TableView()> make_padded;
  TableView padded() const { return make_padded(); }
};

// A tensor both sides know: its entries follow from public parameters, and the verifier evaluates its MLE itself
// (efficiently where the structure allows: the default materializes the table).
class PublicTensor {
 public:
  virtual ~PublicTensor() = default;
  virtual std::string_view kind() const = 0;
  virtual std::vector<uint64_t> dims() const = 0;
  // The parameters that define it (the graph absorbs them with the graph's structure).
  virtual void absorb(Transcript& t) const = 0;
  // Row-major, unpadded (dims' product entries).
  virtual std::vector<int64_t> values() const = 0;
  // Its zero-padded MLE at `point`.
  virtual Fr evaluate(std::span<const Fr> point) const;
};

// The zero tensor of some dims (the optimizer state before a run's first step).
class ZeroTensor final : public PublicTensor {
 public:
  explicit ZeroTensor(std::vector<uint64_t> dims) : dims_(std::move(dims)) {}
  std::string_view kind() const override { return "zero"; }
  std::vector<uint64_t> dims() const override { return dims_; }
  void absorb(Transcript& t) const override;
  std::vector<int64_t> values() const override;
  Fr evaluate(std::span<const Fr>) const override { return Fr::zero(); }

 private:
  std::vector<uint64_t> dims_;
};

// What an operation's prover sees while the graph proves the step.
class OpProver {
 public:
  virtual ~OpProver() = default;
  virtual ProverChannel& ch() = 0;
  virtual int threads() const = 0;
  virtual const TensorData& tensor(TensorRef r) const = 0;
  // The public tensor behind input i, or nullptr.
  virtual const PublicTensor* public_input(size_t i) const = 0;
  // The claims on a derived output or helper (consumers, range check, lookups); empty when there are none.
  virtual std::span<const ProverClaim> claims(TensorRef r) const = 0;
  // A claim this operation makes on an input, or on one of its committed outputs or helpers.
  virtual void add_claim(TensorRef r, ProverClaim c) = 0;

  // The claims on r combined into one (claims.h), or nothing when there are none.
  std::optional<ProverClaim> combined_claim(TensorRef r);
  // r's MLE at `point`: sent under `label` and recorded as a claim, or, for a public input, computed (a constant
  // both sides know, nothing sent).
  ProverValue evaluate(TensorRef r, std::span<const Fr> point, std::string_view label);
};

// The verifier's side of the same.
class OpVerifier {
 public:
  virtual ~OpVerifier() = default;
  virtual VerifierChannel& ch() = 0;
  virtual const std::vector<uint64_t>& dims(TensorRef r) const = 0;
  virtual const PublicTensor* public_input(size_t i) const = 0;
  virtual std::span<const VerifierClaim> claims(TensorRef r) const = 0;
  virtual void add_claim(TensorRef r, VerifierClaim c) = 0;

  Result<std::optional<VerifierClaim>> combined_claim(TensorRef r);
  Result<VerifierValue> evaluate(TensorRef r, std::span<const Fr> point, std::string_view label);
};

class Operation {
 public:
  virtual ~Operation() = default;

  virtual std::string_view kind() const = 0;
  virtual std::vector<std::vector<uint64_t>> input_dims() const = 0;
  virtual std::vector<TensorDecl> outputs() const = 0;
  virtual std::vector<TensorDecl> helpers() const { return {}; }
  virtual std::vector<LookupDecl> lookups() const { return {}; }
  // The public specification (shapes, shifts, constants), under the operation's own domain.
  virtual void absorb(Transcript& t) const = 0;

  // Outputs and helpers from the inputs (same order as outputs() and helpers(); row-major, unpadded).
  // ZkError OUT_OF_RANGE when the inputs leave the fixed-point format, as the engine would report.
  virtual OpWitness compute(std::span<const TableView> inputs, int threads) const = 0;

  virtual void prove(OpProver& p) const = 0;
  virtual Status verify(OpVerifier& v) const = 0;
};

// s~(z): the MLE of the selector of a tensor of these dims (1 on its real entries, 0 in the padding).
Fr selector_eval(std::span<const uint64_t> dims, std::span<const Fr> z);

// The number of MLE variables of a tensor of these dims (poly/shape.h).
unsigned tensor_vars(std::span<const uint64_t> dims);

void absorb_dims(Transcript& t, std::string_view label, std::span<const uint64_t> dims);

// 2^e as a field element (e < 128).
Fr pow2_fr(unsigned e);
// The concatenation of points (a claim's point on a tensor from the points of its dimension groups).
std::vector<Fr> concat_points(std::initializer_list<std::span<const Fr>> parts);

// The integer entries of a view (ZkError INVALID_ARGUMENT for field entries).
std::vector<int64_t> view_to_i64(const TableView& v);
// The same, where field entries are read back as integers of up to 127 bits (exact products stored as field
// elements because they may not fit 64 bits); ZkError OUT_OF_RANGE for a larger one.
std::vector<i128> view_to_i128(const TableView& v);
// Exact integers as a witness table: int64 when every entry fits, field elements otherwise.
OwnedTable exact_table(const std::vector<i128>& v);

}  // namespace zklora
