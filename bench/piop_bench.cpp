// Google Benchmark programs for the interactive proofs: Sumcheck/*.
// `build/bench/zklora_piop_bench --benchmark_filter=Sumcheck/layer` runs one family.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "zklora/piop/channel.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/transcript/transcript.h"

namespace zklora {
namespace {

std::vector<Fr> random_frs(size_t n, std::mt19937_64& gen) {
  std::vector<Fr> v(n);
  for (Fr& x : v) x = Fr::random(gen);
  return v;
}

// One LogUp tree layer's sumcheck (logup.cpp): sum eq(z, x) (p0 q1 + q0 r) over 2^n points, tables p0, (p1 unused),
// q0, q1, r, in the clear channel; state.range(1) threads.
void sumcheck_layer(benchmark::State& state) {
  const auto n = static_cast<unsigned>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  std::mt19937_64 gen(1);
  SumcheckShape shape;
  shape.num_vars = n;
  shape.eq_point = random_frs(n, gen);
  shape.num_tables = 5;
  shape.terms = {SumcheckTerm{Fr::one(), {0, 3}}, SumcheckTerm{Fr::one(), {2, 4}}};
  std::vector<std::vector<Fr>> tables(5);
  for (const size_t j : {0, 2, 3, 4}) tables[j] = random_frs(size_t{1} << n, gen);
  // The claimed sum is not computed: the prover's final check is the only one, and allow_false_relations skips it.
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<std::vector<Fr>> copy = tables;
    Transcript t("bench");
    auto ch = make_prover_channel(ChannelMode::CLEAR, t);
    ch->allow_false_relations();
    state.ResumeTiming();
    benchmark::DoNotOptimize(sumcheck_prove(*ch, shape, std::move(copy), ProverValue::constant(Fr::zero()), threads));
  }
  state.SetItemsProcessed(state.iterations() * (int64_t{1} << n));
}
BENCHMARK(sumcheck_layer)->Name("Sumcheck/layer")->Args({20, 1})->Args({20, 2})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace zklora
