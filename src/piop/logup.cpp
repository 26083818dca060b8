// LogUp with a GKR over fractional sums (logup.h).
#include "zklora/piop/logup.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>

#include "zklora/base/threads.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/small_mul.h"

namespace zklora {
namespace {

constexpr std::string_view kName = "logup";

struct Layer {
  std::vector<Fr> p, q;
};

// Leaves of the column tree are capped at 2^kMaxLeafVars, a column at 2^kMaxColumnVars entries.
constexpr unsigned kMaxLeafVars = 40;
constexpr unsigned kMaxColumnVars = 36;

// sum_c 2^{n_c}, the leaves the columns' blocks fill; nullopt past 2^kMaxLeafVars (the sum stops there, so it
// cannot overflow).
std::optional<uint64_t> column_leaf_count(std::span<const std::vector<uint64_t>> dims) {
  constexpr uint64_t kMax = uint64_t{1} << kMaxLeafVars;
  uint64_t total = 0;
  for (const auto& d : dims) {
    const unsigned nc = lookup_column_vars(d);
    if (nc > kMaxLeafVars) return std::nullopt;
    total += uint64_t{1} << nc;
    if (total > kMax) return std::nullopt;
  }
  return total;
}

Status check_statement(const LookupTable& table, std::span<const std::vector<uint64_t>> dims) {
  if (table.num_vars() == 0 || table.num_vars() > 30) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "lookup table of 2^" + std::to_string(table.num_vars()) +
                                                       " entries (1 to 30 variables)");
  }
  if (dims.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "lookup without columns");
  for (const auto& d : dims) {
    if (d.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "lookup column without dimensions");
    if (lookup_column_vars(d) > kMaxColumnVars) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "lookup column of more than 2^36 entries");
    }
  }
  if (!column_leaf_count(dims)) return make_error(ErrorCode::INVALID_ARGUMENT, "lookup over 2^40 leaves");
  return {};
}

void absorb_statement(Transcript& t, const LookupTable& table, std::span<const LookupColumnShape> cols) {
  t.domain(kName);
  table.absorb(t);
  t.absorb_u64("columns", cols.size());
  t.absorb_u64("arity", table.arity());
  for (const auto& c : cols) {
    t.absorb_u64("rank", c.dims.size());
    for (const uint64_t x : c.dims) t.absorb_u64("dim", x);
    for (size_t j = 0; j < c.constants.size(); ++j) {
      if (c.constants[j]) t.absorb_fr("constant", Fr::from_i64(*c.constants[j]));
    }
  }
}

bool is_constant(const std::vector<std::optional<int64_t>>& constants, size_t j) {
  return j < constants.size() && constants[j].has_value();
}

Status check_constants(std::span<const LookupColumnShape> cols, unsigned arity) {
  for (const auto& c : cols) {
    if (!c.constants.empty() && c.constants.size() != arity) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "lookup column constants of the wrong arity");
    }
  }
  return {};
}

// Integer entry i of a view (0 past its end); ZkError for a field view.
int64_t int_at(const TableView& v, size_t i) {
  return v.visit([&](const auto& s) -> int64_t {
    using T = std::decay_t<decltype(s[0])>;
    if constexpr (std::is_same_v<T, Fr>) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "lookup columns hold integers");
    } else {
      return i < s.size() ? static_cast<int64_t>(s[i]) : 0;
    }
  });
}

// The layers of a tree from its leaves: layers[j] has 2^j pairs, layers.back() the leaves (>= 2 of them).
std::vector<Layer> build_tree(Layer leaves, int threads) {
  const unsigned depth = log2_ceil(leaves.p.size());
  std::vector<Layer> layers(depth + 1);
  layers[depth] = std::move(leaves);
  for (unsigned j = depth; j-- > 1;) {
    const Layer& c = layers[j + 1];
    const size_t h = size_t{1} << j;
    Layer& out = layers[j];
    out.p.resize(h);
    out.q.resize(h);
    parallel_for(h, threads, [&](size_t x) {
      out.p[x] = c.p[x] * c.q[x + h] + c.p[x + h] * c.q[x];
      out.q[x] = c.q[x] * c.q[x + h];
    }, grain_for(64));
  }
  return layers;
}

