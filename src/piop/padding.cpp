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

}  // namespace zklora
