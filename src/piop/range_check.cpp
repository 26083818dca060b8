// Range checks by 16-bit limbs and one LogUp argument (range_check.h).
#include "zklora/piop/range_check.h"

#include <algorithm>
#include <atomic>
#include <numeric>
#include <string>

#include "zklora/base/threads.h"
#include "zklora/piop/openings.h"

namespace zklora {
namespace {

constexpr std::string_view kName = "range-check";

Status check_spec(const RangeSpec& s) {
  if (s.bits == 0 || s.bits > (s.is_signed ? 64u : 63u)) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "range check of " + std::to_string(s.bits) + " bits");
  }
  return {};
}

void absorb_shapes(Transcript& t, std::span<const RangeCheckShape> shapes, uint64_t max_run_leaves) {
  t.domain(kName);
  t.absorb_u64("max-run-leaves", max_run_leaves);
  t.absorb_u64("columns", shapes.size());
  for (const auto& s : shapes) {
    t.absorb_u64("rank", s.dims.size());
    for (const uint64_t d : s.dims) t.absorb_u64("dim", d);
    t.absorb_u64("bits", s.spec.bits);
    t.absorb_u64("signed", s.spec.is_signed ? 1 : 0);
  }
}

Fr pow2(unsigned e) { return Fr::from_u128(static_cast<u128>(1) << e); }

// The tag of column c's limb l: 16, or the top limb's width.
int64_t limb_tag(const RangeSpec& sp, unsigned l) { return l + 1 < sp.limbs() ? 16 : sp.top_bits(); }

// The table of a run: the 16-bit range and one range per distinct top-limb width of its columns.
TaggedRangeTable run_table(std::span<const RangeCheckShape> shapes) {
  std::vector<unsigned> widths{16};
  for (const auto& s : shapes) {
    if (std::find(widths.begin(), widths.end(), s.spec.top_bits()) == widths.end()) widths.push_back(s.spec.top_bits());
  }
  return TaggedRangeTable(std::move(widths));
}

// The lookup columns' shapes: per range column its L limbs, each a pair (tag, limb) with a constant tag.
std::vector<LookupColumnShape> lookup_shapes(std::span<const RangeCheckShape> shapes) {
  std::vector<LookupColumnShape> out;
  for (const auto& s : shapes) {
    for (unsigned l = 0; l < s.spec.limbs(); ++l) out.push_back({s.dims, {limb_tag(s.spec, l), std::nullopt}});
  }
  return out;
}

// The runs of range columns, each proven by its own LogUp: a run's lookup columns fill at most max_leaves leaves
// (unless one range column alone needs more), so the prover's memory is bounded by the run, not by the step. A
// range column's limbs stay in one run: they must share LogUp's point. First-fit decreasing: the columns, largest
// first (ties by index), each into the first run with room; a run's columns in index order. Each run is padded to
// a power of two leaves, so runs filled to the brim waste nothing (one llama-2-7b-shaped layer's step: 196M limb
// leaves in 13 runs of 218M leaves when runs were consecutive columns, in 12 runs of 201M now).
std::vector<std::vector<size_t>> lookup_runs(std::span<const RangeCheckShape> shapes, uint64_t max_leaves) {
  std::vector<uint64_t> leaves(shapes.size());
  for (size_t c = 0; c < shapes.size(); ++c) {
    leaves[c] = uint64_t{shapes[c].spec.limbs()} << lookup_column_vars(shapes[c].dims);
  }
  std::vector<size_t> order(shapes.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return leaves[a] > leaves[b]; });
  std::vector<std::vector<size_t>> runs;
  std::vector<uint64_t> fill;
  for (const size_t c : order) {
    size_t r = 0;
    while (r < runs.size() && fill[r] + leaves[c] > max_leaves) ++r;
    if (r == runs.size()) {
      runs.emplace_back();
      fill.push_back(0);
    }
    runs[r].push_back(c);
    fill[r] += leaves[c];
  }
  for (std::vector<size_t>& run : runs) std::sort(run.begin(), run.end());
  return runs;
}

// Column c's first committed limb among all columns' (their lower limbs, in column order).
std::vector<size_t> limb_offsets(std::span<const RangeCheckShape> shapes) {
  std::vector<size_t> out(shapes.size());
  size_t next = 0;
  for (size_t c = 0; c < shapes.size(); ++c) {
    out[c] = next;
    next += shapes[c].spec.limbs() - 1;
  }
  return out;
}

std::vector<RangeCheckShape> run_shapes(std::span<const RangeCheckShape> shapes, const std::vector<size_t>& run) {
  std::vector<RangeCheckShape> out;
  for (const size_t c : run) out.push_back(shapes[c]);
  return out;
}

}  // namespace