// A layer's relation p0 q1 + p1 q0 + lambda q0 q1, written p0 q1 + q0 (p1 + lambda q1) over a fifth table
// r = p1 + lambda q1: two products per point instead of three. r is linear in the others, so its evaluation at the
// sumcheck's point is e1 + lambda e3 and is never sent.
SumcheckShape layer_shape(const std::vector<Fr>& z) {
  SumcheckShape s;
  s.num_vars = static_cast<uint32_t>(z.size());
  s.eq_point = z;
  s.num_tables = 5;  // p0, p1, q0, q1, r
  s.terms = {SumcheckTerm{Fr::one(), {0, 3}}, SumcheckTerm{Fr::one(), {2, 4}}};
  return s;
}

template <class V>
struct TreeClaim {
  std::vector<Fr> z;
  V p, q;
};

// Steps 2 (after the roots) and 3 of logup.h for one tree: from the claim on the layer of two pairs to the leaves.
// Each layer is consumed by its sumcheck (its lower halves moved in, only the upper halves copied) and freed.
TreeClaim<ProverValue> prove_tree(ProverChannel& ch, std::vector<Layer> layers, std::span<const ProverValue> top,
                                  int threads) {
  const Fr r0 = ch.challenge("r");
  TreeClaim<ProverValue> c{{r0}, top[0] + (top[1] - top[0]) * r0, top[2] + (top[3] - top[2]) * r0};
  for (size_t j = 2; j < layers.size(); ++j) {
    const Fr lambda = ch.challenge("lambda");
    const SumcheckShape shape = layer_shape(c.z);
    const size_t h = size_t{1} << (j - 1);
    Layer l = std::move(layers[j]);
    // p1 is in no term (only in r): it is not folded, and its evaluation is r's minus lambda q1's.
    std::vector<std::vector<Fr>> tables(5);
    tables[3].assign(l.q.begin() + static_cast<ptrdiff_t>(h), l.q.end());
    tables[4].resize(h);
    parallel_for(h, threads, [&](size_t x) { tables[4][x] = l.p[h + x] + lambda * tables[3][x]; }, grain_for(64));
    l.p.resize(h);
    l.q.resize(h);
    tables[0] = std::move(l.p);
    tables[2] = std::move(l.q);
    SumcheckProverResult res = sumcheck_prove(ch, shape, std::move(tables), c.p + c.q * lambda, threads);
    res.evaluations[1] = res.evaluations[4] - lambda * res.evaluations[3];
    std::vector<ProverValue> e = ch.send("layer-evals", std::span(res.evaluations).first(4));
    e.push_back(e[1] + e[3] * lambda);
    sumcheck_prove_final(ch, shape, res.final_value, e);
    const Fr r = ch.challenge("r");
    c.z.clear();
    c.z.push_back(r);
    c.z.insert(c.z.end(), res.point.begin(), res.point.end());
    c.p = e[0] + (e[1] - e[0]) * r;
    c.q = e[2] + (e[3] - e[2]) * r;
  }
  return c;
}

Result<TreeClaim<VerifierValue>> verify_tree(VerifierChannel& ch, unsigned depth,
                                             std::span<const VerifierValue> top) {
  const Fr r0 = ch.challenge("r");
  TreeClaim<VerifierValue> c{{r0}, top[0] + (top[1] - top[0]) * r0, top[2] + (top[3] - top[2]) * r0};
  for (unsigned j = 2; j <= depth; ++j) {
    const Fr lambda = ch.challenge("lambda");
    const SumcheckShape shape = layer_shape(c.z);
    auto sub = sumcheck_verify(ch, shape, c.p + c.q * lambda);
    if (!sub) return sub.error();
    auto got = ch.receive("layer-evals", 4);
    if (!got) return got.error();
    std::vector<VerifierValue> e = std::move(*got);
    e.push_back(e[1] + e[3] * lambda);
    if (Status s = sumcheck_verify_final(ch, shape, sub->expected, e); !s) return s.error();
    const Fr r = ch.challenge("r");
    c.z.clear();
    c.z.push_back(r);
    c.z.insert(c.z.end(), sub->point.begin(), sub->point.end());
    c.p = e[0] + (e[1] - e[0]) * r;
    c.q = e[2] + (e[3] - e[2]) * r;
  }
  return c;
}

