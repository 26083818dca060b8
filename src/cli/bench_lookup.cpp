// `zklora bench lookup`: LogUp lookups (piop/logup.h) at the sizes of a training step, in the zero-knowledge
// channel (the default mode of proofs), on the default number of threads.
//
// range16: 2^20 values in [0, 2^16) against the 2^16-entry range table; prove = multiplicities, their commitment,
//   the GKR of both trees and the opening of the multiplicities' claim; verify = the same checks and the opening;
//   proof bytes = the whole stream (commitment, GKR messages, opening).
// func: 2^20 pairs (x, SIGMOID(x)) against the SIGMOID table (2^16 entries, ops/tables).
#include <cstdint>
#include <random>
#include <vector>

#include "zklora/base/threads.h"
#include "zklora/base/timer.h"
#include "zklora/cli/cli.h"
#include "zklora/ops/tables/fixed_tables.h"
#include "zklora/piop/logup.h"
#include "zklora/piop/openings.h"

namespace zklora {
namespace {

struct LookupTimes {
  double prove_s, verify_s;
  size_t bytes;
};

LookupTimes run_lookup(const LookupTable& table, const std::vector<std::vector<int64_t>>& parts) {
  const std::vector<uint64_t> dims = {parts[0].size()};
  LookupColumn col{dims, {}, {}};
  for (const auto& p : parts) col.parts.emplace_back(p);
  const std::span<const LookupColumn> cols(&col, 1);
  Transcript tp("bench-lookup");
  ZkProverChannel pch(tp);
  Stopwatch sw;
  LogupProverResult r = logup_prove(pch, table, cols, logup_multiplicities(table, cols));
  const HyraxProverInput in{&r.multiplicity_commitment.commitment, &r.multiplicity_commitment.data,
                            TableView(r.multiplicities)};
  const CommittedProverClaim mc{0, r.multiplicity_claim};
  prove_openings(pch, std::span(&in, 1), std::span(&mc, 1));
  const double prove_s = sw.seconds();
  const std::vector<std::vector<uint64_t>> all_dims = {dims};
  Transcript tv("bench-lookup");
  ZkVerifierChannel vch(tv, pch.proof());
  sw.reset();
  auto v = logup_verify(vch, table, all_dims);
  if (!v) throw ZkError(v.error());
  const HyraxCommitment* cs[] = {&v->multiplicity_commitment};
  const CommittedVerifierClaim vc{0, v->multiplicity_claim};
  if (Status s = verify_openings(vch, cs, std::span(&vc, 1)); !s) throw ZkError(s.error());
  if (Status s = vch.finish(); !s) throw ZkError(s.error());
  return {prove_s, sw.seconds(), pch.proof().size()};
}

}  // namespace

nlohmann::json bench_lookup() {
  constexpr size_t kN = size_t{1} << 20;
  std::mt19937_64 gen(1);
  std::vector<int64_t> values(kN);
  for (auto& x : values) x = static_cast<int64_t>(gen() >> 48);
  const LookupTimes range = run_lookup(range_table_16(), {values});
  const FunctionTable& sig = sigmoid_lookup_table();
  std::vector<int64_t> xs(kN), ys(kN);
  const auto y = sig.values();
  for (size_t i = 0; i < kN; ++i) {
    const size_t k = static_cast<size_t>(gen() >> 48);
    xs[i] = sig.x0() + static_cast<int64_t>(k);
    ys[i] = y[k];
  }
  const LookupTimes func = run_lookup(sig, {xs, ys});
  return {{"range16_2^20_prove_s", range.prove_s},
          {"range16_2^20_verify_ms", range.verify_s * 1e3},
          {"range16_2^20_proof_bytes", range.bytes},
          {"func_2^20_prove_s", func.prove_s},
          {"func_2^20_verify_ms", func.verify_s * 1e3},
          {"func_2^20_proof_bytes", func.bytes},
          {"mode", "zk"},
          {"threads", default_threads()}};
}

}  // namespace zklora
