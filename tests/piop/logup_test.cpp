// LogUp lookups (logup.h) and their tables (lookup_table.h), in both channel modes: completeness over the edge
// cases (empty column, shorter and longer than the table, all values equal, both ends of the range, a
// multi-dimensional padded shape, columns of very different sizes in the packed column tree), and rejection of a
// value outside the table, a wrong multiplicity, a pair (x, y) with y != f(x), tampered messages and a different
// transcript, each with its own error code. False statements are proven with a channel that does not refuse false
// relations (a cheating prover).
#include <gtest/gtest.h>

#include <algorithm>

#include "test_util.h"
#include "zklora/pcs/pedersen.h"
#include "zklora/pcs/sigma.h"
#include "zklora/piop/logup.h"
#include "zklora/piop/openings.h"
#include "zklora/poly/mle.h"

namespace zklora {
namespace {

using testing::random_frs;


struct Col {
  std::vector<uint64_t> dims;
  std::vector<std::vector<int64_t>> parts;  // padded layout
};

std::vector<LookupColumn> views(const std::vector<Col>& cols) {
  std::vector<LookupColumn> out;
  for (const Col& c : cols) {
    LookupColumn lc{c.dims, {}, {}};
    for (const auto& p : c.parts) lc.parts.emplace_back(p);
    out.push_back(std::move(lc));
  }
  return out;
}

std::vector<std::vector<uint64_t>> dims_of(const std::vector<Col>& cols) {
  std::vector<std::vector<uint64_t>> d;
  for (const Col& c : cols) d.push_back(c.dims);
  return d;
}

struct Proven {
  std::vector<uint8_t> proof;
  LogupProverResult result;
};

Proven prove(ChannelMode mode, const LookupTable& table, const std::vector<Col>& cols, bool cheat,
             std::vector<int64_t> m = {}, std::string_view protocol = "logup-test") {
  Transcript t(protocol);
  std::unique_ptr<ProverChannel> ch = make_prover_channel(mode, t);
  if (cheat) ch->allow_false_relations();
  const auto v = views(cols);
  if (m.empty()) m = logup_multiplicities(table, v);
  LogupProverResult r = logup_prove(*ch, table, v, std::move(m));
  // Settle the multiplicities' claim, as a caller would, with one opening.
  const HyraxProverInput in{&r.multiplicity_commitment.commitment, &r.multiplicity_commitment.data,
                            TableView(r.multiplicities)};
  const CommittedProverClaim mc{0, r.multiplicity_claim};
  prove_openings(*ch, std::span(&in, 1), std::span(&mc, 1));
  return {ch->take_proof(), std::move(r)};
}

Result<LogupVerifierResult> verify(ChannelMode mode, const LookupTable& table,
                                   const std::vector<std::vector<uint64_t>>& dims, std::span<const uint8_t> proof,
                                   std::string_view protocol = "logup-test") {
  Transcript t(protocol);
  auto ch = make_verifier_channel(mode, t, proof);
  auto r = logup_verify(*ch, table, dims);
  if (!r) return r.error();
  const HyraxCommitment* cs[] = {&r->multiplicity_commitment};
  const CommittedVerifierClaim mc{0, r->multiplicity_claim};
  if (Status s = verify_openings(*ch, cs, std::span(&mc, 1)); !s) return s.error();
  if (Status s = ch->finish(); !s) return s.error();
  return r;
}

class Logup : public ::testing::TestWithParam<ChannelMode> {};
INSTANTIATE_TEST_SUITE_P(Modes, Logup, ::testing::Values(ChannelMode::CLEAR, ChannelMode::ZERO_KNOWLEDGE),
                         [](const auto& info) { return std::string(testing::mode_name(info.param)); });

Col range_col(std::mt19937_64& gen, uint64_t n, int64_t lo, int64_t hi) {
  Col c{{n}, {std::vector<int64_t>(n)}};
  for (auto& x : c.parts[0]) x = lo + static_cast<int64_t>(gen() % static_cast<uint64_t>(hi - lo));
  return c;
}

TEST(LookupTables, PrefixSumsAndTableMles) {
  std::mt19937_64 gen(1);
  for (const unsigned v : {0u, 1u, 3u, 6u}) {
    const auto z = random_frs(gen, v);
    const auto e = eq_table(z);
    for (uint64_t len = 0; len <= (uint64_t{1} << v); ++len) {
      Fr c, w;
      for (uint64_t i = 0; i < len; ++i) {
        c += e[i];
        w += e[i] * Fr::from_u64(i);
      }
      const auto got = prefix_eq_sums(len, z);
      EXPECT_EQ(got[0], c) << v << " " << len;
      EXPECT_EQ(got[1], w) << v << " " << len;
    }
  }
  const Fr gamma = Fr::random(gen);
  const RangeTable ranges[] = {RangeTable(-5, 40, 6), RangeTable::signed_bits(5), RangeTable::unsigned_bits(4),
                               RangeTable(7, 8, 1)};
  const FunctionTable ft("square", -10, {100, 81, 64, 49, 36, 25, 16, 9, 4, 1, 0, 1, 4}, 4);
  // Widths given in any order; blocks of 2^5, 2^3, 2^2 and 2^1 entries, then padding up to 2^6.
  const TaggedRangeTable tagged({3, 5, 1, 2});
  const TaggedRangeTable single({16});
  const LookupTable* tables[] = {&ranges[0], &ranges[1], &ranges[2], &ranges[3], &ft, &tagged, &single};
  for (const LookupTable* tab : tables) {
    const auto z = random_frs(gen, tab->num_vars());
    EXPECT_EQ(tab->evaluate(z, gamma), mle_evaluate(tab->folded_entries(gamma), z)) << tab->name();
    for (size_t i = 0; i < tab->size(); ++i) {
      std::vector<int64_t> tuple;
      for (unsigned j = 0; j < tab->arity(); ++j) tuple.push_back(tab->entry(i, j));
      const auto idx = tab->find(tuple);
      ASSERT_TRUE(idx.has_value());
      for (unsigned j = 0; j < tab->arity(); ++j) EXPECT_EQ(tab->entry(*idx, j), tuple[j]);
    }
  }
  EXPECT_FALSE(ranges[0].find(std::vector<int64_t>{40}).has_value());
  EXPECT_FALSE(ranges[0].find(std::vector<int64_t>{-6}).has_value());
  EXPECT_FALSE(ft.find(std::vector<int64_t>{2, 5}).has_value());
  EXPECT_THROW(RangeTable(0, 17, 4), ZkError);
  EXPECT_EQ(tagged.num_vars(), 6u);
  EXPECT_TRUE(tagged.find(std::vector<int64_t>{5, 31}).has_value());
  EXPECT_FALSE(tagged.find(std::vector<int64_t>{5, 32}).has_value());
  EXPECT_FALSE(tagged.find(std::vector<int64_t>{3, 8}).has_value());
  EXPECT_FALSE(tagged.find(std::vector<int64_t>{4, 0}).has_value());  // no block of width 4
  EXPECT_FALSE(tagged.find(std::vector<int64_t>{2, -1}).has_value());
  EXPECT_THROW(TaggedRangeTable({3, 3}), ZkError);
  EXPECT_THROW(TaggedRangeTable({17}), ZkError);
  const std::vector<uint64_t> dims = {3, 5};
  const auto z = random_frs(gen, 5);
  std::vector<Fr> sel(32);
  for (size_t a = 0; a < 3; ++a) {
    for (size_t b = 0; b < 5; ++b) sel[a * 8 + b] = Fr::one();
  }
  EXPECT_EQ(lookup_selector_eval(dims, z), mle_evaluate(sel, z));
}

// Columns of very different sizes, with ties (n_c = 6 twice, 0 three times) and an empty column.
std::vector<Col> mixed_columns(std::mt19937_64& gen) {
  std::vector<Col> cols = {range_col(gen, 3, 0, 256), range_col(gen, 1000, 0, 256), Col{{5, 7}, {{}}},
                           range_col(gen, 1, 0, 256), Col{{64, 64}, {{}}}, Col{{0}, {{}}},
                           range_col(gen, 60, 0, 256), range_col(gen, 2, 0, 256), Col{{1}, {{255}}}};
  cols[2].parts[0].assign(64, 1000);  // the padding holds values outside the range: ignored
  for (size_t a = 0; a < 5; ++a) {
    for (size_t b = 0; b < 7; ++b) cols[2].parts[0][a * 8 + b] = static_cast<int64_t>(gen() % 256);
  }
  cols[4].parts[0].resize(4096);
  for (auto& x : cols[4].parts[0]) x = static_cast<int64_t>(gen() % 256);
  return cols;
}

TEST(LookupTables, PackedColumnLayout) {
  std::mt19937_64 gen(6);
  const auto dims = dims_of(mixed_columns(gen));
  const LogupColumnLayout g = logup_column_layout(dims);
  const std::vector<unsigned> nc = {2, 10, 6, 0, 12, 0, 6, 1, 0};
  EXPECT_EQ(g.column_vars, nc);
  // Sorted by size descending, ties by index: {64, 64}, {1000}, {5, 7}, {60}, {3}, {2}, {1}, {0}, {1}.
  const std::vector<uint64_t> offsets = {5248, 4096, 5120, 5254, 0, 5255, 5184, 5252, 5256};
  EXPECT_EQ(g.offsets, offsets);
  EXPECT_EQ(g.vars, 13u);  // 5257 leaves in blocks
  // Blocks aligned to their size, disjoint, inside the 2^L leaves.
  std::vector<uint8_t> used(size_t{1} << g.vars, 0);
  for (size_t c = 0; c < dims.size(); ++c) {
    const uint64_t size = uint64_t{1} << g.column_vars[c];
    EXPECT_EQ(g.offsets[c] % size, 0u) << c;
    ASSERT_LE(g.offsets[c] + size, used.size()) << c;
    for (uint64_t i = g.offsets[c]; i < g.offsets[c] + size; ++i) EXPECT_EQ(used[i]++, 0) << c << " " << i;
  }
  // One column of 2^20 entries beside 100 of 16: 2^21 leaves, where a slot of 2^20 per column took 2^27.
  std::vector<std::vector<uint64_t>> big = {{uint64_t{1} << 20}};
  for (int i = 0; i < 100; ++i) big.push_back({16});
  const LogupColumnLayout gb = logup_column_layout(big);
  EXPECT_EQ(gb.vars, 21u);
  EXPECT_EQ(gb.offsets[0], 0u);
  EXPECT_EQ(gb.offsets[100], (uint64_t{1} << 20) + 99 * 16);
  // A single column of one entry, or empty: still one pair of leaves.
  EXPECT_EQ(logup_column_layout(std::vector<std::vector<uint64_t>>{{1}}).vars, 1u);
  EXPECT_EQ(logup_column_layout(std::vector<std::vector<uint64_t>>{{0}}).vars, 1u);
  // More than 2^40 leaves in all: refused before anything is allocated, by the prover and the verifier.
  const std::vector<std::vector<uint64_t>> huge(17, {uint64_t{1} << 36});
  EXPECT_THROW(logup_column_layout(huge), ZkError);
  Transcript t("logup-test");
  auto ch = make_verifier_channel(ChannelMode::CLEAR, t, {});
  EXPECT_EQ(logup_verify(*ch, RangeTable::unsigned_bits(8), huge).code(), ErrorCode::INVALID_ARGUMENT);
}

TEST_P(Logup, MixedColumnSizesCompleteAndSound) {
  const ChannelMode mode = GetParam();
  const bool clear = mode == ChannelMode::CLEAR;
  std::mt19937_64 gen(7);
  const RangeTable table = RangeTable::unsigned_bits(8);
  const std::vector<Col> cols = mixed_columns(gen);
  const auto dims = dims_of(cols);
  const Proven p = prove(mode, table, cols, false);
  const auto r = verify(mode, table, dims, p.proof);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->column_claims.size(), cols.size());
  for (size_t c = 0; c < cols.size(); ++c) {
    const auto& z = p.result.column_claims[c][0].point;
    EXPECT_EQ(z.size(), lookup_column_vars(dims[c])) << c;
    EXPECT_EQ(r->column_claims[c][0].point, z) << c;
    EXPECT_EQ(p.result.column_claims[c][0].value.value(), mle_evaluate(cols[c].parts[0], z)) << c;
  }