// Column c's point and weight at the leaves' point z (step 4 of logup.h): with h_c = L - n_c, the point is
// z[h_c .. L) and the weight eq(z[0 .. h_c), offset_c >> n_c), the bits of the block's index taken MSB first.
struct ColumnPoint {
  std::vector<Fr> point;
  Fr weight;
};

std::vector<ColumnPoint> column_points(const LogupColumnLayout& g, std::span<const Fr> z) {
  std::vector<ColumnPoint> out(g.offsets.size());
  for (size_t c = 0; c < out.size(); ++c) {
    const unsigned nc = g.column_vars[c];
    const unsigned h = g.vars - nc;
    const uint64_t block = g.offsets[c] >> nc;
    Fr weight = Fr::one();
    for (unsigned i = 0; i < h; ++i) weight *= ((block >> (h - 1 - i)) & 1) != 0 ? z[i] : Fr::one() - z[i];
    out[c].point.assign(z.begin() + h, z.end());
    out[c].weight = weight;
  }
  return out;
}

// Selector tables by dims, each built once: the columns of one argument (a range check's limbs) share their dims.
class SelectorCache {
 public:
  const std::vector<uint8_t>& get(const std::vector<uint64_t>& dims) {
    auto it = tables_.find(dims);
    if (it == tables_.end()) it = tables_.emplace(dims, lookup_selector_table(dims)).first;
    return it->second;
  }

 private:
  std::map<std::vector<uint64_t>, std::vector<uint8_t>> tables_;
};

}  // namespace

unsigned lookup_column_vars(std::span<const uint64_t> dims) {
  unsigned n = 0;
  for (const uint64_t d : dims) n += d == 0 ? 0 : log2_ceil(d);
  return n;
}

LogupColumnLayout logup_column_layout(std::span<const std::vector<uint64_t>> dims) {
  const std::optional<uint64_t> total = column_leaf_count(dims);
  if (!total) throw ZkError(ErrorCode::INVALID_ARGUMENT, "lookup over 2^40 leaves");
  LogupColumnLayout g;
  g.vars = std::max(1u, log2_ceil(*total));
  g.column_vars.resize(dims.size());
  g.offsets.resize(dims.size());
  std::vector<size_t> order(dims.size());
  for (size_t c = 0; c < dims.size(); ++c) {
    g.column_vars[c] = lookup_column_vars(dims[c]);
    order[c] = c;
  }
  // Blocks of non-increasing powers of two, one after another: each offset is a multiple of its block's size.
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return g.column_vars[a] > g.column_vars[b]; });
  uint64_t offset = 0;
  for (const size_t c : order) {
    g.offsets[c] = offset;
    offset += uint64_t{1} << g.column_vars[c];
  }
  return g;
}

Fr lookup_selector_eval(std::span<const uint64_t> dims, std::span<const Fr> z) {
  if (z.size() != lookup_column_vars(dims)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "lookup_selector_eval: a point of the wrong size");
  }
  Fr out = Fr::one();
  size_t off = 0;
  for (const uint64_t d : dims) {
    if (d == 0) return Fr::zero();
    const unsigned v = log2_ceil(d);
    out *= prefix_eq_sums(d, z.subspan(off, v))[0];
    off += v;
  }
  return out;
}

LookupRealEntries::LookupRealEntries(std::span<const uint64_t> dims) {
  unsigned shift = 0;
  for (size_t j = dims.size(); j-- > 0;) {
    const unsigned bits = dims[j] == 0 ? 0 : log2_ceil(dims[j]);
    if (dims[j] != (uint64_t{1} << bits)) limits_.push_back({shift, (uint64_t{1} << bits) - 1, dims[j]});
    shift += bits;
  }
}

