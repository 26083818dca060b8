// Hyrax: completeness for integer and field tables of every shape (including zero-padded tables and the extreme
// row splits), batch openings (several commitments at one point, one commitment at several points), committed
// claimed values; soundness (wrong value, tampered inner-product messages, another commitment, another
// transcript, wrong shapes), each with its code; encodings and their validated decoding.
#include "zklora/pcs/hyrax.h"

#include <blst.h>
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "zklora/pcs/codec.h"
#include "zklora/pcs/pedersen.h"
#include "zklora/poly/mle.h"

namespace zklora {
namespace {

std::vector<Fr> random_point(std::mt19937_64& gen, size_t n) {
  std::vector<Fr> z(n);
  for (Fr& x : z) x = Fr::random(gen);
  return z;
}

std::vector<int64_t> random_ints(std::mt19937_64& gen, size_t n, unsigned bits) {
  std::vector<int64_t> v(n);
  for (int64_t& x : v) x = static_cast<int64_t>(gen() >> (64 - bits)) - (int64_t{1} << (bits - 1));
  return v;
}

// One claim opened and verified; returns the verifier's status.
struct Single {
  HyraxCommitted com;
  std::vector<Fr> point;
  Fr value;
  HyraxOpening opening;
};

Single open_one(TableView table, const HyraxParams& p, std::mt19937_64& gen) {
  Single s{hyrax_commit(table, p), random_point(gen, p.num_vars), {}, {}};
  s.value = mle_evaluate(table, s.point);
  Transcript t("hyrax-test");
  const HyraxProverInput in{&s.com.commitment, &s.com.data, table};
  const HyraxProverClaim claim{0, s.point, s.value, Fr::zero(), true};
  s.opening = hyrax_open(t, std::span(&in, 1), std::span(&claim, 1));
  return s;
}

Status verify_one(const HyraxCommitment& c, const std::vector<Fr>& point, HyraxValue value,
                  const HyraxOpening& opening, std::string_view protocol = "hyrax-test") {
  Transcript t(protocol);
  const HyraxCommitment* cs[] = {&c};
  const HyraxVerifierClaim claim{0, point, value};
  return hyrax_verify(t, cs, std::span(&claim, 1), opening);
}

TEST(Hyrax, OpensIntegerAndFieldTablesOfEveryShape) {
  std::mt19937_64 gen(61);
  // Every split for small n; the balanced split only for n = 11 (the extreme splits of a large table cost a
  // scalar multiplication per entry).
  for (const unsigned n : {0u, 1u, 2u, 5u, 7u, 11u}) {
    for (const unsigned k : {0u, n / 2, (n + 1) / 2, n}) {
      if (n == 11 && k != (n + 1) / 2) continue;
      const HyraxParams p{n, k};
      const size_t full = size_t{1} << n;
      for (const size_t size : {full, full / 2 + 1}) {
        const auto ints = random_ints(gen, size, 16);
        std::vector<int32_t> narrow(ints.begin(), ints.end());
        std::vector<Fr> field(size);
        for (Fr& x : field) x = Fr::random(gen);
        for (const TableView table : {TableView(ints), TableView(narrow), TableView(field)}) {
          const Single s = open_one(table, p, gen);
          EXPECT_TRUE(verify_one(s.com.commitment, s.point, s.value, s.opening).ok())
              << "n " << n << " k " << k << " size " << size << " field " << table.is_field();
          EXPECT_EQ(s.opening.groups.size(), 1u);
          EXPECT_EQ(s.opening.groups[0].rounds(), n - k);
        }
      }
    }
  }
}

TEST(Hyrax, CommitmentIsHidingAndMatchesPedersenRows) {
  std::mt19937_64 gen(62);
  const auto ints = random_ints(gen, 64, 10);
  const HyraxParams p = HyraxParams::balanced(6);
  const HyraxCommitted a = hyrax_commit(ints, p), b = hyrax_commit(ints, p);
  EXPECT_FALSE(a.commitment == b.commitment);  // fresh blinding factors
  for (size_t i = 0; i < p.rows(); ++i) {
    const auto row = std::span<const int64_t>(ints).subspan(i * p.cols(), p.cols());
    EXPECT_EQ(G1::from_affine(a.commitment.rows()[i]), pedersen_commit_small(row, 10, a.data.row_blinds[i]));
  }
  EXPECT_THROW((void)hyrax_commit(ints, p, 8), ZkError);  // entries need 10 bits
  EXPECT_THROW((void)hyrax_commit(ints, HyraxParams::balanced(5)), ZkError);  // 64 entries > 2^5
}

TEST(Hyrax, CommittedValue) {
  std::mt19937_64 gen(63);
  const auto ints = random_ints(gen, 1 << 7, 12);
  const HyraxParams p = HyraxParams::balanced(7);
  const HyraxCommitted com = hyrax_commit(ints, p);
  const auto z = random_point(gen, 7);
  const Fr y = mle_evaluate(ints, z), beta = Fr::random(gen);
  Transcript tp("hyrax-test");
  const HyraxProverInput in{&com.commitment, &com.data, ints};
  const HyraxProverClaim claim{0, z, y, beta, false};
  const HyraxOpening o = hyrax_open(tp, std::span(&in, 1), std::span(&claim, 1));
  EXPECT_TRUE(verify_one(com.commitment, z, pedersen_commit_scalar(y, beta), o).ok());
  EXPECT_EQ(verify_one(com.commitment, z, pedersen_commit_scalar(y + Fr::one(), beta), o).code(),
            ErrorCode::HYRAX_OPENING_MISMATCH);
  EXPECT_EQ(verify_one(com.commitment, z, pedersen_commit_scalar(y, beta + Fr::one()), o).code(),
            ErrorCode::HYRAX_OPENING_MISMATCH);
}

TEST(Hyrax, BatchOpenings) {
  std::mt19937_64 gen(64);
  const HyraxParams p = HyraxParams::balanced(8);
  std::vector<std::vector<int64_t>> tables;
  std::vector<HyraxCommitted> coms;
  for (int i = 0; i < 3; ++i) {
    tables.push_back(random_ints(gen, 256 - 10 * static_cast<size_t>(i), 16));
    coms.push_back(hyrax_commit(tables.back(), p));
  }
  const auto z = random_point(gen, 8);
  auto z_same_cols = random_point(gen, 8);  // differs from z only in the row variables
  for (size_t j = p.row_vars; j < 8; ++j) z_same_cols[j] = z[j];
  const auto z_other = random_point(gen, 8);
  // (commitment, point): three at z (one group), commitment 0 again at z_same_cols (joins that group),
  // commitment 1 at z_other (a second group).
  const std::vector<std::pair<size_t, const std::vector<Fr>*>> spec = {
      {0, &z}, {1, &z}, {2, &z}, {0, &z_same_cols}, {1, &z_other}};
  std::vector<HyraxProverInput> inputs;
  for (size_t i = 0; i < 3; ++i) inputs.push_back({&coms[i].commitment, &coms[i].data, tables[i]});
  std::vector<HyraxProverClaim> pc;
  std::vector<HyraxVerifierClaim> vc;
  for (const auto& [c, pt] : spec) {
    const Fr y = mle_evaluate(tables[c], *pt);
    pc.push_back({c, *pt, y, Fr::zero(), true});
    vc.push_back({c, *pt, y});
  }
  Transcript tp("hyrax-test");
  const HyraxOpening o = hyrax_open(tp, inputs, pc);
  ASSERT_EQ(o.groups.size(), 2u);
  const HyraxCommitment* cs[] = {&coms[0].commitment, &coms[1].commitment, &coms[2].commitment};
  Transcript tv("hyrax-test");
  EXPECT_TRUE(hyrax_verify(tv, cs, vc, o).ok());
  EXPECT_EQ(tp.digest(), tv.digest());
  const auto rounds = hyrax_opening_rounds(cs, vc);
  ASSERT_TRUE(rounds.ok());
  EXPECT_EQ(*rounds, (std::vector<size_t>{6, 6}));  // two column points of 6 variables
  // Any one wrong value fails the whole batch.
  for (size_t k = 0; k < vc.size(); ++k) {
    auto bad = vc;
    bad[k].value = std::get<Fr>(bad[k].value) + Fr::one();
    Transcript t2("hyrax-test");
    EXPECT_EQ(hyrax_verify(t2, cs, bad, o).code(), ErrorCode::HYRAX_OPENING_MISMATCH) << k;
  }
  // Swapping two commitments' roles.
  auto swapped = vc;
  swapped[0].commitment = 2;
  swapped[2].commitment = 0;
  Transcript t3("hyrax-test");
  EXPECT_EQ(hyrax_verify(t3, cs, swapped, o).code(), ErrorCode::HYRAX_OPENING_MISMATCH);
  auto nowhere = vc;
  nowhere[0].commitment = 7;
  Transcript t4("hyrax-test");
  EXPECT_EQ(hyrax_verify(t4, cs, nowhere, o).code(), ErrorCode::INVALID_ARGUMENT);
}

TEST(Hyrax, Soundness) {
  std::mt19937_64 gen(65);
  const HyraxParams p = HyraxParams::balanced(9);
  const auto ints = random_ints(gen, 512, 16);
  const Single s = open_one(ints, p, gen);
  const HyraxCommitment& c = s.com.commitment;
  ASSERT_TRUE(verify_one(c, s.point, s.value, s.opening).ok());
  // A wrong opening value.
  EXPECT_EQ(verify_one(c, s.point, s.value + Fr::one(), s.opening).code(), ErrorCode::HYRAX_OPENING_MISMATCH);
  // The right value of another point.
  auto z2 = s.point;
  z2[0] += Fr::one();
  EXPECT_EQ(verify_one(c, z2, mle_evaluate(ints, z2), s.opening).code(), ErrorCode::HYRAX_OPENING_MISMATCH);
  // Tampered inner-product messages: every L_j, R_j, A, z1, z2.
  for (size_t j = 0; j < s.opening.groups[0].rounds(); ++j) {
    for (const bool left : {true, false}) {
      HyraxOpening t = s.opening;
      G1& m = left ? t.groups[0].l[j] : t.groups[0].r[j];
      m += G1::generator();
      EXPECT_EQ(verify_one(c, s.point, s.value, t).code(), ErrorCode::HYRAX_OPENING_MISMATCH) << j << left;
    }
  }
  {
    HyraxOpening t = s.opening;
    t.groups[0].a += G1::generator();
    EXPECT_EQ(verify_one(c, s.point, s.value, t).code(), ErrorCode::HYRAX_OPENING_MISMATCH);
    t = s.opening;
    t.groups[0].z1 += Fr::one();
    EXPECT_EQ(verify_one(c, s.point, s.value, t).code(), ErrorCode::HYRAX_OPENING_MISMATCH);
    t = s.opening;
    t.groups[0].z2 += Fr::one();
    EXPECT_EQ(verify_one(c, s.point, s.value, t).code(), ErrorCode::HYRAX_OPENING_MISMATCH);
  }
  // A commitment to a different tensor (same shape), even one differing in a single entry.
  auto other = ints;
  other[100] += 1;
  const HyraxCommitted c2 = hyrax_commit(other, p);
  EXPECT_EQ(verify_one(c2.commitment, s.point, s.value, s.opening).code(), ErrorCode::HYRAX_OPENING_MISMATCH);
  // A commitment to the same tensor with other blinding factors.
  const HyraxCommitted c3 = hyrax_commit(ints, p);
  EXPECT_EQ(verify_one(c3.commitment, s.point, s.value, s.opening).code(), ErrorCode::HYRAX_OPENING_MISMATCH);
  // Another transcript.
  EXPECT_EQ(verify_one(c, s.point, s.value, s.opening, "other").code(), ErrorCode::HYRAX_OPENING_MISMATCH);
  // Shapes: a point of the wrong length, a proof with a round missing, a proof for two groups.
  auto short_point = s.point;
  short_point.pop_back();
  EXPECT_EQ(verify_one(c, short_point, s.value, s.opening).code(), ErrorCode::HYRAX_SHAPE_MISMATCH);
  HyraxOpening fewer = s.opening;
  fewer.groups[0].l.pop_back();
  fewer.groups[0].r.pop_back();
  EXPECT_EQ(verify_one(c, s.point, s.value, fewer).code(), ErrorCode::HYRAX_SHAPE_MISMATCH);
  HyraxOpening more = s.opening;
  more.groups.push_back(more.groups[0]);
  EXPECT_EQ(verify_one(c, s.point, s.value, more).code(), ErrorCode::HYRAX_SHAPE_MISMATCH);
}

// The batch weights gamma are drawn after every group's responses: a prover that knew them first could change
// the responses z1 of four one-round groups along a vector the weighted sum does not see (the generators G_0,
// G_1 and U give three linear conditions on four unknowns), and the batch equation would still hold although
// every single group's equation fails. Here the change is built against the challenges of the honest proof: with
// those the patched proof satisfies the batch equation, and the verifier, whose later challenges and gammas
// depend on the patched responses, rejects it.
TEST(Hyrax, ResponsesAreBoundBeforeTheBatchWeights) {
  std::mt19937_64 gen(68);
  const HyraxParams p{2, 1};  // 2 rows of 2 columns: one IPA round per group
  const auto ints = random_ints(gen, 4, 16);
  const HyraxCommitted com = hyrax_commit(ints, p);
  std::vector<HyraxProverClaim> pc;
  std::vector<HyraxVerifierClaim> vc;
  for (int k = 0; k < 4; ++k) {
    const auto z = random_point(gen, 2);  // distinct column points: four groups
    pc.push_back({0, z, mle_evaluate(ints, z), Fr::zero(), true});
    vc.push_back({0, z, pc.back().value});
  }
  const HyraxProverInput in{&com.commitment, &com.data, ints};
  Transcript tp("hyrax-test");
  const HyraxOpening honest = hyrax_open(tp, std::span(&in, 1), pc);
  ASSERT_EQ(honest.groups.size(), 4u);
  const HyraxCommitment* cs[] = {&com.commitment};
  Transcript t0("hyrax-test");
  const auto terms = hyrax_batch_terms(t0, cs, vc, honest);
  ASSERT_TRUE(terms.ok());
  ASSERT_TRUE(hyrax_batch_check(cs, vc, *terms));

  // Rows of M: per group g, what one unit more of z1_g adds to the coefficients of G_0, G_1 and U in the batch
  // equation (gamma_g included). A kernel vector a of M (3 x 4) is a change of the four z1 it does not see.
  Fr m[3][4];
  for (size_t g = 0; g < 4; ++g) {
    const HyraxGroupTerms& gt = terms->groups[g];
    const Fr inv_z1 = honest.groups[g].z1.inverse();
    m[0][g] = terms->gamma[g] * gt.check.g_scalars[0] * inv_z1;
    m[1][g] = terms->gamma[g] * gt.check.g_scalars[1] * inv_z1;
    m[2][g] = terms->gamma[g] * gt.check.q_scalar * gt.x * inv_z1;
  }
  for (size_t col = 0; col < 3; ++col) {  // reduced row echelon form; the last column stays free
    const Fr inv = m[col][col].inverse();
    for (Fr& x : m[col]) x *= inv;
    for (size_t r = 0; r < 3; ++r) {
      if (r == col) continue;
      const Fr f = m[r][col];
      for (size_t c = 0; c < 4; ++c) m[r][c] -= f * m[col][c];
    }
  }
  const Fr a[4] = {-m[0][3], -m[1][3], -m[2][3], Fr::one()};
  HyraxOpening patched = honest;
  for (size_t g = 0; g < 4; ++g) patched.groups[g].z1 += a[g];

  // Had the challenges not depended on the responses (the honest proof's challenges, z1 entering the equation
  // linearly), the patched responses would pass the batch equation...
  HyraxBatchTerms stale = *terms;
  for (size_t g = 0; g < 4; ++g) {
    const Fr ratio = patched.groups[g].z1 * honest.groups[g].z1.inverse();
    for (Fr& x : stale.groups[g].check.g_scalars) x *= ratio;
    stale.groups[g].check.q_scalar *= ratio;
  }
  EXPECT_TRUE(hyrax_batch_check(cs, vc, stale));
  // ...but the verifier's gammas follow the responses.
  Transcript t2("hyrax-test");
  EXPECT_EQ(hyrax_verify(t2, cs, vc, patched).code(), ErrorCode::HYRAX_OPENING_MISMATCH);
  Transcript t3("hyrax-test");
  EXPECT_TRUE(hyrax_verify(t3, cs, vc, honest).ok());
}

TEST(Hyrax, ProverRefusesAFalseClaim) {
  std::mt19937_64 gen(66);
  const auto ints = random_ints(gen, 16, 8);
  const HyraxCommitted com = hyrax_commit(ints, HyraxParams::balanced(4));
  Transcript t("hyrax-test");
  const HyraxProverInput in{&com.commitment, &com.data, ints};
  const auto z = random_point(gen, 4);
  const HyraxProverClaim claim{0, z, mle_evaluate(ints, z) + Fr::one(), Fr::zero(), true};
  EXPECT_THROW((void)hyrax_open(t, std::span(&in, 1), std::span(&claim, 1)), ZkError);
}

// A point of order dividing the cofactor, not the identity: r P for a curve point P outside G1 (scalar
// multiplications of at most 128 bits, which blst computes without the endomorphism that assumes G1).
G1 torsion_point() {
  std::array<uint8_t, 48> b{};
  for (uint8_t x = 1;; ++x) {
    b[47] = x;
    b[0] = 0x80;
    if (auto a = decode_g1_affine_on_curve(b)) {
      blst_p1 p;
      blst_p1_from_affine(&p, &a->p);
      // r = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001, as two 128-bit halves.
      static constexpr uint8_t kLo[16] = {0x01, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
                                          0xfe, 0x5b, 0xfe, 0xff, 0x02, 0xa4, 0xbd, 0x53};
      static constexpr uint8_t kHi[16] = {0x05, 0xd8, 0xa1, 0x09, 0x08, 0xd8, 0x39, 0x33,
                                          0x48, 0x7d, 0x9d, 0x29, 0x53, 0xa7, 0xed, 0x73};
      G1 h, l;
      blst_p1_mult(&h.raw(), &p, kHi, 128);
      blst_p1_mult(&l.raw(), &p, kLo, 128);
      return h.mul_pow2(128) + l;
    }
  }
}

TEST(Hyrax, RowsOutsideG1) {
  // The verifier decodes rows on the curve only and clears the cofactor of its one MSM (hyrax.h, Points): a row
  // with a torsion component decodes, proves what its G1 component proves, and a false claim stays false.
  const G1 tor = torsion_point();
  ASSERT_FALSE(tor.is_identity());
  ASSERT_TRUE(tor.on_curve());
  ASSERT_FALSE(tor.in_subgroup());
  ASSERT_TRUE(tor.mul_cofactor().is_identity());
  std::mt19937_64 gen(71);
  const HyraxParams p = HyraxParams::balanced(8);
  const auto ints = random_ints(gen, 256, 16);
  const HyraxCommitted honest = hyrax_commit(ints, p);
  std::vector<G1Affine> rows(honest.commitment.rows().begin(), honest.commitment.rows().end());
  rows[3] = (G1::from_affine(rows[3]) + tor).to_affine();
  const std::vector<uint8_t> bytes = HyraxCommitment(p, rows).to_bytes();
  const auto decoded = HyraxCommitment::from_bytes(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
  ByteReader strict(std::span<const uint8_t>(bytes).subspan(2));
  EXPECT_EQ(strict.g1_affines(p.rows(), "row").code(), ErrorCode::POINT_NOT_IN_SUBGROUP);
  const HyraxCommitment& shifted = *decoded;
  EXPECT_FALSE(shifted == honest.commitment);
  const auto z = random_point(gen, 8);
  const Fr y = mle_evaluate(TableView(ints), z);
  const auto prove = [&](const HyraxCommitment& c, const Fr& value) {
    Transcript t("hyrax-test");
    const HyraxProverInput in{&c, &honest.data, TableView(ints)};
    const HyraxProverClaim claim{0, z, value, Fr::zero(), true};
    return hyrax_open(t, std::span(&in, 1), std::span(&claim, 1), 0, true);
  };
  const HyraxOpening on_shifted = prove(shifted, y);
  EXPECT_TRUE(verify_one(shifted, z, y, on_shifted).ok());
  EXPECT_EQ(verify_one(shifted, z, y + Fr::one(), prove(shifted, y + Fr::one())).code(),
            ErrorCode::HYRAX_OPENING_MISMATCH);
  // The rows' encodings name the commitment: an opening made for the honest rows fails against the shifted ones.
  EXPECT_EQ(verify_one(shifted, z, y, prove(honest.commitment, y)).code(), ErrorCode::HYRAX_OPENING_MISMATCH);
}

TEST(Hyrax, Encodings) {
  std::mt19937_64 gen(67);
  const HyraxParams p = HyraxParams::balanced(10);
  const auto ints = random_ints(gen, 1000, 16);
  const Single s = open_one(ints, p, gen);
  // Commitment: round trip, size O(sqrt n), every corruption caught.
  const auto cb = s.com.commitment.to_bytes();
  ASSERT_EQ(p.row_vars, 3u);  // 8 rows of 128 columns
  EXPECT_EQ(cb.size(), 2 + 8 * 48u);
  const auto back = HyraxCommitment::from_bytes(cb);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back == s.com.commitment);
  EXPECT_EQ(HyraxCommitment::from_bytes(std::span(cb).first(cb.size() - 1)).code(), ErrorCode::TRUNCATED_PROOF);
  auto longer = cb;
  longer.push_back(0);
  EXPECT_EQ(HyraxCommitment::from_bytes(longer).code(), ErrorCode::TRAILING_PROOF_BYTES);
  auto bad_n = cb;
  bad_n[0] = 41;
  EXPECT_EQ(HyraxCommitment::from_bytes(bad_n).code(), ErrorCode::HYRAX_SHAPE_MISMATCH);
  auto bad_k = cb;
  bad_k[1] = 11;
  EXPECT_EQ(HyraxCommitment::from_bytes(bad_k).code(), ErrorCode::HYRAX_SHAPE_MISMATCH);
  auto huge_k = cb;
  huge_k[0] = 40;
  huge_k[1] = 40;  // claims 2^40 rows: rejected by length, nothing allocated
  EXPECT_EQ(HyraxCommitment::from_bytes(huge_k).code(), ErrorCode::TRUNCATED_PROOF);
  auto bad_point = cb;
  bad_point[2 + 48 * 5] &= 0x7f;  // clears the compression flag of row 5
  const auto bp = HyraxCommitment::from_bytes(bad_point);
  EXPECT_EQ(bp.code(), ErrorCode::BAD_POINT_ENCODING);
  EXPECT_NE(bp.error().message.find("byte 242"), std::string::npos) << bp.error().message;

  // Opening: round trip, O(log n) size, corruptions.
  ByteWriter w;
  s.opening.write(w);
  EXPECT_EQ(w.size(), s.opening.byte_size());
  EXPECT_EQ(w.size(), (2 * 7 + 1) * 48u + 2 * 32u);
  const std::vector<size_t> rounds = {7};
  {
    ByteReader r(w.bytes());
    const auto o = HyraxOpening::read(r, rounds);
    ASSERT_TRUE(o.ok());
    EXPECT_TRUE(r.finish().ok());
    EXPECT_TRUE(verify_one(s.com.commitment, s.point, s.value, *o).ok());
  }
  for (size_t cut : {size_t{0}, size_t{1}, size_t{47}, w.size() - 1}) {
    ByteReader r(std::span(w.bytes()).first(cut));
    EXPECT_EQ(HyraxOpening::read(r, rounds).code(), ErrorCode::TRUNCATED_PROOF) << cut;
  }
  auto nc = w.bytes();
  for (size_t i = nc.size() - 32; i < nc.size(); ++i) nc[i] = 0xff;  // z2 >= r
  ByteReader rn(nc);
  EXPECT_EQ(HyraxOpening::read(rn, rounds).code(), ErrorCode::NON_CANONICAL_FIELD);
  // Every single-byte corruption is rejected, by the decoder or by the verifier.
  auto garbled = w.bytes();
  for (size_t i = 0; i < garbled.size(); i += 7) {
    garbled[i] ^= 0x04;
    ByteReader r(garbled);
    const auto o = HyraxOpening::read(r, rounds);
    if (o.ok()) {
      EXPECT_FALSE(verify_one(s.com.commitment, s.point, s.value, *o).ok()) << "byte " << i;
    }
    garbled[i] ^= 0x04;
  }
}

}  // namespace
}  // namespace zklora
