// Google Benchmark programs for the cryptographic core: Field/*, Curve/*, Transcript/*.
// `build/bench/zklora_core_bench --benchmark_filter=Curve/msm` runs one family.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "zklora/curve/generators.h"
#include "zklora/curve/msm.h"
#include "zklora/field/fr.h"
#include "zklora/transcript/transcript.h"

namespace zklora {
namespace {

std::vector<Fr> random_frs(size_t n, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::vector<Fr> v(n);
  for (Fr& x : v) x = Fr::random(gen);
  return v;
}

void field_mul(benchmark::State& state) {
  std::vector<Fr> a = random_frs(1024, 1), b = random_frs(1024, 2);
  for (auto _ : state) {
    for (size_t i = 0; i < a.size(); ++i) a[i] *= b[i];
    benchmark::DoNotOptimize(a.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(a.size()));
}
BENCHMARK(field_mul)->Name("Field/mul/10");

void field_inverse(benchmark::State& state) {
  Fr x = random_frs(1, 3)[0];
  for (auto _ : state) {
    x = x.inverse() + Fr::one();
    benchmark::DoNotOptimize(x);
  }
}
BENCHMARK(field_inverse)->Name("Field/inverse");

void field_batch_inverse(benchmark::State& state) {
  std::vector<Fr> a = random_frs(size_t{1} << state.range(0), 4);
  for (auto _ : state) {
    batch_inverse(a, 1);
    benchmark::DoNotOptimize(a.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(a.size()));
}
BENCHMARK(field_batch_inverse)->Name("Field/batch_inverse")->Arg(16);

// args: log2 n, scalar bits (255 = full field elements), threads
void curve_msm(benchmark::State& state) {
  const size_t n = size_t{1} << state.range(0);
  const auto gens = generators(n);
  const std::vector<Fr> scalars = random_frs(n, 5);
  std::vector<int64_t> small(n);
  std::mt19937_64 gen(6);
  const unsigned bits = static_cast<unsigned>(state.range(1));
  for (int64_t& v : small) v = static_cast<int64_t>(gen() % (uint64_t{1} << 16)) - (int64_t{1} << 15);
  const int threads = static_cast<int>(state.range(2));
  for (auto _ : state) {
    G1 r = bits == 255 ? msm(gens->points(), scalars, threads)
                       : msm_small(gens->points(), small, bits, threads, &gens->sum());
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(curve_msm)
    ->Name("Curve/msm")
    ->ArgNames({"log2n", "bits", "threads"})
    ->ArgsProduct({{12, 14}, {255, 16}, {1, 2}})
    ->Unit(benchmark::kMillisecond);

void curve_hash_to_curve(benchmark::State& state) {
  uint64_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(derive_generator(i++));
}
BENCHMARK(curve_hash_to_curve)->Name("Curve/hash_to_curve");

void transcript_challenge(benchmark::State& state) {
  Transcript t("bench");
  const Fr x = Fr::from_u64(7);
  for (auto _ : state) {
    t.absorb_fr("x", x);
    benchmark::DoNotOptimize(t.challenge_fr("c"));
  }
}
BENCHMARK(transcript_challenge)->Name("Transcript/absorb_and_challenge");

}  // namespace
}  // namespace zklora