std::vector<uint8_t> lookup_selector_table(std::span<const uint64_t> dims) {
  const LookupRealEntries real(dims);
  std::vector<uint8_t> sel(size_t{1} << lookup_column_vars(dims));
  for (size_t i = 0; i < sel.size(); ++i) sel[i] = real(i) ? 1 : 0;
  return sel;
}

std::vector<Fr> lookup_selector_field(std::span<const uint64_t> dims, size_t n) {
  const std::vector<uint8_t> sel = lookup_selector_table(dims);
  std::vector<Fr> out(n);
  for (size_t i = 0; i < n && i < sel.size(); ++i) out[i] = sel[i] ? Fr::one() : Fr::zero();
  return out;
}

std::vector<int64_t> logup_multiplicities(const LookupTable& table, std::span<const LookupColumn> columns, int threads,
                                          bool skip_missing) {
  for (const LookupColumn& col : columns) {
    if (col.parts.size() != table.arity()) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "lookup column of " + std::to_string(col.parts.size()) +
                                                     " tensors for a table of arity " +
                                                     std::to_string(table.arity()));
    }
  }
  // Each chunk of a column counts into its own histogram (a thread's: the chunks of one thread run one after
  // another), summed at the end; a range table's histogram is a few hundred KB. The first missing tuple in column
  // order is reported, whichever chunk finds it.
  const int t = resolve_threads(threads);
  const size_t slots = table.size() <= (size_t{1} << 20) ? static_cast<size_t>(t) : 1;
  std::vector<std::vector<int64_t>> counts(slots, std::vector<int64_t>(table.size(), 0));
  SelectorCache selectors;
  for (const LookupColumn& col : columns) {
    const std::vector<uint8_t>& sel = selectors.get(col.dims);
    std::vector<size_t> missing(slots, SIZE_MAX);
    parallel_chunks(sel.size(), slots, slots == 1 ? 1 : t, [&](size_t begin, size_t end, size_t chunk) {
      std::vector<int64_t>& m = counts[chunk];
      std::vector<int64_t> tuple(table.arity());
      for (size_t i = begin; i < end; ++i) {
        if (!sel[i]) continue;
        for (size_t j = 0; j < tuple.size(); ++j) {
          tuple[j] = is_constant(col.constants, j) ? *col.constants[j] : int_at(col.parts[j], i);
        }
        const auto idx = table.find(tuple);
        if (idx) {
          ++m[*idx];
        } else if (!skip_missing) {
          missing[chunk] = i;
          return;
        }
      }
    });
    const size_t i = *std::min_element(missing.begin(), missing.end());
    if (i != SIZE_MAX) {
      const int64_t first = is_constant(col.constants, 0) ? *col.constants[0] : int_at(col.parts[0], i);
      throw ZkError(ErrorCode::OUT_OF_RANGE, "lookup: entry " + std::to_string(i) + " (" + std::to_string(first) +
                                                 ", ...) is not in table '" + std::string(table.name()) + "'");
    }
  }
  for (size_t c = 1; c < slots; ++c) {
    for (size_t y = 0; y < table.size(); ++y) counts[0][y] += counts[c][y];
  }
  return std::move(counts[0]);
}