  // A value outside the table: the honest prover refuses it...
  for (const size_t c : {size_t{0}, size_t{3}, size_t{4}}) {
    std::vector<Col> out = cols;
    out[c].parts[0][0] = 256;
    try {
      (void)logup_multiplicities(table, views(out));
      ADD_FAILURE() << "column " << c << ": a value outside the table was counted";
    } catch (const ZkError& e) {
      EXPECT_EQ(e.code(), ErrorCode::OUT_OF_RANGE) << c;
    }
    // ... and a cheating one, counting it at 255, is rejected.
    auto m = logup_multiplicities(table, views(cols));
    m[static_cast<size_t>(cols[c].parts[0][0])] -= 1;
    m[255] += 1;
    EXPECT_EQ(verify(mode, table, dims, prove(mode, table, out, true, m).proof).code(),
              ErrorCode::LOOKUP_SUM_MISMATCH)
        << c;
  }
  // One count too many, as if an entry of {5, 7}'s padding were real: a wrong multiplicity.
  {
    auto m = logup_multiplicities(table, views(cols));
    m[7] += 1;
    EXPECT_EQ(verify(mode, table, dims, prove(mode, table, cols, true, m).proof).code(),
              ErrorCode::LOOKUP_SUM_MISMATCH);
  }

  // Each column's evaluation tampered (the empty and one-entry columns too): LOOKUP_COLUMN_MISMATCH.
  Transcript t("logup-test");
  auto ch = make_prover_channel(mode, t);
  const auto v = views(cols);
  (void)logup_prove(*ch, table, v, logup_multiplicities(table, v));
  const size_t vb = clear ? Fr::kBytes : G1::kBytes;
  const size_t end = ch->proof().size() - (clear ? 0 : 3 * ZeroProof::kBytes);
  for (size_t c = 0; c < cols.size(); ++c) {
    auto b = p.proof;
    const size_t at = end - (cols.size() - c) * vb;
    if (clear) {
      testing::bump_fr(b, at);
    } else {
      testing::bump_g1(b, at);
    }
    EXPECT_EQ(verify(mode, table, dims, b).code(), ErrorCode::LOOKUP_COLUMN_MISMATCH) << c;
  }
  // The same columns claimed with other shapes: rejected.
  auto other = dims;
  std::swap(other[0], other[7]);
  EXPECT_FALSE(verify(mode, table, other, p.proof).ok());
}

TEST_P(Logup, RangeCompletenessAndEdgeCases) {
  const ChannelMode mode = GetParam();
  std::mt19937_64 gen(2);
  const RangeTable table(-100, 100, 8);  // 200 values in 256 entries
  // Shorter than the table, longer than the table, all equal, both ends, empty, and a (3, 5) tensor.
  std::vector<Col> cols = {range_col(gen, 37, -100, 100), range_col(gen, 1000, -100, 100),
                           Col{{64}, {std::vector<int64_t>(64, 17)}},
                           Col{{6}, {{-100, 99, -100, 99, 99, -100}}}, Col{{0}, {{}}}};
  Col t2{{3, 5}, {std::vector<int64_t>(32, 5000)}};  // the padding holds values outside the range: ignored
  for (size_t a = 0; a < 3; ++a) {
    for (size_t b = 0; b < 5; ++b) t2.parts[0][a * 8 + b] = static_cast<int64_t>(a * 5 + b) - 7;
  }
  cols.push_back(t2);
  const Proven p = prove(mode, table, cols, false);
  const auto r = verify(mode, table, dims_of(cols), p.proof);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->column_claims.size(), cols.size());
  for (size_t c = 0; c < cols.size(); ++c) {
    EXPECT_EQ(r->column_claims[c][0].point, p.result.column_claims[c][0].point);
    EXPECT_EQ(p.result.column_claims[c][0].value.value(),
              mle_evaluate(cols[c].parts[0], p.result.column_claims[c][0].point));
  }
  EXPECT_EQ(p.result.multiplicities[0], 3 + std::count(cols[1].parts[0].begin(), cols[1].parts[0].end(), -100) +
                                            std::count(cols[0].parts[0].begin(), cols[0].parts[0].end(), -100));
  // A single empty column, and a single column of one value.
  for (const Col& c : {Col{{0}, {{}}}, Col{{1}, {{-3}}}}) {
    const std::vector<Col> one = {c};
    const Proven q = prove(mode, table, one, false);
    const auto rq = verify(mode, table, dims_of(one), q.proof);
    EXPECT_TRUE(rq.ok()) << rq.error().to_string();
  }
}

