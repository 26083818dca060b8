// Typed errors and Result<T>, the one way every layer reports a failure.
//
// Decoders and verifiers return Result<T>: either a value or an Error whose ErrorCode says which check failed,
// so that tests assert the exact reason a proof or a file was rejected and the command line maps it to an exit
// code (1: a proof was rejected, 2: bad usage or bad input; see exit_code_for). Code that cannot continue
// throws ZkError, which carries the same Error.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace zklora {

// Codes below 100 are bad usage or bad input (exit code 2); codes from 100 on say why a proof was rejected
// (exit code 1). Each protocol adds the codes of its own checks in the second range.
enum class ErrorCode : uint16_t {
  INVALID_ARGUMENT = 1,
  OUT_OF_RANGE,
  NOT_SMALL_INTEGER,
  BAD_LENGTH,
  NON_CANONICAL_FIELD,
  BAD_POINT_ENCODING,
  POINT_NOT_ON_CURVE,
  POINT_NOT_IN_SUBGROUP,
  IO,

  PROOF_REJECTED = 100,
  TRUNCATED_PROOF,
  // Proof machinery (poly, pcs, piop): each names the check that failed.
  TRAILING_PROOF_BYTES,     // bytes left over after the verifier read everything it expected
  TRANSCRIPT_MISMATCH,      // the proof was made against a different transcript (statement or history)
  SUMCHECK_FINAL_MISMATCH,  // the last round's value differs from the claimed evaluations' combination (a wrong
                            // claimed sum or a tampered round polynomial ends here too: sumcheck.h)
  HYRAX_SHAPE_MISMATCH,     // commitment, point and proof do not agree on the number of variables or rounds
  HYRAX_OPENING_MISMATCH,   // the inner-product argument's final equation fails
  LOOKUP_SUM_MISMATCH,      // LogUp: the columns' and the table's fractional sums differ
  LOOKUP_COLUMN_MISMATCH,   // LogUp: the leaves of the column side do not match the columns' evaluations
  LOOKUP_TABLE_MISMATCH,    // LogUp: the leaves of the table side do not match the table
  PUBLIC_TENSOR_MISMATCH,   // a claim on a public tensor (mask, RoPE table) is not the verifier's own evaluation
  RELATION_MISMATCH,        // an operation's relation between the values sent for one point does not hold
  SUBPROOF_MISMATCH,        // a step's sub-proofs are not its statement's: one missing, duplicated, out of order,
                            // or a header whose cuts disagree with the model
};

std::string_view error_code_name(ErrorCode code);

// 1 for a rejected proof, 2 for everything else.
int exit_code_for(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;

  // "NON_CANONICAL_FIELD: field element encoding is >= r"
  std::string to_string() const;
};

class ZkError : public std::exception {
 public:
  explicit ZkError(Error error) : error_(std::move(error)), what_(error_.to_string()) {}
  ZkError(ErrorCode code, std::string message) : ZkError(Error{code, std::move(message)}) {}

  const Error& error() const noexcept { return error_; }
  ErrorCode code() const noexcept { return error_.code; }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  Error error_;
  std::string what_;
};

// Either a T or an Error. value() on an error throws ZkError, so a caller that cannot handle the failure
// propagates it without losing its code.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  const T& value() const& {
    if (!ok()) throw ZkError(std::get<1>(v_));
    return std::get<0>(v_);
  }
  T& value() & {
    if (!ok()) throw ZkError(std::get<1>(v_));
    return std::get<0>(v_);
  }
  T&& value() && {
    if (!ok()) throw ZkError(std::get<1>(v_));
    return std::get<0>(std::move(v_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // Only meaningful when !ok().
  const Error& error() const& { return std::get<1>(v_); }
  ErrorCode code() const { return std::get<1>(v_).code; }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  void value() const {
    if (!ok_) throw ZkError(error_);
  }
  const Error& error() const& { return error_; }
  ErrorCode code() const { return error_.code; }

 private:
  Error error_{ErrorCode::INVALID_ARGUMENT, {}};
  bool ok_ = true;
};

using Status = Result<void>;

inline Error make_error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace zklora
