// `zklora bench sumcheck` and `zklora bench hyrax`: the speed of the proof machinery (poly, pcs, piop), each
// figure measured in one run so that its ratios are not spoiled by the load of a shared machine.
//
// sumcheck: proving time per table entry of sum_x f(x) g(x) (degree 2) and sum_x f(x) g(x) h(x) (degree 3) over
//   2^20 entries, with an eq factor too (its degree does not add: sumcheck.h), and the reduction of a claim on
//   Y = X W for X 128 x 4096 (16-bit activations) and W 4096 x 4096 (8-bit weights, int32), including the
//   folding of both operands by eq vectors; all in the clear channel, on the default number of threads. Also the
//   cost per entry of folding a matrix by an eq vector, integer entries against field entries (one thread).
// hyrax: commit, open and verify times and the opening's size for tables of 2^16, 2^20, 2^22 entries, of full
//   field elements (255 bits) and of 16-bit integers; verification with the commitment already decoded, as wall
//   time and as CPU time of all threads (on a loaded machine the wall time grows, the CPU time much less).
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "zklora/base/threads.h"
#include "zklora/base/timer.h"
#include "zklora/cli/cli.h"
#include "zklora/curve/generators.h"
#include "zklora/pcs/hyrax.h"
#include "zklora/piop/matmul.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/weighted_sum.h"

namespace zklora {
namespace {

// CPU seconds of the whole process (all threads): with the wall time, shows how much of a shared machine a
// measurement got.
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

std::vector<Fr> random_frs(size_t n, uint64_t seed) {
  std::vector<Fr> v(n);
  parallel_chunks(n, 8, 0, [&](size_t b, size_t e, size_t c) {
    std::mt19937_64 gen(seed * 1000 + c);
    for (size_t i = b; i < e; ++i) v[i] = Fr::random(gen);
  });
  return v;
}

template <class Int>
std::vector<Int> random_ints(size_t n, unsigned bits, uint64_t seed) {
  std::vector<Int> v(n);
  std::mt19937_64 gen(seed);
  for (Int& x : v) x = static_cast<Int>(static_cast<int64_t>(gen() >> (64 - bits)) - (int64_t{1} << (bits - 1)));
  return v;
}

// Seconds to prove sum_x w(x) prod_j f_j(x) over 2^n entries, `degree` tables, eq factor on every variable or
// none (best of `reps`).
double sumcheck_seconds(unsigned n, uint32_t degree, bool eq, int reps) {
  SumcheckShape shape;
  shape.num_vars = n;
  shape.num_tables = degree;
  shape.terms.push_back({Fr::one(), {}});
  for (uint32_t j = 0; j < degree; ++j) shape.terms[0].factors.push_back(j);
  if (eq) shape.eq_point = random_frs(n, 7);
  std::vector<std::vector<Fr>> tables;
  for (uint32_t j = 0; j < degree; ++j) tables.push_back(random_frs(size_t{1} << n, 10 + j));
  const std::vector<Fr> w = eq ? eq_table(shape.eq_point) : std::vector<Fr>(size_t{1} << n, Fr::one());
  Fr sum;
  for (size_t x = 0; x < w.size(); ++x) {
    Fr p = w[x];
    for (const auto& t : tables) p *= t[x];
    sum += p;
  }
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    auto copy = tables;
    Transcript t("bench-sumcheck");
    ValueProverChannel ch(t);
    Stopwatch sw;
    (void)sumcheck_prove(ch, shape, std::move(copy), ProverValue::constant(sum));
    best = std::min(best, sw.seconds());
  }
  return best;
}

struct MatmulTimes {
  double prove_s, verify_s;
};

MatmulTimes matmul_seconds(bool w_transposed, const std::vector<int64_t>& x, const std::vector<int32_t>& w) {
  const MatmulShape s{{}, 128, 4096, 4096, false, w_transposed, false};
  const auto z = random_frs(s.y_shape().num_vars(), 3);
  // Y's MLE at z without forming Y: eq(z_a)^T X W eq(z_b).
  const auto za = std::span<const Fr>(z).subspan(0, 7), zb = std::span<const Fr>(z).subspan(7);
  const auto xa = combine_rows(x, 4096, eq_table(za));
  const auto wb = w_transposed ? combine_rows(w, 4096, eq_table(zb)) : combine_cols(w, 4096, eq_table(zb));
  Fr v;
  for (size_t j = 0; j < 4096; ++j) v += xa[j] * wb[j];
  Transcript tp("bench-matmul");
  ValueProverChannel pch(tp);
  Stopwatch sw;
  (void)matmul_prove(pch, s, x, w, ProverClaim{z, ProverValue::constant(v)});
  const double prove_s = sw.seconds();
  Transcript tv("bench-matmul");
  ValueVerifierChannel vch(tv, pch.proof());
  sw.reset();
  const auto ok = matmul_verify(vch, s, VerifierClaim{z, VerifierValue::constant(v)});
  const double verify_s = sw.seconds();
  if (!ok || !vch.finish()) throw ZkError(ErrorCode::PROOF_REJECTED, "bench: the matmul reduction did not verify");
  return {prove_s, verify_s};
}

// Nanoseconds per entry of a weighted sum of the columns of a 1024 x 1024 table on one thread: the kernel that
// folds matrices by eq vectors, for 16-bit integer entries and for field entries.
std::pair<double, double> weighted_sum_ns() {
  constexpr size_t kSide = 1024;
  const auto ints = random_ints<int32_t>(kSide * kSide, 16, 5);
  const auto frs = random_frs(kSide * kSide, 6);
  const auto w = random_frs(kSide, 7);
  double best[2] = {1e300, 1e300};
  for (int r = 0; r < 3; ++r) {
    Stopwatch sw;
    (void)combine_cols(ints, kSide, w, 1);
    best[0] = std::min(best[0], sw.seconds());
    sw.reset();
    (void)combine_cols(frs, kSide, w, 1);
    best[1] = std::min(best[1], sw.seconds());
  }
  const double n = static_cast<double>(kSide * kSide);
  return {best[0] / n * 1e9, best[1] / n * 1e9};
}

}  // namespace

