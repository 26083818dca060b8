// Transcript: a known answer computed by an independent implementation of the framing, determinism, and
// sensitivity to every input: order, labels, framing, protocol names, forks.
#include "zklora/transcript/transcript.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace zklora {
namespace {

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(Transcript, KnownAnswer) {
  // Expected values from a 20-line Python model of the frame layout in transcript.h (hashlib.sha256, the
  // 64-byte challenge read little-endian and reduced mod r): a change to the format breaks this on purpose.
  Transcript t("known-answer");
  t.absorb_u64("n", 5);
  t.absorb_bytes("data", bytes("hello"));
  EXPECT_EQ(t.challenge_fr("alpha").to_string(),
            "41627284794330635157191402007604293369881350504251251932581315231088752585235");
  t.absorb_fr("x", Fr::from_u64(7));
  t.domain("sub");
  EXPECT_EQ(t.challenge_fr("beta").to_string(),
            "283233772194780023494011246789221649420458604709013428449334104611915753777");
}

TEST(Transcript, IsDeterministic) {
  auto run = [] {
    Transcript t("proto");
    t.absorb_fr("a", Fr::from_u64(1));
    t.absorb_g1("p", G1::generator());
    t.absorb_frs("v", std::vector<Fr>{Fr::from_u64(2), Fr::from_u64(3)});
    t.absorb_g1s("ps", std::vector<G1>{G1::generator(), G1::identity()});
    return t.challenge_frs("c", 3);
  };
  EXPECT_EQ(run(), run());
}

TEST(Transcript, ChallengesDifferFromEachOther) {
  Transcript t("proto");
  const std::vector<Fr> cs = t.challenge_frs("c", 100);
  std::set<std::string> seen;
  for (const Fr& c : cs) seen.insert(c.to_string());
  EXPECT_EQ(seen.size(), cs.size());
  EXPECT_NE(t.challenge_fr("c"), cs.back());
}

TEST(Transcript, DependsOnOrder) {
  Transcript a("proto"), b("proto");
  a.absorb_u64("x", 1);
  a.absorb_u64("y", 2);
  b.absorb_u64("y", 2);
  b.absorb_u64("x", 1);
  EXPECT_NE(a.challenge_fr("c"), b.challenge_fr("c"));
}

TEST(Transcript, DependsOnLabels) {
  Transcript a("proto"), b("proto");
  a.absorb_u64("x", 1);
  b.absorb_u64("z", 1);
  EXPECT_NE(a.challenge_fr("c"), b.challenge_fr("c"));
  Transcript c("proto"), d("proto");
  EXPECT_NE(c.challenge_fr("alpha"), d.challenge_fr("beta"));
}

TEST(Transcript, FramingSeparatesLabelFromDataAndMessagesFromEachOther) {
  Transcript a("proto"), b("proto");
  a.absorb_bytes("ab", bytes("c"));
  b.absorb_bytes("a", bytes("bc"));
  EXPECT_NE(a.digest(), b.digest());

  Transcript c("proto"), d("proto");
  c.absorb_bytes("m", bytes("12"));
  c.absorb_bytes("m", bytes("3"));
  d.absorb_bytes("m", bytes("1"));
  d.absorb_bytes("m", bytes("23"));
  EXPECT_NE(c.digest(), d.digest());

  Transcript e("proto"), f("proto");
  e.absorb_bytes("m", {});
  EXPECT_NE(e.digest(), f.digest()) << "an empty message is still a message";

  // A vector absorb is one frame, not the concatenation of single absorbs.
  Transcript g("proto"), h("proto");
  g.absorb_frs("v", std::vector<Fr>{Fr::from_u64(1), Fr::from_u64(2)});
  h.absorb_fr("v", Fr::from_u64(1));
  h.absorb_fr("v", Fr::from_u64(2));
  EXPECT_NE(g.digest(), h.digest());
}

TEST(Transcript, DependsOnProtocolNameAndDomains) {
  Transcript a("sumcheck"), b("lookup");
  EXPECT_NE(a.challenge_fr("c"), b.challenge_fr("c"));
  Transcript c("proto"), d("proto");
  c.domain("sub-a");
  d.domain("sub-b");
  EXPECT_NE(c.challenge_fr("c"), d.challenge_fr("c"));
  // A domain is not an absorb with the same bytes.
  Transcript e("proto"), f("proto");
  e.domain("x");
  f.absorb_bytes("protocol", bytes("x"));
  EXPECT_NE(e.digest(), f.digest());
}

TEST(Transcript, DependsOnEveryAbsorbedValue) {
  Transcript base("proto");
  base.absorb_fr("x", Fr::from_u64(5));
  Transcript other("proto");
  other.absorb_fr("x", Fr::from_u64(6));
  EXPECT_NE(base.challenge_fr("c"), other.challenge_fr("c"));

  Transcript p("proto"), q("proto");
  p.absorb_g1("P", G1::generator());
  q.absorb_g1("P", G1::generator().dbl());
  EXPECT_NE(p.challenge_fr("c"), q.challenge_fr("c"));
}

TEST(Transcript, ForksAreIndependent) {
  Transcript t("proto");
  t.absorb_u64("statement", 42);
  const auto before = t.digest();

  Transcript f0 = t.fork("layer", 0);
  Transcript f1 = t.fork("layer", 1);
  Transcript g0 = t.fork("head", 0);
  EXPECT_EQ(t.digest(), before) << "forking leaves the parent unchanged";
  EXPECT_NE(f0.digest(), f1.digest());
  EXPECT_NE(f0.digest(), g0.digest());
  EXPECT_NE(f0.digest(), t.digest());

  // What one fork absorbs does not reach its sibling or its parent.
  Transcript f1_again = t.fork("layer", 1);
  f0.absorb_u64("work", 7);
  (void)f0.challenge_fr("c");
  EXPECT_EQ(f1.challenge_fr("c"), f1_again.challenge_fr("c"));
  EXPECT_EQ(t.digest(), before);

  // A fork depends on what the parent absorbed before it.
  Transcript u("proto");
  u.absorb_u64("statement", 43);
  EXPECT_NE(u.fork("layer", 0).digest(), t.fork("layer", 0).digest());
}

TEST(Transcript, CopiesContinueIndependently) {
  Transcript a("proto");
  a.absorb_u64("x", 1);
  Transcript b = a;
  EXPECT_EQ(a.digest(), b.digest());
  b.absorb_u64("y", 2);
  EXPECT_NE(a.digest(), b.digest());
  a = b;
  EXPECT_EQ(a.challenge_fr("c"), b.challenge_fr("c"));
  Transcript moved = std::move(a);
  EXPECT_EQ(moved.digest(), b.digest());
}

}  // namespace
}  // namespace zklora
