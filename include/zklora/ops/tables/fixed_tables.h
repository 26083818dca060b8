// The function tables of the fixed-point semantics bound to the lookup argument (docs/fixed_point.md section 3):
// LookupTable objects (piop/lookup_table.h) built from exactly the arrays of fixed/tables.h, the one definition
// the witness engine uses, so the engine and the prover cannot disagree on an entry. Plus the 2^16 range table
// that every range check decomposes into (piop/range_check.h).
//
//   EXP_LO:  pairs (j, EXP_LO[j]),  j in [0, 2^16)
//   EXP_HI:  pairs (j, EXP_HI[j]),  j in [0, 2^16)
//   SIGMOID: pairs (j, SIGMOID[j]), j in [-2^15, 2^15)      (the input rounded by 2^5, before the clamp)
//   LOG:     pairs (j, LOG[j]),     j in [2^15, 2^16)        (2^15 entries in a table of 2^16: padded)
//   POW2:    pairs (k, 2^k),        k in [0, 63)             (63 entries in a table of 64: padded)
//   RANGE16: [0, 2^16)
// SiLU' and the square roots are no tables (fixed_point.md): relations proven with arithmetic and range checks.
// Each object is built once, on first use, and lives for the program.
#pragma once

#include "zklora/ops/operation.h"
#include "zklora/piop/lookup_table.h"

namespace zklora {

const FunctionTable& exp_lo_lookup_table();
const FunctionTable& exp_hi_lookup_table();
const FunctionTable& sigmoid_lookup_table();
const FunctionTable& log_lookup_table();
const FunctionTable& pow2_lookup_table();
// The table an operation names (operation.h).
const LookupTable& lookup_table(LookupTableId id);
const RangeTable& range_table_16();

}  // namespace zklora