nlohmann::json bench_sumcheck() {
  constexpr unsigned kLog = 20;
  const double n = static_cast<double>(size_t{1} << kLog);
  const double d2 = sumcheck_seconds(kLog, 2, false, 2);
  const double d3 = sumcheck_seconds(kLog, 3, false, 2);
  const double d2eq = sumcheck_seconds(kLog, 2, true, 2);
  const auto x = random_ints<int64_t>(128 * 4096, 16, 1);
  const auto w = random_ints<int32_t>(size_t{4096} * 4096, 8, 2);
  const MatmulTimes mm = matmul_seconds(false, x, w);
  const MatmulTimes mmt = matmul_seconds(true, x, w);
  const auto [int_ns, fr_ns] = weighted_sum_ns();
  return {{"deg2_2^20_ns_per_elem", d2 / n * 1e9},
          {"deg3_2^20_ns_per_elem", d3 / n * 1e9},
          {"deg2_eq_2^20_ns_per_elem", d2eq / n * 1e9},
          {"matmul_128x4096x4096_s", mm.prove_s},
          {"matmul_128x4096x4096_wT_s", mmt.prove_s},
          {"matmul_verify_ms", mm.verify_s * 1e3},
          {"weighted_sum_int16_ns_per_entry_1t", int_ns},
          {"weighted_sum_fr_ns_per_entry_1t", fr_ns},
          {"weighted_sum_fr_vs_int16", fr_ns / int_ns},
          {"threads", default_threads()}};
}

nlohmann::json bench_hyrax() {
  nlohmann::json rows = nlohmann::json::array();
  nlohmann::json ratios = nlohmann::json::object();
  for (const unsigned log2n : {16u, 20u, 22u}) {
    const size_t n = size_t{1} << log2n;
    const HyraxParams params = HyraxParams::balanced(log2n);
    const auto z = random_frs(log2n, 100 + log2n);
    double commit_s[2] = {};
    for (const unsigned bits : {255u, 16u}) {
      std::vector<Fr> field;
      std::vector<int32_t> small;
      if (bits == 255) {
        field = random_frs(n, log2n);
      } else {
        small = random_ints<int32_t>(n, 16, log2n);
      }
      const TableView table = bits == 255 ? TableView(field) : TableView(small);
      (void)generators(params.cols());  // derived once, outside the timings
      Stopwatch sw;
      const HyraxCommitted com = hyrax_commit(table, params, bits == 255 ? 0 : 16);
      const double c_s = sw.seconds();
      commit_s[bits == 255 ? 0 : 1] = c_s;
      const Fr y = mle_evaluate(table, z);
      Transcript tp("bench-hyrax");
      const HyraxProverInput in{&com.commitment, &com.data, table};
      const HyraxProverClaim claim{0, z, y, Fr::zero(), true};
      sw.reset();
      const HyraxOpening opening = hyrax_open(tp, std::span(&in, 1), std::span(&claim, 1));
      const double open_s = sw.seconds();
      const HyraxCommitment* cs[] = {&com.commitment};
      const HyraxVerifierClaim vclaim{0, z, y};
      double verify_s = 1e300, verify_cpu_s = 1e300;
      for (int r = 0; r < 3; ++r) {
        Transcript tv("bench-hyrax");
        sw.reset();
        const double cpu0 = process_cpu_seconds();
        const Status ok = hyrax_verify(tv, cs, std::span(&vclaim, 1), opening);
        verify_s = std::min(verify_s, sw.seconds());
        verify_cpu_s = std::min(verify_cpu_s, process_cpu_seconds() - cpu0);
        if (!ok) throw ZkError(ok.error());
      }
      ByteWriter bytes;
      opening.write(bytes);
      rows.push_back({{"log2n", log2n},
                      {"bits", bits},
                      {"commit_s", c_s},
                      {"open_s", open_s},
                      {"verify_ms", verify_s * 1e3},
                      {"verify_cpu_ms", verify_cpu_s * 1e3},
                      {"proof_bytes", bytes.size()},
                      {"commitment_bytes", com.commitment.byte_size()}});
    }
    ratios["commit_255bit_vs_16bit_2^" + std::to_string(log2n)] = commit_s[0] / commit_s[1];
  }
  return {{"hyrax", rows}, {"ratios", ratios}, {"threads", default_threads()}};
}

}  // namespace zklora
