// Pedersen commitments (small and full scalars agree, homomorphism, U independent of H and the G_i) and the
// Sigma protocols of sigma.h: completeness, rejection of false statements, tampered messages, other transcripts,
// serialization.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "zklora/curve/generators.h"
#include "zklora/pcs/pedersen.h"
#include "zklora/pcs/sigma.h"

namespace zklora {
namespace {

TEST(Pedersen, SmallAndFullScalarsAgree) {
  std::mt19937_64 gen(51);
  std::vector<int64_t> v(300);
  std::vector<int32_t> v32(300);
  std::vector<Fr> f(300);
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = static_cast<int64_t>(gen() % 65536) - 32768;
    v32[i] = static_cast<int32_t>(v[i]);
    f[i] = Fr::from_i64(v[i]);
  }
  const Fr rho = Fr::random(gen);
  const G1 c = pedersen_commit(f, rho);
  EXPECT_EQ(pedersen_commit_small(v, 16, rho), c);
  EXPECT_EQ(pedersen_commit_small(v32, 16, rho, 1), c);
  EXPECT_THROW((void)pedersen_commit_small(v, 8, rho), ZkError);
  // Homomorphism.
  std::vector<Fr> f2(300);
  for (Fr& x : f2) x = Fr::random(gen);
  std::vector<Fr> sum(300);
  for (size_t i = 0; i < 300; ++i) sum[i] = f[i] + f2[i];
  const Fr rho2 = Fr::random(gen);
  EXPECT_EQ(pedersen_commit(f, rho) + pedersen_commit(f2, rho2), pedersen_commit(sum, rho + rho2));
  EXPECT_EQ(pedersen_commit_scalar(Fr::from_u64(3), rho) + pedersen_commit_scalar(Fr::from_u64(4), rho2),
            pedersen_commit_scalar(Fr::from_u64(7), rho + rho2));
}

TEST(Pedersen, ValueGeneratorIsIndependent) {
  const G1& u = pedersen_value_generator();
  EXPECT_TRUE(u.in_subgroup());
  EXPECT_NE(u, pedersen_blinding_generator());
  EXPECT_EQ(pedersen_blinding_generator(), derive_blinding_generator());
  for (uint64_t i = 0; i < 8; ++i) EXPECT_NE(u, derive_generator(i));
}

TEST(Sigma, ZeroProof) {
  const Fr rho = Fr::random();
  const G1 c = pedersen_commit_scalar(Fr::zero(), rho);
  Transcript tp("sigma-test");
  const ZeroProof p = zero_prove(tp, rho);
  Transcript tv("sigma-test");
  EXPECT_TRUE(zero_verify(tv, c, p, ErrorCode::RELATION_MISMATCH).ok());
  EXPECT_EQ(tp.digest(), tv.digest());
  // A commitment to 1 with the same blinding: the proof does not transfer.
  const G1 c1 = pedersen_commit_scalar(Fr::one(), rho);
  Transcript tv1("sigma-test");
  EXPECT_EQ(zero_verify(tv1, c1, p, ErrorCode::RELATION_MISMATCH).code(), ErrorCode::RELATION_MISMATCH);
  // An honest-looking proof for a non-zero value fails.
  Transcript tp2("sigma-test");
  const ZeroProof bad = zero_prove(tp2, rho);
  Transcript tv2("sigma-test");
  EXPECT_FALSE(zero_verify(tv2, c1, bad, ErrorCode::PROOF_REJECTED).ok());
  // Another transcript, a tampered response.
  Transcript other("other");
  EXPECT_FALSE(zero_verify(other, c, p, ErrorCode::PROOF_REJECTED).ok());
  ZeroProof t = p;
  t.z += Fr::one();
  Transcript tv3("sigma-test");
  EXPECT_FALSE(zero_verify(tv3, c, t, ErrorCode::PROOF_REJECTED).ok());
  // Serialization.
  ByteWriter w;
  p.write(w);
  EXPECT_EQ(w.size(), ZeroProof::kBytes);
  ByteReader r(w.bytes());
  const auto back = ZeroProof::read(r);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->a, p.a);
  EXPECT_EQ(back->z, p.z);
  std::vector<uint8_t> cut(w.bytes().begin(), w.bytes().end() - 1);
  ByteReader rc(cut);
  EXPECT_EQ(ZeroProof::read(rc).code(), ErrorCode::TRUNCATED_PROOF);
}

TEST(Sigma, ProductProof) {
  std::mt19937_64 gen(52);
  const Fr a = Fr::random(gen), b = Fr::random(gen);
  const Fr ra = Fr::random(gen), rb = Fr::random(gen), rc = Fr::random(gen);
  const G1 ca = pedersen_commit_scalar(a, ra), cb = pedersen_commit_scalar(b, rb);
  const G1 cc = pedersen_commit_scalar(a * b, rc);
  Transcript tp("sigma-test");
  const ProductProof p = product_prove(tp, ca, a, ra, b, rb, rc);
  Transcript tv("sigma-test");
  EXPECT_TRUE(product_verify(tv, ca, cb, cc, p, ErrorCode::SUMCHECK_FINAL_MISMATCH).ok());
  EXPECT_EQ(tp.digest(), tv.digest());
  // c != a b.
  const G1 wrong = pedersen_commit_scalar(a * b + Fr::one(), rc);
  Transcript tp2("sigma-test");
  const ProductProof bad = product_prove(tp2, ca, a, ra, b, rb, rc);
  Transcript tv2("sigma-test");
  EXPECT_EQ(product_verify(tv2, ca, cb, wrong, bad, ErrorCode::SUMCHECK_FINAL_MISMATCH).code(),
            ErrorCode::SUMCHECK_FINAL_MISMATCH);
  // Each response tampered.
  for (int k = 0; k < 5; ++k) {
    ProductProof t = p;
    Fr* zs[] = {&t.z1, &t.z2, &t.z3, &t.z4, &t.z5};
    *zs[k] += Fr::one();
    Transcript tv3("sigma-test");
    EXPECT_FALSE(product_verify(tv3, ca, cb, cc, t, ErrorCode::PROOF_REJECTED).ok()) << k;
  }
  ByteWriter w;
  p.write(w);
  EXPECT_EQ(w.size(), ProductProof::kBytes);
  ByteReader r(w.bytes());
  const auto back = ProductProof::read(r);
  ASSERT_TRUE(back.ok());
  Transcript tv4("sigma-test");
  EXPECT_TRUE(product_verify(tv4, ca, cb, cc, *back, ErrorCode::PROOF_REJECTED).ok());
}

}  // namespace
}  // namespace zklora