RangeCheckProverResult range_check_prove(ProverChannel& ch, std::span<const RangeCheckColumn> columns, int threads,
                                         uint64_t max_run_leaves) {
  std::vector<RangeCheckShape> shapes;
  for (const auto& c : columns) {
    if (Status s = check_spec(c.shape.spec); !s) throw ZkError(s.error());
    shapes.push_back(c.shape);
  }
  Transcript& t = ch.transcript();
  absorb_shapes(t, shapes, max_run_leaves);
  // Per column its L limbs: the lower L - 1 committed, the top one derived from v and them (not committed).
  std::vector<std::vector<int64_t>> limbs;  // committed, in order
  std::vector<std::vector<int64_t>> tops;   // per column
  std::vector<HyraxCommitted> coms;
  for (const auto& c : columns) {
    const RangeSpec& sp = c.shape.spec;
    const unsigned nv = lookup_column_vars(c.shape.dims);
    const size_t size = size_t{1} << nv;
    if (c.values.size() > size) throw ZkError(ErrorCode::INVALID_ARGUMENT, "range check column too long");
    const uint64_t offset = sp.is_signed ? uint64_t{1} << (sp.bits - 1) : 0;
    const uint64_t limit = sp.bits == 64 ? ~uint64_t{0} : (uint64_t{1} << sp.bits) - 1;
    const LookupRealEntries real(c.shape.dims);
    const bool cheating = ch.allows_false_relations();
    std::vector<std::vector<int64_t>> mine(sp.limbs(), std::vector<int64_t>(size, 0));
    // The first entry outside the range (an honest prover's error), found in parallel.
    std::atomic<size_t> first_bad{c.values.size()};
    parallel_for(c.values.size(), threads, [&](size_t i) {
      if (!real(i)) return;
      const int64_t v = c.values[i];
      const uint64_t u = static_cast<uint64_t>(v) + offset;
      const bool ok = sp.is_signed ? (u <= limit) : (v >= 0 && static_cast<uint64_t>(v) <= limit);
      if (!ok && !cheating) {
        size_t seen = first_bad.load(std::memory_order_relaxed);
        while (i < seen && !first_bad.compare_exchange_weak(seen, i, std::memory_order_relaxed)) {
        }
        return;
      }
      // A cheating prover's out-of-range value: the lower limbs as usual, the top limb whatever the
      // recomposition leaves.
      for (unsigned l = 0; l + 1 < sp.limbs(); ++l) mine[l][i] = static_cast<int64_t>((u >> (16 * l)) & 0xffff);
      mine.back()[i] = ok ? static_cast<int64_t>((u >> (16 * (sp.limbs() - 1))) & 0xffff)
                          : static_cast<int64_t>(u >> (16 * (sp.limbs() - 1)));
    }, grain_for(8));
    if (const size_t i = first_bad.load(); i < c.values.size()) {
      throw ZkError(ErrorCode::OUT_OF_RANGE, "range check: " + std::to_string(c.values[i]) + " outside " +
                                                 (sp.is_signed ? "signed " : "") + std::to_string(sp.bits) + " bits");
    }
    tops.push_back(std::move(mine.back()));
    for (unsigned l = 0; l + 1 < sp.limbs(); ++l) {
      coms.push_back(hyrax_commit(TableView(mine[l]), HyraxParams::balanced(nv), 0, threads));
      limbs.push_back(std::move(mine[l]));
    }
  }
  for (const auto& c : coms) {
    c.commitment.write(ch.writer());
    hyrax_absorb(t, "limb", c.commitment);
  }
  // LogUp over the limb columns of each run (tagged: 16-bit limbs and the top limb in its own width), then the
  // recomposition.
  RangeCheckProverResult out{std::move(limbs), std::move(coms), {}, {}, {}};
  out.value_claims.resize(columns.size());
  const std::vector<size_t> first_limb = limb_offsets(shapes);
  for (const std::vector<size_t>& run : lookup_runs(shapes, max_run_leaves)) {
    const TaggedRangeTable table = run_table(run_shapes(shapes, run));
    std::vector<LookupColumn> lcs;
    for (const size_t c : run) {
      const RangeSpec& sp = columns[c].shape.spec;
      for (unsigned l = 0; l < sp.limbs(); ++l) {
        const TableView limb = l + 1 < sp.limbs() ? TableView(out.limbs[first_limb[c] + l]) : TableView(tops[c]);
        lcs.push_back({columns[c].shape.dims, {TableView(), limb}, {limb_tag(sp, l), std::nullopt}});
      }
    }
    out.logups.push_back(
        logup_prove(ch, table, lcs, logup_multiplicities(table, lcs, threads, ch.allows_false_relations()), threads));
    const auto& cc = out.logups.back().column_claims;
    size_t col = 0;
    for (const size_t c : run) {
      const RangeSpec& sp = columns[c].shape.spec;
      const std::vector<Fr>& z = cc[col][1].point;
      ProverValue v = ProverValue::constant(Fr::zero());
      for (unsigned l = 0; l < sp.limbs(); ++l) {
        const ProverValue& d = cc[col + l][1].value;
        v += d * pow2(16 * l);
        if (l + 1 < sp.limbs()) out.limb_claims.push_back({first_limb[c] + l, {z, d}});
      }
      if (sp.is_signed) v -= ProverValue::constant(pow2(sp.bits - 1) * lookup_selector_eval(columns[c].shape.dims, z));
      out.value_claims[c] = {z, v};
      col += sp.limbs();
    }
  }
  return out;
}