LogupProverResult logup_prove(ProverChannel& ch, const LookupTable& table, std::span<const LookupColumn> columns,
                              std::vector<int64_t> multiplicities, int threads) {
  std::vector<std::vector<uint64_t>> dims;
  std::vector<LookupColumnShape> shapes;
  for (const LookupColumn& c : columns) {
    dims.push_back(c.dims);
    shapes.push_back({c.dims, c.constants});
  }
  if (Status s = check_statement(table, dims); !s) throw ZkError(s.error());
  const unsigned w = table.arity();
  if (Status s = check_constants(shapes, w); !s) throw ZkError(s.error());
  for (const LookupColumn& c : columns) {
    if (c.parts.size() != w) throw ZkError(ErrorCode::INVALID_ARGUMENT, "lookup column of the wrong arity");
    for (size_t j = 0; j < w; ++j) {
      if (is_constant(c.constants, j)) continue;
      const TableView& v = c.parts[j];
      if (v.is_field()) throw ZkError(ErrorCode::INVALID_ARGUMENT, "lookup columns hold integers");
      if (v.size() > (size_t{1} << lookup_column_vars(c.dims))) {
        throw ZkError(ErrorCode::INVALID_ARGUMENT, "lookup column longer than its padded shape");
      }
    }
  }
  if (multiplicities.size() != table.size()) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "multiplicities of the wrong size");
  }
  Transcript& t = ch.transcript();
  absorb_statement(t, table, shapes);
  const unsigned k = table.num_vars();

  // 1. Commit m; beta, gamma.
  LogupProverResult out{hyrax_commit(TableView(multiplicities), HyraxParams::balanced(k), 0, threads), {}, {}, {}};
  out.multiplicity_commitment.commitment.write(ch.writer());
  hyrax_absorb(t, "multiplicities", out.multiplicity_commitment.commitment);
  const Fr beta = ch.challenge("beta");
  const Fr gamma = ch.challenge("gamma");
  std::vector<Fr> gpow(w, Fr::one());
  for (unsigned j = 1; j < w; ++j) gpow[j] = gpow[j - 1] * gamma;

  // Leaves of both trees.
  const LogupColumnLayout g = logup_column_layout(dims);
  // Every column's block is written in full below; the leaves after the last block are (0, beta).
  Layer fl{std::vector<Fr>(size_t{1} << g.vars), std::vector<Fr>(size_t{1} << g.vars)};
  const uint64_t filled = *column_leaf_count(dims);  // the blocks are packed from leaf 0
  parallel_for(fl.q.size() - filled, threads, [&](size_t i) { fl.q[filled + i] = beta; }, grain_for(4));
  SelectorCache selectors;
  for (size_t c = 0; c < columns.size(); ++c) {
    const std::vector<uint8_t>& sel = selectors.get(columns[c].dims);
    const auto& parts = columns[c].parts;
    const auto& constants = columns[c].constants;
    // q = beta - f = (beta - the constant parts' share) - sum_j gamma^j a_j: the first term is the same on every
    // leaf of the block; each integer a_j costs a small-by-field product (small_mul.h), not a multiplication.
    Fr base = beta;
    std::vector<size_t> varying;
    for (unsigned j = 0; j < w; ++j) {
      if (is_constant(constants, j)) {
        base -= gpow[j] * Fr::from_i64(*constants[j]);
      } else {
        varying.push_back(j);
      }
    }
    Fr* p = fl.p.data() + g.offsets[c];
    Fr* q = fl.q.data() + g.offsets[c];
    const ScaledFr<1> base_s = ScaledFr<1>::from(base);
    if (varying.size() == 1 && !parts[varying[0]].is_field()) {
      // One integer part (a range check's limb): q = 1 * base + a * (-gamma^j), two small products.
      const ScaledFr<1> neg_g = ScaledFr<1>::from(-gpow[varying[0]]);
      parts[varying[0]].visit([&](const auto& a) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(a[0])>, Fr>) {
          parallel_for(sel.size(), threads, [&](size_t i) {
            p[i] = sel[i] ? Fr::one() : Fr::zero();
            q[i] = int_lincomb2(1, base_s, i < a.size() ? static_cast<int64_t>(a[i]) : 0, neg_g);
          }, grain_for(16));
        }
      });
      continue;
    }
    parallel_for(sel.size(), threads, [&](size_t i) {
      Fr f;
      for (const size_t j : varying) f += gpow[j] * int_to_fr(int_at(parts[j], i));
      p[i] = sel[i] ? Fr::one() : Fr::zero();
      q[i] = base - f;
    }, grain_for(64));
  }
  Layer tl{std::vector<Fr>(table.size()), table.folded_entries(gamma, threads)};
  parallel_for(table.size(), threads, [&](size_t y) {
    tl.p[y] = int_to_fr(multiplicities[y]);
    tl.q[y] = beta - tl.q[y];
  }, grain_for(64));
  std::vector<Layer> ftree = build_tree(std::move(fl), threads);
  std::vector<Layer> ttree = build_tree(std::move(tl), threads);

  // 2. The roots.
  const Fr top_values[] = {ftree[1].p[0], ftree[1].p[1], ftree[1].q[0], ftree[1].q[1],
                           ttree[1].p[0], ttree[1].p[1], ttree[1].q[0], ttree[1].q[1]};
  const std::vector<ProverValue> top = ch.send("roots", top_values);
  // One product per statement: the order of the proofs in the stream is the verifier's.
  ProverValue prod[6];
  const size_t pairs[6][2] = {{0, 3}, {1, 2}, {2, 3}, {4, 7}, {5, 6}, {6, 7}};
  for (size_t i = 0; i < 6; ++i) prod[i] = ch.mul("root", top[pairs[i][0]], top[pairs[i][1]]);
  const ProverValue pf = prod[0] + prod[1], qf = prod[2], pt = prod[3] + prod[4], qt = prod[5];
  const ProverValue cross_f = ch.mul("root", pf, qt);
  const ProverValue cross_t = ch.mul("root", pt, qf);
  ch.prove_zero("lookup-sum", cross_f - cross_t);

  // 3. Down both trees.
  const TreeClaim<ProverValue> fc = prove_tree(ch, std::move(ftree), std::span(top).subspan(0, 4), threads);
  const TreeClaim<ProverValue> tc = prove_tree(ch, std::move(ttree), std::span(top).subspan(4, 4), threads);

  // 4. Leaves: the columns' evaluations, then the table's.
  const std::vector<ColumnPoint> cps = column_points(g, fc.z);
  std::vector<Fr> evals;
  for (size_t c = 0; c < columns.size(); ++c) {
    for (unsigned j = 0; j < w; ++j) {
      if (!is_constant(columns[c].constants, j)) {
        evals.push_back(mle_evaluate(columns[c].parts[j], cps[c].point, threads));
      }
    }
  }
  const std::vector<ProverValue> ev = ch.send("column-evals", evals);
  Fr sel_total;
  ProverValue f_total = ProverValue::constant(Fr::zero());
  out.column_claims.resize(columns.size());
  size_t next = 0;
  for (size_t c = 0; c < columns.size(); ++c) {
    sel_total += cps[c].weight * lookup_selector_eval(dims[c], cps[c].point);
    ProverValue f = ProverValue::constant(Fr::zero());
    for (unsigned j = 0; j < w; ++j) {
      const ProverValue a = is_constant(columns[c].constants, j)
                                ? ProverValue::constant(Fr::from_i64(*columns[c].constants[j]))
                                : ev[next++];
      f += a * gpow[j];
      out.column_claims[c].push_back({cps[c].point, a});
    }
    f_total += f * cps[c].weight;
  }
  ch.prove_zero("column-p", fc.p - sel_total);
  ch.prove_zero("column-q", fc.q + f_total - beta);
  ch.prove_zero("table-q", tc.q - beta + table.evaluate(tc.z, gamma));
  out.multiplicity_claim = {tc.z, tc.p};
  out.multiplicities = std::move(multiplicities);
  return out;
}