TEST_P(Logup, FunctionTableCompletenessAndWrongOutput) {
  const ChannelMode mode = GetParam();
  std::mt19937_64 gen(3);
  std::vector<int64_t> y(200);
  for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<int64_t>((i * i) % 97) - 40;
  const FunctionTable table("test-f", -50, y, 8);
  Col c{{300}, {std::vector<int64_t>(300), std::vector<int64_t>(300)}};
  for (size_t i = 0; i < 300; ++i) {
    const size_t k = gen() % 200;
    c.parts[0][i] = -50 + static_cast<int64_t>(k);
    c.parts[1][i] = y[k];
  }
  const std::vector<Col> cols = {c};
  const Proven p = prove(mode, table, cols, false);
  const auto r = verify(mode, table, dims_of(cols), p.proof);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->column_claims[0].size(), 2u);
  EXPECT_EQ(p.result.column_claims[0][1].value.value(), mle_evaluate(c.parts[1], p.result.column_claims[0][1].point));
  // Against another function's table: rejected.
  std::vector<int64_t> y2 = y;
  y2[5] += 1;
  EXPECT_FALSE(verify(mode, FunctionTable("test-f", -50, y2, 8), dims_of(cols), p.proof).ok());
  // y != f(x) at one entry, with the multiplicities of the honest pairs elsewhere.
  Col bad = c;
  bad.parts[1][7] += 1;
  std::vector<int64_t> m(256, 0);
  for (size_t i = 0; i < 300; ++i) {
    if (i != 7) ++m[static_cast<size_t>(c.parts[0][i] + 50)];
  }
  ++m[static_cast<size_t>(c.parts[0][7] + 50)];
  const std::vector<Col> bad_cols = {bad};
  const Proven pb = prove(mode, table, bad_cols, true, m);
  EXPECT_EQ(verify(mode, table, dims_of(bad_cols), pb.proof).code(), ErrorCode::LOOKUP_SUM_MISMATCH);
}

