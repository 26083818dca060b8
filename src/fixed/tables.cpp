#include "zklora/fixed/tables.h"

#include <cmath>
#include <mutex>

#include "zklora/fixed/arith.h"
#include "zklora/fixed/format.h"

namespace zklora {
namespace {

std::vector<int64_t> make_table(int64_t first, int64_t size, double (*f)(int64_t)) {
  std::vector<int64_t> t(static_cast<size_t>(size));
  for (int64_t j = 0; j < size; ++j) t[static_cast<size_t>(j)] = std::llround(f(first + j));
  return t;
}

double exp_lo_value(int64_t j) { return std::ldexp(std::exp(-std::ldexp(static_cast<double>(j), -16)), kFixed.exp); }
double exp_hi_value(int64_t j) { return std::ldexp(std::exp(-static_cast<double>(j)), kFixed.exp); }
double sigmoid_value(int64_t j) {
  const double x = std::ldexp(static_cast<double>(j), static_cast<int>(kSigmoidShift) - static_cast<int>(kFixed.act));
  return std::ldexp(1.0 / (1.0 + std::exp(-x)), kFixed.unit);
}
double log_value(int64_t j) { return std::ldexp(std::log(std::ldexp(static_cast<double>(j), -15)), kFixed.act); }

struct Tables {
  std::vector<int64_t> exp_lo = make_table(0, kTableSize, exp_lo_value);
  std::vector<int64_t> exp_hi = make_table(0, kTableSize, exp_hi_value);
  std::vector<int64_t> sigmoid = make_table(kSigmoidMin, kTableSize, sigmoid_value);
  std::vector<int64_t> log = make_table(kLogMin, kLogMin, log_value);
  std::vector<int64_t> pow2 = [] {
    std::vector<int64_t> t(static_cast<size_t>(kPow2Count));
    for (int64_t k = 0; k < kPow2Count; ++k) t[static_cast<size_t>(k)] = int64_t{1} << k;
    return t;
  }();
};

const Tables& tables() {
  static const Tables t;
  return t;
}

const int64_t kLn2 = std::llround(std::ldexp(std::log(2.0), kFixed.act));

}  // namespace

std::span<const int64_t> exp_lo_table() { return tables().exp_lo; }
std::span<const int64_t> exp_hi_table() { return tables().exp_hi; }
std::span<const int64_t> sigmoid_table() { return tables().sigmoid; }
std::span<const int64_t> log_table() { return tables().log; }
std::span<const int64_t> pow2_table() { return tables().pow2; }
int64_t ln2_fixed() { return kLn2; }

int64_t exp_neg(int64_t d) {
  if (d < 0 || d >= (int64_t{1} << 32)) throw_out_of_format("softmax gap", 32);
  const Tables& t = tables();
  const i128 prod = i128{t.exp_lo[static_cast<size_t>(d & 0xffff)]} * t.exp_hi[static_cast<size_t>(d >> 16)];
  return static_cast<int64_t>(round_shift(prod, kFixed.exp));
}

int64_t sigmoid_fixed(int64_t x) {
  int64_t j = round_shift64(x, kSigmoidShift);
  if (j < kSigmoidMin) j = kSigmoidMin;
  if (j > -kSigmoidMin - 1) j = -kSigmoidMin - 1;
  return tables().sigmoid[static_cast<size_t>(j - kSigmoidMin)];
}

int64_t log_fixed(int64_t s) {
  if (s < 1) throw ZkError(ErrorCode::INVALID_ARGUMENT, "log of a non-positive value");
  const int bits = 64 - __builtin_clzll(static_cast<uint64_t>(s));
  const int k = bits - 16;
  const int64_t m = k >= 0 ? log_fixed_parts(s).mantissa : (s << -k);
  return tables().log[static_cast<size_t>(m - kLogMin)] + (k + 15 - static_cast<int64_t>(kFixed.exp)) * kLn2;
}

LogParts log_fixed_parts(int64_t s) {
  if (s < kLogMin) throw ZkError(ErrorCode::INVALID_ARGUMENT, "log_fixed_parts: argument below 2^15");
  const int64_t k = 64 - __builtin_clzll(static_cast<uint64_t>(s)) - 16;
  const int64_t m = s >> k;
  return {k, m, s - (m << k)};
}

RopeTable make_rope_table(int64_t max_seq, int64_t head_dim, double theta) {
  RopeTable t;
  t.max_seq = max_seq;
  t.half = head_dim / 2;
  t.cos.resize(static_cast<size_t>(max_seq * t.half));
  t.sin.resize(t.cos.size());
  for (int64_t i = 0; i < t.half; ++i) {
    const double inv_freq = std::pow(theta, -static_cast<double>(2 * i) / static_cast<double>(head_dim));
    for (int64_t pos = 0; pos < max_seq; ++pos) {
      const double angle = static_cast<double>(pos) * inv_freq;
      const size_t at = static_cast<size_t>(pos * t.half + i);
      t.cos[at] = std::llround(std::ldexp(std::cos(angle), kFixed.trig));
      t.sin[at] = std::llround(std::ldexp(std::sin(angle), kFixed.trig));
    }
  }
  return t;
}

}  // namespace zklora
