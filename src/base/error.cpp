#include "zklora/base/error.h"

namespace zklora {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case ErrorCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case ErrorCode::NOT_SMALL_INTEGER: return "NOT_SMALL_INTEGER";
    case ErrorCode::BAD_LENGTH: return "BAD_LENGTH";
    case ErrorCode::NON_CANONICAL_FIELD: return "NON_CANONICAL_FIELD";
    case ErrorCode::BAD_POINT_ENCODING: return "BAD_POINT_ENCODING";
    case ErrorCode::POINT_NOT_ON_CURVE: return "POINT_NOT_ON_CURVE";
    case ErrorCode::POINT_NOT_IN_SUBGROUP: return "POINT_NOT_IN_SUBGROUP";
    case ErrorCode::IO: return "IO";
    case ErrorCode::PROOF_REJECTED: return "PROOF_REJECTED";
    case ErrorCode::TRUNCATED_PROOF: return "TRUNCATED_PROOF";
    case ErrorCode::TRAILING_PROOF_BYTES: return "TRAILING_PROOF_BYTES";
    case ErrorCode::TRANSCRIPT_MISMATCH: return "TRANSCRIPT_MISMATCH";
    case ErrorCode::SUMCHECK_FINAL_MISMATCH: return "SUMCHECK_FINAL_MISMATCH";
    case ErrorCode::HYRAX_SHAPE_MISMATCH: return "HYRAX_SHAPE_MISMATCH";
    case ErrorCode::HYRAX_OPENING_MISMATCH: return "HYRAX_OPENING_MISMATCH";
    case ErrorCode::LOOKUP_SUM_MISMATCH: return "LOOKUP_SUM_MISMATCH";
    case ErrorCode::LOOKUP_COLUMN_MISMATCH: return "LOOKUP_COLUMN_MISMATCH";
    case ErrorCode::LOOKUP_TABLE_MISMATCH: return "LOOKUP_TABLE_MISMATCH";
    case ErrorCode::PUBLIC_TENSOR_MISMATCH: return "PUBLIC_TENSOR_MISMATCH";
    case ErrorCode::RELATION_MISMATCH: return "RELATION_MISMATCH";
    case ErrorCode::SUBPROOF_MISMATCH: return "SUBPROOF_MISMATCH";
  }
  return "UNKNOWN";
}

int exit_code_for(ErrorCode code) { return static_cast<uint16_t>(code) >= 100 ? 1 : 2; }

std::string Error::to_string() const {
  std::string s(error_code_name(code));
  if (!message.empty()) {
    s += ": ";
    s += message;
  }
  return s;
}

}  // namespace zklora