Result<RangeCheckVerifierResult> range_check_verify(VerifierChannel& ch, std::span<const RangeCheckShape> shapes,
                                                    int threads, uint64_t max_run_leaves) {
  for (const auto& s : shapes) {
    if (Status st = check_spec(s.spec); !st) return st.error();
    if (s.dims.empty() || lookup_column_vars(s.dims) > 36) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "range check column of a bad shape");
    }
  }
  Transcript& t = ch.transcript();
  absorb_shapes(t, shapes, max_run_leaves);
  std::vector<HyraxCommitment> coms;
  for (const auto& s : shapes) {
    for (unsigned l = 0; l + 1 < s.spec.limbs(); ++l) {
      auto c = HyraxCommitment::read(ch.reader(), threads);
      if (!c) return c.error();
      if (c->params() != HyraxParams::balanced(lookup_column_vars(s.dims))) {
        return make_error(ErrorCode::HYRAX_SHAPE_MISMATCH, "a limb commitment of the wrong shape");
      }
      coms.push_back(std::move(*c));
    }
  }
  for (const auto& c : coms) hyrax_absorb(t, "limb", c);
  RangeCheckVerifierResult out{std::move(coms), {}, {}, {}};
  out.value_claims.resize(shapes.size());
  const std::vector<size_t> first_limb = limb_offsets(shapes);
  for (const std::vector<size_t>& run : lookup_runs(shapes, max_run_leaves)) {
    const std::vector<RangeCheckShape> rs = run_shapes(shapes, run);
    auto lr = logup_verify(ch, run_table(rs), lookup_shapes(rs), threads);
    if (!lr) return lr.error();
    out.logups.push_back(std::move(*lr));
    const auto& cc = out.logups.back().column_claims;
    size_t col = 0;
    for (const size_t c : run) {
      const RangeSpec& sp = shapes[c].spec;
      const std::vector<Fr>& z = cc[col][1].point;
      VerifierValue v = VerifierValue::constant(Fr::zero());
      for (unsigned l = 0; l < sp.limbs(); ++l) {
        const VerifierValue& d = cc[col + l][1].value;
        v += d * pow2(16 * l);
        if (l + 1 < sp.limbs()) out.limb_claims.push_back({first_limb[c] + l, {z, d}});
      }
      if (sp.is_signed) v -= VerifierValue::constant(pow2(sp.bits - 1) * lookup_selector_eval(shapes[c].dims, z));
      out.value_claims[c] = {z, v};
      col += sp.limbs();
    }
  }
  return out;
}

void range_check_open(ProverChannel& ch, const RangeCheckProverResult& r, int threads) {
  std::vector<HyraxProverInput> in;
  for (size_t i = 0; i < r.limb_commitments.size(); ++i) {
    in.push_back({&r.limb_commitments[i].commitment, &r.limb_commitments[i].data, TableView(r.limbs[i])});
  }
  std::vector<CommittedProverClaim> claims = r.limb_claims;
  for (const LogupProverResult& l : r.logups) {
    claims.push_back({in.size(), l.multiplicity_claim});
    in.push_back({&l.multiplicity_commitment.commitment, &l.multiplicity_commitment.data,
                  TableView(l.multiplicities)});
  }
  prove_openings(ch, in, claims, threads);
}

Status range_check_verify_open(VerifierChannel& ch, const RangeCheckVerifierResult& r, int threads) {
  std::vector<const HyraxCommitment*> cs;
  for (const auto& c : r.limb_commitments) cs.push_back(&c);
  std::vector<CommittedVerifierClaim> claims = r.limb_claims;
  for (const LogupVerifierResult& l : r.logups) {
    claims.push_back({cs.size(), l.multiplicity_claim});
    cs.push_back(&l.multiplicity_commitment);
  }
  return verify_openings(ch, cs, claims, threads);
}

}  // namespace zklora
