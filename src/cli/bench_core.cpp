// `zklora bench field` and `zklora bench msm`: the speed of the cryptographic core, measured in one run so
// that the ratios (2 threads vs 1, 16-bit vs 255-bit scalars, ours vs blst's own Pippenger) are not spoiled by
// the load of a shared machine. Each figure is the best of a few repetitions.
#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "zklora/base/timer.h"
#include "zklora/cli/cli.h"
#include "zklora/curve/generators.h"
#include "zklora/curve/msm.h"
#include "zklora/field/fr.h"

namespace zklora {
namespace {

template <class F>
double best_seconds(int reps, F&& f) {
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    Stopwatch sw;
    f();
    best = std::min(best, sw.seconds());
  }
  return best;
}

std::vector<Fr> random_frs(size_t n, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::vector<Fr> v(n);
  for (Fr& x : v) x = Fr::random(gen);
  return v;
}

// Distinct points P_i = A + i B (A, B two generators): as good as independent ones for timing an MSM, and
// about a microsecond each instead of hash-to-curve's tens.
std::vector<G1Affine> bench_points(size_t n) {
  std::vector<G1> jac(n);
  const G1 a = derive_generator(0), b = derive_generator(1);
  G1 acc = a;
  for (size_t i = 0; i < n; ++i) {
    jac[i] = acc;
    acc += b;
  }
  return batch_to_affine(jac);
}

G1 blst_single_thread_msm(std::span<const G1Affine> points, std::span<const Fr> scalars) {
  std::vector<blst_scalar> enc(scalars.size());
  for (size_t i = 0; i < scalars.size(); ++i) blst_scalar_from_fr(&enc[i], &scalars[i].raw());
  std::vector<uint8_t> scratch(blst_p1s_mult_pippenger_scratch_sizeof(points.size()));
  const blst_p1_affine* pts[2] = {&points[0].p, nullptr};
  const byte* scs[2] = {enc[0].b, nullptr};
  G1 out;
  blst_p1s_mult_pippenger(&out.raw(), pts, points.size(), scs, Fr::kBits, reinterpret_cast<limb_t*>(scratch.data()));
  return out;
}

}  // namespace

nlohmann::json bench_field() {
  constexpr size_t kN = 4096;
  constexpr int kRounds = 256;
  std::vector<Fr> a = random_frs(kN, 1), b = random_frs(kN, 2);

  const double mul_s = best_seconds(5, [&] {
    for (int r = 0; r < kRounds; ++r)
      for (size_t i = 0; i < kN; ++i) a[i] *= b[i];
  });
  const double add_s = best_seconds(5, [&] {
    for (int r = 0; r < kRounds; ++r)
      for (size_t i = 0; i < kN; ++i) a[i] += b[i];
  });
  constexpr size_t kInv = 2000;
  Fr sink;
  const double inv_s = best_seconds(3, [&] {
    for (size_t i = 0; i < kInv; ++i) sink += a[i].inverse();
  });
  constexpr size_t kBatch = size_t{1} << 16;
  std::vector<Fr> batch = random_frs(kBatch, 3);
  const double batch_s = best_seconds(3, [&] { batch_inverse(batch, 1); });
  if (sink.is_zero() && a[0].is_zero()) batch[0] = sink;  // keep the loops observable

  const double ops = static_cast<double>(kN) * kRounds;
  return {{"fr_mul_ns", mul_s / ops * 1e9},
          {"fr_add_ns", add_s / ops * 1e9},
          {"fr_inv_ns", inv_s / kInv * 1e9},
          {"fr_batch_inv_ns_per_elem", batch_s / kBatch * 1e9}};
}

nlohmann::json bench_msm(unsigned max_log2n) {
  nlohmann::json rows = nlohmann::json::array();
  nlohmann::json reference = nlohmann::json::array();
  nlohmann::json ratios = nlohmann::json::object();
  for (const unsigned log2n : {16u, 20u}) {
    if (log2n > max_log2n) continue;
    const size_t n = size_t{1} << log2n;
    const int reps = log2n <= 16 ? 3 : 2;
    const std::vector<G1Affine> points = bench_points(n);
    const std::vector<Fr> scalars = random_frs(n, log2n);
    std::vector<int64_t> small(n);
    std::mt19937_64 gen(log2n + 100);
    for (int64_t& v : small) v = static_cast<int64_t>(gen() % (1u << 16)) - (1 << 15);
    G1 sum;
    for (const G1Affine& p : points) sum = sum + p;

    double us[2][2] = {};  // [bits 255 / 16][threads 1 / 2]
    for (const unsigned bits : {255u, 16u}) {
      for (const int threads : {1, 2}) {
        const double s = best_seconds(reps, [&] {
          if (bits == 255) {
            (void)msm(points, scalars, threads);
          } else {
            (void)msm_small(points, small, 16, threads, &sum);
          }
        });
        const double per = s / static_cast<double>(n) * 1e6;
        us[bits == 255 ? 0 : 1][threads - 1] = per;
        rows.push_back({{"log2n", log2n}, {"bits", bits}, {"threads", threads}, {"us_per_point", per}});
      }
    }
    const double blst_s = best_seconds(reps, [&] { (void)blst_single_thread_msm(points, scalars); });
    const double blst_us = blst_s / static_cast<double>(n) * 1e6;
    reference.push_back({{"log2n", log2n}, {"bits", 255}, {"threads", 1}, {"us_per_point", blst_us}});
    const std::string sz = "_2^" + std::to_string(log2n);
    ratios["ours_vs_blst_255bit_1t" + sz] = us[0][0] / blst_us;
    ratios["speedup_2t_vs_1t_255bit" + sz] = us[0][0] / us[0][1];
    ratios["speedup_2t_vs_1t_16bit" + sz] = us[1][0] / us[1][1];
    ratios["speedup_16bit_vs_255bit_1t" + sz] = us[0][0] / us[1][0];
  }
  return {{"msm", rows}, {"blst_reference", reference}, {"ratios", ratios}};
}

}  // namespace zklora
