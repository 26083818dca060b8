// Zero padding of a committed tensor (padding.h).
#include "zklora/piop/padding.h"

#include <string>
#include <vector>

#include "zklora/base/threads.h"
#include "zklora/piop/logup.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/shape.h"

namespace zklora {
namespace {

SumcheckShape padding_shape(unsigned n, std::vector<Fr> r) {
  SumcheckShape s;
  s.num_vars = n;
  s.eq_point = std::move(r);
  s.num_tables = 2;  // 1 - s, C
  s.terms = {{Fr::one(), {0, 1}}};
  return s;
}

void absorb_dims(Transcript& t, std::span<const uint64_t> dims) {
  t.domain("zero-padding");
  t.absorb_u64("rank", dims.size());
  for (const uint64_t d : dims) t.absorb_u64("dim", d);
}

}  // namespace

bool has_padding(std::span<const uint64_t> dims) {
  const PaddedShape shape(std::vector<uint64_t>(dims.begin(), dims.end()));
  return shape.padded_size() != shape.numel();
}

ProverClaim zero_padding_prove(ProverChannel& ch, std::span<const uint64_t> dims, TableView padded, int threads) {
  const unsigned n = lookup_column_vars(dims);
  const size_t size = size_t{1} << n;
  if (padded.size() > size) throw ZkError(ErrorCode::INVALID_ARGUMENT, "zero padding: a table longer than its layout");
  absorb_dims(ch.transcript(), dims);
  const SumcheckShape shape = padding_shape(n, ch.challenges("padding-point", n));
  const std::vector<uint8_t> sel = lookup_selector_table(dims);
  std::vector<Fr> outside(size);
  parallel_for(size, threads, [&](size_t i) { outside[i] = sel[i] ? Fr::zero() : Fr::one(); }, grain_for(16));
  SumcheckProverResult res = sumcheck_prove(ch, shape, {std::move(outside), to_field(padded, size, threads)},
                                            ProverValue::constant(Fr::zero()), threads);
  const ProverValue c = ch.send("padding-eval", res.evaluations[1]);
  const ProverValue evals[2] = {ProverValue::constant(Fr::one() - lookup_selector_eval(dims, res.point)), c};
  sumcheck_prove_final(ch, shape, res.final_value, evals);
  return {std::move(res.point), c};
}

Result<VerifierClaim> zero_padding_verify(VerifierChannel& ch, std::span<const uint64_t> dims) {
  const unsigned n = lookup_column_vars(dims);
  if (n > 40) return make_error(ErrorCode::INVALID_ARGUMENT, "zero padding: a tensor of more than 2^40 entries");
  absorb_dims(ch.transcript(), dims);
  const SumcheckShape shape = padding_shape(n, ch.challenges("padding-point", n));
  auto sub = sumcheck_verify(ch, shape, VerifierValue::constant(Fr::zero()));
  if (!sub) return sub.error();
  auto c = ch.receive("padding-eval");
  if (!c) return c.error();
  const VerifierValue evals[2] = {VerifierValue::constant(Fr::one() - lookup_selector_eval(dims, sub->point)),
                                  c.value()};
  if (Status s = sumcheck_verify_final(ch, shape, sub->expected, evals); !s) return s.error();
  return VerifierClaim{std::move(sub->point), c.value()};
}

namespace {

SumcheckShape batch_shape(unsigned n, std::vector<Fr> r) { return padding_shape(n, std::move(r)); }

void absorb_batch(Transcript& t, std::span<const uint64_t> dims, size_t count) {
  t.domain("zero-padding-batch");
  t.absorb_u64("rank", dims.size());
  for (const uint64_t d : dims) t.absorb_u64("dim", d);
  t.absorb_u64("count", count);
}

std::vector<Fr> batch_weights(Transcript& t, size_t count) {
  if (count == 1) return {Fr::one()};
  return t.challenge_frs("padding-rho", count);
}

}  // namespace

std::vector<ProverClaim> zero_padding_prove_batch(ProverChannel& ch, std::span<const uint64_t> dims,
                                                  std::span<const TableView> padded, int threads) {
  const unsigned n = lookup_column_vars(dims);
  const size_t size = size_t{1} << n;
  if (padded.empty()) throw ZkError(ErrorCode::INVALID_ARGUMENT, "zero padding: an empty batch");
  for (const TableView& t : padded) {
    if (t.size() > size) throw ZkError(ErrorCode::INVALID_ARGUMENT, "zero padding: a table longer than its layout");
  }
  absorb_batch(ch.transcript(), dims, padded.size());
  const SumcheckShape shape = batch_shape(n, ch.challenges("padding-point", n));
  const std::vector<Fr> rho = batch_weights(ch.transcript(), padded.size());
  const std::vector<uint8_t> sel = lookup_selector_table(dims);
  std::vector<Fr> outside(size), combined(size);
  parallel_for(size, threads, [&](size_t i) { outside[i] = sel[i] ? Fr::zero() : Fr::one(); }, grain_for(16));
  for (size_t k = 0; k < padded.size(); ++k) {
    const std::vector<Fr> f = to_field(padded[k], size, threads);
    parallel_for(size, threads, [&](size_t i) { combined[i] += rho[k] * f[i]; }, grain_for(16));
  }
  SumcheckProverResult res = sumcheck_prove(ch, shape, {std::move(outside), std::move(combined)},
                                            ProverValue::constant(Fr::zero()), threads);
  std::vector<Fr> values;
  for (const TableView& t : padded) values.push_back(mle_evaluate(t, res.point, threads));
  const std::vector<ProverValue> c = ch.send("padding-evals", values);
  ProverValue sum = ProverValue::constant(Fr::zero());
  for (size_t k = 0; k < c.size(); ++k) sum += c[k] * rho[k];
  const ProverValue evals[2] = {ProverValue::constant(Fr::one() - lookup_selector_eval(dims, res.point)), sum};
  sumcheck_prove_final(ch, shape, res.final_value, evals);
  std::vector<ProverClaim> out;
  for (const ProverValue& v : c) out.push_back({res.point, v});
  return out;
}

Result<std::vector<VerifierClaim>> zero_padding_verify_batch(VerifierChannel& ch, std::span<const uint64_t> dims,
                                                             size_t count) {
  const unsigned n = lookup_column_vars(dims);
  if (n > 40) return make_error(ErrorCode::INVALID_ARGUMENT, "zero padding: a tensor of more than 2^40 entries");
  if (count == 0) return make_error(ErrorCode::INVALID_ARGUMENT, "zero padding: an empty batch");
  absorb_batch(ch.transcript(), dims, count);
  const SumcheckShape shape = batch_shape(n, ch.challenges("padding-point", n));
  const std::vector<Fr> rho = batch_weights(ch.transcript(), count);
  auto sub = sumcheck_verify(ch, shape, VerifierValue::constant(Fr::zero()));
  if (!sub) return sub.error();
  auto c = ch.receive("padding-evals", count);
  if (!c) return c.error();
  VerifierValue sum = VerifierValue::constant(Fr::zero());
  for (size_t k = 0; k < count; ++k) sum += (*c)[k] * rho[k];
  const VerifierValue evals[2] = {VerifierValue::constant(Fr::one() - lookup_selector_eval(dims, sub->point)), sum};
  if (Status s = sumcheck_verify_final(ch, shape, sub->expected, evals); !s) return s.error();
  std::vector<VerifierClaim> out;
  for (const VerifierValue& v : *c) out.push_back({sub->point, v});
  return out;
}

}  // namespace zklora