Result<LogupVerifierResult> logup_verify(VerifierChannel& ch, const LookupTable& table,
                                         std::span<const std::vector<uint64_t>> column_dims, int threads) {
  std::vector<LookupColumnShape> shapes;
  for (const auto& d : column_dims) shapes.push_back({d, {}});
  return logup_verify(ch, table, shapes, threads);
}

Result<LogupVerifierResult> logup_verify(VerifierChannel& ch, const LookupTable& table,
                                         std::span<const LookupColumnShape> columns, int threads) {
  std::vector<std::vector<uint64_t>> dims;
  for (const auto& c : columns) dims.push_back(c.dims);
  if (Status s = check_statement(table, dims); !s) return s.error();
  if (Status s = check_constants(columns, table.arity()); !s) return s.error();
  Transcript& t = ch.transcript();
  absorb_statement(t, table, columns);
  const unsigned k = table.num_vars();
  const unsigned w = table.arity();

  auto com = HyraxCommitment::read(ch.reader(), threads);
  if (!com) return com.error();
  if (com->params() != HyraxParams::balanced(k)) {
    return make_error(ErrorCode::HYRAX_SHAPE_MISMATCH, "the multiplicities' commitment has the wrong shape");
  }
  hyrax_absorb(t, "multiplicities", *com);
  const Fr beta = ch.challenge("beta");
  const Fr gamma = ch.challenge("gamma");
  std::vector<Fr> gpow(w, Fr::one());
  for (unsigned j = 1; j < w; ++j) gpow[j] = gpow[j - 1] * gamma;

  auto top = ch.receive("roots", 8);
  if (!top) return top.error();
  constexpr ErrorCode kSum = ErrorCode::LOOKUP_SUM_MISMATCH;
  constexpr std::string_view kSumWhat = "the column side and the table side sum to different fractions";
  const auto& v = *top;
  VerifierValue prod[6];
  const size_t pairs[6][2] = {{0, 3}, {1, 2}, {2, 3}, {4, 7}, {5, 6}, {6, 7}};
  for (size_t i = 0; i < 6; ++i) {
    auto x = ch.mul("root", v[pairs[i][0]], v[pairs[i][1]], kSum, kSumWhat);
    if (!x) return x.error();
    prod[i] = *x;
  }
  const VerifierValue pf = prod[0] + prod[1], qf = prod[2], pt = prod[3] + prod[4], qt = prod[5];
  auto a = ch.mul("root", pf, qt, kSum, kSumWhat);
  if (!a) return a.error();
  auto b = ch.mul("root", pt, qf, kSum, kSumWhat);
  if (!b) return b.error();
  if (Status s = ch.check_zero("lookup-sum", *a - *b, kSum, kSumWhat); !s) return s.error();

  const LogupColumnLayout g = logup_column_layout(dims);
  auto fc = verify_tree(ch, g.vars, std::span(v).subspan(0, 4));
  if (!fc) return fc.error();
  auto tc = verify_tree(ch, k, std::span(v).subspan(4, 4));
  if (!tc) return tc.error();

  size_t sent = 0;
  for (const auto& c : columns) {
    for (unsigned j = 0; j < w; ++j) sent += is_constant(c.constants, j) ? 0 : 1;
  }
  auto ev = ch.receive("column-evals", sent);
  if (!ev) return ev.error();
  const std::vector<ColumnPoint> cps = column_points(g, fc->z);
  LogupVerifierResult out{std::move(*com), {}, {}};
  Fr sel_total;
  VerifierValue f_total = VerifierValue::constant(Fr::zero());
  out.column_claims.resize(dims.size());
  size_t next = 0;
  for (size_t c = 0; c < dims.size(); ++c) {
    sel_total += cps[c].weight * lookup_selector_eval(dims[c], cps[c].point);
    VerifierValue f = VerifierValue::constant(Fr::zero());
    for (unsigned j = 0; j < w; ++j) {
      const VerifierValue a = is_constant(columns[c].constants, j)
                                  ? VerifierValue::constant(Fr::from_i64(*columns[c].constants[j]))
                                  : (*ev)[next++];
      f += a * gpow[j];
      out.column_claims[c].push_back({cps[c].point, a});
    }
    f_total += f * cps[c].weight;
  }
  constexpr ErrorCode kCol = ErrorCode::LOOKUP_COLUMN_MISMATCH;
  if (Status s = ch.check_zero("column-p", fc->p - sel_total, kCol, "the leaves' numerators are not the selector");
      !s) {
    return s.error();
  }
  if (Status s = ch.check_zero("column-q", fc->q + f_total - beta, kCol,
                               "the leaves' denominators do not match the columns' evaluations");
      !s) {
    return s.error();
  }
  if (Status s = ch.check_zero("table-q", tc->q - beta + table.evaluate(tc->z, gamma),
                               ErrorCode::LOOKUP_TABLE_MISMATCH, "the table side's leaves are not the table");
      !s) {
    return s.error();
  }
  out.multiplicity_claim = {tc->z, tc->p};
  return out;
}

}  // namespace zklora