TEST_P(Logup, ValueOutsideTableAndWrongMultiplicity) {
  const ChannelMode mode = GetParam();
  std::mt19937_64 gen(4);
  const RangeTable table = RangeTable::unsigned_bits(6);
  Col c = range_col(gen, 100, 0, 64);
  const std::vector<Col> cols = {c};
  EXPECT_THROW(logup_multiplicities(table, views({Col{{1}, {{64}}}})), ZkError);
  // A wrong multiplicity.
  auto m = logup_multiplicities(table, views(cols));
  m[static_cast<size_t>(c.parts[0][0])] += 1;
  EXPECT_EQ(verify(mode, table, dims_of(cols), prove(mode, table, cols, true, m).proof).code(),
            ErrorCode::LOOKUP_SUM_MISMATCH);
  // 64 is one past the range: counted at 63 (the closest a prover can get), still rejected.
  Col out = c;
  out.parts[0][3] = 64;
  auto mo = logup_multiplicities(table, views(cols));
  mo[static_cast<size_t>(c.parts[0][3])] -= 1;
  mo[63] += 1;
  const std::vector<Col> out_cols = {out};
  EXPECT_EQ(verify(mode, table, dims_of(out_cols), prove(mode, table, out_cols, true, mo).proof).code(),
            ErrorCode::LOOKUP_SUM_MISMATCH);
  // -1 is 2^255-ish in the field.
  out.parts[0][3] = -1;
  const std::vector<Col> neg_cols = {out};
  EXPECT_EQ(verify(mode, table, dims_of(neg_cols), prove(mode, table, neg_cols, true, mo).proof).code(),
            ErrorCode::LOOKUP_SUM_MISMATCH);
}

