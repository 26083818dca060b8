// The fixed-point tables as lookup tables (ops/tables/fixed_tables.h).
#include "zklora/ops/tables/fixed_tables.h"

#include <vector>

#include "zklora/fixed/tables.h"

namespace zklora {
namespace {

std::vector<int64_t> copy(std::span<const int64_t> s) { return {s.begin(), s.end()}; }

}  // namespace

const FunctionTable& exp_lo_lookup_table() {
  static const FunctionTable t("EXP_LO", 0, copy(exp_lo_table()), 16);
  return t;
}

const FunctionTable& exp_hi_lookup_table() {
  static const FunctionTable t("EXP_HI", 0, copy(exp_hi_table()), 16);
  return t;
}

const FunctionTable& sigmoid_lookup_table() {
  static const FunctionTable t("SIGMOID", kSigmoidMin, copy(sigmoid_table()), 16);
  return t;
}

const FunctionTable& log_lookup_table() {
  static const FunctionTable t("LOG", kLogMin, copy(log_table()), 16);
  return t;
}

const FunctionTable& pow2_lookup_table() {
  static const FunctionTable t("POW2", 0, copy(pow2_table()), 6);
  return t;
}

const LookupTable& lookup_table(LookupTableId id) {
  switch (id) {
    case LookupTableId::EXP_LO:
      return exp_lo_lookup_table();
    case LookupTableId::EXP_HI:
      return exp_hi_lookup_table();
    case LookupTableId::SIGMOID:
      return sigmoid_lookup_table();
    case LookupTableId::LOG:
      return log_lookup_table();
    case LookupTableId::POW2:
      return pow2_lookup_table();
  }
  throw ZkError(ErrorCode::INVALID_ARGUMENT, "unknown lookup table");
}

const RangeTable& range_table_16() {
  static const RangeTable t = RangeTable::unsigned_bits(16);
  return t;
}

}  // namespace zklora