TEST_P(Logup, TamperedMessagesAndTranscripts) {
  const ChannelMode mode = GetParam();
  const bool clear = mode == ChannelMode::CLEAR;
  std::mt19937_64 gen(5);
  const RangeTable table = RangeTable::unsigned_bits(5);
  const std::vector<Col> cols = {range_col(gen, 40, 0, 32), range_col(gen, 9, 0, 32)};
  const auto dims = dims_of(cols);
  const Proven p = prove(mode, table, cols, false);
  ASSERT_TRUE(verify(mode, table, dims, p.proof).ok());
  const size_t com = p.result.multiplicity_commitment.commitment.byte_size();
  auto bump = [&](std::vector<uint8_t>& b, size_t at) {
    if (clear) {
      testing::bump_fr(b, at);
    } else {
      testing::bump_g1(b, at);
    }
  };
  const size_t vb = clear ? Fr::kBytes : G1::kBytes;
  // A root value: the root check reads it first.
  {
    auto b = p.proof;
    bump(b, com);
    EXPECT_EQ(verify(mode, table, dims, b).code(), ErrorCode::LOOKUP_SUM_MISMATCH);
  }
  // The first round message of the column tree's first sumcheck.
  {
    const size_t roots_end = com + 8 * vb + (clear ? 0 : 8 * (G1::kBytes + ProductProof::kBytes) + ZeroProof::kBytes);
    auto b = p.proof;
    bump(b, roots_end);
    EXPECT_EQ(verify(mode, table, dims, b).code(), ErrorCode::SUMCHECK_FINAL_MISMATCH);
  }
  // A column evaluation (the last values before the leaf checks and the opening).
  {
    Transcript t("logup-test");
    auto ch = make_prover_channel(mode, t);
    const auto v = views(cols);
    (void)logup_prove(*ch, table, v, logup_multiplicities(table, v));
    const size_t end = ch->proof().size() - (clear ? 0 : 3 * ZeroProof::kBytes);
    auto b = p.proof;
    bump(b, end - vb);
    EXPECT_EQ(verify(mode, table, dims, b).code(), ErrorCode::LOOKUP_COLUMN_MISMATCH);
  }
  // Truncated, and against another table or other shapes.
  EXPECT_EQ(verify(mode, table, dims, std::span(p.proof).subspan(0, p.proof.size() - 1)).code(),
            ErrorCode::TRUNCATED_PROOF);
  EXPECT_FALSE(verify(mode, RangeTable(0, 31, 5), dims, p.proof).ok());
  EXPECT_FALSE(verify(mode, table, {{40}, {10}}, p.proof).ok());
  // A different transcript: without a sync, some check fails; with one, TRANSCRIPT_MISMATCH.
  EXPECT_FALSE(verify(mode, table, dims, p.proof, "another-statement").ok());
  {
    Transcript t("logup-test");
    auto ch = make_prover_channel(mode, t);
    ch->sync("start");
    const auto v = views(cols);
    (void)logup_prove(*ch, table, v, logup_multiplicities(table, v));
    Transcript tv("another-statement");
    auto vch = make_verifier_channel(mode, tv, ch->proof());
    EXPECT_EQ(vch->sync("start").code(), ErrorCode::TRANSCRIPT_MISMATCH);
  }
}

}  // namespace
}  // namespace zklora
